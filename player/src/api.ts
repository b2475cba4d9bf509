/**
 * The catalog's JSON API as the learner pages use it (API.md).
 *
 * Every request is same-origin with the session cookie; unsafe requests
 * carry `X-CSRF-Token`. Errors arrive as `{"error":{"code","message"}}` and
 * become {@link ApiError} with a Japanese fallback message.
 */

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
}

export interface Lesson {
  id: string | number;
  title: string;
  position: number;
  video_id: string | number | null;
  duration_s: number | null;
}

export interface CourseDetail extends Omit<CourseSummary, 'lesson_count'> {
  lessons: Lesson[];
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

/** Japanese message for a status when the server gave none. */
export function fallbackMessage(status: number): string {
  if (status === 0) return 'サーバーに接続できませんでした。ネットワークを確認してください。';
  if (status === 401) return 'ログインしてください。';
  if (status === 403) return 'この操作を行う権限がありません。';
  if (status === 404) return '見つかりませんでした。';
  if (status === 429) return 'アクセスが集中しています。しばらくしてからもう一度お試しください。';
  if (status === 503) return 'サービスが一時的に利用できません。しばらくしてからもう一度お試しください。';
  return 'エラーが発生しました。時間をおいてもう一度お試しください。';
}

/** A failed request: HTTP status (0 = network), error code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
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
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  opts: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: opts.accept ?? 'application/json' };
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  if (opts.raw) headers['Content-Type'] = opts.raw.type;
  const token = getCsrf();
  if (method !== 'GET' && token) headers['X-CSRF-Token'] = token;
  let res: Response;
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
    const err = (data as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    const code = typeof err?.code === 'string' ? err.code : `http_${res.status}`;
    const message =
      typeof err?.message === 'string' && err.message ? err.message : fallbackMessage(res.status);
    if (code === 'maintenance') maintenanceListener?.();
    throw new ApiError(res.status, code, message);
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
  courses: () => request<List<CourseSummary>>('GET', '/api/v1/courses?per_page=500'),
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
  /** Every group in reach (for filters). */
  groups: () => request<List<GroupItem>>('GET', '/api/v1/groups?per_page=500'),
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
};
