// The course editor's pure parts (src/editor/logic.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  crossedMilestone,
  filenameHeader,
  formatBytes,
  isProcessing,
  moveItem,
  percentOf,
  removeItem,
  titleFromFile,
  titleProblem,
  uploadText,
  videoStatusLabel,
} from '../dist-test/editor/logic.js';

test('sizes in binary units, percentages rounded down', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1536), '1.5 KB');
  assert.equal(formatBytes(250 * 1024 * 1024), '250 MB');
  assert.equal(formatBytes(3.25 * 1024 ** 3), '3.3 GB');
  assert.equal(formatBytes(-1), '');
  assert.equal(percentOf(999, 1000), 99);
  assert.equal(percentOf(1000, 1000), 100);
  assert.equal(percentOf(5, 0), 0, 'an unknown total is 0 %, not NaN');
  assert.equal(uploadText(112 * 1024 * 1024, 250 * 1024 * 1024), '44%（112 MB / 250 MB）');
});

test('the upload is said at 25, 50, 75 and 100 %, once each', () => {
  assert.equal(crossedMilestone(0, 10), null);
  assert.equal(crossedMilestone(10, 30), 25);
  assert.equal(crossedMilestone(30, 80), 75, 'a jump says the highest milestone');
  assert.equal(crossedMilestone(75, 75), null);
  assert.equal(crossedMilestone(99, 100), 100);
});

test('processing states in Japanese; polling stops when ready or failed', () => {
  assert.equal(videoStatusLabel('queued'), '変換待ち');
  assert.equal(videoStatusLabel('processing'), '変換中');
  assert.equal(videoStatusLabel('ready'), '準備完了');
  assert.equal(videoStatusLabel('failed'), '変換に失敗');
  assert.equal(isProcessing('queued'), true);
  assert.equal(isProcessing('processing'), true);
  assert.equal(isProcessing('ready'), false);
  assert.equal(isProcessing('failed'), false);
});

test('file names: a Latin-1-safe header, a title without the extension', () => {
  assert.equal(filenameHeader('研修 1.mp4'), '%E7%A0%94%E4%BF%AE%201.mp4');
  assert.equal(decodeURIComponent(filenameHeader('a&b%.mov')), 'a&b%.mov');
  assert.equal(titleFromFile('第1回 概要.mp4'), '第1回 概要');
  assert.equal(titleFromFile('archive.tar.gz'), 'archive.tar');
  assert.equal(titleFromFile('.mp4'), '.mp4');
});

test('lesson list edits return new lists', () => {
  const list = ['a', 'b', 'c'];
  assert.deepEqual(moveItem(list, 0, 1), ['b', 'a', 'c']);
  assert.deepEqual(moveItem(list, 2, -1), ['a', 'c', 'b']);
  assert.deepEqual(moveItem(list, 0, -1), ['a', 'b', 'c'], 'the first cannot go up');
  assert.deepEqual(moveItem(list, 2, 1), ['a', 'b', 'c'], 'the last cannot go down');
  assert.deepEqual(removeItem(list, 1), ['a', 'c']);
  assert.deepEqual(list, ['a', 'b', 'c'], 'the input is unchanged');
});

test('titles: 1 to 200 characters, counted as characters', () => {
  assert.equal(titleProblem('  '), 'タイトルを入力してください。');
  assert.equal(titleProblem('研'.repeat(200)), null);
  assert.equal(titleProblem('研'.repeat(201)), 'タイトルは200文字以内にしてください（今は201文字です）。');
  assert.equal(titleProblem('😀'.repeat(200)), null, 'an emoji is one character');
});
