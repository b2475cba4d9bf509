/**
 * The idle-timeout warning: a modal alert dialog shown 2 minutes before the
 * login ends for lack of requests, counting down (said politely every 30 s
 * and at 10 s), with 「ログインを続ける」 (a `GET /api/v1/session`, which
 * restarts the server's idle clock) and 「ログアウトする」. Every answered API
 * request restarts the count, the player's heartbeats included, so nobody
 * is warned while a video plays; the tabs of one browser share the time of
 * the last request (localStorage), as they share the login. The timing is
 * pure, in idle.ts.
 */
import { api, ApiError, onAnswered } from './api';
import { h, keepTabInside } from './dom';
import { t } from './messages';
import { clockRestart, countdownText, idlePhase, latest, remainingMessage, shouldAnnounce } from './idle';

const SHARED_KEY = 'manabi.idleClock';

export interface IdleHooks {
  /** The login has ended: to the login page with the expiry message. */
  expired(): void;
  /** 「ログアウトする」. */
  logout(): void;
  /** Says something in the page's live region (after the dialog closed). */
  announce(message: string): void;
}

function sharedClock(): number | null {
  try {
    const v = Number(localStorage.getItem(SHARED_KEY));
    return Number.isFinite(v) && v > 0 ? v : null;
  } catch {
    return null;
  }
}

function shareClock(at: number): void {
  try {
    localStorage.setItem(SHARED_KEY, String(at));
  } catch {
    /* storage disabled: this tab only */
  }
}

/** Watches one login: start it after login, stop it when the login ends. */
export class IdleWarning {
  private timeoutS = 0;
  /** When the server's idle clock surely restarted last (epoch ms). */
  private restart: number | null = null;
  private timer: number | undefined;
  private readonly dialog: HTMLDialogElement;
  private readonly countdown: HTMLElement;
  private readonly said: HTMLElement;
  private readonly extendButton: HTMLButtonElement;
  private readonly logoutButton: HTMLButtonElement;
  private readonly title: HTMLElement;
  private readonly textBefore: Text;
  private readonly textAfter: Text;
  private opener: HTMLElement | null = null;

  constructor(private readonly hooks: IdleHooks) {
    this.countdown = h('strong', { class: 'idle-countdown' });
    this.said = h('p', { class: 'sr-only', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
    this.extendButton = h('button', { type: 'button', class: 'primary' });
    const logoutButton = h('button', { type: 'button', class: 'secondary' });
    this.logoutButton = logoutButton;
    this.title = h('h2', { id: 'idle-title', class: 'modal-title' });
    this.textBefore = document.createTextNode('');
    this.textAfter = document.createTextNode('');
    this.relabel();
    this.dialog = h(
      'dialog',
      {
        class: 'modal idle-dialog',
        role: 'alertdialog',
        'aria-modal': 'true',
        'aria-labelledby': 'idle-title',
        'aria-describedby': 'idle-text',
      },
      this.title,
      h('p', { id: 'idle-text' }, this.textBefore, this.countdown, this.textAfter),
      this.said,
      h('div', { class: 'modal-actions' }, this.extendButton, logoutButton),
    );
    this.extendButton.addEventListener('click', () => void this.extend());
    logoutButton.addEventListener('click', () => {
      this.close();
      this.hooks.logout();
    });
    // Escape means "I am here": the same as 「ログインを続ける」.
    this.dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      void this.extend();
    });
    // Focus stays in the dialog: Tab wraps round (showModal alone lets it out to the browser).
    this.dialog.addEventListener('keydown', (e) => keepTabInside(this.dialog, e));
    onAnswered((sentAt) => this.requested(sentAt));
    window.addEventListener('storage', (e) => {
      if (e.key === SHARED_KEY) this.schedule();
    });
    // Timers of hidden tabs are throttled: look again when it shows.
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.schedule();
    });
  }

  /** Puts the dialog's words in the language in force (after a switch). */
  relabel(): void {
    this.title.textContent = t('idle.title');
    this.textBefore.data = t('idle.text.before');
    this.textAfter.data = t('idle.text.after');
    this.extendButton.textContent = t('idle.extend');
    this.logoutButton.textContent = t('idle.logout');
  }

  /** Starts watching a login that ends after `timeoutS` seconds without requests. */
  start(timeoutS: number | undefined): void {
    this.stop();
    if (!timeoutS || timeoutS <= 0) return;
    this.timeoutS = timeoutS;
    // The login or session answer that brought us here was a request just now.
    this.requested(Date.now());
  }

  /** Stops watching (logged out, or the login ended). */
  stop(): void {
    this.timeoutS = 0;
    window.clearTimeout(this.timer);
    this.close();
  }

  /** An API request sent at `sentAt` was answered (not with 401). */
  private requested(sentAt: number): void {
    if (!this.timeoutS) return;
    const at = clockRestart(sentAt);
    this.restart = latest(this.restart, at);
    if (this.restart === at) shareClock(at);
    this.schedule();
  }

  /** Shows, updates or closes the dialog, and sets the next look. */
  private schedule(): void {
    window.clearTimeout(this.timer);
    if (!this.timeoutS) return;
    const last = latest(this.restart, sharedClock());
    if (last === null) return;
    const now = Date.now();
    const state = idlePhase(now, last, this.timeoutS);
    if (state.phase === 'expired') {
      this.stop();
      this.hooks.expired();
      return;
    }
    if (state.phase === 'active') {
      if (this.dialog.open) {
        this.close();
        this.hooks.announce(t('idle.extended'));
      }
      this.timer = window.setTimeout(() => this.schedule(), state.warnAt - now + 50);
      return;
    }
    // On opening, the dialog's own description says the time left: no second voice.
    const opened = this.open();
    this.countdown.textContent = countdownText(state.remainingS);
    if (!opened && shouldAnnounce(state.remainingS)) this.said.textContent = remainingMessage(state.remainingS);
    // Next whole second of the countdown.
    const toNext = ((state.endsAt - now) % 1000) || 1000;
    this.timer = window.setTimeout(() => this.schedule(), toNext + 20);
  }

  /** Opens the dialog; false when it was open already. */
  private open(): boolean {
    if (this.dialog.open) return false;
    const active = document.activeElement;
    this.opener = active instanceof HTMLElement ? active : null;
    this.said.textContent = '';
    if (!this.dialog.isConnected) document.body.append(this.dialog);
    if (typeof this.dialog.showModal === 'function') this.dialog.showModal();
    else this.dialog.setAttribute('open', '');
    this.extendButton.disabled = false;
    this.extendButton.focus();
    return true;
  }

  private close(): void {
    if (!this.dialog.open) return;
    if (typeof this.dialog.close === 'function') this.dialog.close();
    else this.dialog.removeAttribute('open');
    if (this.opener?.isConnected) this.opener.focus();
    this.opener = null;
  }

  /** 「ログインを続ける」: any answered request restarts the clock (see requested()). */
  private async extend(): Promise<void> {
    this.extendButton.disabled = true;
    try {
      await api.getSession();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        this.stop();
        this.hooks.expired();
        return;
      }
      this.said.textContent = t('idle.failed');
    } finally {
      this.extendButton.disabled = false;
    }
  }
}
