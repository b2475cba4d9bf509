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
    h(level, { class: 'course-title' }, h('a', { href: courseHref(c.id) }, c.title)),
    c.description ? h('p', { class: 'description' }, c.description) : null,
    h(
      'p',
      { class: 'meta' },
      `レッスン ${c.lesson_count} 本`,
      c.status === 'draft' ? h('span', { class: 'badge' }, '下書き') : null,
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
    { class: 'course-search', role: 'search', 'aria-label': '講座の検索' },
    h('label', { for: 'course-search' }, '講座を探す'),
    h('div', { class: 'search-row' }, input, h('button', { type: 'submit', class: 'primary' }, '検索')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const words = input.value.trim();
    if (!words) {
      input.focus();
      announce('探す言葉を入力してください。');
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
    h('h3', { class: 'course-title' }, h('a', { href: courseHref(a.course_id) }, a.course_title)),
    h(
      'p',
      { class: 'meta assignment-facts' },
      h('span', { class: `a-status a-status-${status}` }, assignmentStatusLabel(status)),
      ' ',
      h('span', { class: 'due' }, dueText(a.due_on, today, a.status)),
      ' ',
      h('span', {}, lessonsDoneText(a.completed_lessons, a.lessons)),
    ),
    a.note ? h('p', { class: 'assignment-note' }, a.note) : null,
  );
}

/** One video to continue: lesson and course, how far, where it resumes. */
function continueItem(item: HistoryItem): HTMLLIElement {
  const pct = coveragePercent(item.coverage);
  const from = formatDuration(item.position_s);
  return h(
    'li',
    { class: 'course continue' },
    h(
      'h3',
      { class: 'course-title' },
      h('a', { href: courseHref(item.course_id, item.lesson_id) }, `${item.course_title}：${item.lesson_title}`),
    ),
    h('p', { class: 'meta' }, `視聴率 ${pct}%`, item.position_s >= 1 && from ? `・${from}から再開` : ''),
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
    'ホーム',
    heading('ホーム'),
    searchForm(ctx),
    section(
      'assigned',
      '必修研修',
      overdue ? h('p', { class: 'warning' }, `期限を過ぎた必修研修が ${overdue} 件あります。`) : null,
      assignments.length
        ? h('ul', { class: 'assignment-list' }, ...assignments.map((a) => assignmentItem(a, today)))
        : note('割り当てられた必修研修はありません。'),
    ),
    section(
      'continue',
      '続きから見る',
      started.items.length
        ? h('ul', { class: 'course-list' }, ...started.items.map(continueItem))
        : note('途中まで見た動画はありません。'),
      h('p', {}, h('a', { href: historyHref() }, '視聴履歴をすべて見る')),
    ),
    section(
      'new',
      '新着',
      fresh.length
        ? h(
            'ul',
            { class: 'course-list' },
            ...fresh.map((c) => courseItem(c, 'h3', h('p', { class: 'meta' }, publishedText(c.published_at)))),
          )
        : note('新しく公開された講座はありません。'),
    ),
    section(
      'domains',
      '分野から探す',
      groups.length ? null : note('公開されている講座はまだありません。'),
      ...groups.map((g, i) =>
        h(
          'section',
          { class: 'category', 'aria-labelledby': `cat-${i}` },
          h(
            'h3',
            { id: `cat-${i}` },
            h('a', { href: domainHref(slugOf.get(String(g.id)) ?? String(g.id ?? '')) }, g.name),
            h('span', { class: 'count-note' }, `（${g.courses.length} 講座）`),
          ),
          h('ul', { class: 'course-list' }, ...g.courses.map((c) => courseItem(c, 'h4'))),
        ),
      ),
    ),
  );
}

// ---- a domain, the search ------------------------------------------------------

const breadcrumb = (): HTMLElement =>
  h('nav', { class: 'breadcrumb', 'aria-label': 'パンくずリスト' }, h('a', { href: '#/' }, 'ホームへ戻る'));

/** A domain (分野) by slug or id: its courses. */
export async function domainPage(ctx: PageContext, key: string): Promise<void> {
  const [cats, courses] = await Promise.all([api.categories(), api.courses({ category: key })]);
  if (!ctx.isCurrent()) return;
  const cat = cats.items.find((c) => c.slug === key || String(c.id) === key);
  if (!cat) {
    show('分野が見つかりません', breadcrumb(), heading('分野が見つかりません'), note('ホームから分野を選んでください。'));
    return;
  }
  show(
    cat.name,
    breadcrumb(),
    heading(cat.name),
    searchForm(ctx),
    courses.items.length
      ? h('ul', { class: 'course-list' }, ...courses.items.map((c) => courseItem(c, 'h2')))
      : note('この分野に公開されている講座はまだありません。'),
  );
}

/** The courses whose title or description contain `q`. */
export async function searchPage(ctx: PageContext, q: string): Promise<void> {
  const found = q ? await api.courses({ q }) : null;
  if (!ctx.isCurrent()) return;
  const title = q ? `「${q}」の検索結果` : '講座の検索';
  const count = found ? `${found.items.length} 件の講座が見つかりました。` : '';
  show(
    title,
    breadcrumb(),
    heading(title),
    searchForm(ctx, q),
    found
      ? h('p', { class: 'count' }, found.items.length ? count : '見つかりませんでした。言葉を変えてお試しください。')
      : note('講座の名前や説明にある言葉で探せます。'),
    found?.items.length
      ? h('ul', { class: 'course-list' }, ...found.items.map((c) => courseItem(c, 'h2')))
      : h('span'),
  );
  if (found) announce(found.items.length ? count : `「${q}」に当てはまる講座は見つかりませんでした。`);
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
      h('a', { href: courseHref(item.course_id, item.lesson_id) }, item.lesson_title),
      h('span', { class: 'course-of' }, item.course_title),
    ),
    h(
      'td',
      { class: 'nowrap' },
      item.completed ? h('span', { class: 'badge badge-done' }, '修了') : null,
      `${coveragePercent(item.coverage)}%`,
    ),
    h('td', { class: 'nowrap' }, formatDuration(item.seconds) || '0秒'),
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
  { label: 'すべて' },
  { status: 'in_progress', label: '視聴中' },
  { status: 'completed', label: '修了' },
];

/** The parts of the history as links, the one shown marked `aria-current`. */
function historyParts(status?: HistoryStatus): HTMLElement {
  return h(
    'nav',
    { class: 'history-parts', 'aria-label': '表示する履歴' },
    h(
      'ul',
      {},
      ...HISTORY_PARTS.map((p) =>
        h('li', {}, h('a', { href: historyHref(1, p.status), 'aria-current': p.status === status ? 'page' : null }, p.label)),
      ),
    ),
  );
}

/** 視聴履歴: every video the user watched (or those in progress, or completed), newest first, 20 a page. */
export async function historyPage(ctx: PageContext, page: number, status?: HistoryStatus): Promise<void> {
  const list = await api.history({ page, perPage: HISTORY_PER_PAGE, status });
  if (!ctx.isCurrent()) return;
  const pages = pageCount(list.total, HISTORY_PER_PAGE);
  const content: Node[] = [breadcrumb(), heading('視聴履歴'), historyParts(status)];
  if (!list.items.length) {
    content.push(note(list.total ? 'このページには履歴がありません。' : status ? '当てはまる動画はありません。' : 'まだ動画を視聴していません。'));
    if (list.total) content.push(h('p', {}, h('a', { href: historyHref(1, status) }, '最初のページへ')));
    show('視聴履歴', ...content);
    return;
  }
  const captionId = 'history-caption';
  const table = h(
    'table',
    { class: 'data history-table' },
    h('caption', { id: captionId }, `視聴した動画（${pageRange(list.total, page, HISTORY_PER_PAGE)}）`),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'レッスン（講座）'),
        h('th', { scope: 'col' }, '視聴率'),
        h('th', { scope: 'col' }, '視聴時間'),
        h('th', { scope: 'col' }, '最後に見た日時'),
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
        { class: 'pager', 'aria-label': '視聴履歴のページ' },
        pageLink('前のページ', page > 1 ? page - 1 : null, status),
        h('span', {}, `${page} / ${pages} ページ`),
        pageLink('次のページ', page < pages ? page + 1 : null, status),
      ),
    );
  }
  show(page > 1 ? `視聴履歴（${page}ページ目）` : '視聴履歴', ...content);
}
