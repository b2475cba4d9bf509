/**
 * Playback grants in media URLs (pure, no DOM).
 *
 * A grant is one path segment of the master URL,
 * `{origin}/media/v/{video_id}/{token}/{rev}/master.m3u8`; every playlist,
 * segment and init of that playback lives below `/media/v/{video_id}/{token}/`
 * and is referenced relatively (RFC 8216 §4.1), so the player resolves them
 * all under that prefix. Grants are short-lived and renewed through
 * heartbeats: {@link withNewestGrant} moves any request under an older token
 * of the same video onto the newest one, and {@link afterDenial} decides what
 * to do when the origin refuses a request anyway.
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
