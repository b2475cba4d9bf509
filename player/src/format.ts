/** Display helpers and grouping for the learner pages (pure; words from messages.ts). */
import { serverMessage } from './i18n.js';
import { t } from './messages.js';

/** `75` → `1分15秒`, `3600` → `1時間0分`, unknown → `''`. */
export function formatDuration(seconds: number | null | undefined): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
    return '';
  }
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return t('dur.hm', { h, m });
  if (m > 0) return t('dur.ms', { m, s: sec });
  return t('dur.s', { s: sec });
}

/**
 * How long to wait before trying again (a `Retry-After` in seconds), in
 * whole minutes rounded up: `3508` → `約59分`, `30` → `約1分`, `5400` →
 * `約1時間30分`, `7200` → `約2時間`.
 */
export function waitText(seconds: number): string {
  const minutes = Math.max(1, Math.ceil((Number.isFinite(seconds) ? seconds : 0) / 60));
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return t('wait.m', { m });
  return m === 0 ? t('wait.h', { h }) : t('wait.hm', { h, m });
}

/**
 * What a refused request says: the server's message in the language in
 * force ({@link serverMessage}), or, after too many attempts, how long to
 * wait from `Retry-After`: 「試行回数が多すぎます。約59分後にもう一度お試しください。」.
 */
export function refusalText(code: string, message: string, retryAfterS?: number): string {
  if (code === 'rate_limited' && retryAfterS !== undefined) {
    return t('error.rateLimited', { wait: waitText(retryAfterS) });
  }
  return serverMessage(message);
}

/**
 * Where to start a lesson: the server's resume position, or the beginning
 * when it is missing or within the last 5 seconds (the lesson was finished).
 */
export function startPosition(
  resumeS: number | null | undefined,
  durationS: number | null | undefined,
): number {
  if (typeof resumeS !== 'number' || !Number.isFinite(resumeS) || resumeS <= 0) {
    return 0;
  }
  if (typeof durationS === 'number' && durationS > 0 && resumeS >= durationS - 5) {
    return 0;
  }
  return resumeS;
}

export interface CategoryLike {
  id: string | number;
  name: string;
}

export interface CourseLike {
  category_id: string | number | null;
  category_name?: string | null;
}

export interface CourseGroup<C> {
  id: string | number | null;
  name: string;
  courses: C[];
}

/**
 * Groups courses under their categories, in the categories' order; courses
 * of an unknown category follow under their own `category_name` (or
 * 「その他」). Categories without courses are left out.
 */
export function groupCourses<C extends CourseLike>(
  categories: readonly CategoryLike[],
  courses: readonly C[],
): CourseGroup<C>[] {
  const groups: CourseGroup<C>[] = categories.map((c) => ({
    id: c.id,
    name: c.name,
    courses: [],
  }));
  const byId = new Map<string, CourseGroup<C>>();
  for (const g of groups) byId.set(String(g.id), g);
  for (const course of courses) {
    const key = course.category_id == null ? '' : String(course.category_id);
    let g = byId.get(key);
    if (!g) {
      g = {
        id: course.category_id ?? null,
        name: course.category_name || t('domain.other'),
        courses: [],
      };
      byId.set(key, g);
      groups.push(g);
    }
    g.courses.push(course);
  }
  return groups.filter((g) => g.courses.length > 0);
}
