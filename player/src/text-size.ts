/**
 * The text size choice (標準・大・特大), pure: its options and how a saved
 * value is read. Every length in app.css is in rem, so one root font size
 * scales the whole page, header and player controls included.
 */

import { t } from './messages.js';

export type TextSize = 'normal' | 'large' | 'x-large';

export interface TextSizeOption {
  id: TextSize;
  /** Its name (`標準`), in the language in force. */
  readonly label: string;
  /** The root font size, percent of the browser's own (which the user may have set). */
  percent: number;
}

const size = (id: TextSize, percent: number): TextSizeOption => ({
  id,
  percent,
  get label() {
    return t(`text.${id}`);
  },
});

export const TEXT_SIZES: readonly TextSizeOption[] = [size('normal', 100), size('large', 125), size('x-large', 150)];

/** A saved value as a size; anything unknown (or nothing) is 標準. */
export function parseTextSize(value: string | null | undefined): TextSize {
  return TEXT_SIZES.find((s) => s.id === value)?.id ?? 'normal';
}

/** What the live region says after a change: `文字の大きさ：大`. */
export function textSizeMessage(size: TextSize): string {
  return t('text.changed', { size: (TEXT_SIZES.find((s) => s.id === size) ?? TEXT_SIZES[0])?.label ?? '' });
}
