/**
 * CSV取り込み (`#/admin/import`): a wizard over the import API — choose a
 * file, format and mode; read the server's preview (encoding, counts per
 * action, every row with its changes and errors); apply it (a sync that
 * disables many users asks a second time); download the one-time
 * passwords once; undo the whole import.
 */
import type { ImportApplied, ImportFormat, ImportMode, ImportPreview, ImportRow } from '../api';
import { h } from '../dom';
import { confirmDialog } from './dialog';
import { saveBlob } from './save';
import type { AdminHost } from './host';
import {
  actionLabel,
  ACTIONS,
  applyBlock,
  changeLines,
  changeText,
  fieldLabel,
  formatJst,
  japaneseMessage,
  massDisableText,
  summaryItems,
  summaryText,
  visibleRows,
  type Summary,
} from './labels';

/** Rows shown at once; a filter narrows a long file down. */
const ROW_LIMIT = 500;

const FORMATS: { value: ImportFormat; label: string; hint: string }[] = [
  {
    value: 'standard',
    label: '標準形式',
    hint:
      '1行目の見出しが「email,name,role,status,groups,remarks」' +
      '（または「メールアドレス,氏名,権限,状態,グループ,備考」）のファイルです。' +
      'グループが複数あるときは「;」で区切ります。',
  },
  {
    value: 'hr',
    label: '人事システム形式',
    hint: '人事システムが出力する「メールアドレス,備考」のファイルです。',
  },
];

const MODES: { value: ImportMode; label: string; hint: string }[] = [
  {
    value: 'upsert',
    label: '追加・更新',
    hint: 'ファイルにある利用者を登録し、登録済みの利用者は内容を更新します。ファイルにない利用者はそのままです。',
  },
  {
    value: 'sync',
    label: '同期',
    hint:
      '追加・更新に加えて、ファイルにない受講者・編集者を「無効」にします（ログインできなくなります）。' +
      '削除はしません。学習履歴は残り、あとから有効に戻せます。' +
      '退職者・異動者をまとめて反映するときに使います。',
  },
];

const formatLabel = (v: string): string => FORMATS.find((f) => f.value === v)?.label ?? v;
const modeLabel = (v: string): string => MODES.find((m) => m.value === v)?.label ?? v;

/** A fieldset of radio buttons, each described by its hint. */
function radios<T extends string>(
  name: string,
  legend: string,
  items: { value: T; label: string; hint: string }[],
) {
  const inputs = items.map((item, i) =>
    h('input', {
      type: 'radio',
      name,
      id: `${name}-${item.value}`,
      value: item.value,
      checked: i === 0,
      'aria-describedby': `${name}-${item.value}-hint`,
    }),
  );
  const fieldset = h(
    'fieldset',
    { class: 'choices' },
    h('legend', {}, legend),
    ...items.map((item, i) =>
      h(
        'div',
        { class: 'choice' },
        inputs[i] ?? null,
        h(
          'div',
          {},
          h('label', { for: `${name}-${item.value}` }, item.label),
          h('p', { class: 'hint', id: `${name}-${item.value}-hint` }, item.hint),
        ),
      ),
    ),
  );
  const value = (): T => (inputs.find((r) => r.checked)?.value ?? items[0]?.value) as T;
  return { fieldset, value };
}

/** The counts per action as a small table. */
function summaryTable(s: Summary, caption: string): HTMLTableElement {
  return h(
    'table',
    { class: 'data summary' },
    h('caption', {}, caption),
    h(
      'tbody',
      {},
      ...summaryItems(s).map((i) =>
        h(
          'tr',
          { class: i.action === 'error' && i.count > 0 ? 'has-errors' : '' },
          h('th', { scope: 'row' }, i.label),
          h('td', {}, `${i.count} 件`),
        ),
      ),
    ),
  );
}

/** The nodes that are there (optional parts are null). */
const present = (...nodes: (Node | null)[]): Node[] => nodes.filter((n): n is Node => n !== null);

export async function importPage(host: AdminHost): Promise<void> {
  const format = radios('import-format', 'ファイルの形式', FORMATS);
  const mode = radios('import-mode', '取り込み方法', MODES);
  const file = h('input', {
    id: 'import-file',
    name: 'file',
    type: 'file',
    accept: '.csv,text/csv',
    'aria-describedby': 'import-file-hint',
  });
  const formError = h('p', { class: 'form-error', role: 'alert', id: 'import-error' });
  const submit = h('button', { type: 'submit', class: 'primary' }, '内容を確認する');
  const form = h(
    'form',
    { class: 'import-form', 'aria-labelledby': 'import-form-heading', novalidate: true },
    h('h2', { id: 'import-form-heading' }, '1. ファイルを選ぶ'),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'import-file' }, 'CSVファイル'),
      h(
        'p',
        { class: 'hint', id: 'import-file-hint' },
        '文字コードは UTF-8 または Shift_JIS（Excel で「CSV」として保存したもの）。1行目は見出しです。',
      ),
      file,
    ),
    format.fieldset,
    mode.fieldset,
    formError,
    submit,
  );
  const previewSection = h('section', {
    class: 'import-step',
    'aria-labelledby': 'import-preview-heading',
    hidden: true,
  });
  const resultSection = h('section', {
    class: 'import-step',
    'aria-labelledby': 'import-result-heading',
    hidden: true,
  });

  const setAlert = (el: HTMLElement, message: string): void => {
    el.textContent = '';
    if (message) window.setTimeout(() => (el.textContent = message), 50);
  };
  const clearSteps = (): void => {
    previewSection.hidden = true;
    previewSection.replaceChildren();
    resultSection.hidden = true;
    resultSection.replaceChildren();
  };

  file.addEventListener('change', () => {
    file.removeAttribute('aria-invalid');
    setAlert(formError, '');
    clearSteps();
  });

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    setAlert(formError, '');
    file.removeAttribute('aria-invalid');
    const chosen = file.files?.[0];
    if (!chosen) {
      file.setAttribute('aria-invalid', 'true');
      setAlert(formError, 'CSVファイルを選んでください。');
      file.focus();
      return;
    }
    clearSteps();
    submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    host.announce('ファイルの内容を確認しています…');
    host.api
      .previewImport(chosen, format.value(), mode.value())
      .then((p) => {
        if (!host.isCurrent()) return;
        showPreview(p, chosen.name);
      })
      .catch((err: unknown) => {
        if (host.handleAuthError(err)) return;
        host.announce('');
        file.setAttribute('aria-invalid', 'true');
        setAlert(
          formError,
          `ファイルを読み込めませんでした。${japaneseMessage(host.errorMessage(err))}`,
        );
      })
      .finally(() => {
        submit.disabled = false;
        form.removeAttribute('aria-busy');
      });
  });

  /** Step 2: what the file would do. */
  function showPreview(p: ImportPreview, fileName: string): void {
    const heading = h('h2', { id: 'import-preview-heading', tabindex: -1 }, '2. 内容を確認する');
    const block = applyBlock(p);
    const applyError = h('p', { class: 'form-error', role: 'alert', id: 'import-apply-error' });
    const applyButton = h(
      'button',
      {
        type: 'button',
        class: 'primary',
        disabled: block !== null,
        'aria-describedby': block ? 'import-block' : null,
      },
      '取り込みを実行',
    );
    const applyArea = h(
      'div',
      { class: 'apply-area' },
      block
        ? h(
            'p',
            {
              id: 'import-block',
              class: block.reason === 'errors' ? 'form-error' : 'notice',
              role: block.reason === 'errors' ? 'alert' : null,
            },
            block.message,
          )
        : h(
            'p',
            {},
            p.mode === 'sync' && p.summary.disable > 0
              ? `実行すると、ファイルにない ${p.summary.disable} 人が無効になります。`
              : '内容がよければ、取り込みを実行してください。',
          ),
      applyError,
      applyButton,
    );
    applyButton.addEventListener('click', () => void apply(p, applyArea, applyError));

    const mass = p.mass_disable;
    previewSection.replaceChildren(
      ...present(
        heading,
        h(
          'dl',
          { class: 'facts' },
          h('dt', {}, 'ファイル'),
          h('dd', {}, fileName),
          h('dt', {}, '形式'),
          h('dd', {}, formatLabel(p.format)),
          h('dt', {}, '取り込み方法'),
          h('dd', {}, modeLabel(p.mode)),
          h('dt', {}, '文字コード'),
          h('dd', {}, p.encoding_label || p.encoding || '不明'),
        ),
        summaryTable(p.summary, '処理ごとの件数'),
        p.new_groups.length
          ? h('p', {}, `次のグループが新しく作成されます：${p.new_groups.join('、')}`)
          : null,
        mass && p.summary.disable > 0
          ? h(
              'p',
              { class: mass.confirmation_required ? 'warning' : '' },
              massDisableText(mass),
              mass.confirmation_required ? '上限を超えるため、実行するときにもう一度確認します。' : '',
            )
          : null,
        applyArea,
        rowsTable(p.rows),
      ),
    );
    previewSection.hidden = false;
    heading.focus();
    host.announce(`確認結果：${summaryText(p.summary)}。`);
  }

  /** The rows of the preview, with a filter for long files. */
  function rowsTable(rows: ImportRow[]): HTMLElement {
    const present = ACTIONS.filter((a) => rows.some((r) => r.action === a));
    const select = h(
      'select',
      { id: 'import-rows-filter' },
      h('option', { value: 'all' }, `すべての行（${rows.length} 件）`),
      h('option', { value: 'changes' }, '変更のある行とエラー'),
      ...present.map((a) =>
        h('option', { value: a }, `${actionLabel(a)}（${rows.filter((r) => r.action === a).length} 件）`),
      ),
    );
    const tbody = h('tbody');
    const note = h('p', { class: 'hint' });
    const paint = (): void => {
      const { rows: shown, total } = visibleRows(rows, select.value, ROW_LIMIT);
      note.textContent =
        total > shown.length ? `先頭の ${shown.length} 件を表示しています（全 ${total} 件）。` : '';
      tbody.replaceChildren(
        ...(shown.length
          ? shown.map(rowLine)
          : [h('tr', {}, h('td', { colspan: 5 }, '表示する行はありません。'))]),
      );
    };
    select.addEventListener('change', paint);
    paint();
    return h(
      'div',
      { class: 'rows' },
      h('h3', {}, '行ごとの内容'),
      h('div', { class: 'field' }, h('label', { for: 'import-rows-filter' }, '表示する行'), select),
      note,
      h(
        'div',
        { class: 'table-wrap', role: 'region', 'aria-labelledby': 'import-rows-caption', tabindex: 0 },
        h(
          'table',
          { class: 'data' },
          h('caption', { id: 'import-rows-caption' }, '取り込む行の一覧'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...['行', '処理', 'メールアドレス', '変更内容', 'エラー'].map((t) =>
                h('th', { scope: 'col' }, t),
              ),
            ),
          ),
          tbody,
        ),
      ),
    );
  }

  function rowLine(r: ImportRow): HTMLTableRowElement {
    const changes = changeLines(r.changes);
    return h(
      'tr',
      { class: r.action === 'error' ? 'has-errors' : '' },
      h('th', { scope: 'row', class: 'nowrap' }, r.row === null ? 'ファイル外' : String(r.row)),
      h('td', { class: 'nowrap' }, actionLabel(r.action)),
      h('td', { class: 'nowrap' }, r.email ?? ''),
      h(
        'td',
        {},
        changes.length
          ? h('ul', { class: 'plain changes' }, ...changes.map((c) => h('li', {}, c.text)))
          : null,
      ),
      h(
        'td',
        {},
        r.errors.length
          ? h(
              'ul',
              { class: 'plain errors' },
              ...r.errors.map((e) =>
                h(
                  'li',
                  {},
                  e.column ? `${fieldLabel(e.column)}列：` : '',
                  japaneseMessage(e.message),
                ),
              ),
            )
          : null,
      ),
    );
  }

  /** Step 3: apply, with the confirmations it needs. */
  async function apply(p: ImportPreview, area: HTMLElement, applyError: HTMLElement): Promise<void> {
    const ok = await confirmDialog({
      title: '取り込みを実行しますか',
      body: [
        `次の変更を反映します：${changeText(p.summary)}。`,
        p.summary.create > 0 ? '新しく登録する利用者には初期パスワードが発行されます。' : '',
        '実行したあとでも、この画面の「この取り込みを取り消す」で元に戻せます。',
      ].filter(Boolean),
      confirm: '実行する',
    });
    if (!ok || !host.isCurrent()) return;
    setAlert(applyError, '');
    area.setAttribute('aria-busy', 'true');
    host.announce('取り込みを実行しています…');
    let result: ImportApplied | null = null;
    try {
      result = await host.api.applyImport(p.id);
    } catch (err) {
      if (host.handleAuthError(err)) return;
      if (err instanceof host.ApiError && err.code === 'mass-disable-threshold') {
        result = await confirmMassDisable(p, err, applyError);
      } else {
        host.announce('');
        setAlert(applyError, `取り込みを実行できませんでした。${japaneseMessage(host.errorMessage(err))}`);
      }
    } finally {
      area.removeAttribute('aria-busy');
    }
    if (!result || !host.isCurrent()) return;
    area.replaceChildren(h('p', { class: 'notice' }, 'この内容で取り込みました。結果は下に表示しています。'));
    showResult(result);
  }

  /** The second, explicit confirmation a mass disable needs. */
  async function confirmMassDisable(
    p: ImportPreview,
    err: Error,
    applyError: HTMLElement,
  ): Promise<ImportApplied | null> {
    host.announce('');
    const m = p.mass_disable;
    const sure = await confirmDialog({
      title: '多くの利用者を無効にします',
      body: [
        m ? massDisableText(m) : japaneseMessage(err.message),
        '無効にした利用者はログインできなくなります（削除はされず、あとから有効に戻せます）。' +
          'ファイルが古い、または一部しか出力されていないと、在籍している職員まで無効になります。',
        '人数に間違いがないことを確かめてから実行してください。',
      ],
      confirm: m ? `${m.disable} 人を無効にして実行する` : '無効にして実行する',
      danger: true,
    });
    if (!sure || !host.isCurrent()) {
      setAlert(applyError, '取り込みは実行していません。');
      return null;
    }
    try {
      return await host.api.applyImport(p.id, true);
    } catch (again) {
      if (!host.handleAuthError(again)) {
        setAlert(applyError, `取り込みを実行できませんでした。${japaneseMessage(host.errorMessage(again))}`);
      }
      return null;
    }
  }

  /** Step 4: what was done, the passwords download, and undo. */
  function showResult(r: ImportApplied): void {
    const heading = h('h2', { id: 'import-result-heading', tabindex: -1 }, '3. 取り込み結果');
    const alert = h('p', { class: 'form-error', role: 'alert' });
    const parts: (Node | null)[] = [
      heading,
      h(
        'p',
        {},
        `取り込みを実行しました（${formatJst(r.applied_at)}）。${summaryText(r.summary)}。`,
      ),
      summaryTable(r.summary, '実行した件数'),
      r.new_groups?.length ? h('p', {}, `作成したグループ：${r.new_groups.join('、')}`) : null,
      typeof r.invitations === 'number' && r.invitations > 0
        ? h(
            'p',
            {},
            `新しく登録した ${r.invitations} 人に、招待メール（初期パスワードつき）を送信しています。` +
              '届くまで数分かかることがあります。',
          )
        : null,
    ];
    const passwords = r.passwords_url ? passwordsArea(r, alert) : null;
    const undo = undoArea(r, alert, passwords);
    resultSection.replaceChildren(...present(...parts, alert, passwords, undo));
    resultSection.hidden = false;
    heading.focus();
    host.announce(`取り込みを実行しました。${summaryText(r.summary)}。`);
  }

  function passwordsArea(r: ImportApplied, alert: HTMLElement): HTMLElement {
    const button = h('button', { type: 'button', class: 'primary' }, '初期パスワードのCSVをダウンロード');
    const area = h(
      'div',
      { class: 'panel' },
      h('h3', {}, '初期パスワード'),
      h(
        'p',
        { id: 'import-passwords-hint' },
        '新しく登録した利用者の初期パスワードの一覧（CSV）です。ダウンロードできるのは1回だけです' +
          '（24 時間以内）。ファイルは安全な場所に保管し、ご本人に伝えたら削除してください。',
      ),
      button,
    );
    button.setAttribute('aria-describedby', 'import-passwords-hint');
    let busy = false;
    button.addEventListener('click', () => {
      if (busy || !r.passwords_url) return;
      busy = true;
      setAlert(alert, '');
      host.api
        .download(r.passwords_url)
        .then((blob) => {
          saveBlob(blob, `import-${r.id}-passwords.csv`);
          const done = h(
            'p',
            { class: 'notice', tabindex: -1 },
            '初期パスワードのCSVをダウンロードしました。もう一度ダウンロードすることはできません。',
          );
          button.replaceWith(done);
          done.focus();
          host.announce('初期パスワードのCSVをダウンロードしました。');
        })
        .catch((err: unknown) => {
          if (host.handleAuthError(err)) return;
          setAlert(alert, `ダウンロードできませんでした。${japaneseMessage(host.errorMessage(err))}`);
          if (err instanceof host.ApiError && err.status === 410) button.disabled = true;
        })
        .finally(() => (busy = false));
    });
    return area;
  }

  function undoArea(r: ImportApplied, alert: HTMLElement, passwords: HTMLElement | null): HTMLElement {
    const button = h('button', { type: 'button', class: 'danger' }, 'この取り込みを取り消す');
    const area = h(
      'div',
      { class: 'panel' },
      h('h3', {}, '取り消し'),
      h(
        'p',
        {},
        '間違えて取り込んだときは、この取り込み全体を取り消して、取り込み前の状態に戻せます（1回だけ）。',
      ),
      button,
    );
    let busy = false;
    button.addEventListener('click', () => {
      if (busy) return;
      void (async () => {
        const ok = await confirmDialog({
          title: 'この取り込みを取り消しますか',
          body: [
            'この取り込みで更新・無効化した利用者を、取り込み前の状態に戻します。' +
              '新しく登録した利用者はごみ箱に移り、ログインできなくなります。',
            '取り込みの後に変更された利用者がいる場合は、取り消せません。',
          ],
          confirm: '取り消す',
          cancel: 'やめる',
          danger: true,
        });
        if (!ok || !host.isCurrent()) return;
        busy = true;
        setAlert(alert, '');
        host.announce('取り込みを取り消しています…');
        try {
          const u = await host.api.undoImport(r.id);
          if (!host.isCurrent()) return;
          const done = h(
            'p',
            { class: 'notice', tabindex: -1 },
            `取り込みを取り消しました（${formatJst(u.undone_at)}）。` +
              `元に戻した利用者 ${u.restored} 人、ごみ箱に移した利用者 ${u.trashed} 人。`,
          );
          passwords?.remove();
          area.replaceChildren(h('h3', {}, '取り消し'), done);
          done.focus();
          host.announce('取り込みを取り消しました。');
        } catch (err) {
          if (host.handleAuthError(err)) return;
          host.announce('');
          setAlert(alert, `取り消せませんでした。${japaneseMessage(host.errorMessage(err))}`);
        } finally {
          busy = false;
        }
      })();
    });
    return area;
  }

  host.show(
    'CSV取り込み',
    host.heading('CSV取り込み'),
    h(
      'p',
      {},
      'CSVファイルから利用者をまとめて登録・更新します。まず内容を確認し、よければ実行します。' +
        '確認の段階では何も変更されません。',
    ),
    form,
    previewSection,
    resultSection,
  );
}
