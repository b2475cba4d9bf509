/** A tiny element builder: no framework, text is always set as text. */

type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;
export type Child = Node | string | null | undefined | false;

/** `h('a', {href: '#/'}, 'text', child)`; `on*` attributes become listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2).toLowerCase(), v);
    } else if (v === true) {
      el.setAttribute(k, '');
    } else {
      el.setAttribute(k, String(v));
    }
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c);
  }
  return el;
}

/** Focusable elements inside `root`, in order. */
export function focusables(root: HTMLElement): HTMLElement[] {
  return [
    ...root.querySelectorAll<HTMLElement>(
      'button:not([disabled]), input:not([disabled]), a[href], select:not([disabled]), [tabindex="0"]',
    ),
  ];
}

/**
 * Keeps Tab inside `container` (a modal dialog): from the last control to
 * the first and back. Call from its keydown handler.
 */
export function keepTabInside(container: HTMLElement, e: KeyboardEvent): void {
  if (e.key !== 'Tab') return;
  const items = focusables(container);
  const first = items[0];
  const last = items[items.length - 1];
  if (!first || !last) return;
  if (e.shiftKey && document.activeElement === first) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first.focus();
  }
}

/** A labelled field; `hint` is read with the control; `extra` stands between them. */
export function field(
  id: string,
  label: string,
  control: HTMLElement,
  hint?: string,
  extra?: Node,
): HTMLDivElement {
  if (hint) control.setAttribute('aria-describedby', `${id}-hint`);
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
    extra ?? null,
    control,
  );
}

/**
 * Moves the focus to `to` when it was lost while controls waited: on
 * nothing (`<body>`, as after a focused button is disabled or hidden) or
 * on one of `left` (controls now disabled or hidden). Focus the user has
 * moved elsewhere meanwhile stays where it is.
 */
export function refocus(to: HTMLElement, ...left: HTMLElement[]): void {
  const at = document.activeElement;
  if (!at || at === document.body || left.some((el) => el === at || el.contains(at))) to.focus();
}
