// Played intervals and heartbeat bodies (src/played.ts, built by `pretest`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PlayedTracker,
  mergeIntervals,
  buildHeartbeat,
  heartbeatUrl,
  beaconUrl,
  maxStep,
} from '../dist-test/played.js';

test('mergeIntervals sorts, merges contiguous and overlapping, drops empty ones', () => {
  assert.deepEqual(
    mergeIntervals([
      [10, 12],
      [0, 1],
      [1, 2],
      [2.0005, 3],
      [11, 15],
      [5, 5],
      [7, 6],
      [NaN, 4],
      [20, 21],
    ]),
    [
      [0, 3],
      [10, 15],
      [20, 21],
    ],
  );
});

test('mergeIntervals keeps a real gap apart', () => {
  assert.deepEqual(mergeIntervals([[0, 1], [1.5, 2]]), [[0, 1], [1.5, 2]]);
});

test('tracker counts timeupdate steps while playing, merged into one interval', () => {
  const t = new PlayedTracker();
  t.anchor(0, 0);
  for (let i = 1; i <= 40; i++) t.sample(i * 0.25, i * 250, 1);
  assert.deepEqual(t.take(), [[0, 10]]);
  assert.deepEqual(t.take(), [], 'take() drains');
});

test('tracker does not count a jump that the wall clock cannot explain', () => {
  const t = new PlayedTracker();
  t.anchor(5, 1000);
  t.sample(5.25, 1250, 1);
  t.sample(300, 1500, 1); // seek without a seeking event
  t.sample(300.25, 1750, 1);
  assert.deepEqual(t.take(), [[5, 5.25], [300, 300.25]]);
});

test('tracker allows faster steps at a higher rate', () => {
  const t = new PlayedTracker();
  t.anchor(0, 0);
  t.sample(1, 500, 2); // 1 s of media in 0.5 s at 2×
  assert.deepEqual(t.take(), [[0, 1]]);
  assert.ok(maxStep(500, 2) >= 1);
  assert.ok(maxStep(500, 1) < 1.5);
});

test('tracker ignores backwards steps and samples after reset until re-anchored', () => {
  const t = new PlayedTracker();
  t.anchor(10, 0);
  t.sample(9, 250, 1);
  t.sample(9.25, 500, 1);
  t.reset();
  t.sample(40, 750, 1); // first sample after a seek only anchors
  t.sample(40.25, 1000, 1);
  assert.deepEqual(t.take(), [[9, 9.25], [40, 40.25]]);
});

test('restore puts undelivered intervals back, merged with newer ones', () => {
  const t = new PlayedTracker();
  t.anchor(0, 0);
  t.sample(0.25, 250, 1);
  const lost = t.take();
  t.sample(0.5, 500, 1);
  t.restore(lost);
  assert.deepEqual(t.pending(), [[0, 0.5]]);
});

test('buildHeartbeat rounds to milliseconds and merges', () => {
  assert.deepEqual(buildHeartbeat(3, 12.34567, [[1.00001, 2.0004], [2.0004, 3.123456]], 1.5), {
    seq: 3,
    position_s: 12.346,
    played: [[1, 3.123]],
    rate: 1.5,
  });
});

test('buildHeartbeat guards position and rate', () => {
  const body = buildHeartbeat(1, NaN, [], 0);
  assert.equal(body.position_s, 0);
  assert.equal(body.rate, 1);
  assert.deepEqual(body.played, []);
  assert.deepEqual(JSON.parse(JSON.stringify(body)), body, 'plain JSON');
});

test('heartbeat URLs: path, and the beacon form with the CSRF token in the query', () => {
  assert.equal(heartbeatUrl('s-1'), '/api/v1/play/s-1/heartbeat');
  assert.equal(beaconUrl('a/b', 't+k=='), '/api/v1/play/a%2Fb/heartbeat?csrf=t%2Bk%3D%3D');
});
