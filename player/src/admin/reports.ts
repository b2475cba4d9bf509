/**
 * 視聴レポート (`#/admin/reports`, admins and managers): viewing time for a
 * period by day, week or month, for everyone in reach, one group (with
 * its sub-groups) or one user (picked by name or e-mail, with suggestions
 * as they type) — a chart with its table, per user, per content, and what
 * each user watched — each downloadable as CSV, with the definitions as
 * help. Managers get only their groups (the API decides).
 */
import type { AdminUser, ContentsReport, GroupItem, UserWatched, ViewingReport } from '../api';
import { field, h } from '../dom';
import type { AdminHost } from './host';
import {
  chartBars,
  chartSummary,
  DEFINITIONS,
  definitionTerm,
  defaultFilter,
  filterProblem,
  percent,
  periodLabel,
  pickUser,
  readableSeconds,
  reportQuery,
  userLabel,
  userSearchTerm,
  watchedRows,
  watchedSummary,
  type Bar,
  type Granularity,
  type ReportFilter,
} from './report-logic';
import { userListQuery } from './labels';
import { saveBlob } from './save';
import { t } from './messages';
import { contentLang, getLang } from '../i18n';

/** Renders the page (the first report at once, for the last 30 days). */
export async function reportsPage(kit: AdminHost): Promise<void> {
  const groups = await kit.api
    .groups()
    .then((g) => g.items)
    .catch(() => [] as GroupItem[]);
  if (!kit.isCurrent()) return;
  const initial = defaultFilter(new Date());
  const from = h('input', { id: 'report-from', type: 'date', value: initial.from, required: true });
  const to = h('input', { id: 'report-to', type: 'date', value: initial.to, required: true });
  const granularity = h(
    'select',
    { id: 'report-granularity' },
    h('option', { value: 'day' }, t('a.reports.day')),
    h('option', { value: 'week' }, t('a.reports.weekly')),
    h('option', { value: 'month' }, t('a.reports.monthly')),
  );
  const group = h(
    'select',
    { id: 'report-group' },
    h('option', { value: '' }, t('a.reports.allInReach')),
    ...[...groups]
      .sort((a, b) => a.path.localeCompare(b.path, 'ja'))
      .map((g) => h('option', { value: String(g.id) }, g.path)),
  );
  // 利用者: a text field with suggestions (a select of 5,000 staff is no use).
  const user = h('input', {
    id: 'report-user',
    type: 'text',
    list: 'report-user-list',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const suggestions = h('datalist', { id: 'report-user-list' });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('a.reports.show'));
  const results = h('div', { class: 'report-results' });
  const form = h(
    'form',
    { class: 'report-filter', 'aria-label': t('a.reports.filter') },
    h(
      'fieldset',
      {},
      h('legend', {}, t('a.reports.legend')),
      h(
        'div',
        { class: 'filters' },
        field('report-from', t('a.reports.from'), from),
        field('report-to', t('a.reports.to'), to),
        field('report-granularity', t('a.reports.granularity'), granularity),
        field('report-group', t('a.reports.group'), group),
        field('report-user', t('a.reports.user'), user, t('a.reports.user.hint')),
      ),
      suggestions,
    ),
    error,
    submit,
  );
  const current = (chosen: AdminUser | null): ReportFilter => ({
    from: from.value,
    to: to.value,
    granularity: granularity.value as Granularity,
    group: group.value,
    user: chosen ? String(chosen.id) : '',
  });

  // The users the last search found: the suggestions, and whom the text names.
  let found: AdminUser[] = [];
  let searches = 0;
  let typing: number | undefined;
  const search = async (text: string): Promise<void> => {
    const asked = ++searches;
    const list = await kit.api.users(userListQuery({ q: userSearchTerm(text), perPage: 20 }));
    if (asked !== searches) return; // a later search answers for the text now
    found = list.items;
    suggestions.replaceChildren(...found.map((u) => h('option', { value: userLabel(u) })));
  };
  const suggest = (): void => {
    const text = user.value.trim();
    if (!text || 'user' in pickUser(text, found)) return;
    // Suggestions only help: a failed search says nothing here; 表示する says why.
    search(text).catch(() => undefined);
  };
  user.addEventListener('input', () => {
    user.removeAttribute('aria-invalid');
    window.clearTimeout(typing);
    typing = window.setTimeout(suggest, 300);
  });
  /** Whom the 利用者 field names: null for everyone, else a user or why nobody. */
  const chosenUser = async (): Promise<{ user: AdminUser } | { problem: string } | null> => {
    const text = user.value.trim();
    if (!text) return null;
    window.clearTimeout(typing);
    const known = pickUser(text, found);
    if ('user' in known) return known;
    await search(text);
    return pickUser(text, found);
  };
  const userProblem = (message: string): void => {
    error.textContent = message;
    user.setAttribute('aria-invalid', 'true');
    user.focus();
  };

  const load = async (): Promise<void> => {
    error.textContent = '';
    user.removeAttribute('aria-invalid');
    const problem = filterProblem(current(null));
    if (problem) {
      error.textContent = problem;
      (from.value ? to : from).focus();
      return;
    }
    submit.disabled = true;
    results.setAttribute('aria-busy', 'true');
    kit.announce(t('a.reports.loading'));
    let chosen: AdminUser | null = null;
    try {
      const named = await chosenUser();
      if (!kit.isCurrent()) return;
      if (named && 'problem' in named) {
        userProblem(named.problem);
        return;
      }
      chosen = named?.user ?? null;
      const f = current(chosen);
      const [viewing, contents] = await Promise.all([
        kit.api.viewingReport(reportQuery(f)),
        kit.api.contentsReport(reportQuery(f)),
      ]);
      if (!kit.isCurrent()) return;
      results.replaceChildren(...renderResults(kit, f, viewing, contents, chosen));
      const total = readableSeconds(viewing.totals.total_seconds);
      kit.announce(
        chosen
          ? t('a.reports.shownFor', { who: userLabel(chosen), from: f.from, to: f.to, total })
          : t('a.reports.shown', { from: f.from, to: f.to, total, n: viewing.rows.length }),
      );
    } catch (err) {
      if (kit.handleAuthError(err)) return;
      // A user outside a manager's groups (403) or gone since (404): the API says which.
      const aboutUser = chosen && err instanceof kit.ApiError && (err.status === 403 || err.status === 404);
      if (aboutUser) userProblem(kit.errorMessage(err));
      else error.textContent = kit.errorMessage(err);
    } finally {
      submit.disabled = false;
      results.removeAttribute('aria-busy');
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void load();
  });
  kit.show(t('a.nav.reports'), kit.heading(t('a.nav.reports')), help(), form, results);
  await load();
}

function help(): HTMLElement {
  return h(
    'details',
    { class: 'help' },
    h('summary', {}, t('a.reports.definitions')),
    h(
      'dl',
      {},
      ...DEFINITIONS.flatMap((d) => [
        h('dt', {}, definitionTerm(d.term, getLang())),
        getLang() === 'en'
          ? h('dd', {}, h('p', {}, d.en))
          : h('dd', {}, h('p', {}, d.ja), h('p', { lang: 'en' }, d.en)),
      ]),
    ),
  );
}

function renderResults(
  kit: AdminHost,
  f: ReportFilter,
  viewing: ViewingReport,
  contents: ContentsReport,
  chosen: AdminUser | null,
): Node[] {
  const bars = chartBars(viewing.periods, viewing.totals.seconds, viewing.granularity);
  const csv = (label: string, extra: Record<string, string>, name: string) => {
    const btn = h('button', { type: 'button', class: 'secondary' }, label);
    btn.addEventListener('click', () => {
      const path = extra.table
        ? `/api/v1/reports/contents${reportQuery(f, extra)}`
        : `/api/v1/reports/viewing${reportQuery(f)}`;
      btn.disabled = true;
      kit.api
        .download(path, 'text/csv')
        .then((blob) => {
          saveBlob(blob, `${name}-${f.from}-${f.to}.csv`);
          kit.announce(t('a.reports.downloading', { label }));
        })
        .catch((err: unknown) => kit.announce(kit.errorMessage(err)))
        .finally(() => (btn.disabled = false));
    });
    return btn;
  };
  return [
    h(
      'section',
      { 'aria-labelledby': 'report-trend' },
      h('h2', { id: 'report-trend' }, t('a.reports.trend')),
      h('p', { class: 'meta' }, t('a.reports.total', { total: readableSeconds(viewing.totals.total_seconds), n: viewing.rows.length })),
      chart(bars),
      scroll(
        table(
          t('a.reports.trendTable'),
          [t('a.reports.period'), t('a.reports.viewingTime')],
          bars.map((b) => [b.label, readableSeconds(b.seconds)]),
        ),
      ),
      csv(t('a.reports.csvViewing'), {}, 'viewing'),
    ),
    h(
      'section',
      { 'aria-labelledby': 'report-users' },
      h('h2', { id: 'report-users' }, t('a.reports.users')),
      viewing.rows.length === 0
        ? h('p', {}, t('a.reports.noUsers'))
        : scroll(
            table(
              t('a.reports.usersTable'),
              [t('a.reports.user'), ...viewing.periods.map((p) => periodLabel(p, viewing.granularity)), t('a.reports.sum')],
              viewing.rows.map((r) => [
                userLabel(r),
                ...r.seconds.map(readableSeconds),
                readableSeconds(r.total_seconds),
              ]),
              true,
            ),
          ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'report-contents' },
      h('h2', { id: 'report-contents' }, t('a.reports.contents')),
      contents.contents.length === 0
        ? h('p', {}, t('a.reports.noContents'))
        : scroll(
            table(
              t('a.reports.contentsTable'),
              [t('a.reports.title'), t('a.reports.viewers'), t('a.reports.totalTime'), t('a.reports.completions'), t('a.reports.rate')],
              contents.contents.map((c) => [
                c.title,
                t('a.reports.people', { n: c.viewers }),
                readableSeconds(c.total_seconds),
                t('a.reports.people', { n: c.completions }),
                percent(c.completion_rate),
              ]),
              true,
            ),
          ),
      csv(t('a.reports.csvContents'), { table: 'contents' }, 'contents'),
    ),
    h(
      'section',
      { 'aria-labelledby': 'report-watched' },
      h('h2', { id: 'report-watched' }, t('a.reports.watched')),
      ...watched(contents.users, chosen),
      csv(t('a.reports.csvWatched'), { table: 'users' }, 'watched'),
    ),
  ];
}

/**
 * What each user watched: a disclosure per user who watched something (the
 * chosen one's open), a table of their videos inside.
 */
function watched(users: UserWatched[], chosen: AdminUser | null): Node[] {
  if (users.length === 0) {
    return [h('p', {}, chosen ? t('a.reports.watched.noneFor', { who: userLabel(chosen) }) : t('a.reports.watched.none'))];
  }
  const each = users.map((u) => watchedDetails(u, chosen !== null));
  return chosen ? each : [h('p', {}, t('a.reports.watched.intro', { n: users.length })), ...each];
}

/** One user's videos behind their name; the table is built when first opened, so thousands of users stay light. */
function watchedDetails(u: UserWatched, open: boolean): HTMLDetailsElement {
  const details = h('details', { class: 'help', open }, h('summary', {}, watchedSummary(u)));
  const fill = (): void => {
    if (!details.open || details.querySelector('table')) return;
    const head = [
      t('a.reports.title'),
      t('a.reports.viewingTime'),
      t('a.reports.coverage'),
      t('a.reports.completed'),
      t('a.reports.lastViewed'),
    ];
    details.append(scroll(table(t('a.reports.watched.table', { who: userLabel(u) }), head, watchedRows(u.watched), true)));
  };
  details.addEventListener('toggle', fill);
  fill();
  return details;
}

/** A bar chart as SVG, described in one sentence; the table beside it has the numbers. */
function chart(bars: Bar[]): Element {
  const ns = 'http://www.w3.org/2000/svg';
  const width = Math.max(320, bars.length * 24);
  const height = 160;
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height + 20}`);
  svg.setAttribute('class', 'report-chart');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', chartSummary(bars));
  const step = width / Math.max(1, bars.length);
  bars.forEach((b, i) => {
    const barHeight = Math.round(b.height * height);
    const rect = document.createElementNS(ns, 'rect');
    rect.setAttribute('x', String(i * step + step * 0.15));
    rect.setAttribute('y', String(height - barHeight));
    rect.setAttribute('width', String(step * 0.7));
    rect.setAttribute('height', String(barHeight));
    const title = document.createElementNS(ns, 'title');
    title.textContent = `${b.label}: ${readableSeconds(b.seconds)}`;
    rect.append(title);
    svg.append(rect);
    // A label under every bar when they fit, else under every fifth.
    if (bars.length <= 12 || i % 5 === 0) {
      const text = document.createElementNS(ns, 'text');
      text.setAttribute('x', String(i === 0 ? step * 0.15 : i * step + step / 2));
      text.setAttribute('y', String(height + 14));
      // The first label starts at the bar, so it is not cut at the edge.
      text.setAttribute('text-anchor', i === 0 ? 'start' : 'middle');
      text.textContent = b.label;
      svg.append(text);
    }
  });
  return h('div', { class: 'chart-frame' }, svg);
}

/** Scrolls sideways on narrow screens; focusable so keyboards can scroll it. */
function scroll(content: HTMLTableElement): HTMLElement {
  const label = content.caption?.textContent ?? '';
  return h('div', { class: 'table-wrap', role: 'region', 'aria-label': label, tabindex: 0 }, content);
}

/** `staffFirst`: the first column is what staff wrote (names, titles), Japanese. */
function table(caption: string, head: string[], rows: string[][], staffFirst = false): HTMLTableElement {
  return h(
    'table',
    { class: 'data' },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))),
    h(
      'tbody',
      {},
      ...rows.map((r) =>
        h('tr', {}, ...r.map((c, i) => (i === 0 ? h('th', { scope: 'row', lang: staffFirst ? contentLang() : null }, c) : h('td', {}, c)))),
      ),
    ),
  );
}
