/**
 * Editing one course (editors, admins): its details; its lessons — title,
 * order, removal (after a confirmation), each video's processing and its
 * captions; adding a lesson by uploading a video with a real progress bar;
 * publishing once every video is ready; and a preview as learners see it.
 */
import type { Category } from '../api';
import { confirmDialog } from '../admin/dialog';
import { h } from '../dom';
import { categorySelect, editHref, field } from './courses';
import type { EditorHost } from './host';
import { alertLine, paintLessons, saveLessonsButton, watchVideo, type Editing } from './lessons-edit';
import { titleProblem } from './logic';
import { uploadSection } from './upload-section';

/** The editing page of course `id`: details, lessons, 動画を追加, 公開. */
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

// ---- details --------------------------------------------------------------------

function detailsSection(state: Editing, categories: Category[], h1: HTMLElement): HTMLElement {
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

// ---- publish -------------------------------------------------------------------------

function publishSection(state: Editing): HTMLElement {
  const { host, course } = state;
  const content: (HTMLElement | string)[] = [];
  if (course.status === 'published') {
    const error = alertLine();
    const unpublish = h('button', { type: 'button', class: 'secondary' }, '公開をやめて下書きに戻す');
    unpublish.addEventListener('click', () => {
      void confirmDialog({
        title: '公開をやめますか',
        body: [
          `「${course.title}」を下書きに戻します。学習者の一覧と検索から消え、視聴もできなくなります。`,
          'これまでの視聴記録は残ります。もう一度公開すると、また視聴できます。',
        ],
        confirm: '下書きに戻す',
        danger: true,
      }).then((ok) => {
        if (!ok) return;
        error.textContent = '';
        unpublish.disabled = true;
        host.api
          .unpublishCourse(course.id)
          .then((saved) => {
            host.announce(`「${saved.title}」を下書きに戻しました。`);
            host.go(editHref(saved.id));
          })
          .catch((err: unknown) => {
            if (!host.handleAuthError(err)) error.textContent = `下書きに戻せませんでした。${host.errorMessage(err)}`;
          })
          .finally(() => (unpublish.disabled = false));
      });
    });
    content.push(h('p', {}, 'この講座は公開中です。学習者の一覧と検索に表示されます。'), error, unpublish);
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
