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

/** What {@link qualityChoices} needs of an hls.js level. */
export interface QualityLevel extends LevelLike {
  height?: number;
}

/** One manual choice of the 画質 list: the hls.js level index and its name. */
export interface QualityChoice {
  index: number;
  label: string;
}

/** `540p`, or the bitrate when the height is unknown (an audio-only rung). */
export function qualityLabel(level: QualityLevel): string {
  if (level.height && level.height > 0) return `${level.height}p`;
  return `${Math.round(level.bitrate / 1000)} kbps`;
}

/**
 * The levels a learner may choose by hand, highest first: only those within
 * the bitrate the catalog allows (the origin's cap holds for manual choices
 * too; hls.js's capping applies to its automatic choice only). When none
 * fits, the lowest, as {@link pickBitrateCap} plays it.
 */
export function qualityChoices(levels: readonly QualityLevel[], maxKbps: number | null | undefined): QualityChoice[] {
  const cap = pickBitrateCap(levels, maxKbps);
  const limit = cap < 0 ? Infinity : (levels[cap]?.bitrate ?? Infinity);
  return levels
    .map((level, index) => ({ level, index }))
    .filter(({ level }) => level.bitrate <= limit)
    .sort((a, b) => b.level.bitrate - a.level.bitrate)
    .map(({ level, index }) => ({ index, label: qualityLabel(level) }));
}
