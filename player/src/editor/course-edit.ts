/**
 * Editing one course (editors, admins): its details; its lessons — title,
 * order, removal (after a confirmation), each video's processing and its
 * captions; adding a lesson by uploading a video with a real progress bar;
 * publishing once every video is ready; and a preview as learners see it.
 */
import type { CourseDetail, LessonDraft, VideoInfo } from '../api';
import { confirmDialog } from '../admin/dialog';
import { h } from '../dom';
import { formatDuration } from '../format';
import { categorySelect, editHref, field } from './courses';
import type { EditorHost } from './host';
import {
  CAPTION_LANGS,
  crossedMilestone,
  isProcessing,
  moveItem,
  percentOf,
  removeItem,
  titleFromFile,
  titleProblem,
  uploadText,
  videoStatusLabel,
} from './logic';
import { ABORTED, followProcessing, uploadVideo } from './upload';

/** A visually hidden part of a button's name (which lesson it acts on). */
const hidden = (text: string): HTMLSpanElement => h('span', { class: 'sr-only' }, text);

/** An error line, said when it changes. */
const alertLine = (): HTMLParagraphElement => h('p', { class: 'form-error', role: 'alert' });

/** The page's state: the course as saved, and the lessons as being edited. */
interface Editing {
  host: EditorHost;
  course: CourseDetail;
  lessons: LessonDraft[];
  /** What is known of each video (by id), kept fresh while it processes. */
  videos: Map<number, VideoInfo>;
  /** Lesson edits not saved yet. */
  dirty: boolean;
}

export async function editCoursePage(host: EditorHost, id: string): Promise<void> {
  const [course, cats] = await Promise.all([host.api.course(id), host.api.categories()]);
  if (!host.isCurrent()) return;
  const state: Editing = {
    host,
    course,
    lessons: [...course.lessons]
      .sort((a, b) => a.position - b.position)
      .filter((l) => l.video_id !== null && l.video_id !== undefined)
      .map((l) => ({ title: l.title, video_id: Number(l.video_id) })),
    videos: new Map(),
    dirty: false,
  };
  const lessonList = h('ol', { class: 'lesson-editor' });
  const paint = (): void => paintLessons(state, lessonList, paint);
  const h1 = host.heading(`「${course.title}」の編集`);
  host.show(
    `「${course.title}」の編集`,
    h('nav', { class: 'breadcrumb', 'aria-label': 'パンくずリスト' }, h('a', { href: '#/editor' }, '講座の編集へ戻る')),
    h1,
    h(
      'p',
      { class: 'meta' },
      course.status === 'published' ? '公開中' : h('span', { class: 'badge' }, '下書き'),
      ' ',
      h('a', { href: `#/courses/${encodeURIComponent(String(course.id))}` }, '学習者の画面で確認する（プレビュー）'),
    ),
    detailsSection(state, cats.items, h1),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'lessons-edit-heading' },
      h('h2', { id: 'lessons-edit-heading' }, 'レッスン'),
      h('p', { class: 'hint' }, 'タイトルや順番を変えたら「レッスンの変更を保存」を押してください。'),
      lessonList,
      saveLessonsButton(state, paint),
    ),
    uploadSection(state, paint),
    publishSection(state),
  );
  paint();
  // Each lesson's video: its state now, and while it processes.
  for (const lesson of state.lessons) watchVideo(state, lesson.video_id, paint);
}

/** Follows one video's processing, repainting the lessons as it changes. */
function watchVideo(state: Editing, videoId: number, paint: () => void): void {
  followProcessing(state.host, videoId, (v) => {
    const before = state.videos.get(videoId);
    state.videos.set(videoId, v);
    if (!state.host.isCurrent()) return;
    updateVideoState(videoId, v);
    if (before && isProcessing(before.status) && !isProcessing(v.status)) {
      const title = state.lessons.find((l) => l.video_id === videoId)?.title ?? v.title;
      state.host.announce(v.status === 'ready' ? `「${title}」の動画の準備ができました。` : `「${title}」の動画を変換できませんでした。`);
      paint();
    }
  });
}

// ---- details --------------------------------------------------------------------

function detailsSection(state: Editing, categories: Parameters<typeof categorySelect>[1], h1: HTMLElement): HTMLElement {
  const { host, course } = state;
  const category = categorySelect('course-category', categories, course.category_id);
  const title = h('input', { id: 'course-title', type: 'text', value: course.title, maxlength: 200, required: true });
  const description = h('textarea', { id: 'course-description', rows: 4 });
  description.value = course.description ?? '';
  const error = alertLine();
  const submit = h('button', { type: 'submit', class: 'primary' }, '基本情報を保存');
  const form = h(
    'form',
    { class: 'editor-form', 'aria-labelledby': 'details-heading', novalidate: true },
    field('course-category', '分野', category),
    field('course-title', 'タイトル', title),
    field('course-description', '説明', description),
    error,
    submit,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    error.textContent = '';
    const problem = titleProblem(title.value);
    title.toggleAttribute('aria-invalid', !!problem);
    if (problem) {
      error.textContent = problem;
      title.focus();
      return;
    }
    submit.disabled = true;
    host.api
      .updateCourse(course.id, { category_id: Number(category.value), title: title.value.trim(), description: description.value })
      .then((saved) => {
        state.course = saved;
        h1.textContent = `「${saved.title}」の編集`;
        host.announce('基本情報を保存しました。');
      })
      .catch((err: unknown) => {
        if (!host.handleAuthError(err)) error.textContent = `保存できませんでした。${host.errorMessage(err)}`;
      })
      .finally(() => (submit.disabled = false));
  });
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'details-heading' },
    h('h2', { id: 'details-heading' }, '基本情報'),
    form,
  );
}

// ---- lessons -------------------------------------------------------------------------

/** The state of a lesson's video, in the row's `[data-video]` line. */
function videoStateLine(videoId: number, v: VideoInfo | undefined): HTMLElement[] {
  if (!v) return [h('span', {}, `動画 #${videoId}：確認中…`)];
  const parts: HTMLElement[] = [h('span', {}, `動画 #${videoId}：${videoStatusLabel(v.status)}`)];
  if (isProcessing(v.status)) {
    const pct = percentOf(v.progress, 1);
    const labelId = `video-${videoId}-label`;
    parts[0]!.id = labelId;
    parts.push(
      h('progress', { max: 100, value: pct, 'aria-labelledby': labelId }),
      h('span', {}, `${pct}%`),
    );
  } else if (v.status === 'ready') {
    parts.push(h('span', {}, `（${formatDuration(v.duration_s)}）`));
  } else if (v.status === 'failed' && v.error) {
    parts.push(h('span', { class: 'form-error' }, v.error));
  }
  return parts;
}

/** The captions a video has, for the summary of its lesson's 字幕 part. */
const captionNames = (v: VideoInfo | undefined): string =>
  v?.captions?.length ? `（${v.captions.map((c) => c.name).join('、')}）` : '';

function updateVideoState(videoId: number, v: VideoInfo): void {
  for (const line of document.querySelectorAll<HTMLElement>(`[data-video="${videoId}"]`)) {
    line.replaceChildren(...videoStateLine(videoId, v));
  }
  for (const names of document.querySelectorAll<HTMLElement>(`[data-captions-of="${videoId}"]`)) {
    names.textContent = captionNames(v);
  }
}

function paintLessons(state: Editing, list: HTMLOListElement, paint: () => void): void {
  if (!state.lessons.length) {
    list.replaceChildren(h('li', { class: 'muted' }, 'まだレッスンがありません。下の「動画を追加」からアップロードしてください。'));
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
        const b = h('button', { type: 'button', class: 'secondary', disabled }, label, hidden(`（${lesson.title}）`));
        b.addEventListener('click', () => {
          state.lessons = moveItem(state.lessons, i, delta);
          state.dirty = true;
          paint();
          // Keep the focus on the moved lesson's buttons (the other one at an end).
          const row = list.children[i + delta];
          (row?.querySelector<HTMLButtonElement>(`button[data-move="${delta}"]:not([disabled])`) ??
            row?.querySelector<HTMLButtonElement>('button[data-move]:not([disabled])'))?.focus();
          state.host.announce(`「${lesson.title}」を${i + delta + 1}番目に移しました（未保存）。`);
        });
        b.dataset.move = String(delta);
        return b;
      };
      const remove = h('button', { type: 'button', class: 'secondary danger-outline' }, '削除', hidden(`（${lesson.title}）`));
      remove.addEventListener('click', () => {
        void confirmDialog({
          title: 'レッスンを削除しますか',
          body: [`「${lesson.title}」をこの講座から外します。動画そのものは残ります。`, '「レッスンの変更を保存」を押すまで、講座には反映されません。'],
          confirm: '削除する',
          danger: true,
        }).then((ok) => {
          if (!ok) return;
          state.lessons = removeItem(state.lessons, i);
          state.dirty = true;
          paint();
          state.host.announce(`「${lesson.title}」を外しました（未保存）。`);
        });
      });
      return h(
        'li',
        { class: 'lesson-edit' },
        field(inputId, `レッスン ${n} のタイトル`, input),
        h('p', { class: 'video-state', 'data-video': String(lesson.video_id) }, ...videoStateLine(lesson.video_id, state.videos.get(lesson.video_id))),
        h(
          'div',
          { class: 'row-actions' },
          move(-1, '上へ', i === 0),
          move(1, '下へ', i === state.lessons.length - 1),
          remove,
        ),
        captionsPart(state, lesson, n),
      );
    }),
  );
}

function saveLessonsButton(state: Editing, paint: () => void): HTMLElement {
  const button = h('button', { type: 'button', class: 'primary' }, 'レッスンの変更を保存');
  const error = alertLine();
  button.addEventListener('click', () => {
    error.textContent = '';
    const bad = state.lessons.findIndex((l) => titleProblem(l.title));
    if (bad >= 0) {
      error.textContent = `レッスン ${bad + 1}：${titleProblem(state.lessons[bad]!.title)}`;
      document.getElementById(`lesson-title-${bad + 1}`)?.focus();
      return;
    }
    button.disabled = true;
    saveLessons(state)
      .then(() => {
        paint();
        state.host.announce('レッスンの変更を保存しました。');
      })
      .catch((err: unknown) => {
        if (!state.host.handleAuthError(err)) error.textContent = `保存できませんでした。${state.host.errorMessage(err)}`;
      })
      .finally(() => (button.disabled = false));
  });
  return h('div', { class: 'apply-area' }, error, button);
}

/** Saves the whole lesson list as it is being edited. */
async function saveLessons(state: Editing): Promise<void> {
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
  const send = h('button', { type: 'button', class: 'secondary' }, '字幕をアップロード', hidden(`（${lesson.title}）`));
  send.addEventListener('click', () => {
    error.textContent = '';
    const chosen = file.files?.[0];
    if (!chosen) {
      error.textContent = '字幕のファイル（WebVTT または SRT）を選んでください。';
      file.focus();
      return;
    }
    send.disabled = true;
    host.api
      .uploadCaptions(lesson.video_id, lang.value, chosen)
      .then(async (r) => {
        host.announce(`「${lesson.title}」に字幕（${r.name}、${r.cues} 件）を登録しました。`);
        file.value = '';
        const v = await host.api.video(lesson.video_id);
        state.videos.set(lesson.video_id, v);
        updateVideoState(lesson.video_id, v);
      })
      .catch((err: unknown) => {
        if (!host.handleAuthError(err)) error.textContent = `字幕を登録できませんでした。${host.errorMessage(err)}`;
      })
      .finally(() => (send.disabled = false));
  });
  return h(
    'details',
    { class: 'captions-edit' },
    h(
      'summary',
      {},
      '字幕',
      h('span', { 'data-captions-of': String(lesson.video_id) }, captionNames(state.videos.get(lesson.video_id))),
      hidden(`：${lesson.title}`),
    ),
    h('div', { class: 'filters' }, field(langId, '言語', lang), field(fileId, '字幕ファイル（WebVTT・SRT）', file)),
    error,
    send,
  );
}

// ---- upload ------------------------------------------------------------------------------

function uploadSection(state: Editing, paint: () => void): HTMLElement {
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

// ---- publish -------------------------------------------------------------------------

function publishSection(state: Editing): HTMLElement {
  const { host, course } = state;
  const content: (HTMLElement | string)[] = [];
  if (course.status === 'published') {
    content.push(h('p', {}, 'この講座は公開中です。学習者の一覧と検索に表示されます。'));
  } else {
    const error = alertLine();
    const publish = h('button', { type: 'button', class: 'primary' }, 'この講座を公開する');
    publish.addEventListener('click', () => {
      error.textContent = '';
      if (state.dirty) {
        error.textContent = 'レッスンの変更が保存されていません。先に「レッスンの変更を保存」を押してください。';
        return;
      }
      publish.disabled = true;
      host.api
        .publishCourse(course.id)
        .then((saved) => {
          host.announce(`「${saved.title}」を公開しました。`);
          host.go(editHref(saved.id));
        })
        .catch((err: unknown) => {
          if (!host.handleAuthError(err)) error.textContent = `公開できませんでした。${host.errorMessage(err)}`;
        })
        .finally(() => (publish.disabled = false));
    });
    content.push(
      h('p', {}, 'すべてのレッスンの動画の準備ができたら公開できます。公開すると学習者の一覧と検索に表示されます。'),
      error,
      publish,
    );
  }
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'publish-heading' },
    h('h2', { id: 'publish-heading' }, '公開'),
    ...content,
  );
}
