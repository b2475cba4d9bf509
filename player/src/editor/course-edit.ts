/**
 * Editing one course (editors, admins): its details; its lessons — title,
 * order, removal (after a confirmation), each video's processing and its
 * captions; adding a lesson by uploading a video with a real progress bar;
 * publishing once every video is ready; and a preview as learners see it.
 */
import type { Category } from '../api';
import { confirmDialog } from '../admin/dialog';
import { field, h } from '../dom';
import { alertLine, categorySelect, editHref } from './courses';
import type { EditorHost } from './host';
import { paintLessons, saveLessonsButton, watchVideo, type Editing } from './lessons-edit';
import { titleProblem, unpublishBody } from './logic';
import { uploadSection } from './upload-section';
import { t } from './messages';

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
  const h1 = host.heading(t('e.course.editing', { title: course.title }));
  host.show(
    t('e.course.editing', { title: course.title }),
    h('nav', { class: 'breadcrumb', 'aria-label': t('e.breadcrumb') }, h('a', { href: '#/editor' }, t('e.back'))),
    h1,
    h(
      'p',
      { class: 'meta' },
      course.status === 'published' ? t('e.published') : h('span', { class: 'badge' }, t('e.draft')),
      ' ',
      h('a', { href: `#/courses/${encodeURIComponent(String(course.id))}` }, t('e.course.preview')),
    ),
    detailsSection(state, cats.items, h1),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'lessons-edit-heading' },
      h('h2', { id: 'lessons-edit-heading' }, t('e.lessons')),
      h('p', { class: 'hint' }, t('e.course.lessonsHint')),
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
  const submit = h('button', { type: 'submit', class: 'primary' }, t('e.course.saveDetails'));
  const form = h(
    'form',
    { class: 'editor-form', 'aria-labelledby': 'details-heading', novalidate: true },
    field('course-category', t('e.category'), category),
    field('course-title', t('e.title'), title),
    field('course-description', t('e.description'), description),
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
        h1.textContent = t('e.course.editing', { title: saved.title });
        host.announce(t('e.course.detailsSaved'));
      })
      .catch((err: unknown) => {
        if (!host.handleAuthError(err)) error.textContent = t('e.saveFailed', { error: host.errorMessage(err) });
      })
      .finally(() => (submit.disabled = false));
  });
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'details-heading' },
    h('h2', { id: 'details-heading' }, t('e.course.details')),
    form,
  );
}

// ---- publish -------------------------------------------------------------------------

function publishSection(state: Editing): HTMLElement {
  const { host, course } = state;
  const content: (HTMLElement | string)[] = [];
  if (course.status === 'published') {
    const error = alertLine();
    const unpublish = h('button', { type: 'button', class: 'secondary' }, t('e.course.unpublish'));
    unpublish.addEventListener('click', () => {
      void confirmDialog({
        title: t('e.course.unpublish.title'),
        body: unpublishBody(course.title, course.assignment_count ?? 0),
        confirm: t('e.course.unpublish.confirm'),
        danger: true,
      }).then((ok) => {
        if (!ok) return;
        error.textContent = '';
        unpublish.disabled = true;
        host.api
          .unpublishCourse(course.id)
          .then((saved) => {
            host.announce(t('e.course.unpublished', { title: saved.title }));
            host.go(editHref(saved.id));
          })
          .catch((err: unknown) => {
            if (!host.handleAuthError(err)) error.textContent = t('e.course.unpublishFailed', { error: host.errorMessage(err) });
          })
          .finally(() => (unpublish.disabled = false));
      });
    });
    content.push(h('p', {}, t('e.course.isPublished')), error, unpublish);
  } else {
    const error = alertLine();
    const publish = h('button', { type: 'button', class: 'primary' }, t('e.course.publish'));
    publish.addEventListener('click', () => {
      error.textContent = '';
      if (state.dirty) {
        error.textContent = t('e.course.unsaved');
        return;
      }
      publish.disabled = true;
      host.api
        .publishCourse(course.id)
        .then((saved) => {
          host.announce(t('e.course.publishedSaid', { title: saved.title }));
          host.go(editHref(saved.id));
        })
        .catch((err: unknown) => {
          if (!host.handleAuthError(err)) error.textContent = t('e.course.publishFailed', { error: host.errorMessage(err) });
        })
        .finally(() => (publish.disabled = false));
    });
    content.push(
      h('p', {}, t('e.course.publishHint')),
      error,
      publish,
    );
  }
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'publish-heading' },
    h('h2', { id: 'publish-heading' }, t('e.course.publishHeading')),
    ...content,
  );
}
