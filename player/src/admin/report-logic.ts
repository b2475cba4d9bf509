import type { AdminUser, UserWatched } from '../api';
import { formatJst } from './labels.js';
import { t } from './messages.js';
/**
 * The reports page's pure parts: the default period, the query string, how
 * seconds read, the chart's bars, which user the 利用者 field names, the
 * rows of what each user watched, and the definitions shown as help
 * (Japanese and English, as docs/viewing-time.md states them).
 */

export type Granularity = 'day' | 'week' | 'month';

export interface ReportFilter {
  from: string;
  to: string;
  granularity: Granularity;
  /** Group id, or '' for everyone in reach. */
  group: string;
  /** User id, or '' for everyone in reach. */
  user: string;
}

/** A date as YYYY-MM-DD in Asia/Tokyo (reports count days there). */
export function tokyoDate(at: Date): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Tokyo',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** The last 30 days up to today (what the API defaults to), by day. */
export function defaultFilter(now: Date): ReportFilter {
  const to = tokyoDate(now);
  const from = tokyoDate(new Date(now.getTime() - 29 * 86_400_000));
  return { from, to, granularity: 'day', group: '', user: '' };
}

/** Checks a filter; returns a message, or null when it is usable. */
export function filterProblem(f: ReportFilter): string | null {
  const iso = /^\d{4}-\d{2}-\d{2}$/;
  if (!iso.test(f.from) || !iso.test(f.to)) return t('a.reports.noDates');
  if (f.from > f.to) return t('a.reports.order');
  return null;
}

/** The query string of a report request (`?from=…&to=……`). */
export function reportQuery(f: ReportFilter, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({ from: f.from, to: f.to, granularity: f.granularity });
  if (f.group) q.set('group', f.group);
  if (f.user) q.set('user', f.user);
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  return `?${q.toString()}`;
}

/** Seconds as people read them: 「1時間02分」「12分05秒」「45秒」. */
export function readableSeconds(total: number): string {
  const s = Math.max(0, Math.round(total));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  if (h > 0) return t('a.reports.hm', { h, m: two(m) });
  if (m > 0) return t('a.reports.ms', { m, s: two(sec) });
  return t('a.reports.s', { s: sec });
}

/** A share 0..1 as 「95.0%」. */
export function percent(share: number): string {
  return `${(Math.max(0, Math.min(1, share)) * 100).toFixed(1)}%`;
}

/** The label of a period start for a granularity: 「4/1」「4/1週」「2026年4月」. */
export function periodLabel(start: string, g: Granularity): string {
  const [y, m, d] = start.split('-').map(Number);
  if (g === 'month') return t('a.reports.month', { y: y ?? '', m: m ?? '' });
  if (g === 'week') return t('a.reports.week', { m: m ?? '', d: d ?? '' });
  return `${m}/${d}`;
}

/** A user as the 利用者 field offers and shows them: 「区役 二葉（futaba@…）」, or the e-mail alone. */
export function userLabel(u: Pick<AdminUser, 'name' | 'email'>): string {
  return u.name ? t('a.common.nameEmail', { name: u.name, email: u.email }) : u.email;
}

/**
 * What to look the 利用者 field's text up by (`GET /api/v1/users?q=`,
 * which matches e-mail and name): the e-mail in a picked label, else the
 * text as typed.
 */
export function userSearchTerm(text: string): string {
  const email = /[^\s()（）<>]+@[^\s()（）<>]+/.exec(text)?.[0];
  return email ?? text.trim();
}

/**
 * The user the 利用者 field's text names among `found` (what the search
 * gave): by its label, its e-mail (any case) or a name only one of them
 * has. Otherwise a message for the form: nobody matches, or the text fits
 * several and one must be picked from the suggestions.
 */
export function pickUser<U extends Pick<AdminUser, 'id' | 'name' | 'email'>>(
  text: string,
  found: readonly U[],
): { user: U } | { problem: string } {
  const typed = text.trim();
  const lower = typed.toLowerCase();
  const exact =
    found.find((u) => userLabel(u) === typed) ??
    found.find((u) => u.email.toLowerCase() === lower);
  if (exact) return { user: exact };
  const named = found.filter((u) => u.name === typed);
  if (named.length === 1 && named[0]) return { user: named[0] };
  if (found.length === 0) return { problem: t('a.reports.userUnknown', { text: typed }) };
  return { problem: t('a.reports.userChoose', { text: typed }) };
}

/** A user's videos as table rows: title, 視聴時間, 視聴率, 修了, 最終視聴 (Japan time). */
export function watchedRows(watched: UserWatched['watched']): string[][] {
  return watched.map((w) => [
    w.title,
    readableSeconds(w.seconds),
    percent(w.coverage),
    w.completed ? t('a.reports.yes') : t('a.reports.no'),
    formatJst(w.last_viewed_at) || t('a.common.none'),
  ]);
}

/** The line that stands for a user before their videos open: who, how many, how long, how many completed. */
export function watchedSummary(u: UserWatched): string {
  const seconds = u.watched.reduce((sum, w) => sum + w.seconds, 0);
  const done = u.watched.filter((w) => w.completed).length;
  return t('a.reports.watchedSummary', {
    who: userLabel(u),
    n: u.watched.length,
    total: readableSeconds(seconds),
    done,
  });
}

export interface Bar {
  label: string;
  seconds: number;
  /** Height as a share of the tallest bar, 0..1. */
  height: number;
}

/** The chart's bars: one per period, scaled to the tallest. */
export function chartBars(periods: string[], seconds: number[], g: Granularity): Bar[] {
  const max = Math.max(0, ...seconds);
  return periods.map((p, i) => {
    const s = seconds[i] ?? 0;
    return { label: periodLabel(p, g), seconds: s, height: max > 0 ? s / max : 0 };
  });
}

/** One sentence for screen readers describing the chart. */
export function chartSummary(bars: Bar[]): string {
  if (bars.length === 0) return t('a.reports.noData');
  const total = bars.reduce((sum, b) => sum + b.seconds, 0);
  const top = bars.reduce((a, b) => (b.seconds > a.seconds ? b : a));
  if (total === 0) return t('a.reports.noViewing');
  return t('a.reports.summary', { n: bars.length, total: readableSeconds(total), top: top.label, most: readableSeconds(top.seconds) });
}

/**
 * The term of a definition in the language in force: as it is in Japanese
 * (`視聴時間 (viewing time)`), its English part in English (`Viewing time`).
 */
export function definitionTerm(term: string, lang: 'ja' | 'en'): string {
  if (lang === 'ja') return term;
  const en = /\(([^)]+)\)\s*$/.exec(term)?.[1] ?? term;
  return `${en.charAt(0).toUpperCase()}${en.slice(1)}`;
}

/** The definitions shown as the report's help (ja, en). */
export const DEFINITIONS: ReadonlyArray<{ term: string; ja: string; en: string }> = [
  {
    term: '視聴時間 (viewing time)',
    ja: '動画が実際に再生されていた時間（秒）です。見えているページで再生中の時間だけを数え、同じ人が2つのタブで同時に再生しても二重には数えません。報告された再生区間は、前回の報告からの経過時間までしか認めません。日付は日本時間で区切ります。',
    en: 'Wall-clock seconds during which the video was actually playing in a visible page, credited at most once per second per user (two tabs at once count once), never more than the time between heartbeats. Days are Asia/Tokyo days.',
  },
  {
    term: '視聴率 (coverage)',
    ja: '動画の秒のうち、少なくとも一度再生された秒の割合です。同じ部分を何度見ても増えず、早送りやつまみの移動では増えません。',
    en: "The share of the video's seconds played at least once. Replays add nothing; seeking plays nothing.",
  },
  {
    term: '修了 (completed)',
    ja: '視聴率が設定値（既定 95%）以上になった状態です。最後までシークしても修了にはなりません。',
    en: 'Coverage reached the configured share (95 % by default). Dragging the bar to the end does not complete.',
  },
  {
    term: '所属 (groups)',
    ja: 'グループ別の集計は、視聴した日にそのグループ（下位グループを含む）に所属していた人の視聴だけを数えます。4月の異動で3月の集計は変わりません。',
    en: 'A group report (with its sub-groups) counts a day only for people who belonged to the group that day; a transfer in April does not rewrite March.',
  },
];
