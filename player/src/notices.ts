/**
 * Incident and maintenance notices (お知らせ; docs/notices.md), pure and in
 * Japanese: labels, the window in Japan time, the order and the refresh
 * interval of the banner every page shows (main.ts), and for the admin's
 * お知らせ管理 page (admin/notices.ts) the state, the body templates and the
 * form's `datetime-local` values as RFC 3339 with `+09:00`.
 * Unit-tested in tests/notices.test.mjs; no DOM here. The learner bundle
 * keeps only what main.ts uses (esbuild drops the rest).
 */
import type { Notice, NoticeDraft } from './api';
import { t } from './messages.js';

/** The fields the helpers read. */
export type NoticeLike = Pick<
  Notice,
  'kind' | 'starts_at' | 'ends_at' | 'starts_at_local' | 'ends_at_local' | 'active' | 'urgent'
>;

/** The banner asks the server at most once a minute (more often when forced). */
export const REFRESH_MS = 60_000;

/** Whether the banner should ask again, `lastMs` after the last time (0: never). */
export function shouldFetch(lastMs: number, nowMs: number, force: boolean): boolean {
  return force || lastMs <= 0 || nowMs - lastMs >= REFRESH_MS || nowMs < lastMs;
}

/** `incident` → `障害`, `maintenance` → `メンテナンス`. */
export function kindLabel(kind: string): string {
  if (kind === 'incident') return t('notice.incident');
  if (kind === 'maintenance') return t('notice.maintenance');
  return kind;
}

export type NoticeState = 'upcoming' | 'active' | 'ended';

/** Whether a notice is to come, applies now, or is over (at `nowMs`). */
export function noticeState(n: NoticeLike, nowMs: number): NoticeState {
  if (n.active) return 'active';
  const end = n.ends_at ? Date.parse(n.ends_at) : NaN;
  if (Number.isFinite(end) && end <= nowMs) return 'ended';
  return 'upcoming';
}

/**
 * The state in words: in the banner an active incident is `発生中`, an
 * active maintenance `実施中`; the admin's list says `実施中` for both.
 * Upcoming `予定`, over `終了`.
 */
export function stateLabel(n: NoticeLike, nowMs: number, admin = false): string {
  const s = noticeState(n, nowMs);
  if (s === 'active') return t(!admin && n.kind === 'incident' ? 'notice.happening' : 'notice.active');
  return t(s === 'upcoming' ? 'notice.upcoming' : 'notice.ended');
}

/**
 * The window in the service's time (`starts_at_local`, `ends_at_local`):
 * `2026-04-01 09:00 〜 10:00` on one day, `2026-04-01 22:00 〜 2026-04-02 01:00`
 * across days, `2026-04-01 09:00 〜 復旧まで` with no end (an incident).
 */
export function windowText(startLocal: string, endLocal: string | null | undefined): string {
  if (!endLocal) return t('notice.untilFixed', { start: startLocal });
  const [startDay] = startLocal.split(' ');
  const [endDay, endTime] = endLocal.split(' ');
  const end = startDay && endDay === startDay && endTime ? endTime : endLocal;
  return t('notice.range', { start: startLocal, end });
}

/**
 * The banner's order: urgent first, then incidents before maintenance, then
 * what applies now before what is to come; otherwise the server's order.
 */
export function orderNotices<T extends NoticeLike>(items: readonly T[]): T[] {
  const rank = (n: T): number =>
    (n.urgent ? 0 : 4) + (n.kind === 'incident' ? 0 : 2) + (n.active ? 0 : 1);
  return items
    .map((n, i) => ({ n, i }))
    .sort((a, b) => rank(a.n) - rank(b.n) || a.i - b.i)
    .map((x) => x.n);
}

// ---- the admin's form ------------------------------------------------------

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
const JST_MS = 9 * 3600 * 1000;

/** The parts of `ms` in Japan time (no daylight saving time: UTC+9 exactly). */
function jst(ms: number) {
  const d = new Date(ms + JST_MS);
  return {
    y: d.getUTCFullYear(),
    mo: d.getUTCMonth() + 1,
    d: d.getUTCDate(),
    h: d.getUTCHours(),
    mi: d.getUTCMinutes(),
    s: d.getUTCSeconds(),
    ms: d.getUTCMilliseconds(),
  };
}

const LOCAL_INPUT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/;

/**
 * A `datetime-local` value read as Japan time, as RFC 3339:
 * `2026-04-01T09:00` → `2026-04-01T09:00:00+09:00`; null when not a
 * date and time.
 */
export function jstInputToRfc3339(value: string): string | null {
  const m = LOCAL_INPUT.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, hh, mi, ss] = m;
  const ms = Date.parse(`${y}-${mo}-${d}T${hh}:${mi}:${ss ?? '00'}+09:00`);
  if (!Number.isFinite(ms)) return null;
  // Reject dates that do not exist (2026-02-30 would roll over).
  const p = jst(ms);
  if (p.y !== Number(y) || p.mo !== Number(mo) || p.d !== Number(d)) return null;
  return `${y}-${mo}-${d}T${hh}:${mi}:${ss ?? '00'}+09:00`;
}

/** An RFC 3339 time as a `datetime-local` value in Japan time; `''` when missing. */
export function rfc3339ToJstInput(iso: string | null | undefined): string {
  const ms = iso ? Date.parse(iso) : NaN;
  if (!Number.isFinite(ms)) return '';
  const p = jst(ms);
  return `${p.y}-${pad(p.mo)}-${pad(p.d)}T${pad(p.h)}:${pad(p.mi)}`;
}

/** `ms` as RFC 3339 in Japan time with milliseconds (`…T09:00:05.123+09:00`). */
export function jstRfc3339(ms: number): string {
  const p = jst(ms);
  return (
    `${p.y}-${pad(p.mo)}-${pad(p.d)}T${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}` +
    `.${pad(p.ms, 3)}+09:00`
  );
}

/** `4月1日 9時5分` (Japan time) of `ms`. */
function spoken(ms: number): string {
  const p = jst(ms);
  return `${p.mo}月${p.d}日 ${p.h}時${p.mi}分`;
}

/** The body templates of docs/notices.md. */
export type TemplateId = 'incident' | 'recovery' | 'maintenance';

export const TEMPLATES: readonly { id: TemplateId; label: string }[] = [
  { id: 'incident', label: '障害のひな形' },
  { id: 'recovery', label: '復旧報告のひな形' },
  { id: 'maintenance', label: 'メンテナンスのひな形' },
];

/**
 * A template's text, one item a line, with the times the form already
 * knows filled in (`start`, `end`: `datetime-local` values, Japan time; else
 * `nowMs` for an incident, `〇` for a maintenance) and `…` where the admin
 * writes.
 */
export function templateText(
  id: TemplateId,
  ctx: { nowMs: number; start?: string; end?: string },
): string {
  const at = (value: string | undefined): number | null => {
    const iso = value ? jstInputToRfc3339(value) : null;
    return iso ? Date.parse(iso) : null;
  };
  const start = at(ctx.start);
  const end = at(ctx.end);
  if (id === 'incident') {
    return [
      '影響: …',
      `発生: ${spoken(start ?? ctx.nowMs)}から`,
      '復旧見込み: …',
      '経過: …',
    ].join('\n');
  }
  if (id === 'recovery') {
    const p = jst(end ?? ctx.nowMs);
    return [`復旧報告: ${p.h}時${p.mi}分に復旧しました。`, '原因: …', '再発防止: …'].join('\n');
  }
  let when = '〇月〇日 〇時〜〇時';
  if (start !== null) {
    const s = jst(start);
    const e = end !== null ? jst(end) : null;
    const time = (p: { h: number; mi: number }): string =>
      p.mi ? `${p.h}時${p.mi}分` : `${p.h}時`;
    const sameDay = e && e.y === s.y && e.mo === s.mo && e.d === s.d;
    const tail = !e ? '〇時' : sameDay ? time(e) : `${e.mo}月${e.d}日 ${time(e)}`;
    when = `${s.mo}月${s.d}日 ${time(s)}〜${tail}`;
  }
  return [
    `日時: ${when}`,
    '停止するもの: 利用者の登録・変更、CSV取り込み、動画の登録',
    '視聴: 続けられます',
  ].join('\n');
}

/** What the form holds (`datetime-local` values, Japan time). */
export interface NoticeForm {
  kind: 'incident' | 'maintenance';
  title: string;
  body: string;
  start: string;
  end: string;
  urgent: boolean;
  /** Editing: the values the form was filled with; unchanged times are not sent. */
  initial?: { start: string; end: string };
}

/** What is wrong with the form: a key of the admin's messages (`a.notices.p.…`). */
export type NoticeProblem =
  | 'title'
  | 'titleLong'
  | 'bodyLong'
  | 'startForm'
  | 'endForm'
  | 'maintStart'
  | 'start'
  | 'maintEnd'
  | 'order';

export type FormResult =
  | { ok: true; draft: NoticeDraft }
  | { ok: false; field: 'title' | 'body' | 'start' | 'end'; problem: NoticeProblem };

/**
 * Checks the form and builds the request: a new notice sends the times
 * set; a change sends only the times changed (so a maintenance whose
 * window stays is not held to the notice period again) and `""` to clear
 * an incident's end. The notice period itself is the server's to check.
 */
export function noticeDraft(f: NoticeForm): FormResult {
  const title = f.title.trim();
  if (!title) return { ok: false, field: 'title', problem: 'title' };
  if ([...title].length > 200) {
    return { ok: false, field: 'title', problem: 'titleLong' };
  }
  if ([...f.body].length > 10_000) {
    return { ok: false, field: 'body', problem: 'bodyLong' };
  }
  const start = f.start.trim() ? jstInputToRfc3339(f.start) : '';
  if (start === null) {
    return { ok: false, field: 'start', problem: 'startForm' };
  }
  const end = f.end.trim() ? jstInputToRfc3339(f.end) : '';
  if (end === null) {
    return { ok: false, field: 'end', problem: 'endForm' };
  }
  const maintenance = f.kind === 'maintenance';
  if (!start && (maintenance || f.initial)) {
    return {
      ok: false,
      field: 'start',
      problem: maintenance ? 'maintStart' : 'start',
    };
  }
  if (!end && maintenance) {
    return { ok: false, field: 'end', problem: 'maintEnd' };
  }
  if (start && end && Date.parse(end) <= Date.parse(start)) {
    return { ok: false, field: 'end', problem: 'order' };
  }
  const draft: NoticeDraft = { kind: f.kind, title, body: f.body.trim(), urgent: f.urgent };
  if (f.initial) {
    if (start && f.start !== f.initial.start) draft.starts_at = start;
    if (f.end !== f.initial.end) draft.ends_at = end;
  } else {
    if (start) draft.starts_at = start;
    if (end) draft.ends_at = end;
  }
  return { ok: true, draft };
}
