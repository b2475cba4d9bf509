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
import { groupFacts, groupNameProblem, groupTree, subtreeIds, type GroupNode } from './records';

/** `区役 二葉（learner2@manabi.example）`, or the e-mail alone. */
const who = (u: AdminUser): string => (u.name ? `${u.name}（${u.email}）` : u.email);

/** A button named for what it acts on, starting with its visible text (WCAG 2.5.3). */
function rowButton(text: string, forWhat: string, cls = 'secondary'): HTMLButtonElement {
  return h('button', { type: 'button', class: cls, 'aria-label': `${text}（${forWhat}）` }, text);
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
      h('tr', {}, ...['メールアドレス', '氏名', '権限', '操作'].map((t) => h('th', { scope: 'col' }, t))),
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

  const fail = (el: HTMLElement, what: string, err: unknown): void => {
    if (!host.handleAuthError(err)) {
      host.announce('');
      say(el, `${what}できませんでした。${japaneseMessage(host.errorMessage(err))}`);
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
      ...(admin ? [h('option', { value: '' }, '（なし：いちばん上の部として作る）')] : []),
      ...[...groups]
        .sort((a, b) => a.path.localeCompare(b.path, 'ja'))
        .map((g) => h('option', { value: String(g.id) }, g.path)),
    );
    if ([...parent.options].some((o) => o.value === chosen)) parent.value = chosen;
  };
  const createError = h('p', { class: 'form-error', role: 'alert', id: 'group-create-error' });
  const create = h('button', { type: 'submit', class: 'primary' }, '作成する');
  const createForm = h(
    'form',
    { class: 'group-form', 'aria-labelledby': 'group-create-heading', novalidate: true },
    h(
      'div',
      { class: 'filters' },
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'group-name' }, 'グループ名'),
        h('p', { class: 'hint', id: 'group-name-hint' }, '例：人事課、庶務係（100文字まで。「/」は使えません）'),
        name,
      ),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'group-parent' }, '親グループ'),
        h(
          'p',
          { class: 'hint', id: 'group-parent-hint' },
          admin ? '課は部の下に、係は課の下に作ります。' : '担当するグループの下にだけ作れます。',
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
    host.announce('グループを作成しています…');
    try {
      const made = await host.api.createGroup(name.value.trim(), parentId);
      if (!host.isCurrent()) return;
      name.value = '';
      await reload();
      host.announce(`グループ「${made.path}」を作成しました。`);
      name.focus();
    } catch (err) {
      fail(createError, 'グループを作成', err);
      name.focus();
    } finally {
      busy = false;
      create.disabled = false;
      createForm.removeAttribute('aria-busy');
    }
  }

  // ---- the tree -----------------------------------------------------------
  const listHeading = h('h2', { id: 'groups-list-heading', tabindex: -1 }, 'グループの一覧');
  const listError = h('p', { class: 'form-error', role: 'alert', id: 'groups-error' });
  const count = h('p', { class: 'count' });
  const tree = h('div', { class: 'group-tree-frame' });

  function paintTree(): void {
    const roots = groupTree(groups);
    count.textContent = groups.length
      ? `全 ${groups.length} グループ`
      : admin
        ? 'グループはまだありません。上のフォームで最初の部を作ってください。'
        : '担当するグループはありません。';
    tree.replaceChildren(...(roots.length ? [branch(roots, true)] : []));
  }

  function branch(nodes: GroupNode<Group>[], top: boolean): HTMLUListElement {
    return h(
      'ul',
      top ? { class: 'group-tree', 'aria-label': 'グループの階層' } : { class: 'group-children' },
      ...nodes.map(node),
    );
  }

  function node(n: GroupNode<Group>): HTMLLIElement {
    const g = n.group;
    const open = rowButton('メンバーを見る', g.path);
    open.addEventListener('click', () => void openGroup(g.id));
    const remove = admin ? rowButton('ごみ箱へ移動', g.path, 'secondary danger-outline') : null;
    remove?.addEventListener('click', () => void trashGroup(g));
    return h(
      'li',
      { 'data-group': String(g.id) },
      h(
        'div',
        { class: g.id === openId ? 'group-row is-open' : 'group-row' },
        h('span', { class: 'group-name' }, g.name),
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
    const below = subtreeIds(groups, g.id)
      .slice(1)
      .map((id) => byId(id)?.path ?? '')
      .filter(Boolean);
    const ok = await confirmDialog({
      title: 'グループをごみ箱に移動しますか',
      body: [
        `「${g.path}」をごみ箱に移動します。`,
        ...(below.length
          ? [`その下のグループ ${below.length} 個（${below.join('、')}）も一緒に移動します。`]
          : []),
        'メンバーと管理者の設定も一緒に移動します。利用者そのものは削除されません。' +
          'ごみ箱の画面から、一定期間（通常90日）のうちは元に戻せます。',
      ],
      confirm: 'ごみ箱に移動する',
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
      host.announce(`グループ「${g.path}」をごみ箱に移動しました。`);
      listHeading.focus();
    } catch (err) {
      fail(listError, `グループ「${g.path}」をごみ箱に移動`, err);
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
  const close = h('button', { type: 'button', class: 'secondary' }, 'メンバーの表示を閉じる');

  const q = h('input', { id: 'member-q', name: 'q', type: 'search', autocomplete: 'off', enterkeyhint: 'search' });
  const searchButton = h('button', { type: 'submit', class: 'secondary' }, '検索');
  const search = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'メンバーに追加する人の検索' },
    h('div', { class: 'field' }, h('label', { for: 'member-q' }, '追加する人のメールアドレスまたは氏名'), q),
    h('div', { class: 'field filters-submit' }, searchButton),
  );
  const found = h('p', { class: 'count', id: 'member-found' });
  const resultBody = h('tbody');
  const results = scrollBox(
    userTable(h('caption', { id: 'member-results-caption' }, '検索結果'), resultBody),
    'member-results-caption',
  );
  results.hidden = true;

  const managerSelect = h('select', { id: 'group-manager', name: 'manager', 'aria-describedby': 'group-manager-hint' });
  const managerButton = h('button', { type: 'submit', class: 'secondary' }, '管理者に指定する');
  const managerForm = h(
    'form',
    { class: 'filters', 'aria-labelledby': 'group-manager-heading' },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'group-manager' }, '受講管理者'),
      h(
        'p',
        { class: 'hint', id: 'group-manager-hint' },
        '指定した人は、このグループとその下のグループの受講者を管理できます。権限が「受講管理者」の利用者だけを選べます。',
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
      : h('p', { class: 'hint' }, 'メンバー数は所属する全員の数です。この一覧には、担当する受講者だけを表示します。'),
    panelError,
    scrollBox(memberTable, 'group-members-caption'),
    h('h3', { id: 'member-add-heading' }, 'メンバーを追加する'),
    search,
    found,
    results,
    ...(admin ? [h('h3', { id: 'group-manager-heading' }, '管理者を指定する'), managerForm] : []),
    h('div', { class: 'row-actions' }, close),
  );

  let members: AdminUser[] = [];

  function paintMembers(g: Group): void {
    panelHeading.textContent = `「${g.path}」のメンバー`;
    memberCaption.textContent = `「${g.path}」のメンバー一覧（${members.length} 人）`;
    facts.textContent = groupFacts(g);
    memberBody.replaceChildren(
      ...(members.length
        ? members.map((u) => {
            const remove = rowButton('外す', u.email, 'secondary danger-outline');
            remove.addEventListener('click', () => void removeMember(g.id, u));
            return h(
              'tr',
              { 'data-user': String(u.id) },
              h('th', { scope: 'row', class: 'nowrap' }, u.email),
              h('td', { class: 'nowrap' }, u.name),
              h('td', { class: 'nowrap' }, roleLabel(u.role)),
              h('td', {}, h('div', { class: 'row-actions' }, remove)),
            );
          })
        : [h('tr', {}, h('td', { colspan: 4 }, '（メンバーはいません）'))]),
    );
  }

  function paintResults(g: Group, list: AdminUser[], total: number): void {
    found.textContent = list.length
      ? `${total} 人見つかりました${total > list.length ? `（はじめの ${list.length} 人を表示）` : ''}。`
      : '該当する利用者はいません。';
    results.hidden = list.length === 0;
    const inGroup = new Set(members.map((m) => m.id));
    resultBody.replaceChildren(
      ...list.map((u) => {
        let action: HTMLElement;
        if (inGroup.has(u.id)) {
          action = h('span', { class: 'muted' }, 'メンバーです');
        } else {
          const add = rowButton('追加する', u.email);
          add.addEventListener('click', () => void addMember(g.id, u));
          action = h('div', { class: 'row-actions' }, add);
        }
        return h(
          'tr',
          {},
          h('th', { scope: 'row', class: 'nowrap' }, u.email),
          h('td', { class: 'nowrap' }, u.name),
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
    host.announce(`「${g.path}」のメンバーを読み込んでいます…`);
    try {
      await Promise.all([loadMembers(g), admin ? loadManagers() : Promise.resolve()]);
      if (!host.isCurrent() || openId !== id) return;
      host.announce(`「${g.path}」のメンバーは ${members.length} 人です。`);
    } catch (err) {
      fail(panelError, 'メンバーを読み込み', err);
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
        : [h('option', { value: '' }, '（受講管理者の権限を持つ利用者がいません）')]),
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
      say(panelError, '追加する人のメールアドレスまたは氏名を入力してください。');
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
      fail(panelError, '利用者を検索', err);
    } finally {
      searchButton.disabled = false;
      results.removeAttribute('aria-busy');
    }
  }

  /** Runs a change of the open group, then shows its members and the tree again. */
  async function change(g: Group, doIt: () => Promise<unknown>, what: string): Promise<Group | null> {
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
      fail(panelError, what, err);
      return null;
    } finally {
      busy = false;
      panel.removeAttribute('aria-busy');
    }
  }

  async function addMember(groupId: number, u: AdminUser): Promise<void> {
    const g = byId(groupId);
    if (!g) return;
    const fresh = await change(g, () => host.api.addMember(g.id, u.id), `${who(u)} を追加`);
    if (!fresh) return;
    resultBody.replaceChildren();
    results.hidden = true;
    found.textContent = '';
    q.value = '';
    host.announce(`${who(u)} を「${fresh.path}」に追加しました。メンバーは ${fresh.member_count} 人です。`);
    q.focus();
  }

  async function removeMember(groupId: number, u: AdminUser): Promise<void> {
    const g = byId(groupId);
    if (!g || busy) return;
    const ok = await confirmDialog({
      title: 'メンバーから外しますか',
      body: [
        `${who(u)} を「${g.path}」のメンバーから外します。`,
        '利用者そのものは削除されません。学習履歴も残ります。あとからもう一度追加できます。',
      ],
      confirm: '外す',
      danger: true,
    });
    if (!ok || !host.isCurrent()) return;
    const fresh = await change(g, () => host.api.removeMember(g.id, u.id), `${who(u)} を外`);
    if (!fresh) return;
    host.announce(`${who(u)} を「${fresh.path}」のメンバーから外しました。メンバーは ${fresh.member_count} 人です。`);
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
      title: '管理者に指定しますか',
      body: [
        `${who(u)} を「${g.path}」の管理者に指定します。`,
        'この人は、このグループとその下のグループの受講者の一覧・視聴レポート・メンバーの変更を扱えるようになります。',
      ],
      confirm: '指定する',
    });
    if (!ok || !host.isCurrent()) return;
    const fresh = await change(g, () => host.api.addManager(g.id, u.id), `${who(u)} を管理者に指定`);
    if (!fresh) return;
    host.announce(`${who(u)} を「${fresh.path}」の管理者に指定しました。`);
    managerSelect.focus();
  }

  fillParents();
  paintTree();
  host.show(
    'グループ',
    host.heading('グループ'),
    h(
      'p',
      {},
      admin
        ? '部・課・係のグループと、そのメンバー・管理者を管理します。メンバー数は、そのグループに直接所属している人数です。'
        : '担当するグループと、その下のグループを表示しています。メンバーの追加・削除は、担当する受講者についてだけできます。',
    ),
    h(
      'section',
      { 'aria-labelledby': 'group-create-heading' },
      h('h2', { id: 'group-create-heading' }, 'グループを作る'),
      createForm,
    ),
    h('section', { 'aria-labelledby': 'groups-list-heading' }, listHeading, listError, count, tree),
    panel,
  );
}
