/**
 * 監査ログ (`#/admin/audit`, admins; docs/records.md): who did what, when
 * (in Japan time, the API's `at_local`), on what, from which address, in
 * which request — filtered by days, a kind of action and the person who
 * did it, 50 a page, each entry's before → after in a disclosure; and the
 * whole log as CSV (`/api/v1/export/audit.csv`).
 */
import type { AuditEntry, AuditPage } from '../api';
import { field, h } from '../dom';
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
import { t } from './messages';

export async function auditPage(host: AdminHost): Promise<void> {
  const filter: AuditFilter = { page: 1, perPage: AUDIT_PER_PAGE };
  let first: AuditPage = await host.api.audit(auditQuery(filter));
  if (!host.isCurrent()) return;

  const from = h('input', { id: 'audit-from', name: 'from', type: 'date' });
  const to = h('input', { id: 'audit-to', name: 'to', type: 'date' });
  const action = h(
    'select',
    { id: 'audit-action', name: 'action' },
    ...AUDIT_ACTIONS.map(([value, key]) =>
      h('option', { value }, value ? t('a.audit.family', { label: t(key), value }) : t(key)),
    ),
  );
  const actor = h('input', {
    id: 'audit-actor',
    name: 'actor',
    type: 'email',
    autocomplete: 'off',
    inputmode: 'email',
  });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('a.audit.filter'));
  const form = h(
    'form',
    { class: 'audit-filter', role: 'search', 'aria-label': t('a.audit.filterLabel'), novalidate: true },
    h(
      'div',
      { class: 'filters' },
      field('audit-from', t('a.reports.from'), from, t('a.audit.fromHint')),
      field('audit-to', t('a.reports.to'), to, t('a.audit.toHint')),
      field('audit-action', t('a.audit.actionKind'), action),
      field('audit-actor', t('a.audit.actorEmail'), actor, t('a.audit.actorHint')),
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
    h('caption', { id: 'audit-caption' }, t('a.audit.caption')),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        timeHead,
        ...[
          t('a.audit.actor'),
          t('a.field.action'),
          t('a.audit.target'),
          t('a.audit.client'),
          t('a.audit.requestId'),
          t('a.audit.details'),
        ].map((text) => h('th', { scope: 'col' }, text)),
      ),
    ),
    tbody,
  );
  const wrap = scrollBox(table, 'audit-caption');
  const { nav: pager, prev, next, where } = pageButtons(t('a.audit.pages'));
  const csv = h('button', { type: 'button', class: 'secondary' }, t('a.audit.csv'));

  const say = (message: string): void => {
    error.textContent = '';
    if (message) window.setTimeout(() => (error.textContent = message), 50);
  };

  const countText = (list: AuditPage): string => {
    const info = pageInfo(list.total, filter.page ?? 1, filter.perPage ?? AUDIT_PER_PAGE);
    return list.total === 0
      ? t('a.audit.none')
      : t('a.labels.page.range', { total: list.total, from: info.from, to: info.to, page: filter.page ?? 1, pages: info.pages });
  };

  const paint = (list: AuditPage): void => {
    const info = pageInfo(list.total, filter.page ?? 1, filter.perPage ?? AUDIT_PER_PAGE);
    count.textContent = countText(list);
    timeHead.textContent = timeHeading(list.timezone);
    where.textContent = t('a.common.pageOf', { page: filter.page ?? 1, pages: info.pages });
    prev.disabled = !info.hasPrev;
    next.disabled = !info.hasNext;
    pager.hidden = info.pages <= 1;
    tbody.replaceChildren(
      ...(list.items.length
        ? list.items.map(entryRow)
        : [h('tr', {}, h('td', { colspan: 7 }, t('a.common.noneMatch')))]),
    );
  };

  function entryRow(e: AuditEntry): HTMLTableRowElement {
    const lines = detailLines(e.detail, e.action);
    const actorText = e.actor_email || (e.actor_id === null ? t('a.audit.system') : t('a.records.target', { kind: t('a.records.kind.user'), id: e.actor_id }));
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
      h('td', { class: 'nowrap' }, e.client || h('span', { class: 'muted' }, t('a.common.none'))),
      h('td', { class: 'request-id' }, e.request_id || h('span', { class: 'muted' }, t('a.common.none'))),
      h(
        'td',
        {},
        lines.length
          ? h(
              'details',
              { class: 'audit-detail' },
              h('summary', { 'aria-label': t('a.audit.detailsOf', { at: localTime(e.at_local), label }) }, t('a.audit.details')),
              h('ul', { class: 'plain' }, ...lines.map((l) => h('li', {}, detailText(l)))),
            )
          : h('span', { class: 'muted' }, t('a.common.none')),
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
        say(t('a.audit.loadFailed', { error: japaneseMessage(host.errorMessage(err)) }));
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
        if (!host.handleAuthError(err)) say(t('a.audit.userFailed', { error: japaneseMessage(host.errorMessage(err)) }));
        return;
      }
      if (!host.isCurrent()) return;
      if (id === undefined) {
        actor.setAttribute('aria-invalid', 'true');
        say(t('a.audit.noUser', { email }));
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
    host.announce(t('a.audit.csvMaking'));
    host.api
      .download('/api/v1/export/audit.csv')
      .then((blob) => {
        saveBlob(blob, 'manabi-audit.csv');
        host.announce(t('a.audit.csvStarted'));
      })
      .catch((err: unknown) => {
        if (!host.handleAuthError(err)) {
          host.announce('');
          say(t('a.common.csvFailed', { error: japaneseMessage(host.errorMessage(err)) }));
        }
      })
      .finally(() => (csv.disabled = false));
  });

  paint(first);
  host.show(
    t('a.nav.audit'),
    host.heading(t('a.nav.audit')),
    h(
      'p',
      {},
      t('a.audit.intro'),
    ),
    form,
    error,
    count,
    wrap,
    pager,
    h(
      'div',
      { class: 'panel' },
      h('h2', { id: 'audit-csv-heading' }, t('a.audit.csvHeading')),
      h(
        'p',
        { id: 'audit-csv-hint' },
        t('a.audit.csvHint'),
      ),
      csv,
    ),
  );
  csv.setAttribute('aria-describedby', 'audit-csv-hint');
}
