/**
 * The catalog's JSON API as the learner pages use it (API.md).
 *
 * Every request is same-origin with the session cookie; unsafe requests
 * carry `X-CSRF-Token`. Errors arrive as `{"error":{"code","message"}}` and
 * become {@link ApiError} with a fallback message (Japanese, or English
 * when switched) when the server gave none.
 */
import { t } from './messages';

export interface User {
  id: string | number;
  email: string;
  name: string;
  role: string;
  /** Logged in with a one-time password: only the password change is open. */
  must_change_password?: boolean;
  [key: string]: unknown;
}

export interface SessionResponse {
  user: User;
  csrf_token: string;
  /** The login ends after this many seconds without a request (absent: unknown). */
  idle_timeout_s?: number;
}

export interface Category {
  id: string | number;
  slug: string;
  name: string;
  name_en?: string;
  course_count: number;
}

export interface CourseSummary {
  id: string | number;
  title: string;
  description: string;
  category_id: string | number | null;
  category_name: string | null;
  status: 'published' | 'draft' | string;
  lesson_count: number;
  /** RFC 3339; null while never published. */
  published_at?: string | null;
}

/** The logged-in user's progress in one video. */
export interface Progress {
  /** Share of the video played at least once, 0..1. */
  coverage: number;
  completed: boolean;
  /** Where playing it again starts (0 near the end). */
  position_s: number;
  /** RFC 3339. */
  last_viewed_at: string;
}

export interface Lesson {
  id: string | number;
  title: string;
  position: number;
  video_id: string | number | null;
  duration_s: number | null;
  /** The logged-in user's progress; null when never played. */
  progress?: Progress | null;
}

/** One assigned course of `GET /api/v1/me/assignments` (必修研修). */
export interface MyAssignment {
  id: number;
  course_id: string | number;
  course_title: string;
  /** `YYYY-MM-DD` (the service's timezone), or null. */
  due_on: string | null;
  note: string;
  status: 'not_started' | 'in_progress' | 'completed' | 'overdue' | string;
  completed_lessons: number;
  lessons: number;
}

/** One video of `GET /api/v1/me/history` (視聴履歴), newest first. */
export interface HistoryItem extends Progress {
  video_id: string | number;
  course_id: string | number;
  course_title: string;
  lesson_id: string | number;
  lesson_title: string;
  duration_s: number | null;
  /** Viewing time credited to the user, whole seconds. */
  seconds: number;
}

export interface CourseDetail extends Omit<CourseSummary, 'lesson_count'> {
  lessons: Lesson[];
  /** Its assignments (必修研修; editors and admins): going back to draft hides it from their assignees. */
  assignment_count?: number;
}

export interface List<T> {
  items: T[];
  total: number;
  page?: number;
  per_page?: number;
}

export interface PlayResponse {
  session_id: string;
  master_url: string;
  max_bitrate_kbps: number;
  resume_position_s: number;
  /** The poster (表紙) beside the master playlist, under the same grant; null when none. */
  poster_url?: string | null;
}

/** `GET`/`PUT /api/v1/me/preferences`. */
export interface PlaybackPreferences {
  playback_rate: number;
  /** A caption language tag, or empty for captions off. */
  captions: string;
  /**
   * The interface language, `ja` or `en` (answered by servers that keep it;
   * a `PUT` without it keeps the stored one).
   */
  language?: string;
}

export interface HeartbeatResponse {
  max_bitrate_kbps: number;
  master_url?: string;
}

// ---- administration (admin, manager): users and CSV imports ----------------

export type Role = 'admin' | 'manager' | 'editor' | 'learner';
export type UserStatus = 'active' | 'disabled';

/** A user as `GET /api/v1/users` lists it. */
export interface AdminUser {
  id: number;
  email: string;
  name: string;
  role: Role | string;
  status: UserStatus | string;
  remarks: string;
  groups: string[];
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
  must_change_password?: boolean;
}

export type ImportAction = 'create' | 'update' | 'disable' | 'delete' | 'unchanged' | 'error';
export type ImportFormat = 'standard' | 'hr';
export type ImportMode = 'upsert' | 'sync';

export interface ImportSummary {
  create: number;
  update: number;
  disable: number;
  delete: number;
  unchanged: number;
  errors: number;
}

export interface ImportRow {
  /** The spreadsheet row (header = 1); null for users a sync disables. */
  row: number | null;
  action: ImportAction | string;
  email: string | null;
  /** field → [old, new] */
  changes: Record<string, [string, string]>;
  errors: { column: string; code: string; message: string }[];
}

export interface MassDisable {
  disable: number;
  active: number;
  max_share: number;
  confirmation_required: boolean;
}

export interface ImportPreview {
  id: number;
  status: 'preview' | 'applied' | 'undone' | 'expired' | string;
  format: ImportFormat | string;
  mode: ImportMode | string;
  encoding: string | null;
  encoding_label?: string | null;
  summary: ImportSummary;
  new_groups: string[];
  mass_disable?: MassDisable | null;
  rows: ImportRow[];
  created_at?: string;
}

export interface ImportApplied {
  id: number;
  status: 'applied';
  summary: ImportSummary;
  new_groups?: string[];
  applied_at: string;
  /** GET once for the created users' one-time passwords. */
  passwords_url: string | null;
  /** Invitation e-mails queued (SMTP configured), else null. */
  invitations?: number | null;
}

export interface ImportUndone {
  id: number;
  status: 'undone';
  restored: number;
  trashed: number;
  undone_at: string;
}

/** A group as filters list it. */
export interface GroupItem {
  id: number;
  name: string;
  path: string;
}

/** A group of the tree (部 → 課 → 係) as `GET /api/v1/groups` gives it. */
export interface Group extends GroupItem {
  parent_id: number | null;
  /** Direct members (not those of its sub-groups). */
  member_count: number;
  /** E-mails of its managers. */
  managers: string[];
  /** Assignments (必修研修) made to the group itself. */
  assignment_count?: number;
}

// ---- records (docs/records.md): trash, audit log, exports, seats -------------

export type TrashKind = 'user' | 'group' | 'course' | 'video';

/** `GET /api/v1/trash`. Times are RFC 3339 (UTC). */
export interface TrashList {
  items: {
    kind: TrashKind | string;
    id: number;
    /** E-mail, group path or title: what a purge must be confirmed with. */
    label: string;
    deleted_at: string;
    /** Who deleted it (null: unknown, e.g. a CSV import). */
    deleted_by: number | null;
    purge_after: string;
  }[];
  total: number;
  retention_days: number;
}

export type TrashItem = TrashList['items'][number];

/** One entry of `GET /api/v1/audit`. */
export interface AuditEntry {
  id: number;
  /** RFC 3339, UTC. */
  at: string;
  /** The same instant in the service's timezone, `2026-04-01T09:00:00+09:00`. */
  at_local: string;
  actor_id: number | null;
  actor_email: string;
  action: string;
  target: string;
  /** Before → after for changes, counts, digests. */
  detail: unknown;
  client: string;
  request_id: string;
}

export interface AuditPage extends List<AuditEntry> {
  /** The service's timezone, e.g. `Asia/Tokyo`. */
  timezone?: string;
}

/** `GET /api/v1/seats`. */
export interface Seats {
  licensed: number;
  active: number;
  over: boolean;
  /** A Japanese warning when over. */
  warning: string | null;
  days: { day: string; active: number; licensed: number }[];
}

/** One character Shift_JIS cannot hold (`details` of 422 `unmappable_characters`). */
export interface Unmappable {
  file: string;
  row: number;
  /** A spreadsheet column letter, `B`. */
  column: string;
  character: string;
  codepoint: string;
  message: string;
}

/** `GET /api/v1/reports/viewing` (API.md). */
export interface ViewingReport {
  from: string;
  to: string;
  granularity: 'day' | 'week' | 'month';
  periods: string[];
  rows: { user_id: number; email: string; name: string; seconds: number[]; total_seconds: number }[];
  totals: { seconds: number[]; total_seconds: number };
}

/** `GET /api/v1/reports/contents` (API.md), the part the page shows. */
export interface ContentsReport {
  from: string;
  to: string;
  contents: {
    video_id: number;
    title: string;
    viewers: number;
    total_seconds: number;
    completions: number;
    completion_rate: number;
  }[];
  /** Per user who watched something in the period (in the caller's reach). */
  users: UserWatched[];
}

/** One user's videos in the contents report (`users[]`). */
export interface UserWatched {
  user_id: number;
  email: string;
  /** Sent by the catalog beside the shape API.md lists; '' when unset. */
  name: string;
  watched: {
    video_id: number;
    /** `講座 ― 回`, or the video's own title when no course holds it. */
    title: string;
    /** Viewing time in the period, whole seconds. */
    seconds: number;
    /** Share of the video ever played, 0..1. */
    coverage: number;
    completed: boolean;
    /** Last heartbeat with played media (UTC, RFC 3339), null when none. */
    last_viewed_at: string | null;
  }[];
}

// ---- assignments (必修研修の割り当て; admin, manager) -----------------------------

/** An assignment as `GET /api/v1/assignments` lists it. */
export interface Assignment {
  id: number;
  course_id: number;
  course_title: string;
  /** `YYYY-MM-DD`, the last day (the service's timezone). */
  due_on: string;
  note: string;
  /** Groups assigned (their sub-groups' members too). */
  group_ids: number[];
  /** Users assigned one by one. */
  user_ids: number[];
  /** Who made it: admins delete any, a manager only those it made. */
  created_by: number | null;
  /** RFC 3339. */
  created_at: string;
  /** The course's status: assignees cannot open a course taken back to `draft`. */
  course_status?: 'published' | 'draft' | string;
}

/** What `POST /api/v1/assignments` takes. */
export interface NewAssignment {
  course_id: number;
  due_on: string;
  group_ids: number[];
  user_ids: number[];
  note: string;
}

/** One assignee's progress (`GET /api/v1/assignments/{id}`). */
export interface AssigneeProgress {
  user_id: number;
  email: string;
  name: string;
  completed_lessons: number;
  lessons: number;
  status: 'not_started' | 'in_progress' | 'completed' | 'overdue' | string;
  /** When the last lesson was completed (finished assignees), RFC 3339. */
  completed_at: string | null;
}

/** An assignment with its assignees' progress (within the caller's scope). */
export interface AssignmentReport extends Assignment {
  assignees: AssigneeProgress[];
  /** Count per status (statuses nobody is in are absent). */
  summary: Record<string, number>;
}

/** A new user (`POST /api/v1/users`; managers: learners in their groups only). */
export interface NewUser {
  email: string;
  name: string;
  role: Role;
  remarks: string;
  groups: number[];
}

// ---- settings (設定; admin, read-only) ------------------------------------------

/** One network site with its bandwidth budget (`[[network.sites]]`). */
export interface NetworkSite {
  name: string;
  cidrs: string[];
  /** Mbit/s; 0: unlimited. */
  budget_mbps: number;
}

/** One backup as `GET /api/v1/backups` lists it (and `POST` answers it). */
export interface BackupRecord {
  file: string;
  created_at: string;
  status: 'ok' | 'failed';
  size_bytes: number;
  sha256: string;
  counts: Record<string, number>;
  error: string | null;
  took_ms: number;
}

/** `GET /api/v1/backups` (admins). */
export interface BackupList {
  items: BackupRecord[];
  total: number;
  /** HH:MM in `timezone`; null: no daily backup. */
  daily_at: string | null;
  timezone: string;
  dir: string;
  last_ok_at: string | null;
  key_id: string;
}

/** `GET /api/v1/settings`: the configuration file's values the admin may see. */
export interface ServiceSettings {
  timezone: string;
  licensed_seats: number;
  session_idle_minutes: number;
  /** Share of a video to play for 修了, 0..1. */
  completion_coverage: number;
  trash_retention_days: number;
  maintenance_notice_days: number;
  network: {
    default_site: string;
    /** Mbit/s; 0: unlimited. */
    default_budget_mbps: number;
    viewer_idle_seconds: number;
    trusted_proxies: string[];
    sites: NetworkSite[];
  };
}

// ---- notices (お知らせ; docs/notices.md) -------------------------------------

export type NoticeKind = 'incident' | 'maintenance';

/** An incident or maintenance notice as `GET /api/v1/notices` lists it. */
export interface Notice {
  id: number;
  kind: NoticeKind | string;
  title: string;
  body: string;
  /** RFC 3339 (UTC). */
  starts_at: string;
  /** RFC 3339; null: until an admin ends it (incidents). */
  ends_at: string | null;
  urgent: boolean;
  /** `starts_at` in the service's timezone (Japan), `2026-04-01 09:00`. */
  starts_at_local: string;
  ends_at_local: string | null;
  /** It applies now. */
  active: boolean;
  updated_at: string;
}

/** What an admin sends (POST: kind and title required; PATCH: any subset). */
export interface NoticeDraft {
  kind?: NoticeKind;
  title?: string;
  body?: string;
  /** RFC 3339 with an offset; default now. */
  starts_at?: string;
  /** RFC 3339 with an offset; `""` clears it (incidents). */
  ends_at?: string;
  urgent?: boolean;
}

// ---- course authoring (editor, admin) -------------------------------------------

/** A lesson as a course is written: its title and the video it plays. */
export interface LessonDraft {
  title: string;
  video_id: number;
}

/** `POST /api/v1/courses` (a draft) and `PATCH /api/v1/courses/{id}` (any subset). */
export interface CourseDraft {
  category_id?: number;
  title?: string;
  description?: string;
  /** The whole new lesson list, in order (replaces the old one). */
  lessons?: LessonDraft[];
}

/** `GET /api/v1/videos/{id}`: an uploaded video and its processing. */
export interface VideoInfo {
  id: number;
  title: string;
  status: 'queued' | 'processing' | 'ready' | 'failed' | string;
  /** 0..1 */
  progress: number;
  duration_s: number | null;
  error: string | null;
  size_bytes?: number;
  captions?: { lang: string; name: string; cues: number; updated_at: string }[];
  /** The poster's file: `poster.jpg` (drawn from the video), `poster-{hex}.jpg` (an editor's), or null. */
  poster?: string | null;
}

/** `PUT /api/v1/videos/{id}/poster`: the poster made of the editor's picture. */
export interface PosterSet {
  poster: string;
  width: number;
  height: number;
}

/** The message for a status when the server gave none (Japanese, or English when switched). */
export function fallbackMessage(status: number): string {
  if (status === 0) return t('error.network');
  if ([401, 403, 404, 429, 503].includes(status)) return t(`error.${status}`);
  return t('error.generic');
}

/**
 * A failed request: HTTP status (0 = network), error code, message, the
 * body's `details` and, when the server said, how many seconds to wait
 * before trying again (`Retry-After`).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly retryAfterS?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let maintenanceListener: (() => void) | null = null;

/**
 * Called whenever a request is refused with code `maintenance` (a change
 * during a maintenance window), so the notices banner can show the window.
 */
export function onMaintenance(listener: (() => void) | null): void {
  maintenanceListener = listener;
}

let answeredListener: ((sentAt: number) => void) | null = null;

/**
 * Called with the time each request was sent whenever the server answered
 * it other than 401: the request restarted the login's idle clock
 * (idle-warning.ts).
 */
export function onAnswered(listener: ((sentAt: number) => void) | null): void {
  answeredListener = listener;
}

const CSRF_KEY = 'manabi.csrf';
let csrfToken: string | null = null;

/** The CSRF token of the current login, if any. */
export function getCsrf(): string | null {
  if (csrfToken === null) {
    try {
      csrfToken = sessionStorage.getItem(CSRF_KEY);
    } catch {
      /* storage disabled: memory only */
    }
  }
  return csrfToken;
}

/** Remembers (or with null forgets) the CSRF token. */
export function setCsrf(token: string | null): void {
  csrfToken = token;
  try {
    if (token === null) sessionStorage.removeItem(CSRF_KEY);
    else sessionStorage.setItem(CSRF_KEY, token);
  } catch {
    /* storage disabled: memory only */
  }
}

export interface RequestOptions {
  body?: unknown;
  /** A raw body sent as is (a file upload), with its content type. */
  raw?: { data: Blob; type: string };
  /** `'blob'`: resolve with the response body as a Blob (a download). */
  as?: 'json' | 'blob';
  /** The media type asked for (default JSON), e.g. `text/csv` for a report as CSV. */
  accept?: string;
  /** `fetch` keepalive, for the last heartbeat when leaving a page. */
  keepalive?: boolean;
}

/** One JSON request; resolves with the parsed body or throws ApiError. */
export async function request<T>(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  opts: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: opts.accept ?? 'application/json' };
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  if (opts.raw) headers['Content-Type'] = opts.raw.type;
  const token = getCsrf();
  if (method !== 'GET' && token) headers['X-CSRF-Token'] = token;
  let res: Response;
  const sentAt = Date.now();
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: opts.raw ? opts.raw.data : opts.body === undefined ? undefined : JSON.stringify(opts.body),
      keepalive: opts.keepalive,
    });
  } catch {
    throw new ApiError(0, 'network', fallbackMessage(0));
  }
  if (res.status !== 401) answeredListener?.(sentAt);
  if (res.ok && opts.as === 'blob') {
    try {
      return (await res.blob()) as T;
    } catch {
      throw new ApiError(0, 'network', fallbackMessage(0));
    }
  }
  const text = await res.text().catch(() => '');
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!res.ok) {
    const err = (data as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)
      ?.error;
    const code = typeof err?.code === 'string' ? err.code : `http_${res.status}`;
    const message =
      typeof err?.message === 'string' && err.message ? err.message : fallbackMessage(res.status);
    if (code === 'maintenance') maintenanceListener?.();
    // Seconds, as the API sends it (RFC 9110 also allows a date: not used here).
    const retry = res.headers.get('Retry-After')?.trim() ?? '';
    throw new ApiError(res.status, code, message, err?.details, /^\d+$/.test(retry) ? Number(retry) : undefined);
  }
  return data as T;
}

const enc = encodeURIComponent;

export const api = {
  getSession: () => request<SessionResponse>('GET', '/api/v1/session'),
  login: (email: string, password: string) =>
    request<SessionResponse>('POST', '/api/v1/session', { body: { email, password } }),
  logout: () => request<unknown>('DELETE', '/api/v1/session'),
  changePassword: (current_password: string, new_password: string) =>
    request<unknown>('POST', '/api/v1/session/password', {
      body: { current_password, new_password },
    }),
  categories: () => request<List<Category>>('GET', '/api/v1/categories'),
  /** Published courses (editors: drafts too), of one domain (slug or id) or matching `q`. */
  courses: (filter: { category?: string; q?: string } = {}) => {
    const query = new URLSearchParams({ per_page: '500' });
    if (filter.category) query.set('category', filter.category);
    if (filter.q) query.set('q', filter.q);
    return request<List<CourseSummary>>('GET', `/api/v1/courses?${query.toString()}`);
  },
  /** What is assigned to me (必修研修), due soonest first. */
  myAssignments: () => request<List<MyAssignment>>('GET', '/api/v1/me/assignments'),
  /** My viewing history, newest first. */
  history: (opts: { status?: 'in_progress' | 'completed'; page?: number; perPage?: number } = {}) => {
    const query = new URLSearchParams();
    if (opts.status) query.set('status', opts.status);
    if (opts.page) query.set('page', String(opts.page));
    if (opts.perPage) query.set('per_page', String(opts.perPage));
    return request<List<HistoryItem>>('GET', `/api/v1/me/history?${query.toString()}`);
  },
  course: (id: string) => request<CourseDetail>('GET', `/api/v1/courses/${enc(id)}`),
  play: (videoId: string | number) =>
    request<PlayResponse>('POST', `/api/v1/videos/${enc(String(videoId))}/play`, { body: {} }),
  /** `query`: `q=&status=&role=&page=&per_page=` (admin/labels.ts builds it). */
  users: (query: string) => request<List<AdminUser>>('GET', `/api/v1/users${query ? `?${query}` : ''}`),
  setUserStatus: (id: number, status: UserStatus) =>
    request<AdminUser>('PATCH', `/api/v1/users/${enc(String(id))}`, { body: { status } }),
  issuePassword: (id: number) =>
    request<{ one_time_password: string }>('POST', `/api/v1/users/${enc(String(id))}/password`, {
      body: {},
    }),
  /** A user without a password (a one-time password is issued separately). */
  createUser: (user: NewUser) => request<AdminUser>('POST', '/api/v1/users', { body: user }),
  /** Changes a user's role (admins); its logins end. */
  setUserRole: (id: number, role: Role) =>
    request<AdminUser>('PATCH', `/api/v1/users/${enc(String(id))}`, { body: { role } }),
  /** Every assignment in reach, newest first. */
  assignments: () => request<List<Assignment>>('GET', '/api/v1/assignments'),
  createAssignment: (a: NewAssignment) =>
    request<Assignment>('POST', '/api/v1/assignments', { body: a }),
  /** The assignees' progress; `overdue`: only those past the due day unfinished. */
  assignment: (id: number, overdue = false) =>
    request<AssignmentReport>(
      'GET',
      `/api/v1/assignments/${enc(String(id))}${overdue ? '?status=overdue' : ''}`,
    ),
  /** Learning records stay; the assignees no longer see it. */
  deleteAssignment: (id: number) => request<unknown>('DELETE', `/api/v1/assignments/${enc(String(id))}`),
  /** The configuration (admins; read-only). */
  settings: () => request<ServiceSettings>('GET', '/api/v1/settings'),
  /** The newest backups (admins). */
  backups: () => request<BackupList>('GET', '/api/v1/backups'),
  /** A backup now; answers once it is written and verified (admins). */
  takeBackup: () => request<BackupRecord>('POST', '/api/v1/backups', { body: {} }),
  previewImport: (file: Blob, format: ImportFormat, mode: ImportMode) =>
    request<ImportPreview>('POST', `/api/v1/imports?format=${enc(format)}&mode=${enc(mode)}`, {
      raw: { data: file, type: 'text/csv' },
    }),
  applyImport: (id: number, confirmMassDisable = false) =>
    request<ImportApplied>('POST', `/api/v1/imports/${enc(String(id))}/apply`, {
      body: confirmMassDisable ? { confirm_mass_disable: true } : {},
    }),
  undoImport: (id: number) =>
    request<ImportUndone>('POST', `/api/v1/imports/${enc(String(id))}/undo`, { body: {} }),
  /**
   * A same-origin download (`/api/…` only), e.g. an import's passwords_url,
   * or a report as CSV with `accept` `text/csv`.
   */
  download: (path: string, accept?: string) => {
    if (!path.startsWith('/api/')) {
      return Promise.reject(new ApiError(400, 'bad_url', fallbackMessage(400)));
    }
    return request<Blob>('GET', path, { as: 'blob', accept });
  },
  /** Every group in reach (admins: all; managers: theirs and below), ordered by path. */
  groups: () => request<List<Group>>('GET', '/api/v1/groups?per_page=500'),
  user: (id: number) => request<AdminUser>('GET', `/api/v1/users/${id}`),
  createGroup: (name: string, parent_id: number | null) =>
    request<Group>('POST', '/api/v1/groups', { body: { name, parent_id } }),
  /** Moves a group with its sub-groups, members and managers to the trash (admins). */
  trashGroup: (id: number) => request<unknown>('DELETE', `/api/v1/groups/${id}`),
  groupMembers: (id: number) => request<List<AdminUser>>('GET', `/api/v1/groups/${id}/members`),
  addMember: (id: number, user_id: number) =>
    request<unknown>('POST', `/api/v1/groups/${id}/members`, { body: { user_id } }),
  removeMember: (id: number, userId: number) =>
    request<unknown>('DELETE', `/api/v1/groups/${id}/members/${userId}`),
  /** Admins: a user with the manager role manages the group and its sub-groups. */
  addManager: (id: number, user_id: number) =>
    request<unknown>('POST', `/api/v1/groups/${id}/managers`, { body: { user_id } }),
  trash: () => request<TrashList>('GET', '/api/v1/trash'),
  restore: (kind: string, id: number) =>
    request<unknown>('POST', `/api/v1/trash/${enc(kind)}/${id}/restore`, { body: {} }),
  /** Purges at once; `confirm` is the item's label, typed. */
  purge: (kind: string, id: number, confirm: string) =>
    request<unknown>('DELETE', `/api/v1/trash/${enc(kind)}/${id}`, { body: { confirm } }),
  /** `query` from admin/records.ts's `auditQuery`. */
  audit: (query: string) => request<AuditPage>('GET', `/api/v1/audit?${query}`),
  seats: () => request<Seats>('GET', '/api/v1/seats'),
  /** `query` from admin/report-logic.ts's `reportQuery`. */
  viewingReport: (query: string) => request<ViewingReport>('GET', `/api/v1/reports/viewing${query}`),
  contentsReport: (query: string) =>
    request<ContentsReport>('GET', `/api/v1/reports/contents${query}`),
  /** Current and upcoming notices (everyone logged in). */
  notices: () => request<List<Notice>>('GET', '/api/v1/notices'),
  /** Every notice, ended ones too (admins). */
  allNotices: () => request<List<Notice>>('GET', '/api/v1/notices?all=true'),
  createNotice: (draft: NoticeDraft) =>
    request<Notice>('POST', '/api/v1/notices', { body: draft }),
  updateNotice: (id: number, draft: NoticeDraft) =>
    request<Notice>('PATCH', `/api/v1/notices/${enc(String(id))}`, { body: draft }),
  deleteNotice: (id: number) => request<unknown>('DELETE', `/api/v1/notices/${enc(String(id))}`),
  createCourse: (draft: CourseDraft) => request<CourseDetail>('POST', '/api/v1/courses', { body: draft }),
  updateCourse: (id: string | number, draft: CourseDraft) =>
    request<CourseDetail>('PATCH', `/api/v1/courses/${enc(String(id))}`, { body: draft }),
  /** 409 until every lesson's video is ready. */
  publishCourse: (id: string | number) =>
    request<CourseDetail>('POST', `/api/v1/courses/${enc(String(id))}/publish`, { body: {} }),
  /** Back to draft: learners no longer see it; their records stay. */
  unpublishCourse: (id: string | number) =>
    request<CourseDetail>('POST', `/api/v1/courses/${enc(String(id))}/unpublish`, { body: {} }),
  video: (id: string | number) => request<VideoInfo>('GET', `/api/v1/videos/${enc(String(id))}`),
  /** Takes the video's captions in `lang` away (from its playlists too). */
  deleteCaptions: (videoId: string | number, lang: string) =>
    request<unknown>('DELETE', `/api/v1/videos/${enc(String(videoId))}/captions/${enc(lang)}`),
  /** A WebVTT or SRT file (UTF-8 or Shift_JIS) as the video's captions in `lang`. */
  uploadCaptions: (videoId: string | number, lang: string, file: Blob) =>
    request<{ lang: string; name: string; cues: number }>(
      'POST',
      `/api/v1/videos/${enc(String(videoId))}/captions?lang=${enc(lang)}`,
      { raw: { data: file, type: 'text/plain' } },
    ),
  /** The video's current poster, a JPEG (404: none). */
  poster: (videoId: string | number) =>
    request<Blob>('GET', `/api/v1/videos/${enc(String(videoId))}/poster`, { as: 'blob', accept: 'image/jpeg' }),
  /** A JPEG or PNG (at most 10 MiB) as the video's poster; the server shrinks and re-encodes it. */
  setPoster: (videoId: string | number, picture: Blob) =>
    request<PosterSet>('PUT', `/api/v1/videos/${enc(String(videoId))}/poster`, {
      raw: { data: picture, type: picture.type || 'application/octet-stream' },
    }),
  /** Back to the poster drawn from the video (the editor's picture is deleted). */
  resetPoster: (videoId: string | number) =>
    request<unknown>('DELETE', `/api/v1/videos/${enc(String(videoId))}/poster`),
  /** The user's playback speed, captions and interface language, the same on every device. */
  preferences: () => request<PlaybackPreferences>('GET', '/api/v1/me/preferences'),
  savePreferences: (prefs: PlaybackPreferences, keepalive = false) =>
    request<PlaybackPreferences>('PUT', '/api/v1/me/preferences', { body: prefs, keepalive }),
};
