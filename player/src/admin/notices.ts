/**
 * お知らせ管理 (`#/admin/notices`, admins only; docs/notices.md): a form to
 * publish or change an incident or maintenance notice — kind, title, body
 * with templates, the window in Japan time, urgent — and every notice,
 * ended ones too, with its state (予定 / 実施中 / 終了) and, per notice,
 * 編集, 今すぐ終了 and 削除 (each confirmed in a dialog). The server keeps
 * the rules (a maintenance is announced 7 days ahead unless urgent); its
 * Japanese message is shown as an alert. After every change the banner
 * above the page is asked again.
 */
import type { Notice, NoticeKind } from '../api';
import { field, h } from '../dom';
import {
  jstRfc3339,
  kindLabel,
  noticeDraft,
  noticeState,
  rfc3339ToJstInput,
  stateLabel,
  templateText,
  TEMPLATES,
  windowText,
  type NoticeForm,
} from '../notices';
import { confirmDialog } from './dialog';
import type { AdminHost } from './host';
import { scrollBox } from './parts';
import { japaneseMessage } from './labels';
import { t } from './messages';
import { contentLang } from '../i18n';

/** Labels and hints are message keys. */
const KINDS: { value: NoticeKind; label: string; hint: string }[] = [
  {
    value: 'incident',
    label: 'a.notices.kind.incident',
    hint: 'a.notices.kind.incident.hint',
  },
  {
    value: 'maintenance',
    label: 'a.notices.kind.maintenance',
    hint: 'a.notices.kind.maintenance.hint',
  },
];

/** `「件名」（障害・2026-04-01 09:00 〜 復旧まで）`: a notice named in a dialog. */
const named = (n: Notice): string =>
  t('a.notices.named', { title: n.title, kind: kindLabel(n.kind), window: windowText(n.starts_at_local, n.ends_at_local) });

/** A row's button: named for its notice, starting with the visible text (WCAG 2.5.3). */
function rowButton(text: string, n: Notice, cls = 'secondary'): HTMLButtonElement {
  return h('button', { type: 'button', class: cls, 'aria-label': t('a.common.forWhom', { text, who: n.title }) }, text);
}

export async function noticesPage(host: AdminHost): Promise<void> {
  let notices = (await host.api.allNotices()).items;
  if (!host.isCurrent()) return;
  /** The notice the form changes (null: a new one) and the times it was filled with. */
  let editing: { notice: Notice; start: string; end: string } | null = null;
  let busy = false;

  // ---- the form ----------------------------------------------------------
  const kindInputs = KINDS.map((k, i) =>
    h('input', {
      type: 'radio',
      name: 'notice-kind',
      id: `notice-kind-${k.value}`,
      value: k.value,
      checked: i === 0,
      'aria-describedby': `notice-kind-${k.value}-hint`,
    }),
  );
  const kinds = h(
    'fieldset',
    { class: 'choices' },
    h('legend', {}, t('a.trash.kind')),
    ...KINDS.map((k, i) =>
      h(
        'div',
        { class: 'choice' },
        kindInputs[i] ?? null,
        h(
          'div',
          {},
          h('label', { for: `notice-kind-${k.value}` }, t(k.label)),
          h('p', { class: 'hint', id: `notice-kind-${k.value}-hint` }, t(k.hint)),
        ),
      ),
    ),
  );
  const kind = (): NoticeKind =>
    (kindInputs.find((r) => r.checked)?.value as NoticeKind | undefined) ?? 'incident';
  const title = h('input', {
    id: 'notice-title',
    name: 'title',
    type: 'text',
    maxlength: 200,
    required: true,
    autocomplete: 'off',
  });
  const body = h('textarea', { id: 'notice-body', name: 'body', rows: 7, maxlength: 10000 });
  const templateButtons = TEMPLATES.map((tpl) => {
    const label = t(`a.notices.tpl.${tpl.id}`);
    const btn = h('button', { type: 'button', class: 'secondary' }, label);
    btn.addEventListener('click', () => {
      const text = templateText(tpl.id, { nowMs: Date.now(), start: start.value, end: end.value });
      const before = body.value.replace(/\s+$/, '');
      body.value = before ? `${before}\n\n${text}` : text;
      body.focus();
      // The first blank of the inserted text is selected: typing replaces it.
      const at = body.value.indexOf('…', body.value.length - text.length);
      if (at >= 0) body.setSelectionRange(at, at + 1);
      host.announce(t('a.notices.tpl.inserted', { label }));
    });
    return btn;
  });
  const templates = h(
    'div',
    { class: 'templates', role: 'group', 'aria-labelledby': 'notice-templates-label' },
    h('p', { class: 'templates-label', id: 'notice-templates-label' }, t('a.notices.templates')),
    h('div', { class: 'row-actions' }, ...templateButtons),
  );
  const start = h('input', { id: 'notice-start', name: 'starts_at', type: 'datetime-local' });
  const end = h('input', { id: 'notice-end', name: 'ends_at', type: 'datetime-local' });
  const urgent = h('input', {
    type: 'checkbox',
    id: 'notice-urgent',
    name: 'urgent',
    'aria-describedby': 'notice-urgent-hint',
  });
  const urgentChoice = h(
    'div',
    { class: 'choice' },
    urgent,
    h(
      'div',
      {},
      h('label', { for: 'notice-urgent' }, t('a.notices.urgent')),
      h(
        'p',
        { class: 'hint', id: 'notice-urgent-hint' },
        t('a.notices.urgent.hint'),
      ),
    ),
  );
  const formError = h('p', { class: 'form-error', role: 'alert', id: 'notice-error' });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('a.notices.publish'));
  const cancel = h('button', { type: 'button', class: 'secondary', hidden: true }, t('a.notices.stopEditing'));
  const formHeading = h('h2', { id: 'notice-form-heading', tabindex: -1 }, t('a.notices.formHeading'));
  const form = h(
    'form',
    { class: 'notice-form', 'aria-labelledby': 'notice-form-heading', novalidate: true },
    kinds,
    field('notice-title', t('a.notices.title'), title, t('a.notices.titleHint')),
    field(
      'notice-body',
      t('a.notices.body'),
      body,
      t('a.notices.bodyHint'),
      templates,
    ),
    h(
      'div',
      { class: 'filters notice-times' },
      field('notice-start', t('a.notices.start'), start, t('a.notices.startHint')),
      field(
        'notice-end',
        t('a.notices.end'),
        end,
        t('a.notices.endHint'),
      ),
    ),
    urgentChoice,
    formError,
    h('div', { class: 'row-actions' }, submit, cancel),
  );

  const say = (el: HTMLElement, message: string): void => {
    el.textContent = '';
    // After a tick, so an equal message is announced again.
    if (message) window.setTimeout(() => (el.textContent = message), 50);
  };
  const controls = { title, body, start, end } as const;
  const clearInvalid = (): void => {
    for (const c of Object.values(controls)) c.removeAttribute('aria-invalid');
  };

  const resetForm = (): void => {
    editing = null;
    form.reset();
    clearInvalid();
    say(formError, '');
    formHeading.textContent = t('a.notices.formHeading');
    submit.textContent = t('a.notices.publish');
    cancel.hidden = true;
  };

  const startEdit = (n: Notice): void => {
    if (busy) return;
    resetForm();
    editing = {
      notice: n,
      start: rfc3339ToJstInput(n.starts_at),
      end: rfc3339ToJstInput(n.ends_at),
    };
    for (const r of kindInputs) r.checked = r.value === n.kind;
    title.value = n.title;
    body.value = n.body;
    start.value = editing.start;
    end.value = editing.end;
    urgent.checked = n.urgent;
    formHeading.textContent = t('a.notices.editing', { title: n.title });
    submit.textContent = t('a.notices.save');
    cancel.hidden = false;
    formHeading.scrollIntoView({ block: 'start' });
    formHeading.focus();
  };

  cancel.addEventListener('click', () => {
    const id = editing?.notice.id;
    resetForm();
    host.announce(t('a.notices.stopped'));
    focusRow(id, 0) || formHeading.focus();
  });

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void save();
  });

  async function save(): Promise<void> {
    if (busy) return;
    clearInvalid();
    say(formError, '');
    const values: NoticeForm = {
      kind: kind(),
      title: title.value,
      body: body.value,
      start: start.value,
      end: end.value,
      urgent: urgent.checked,
      initial: editing ? { start: editing.start, end: editing.end } : undefined,
    };
    const checked = noticeDraft(values);
    if (!checked.ok) {
      const control = controls[checked.field];
      control.setAttribute('aria-invalid', 'true');
      say(formError, t(`a.notices.p.${checked.problem}`));
      control.focus();
      return;
    }
    const was = editing?.notice ?? null;
    busy = true;
    submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    host.announce(was ? t('a.notices.changing') : t('a.notices.publishing'));
    try {
      const saved = was
        ? await host.api.updateNotice(was.id, checked.draft)
        : await host.api.createNotice(checked.draft);
      if (!host.isCurrent()) return;
      resetForm();
      host.refreshNotices();
      await reload();
      host.announce(
        t(was ? 'a.notices.changed' : 'a.notices.published', {
          title: saved.title,
          state: stateLabel(saved, Date.now(), true),
        }),
      );
      if (was) focusRow(saved.id, 0);
    } catch (err) {
      if (host.handleAuthError(err)) return;
      host.announce('');
      say(
        formError,
        t(was ? 'a.notices.changeFailed' : 'a.notices.publishFailed', { error: japaneseMessage(host.errorMessage(err)) }),
      );
    } finally {
      busy = false;
      submit.disabled = false;
      form.removeAttribute('aria-busy');
    }
  }

  // ---- the list ----------------------------------------------------------
  const listHeading = h('h2', { id: 'notices-list-heading', tabindex: -1 }, t('a.notices.listHeading'));
  const listError = h('p', { class: 'form-error', role: 'alert', id: 'notices-list-error' });
  const count = h('p', { class: 'count' });
  const tbody = h('tbody');
  const table = h(
    'table',
    { class: 'data notices-table' },
    h('caption', { id: 'notices-caption' }, t('a.notices.caption')),
    h(
      'thead',
      {},
      h('tr', {}, ...[
          t('a.notices.title'),
          t('a.trash.kind'),
          t('a.notices.window'),
          t('a.field.status'),
          t('a.field.action'),
        ].map((text) => h('th', { scope: 'col' }, text))),
    ),
    tbody,
  );
  // Scrolls sideways on narrow screens; focusable so keyboards can scroll it.
  const wrap = scrollBox(table, 'notices-caption');

  /** Focuses the `index`th button of a notice's row; false when it is not listed. */
  function focusRow(id: number | undefined, index: number): boolean {
    if (id === undefined) return false;
    const buttons = tbody.querySelectorAll<HTMLButtonElement>(`tr[data-notice="${id}"] button`);
    const target = buttons[index] ?? buttons[0];
    target?.focus();
    return !!target;
  }

  function paint(): void {
    const now = Date.now();
    const current = notices.filter((n) => noticeState(n, now) !== 'ended').length;
    count.textContent = notices.length
      ? t('a.notices.count', { n: notices.length, current })
      : t('a.notices.none');
    tbody.replaceChildren(
      ...(notices.length
        ? notices.map((n) => noticeRow(n, now))
        : [h('tr', {}, h('td', { colspan: 5 }, t('a.assign.none')))]),
    );
  }

  function noticeRow(n: Notice, now: number): HTMLTableRowElement {
    const state = noticeState(n, now);
    const edit = rowButton(t('a.notices.edit'), n);
    const stop = state === 'active' ? rowButton(t('a.notices.endNow'), n) : null;
    const remove = rowButton(t('a.action.delete'), n, 'secondary danger-outline');
    edit.addEventListener('click', () => startEdit(n));
    stop?.addEventListener('click', () => void endNow(n));
    remove.addEventListener('click', () => void removeNotice(n));
    return h(
      'tr',
      { class: state === 'ended' ? 'is-disabled' : '', 'data-notice': String(n.id) },
      h(
        'th',
        { scope: 'row' },
        h('span', { lang: contentLang() }, n.title),
        n.urgent ? h('span', { class: 'badge badge-urgent' }, t('a.records.detail.urgent')) : null,
      ),
      h('td', { class: 'nowrap' }, kindLabel(n.kind)),
      h('td', {}, windowText(n.starts_at_local, n.ends_at_local)),
      h(
        'td',
        { class: 'nowrap' },
        h('span', { class: `state state-${state}` }, stateLabel(n, now, true)),
      ),
      h('td', {}, h('div', { class: 'row-actions' }, edit, stop, remove)),
    );
  }

  async function reload(): Promise<void> {
    wrap.setAttribute('aria-busy', 'true');
    try {
      const list = await host.api.allNotices();
      if (!host.isCurrent()) return;
      notices = list.items;
      paint();
    } catch (err) {
      if (!host.handleAuthError(err)) {
        say(listError, t('a.common.listFailed', { error: japaneseMessage(host.errorMessage(err)) }));
      }
    } finally {
      wrap.removeAttribute('aria-busy');
    }
  }

  /** Runs a change from the list (after its dialog), then reloads. */
  async function change(n: Notice, doIt: () => Promise<unknown>, failed: 'a.notices.endFailed' | 'a.notices.deleteFailed'): Promise<boolean> {
    busy = true;
    say(listError, '');
    const row = tbody.querySelector(`tr[data-notice="${n.id}"]`);
    row?.setAttribute('aria-busy', 'true');
    try {
      await doIt();
      if (!host.isCurrent()) return false;
      host.refreshNotices();
      await reload();
      return true;
    } catch (err) {
      if (!host.handleAuthError(err)) {
        say(listError, t(failed, { named: named(n), error: japaneseMessage(host.errorMessage(err)) }));
      }
      return false;
    } finally {
      busy = false;
      row?.removeAttribute('aria-busy');
    }
  }

  async function endNow(n: Notice): Promise<void> {
    if (busy) return;
    const ok = await confirmDialog({
      title: t('a.notices.end.title'),
      body: [
        t('a.notices.end.body', { named: named(n) }),
        n.kind === 'maintenance'
          ? t('a.notices.end.maint')
          : t('a.notices.end.incident'),
        t('a.notices.end.gone'),
      ],
      confirm: t('a.notices.end.confirm'),
    });
    if (!ok || !host.isCurrent()) return;
    const done = await change(
      n,
      () => host.api.updateNotice(n.id, { ends_at: jstRfc3339(Date.now()) }),
      'a.notices.endFailed',
    );
    if (!done) return;
    if (editing?.notice.id === n.id) resetForm();
    host.announce(t('a.notices.ended', { title: n.title }));
    focusRow(n.id, 0);
  }

  async function removeNotice(n: Notice): Promise<void> {
    if (busy) return;
    const ok = await confirmDialog({
      title: t('a.notices.delete.title'),
      body: [
        t('a.notices.delete.body', { named: named(n) }),
        t('a.notices.delete.more'),
      ],
      confirm: t('a.common.delete'),
      danger: true,
    });
    if (!ok || !host.isCurrent()) return;
    if (!(await change(n, () => host.api.deleteNotice(n.id), 'a.notices.deleteFailed'))) return;
    if (editing?.notice.id === n.id) resetForm();
    host.announce(t('a.notices.deleted', { title: n.title }));
    listHeading.focus();
  }

  paint();
  host.show(
    t('a.nav.notices'),
    host.heading(t('a.nav.notices')),
    h(
      'p',
      {},
      t('a.notices.intro'),
    ),
    h('section', { class: 'notice-editor', 'aria-labelledby': 'notice-form-heading' }, formHeading, form),
    h(
      'section',
      { 'aria-labelledby': 'notices-list-heading' },
      listHeading,
      listError,
      count,
      wrap,
    ),
  );
}
