/**
 * CSV取り込み (`#/admin/import`): a wizard over the import API — choose a
 * file, format and mode; read the server's preview (encoding, counts per
 * action, every row with its changes and errors); apply it (a sync that
 * disables many users asks a second time); download the one-time
 * passwords once; undo the whole import.
 */
import type { ImportApplied, ImportFormat, ImportMode, ImportPreview, ImportRow } from '../api';
import { h, refocus } from '../dom';
import { confirmDialog } from './dialog';
import { saveBlob } from './save';
import type { AdminHost } from './host';
import {
  actionLabel,
  ACTIONS,
  applyBlock,
  applyConfirmBody,
  changeLines,
  fieldLabel,
  formatJst,
  japaneseMessage,
  massDisableText,
  summaryItems,
  summaryText,
  visibleRows,
  type Summary,
} from './labels';
import { serverText, t } from './messages';

/** Rows shown at once; a filter narrows a long file down. */
const ROW_LIMIT = 500;

const FORMATS: { value: ImportFormat; label: string; hint: string }[] = [
  {
    value: 'standard',
    label: 'a.imports.format.standard',
    hint: 'a.imports.format.standard.hint',
  },
  {
    value: 'hr',
    label: 'a.imports.format.hr',
    hint: 'a.imports.format.hr.hint',
  },
];

const MODES: { value: ImportMode; label: string; hint: string }[] = [
  {
    value: 'upsert',
    label: 'a.imports.mode.upsert',
    hint: 'a.imports.mode.upsert.hint',
  },
  {
    value: 'sync',
    label: 'a.imports.mode.sync',
    hint: 'a.imports.mode.sync.hint',
  },
];

/** Labels and hints are message keys, looked up when shown. */
const formatLabel = (v: string): string => {
  const key = FORMATS.find((f) => f.value === v)?.label;
  return key ? t(key) : v;
};
const modeLabel = (v: string): string => {
  const key = MODES.find((m) => m.value === v)?.label;
  return key ? t(key) : v;
};

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
          h('label', { for: `${name}-${item.value}` }, t(item.label)),
          h('p', { class: 'hint', id: `${name}-${item.value}-hint` }, t(item.hint)),
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
          h('td', {}, t('a.common.items', { n: i.count })),
        ),
      ),
    ),
  );
}

/** The nodes that are there (optional parts are null). */
const present = (...nodes: (Node | null)[]): Node[] => nodes.filter((n): n is Node => n !== null);

export async function importPage(host: AdminHost): Promise<void> {
  const format = radios('import-format', t('a.imports.formatLegend'), FORMATS);
  const mode = radios('import-mode', t('a.imports.modeLegend'), MODES);
  const file = h('input', {
    id: 'import-file',
    name: 'file',
    type: 'file',
    accept: '.csv,text/csv',
    'aria-describedby': 'import-file-hint',
  });
  const formError = h('p', { class: 'form-error', role: 'alert', id: 'import-error' });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('a.imports.check'));
  const form = h(
    'form',
    { class: 'import-form', 'aria-labelledby': 'import-form-heading', novalidate: true },
    h('h2', { id: 'import-form-heading' }, t('a.imports.step1')),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'import-file' }, t('a.imports.file')),
      h(
        'p',
        { class: 'hint', id: 'import-file-hint' },
        t('a.imports.fileHint'),
      ),
      file,
    ),
    format.fieldset,
    mode.fieldset,
    formError,
    submit,
  );
  /** An apply is running: 内容を確認する and 取り込みを実行 wait. */
  let applying = false;
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
    if (applying) return;
    setAlert(formError, '');
    file.removeAttribute('aria-invalid');
    const chosen = file.files?.[0];
    if (!chosen) {
      file.setAttribute('aria-invalid', 'true');
      setAlert(formError, t('a.imports.noFile'));
      file.focus();
      return;
    }
    clearSteps();
    submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    host.announce(t('a.imports.checking'));
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
          t('a.imports.readFailed', { error: japaneseMessage(host.errorMessage(err)) }),
        );
      })
      .finally(() => {
        submit.disabled = false;
        form.removeAttribute('aria-busy');
      });
  });

  /** Step 2: what the file would do. */
  function showPreview(p: ImportPreview, fileName: string): void {
    const heading = h('h2', { id: 'import-preview-heading', tabindex: -1 }, t('a.imports.step2'));
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
      t('a.imports.apply'),
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
              ? t('a.imports.willDisable', { n: p.summary.disable })
              : t('a.imports.applyIfOk'),
          ),
      applyError,
      applyButton,
    );
    applyButton.addEventListener('click', () => void apply(p, applyArea, applyError, applyButton));

    const mass = p.mass_disable;
    previewSection.replaceChildren(
      ...present(
        heading,
        h(
          'dl',
          { class: 'facts' },
          h('dt', {}, t('a.imports.fileName')),
          h('dd', {}, fileName),
          h('dt', {}, t('a.imports.formatName')),
          h('dd', {}, formatLabel(p.format)),
          h('dt', {}, t('a.imports.modeLegend')),
          h('dd', {}, modeLabel(p.mode)),
          h('dt', {}, t('a.imports.encoding')),
          h('dd', {}, p.encoding_label || p.encoding || t('a.imports.unknown')),
        ),
        summaryTable(p.summary, t('a.imports.perAction')),
        p.new_groups.length
          ? h('p', {}, t('a.imports.newGroups', { groups: p.new_groups.join(t('a.list.sep')) }))
          : null,
        mass && p.summary.disable > 0
          ? h(
              'p',
              { class: mass.confirmation_required ? 'warning' : '' },
              massDisableText(mass),
              mass.confirmation_required ? t('a.imports.overLimit') : '',
            )
          : null,
        applyArea,
        rowsTable(p.rows),
      ),
    );
    previewSection.hidden = false;
    heading.focus();
    host.announce(t('a.imports.checked', { summary: summaryText(p.summary) }));
  }

  /** The rows of the preview, with a filter for long files. */
  function rowsTable(rows: ImportRow[]): HTMLElement {
    const present = ACTIONS.filter((a) => rows.some((r) => r.action === a));
    const select = h(
      'select',
      { id: 'import-rows-filter' },
      h('option', { value: 'all' }, t('a.imports.filter.all', { n: rows.length })),
      h('option', { value: 'changes' }, t('a.imports.filter.changes')),
      ...present.map((a) =>
        h('option', { value: a }, t('a.imports.filter.action', { action: actionLabel(a), n: rows.filter((r) => r.action === a).length })),
      ),
    );
    const tbody = h('tbody');
    const note = h('p', { class: 'hint' });
    const paint = (): void => {
      const { rows: shown, total } = visibleRows(rows, select.value, ROW_LIMIT);
      note.textContent =
        total > shown.length ? t('a.imports.firstRows', { n: shown.length, total }) : '';
      tbody.replaceChildren(
        ...(shown.length
          ? shown.map(rowLine)
          : [h('tr', {}, h('td', { colspan: 5 }, t('a.imports.noRows')))]),
      );
    };
    select.addEventListener('change', paint);
    paint();
    return h(
      'div',
      { class: 'rows' },
      h('h3', {}, t('a.imports.rows')),
      h('div', { class: 'field' }, h('label', { for: 'import-rows-filter' }, t('a.imports.rowsShown')), select),
      note,
      h(
        'div',
        { class: 'table-wrap', role: 'region', 'aria-labelledby': 'import-rows-caption', tabindex: 0 },
        h(
          'table',
          { class: 'data' },
          h('caption', { id: 'import-rows-caption' }, t('a.imports.rowsCaption')),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...[
                t('a.imports.row'),
                t('a.imports.action'),
                t('a.field.email'),
                t('a.imports.changes'),
                t('a.action.error'),
              ].map((text) => h('th', { scope: 'col' }, text)),
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
      h('th', { scope: 'row', class: 'nowrap' }, r.row === null ? t('a.imports.outside') : String(r.row)),
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
                  e.column ? t('a.imports.column', { column: fieldLabel(e.column) }) : '',
                  serverText(e.message),
                ),
              ),
            )
          : null,
      ),
    );
  }

  /** Step 3: apply, with the confirmations it needs. */
  async function apply(
    p: ImportPreview,
    area: HTMLElement,
    applyError: HTMLElement,
    applyButton: HTMLButtonElement,
  ): Promise<void> {
    if (applying) return;
    const ok = await confirmDialog({
      title: t('a.imports.apply.title'),
      body: applyConfirmBody(p),
      confirm: t('a.imports.apply.confirm'),
    });
    if (!ok || !host.isCurrent() || applying) return;
    setAlert(applyError, '');
    // One apply at a time: a second one would be refused (409).
    applying = true;
    applyButton.disabled = submit.disabled = true;
    area.setAttribute('aria-busy', 'true');
    host.announce(t('a.imports.applying'));
    let result: ImportApplied | null = null;
    try {
      result = await host.api.applyImport(p.id);
    } catch (err) {
      if (host.handleAuthError(err)) return;
      if (err instanceof host.ApiError && err.code === 'mass-disable-threshold') {
        result = await confirmMassDisable(p, err, applyError);
      } else {
        host.announce('');
        setAlert(applyError, t('a.imports.applyFailed', { error: japaneseMessage(host.errorMessage(err)) }));
      }
    } finally {
      applying = false;
      applyButton.disabled = submit.disabled = false;
      area.removeAttribute('aria-busy');
      // The disabled button lost the focus; a result moves it to its heading.
      if (!result && host.isCurrent()) refocus(applyButton, applyButton);
    }
    if (!result || !host.isCurrent()) return;
    area.replaceChildren(h('p', { class: 'notice' }, t('a.imports.appliedHere')));
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
      title: t('a.imports.mass.title'),
      body: [
        m ? massDisableText(m) : serverText(err.message),
        t('a.imports.mass.body'),
        t('a.imports.mass.check'),
      ],
      confirm: m ? t('a.imports.mass.confirmN', { n: m.disable }) : t('a.imports.mass.confirm'),
      danger: true,
    });
    if (!sure || !host.isCurrent()) {
      setAlert(applyError, t('a.imports.notApplied'));
      return null;
    }
    try {
      return await host.api.applyImport(p.id, true);
    } catch (again) {
      if (!host.handleAuthError(again)) {
        setAlert(applyError, t('a.imports.applyFailed', { error: japaneseMessage(host.errorMessage(again)) }));
      }
      return null;
    }
  }

  /** Step 4: what was done, the passwords download, and undo. */
  function showResult(r: ImportApplied): void {
    const heading = h('h2', { id: 'import-result-heading', tabindex: -1 }, t('a.imports.step3'));
    const alert = h('p', { class: 'form-error', role: 'alert' });
    const parts: (Node | null)[] = [
      heading,
      h(
        'p',
        {},
        t('a.imports.doneAt', { at: formatJst(r.applied_at), summary: summaryText(r.summary) }),
      ),
      summaryTable(r.summary, t('a.imports.doneCounts')),
      r.new_groups?.length ? h('p', {}, t('a.imports.madeGroups', { groups: r.new_groups.join(t('a.list.sep')) })) : null,
      typeof r.invitations === 'number' && r.invitations > 0
        ? h(
            'p',
            {},
            t('a.imports.invitations', { n: r.invitations }),
          )
        : null,
    ];
    const passwords = r.passwords_url ? passwordsArea(r, alert) : null;
    const undo = undoArea(r, alert, passwords);
    resultSection.replaceChildren(...present(...parts, alert, passwords, undo));
    resultSection.hidden = false;
    heading.focus();
    host.announce(t('a.imports.done', { summary: summaryText(r.summary) }));
  }

  function passwordsArea(r: ImportApplied, alert: HTMLElement): HTMLElement {
    const button = h('button', { type: 'button', class: 'primary' }, t('a.imports.otpCsv'));
    const area = h(
      'div',
      { class: 'panel' },
      h('h3', {}, t('a.dialog.otp.label')),
      h(
        'p',
        { id: 'import-passwords-hint' },
        t('a.imports.otpCsv.hint'),
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
            t('a.imports.otpCsv.done'),
          );
          button.replaceWith(done);
          done.focus();
          host.announce(t('a.imports.otpCsv.said'));
        })
        .catch((err: unknown) => {
          if (host.handleAuthError(err)) return;
          setAlert(alert, t('a.common.downloadFailed', { error: japaneseMessage(host.errorMessage(err)) }));
          if (err instanceof host.ApiError && err.status === 410) button.disabled = true;
        })
        .finally(() => (busy = false));
    });
    return area;
  }

  function undoArea(r: ImportApplied, alert: HTMLElement, passwords: HTMLElement | null): HTMLElement {
    const button = h('button', { type: 'button', class: 'danger' }, t('a.imports.undo'));
    const area = h(
      'div',
      { class: 'panel' },
      h('h3', {}, t('a.imports.undo.heading')),
      h(
        'p',
        {},
        t('a.imports.undo.hint'),
      ),
      button,
    );
    let busy = false;
    button.addEventListener('click', () => {
      if (busy) return;
      void (async () => {
        const ok = await confirmDialog({
          title: t('a.imports.undo.title'),
          body: [
            t('a.imports.undo.body'),
            t('a.imports.undo.changedSince'),
          ],
          confirm: t('a.imports.undo.confirm'),
          cancel: t('a.common.dont'),
          danger: true,
        });
        if (!ok || !host.isCurrent()) return;
        busy = true;
        setAlert(alert, '');
        host.announce(t('a.imports.undoing'));
        try {
          const u = await host.api.undoImport(r.id);
          if (!host.isCurrent()) return;
          const done = h(
            'p',
            { class: 'notice', tabindex: -1 },
            t('a.imports.undone', { at: formatJst(u.undone_at), restored: u.restored, trashed: u.trashed }),
          );
          passwords?.remove();
          area.replaceChildren(h('h3', {}, t('a.imports.undo.heading')), done);
          done.focus();
          host.announce(t('a.imports.undone.said'));
        } catch (err) {
          if (host.handleAuthError(err)) return;
          host.announce('');
          setAlert(alert, t('a.imports.undoFailed', { error: japaneseMessage(host.errorMessage(err)) }));
        } finally {
          busy = false;
        }
      })();
    });
    return area;
  }

  host.show(
    t('a.nav.import'),
    host.heading(t('a.nav.import')),
    h(
      'p',
      {},
      t('a.imports.intro'),
    ),
    form,
    previewSection,
    resultSection,
  );
}
