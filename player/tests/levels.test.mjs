// Rendition caps (src/levels.ts, built by `pretest`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickBitrateCap, combineCaps, qualityChoices, qualityLabel } from '../dist-test/levels.js';

const ladder = [400_000, 800_000, 1_500_000, 3_000_000].map((bitrate) => ({ bitrate }));

test('no cap when max_bitrate_kbps is 0, negative, missing or there are no levels', () => {
  assert.equal(pickBitrateCap(ladder, 0), -1);
  assert.equal(pickBitrateCap(ladder, -5), -1);
  assert.equal(pickBitrateCap(ladder, undefined), -1);
  assert.equal(pickBitrateCap(ladder, null), -1);
  assert.equal(pickBitrateCap([], 1000), -1);
});

test('highest level whose bitrate is <= max_bitrate_kbps * 1000', () => {
  assert.equal(pickBitrateCap(ladder, 1500), 2, 'equal counts as fitting');
  assert.equal(pickBitrateCap(ladder, 1499), 1);
  assert.equal(pickBitrateCap(ladder, 10_000), 3);
  assert.equal(pickBitrateCap(ladder, 400), 0);
});

test('nothing fits: the lowest level', () => {
  assert.equal(pickBitrateCap(ladder, 100), 0);
  const unsorted = [{ bitrate: 900_000 }, { bitrate: 300_000 }, { bitrate: 600_000 }];
  assert.equal(pickBitrateCap(unsorted, 100), 1);
  assert.equal(pickBitrateCap(unsorted, 700), 2);
});

test('combineCaps keeps the stricter cap, -1 meaning none', () => {
  assert.equal(combineCaps(-1, -1), -1);
  assert.equal(combineCaps(-1, 2), 2);
  assert.equal(combineCaps(3, -1), 3);
  assert.equal(combineCaps(3, 1), 1);
  assert.equal(combineCaps(0, 2), 0);
});

test('quality choices: within the cap, highest first, named by height', () => {
  const levels = [
    { bitrate: 550_000, height: 360 },
    { bitrate: 1_400_000, height: 540 },
    { bitrate: 3_000_000, height: 720 },
  ];
  assert.deepEqual(qualityChoices(levels, 0), [
    { index: 2, label: '720p' },
    { index: 1, label: '540p' },
    { index: 0, label: '360p' },
  ]);
  assert.deepEqual(qualityChoices(levels, 1500), [
    { index: 1, label: '540p' },
    { index: 0, label: '360p' },
  ]);
  assert.deepEqual(qualityChoices(levels, 100), [{ index: 0, label: '360p' }], 'none fits: the lowest');
  assert.deepEqual(qualityChoices([], 1000), []);
  assert.equal(qualityLabel({ bitrate: 96_000 }), '96 kbps');
});
