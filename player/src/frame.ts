/**
 * The page frame every page paints into (index.html): the main view, the
 * document title, the polite live region and the page heading that takes
 * the focus after navigation. Shared by main.ts and the learner pages.
 */
import { ApiError } from './api';
import { h } from './dom';
import { refusalText } from './format';
import { t } from './messages';
let firstRender = true;

/** The element of index.html with this id (it must be there). */
export const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing from index.html`);
  return el as T;
};

/** When the live region was last given something to say. */
let lastSaid = 0;

/** The message waiting for its tick, if any (a newer one replaces it). */
let pending = 0;

/** Says something in the polite live region (empty string clears it). */
export function announce(message: string): void {
  lastSaid = Date.now();
  const status = $('status');
  status.textContent = '';
  // A message still waiting (「追加しています…」) must not appear after a newer one.
  window.clearTimeout(pending);
  if (message) {
    // A fresh text node after a tick makes screen readers repeat equal messages.
    pending = window.setTimeout(() => (status.textContent = message), 50);
  }
}

/**
 * A message for any failure: the server's in the language in force (its
 * Japanese or its English part), how long to wait after too many attempts,
 * or a fallback.
 */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return refusalText(err.code, err.message, err.retryAfterS);
  return t('error.generic');
}

/**
 * Empties the live region on a new page, unless it was just given something
 * (a message said on the way there, e.g. 「ログインしました。」), so an old
 * message does not stay above a page it is not about.
 */
export function clearStaleStatus(): void {
  if (Date.now() - lastSaid > 2000) $('status').textContent = '';
}

/** Replaces the main view, sets the title and (after navigation) focus. */
export function show(title: string, ...content: Node[]): void {
  const view = $('view');
  view.replaceChildren(...content);
  document.title = `${title} | ${t('site.title')}`;
  if (!firstRender) view.querySelector<HTMLElement>('h1')?.focus();
  firstRender = false;
}

/** The page's h1, focusable so that navigation can move the focus to it. */
export function heading(text: string): HTMLHeadingElement {
  return h('h1', { tabindex: -1 }, text);
}
