/**
 * バックアップ, a section of 設定 (admins): when backups are taken, the
 * newest ones and how their verification went (`GET /api/v1/backups`), and
 * 今すぐバックアップ (`POST /api/v1/backups`, which answers once the backup
 * is written, opened again and checked; it can take minutes on a large
 * catalog, so the button says so while it waits). A failed backup is
 * listed with its cause; the service also shows admins a notice until a
 * backup succeeds.
 */
import type { BackupList, BackupRecord } from '../api';
import { h } from '../dom';
import type { AdminHost } from './host';
import { formatJst } from './labels';
import { serverText, t } from './messages';
import { scrollBox } from './parts';

/** Bytes as MB with one decimal, or KB below a megabyte. */
export function sizeText(bytes: number): string {
  return bytes < 1e6 ? `${Math.max(1, Math.round(bytes / 1e3))} KB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

/** How long a backup took: seconds with one decimal, or under a second. */
function tookText(ms: number): string {
  return ms < 1000 ? t('a.backups.underSecond') : t('a.backups.seconds', { n: (ms / 1000).toFixed(1) });
}

function table(items: BackupRecord[]): HTMLElement {
  if (!items.length) return h('p', {}, t('a.backups.none'));
  return scrollBox(
    h(
      'table',
      { class: 'data' },
      h('caption', { id: 'backups-caption' }, t('a.backups.caption', { n: items.length })),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...[t('a.backups.when'), t('a.backups.result'), t('a.backups.size'), t('a.backups.took'), t('a.backups.file')].map(
            (text) => h('th', { scope: 'col' }, text),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        ...items.map((b) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row', class: 'nowrap' }, formatJst(b.created_at)),
            h(
              'td',
              {},
              b.status === 'ok'
                ? t('a.backups.ok', { users: b.counts['users'] ?? 0 })
                : h('span', { class: 'form-error' }, t('a.backups.failed', { error: serverText(b.error ?? '') })),
            ),
            h('td', { class: 'nowrap' }, b.status === 'ok' ? sizeText(b.size_bytes) : '—'),
            h('td', { class: 'nowrap' }, tookText(b.took_ms)),
            h('td', {}, h('code', {}, b.file)),
          ),
        ),
      ),
    ),
    'backups-caption',
  );
}

/** The section; `null` when backups cannot be listed (it then says why). */
export async function backupsSection(host: AdminHost): Promise<HTMLElement> {
  const section = h(
    'section',
    { 'aria-labelledby': 'backups-heading', id: 'backups' },
    h('h2', { id: 'backups-heading' }, t('a.backups.heading')),
  );
  const body = h('div', {});
  const status = h('p', { role: 'status', id: 'backup-status' });
  const button = h('button', { type: 'button', id: 'backup-now' }, t('a.backups.now')) as HTMLButtonElement;

  const draw = async (): Promise<void> => {
    let list: BackupList;
    try {
      list = await host.api.backups();
    } catch (err) {
      if (host.handleAuthError(err)) return;
      body.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, host.errorMessage(err)));
      button.hidden = true;
      return;
    }
    body.replaceChildren(
      h(
        'p',
        {},
        list.daily_at
          ? t('a.backups.daily', {
              at: list.daily_at,
              tz: list.timezone === 'Asia/Tokyo' ? t('a.backups.jst') : list.timezone,
            })
          : t('a.backups.noDaily'),
        ' ',
        list.last_ok_at ? t('a.backups.lastOk', { at: formatJst(list.last_ok_at) }) : t('a.backups.neverOk'),
      ),
      table(list.items.slice(0, 14)),
    );
  };

  button.addEventListener('click', () => {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    status.textContent = t('a.backups.taking');
    void host.api
      .takeBackup()
      .then(
        (record) => {
          status.textContent = t('a.backups.taken', { file: record.file, size: sizeText(record.size_bytes) });
        },
        (err: unknown) => {
          if (host.handleAuthError(err)) return;
          status.textContent = t('a.backups.takeFailed');
        },
      )
      .then(draw)
      .finally(() => {
        button.disabled = false;
        button.removeAttribute('aria-busy');
        host.refreshNotices();
      });
  });

  await draw();
  section.append(h('p', {}, t('a.backups.intro')), body, h('p', {}, button), status);
  return section;
}
