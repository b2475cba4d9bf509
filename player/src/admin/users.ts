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
import { t } from './messages';
import { contentLang } from '../i18n';

/** What each role may do, said in the role dialog and the add form. */
const roleHint = (): string => t('a.users.roleHint');

/** `区役 二葉（learner2@manabi.example）`, or the e-mail alone. */
const who = (u: AdminUser): string => (u.name ? t('a.common.nameEmail', { name: u.name, email: u.email }) : u.email);

/**
 * A row's button: its name says for whom (`無効にする（learner2@…）`) and
 * starts with the visible text, so speech input finds it (WCAG 2.5.3).
 */
function rowButton(text: string, forWhom: string): HTMLButtonElement {
  return h('button', { type: 'button', class: 'secondary', 'aria-label': t('a.common.forWhom', { text, who: forWhom }) }, text);
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
  const role = labelledSelect('users-role', t('a.field.role'), [
    ['', t('a.common.all')],
    ...ROLES.map((r): [string, string] => [r, roleLabel(r)]),
  ]);
  const status = labelledSelect('users-status', t('a.field.status'), [
    ['', t('a.common.all')],
    ...STATUSES.map((s): [string, string] => [s, statusLabel(s)]),
  ]);
  const search = h('button', { type: 'submit', class: 'primary' }, t('a.common.search'));
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': t('a.users.searchLabel') },
    h('div', { class: 'field' }, h('label', { for: 'users-q' }, t('a.users.q')), q),
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
    h('caption', { id: 'users-caption' }, t('a.users.caption')),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...[
          t('a.field.email'),
          t('a.field.name'),
          t('a.field.role'),
          t('a.field.status'),
          t('a.field.groups'),
          t('a.users.lastLogin'),
          t('a.field.action'),
        ].map((text) => h('th', { scope: 'col' }, text)),
      ),
    ),
    tbody,
  );
  // Scrolls sideways on narrow screens; focusable so keyboards can scroll it.
  const wrap = scrollBox(table, 'users-caption');
  const { nav: pager, prev, next, where } = pageButtons(t('a.users.pages'));

  const setError = (message: string): void => {
    error.textContent = '';
    // After a tick, so an equal message is announced again.
    if (message) window.setTimeout(() => (error.textContent = message), 50);
  };

  const paint = (list: typeof first): PageInfo => {
    const info = pageInfo(list.total, filter.page ?? 1, filter.perPage ?? PER_PAGE);
    count.textContent = info.text;
    where.textContent = t('a.common.pageOf', { page: filter.page ?? 1, pages: info.pages });
    prev.disabled = !info.hasPrev;
    next.disabled = !info.hasNext;
    pager.hidden = info.pages <= 1;
    tbody.replaceChildren(
      ...(list.items.length
        ? list.items.map(userRow)
        : [h('tr', {}, h('td', { colspan: 7 }, t('a.common.noneMatch')))]),
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
        setError(t('a.common.listFailed', { error: japaneseMessage(host.errorMessage(err)) }));
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
    const toggle = rowButton(active ? t('a.users.disable') : t('a.users.enable'), u.email);
    const otp = rowButton(t('a.users.issue'), u.email);
    const role = admin ? rowButton(t('a.users.changeRole'), u.email) : null;
    const tr = h(
      'tr',
      { class: active ? '' : 'is-disabled' },
      h('th', { scope: 'row', class: 'nowrap' }, u.email),
      h('td', { class: 'nowrap', lang: contentLang() }, u.name),
      h('td', { class: 'nowrap' }, roleLabel(u.role)),
      h(
        'td',
        { class: 'nowrap' },
        active ? statusLabel(u.status) : h('span', { class: 'badge' }, statusLabel(u.status)),
      ),
      h('td', {}, u.groups.length ? h('span', { lang: contentLang() }, u.groups.join(t('a.list.sep'))) : h('span', { class: 'muted' }, t('a.common.none'))),
      h(
        'td',
        { class: 'nowrap' },
        u.last_login_at
          ? h('time', { datetime: u.last_login_at }, formatJst(u.last_login_at))
          : h('span', { class: 'muted' }, t('a.common.none')),
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
        title: t('a.users.role.title'),
        body: [
          t('a.users.role.body', { who: who(u), role: roleLabel(u.role) }),
          t('a.users.role.logout'),
          roleHint(),
        ],
        label: t('a.users.role.new'),
        options: ROLES.map((r): [string, string] => [r, roleLabel(r)]),
        value: u.role,
        confirm: t('a.common.change'),
        submit: async (value) => {
          try {
            result.user = await host.api.setUserRole(u.id, value as Role);
            return null;
          } catch (err) {
            if (host.handleAuthError(err)) return null;
            return t('a.common.changeFailed', { error: japaneseMessage(host.errorMessage(err)) });
          }
        },
      });
      const fresh = result.user;
      if (!done || !fresh || !host.isCurrent()) return;
      const row = userRow({ ...u, ...fresh, groups: fresh.groups ?? u.groups });
      tr.replaceWith(row);
      row.querySelector<HTMLButtonElement>(`button[aria-label^="${t('a.users.changeRole')}"]`)?.focus();
      host.announce(t('a.users.role.done', { who: who(u), role: roleLabel(fresh.role) }));
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
            title: t('a.users.disable.title'),
            body: [
              t('a.users.disable.body', { who: who(u) }),
              t('a.users.disable.more'),
            ],
            confirm: t('a.users.disable'),
            danger: true,
          }
        : {
            title: t('a.users.enable.title'),
            body: [t('a.users.enable.body', { who: who(u) })],
            confirm: t('a.users.enable'),
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
      host.announce(t(disabling ? 'a.users.disabled' : 'a.users.enabled', { who: who(u) }));
    } catch (err) {
      if (host.handleAuthError(err)) return;
      setError(
        t(disabling ? 'a.users.disableFailed' : 'a.users.enableFailed', {
          who: who(u),
          error: japaneseMessage(host.errorMessage(err)),
        }),
      );
    } finally {
      busy = false;
      tr.removeAttribute('aria-busy');
    }
  }

  async function issuePassword(u: AdminUser): Promise<void> {
    if (busy) return;
    const ok = await confirmDialog({
      title: t('a.users.issue.title'),
      body: [
        t('a.users.issue.body', { who: who(u) }),
        t('a.users.issue.more'),
      ],
      confirm: t('a.users.issue.confirm'),
      danger: true,
    });
    if (!ok || !host.isCurrent()) return;
    busy = true;
    setError('');
    try {
      const res = await host.api.issuePassword(u.id);
      if (!host.isCurrent()) return;
      await passwordDialog(who(u), res.one_time_password);
      host.announce(t('a.users.issued', { who: who(u) }));
    } catch (err) {
      if (host.handleAuthError(err)) return;
      setError(t('a.users.issueFailed', { error: japaneseMessage(host.errorMessage(err)) }));
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
  const emailField = checkedField(email, t('a.users.add.email'), t('a.users.add.emailHint'));
  const name = h('input', { id: 'user-add-name', name: 'name', type: 'text', autocomplete: 'off', maxlength: 100 });
  const nameField = checkedField(name, t('a.field.name'), t('a.users.add.nameHint'));
  const roleSelect = h(
    'select',
    { id: 'user-add-role', name: 'role' },
    ...(admin ? ROLES : (['learner'] as const)).map((r) =>
      h('option', { value: r, selected: r === 'learner' }, roleLabel(r)),
    ),
  );
  const roleField = checkedField(
    roleSelect,
    t('a.field.role'),
    admin ? roleHint() : t('a.users.add.managerRole'),
  );
  const groupBoxes = groups.map((g) =>
    h('input', { type: 'checkbox', id: `user-add-group-${g.id}`, name: 'groups', value: String(g.id) }),
  );
  const groupsError = h('p', { class: 'field-error', id: 'user-add-groups-error' });
  const groupsSet = h(
    'fieldset',
    { class: 'choices check-list', id: 'user-add-groups', 'aria-describedby': 'user-add-groups-hint user-add-groups-error' },
    h('legend', {}, t('a.field.groups')),
    h(
      'p',
      { class: 'hint', id: 'user-add-groups-hint' },
      admin ? t('a.users.add.groupsAdmin') : t('a.users.add.groupsManager'),
    ),
    ...(groups.length
      ? groups.map((g, i) =>
          h('div', { class: 'choice' }, groupBoxes[i] ?? null, h('label', { for: `user-add-group-${g.id}` }, g.path)),
        )
      : [h('p', { class: 'muted' }, t('a.common.noGroups'))]),
    groupsError,
  );
  const remarks = h('input', { id: 'user-add-remarks', name: 'remarks', type: 'text', autocomplete: 'off', maxlength: 500 });
  const remarksField = checkedField(remarks, t('a.field.remarks'), t('a.users.add.remarksHint'));
  const addError = h('p', { class: 'form-error', role: 'alert', id: 'user-add-error' });
  const addDone = h('div', { class: 'notice', id: 'user-add-done', hidden: true, tabindex: -1 });
  const addButton = h('button', { type: 'submit', class: 'primary' }, t('a.users.add.submit'));
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
    h('summary', { id: 'user-add-heading' }, t('a.users.add.title')),
    h(
      'p',
      {},
      t('a.users.add.intro'),
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
    host.announce(t('a.users.add.adding'));
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
      host.announce(t('a.users.added', { who: who(made) }));
      addDone.focus();
    } catch (err) {
      if (host.handleAuthError(err)) return;
      host.announce('');
      const message = t('a.users.addFailed', { error: japaneseMessage(host.errorMessage(err)) });
      showProblem(err instanceof host.ApiError ? userFieldOf(err.message, err.status, !admin) : 'form', message);
    } finally {
      busy = false;
      addButton.disabled = false;
      addForm.removeAttribute('aria-busy');
    }
  }

  /** Says who was added and offers the one-time password it needs to log in. */
  function showAdded(u: AdminUser): void {
    const issue = h('button', { type: 'button', class: 'primary' }, t('a.users.add.issue'));
    addDone.replaceChildren(
      h('p', {}, t('a.users.addedAs', { who: who(u), role: roleLabel(u.role) })),
      h(
        'p',
        {},
        t('a.users.add.noPassword'),
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
          addDone.replaceChildren(h('p', {}, t('a.users.issued', { who: who(u) })));
          host.announce(t('a.users.issued', { who: who(u) }));
          addDone.focus();
        })
        .catch((err: unknown) => {
          if (!host.handleAuthError(err)) {
            setError(t('a.users.issueFailed', { error: japaneseMessage(host.errorMessage(err)) }));
          }
          issue.disabled = false;
        })
        .finally(() => (busy = false));
    });
  }

  paint(first);
  host.show(
    t('a.nav.users'),
    host.heading(t('a.nav.users')),
    h(
      'p',
      {},
      host.user.role === 'manager'
        ? t('a.users.scope.manager')
        : t('a.users.scope.admin'),
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
