/**
 * The words and numbers of グループ, ごみ箱, 監査ログ and データ出力 (pure,
 * Japanese; docs/records.md): the group tree, trash kinds and what a purge
 * erases, the audit log's filters, action labels, Japan times, targets and
 * before → after lines, the export files and the characters Shift_JIS
 * cannot hold. Unit-tested in tests/records.test.mjs; no DOM here.
 */
// `.js`: tests/records.test.mjs runs the unbundled dist-test/ output.
import { fieldLabel, fieldValue, roleLabel, statusLabel } from './labels.js';

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

/** `1〜100文字…` checked before asking the server (which checks again). */
export function groupNameProblem(name: string): string | null {
  const n = name.trim();
  if (!n) return 'グループ名を入力してください。';
  if ([...n].length > 100) return 'グループ名は100文字以内にしてください。';
  if (n.includes('/')) return 'グループ名に「/」は使えません（階層は親グループで選びます）。';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(n)) return 'グループ名に制御文字は使えません。';
  return null;
}

/** `メンバー 3 人・管理者 manager@…` as a group's line in the tree. */
export function groupFacts(g: { member_count: number; managers: readonly string[] }): string {
  const managers = g.managers.length ? g.managers.join('、') : 'なし';
  return `メンバー ${g.member_count} 人・管理者 ${managers}`;
}

// ---- trash ---------------------------------------------------------------------

const KIND_LABELS: Record<string, string> = {
  user: '利用者',
  group: 'グループ',
  course: '講座',
  video: '動画',
};

/** `user` → `利用者`, `group` → `グループ`, `course` → `講座`, `video` → `動画`. */
export function kindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? kind;
}

/** What the label of a trash item is, for the purge dialog's field. */
export function labelName(kind: string): string {
  if (kind === 'user') return 'メールアドレス';
  if (kind === 'group') return 'グループの階層名';
  return 'タイトル';
}

/** What purging an item of `kind` does, in words (docs/records.md). */
export function purgeEffect(kind: string): string {
  switch (kind) {
    case 'user':
      return 'メールアドレス・氏名・備考・パスワード・所属グループを消去します。視聴記録は、だれのものか分からない形で残ります。';
    case 'video':
      return '動画ファイルを削除します。視聴記録は残ります。';
    case 'group':
      return 'グループをその下のグループとともに削除します。所属していた利用者は削除されません。';
    case 'course':
      return '講座を削除します。動画と視聴記録は残ります。';
    default:
      return '削除します。';
  }
}

/** What restoring an item of `kind` brings back. */
export function restoreEffect(kind: string): string {
  switch (kind) {
    case 'user':
      return '所属グループと学習履歴もそのまま戻り、再びログインできるようになります。';
    case 'group':
      return '同じ場所に、その下のグループ・メンバー・管理者とともに戻ります。';
    case 'course':
      return '講座が戻ります（使っている動画がごみ箱にあるときは戻せません）。';
    case 'video':
      return '動画が戻り、再び再生できるようになります。';
    default:
      return '削除前の状態に戻ります。';
  }
}

// ---- audit log -----------------------------------------------------------------

/** The action filter's choices: one action, or a family ending in `.`. */
export const AUDIT_ACTIONS: readonly (readonly [string, string])[] = [
  ['', 'すべて'],
  ['login', 'ログイン'],
  ['login_failed', 'ログイン失敗'],
  ['logout', 'ログアウト'],
  ['password.', 'パスワード'],
  ['user.', '利用者'],
  ['group.', 'グループ'],
  ['import.', 'CSV取り込み'],
  ['export', 'データ出力'],
  ['notice.', 'お知らせ'],
  ['course.', '講座'],
  ['video.', '動画'],
  ['assignment.', '受講の割り当て'],
  ['backup.', 'バックアップ'],
];

const ACTION_LABELS: Record<string, string> = {
  login: 'ログイン',
  login_failed: 'ログイン失敗',
  logout: 'ログアウト',
  'password.change': 'パスワード変更',
  'password.one_time': '初期パスワードの発行',
  'user.create': '利用者の登録',
  'user.update': '利用者の変更',
  'group.create': 'グループの作成',
  'group.delete': 'グループの削除',
  'group.member_add': 'メンバーの追加',
  'group.member_remove': 'メンバーを外す',
  'group.manager_add': '管理者の指定',
  'import.apply': 'CSV取り込みの実行',
  'import.undo': 'CSV取り込みの取り消し',
  export: 'データ出力',
  'notice.create': 'お知らせの掲載',
  'notice.update': 'お知らせの変更',
  'notice.delete': 'お知らせの削除',
  'course.create': '講座の作成',
  'course.update': '講座の変更',
  'course.publish': '講座の公開',
  'video.upload': '動画の登録',
  'video.cancel': '変換の中止',
  'video.captions': '字幕の変更',
  'assignment.create': '受講の割り当て',
  'assignment.delete': '割り当ての削除',
  'backup.take': 'バックアップの取得',
};

const TRASH_VERBS: Record<string, string> = {
  trash: '削除（ごみ箱へ）',
  restore: '復元',
  purge: '完全削除',
};

/** `group.create` → `グループの作成`; an unknown action stays as it is. */
export function auditActionLabel(action: string): string {
  const known = ACTION_LABELS[action];
  if (known) return known;
  const [kind = '', verb = ''] = action.split('.');
  const trashVerb = TRASH_VERBS[verb];
  if (KIND_LABELS[kind] && trashVerb) return `${KIND_LABELS[kind]}の${trashVerb}`;
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
  if (from && !DAY.test(from)) return { field: 'from', message: '開始日は「2026-04-01」の形で入力してください。' };
  if (to && !DAY.test(to)) return { field: 'to', message: '終了日は「2026-04-30」の形で入力してください。' };
  if (from && to && from > to) return { field: 'to', message: '終了日は開始日以降にしてください。' };
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
  return !timezone || timezone === 'Asia/Tokyo' ? '日時（日本時間）' : `日時（${timezone}）`;
}

/** `user:12` → `利用者 #12`, `group:3` → `グループ #3`; anything else as it is. */
export function targetLabel(target: string): string {
  const m = /^([a-z_]+):(\d+)$/.exec(target);
  if (m && m[1] && KIND_LABELS[m[1]]) return `${KIND_LABELS[m[1]]} #${m[2]}`;
  if (m && m[1] === 'import') return `CSV取り込み #${m[2]}`;
  if (m && m[1] === 'notice') return `お知らせ #${m[2]}`;
  return target;
}

const DETAIL_LABELS: Record<string, string> = {
  user_id: '利用者ID',
  parent_id: '親グループID',
  title: 'タイトル',
  label: '名前',
  file: 'ファイル',
  encoding: '文字コード',
  rows: '行数',
  kind: '種類',
  import: '取り込みID',
  via: '経由',
  body: '本文',
  starts_at: '開始',
  ends_at: '終了',
  urgent: '緊急',
  reason: '理由',
};

const DETAIL_VALUES: Record<string, string> = {
  // Why an item left the trash for good (`*.purge`).
  confirmed: '管理者が名前を入力して完全に削除',
  retention: '保存期間が過ぎたため自動で削除',
};

/** A detail's key in Japanese; a group's `name` is its group name, not a person's. */
const detailLabel = (key: string, action: string): string =>
  key === 'name' && action.startsWith('group.') ? 'グループ名' : (DETAIL_LABELS[key] ?? fieldLabel(key));

/** A detail value in words: lists with `、`, objects as `key: value` pairs. */
export function detailValue(key: string, value: unknown): string {
  if (value === null || value === undefined) return '（なし）';
  if (value === '') return '（空欄）';
  if (typeof value === 'boolean') return value ? 'はい' : 'いいえ';
  if (key === 'role' && typeof value === 'string') return roleLabel(value);
  if (key === 'status' && typeof value === 'string') return statusLabel(value);
  if (key === 'reason' && typeof value === 'string') return DETAIL_VALUES[value] ?? value;
  if (typeof value === 'string') return fieldValue(key, value);
  if (Array.isArray(value)) {
    return value.length ? value.map((v) => detailValue('', v)).join('、') : '（なし）';
  }
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${detailValue(k, v)}`)
      .join('、');
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
  if (!isRecord(detail)) return [{ label: '内容', to: detailValue('', detail) }];
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
      lines.push({ label: '変更', to: '（変更なし）' });
    }
  } else if (before || after) {
    // A creation shows what was made; a deletion what there was before.
    const side = (before ?? after) as Record<string, unknown>;
    for (const [key, value] of Object.entries(side)) {
      const label = detailLabel(key, action);
      lines.push({ label: before ? `${label}（削除前）` : label, to: detailValue(key, value) });
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
    title: '利用者',
    description:
      '登録されている利用者の一覧です（ごみ箱の利用者は含みません）。CSV取り込みの標準形式と同じ列なので、Excel で直してそのまま取り込めます。',
    columns: 'email,name,role,status,groups,remarks',
  },
  {
    file: 'groups.csv',
    title: 'グループ',
    description: '部・課・係のグループの一覧です。階層名、親グループ、管理者、メンバー数が入ります。',
    columns: 'id,path,name,parent_id,managers,members,created_at',
  },
  {
    file: 'memberships.csv',
    title: '所属',
    description: 'だれがどのグループに所属しているかの一覧です（1行に1人・1グループ）。',
    columns: 'group_id,group_path,email,name',
  },
  {
    file: 'courses.csv',
    title: '講座',
    description: '講座の一覧です。分類、公開状態、レッスン数、使っている動画が入ります。',
    columns: 'id,category,title,status,lessons,video_ids,created_at,published_at',
  },
  {
    file: 'viewing.csv',
    title: '視聴記録',
    description: '日ごと・利用者ごと・動画ごとの視聴時間（秒）です。視聴レポートと同じ数え方です。',
    columns: 'day,email,name,video_id,video_title,seconds',
  },
  {
    file: 'audit.csv',
    title: '監査ログ',
    description: 'ログイン、変更、取り込み、データ出力などの記録すべてです（古い順）。',
    columns: 'id,at,at_utc,actor_email,action,target,detail,client,request_id',
  },
  {
    file: 'all.zip',
    title: 'すべて（ZIP）',
    description:
      '上の6つのファイルを同じ時点の内容でまとめ、各列の説明（README.txt）を添えた ZIP ファイルです。',
    columns: 'README.txt と上の6ファイル',
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
      row: d.row === undefined || d.row === null ? '' : `${String(d.row)} 行目`,
      column: d.column === undefined || d.column === null ? '' : `${String(d.column)} 列`,
      character: cp ? `${ch}（${cp}）` : ch,
    };
  });
}

/** `契約 100 ID のうち 6 ID を使用中（残り 94）` or the excess. */
export function seatsText(s: { licensed: number; active: number }): string {
  const rest = s.licensed - s.active;
  return rest >= 0
    ? `契約 ${s.licensed} ID のうち ${s.active} ID を使用中です（残り ${rest} ID）。`
    : `契約 ${s.licensed} ID に対して ${s.active} ID を使用中です（${-rest} ID 超過）。`;
}
