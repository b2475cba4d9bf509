import { t } from './messages.js';

/**
 * When to warn that the login is about to end for lack of requests (pure).
 * The server ends a login `idle_timeout_s` after its last request — any
 * request, the player's heartbeats included, so nobody is warned while a
 * video plays. The warning shows 2 minutes before the end (or halfway,
 * for a timeout under 4 minutes); times are epoch milliseconds, passed in.
 */

/** How long before the end the warning shows. */
export const WARN_BEFORE_MS = 120_000;

/**
 * The server restarts a login's idle clock at most once a minute (reads
 * should not all become writes: catalog/src/sessions.rs), so a request
 * sent at `t` only guarantees that the clock restarted at `t − 60 s`.
 */
export const SERVER_REFRESH_MS = 60_000;

/** The latest moment the server's idle clock surely restarted, for a request sent at `sentAt`. */
export function clockRestart(sentAt: number): number {
  return sentAt - SERVER_REFRESH_MS;
}

export type IdlePhase =
  /** Nothing to show; look again at `warnAt`. */
  | { phase: 'active'; warnAt: number }
  /** Show the warning; the login ends in `remainingS` whole seconds (rounded up). */
  | { phase: 'warning'; remainingS: number; endsAt: number }
  /** The login has ended. */
  | { phase: 'expired' };

/** The moment the login ends and the moment to warn, from the last request. */
export function idleMoments(lastRequestAt: number, timeoutS: number): { warnAt: number; endsAt: number } {
  const timeoutMs = timeoutS * 1000;
  const endsAt = lastRequestAt + timeoutMs;
  return { endsAt, warnAt: endsAt - Math.min(WARN_BEFORE_MS, timeoutMs / 2) };
}

/** Where the login stands at `now`, its last request at `lastRequestAt`. */
export function idlePhase(now: number, lastRequestAt: number, timeoutS: number): IdlePhase {
  const { warnAt, endsAt } = idleMoments(lastRequestAt, timeoutS);
  if (now >= endsAt) return { phase: 'expired' };
  if (now < warnAt) return { phase: 'active', warnAt };
  return { phase: 'warning', remainingS: Math.ceil((endsAt - now) / 1000), endsAt };
}

/** `1分05秒` / `45秒`: the time left, as the dialog shows it. */
export function countdownText(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  const m = Math.floor(s / 60);
  return m > 0 ? t('idle.countdown.ms', { m, s: String(s % 60).padStart(2, '0') }) : t('idle.countdown.s', { s });
}

/**
 * Whether the time left is said in the live region now: every 30 seconds
 * and at 10 seconds, not every second (that would drown a screen reader).
 */
export function shouldAnnounce(remainingS: number): boolean {
  return remainingS === 10 || (remainingS > 0 && remainingS % 30 === 0);
}

/** The sentence said at those moments. */
export function remainingMessage(remainingS: number): string {
  return t('idle.remaining', { time: countdownText(remainingS) });
}

/**
 * The later of two last-request times; `null` when neither is known. Tabs
 * share theirs (localStorage), since the login is one for all of them.
 */
export function latest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}
