/** Pieces every administration table uses. */
import { h } from '../dom';

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
  const prev = h('button', { type: 'button', class: 'secondary' }, '前のページ');
  const next = h('button', { type: 'button', class: 'secondary' }, '次のページ');
  const where = h('span', { class: 'pager-where' });
  return { nav: h('nav', { class: 'pager', 'aria-label': label }, prev, where, next), prev, next, where };
}
