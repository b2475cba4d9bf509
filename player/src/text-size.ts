/**
 * The text size choice (標準・大・特大), pure: its options and how a saved
 * value is read. Every length in app.css is in rem, so one root font size
 * scales the whole page, header and player controls included.
 */

export type TextSize = 'normal' | 'large' | 'x-large';

export interface TextSizeOption {
  id: TextSize;
  label: string;
  /** The root font size, percent of the browser's own (which the user may have set). */
  percent: number;
}

export const TEXT_SIZES: readonly TextSizeOption[] = [
  { id: 'normal', label: '標準', percent: 100 },
  { id: 'large', label: '大', percent: 125 },
  { id: 'x-large', label: '特大', percent: 150 },
];

/** A saved value as a size; anything unknown (or nothing) is 標準. */
export function parseTextSize(value: string | null | undefined): TextSize {
  return TEXT_SIZES.find((s) => s.id === value)?.id ?? 'normal';
}

/** What the live region says after a change: `文字の大きさ：大`. */
export function textSizeMessage(size: TextSize): string {
  return `文字の大きさ：${TEXT_SIZES.find((s) => s.id === size)?.label ?? '標準'}`;
}
