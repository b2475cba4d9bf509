/**
 * Rendition caps for hls.js (pure, no DOM).
 *
 * Two limits apply at once: the player's size (hls.js
 * `capLevelToPlayerSize`) and the bitrate the catalog allows this viewer
 * (`max_bitrate_kbps`, the site's fair share of the office network, R-V3).
 * hls.js expresses both through the one `autoLevelCapping` index, where -1
 * means "no cap"; {@link combineCaps} keeps the stricter of the two.
 */

/** What {@link pickBitrateCap} needs of an hls.js level. */
export interface LevelLike {
  bitrate: number;
}

/**
 * Index of the highest level whose bitrate is ≤ `maxKbps × 1000`; when none
 * fits, the lowest-bitrate level (playing something beats playing nothing;
 * the origin enforces the budget anyway). -1 (no cap) when `maxKbps` is not
 * a positive number or there are no levels.
 */
export function pickBitrateCap(
  levels: readonly LevelLike[],
  maxKbps: number | null | undefined,
): number {
  if (!levels.length || typeof maxKbps !== 'number' || !(maxKbps > 0)) {
    return -1;
  }
  const limit = maxKbps * 1000;
  let best = -1;
  let lowest = 0;
  levels.forEach((level, i) => {
    const low = levels[lowest];
    if (low && level.bitrate < low.bitrate) lowest = i;
    const cur = best >= 0 ? levels[best] : undefined;
    if (level.bitrate <= limit && (!cur || level.bitrate > cur.bitrate)) {
      best = i;
    }
  });
  return best >= 0 ? best : lowest;
}

/** The stricter of two `autoLevelCapping` values (-1 = no cap). */
export function combineCaps(a: number, b: number): number {
  if (a < 0) return b < 0 ? -1 : b;
  if (b < 0) return a;
  return Math.min(a, b);
}
