// The lesson player's pure controls (src/controls.ts): speeds, the keymap,
// spoken times, preferences, caption choice and WebVTT playlists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SPEEDS,
  SHORTCUTS,
  SKIPS,
  ariaKeys,
  isRate,
  speedLabel,
  speedMessage,
  speedOptions,
  stepSpeed,
  spokenTime,
  resumeMessage,
  resumeFrom,
  seekMessage,
  stepVolume,
  volumeMessage,
  focusKind,
  resolveShortcut,
  DEFAULT_PREFS,
  mergePrefs,
  samePrefs,
  pickCaption,
  captionName,
  captionsMessage,
  parseCaptionSize,
  captionSizeMessage,
  playlistSegments,
  joinVtt,
} from '../dist-test/controls.js';

test('the speeds offered and their labels', () => {
  assert.deepEqual(SPEEDS, [0.5, 0.75, 1, 1.25, 1.5, 2]);
  assert.equal(speedLabel(1), '1倍');
  assert.equal(speedLabel(1.5), '1.5倍');
  assert.equal(speedLabel(0.75), '0.75倍');
  assert.equal(speedLabel(1.2500000001), '1.25倍');
  assert.equal(speedMessage(1.5), '再生速度 1.5倍');
  assert.equal(speedMessage(2), '再生速度 2倍');
});

test('isRate: what the server accepts (0.25 … 4)', () => {
  for (const r of [0.25, 0.5, 1, 1.75, 4]) assert.equal(isRate(r), true, String(r));
  for (const r of [0, 0.2, 4.5, -1, NaN, Infinity, '1', null, undefined]) {
    assert.equal(isRate(r), false, String(r));
  }
});

test('speedOptions shows the speed in effect even when it is not offered', () => {
  assert.deepEqual(speedOptions(1), SPEEDS);
  assert.deepEqual(speedOptions(1.75), [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2]);
  assert.deepEqual(speedOptions(0.25), [0.25, 0.5, 0.75, 1, 1.25, 1.5, 2]);
  assert.deepEqual(speedOptions(9), SPEEDS);
  assert.deepEqual(speedOptions(NaN), SPEEDS);
});

test('stepSpeed moves along the list and stays at its ends', () => {
  assert.equal(stepSpeed(1, 1), 1.25);
  assert.equal(stepSpeed(1, -1), 0.75);
  assert.equal(stepSpeed(2, 1), 2);
  assert.equal(stepSpeed(0.5, -1), 0.5);
  // From a speed not offered: the next one each way.
  assert.equal(stepSpeed(1.75, 1), 2);
  assert.equal(stepSpeed(1.75, -1), 1.5);
  assert.equal(stepSpeed(3, 1), 2);
  assert.equal(stepSpeed(0.25, -1), 0.5);
});

test('spokenTime: whole seconds in Japanese, zero units left out', () => {
  assert.equal(spokenTime(192), '3分12秒');
  assert.equal(spokenTime(192.9), '3分12秒');
  assert.equal(spokenTime(180), '3分');
  assert.equal(spokenTime(45), '45秒');
  assert.equal(spokenTime(3725), '1時間2分5秒');
  assert.equal(spokenTime(3605), '1時間5秒');
  assert.equal(spokenTime(7200), '2時間');
  assert.equal(spokenTime(0), '0秒');
  assert.equal(spokenTime(0.6), '0秒');
  assert.equal(spokenTime(-3), '0秒');
  assert.equal(spokenTime(NaN), '0秒');
});

test('announcements: resume, skips, volume', () => {
  assert.equal(resumeMessage(192.4), '前回の続き（3分12秒）から再生します。');
  assert.equal(seekMessage(10, 65), '10秒進みました（1分5秒）');
  assert.equal(seekMessage(-5, 0), '5秒戻りました（0秒）');
  assert.equal(volumeMessage(0.6, false), '音量 60%');
  assert.equal(volumeMessage(0.6, true), '消音中');
  assert.equal(volumeMessage(0, false), '消音中');
});

test('the lesson buttons and 続きから見る name the second the player resumes at', () => {
  // 6.9 s: the player says 6秒, so the card must not say 7秒.
  assert.equal(resumeFrom(6.9), '・6秒から再開');
  assert.equal(resumeMessage(6.9), '前回の続き（6秒）から再生します。');
  assert.equal(resumeFrom(192.7), '・3分12秒から再開');
  assert.equal(resumeFrom(0.9), '', 'under a second: nothing to resume');
  assert.equal(resumeFrom(NaN), '');
});

test('stepVolume: tenths, within 0 … 1', () => {
  assert.equal(stepVolume(0.5, 1), 0.6);
  assert.equal(stepVolume(0.55, -1), 0.5);
  assert.equal(stepVolume(1, 1), 1);
  assert.equal(stepVolume(0.05, -1), 0);
  assert.equal(stepVolume(0, -1), 0);
  assert.equal(stepVolume(NaN, -1), 0.9);
});

test('the shortcut table: every key once, Japanese descriptions', () => {
  const keys = SHORTCUTS.flatMap((s) => s.keys);
  assert.equal(new Set(keys).size, keys.length);
  for (const k of [' ', 'k', 'j', 'l', 'ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'f', 'c', 'm', '?']) {
    assert.ok(keys.includes(k), `missing ${JSON.stringify(k)}`);
  }
  for (const s of SHORTCUTS) assert.match(s.description, /[ぁ-んァ-ヶ一-龠]/, s.action);
  assert.deepEqual(SKIPS, { 'back-10': -10, 'forward-10': 10, 'back-5': -5, 'forward-5': 5 });
  assert.equal(ariaKeys('play-pause'), 'Space k');
  assert.equal(ariaKeys('help'), 'Shift+?');
  assert.equal(ariaKeys('back-5'), 'ArrowLeft');
});

test('focusKind: typing, list boxes, buttons, the rest', () => {
  const el = (tagName, extra = {}) => ({ tagName, getAttribute: (n) => extra[n] ?? null, ...extra });
  assert.equal(focusKind(el('VIDEO')), 'other');
  assert.equal(focusKind(el('DIV')), 'other');
  assert.equal(focusKind(null), 'other');
  assert.equal(focusKind(el('INPUT', { type: 'text' })), 'text');
  assert.equal(focusKind(el('INPUT', { type: 'search' })), 'text');
  assert.equal(focusKind(el('INPUT', { type: 'range' })), 'text');
  assert.equal(focusKind(el('INPUT')), 'text');
  assert.equal(focusKind(el('INPUT', { type: 'checkbox' })), 'button');
  assert.equal(focusKind(el('TEXTAREA')), 'text');
  assert.equal(focusKind(el('DIV', { isContentEditable: true })), 'text');
  assert.equal(focusKind(el('DIV', { role: 'slider' })), 'text');
  assert.equal(focusKind(el('SELECT')), 'select');
  assert.equal(focusKind(el('BUTTON')), 'button');
  assert.equal(focusKind(el('A')), 'button');
  assert.equal(focusKind(el('DIV', { role: 'button' })), 'button');
});

test('resolveShortcut: the keymap', () => {
  const on = (key, focus = 'other', mods = {}) => resolveShortcut({ key, ...mods }, focus);
  assert.equal(on(' '), 'play-pause');
  assert.equal(on('k'), 'play-pause');
  assert.equal(on('K'), 'play-pause');
  assert.equal(on('j'), 'back-10');
  assert.equal(on('l'), 'forward-10');
  assert.equal(on('ArrowLeft'), 'back-5');
  assert.equal(on('ArrowRight'), 'forward-5');
  assert.equal(on('ArrowUp'), 'volume-up');
  assert.equal(on('ArrowDown'), 'volume-down');
  assert.equal(on('f'), 'fullscreen');
  assert.equal(on('c'), 'captions');
  assert.equal(on('m'), 'mute');
  assert.equal(on('?', 'other', { shiftKey: true }), 'help');
  assert.equal(on('<'), 'slower');
  assert.equal(on('>'), 'faster');
  assert.equal(on('x'), null);
  assert.equal(on('Enter'), null);
  assert.equal(on('Tab'), null);
});

test('resolveShortcut: never while typing, in a list box, with modifiers or IME', () => {
  for (const key of [' ', 'k', 'l', 'ArrowLeft', 'ArrowUp', '?', 'f']) {
    assert.equal(resolveShortcut({ key }, 'text'), null, `text ${key}`);
    assert.equal(resolveShortcut({ key }, 'select'), null, `select ${key}`);
  }
  assert.equal(resolveShortcut({ key: 'f', ctrlKey: true }, 'other'), null);
  assert.equal(resolveShortcut({ key: 'l', metaKey: true }, 'other'), null);
  assert.equal(resolveShortcut({ key: 'ArrowLeft', altKey: true }, 'other'), null);
  assert.equal(resolveShortcut({ key: 'k', isComposing: true }, 'other'), null);
});

test('resolveShortcut: space and Enter press a focused button; other keys still work there', () => {
  assert.equal(resolveShortcut({ key: ' ' }, 'button'), null);
  assert.equal(resolveShortcut({ key: 'Enter' }, 'button'), null);
  assert.equal(resolveShortcut({ key: 'k' }, 'button'), 'play-pause');
  assert.equal(resolveShortcut({ key: 'ArrowRight' }, 'button'), 'forward-5');
  assert.equal(resolveShortcut({ key: '?' }, 'button'), 'help');
});

test('mergePrefs keeps valid fields only', () => {
  assert.deepEqual(DEFAULT_PREFS, { playback_rate: 1, captions: '' });
  assert.deepEqual(mergePrefs(DEFAULT_PREFS, { playback_rate: 1.5, captions: 'ja' }), {
    playback_rate: 1.5,
    captions: 'ja',
  });
  assert.deepEqual(mergePrefs({ playback_rate: 1.25, captions: 'en' }, { playback_rate: 9, captions: 'x y' }), {
    playback_rate: 1.25,
    captions: 'en',
  });
  assert.deepEqual(mergePrefs({ playback_rate: 2, captions: 'ja' }, { captions: '' }), {
    playback_rate: 2,
    captions: '',
  });
  assert.deepEqual(mergePrefs(DEFAULT_PREFS, { captions: 'pt-BR', other: 1 }), { playback_rate: 1, captions: 'pt-BR' });
  assert.deepEqual(mergePrefs(DEFAULT_PREFS, null), DEFAULT_PREFS);
  assert.deepEqual(mergePrefs(DEFAULT_PREFS, 'ja'), DEFAULT_PREFS);
  assert.deepEqual(mergePrefs(DEFAULT_PREFS, { playback_rate: '2' }), DEFAULT_PREFS);
  // The base is not changed.
  const base = { playback_rate: 1, captions: '' };
  mergePrefs(base, { playback_rate: 2 });
  assert.deepEqual(base, { playback_rate: 1, captions: '' });
  assert.equal(samePrefs({ playback_rate: 1, captions: 'ja' }, { playback_rate: 1, captions: 'ja' }), true);
  assert.equal(samePrefs({ playback_rate: 1, captions: 'ja' }, { playback_rate: 1, captions: '' }), false);
});

test('pickCaption: the preferred language, or its primary language; off when empty', () => {
  assert.equal(pickCaption(['ja', 'en'], 'en'), 1);
  assert.equal(pickCaption(['ja', 'en'], 'EN'), 1);
  assert.equal(pickCaption(['ja-JP', 'en'], 'ja'), 0);
  assert.equal(pickCaption(['ja', 'en-US'], 'en-GB'), 1);
  assert.equal(pickCaption(['ja', 'en'], ''), -1);
  assert.equal(pickCaption(['ja'], 'fr'), -1);
  assert.equal(pickCaption([], 'ja'), -1);
});

test('caption names, messages and sizes', () => {
  assert.equal(captionName('ja', ''), '日本語');
  assert.equal(captionName('en-US'), 'English');
  assert.equal(captionName('ja', ' やさしい日本語 '), 'やさしい日本語');
  assert.equal(captionName('fr'), 'fr');
  assert.equal(captionName(''), '字幕');
  assert.equal(captionsMessage('日本語'), '字幕 オン（日本語）');
  assert.equal(captionsMessage(null), '字幕 オフ');
  assert.equal(parseCaptionSize('l'), 'l');
  assert.equal(parseCaptionSize('xl'), 'm');
  assert.equal(parseCaptionSize(null), 'm');
  assert.equal(captionSizeMessage('s'), '字幕の大きさ 小');
  assert.equal(captionSizeMessage('l'), '字幕の大きさ 大');
});

test('playlistSegments and joinVtt: a WebVTT rendition as one file', () => {
  const playlist = '#EXTM3U\r\n#EXT-X-TARGETDURATION:120\n#EXTINF:120.0,\nja.vtt\n\n#EXT-X-ENDLIST\n';
  assert.deepEqual(playlistSegments(playlist), ['ja.vtt']);
  assert.deepEqual(playlistSegments('#EXTM3U\n#EXTINF:6,\na.vtt\n#EXTINF:6,\nb.vtt?x=1\n'), ['a.vtt', 'b.vtt?x=1']);
  assert.deepEqual(playlistSegments(''), []);
  const a = '\uFEFFWEBVTT\r\n\r\n00:00.000 --> 00:01.000\r\nはじめに\r\n';
  const b = 'WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00.000\n\n00:06.000 --> 00:07.000\nつぎに\n';
  assert.equal(joinVtt([a]), 'WEBVTT\n\n00:00.000 --> 00:01.000\nはじめに\n');
  assert.equal(
    joinVtt([a, b]),
    'WEBVTT\n\n00:00.000 --> 00:01.000\nはじめに\n\n00:06.000 --> 00:07.000\nつぎに\n',
  );
  assert.equal(joinVtt([a, 'WEBVTT\n']), 'WEBVTT\n\n00:00.000 --> 00:01.000\nはじめに\n');
});
