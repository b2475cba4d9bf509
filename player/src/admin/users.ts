/**
 * 利用者管理 (`#/admin/users`): the users within the caller's reach, searched
 * by e-mail or name and filtered by role and status, 50 a page; per user,
 * enable/disable and a one-time password, each confirmed in a dialog, and
 * for admins the role, chosen in a dialog that shows the server's refusal
 * beside the list. Above the list, one user added (managers: a learner in
 * their groups), the server's refusals shown beside the field they are
 * about; the new user has no password until one is issued.
 */
import type { AdminUser, Group, Role, UserStatus } from '../api';
import { h } from '../dom';
import { choiceDialog, confirmDialog, passwordDialog } from './dialog';
import type { AdminHost } from './host';
import { checkedField, pageButtons, scrollBox } from './parts';
import {
  formatJst,
  japaneseMessage,
  newUserProblem,
  pageInfo,
  PER_PAGE,
  roleLabel,
  ROLES,
  statusLabel,
  STATUSES,
  userFieldOf,
  userListQuery,
  type PageInfo,
  type UserField,
  type UserFilter,
} from './labels';

/** What each role may do, said in the role dialog and the add form. */
const ROLE_HINT =
  '受講者：動画を見る／編集者：講座を作り公開する／受講管理者：担当グループの受講者と視聴レポートを扱う／管理者：すべて';

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
  const admin = host.user.role === 'admin';
  const filter: UserFilter = { q: '', role: '', status: '', page: 1, perPage: PER_PAGE };
  let first = await host.api.users(userListQuery(filter));
  // The add form's groups; the list works without them.
  const groups: Group[] = await host.api
    .groups()
    .then((g) => [...g.items].sort((a, b) => a.path.localeCompare(b.path, 'ja')))
    .catch((err: unknown) => {
      if (err instanceof host.ApiError && (err.status === 401 || err.code === 'password_change_required')) throw err;
      return [];
    });
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
    const role = admin ? rowButton('権限を変更', u.email) : null;
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
      h('td', {}, h('div', { class: 'row-actions' }, toggle, otp, role)),
    );
    toggle.addEventListener('click', () => void setStatus(u, tr, active ? 'disabled' : 'active'));
    otp.addEventListener('click', () => void issuePassword(u));
    role?.addEventListener('click', () => void changeRole(u, tr));
    return tr;
  }

  /** Admins: a new role, chosen in a dialog; a refusal stays in the dialog, beside the list. */
  async function changeRole(u: AdminUser, tr: HTMLTableRowElement): Promise<void> {
    if (busy) return;
    busy = true;
    setError('');
    const result: { user: AdminUser | null } = { user: null };
    try {
      const done = await choiceDialog({
        title: '権限を変更しますか',
        body: [
          `${who(u)} の権限を変更します。いまの権限は「${roleLabel(u.role)}」です。`,
          '変更すると、この利用者はログイン中のすべての端末からログアウトされ、次のログインから新しい権限で使います。',
          ROLE_HINT,
        ],
        label: '新しい権限',
        options: ROLES.map((r): [string, string] => [r, roleLabel(r)]),
        value: u.role,
        confirm: '変更する',
        submit: async (value) => {
          try {
            result.user = await host.api.setUserRole(u.id, value as Role);
            return null;
          } catch (err) {
            if (host.handleAuthError(err)) return null;
            return `変更できませんでした。${japaneseMessage(host.errorMessage(err))}`;
          }
        },
      });
      const fresh = result.user;
      if (!done || !fresh || !host.isCurrent()) return;
      const row = userRow({ ...u, ...fresh, groups: fresh.groups ?? u.groups });
      tr.replaceWith(row);
      row.querySelector<HTMLButtonElement>('button[aria-label^="権限を変更"]')?.focus();
      host.announce(`${who(u)} の権限を「${roleLabel(fresh.role)}」に変更しました。`);
    } finally {
      busy = false;
    }
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

  // ---- one user added -----------------------------------------------------------
  const email = h('input', {
    id: 'user-add-email',
    name: 'email',
    type: 'email',
    autocomplete: 'off',
    inputmode: 'email',
    required: true,
    spellcheck: 'false',
  });
  const emailField = checkedField(email, 'メールアドレス（ログインに使います）', '職員のメールアドレスを入力します。例：taro.yamada@city.example.lg.jp');
  const name = h('input', { id: 'user-add-name', name: 'name', type: 'text', autocomplete: 'off', maxlength: 100 });
  const nameField = checkedField(name, '氏名', '100文字まで。');
  const roleSelect = h(
    'select',
    { id: 'user-add-role', name: 'role' },
    ...(admin ? ROLES : (['learner'] as const)).map((r) =>
      h('option', { value: r, selected: r === 'learner' }, roleLabel(r)),
    ),
  );
  const roleField = checkedField(
    roleSelect,
    '権限',
    admin ? ROLE_HINT : '受講管理者が追加できるのは、受講者だけです。',
  );
  const groupBoxes = groups.map((g) =>
    h('input', { type: 'checkbox', id: `user-add-group-${g.id}`, name: 'groups', value: String(g.id) }),
  );
  const groupsError = h('p', { class: 'field-error', id: 'user-add-groups-error' });
  const groupsSet = h(
    'fieldset',
    { class: 'choices check-list', id: 'user-add-groups', 'aria-describedby': 'user-add-groups-hint user-add-groups-error' },
    h('legend', {}, 'グループ'),
    h(
      'p',
      { class: 'hint', id: 'user-add-groups-hint' },
      admin ? '所属するグループを選びます（あとから「グループ」の画面でも変えられます）。' : '担当するグループから、1 つ以上選びます。',
    ),
    ...(groups.length
      ? groups.map((g, i) =>
          h('div', { class: 'choice' }, groupBoxes[i] ?? null, h('label', { for: `user-add-group-${g.id}` }, g.path)),
        )
      : [h('p', { class: 'muted' }, 'グループはありません。')]),
    groupsError,
  );
  const remarks = h('input', { id: 'user-add-remarks', name: 'remarks', type: 'text', autocomplete: 'off', maxlength: 500 });
  const remarksField = checkedField(remarks, '備考', '任意。500文字まで（例：人事異動 2026年4月）。');
  const addError = h('p', { class: 'form-error', role: 'alert', id: 'user-add-error' });
  const addDone = h('div', { class: 'notice', id: 'user-add-done', hidden: true, tabindex: -1 });
  const addButton = h('button', { type: 'submit', class: 'primary' }, '追加する');
  const addForm = h(
    'form',
    { class: 'user-add-form', 'aria-labelledby': 'user-add-heading', novalidate: true },
    emailField.field,
    nameField.field,
    roleField.field,
    groupsSet,
    remarksField.field,
    addError,
    addButton,
  );
  const addSection = h(
    'details',
    { class: 'help user-add' },
    h('summary', { id: 'user-add-heading' }, '利用者を1人追加する'),
    h(
      'p',
      {},
      'まとめて追加・変更するときは「CSV取り込み」を使います。追加した人がログインするには、初期パスワードの発行が必要です。',
    ),
    addForm,
  );

  const fields: Record<Exclude<UserField, 'form' | 'groups'>, { control: HTMLElement; set(m: string): void }> = {
    email: { control: email, set: emailField.setError },
    name: { control: name, set: nameField.setError },
    role: { control: roleSelect, set: roleField.setError },
    remarks: { control: remarks, set: remarksField.setError },
  };
  const showProblem = (field: UserField, message: string): void => {
    if (field === 'form') {
      setAddError(message);
    } else if (field === 'groups') {
      groupsError.textContent = message;
      (groupBoxes[0] ?? addButton).focus();
    } else {
      fields[field].set(message);
      fields[field].control.focus();
    }
  };
  const setAddError = (message: string): void => {
    addError.textContent = '';
    if (message) window.setTimeout(() => (addError.textContent = message), 50);
  };
  const clearProblems = (): void => {
    for (const f of Object.values(fields)) f.set('');
    groupsError.textContent = '';
    setAddError('');
  };

  addForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void addUser();
  });

  async function addUser(): Promise<void> {
    if (busy) return;
    clearProblems();
    const draft = {
      email: email.value.trim(),
      name: name.value.trim(),
      role: roleSelect.value as Role,
      remarks: remarks.value.trim(),
      groups: groupBoxes.filter((b) => b.checked).map((b) => Number(b.value)),
    };
    const problem = newUserProblem(draft, !admin);
    if (problem) {
      showProblem(problem.field, problem.message);
      return;
    }
    busy = true;
    addButton.disabled = true;
    addForm.setAttribute('aria-busy', 'true');
    host.announce('利用者を追加しています…');
    try {
      const made = await host.api.createUser(draft);
      if (!host.isCurrent()) return;
      for (const input of [email, name, remarks]) input.value = '';
      roleSelect.value = 'learner';
      for (const b of groupBoxes) b.checked = false;
      showAdded(made);
      // The list shows the new user.
      q.value = made.email;
      filter.q = made.email;
      filter.role = '';
      filter.status = '';
      filter.page = 1;
      role.select.value = '';
      status.select.value = '';
      await load();
      host.announce(`${who(made)} を追加しました。`);
      addDone.focus();
    } catch (err) {
      if (host.handleAuthError(err)) return;
      host.announce('');
      const message = `追加できませんでした。${japaneseMessage(host.errorMessage(err))}`;
      showProblem(err instanceof host.ApiError ? userFieldOf(err.message, err.status, !admin) : 'form', message);
    } finally {
      busy = false;
      addButton.disabled = false;
      addForm.removeAttribute('aria-busy');
    }
  }

  /** Says who was added and offers the one-time password it needs to log in. */
  function showAdded(u: AdminUser): void {
    const issue = h('button', { type: 'button', class: 'primary' }, '初期パスワードを発行して表示する');
    addDone.replaceChildren(
      h('p', {}, `${who(u)} を「${roleLabel(u.role)}」として追加しました。`),
      h(
        'p',
        {},
        'この人はまだパスワードがないため、ログインできません。初期パスワードを発行して、ご本人に安全な方法で伝えてください。',
      ),
      h('div', { class: 'row-actions' }, issue),
    );
    addDone.hidden = false;
    issue.addEventListener('click', () => {
      if (busy) return;
      busy = true;
      issue.disabled = true;
      host.api
        .issuePassword(u.id)
        .then(async (res) => {
          if (!host.isCurrent()) return;
          await passwordDialog(who(u), res.one_time_password);
          addDone.replaceChildren(h('p', {}, `${who(u)} の初期パスワードを発行しました。`));
          host.announce(`${who(u)} の初期パスワードを発行しました。`);
          addDone.focus();
        })
        .catch((err: unknown) => {
          if (!host.handleAuthError(err)) {
            setError(`初期パスワードを発行できませんでした。${japaneseMessage(host.errorMessage(err))}`);
          }
          issue.disabled = false;
        })
        .finally(() => (busy = false));
    });
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
    addSection,
    addDone,
    form,
    error,
    count,
    wrap,
    pager,
  );
}
