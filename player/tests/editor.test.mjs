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
  POSTER_ACCEPT,
  POSTER_MAX_BYTES,
  posterFailure,
  posterFileProblem,
  posterKind,
  posterKindLabel,
  processingNews,
  removeItem,
  titleForFile,
  titleFromFile,
  titleProblem,
  unpublishBody,
  uploadText,
  videoStatusLabel,
} from '../dist-test/editor/logic.js';
import { setLang } from '../dist-test/i18n.js';

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

test('a poster: a JPEG or PNG of at most 10 MiB, checked before it is sent', () => {
  const MiB = 1024 * 1024;
  assert.equal(POSTER_MAX_BYTES, 10 * MiB);
  assert.equal(POSTER_ACCEPT, 'image/jpeg,image/png');
  assert.equal(posterFileProblem({ name: '表紙.jpg', type: 'image/jpeg', size: 200_000 }), null);
  assert.equal(posterFileProblem({ name: 'title.PNG', type: 'image/png', size: 10 * MiB }), null, 'exactly 10 MiB is taken');
  assert.equal(posterFileProblem({ name: 'scan.jfif', type: '', size: 1000 }), null, 'no type from the browser: the name tells');
  assert.equal(
    posterFileProblem({ name: 'memo.txt', type: 'text/plain', size: 12 }),
    '「memo.txt」は JPEG・PNG の画像ではありません。JPEG か PNG の画像を選んでください。',
  );
  assert.match(posterFileProblem({ name: 'anim.gif', type: 'image/gif', size: 12 }), /JPEG・PNG の画像ではありません/);
  assert.match(posterFileProblem({ name: 'photo.heic', type: '', size: 12 }), /JPEG・PNG の画像ではありません/);
  assert.match(posterFileProblem({ name: 'empty.png', type: 'image/png', size: 0 }), /JPEG・PNG の画像ではありません/, 'an empty file is no picture');
  assert.equal(
    posterFileProblem({ name: 'big.png', type: 'image/png', size: 10 * MiB + 1 }),
    '画像が大きすぎます（10 MB）。10 MB 以下の画像を選んでください。',
  );
  assert.equal(
    posterFileProblem({ name: 'huge.jpg', type: 'image/jpeg', size: 12.5 * MiB }),
    '画像が大きすぎます（12.5 MB）。10 MB 以下の画像を選んでください。',
  );
});

test("a poster's kind from its file name, and what a refusal says", () => {
  assert.equal(posterKind('poster.jpg'), 'drawn');
  assert.equal(posterKind('poster-0a1b2c3d4e5f6789.jpg'), 'own');
  assert.equal(posterKind(null), 'none');
  assert.equal(posterKind(undefined), 'none');
  assert.equal(posterKindLabel('drawn'), '（自動作成）');
  assert.equal(posterKindLabel('own'), '（アップロードした画像）');
  assert.equal(posterKindLabel('none'), '（なし）');
  // 413 in our words (a proxy may say nothing); the server's reason otherwise.
  assert.equal(posterFailure(413, 'ファイルが大きすぎます（上限 10485760 バイト）'), '画像が大きすぎます。10 MB 以下の JPEG か PNG を選んでください。');
  assert.equal(posterFailure(413, ''), '画像が大きすぎます。10 MB 以下の JPEG か PNG を選んでください。');
  assert.equal(posterFailure(422, '画像を読み込めませんでした'), '表紙を登録できませんでした。画像を読み込めませんでした');
  assert.equal(posterFailure(0, '通信できませんでした。'), '表紙を登録できませんでした。通信できませんでした。');
});

test('the poster words in English', () => {
  setLang('en');
  try {
    assert.equal(posterFileProblem({ name: 'memo.txt', type: 'text/plain', size: 3 }), '“memo.txt” is not a JPEG or PNG picture. Please choose a JPEG or PNG picture.');
    assert.equal(posterFileProblem({ name: 'big.png', type: 'image/png', size: 11 * 1024 * 1024 }), 'The picture is too large (11 MB). Please choose one of at most 10 MB.');
    assert.equal(posterKindLabel('drawn'), ' (made automatically)');
    assert.equal(posterFailure(413, 'x'), 'The picture is too large. Please choose a JPEG or PNG of at most 10 MB.');
    assert.equal(posterFailure(422, 'Not a picture.'), 'The poster could not be saved. Not a picture.');
  } finally {
    setLang('ja');
  }
});

test("a blank lesson title, or one taken from the previous file's name, becomes the new file's name", () => {
  assert.equal(titleForFile('', null, '第1回 概要.mp4'), '第1回 概要');
  assert.equal(titleForFile('   ', null, 'a.mp4'), 'a', 'blank is blank');
  // After a failed upload another file is chosen: the old file's title goes.
  assert.equal(titleForFile('第1回 概要', '第1回 概要', '第2回.mov'), '第2回');
  // A title the editor typed (or changed) stays.
  assert.equal(titleForFile('まとめ', null, '第2回.mov'), 'まとめ');
  assert.equal(titleForFile('第1回 概要（改）', '第1回 概要', '第2回.mov'), '第1回 概要（改）');
  // No file any more: a taken title is cleared, a typed one kept.
  assert.equal(titleForFile('第1回 概要', '第1回 概要', null), '');
  assert.equal(titleForFile('まとめ', '第1回 概要', null), 'まとめ');
});

test("the end of a video's processing is said, its failure with the reason", () => {
  const failed = { status: 'failed', error: '動画として読み込めませんでした' };
  // Seen processing, then ready or failed.
  assert.equal(processingNews('研修', 'processing', { status: 'ready' }, false), '「研修」の動画の準備ができました。');
  assert.equal(processingNews('非動画2', 'queued', failed, false), '「非動画2」の動画を変換できませんでした：動画として読み込めませんでした');
  assert.equal(processingNews('非動画2', 'queued', { status: 'failed', error: null }, false), '「非動画2」の動画を変換できませんでした。');
  // Just uploaded: a file that is no video fails before it was ever seen processing.
  assert.equal(processingNews('非動画2', undefined, failed, true), '「非動画2」の動画を変換できませんでした：動画として読み込めませんでした');
  assert.equal(processingNews('研修', undefined, { status: 'processing' }, true), null, 'still processing');
  // Opening the page: a video already failed or ready is no news.
  assert.equal(processingNews('研修', undefined, failed, false), null);
  assert.equal(processingNews('研修', undefined, { status: 'ready' }, false), null);
  assert.equal(processingNews('研修', 'ready', { status: 'ready' }, true), null, 'said once');
  setLang('en');
  try {
    assert.equal(processingNews('Intro', 'processing', { status: 'failed', error: 'Not a video.' }, false), 'The video of “Intro” could not be processed: Not a video.');
  } finally {
    setLang('ja');
  }
});

test('taking a course back to draft says how many assignments it has', () => {
  assert.deepEqual(unpublishBody('情報セキュリティ', 0), [
    '「情報セキュリティ」を下書きに戻します。学習者の一覧と検索から消え、視聴もできなくなります。',
    'これまでの視聴記録は残ります。もう一度公開すると、また視聴できます。',
  ]);
  const assigned = unpublishBody('情報セキュリティ', 2);
  assert.equal(assigned.length, 3);
  assert.equal(assigned[1], 'この講座は必修研修として 2 件割り当てられています。下書きに戻すと、割り当てられた人はこの講座を開けなくなります。');
  setLang('en');
  try {
    assert.equal(unpublishBody('Security', 1)[1], 'Assignments of this course as required training: 1. Once it is a draft, the people it is assigned to can no longer open it.');
  } finally {
    setLang('ja');
  }
});
