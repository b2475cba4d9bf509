/** Pieces every administration table uses. */
import { h } from '../dom';
import { t } from './dialog-messages';

/**
 * Holds a table that scrolls sideways on narrow screens (focusable, so a
 * keyboard can scroll it), named by the caption with id `captionId`.
 */
export function scrollBox(table: HTMLTableElement, captionId: string): HTMLDivElement {
  return h(
    'div',
    { class: 'table-wrap', role: 'region', 'aria-labelledby': captionId, tabindex: 0 },
    table,
  );
}

/** Previous/next buttons and the position between them, in a named `nav`. */
export function pageButtons(label: string): {
  nav: HTMLElement;
  prev: HTMLButtonElement;
  next: HTMLButtonElement;
  where: HTMLSpanElement;
} {
  const prev = h('button', { type: 'button', class: 'secondary' }, t('a.common.prevPage'));
  const next = h('button', { type: 'button', class: 'secondary' }, t('a.common.nextPage'));
  const where = h('span', { class: 'pager-where' });
  return { nav: h('nav', { class: 'pager', 'aria-label': label }, prev, where, next), prev, next, where };
}

/** A form control with its label, optional hint and its own error line. */
export interface CheckedField {
  /** The `.field` block: label, hint, control, error. */
  field: HTMLDivElement;
  /** Shows `message` beside the control (marks it invalid), or clears it with `''`. */
  setError(message: string): void;
}

/**
 * Wraps `control` (with an id) in a labelled field whose error is said
 * beside it: the control is described by its hint and its error line, and
 * marked `aria-invalid` while the error shows. `label` may be a legend-like
 * text for a group (then `control` is a fieldset and no `<label>` is made).
 */
export function checkedField(
  control: HTMLElement,
  label: string | null,
  hint?: string,
): CheckedField {
  const id = control.id;
  const hintEl = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  const error = h('p', { class: 'field-error', id: `${id}-error` });
  control.setAttribute('aria-describedby', [hintEl ? `${id}-hint` : '', `${id}-error`].filter(Boolean).join(' '));
  const field = h(
    'div',
    { class: 'field' },
    label === null ? null : h('label', { for: id }, label),
    hintEl,
    control,
    error,
  );
  return {
    field,
    setError(message: string): void {
      error.textContent = message;
      if (message) control.setAttribute('aria-invalid', 'true');
      else control.removeAttribute('aria-invalid');
    },
  };
}
