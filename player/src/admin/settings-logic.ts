/**
 * 設定's words (pure, Japanese): the configuration file's values as the
 * settings page shows them — budgets, shares, durations — and the recent
 * days of the seats count. Unit-tested in tests/settings.test.mjs; no DOM.
 */
import type { ServiceSettings } from '../api';

/** A bandwidth budget: `100 Mbps`, or `無制限` for 0 (no limit). */
export function budgetText(mbps: number): string {
  return mbps > 0 ? `${mbps} Mbps` : '無制限';
}

/** A share 0..1 as a percent without needless decimals: 0.95 → `95%`, 0.875 → `87.5%`. */
export function shareText(share: number): string {
  return `${Number((share * 100).toFixed(1))}%`;
}

/** One line of the settings list: what it is, its value, what it means. */
export interface SettingFact {
  label: string;
  value: string;
  about: string;
}

/**
 * The service's settings (not the network) in the order the page lists
 * them; the licensed seats are the page's own section, with the count.
 */
export function settingFacts(s: ServiceSettings): SettingFact[] {
  return [
    {
      label: '時刻と日付の基準',
      value: s.timezone === 'Asia/Tokyo' ? '日本時間（Asia/Tokyo）' : s.timezone,
      about: 'レポートの日付、期限、お知らせの日時はこの時刻で数えます。',
    },
    {
      label: '自動ログアウトまでの時間',
      value: `${s.session_idle_minutes} 分`,
      about: 'この時間なにも操作しないと、安全のためログアウトします（その 2 分前に知らせます）。',
    },
    {
      label: '修了とみなす視聴率',
      value: shareText(s.completion_coverage),
      about: '動画のこの割合以上を見ると、そのレッスンは「修了」になります。',
    },
    {
      label: 'ごみ箱に残す日数',
      value: `${s.trash_retention_days} 日`,
      about: '削除したものは、この日数のあと自動で完全に削除されます。',
    },
    {
      label: 'メンテナンスの予告',
      value: `開始の ${s.maintenance_notice_days} 日前まで`,
      about: 'メンテナンスのお知らせは、この日数より前に掲載します（緊急のものを除く）。',
    },
  ];
}

/** The network settings that apply to every site, in the order the page lists them. */
export function networkFacts(n: ServiceSettings['network']): SettingFact[] {
  return [
    {
      label: 'どの拠点にも当てはまらない接続',
      value: `拠点「${n.default_site}」として扱い、帯域の上限は ${budgetText(n.default_budget_mbps)}`,
      about: '下の表のどのネットワークにも入らない接続（自宅やスマートフォンなど）です。',
    },
    {
      label: '視聴中とみなす時間',
      value: `最後の読み込みから ${n.viewer_idle_seconds} 秒`,
      about: 'この間は、拠点の帯域を分け合う「視聴中の人」に数えます。',
    },
    {
      label: '信頼する中継サーバー（プロキシ）',
      value: n.trusted_proxies.length ? n.trusted_proxies.join('、') : 'なし',
      about: 'ここからの接続は、中継サーバーが伝える元の接続元で拠点を判断します。',
    },
  ];
}

/** The newest `n` days of a count listed newest first (as `GET /api/v1/seats` gives them). */
export function recentDays<D extends { day: string }>(days: readonly D[], n: number): D[] {
  return [...days].sort((a, b) => b.day.localeCompare(a.day)).slice(0, n);
}
