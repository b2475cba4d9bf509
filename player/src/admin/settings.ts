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
import { seatsSection } from './exports';
import type { AdminHost } from './host';
import { japaneseMessage } from './labels';
import { scrollBox } from './parts';
import { budgetText, networkFacts, settingFacts, type SettingFact } from './settings-logic';

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
      '拠点は設定されていません。すべての接続を、上の「どの拠点にも当てはまらない接続」として扱います。',
    );
  }
  return scrollBox(
    h(
      'table',
      { class: 'data' },
      h('caption', { id: 'sites-caption' }, `拠点と帯域の上限（${sites.length} 拠点）`),
      h(
        'thead',
        {},
        h('tr', {}, ...['拠点', 'ネットワーク（アドレスの範囲）', '帯域の上限'].map((t) => h('th', { scope: 'col' }, t))),
      ),
      h(
        'tbody',
        {},
        ...sites.map((s) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row', class: 'nowrap' }, s.name),
            h('td', {}, s.cidrs.join('、')),
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
      'この画面は確認のためのものです。ここに表示している設定は、この画面では変更できません。',
      '運用担当者がサーバーの設定ファイルで変更し、サービスを再起動すると反映されます。',
    ),
    h(
      'p',
      {},
      '変更が必要なときは、運用担当者に依頼してください。手順は ',
      h('a', { href: '/help/operator.html' }, '運用マニュアル'),
      ' の「3. 設定（すべての項目）」と「4. 拠点ごとのネットワーク予算」にあります。',
    ),
  );

  const general = h('section', { 'aria-labelledby': 'settings-general-heading' }, h('h2', { id: 'settings-general-heading' }, 'サービスの設定'));
  const network = h(
    'section',
    { 'aria-labelledby': 'settings-network-heading' },
    h('h2', { id: 'settings-network-heading' }, 'ネットワーク（拠点ごとの帯域）'),
  );
  if (settings instanceof Error) {
    const why = `設定を読み込めませんでした。${japaneseMessage(host.errorMessage(settings))}ページを再読み込みしてください。`;
    general.append(h('p', { class: 'form-error', role: 'alert' }, why));
    network.append(h('p', {}, '設定を読み込めなかったため、表示できません。'));
  } else {
    general.append(factList(settingFacts(settings)));
    network.append(
      h(
        'p',
        {},
        '庁舎や出先機関などの拠点ごとに、動画の配信に使う回線の帯域の上限を決めています。上限に近づくと、その拠点で視聴中の人の画質が自動で下がります。視聴が断られることはありません。',
      ),
      factList(networkFacts(settings.network)),
      sitesTable(settings.network.sites),
    );
  }

  host.show(
    '設定',
    host.heading('設定'),
    readOnly,
    seatsSection(seats instanceof Error ? null : seats),
    general,
    network,
  );
}
