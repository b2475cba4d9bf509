/**
 * 利用者管理 (`#/admin/users`): the users within the caller's reach, searched
 * by e-mail or name and filtered by role and status, 50 a page; per user,
 * enable/disable and a one-time password, each confirmed in a dialog.
 */
import type { AdminUser, UserStatus } from '../api';
import { h } from '../dom';
import { confirmDialog, passwordDialog } from './dialog';
import type { AdminHost } from './host';
import { pageButtons, scrollBox } from './parts';
import {
  formatJst,
  japaneseMessage,
  pageInfo,
  PER_PAGE,
  roleLabel,
  ROLES,
  statusLabel,
  STATUSES,
  userListQuery,
  type PageInfo,
  type UserFilter,
} from './labels';

/** `区役 二葉（learner2@manabi.example）`, or the e-mail alone. */
const who = (u: AdminUser): string => (u.name ? `${u.name}（${u.email}）` : u.email);

/**
 * A row's button: its name says for whom (`無効にする（learner2@…）`) and
 * starts with the visible text, so speech input finds it (WCAG 2.5.3).
 */
function rowButton(text: string, forWhom: string): HTMLButtonElement {
  return h('button', { type: 'button', class: 'secondary', 'aria-label': `${text}（${forWhom}）` }, text);
}

function labelledSelect(id: string, label: string, options: [string, string][]) {
  const select = h(
    'select',
    { id, name: id },
    ...options.map(([value, text]) => h('option', { value }, text)),
  );
  return { select, field: h('div', { class: 'field' }, h('label', { for: id }, label), select) };
}

export async function usersPage(host: AdminHost): Promise<void> {
  const filter: UserFilter = { q: '', role: '', status: '', page: 1, perPage: PER_PAGE };
  let first = await host.api.users(userListQuery(filter));
  if (!host.isCurrent()) return;

  const q = h('input', {
    id: 'users-q',
    name: 'q',
    type: 'search',
    autocomplete: 'off',
    enterkeyhint: 'search',
  });
  const role = labelledSelect('users-role', '権限', [
    ['', 'すべて'],
    ...ROLES.map((r): [string, string] => [r, roleLabel(r)]),
  ]);
  const status = labelledSelect('users-status', '状態', [
    ['', 'すべて'],
    ...STATUSES.map((s): [string, string] => [s, statusLabel(s)]),
  ]);
  const search = h('button', { type: 'submit', class: 'primary' }, '検索');
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': '利用者の検索' },
    h('div', { class: 'field' }, h('label', { for: 'users-q' }, 'メールアドレスまたは氏名'), q),
    role.field,
    status.field,
    h('div', { class: 'field filters-submit' }, search),
  );
  const error = h('p', { class: 'form-error', role: 'alert', id: 'users-error' });
  const count = h('p', { class: 'count', id: 'users-count' });
  const tbody = h('tbody');
  const table = h(
    'table',
    { class: 'data' },
    h('caption', { id: 'users-caption' }, '利用者一覧'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['メールアドレス', '氏名', '権限', '状態', 'グループ', '最終ログイン', '操作'].map((t) =>
          h('th', { scope: 'col' }, t),
        ),
      ),
    ),
    tbody,
  );
  // Scrolls sideways on narrow screens; focusable so keyboards can scroll it.
  const wrap = scrollBox(table, 'users-caption');
  const { nav: pager, prev, next, where } = pageButtons('利用者一覧のページ');

  const setError = (message: string): void => {
    error.textContent = '';
    // After a tick, so an equal message is announced again.
    if (message) window.setTimeout(() => (error.textContent = message), 50);
  };

  const paint = (list: typeof first): PageInfo => {
    const info = pageInfo(list.total, filter.page ?? 1, filter.perPage ?? PER_PAGE);
    count.textContent = info.text;
    where.textContent = `${filter.page ?? 1} / ${info.pages} ページ`;
    prev.disabled = !info.hasPrev;
    next.disabled = !info.hasNext;
    pager.hidden = info.pages <= 1;
    tbody.replaceChildren(
      ...(list.items.length
        ? list.items.map(userRow)
        : [h('tr', {}, h('td', { colspan: 7 }, '（該当なし）'))]),
    );
    return info;
  };

  let loading = false;
  const load = async (focusAfter?: HTMLButtonElement): Promise<void> => {
    if (loading) return;
    loading = true;
    wrap.setAttribute('aria-busy', 'true');
    setError('');
    try {
      const list = await host.api.users(userListQuery(filter));
      if (!host.isCurrent()) return;
      first = list;
      const info = paint(list);
      host.announce(info.text);
      if (focusAfter?.disabled) (focusAfter === next ? prev : next).focus();
    } catch (err) {
      if (!host.handleAuthError(err)) {
        setError(`一覧を読み込めませんでした。${japaneseMessage(host.errorMessage(err))}`);
      }
    } finally {
      loading = false;
      wrap.removeAttribute('aria-busy');
    }
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    filter.q = q.value;
    filter.role = role.select.value;
    filter.status = status.select.value;
    filter.page = 1;
    void load();
  });
  prev.addEventListener('click', () => {
    filter.page = Math.max(1, (filter.page ?? 1) - 1);
    void load(prev);
  });
  next.addEventListener('click', () => {
    filter.page = (filter.page ?? 1) + 1;
    void load(next);
  });

  /** One user's row; rebuilt in place after a change. */
  function userRow(u: AdminUser): HTMLTableRowElement {
    const active = u.status === 'active';
    const toggle = rowButton(active ? '無効にする' : '有効にする', u.email);
    const otp = rowButton('初期パスワードを発行', u.email);
    const tr = h(
      'tr',
      { class: active ? '' : 'is-disabled' },
      h('th', { scope: 'row', class: 'nowrap' }, u.email),
      h('td', { class: 'nowrap' }, u.name),
      h('td', { class: 'nowrap' }, roleLabel(u.role)),
      h(
        'td',
        { class: 'nowrap' },
        active ? statusLabel(u.status) : h('span', { class: 'badge' }, statusLabel(u.status)),
      ),
      h('td', {}, u.groups.length ? u.groups.join('、') : h('span', { class: 'muted' }, 'なし')),
      h(
        'td',
        { class: 'nowrap' },
        u.last_login_at
          ? h('time', { datetime: u.last_login_at }, formatJst(u.last_login_at))
          : h('span', { class: 'muted' }, 'なし'),
      ),
      h('td', {}, h('div', { class: 'row-actions' }, toggle, otp)),
    );
    toggle.addEventListener('click', () => void setStatus(u, tr, active ? 'disabled' : 'active'));
    otp.addEventListener('click', () => void issuePassword(u));
    return tr;
  }

  let busy = false;

  async function setStatus(u: AdminUser, tr: HTMLTableRowElement, to: UserStatus): Promise<void> {
    if (busy) return;
    const disabling = to === 'disabled';
    const ok = await confirmDialog(
      disabling
        ? {
            title: '利用者を無効にしますか',
            body: [
              `${who(u)} を無効にします。`,
              'この利用者はログインできなくなり、ログイン中の端末からもログアウトされます。' +
                '学習履歴は残り、あとから有効に戻せます。',
            ],
            confirm: '無効にする',
            danger: true,
          }
        : {
            title: '利用者を有効にしますか',
            body: [`${who(u)} を有効にします。この利用者は再びログインできるようになります。`],
            confirm: '有効にする',
          },
    );
    if (!ok || !host.isCurrent()) return;
    busy = true;
    tr.setAttribute('aria-busy', 'true');
    setError('');
    try {
      const updated = await host.api.setUserStatus(u.id, to);
      if (!host.isCurrent()) return;
      const fresh = userRow({ ...u, ...updated, groups: updated.groups ?? u.groups });
      tr.replaceWith(fresh);
      fresh.querySelector<HTMLButtonElement>('button')?.focus();
      host.announce(`${who(u)} を${disabling ? '無効' : '有効'}にしました。`);
    } catch (err) {
      if (host.handleAuthError(err)) return;
      setError(
        `${who(u)} を${disabling ? '無効' : '有効'}にできませんでした。` +
          japaneseMessage(host.errorMessage(err)),
      );
    } finally {
      busy = false;
      tr.removeAttribute('aria-busy');
    }
  }

  async function issuePassword(u: AdminUser): Promise<void> {
    if (busy) return;
    const ok = await confirmDialog({
      title: '初期パスワードを発行しますか',
      body: [
        `${who(u)} の初期パスワードを発行します。`,
        'いまのパスワードは使えなくなり、ログイン中の端末からもログアウトされます。' +
          'ご本人は初期パスワードでログインしたあと、自分のパスワードに変更します。',
      ],
      confirm: '発行する',
      danger: true,
    });
    if (!ok || !host.isCurrent()) return;
    busy = true;
    setError('');
    try {
      const res = await host.api.issuePassword(u.id);
      if (!host.isCurrent()) return;
      await passwordDialog(who(u), res.one_time_password);
      host.announce(`${who(u)} の初期パスワードを発行しました。`);
    } catch (err) {
      if (host.handleAuthError(err)) return;
      setError(`初期パスワードを発行できませんでした。${japaneseMessage(host.errorMessage(err))}`);
    } finally {
      busy = false;
    }
  }

  paint(first);
  host.show(
    '利用者管理',
    host.heading('利用者管理'),
    h(
      'p',
      {},
      host.user.role === 'manager'
        ? '担当するグループ（その下のグループを含む）の受講者を表示しています。'
        : 'すべての利用者を表示しています。',
    ),
    form,
    error,
    count,
    wrap,
    pager,
  );
}
