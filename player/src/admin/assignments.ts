/**
 * 必修研修の割り当て (`#/admin/assignments`, admins and managers): a form to
 * assign a published course to groups and/or single staff by a due day
 * (with a note the assignees see), the list of assignments, and per
 * assignment its assignees' progress — counts per status, everyone or the
 * overdue only, as a table or a CSV file — and its deletion after a
 * confirmation (admins any, a manager those it made). An assignment whose
 * course is no longer published is marked so in words. Managers assign only within their groups and see only
 * their learners: the API decides, and its refusals are shown beside the
 * field they are about. Words and checks: assignment-logic.ts.
 */
import type { AdminUser, Assignment, AssignmentReport, CourseSummary, Group } from '../api';
import { h } from '../dom';
import { assignmentStatusLabel, dateJa, tokyoDate } from '../learning';
import {
  assignmentFieldOf,
  assignmentName,
  canDeleteAssignment,
  courseClosedText,
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
import { t } from './messages';
import { contentLang } from '../i18n';

/** `区役 二葉（learner2@manabi.example）`, or the e-mail alone. */
const who = (u: { name: string; email: string }): string => (u.name ? t('a.common.nameEmail', { name: u.name, email: u.email }) : u.email);

/** A button named for what it acts on, starting with its visible text (WCAG 2.5.3). */
function rowButton(text: string, forWhat: string, cls = 'secondary'): HTMLButtonElement {
  return h('button', { type: 'button', class: cls, 'aria-label': t('a.common.forWhom', { text, who: forWhat }) }, text);
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
    h('option', { value: '' }, courses.length ? t('a.assign.pickCourse') : t('a.assign.noCourses')),
    ...courses.map((c) => h('option', { value: String(c.id) }, c.title)),
  );
  const courseField = checkedField(course, t('a.assign.course'), t('a.assign.courseHint'));
  const due = h('input', {
    id: 'assign-due',
    name: 'due_on',
    type: 'date',
    required: true,
    value: defaultDueOn(today()),
    min: today(),
  });
  const dueField = checkedField(due, t('a.assign.due'), t('a.assign.dueHint'));

  const groupBoxes = groups.map((g) =>
    h('input', { type: 'checkbox', id: `assign-group-${g.id}`, name: 'group_ids', value: String(g.id) }),
  );
  const groupsSet = h(
    'fieldset',
    { class: 'choices check-list', id: 'assign-groups', 'aria-describedby': 'assign-groups-hint assign-targets-error' },
    h('legend', {}, t('a.assign.groupsLegend')),
    h(
      'p',
      { class: 'hint', id: 'assign-groups-hint' },
      t('a.assign.groupsHint'),
    ),
    ...(groups.length
      ? groups.map((g, i) =>
          h('div', { class: 'choice' }, groupBoxes[i] ?? null, h('label', { for: `assign-group-${g.id}` }, g.path)),
        )
      : [h('p', { class: 'muted' }, manager ? t('a.assign.noOwnGroups') : t('a.assign.noGroupsYet'))]),
  );

  // Staff one by one: a search (inside the form, so its button does not submit).
  const chosen = new Map<number, AdminUser>();
  const userQ = h('input', { id: 'assign-user-q', type: 'search', autocomplete: 'off', enterkeyhint: 'search' });
  const userSearch = h('button', { type: 'button', class: 'secondary' }, t('a.assign.userSearch'));
  const userFound = h('p', { class: 'count', id: 'assign-user-found' });
  const userResultBody = h('tbody');
  const userResults = scrollBox(
    h(
      'table',
      { class: 'data' },
      h('caption', { id: 'assign-user-results-caption' }, t('a.assign.userResults')),
      h('thead', {}, h('tr', {}, ...[t('a.field.email'), t('a.field.name'), t('a.field.action')].map((text) => h('th', { scope: 'col' }, text)))),
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
    h('legend', {}, t('a.assign.usersLegend')),
    h(
      'p',
      { class: 'hint', id: 'assign-users-hint' },
      manager
        ? t('a.assign.usersHintManager')
        : t('a.assign.usersHintAdmin'),
    ),
    h(
      'div',
      { class: 'filters' },
      h('div', { class: 'field' }, h('label', { for: 'assign-user-q' }, t('a.assign.userQ')), userQ),
      h('div', { class: 'field filters-submit' }, userSearch),
    ),
    userFound,
    userResults,
    chosenLabel,
    chosenList,
  );
  const targetsError = h('p', { class: 'field-error', id: 'assign-targets-error' });

  const note = h('textarea', { id: 'assign-note', name: 'note', rows: 3, maxlength: 1000 });
  const noteField = checkedField(note, t('a.assign.noteLabel'), t('a.assign.noteHint'));
  const formError = h('p', { class: 'form-error', role: 'alert', id: 'assign-error' });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('a.assign.submit'));
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
    chosenLabel.textContent = chosen.size ? t('a.assign.chosen', { n: chosen.size }) : t('a.assign.chosenNone');
    chosenList.replaceChildren(
      ...[...chosen.values()].map((u) => {
        const remove = rowButton(t('a.assign.remove'), u.email, 'secondary danger-outline');
        remove.addEventListener('click', () => {
          chosen.delete(u.id);
          paintChosen();
          host.announce(t('a.assign.removed', { who: who(u) }));
          userQ.focus();
        });
        return h('li', {}, h('span', {}, who(u)), remove);
      }),
    );
  };

  const findUsers = async (): Promise<void> => {
    const text = userQ.value.trim();
    if (!text) {
      userFound.textContent = t('a.assign.userQEmpty');
      userQ.focus();
      return;
    }
    userSearch.disabled = true;
    userResults.setAttribute('aria-busy', 'true');
    try {
      const list = await host.api.users(userListQuery({ q: text, status: 'active', perPage: 20 }));
      if (!host.isCurrent()) return;
      userFound.textContent = list.items.length
        ? list.total > list.items.length
          ? t('a.assign.foundFirst', { total: list.total, n: list.items.length })
          : t('a.assign.found', { total: list.total })
        : t('a.assign.notFound');
      userResults.hidden = list.items.length === 0;
      userResultBody.replaceChildren(
        ...list.items.map((u) => {
          let action: HTMLElement;
          if (chosen.has(u.id)) {
            action = h('span', { class: 'muted' }, t('a.assign.added'));
          } else {
            const add = rowButton(t('a.users.add.submit'), u.email);
            add.addEventListener('click', () => {
              chosen.set(u.id, u);
              paintChosen();
              targetsError.textContent = '';
              add.replaceWith(h('span', { class: 'muted' }, t('a.assign.added')));
              host.announce(t('a.users.added', { who: who(u) }));
              userQ.focus();
            });
            action = add;
          }
          return h(
            'tr',
            {},
            h('th', { scope: 'row', class: 'nowrap' }, u.email),
            h('td', { class: 'nowrap', lang: contentLang() }, u.name),
            h('td', {}, action),
          );
        }),
      );
      host.announce(userFound.textContent);
    } catch (err) {
      if (!host.handleAuthError(err)) {
        userFound.textContent = t('a.assign.searchFailed', { error: japaneseMessage(host.errorMessage(err)) });
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
    host.announce(t('a.assign.assigning'));
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
      host.announce(t('a.assign.made', { name: assignmentName(made) }));
      await openReport(made.id);
    } catch (err) {
      if (host.handleAuthError(err)) return;
      host.announce('');
      const message = t('a.assign.failed', { error: japaneseMessage(host.errorMessage(err)) });
      showProblem(err instanceof host.ApiError ? assignmentFieldOf(err.message) : 'form', message);
    } finally {
      busy = false;
      submit.disabled = false;
      form.removeAttribute('aria-busy');
    }
  }

  // ---- the list ---------------------------------------------------------------
  const listHeading = h('h2', { id: 'assign-list-heading', tabindex: -1 }, t('a.assign.listHeading'));
  const listError = h('p', { class: 'form-error', role: 'alert', id: 'assign-list-error' });
  const listCount = h('p', { class: 'count' });
  const listBody = h('tbody');
  const listTable = h(
    'table',
    { class: 'data assign-list' },
    h('caption', { id: 'assign-list-caption' }, t('a.assign.listCaption')),
    h(
      'thead',
      {},
      h('tr', {}, ...[
          t('a.assign.course'),
          t('a.assign.due'),
          t('a.assign.targets'),
          t('a.assign.note'),
          t('a.assign.createdAt'),
          t('a.field.action'),
        ].map((text) => h('th', { scope: 'col' }, text))),
    ),
    listBody,
  );
  const listWrap = scrollBox(listTable, 'assign-list-caption');

  function paintList(): void {
    listCount.textContent = assignments.length
      ? t('a.common.total', { n: assignments.length })
      : t('a.assign.listNone');
    listBody.replaceChildren(
      ...(assignments.length
        ? assignments.map((a) => {
            const open = rowButton(t('a.assign.open'), assignmentName(a));
            open.addEventListener('click', () => void openReport(a.id));
            // A manager deletes only what it assigned (the server refuses the others).
            let remove: HTMLButtonElement | null = null;
            if (canDeleteAssignment(host.user, a)) {
              remove = rowButton(t('a.action.delete'), assignmentName(a), 'secondary danger-outline');
              remove.addEventListener('click', () => void removeAssignment(a));
            }
            const overdue = a.due_on < today();
            const closed = courseClosedText(a);
            return h(
              'tr',
              { 'data-assignment': String(a.id), class: a.id === openId ? 'is-open' : '' },
              h(
                'th',
                { scope: 'row' },
                h('span', { lang: contentLang() }, a.course_title),
                closed ? h('span', { class: 'badge' }, closed) : null,
              ),
              h(
                'td',
                { class: 'nowrap' },
                dateJa(a.due_on),
                overdue ? h('span', { class: 'badge' }, t('a.assign.overdue')) : null,
              ),
              h('td', {}, targetsText(a, groupPath)),
              a.note
                ? h('td', { class: 'note-cell', lang: contentLang() }, a.note)
                : h('td', { class: 'note-cell' }, h('span', { class: 'muted' }, t('a.common.none'))),
              h('td', { class: 'nowrap' }, h('time', { datetime: a.created_at }, formatJst(a.created_at))),
              h('td', {}, h('div', { class: 'row-actions' }, open, remove)),
            );
          })
        : [h('tr', {}, h('td', { colspan: 6 }, t('a.assign.listEmpty')))]),
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
      title: t('a.assign.delete.title'),
      body: [
        t('a.assign.delete.body', { name: assignmentName(a) }),
        t('a.assign.delete.more'),
      ],
      confirm: t('a.common.delete'),
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
      host.announce(t('a.assign.deleted', { name: assignmentName(a) }));
      listHeading.focus();
    } catch (err) {
      if (host.handleAuthError(err)) return;
      say(listError, t('a.assign.deleteFailed', { name: assignmentName(a), error: japaneseMessage(host.errorMessage(err)) }));
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
    h('caption', {}, t('a.assign.perStatus')),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('a.field.status')), h('th', { scope: 'col' }, t('a.assign.people')))),
    summaryBody,
  );
  const showAll = h('input', { type: 'radio', name: 'assign-show', id: 'assign-show-all', value: 'all', checked: true });
  const showOverdue = h('input', { type: 'radio', name: 'assign-show', id: 'assign-show-overdue', value: 'overdue' });
  const showSet = h(
    'fieldset',
    { class: 'choices inline-choices' },
    h('legend', {}, t('a.assign.showLegend')),
    h('div', { class: 'choice' }, showAll, h('label', { for: 'assign-show-all' }, t('a.assign.showAll'))),
    h('div', { class: 'choice' }, showOverdue, h('label', { for: 'assign-show-overdue' }, t('a.assign.showOverdue'))),
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
        ...[
          t('a.field.email'),
          t('a.field.name'),
          t('a.field.status'),
          t('a.assign.lessonsDone'),
          t('a.assign.completedAt'),
        ].map((text) => h('th', { scope: 'col' }, text)),
      ),
    ),
    progressBody,
  );
  const progressWrap = scrollBox(progressTable, 'assign-progress-caption');
  const csv = h('button', { type: 'button', class: 'secondary' }, t('a.assign.csv'));
  const close = h('button', { type: 'button', class: 'secondary' }, t('a.assign.closePanel'));
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
      t('a.assign.csvHint'),
    ),
    h('div', { class: 'row-actions' }, csv, close),
  );
  const overdueOnly = (): boolean => showOverdue.checked;

  function paintReport(r: AssignmentReport): void {
    panelHeading.textContent = t('a.assign.progressOf', { name: assignmentName(r) });
    panelFacts.textContent = t(r.note ? 'a.assign.factsNote' : 'a.assign.facts', { targets: targetsText(r, groupPath), note: r.note ?? '' });
    panelSummary.textContent = summaryText(r.summary);
    summaryBody.replaceChildren(
      ...summaryRows(r.summary).map((row) =>
        h(
          'tr',
          { class: row.status === 'overdue' && row.count > 0 ? 'has-errors' : '' },
          h('th', { scope: 'row' }, row.label),
          h('td', {}, t('a.reports.people', { n: row.count })),
        ),
      ),
    );
    const people = overdueOnly() ? r.assignees.filter((p) => p.status === 'overdue') : r.assignees;
    progressCaption.textContent = overdueOnly()
      ? t('a.assign.overduePeople', { n: people.length })
      : t('a.assign.allPeople', { n: people.length });
    progressBody.replaceChildren(
      ...(people.length
        ? people.map((p) =>
            h(
              'tr',
              { class: p.status === 'overdue' ? 'has-errors' : '' },
              h('th', { scope: 'row', class: 'nowrap' }, p.email),
              h('td', { class: 'nowrap', lang: contentLang() }, p.name),
              h(
                'td',
                { class: 'nowrap' },
                h('span', { class: `a-status a-status-${p.status}` }, assignmentStatusLabel(p.status)),
              ),
              h('td', { class: 'nowrap' }, t('a.assign.lessonsOf', { n: p.completed_lessons, of: p.lessons })),
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
              h('td', { colspan: 5 }, overdueOnly() ? t('a.assign.noOverdue') : t('a.assign.noPeople')),
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
      host.announce(t('a.assign.said', { name: assignmentName(r), summary: summaryText(r.summary) }));
      panel.scrollIntoView({ block: 'start' });
      panelHeading.focus();
    } catch (err) {
      if (host.handleAuthError(err)) return;
      panelHeading.textContent = t('a.assign.progress');
      say(panelError, t('a.assign.progressFailed', { error: japaneseMessage(host.errorMessage(err)) }));
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
        host.announce(t('a.common.saved', { name: progressCsvName(r.id, only) }));
      })
      .catch((err: unknown) => {
        if (!host.handleAuthError(err)) {
          say(panelError, t('a.common.csvFailed', { error: japaneseMessage(host.errorMessage(err)) }));
        }
      })
      .finally(() => (csv.disabled = false));
  });

  paintChosen();
  paintList();
  host.show(
    t('a.nav.assignments'),
    host.heading(t('a.nav.assignments')),
    h(
      'p',
      {},
      t('a.assign.intro'),
    ),
    ...(manager
      ? [
          h(
            'p',
            {},
            t('a.assign.introManager'),
          ),
        ]
      : []),
    h('section', { 'aria-labelledby': 'assign-heading' }, h('h2', { id: 'assign-heading' }, t('a.assign.new')), form),
    h('section', { 'aria-labelledby': 'assign-list-heading' }, listHeading, listError, listCount, listWrap),
    panel,
  );
}
