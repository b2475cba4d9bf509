// Grant renewal in media URLs (src/grant.ts, built by `pretest`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  afterDenial,
  grantToken,
  isDenied,
  LoadWatch,
  MAX_DENIAL_RECOVERIES,
  STALL_MS,
  withNewestGrant,
} from '../dist-test/grant.js';

const page = 'http://127.0.0.1:8080/#/courses/3';
const rel = (token, rev = 'r1') => `/media/v/42/${token}/${rev}/master.m3u8`;
const abs = (token, file = 'master.m3u8', rev = 'r1') =>
  `https://media.example.lg.jp/media/v/42/${token}/${rev}/${file}`;

test('relative master: same-origin requests under an older token get the newest token', () => {
  assert.equal(
    withNewestGrant(rel('t2'), 'http://127.0.0.1:8080/media/v/42/t1/r1/720p/seg-00007.m4s', page),
    'http://127.0.0.1:8080/media/v/42/t2/r1/720p/seg-00007.m4s',
  );
  assert.equal(
    withNewestGrant(rel('t2'), 'http://127.0.0.1:8080/media/v/42/t1/r1/master.m3u8', page),
    'http://127.0.0.1:8080/media/v/42/t2/r1/master.m3u8',
  );
});

test('absolute master on another origin', () => {
  assert.equal(withNewestGrant(abs('t3'), abs('t1', '360p/init.mp4'), page), abs('t3', '360p/init.mp4'));
  // Any older token is replaced, whichever grant the playlist was loaded with.
  assert.equal(withNewestGrant(abs('t3'), abs('t2', '360p/seg-1.m4s'), page), abs('t3', '360p/seg-1.m4s'));
});

test('query and fragment of the request are kept; the rest of the path too', () => {
  assert.equal(
    withNewestGrant(abs('new'), `${abs('old', 'a/b/seg.m4s')}?_HLS_msn=3#x`, page),
    `${abs('new', 'a/b/seg.m4s')}?_HLS_msn=3#x`,
  );
  // A renewed master naming another revision still only swaps the token:
  // the playlists hls.js holds refer to the revision they were loaded from.
  assert.equal(withNewestGrant(abs('new', 'master.m3u8', 'r2'), abs('old', 'seg.m4s', 'r1'), page), abs('new', 'seg.m4s', 'r1'));
});

test('tokens with dots and URL-safe base64 are one segment', () => {
  const t1 = 'v1.k1.42.ps_abc.default.1700000000.1700000045.AbC-_9';
  const t2 = 'v1.k1.42.ps_abc.default.1700000030.1700000075.XyZ-_0';
  assert.equal(withNewestGrant(abs(t2), abs(t1, 'seg.m4s'), page), abs(t2, 'seg.m4s'));
  assert.equal(grantToken(abs(t1), page), t1);
});

test('URLs outside the prefix are left alone, as the same string', () => {
  const cases = [
    // the newest token already
    'http://127.0.0.1:8080/media/v/42/t2/r1/720p/seg-1.m4s',
    // another video
    'http://127.0.0.1:8080/media/v/43/t1/r1/720p/seg-1.m4s',
    // another origin
    'https://cdn.example/media/v/42/t1/r1/720p/seg-1.m4s',
    // not media at all
    'http://127.0.0.1:8080/api/v1/play/ps_1/heartbeat',
    // no path below the token
    'http://127.0.0.1:8080/media/v/42/t1',
    'not a url at all',
  ];
  for (const url of cases) assert.equal(withNewestGrant(rel('t2'), url, page), url, url);
});

test('a master URL that is not a grant URL changes nothing', () => {
  const url = 'http://127.0.0.1:8080/media/v/42/t1/r1/seg.m4s';
  assert.equal(withNewestGrant('', url, page), url);
  assert.equal(withNewestGrant('/elsewhere/master.m3u8', url, page), url);
});

test('an origin with a path of its own', () => {
  const master = 'https://cdn.example/manabi/media/v/7/tB/r/master.m3u8';
  assert.equal(
    withNewestGrant(master, 'https://cdn.example/manabi/media/v/7/tA/r/1080p/seg.m4s', page),
    'https://cdn.example/manabi/media/v/7/tB/r/1080p/seg.m4s',
  );
  assert.equal(
    withNewestGrant(master, 'https://cdn.example/other/media/v/7/tA/r/seg.m4s', page),
    'https://cdn.example/other/media/v/7/tA/r/seg.m4s',
  );
});

test('isDenied: 401, 403 and 410 only', () => {
  for (const s of [401, 403, 410]) assert.equal(isDenied(s), true, String(s));
  for (const s of [0, 200, 404, 429, 500, 503, undefined, null]) assert.equal(isDenied(s), false, String(s));
});

const state = (o) => ({ renewedFrom: null, recoveries: 0, base: page, ...o });

test('afterDenial: a request refused under the newest grant renews once', () => {
  const refused = 'http://127.0.0.1:8080/media/v/42/t1/r1/720p/seg-9.m4s';
  assert.equal(afterDenial(state({ latest: rel('t1'), refused })), 'renew');
  assert.equal(afterDenial(state({ latest: rel('t1'), refused, renewedFrom: rel('t0') })), 'renew');
  // Renewal asked for while t1 was newest and it brought nothing newer.
  assert.equal(afterDenial(state({ latest: rel('t1'), refused, renewedFrom: rel('t1') })), 'give-up');
});

test('afterDenial: a newer grant than the refused request used switches', () => {
  const refused = 'http://127.0.0.1:8080/media/v/42/t1/r1/720p/seg-9.m4s';
  assert.equal(afterDenial(state({ latest: rel('t2'), refused })), 'switch');
  assert.equal(afterDenial(state({ latest: rel('t2'), refused, renewedFrom: rel('t1') })), 'switch');
  // Native HLS: the refused URL is the master it loaded.
  assert.equal(afterDenial(state({ latest: abs('t2'), refused: abs('t1') })), 'switch');
});

test('afterDenial: gives up after repeated recoveries without media loading', () => {
  const refused = 'http://127.0.0.1:8080/media/v/42/t1/r1/seg.m4s';
  assert.equal(afterDenial(state({ latest: rel('t2'), refused, recoveries: MAX_DENIAL_RECOVERIES - 1 })), 'switch');
  assert.equal(afterDenial(state({ latest: rel('t2'), refused, recoveries: MAX_DENIAL_RECOVERIES })), 'give-up');
});

test('afterDenial: a refused URL without a grant renews once, then gives up', () => {
  assert.equal(afterDenial(state({ latest: rel('t1'), refused: '' })), 'renew');
  assert.equal(afterDenial(state({ latest: rel('t1'), refused: '', renewedFrom: rel('t1') })), 'give-up');
});

test('media failing: one failure says nothing, two in a row are slow, media arriving clears it', () => {
  const w = new LoadWatch();
  w.observe(0, true, 0);
  w.requestFailed();
  assert.equal(w.trouble(500), 'none', 'hls.js retries a single failure unseen');
  w.requestFailed();
  assert.equal(w.trouble(1500), 'slow');
  w.mediaLoaded();
  w.observe(2000, true, 0.5);
  assert.equal(w.trouble(2000), 'none');
});

test('a video trying to play that stands still: slow, and failed after a request failed', () => {
  const w = new LoadWatch();
  w.observe(0, true, 12);
  w.observe(STALL_MS - 1, true, 12);
  assert.equal(w.trouble(STALL_MS - 1), 'none');
  w.observe(STALL_MS, true, 12);
  assert.equal(w.trouble(STALL_MS), 'slow', 'no failure seen: just slow');
  w.requestFailed();
  assert.equal(w.trouble(STALL_MS), 'failed', 'every segment failing: said within ~10 s, not after 90');
  // Moving on again clears it.
  w.mediaLoaded();
  w.observe(STALL_MS + 1000, true, 12.5);
  assert.equal(w.trouble(STALL_MS + 1000), 'none');
});

test('standing still while paused is not a stall', () => {
  const w = new LoadWatch();
  w.requestFailed();
  w.observe(0, false, 30);
  w.observe(60_000, false, 30);
  assert.equal(w.trouble(60_000), 'none');
  // Play pressed: the clock starts then.
  w.observe(60_000, true, 30);
  assert.equal(w.trouble(60_000 + STALL_MS - 1), 'none');
  assert.equal(w.trouble(60_000 + STALL_MS), 'failed');
});

test('loading given up stays failed until 再試行', () => {
  const w = new LoadWatch();
  w.giveUp();
  w.mediaLoaded();
  w.observe(0, true, 1);
  w.observe(1000, true, 2);
  assert.equal(w.trouble(1000), 'failed');
  w.restart();
  w.observe(2000, true, 2);
  assert.equal(w.trouble(2000), 'none');
  assert.equal(w.trouble(2000 + STALL_MS), 'slow', 'after 再試行 the stall clock starts afresh');
});
