/**
 * 設定's words (pure; in the language in force): the configuration file's values as the
 * settings page shows them — budgets, shares, durations — and the recent
 * days of the seats count. Unit-tested in tests/settings.test.mjs; no DOM.
 */
import type { ServiceSettings } from '../api';
import { t } from './messages.js';

/** A bandwidth budget: `100 Mbps`, or `無制限` for 0 (no limit). */
export function budgetText(mbps: number): string {
  return mbps > 0 ? `${mbps} Mbps` : t('a.settings.unlimited');
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
      label: t('a.settings.tz'),
      value: s.timezone === 'Asia/Tokyo' ? t('a.settings.tzJapan') : s.timezone,
      about: t('a.settings.tz.about'),
    },
    {
      label: t('a.settings.idle'),
      value: t('a.settings.minutes', { n: s.session_idle_minutes }),
      about: t('a.settings.idle.about'),
    },
    {
      label: t('a.settings.coverage'),
      value: shareText(s.completion_coverage),
      about: t('a.settings.coverage.about'),
    },
    {
      label: t('a.settings.trash'),
      value: t('a.settings.days', { n: s.trash_retention_days }),
      about: t('a.settings.trash.about'),
    },
    {
      label: t('a.settings.maint'),
      value: t('a.settings.daysBefore', { n: s.maintenance_notice_days }),
      about: t('a.settings.maint.about'),
    },
  ];
}

/** The network settings that apply to every site, in the order the page lists them. */
export function networkFacts(n: ServiceSettings['network']): SettingFact[] {
  return [
    {
      label: t('a.settings.default'),
      value: t('a.settings.defaultValue', { site: n.default_site, budget: budgetText(n.default_budget_mbps) }),
      about: t('a.settings.default.about'),
    },
    {
      label: t('a.settings.viewer'),
      value: t('a.settings.sinceLast', { n: n.viewer_idle_seconds }),
      about: t('a.settings.viewer.about'),
    },
    {
      label: t('a.settings.proxies'),
      value: n.trusted_proxies.length ? n.trusted_proxies.join(t('a.list.sep')) : t('a.common.none'),
      about: t('a.settings.proxies.about'),
    },
  ];
}

/** The newest `n` days of a count listed newest first (as `GET /api/v1/seats` gives them). */
export function recentDays<D extends { day: string }>(days: readonly D[], n: number): D[] {
  return [...days].sort((a, b) => b.day.localeCompare(a.day)).slice(0, n);
}
