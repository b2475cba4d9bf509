/**
 * The lessons of the course being edited: each one's title, order and
 * removal (after a confirmation; saved with 「レッスンの変更を保存」), its
 * video's processing (followed until ready or failed), its captions and,
 * once ready, its poster (poster.ts).
 */
import type { CourseDetail, LessonDraft, VideoInfo } from '../api';
import { confirmDialog } from '../admin/dialog';
import { field, h, refocus } from '../dom';
import { formatDuration } from '../format';
import { alertLine, hidden } from './courses';
import type { EditorHost } from './host';
import { CAPTION_LANGS, isProcessing, moveItem, percentOf, processingNews, removeItem, titleProblem, videoStatusLabel } from './logic';
import { posterPart, updatePosterParts } from './poster';
import { followProcessing } from './upload';
import { t } from './messages';

/** The page's state: the course as saved, and the lessons as being edited. */
export interface Editing {
  host: EditorHost;
  course: CourseDetail;
  lessons: LessonDraft[];
  /** What is known of each video (by id), kept fresh while it processes. */
  videos: Map<number, VideoInfo>;
  /** Lesson edits not saved yet. */
  dirty: boolean;
}
/**
 * Follows one video's processing, repainting the lessons as it changes and
 * saying when it ends (for a video `justAdded`, even when its first answer
 * is already the end: a file that is no video fails at once).
 */
export function watchVideo(state: Editing, videoId: number, paint: () => void, justAdded = false): void {
  followProcessing(state.host, videoId, (v) => {
    const before = state.videos.get(videoId);
    state.videos.set(videoId, v);
    if (!state.host.isCurrent()) return;
    updateVideoState(state, videoId, v);
    const title = state.lessons.find((l) => l.video_id === videoId)?.title ?? v.title;
    const news = processingNews(title, before?.status, v, justAdded);
    if (news) {
      state.host.announce(news);
      paint();
    }
  });
}

/** The state of a lesson's video, in the row's `[data-video]` line. */
function videoStateLine(videoId: number, v: VideoInfo | undefined): HTMLElement[] {
  if (!v) return [h('span', {}, t('e.lesson.checking', { id: videoId }))];
  const parts: HTMLElement[] = [h('span', {}, t('e.lesson.video', { id: videoId, status: videoStatusLabel(v.status) }))];
  if (isProcessing(v.status)) {
    const pct = percentOf(v.progress, 1);
    const labelId = `video-${videoId}-label`;
    parts[0]!.id = labelId;
    parts.push(
      h('progress', { max: 100, value: pct, 'aria-labelledby': labelId }),
      h('span', {}, `${pct}%`),
    );
  } else if (v.status === 'ready') {
    parts.push(h('span', {}, t('e.paren', { text: formatDuration(v.duration_s) })));
  } else if (v.status === 'failed' && v.error) {
    parts.push(h('span', { class: 'form-error' }, v.error));
  }
  return parts;
}

/** The captions a video has, for the summary of its lesson's 字幕 part. */
const captionNames = (v: VideoInfo | undefined): string =>
  v?.captions?.length ? t('e.paren', { text: v.captions.map((c) => c.name).join(t('e.sep')) }) : '';

/** Asks for a video again and shows what changed (after its captions changed). */
async function reloadVideo(state: Editing, videoId: number): Promise<void> {
  const v = await state.host.api.video(videoId);
  state.videos.set(videoId, v);
  updateVideoState(state, videoId, v);
}

/** The captions a video has, each with 削除 (after a confirmation). */
function captionItems(state: Editing, videoId: number, v: VideoInfo | undefined): HTMLElement[] {
  const { host } = state;
  const title = state.lessons.find((l) => l.video_id === videoId)?.title ?? '';
  return (v?.captions ?? []).map((c) => {
    const remove = h('button', { type: 'button', class: 'secondary danger-outline' }, t('e.remove'), hidden(t('e.lesson.captionOf', { name: c.name, title })));
    remove.addEventListener('click', () => {
      void confirmDialog({
        title: t('e.lesson.captions.title'),
        body: [t('e.lesson.captions.body', { title, name: c.name, n: c.cues })],
        confirm: t('e.delete'),
        danger: true,
      }).then(async (ok) => {
        if (!ok) return;
        try {
          await host.api.deleteCaptions(videoId, c.lang);
          host.announce(t('e.lesson.captions.deleted', { title, name: c.name }));
          await reloadVideo(state, videoId);
        } catch (err) {
          if (!host.handleAuthError(err)) host.announce(t('e.lesson.captions.deleteFailed', { error: host.errorMessage(err) }));
        }
      });
    });
    return h('li', {}, t('e.lesson.captionItem', { name: c.name, lang: c.lang, n: c.cues }), ' ', remove);
  });
}

function updateVideoState(state: Editing, videoId: number, v: VideoInfo): void {
  for (const line of document.querySelectorAll<HTMLElement>(`[data-video="${videoId}"]`)) {
    line.replaceChildren(...videoStateLine(videoId, v));
  }
  for (const names of document.querySelectorAll<HTMLElement>(`[data-captions-of="${videoId}"]`)) {
    names.textContent = captionNames(v);
  }
  for (const list of document.querySelectorAll<HTMLElement>(`[data-captions-list="${videoId}"]`)) {
    list.replaceChildren(...captionItems(state, videoId, v));
  }
  updatePosterParts(videoId, v);
}

export function paintLessons(state: Editing, list: HTMLOListElement, paint: () => void): void {
  if (!state.lessons.length) {
    list.replaceChildren(h('li', { class: 'muted' }, t('e.lesson.none')));
    return;
  }
  list.replaceChildren(
    ...state.lessons.map((lesson, i) => {
      const n = i + 1;
      const inputId = `lesson-title-${n}`;
      const input = h('input', { id: inputId, type: 'text', value: lesson.title, maxlength: 200 });
      input.addEventListener('input', () => {
        lesson.title = input.value;
        state.dirty = true;
      });
      const move = (delta: -1 | 1, label: string, disabled: boolean): HTMLButtonElement => {
        const b = h('button', { type: 'button', class: 'secondary', disabled }, label, hidden(t('e.paren', { text: lesson.title })));
        b.addEventListener('click', () => {
          state.lessons = moveItem(state.lessons, i, delta);
          state.dirty = true;
          paint();
          // Keep the focus on the moved lesson's buttons (the other one at an end).
          const row = list.children[i + delta];
          (row?.querySelector<HTMLButtonElement>(`button[data-move="${delta}"]:not([disabled])`) ??
            row?.querySelector<HTMLButtonElement>('button[data-move]:not([disabled])'))?.focus();
          state.host.announce(t('e.lesson.moved', { title: lesson.title, n: i + delta + 1 }));
        });
        b.dataset.move = String(delta);
        return b;
      };
      const remove = h('button', { type: 'button', class: 'secondary danger-outline' }, t('e.remove'), hidden(t('e.paren', { text: lesson.title })));
      remove.addEventListener('click', () => {
        void confirmDialog({
          title: t('e.lesson.remove.title'),
          body: [t('e.lesson.remove.body', { title: lesson.title }), t('e.lesson.remove.unsaved')],
          confirm: t('e.delete'),
          danger: true,
        }).then((ok) => {
          if (!ok) return;
          state.lessons = removeItem(state.lessons, i);
          state.dirty = true;
          paint();
          state.host.announce(t('e.lesson.removed', { title: lesson.title }));
        });
      });
      return h(
        'li',
        { class: 'lesson-edit' },
        field(inputId, t('e.lesson.titleN', { n }), input),
        h('p', { class: 'video-state', 'data-video': String(lesson.video_id) }, ...videoStateLine(lesson.video_id, state.videos.get(lesson.video_id))),
        h(
          'div',
          { class: 'row-actions' },
          move(-1, t('e.lesson.up'), i === 0),
          move(1, t('e.lesson.down'), i === state.lessons.length - 1),
          remove,
        ),
        captionsPart(state, lesson, n),
        posterPart(state, lesson, n),
      );
    }),
  );
}

export function saveLessonsButton(state: Editing, paint: () => void): HTMLElement {
  const button = h('button', { type: 'button', class: 'primary' }, t('e.lesson.save'));
  const error = alertLine();
  button.addEventListener('click', () => {
    error.textContent = '';
    const bad = state.lessons.findIndex((l) => titleProblem(l.title));
    if (bad >= 0) {
      error.textContent = t('e.lesson.problem', { n: bad + 1, problem: titleProblem(state.lessons[bad]!.title) ?? '' });
      document.getElementById(`lesson-title-${bad + 1}`)?.focus();
      return;
    }
    button.disabled = true;
    saveLessons(state)
      .then(() => {
        paint();
        state.host.announce(t('e.lesson.saved'));
      })
      .catch((err: unknown) => {
        if (!state.host.handleAuthError(err)) error.textContent = t('e.saveFailed', { error: state.host.errorMessage(err) });
      })
      .finally(() => (button.disabled = false));
  });
  return h('div', { class: 'apply-area' }, error, button);
}

/** Saves the whole lesson list as it is being edited. */
export async function saveLessons(state: Editing): Promise<void> {
  const saved = await state.host.api.updateCourse(state.course.id, {
    lessons: state.lessons.map((l) => ({ title: l.title.trim(), video_id: l.video_id })),
  });
  state.course = saved;
  state.dirty = false;
}

/** A lesson's captions: those the video has, and the upload of a WebVTT or SRT file. */
function captionsPart(state: Editing, lesson: LessonDraft, n: number): HTMLElement {
  const { host } = state;
  const fileId = `captions-file-${n}`;
  const langId = `captions-lang-${n}`;
  const file = h('input', { id: fileId, type: 'file', accept: '.vtt,.srt,text/vtt' });
  const lang = h('select', { id: langId }, ...CAPTION_LANGS.map((l) => h('option', { value: l.lang }, l.label)));
  const error = alertLine();
  error.tabIndex = -1;
  const send = h('button', { type: 'button', class: 'secondary' }, t('e.lesson.captions.upload'), hidden(t('e.paren', { text: lesson.title })));
  send.addEventListener('click', () => {
    error.textContent = '';
    const chosen = file.files?.[0];
    if (!chosen) {
      error.textContent = t('e.lesson.captions.none');
      file.focus();
      return;
    }
    send.disabled = true;
    host.api
      .uploadCaptions(lesson.video_id, lang.value, chosen)
      .then(async (r) => {
        host.announce(t('e.lesson.captions.added', { title: lesson.title, name: r.name, n: r.cues }));
        file.value = '';
        await reloadVideo(state, lesson.video_id);
      })
      .catch((err: unknown) => {
        if (!host.handleAuthError(err)) error.textContent = t('e.lesson.captions.failed', { error: host.errorMessage(err) });
      })
      .finally(() => {
        send.disabled = false;
        // The disabled button lost the focus: back to it, or to what went wrong.
        if (host.isCurrent()) refocus(error.textContent ? error : send, send);
      });
  });
  return h(
    'details',
    { class: 'captions-edit' },
    h(
      'summary',
      {},
      t('e.lesson.captions'),
      h('span', { 'data-captions-of': String(lesson.video_id) }, captionNames(state.videos.get(lesson.video_id))),
      hidden(t('e.lesson.of', { title: lesson.title })),
    ),
    h(
      'ul',
      { class: 'plain caption-list', 'data-captions-list': String(lesson.video_id) },
      ...captionItems(state, lesson.video_id, state.videos.get(lesson.video_id)),
    ),
    h('div', { class: 'filters' }, field(langId, t('e.lesson.lang'), lang), field(fileId, t('e.lesson.captions.file'), file)),
    error,
    send,
  );
}
