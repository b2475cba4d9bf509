/**
 * The lesson player's controls around its `<video>`: play/pause, skips,
 * mute, speed, captions and their size, full screen, the keyboard shortcuts
 * (while focus is in the player, not while typing) and their help dialog,
 * the resume notice, and what is said when the video does not load (with
 * 再試行). Every change is shown briefly over the video and
 * said through the page's polite live region. The pure parts (speeds, the
 * keymap, wording, preferences) are in `controls.ts`.
 */
import { t } from './messages';
import { h } from './dom';
import {
  CAPTION_SIZES,
  SHORTCUTS,
  SKIPS,
  ariaKeys,
  captionSizeMessage,
  captionsMessage,
  focusKind,
  isRate,
  parseCaptionSize,
  pickCaption,
  resolveShortcut,
  resumeMessage,
  seekMessage,
  speedLabel,
  speedMessage,
  speedOptions,
  spokenTime,
  stepSpeed,
  stepVolume,
  volumeMessage,
  type Action,
  type CaptionSize,
  type FocusTarget,
  type Prefs,
} from './controls';
import type { LoadTrouble } from './grant';
import { loadCaptionSize, saveCaptionSize } from './preferences';

/** A caption language of the video, as a text track of its `<video>`. */
export interface CaptionTrack {
  lang: string;
  name: string;
  track: TextTrack;
}

export interface PlayerUiHooks {
  /** Makes a caption track's cues ready (loaded once); rejects when it cannot. */
  prepareCaption(track: CaptionTrack): Promise<void>;
  /** The learner changed the speed or the captions. */
  prefsChanged(prefs: Prefs): void;
  /** 「最初から再生」: from the beginning, playing. */
  restart(): void;
  /** 画質: an hls.js level index, or -1 for automatic. */
  chooseQuality(index: number): void;
  /** 再試行: load again from where the video is. */
  retry(): void;
}

const FLASH_MS = 1500;

let instances = 0;

export class PlayerUi {
  /** The player area: video, notices, controls, help. Shortcuts work inside it. */
  readonly element: HTMLDivElement;
  private readonly flashBox: HTMLDivElement;
  private readonly resumeBox: HTMLDivElement;
  private readonly resumeText: HTMLParagraphElement;
  private readonly troubleBox: HTMLDivElement;
  private readonly slowText: HTMLParagraphElement;
  private readonly failedText: HTMLParagraphElement;
  private readonly retryButton: HTMLButtonElement;
  private trouble: LoadTrouble = 'none';
  private readonly playButton: HTMLButtonElement;
  private readonly muteButton: HTMLButtonElement;
  private readonly fullButton: HTMLButtonElement;
  private readonly speedSelect: HTMLSelectElement;
  private readonly captionField: HTMLDivElement;
  private readonly captionSelect: HTMLSelectElement;
  private readonly sizeField: HTMLDivElement;
  private readonly sizeSelect: HTMLSelectElement;
  private readonly qualityField: HTMLDivElement;
  private readonly qualitySelect: HTMLSelectElement;
  private readonly dialog: HTMLDialogElement;
  private prefs: Prefs = { playback_rate: 1, captions: '' };
  private captions: CaptionTrack[] = [];
  /** The caption track showing (index into `captions`), -1 for off. */
  private shown = -1;
  /** The one shown last, for the `c` key. */
  private lastShown = -1;
  /** A caption track is being loaded: its own mode changes are not the learner's. */
  private loadingCaption = false;
  private captionSeq = 0;
  private size: CaptionSize;
  private flashTimer: number | undefined;
  private opener: HTMLElement | null = null;
  /** The help is open as a plain box: no `showModal` in this browser. */
  private helpWithoutModal = false;
  private readonly off: Array<() => void> = [];

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly announce: (message: string) => void,
    private readonly hooks: PlayerUiHooks,
  ) {
    const n = ++instances;
    const ids = {
      speed: `player-speed-${n}`,
      captions: `player-captions-${n}`,
      size: `player-size-${n}`,
      quality: `player-quality-${n}`,
      hint: `player-hint-${n}`,
      help: `player-help-${n}`,
    };
    // Focusable itself, so the shortcuts work with focus on the video.
    video.tabIndex = 0;
    video.setAttribute('aria-describedby', ids.hint);

    const button = (label: string, action: Action, attrs: Record<string, string> = {}) =>
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          'aria-keyshortcuts': ariaKeys(action),
          onclick: () => this.perform(action),
          ...attrs,
        },
        label,
      );
    this.playButton = button(t('player.play'), 'play-pause');
    this.muteButton = button(t('player.mute'), 'mute', { 'aria-pressed': 'false' });
    this.fullButton = button(t('player.fullscreen'), 'fullscreen', { 'aria-pressed': 'false' });

    this.speedSelect = h('select', { id: ids.speed, 'aria-keyshortcuts': 'Shift+< Shift+>' });
    this.speedSelect.addEventListener('change', () => this.setRate(Number(this.speedSelect.value)));

    this.captionSelect = h('select', { id: ids.captions, 'aria-keyshortcuts': 'c' });
    this.captionSelect.addEventListener('change', () => {
      const v = this.captionSelect.value;
      void this.showCaption(v === '' ? -1 : Number(v), true);
    });
    this.captionField = h(
      'div',
      { class: 'player-field', hidden: true },
      h('label', { for: ids.captions }, t('player.captions')),
      this.captionSelect,
    );

    this.size = loadCaptionSize();
    this.sizeSelect = h(
      'select',
      { id: ids.size },
      ...CAPTION_SIZES.map((s) => h('option', { value: s.id }, s.label)),
    );
    this.sizeSelect.value = this.size;
    this.sizeSelect.addEventListener('change', () => this.setSize(parseCaptionSize(this.sizeSelect.value)));
    this.sizeField = h(
      'div',
      { class: 'player-field', hidden: true },
      h('label', { for: ids.size }, t('player.captionSize')),
      this.sizeSelect,
    );

    this.qualitySelect = h('select', { id: ids.quality });
    this.qualitySelect.addEventListener('change', () => {
      const index = Number(this.qualitySelect.value);
      this.hooks.chooseQuality(index);
      this.say(t('player.quality.said', { q: this.qualitySelect.selectedOptions[0]?.textContent ?? '' }));
    });
    this.qualityField = h(
      'div',
      { class: 'player-field', hidden: true },
      h('label', { for: ids.quality }, t('player.quality')),
      this.qualitySelect,
    );

    this.flashBox = h('div', { class: 'player-flash', 'aria-hidden': 'true', hidden: true });
    this.resumeText = h('p', {});
    this.resumeBox = h(
      'div',
      { class: 'resume-note', hidden: true },
      this.resumeText,
      h('button', { type: 'button', class: 'secondary', onclick: () => this.restart() }, t('player.restart')),
    );

    // Live regions from the start, so what is put in them is said: slow
    // politely, the failure at once (role="alert").
    this.slowText = h('p', { role: 'status' });
    this.failedText = h('p', { role: 'alert' });
    this.retryButton = h(
      'button',
      { type: 'button', class: 'secondary', hidden: true, onclick: () => this.retry() },
      t('player.retry'),
    );
    this.troubleBox = h('div', { class: 'load-trouble' }, this.slowText, this.failedText, this.retryButton);

    this.dialog = this.helpDialog(ids.help);
    const helpButton = button(t('player.shortcuts'), 'help', { 'aria-haspopup': 'dialog' });

    this.element = h(
      'div',
      { class: `player cc-${this.size}`, role: 'group', 'aria-label': t('player.label') },
      h('div', { class: 'video-frame' }, video, this.flashBox),
      this.troubleBox,
      this.resumeBox,
      h(
        'div',
        { class: 'player-bar', role: 'group', 'aria-label': t('player.controls') },
        this.playButton,
        button(t('player.back10'), 'back-10'),
        button(t('player.forward10'), 'forward-10'),
        this.muteButton,
        h('div', { class: 'player-field' }, h('label', { for: ids.speed }, t('player.speed')), this.speedSelect),
        this.captionField,
        this.sizeField,
        this.qualityField,
        this.fullButton,
        helpButton,
      ),
      h('p', { class: 'player-hint', id: ids.hint }, t('player.hint')),
      this.dialog,
    );
    this.fillSpeeds(this.prefs.playback_rate);
    this.listen();
  }

  /** Applies the learner's preferences before playback starts. */
  usePrefs(prefs: Prefs): void {
    this.prefs = { ...prefs };
    this.applyRate(prefs.playback_rate);
    if (this.captions.length) void this.showCaption(this.preferredCaption(), false);
  }

  /** The video's caption languages (once known); shown as the preference says. */
  setCaptionTracks(tracks: CaptionTrack[]): void {
    this.captions = tracks;
    this.captionSelect.replaceChildren(
      h('option', { value: '' }, t('player.captions.off')),
      ...tracks.map((t, i) => h('option', { value: String(i) }, t.name)),
    );
    this.captionField.hidden = tracks.length === 0;
    this.sizeField.hidden = tracks.length === 0;
    this.shown = -1;
    void this.showCaption(this.preferredCaption(), false);
  }

  /**
   * The qualities the learner may choose (besides 自動), highest first;
   * `chosen` is the index in use by hand, or -1 for 自動. Hidden with fewer
   * than two to choose from (or where the browser plays HLS itself).
   */
  setQualities(choices: readonly { index: number; label: string }[], chosen: number): void {
    this.qualitySelect.replaceChildren(
      h('option', { value: '-1' }, t('player.quality.auto')),
      ...choices.map((c) => h('option', { value: String(c.index) }, c.label)),
    );
    this.qualitySelect.value = choices.some((c) => c.index === chosen) ? String(chosen) : '-1';
    this.qualityField.hidden = choices.length < 2;
  }

  /** Says where playback resumes, with a button to start from the beginning. */
  showResume(seconds: number): void {
    this.resumeText.textContent = resumeMessage(seconds);
    this.resumeBox.hidden = false;
  }

  /** Says beside the video that it is slow to load or failed, with 再試行; `none` clears it. */
  showTrouble(trouble: LoadTrouble): void {
    if (trouble === this.trouble) return;
    this.trouble = trouble;
    this.slowText.textContent = trouble === 'slow' ? t('player.slow') : '';
    this.failedText.textContent = trouble === 'failed' ? t('player.loadFailed') : '';
    this.retryButton.hidden = trouble === 'none';
    this.troubleBox.className = `load-trouble is-${trouble}`;
  }

  destroy(): void {
    window.clearTimeout(this.flashTimer);
    for (const off of this.off) off();
    if (this.dialog.hasAttribute('open')) this.closeHelp();
  }

  // ---- actions ---------------------------------------------------------------

  private perform(action: Action): void {
    const skip = SKIPS[action];
    if (skip !== undefined) {
      this.skip(skip);
      return;
    }
    switch (action) {
      case 'play-pause':
        this.togglePlay();
        break;
      case 'volume-up':
        this.stepVolume(1);
        break;
      case 'volume-down':
        this.stepVolume(-1);
        break;
      case 'mute':
        this.video.muted = !this.video.muted;
        this.say(t(this.video.muted ? 'player.muted' : 'player.unmuted'));
        break;
      case 'slower':
        this.setRate(stepSpeed(this.prefs.playback_rate, -1));
        break;
      case 'faster':
        this.setRate(stepSpeed(this.prefs.playback_rate, 1));
        break;
      case 'captions':
        this.toggleCaptions();
        break;
      case 'fullscreen':
        this.toggleFullscreen();
        break;
      case 'help':
        this.openHelp();
        break;
      default:
        break;
    }
  }

  private togglePlay(): void {
    const v = this.video;
    if (v.paused || v.ended) {
      this.say(t('player.play'));
      v.play().catch((err: unknown) => {
        if (err instanceof DOMException && err.name === 'NotAllowedError') this.announce(t('player.pressPlay'));
      });
    } else {
      v.pause();
      this.say(t('player.paused', { time: spokenTime(v.currentTime) }));
    }
  }

  private skip(delta: number): void {
    const v = this.video;
    if (v.readyState < 1) return;
    const end = Number.isFinite(v.duration) ? v.duration : Infinity;
    const to = Math.min(end, Math.max(0, v.currentTime + delta));
    v.currentTime = to;
    this.say(seekMessage(delta, to));
  }

  private stepVolume(direction: 1 | -1): void {
    const v = this.video;
    if (direction > 0 && v.muted) {
      v.muted = false;
      if (v.volume === 0) v.volume = 0.1;
    } else {
      v.volume = stepVolume(v.volume, direction);
    }
    this.say(volumeMessage(v.volume, v.muted));
  }

  /** The learner chose a speed (the control, a key, the browser's own menu). */
  private setRate(rate: number): void {
    if (!isRate(rate)) {
      this.fillSpeeds(this.prefs.playback_rate);
      return;
    }
    const changed = rate !== this.prefs.playback_rate;
    this.prefs = { ...this.prefs, playback_rate: rate };
    this.applyRate(rate);
    this.say(speedMessage(rate));
    if (changed) this.hooks.prefsChanged({ ...this.prefs });
  }

  private applyRate(rate: number): void {
    const v = this.video;
    // The default too: a media reload (hls.js recovering) resets to it.
    v.defaultPlaybackRate = rate;
    v.playbackRate = rate;
    this.fillSpeeds(rate);
  }

  private fillSpeeds(rate: number): void {
    this.speedSelect.replaceChildren(
      ...speedOptions(rate).map((s) => h('option', { value: String(s) }, speedLabel(s))),
    );
    this.speedSelect.value = String(rate);
  }

  private preferredCaption(): number {
    return pickCaption(
      this.captions.map((t) => t.lang),
      this.prefs.captions,
    );
  }

  private toggleCaptions(): void {
    if (!this.captions.length) {
      this.say(t('player.noCaptions'));
      return;
    }
    if (this.shown >= 0) {
      void this.showCaption(-1, true);
      return;
    }
    const pick = this.lastShown >= 0 ? this.lastShown : Math.max(0, this.preferredCaption());
    void this.showCaption(pick, true);
  }

  /** Shows one caption track (-1: none); `byLearner` says and keeps the choice. */
  private async showCaption(index: number, byLearner: boolean): Promise<void> {
    const chosen = this.captions[index];
    const seq = ++this.captionSeq;
    this.shown = chosen ? index : -1;
    this.captionSelect.value = chosen ? String(index) : '';
    this.loadingCaption = true;
    try {
      for (const t of this.captions) if (t !== chosen) t.track.mode = 'disabled';
      if (chosen) {
        try {
          await this.hooks.prepareCaption(chosen);
        } catch {
          if (seq !== this.captionSeq) return;
          this.shown = -1;
          this.captionSelect.value = '';
          chosen.track.mode = 'disabled';
          this.say(t('player.captionsFailed'));
          return;
        }
        if (seq !== this.captionSeq) return;
        chosen.track.mode = 'showing';
        this.lastShown = index;
      }
    } finally {
      if (seq === this.captionSeq) this.loadingCaption = false;
    }
    if (!byLearner) return;
    this.say(captionsMessage(chosen ? chosen.name : null));
    const lang = chosen ? chosen.lang : '';
    if (lang !== this.prefs.captions) {
      this.prefs = { ...this.prefs, captions: lang };
      this.hooks.prefsChanged({ ...this.prefs });
    }
  }

  /** The browser's own captions menu changed a track: follow it. */
  private onTracksChanged(): void {
    if (this.loadingCaption || !this.captions.length) return;
    const showing = this.captions.findIndex((t) => t.track.mode === 'showing');
    if (showing === this.shown) return;
    void this.showCaption(showing, true);
  }

  private setSize(size: CaptionSize): void {
    this.element.classList.remove(`cc-${this.size}`);
    this.size = size;
    this.element.classList.add(`cc-${size}`);
    saveCaptionSize(size);
    this.say(captionSizeMessage(size));
  }

  private toggleFullscreen(): void {
    const doc = document;
    if (doc.fullscreenElement) {
      void doc.exitFullscreen().catch(() => {});
      return;
    }
    // The whole player, so its controls and shortcuts stay at hand.
    if (doc.fullscreenEnabled && typeof this.element.requestFullscreen === 'function') {
      this.element.requestFullscreen().catch(() => this.videoFullscreen());
      return;
    }
    this.videoFullscreen();
  }

  /** iPhone Safari: only the video itself goes full screen. */
  private videoFullscreen(): void {
    const v = this.video as HTMLVideoElement & { webkitEnterFullscreen?: () => void };
    if (typeof v.webkitEnterFullscreen === 'function') v.webkitEnterFullscreen();
    else this.say(t('player.noFullscreen'));
  }

  private restart(): void {
    this.resumeBox.hidden = true;
    // The button goes away: focus stays in the player.
    this.video.focus();
    this.hooks.restart();
    this.say(t('player.restarting'));
  }

  private retry(): void {
    this.showTrouble('none');
    // The button goes away: focus stays in the player.
    this.video.focus();
    this.hooks.retry();
    this.say(t('player.retrying'));
  }

  /** Says a change (live region) and shows it briefly over the video. */
  private say(message: string): void {
    this.announce(message);
    const box = this.flashBox;
    box.textContent = message;
    box.hidden = false;
    window.clearTimeout(this.flashTimer);
    this.flashTimer = window.setTimeout(() => (box.hidden = true), FLASH_MS);
  }

  // ---- shortcuts help ------------------------------------------------------------

  private helpDialog(id: string): HTMLDialogElement {
    const titleId = `${id}-title`;
    const close = h('button', { type: 'button', class: 'primary' }, t('close'));
    const dialog = h(
      'dialog',
      { class: 'modal shortcuts-help', 'aria-labelledby': titleId },
      h('h2', { id: titleId, class: 'modal-title' }, t('help.title')),
      h(
        'p',
        {},
        t('help.intro'),
      ),
      h(
        'table',
        { class: 'data shortcuts-table', 'aria-labelledby': titleId },
        h(
          'thead',
          {},
          h('tr', {}, h('th', { scope: 'col' }, t('help.key')), h('th', { scope: 'col' }, t('help.action'))),
        ),
        h(
          'tbody',
          {},
          ...SHORTCUTS.map((s) =>
            h('tr', {}, h('th', { scope: 'row' }, h('kbd', {}, s.label)), h('td', {}, s.description)),
          ),
          h('tr', {}, h('th', { scope: 'row' }, h('kbd', {}, 'Esc')), h('td', {}, t('help.close'))),
        ),
      ),
      h('div', { class: 'modal-actions' }, close),
    );
    close.addEventListener('click', () => this.closeHelp());
    // Escape: showModal's cancel closes it; without showModal (older Safari), here.
    dialog.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.helpWithoutModal) {
        e.preventDefault();
        this.closeHelp();
      }
    });
    dialog.addEventListener('close', () => this.restoreFocus());
    return dialog;
  }

  private openHelp(): void {
    const d = this.dialog;
    if (d.hasAttribute('open')) return;
    const active = document.activeElement;
    this.opener = active instanceof HTMLElement && this.element.contains(active) ? active : this.video;
    if (typeof d.showModal === 'function') {
      d.showModal();
    } else {
      this.helpWithoutModal = true;
      d.setAttribute('open', '');
      d.setAttribute('aria-modal', 'true');
      d.querySelector<HTMLButtonElement>('button')?.focus();
    }
  }

  private closeHelp(): void {
    const d = this.dialog;
    if (typeof d.close === 'function' && !this.helpWithoutModal) {
      d.close();
    } else {
      this.helpWithoutModal = false;
      d.removeAttribute('open');
      d.removeAttribute('aria-modal');
      this.restoreFocus();
    }
  }

  private restoreFocus(): void {
    const to = this.opener?.isConnected ? this.opener : this.video;
    this.opener = null;
    to.focus();
  }

  // ---- events --------------------------------------------------------------------

  private listen(): void {
    const v = this.video;
    const playing = (): void => {
      this.playButton.textContent = v.paused || v.ended ? t('player.play') : t('player.pause');
    };
    for (const type of ['play', 'pause', 'ended', 'emptied']) v.addEventListener(type, playing);
    v.addEventListener('volumechange', () => {
      this.muteButton.setAttribute('aria-pressed', String(v.muted || v.volume === 0));
    });
    // A speed chosen outside the control (the browser's menus): adopt it.
    v.addEventListener('ratechange', () => {
      if (Math.abs(v.playbackRate - this.prefs.playback_rate) > 1e-9) this.setRate(v.playbackRate);
    });
    v.textTracks.addEventListener('change', () => this.onTracksChanged());
    // Capturing, so the video's own keyboard handling (Chrome's controls
    // toggle playback on space too) never sees a key that is ours.
    this.element.addEventListener('keydown', (e) => this.onKey(e), true);
    this.element.addEventListener(
      'keyup',
      (e) => {
        if (!this.shortcutFor(e)) return;
        e.preventDefault();
        e.stopPropagation();
      },
      true,
    );
    const onFullscreen = (): void => {
      this.fullButton.setAttribute('aria-pressed', String(document.fullscreenElement === this.element));
    };
    document.addEventListener('fullscreenchange', onFullscreen);
    this.off.push(() => document.removeEventListener('fullscreenchange', onFullscreen));
  }

  /** The shortcut a key event inside the player asks for, if any. */
  private shortcutFor(e: KeyboardEvent): Action | null {
    if (e.defaultPrevented) return null;
    const target = e.target instanceof Element ? e.target : null;
    if (this.dialog.hasAttribute('open') || (target && this.dialog.contains(target))) return null;
    return resolveShortcut(e, focusKind(target as FocusTarget | null));
  }

  private onKey(e: KeyboardEvent): void {
    const action = this.shortcutFor(e);
    if (!action) return;
    // Ours alone: not also the native controls' or the page's scrolling.
    e.preventDefault();
    e.stopPropagation();
    this.perform(action);
  }
}
