/**
 * What the learner's own pages say (pure; Japanese, or English when
 * switched: messages.ts): assignments (必修研修)
 * with their due dates, progress in a lesson (視聴率, 修了), the newest
 * courses (新着), the history's pages and times in Japan. No DOM, no
 * clock: "today" and "now" are arguments, so tests pin them.
 */

import { t } from './messages.js';

/** `GET /api/v1/me/assignments` status of one assigned course. */
export type AssignmentStatus = 'not_started' | 'in_progress' | 'completed' | 'overdue';

const STATUSES: readonly string[] = ['not_started', 'in_progress', 'completed', 'overdue'];

/** The label of an assignment status, `未受講` (unknown ones as they are). */
export function assignmentStatusLabel(status: string): string {
  return STATUSES.includes(status) ? t(`assign.${status}`) : status;
}

/** Japan has one offset all year (no daylight saving time). */
const JST_MS = 9 * 3600_000;

/** The calendar day in Japan at `ms` (epoch milliseconds), `2026-04-01`. */
export function tokyoDate(ms: number): string {
  return new Date(ms + JST_MS).toISOString().slice(0, 10);
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** `2026-04-01` → `2026年4月1日` (`April 1, 2026`); anything else as it is. */
export function dateJa(day: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  const month = Number(m[2]);
  return t('date', { y: m[1] ?? '', m: month, d: Number(m[3]), month: MONTHS[month - 1] ?? '' });
}

/** Whole days from `from` to `to` (both `YYYY-MM-DD`); negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/**
 * The due date of an assignment as the learner reads it, given today (in
 * Japan): `期限 2026年4月10日（あと3日）`, `期限 2026年4月1日（今日まで）`,
 * `期限 2026年3月30日（2日過ぎています）`; a completed one only shows the date.
 */
export function dueText(dueOn: string | null, today: string, status: string): string {
  if (!dueOn) return t('due.none');
  const date = t('due.date', { date: dateJa(dueOn) });
  if (status === 'completed') return date;
  const left = daysBetween(today, dueOn);
  if (left > 0) return t('due.left', { date, n: left });
  if (left === 0) return t('due.today', { date });
  return t('due.past', { date, n: -left });
}

/** An assignment is highlighted as overdue: the server says so, or its day has passed unfinished. */
export function isOverdue(dueOn: string | null, today: string, status: string): boolean {
  if (status === 'overdue') return true;
  return status !== 'completed' && dueOn !== null && daysBetween(today, dueOn) < 0;
}

export interface AssignmentLike {
  due_on: string | null;
  status: string;
}

/**
 * Assignments in the order the home page lists them: overdue first, then
 * the rest unfinished by due date (none last), then the completed ones.
 */
export function orderAssignments<A extends AssignmentLike>(items: readonly A[], today: string): A[] {
  const rank = (a: A): number =>
    isOverdue(a.due_on, today, a.status) ? 0 : a.status === 'completed' ? 2 : 1;
  return [...items].sort(
    (a, b) => rank(a) - rank(b) || (a.due_on ?? '9999').localeCompare(b.due_on ?? '9999'),
  );
}

/** `completed_lessons` of `lessons` → `3本中1本修了`. */
export function lessonsDoneText(done: number, total: number): string {
  return t('lessons.done', { total, done });
}

/** Coverage 0..1 as a whole percent, rounded down (99.6 % is not yet 100 %), within 0–100. */
export function coveragePercent(coverage: number | null | undefined): number {
  if (typeof coverage !== 'number' || !Number.isFinite(coverage)) return 0;
  return Math.min(100, Math.max(0, Math.floor(coverage * 100 + 1e-9)));
}

export interface PublishedLike {
  published_at?: string | null;
  status?: string;
}

/** The `limit` most recently published courses, newest first (drafts and unpublished left out). */
export function newArrivals<C extends PublishedLike>(courses: readonly C[], limit: number): C[] {
  return courses
    .filter((c) => !!c.published_at && (c.status ?? 'published') === 'published')
    .sort((a, b) => Date.parse(b.published_at ?? '') - Date.parse(a.published_at ?? ''))
    .slice(0, limit);
}

/** An RFC 3339 time in Japan as `2026/04/01 09:05`; `''` when it cannot be read. */
export function jstDateTime(iso: string | null | undefined): string {
  const ms = Date.parse(iso ?? '');
  if (!Number.isFinite(ms)) return '';
  const t = new Date(ms + JST_MS).toISOString();
  return `${t.slice(0, 4)}/${t.slice(5, 7)}/${t.slice(8, 10)} ${t.slice(11, 16)}`;
}

/** The published day in Japan, `2026年4月1日`; `''` when unknown. */
export function publishedText(iso: string | null | undefined): string {
  const ms = Date.parse(iso ?? '');
  return Number.isFinite(ms) ? t('published', { date: dateJa(tokyoDate(ms)) }) : '';
}

/** Where a page of a list stands: `全 45 件中 21〜40 件`, or `''` for an empty list. */
export function pageRange(total: number, page: number, perPage: number): string {
  if (total <= 0) return '';
  const first = (page - 1) * perPage + 1;
  const last = Math.min(total, page * perPage);
  return t('range', { total, first, last });
}

/** How many pages a list of `total` has at `perPage` (at least 1). */
export function pageCount(total: number, perPage: number): number {
  return Math.max(1, Math.ceil(total / Math.max(1, perPage)));
}
