/**
 * The page's language (Japanese by default, English on request) and the
 * lookup of its words. Each bundle registers its own message table
 * (messages.ts for the learner pages, admin/messages.ts, editor/messages.ts)
 * and reads words with `t(key, vars)`; a word with no English falls back to
 * the Japanese, and an unknown key to the key itself (so a slip shows).
 *
 * The language in force is `<html lang>`, which every bundle reads, so the
 * on-demand bundles follow a switch made in the header; the choice is kept
 * in this browser (localStorage: the first paint, and the language before
 * login) and, once logged in, with the user (`/api/v1/me/preferences`,
 * lang-sync.ts; which of the two applies: `resolveLang`). Without a
 * document (unit tests) it is kept in this module. Pure apart from those
 * places.
 */

export type Lang = 'ja' | 'en';
export const LANGS: readonly Lang[] = ['ja', 'en'];

/** One word or sentence: Japanese always, English when translated. */
export interface Message {
  ja: string;
  en?: string;
}
export type Messages = Record<string, Message>;

const STORAGE_KEY = 'manabi.lang';
/** Set while this browser's choice has not reached the user's preferences. */
const UNSAVED_KEY = 'manabi.lang.unsaved';
const table: Messages = {};
let current: Lang = 'ja';

/** Adds a bundle's messages (a key defined twice keeps the last). */
export function defineMessages(messages: Messages): void {
  Object.assign(table, messages);
}

/** `ja` or `en` from anything (`en-US` → `en`); Japanese for the rest. */
export function toLang(value: unknown): Lang {
  return typeof value === 'string' && /^en\b/i.test(value) ? 'en' : 'ja';
}

/** The language in force: `<html lang>` when there is a page. */
export function getLang(): Lang {
  if (typeof document !== 'undefined' && document.documentElement.lang) {
    return toLang(document.documentElement.lang);
  }
  return current;
}

/** The language kept in this browser, Japanese when none (or no storage). */
export function storedLang(): Lang {
  try {
    return toLang(globalThis.localStorage?.getItem(STORAGE_KEY));
  } catch {
    return 'ja';
  }
}

/** Switches the language: `<html lang>` and this browser's choice. */
export function setLang(lang: Lang): void {
  current = lang;
  if (typeof document !== 'undefined') document.documentElement.lang = lang;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, lang);
  } catch {
    /* storage disabled: this page only */
  }
}

/** Whether a choice made in this browser has not been saved with the user yet. */
export function langUnsaved(): boolean {
  try {
    return globalThis.localStorage?.getItem(UNSAVED_KEY) === '1';
  } catch {
    return false;
  }
}

/** Marks this browser's choice as waiting to be saved with the user, or saved. */
export function markLangUnsaved(unsaved: boolean): void {
  try {
    if (unsaved) globalThis.localStorage?.setItem(UNSAVED_KEY, '1');
    else globalThis.localStorage?.removeItem(UNSAVED_KEY);
  } catch {
    /* storage disabled */
  }
}

/** The language the server keeps for the user: `ja` or `en`, else null (none, or an older server). */
export function serverLang(value: unknown): Lang | null {
  return value === 'ja' || value === 'en' ? value : null;
}

/**
 * Which language applies once the user is known: a choice made in this
 * browser and not yet saved with the user (chosen before login, or its
 * save failed) wins and is to be saved; else the user's stored language
 * (so it follows them to every device); else, when the server has none or
 * did not answer, the one in force.
 */
export function resolveLang(
  current: Lang,
  unsaved: boolean,
  stored: unknown,
): { lang: Lang; save: boolean } {
  if (unsaved) return { lang: current, save: true };
  return { lang: serverLang(stored) ?? current, save: false };
}

/** `{name}` in `text` replaced by `vars.name` (unknown names are left as they are). */
export function fill(text: string, vars?: Record<string, string | number>): string {
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole,
  );
}

/**
 * The words of `key` in `lang` from `messages`: the English when asked for
 * and there, else the Japanese; the key itself when there is no such key.
 */
export function lookup(
  messages: Messages,
  key: string,
  lang: Lang,
  vars?: Record<string, string | number>,
): string {
  const m = Object.prototype.hasOwnProperty.call(messages, key) ? messages[key] : undefined;
  if (!m) return key;
  return fill(lang === 'en' && m.en !== undefined ? m.en : m.ja, vars);
}

/** The words of `key` in the language in force. */
export function t(key: string, vars?: Record<string, string | number>): string {
  return lookup(table, key, getLang(), vars);
}

/**
 * A server message in the language in force: the API writes
 * `日本語 (English)`; in Japanese the part before the parentheses, in
 * English the part in them (a sentence); the whole when it is not so made.
 */
export function serverMessage(message: string, lang: Lang = getLang()): string {
  const m = /^([\s\S]*?[^\x00-\x7f][\s\S]*?)\s*\(([\x20-\x7e]+)\)\s*$/.exec(message);
  if (!m?.[1] || !m[2]) return message;
  if (lang !== 'en') return m[1];
  const en = m[2].trim();
  return `${en.charAt(0).toUpperCase()}${en.slice(1)}${/[.!?]$/.test(en) ? '' : '.'}`;
}

/**
 * The `lang` of what the staff wrote (course titles, descriptions, notes,
 * notices — Japanese) where the page around it is in another language, so
 * screen readers read it with a Japanese voice (WCAG 3.1.2); null (no
 * attribute) while the page is Japanese.
 */
export function contentLang(): 'ja' | null {
  return getLang() === 'ja' ? null : 'ja';
}
