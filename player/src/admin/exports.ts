/**
 * データ出力 (`#/admin/exports`, admins; docs/records.md): the licensed
 * seats (契約 ID 数: licensed, in use, the warning when over, the highest
 * count of recent days), and one button per export file — users, groups,
 * memberships, courses, viewing, audit, all.zip — each described in plain
 * Japanese, in UTF-8 with BOM or Shift_JIS. A Shift_JIS refusal (422
 * `unmappable_characters`) lists every character with its file, row and
 * column.
 */
import type { Seats } from '../api';
import { h } from '../dom';
import type { AdminHost } from './host';
import { japaneseMessage } from './labels';
import {
  EXPORT_FILES,
  exportFileName,
  exportPath,
  seatsText,
  unmappableRows,
  type ExportEncoding,
  type ExportFile,
  type UnmappableRow,
} from './records';
import { saveBlob } from './save';
import { recentDays } from './settings-logic';
import { serverText, t } from './messages';

/** Characters listed at most (the count says how many there are). */
const UNMAPPABLE_LIMIT = 200;

/** Labels and hints are message keys. */
const ENCODINGS: { value: ExportEncoding; label: string; hint: string }[] = [
  {
    value: 'utf8',
    label: 'a.exports.utf8',
    hint: 'a.exports.utf8.hint',
  },
  {
    value: 'shift_jis',
    label: 'a.exports.sjis',
    hint: 'a.exports.sjis.hint',
  },
];

/** 契約 ID 数: licensed, in use, the warning when over, the newest days' highest counts. */
export function seatsSection(seats: Seats | null): HTMLElement {
  const section = h(
    'section',
    { 'aria-labelledby': 'seats-heading' },
    h('h2', { id: 'seats-heading' }, t('a.exports.seats')),
  );
  if (!seats) {
    section.append(h('p', {}, t('a.exports.seatsFailed')));
    return section;
  }
  const rest = seats.licensed - seats.active;
  section.append(
    h('p', {}, seatsText(seats)),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, t('a.exports.seats')),
      h('dd', {}, `${seats.licensed} ID`),
      h('dt', {}, t('a.exports.inUse')),
      h('dd', {}, `${seats.active} ID`),
      h('dt', {}, rest >= 0 ? t('a.exports.left') : t('a.exports.over')),
      h('dd', { class: rest < 0 ? 'state-active' : '' }, `${Math.abs(rest)} ID`),
    ),
    seats.over
      ? h(
          'p',
          { class: 'warning' },
          seats.warning ? serverText(seats.warning) : t('a.exports.overBy', { n: -rest }),
          t('a.exports.goOn'),
        )
      : '',
  );
  const days = recentDays(seats.days, 14);
  if (days.length) {
    section.append(
      h(
        'details',
        { class: 'help' },
        h('summary', {}, t('a.exports.perDay', { n: days.length })),
        h(
          'div',
          { class: 'table-wrap', role: 'region', 'aria-labelledby': 'seats-days-caption', tabindex: 0 },
          h(
            'table',
            { class: 'data summary' },
            h('caption', { id: 'seats-days-caption' }, t('a.exports.perDayCaption')),
            h(
              'thead',
              {},
              h('tr', {}, ...[t('a.exports.day'), t('a.exports.active'), t('a.exports.seats')].map((text) => h('th', { scope: 'col' }, text))),
            ),
            h(
              'tbody',
              {},
              ...days.map((d) =>
                h(
                  'tr',
                  { class: d.active > d.licensed ? 'has-errors' : '' },
                  h('th', { scope: 'row', class: 'nowrap' }, d.day),
                  h('td', {}, `${d.active} ID`),
                  h('td', {}, `${d.licensed} ID`),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }
  return section;
}

export async function exportsPage(host: AdminHost): Promise<void> {
  // The exports work without the seats: only a lost login stops the page (the router handles it).
  const seats = await host.api.seats().catch((err: unknown) => {
    if (err instanceof host.ApiError && (err.status === 401 || err.code === 'password_change_required')) {
      throw err;
    }
    return null;
  });
  if (!host.isCurrent()) return;
  let busy = false;

  const radios = ENCODINGS.map((e, i) =>
    h('input', {
      type: 'radio',
      name: 'export-encoding',
      id: `export-encoding-${e.value}`,
      value: e.value,
      checked: i === 0,
      'aria-describedby': `export-encoding-${e.value}-hint`,
    }),
  );
  const encoding = (): ExportEncoding =>
    (radios.find((r) => r.checked)?.value as ExportEncoding | undefined) ?? 'utf8';
  const encodings = h(
    'fieldset',
    { class: 'choices' },
    h('legend', {}, t('a.imports.encoding')),
    ...ENCODINGS.map((e, i) =>
      h(
        'div',
        { class: 'choice' },
        radios[i] ?? null,
        h(
          'div',
          {},
          h('label', { for: `export-encoding-${e.value}` }, t(e.label)),
          h('p', { class: 'hint', id: `export-encoding-${e.value}-hint` }, t(e.hint)),
        ),
      ),
    ),
  );

  const error = h('p', { class: 'form-error', role: 'alert', id: 'export-error' });
  const problemBody = h('tbody');
  const problemCaption = h('caption', { id: 'unmappable-caption' });
  const problems = h(
    'div',
    { class: 'table-wrap', role: 'region', 'aria-labelledby': 'unmappable-caption', tabindex: 0, hidden: true },
    h(
      'table',
      { class: 'data' },
      problemCaption,
      h(
        'thead',
        {},
        h('tr', {}, ...[t('a.imports.fileName'), t('a.imports.row'), t('a.exports.column'), t('a.exports.char')].map((text) => h('th', { scope: 'col' }, text))),
      ),
      problemBody,
    ),
  );
  const say = (message: string): void => {
    error.textContent = '';
    if (message) window.setTimeout(() => (error.textContent = message), 50);
  };
  const clearProblems = (): void => {
    say('');
    problems.hidden = true;
    problemBody.replaceChildren();
  };
  for (const r of radios) r.addEventListener('change', clearProblems);

  function showUnmappable(f: ExportFile, rows: UnmappableRow[]): void {
    const first = rows[0];
    say(
      t(first ? 'a.exports.unmappableFirst' : 'a.exports.unmappable', {
        file: f.file,
        n: rows.length,
        where: first?.file ?? '',
        row: first?.row ?? '',
        column: first?.column ?? '',
        ch: first?.character ?? '',
      }),
    );
    problemCaption.textContent =
      rows.length > UNMAPPABLE_LIMIT
        ? t('a.exports.charsFirst', { n: rows.length, limit: UNMAPPABLE_LIMIT })
        : t('a.exports.chars', { n: rows.length });
    problemBody.replaceChildren(
      ...rows.slice(0, UNMAPPABLE_LIMIT).map((r) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row', class: 'nowrap' }, r.file),
          h('td', { class: 'nowrap' }, r.row),
          h('td', { class: 'nowrap' }, r.column),
          h('td', { class: 'unmappable-char' }, r.character),
        ),
      ),
    );
    problems.hidden = false;
  }

  async function save(f: ExportFile, btn: HTMLButtonElement): Promise<void> {
    if (busy) return;
    busy = true;
    const enc = encoding();
    const name = exportFileName(f.file, enc);
    clearProblems();
    btn.disabled = true;
    btn.setAttribute('aria-busy', 'true');
    host.announce(t('a.exports.making', { title: f.title, file: f.file }));
    try {
      const blob = await host.api.download(exportPath(f.file, enc));
      if (!host.isCurrent()) return;
      saveBlob(blob, name);
      host.announce(t('a.exports.started', { title: f.title, file: name }));
    } catch (err) {
      if (host.handleAuthError(err)) return;
      host.announce('');
      const rows =
        err instanceof host.ApiError && err.code === 'unmappable_characters' ? unmappableRows(err.details) : [];
      if (rows.length) showUnmappable(f, rows);
      else say(t('a.exports.failed', { file: f.file, error: japaneseMessage(host.errorMessage(err)) }));
    } finally {
      busy = false;
      btn.disabled = false;
      btn.removeAttribute('aria-busy');
      // A disabled button may have dropped the focus: give it back.
      if (host.isCurrent() && (document.activeElement === document.body || !document.activeElement)) btn.focus();
    }
  }

  const files = h(
    'ul',
    { class: 'export-list' },
    ...EXPORT_FILES.map((f, i) => {
      const btn = h(
        'button',
        { type: 'button', class: 'secondary', 'aria-describedby': `export-file-${i}-desc` },
        t('a.exports.save', { file: f.file }),
      );
      btn.addEventListener('click', () => void save(f, btn));
      return h(
        'li',
        { class: 'export-item' },
        h('h3', { id: `export-file-${i}` }, t('a.exports.fileTitle', { title: f.title, file: f.file })),
        h('p', { id: `export-file-${i}-desc` }, f.description),
        h('p', { class: 'meta' }, t('a.exports.columns', { columns: f.columns })),
        btn,
      );
    }),
  );

  host.show(
    t('a.nav.exports'),
    host.heading(t('a.nav.exports')),
    h(
      'p',
      {},
      t('a.exports.intro'),
    ),
    seatsSection(seats),
    h(
      'section',
      { 'aria-labelledby': 'export-files-heading' },
      h('h2', { id: 'export-files-heading' }, t('a.exports.files')),
      encodings,
      error,
      problems,
      files,
    ),
  );
}
