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

/** Characters listed at most (the count says how many there are). */
const UNMAPPABLE_LIMIT = 200;

const ENCODINGS: { value: ExportEncoding; label: string; hint: string }[] = [
  {
    value: 'utf8',
    label: 'UTF-8（BOM付き）',
    hint: 'ふつうはこちらを選びます。Excel（Microsoft 365、2016 以降）でそのまま開け、どんな文字もそのまま保存できます。',
  },
  {
    value: 'shift_jis',
    label: 'Shift_JIS',
    hint:
      '古いシステムや、Shift_JIS しか読めない庁内システムに渡すときに選びます。' +
      'Shift_JIS で表せない文字（「𠮷」（つちよし）などの一部の漢字や絵文字）があると出力できず、その文字の場所を表示します。',
  },
];

/** 契約 ID 数: licensed, in use, the warning when over, the newest days' highest counts. */
export function seatsSection(seats: Seats | null): HTMLElement {
  const section = h(
    'section',
    { 'aria-labelledby': 'seats-heading' },
    h('h2', { id: 'seats-heading' }, '契約 ID 数'),
  );
  if (!seats) {
    section.append(h('p', {}, '契約 ID 数を読み込めませんでした。ページを再読み込みしてください。'));
    return section;
  }
  const rest = seats.licensed - seats.active;
  section.append(
    h('p', {}, seatsText(seats)),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, '契約 ID 数'),
      h('dd', {}, `${seats.licensed} ID`),
      h('dt', {}, '使用中（有効な利用者）'),
      h('dd', {}, `${seats.active} ID`),
      h('dt', {}, rest >= 0 ? '残り' : '超過'),
      h('dd', { class: rest < 0 ? 'state-active' : '' }, `${Math.abs(rest)} ID`),
    ),
    seats.over
      ? h(
          'p',
          { class: 'warning' },
          seats.warning || `有効な利用者が契約 ID 数を ${-rest} ID 超えています。`,
          ' 利用者の登録や変更は続けられます。不要な利用者を無効にするか、契約の見直しをご検討ください。',
        )
      : '',
  );
  const days = recentDays(seats.days, 14);
  if (days.length) {
    section.append(
      h(
        'details',
        { class: 'help' },
        h('summary', {}, `日ごとの最大数（直近 ${days.length} 日）`),
        h(
          'div',
          { class: 'table-wrap', role: 'region', 'aria-labelledby': 'seats-days-caption', tabindex: 0 },
          h(
            'table',
            { class: 'data summary' },
            h('caption', { id: 'seats-days-caption' }, '日ごとの有効な利用者の最大数'),
            h(
              'thead',
              {},
              h('tr', {}, ...['日付', '有効な利用者', '契約 ID 数'].map((t) => h('th', { scope: 'col' }, t))),
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
    h('legend', {}, '文字コード'),
    ...ENCODINGS.map((e, i) =>
      h(
        'div',
        { class: 'choice' },
        radios[i] ?? null,
        h(
          'div',
          {},
          h('label', { for: `export-encoding-${e.value}` }, e.label),
          h('p', { class: 'hint', id: `export-encoding-${e.value}-hint` }, e.hint),
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
        h('tr', {}, ...['ファイル', '行', '列', '文字（文字コード）'].map((t) => h('th', { scope: 'col' }, t))),
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
      `${f.file} を Shift_JIS で出力できませんでした。Shift_JIS で表せない文字が ${rows.length} 個あります` +
        (first ? `（最初は ${first.file} の ${first.row}・${first.column}「${first.character}」）` : '') +
        '。すべての場所は下の表のとおりです。「UTF-8（BOM付き）」を選んで出力するか、登録内容の文字を置き換えてください。',
    );
    problemCaption.textContent =
      `Shift_JIS で表せない文字（${rows.length} 個` +
      (rows.length > UNMAPPABLE_LIMIT ? `、はじめの ${UNMAPPABLE_LIMIT} 個を表示）` : '）');
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
    host.announce(`${f.title}（${f.file}）を作成しています…`);
    try {
      const blob = await host.api.download(exportPath(f.file, enc));
      if (!host.isCurrent()) return;
      saveBlob(blob, name);
      host.announce(`${f.title}（${name}）のダウンロードを開始しました。`);
    } catch (err) {
      if (host.handleAuthError(err)) return;
      host.announce('');
      const rows =
        err instanceof host.ApiError && err.code === 'unmappable_characters' ? unmappableRows(err.details) : [];
      if (rows.length) showUnmappable(f, rows);
      else say(`${f.file} を保存できませんでした。${japaneseMessage(host.errorMessage(err))}`);
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
        `${f.file} を保存`,
      );
      btn.addEventListener('click', () => void save(f, btn));
      return h(
        'li',
        { class: 'export-item' },
        h('h3', { id: `export-file-${i}` }, `${f.title}（${f.file}）`),
        h('p', { id: `export-file-${i}-desc` }, f.description),
        h('p', { class: 'meta' }, `内容: ${f.columns}`),
        btn,
      );
    }),
  );

  host.show(
    'データ出力',
    host.heading('データ出力'),
    h(
      'p',
      {},
      '登録されている内容を CSV ファイル（Excel で開けます）で保存します。' +
        '個人情報を含むため、保存したファイルは庁内の決まりに従って取り扱ってください。出力したことは監査ログに記録されます。',
    ),
    seatsSection(seats),
    h(
      'section',
      { 'aria-labelledby': 'export-files-heading' },
      h('h2', { id: 'export-files-heading' }, 'ファイルを保存する'),
      encodings,
      error,
      problems,
      files,
    ),
  );
}
