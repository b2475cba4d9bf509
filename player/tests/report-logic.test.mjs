import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  chartBars,
  chartSummary,
  defaultFilter,
  filterProblem,
  percent,
  periodLabel,
  pickUser,
  readableSeconds,
  reportQuery,
  tokyoDate,
  userLabel,
  userSearchTerm,
  watchedRows,
  watchedSummary,
  DEFINITIONS,
} from '../dist-test/admin/report-logic.js';
import { setLang } from '../dist-test/i18n.js';

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
    user: '',
  });
});

test('filters are checked and become the query string', () => {
  const f = { from: '2026-04-01', to: '2026-06-30', granularity: 'month', group: '', user: '' };
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

test('a chosen user is sent as user= on both report requests and the CSV', () => {
  const f = { from: '2026-04-01', to: '2026-04-30', granularity: 'day', group: '', user: '42' };
  // reportQuery builds GET /api/v1/reports/viewing… and …/contents… alike.
  assert.equal(reportQuery(f), '?from=2026-04-01&to=2026-04-30&granularity=day&user=42');
  assert.equal(new URLSearchParams(reportQuery({ ...f, group: '7' }, { table: 'users' })).get('user'), '42');
  assert.equal(new URLSearchParams(reportQuery({ ...f, user: '' })).has('user'), false, 'empty: everyone in reach');
});

const staff = [
  { id: 3, name: '区役 二葉', email: 'futaba@city.example.jp' },
  { id: 4, name: '区役 三郎', email: 'saburo@city.example.jp' },
  { id: 5, name: '区役 三郎', email: 'saburo2@city.example.jp' },
  { id: 6, name: '', email: 'noname@city.example.jp' },
];

test('the 利用者 field names a user by the suggestion picked, the e-mail or a name only one has', () => {
  assert.equal(userLabel(staff[0]), '区役 二葉（futaba@city.example.jp）');
  assert.equal(userLabel(staff[3]), 'noname@city.example.jp');
  assert.equal(pickUser('区役 二葉（futaba@city.example.jp）', staff).user.id, 3);
  assert.equal(pickUser('  FUTABA@city.example.jp ', staff).user.id, 3);
  assert.equal(pickUser('区役 二葉', staff).user.id, 3);
  assert.equal(pickUser('noname@city.example.jp', staff).user.id, 6);
  // A picked suggestion is looked up by its e-mail; typed text as it is.
  assert.equal(userSearchTerm('区役 二葉（futaba@city.example.jp）'), 'futaba@city.example.jp');
  assert.equal(userSearchTerm('Futaba Kuyaku (futaba@city.example.jp)'), 'futaba@city.example.jp');
  assert.equal(userSearchTerm(' 区役 '), '区役');
});

test('an unknown or unclear user is an error, never everyone', () => {
  assert.equal(
    pickUser('nobody@city.example.jp', []).problem,
    '「nobody@city.example.jp」に当たる利用者が見つかりません。氏名かメールアドレスを確かめてください（空欄にすると全員です）。',
  );
  assert.equal(pickUser('区役 三郎', staff).problem, '「区役 三郎」に当たる利用者が複数います。候補から 1 人を選んでください。');
  assert.equal('user' in pickUser('区役', staff), false, 'part of a name is not a choice');
});

const sample = {
  user_id: 3,
  email: 'futaba@city.example.jp',
  name: '区役 二葉',
  watched: [
    {
      video_id: 11,
      title: '個人情報保護 ― 第1回',
      seconds: 725,
      coverage: 0.9612,
      completed: true,
      last_viewed_at: '2026-03-31T15:05:00.123456789Z',
    },
    { video_id: 12, title: '文書管理 ― 第2回', seconds: 45, coverage: 0.1, completed: false, last_viewed_at: null },
  ],
};

test('what a user watched: title, 視聴時間, 視聴率, 修了, 最終視聴 in Japan time', () => {
  assert.deepEqual(watchedRows(sample.watched), [
    ['個人情報保護 ― 第1回', '12分05秒', '96.1%', 'はい', '2026/04/01 00:05'],
    ['文書管理 ― 第2回', '45秒', '10.0%', 'いいえ', 'なし'],
  ]);
  assert.equal(watchedSummary(sample), '区役 二葉（futaba@city.example.jp）：2 本、12分50秒、修了 1 本');
  assert.deepEqual(watchedRows([]), []);
});

test('what a user watched, and the 利用者 errors, in English', () => {
  setLang('en');
  try {
    assert.deepEqual(watchedRows(sample.watched)[1], ['文書管理 ― 第2回', '45 s', '10.0%', 'No', 'None']);
    assert.equal(watchedRows(sample.watched)[0][3], 'Yes');
    assert.equal(watchedSummary(sample), '区役 二葉 (futaba@city.example.jp): 2 videos, 12 min 50 s, 1 completed');
    assert.match(pickUser('x@y.jp', []).problem, /^No user matches “x@y\.jp”/);
    assert.match(pickUser('区役 三郎', staff).problem, /^Several users match “区役 三郎”/);
  } finally {
    setLang('ja');
  }
});
