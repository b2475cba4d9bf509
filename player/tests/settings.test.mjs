// 設定's words (src/admin/settings-logic.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  budgetText,
  networkFacts,
  recentDays,
  settingFacts,
  shareText,
} from '../dist-test/admin/settings-logic.js';

/** The lead engineer's example answer of GET /api/v1/settings. */
const settings = {
  timezone: 'Asia/Tokyo',
  licensed_seats: 0,
  session_idle_minutes: 30,
  completion_coverage: 0.95,
  trash_retention_days: 30,
  maintenance_notice_days: 7,
  network: {
    default_site: 'default',
    default_budget_mbps: 0,
    viewer_idle_seconds: 60,
    trusted_proxies: ['10.0.0.1/32'],
    sites: [{ name: 'honcho', cidrs: ['10.1.0.0/16'], budget_mbps: 100 }],
  },
};

test('a budget of 0 is unlimited', () => {
  assert.equal(budgetText(0), '無制限');
  assert.equal(budgetText(100), '100 Mbps');
  assert.equal(budgetText(2.5), '2.5 Mbps');
});

test('shares are percents without needless decimals', () => {
  assert.equal(shareText(0.95), '95%');
  assert.equal(shareText(0.875), '87.5%');
  assert.equal(shareText(1), '100%');
  assert.equal(shareText(0.1 + 0.2), '30%');
});

test('the service settings are listed with their values in Japanese', () => {
  const facts = Object.fromEntries(settingFacts(settings).map((f) => [f.label, f.value]));
  assert.deepEqual(facts, {
    時刻と日付の基準: '日本時間（Asia/Tokyo）',
    自動ログアウトまでの時間: '30 分',
    修了とみなす視聴率: '95%',
    ごみ箱に残す日数: '30 日',
    メンテナンスの予告: '開始の 7 日前まで',
  });
  assert.equal(settingFacts({ ...settings, timezone: 'UTC' })[0].value, 'UTC');
  for (const f of settingFacts(settings)) assert.ok(f.about.length > 10, f.label);
});

test('the network settings say the default site, its budget, the idle time and the proxies', () => {
  const [site, idle, proxies] = networkFacts(settings.network);
  assert.equal(site.value, '拠点「default」として扱い、帯域の上限は 無制限');
  assert.equal(idle.value, '最後の読み込みから 60 秒');
  assert.equal(proxies.value, '10.0.0.1/32');
  assert.equal(networkFacts({ ...settings.network, trusted_proxies: [] })[2].value, 'なし');
  assert.equal(networkFacts({ ...settings.network, default_budget_mbps: 50 })[0].value, '拠点「default」として扱い、帯域の上限は 50 Mbps');
});

test('the recent days are the newest ones, newest first', () => {
  const days = Array.from({ length: 20 }, (_, i) => ({ day: `2026-04-${String(i + 1).padStart(2, '0')}`, active: i }));
  const newestFirst = [...days].reverse();
  assert.deepEqual(recentDays(newestFirst, 3).map((d) => d.day), ['2026-04-20', '2026-04-19', '2026-04-18']);
  // The order given does not matter.
  assert.deepEqual(recentDays(days, 2).map((d) => d.day), ['2026-04-20', '2026-04-19']);
  assert.deepEqual(recentDays([], 14), []);
});
