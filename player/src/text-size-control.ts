/**
 * The 文字の大きさ control in the header of every page (logged in or not):
 * three toggle buttons; the choice is kept in this browser (localStorage)
 * and applied as a class on `<html>` that sets the root font size. Mounted
 * again after a language switch, for its words.
 */
import { h } from './dom';
import { announce } from './frame';
import { t } from './messages';
import { TEXT_SIZES, parseTextSize, textSizeMessage, type TextSize } from './text-size';

const KEY = 'manabi.textSize';

function load(): TextSize {
  try {
    return parseTextSize(localStorage.getItem(KEY));
  } catch {
    return 'normal';
  }
}

function save(size: TextSize): void {
  try {
    localStorage.setItem(KEY, size);
  } catch {
    /* storage disabled: this page only */
  }
}

/** Sets the root font size (classes `text-large`, `text-x-large` in app.css). */
function apply(size: TextSize): void {
  const root = document.documentElement;
  for (const s of TEXT_SIZES) root.classList.toggle(`text-${s.id}`, s.id === size && s.id !== 'normal');
}

/** Applies the saved size and puts the control into `container`. */
export function mountTextSize(container: HTMLElement): void {
  let current = load();
  apply(current);
  const buttons = TEXT_SIZES.map((s) =>
    h(
      'button',
      { type: 'button', 'data-size': s.id, 'aria-pressed': String(s.id === current) },
      s.label,
    ),
  );
  for (const btn of buttons) {
    btn.addEventListener('click', () => {
      const size = parseTextSize(btn.dataset.size);
      if (size === current) return;
      current = size;
      apply(size);
      save(size);
      for (const b of buttons) b.setAttribute('aria-pressed', String(b === btn));
      announce(textSizeMessage(size));
    });
  }
  container.replaceChildren(
    h(
      'div',
      { class: 'text-size', role: 'group', 'aria-labelledby': 'text-size-label' },
      h('span', { id: 'text-size-label', class: 'text-size-label' }, t('text.label')),
      ...buttons,
    ),
  );
}
