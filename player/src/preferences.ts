/**
 * Playback preferences that follow the learner (`GET`/`PUT
 * /api/v1/me/preferences`): read when a player starts, written a second
 * after the last change, at once (keepalive) when the player stops or the
 * page is left. Saving never interrupts playback: a failure is announced
 * politely once, until a save succeeds again, and the choice is kept for
 * this page. The caption size has no field in the API: it stays in this
 * browser (localStorage).
 */
import { api, ApiError } from './api';
import { t } from './messages';
import {
  DEFAULT_PREFS,
  mergePrefs,
  parseCaptionSize,
  samePrefs,
  type CaptionSize,
  type Prefs,
} from './controls';

export const SAVE_DELAY_MS = 1000;
const LOAD_TIMEOUT_MS = 3000;
const SIZE_KEY = 'manabi.captions.size';

/** The newest preferences known in this page: the server's, or the learner's choice. */
let known: Prefs = { ...DEFAULT_PREFS };
/** A choice not yet sent. */
let pending: Prefs | null = null;
/** A choice the server has not kept (it failed): laid over what it answers. */
let unsaved: Prefs | null = null;
let timer: number | undefined;
let saving: Promise<void> = Promise.resolve();
let failureSaid = false;
let say: (message: string) => void = () => {};
let listening = false;

/**
 * The preferences for a player about to start: after any save still on its
 * way, the server's answer (within 3 s) with a choice it has not kept laid
 * over; what was known before when it does not answer. Never rejects.
 */
export async function loadPreferences(): Promise<Prefs> {
  await flushPreferences();
  try {
    const answer = await Promise.race([
      api.preferences(),
      new Promise<null>((resolve) => window.setTimeout(() => resolve(null), LOAD_TIMEOUT_MS)),
    ]);
    if (answer) known = mergePrefs(known, answer);
  } catch {
    /* kept as known */
  }
  if (unsaved) {
    // Not kept last time: laid over the answer and tried again.
    known = mergePrefs(known, unsaved);
    pending = { ...known };
    timer = window.setTimeout(() => void flushPreferences(), SAVE_DELAY_MS);
  }
  return { ...known };
}

/**
 * Keeps the learner's choice, sent a second after the last change.
 * `announce` says the failure (once) if it cannot be kept.
 */
export function savePreferences(prefs: Prefs, announce: (message: string) => void): void {
  say = announce;
  listenForLeaving();
  if (samePrefs(prefs, known) && !pending) return;
  known = { ...prefs };
  pending = { ...prefs };
  window.clearTimeout(timer);
  timer = window.setTimeout(() => void flushPreferences(), SAVE_DELAY_MS);
}

/** Sends a waiting choice now; resolves when every save so far is answered. */
export function flushPreferences(keepalive = false): Promise<void> {
  window.clearTimeout(timer);
  timer = undefined;
  const body = pending;
  pending = null;
  if (!body) return saving;
  saving = saving.then(() =>
    api.savePreferences(body, keepalive).then(
      () => {
        failureSaid = false;
        if (unsaved && samePrefs(unsaved, body)) unsaved = null;
      },
      (err: unknown) => {
        unsaved = body;
        // Logged out: the pages say so themselves.
        if (err instanceof ApiError && err.status === 401) return;
        if (!failureSaid) {
          failureSaid = true;
          say(t('player.prefsFailed'));
        }
      },
    ),
  );
  return saving;
}

/** A choice made just before the page is left still goes out. */
function listenForLeaving(): void {
  if (listening) return;
  listening = true;
  window.addEventListener('pagehide', () => void flushPreferences(true));
}

/** The caption size chosen in this browser (中 by default). */
export function loadCaptionSize(): CaptionSize {
  try {
    return parseCaptionSize(localStorage.getItem(SIZE_KEY));
  } catch {
    return 'm';
  }
}

export function saveCaptionSize(size: CaptionSize): void {
  try {
    localStorage.setItem(SIZE_KEY, size);
  } catch {
    /* storage disabled: this page only */
  }
}
