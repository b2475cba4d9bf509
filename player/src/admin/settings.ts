/**
 * 設定 (`#/admin/settings`, admins): what the service runs with, to look up,
 * not to change — the licensed seats and the active users now
 * (`GET /api/v1/seats`), the service's rules and the network sites with
 * their bandwidth budgets (`GET /api/v1/settings`). They come from the
 * configuration file, which the operator edits (運用マニュアル); the page
 * says so. Words: settings-logic.ts.
 */
import type { Seats, ServiceSettings } from '../api';
import { h } from '../dom';
import { backupsSection } from './backups';
import { seatsSection } from './exports';
import type { AdminHost } from './host';
import { japaneseMessage } from './labels';
import { scrollBox } from './parts';
import { budgetText, networkFacts, settingFacts, type SettingFact } from './settings-logic';
import { t } from './messages';
import { contentLang } from '../i18n';

/** The facts as a description list: the value, then what it means. */
function factList(facts: SettingFact[]): HTMLDListElement {
  return h(
    'dl',
    { class: 'settings-list' },
    ...facts.flatMap((f) => [
      h('dt', {}, f.label),
      h('dd', {}, h('span', { class: 'setting-value' }, f.value), h('span', { class: 'hint' }, f.about)),
    ]),
  );
}

function sitesTable(sites: ServiceSettings['network']['sites']): HTMLElement {
  if (!sites.length) {
    return h(
      'p',
      {},
      t('a.settings.noSites'),
    );
  }
  return scrollBox(
    h(
      'table',
      { class: 'data' },
      h('caption', { id: 'sites-caption' }, t('a.settings.sitesCaption', { n: sites.length })),
      h(
        'thead',
        {},
        h('tr', {}, ...[t('a.settings.site'), t('a.settings.cidrs'), t('a.settings.budget')].map((text) => h('th', { scope: 'col' }, text))),
      ),
      h(
        'tbody',
        {},
        ...sites.map((s) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row', class: 'nowrap', lang: contentLang() }, s.name),
            h('td', {}, s.cidrs.join(t('a.list.sep'))),
            h('td', { class: 'nowrap' }, budgetText(s.budget_mbps)),
          ),
        ),
      ),
    ),
    'sites-caption',
  );
}

export async function settingsPage(host: AdminHost): Promise<void> {
  // Each part works without the other: only a lost login stops the page.
  const keep = <T>(p: Promise<T>): Promise<T | Error> =>
    p.catch((err: unknown) => {
      if (err instanceof host.ApiError && (err.status === 401 || err.code === 'password_change_required')) throw err;
      return err instanceof Error ? err : new Error(String(err));
    });
  const [seats, settings] = await Promise.all([keep<Seats>(host.api.seats()), keep<ServiceSettings>(host.api.settings())]);
  if (!host.isCurrent()) return;

  const readOnly = h(
    'div',
    { class: 'notice', id: 'settings-read-only' },
    h(
      'p',
      {},
      t('a.settings.ro1'),
      t('a.settings.ro2'),
    ),
    h(
      'p',
      {},
      t('a.settings.ro3'),
      h('a', { href: '/help/operator.html' }, t('a.settings.manual')),
      t('a.settings.ro4'),
    ),
  );

  const general = h('section', { 'aria-labelledby': 'settings-general-heading' }, h('h2', { id: 'settings-general-heading' }, t('a.settings.general')));
  const network = h(
    'section',
    { 'aria-labelledby': 'settings-network-heading' },
    h('h2', { id: 'settings-network-heading' }, t('a.settings.network')),
  );
  if (settings instanceof Error) {
    const why = t('a.settings.loadFailed', { error: japaneseMessage(host.errorMessage(settings)) });
    general.append(h('p', { class: 'form-error', role: 'alert' }, why));
    network.append(h('p', {}, t('a.settings.noNetwork')));
  } else {
    general.append(factList(settingFacts(settings)));
    network.append(
      h(
        'p',
        {},
        t('a.settings.networkIntro'),
      ),
      factList(networkFacts(settings.network)),
      sitesTable(settings.network.sites),
    );
  }

  const backups = await backupsSection(host);
  if (!host.isCurrent()) return;
  host.show(
    t('a.nav.settings'),
    host.heading(t('a.nav.settings')),
    readOnly,
    seatsSection(seats instanceof Error ? null : seats),
    general,
    network,
    backups,
  );
}
