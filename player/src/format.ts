/** Display helpers and grouping for the learner pages (pure; words from messages.ts). */
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
