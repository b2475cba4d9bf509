/**
 * ごみ箱 (`#/admin/trash`, admins; docs/records.md): deleted users, groups,
 * courses and videos with when and by whom they were deleted and when they
 * will be purged; per item 元に戻す (a confirmation saying what comes back)
 * and 完全に削除 (the item's name typed exactly in a dialog — the API checks
 * it again — after a warning that it cannot be undone).
 */
import type { TrashItem, TrashList } from '../api';
import { h } from '../dom';
import { confirmDialog, typedConfirmDialog } from './dialog';
import type { AdminHost } from './host';
import { scrollBox } from './parts';
import { formatJst, japaneseMessage } from './labels';
import { kindLabel, labelName, purgeEffect, restoreEffect } from './records';
import { t } from './messages';
import { contentLang } from '../i18n';

/** `利用者「taro@…」`: an item named in words. */
const named = (i: TrashItem): string => t('a.trash.named', { kind: kindLabel(i.kind), label: i.label });

function rowButton(text: string, i: TrashItem, cls = 'secondary'): HTMLButtonElement {
  return h('button', { type: 'button', class: cls, 'aria-label': t('a.common.forWhom', { text, who: named(i) }) }, text);
}

export async function trashPage(host: AdminHost): Promise<void> {
  let list: TrashList = await host.api.trash();
  if (!host.isCurrent()) return;
  /** Who deleted (user id → e-mail), asked once per id. */
  const deleters = new Map<number, string>();
  let busy = false;

  const error = h('p', { class: 'form-error', role: 'alert', id: 'trash-error' });
  const intro = h('p', {});
  const count = h('p', { class: 'count' });
  const tbody = h('tbody');
  const table = h(
    'table',
    { class: 'data trash-table' },
    h('caption', { id: 'trash-caption' }, t('a.trash.caption')),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...[
          t('a.trash.name'),
          t('a.trash.kind'),
          t('a.trash.deletedAt'),
          t('a.trash.deletedBy'),
          t('a.trash.purgeAt'),
          t('a.field.action'),
        ].map((text) => h('th', { scope: 'col' }, text)),
      ),
    ),
    tbody,
  );
  const wrap = scrollBox(table, 'trash-caption');
  const say = (message: string): void => {
    error.textContent = '';
    if (message) window.setTimeout(() => (error.textContent = message), 50);
  };
  const key = (i: { kind: string; id: number }): string => `${i.kind}:${i.id}`;

  /** Looks up the e-mails of who deleted what (unknown ids stay as numbers). */
  async function loadDeleters(): Promise<void> {
    const ids = [...new Set(list.items.map((i) => i.deleted_by))].filter(
      (id): id is number => id !== null && !deleters.has(id),
    );
    await Promise.all(
      ids.map((id) =>
        host.api.user(id).then(
          (u) => deleters.set(id, u.email),
          () => deleters.set(id, t('a.records.target', { kind: t('a.records.kind.user'), id })),
        ),
      ),
    );
  }

  function paint(): void {
    intro.textContent =
      t('a.trash.intro', { n: list.retention_days });
    count.textContent = list.items.length ? t('a.common.total', { n: list.items.length }) : t('a.trash.empty');
    tbody.replaceChildren(
      ...(list.items.length
        ? list.items.map(row)
        : [h('tr', {}, h('td', { colspan: 6 }, t('a.assign.none')))]),
    );
  }

  function row(i: TrashItem): HTMLTableRowElement {
    const restore = rowButton(t('a.trash.restore'), i);
    const purge = rowButton(t('a.trash.purge'), i, 'secondary danger-outline');
    restore.addEventListener('click', () => void restoreItem(i));
    purge.addEventListener('click', () => void purgeItem(i));
    const by =
      i.deleted_by === null
        ? h('span', { class: 'muted' }, t('a.trash.unknown'))
        : (deleters.get(i.deleted_by) ?? t('a.records.target', { kind: t('a.records.kind.user'), id: i.deleted_by }));
    return h(
      'tr',
      { 'data-item': key(i) },
      h('th', { scope: 'row', lang: contentLang() }, i.label),
      h('td', { class: 'nowrap' }, kindLabel(i.kind)),
      h('td', { class: 'nowrap' }, h('time', { datetime: i.deleted_at }, formatJst(i.deleted_at))),
      h('td', {}, by),
      h('td', { class: 'nowrap' }, h('time', { datetime: i.purge_after }, formatJst(i.purge_after))),
      h('td', {}, h('div', { class: 'row-actions' }, restore, purge)),
    );
  }

  async function reload(): Promise<void> {
    list = await host.api.trash();
    await loadDeleters();
    if (host.isCurrent()) paint();
  }

  /** Runs a change (after its dialog), then lists the trash again. */
  async function change(i: TrashItem, doIt: () => Promise<unknown>, failed: 'a.trash.restoreFailed' | 'a.trash.purgeFailed'): Promise<boolean> {
    if (busy) return false;
    busy = true;
    say('');
    const tr = tbody.querySelector(`tr[data-item="${key(i)}"]`);
    tr?.setAttribute('aria-busy', 'true');
    wrap.setAttribute('aria-busy', 'true');
    try {
      await doIt();
      if (!host.isCurrent()) return false;
      await reload();
      return true;
    } catch (err) {
      if (!host.handleAuthError(err)) {
        host.announce('');
        say(t(failed, { named: named(i), error: japaneseMessage(host.errorMessage(err)) }));
      }
      return false;
    } finally {
      busy = false;
      tr?.removeAttribute('aria-busy');
      wrap.removeAttribute('aria-busy');
    }
  }

  /** After an item left the list: focus the next row's first button, or the heading. */
  function focusAfter(index: number): void {
    const rows = tbody.querySelectorAll<HTMLTableRowElement>('tr[data-item]');
    const target = rows[Math.min(index, rows.length - 1)]?.querySelector('button');
    if (target) target.focus();
    else document.querySelector<HTMLElement>('#view h1')?.focus();
  }

  async function restoreItem(i: TrashItem): Promise<void> {
    if (busy) return;
    const ok = await confirmDialog({
      title: t('a.trash.restore.title'),
      body: [t('a.trash.restore.body', { named: named(i) }), restoreEffect(i.kind)],
      confirm: t('a.trash.restore'),
    });
    if (!ok || !host.isCurrent()) return;
    const index = list.items.findIndex((x) => key(x) === key(i));
    if (!(await change(i, () => host.api.restore(i.kind, i.id), 'a.trash.restoreFailed'))) return;
    host.announce(t('a.trash.restored', { named: named(i) }));
    focusAfter(index);
  }

  async function purgeItem(i: TrashItem): Promise<void> {
    if (busy) return;
    const ok = await typedConfirmDialog({
      title: t('a.trash.purge.title'),
      body: [
        t('a.trash.purge.body', { named: named(i) }),
        h('p', { class: 'warning' }, t('a.trash.purge.warn')),
        purgeEffect(i.kind),
        t('a.trash.purge.type', { what: labelName(i.kind), label: i.label }),
      ],
      label: t('a.trash.purge.label', { what: labelName(i.kind), label: i.label }),
      expected: i.label,
      confirm: t('a.trash.purge.confirm'),
    });
    if (!ok || !host.isCurrent()) return;
    const index = list.items.findIndex((x) => key(x) === key(i));
    if (!(await change(i, () => host.api.purge(i.kind, i.id, i.label), 'a.trash.purgeFailed'))) return;
    host.announce(t('a.trash.purged', { named: named(i) }));
    focusAfter(index);
  }

  await loadDeleters();
  if (!host.isCurrent()) return;
  paint();
  host.show(t('a.nav.trash'), host.heading(t('a.nav.trash')), intro, error, count, wrap);
}
