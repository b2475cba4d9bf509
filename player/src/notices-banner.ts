/**
 * The notices banner above every page (`<section id="notices">`, docs/notices.md):
 * current incidents and announced maintenance for everyone logged in, asked
 * for at most once a minute unless forced (a login, a change refused for
 * maintenance, an admin's change). Urgent ones first; an active incident is
 * announced with role="alert" the first time only; which bodies the user
 * opened or closed is kept for the tab's life. The wording and order are
 * pure, in notices.ts.
 */
import { api, type Notice } from './api';
import { h, type Child } from './dom';
import { $ } from './frame';
import { contentLang } from './i18n';
import { t } from './messages';
import { kindLabel, orderNotices, shouldFetch, stateLabel, windowText } from './notices';

/** Whether notices are shown: someone is logged in with their own password. */
let shown = false;

/** Shows notices (after a login) or not (logged out, or a one-time password to change first). */
export function showNoticesFor(loggedIn: boolean): void {
  shown = loggedIn;
}

const OPEN_KEY = 'manabi.notices.open';
const ALERTED_KEY = 'manabi.notices.alerted';

/** A list kept for the tab's life (sessionStorage), or in memory. */
function remembered(key: string): string[] {
  try {
    const v: unknown = JSON.parse(sessionStorage.getItem(key) ?? '[]');
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
}

function remember(key: string, items: Iterable<string>): void {
  try {
    sessionStorage.setItem(key, JSON.stringify([...items].slice(-50)));
  } catch {
    /* storage disabled: memory only */
  }
}

/**
 * Bodies the user opened or closed (`id@updated_at` → open): by default
 * what applies now or is urgent is open, what is to come is closed.
 */
const openNotices = new Map<string, boolean>(
  remembered(OPEN_KEY).map((v): [string, boolean] => [v.slice(1), v.startsWith('+')]),
);
/** Active incidents already announced with role="alert" (ids). */
const alertedNotices = new Set(remembered(ALERTED_KEY));
let noticesAt = 0;
let noticesSeq = 0;
let noticesKey = '';

/** Forgets the notices shown (another user, or nobody, is logged in now). */
export function clearNotices(): void {
  noticesSeq += 1;
  noticesAt = 0;
  noticesKey = '';
  const box = document.getElementById('notices');
  if (box) {
    box.hidden = true;
    box.replaceChildren();
  }
}

/**
 * Asks for the current notices (at most once a minute unless `force`: a
 * login, a change refused for maintenance, an admin's change) and shows them.
 */
export function refreshNotices(force = false): void {
  if (!shown) return;
  const now = Date.now();
  if (!shouldFetch(noticesAt, now, force)) return;
  noticesAt = now;
  const seq = ++noticesSeq;
  api.notices().then(
    (list) => {
      if (seq === noticesSeq && shown) paintNotices(list.items);
    },
    () => {
      // Kept as it was; asked again on the next page.
      if (seq === noticesSeq) noticesAt = 0;
    },
  );
}

function paintNotices(items: Notice[]): void {
  const list = orderNotices(items);
  const key = JSON.stringify(list.map((n) => [n.id, n.updated_at, n.active]));
  if (key === noticesKey) return;
  noticesKey = key;
  const box = $('notices');
  const focused = box.contains(document.activeElement)
    ? document.activeElement?.closest('[data-notice]')?.getAttribute('data-notice')
    : null;
  const now = Date.now();
  // Visible before the items go in, so an alert among them is announced.
  box.hidden = list.length === 0;
  box.replaceChildren(
    ...(list.length ? [h('ul', { class: 'notice-list' }, ...list.map((n) => noticeItem(n, now)))] : []),
  );
  remember(ALERTED_KEY, alertedNotices);
  if (focused) box.querySelector<HTMLElement>(`[data-notice="${focused}"] summary`)?.focus();
}

/**
 * One notice: its kind and state, title and window (always shown); the
 * body collapses (a `<details>`), its line breaks kept by CSS.
 */
function noticeItem(n: Notice, now: number): HTMLLIElement {
  const id = String(n.id);
  const version = `${id}@${n.updated_at}`;
  // An active incident is announced once, not again on every refresh.
  const alert = n.kind === 'incident' && n.active && !alertedNotices.has(id);
  if (alert) alertedNotices.add(id);
  const head: Child[] = [
    h('span', { class: 'notice-kind' }, `${kindLabel(n.kind)}・${stateLabel(n, now)}`),
    ' ',
    n.urgent ? h('span', { class: 'notice-urgent' }, t('notice.urgent')) : null,
    n.urgent ? ' ' : null,
    h('strong', { class: 'notice-title', lang: contentLang() }, n.title),
    ' ',
    h('span', { class: 'notice-window' }, t('notice.window', { window: windowText(n.starts_at_local, n.ends_at_local) })),
  ];
  let content: HTMLElement;
  if (n.body) {
    const details = h(
      'details',
      { open: openNotices.get(version) ?? (n.active || n.urgent) },
      h('summary', {}, ...head),
      h('p', { class: 'notice-body', lang: contentLang() }, n.body),
    );
    details.addEventListener('toggle', () => {
      openNotices.delete(version);
      openNotices.set(version, details.open);
      remember(OPEN_KEY, [...openNotices].map(([v, open]) => `${open ? '+' : '-'}${v}`));
    });
    content = details;
  } else {
    content = h('div', { class: 'notice-head' }, ...head);
  }
  const cls = [
    'notice-item',
    n.kind === 'incident' ? 'is-incident' : 'is-maintenance',
    n.urgent ? 'is-urgent' : '',
    n.active ? 'is-active' : '',
  ];
  return h(
    'li',
    { class: cls.filter(Boolean).join(' '), 'data-notice': id },
    h('div', alert ? { role: 'alert' } : {}, content),
  );
}
