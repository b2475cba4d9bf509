/** Hash routes of the pages and the addresses that lead to them (pure). */

export type Route =
  | { name: 'login' }
  | { name: 'password' }
  | { name: 'home' }
  | { name: 'domain'; slug: string }
  | { name: 'search'; q: string }
  /** `status`: only the videos in progress, or only the completed ones. */
  | { name: 'history'; page: number; status?: HistoryStatus }
  /** `lesson`: the lesson to offer first (from 続きから見る or the history). */
  | { name: 'course'; id: string; lesson?: string }
  /** 講座の編集 (editors, admins): the list, a new course, one course. */
  | { name: 'editorCourses' }
  | { name: 'editorNew' }
  | { name: 'editorCourse'; id: string }
  | { name: 'adminUsers' }
  | { name: 'adminImport' }
  | { name: 'adminReports' }
  | { name: 'adminNotices' }
  | { name: 'adminGroups' }
  | { name: 'adminTrash' }
  | { name: 'adminAudit' }
  | { name: 'adminExports' }
  | { name: 'adminAssignments' }
  | { name: 'adminSettings' }
  | { name: 'notFound' };

/** A part of the viewing history. */
export type HistoryStatus = 'in_progress' | 'completed';

/** The administration pages, `#/admin/{page}`. */
const ADMIN_ROUTES = {
  users: 'adminUsers',
  import: 'adminImport',
  reports: 'adminReports',
  notices: 'adminNotices',
  groups: 'adminGroups',
  trash: 'adminTrash',
  audit: 'adminAudit',
  exports: 'adminExports',
  assignments: 'adminAssignments',
  settings: 'adminSettings',
} as const;

/** A path segment decoded, or null when it is not valid percent-encoding. */
function segment(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/** A page number from the query (1 when missing or not a positive integer). */
function pageParam(query: URLSearchParams): number {
  const n = Number(query.get('page'));
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/**
 * Parses `location.hash`: `#/` (or empty) the home, `#/login`, `#/password`,
 * `#/domains/{slug}`, `#/search?q=`, `#/history?status=&page=`,
 * `#/courses/{id}?lesson=`, the course editor `#/editor`, `#/editor/new`,
 * `#/editor/courses/{id}`, and the administration pages `#/admin/users`,
 * `#/admin/import`, `#/admin/reports`, `#/admin/notices`, `#/admin/groups`,
 * `#/admin/trash`, `#/admin/audit`, `#/admin/exports`, `#/admin/assignments`, `#/admin/settings`. A trailing slash is
 * allowed; unknown query parameters are ignored.
 */
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const at = raw.indexOf('?');
  const path = (at < 0 ? raw : raw.slice(0, at)).replace(/(.)\/$/, '$1');
  const query = new URLSearchParams(at < 0 ? '' : raw.slice(at + 1));
  if (path === '' || path === '/') return { name: 'home' };
  if (path === '/login') return { name: 'login' };
  if (path === '/password') return { name: 'password' };
  if (path === '/search') return { name: 'search', q: (query.get('q') ?? '').trim() };
  if (path === '/history') {
    const status = query.get('status');
    const page = pageParam(query);
    return status === 'in_progress' || status === 'completed'
      ? { name: 'history', page, status }
      : { name: 'history', page };
  }
  if (path === '/editor') return { name: 'editorCourses' };
  if (path === '/editor/new') return { name: 'editorNew' };
  const edited = /^\/editor\/courses\/([^/]+)$/.exec(path)?.[1];
  if (edited) {
    const id = segment(edited);
    return id ? { name: 'editorCourse', id } : { name: 'notFound' };
  }
  const admin = /^\/admin\/([a-z]+)$/.exec(path)?.[1];
  if (admin && Object.prototype.hasOwnProperty.call(ADMIN_ROUTES, admin)) {
    return { name: ADMIN_ROUTES[admin as keyof typeof ADMIN_ROUTES] };
  }
  const domain = /^\/domains\/([^/]+)$/.exec(path)?.[1];
  if (domain) {
    const slug = segment(domain);
    return slug ? { name: 'domain', slug } : { name: 'notFound' };
  }
  const course = /^\/courses\/([^/]+)$/.exec(path)?.[1];
  if (course) {
    const id = segment(course);
    if (!id) return { name: 'notFound' };
    const lesson = query.get('lesson');
    return lesson ? { name: 'course', id, lesson } : { name: 'course', id };
  }
  return { name: 'notFound' };
}

/** The hash of a course page, optionally offering one of its lessons first. */
export function courseHref(id: string | number, lesson?: string | number): string {
  const base = `#/courses/${encodeURIComponent(String(id))}`;
  return lesson === undefined ? base : `${base}?lesson=${encodeURIComponent(String(lesson))}`;
}

/** The hash of a domain (分野) page; `key` is its slug or id. */
export function domainHref(key: string | number): string {
  return `#/domains/${encodeURIComponent(String(key))}`;
}

/** The hash of the search results for `q`. */
export function searchHref(q: string): string {
  return `#/search?${new URLSearchParams({ q: q.trim() }).toString()}`;
}

/** The hash of a page of the viewing history, all of it or one part (defaults left out). */
export function historyHref(page = 1, status?: HistoryStatus): string {
  const query = new URLSearchParams();
  if (status) query.set('status', status);
  if (page > 1) query.set('page', String(page));
  const q = query.toString();
  return q ? `#/history?${q}` : '#/history';
}
