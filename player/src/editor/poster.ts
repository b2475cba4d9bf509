/**
 * A lesson's 表紙 (poster), the picture learners see before its video
 * plays, once the video is ready: the current one shown (`GET
 * /api/v1/videos/{id}/poster` as a blob: URL, fetched when the part is
 * first opened); a JPEG or PNG of the editor's in its place (`PUT`, the
 * file as the raw body, checked here first: its type and 10 MiB); and
 * 「自動作成の表紙に戻す」 back to the one drawn from the video (`DELETE`,
 * after a confirmation). The server shrinks and re-encodes the picture.
 */
import type { LessonDraft, VideoInfo } from '../api';
import { confirmDialog } from '../admin/dialog';
import { field, h, refocus } from '../dom';
import { alertLine, hidden } from './courses';
import type { Editing } from './lessons-edit';
import { POSTER_ACCEPT, posterFailure, posterFileProblem, posterKind, posterKindLabel } from './logic';
import { t } from './messages';

/** Each 表紙 part's update, for a new answer about its video. */
const refreshers = new WeakMap<Element, (v: VideoInfo) => void>();

/** The blob: URL each poster image shows, revoked once it is replaced or gone from the page. */
const objectUrls = new Map<HTMLImageElement, string>();

/** Shows `blob` in `img` (releasing the URLs of images no longer shown). */
function showBlob(img: HTMLImageElement, blob: Blob): void {
  for (const [el, url] of objectUrls) {
    if (el === img || !el.isConnected) {
      URL.revokeObjectURL(url);
      objectUrls.delete(el);
    }
  }
  const url = URL.createObjectURL(blob);
  objectUrls.set(img, url);
  img.src = url;
}

/** Shows what changed about video `videoId` in its lessons' 表紙 parts. */
export function updatePosterParts(videoId: number, v: VideoInfo): void {
  for (const part of document.querySelectorAll(`[data-poster-of="${videoId}"]`)) refreshers.get(part)?.(v);
}

/** The 表紙 part of lesson number `n` (hidden until its video is ready). */
export function posterPart(state: Editing, lesson: LessonDraft, n: number): HTMLElement {
  const { host } = state;
  const videoId = lesson.video_id;
  const title = lesson.title;
  const fileId = `poster-file-${n}`;
  const file = h('input', { id: fileId, type: 'file', accept: POSTER_ACCEPT });
  const img = h('img', { class: 'poster-image', alt: t('e.poster.alt', { title }), hidden: true });
  const none = h('p', { class: 'hint', hidden: true }, t('e.poster.none'));
  const picture = h('div', { class: 'poster-picture', 'aria-busy': 'false' }, img, none);
  const kind = h('span', {});
  const error = alertLine();
  const busy = h('p', { class: 'poster-busy', hidden: true });
  const send = h('button', { type: 'button', class: 'secondary' }, t('e.poster.upload'), hidden(t('e.paren', { text: title })));
  const reset = h(
    'button',
    { type: 'button', class: 'secondary danger-outline', hidden: true },
    t('e.poster.reset'),
    hidden(t('e.paren', { text: title })),
  );
  const part = h(
    'details',
    { class: 'poster-edit', 'data-poster-of': String(videoId), hidden: true },
    h('summary', {}, t('e.poster'), kind, hidden(t('e.lesson.of', { title }))),
    picture,
    field(fileId, t('e.poster.file'), file, t('e.poster.hint')),
    error,
    busy,
    h('div', { class: 'row-actions' }, send, reset),
  );

  /** The poster file shown (or asked for) now; undefined before the first look. */
  let shownName: string | null | undefined;
  const load = (name: string | null): void => {
    shownName = name;
    if (!name) {
      img.hidden = true;
      none.hidden = false;
      return;
    }
    host.api
      .poster(videoId)
      .then((blob) => {
        if (shownName !== name) return; // A newer one was asked for meanwhile.
        showBlob(img, blob);
        img.hidden = false;
        none.hidden = true;
      })
      .catch((err: unknown) => {
        if (host.handleAuthError(err)) return;
        if (err instanceof host.ApiError && err.status === 404) {
          img.hidden = true;
          none.hidden = false;
        } else {
          error.textContent = t('e.poster.loadFailed', { error: host.errorMessage(err) });
        }
      });
  };
  const refresh = (v: VideoInfo): void => {
    part.hidden = v.status !== 'ready';
    const k = posterKind(v.poster);
    kind.textContent = posterKindLabel(k);
    reset.hidden = k !== 'own';
    if (part.open && !part.hidden && (v.poster ?? null) !== shownName) load(v.poster ?? null);
  };
  refreshers.set(part, refresh);
  part.addEventListener('toggle', () => {
    const v = state.videos.get(videoId);
    if (part.open && v && (v.poster ?? null) !== shownName) load(v.poster ?? null);
  });
  const known = state.videos.get(videoId);
  if (known) refresh(known);

  /** Busy (with what it says) or not: the controls wait meanwhile. */
  const setBusy = (text: string | null): void => {
    send.disabled = reset.disabled = file.disabled = text !== null;
    busy.hidden = text === null;
    busy.textContent = text ?? '';
    picture.setAttribute('aria-busy', String(text !== null));
  };
  /** Focus lost while the controls waited (or left on one now hidden) goes to `to`. */
  const refocusTo = (to: HTMLElement): void => {
    if (host.isCurrent()) refocus(to, send, reset, file);
  };
  const problemOf = (chosen: File | undefined): string | null => {
    const problem = chosen ? posterFileProblem(chosen) : t('e.poster.noFile');
    if (problem) file.setAttribute('aria-invalid', 'true');
    else file.removeAttribute('aria-invalid');
    return problem;
  };
  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    error.textContent = chosen ? (problemOf(chosen) ?? '') : '';
  });
  send.addEventListener('click', () => {
    const chosen = file.files?.[0];
    const problem = problemOf(chosen);
    error.textContent = problem ?? '';
    if (problem || !chosen) {
      file.focus();
      return;
    }
    setBusy(t('e.poster.busy'));
    host.api
      .setPoster(videoId, chosen)
      .then((r) => {
        const v = state.videos.get(videoId);
        if (v) {
          const now = { ...v, poster: r.poster };
          state.videos.set(videoId, now);
          updatePosterParts(videoId, now);
        }
        file.value = '';
        host.announce(t('e.poster.set', { title }));
      })
      .catch((err: unknown) => {
        if (host.handleAuthError(err)) return;
        error.textContent = posterFailure(err instanceof host.ApiError ? err.status : 0, host.errorMessage(err));
      })
      .finally(() => {
        setBusy(null);
        refocusTo(send);
      });
  });
  reset.addEventListener('click', () => {
    void confirmDialog({
      title: t('e.poster.reset.title'),
      body: [t('e.poster.reset.body', { title })],
      confirm: t('e.poster.reset.confirm'),
      danger: true,
    }).then((ok) => {
      if (!ok) return;
      error.textContent = '';
      setBusy(t('e.poster.resetting'));
      host.api
        .resetPoster(videoId)
        .then(() => host.api.video(videoId))
        .then((v) => {
          state.videos.set(videoId, v);
          updatePosterParts(videoId, v);
          host.announce(t('e.poster.reset.done', { title }));
        })
        .catch((err: unknown) => {
          if (!host.handleAuthError(err)) error.textContent = t('e.poster.resetFailed', { error: host.errorMessage(err) });
        })
        .finally(() => {
          setBusy(null);
          // The button is gone once the poster is the drawn one again.
          refocusTo(reset.hidden ? file : reset);
        });
    });
  });
  return part;
}
