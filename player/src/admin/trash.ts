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

/** `利用者「taro@…」`: an item named in words. */
const named = (i: TrashItem): string => `${kindLabel(i.kind)}「${i.label}」`;

function rowButton(text: string, i: TrashItem, cls = 'secondary'): HTMLButtonElement {
  return h('button', { type: 'button', class: cls, 'aria-label': `${text}（${named(i)}）` }, text);
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
    h('caption', { id: 'trash-caption' }, 'ごみ箱の中身（新しく削除した順）'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['名前', '種類', '削除した日時', '削除した人', '完全に削除される日時', '操作'].map((t) =>
          h('th', { scope: 'col' }, t),
        ),
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
          () => deleters.set(id, `利用者 #${id}`),
        ),
      ),
    );
  }

  function paint(): void {
    intro.textContent =
      `削除した利用者・グループ・講座・動画は、ここに ${list.retention_days} 日間残り、そのあと自動的に完全に削除されます。` +
      'それまでは「元に戻す」で、削除する前の状態に戻せます。';
    count.textContent = list.items.length ? `全 ${list.items.length} 件` : 'ごみ箱は空です。';
    tbody.replaceChildren(
      ...(list.items.length
        ? list.items.map(row)
        : [h('tr', {}, h('td', { colspan: 6 }, '（なし）'))]),
    );
  }

  function row(i: TrashItem): HTMLTableRowElement {
    const restore = rowButton('元に戻す', i);
    const purge = rowButton('完全に削除', i, 'secondary danger-outline');
    restore.addEventListener('click', () => void restoreItem(i));
    purge.addEventListener('click', () => void purgeItem(i));
    const by =
      i.deleted_by === null
        ? h('span', { class: 'muted' }, '不明（CSV取り込みなど）')
        : (deleters.get(i.deleted_by) ?? `利用者 #${i.deleted_by}`);
    return h(
      'tr',
      { 'data-item': key(i) },
      h('th', { scope: 'row' }, i.label),
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
  async function change(i: TrashItem, doIt: () => Promise<unknown>, failed: string): Promise<boolean> {
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
        say(`${named(i)}を${failed}できませんでした。${japaneseMessage(host.errorMessage(err))}`);
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
      title: 'ごみ箱から元に戻しますか',
      body: [`${named(i)}を元に戻します。`, restoreEffect(i.kind)],
      confirm: '元に戻す',
    });
    if (!ok || !host.isCurrent()) return;
    const index = list.items.findIndex((x) => key(x) === key(i));
    if (!(await change(i, () => host.api.restore(i.kind, i.id), '元に戻'))) return;
    host.announce(`${named(i)}を元に戻しました。`);
    focusAfter(index);
  }

  async function purgeItem(i: TrashItem): Promise<void> {
    if (busy) return;
    const ok = await typedConfirmDialog({
      title: '完全に削除しますか',
      body: [
        `${named(i)}を、いますぐ完全に削除します。`,
        h('p', { class: 'warning' }, 'この操作は取り消せません。ごみ箱からも消え、元に戻す方法はありません。'),
        purgeEffect(i.kind),
        `よろしければ、確認のため${labelName(i.kind)}「${i.label}」を正確に入力して「完全に削除する」を押してください。`,
      ],
      label: `${labelName(i.kind)}（「${i.label}」と入力）`,
      expected: i.label,
      confirm: '完全に削除する',
    });
    if (!ok || !host.isCurrent()) return;
    const index = list.items.findIndex((x) => key(x) === key(i));
    if (!(await change(i, () => host.api.purge(i.kind, i.id, i.label), '完全に削除'))) return;
    host.announce(`${named(i)}を完全に削除しました。`);
    focusAfter(index);
  }

  await loadDeleters();
  if (!host.isCurrent()) return;
  paint();
  host.show('ごみ箱', host.heading('ごみ箱'), intro, error, count, wrap);
}
