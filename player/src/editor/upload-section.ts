/**
 * 動画を追加: a video file uploaded with a real progress bar (and a way to
 * stop it), then added as the course's last lesson and its processing
 * followed. While it runs the login is kept alive and closing the tab is
 * asked about.
 */
import { h } from '../dom';
import { field } from './courses';
import { alertLine, saveLessons, watchVideo, type Editing } from './lessons-edit';
import { crossedMilestone, percentOf, titleFromFile, titleProblem, uploadText } from './logic';
import { ABORTED, uploadVideo } from './upload';

export function uploadSection(state: Editing, paint: () => void): HTMLElement {
  const { host } = state;
  const file = h('input', { id: 'upload-file', type: 'file', accept: 'video/*,.mp4,.mov,.m4v,.webm' });
  const title = h('input', { id: 'upload-title', type: 'text', maxlength: 200 });
  file.addEventListener('change', () => {
    const f = file.files?.[0];
    if (f && !title.value.trim()) title.value = titleFromFile(f.name);
  });
  const start = h('button', { type: 'button', class: 'primary' }, 'アップロードしてレッスンに追加');
  const cancel = h('button', { type: 'button', class: 'secondary' }, 'アップロードを中止');
  const bar = h('progress', { id: 'upload-progress', max: 100, value: 0 });
  const text = h('span', { class: 'upload-text' });
  const progressBox = h(
    'div',
    { class: 'upload-progress', hidden: true },
    h('label', { for: 'upload-progress' }, 'アップロードの進み具合'),
    h('div', { class: 'upload-row' }, bar, text),
    cancel,
  );
  const error = alertLine();
  start.addEventListener('click', () => {
    error.textContent = '';
    const chosen = file.files?.[0];
    if (!chosen) {
      error.textContent = '動画のファイルを選んでください。';
      file.focus();
      return;
    }
    const problem = titleProblem(title.value);
    if (problem) {
      error.textContent = `レッスンのタイトル：${problem}`;
      title.focus();
      return;
    }
    const lessonTitle = title.value.trim();
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
      if (m !== null && m < 100) host.announce(`アップロード ${m}%`);
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
        host.announce(`アップロードが終わりました。「${lessonTitle}」をレッスンに追加しています…`);
        state.lessons = [...state.lessons, { title: lessonTitle, video_id: videoId }];
        await saveLessons(state);
        if (!host.isCurrent()) return;
        paint();
        watchVideo(state, videoId, paint);
        file.value = '';
        title.value = '';
        host.announce(`「${lessonTitle}」を追加しました。動画を変換しています。`);
      })
      .catch((err: unknown) => {
        if (err instanceof Error && err.message === ABORTED) {
          host.announce('アップロードを中止しました。');
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
        if (host.isCurrent() && document.activeElement === document.body) start.focus();
      });
  });
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'upload-heading' },
    h('h2', { id: 'upload-heading' }, '動画を追加'),
    field('upload-file', '動画ファイル', file, 'MP4 などの動画。大きなファイルも送れます。送信中はこのページを開いたままにしてください。'),
    field('upload-title', 'レッスンのタイトル', title, '空欄ならファイル名から付けます。'),
    error,
    start,
    progressBox,
  );
}
