// The idle-timeout warning's timing and wording (src/idle.ts) and the text
// size choice (src/text-size.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SERVER_REFRESH_MS,
  WARN_BEFORE_MS,
  clockRestart,
  countdownText,
  idleMoments,
  idlePhase,
  latest,
  remainingMessage,
  shouldAnnounce,
} from '../dist-test/idle.js';
import { TEXT_SIZES, parseTextSize, textSizeMessage } from '../dist-test/text-size.js';

const MIN = 60_000;

test('the warning shows 2 minutes before a 30-minute login ends', () => {
  const last = 1_000_000;
  const t = 30 * 60;
  assert.deepEqual(idlePhase(last, last, t), { phase: 'active', warnAt: last + 28 * MIN });
  assert.equal(idlePhase(last + 28 * MIN - 1, last, t).phase, 'active');
  assert.deepEqual(idlePhase(last + 28 * MIN, last, t), { phase: 'warning', remainingS: 120, endsAt: last + 30 * MIN });
  assert.deepEqual(idlePhase(last + 29 * MIN + 500, last, t), { phase: 'warning', remainingS: 60, endsAt: last + 30 * MIN });
  assert.deepEqual(idlePhase(last + 30 * MIN - 1, last, t).remainingS, 1);
  assert.deepEqual(idlePhase(last + 30 * MIN, last, t), { phase: 'expired' });
  assert.equal(WARN_BEFORE_MS, 2 * MIN);
});

test('a request (a heartbeat while playing, 「ログインを続ける」) starts the time again', () => {
  const t = 30 * 60;
  const now = 29 * MIN;
  assert.equal(idlePhase(now, 0, t).phase, 'warning');
  // A heartbeat every 10 s keeps the login far from the warning.
  assert.equal(idlePhase(now, now - 10_000, t).phase, 'active');
  // Another tab's request counts too.
  assert.equal(latest(0, now - 10_000), now - 10_000);
  assert.equal(latest(null, 5), 5);
  assert.equal(latest(5, null), 5);
  assert.equal(latest(null, null), null);
});

test('a request restarts the server\'s idle clock a minute earlier at worst', () => {
  assert.equal(SERVER_REFRESH_MS, MIN);
  assert.equal(clockRestart(10 * MIN), 9 * MIN);
  // So a request at 0 is warned about at 27 min and ends at 29 min: never after the server.
  assert.equal(idlePhase(27 * MIN - 1, clockRestart(0), 30 * 60).phase, 'active');
  assert.equal(idlePhase(27 * MIN, clockRestart(0), 30 * 60).phase, 'warning');
  assert.equal(idlePhase(29 * MIN, clockRestart(0), 30 * 60).phase, 'expired');
});

test('a short timeout warns halfway', () => {
  assert.deepEqual(idleMoments(0, 180), { warnAt: 90_000, endsAt: 180_000 });
  assert.deepEqual(idleMoments(0, 240), { warnAt: 120_000, endsAt: 240_000 });
});

test('the countdown is shown every second and said every 30 s and at 10 s', () => {
  assert.equal(countdownText(120), '2分00秒');
  assert.equal(countdownText(65), '1分05秒');
  assert.equal(countdownText(9.2), '10秒');
  assert.equal(countdownText(-3), '0秒');
  assert.deepEqual(
    Array.from({ length: 121 }, (_, i) => 120 - i).filter(shouldAnnounce),
    [120, 90, 60, 30, 10],
  );
  assert.equal(remainingMessage(90), 'ログインの有効期限まで、あと1分30秒です。');
});

test('text sizes: 標準, 大, 特大; anything unknown is 標準', () => {
  assert.deepEqual(TEXT_SIZES.map((s) => [s.label, s.percent]), [['標準', 100], ['大', 125], ['特大', 150]]);
  assert.equal(parseTextSize('x-large'), 'x-large');
  assert.equal(parseTextSize('huge'), 'normal');
  assert.equal(parseTextSize(null), 'normal');
  assert.equal(textSizeMessage('large'), '文字の大きさ：大');
});
