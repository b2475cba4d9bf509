/**
 * Played intervals and heartbeat bodies (pure, no DOM).
 *
 * The player feeds `timeupdate` samples into a {@link PlayedTracker}; every
 * heartbeat drains the intervals actually played since the previous one.
 * A sample only extends the played range when playback moved forward by no
 * more than the wall clock allows at the current rate, so a seek that was
 * not announced by a `seeking` event is never counted as watched.
 */

/** `[from_s, to_s]` in media seconds, `from_s < to_s`. */
export type Interval = [number, number];

/** Body of `POST /api/v1/play/{session_id}/heartbeat`. */
export interface HeartbeatBody {
  seq: number;
  position_s: number;
  played: Interval[];
  rate: number;
}

/** Two intervals closer than this (seconds) are contiguous. */
export const CONTIGUOUS_EPS = 0.001;

/** Rounds seconds to milliseconds so bodies stay short and stable. */
export function roundS(s: number): number {
  return Math.round(s * 1000) / 1000;
}

/**
 * Sorts, drops empty or invalid intervals and merges overlapping or
 * contiguous ones. Returns a new array.
 */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const valid = intervals
    .filter(
      ([a, b]) => Number.isFinite(a) && Number.isFinite(b) && b - a > 0,
    )
    .map(([a, b]): Interval => [Math.max(0, a), b])
    .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const out: Interval[] = [];
  for (const [a, b] of valid) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + CONTIGUOUS_EPS) {
      last[1] = Math.max(last[1], b);
    } else {
      out.push([a, b]);
    }
  }
  return out;
}

/**
 * Largest forward step (media seconds) accepted between two samples taken
 * `wallMs` apart at `rate`: 1.5× what the clock allows plus 0.5 s slack.
 */
export function maxStep(wallMs: number, rate: number): number {
  const r = Number.isFinite(rate) && rate > 0 ? rate : 1;
  return (Math.max(0, wallMs) / 1000) * r * 1.5 + 0.5;
}

/** Collects the media ranges actually played. */
export class PlayedTracker {
  private intervals: Interval[] = [];
  private anchorT: number | null = null;
  private anchorWall = 0;

  /** Starts a new run at media time `t` (on `playing`, after `seeked`). */
  anchor(t: number, wallMs: number): void {
    this.anchorT = Number.isFinite(t) ? t : null;
    this.anchorWall = wallMs;
  }

  /** Ends the current run without counting anything (on `seeking`). */
  reset(): void {
    this.anchorT = null;
  }

  /**
   * A sample while playing (not paused, not seeking): counts
   * `[anchor, t]` when it is a plausible forward step, then re-anchors.
   */
  sample(t: number, wallMs: number, rate: number): void {
    if (!Number.isFinite(t)) return;
    if (this.anchorT !== null) {
      const step = t - this.anchorT;
      if (step > 0 && step <= maxStep(wallMs - this.anchorWall, rate)) {
        this.intervals.push([this.anchorT, t]);
        this.intervals = mergeIntervals(this.intervals);
      }
    }
    this.anchor(t, wallMs);
  }

  /** The merged intervals collected so far (a copy). */
  pending(): Interval[] {
    return this.intervals.map(([a, b]): Interval => [a, b]);
  }

  /** Returns the merged intervals and forgets them. */
  take(): Interval[] {
    const out = this.intervals;
    this.intervals = [];
    return out;
  }

  /** Puts back intervals whose heartbeat could not be delivered. */
  restore(intervals: readonly Interval[]): void {
    this.intervals = mergeIntervals([...intervals, ...this.intervals]);
  }
}

/** Builds a heartbeat body, rounded to milliseconds. */
export function buildHeartbeat(
  seq: number,
  positionS: number,
  played: readonly Interval[],
  rate: number,
): HeartbeatBody {
  return {
    seq,
    position_s: roundS(Number.isFinite(positionS) ? Math.max(0, positionS) : 0),
    played: mergeIntervals(played)
      .map(([a, b]): Interval => [roundS(a), roundS(b)])
      .filter(([a, b]) => b > a),
    rate: Number.isFinite(rate) && rate > 0 ? rate : 1,
  };
}

/** Heartbeat URL for one playback session. */
export function heartbeatUrl(sessionId: string): string {
  return `/api/v1/play/${encodeURIComponent(sessionId)}/heartbeat`;
}

/**
 * Heartbeat URL for `navigator.sendBeacon`, which cannot set headers: the
 * CSRF token travels in the `csrf` query parameter (accepted by the server
 * for this route only).
 */
export function beaconUrl(sessionId: string, csrfToken: string): string {
  return `${heartbeatUrl(sessionId)}?csrf=${encodeURIComponent(csrfToken)}`;
}
