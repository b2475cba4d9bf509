/**
 * 必修研修の割り当て's words and checks (pure; words in the language in force): whom an assignment
 * reaches, the assignees' counts per status in display order, the form's
 * checks before sending, which field a server refusal is about, the
 * default due day and the CSV's address and name. Unit-tested in
 * tests/assignments.test.mjs; no DOM here.
 */
import { assignmentStatusLabel, dateJa } from '../learning.js';
import { t } from './messages.js';

/** The statuses in the order the progress shows them: what needs action first. */
export const ASSIGNEE_STATUSES = ['overdue', 'not_started', 'in_progress', 'completed'] as const;

/** `2026-04-01` plus `days` (calendar days, no time zone involved). */
export function addDays(day: string, days: number): string {
  const ms = Date.parse(`${day}T00:00:00Z`);
  if (!Number.isFinite(ms)) return day;
  return new Date(ms + days * 86_400_000).toISOString().slice(0, 10);
}

/** The due day the form offers first: two weeks from today. */
export function defaultDueOn(today: string): string {
  return addDays(today, 14);
}

/**
 * Whom an assignment reaches, in words: the groups' paths and the number
 * of users assigned one by one: `総務部/人事課、福祉部 ＋ 個別に 2 人`. The
 * server lists to a manager only the groups it manages, so a group not
 * among those the caller sees was moved to the trash: `（削除されたグループ）`,
 * counted when there are several, never its internal id.
 */
export function targetsText(
  a: { group_ids: readonly number[]; user_ids: readonly number[] },
  groupPath: (id: number) => string | undefined,
): string {
  const paths = a.group_ids.map(groupPath);
  const known = paths.filter((p): p is string => p !== undefined);
  const gone = paths.length - known.length;
  if (gone === 1) known.push(t('a.assign.groupGone'));
  else if (gone > 1) known.push(t('a.assign.groupsGone', { n: gone }));
  const groups = known.join(t('a.list.sep'));
  const users = a.user_ids.length ? t('a.assign.oneByOne', { n: a.user_ids.length }) : '';
  if (groups && users) return t('a.assign.both', { groups, users });
  return groups || users || t('a.assign.none');
}

/**
 * Why the assignees cannot open the assigned course, or null: its course
 * is not published (taken back to draft since it was assigned).
 */
export function courseClosedText(a: { course_status?: string }): string | null {
  return a.course_status === undefined || a.course_status === 'published' ? null : t('a.assign.courseClosed');
}

/**
 * Whether `user` may delete assignment `a`: admins any, a manager only
 * those it made (the server refuses the others).
 */
export function canDeleteAssignment(
  user: { id: string | number; role: string },
  a: { created_by: number | null },
): boolean {
  if (user.role === 'admin') return true;
  return user.role === 'manager' && a.created_by !== null && String(a.created_by) === String(user.id);
}

/** The assignees' counts per status, in display order, with the total. */
export function summaryRows(
  summary: Record<string, number>,
): { status: string; label: string; count: number }[] {
  const rows = ASSIGNEE_STATUSES.map((status) => ({
    status,
    label: assignmentStatusLabel(status),
    count: summary[status] ?? 0,
  }));
  const total = Object.values(summary).reduce((n, c) => n + c, 0);
  return [...rows, { status: 'total', label: t('a.reports.sum'), count: total }];
}

/** `対象 12 人：期限切れ 2 人、未受講 5 人、受講中 3 人、修了 2 人` (zeros left out). */
export function summaryText(summary: Record<string, number>): string {
  const rows = summaryRows(summary);
  const total = rows[rows.length - 1]?.count ?? 0;
  if (total === 0) return t('a.assign.nobody');
  const parts = rows
    .slice(0, -1)
    .filter((r) => r.count > 0)
    .map((r) => t('a.assign.countOf', { label: r.label, n: r.count }));
  return t('a.assign.summary', { total, parts: parts.join(t('a.list.sep')) });
}

/** The form's fields a problem can be about. */
export type AssignmentField = 'course' | 'due' | 'targets' | 'note' | 'form';

export interface AssignmentDraft {
  courseId: string;
  dueOn: string;
  groupIds: readonly number[];
  userIds: readonly number[];
  note: string;
}

/** The first problem of a draft before it is sent, or null; `today` in Japan. */
export function assignmentProblem(
  d: AssignmentDraft,
  today: string,
): { field: AssignmentField; message: string } | null {
  if (!d.courseId) return { field: 'course', message: t('a.assign.courseNone') };
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d.dueOn) || !Number.isFinite(Date.parse(`${d.dueOn}T00:00:00Z`))) {
    return { field: 'due', message: t('a.assign.dueNone') };
  }
  if (d.dueOn < today) {
    return { field: 'due', message: t('a.assign.duePast', { today: dateJa(today) }) };
  }
  if (d.groupIds.length === 0 && d.userIds.length === 0) {
    return { field: 'targets', message: t('a.assign.targetsNone') };
  }
  if ([...d.note].length > 1000) return { field: 'note', message: t('a.assign.noteLong') };
  return null;
}

/** Which field a server refusal of a new assignment is about (`form`: none in particular). */
export function assignmentFieldOf(message: string): AssignmentField {
  if (/講座|course/.test(message)) return 'course';
  if (/メモ|note/.test(message)) return 'note';
  if (/グループ|利用者|group|user/.test(message)) return 'targets';
  if (/期限|due_on|date/.test(message)) return 'due';
  return 'form';
}

/** The address of an assignment's progress as CSV (UTF-8 with BOM). */
export function progressCsvPath(id: number, overdueOnly: boolean): string {
  return `/api/v1/assignments/${encodeURIComponent(String(id))}${overdueOnly ? '?status=overdue' : ''}`;
}

/** `assignment-12-overdue.csv`, `assignment-12.csv`. */
export function progressCsvName(id: number, overdueOnly: boolean): string {
  return `assignment-${id}${overdueOnly ? '-overdue' : ''}.csv`;
}

/** `「情報セキュリティの基本」（期限 2026年4月10日）`: how dialogs and buttons name an assignment. */
export function assignmentName(a: { course_title: string; due_on: string }): string {
  return t('a.assign.name', { title: a.course_title, due: dateJa(a.due_on) });
}
