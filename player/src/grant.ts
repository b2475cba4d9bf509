/**
 * Playback grants in media URLs, and media that does not arrive (pure, no
 * DOM).
 *
 * A grant is one path segment of the master URL,
 * `{origin}/media/v/{video_id}/{token}/{rev}/master.m3u8`; every playlist,
 * segment and init of that playback lives below `/media/v/{video_id}/{token}/`
 * and is referenced relatively (RFC 8216 §4.1), so the player resolves them
 * all under that prefix. Grants are short-lived and renewed through
 * heartbeats: {@link withNewestGrant} moves any request under an older token
 * of the same video onto the newest one, and {@link afterDenial} decides what
 * to do when the origin refuses a request anyway. When requests fail for
 * other reasons, {@link LoadWatch} decides when the learner is told.
 */

/** Refusals that mean "this grant is no longer good" (expired, revoked, ended). */
export const DENIED_STATUSES: readonly number[] = [401, 403, 410];

/** Renewals tried in a row without media loading in between before giving up. */
export const MAX_DENIAL_RECOVERIES = 3;

/** Whether an HTTP status from the origin refuses the grant. */
export function isDenied(status: number | null | undefined): boolean {
  return typeof status === 'number' && DENIED_STATUSES.includes(status);
}

/** Where the grant sits in a media URL. */
interface GrantPlace {
  /** Scheme, host and port, as `URL.origin`. */
  origin: string;
  /** Path up to and including `/media/v/{video_id}/`. */
  prefix: string;
  token: string;
  /** Path after the token, starting with `/`. */
  rest: string;
}

// The last `/media/v/{video}/{token}/` in a path, so an origin URL with a
// path of its own (`https://cdn.example/manabi`) still works.
const GRANT_PATH = /^(.*\/media\/v\/[^/]+\/)([^/]+)(\/.*)$/;

function place(url: string, base: string): GrantPlace | null {
  let parsed: URL;
  try {
    parsed = new URL(url, base);
  } catch {
    return null;
  }
  const m = GRANT_PATH.exec(parsed.pathname);
  if (!m || !m[1] || !m[2] || !m[3]) return null;
  return { origin: parsed.origin, prefix: m[1], token: m[2], rest: m[3] };
}

/**
 * `requestUrl` with the grant of `masterUrl` when it is a media URL of the
 * same origin and video under another token; otherwise `requestUrl` itself,
 * unchanged (the same string). `masterUrl` may be relative (an empty
 * `origin_url`): both are resolved against `base`, the page address.
 */
export function withNewestGrant(masterUrl: string, requestUrl: string, base: string): string {
  const newest = place(masterUrl, base);
  const req = place(requestUrl, base);
  if (!newest || !req) return requestUrl;
  if (req.origin !== newest.origin || req.prefix !== newest.prefix) return requestUrl;
  if (req.token === newest.token) return requestUrl;
  const parsed = new URL(requestUrl, base);
  return `${parsed.origin}${req.prefix}${newest.token}${req.rest}${parsed.search}${parsed.hash}`;
}

/** The grant token of a media URL, or null when the URL carries none. */
export function grantToken(url: string, base: string): string | null {
  return place(url, base)?.token ?? null;
}

/** What the player does after the origin refused a request (401/403/410). */
export type DenialStep =
  /** A newer grant than the refused request used is at hand: load again with it. */
  | 'switch'
  /** Ask for a fresh grant with a heartbeat, then decide again. */
  | 'renew'
  /** Renewal was tried for the newest grant (or too often): stop. */
  | 'give-up';

/** What {@link afterDenial} needs to know. */
export interface DenialState {
  /** The newest master URL the player holds. */
  latest: string;
  /** The URL of the refused request, as it went out. */
  refused: string;
  /** The master URL that was newest when a renewal was last asked for, if any. */
  renewedFrom: string | null;
  /** Recoveries since media last loaded. */
  recoveries: number;
  /** The page address, to resolve relative URLs. */
  base: string;
}

/**
 * The next step after a refusal: switch when the refused request used an
 * older grant than `latest` (renewed meanwhile, or a heartbeat brought one);
 * renew once per grant; give up when renewing did not bring a newer grant or
 * when recoveries keep failing ({@link MAX_DENIAL_RECOVERIES}).
 */
export function afterDenial(s: DenialState): DenialStep {
  if (s.recoveries >= MAX_DENIAL_RECOVERIES) return 'give-up';
  const latest = grantToken(s.latest, s.base);
  const used = grantToken(s.refused, s.base);
  if (latest !== null && used !== null && used !== latest) return 'switch';
  if (s.renewedFrom === s.latest) return 'give-up';
  return 'renew';
}

// ---- media that does not arrive ---------------------------------------------

/**
 * What the player says about loading beside the video: nothing, that it is
 * slow (hls.js is still retrying), or that it failed; both with 再試行.
 */
export type LoadTrouble = 'none' | 'slow' | 'failed';

/** Failed media requests in a row (hls.js retrying each) before the learner is told. */
export const FAILURES_BEFORE_SLOW = 2;

/** How long a video trying to play may stand still before the learner is told (ms). */
export const STALL_MS = 10_000;

/**
 * Follows media loading for the learner; times are inputs (ms). hls.js
 * retries a failed request by itself, so one failure says nothing; two in a
 * row, or a video trying to play that has stood still for {@link STALL_MS},
 * are `slow`; standing still that long with a failure, or loading given up,
 * is `failed`. Media arriving and the video moving on clear it, except after
 * loading was given up: then only 再試行 ({@link restart}) starts again.
 */
export class LoadWatch {
  private failures = 0;
  private gaveUp = false;
  /** Since when the video has been trying to play without moving, or null. */
  private stillSince: number | null = null;
  private position = Number.NaN;

  /** A media request failed (not refused: see {@link afterDenial}); hls.js tries it again. */
  requestFailed(): void {
    this.failures += 1;
  }

  /** A media segment arrived. */
  mediaLoaded(): void {
    this.failures = 0;
  }

  /** Loading stopped for good (hls.js gave up, or a refusal could not be recovered). */
  giveUp(): void {
    this.gaveUp = true;
  }

  /** 再試行: loading starts afresh. */
  restart(): void {
    this.failures = 0;
    this.gaveUp = false;
    this.stillSince = null;
  }

  /**
   * The video at `now`: `trying` while it is meant to play (not paused, not
   * ended); any change of `position` is progress.
   */
  observe(now: number, trying: boolean, position: number): void {
    if (!trying) this.stillSince = null;
    else if (this.stillSince === null || position !== this.position) this.stillSince = now;
    this.position = position;
  }

  /** What to say at `now`. */
  trouble(now: number): LoadTrouble {
    if (this.gaveUp) return 'failed';
    const stalled = this.stillSince !== null && now - this.stillSince >= STALL_MS;
    if (stalled && this.failures > 0) return 'failed';
    if (stalled || this.failures >= FAILURES_BEFORE_SLOW) return 'slow';
    return 'none';
  }
}
