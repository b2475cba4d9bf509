/**
 * 必修研修の割り当て (`#/admin/assignments`, admins and managers): a form to
 * assign a published course to groups and/or single staff by a due day
 * (with a note the assignees see), the list of assignments, and per
 * assignment its assignees' progress — counts per status, everyone or the
 * overdue only, as a table or a CSV file — and its deletion after a
 * confirmation. Managers assign only within their groups and see only
 * their learners: the API decides, and its refusals are shown beside the
 * field they are about. Words and checks: assignment-logic.ts.
 */
import type { AdminUser, Assignment, AssignmentReport, CourseSummary, Group } from '../api';
import { h } from '../dom';
import { assignmentStatusLabel, dateJa, tokyoDate } from '../learning';
import {
  assignmentFieldOf,
  assignmentName,
  assignmentProblem,
  defaultDueOn,
  progressCsvName,
  progressCsvPath,
  summaryRows,
  summaryText,
  targetsText,
  type AssignmentField,
} from './assignment-logic';
import { confirmDialog } from './dialog';
import type { AdminHost } from './host';
import { formatJst, japaneseMessage, userListQuery } from './labels';
import { checkedField, scrollBox } from './parts';
import { saveBlob } from './save';

/** `区役 二葉（learner2@manabi.example）`, or the e-mail alone. */
const who = (u: { name: string; email: string }): string => (u.name ? `${u.name}（${u.email}）` : u.email);

/** A button named for what it acts on, starting with its visible text (WCAG 2.5.3). */
function rowButton(text: string, forWhat: string, cls = 'secondary'): HTMLButtonElement {
  return h('button', { type: 'button', class: cls, 'aria-label': `${text}（${forWhat}）` }, text);
}

/** Says `message` in an alert after a tick, so an equal message is announced again. */
function say(el: HTMLElement, message: string): void {
  el.textContent = '';
  if (message) window.setTimeout(() => (el.textContent = message), 50);
}

export async function assignmentsPage(host: AdminHost): Promise<void> {
  const manager = host.user.role === 'manager';
  const [assignmentList, courseList, groupList] = await Promise.all([
    host.api.assignments(),
    host.api.courses(),
    host.api.groups(),
  ]);
  if (!host.isCurrent()) return;
  let assignments: Assignment[] = assignmentList.items;
  const courses: CourseSummary[] = courseList.items.filter((c) => c.status === 'published');
  const groups: Group[] = [...groupList.items].sort((a, b) => a.path.localeCompare(b.path, 'ja'));
  const groupPath = (id: number): string | undefined => groups.find((g) => g.id === id)?.path;
  const today = (): string => tokyoDate(Date.now());
  let busy = false;

  // ---- the form ---------------------------------------------------------------
  const course = h(
    'select',
    { id: 'assign-course', name: 'course_id', required: true },
    h('option', { value: '' }, courses.length ? '（講座を選んでください）' : '（公開中の講座がありません）'),
    ...courses.map((c) => h('option', { value: String(c.id) }, c.title)),
  );
  const courseField = checkedField(course, '講座', '公開中の講座から選びます。');
  const due = h('input', {
    id: 'assign-due',
    name: 'due_on',
    type: 'date',
    required: true,
    value: defaultDueOn(today()),
    min: today(),
  });
  const dueField = checkedField(due, '期限', 'この日までに修了してもらいます（日本時間）。期限を過ぎて修了していない人は「期限切れ」になります。');

  const groupBoxes = groups.map((g) =>
    h('input', { type: 'checkbox', id: `assign-group-${g.id}`, name: 'group_ids', value: String(g.id) }),
  );
  const groupsSet = h(
    'fieldset',
    { class: 'choices check-list', id: 'assign-groups', 'aria-describedby': 'assign-groups-hint assign-targets-error' },
    h('legend', {}, '割り当てるグループ'),
    h(
      'p',
      { class: 'hint', id: 'assign-groups-hint' },
      'グループに割り当てると、その下のグループのメンバーにも割り当てられます。あとからグループに加わった人も対象になります。',
    ),
    ...(groups.length
      ? groups.map((g, i) =>
          h('div', { class: 'choice' }, groupBoxes[i] ?? null, h('label', { for: `assign-group-${g.id}` }, g.path)),
        )
      : [h('p', { class: 'muted' }, manager ? '担当するグループはありません。' : 'グループはまだありません。')]),
  );

  // Staff one by one: a search (inside the form, so its button does not submit).
  const chosen = new Map<number, AdminUser>();
  const userQ = h('input', { id: 'assign-user-q', type: 'search', autocomplete: 'off', enterkeyhint: 'search' });
  const userSearch = h('button', { type: 'button', class: 'secondary' }, '職員を検索');
  const userFound = h('p', { class: 'count', id: 'assign-user-found' });
  const userResultBody = h('tbody');
  const userResults = scrollBox(
    h(
      'table',
      { class: 'data' },
      h('caption', { id: 'assign-user-results-caption' }, '職員の検索結果'),
      h('thead', {}, h('tr', {}, ...['メールアドレス', '氏名', '操作'].map((t) => h('th', { scope: 'col' }, t)))),
      userResultBody,
    ),
    'assign-user-results-caption',
  );
  userResults.hidden = true;
  const chosenList = h('ul', { class: 'chosen-list', 'aria-labelledby': 'assign-chosen-label' });
  const chosenLabel = h('p', { class: 'chosen-label', id: 'assign-chosen-label' });
  const usersSet = h(
    'fieldset',
    { class: 'choices', id: 'assign-users', 'aria-describedby': 'assign-users-hint assign-targets-error' },
    h('legend', {}, '個別に割り当てる職員'),
    h(
      'p',
      { class: 'hint', id: 'assign-users-hint' },
      manager
        ? '担当するグループの受講者から、メールアドレスか氏名で探して追加します。'
        : 'グループ単位でなく一人ずつ割り当てるときに、メールアドレスか氏名で探して追加します。',
    ),
    h(
      'div',
      { class: 'filters' },
      h('div', { class: 'field' }, h('label', { for: 'assign-user-q' }, '職員のメールアドレスまたは氏名'), userQ),
      h('div', { class: 'field filters-submit' }, userSearch),
    ),
    userFound,
    userResults,
    chosenLabel,
    chosenList,
  );
  const targetsError = h('p', { class: 'field-error', id: 'assign-targets-error' });

  const note = h('textarea', { id: 'assign-note', name: 'note', rows: 3, maxlength: 1000 });
  const noteField = checkedField(note, 'メモ（受講者のホームに表示されます）', '任意。受講してほしい理由や、問い合わせ先など（1000文字まで）。');
  const formError = h('p', { class: 'form-error', role: 'alert', id: 'assign-error' });
  const submit = h('button', { type: 'submit', class: 'primary' }, '割り当てる');
  const form = h(
    'form',
    { class: 'assign-form', 'aria-labelledby': 'assign-heading', novalidate: true },
    courseField.field,
    dueField.field,
    groupsSet,
    usersSet,
    targetsError,
    noteField.field,
    formError,
    submit,
  );

  const paintChosen = (): void => {
    chosenLabel.textContent = chosen.size ? `追加した職員（${chosen.size} 人）` : '追加した職員はいません。';
    chosenList.replaceChildren(
      ...[...chosen.values()].map((u) => {
        const remove = rowButton('外す', u.email, 'secondary danger-outline');
        remove.addEventListener('click', () => {
          chosen.delete(u.id);
          paintChosen();
          host.announce(`${who(u)} を外しました。`);
          userQ.focus();
        });
        return h('li', {}, h('span', {}, who(u)), remove);
      }),
    );
  };

  const findUsers = async (): Promise<void> => {
    const text = userQ.value.trim();
    if (!text) {
      userFound.textContent = '探す職員のメールアドレスまたは氏名を入力してください。';
      userQ.focus();
      return;
    }
    userSearch.disabled = true;
    userResults.setAttribute('aria-busy', 'true');
    try {
      const list = await host.api.users(userListQuery({ q: text, status: 'active', perPage: 20 }));
      if (!host.isCurrent()) return;
      userFound.textContent = list.items.length
        ? `${list.total} 人見つかりました${list.total > list.items.length ? `（はじめの ${list.items.length} 人を表示）` : ''}。`
        : '該当する職員はいません。';
      userResults.hidden = list.items.length === 0;
      userResultBody.replaceChildren(
        ...list.items.map((u) => {
          let action: HTMLElement;
          if (chosen.has(u.id)) {
            action = h('span', { class: 'muted' }, '追加済み');
          } else {
            const add = rowButton('追加する', u.email);
            add.addEventListener('click', () => {
              chosen.set(u.id, u);
              paintChosen();
              targetsError.textContent = '';
              add.replaceWith(h('span', { class: 'muted' }, '追加済み'));
              host.announce(`${who(u)} を追加しました。`);
              userQ.focus();
            });
            action = add;
          }
          return h(
            'tr',
            {},
            h('th', { scope: 'row', class: 'nowrap' }, u.email),
            h('td', { class: 'nowrap' }, u.name),
            h('td', {}, action),
          );
        }),
      );
      host.announce(userFound.textContent);
    } catch (err) {
      if (!host.handleAuthError(err)) {
        userFound.textContent = `職員を検索できませんでした。${japaneseMessage(host.errorMessage(err))}`;
      }
    } finally {
      userSearch.disabled = false;
      userResults.removeAttribute('aria-busy');
    }
  };
  userSearch.addEventListener('click', () => void findUsers());
  userQ.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      void findUsers();
    }
  });

  /** Shows a problem beside its field and moves the focus there. */
  const showProblem = (field: AssignmentField, message: string): void => {
    if (field === 'course') {
      courseField.setError(message);
      course.focus();
    } else if (field === 'due') {
      dueField.setError(message);
      due.focus();
    } else if (field === 'note') {
      noteField.setError(message);
      note.focus();
    } else if (field === 'targets') {
      targetsError.textContent = message;
      (groupBoxes[0] ?? userQ).focus();
    } else {
      say(formError, message);
    }
  };
  const clearProblems = (): void => {
    courseField.setError('');
    dueField.setError('');
    noteField.setError('');
    targetsError.textContent = '';
    say(formError, '');
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void create();
  });

  async function create(): Promise<void> {
    if (busy) return;
    clearProblems();
    const draft = {
      courseId: course.value,
      dueOn: due.value,
      groupIds: groupBoxes.filter((b) => b.checked).map((b) => Number(b.value)),
      userIds: [...chosen.keys()],
      note: note.value.trim(),
    };
    const problem = assignmentProblem(draft, today());
    if (problem) {
      showProblem(problem.field, problem.message);
      return;
    }
    busy = true;
    submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    host.announce('割り当てています…');
    try {
      const made = await host.api.createAssignment({
        course_id: Number(draft.courseId),
        due_on: draft.dueOn,
        group_ids: draft.groupIds,
        user_ids: draft.userIds,
        note: draft.note,
      });
      if (!host.isCurrent()) return;
      course.value = '';
      due.value = defaultDueOn(today());
      for (const b of groupBoxes) b.checked = false;
      chosen.clear();
      paintChosen();
      note.value = '';
      userQ.value = '';
      userFound.textContent = '';
      userResults.hidden = true;
      await reload();
      host.announce(`${assignmentName(made)} を割り当てました。`);
      await openReport(made.id);
    } catch (err) {
      if (host.handleAuthError(err)) return;
      host.announce('');
      const message = `割り当てられませんでした。${japaneseMessage(host.errorMessage(err))}`;
      showProblem(err instanceof host.ApiError ? assignmentFieldOf(err.message) : 'form', message);
    } finally {
      busy = false;
      submit.disabled = false;
      form.removeAttribute('aria-busy');
    }
  }

  // ---- the list ---------------------------------------------------------------
  const listHeading = h('h2', { id: 'assign-list-heading', tabindex: -1 }, '割り当ての一覧');
  const listError = h('p', { class: 'form-error', role: 'alert', id: 'assign-list-error' });
  const listCount = h('p', { class: 'count' });
  const listBody = h('tbody');
  const listTable = h(
    'table',
    { class: 'data assign-list' },
    h('caption', { id: 'assign-list-caption' }, '割り当て一覧'),
    h(
      'thead',
      {},
      h('tr', {}, ...['講座', '期限', '対象', 'メモ', '割り当てた日時', '操作'].map((t) => h('th', { scope: 'col' }, t))),
    ),
    listBody,
  );
  const listWrap = scrollBox(listTable, 'assign-list-caption');

  function paintList(): void {
    listCount.textContent = assignments.length
      ? `全 ${assignments.length} 件`
      : '割り当てはまだありません。上のフォームで割り当ててください。';
    listBody.replaceChildren(
      ...(assignments.length
        ? assignments.map((a) => {
            const open = rowButton('進み具合を見る', assignmentName(a));
            open.addEventListener('click', () => void openReport(a.id));
            const remove = rowButton('削除', assignmentName(a), 'secondary danger-outline');
            remove.addEventListener('click', () => void removeAssignment(a));
            const overdue = a.due_on < today();
            return h(
              'tr',
              { 'data-assignment': String(a.id), class: a.id === openId ? 'is-open' : '' },
              h('th', { scope: 'row' }, a.course_title),
              h(
                'td',
                { class: 'nowrap' },
                dateJa(a.due_on),
                overdue ? h('span', { class: 'badge' }, '期限を過ぎています') : null,
              ),
              h('td', {}, targetsText(a, groupPath)),
              h('td', { class: 'note-cell' }, a.note || h('span', { class: 'muted' }, 'なし')),
              h('td', { class: 'nowrap' }, h('time', { datetime: a.created_at }, formatJst(a.created_at))),
              h('td', {}, h('div', { class: 'row-actions' }, open, remove)),
            );
          })
        : [h('tr', {}, h('td', { colspan: 6 }, '（割り当てはありません）'))]),
    );
  }

  async function reload(): Promise<void> {
    listWrap.setAttribute('aria-busy', 'true');
    try {
      const list = await host.api.assignments();
      if (!host.isCurrent()) return;
      assignments = list.items;
      paintList();
    } finally {
      listWrap.removeAttribute('aria-busy');
    }
  }

  async function removeAssignment(a: Assignment): Promise<void> {
    if (busy) return;
    const ok = await confirmDialog({
      title: '割り当てを削除しますか',
      body: [
        `${assignmentName(a)} の割り当てを削除します。`,
        '対象の人のホームの「必修研修」から、この講座が消えます。これまでの視聴記録は残ります。' +
          '削除した割り当ては元に戻せません。必要なら、もう一度割り当ててください。',
      ],
      confirm: '削除する',
      danger: true,
    });
    if (!ok || !host.isCurrent()) return;
    busy = true;
    say(listError, '');
    const row = listBody.querySelector(`tr[data-assignment="${a.id}"]`);
    row?.setAttribute('aria-busy', 'true');
    try {
      await host.api.deleteAssignment(a.id);
      if (!host.isCurrent()) return;
      if (openId === a.id) closeReport(false);
      await reload();
      host.announce(`${assignmentName(a)} の割り当てを削除しました。`);
      listHeading.focus();
    } catch (err) {
      if (host.handleAuthError(err)) return;
      say(listError, `${assignmentName(a)} の割り当てを削除できませんでした。${japaneseMessage(host.errorMessage(err))}`);
    } finally {
      busy = false;
      row?.removeAttribute('aria-busy');
    }
  }

  // ---- one assignment's progress ----------------------------------------------
  let openId: number | null = null;
  let report: AssignmentReport | null = null;
  const panelHeading = h('h2', { id: 'assign-report-heading', tabindex: -1 });
  const panelFacts = h('p', { class: 'meta' });
  const panelSummary = h('p', { class: 'count', id: 'assign-report-summary' });
  const panelError = h('p', { class: 'form-error', role: 'alert', id: 'assign-report-error' });
  const summaryBody = h('tbody');
  const summaryTable = h(
    'table',
    { class: 'data summary' },
    h('caption', {}, '状態ごとの人数'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '状態'), h('th', { scope: 'col' }, '人数'))),
    summaryBody,
  );
  const showAll = h('input', { type: 'radio', name: 'assign-show', id: 'assign-show-all', value: 'all', checked: true });
  const showOverdue = h('input', { type: 'radio', name: 'assign-show', id: 'assign-show-overdue', value: 'overdue' });
  const showSet = h(
    'fieldset',
    { class: 'choices inline-choices' },
    h('legend', {}, '表示する人'),
    h('div', { class: 'choice' }, showAll, h('label', { for: 'assign-show-all' }, 'すべての人')),
    h('div', { class: 'choice' }, showOverdue, h('label', { for: 'assign-show-overdue' }, '期限切れの人だけ')),
  );
  const progressCaption = h('caption', { id: 'assign-progress-caption' });
  const progressBody = h('tbody');
  const progressTable = h(
    'table',
    { class: 'data' },
    progressCaption,
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['メールアドレス', '氏名', '状態', '修了したレッスン', '修了した日時'].map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    progressBody,
  );
  const progressWrap = scrollBox(progressTable, 'assign-progress-caption');
  const csv = h('button', { type: 'button', class: 'secondary' }, '表示している人をCSVで保存');
  const close = h('button', { type: 'button', class: 'secondary' }, '進み具合の表示を閉じる');
  const panel = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'assign-report-heading', hidden: true },
    panelHeading,
    panelFacts,
    panelError,
    panelSummary,
    summaryTable,
    showSet,
    progressWrap,
    h(
      'p',
      { class: 'hint' },
      'CSV は Excel で開ける形式（UTF-8、BOM付き）で、メールアドレス・氏名・状態・修了したレッスン数・期限が入ります。',
    ),
    h('div', { class: 'row-actions' }, csv, close),
  );
  const overdueOnly = (): boolean => showOverdue.checked;

  function paintReport(r: AssignmentReport): void {
    panelHeading.textContent = `${assignmentName(r)}の進み具合`;
    panelFacts.textContent = `対象: ${targetsText(r, groupPath)}${r.note ? `　メモ: ${r.note}` : ''}`;
    panelSummary.textContent = summaryText(r.summary);
    summaryBody.replaceChildren(
      ...summaryRows(r.summary).map((row) =>
        h(
          'tr',
          { class: row.status === 'overdue' && row.count > 0 ? 'has-errors' : '' },
          h('th', { scope: 'row' }, row.label),
          h('td', {}, `${row.count} 人`),
        ),
      ),
    );
    const people = overdueOnly() ? r.assignees.filter((p) => p.status === 'overdue') : r.assignees;
    progressCaption.textContent = overdueOnly()
      ? `期限切れの人（${people.length} 人）`
      : `対象の人の進み具合（${people.length} 人）`;
    progressBody.replaceChildren(
      ...(people.length
        ? people.map((p) =>
            h(
              'tr',
              { class: p.status === 'overdue' ? 'has-errors' : '' },
              h('th', { scope: 'row', class: 'nowrap' }, p.email),
              h('td', { class: 'nowrap' }, p.name),
              h(
                'td',
                { class: 'nowrap' },
                h('span', { class: `a-status a-status-${p.status}` }, assignmentStatusLabel(p.status)),
              ),
              h('td', { class: 'nowrap' }, `${p.lessons} 本中 ${p.completed_lessons} 本`),
              h(
                'td',
                { class: 'nowrap' },
                p.completed_at
                  ? h('time', { datetime: p.completed_at }, formatJst(p.completed_at))
                  : h('span', { class: 'muted' }, '—'),
              ),
            ),
          )
        : [
            h(
              'tr',
              {},
              h('td', { colspan: 5 }, overdueOnly() ? '（期限切れの人はいません）' : '（対象の人はいません）'),
            ),
          ]),
    );
    csv.disabled = people.length === 0;
  }

  async function openReport(id: number): Promise<void> {
    openId = id;
    for (const tr of listBody.querySelectorAll<HTMLElement>('tr[data-assignment]')) {
      tr.classList.toggle('is-open', tr.dataset.assignment === String(id));
    }
    panel.hidden = false;
    panel.setAttribute('aria-busy', 'true');
    say(panelError, '');
    showAll.checked = true;
    try {
      const r = await host.api.assignment(id);
      if (!host.isCurrent() || openId !== id) return;
      report = r;
      paintReport(r);
      host.announce(`${assignmentName(r)}：${summaryText(r.summary)}`);
      panel.scrollIntoView({ block: 'start' });
      panelHeading.focus();
    } catch (err) {
      if (host.handleAuthError(err)) return;
      panelHeading.textContent = '進み具合';
      say(panelError, `進み具合を読み込めませんでした。${japaneseMessage(host.errorMessage(err))}`);
      panelHeading.focus();
    } finally {
      panel.removeAttribute('aria-busy');
    }
  }

  function closeReport(refocus: boolean): void {
    const id = openId;
    openId = null;
    report = null;
    panel.hidden = true;
    for (const tr of listBody.querySelectorAll('tr.is-open')) tr.classList.remove('is-open');
    if (refocus) {
      const btn = listBody.querySelector<HTMLButtonElement>(`tr[data-assignment="${id}"] button`);
      (btn ?? listHeading).focus();
    }
  }
  close.addEventListener('click', () => closeReport(true));
  for (const radio of [showAll, showOverdue]) {
    radio.addEventListener('change', () => {
      if (!report) return;
      paintReport(report);
      host.announce(progressCaption.textContent ?? '');
    });
  }

  csv.addEventListener('click', () => {
    const r = report;
    if (!r) return;
    const only = overdueOnly();
    csv.disabled = true;
    say(panelError, '');
    host.api
      .download(progressCsvPath(r.id, only), 'text/csv')
      .then((blob) => {
        saveBlob(blob, progressCsvName(r.id, only));
        host.announce(`${progressCsvName(r.id, only)} を保存しました。`);
      })
      .catch((err: unknown) => {
        if (!host.handleAuthError(err)) {
          say(panelError, `CSVを保存できませんでした。${japaneseMessage(host.errorMessage(err))}`);
        }
      })
      .finally(() => (csv.disabled = false));
  });

  paintChosen();
  paintList();
  host.show(
    '必修研修の割り当て',
    host.heading('必修研修の割り当て'),
    h(
      'p',
      {},
      '講座を必修研修として職員に割り当て、期限までの進み具合を確かめます。割り当てた講座は、対象の人のホームの「必修研修」に期限とともに表示されます。',
    ),
    ...(manager
      ? [
          h(
            'p',
            {},
            '担当するグループ（その下のグループを含む）と、その受講者にだけ割り当てられます。進み具合も担当する受講者の分だけ表示します。',
          ),
        ]
      : []),
    h('section', { 'aria-labelledby': 'assign-heading' }, h('h2', { id: 'assign-heading' }, '新しく割り当てる'), form),
    h('section', { 'aria-labelledby': 'assign-list-heading' }, listHeading, listError, listCount, listWrap),
    panel,
  );
}
