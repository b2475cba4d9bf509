/** Hash routes of the learner pages (pure). */

export type Route =
  | { name: 'login' }
  | { name: 'password' }
  | { name: 'courses' }
  | { name: 'course'; id: string }
  | { name: 'notFound' };

/** Parses `location.hash`: `#/login`, `#/password`, `#/` (or empty), `#/courses/{id}`. */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/\?.*$/, '');
  if (path === '' || path === '/') return { name: 'courses' };
  if (path === '/login') return { name: 'login' };
  if (path === '/password') return { name: 'password' };
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
