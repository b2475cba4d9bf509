/**
 * グループ (`#/admin/groups`, admins and managers): the group tree (部 → 課 →
 * 係) as a nested list with member counts and managers; a form to create a
 * group under another; per group, its members (add by a search on e-mail or
 * name, remove after a confirmation), for admins the assignment of a
 * manager and the move to the trash (a dialog naming the group and what goes
 * with it). Managers see and change only their own branch: the API decides,
 * and its refusals are shown as alerts.
 */
import type { AdminUser, Group } from '../api';
import { h } from '../dom';
import { confirmDialog } from './dialog';
import type { AdminHost } from './host';
import { scrollBox } from './parts';
import { japaneseMessage, roleLabel, userListQuery } from './labels';
import { groupFacts, groupNameProblem, groupTrashBody, groupTree, subtreeIds, type GroupNode } from './records';
import { t } from './messages';
import { contentLang } from '../i18n';

/** `区役 二葉（learner2@manabi.example）`, or the e-mail alone. */
const who = (u: AdminUser): string => (u.name ? t('a.common.nameEmail', { name: u.name, email: u.email }) : u.email);

/** A button named for what it acts on, starting with its visible text (WCAG 2.5.3). */
function rowButton(text: string, forWhat: string, cls = 'secondary'): HTMLButtonElement {
  return h('button', { type: 'button', class: cls, 'aria-label': t('a.common.forWhom', { text, who: forWhat }) }, text);
}

/** Says `message` in an alert after a tick, so an equal message is announced again. */
function say(el: HTMLElement, message: string): void {
  el.textContent = '';
  if (message) window.setTimeout(() => (el.textContent = message), 50);
}

function userTable(caption: HTMLTableCaptionElement, tbody: HTMLTableSectionElement): HTMLTableElement {
  return h(
    'table',
    { class: 'data' },
    caption,
    h(
      'thead',
      {},
      h('tr', {}, ...[t('a.field.email'), t('a.field.name'), t('a.field.role'), t('a.field.action')].map((text) =>
          h('th', { scope: 'col' }, text),
        )),
    ),
    tbody,
  );
}

export async function groupsPage(host: AdminHost): Promise<void> {
  const admin = host.user.role === 'admin';
  let groups: Group[] = (await host.api.groups()).items;
  if (!host.isCurrent()) return;
  /** The group whose members are shown. */
  let openId: number | null = null;
  let busy = false;
  /** Users with the manager role (admins assign them), loaded once. */
  let managerCandidates: AdminUser[] | null = null;

  /** `failed` words the failure with the server's reason (`{error}`). */
  type Failed = (error: string) => string;
  const fail = (el: HTMLElement, failed: Failed, err: unknown): void => {
    if (!host.handleAuthError(err)) {
      host.announce('');
      say(el, failed(japaneseMessage(host.errorMessage(err))));
    }
  };
  const byId = (id: number | null): Group | undefined => groups.find((g) => g.id === id);

  // ---- create -------------------------------------------------------------
  const name = h('input', {
    id: 'group-name',
    name: 'name',
    type: 'text',
    maxlength: 100,
    required: true,
    autocomplete: 'off',
    'aria-describedby': 'group-name-hint',
  });
  const parent = h('select', { id: 'group-parent', name: 'parent_id', 'aria-describedby': 'group-parent-hint' });
  const fillParents = (): void => {
    const chosen = parent.value;
    parent.replaceChildren(
      ...(admin ? [h('option', { value: '' }, t('a.groups.noParent'))] : []),
      ...[...groups]
        .sort((a, b) => a.path.localeCompare(b.path, 'ja'))
        .map((g) => h('option', { value: String(g.id) }, g.path)),
    );
    if ([...parent.options].some((o) => o.value === chosen)) parent.value = chosen;
  };
  const createError = h('p', { class: 'form-error', role: 'alert', id: 'group-create-error' });
  const create = h('button', { type: 'submit', class: 'primary' }, t('a.groups.create'));
  const createForm = h(
    'form',
    { class: 'group-form', 'aria-labelledby': 'group-create-heading', novalidate: true },
    h(
      'div',
      { class: 'filters' },
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'group-name' }, t('a.records.groupName')),
        h('p', { class: 'hint', id: 'group-name-hint' }, t('a.groups.nameHint')),
        name,
      ),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'group-parent' }, t('a.groups.parent')),
        h(
          'p',
          { class: 'hint', id: 'group-parent-hint' },
          admin ? t('a.groups.parentAdmin') : t('a.groups.parentManager'),
        ),
        parent,
      ),
    ),
    createError,
    create,
  );
  createForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void createGroup();
  });

  async function createGroup(): Promise<void> {
    if (busy) return;
    name.removeAttribute('aria-invalid');
    say(createError, '');
    const problem = groupNameProblem(name.value);
    if (problem) {
      name.setAttribute('aria-invalid', 'true');
      say(createError, problem);
      name.focus();
      return;
    }
    const parentId = parent.value ? Number(parent.value) : null;
    busy = true;
    create.disabled = true;
    createForm.setAttribute('aria-busy', 'true');
    host.announce(t('a.groups.creating'));
    try {
      const made = await host.api.createGroup(name.value.trim(), parentId);
      if (!host.isCurrent()) return;
      name.value = '';
      await reload();
      host.announce(t('a.groups.created', { path: made.path }));
      name.focus();
    } catch (err) {
      fail(createError, (error) => t('a.groups.createFailed', { error }), err);
      name.focus();
    } finally {
      busy = false;
      create.disabled = false;
      createForm.removeAttribute('aria-busy');
    }
  }

  // ---- the tree -----------------------------------------------------------
  const listHeading = h('h2', { id: 'groups-list-heading', tabindex: -1 }, t('a.groups.listHeading'));
  const listError = h('p', { class: 'form-error', role: 'alert', id: 'groups-error' });
  const count = h('p', { class: 'count' });
  const tree = h('div', { class: 'group-tree-frame' });

  function paintTree(): void {
    const roots = groupTree(groups);
    count.textContent = groups.length
      ? t('a.groups.count', { n: groups.length })
      : admin
        ? t('a.groups.noneYet')
        : t('a.assign.noOwnGroups');
    tree.replaceChildren(...(roots.length ? [branch(roots, true)] : []));
  }

  function branch(nodes: GroupNode<Group>[], top: boolean): HTMLUListElement {
    return h(
      'ul',
      top ? { class: 'group-tree', 'aria-label': t('a.groups.tree') } : { class: 'group-children' },
      ...nodes.map(node),
    );
  }

  function node(n: GroupNode<Group>): HTMLLIElement {
    const g = n.group;
    const open = rowButton(t('a.groups.members'), g.path);
    open.addEventListener('click', () => void openGroup(g.id));
    const remove = admin ? rowButton(t('a.groups.toTrash'), g.path, 'secondary danger-outline') : null;
    remove?.addEventListener('click', () => void trashGroup(g));
    return h(
      'li',
      { 'data-group': String(g.id) },
      h(
        'div',
        { class: g.id === openId ? 'group-row is-open' : 'group-row' },
        h('span', { class: 'group-name', lang: contentLang() }, g.name),
        h('span', { class: 'group-facts' }, groupFacts(g)),
        h('div', { class: 'row-actions' }, open, remove),
      ),
      n.children.length ? branch(n.children, false) : null,
    );
  }

  const focusGroup = (id: number | null): boolean => {
    const btn = tree.querySelector<HTMLButtonElement>(`li[data-group="${id}"] > .group-row button`);
    btn?.focus();
    return !!btn;
  };

  /** Asks for the tree again (counts, managers) and repaints what shows it. */
  async function reload(): Promise<void> {
    tree.setAttribute('aria-busy', 'true');
    try {
      const list = await host.api.groups();
      if (!host.isCurrent()) return;
      groups = list.items;
      fillParents();
      paintTree();
      const open = byId(openId);
      if (open) facts.textContent = groupFacts(open);
      else if (openId !== null) closePanel(false);
    } finally {
      tree.removeAttribute('aria-busy');
    }
  }

  async function trashGroup(g: Group): Promise<void> {
    if (busy) return;
    const ok = await confirmDialog({
      title: t('a.groups.trash.title'),
      body: groupTrashBody(groups, g.id),
      confirm: t('a.groups.trash.confirm'),
      danger: true,
    });
    if (!ok || !host.isCurrent()) return;
    busy = true;
    say(listError, '');
    const row = tree.querySelector(`li[data-group="${g.id}"]`);
    row?.setAttribute('aria-busy', 'true');
    try {
      await host.api.trashGroup(g.id);
      if (!host.isCurrent()) return;
      if (openId !== null && subtreeIds(groups, g.id).includes(openId)) closePanel(false);
      await reload();
      host.announce(t('a.groups.trashed', { path: g.path }));
      listHeading.focus();
    } catch (err) {
      fail(listError, (error) => t('a.groups.trashFailed', { path: g.path, error }), err);
    } finally {
      busy = false;
      row?.removeAttribute('aria-busy');
    }
  }

  // ---- one group's members ------------------------------------------------
  const panelHeading = h('h2', { id: 'group-members-heading', tabindex: -1 });
  const facts = h('p', { class: 'meta' });
  const panelError = h('p', { class: 'form-error', role: 'alert', id: 'group-members-error' });
  const memberCaption = h('caption', { id: 'group-members-caption' });
  const memberBody = h('tbody');
  const memberTable = userTable(memberCaption, memberBody);
  const close = h('button', { type: 'button', class: 'secondary' }, t('a.groups.closePanel'));

  const q = h('input', { id: 'member-q', name: 'q', type: 'search', autocomplete: 'off', enterkeyhint: 'search' });
  const searchButton = h('button', { type: 'submit', class: 'secondary' }, t('a.common.search'));
  const search = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': t('a.groups.memberSearch') },
    h('div', { class: 'field' }, h('label', { for: 'member-q' }, t('a.groups.memberQ')), q),
    h('div', { class: 'field filters-submit' }, searchButton),
  );
  const found = h('p', { class: 'count', id: 'member-found' });
  const resultBody = h('tbody');
  const results = scrollBox(
    userTable(h('caption', { id: 'member-results-caption' }, t('a.groups.results')), resultBody),
    'member-results-caption',
  );
  results.hidden = true;

  const managerSelect = h('select', { id: 'group-manager', name: 'manager', 'aria-describedby': 'group-manager-hint' });
  const managerButton = h('button', { type: 'submit', class: 'secondary' }, t('a.groups.makeManager'));
  const managerForm = h(
    'form',
    { class: 'filters', 'aria-labelledby': 'group-manager-heading' },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'group-manager' }, t('a.role.manager')),
      h(
        'p',
        { class: 'hint', id: 'group-manager-hint' },
        t('a.groups.managerHint'),
      ),
      managerSelect,
    ),
    h('div', { class: 'field filters-submit' }, managerButton),
  );

  const panel = h(
    'section',
    { class: 'panel group-panel', 'aria-labelledby': 'group-members-heading', hidden: true },
    panelHeading,
    facts,
    admin
      ? null
      : h('p', { class: 'hint' }, t('a.groups.managerCount')),
    panelError,
    scrollBox(memberTable, 'group-members-caption'),
    h('h3', { id: 'member-add-heading' }, t('a.groups.addMember')),
    search,
    found,
    results,
    ...(admin ? [h('h3', { id: 'group-manager-heading' }, t('a.groups.nameManager')), managerForm] : []),
    h('div', { class: 'row-actions' }, close),
  );

  let members: AdminUser[] = [];

  function paintMembers(g: Group): void {
    panelHeading.textContent = t('a.groups.membersOf', { path: g.path });
    memberCaption.textContent = t('a.groups.memberList', { path: g.path, n: members.length });
    facts.textContent = groupFacts(g);
    memberBody.replaceChildren(
      ...(members.length
        ? members.map((u) => {
            const remove = rowButton(t('a.assign.remove'), u.email, 'secondary danger-outline');
            remove.addEventListener('click', () => void removeMember(g.id, u));
            return h(
              'tr',
              { 'data-user': String(u.id) },
              h('th', { scope: 'row', class: 'nowrap' }, u.email),
              h('td', { class: 'nowrap', lang: contentLang() }, u.name),
              h('td', { class: 'nowrap' }, roleLabel(u.role)),
              h('td', {}, h('div', { class: 'row-actions' }, remove)),
            );
          })
        : [h('tr', {}, h('td', { colspan: 4 }, t('a.groups.noMembers')))]),
    );
  }

  function paintResults(g: Group, list: AdminUser[], total: number): void {
    found.textContent = list.length
      ? total > list.length
        ? t('a.assign.foundFirst', { total, n: list.length })
        : t('a.assign.found', { total })
      : t('a.labels.page.none');
    results.hidden = list.length === 0;
    const inGroup = new Set(members.map((m) => m.id));
    resultBody.replaceChildren(
      ...list.map((u) => {
        let action: HTMLElement;
        if (inGroup.has(u.id)) {
          action = h('span', { class: 'muted' }, t('a.groups.isMember'));
        } else {
          const add = rowButton(t('a.users.add.submit'), u.email);
          add.addEventListener('click', () => void addMember(g.id, u));
          action = h('div', { class: 'row-actions' }, add);
        }
        return h(
          'tr',
          {},
          h('th', { scope: 'row', class: 'nowrap' }, u.email),
          h('td', { class: 'nowrap', lang: contentLang() }, u.name),
          h('td', { class: 'nowrap' }, roleLabel(u.role)),
          h('td', {}, action),
        );
      }),
    );
  }

  async function loadMembers(g: Group): Promise<void> {
    members = (await host.api.groupMembers(g.id)).items;
    if (!host.isCurrent() || openId !== g.id) return;
    paintMembers(g);
  }

  async function openGroup(id: number): Promise<void> {
    const g = byId(id);
    if (!g || busy) return;
    const was = openId;
    openId = id;
    members = [];
    panel.setAttribute('aria-busy', 'true');
    say(panelError, '');
    q.value = '';
    found.textContent = '';
    results.hidden = true;
    resultBody.replaceChildren();
    paintMembers(g);
    markOpen();
    panel.hidden = false;
    host.announce(t('a.groups.loading', { path: g.path }));
    try {
      await Promise.all([loadMembers(g), admin ? loadManagers() : Promise.resolve()]);
      if (!host.isCurrent() || openId !== id) return;
      host.announce(t('a.groups.loaded', { path: g.path, n: members.length }));
    } catch (err) {
      fail(panelError, (error) => t('a.groups.membersFailed', { error }), err);
    } finally {
      panel.removeAttribute('aria-busy');
    }
    if (host.isCurrent() && openId === id) {
      panel.scrollIntoView({ block: 'start' });
      panelHeading.focus();
    } else if (was === null) {
      listHeading.focus();
    }
  }

  /** Marks the open group's row (kept focusable: the tree is not repainted). */
  function markOpen(): void {
    for (const li of tree.querySelectorAll<HTMLElement>('li[data-group]')) {
      li.querySelector(':scope > .group-row')?.classList.toggle('is-open', li.dataset.group === String(openId));
    }
  }

  function closePanel(refocus: boolean): void {
    const id = openId;
    openId = null;
    panel.hidden = true;
    markOpen();
    if (refocus && !focusGroup(id)) listHeading.focus();
  }
  close.addEventListener('click', () => closePanel(true));

  async function loadManagers(): Promise<void> {
    managerCandidates ??= (
      await host.api.users(userListQuery({ role: 'manager', status: 'active', perPage: 500 }))
    ).items;
    managerSelect.replaceChildren(
      ...(managerCandidates.length
        ? managerCandidates.map((u) => h('option', { value: String(u.id) }, who(u)))
        : [h('option', { value: '' }, t('a.groups.noManagers'))]),
    );
    managerButton.disabled = managerCandidates.length === 0;
  }

  search.addEventListener('submit', (e) => {
    e.preventDefault();
    const g = byId(openId);
    if (g) void findUsers(g);
  });

  async function findUsers(g: Group): Promise<void> {
    const text = q.value.trim();
    say(panelError, '');
    if (!text) {
      say(panelError, t('a.groups.qEmpty'));
      q.focus();
      return;
    }
    searchButton.disabled = true;
    results.setAttribute('aria-busy', 'true');
    try {
      const list = await host.api.users(userListQuery({ q: text, status: 'active', perPage: 20 }));
      if (!host.isCurrent() || openId !== g.id) return;
      paintResults(g, list.items, list.total);
      host.announce(found.textContent ?? '');
    } catch (err) {
      fail(panelError, (error) => t('a.groups.searchFailed', { error }), err);
    } finally {
      searchButton.disabled = false;
      results.removeAttribute('aria-busy');
    }
  }

  /** Runs a change of the open group, then shows its members and the tree again. */
  async function change(g: Group, doIt: () => Promise<unknown>, failed: Failed): Promise<Group | null> {
    if (busy) return null;
    busy = true;
    say(panelError, '');
    panel.setAttribute('aria-busy', 'true');
    try {
      await doIt();
      if (!host.isCurrent()) return null;
      await reload();
      const fresh = byId(g.id);
      if (fresh && openId === g.id) await loadMembers(fresh);
      return fresh ?? null;
    } catch (err) {
      fail(panelError, failed, err);
      return null;
    } finally {
      busy = false;
      panel.removeAttribute('aria-busy');
    }
  }

  async function addMember(groupId: number, u: AdminUser): Promise<void> {
    const g = byId(groupId);
    if (!g) return;
    const fresh = await change(g, () => host.api.addMember(g.id, u.id), (error) => t('a.groups.addFailed', { who: who(u), error }));
    if (!fresh) return;
    resultBody.replaceChildren();
    results.hidden = true;
    found.textContent = '';
    q.value = '';
    host.announce(t('a.groups.added', { who: who(u), path: fresh.path, n: fresh.member_count }));
    q.focus();
  }

  async function removeMember(groupId: number, u: AdminUser): Promise<void> {
    const g = byId(groupId);
    if (!g || busy) return;
    const ok = await confirmDialog({
      title: t('a.groups.remove.title'),
      body: [
        t('a.groups.remove.body', { who: who(u), path: g.path }),
        t('a.groups.remove.more'),
      ],
      confirm: t('a.assign.remove'),
      danger: true,
    });
    if (!ok || !host.isCurrent()) return;
    const fresh = await change(g, () => host.api.removeMember(g.id, u.id), (error) => t('a.groups.removeFailed', { who: who(u), error }));
    if (!fresh) return;
    host.announce(t('a.groups.removed', { who: who(u), path: fresh.path, n: fresh.member_count }));
    panelHeading.focus();
  }

  managerForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const g = byId(openId);
    const u = managerCandidates?.find((m) => String(m.id) === managerSelect.value);
    if (g && u) void addManager(g, u);
  });

  async function addManager(g: Group, u: AdminUser): Promise<void> {
    if (busy) return;
    const ok = await confirmDialog({
      title: t('a.groups.manager.title'),
      body: [
        t('a.groups.manager.body', { who: who(u), path: g.path }),
        t('a.groups.manager.more'),
      ],
      confirm: t('a.groups.manager.confirm'),
    });
    if (!ok || !host.isCurrent()) return;
    const fresh = await change(g, () => host.api.addManager(g.id, u.id), (error) => t('a.groups.managerFailed', { who: who(u), error }));
    if (!fresh) return;
    host.announce(t('a.groups.named', { who: who(u), path: fresh.path }));
    managerSelect.focus();
  }

  fillParents();
  paintTree();
  host.show(
    t('a.field.groups'),
    host.heading(t('a.field.groups')),
    h(
      'p',
      {},
      admin
        ? t('a.groups.introAdmin')
        : t('a.groups.introManager'),
    ),
    h(
      'section',
      { 'aria-labelledby': 'group-create-heading' },
      h('h2', { id: 'group-create-heading' }, t('a.groups.createHeading')),
      createForm,
    ),
    h('section', { 'aria-labelledby': 'groups-list-heading' }, listHeading, listError, count, tree),
    panel,
  );
}
