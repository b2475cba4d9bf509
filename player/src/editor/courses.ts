/**
 * 講座の編集 (editors, admins): every course with its state, and the form
 * that creates a new one as a draft.
 */
import type { Category, CourseSummary } from '../api';
import { scrollBox } from '../admin/parts';
import { field, h } from '../dom';
import type { EditorHost } from './host';
import { titleProblem } from './logic';
import { t } from './messages';
import { contentLang } from '../i18n';

/** The hash of a course's editing page. */
export const editHref = (id: string | number): string => `#/editor/courses/${encodeURIComponent(String(id))}`;

const stateLabel = (c: CourseSummary): string => (c.status === 'published' ? t('e.published') : t('e.draft'));

/** Every course, drafts too, each linking to its editing page. */
export async function coursesPage(host: EditorHost): Promise<void> {
  const courses = await host.api.courses();
  if (!host.isCurrent()) return;
  const captionId = 'editor-courses-caption';
  const table = h(
    'table',
    { class: 'data' },
    h('caption', { id: captionId }, t('e.courses.caption', { n: courses.items.length })),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, t('e.title')),
        h('th', { scope: 'col' }, t('e.category')),
        h('th', { scope: 'col' }, t('e.state')),
        h('th', { scope: 'col' }, t('e.lessons')),
      ),
    ),
    h(
      'tbody',
      {},
      ...courses.items.map((c) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, h('a', { href: editHref(c.id), lang: contentLang() }, c.title)),
          h('td', { lang: contentLang() }, c.category_name ?? ''),
          h('td', { class: 'nowrap' }, c.status === 'published' ? stateLabel(c) : h('span', { class: 'badge' }, stateLabel(c))),
          h('td', { class: 'nowrap' }, t('e.courses.lessonCount', { n: c.lesson_count })),
        ),
      ),
    ),
  );
  host.show(
    t('e.nav'),
    host.heading(t('e.nav')),
    h('p', {}, t('e.courses.intro')),
    h('p', {}, h('a', { href: '#/editor/new', class: 'button-link' }, t('e.new'))),
    scrollBox(table, captionId),
  );
}

/** A visually hidden part of a button's name (which lesson it acts on). */
export const hidden = (text: string): HTMLSpanElement => h('span', { class: 'sr-only' }, text);

/** An error line, said when it changes. */
export const alertLine = (): HTMLParagraphElement => h('p', { class: 'form-error', role: 'alert' });

/** The 分野 choice. */
export function categorySelect(id: string, categories: Category[], selected?: string | number | null): HTMLSelectElement {
  const select = h(
    'select',
    { id, name: 'category', required: true },
    ...categories.map((c) => h('option', { value: String(c.id) }, c.name)),
  );
  if (selected !== undefined && selected !== null) select.value = String(selected);
  return select;
}

/** A new course: domain, title, description; created as a draft, then edited. */
export async function newCoursePage(host: EditorHost): Promise<void> {
  const cats = await host.api.categories();
  if (!host.isCurrent()) return;
  const category = categorySelect('new-course-category', cats.items);
  const title = h('input', { id: 'new-course-title', name: 'title', type: 'text', required: true, maxlength: 200 });
  const description = h('textarea', { id: 'new-course-description', name: 'description', rows: 4 });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('e.courses.createDraft'));
  const form = h(
    'form',
    { class: 'editor-form', 'aria-labelledby': 'new-course-heading', novalidate: true },
    field('new-course-category', t('e.category'), category),
    field('new-course-title', t('e.title'), title, t('e.courses.titleHint')),
    field('new-course-description', t('e.description'), description),
    error,
    submit,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    error.textContent = '';
    title.removeAttribute('aria-invalid');
    const problem = titleProblem(title.value);
    if (problem) {
      error.textContent = problem;
      title.setAttribute('aria-invalid', 'true');
      title.focus();
      return;
    }
    submit.disabled = true;
    host.api
      .createCourse({ category_id: Number(category.value), title: title.value.trim(), description: description.value })
      .then((course) => {
        host.announce(t('e.courses.created', { title: course.title }));
        host.go(editHref(course.id));
      })
      .catch((err: unknown) => {
        if (host.handleAuthError(err)) return;
        error.textContent = t('e.courses.createFailed', { error: host.errorMessage(err) });
      })
      .finally(() => (submit.disabled = false));
  });
  const h1 = host.heading(t('e.new'));
  h1.id = 'new-course-heading';
  host.show(
    t('e.new'),
    h('nav', { class: 'breadcrumb', 'aria-label': t('e.breadcrumb') }, h('a', { href: '#/editor' }, t('e.back'))),
    h1,
    form,
  );
}
