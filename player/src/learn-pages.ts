/**
 * The learner's pages around the courses: the home (必修研修, 続きから見る,
 * 新着, the domains), a domain's page, the search results and the viewing
 * history (視聴履歴). The course page with its player stays in main.ts. The
 * wording and ordering are pure functions in learning.ts.
 */
import {
  api,
  type Category,
  type CourseSummary,
  type HistoryItem,
  type MyAssignment,
} from './api';
import { h, type Child } from './dom';
import { resumeFrom } from './controls';
import { formatDuration, groupCourses } from './format';
import { announce, heading, show } from './frame';
import {
  assignmentStatusLabel,
  coveragePercent,
  dueText,
  isOverdue,
  jstDateTime,
  lessonsDoneText,
  newArrivals,
  orderAssignments,
  pageCount,
  pageRange,
  publishedText,
  tokyoDate,
} from './learning';
import { contentLang } from './i18n';
import { t } from './messages';
import { courseHref, domainHref, historyHref, searchHref, type HistoryStatus } from './route';

/** What a page needs of the router. */
export interface PageContext {
  /** False once the user has gone elsewhere: stop painting. */
  isCurrent(): boolean;
  /** Goes to a hash (rendering again when it is the current one). */
  go(hash: string): void;
}

const NEW_ARRIVALS = 4;
const CONTINUE_ITEMS = 4;
const HISTORY_PER_PAGE = 20;

// ---- pieces ----------------------------------------------------------------

/** A section titled by its h2 (a named region for screen readers). */
function section(id: string, title: string, ...content: Child[]): HTMLElement {
  return h(
    'section',
    { class: 'home-section', id, 'aria-labelledby': `${id}-heading` },
    h('h2', { id: `${id}-heading` }, title),
    ...content,
  );
}

/** One course as a card: its title (a heading of `level`) linking to it, description, lessons. */
export function courseItem(c: CourseSummary, level: 'h2' | 'h3' | 'h4' = 'h3', extra?: Child): HTMLLIElement {
  return h(
    'li',
    { class: 'course' },
    h(level, { class: 'course-title' }, h('a', { href: courseHref(c.id), lang: contentLang() }, c.title)),
    c.description ? h('p', { class: 'description', lang: contentLang() }, c.description) : null,
    h(
      'p',
      { class: 'meta' },
      t('course.lessons', { n: c.lesson_count }),
      c.status === 'draft' ? h('span', { class: 'badge' }, t('course.draft')) : null,
    ),
    extra,
  );
}

/** A thin bar drawn to `percent`, for the eye only (the percent is in the text). */
function bar(percent: number): HTMLSpanElement {
  const fill = h('span', { class: 'progress-fill' });
  // Set through the CSSOM: the CSP refuses style attributes.
  fill.style.width = `${percent}%`;
  return h('span', { class: 'progress-bar', 'aria-hidden': 'true' }, fill);
}

/** The course search form (role=search), prefilled with `q`; submitting opens the results. */
export function searchForm(ctx: PageContext, q = ''): HTMLFormElement {
  const input = h('input', {
    id: 'course-search',
    name: 'q',
    type: 'search',
    value: q,
    autocomplete: 'off',
    enterkeyhint: 'search',
  });
  const form = h(
    'form',
    { class: 'course-search', role: 'search', 'aria-label': t('search.form') },
    h('label', { for: 'course-search' }, t('search.label')),
    h('div', { class: 'search-row' }, input, h('button', { type: 'submit', class: 'primary' }, t('search.submit'))),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const words = input.value.trim();
    if (!words) {
      input.focus();
      announce(t('search.empty'));
      return;
    }
    ctx.go(searchHref(words));
  });
  return form;
}

/** A hint line under a section, e.g. when it is empty. */
const note = (text: string): HTMLParagraphElement => h('p', { class: 'muted' }, text);

// ---- home ------------------------------------------------------------------

/** One assigned course: title, status, due date (overdue stands out), lessons done, note. */
function assignmentItem(a: MyAssignment, today: string): HTMLLIElement {
  const overdue = isOverdue(a.due_on, today, a.status);
  const status = overdue ? 'overdue' : a.status;
  return h(
    'li',
    { class: `assignment${overdue ? ' is-overdue' : ''}${a.status === 'completed' ? ' is-done' : ''}` },
    h('h3', { class: 'course-title' }, h('a', { href: courseHref(a.course_id), lang: contentLang() }, a.course_title)),
    h(
      'p',
      { class: 'meta assignment-facts' },
      h('span', { class: `a-status a-status-${status}` }, assignmentStatusLabel(status)),
      ' ',
      h('span', { class: 'due' }, dueText(a.due_on, today, a.status)),
      ' ',
      h('span', {}, lessonsDoneText(a.completed_lessons, a.lessons)),
    ),
    a.note ? h('p', { class: 'assignment-note', lang: contentLang() }, a.note) : null,
  );
}

/** One video to continue: lesson and course, how far, where it resumes. */
function continueItem(item: HistoryItem): HTMLLIElement {
  const pct = coveragePercent(item.coverage);
  return h(
    'li',
    { class: 'course continue' },
    h(
      'h3',
      { class: 'course-title' },
      h(
        'a',
        { href: courseHref(item.course_id, item.lesson_id), lang: contentLang() },
        `${item.course_title}：${item.lesson_title}`,
      ),
    ),
    h('p', { class: 'meta' }, t('coverage', { n: pct }), resumeFrom(item.position_s)),
    bar(pct),
  );
}

/**
 * The home: the search, 必修研修 (overdue first), 続きから見る (videos
 * started and not finished), 新着 (newest published courses) and every
 * domain with its courses, each domain linking to its own page.
 */
export async function homePage(ctx: PageContext): Promise<void> {
  const [cats, courses, assigned, started] = await Promise.all([
    api.categories(),
    api.courses(),
    api.myAssignments(),
    api.history({ status: 'in_progress', perPage: CONTINUE_ITEMS }),
  ]);
  if (!ctx.isCurrent()) return;
  const today = tokyoDate(Date.now());
  const assignments = orderAssignments(assigned.items, today);
  const overdue = assignments.filter((a) => isOverdue(a.due_on, today, a.status)).length;
  const fresh = newArrivals(courses.items, NEW_ARRIVALS);
  const groups = groupCourses<CourseSummary>(cats.items as Category[], courses.items);
  const slugOf = new Map(cats.items.map((c) => [String(c.id), c.slug || String(c.id)]));

  show(
    t('home.title'),
    heading(t('home.title')),
    searchForm(ctx),
    section(
      'assigned',
      t('home.assigned'),
      overdue ? h('p', { class: 'warning' }, t('home.overdue', { n: overdue })) : null,
      assignments.length
        ? h('ul', { class: 'assignment-list' }, ...assignments.map((a) => assignmentItem(a, today)))
        : note(t('home.assigned.none')),
    ),
    section(
      'continue',
      t('home.continue'),
      started.items.length
        ? h('ul', { class: 'course-list' }, ...started.items.map(continueItem))
        : note(t('home.continue.none')),
      h('p', {}, h('a', { href: historyHref() }, t('home.history.all'))),
    ),
    section(
      'new',
      t('home.new'),
      fresh.length
        ? h(
            'ul',
            { class: 'course-list' },
            ...fresh.map((c) => courseItem(c, 'h3', h('p', { class: 'meta' }, publishedText(c.published_at)))),
          )
        : note(t('home.new.none')),
    ),
    section(
      'domains',
      t('home.domains'),
      groups.length ? null : note(t('home.domains.none')),
      ...groups.map((g, i) =>
        h(
          'section',
          { class: 'category', 'aria-labelledby': `cat-${i}` },
          h(
            'h3',
            { id: `cat-${i}` },
            h('a', { href: domainHref(slugOf.get(String(g.id)) ?? String(g.id ?? '')), lang: contentLang() }, g.name),
            h('span', { class: 'count-note' }, t('home.domain.count', { n: g.courses.length })),
          ),
          h('ul', { class: 'course-list' }, ...g.courses.map((c) => courseItem(c, 'h4'))),
        ),
      ),
    ),
  );
}

// ---- a domain, the search ------------------------------------------------------

const breadcrumb = (): HTMLElement =>
  h('nav', { class: 'breadcrumb', 'aria-label': t('breadcrumb') }, h('a', { href: '#/' }, t('back.home')));

/** A domain (分野) by slug or id: its courses. */
export async function domainPage(ctx: PageContext, key: string): Promise<void> {
  const [cats, courses] = await Promise.all([api.categories(), api.courses({ category: key })]);
  if (!ctx.isCurrent()) return;
  const cat = cats.items.find((c) => c.slug === key || String(c.id) === key);
  if (!cat) {
    show(t('domain.notfound'), breadcrumb(), heading(t('domain.notfound')), note(t('domain.notfound.hint')));
    return;
  }
  const title = heading(cat.name);
  const lang = contentLang();
  if (lang) title.lang = lang;
  show(
    cat.name,
    breadcrumb(),
    title,
    searchForm(ctx),
    courses.items.length
      ? h('ul', { class: 'course-list' }, ...courses.items.map((c) => courseItem(c, 'h2')))
      : note(t('domain.none')),
  );
}

/** The courses whose title or description contain `q`. */
export async function searchPage(ctx: PageContext, q: string): Promise<void> {
  const found = q ? await api.courses({ q }) : null;
  if (!ctx.isCurrent()) return;
  const title = q ? t('search.title', { q }) : t('search.form');
  const count = found ? t('search.count', { n: found.items.length }) : '';
  show(
    title,
    breadcrumb(),
    heading(title),
    searchForm(ctx, q),
    found
      ? h('p', { class: 'count' }, found.items.length ? count : t('search.none'))
      : note(t('search.hint')),
    found?.items.length
      ? h('ul', { class: 'course-list' }, ...found.items.map((c) => courseItem(c, 'h2')))
      : h('span'),
  );
  if (found) announce(found.items.length ? count : t('search.none.said', { q }));
}

// ---- history -----------------------------------------------------------------

/** One row of the history table. */
function historyRow(item: HistoryItem): HTMLTableRowElement {
  return h(
    'tr',
    {},
    h(
      'th',
      { scope: 'row' },
      h('a', { href: courseHref(item.course_id, item.lesson_id), lang: contentLang() }, item.lesson_title),
      h('span', { class: 'course-of', lang: contentLang() }, item.course_title),
    ),
    h(
      'td',
      { class: 'nowrap' },
      item.completed ? h('span', { class: 'badge badge-done' }, t('completed')) : null,
      `${coveragePercent(item.coverage)}%`,
    ),
    h('td', { class: 'nowrap' }, formatDuration(item.seconds) || formatDuration(0)),
    h('td', { class: 'nowrap' }, jstDateTime(item.last_viewed_at)),
  );
}

/** A link to another page of the history, or a plain label where there is none. */
function pageLink(label: string, page: number | null, status?: HistoryStatus): HTMLElement {
  return page === null
    ? h('span', { class: 'pager-none', 'aria-disabled': 'true' }, label)
    : h('a', { href: historyHref(page, status), class: 'pager-link' }, label);
}

const HISTORY_PARTS: readonly { status?: HistoryStatus; label: string }[] = [
  { label: 'history.all' },
  { status: 'in_progress', label: 'history.in_progress' },
  { status: 'completed', label: 'history.completed' },
];

/** The parts of the history as links, the one shown marked `aria-current`. */
function historyParts(status?: HistoryStatus): HTMLElement {
  return h(
    'nav',
    { class: 'history-parts', 'aria-label': t('history.parts') },
    h(
      'ul',
      {},
      ...HISTORY_PARTS.map((p) =>
        h('li', {}, h('a', { href: historyHref(1, p.status), 'aria-current': p.status === status ? 'page' : null }, t(p.label))),
      ),
    ),
  );
}

/** 視聴履歴: every video the user watched (or those in progress, or completed), newest first, 20 a page. */
export async function historyPage(ctx: PageContext, page: number, status?: HistoryStatus): Promise<void> {
  const list = await api.history({ page, perPage: HISTORY_PER_PAGE, status });
  if (!ctx.isCurrent()) return;
  const pages = pageCount(list.total, HISTORY_PER_PAGE);
  const content: Node[] = [breadcrumb(), heading(t('history.title')), historyParts(status)];
  if (!list.items.length) {
    content.push(note(t(list.total ? 'history.page.empty' : status ? 'history.part.empty' : 'history.empty')));
    if (list.total) content.push(h('p', {}, h('a', { href: historyHref(1, status) }, t('history.first'))));
    show(t('history.title'), ...content);
    return;
  }
  const captionId = 'history-caption';
  const table = h(
    'table',
    { class: 'data history-table' },
    h('caption', { id: captionId }, t('history.caption', { range: pageRange(list.total, page, HISTORY_PER_PAGE) })),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, t('history.col.lesson')),
        h('th', { scope: 'col' }, t('history.col.coverage')),
        h('th', { scope: 'col' }, t('history.col.time')),
        h('th', { scope: 'col' }, t('history.col.last')),
      ),
    ),
    h('tbody', {}, ...list.items.map(historyRow)),
  );
  content.push(
    h('p', { class: 'count' }, pageRange(list.total, page, HISTORY_PER_PAGE)),
    h('div', { class: 'table-wrap', role: 'region', 'aria-labelledby': captionId, tabindex: 0 }, table),
  );
  if (pages > 1) {
    content.push(
      h(
        'nav',
        { class: 'pager', 'aria-label': t('history.pages') },
        pageLink(t('pager.prev'), page > 1 ? page - 1 : null, status),
        h('span', {}, t('pager.where', { page, pages })),
        pageLink(t('pager.next'), page < pages ? page + 1 : null, status),
      ),
    );
  }
  show(page > 1 ? t('history.title.page', { page }) : t('history.title'), ...content);
}
