/**
 * One lesson's playback: the play grant, hls.js (or native HLS), resume,
 * rendition caps and the viewing heartbeats.
 *
 * Heartbeats (`POST /api/v1/play/{session_id}/heartbeat`) go every 10 s while
 * playing and on pause, seeked and ended, one at a time in `seq` order. When
 * the page is hidden or left they go by `navigator.sendBeacon` with the CSRF
 * token in the query, since a beacon cannot carry headers. Viewing time
 * counts only while the page is seen (docs/viewing-time.md), so hiding the
 * page (another tab, a minimised window, a locked phone) pauses playback,
 * and showing it again says so; a video in picture-in-picture is still seen
 * and plays on.
 *
 * Requests that fail otherwise are hls.js's to retry; the learner is told
 * beside the video, with 再試行, once they keep failing or the video stands
 * still while meant to play ({@link LoadWatch}), and when hls.js gives up.
 *
 * A heartbeat refused with 401/403/410 (logged out, account disabled,
 * session ended) ends playback at once: the media is released, so nothing
 * already buffered plays on, and the page is told (`sessionEnded`).
 *
 * Grants are short-lived: a heartbeat answer may carry a renewed
 * `master_url`, and every request hls.js makes from then on goes out with its
 * token ({@link withNewestGrant} in `xhrSetup`), without reloading. When the
 * origin refuses a request anyway (a pause longer than the grant), one
 * `renew` heartbeat asks for a fresh grant and loading resumes with it
 * ({@link afterDenial}); only a refused heartbeat ends the session.
 *
 * The controls around the video (speed, captions, shortcuts, resume) are
 * {@link PlayerUi}; the learner's speed and captions follow them
 * (`preferences.ts`). Captions are the master playlist's WebVTT subtitle
 * renditions: hls.js's light build lists them but does not load them, so
 * {@link LessonPlayer.prepareCaption} fetches one when it is first shown
 * (under the newest grant) and hands it to a native `<track>` as a blob.
 */
import Hls, { type MediaPlaylist } from 'hls.js';
import {
  ApiError,
  getCsrf,
  request,
  type HeartbeatResponse,
  type PlayResponse,
} from './api';
import { captionName, DEFAULT_PREFS, joinVtt, playlistSegments, type Prefs } from './controls';
import { startPosition } from './format';
import { afterDenial, isDenied, LoadWatch, withNewestGrant, type DenialStep } from './grant';
import { combineCaps, pickBitrateCap, qualityChoices } from './levels';
import { beaconUrl, buildHeartbeat, heartbeatUrl, PlayedTracker, type Interval } from './played';
import { t } from './messages';
import { PlayerUi, type CaptionTrack } from './player-ui';
import { flushPreferences, savePreferences } from './preferences';

/** Seconds between heartbeats while playing. */
export const HEARTBEAT_INTERVAL_MS = 10_000;

/** How often the player looks whether the video is moving (for {@link LoadWatch}). */
const LOAD_CHECK_MS = 1000;


/** Why a heartbeat goes out; `renew` asks for a fresh grant after a refusal. */
type Reason = 'interval' | 'pause' | 'seeked' | 'ended' | 'stop' | 'renew';

const now = (): number => performance.now();

/** A caption rendition of the master playlist and the `<track>` that shows it. */
interface CaptionSource {
  /** The subtitle media playlist (as listed, under the grant of then). */
  url: string;
  el: HTMLTrackElement;
  loading?: Promise<void>;
}

/** Plays one lesson in its own `<video>` element. */
export class LessonPlayer {
  /** The player to put on the page: the video with its controls. */
  readonly element: HTMLElement;
  readonly video: HTMLVideoElement;
  private readonly ui: PlayerUi;
  private readonly captionSources = new Map<TextTrack, CaptionSource>();
  private readonly blobUrls: string[] = [];
  private hls: Hls | null = null;
  private readonly tracker = new PlayedTracker();
  private sessionId = '';
  private masterUrl = '';
  private loadedUrl = '';
  private maxKbps = 0;
  private sizeCap = -1;
  private seq = 0;
  private lastSentPos = -1;
  private timer: number | undefined;
  private loadTimer: number | undefined;
  private readonly load = new LoadWatch();
  private chain: Promise<void> = Promise.resolve();
  /** The server ended the playback session (401/403/410). */
  private over = false;
  private stopped = false;
  private mediaRetries = 0;
  /** The master URL that was newest when a `renew` heartbeat last went out. */
  private renewedFrom: string | null = null;
  /** Recoveries from refused requests since media last loaded. */
  private recoveries = 0;
  private recovering = false;
  /** Playback was paused because the page was hidden. */
  private pausedHidden = false;
  private readonly offDoc: Array<() => void> = [];

  /**
   * `sessionEnded` hears the refusal that ended playback (a 401 means the
   * login is gone: the page goes back to the login form).
   */
  constructor(
    title: string,
    private readonly announce: (message: string) => void,
    private readonly sessionEnded: (err: unknown) => void = () => {},
  ) {
    const v = document.createElement('video');
    v.controls = true;
    v.preload = 'metadata';
    v.playsInline = true;
    v.setAttribute('aria-label', t('player.video', { title }));
    // The speed control is ours (its choice follows the learner), not the browser's menu.
    v.setAttribute('controlslist', 'noplaybackrate');
    this.video = v;
    this.ui = new PlayerUi(v, announce, {
      prepareCaption: (t) => this.prepareCaption(t),
      prefsChanged: (prefs) => savePreferences(prefs, announce),
      restart: () => this.restart(),
      chooseQuality: (index) => this.chooseQuality(index),
      retry: () => this.retryLoad(),
    });
    this.element = this.ui.element;
    this.listen();
  }

  /**
   * Starts playback of a grant from `POST /api/v1/videos/{id}/play` at the
   * learner's speed and captions; returns where it starts (seconds, 0 for
   * the beginning), said by the caller and shown with 「最初から再生」.
   * Playback starts at once only when `play` (the learner pressed the lesson
   * or a link to it); otherwise the learner presses play.
   */
  start(grant: PlayResponse, durationS: number | null, prefs: Prefs = DEFAULT_PREFS, play = true): number {
    this.sessionId = grant.session_id;
    this.masterUrl = grant.master_url;
    this.maxKbps = grant.max_bitrate_kbps;
    const start = startPosition(grant.resume_position_s, durationS);
    const v = this.video;
    // The poster (表紙) shows until the first frame: while loading, and
    // when the browser refuses to play before the learner presses play.
    if (grant.poster_url) v.poster = grant.poster_url;
    this.ui.usePrefs(prefs);
    if (start > 0) this.ui.showResume(start);
    if (Hls.isSupported()) {
      const hls = new Hls({
        capLevelToPlayerSize: true,
        startPosition: start > 0 ? start : -1,
        // A 4 GB PC with other tabs open: keep the buffer modest.
        maxBufferLength: 30,
        maxMaxBufferLength: 60,
        backBufferLength: 30,
        // hls.js opens the request itself only when this hook has not
        // (XhrLoader checks readyState), so a renewed token applies to every
        // playlist, init and segment request, retries included.
        xhrSetup: (xhr, url) => {
          const next = withNewestGrant(this.masterUrl, url, location.href);
          if (next !== url) xhr.open('GET', next, true);
        },
      });
      this.hls = hls;
      this.interceptCapping(hls);
      hls.on(Hls.Events.MANIFEST_LOADED, (_event, data) => this.offerCaptions(data.subtitles ?? []));
      hls.on(Hls.Events.MANIFEST_PARSED, () => this.applyCap());
      hls.on(Hls.Events.LEVELS_UPDATED, () => this.applyCap());
      hls.on(Hls.Events.FRAG_LOADED, () => {
        this.recoveries = 0;
        this.load.mediaLoaded();
        this.showLoad();
      });
      hls.on(Hls.Events.ERROR, (_event, data) => {
        const status = data.response?.code ?? 0;
        if (data.type === Hls.ErrorTypes.NETWORK_ERROR && isDenied(status)) {
          // Unknown: take it as sent with the newest grant, so it is renewed.
          this.onDenied(sentUrl(data.networkDetails) || this.masterUrl, data.fatal);
          return;
        }
        if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
          this.load.requestFailed();
          this.showLoad();
        }
        if (!data.fatal) return;
        this.onFatal(data.type);
      });
      hls.attachMedia(v);
      this.loadedUrl = this.masterUrl;
      hls.loadSource(this.masterUrl);
    } else if (v.canPlayType('application/vnd.apple.mpegurl')) {
      // Safari on iOS without Managed Media Source: native HLS, no caps.
      if (start > 0) {
        v.addEventListener('loadedmetadata', () => (v.currentTime = start), { once: true });
      }
      // Native HLS tells no HTTP status: any error may be an expired grant.
      v.addEventListener('error', () => void this.recover(this.loadedUrl, () => this.reloadNative()));
      v.addEventListener('playing', () => (this.recoveries = 0));
      // Safari shows the master's subtitle renditions itself, as text tracks.
      v.textTracks.addEventListener('addtrack', () => this.offerNativeCaptions());
      this.loadedUrl = this.masterUrl;
      v.src = this.masterUrl;
    } else {
      this.announce(t('player.unsupported'));
      return 0;
    }
    this.timer = window.setInterval(() => {
      if (!v.paused && !v.ended) this.heartbeat('interval');
    }, HEARTBEAT_INTERVAL_MS);
    this.loadTimer = window.setInterval(() => {
      this.load.observe(now(), !v.paused && !v.ended, v.currentTime);
      this.showLoad();
    }, LOAD_CHECK_MS);
    // Started from the learner's press; if the browser still refuses, the
    // learner presses the play button.
    if (play) {
      v.play().catch((err: unknown) => {
        if (err instanceof DOMException && err.name === 'NotAllowedError') {
          this.announce(t('player.pressPlay'));
        }
      });
    }
    return start;
  }

  /**
   * Sends the last heartbeat and a speed or caption choice not yet saved,
   * and releases the media. Resolves when both are answered (callers about
   * to log out wait for it).
   */
  stop(): Promise<void> {
    if (this.stopped) return this.chain;
    const v = this.video;
    if (!v.paused && !v.seeking) this.tracker.sample(v.currentTime, now(), v.playbackRate);
    this.tracker.reset();
    v.pause();
    this.heartbeat('stop');
    this.stopped = true;
    window.clearInterval(this.timer);
    window.clearInterval(this.loadTimer);
    for (const off of this.offDoc) off();
    this.ui.destroy();
    const done = Promise.all([this.chain, flushPreferences(true)]).then(() => {});
    void done.then(() => this.release());
    return done;
  }

  private release(): void {
    this.hls?.destroy();
    this.hls = null;
    const v = this.video;
    v.removeAttribute('src');
    v.load();
    for (const url of this.blobUrls.splice(0)) URL.revokeObjectURL(url);
  }

  /** 「最初から再生」. */
  private restart(): void {
    const v = this.video;
    if (v.readyState >= 1) v.currentTime = 0;
    // Not loaded yet: hls.js takes a seek before its first buffer as the start.
    else v.addEventListener('loadedmetadata', () => (v.currentTime = 0), { once: true });
    if (v.paused) {
      v.play().catch((err: unknown) => {
        if (err instanceof DOMException && err.name === 'NotAllowedError') {
          this.announce(t('player.pressPlay'));
        }
      });
    }
  }

  // ---- captions ------------------------------------------------------------

  /** hls.js listed the master's subtitle renditions: one `<track>` per language. */
  private offerCaptions(list: MediaPlaylist[]): void {
    if (this.captionSources.size || !list.length) return;
    const tracks: CaptionTrack[] = [];
    const langs = new Set<string>();
    for (const rendition of list) {
      const lang = rendition.lang ?? '';
      if (langs.has(lang) || !rendition.url) continue;
      langs.add(lang);
      const name = captionName(lang, rendition.name);
      const el = document.createElement('track');
      el.kind = 'subtitles';
      el.label = name;
      if (lang) el.srclang = lang;
      this.video.append(el);
      el.track.mode = 'disabled';
      this.captionSources.set(el.track, { url: rendition.url, el });
      tracks.push({ lang, name, track: el.track });
    }
    this.ui.setCaptionTracks(tracks);
  }

  /** Native HLS: the browser's own subtitle tracks. */
  private offerNativeCaptions(): void {
    const tracks: CaptionTrack[] = [];
    for (const track of Array.from(this.video.textTracks)) {
      if (track.kind !== 'subtitles' && track.kind !== 'captions') continue;
      tracks.push({ lang: track.language, name: captionName(track.language, track.label), track });
    }
    this.ui.setCaptionTracks(tracks);
  }

  /**
   * Loads a caption rendition once: its playlist, then its WebVTT
   * segment(s), joined into one blob for the `<track>` (native tracks are
   * the browser's own: nothing to do).
   */
  private prepareCaption(caption: CaptionTrack): Promise<void> {
    const source = this.captionSources.get(caption.track);
    if (!source || source.el.getAttribute('src')) return Promise.resolve();
    source.loading ??= (async () => {
      const playlist = await this.fetchMedia(source.url);
      const segments = playlistSegments(playlist).map((u) => new URL(u, source.url).href);
      if (!segments.length) throw new Error('no caption segments');
      const parts: string[] = [];
      for (const segment of segments) parts.push(await this.fetchMedia(segment));
      const url = URL.createObjectURL(new Blob([joinVtt(parts)], { type: 'text/vtt' }));
      this.blobUrls.push(url);
      source.el.src = url;
    })();
    source.loading.catch(() => (source.loading = undefined));
    return source.loading;
  }

  /**
   * A text file of this playback from the origin, under the newest grant;
   * refused once (the grant ran out while paused), renewed and asked again.
   */
  private async fetchMedia(url: string): Promise<string> {
    for (let attempt = 0; ; attempt += 1) {
      let res: Response | null = null;
      try {
        res = await fetch(withNewestGrant(this.masterUrl, url, location.href));
      } catch {
        res = null;
      }
      if (res?.ok) return res.text();
      if (res && isDenied(res.status) && attempt === 0 && !this.over && !this.stopped) {
        const before = this.masterUrl;
        this.renew();
        await this.chain;
        if (this.masterUrl !== before) continue;
      }
      throw new Error(`caption request failed: ${res?.status ?? 'network'}`);
    }
  }

  private listen(): void {
    const v = this.video;
    const tracker = this.tracker;
    v.addEventListener('playing', () => tracker.anchor(v.currentTime, now()));
    v.addEventListener('timeupdate', () => {
      if (!v.paused && !v.seeking) tracker.sample(v.currentTime, now(), v.playbackRate);
    });
    v.addEventListener('ratechange', () => {
      if (!v.paused && !v.seeking) tracker.sample(v.currentTime, now(), v.playbackRate);
    });
    v.addEventListener('seeking', () => tracker.reset());
    v.addEventListener('seeked', () => {
      if (!v.paused) tracker.anchor(v.currentTime, now());
      this.heartbeat('seeked');
    });
    v.addEventListener('pause', () => {
      if (!v.seeking) tracker.sample(v.currentTime, now(), v.playbackRate);
      tracker.reset();
      this.heartbeat('pause');
    });
    v.addEventListener('ended', () => {
      tracker.sample(v.currentTime, now(), v.playbackRate);
      tracker.reset();
      this.heartbeat('ended');
    });
    const onVisibility = (): void => {
      if (document.visibilityState === 'hidden') {
        // The beacon first: it takes what was played up to now.
        this.beacon();
        if (!v.paused && !this.over && document.pictureInPictureElement !== v) {
          this.pausedHidden = true;
          v.pause();
        }
      } else if (this.pausedHidden) {
        this.pausedHidden = false;
        this.announce(t('player.pausedHidden'));
      }
    };
    const onPageHide = (): void => this.beacon();
    document.addEventListener('visibilitychange', onVisibility);
    window.addEventListener('pagehide', onPageHide);
    this.offDoc.push(
      () => document.removeEventListener('visibilitychange', onVisibility),
      () => window.removeEventListener('pagehide', onPageHide),
    );
  }

  /** Resolves once the heartbeats queued so far are answered (or failed). */
  sent(): Promise<void> {
    return this.chain;
  }

  /** Queues a heartbeat behind the one in flight, so `seq` arrives in order. */
  private heartbeat(reason: Reason): void {
    if (this.stopped || this.over || !this.sessionId) return;
    this.chain = this.chain.then(() => this.send(reason));
  }

  private async send(reason: Reason): Promise<void> {
    if (this.over) return;
    const v = this.video;
    if (!v.paused && !v.seeking) this.tracker.sample(v.currentTime, now(), v.playbackRate);
    // Read when sent, not when queued: after quick seeks the last one queued
    // reports where the learner ended up. So that it is not taken for
    // "nothing new", any move of more than a frame or two is news.
    const pos = v.currentTime;
    const played = this.tracker.take();
    const nothingNew = played.length === 0 && Math.abs(pos - this.lastSentPos) < 0.05;
    if (nothingNew && (reason === 'pause' || reason === 'seeked' || reason === 'stop')) return;
    const body = buildHeartbeat(++this.seq, pos, played, v.playbackRate);
    try {
      const res = await request<HeartbeatResponse>('POST', heartbeatUrl(this.sessionId), {
        body,
        keepalive: reason === 'stop',
      });
      this.lastSentPos = pos;
      this.onHeartbeatResponse(res);
    } catch (err) {
      this.onHeartbeatError(err, played);
    }
  }

  /** Last words when the page is hidden or left: a beacon, else keepalive fetch. */
  private beacon(): void {
    if (this.stopped || this.over || !this.sessionId) return;
    const token = getCsrf();
    if (!token) return;
    const v = this.video;
    if (!v.paused && !v.seeking) this.tracker.sample(v.currentTime, now(), v.playbackRate);
    const pos = v.currentTime;
    const played = this.tracker.take();
    if (played.length === 0 && Math.abs(pos - this.lastSentPos) < 0.5) return;
    const body = buildHeartbeat(++this.seq, pos, played, v.playbackRate);
    this.lastSentPos = pos;
    let queued = false;
    try {
      const blob = new Blob([JSON.stringify(body)], { type: 'application/json' });
      queued = typeof navigator.sendBeacon === 'function' &&
        navigator.sendBeacon(beaconUrl(this.sessionId, token), blob);
    } catch {
      queued = false;
    }
    if (!queued) {
      request<HeartbeatResponse>('POST', heartbeatUrl(this.sessionId), { body, keepalive: true })
        .then((res) => this.onHeartbeatResponse(res))
        .catch((err: unknown) => this.onHeartbeatError(err, played));
    }
  }

  private onHeartbeatResponse(res: HeartbeatResponse | undefined): void {
    if (!res) return;
    if (typeof res.max_bitrate_kbps === 'number' && res.max_bitrate_kbps !== this.maxKbps) {
      this.maxKbps = res.max_bitrate_kbps;
      this.applyCap();
    }
    // A renewed grant: hls.js's next request already carries it (xhrSetup).
    if (typeof res.master_url === 'string' && res.master_url) this.masterUrl = res.master_url;
  }

  private onHeartbeatError(err: unknown, played: Interval[]): void {
    if (err instanceof ApiError && [401, 403, 410].includes(err.status)) {
      this.endSession(err);
      return;
    }
    // Not delivered (network, 5xx): the next heartbeat carries it again.
    this.tracker.restore(played);
  }

  private endSession(err: unknown): void {
    if (this.over) return;
    this.over = true;
    window.clearInterval(this.timer);
    window.clearInterval(this.loadTimer);
    this.ui.showTrouble('none');
    this.video.pause();
    this.release();
    this.announce(t('player.sessionOver'));
    this.sessionEnded(err);
  }

  /**
   * Fatal hls.js errors other than a refused grant: hls.js has used up its
   * own retries, so the learner is told and may press 再試行.
   */
  private onFatal(type: string): void {
    const hls = this.hls;
    if (!hls || this.stopped) return;
    if (type === Hls.ErrorTypes.MEDIA_ERROR && this.mediaRetries < 1) {
      this.mediaRetries += 1;
      hls.recoverMediaError();
      return;
    }
    this.loadFailed();
  }

  /** Loading has stopped for good: said beside the video, with 再試行. */
  private loadFailed(): void {
    this.hls?.stopLoad();
    this.load.giveUp();
    this.showLoad();
  }

  /** Shows what {@link LoadWatch} says now (nothing once playback is over). */
  private showLoad(): void {
    if (this.stopped || this.over) return;
    this.ui.showTrouble(this.load.trouble(now()));
  }

  /** 再試行: loading again from where the video is, with the newest grant. */
  private retryLoad(): void {
    if (this.stopped || this.over) return;
    this.load.restart();
    this.mediaRetries = 0;
    this.recoveries = 0;
    if (this.hls) {
      this.hls.stopLoad();
      this.resumeHls();
    } else {
      this.reloadNative();
    }
  }

  /**
   * The origin refused a request (401/403/410). hls.js first tries other
   * renditions (not fatal): have the fresh grant ready by then. Once it
   * gives up (fatal), recover and load on from where we are.
   */
  private onDenied(refused: string, fatal: boolean): void {
    if (this.stopped) return;
    if (!fatal) {
      if (this.denialStep(refused) === 'renew') this.renew();
      return;
    }
    void this.recover(refused, () => this.resumeHls());
  }

  private denialStep(refused: string): DenialStep {
    return afterDenial({
      latest: this.masterUrl,
      refused,
      renewedFrom: this.renewedFrom,
      recoveries: this.recoveries,
      base: location.href,
    });
  }

  /** Queues a `renew` heartbeat, once per grant (see {@link afterDenial}). */
  private renew(): void {
    this.renewedFrom = this.masterUrl;
    this.heartbeat('renew');
  }

  /**
   * After a refusal of `refused`: switch to a newer grant, renewing first if
   * there is none yet, then `resume`; a refused heartbeat has already ended
   * the session, anything else is a load failure.
   */
  private async recover(refused: string, resume: () => void): Promise<void> {
    if (this.recovering || this.stopped) return;
    this.recovering = true;
    try {
      // A heartbeat on its way may bring the newer grant already.
      await this.chain;
      if (this.stopped) return;
      let step = this.denialStep(refused);
      if (step === 'renew') {
        this.renew();
        await this.chain;
        step = this.denialStep(refused);
      }
      if (this.stopped) return;
      if (this.over) {
        this.hls?.stopLoad();
        return;
      }
      if (step === 'switch') {
        this.recoveries += 1;
        resume();
        return;
      }
      this.loadFailed();
    } finally {
      this.recovering = false;
    }
  }

  /** hls.js stopped at a fatal refusal: load on with the newest grant. */
  private resumeHls(): void {
    const hls = this.hls;
    if (!hls) return;
    const v = this.video;
    if (hls.levels.length > 0) {
      hls.startLoad(v.currentTime > 0 ? v.currentTime : -1);
    } else {
      // The master playlist itself was refused.
      this.loadedUrl = this.masterUrl;
      hls.loadSource(this.masterUrl);
    }
  }

  /** Native HLS: the same media at the same time under the newest grant. */
  private reloadNative(): void {
    const v = this.video;
    const at = v.currentTime;
    const playing = !v.paused;
    if (at > 0) {
      v.addEventListener('loadedmetadata', () => (v.currentTime = at), { once: true });
    }
    this.loadedUrl = this.masterUrl;
    v.src = this.masterUrl;
    if (playing) {
      v.play().catch((err: unknown) => {
        if (err instanceof DOMException && err.name === 'NotAllowedError') {
          this.announce(t('player.pressPlay'));
        }
      });
    }
  }

  /**
   * hls.js's `capLevelToPlayerSize` writes `autoLevelCapping` itself; route
   * those writes through {@link combineCaps} so the bitrate cap still holds.
   */
  private interceptCapping(hls: Hls): void {
    const desc = Object.getOwnPropertyDescriptor(Hls.prototype, 'autoLevelCapping');
    const get = desc?.get;
    const set = desc?.set;
    if (!get || !set) return;
    Object.defineProperty(hls, 'autoLevelCapping', {
      configurable: true,
      enumerable: true,
      get: () => get.call(hls) as number,
      set: (value: number) => {
        this.sizeCap = value;
        set.call(hls, combineCaps(value, pickBitrateCap(hls.levels, this.maxKbps)));
      },
    });
  }

  /** 画質 chosen by hand (a level index), or -1 for hls.js's automatic choice. */
  private chooseQuality(index: number): void {
    const hls = this.hls;
    if (!hls) return;
    // currentLevel switches now (dropping what is buffered), so the choice shows at once.
    hls.currentLevel = index;
  }

  /** Re-applies the stricter of the size cap and the bitrate cap, and the choices that fit. */
  private applyCap(): void {
    const hls = this.hls;
    if (!hls) return;
    const choices = qualityChoices(hls.levels, this.maxKbps);
    // A level chosen by hand that the new cap no longer allows: back to 自動.
    if (hls.manualLevel >= 0 && !choices.some((c) => c.index === hls.manualLevel)) {
      hls.currentLevel = -1;
      this.announce(t('player.autoQuality'));
    }
    this.ui.setQualities(choices, hls.manualLevel);
    const desc = Object.getOwnPropertyDescriptor(Hls.prototype, 'autoLevelCapping');
    const value = combineCaps(this.sizeCap, pickBitrateCap(hls.levels, this.maxKbps));
    if (desc?.set) desc.set.call(hls, value);
    else hls.autoLevelCapping = value;
  }
}

/**
 * The URL a failed hls.js request went out with (after `xhrSetup`), from its
 * XMLHttpRequest or fetch Response; empty when neither tells.
 */
function sentUrl(details: unknown): string {
  if (typeof XMLHttpRequest !== 'undefined' && details instanceof XMLHttpRequest) {
    return details.responseURL;
  }
  if (typeof Response !== 'undefined' && details instanceof Response) return details.url;
  return '';
}
