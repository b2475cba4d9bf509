/**
 * 動画を追加: a video file uploaded with a real progress bar (and a way to
 * stop it), then added as the course's last lesson and its processing
 * followed. While it runs the login is kept alive and closing the tab is
 * asked about.
 */
import { field, h, refocus } from '../dom';
import { alertLine } from './courses';
import { saveLessons, watchVideo, type Editing } from './lessons-edit';
import { crossedMilestone, percentOf, titleForFile, titleFromFile, titleProblem, uploadText } from './logic';
import { ABORTED, uploadVideo } from './upload';
import { t } from './messages';

export function uploadSection(state: Editing, paint: () => void): HTMLElement {
  const { host } = state;
  const file = h('input', { id: 'upload-file', type: 'file', accept: 'video/*,.mp4,.mov,.m4v,.webm' });
  const title = h('input', { id: 'upload-title', type: 'text', maxlength: 200 });
  // The title taken from the chosen file's name (replaced when another is
  // chosen, unlike one the editor typed).
  let taken: string | null = null;
  file.addEventListener('change', () => {
    const name = file.files?.[0]?.name ?? null;
    const next = titleForFile(title.value, taken, name);
    if (next !== title.value) {
      title.value = next;
      taken = next;
    }
  });
  const start = h('button', { type: 'button', class: 'primary' }, t('e.upload.start'));
  const cancel = h('button', { type: 'button', class: 'secondary' }, t('e.upload.cancel'));
  const bar = h('progress', { id: 'upload-progress', max: 100, value: 0 });
  const text = h('span', { class: 'upload-text' });
  const progressBox = h(
    'div',
    { class: 'upload-progress', hidden: true },
    h('label', { for: 'upload-progress' }, t('e.upload.progress')),
    h('div', { class: 'upload-row' }, bar, text),
    cancel,
  );
  const error = alertLine();
  error.tabIndex = -1;
  start.addEventListener('click', () => {
    error.textContent = '';
    const chosen = file.files?.[0];
    if (!chosen) {
      error.textContent = t('e.upload.noFile');
      file.focus();
      return;
    }
    // Blank: the file's name, as the hint says.
    const lessonTitle = title.value.trim() || titleFromFile(chosen.name);
    const problem = titleProblem(lessonTitle);
    if (problem) {
      error.textContent = t('e.upload.titleProblem', { problem });
      title.focus();
      return;
    }
    let said = 0;
    start.disabled = file.disabled = title.disabled = true;
    progressBox.hidden = false;
    bar.value = 0;
    text.textContent = uploadText(0, chosen.size);
    const upload = uploadVideo(chosen, host.csrfToken(), (loaded, total) => {
      const pct = percentOf(loaded, total);
      bar.value = pct;
      text.textContent = uploadText(loaded, total);
      const m = crossedMilestone(said, pct);
      if (m !== null && m < 100) host.announce(t('e.upload.pct', { n: m }));
      said = Math.max(said, pct);
    });
    // A long upload makes no other request: keep the login alive meanwhile,
    // and ask before the tab is closed.
    const keepAlive = window.setInterval(() => void host.api.getSession().catch(() => {}), 4 * 60_000);
    const leaving = (e: BeforeUnloadEvent): void => e.preventDefault();
    window.addEventListener('beforeunload', leaving);
    cancel.onclick = () => upload.abort();
    cancel.focus();
    upload.done
      .then(async (videoId) => {
        host.announce(t('e.upload.adding', { title: lessonTitle }));
        state.lessons = [...state.lessons, { title: lessonTitle, video_id: videoId }];
        await saveLessons(state);
        if (!host.isCurrent()) return;
        paint();
        watchVideo(state, videoId, paint, true);
        file.value = '';
        title.value = '';
        taken = null;
        host.announce(t('e.upload.added', { title: lessonTitle }));
      })
      .catch((err: unknown) => {
        if (err instanceof Error && err.message === ABORTED) {
          host.announce(t('e.upload.cancelled'));
          return;
        }
        if (host.handleAuthError(err)) return;
        error.textContent = err instanceof Error ? err.message : host.errorMessage(err);
      })
      .finally(() => {
        window.clearInterval(keepAlive);
        window.removeEventListener('beforeunload', leaving);
        start.disabled = file.disabled = title.disabled = false;
        progressBox.hidden = true;
        // 中止 (now hidden) had the focus: back to the start, or to what went wrong.
        if (host.isCurrent()) refocus(error.textContent ? error : start, progressBox, start, file, title);
      });
  });
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'upload-heading' },
    h('h2', { id: 'upload-heading' }, t('e.upload.heading')),
    field('upload-file', t('e.upload.file'), file, t('e.upload.fileHint')),
    field('upload-title', t('e.upload.title'), title, t('e.upload.titleHint')),
    error,
    start,
    progressBox,
  );
}
