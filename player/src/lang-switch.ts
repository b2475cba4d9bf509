/**
 * The language switch (日本語 / English) in the header of every page, and
 * the header's own words (index.html marks them `data-i18n="key"` for the
 * text, `data-i18n-label="key"` for `aria-label`). Japanese unless this
 * browser chose English (i18n.ts keeps the choice); a switch re-labels the
 * header, says so, and has the page drawn again in the new language, and
 * `chosen` keeps it with the user (lang-sync.ts). The user's stored
 * language, once known, comes in through the returned `apply`.
 */
import { h } from './dom';
import { getLang, LANGS, setLang, storedLang, type Lang } from './i18n';
import { t } from './messages';

/** Each language's name in itself, so anyone can find their own. */
const NAMES: Record<Lang, string> = { ja: '日本語', en: 'English' };

/** Puts the header's words in the language in force. */
export function translateStatic(root: ParentNode = document): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n ?? '');
  }
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-label]')) {
    el.setAttribute('aria-label', t(el.dataset.i18nLabel ?? ''));
  }
}

/**
 * Applies the kept language (`<html lang>`, the header) and puts the
 * switch into `container`; `changed` draws the page again after a switch,
 * `chosen` is told of the user's choice. Returns `apply`, which switches
 * to a language that came from elsewhere (the user's preferences) the
 * same way, without moving the focus.
 */
export function mountLangSwitch(
  container: HTMLElement,
  changed: (lang: Lang) => Promise<void> | void,
  announce: (m: string) => void,
  chosen: (lang: Lang) => void = () => {},
): (lang: Lang) => Promise<void> {
  setLang(storedLang());
  translateStatic();
  const label = h('span', { id: 'lang-switch-label', class: 'sr-only' });
  const buttons = LANGS.map((lang) =>
    h(
      'button',
      { type: 'button', lang, 'data-lang': lang, 'aria-pressed': String(lang === getLang()) },
      NAMES[lang],
    ),
  );
  const relabel = (): void => {
    label.textContent = t('lang.label');
    for (const b of buttons) b.setAttribute('aria-pressed', String(b.dataset.lang === getLang()));
  };
  for (const btn of buttons) {
    btn.addEventListener('click', () => {
      const lang = btn.dataset.lang === 'en' ? 'en' : 'ja';
      if (lang === getLang()) return;
      setLang(lang);
      translateStatic();
      relabel();
      chosen(lang);
      // The page is drawn again; the focus stays on the switch.
      void Promise.resolve(changed(lang)).then(() => {
        btn.focus();
        announce(t('lang.changed'));
      });
    });
  }
  relabel();
  container.replaceChildren(
    h('div', { class: 'text-size lang-switch', role: 'group', 'aria-labelledby': 'lang-switch-label' }, label, ...buttons),
  );
  return async (lang: Lang): Promise<void> => {
    if (lang === getLang()) return;
    setLang(lang);
    translateStatic();
    relabel();
    await changed(lang);
    announce(t('lang.changed'));
  };
}
