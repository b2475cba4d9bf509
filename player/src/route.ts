/** Hash routes of the pages (pure). */

export type Route =
  | { name: 'login' }
  | { name: 'password' }
  | { name: 'courses' }
  | { name: 'course'; id: string }
  | { name: 'adminUsers' }
  | { name: 'adminImport' }
  | { name: 'adminReports' }
  | { name: 'adminNotices' }
  | { name: 'adminGroups' }
  | { name: 'adminTrash' }
  | { name: 'adminAudit' }
  | { name: 'adminExports' }
  | { name: 'notFound' };

/**
 * Parses `location.hash`: `#/login`, `#/password`, `#/` (or empty),
 * `#/courses/{id}`, and the administration pages `#/admin/users`, `#/admin/import`,
 * `#/admin/reports`, `#/admin/notices`, `#/admin/groups`, `#/admin/trash`,
 * `#/admin/audit`, `#/admin/exports`.
 */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/\?.*$/, '');
  if (path === '' || path === '/') return { name: 'courses' };
  if (path === '/login') return { name: 'login' };
  if (path === '/password') return { name: 'password' };
  if (path === '/admin/users' || path === '/admin/users/') return { name: 'adminUsers' };
  if (path === '/admin/import' || path === '/admin/import/') return { name: 'adminImport' };
  if (path === '/admin/reports' || path === '/admin/reports/') return { name: 'adminReports' };
  if (path === '/admin/notices' || path === '/admin/notices/') return { name: 'adminNotices' };
  if (path === '/admin/groups' || path === '/admin/groups/') return { name: 'adminGroups' };
  if (path === '/admin/trash' || path === '/admin/trash/') return { name: 'adminTrash' };
  if (path === '/admin/audit' || path === '/admin/audit/') return { name: 'adminAudit' };
  if (path === '/admin/exports' || path === '/admin/exports/') return { name: 'adminExports' };
  const m = /^\/courses\/([^/]+)\/?$/.exec(path);
  if (m && m[1]) {
    let id: string;
    try {
      id = decodeURIComponent(m[1]);
    } catch {
      return { name: 'notFound' };
    }
    return { name: 'course', id };
  }
  return { name: 'notFound' };
}

/** The hash of a course page. */
export function courseHref(id: string | number): string {
  return `#/courses/${encodeURIComponent(String(id))}`;
}
