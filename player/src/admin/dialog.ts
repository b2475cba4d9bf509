/**
 * Modal dialogs for the administration pages: a confirmation (never
 * `window.confirm`) and the one-time password shown once. A real
 * `<dialog>` opened with `showModal()` (the rest of the page is inert);
 * focus moves in, Escape closes, and focus returns to the control that
 * opened it. Browsers without `showModal` (Safari before 15.4) get the same
 * keyboard behaviour by hand.
 */
import { focusables, h, keepTabInside } from '../dom';
import { t } from './dialog-messages';

let seq = 0;

interface Modal {
  dialog: HTMLDialogElement;
  /** Closes with a value; `''` means cancelled. */
  close(value: string): void;
  /** Resolves with the value the dialog was closed with. */
  closed: Promise<string>;
}

/**
 * Opens a modal dialog titled `title` with `content`; `focus` gets the
 * focus. Escape cancels it, or calls `escape` instead when given (a dialog
 * that must not close at once).
 */
function modal(
  title: string,
  content: Node[],
  buttons: HTMLElement,
  focus: () => HTMLElement | null,
  extraClass = '',
  escape?: () => void,
): Modal {
  const id = `dialog-${++seq}`;
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const dialog = h(
    'dialog',
    {
      class: `modal ${extraClass}`.trim(),
      'aria-labelledby': `${id}-title`,
      'aria-describedby': `${id}-body`,
    },
    h('h2', { id: `${id}-title`, class: 'modal-title' }, title),
    h('div', { id: `${id}-body`, class: 'modal-body' }, ...content),
    buttons,
  );
  let resolve: (v: string) => void = () => {};
  const closed = new Promise<string>((r) => (resolve = r));
  let done = false;
  const native = typeof dialog.showModal === 'function';
  const close = (value: string): void => {
    if (done) return;
    done = true;
    if (native && dialog.open) dialog.close(value);
    dialog.remove();
    // Back to where the user was, if it is still on the page.
    if (opener && opener.isConnected) opener.focus();
    else document.querySelector<HTMLElement>('#view h1')?.focus();
    resolve(value);
  };
  // Escape: the native dialog fires `cancel`; we close it ourselves so the
  // result is "cancelled" and focus returns.
  const cancelled = (): void => (escape ? escape() : close(''));
  dialog.addEventListener('cancel', (e) => {
    e.preventDefault();
    cancelled();
  });
  dialog.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      cancelled();
    } else if (!native) {
      // Keep focus inside (showModal does this natively).
      keepTabInside(dialog, e);
    }
  });
  document.body.append(dialog);
  if (native) {
    dialog.showModal();
  } else {
    dialog.setAttribute('open', '');
    dialog.setAttribute('role', 'dialog');
    dialog.setAttribute('aria-modal', 'true');
  }
  (focus() ?? focusables(dialog)[0])?.focus();
  return { dialog, close, closed };
}

export interface ConfirmOptions {
  title: string;
  /** Paragraphs or nodes explaining what will happen. */
  body: (string | Node)[];
  /** The confirming button's text, e.g. `無効にする`. */
  confirm: string;
  cancel?: string;
  /** Destructive: the confirming button is red and focus starts on cancel. */
  danger?: boolean;
}

/** Asks before doing something; resolves true when confirmed. */
export async function confirmDialog(opts: ConfirmOptions): Promise<boolean> {
  const ok = h(
    'button',
    { type: 'button', class: opts.danger ? 'danger' : 'primary', value: 'ok' },
    opts.confirm,
  );
  const cancel = h('button', { type: 'button', class: 'secondary' }, opts.cancel ?? t('a.common.cancel'));
  const m = modal(
    opts.title,
    opts.body.map((b) => (typeof b === 'string' ? h('p', {}, b) : b)),
    h('div', { class: 'modal-actions' }, ok, cancel),
    () => (opts.danger ? cancel : ok),
  );
  ok.addEventListener('click', () => m.close('ok'));
  cancel.addEventListener('click', () => m.close(''));
  return (await m.closed) === 'ok';
}

export interface TypedConfirmOptions {
  title: string;
  /** Paragraphs or nodes explaining what will happen. */
  body: (string | Node)[];
  /** The field's label, naming what to type. */
  label: string;
  /** What must be typed, exactly (the server checks it again). */
  expected: string;
  /** The confirming (destructive) button's text, e.g. `完全に削除する`. */
  confirm: string;
}

/**
 * Asks before something that cannot be undone: the confirming button does
 * it only once `expected` is typed exactly; resolves true when it was.
 */
export async function typedConfirmDialog(opts: TypedConfirmOptions): Promise<boolean> {
  const fieldId = `typed-${++seq}`;
  const field = h('input', {
    id: fieldId,
    type: 'text',
    autocomplete: 'off',
    spellcheck: 'false',
    autocapitalize: 'off',
  });
  return fieldDialog(opts, fieldId, field, h('button', { type: 'submit', class: 'danger' }, opts.confirm), async (typed) =>
    typed === opts.expected ? null : t('a.dialog.mismatch', { expected: opts.expected }),
  );
}

/**
 * A dialog around one labelled `control` (id `fieldId`) and a confirming
 * `ok` button: on submit `check` judges the control's value — null closes
 * the dialog as confirmed; a message is said beside the control, which is
 * marked invalid and focused, so it can be corrected or cancelled.
 */
async function fieldDialog(
  opts: { title: string; body: (string | Node)[]; label: string },
  fieldId: string,
  control: HTMLInputElement | HTMLSelectElement,
  ok: HTMLButtonElement,
  check: (value: string) => Promise<string | null>,
): Promise<boolean> {
  control.setAttribute('aria-describedby', `${fieldId}-error`);
  const error = h('p', { class: 'form-error', id: `${fieldId}-error`, role: 'alert' });
  const cancel = h('button', { type: 'button', class: 'secondary' }, t('a.common.cancel'));
  const form = h(
    'form',
    { class: 'typed-confirm', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: fieldId }, opts.label), control),
    error,
    h('div', { class: 'modal-actions' }, ok, cancel),
  );
  const m = modal(
    opts.title,
    opts.body.map((b) => (typeof b === 'string' ? h('p', {}, b) : b)),
    form,
    () => control,
  );
  const refuse = (message: string): void => {
    control.setAttribute('aria-invalid', 'true');
    error.textContent = '';
    // After a tick, so a repeated refusal is announced again (inside the
    // dialog: the page's live region is inert meanwhile).
    window.setTimeout(() => (error.textContent = message), 50);
    control.focus();
  };
  for (const event of ['input', 'change']) control.addEventListener(event, () => control.removeAttribute('aria-invalid'));
  let busy = false;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (busy) return;
    busy = true;
    ok.disabled = true;
    form.setAttribute('aria-busy', 'true');
    check(control.value)
      .then((problem) => {
        if (problem === null) m.close('ok');
        else refuse(problem);
      })
      .finally(() => {
        busy = false;
        ok.disabled = false;
        form.removeAttribute('aria-busy');
      });
  });
  cancel.addEventListener('click', () => m.close(''));
  return (await m.closed) === 'ok';
}

/** Copies text, with the old selection-based fallback (HTTP, older browsers). */
async function copyText(text: string, field: HTMLInputElement): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    /* fall through */
  }
  field.select();
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  }
}

/**
 * Shows a one-time password once, with a copy button and a warning; it is
 * gone from the page when the dialog closes. It can never be shown again,
 * so 閉じる (and Escape) first asks whether it was noted: 「控えたので閉じる」
 * closes, 「パスワードの表示に戻る」 (and Escape again) goes back to it.
 */
export async function passwordDialog(who: string, password: string): Promise<void> {
  const fieldId = `otp-${++seq}`;
  const field = h('input', {
    id: fieldId,
    type: 'text',
    readonly: true,
    value: password,
    class: 'otp',
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': `${fieldId}-warn`,
  });
  const copy = h('button', { type: 'button', class: 'primary' }, t('a.dialog.copy'));
  const copied = h('p', { class: 'hint', role: 'status' });
  const close = h('button', { type: 'button', class: 'secondary' }, t('a.common.close'));
  const noted = h('button', { type: 'button', class: 'primary' }, t('a.dialog.otp.noted'));
  const back = h('button', { type: 'button', class: 'secondary', 'aria-describedby': `${fieldId}-ask` }, t('a.dialog.otp.back'));
  const ask = h(
    'div',
    { hidden: true },
    h('p', { class: 'warning', id: `${fieldId}-ask` }, t('a.dialog.otp.ask')),
    h('div', { class: 'modal-actions' }, noted, back),
  );
  const asking = (): boolean => !ask.hidden;
  /** Asks before closing (focus on going back, the safe answer), or goes back. */
  const askToClose = (yes: boolean): void => {
    ask.hidden = !yes;
    close.hidden = yes;
    (yes ? back : field).focus();
  };
  const m = modal(
    t('a.dialog.otp.title'),
    [
      h('p', {}, t('a.dialog.otp.for', { who })),
      h(
        'div',
        { class: 'field' },
        h('label', { for: fieldId }, t('a.dialog.otp.label')),
        h('div', { class: 'otp-row' }, field, copy),
      ),
      copied,
      h(
        'p',
        { class: 'warning', id: `${fieldId}-warn` },
        t('a.dialog.otp.warn'),
      ),
    ],
    h('div', {}, h('div', { class: 'modal-actions' }, close), ask),
    () => field,
    'modal-password',
    () => askToClose(!asking()),
  );
  field.addEventListener('focus', () => field.select());
  copy.addEventListener('click', () => {
    void copyText(password, field).then((ok) => {
      const msg = ok
        ? t('a.dialog.copied')
        : t('a.dialog.copyFailed');
      // Said inside the dialog: the page's live region is inert meanwhile.
      copied.textContent = msg;
      if (!ok) field.select();
    });
  });
  close.addEventListener('click', () => askToClose(true));
  back.addEventListener('click', () => askToClose(false));
  noted.addEventListener('click', () => m.close('ok'));
  await m.closed;
  field.value = '';
}

export interface ChoiceOptions {
  title: string;
  /** Paragraphs or nodes explaining what will happen. */
  body: (string | Node)[];
  /** The list's label. */
  label: string;
  /** `[value, text]` in order. */
  options: [string, string][];
  /** The value chosen first (the current one). */
  value: string;
  /** The confirming button's text, e.g. `変更する`. */
  confirm: string;
  /**
   * Does it with the chosen value: resolves with null when done (the dialog
   * closes), or with a message said beside the list (it stays open).
   */
  submit(value: string): Promise<string | null>;
}

/**
 * Asks for one choice from a list and does it; a refusal (the server's
 * message) is shown beside the list, which is marked invalid and focused,
 * so it can be corrected or cancelled. Resolves true when it was done.
 */
export async function choiceDialog(opts: ChoiceOptions): Promise<boolean> {
  const fieldId = `choice-${++seq}`;
  const select = h(
    'select',
    { id: fieldId },
    ...opts.options.map(([value, text]) => h('option', { value, selected: value === opts.value }, text)),
  );
  return fieldDialog(opts, fieldId, select, h('button', { type: 'submit', class: 'primary' }, opts.confirm), (value) =>
    value === opts.value ? Promise.resolve(t('a.dialog.same')) : opts.submit(value),
  );
}
