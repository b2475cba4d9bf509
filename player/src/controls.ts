/**
 * The lesson player's controls, the pure part (no DOM, unit-tested): the
 * speeds offered, the keyboard shortcuts and how a key press resolves to one,
 * the wording of what the player announces (messages.ts), the preferences that
 * follow the user (`/api/v1/me/preferences`) and the caption sizes.
 */

import { t } from './messages.js';

// ---- playback speed ---------------------------------------------------------

/** The speeds the speed control offers. */
export const SPEEDS: readonly number[] = [0.5, 0.75, 1, 1.25, 1.5, 2];

/** The range the server keeps and heartbeats accept. */
export const MIN_RATE = 0.25;
export const MAX_RATE = 4;

/** A playback rate the server accepts. */
export function isRate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= MIN_RATE && value <= MAX_RATE;
}

/** `1` → `1倍`, `1.5` → `1.5倍`, `0.75` → `0.75倍`. */
export function speedLabel(rate: number): string {
  return t('speed.rate', { n: Number(rate.toFixed(2)) });
}

/** What is said and shown when the speed changes: 「再生速度 1.5倍」. */
export function speedMessage(rate: number): string {
  return t('speed.said', { rate: speedLabel(rate) });
}

/**
 * The options of the speed control: {@link SPEEDS}, plus `current` in its
 * place when it is another accepted rate (chosen in the browser's own menu or
 * on another device), so the control always shows the speed in effect.
 */
export function speedOptions(current: number): number[] {
  const list = [...SPEEDS];
  if (isRate(current) && !list.some((s) => Math.abs(s - current) < 1e-9)) list.push(current);
  return list.sort((a, b) => a - b);
}

/** The next speed of {@link SPEEDS} up (`1`) or down (`-1`); the ends stay. */
export function stepSpeed(current: number, direction: 1 | -1): number {
  if (direction > 0) return SPEEDS.find((s) => s > current + 1e-9) ?? SPEEDS[SPEEDS.length - 1]!;
  return [...SPEEDS].reverse().find((s) => s < current - 1e-9) ?? SPEEDS[0]!;
}

// ---- times and announcements ------------------------------------------------

/**
 * A position as said aloud, whole seconds: `192.7` → `3分12秒`, `180` → `3分`,
 * `45` → `45秒`, `3725` → `1時間2分5秒`, `0` → `0秒`.
 */
export function spokenTime(seconds: number): string {
  const s = Number.isFinite(seconds) && seconds > 0 ? Math.floor(seconds) : 0;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const parts = [h ? t('time.h', { n: h }) : '', m ? t('time.m', { n: m }) : '', sec ? t('time.s', { n: sec }) : '']
    .filter(Boolean)
    .join(t('time.join'));
  return parts || t('time.s', { n: 0 });
}

/** 「前回の続き（3分12秒）から再生します。」 */
export function resumeMessage(seconds: number): string {
  return t('resume', { time: spokenTime(seconds) });
}

/**
 * Where a lesson resumes, on its button and on 続きから見る: 「・6秒から再開」
 * for 6.9 s, the same second {@link resumeMessage} says; empty under a second.
 */
export function resumeFrom(seconds: number): string {
  return Number.isFinite(seconds) && seconds >= 1 ? t('resume.from', { time: spokenTime(seconds) }) : '';
}

/** After a skip: 「10秒進みました（1分5秒）」, 「5秒戻りました（0秒）」. */
export function seekMessage(delta: number, position: number): string {
  return t(delta >= 0 ? 'seek.forward' : 'seek.back', { n: Math.abs(Math.round(delta)), time: spokenTime(position) });
}

/** The volume after a step of ±10 %, kept in 0…1 and on whole tenths. */
export function stepVolume(volume: number, direction: 1 | -1): number {
  const v = Number.isFinite(volume) ? volume : 1;
  return Math.min(1, Math.max(0, Math.round(v * 10 + direction) / 10));
}

/** 「音量 60%」, or 「消音中」 when muted or at 0. */
export function volumeMessage(volume: number, muted: boolean): string {
  if (muted || volume <= 0) return t('volume.muted');
  return t('volume', { n: Math.round(volume * 100) });
}

// ---- keyboard shortcuts -----------------------------------------------------

export type Action =
  | 'play-pause'
  | 'back-10'
  | 'forward-10'
  | 'back-5'
  | 'forward-5'
  | 'volume-up'
  | 'volume-down'
  | 'mute'
  | 'slower'
  | 'faster'
  | 'captions'
  | 'fullscreen'
  | 'help';

export interface Shortcut {
  action: Action;
  /** `KeyboardEvent.key` values (letters in lower case). */
  keys: readonly string[];
  /** The keys as the help lists them. */
  readonly label: string;
  /** What they do, as the help lists it (in the language in force). */
  readonly description: string;
}

const shortcut = (action: Action, keys: readonly string[], label: string): Shortcut => ({
  action,
  keys,
  get label() {
    return label === 'space' ? t('key.space') : label;
  },
  get description() {
    return t(`key.${action}`);
  },
});

/** Every shortcut, in the order the help lists them. */
export const SHORTCUTS: readonly Shortcut[] = [
  shortcut('play-pause', [' ', 'k'], 'space'),
  shortcut('back-10', ['j'], 'J'),
  shortcut('forward-10', ['l'], 'L'),
  shortcut('back-5', ['ArrowLeft'], '←'),
  shortcut('forward-5', ['ArrowRight'], '→'),
  shortcut('volume-up', ['ArrowUp'], '↑'),
  shortcut('volume-down', ['ArrowDown'], '↓'),
  shortcut('mute', ['m'], 'M'),
  shortcut('slower', ['<'], '<'),
  shortcut('faster', ['>'], '>'),
  shortcut('captions', ['c'], 'C'),
  shortcut('fullscreen', ['f'], 'F'),
  shortcut('help', ['?'], '?'),
];

/** Seconds each skip moves. */
export const SKIPS: Readonly<Partial<Record<Action, number>>> = {
  'back-10': -10,
  'forward-10': 10,
  'back-5': -5,
  'forward-5': 5,
};

/** `aria-keyshortcuts` for an action: `k Space`, `ArrowLeft`, `Shift+?`. */
export function ariaKeys(action: Action): string {
  const s = SHORTCUTS.find((x) => x.action === action);
  if (!s) return '';
  return s.keys
    .map((k) => (k === ' ' ? 'Space' : k === '?' || k === '<' || k === '>' ? `Shift+${k}` : k))
    .join(' ');
}

/**
 * Where a key press happens: `text` (typing: text fields, text areas,
 * contenteditable, sliders), `select` (a list box, whose keys are its own),
 * `button` (space and Enter press it), `other` (the video, the player's
 * background).
 */
export type FocusKind = 'text' | 'select' | 'button' | 'other';

/** What {@link focusKind} needs of an element. */
export interface FocusTarget {
  tagName?: string;
  type?: string;
  isContentEditable?: boolean;
  getAttribute?(name: string): string | null;
}

const PRESSABLE_INPUTS = new Set(['button', 'submit', 'reset', 'checkbox', 'radio', 'image', 'file', 'color']);
const TEXT_ROLES = new Set(['textbox', 'searchbox', 'combobox', 'slider', 'spinbutton', 'listbox']);

/** The {@link FocusKind} of the element a key press is aimed at. */
export function focusKind(el: FocusTarget | null | undefined): FocusKind {
  if (!el) return 'other';
  const tag = (el.tagName ?? '').toUpperCase();
  if (el.isContentEditable || tag === 'TEXTAREA') return 'text';
  if (tag === 'SELECT') return 'select';
  if (tag === 'INPUT') return PRESSABLE_INPUTS.has((el.type ?? 'text').toLowerCase()) ? 'button' : 'text';
  const role = el.getAttribute?.('role') ?? '';
  if (TEXT_ROLES.has(role)) return 'text';
  if (tag === 'BUTTON' || tag === 'A' || tag === 'SUMMARY' || role === 'button' || role === 'link') {
    return 'button';
  }
  return 'other';
}

/** What {@link resolveShortcut} needs of a key press. */
export interface KeyPress {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  isComposing?: boolean;
}

/**
 * The action a key press asks for, or null: never while typing or in a list
 * box, never with Ctrl, ⌘ or Alt (the browser's and screen reader's own),
 * never during IME composition, and space or Enter on a button press it.
 */
export function resolveShortcut(e: KeyPress, focus: FocusKind): Action | null {
  if (e.isComposing || e.ctrlKey || e.metaKey || e.altKey) return null;
  if (focus === 'text' || focus === 'select') return null;
  const key = /^[A-Z]$/.test(e.key) ? e.key.toLowerCase() : e.key;
  if (focus === 'button' && (key === ' ' || key === 'Enter')) return null;
  return SHORTCUTS.find((s) => s.keys.includes(key))?.action ?? null;
}

// ---- preferences ------------------------------------------------------------

/** `GET`/`PUT /api/v1/me/preferences`: the same on every device. */
export interface Prefs {
  playback_rate: number;
  /** A caption language (`ja`, `en`, `pt-BR`), or empty for captions off. */
  captions: string;
}

export const DEFAULT_PREFS: Readonly<Prefs> = { playback_rate: 1, captions: '' };

const LANG_TAG = /^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/;

/**
 * `base` with the fields of `update` that are valid (an accepted rate; a
 * language tag or empty): a server answer over what was known, or changes
 * not yet saved over a server answer. Anything else keeps `base`.
 */
export function mergePrefs(base: Readonly<Prefs>, update: unknown): Prefs {
  const out: Prefs = { playback_rate: base.playback_rate, captions: base.captions };
  if (!update || typeof update !== 'object') return out;
  const u = update as Record<string, unknown>;
  if (isRate(u.playback_rate)) out.playback_rate = u.playback_rate;
  if (typeof u.captions === 'string' && (u.captions === '' || (u.captions.length <= 35 && LANG_TAG.test(u.captions)))) {
    out.captions = u.captions;
  }
  return out;
}

export function samePrefs(a: Readonly<Prefs>, b: Readonly<Prefs>): boolean {
  return a.playback_rate === b.playback_rate && a.captions === b.captions;
}

/**
 * Which of a video's caption languages to show for the preference `wanted`:
 * the same tag (any case), else the same primary language (`ja` for
 * `ja-JP`); -1 when `wanted` is empty (off) or the video has none of it.
 */
export function pickCaption(langs: readonly string[], wanted: string): number {
  if (!wanted) return -1;
  const want = wanted.toLowerCase();
  const exact = langs.findIndex((l) => l.toLowerCase() === want);
  if (exact >= 0) return exact;
  const primary = want.split('-')[0];
  return langs.findIndex((l) => l.toLowerCase().split('-')[0] === primary);
}

/** A caption language's name when the playlist gives none. */
export function captionName(lang: string, name?: string): string {
  if (name && name.trim()) return name.trim();
  const primary = lang.toLowerCase().split('-')[0];
  if (primary === 'ja') return t('captions.ja');
  if (primary === 'en') return t('captions.en');
  return lang || t('player.captions');
}

/** 「字幕 オン（日本語）」 / 「字幕 オフ」. */
export function captionsMessage(name: string | null): string {
  return name ? t('captions.on', { name }) : t('captions.off');
}

export type CaptionSize = 's' | 'm' | 'l';

const captionSize = (id: CaptionSize): { id: CaptionSize; readonly label: string } => ({
  id,
  get label() {
    return t(`captionSize.${id}`);
  },
});

export const CAPTION_SIZES: readonly { id: CaptionSize; readonly label: string }[] = [
  captionSize('s'),
  captionSize('m'),
  captionSize('l'),
];

/** A stored caption size, else 中. */
export function parseCaptionSize(raw: unknown): CaptionSize {
  return raw === 's' || raw === 'm' || raw === 'l' ? raw : 'm';
}

/** 「字幕の大きさ 大」. */
export function captionSizeMessage(size: CaptionSize): string {
  return t('captionSize.said', { size: t(`captionSize.${CAPTION_SIZES.some((s) => s.id === size) ? size : 'm'}`) });
}

// ---- captions in HLS --------------------------------------------------------

/**
 * The segment URIs of a WebVTT media playlist (RFC 8216), in order: the
 * lines that are neither blank nor tags or comments.
 */
export function playlistSegments(playlist: string): string[] {
  return playlist
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

/**
 * One WebVTT file from a playlist's segments: the first whole, the header
 * block (`WEBVTT` up to the first blank line) of the others left out.
 */
export function joinVtt(parts: readonly string[]): string {
  return parts
    .map((p, i) => {
      const text = p.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
      if (i === 0) return text.trimEnd();
      const blank = text.indexOf('\n\n');
      return blank < 0 ? '' : text.slice(blank + 2).trim();
    })
    .filter(Boolean)
    .join('\n\n')
    .concat('\n');
}
