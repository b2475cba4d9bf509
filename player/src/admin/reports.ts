/**
 * 視聴レポート (`#/admin/reports`, admins and managers): viewing time for a
 * period by day, week or month, for everyone in reach or one group (with
 * its sub-groups) — a chart with its table, per user, per content — each
 * downloadable as CSV, with the definitions as help. Managers get only
 * their groups (the API decides).
 */
import type { ContentsReport, GroupItem, ViewingReport } from '../api';
import { h } from '../dom';
import type { AdminHost } from './host';
import {
  chartBars,
  chartSummary,
  DEFINITIONS,
  defaultFilter,
  filterProblem,
  percent,
  periodLabel,
  readableSeconds,
  reportQuery,
  type Bar,
  type Granularity,
  type ReportFilter,
} from './report-logic';
import { saveBlob } from './save';

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
    h('option', { value: 'day' }, '日ごと'),
    h('option', { value: 'week' }, '週ごと'),
    h('option', { value: 'month' }, '月ごと'),
  );
  const group = h(
    'select',
    { id: 'report-group' },
    h('option', { value: '' }, 'すべて（担当範囲の全員）'),
    ...[...groups]
      .sort((a, b) => a.path.localeCompare(b.path, 'ja'))
      .map((g) => h('option', { value: String(g.id) }, g.path)),
  );
  const error = h('p', { class: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, '表示する');
  const results = h('div', { class: 'report-results' });
  const field = (id: string, label: string, control: HTMLElement) =>
    h('div', { class: 'field' }, h('label', { for: id }, label), control);
  const form = h(
    'form',
    { class: 'report-filter', 'aria-label': 'レポートの条件' },
    h(
      'fieldset',
      {},
      h('legend', {}, '期間と対象'),
      h(
        'div',
        { class: 'filters' },
        field('report-from', '開始日', from),
        field('report-to', '終了日', to),
        field('report-granularity', '集計単位', granularity),
        field('report-group', 'グループ（下位グループを含む）', group),
      ),
    ),
    error,
    submit,
  );
  const current = (): ReportFilter => ({
    from: from.value,
    to: to.value,
    granularity: granularity.value as Granularity,
    group: group.value,
  });
  const load = async (): Promise<void> => {
    const f = current();
    error.textContent = '';
    const problem = filterProblem(f);
    if (problem) {
      error.textContent = problem;
      (f.from ? to : from).focus();
      return;
    }
    submit.disabled = true;
    results.setAttribute('aria-busy', 'true');
    kit.announce('レポートを集計しています…');
    try {
      const [viewing, contents] = await Promise.all([
        kit.api.viewingReport(reportQuery(f)),
        kit.api.contentsReport(reportQuery(f)),
      ]);
      if (!kit.isCurrent()) return;
      results.replaceChildren(...renderResults(kit, f, viewing, contents));
      kit.announce(
        `${f.from} から ${f.to} までのレポートを表示しました。合計 ${readableSeconds(viewing.totals.total_seconds)}、${viewing.rows.length} 人。`,
      );
    } catch (err) {
      if (!kit.handleAuthError(err)) error.textContent = kit.errorMessage(err);
    } finally {
      submit.disabled = false;
      results.removeAttribute('aria-busy');
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void load();
  });
  kit.show('視聴レポート', kit.heading('視聴レポート'), help(), form, results);
  await load();
}

function help(): HTMLElement {
  return h(
    'details',
    { class: 'help' },
    h('summary', {}, '用語の説明 (Definitions)'),
    h(
      'dl',
      {},
      ...DEFINITIONS.flatMap((d) => [
        h('dt', {}, d.term),
        h('dd', {}, h('p', {}, d.ja), h('p', { lang: 'en' }, d.en)),
      ]),
    ),
  );
}

function renderResults(
  kit: AdminHost,
  f: ReportFilter,
  viewing: ViewingReport,
  contents: ContentsReport,
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
          kit.announce(`${label}: ダウンロードを開始しました。`);
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
      h('h2', { id: 'report-trend' }, '視聴時間の推移'),
      h('p', { class: 'meta' }, `合計 ${readableSeconds(viewing.totals.total_seconds)}（${viewing.rows.length} 人）`),
      chart(bars),
      scroll(
        table(
          '期間ごとの視聴時間（グラフの数値）',
          ['期間', '視聴時間'],
          bars.map((b) => [b.label, readableSeconds(b.seconds)]),
        ),
      ),
      csv('利用者別の視聴時間をCSVで保存', {}, 'viewing'),
    ),
    h(
      'section',
      { 'aria-labelledby': 'report-users' },
      h('h2', { id: 'report-users' }, '利用者別の視聴時間'),
      viewing.rows.length === 0
        ? h('p', {}, 'この期間に視聴した人はいません。')
        : scroll(
            table(
              '利用者別・期間別の視聴時間',
              ['利用者', ...viewing.periods.map((p) => periodLabel(p, viewing.granularity)), '合計'],
              viewing.rows.map((r) => [
                r.name ? `${r.name}（${r.email}）` : r.email,
                ...r.seconds.map(readableSeconds),
                readableSeconds(r.total_seconds),
              ]),
            ),
          ),
      csv('利用者ごとの視聴内容をCSVで保存', { table: 'users' }, 'watched'),
    ),
    h(
      'section',
      { 'aria-labelledby': 'report-contents' },
      h('h2', { id: 'report-contents' }, 'コンテンツ別'),
      contents.contents.length === 0
        ? h('p', {}, 'この期間に視聴されたコンテンツはありません。')
        : scroll(
            table(
              'コンテンツ別の視聴者数・視聴時間・修了率',
              ['タイトル', '視聴者数', '合計視聴時間', '修了者数', '修了率'],
              contents.contents.map((c) => [
                c.title,
                `${c.viewers} 人`,
                readableSeconds(c.total_seconds),
                `${c.completions} 人`,
                percent(c.completion_rate),
              ]),
            ),
          ),
      csv('コンテンツ別をCSVで保存', { table: 'contents' }, 'contents'),
    ),
  ];
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

function table(caption: string, head: string[], rows: string[][]): HTMLTableElement {
  return h(
    'table',
    { class: 'data' },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))),
    h(
      'tbody',
      {},
      ...rows.map((r) =>
        h('tr', {}, ...r.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, c) : h('td', {}, c)))),
      ),
    ),
  );
}
