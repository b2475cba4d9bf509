/**
 * 監査ログ (`#/admin/audit`, admins; docs/records.md): who did what, when
 * (in Japan time, the API's `at_local`), on what, from which address, in
 * which request — filtered by days, a kind of action and the person who
 * did it, 50 a page, each entry's before → after in a disclosure; and the
 * whole log as CSV (`/api/v1/export/audit.csv`).
 */
import type { AuditEntry, AuditPage } from '../api';
import { h } from '../dom';
import type { AdminHost } from './host';
import { pageButtons, scrollBox } from './parts';
import { japaneseMessage, pageInfo, userListQuery } from './labels';
import {
  AUDIT_ACTIONS,
  AUDIT_PER_PAGE,
  auditActionLabel,
  auditDatesProblem,
  auditQuery,
  detailLines,
  detailText,
  localTime,
  targetLabel,
  timeHeading,
  type AuditFilter,
} from './records';
import { saveBlob } from './save';

const field = (id: string, label: string, control: HTMLElement, hint?: string): HTMLDivElement => {
  if (hint) control.setAttribute('aria-describedby', `${id}-hint`);
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
    control,
  );
};

export async function auditPage(host: AdminHost): Promise<void> {
  const filter: AuditFilter = { page: 1, perPage: AUDIT_PER_PAGE };
  let first: AuditPage = await host.api.audit(auditQuery(filter));
  if (!host.isCurrent()) return;

  const from = h('input', { id: 'audit-from', name: 'from', type: 'date' });
  const to = h('input', { id: 'audit-to', name: 'to', type: 'date' });
  const action = h(
    'select',
    { id: 'audit-action', name: 'action' },
    ...AUDIT_ACTIONS.map(([value, label]) =>
      h('option', { value }, value ? `${label}（${value}）` : label),
    ),
  );
  const actor = h('input', {
    id: 'audit-actor',
    name: 'actor',
    type: 'email',
    autocomplete: 'off',
    inputmode: 'email',
  });
  const submit = h('button', { type: 'submit', class: 'primary' }, '絞り込む');
  const form = h(
    'form',
    { class: 'audit-filter', role: 'search', 'aria-label': '監査ログの絞り込み', novalidate: true },
    h(
      'div',
      { class: 'filters' },
      field('audit-from', '開始日', from, '空欄なら最初から'),
      field('audit-to', '終了日', to, '空欄なら今日まで'),
      field('audit-action', '操作の種類', action),
      field('audit-actor', '操作した人のメールアドレス', actor, '空欄ならすべての人'),
      h('div', { class: 'field filters-submit' }, submit),
    ),
  );
  const error = h('p', { class: 'form-error', role: 'alert', id: 'audit-error' });
  const count = h('p', { class: 'count', id: 'audit-count' });
  const timeHead = h('th', { scope: 'col' });
  const tbody = h('tbody');
  const table = h(
    'table',
    { class: 'data audit-table' },
    h('caption', { id: 'audit-caption' }, '監査ログ（新しい順）'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        timeHead,
        ...['操作した人', '操作', '対象', '接続元', 'リクエストID', '詳細'].map((t) =>
          h('th', { scope: 'col' }, t),
        ),
      ),
    ),
    tbody,
  );
  const wrap = scrollBox(table, 'audit-caption');
  const { nav: pager, prev, next, where } = pageButtons('監査ログのページ');
  const csv = h('button', { type: 'button', class: 'secondary' }, '監査ログ全体をCSVで保存');

  const say = (message: string): void => {
    error.textContent = '';
    if (message) window.setTimeout(() => (error.textContent = message), 50);
  };

  const countText = (list: AuditPage): string => {
    const info = pageInfo(list.total, filter.page ?? 1, filter.perPage ?? AUDIT_PER_PAGE);
    return list.total === 0
      ? '該当する記録はありません。'
      : `全 ${list.total} 件中 ${info.from}〜${info.to} 件を表示（${filter.page ?? 1} / ${info.pages} ページ）`;
  };

  const paint = (list: AuditPage): void => {
    const info = pageInfo(list.total, filter.page ?? 1, filter.perPage ?? AUDIT_PER_PAGE);
    count.textContent = countText(list);
    timeHead.textContent = timeHeading(list.timezone);
    where.textContent = `${filter.page ?? 1} / ${info.pages} ページ`;
    prev.disabled = !info.hasPrev;
    next.disabled = !info.hasNext;
    pager.hidden = info.pages <= 1;
    tbody.replaceChildren(
      ...(list.items.length
        ? list.items.map(entryRow)
        : [h('tr', {}, h('td', { colspan: 7 }, '（該当なし）'))]),
    );
  };

  function entryRow(e: AuditEntry): HTMLTableRowElement {
    const lines = detailLines(e.detail, e.action);
    const actorText = e.actor_email || (e.actor_id === null ? 'システム' : `利用者 #${e.actor_id}`);
    const label = auditActionLabel(e.action);
    return h(
      'tr',
      { class: e.action === 'login_failed' ? 'has-errors' : '' },
      h(
        'th',
        { scope: 'row', class: 'nowrap' },
        h('time', { datetime: e.at }, localTime(e.at_local) || e.at),
      ),
      h('td', {}, actorText),
      h(
        'td',
        {},
        label,
        label !== e.action ? h('span', { class: 'action-code' }, e.action) : null,
      ),
      h('td', {}, targetLabel(e.target)),
      h('td', { class: 'nowrap' }, e.client || h('span', { class: 'muted' }, 'なし')),
      h('td', { class: 'request-id' }, e.request_id || h('span', { class: 'muted' }, 'なし')),
      h(
        'td',
        {},
        lines.length
          ? h(
              'details',
              { class: 'audit-detail' },
              h('summary', { 'aria-label': `詳細（${localTime(e.at_local)} ${label}）` }, '詳細'),
              h('ul', { class: 'plain' }, ...lines.map((l) => h('li', {}, detailText(l)))),
            )
          : h('span', { class: 'muted' }, 'なし'),
      ),
    );
  }

  /** The actor's id from the e-mail typed (`undefined`: nobody has it). */
  async function actorId(email: string): Promise<number | null | undefined> {
    if (!email) return null;
    const found = await host.api.users(userListQuery({ q: email, perPage: 50 }));
    const lower = email.toLowerCase();
    return found.items.find((u) => u.email.toLowerCase() === lower)?.id;
  }

  let loading = false;
  const load = async (focusAfter?: HTMLButtonElement): Promise<void> => {
    if (loading) return;
    loading = true;
    wrap.setAttribute('aria-busy', 'true');
    submit.disabled = true;
    say('');
    try {
      const list = await host.api.audit(auditQuery(filter));
      if (!host.isCurrent()) return;
      first = list;
      paint(list);
      host.announce(countText(list));
      if (focusAfter?.disabled) (focusAfter === next ? prev : next).focus();
    } catch (err) {
      if (!host.handleAuthError(err)) {
        say(`監査ログを読み込めませんでした。${japaneseMessage(host.errorMessage(err))}`);
      }
    } finally {
      loading = false;
      submit.disabled = false;
      wrap.removeAttribute('aria-busy');
    }
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      for (const c of [from, to, actor]) c.removeAttribute('aria-invalid');
      say('');
      const problem = auditDatesProblem(from.value, to.value);
      if (problem) {
        const bad = problem.field === 'from' ? from : to;
        bad.setAttribute('aria-invalid', 'true');
        say(problem.message);
        bad.focus();
        return;
      }
      const email = actor.value.trim();
      let id: number | null | undefined;
      try {
        id = await actorId(email);
      } catch (err) {
        if (!host.handleAuthError(err)) say(`利用者を確認できませんでした。${japaneseMessage(host.errorMessage(err))}`);
        return;
      }
      if (!host.isCurrent()) return;
      if (id === undefined) {
        actor.setAttribute('aria-invalid', 'true');
        say(`「${email}」の利用者は見つかりません。メールアドレスを確かめてください。`);
        actor.focus();
        return;
      }
      filter.from = from.value;
      filter.to = to.value;
      filter.action = action.value;
      filter.actor = id;
      filter.page = 1;
      await load();
    })();
  });
  prev.addEventListener('click', () => {
    filter.page = Math.max(1, (filter.page ?? 1) - 1);
    void load(prev);
  });
  next.addEventListener('click', () => {
    filter.page = (filter.page ?? 1) + 1;
    void load(next);
  });
  csv.addEventListener('click', () => {
    csv.disabled = true;
    say('');
    host.announce('監査ログのCSVを作成しています…');
    host.api
      .download('/api/v1/export/audit.csv')
      .then((blob) => {
        saveBlob(blob, 'manabi-audit.csv');
        host.announce('監査ログのCSV（manabi-audit.csv）のダウンロードを開始しました。');
      })
      .catch((err: unknown) => {
        if (!host.handleAuthError(err)) {
          host.announce('');
          say(`CSVを保存できませんでした。${japaneseMessage(host.errorMessage(err))}`);
        }
      })
      .finally(() => (csv.disabled = false));
  });

  paint(first);
  host.show(
    '監査ログ',
    host.heading('監査ログ'),
    h(
      'p',
      {},
      'ログイン、利用者・グループ・講座などの変更、CSV取り込み、データ出力の記録です。記録は変更も削除もできません。',
    ),
    form,
    error,
    count,
    wrap,
    pager,
    h(
      'div',
      { class: 'panel' },
      h('h2', { id: 'audit-csv-heading' }, 'CSVで保存'),
      h(
        'p',
        { id: 'audit-csv-hint' },
        '絞り込みにかかわらず、監査ログ全体を古い順に保存します（UTF-8 BOM付き、Excel で開けます）。保存したことも監査ログに記録されます。',
      ),
      csv,
    ),
  );
  csv.setAttribute('aria-describedby', 'audit-csv-hint');
}
