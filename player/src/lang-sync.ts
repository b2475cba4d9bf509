/**
 * The language follows the user across devices: kept with them in
 * `GET`/`PUT /api/v1/me/preferences` (`language`, `ja` or `en`). This
 * browser's choice (localStorage) is the first paint and the language
 * before login; once the user is known, `syncLang` applies their stored
 * language, or saves a choice made here that has not reached them yet
 * (i18n.ts `resolveLang`). A switch while logged in is saved at once with
 * the current speed and captions; a failed save stays marked in this
 * browser and is tried again at the next load or login.
 */
import { api, type PlaybackPreferences } from './api';
import { getLang, langUnsaved, markLangUnsaved, resolveLang, type Lang } from './i18n';
import { flushPreferences } from './preferences';

/** Increases on every switch, so an older answer never undoes a newer choice. */
let choices = 0;

/** The user's preferences, or null when they cannot be had. */
async function stored(): Promise<PlaybackPreferences | null> {
  try {
    return await api.preferences();
  } catch {
    return null;
  }
}

/**
 * Saves `lang` with the user: `PUT` with the current speed and captions
 * (`current`, else asked for first), after any playback change on its way.
 * True when saved; else it stays marked unsaved in this browser.
 */
export async function saveLang(lang: Lang, current?: PlaybackPreferences | null): Promise<boolean> {
  markLangUnsaved(true);
  await flushPreferences();
  const prefs = current ?? (await stored());
  if (!prefs) return false;
  try {
    await api.savePreferences({ playback_rate: prefs.playback_rate, captions: prefs.captions, language: lang });
  } catch {
    return false;
  }
  // Only if no other switch came meanwhile (that one saves itself).
  if (getLang() === lang) markLangUnsaved(false);
  return true;
}

/** The user switched in the header: kept here at once, with the user when logged in. */
export function langChosen(lang: Lang, loggedIn: boolean): void {
  choices++;
  markLangUnsaved(true);
  if (loggedIn) void saveLang(lang);
}

/**
 * Once the user is known (page load with a session, or login): applies
 * their stored language through `apply` (which draws the page again), or
 * saves the choice made in this browser.
 */
export async function syncLang(apply: (lang: Lang) => Promise<void> | void): Promise<void> {
  const before = choices;
  const prefs = await stored();
  if (choices !== before) return;
  const r = resolveLang(getLang(), langUnsaved(), prefs?.language);
  if (r.save) {
    if (prefs) await saveLang(r.lang, prefs);
  } else if (prefs && r.lang !== getLang()) {
    await apply(r.lang);
  }
}
