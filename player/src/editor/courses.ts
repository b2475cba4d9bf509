/**
 * 講座の編集 (editors, admins): every course with its state, and the form
 * that creates a new one as a draft.
 */
import type { Category, CourseSummary } from '../api';
import { scrollBox } from '../admin/parts';
import { h } from '../dom';
import type { EditorHost } from './host';
import { titleProblem } from './logic';

/** The hash of a course's editing page. */
export const editHref = (id: string | number): string => `#/editor/courses/${encodeURIComponent(String(id))}`;

const stateLabel = (c: CourseSummary): string => (c.status === 'published' ? '公開中' : '下書き');

/** Every course, drafts too, each linking to its editing page. */
export async function coursesPage(host: EditorHost): Promise<void> {
  const courses = await host.api.courses();
  if (!host.isCurrent()) return;
  const captionId = 'editor-courses-caption';
  const table = h(
    'table',
    { class: 'data' },
    h('caption', { id: captionId }, `講座一覧（${courses.items.length} 件）`),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'タイトル'),
        h('th', { scope: 'col' }, '分野'),
        h('th', { scope: 'col' }, '状態'),
        h('th', { scope: 'col' }, 'レッスン'),
      ),
    ),
    h(
      'tbody',
      {},
      ...courses.items.map((c) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, h('a', { href: editHref(c.id) }, c.title)),
          h('td', {}, c.category_name ?? ''),
          h('td', { class: 'nowrap' }, c.status === 'published' ? stateLabel(c) : h('span', { class: 'badge' }, stateLabel(c))),
          h('td', { class: 'nowrap' }, `${c.lesson_count} 本`),
        ),
      ),
    ),
  );
  host.show(
    '講座の編集',
    host.heading('講座の編集'),
    h('p', {}, '講座を作り、動画をアップロードしてレッスンにし、準備ができたら公開します。'),
    h('p', {}, h('a', { href: '#/editor/new', class: 'button-link' }, '新しい講座を作る')),
    scrollBox(table, captionId),
  );
}

/** A labelled field; `hint` is read with the control. */
export function field(id: string, label: string, control: HTMLElement, hint?: string): HTMLDivElement {
  if (hint) control.setAttribute('aria-describedby', `${id}-hint`);
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
    control,
  );
}

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
  const submit = h('button', { type: 'submit', class: 'primary' }, '下書きとして作成');
  const form = h(
    'form',
    { class: 'editor-form', 'aria-labelledby': 'new-course-heading', novalidate: true },
    field('new-course-category', '分野', category),
    field('new-course-title', 'タイトル', title, '200文字以内。一覧と講座のページに表示されます。'),
    field('new-course-description', '説明', description),
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
        host.announce(`講座「${course.title}」を下書きとして作成しました。`);
        host.go(editHref(course.id));
      })
      .catch((err: unknown) => {
        if (host.handleAuthError(err)) return;
        error.textContent = `作成できませんでした。${host.errorMessage(err)}`;
      })
      .finally(() => (submit.disabled = false));
  });
  const h1 = host.heading('新しい講座を作る');
  h1.id = 'new-course-heading';
  host.show(
    '新しい講座を作る',
    h('nav', { class: 'breadcrumb', 'aria-label': 'パンくずリスト' }, h('a', { href: '#/editor' }, '講座の編集へ戻る')),
    h1,
    form,
  );
}
