/**
 * The words and numbers of グループ, ごみ箱, 監査ログ and データ出力 (pure,
 * Japanese; docs/records.md): the group tree, trash kinds and what a purge
 * erases, the audit log's filters, action labels, Japan times, targets and
 * before → after lines, the export files and the characters Shift_JIS
 * cannot hold. Unit-tested in tests/records.test.mjs; no DOM here.
 */
// `.js`: tests/records.test.mjs runs the unbundled dist-test/ output.
import { fieldLabel, fieldValue, roleLabel, statusLabel } from './labels.js';
import { t } from './messages.js';

// ---- groups ------------------------------------------------------------------

/** What the tree needs of a group. */
export interface GroupLike {
  id: number;
  name: string;
  parent_id: number | null;
  path: string;
}

export interface GroupNode<G extends GroupLike> {
  group: G;
  /** 1 for a top group (部) as this caller sees the tree. */
  level: number;
  children: GroupNode<G>[];
}

const byName = (a: { name: string }, b: { name: string }): number =>
  a.name.localeCompare(b.name, 'ja');

/**
 * The groups as a tree. A group whose parent is not listed (a manager's
 * 課 under a 部 it does not manage) is a root. Siblings by name.
 */
export function groupTree<G extends GroupLike>(groups: readonly G[]): GroupNode<G>[] {
  const ids = new Set(groups.map((g) => g.id));
  const children = new Map<number | null, G[]>();
  for (const g of groups) {
    const parent = g.parent_id !== null && ids.has(g.parent_id) ? g.parent_id : null;
    children.set(parent, [...(children.get(parent) ?? []), g]);
  }
  const seen = new Set<number>();
  const build = (parent: number | null, level: number): GroupNode<G>[] =>
    [...(children.get(parent) ?? [])].sort(byName).flatMap((group) => {
      // A cycle in bad data must not loop forever.
      if (seen.has(group.id)) return [];
      seen.add(group.id);
      return [{ group, level, children: build(group.id, level + 1) }];
    });
  return build(null, 1);
}

/** A group and everything below it (ids), e.g. what goes to the trash with it. */
export function subtreeIds(groups: readonly GroupLike[], id: number): number[] {
  const out = [id];
  for (let i = 0; i < out.length; i++) {
    for (const g of groups) if (g.parent_id === out[i] && !out.includes(g.id)) out.push(g.id);
  }
  return out;
}

/**
 * What the trash's confirmation says of group `id`: its path, the groups
 * that go with it, that it can be restored, and the assignments (必修研修)
 * made to them, which reach nobody while they are in the trash.
 */
export function groupTrashBody(
  groups: readonly (GroupLike & { assignment_count?: number })[],
  id: number,
): string[] {
  const ids = subtreeIds(groups, id);
  const of = (gid: number) => groups.find((g) => g.id === gid);
  const below = ids
    .slice(1)
    .map((gid) => of(gid)?.path ?? '')
    .filter(Boolean);
  const assigned = ids.reduce((n, gid) => n + (of(gid)?.assignment_count ?? 0), 0);
  return [
    t('a.groups.trash.body', { path: of(id)?.path ?? '' }),
    below.length ? t('a.groups.trash.below', { n: below.length, groups: below.join(t('a.list.sep')) }) : '',
    assigned ? t('a.groups.trash.assigned', { n: assigned }) : '',
    t('a.groups.trash.more'),
  ].filter(Boolean);
}

/** `1〜100文字…` checked before asking the server (which checks again). */
export function groupNameProblem(name: string): string | null {
  const n = name.trim();
  if (!n) return t('a.records.nameEmpty');
  if ([...n].length > 100) return t('a.records.nameLong');
  if (n.includes('/')) return t('a.records.nameSlash');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(n)) return t('a.records.nameControl');
  return null;
}

/** `メンバー 3 人・管理者 manager@…` as a group's line in the tree. */
export function groupFacts(g: { member_count: number; managers: readonly string[] }): string {
  const managers = g.managers.length ? g.managers.join(t('a.list.sep')) : t('a.common.none');
  return t('a.records.groupFacts', { n: g.member_count, managers });
}

// ---- trash ---------------------------------------------------------------------

const KIND_LABELS: Record<string, string> = {
  user: 'a.records.kind.user',
  group: 'a.records.kind.group',
  course: 'a.records.kind.course',
  video: 'a.records.kind.video',
};

/** `user` → `利用者`, `group` → `グループ`, `course` → `講座`, `video` → `動画`. */
export function kindLabel(kind: string): string {
  const key = KIND_LABELS[kind];
  return key ? t(key) : kind;
}

/** What the label of a trash item is, for the purge dialog's field. */
export function labelName(kind: string): string {
  if (kind === 'user') return t('a.field.email');
  if (kind === 'group') return t('a.records.groupPath');
  return t('a.reports.title');
}

/** What purging an item of `kind` does, in words (docs/records.md). */
export function purgeEffect(kind: string): string {
  switch (kind) {
    case 'user':
      return t('a.records.purge.user');
    case 'video':
      return t('a.records.purge.video');
    case 'group':
      return t('a.records.purge.group');
    case 'course':
      return t('a.records.purge.course');
    default:
      return t('a.records.purge.other');
  }
}

/** What restoring an item of `kind` brings back. */
export function restoreEffect(kind: string): string {
  switch (kind) {
    case 'user':
      return t('a.records.restore.user');
    case 'group':
      return t('a.records.restore.group');
    case 'course':
      return t('a.records.restore.course');
    case 'video':
      return t('a.records.restore.video');
    default:
      return t('a.records.restore.other');
  }
}

// ---- audit log -----------------------------------------------------------------

/** The action filter's choices: one action, or a family ending in `.`; the label is a message key. */
export const AUDIT_ACTIONS: readonly (readonly [string, string])[] = [
  ['', 'a.records.family.all'],
  ['login', 'a.records.family.login'],
  ['login_failed', 'a.records.family.login_failed'],
  ['logout', 'a.records.family.logout'],
  ['password.', 'a.records.family.password'],
  ['user.', 'a.records.family.user'],
  ['group.', 'a.records.family.group'],
  ['import.', 'a.records.family.import'],
  ['export', 'a.records.family.export'],
  ['notice.', 'a.records.family.notice'],
  ['course.', 'a.records.family.course'],
  ['video.', 'a.records.family.video'],
  ['assignment.', 'a.records.family.assignment'],
  ['backup.', 'a.records.family.backup'],
];

const ACTION_LABELS: Record<string, string> = {
  login: 'a.records.act.login',
  login_failed: 'a.records.act.login_failed',
  logout: 'a.records.act.logout',
  'password.change': 'a.records.act.password.change',
  'password.one_time': 'a.records.act.password.one_time',
  'user.create': 'a.records.act.user.create',
  'user.update': 'a.records.act.user.update',
  'group.create': 'a.records.act.group.create',
  'group.delete': 'a.records.act.group.delete',
  'group.member_add': 'a.records.act.group.member_add',
  'group.member_remove': 'a.records.act.group.member_remove',
  'group.manager_add': 'a.records.act.group.manager_add',
  'import.apply': 'a.records.act.import.apply',
  'import.undo': 'a.records.act.import.undo',
  export: 'a.records.act.export',
  'notice.create': 'a.records.act.notice.create',
  'notice.update': 'a.records.act.notice.update',
  'notice.delete': 'a.records.act.notice.delete',
  'course.create': 'a.records.act.course.create',
  'course.update': 'a.records.act.course.update',
  'course.publish': 'a.records.act.course.publish',
  'video.upload': 'a.records.act.video.upload',
  'video.cancel': 'a.records.act.video.cancel',
  'video.captions': 'a.records.act.video.captions',
  'assignment.create': 'a.records.act.assignment.create',
  'assignment.delete': 'a.records.act.assignment.delete',
  'backup.take': 'a.records.act.backup.take',
};

const TRASH_VERBS: Record<string, string> = {
  trash: 'a.records.verb.trash',
  restore: 'a.records.verb.restore',
  purge: 'a.records.verb.purge',
};

/** `group.create` → `グループの作成`; an unknown action stays as it is. */
export function auditActionLabel(action: string): string {
  const known = ACTION_LABELS[action];
  if (known) return t(known);
  const [kind = '', verb = ''] = action.split('.');
  const trashVerb = TRASH_VERBS[verb];
  const kindKey = KIND_LABELS[kind];
  if (kindKey && trashVerb) return t('a.records.kindVerb', { kind: t(kindKey), verb: t(trashVerb) });
  return action;
}

/** The audit log's filter. */
export interface AuditFilter {
  from?: string;
  to?: string;
  action?: string;
  /** The actor's id, resolved from the e-mail typed. */
  actor?: number | null;
  page?: number;
  perPage?: number;
}

export const AUDIT_PER_PAGE = 50;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** `GET /api/v1/audit`'s query string (without `?`). */
export function auditQuery(f: AuditFilter): string {
  const p = new URLSearchParams();
  if (f.from && DAY.test(f.from)) p.set('from', f.from);
  if (f.to && DAY.test(f.to)) p.set('to', f.to);
  if (f.action) p.set('action', f.action);
  if (f.actor !== undefined && f.actor !== null) p.set('actor', String(f.actor));
  p.set('page', String(Math.max(1, Math.floor(f.page ?? 1))));
  p.set('per_page', String(f.perPage ?? AUDIT_PER_PAGE));
  return p.toString();
}

/** Why the dates cannot be asked for, and which field (`null`: they can). */
export function auditDatesProblem(
  from: string,
  to: string,
): { field: 'from' | 'to'; message: string } | null {
  if (from && !DAY.test(from)) return { field: 'from', message: t('a.records.fromForm') };
  if (to && !DAY.test(to)) return { field: 'to', message: t('a.records.toForm') };
  if (from && to && from > to) return { field: 'to', message: t('a.records.toBefore') };
  return null;
}

/**
 * `2026-04-01T09:05:07+09:00` (the API's `at_local`, already in the
 * service's timezone) → `2026/04/01 09:05:07`; `''` when unreadable.
 */
export function localTime(atLocal: string | null | undefined): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?/.exec(atLocal ?? '');
  if (!m) return '';
  return `${m[1]}/${m[2]}/${m[3]} ${m[4]}:${m[5]}:${m[6] ?? '00'}`;
}

/** The time column's heading: Japan time by name, another zone as it is. */
export function timeHeading(timezone: string | undefined): string {
  return !timezone || timezone === 'Asia/Tokyo' ? t('a.records.timeJapan') : t('a.records.timeIn', { tz: timezone });
}

/** `user:12` → `利用者 #12`, `group:3` → `グループ #3`; anything else as it is. */
export function targetLabel(target: string): string {
  const m = /^([a-z_]+):(\d+)$/.exec(target);
  const kindKey = m?.[1] ? KIND_LABELS[m[1]] : undefined;
  if (m && kindKey) return t('a.records.target', { kind: t(kindKey), id: m[2] ?? '' });
  if (m && m[1] === 'import') return t('a.records.target', { kind: t('a.nav.import'), id: m[2] ?? '' });
  if (m && m[1] === 'notice') return t('a.records.target', { kind: t('a.records.notice'), id: m[2] ?? '' });
  return target;
}

const DETAIL_LABELS: Record<string, string> = {
  user_id: 'a.records.detail.user_id',
  parent_id: 'a.records.detail.parent_id',
  title: t('a.reports.title'),
  label: 'a.records.detail.label',
  file: 'a.records.detail.file',
  encoding: 'a.records.detail.encoding',
  rows: 'a.records.detail.rows',
  kind: 'a.records.detail.kind',
  import: 'a.records.detail.import',
  via: 'a.records.detail.via',
  body: 'a.records.detail.body',
  starts_at: 'a.records.detail.starts_at',
  ends_at: 'a.records.detail.ends_at',
  urgent: 'a.records.detail.urgent',
  reason: 'a.records.detail.reason',
};

const DETAIL_VALUES: Record<string, string> = {
  // Why an item left the trash for good (`*.purge`).
  confirmed: 'a.records.reason.confirmed',
  retention: 'a.records.reason.retention',
};

/** A detail's key in the language in force; an unknown one as fieldLabel words it. */
const detailKeyLabel = (key: string): string => {
  const k = DETAIL_LABELS[key];
  return k ? t(k) : fieldLabel(key);
};

/** A detail's key in words; a group's `name` is its group name, not a person's. */
const detailLabel = (key: string, action: string): string =>
  key === 'name' && action.startsWith('group.') ? t('a.records.groupName') : detailKeyLabel(key);

/** A detail value in words: lists with `、`, objects as `key: value` pairs. */
export function detailValue(key: string, value: unknown): string {
  if (value === null || value === undefined) return t('a.assign.none');
  if (value === '') return t('a.labels.blank');
  if (typeof value === 'boolean') return value ? t('a.records.yes') : t('a.records.no');
  if (key === 'role' && typeof value === 'string') return roleLabel(value);
  if (key === 'status' && typeof value === 'string') return statusLabel(value);
  if (key === 'reason' && typeof value === 'string') return DETAIL_VALUES[value] ? t(DETAIL_VALUES[value]) : value;
  if (typeof value === 'string') return fieldValue(key, value);
  if (Array.isArray(value)) {
    return value.length ? value.map((v) => detailValue('', v)).join(t('a.list.sep')) : t('a.assign.none');
  }
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${detailValue(k, v)}`)
      .join(t('a.list.sep'));
  }
  return String(value);
}

/** One line of an entry's details: `氏名: 区役 二葉 → 区役 二葉子` or `ファイル: users.csv`. */
export interface DetailLine {
  label: string;
  /** Only for a change: the value before. */
  from?: string;
  to: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * An entry's `detail` as lines: with `before` and `after`, the fields that
 * changed (before → after); with `after` alone (a creation) its fields, with
 * `before` alone (a deletion) its fields marked 削除前; the other keys as
 * they are.
 */
export function detailLines(detail: unknown, action = ''): DetailLine[] {
  if (detail === null || detail === undefined) return [];
  if (!isRecord(detail)) return [{ label: t('a.records.content'), to: detailValue('', detail) }];
  const lines: DetailLine[] = [];
  const before = isRecord(detail.before) ? detail.before : null;
  const after = isRecord(detail.after) ? detail.after : null;
  for (const [key, value] of Object.entries(detail)) {
    if ((key === 'before' && before) || (key === 'after' && after)) continue;
    lines.push({ label: detailLabel(key, action), to: detailValue(key, value) });
  }
  if (before && after) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    for (const key of keys) {
      if (JSON.stringify(before[key]) === JSON.stringify(after[key])) continue;
      lines.push({
        label: detailLabel(key, action),
        from: detailValue(key, before[key]),
        to: detailValue(key, after[key]),
      });
    }
    if (keys.every((k) => JSON.stringify(before[k]) === JSON.stringify(after[k]))) {
      lines.push({ label: t('a.records.change'), to: t('a.records.noChange') });
    }
  } else if (before || after) {
    // A creation shows what was made; a deletion what there was before.
    const side = (before ?? after) as Record<string, unknown>;
    for (const [key, value] of Object.entries(side)) {
      const label = detailLabel(key, action);
      lines.push({ label: before ? t('a.records.beforeDeletion', { label }) : label, to: detailValue(key, value) });
    }
  }
  return lines;
}

/** A detail line as one string: `氏名: 前 → 後`. */
export function detailText(line: DetailLine): string {
  return line.from === undefined ? `${line.label}: ${line.to}` : `${line.label}: ${line.from} → ${line.to}`;
}

// ---- exports ---------------------------------------------------------------------

export type ExportEncoding = 'utf8' | 'shift_jis';

export interface ExportFile {
  file: string;
  title: string;
  description: string;
  /** The first line of the file, or what is inside. */
  columns: string;
}

/** The files of `GET /api/v1/export/{file}`, in the page's order. */
export const EXPORT_FILES: readonly ExportFile[] = [
  {
    file: 'users.csv',
    get title() {
      return t('a.records.file.users');
    },
    get description() {
      return t('a.records.file.users.about');
    },
    columns: 'email,name,role,status,groups,remarks',
  },
  {
    file: 'groups.csv',
    get title() {
      return t('a.records.file.groups');
    },
    get description() {
      return t('a.records.file.groups.about');
    },
    columns: 'id,path,name,parent_id,managers,members,created_at',
  },
  {
    file: 'memberships.csv',
    get title() {
      return t('a.records.file.memberships');
    },
    get description() {
      return t('a.records.file.memberships.about');
    },
    columns: 'group_id,group_path,email,name',
  },
  {
    file: 'courses.csv',
    get title() {
      return t('a.records.file.courses');
    },
    get description() {
      return t('a.records.file.courses.about');
    },
    columns: 'id,category,title,status,lessons,video_ids,created_at,published_at',
  },
  {
    file: 'videos.csv',
    get title() {
      return t('a.records.file.videos');
    },
    get description() {
      return t('a.records.file.videos.about');
    },
    columns: 'id,title,status,duration_s,size_bytes,uploaded_by,captions,in_trash,created_at',
  },
  {
    file: 'assignments.csv',
    get title() {
      return t('a.records.file.assignments');
    },
    get description() {
      return t('a.records.file.assignments.about');
    },
    columns: 'id,course_id,course_title,due_on,note,groups,users,created_by,created_at',
  },
  {
    file: 'notices.csv',
    get title() {
      return t('a.records.file.notices');
    },
    get description() {
      return t('a.records.file.notices.about');
    },
    columns: 'id,kind,title,body,starts_at,ends_at,urgent,created_at',
  },
  {
    file: 'viewing.csv',
    get title() {
      return t('a.records.file.viewing');
    },
    get description() {
      return t('a.records.file.viewing.about');
    },
    columns: 'day,email,name,video_id,video_title,seconds',
  },
  {
    file: 'audit.csv',
    get title() {
      return t('a.records.file.audit');
    },
    get description() {
      return t('a.records.file.audit.about');
    },
    columns: 'id,at,at_utc,actor_email,action,target,detail,client,request_id',
  },
  {
    file: 'all.zip',
    get title() {
      return t('a.records.file.all');
    },
    get description() {
      return t('a.records.file.all.about');
    },
    get columns() {
      return t('a.records.file.all.columns');
    },
  },
];

/** The download's path; UTF-8 (with BOM) is the server's default. */
export function exportPath(file: string, encoding: ExportEncoding): string {
  const path = `/api/v1/export/${encodeURIComponent(file)}`;
  return encoding === 'shift_jis' ? `${path}?encoding=shift_jis` : path;
}

/** The saved file's name: `manabi-users.csv`, `manabi-users-sjis.csv`. */
export function exportFileName(file: string, encoding: ExportEncoding): string {
  if (encoding !== 'shift_jis') return `manabi-${file}`;
  const dot = file.lastIndexOf('.');
  return `manabi-${file.slice(0, dot)}-sjis${file.slice(dot)}`;
}

/** One character Shift_JIS cannot hold, ready to show. */
export interface UnmappableRow {
  file: string;
  row: string;
  column: string;
  character: string;
}

/** The `details` of a 422 `unmappable_characters`, checked (none: not that refusal). */
export function unmappableRows(details: unknown): UnmappableRow[] {
  if (!Array.isArray(details)) return [];
  return details.filter(isRecord).map((d) => {
    const ch = typeof d.character === 'string' ? d.character : '';
    const cp = typeof d.codepoint === 'string' ? d.codepoint : '';
    return {
      file: String(d.file ?? ''),
      row: d.row === undefined || d.row === null ? '' : t('a.records.rowN', { n: String(d.row) }),
      column: d.column === undefined || d.column === null ? '' : t('a.records.columnN', { n: String(d.column) }),
      character: cp ? t('a.records.char', { ch, cp }) : ch,
    };
  });
}

/** `契約 100 ID のうち 6 ID を使用中（残り 94）` or the excess. */
export function seatsText(s: { licensed: number; active: number }): string {
  const rest = s.licensed - s.active;
  return rest >= 0
    ? t('a.records.seats', { licensed: s.licensed, active: s.active, rest })
    : t('a.records.seatsOver', { licensed: s.licensed, active: s.active, over: -rest });
}
