import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  chartBars,
  chartSummary,
  defaultFilter,
  filterProblem,
  percent,
  periodLabel,
  readableSeconds,
  reportQuery,
  tokyoDate,
  DEFINITIONS,
} from '../dist-test/admin/report-logic.js';

test('days are Asia/Tokyo days', () => {
  // 15:30 UTC on March 31 is already April 1 in Tokyo.
  assert.equal(tokyoDate(new Date('2026-03-31T15:30:00Z')), '2026-04-01');
  assert.equal(tokyoDate(new Date('2026-03-31T14:59:59Z')), '2026-03-31');
});

test('the default period is the last 30 days by day', () => {
  assert.deepEqual(defaultFilter(new Date('2026-04-30T03:00:00Z')), {
    from: '2026-04-01',
    to: '2026-04-30',
    granularity: 'day',
    group: '',
  });
});

test('filters are checked and become the query string', () => {
  const f = { from: '2026-04-01', to: '2026-06-30', granularity: 'month', group: '' };
  assert.equal(filterProblem(f), null);
  assert.match(filterProblem({ ...f, from: '2026-07-01' }), /開始日は終了日より前/);
  assert.match(filterProblem({ ...f, to: '' }), /入力してください/);
  assert.equal(reportQuery(f), '?from=2026-04-01&to=2026-06-30&granularity=month');
  assert.equal(
    reportQuery({ ...f, group: '7' }, { table: 'contents' }),
    '?from=2026-04-01&to=2026-06-30&granularity=month&group=7&table=contents',
  );
});

test('seconds, shares and period labels read as people write them', () => {
  assert.equal(readableSeconds(0), '0秒');
  assert.equal(readableSeconds(45.4), '45秒');
  assert.equal(readableSeconds(725), '12分05秒');
  assert.equal(readableSeconds(3720), '1時間02分');
  assert.equal(readableSeconds(-3), '0秒');
  assert.equal(percent(0.95), '95.0%');
  assert.equal(percent(1.2), '100.0%');
  assert.equal(periodLabel('2026-04-01', 'day'), '4/1');
  assert.equal(periodLabel('2026-04-06', 'week'), '4/6週');
  assert.equal(periodLabel('2026-04-01', 'month'), '2026年4月');
});

test('chart bars scale to the tallest and are summarised for screen readers', () => {
  const bars = chartBars(['2026-04-01', '2026-05-01'], [1800, 3600], 'month');
  assert.deepEqual(
    bars.map((b) => [b.label, b.height]),
    [
      ['2026年4月', 0.5],
      ['2026年5月', 1],
    ],
  );
  assert.equal(chartSummary(bars), '2期間の合計 1時間30分。最も多いのは 2026年5月 の 1時間00分。');
  assert.equal(chartSummary(chartBars(['2026-04-01'], [0], 'day')), '対象期間に視聴はありません。');
  assert.equal(chartSummary([]), '対象期間のデータはありません。');
});

test('every definition is given in Japanese and English', () => {
  assert.equal(DEFINITIONS.length, 4);
  for (const d of DEFINITIONS) {
    assert.ok(d.term && d.ja.length > 20 && d.en.length > 20, d.term);
  }
});
