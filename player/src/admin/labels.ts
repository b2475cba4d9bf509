/**
 * The administration pages' words and numbers (pure; the words in the
 * language in force, messages.ts): role,
 * status and import-action labels, times in Asia/Tokyo, the user list's
 * query string and page range, and what an import preview amounts to.
 * Unit-tested in tests/admin.test.mjs; no DOM here.
 */
import type { ImportSummary } from '../api';
import { t } from './messages.js';

export { canEdit, canManage } from './roles.js';

export const ROLES = ['admin', 'manager', 'editor', 'learner'] as const;
export const STATUSES = ['active', 'disabled'] as const;

const ROLE_LABELS: Record<string, string> = {
  admin: 'a.role.admin',
  manager: 'a.role.manager',
  editor: 'a.role.editor',
  learner: 'a.role.learner',
};

const STATUS_LABELS: Record<string, string> = { active: 'a.status.active', disabled: 'a.status.disabled' };

/** `learner` → `受講者`; an unknown role is shown as it is. */
export function roleLabel(role: string): string {
  const key = ROLE_LABELS[role];
  return key ? t(key) : role;
}

/** `active` → `有効`, `disabled` → `無効`. */
export function statusLabel(status: string): string {
  const key = STATUS_LABELS[status];
  return key ? t(key) : status;
}

/** The import actions in the order the summary shows them. */
export const ACTIONS = ['create', 'update', 'disable', 'delete', 'unchanged', 'error'] as const;

const ACTION_LABELS: Record<string, string> = {
  create: 'a.action.create',
  update: 'a.action.update',
  disable: 'a.action.disable',
  delete: 'a.action.delete',
  unchanged: 'a.action.unchanged',
  error: 'a.action.error',
};

/** `create` → `新規` … `error` → `エラー`. */
export function actionLabel(action: string): string {
  const key = ACTION_LABELS[action];
  return key ? t(key) : action;
}

const FIELD_LABELS: Record<string, string> = {
  email: 'a.field.email',
  name: 'a.field.name',
  role: 'a.field.role',
  status: 'a.field.status',
  groups: 'a.field.groups',
  remarks: 'a.field.remarks',
  action: 'a.field.action',
};

/** A CSV column or changed field in Japanese (`name` → `氏名`). */
export function fieldLabel(field: string): string {
  const key = FIELD_LABELS[field];
  return key ? t(key) : field;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * An RFC 3339 time as a date and time in Asia/Tokyo, `2026/04/01 09:05`
 * (Japan keeps no daylight saving time, so UTC+9 is exact); `''` when
 * missing or unreadable.
 */
export function formatJst(iso: string | null | undefined): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  const d = new Date(ms + 9 * 3600 * 1000);
  return (
    `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`
  );
}

/** The user list's filters and page. */
export interface UserFilter {
  q?: string;
  role?: string;
  status?: string;
  page?: number;
  perPage?: number;
}

export const PER_PAGE = 50;

/**
 * `GET /api/v1/users`' query string (without `?`): the trimmed search
 * text, role and status when set, the page (from 1) and `per_page` (50).
 */
export function userListQuery(f: UserFilter): string {
  const p = new URLSearchParams();
  const q = (f.q ?? '').trim();
  if (q) p.set('q', q);
  if (f.status && (STATUSES as readonly string[]).includes(f.status)) p.set('status', f.status);
  if (f.role && (ROLES as readonly string[]).includes(f.role)) p.set('role', f.role);
  p.set('page', String(Math.max(1, Math.floor(f.page ?? 1))));
  p.set('per_page', String(f.perPage ?? PER_PAGE));
  return p.toString();
}

/** Where a page of a list stands. */
export interface PageInfo {
  /** 1-based number of the first item shown (0 when none). */
  from: number;
  /** Number of the last item shown. */
  to: number;
  pages: number;
  hasPrev: boolean;
  hasNext: boolean;
  /** `全 120 件中 51〜100 件を表示（2 / 3 ページ）`, or `該当する利用者はいません。` */
  text: string;
}

/** The range of `page` (from 1) in a list of `total` items, `perPage` a page. */
export function pageInfo(total: number, page: number, perPage: number): PageInfo {
  const pages = Math.max(1, Math.ceil(total / perPage));
  const from = total === 0 ? 0 : Math.min(total, (page - 1) * perPage + 1);
  const to = Math.min(total, page * perPage);
  const text =
    total === 0
      ? t('a.labels.page.none')
      : t('a.labels.page.range', { total, from, to, page, pages });
  return { from, to, pages, hasPrev: page > 1, hasNext: page < pages, text };
}

/**
 * The Japanese part of a server message: the API appends the English in
 * parentheses (`見つかりません (not found)` → `見つかりません`). A message
 * without Japanese is kept whole.
 */
export function japaneseMessage(message: string): string {
  const m = /^([\s\S]*?)\s*\([\x20-\x7e]*\)\s*$/.exec(message);
  if (m && m[1] && /[^\x00-\x7f]/.test(m[1])) return m[1];
  return message;
}

/** A changed field's value for people: labels for roles and statuses, `;` lists with `、`. */
export function fieldValue(field: string, value: string): string {
  if (value === '') return t('a.labels.blank');
  if (field === 'role') return roleLabel(value);
  if (field === 'status') return statusLabel(value);
  if (field === 'groups') return value.split(';').map((g) => g.trim()).filter(Boolean).join(t('a.list.sep'));
  return value;
}

/** One change of a preview row, ready to show: `氏名: 区役 二葉 → 区役 二葉子`. */
export interface ChangeLine {
  field: string;
  label: string;
  from: string;
  to: string;
  text: string;
}

const FIELD_ORDER = ['email', 'name', 'role', 'status', 'groups', 'remarks'];

/** A preview row's `changes` as lines, in the CSV's column order. */
export function changeLines(changes: Record<string, readonly string[]> | null | undefined): ChangeLine[] {
  const rank = (f: string): number => {
    const i = FIELD_ORDER.indexOf(f);
    return i < 0 ? FIELD_ORDER.length : i;
  };
  return Object.entries(changes ?? {})
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([field, pair]) => {
      const from = fieldValue(field, pair[0] ?? '');
      const to = fieldValue(field, pair[1] ?? '');
      const label = fieldLabel(field);
      return { field, label, from, to, text: `${label}: ${from} → ${to}` };
    });
}

/** The counts per action of a preview or an applied import. */
export type Summary = ImportSummary;

/** The summary as labelled counts in display order (`error` counts `errors`). */
export function summaryItems(s: Summary): { action: string; label: string; count: number }[] {
  return ACTIONS.map((action) => ({
    action,
    label: actionLabel(action),
    count: action === 'error' ? s.errors : s[action],
  }));
}

/** `新規 1 件、エラー 1 件` (counts of zero left out; `変更はありません` when all are). */
export function summaryText(s: Summary): string {
  const parts = summaryItems(s)
    .filter((i) => i.count > 0)
    .map((i) => t('a.labels.count', { label: i.label, n: i.count }));
  return parts.length ? parts.join(t('a.list.sep')) : t('a.labels.nochange');
}

/** Only what changes users: `新規 1 件、無効化 3 件` (`''` when nothing does). */
export function changeText(s: Summary): string {
  return summaryItems(s)
    .filter((i) => ['create', 'update', 'disable', 'delete'].includes(i.action) && i.count > 0)
    .map((i) => t('a.labels.count', { label: i.label, n: i.count }))
    .join(t('a.list.sep'));
}

/**
 * The paragraphs of 「取り込みを実行しますか」: the changes, the groups it
 * creates by name (a mistyped group name is seen before it is made), the
 * one-time passwords new users get, and that it can be undone.
 */
export function applyConfirmBody(p: { summary: Summary; new_groups: readonly string[] }): string[] {
  return [
    t('a.imports.apply.changes', { changes: changeText(p.summary) }),
    p.new_groups.length ? t('a.imports.apply.groups', { groups: p.new_groups.join(t('a.list.sep')) }) : '',
    p.summary.create > 0 ? t('a.imports.apply.otp') : '',
    t('a.imports.apply.undo'),
  ].filter(Boolean);
}

/** How many users an apply would change (create, update, disable, delete). */
export function changeCount(s: Summary): number {
  return s.create + s.update + s.disable + s.delete;
}

/** Why a preview cannot be applied, or null when it can. */
export type ApplyBlock =
  | { reason: 'errors'; message: string }
  | { reason: 'nothing'; message: string }
  | { reason: 'status'; message: string };

const STATUS_NOT_PREVIEW: Record<string, string> = {
  applied: 'a.labels.applied',
  undone: 'a.labels.undone',
  expired: 'a.labels.expired',
};

/** Error rows block the apply; so does a preview that changes nobody. */
export function applyBlock(p: { status: string; summary: Summary }): ApplyBlock | null {
  if (p.status !== 'preview') {
    const key = STATUS_NOT_PREVIEW[p.status];
    return { reason: 'status', message: key ? t(key) : t('a.labels.notApplicable') };
  }
  if (p.summary.errors > 0) {
    return {
      reason: 'errors',
      message: t('a.labels.errorsBlock', { n: p.summary.errors }),
    };
  }
  if (changeCount(p.summary) === 0) {
    return { reason: 'nothing', message: t('a.labels.sameContent') };
  }
  return null;
}

/** `25.0%` for 0.25 (one decimal, as the server words it). */
export function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/**
 * The numbers behind a refused mass disable, in words:
 * `有効な利用者 6 人のうち 3 人（50.0%）を無効にします。上限は 10.0% です。`
 */
export function massDisableText(m: { disable: number; active: number; max_share: number }): string {
  const share = m.active > 0 ? m.disable / m.active : 0;
  return (
    t('a.labels.massDisable', { active: m.active, disable: m.disable, share: percent(share), max: percent(m.max_share) })
  );
}

/**
 * The preview rows a filter picks (`all`, `changes`: all but the unchanged,
 * or one action), at most `limit` of them, and how many it picks in all.
 */
export function visibleRows<R extends { action: string }>(
  rows: readonly R[],
  filter: string,
  limit: number,
): { rows: R[]; total: number } {
  const chosen =
    filter === 'changes'
      ? rows.filter((r) => r.action !== 'unchanged')
      : filter && filter !== 'all'
        ? rows.filter((r) => r.action === filter)
        : [...rows];
  return { rows: chosen.slice(0, limit), total: chosen.length };
}

/** The fields of the form that adds one user. */
export type UserField = 'email' | 'name' | 'role' | 'groups' | 'remarks' | 'form';

/**
 * Which field a server refusal of a new user is about, from its message
 * (the API names the field in Japanese: `メールアドレスの形式が正しくありません`,
 * `氏名は100文字以内にしてください`, `このメールアドレスは既に登録されています`);
 * a 403 to a manager is about the groups (its own, at least one).
 */
export function userFieldOf(message: string, status: number, manager: boolean): UserField {
  if (/メールアドレス|e-mail/.test(message)) return 'email';
  if (/氏名/.test(message)) return 'name';
  if (/備考/.test(message)) return 'remarks';
  if (/権限の指定|role/.test(message)) return 'role';
  if (/グループ|group/.test(message) || (status === 403 && manager)) return 'groups';
  return 'form';
}

/**
 * The first problem of a new user before it is sent, or null: an e-mail
 * (the server checks it fully), the name and remarks within their limits,
 * and for a manager at least one of its groups.
 */
export function newUserProblem(
  u: { email: string; name: string; remarks: string; groups: readonly number[] },
  manager: boolean,
): { field: UserField; message: string } | null {
  const email = u.email.trim();
  if (!email) return { field: 'email', message: t('a.labels.emailEmpty') };
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) {
    return { field: 'email', message: t('a.labels.emailForm') };
  }
  if ([...u.name].length > 100) return { field: 'name', message: t('a.labels.nameLong') };
  if ([...u.remarks].length > 500) return { field: 'remarks', message: t('a.labels.remarksLong') };
  if (manager && u.groups.length === 0) {
    return { field: 'groups', message: t('a.labels.groupsNone') };
  }
  return null;
}
