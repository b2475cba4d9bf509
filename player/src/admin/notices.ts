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
import { h } from '../dom';
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

const KINDS: { value: NoticeKind; label: string; hint: string }[] = [
  {
    value: 'incident',
    label: '障害のお知らせ',
    hint:
      'いま起きている障害を知らせます。開始日時が空欄なら今から表示します。' +
      '復旧したら、本文に復旧報告を書いて「今すぐ終了」します。',
  },
  {
    value: 'maintenance',
    label: 'メンテナンスのお知らせ',
    hint:
      '停止する日時を前もって知らせます。開始日時と終了日時が必要です。' +
      'メンテナンス中は利用者の登録・変更やCSV取り込みなどを受け付けません（視聴は続けられます）。',
  },
];

/** `「件名」（障害・2026-04-01 09:00 〜 復旧まで）`: a notice named in a dialog. */
const named = (n: Notice): string =>
  `「${n.title}」（${kindLabel(n.kind)}・${windowText(n.starts_at_local, n.ends_at_local)}）`;

/** A row's button: named for its notice, starting with the visible text (WCAG 2.5.3). */
function rowButton(text: string, n: Notice, cls = 'secondary'): HTMLButtonElement {
  return h('button', { type: 'button', class: cls, 'aria-label': `${text}（${n.title}）` }, text);
}

/** A labelled field with a hint read with the control. */
function field(id: string, label: string, control: HTMLElement, hint?: string, extra?: Node) {
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
    h('legend', {}, '種類'),
    ...KINDS.map((k, i) =>
      h(
        'div',
        { class: 'choice' },
        kindInputs[i] ?? null,
        h(
          'div',
          {},
          h('label', { for: `notice-kind-${k.value}` }, k.label),
          h('p', { class: 'hint', id: `notice-kind-${k.value}-hint` }, k.hint),
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
  const templateButtons = TEMPLATES.map((t) => {
    const btn = h('button', { type: 'button', class: 'secondary' }, t.label);
    btn.addEventListener('click', () => {
      const text = templateText(t.id, { nowMs: Date.now(), start: start.value, end: end.value });
      const before = body.value.replace(/\s+$/, '');
      body.value = before ? `${before}\n\n${text}` : text;
      body.focus();
      // The first blank of the inserted text is selected: typing replaces it.
      const at = body.value.indexOf('…', body.value.length - text.length);
      if (at >= 0) body.setSelectionRange(at, at + 1);
      host.announce(`${t.label}を本文に入れました。「…」の所を書き換えてください。`);
    });
    return btn;
  });
  const templates = h(
    'div',
    { class: 'templates', role: 'group', 'aria-labelledby': 'notice-templates-label' },
    h('p', { class: 'templates-label', id: 'notice-templates-label' }, '本文のひな形'),
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
      h('label', { for: 'notice-urgent' }, '緊急のお知らせにする'),
      h(
        'p',
        { class: 'hint', id: 'notice-urgent-hint' },
        '緊急のお知らせは、利用者の画面で一番上に目立つように表示されます。' +
          'メンテナンスは開始の7日前までにお知らせする決まりです。' +
          '7日を切ってから急いで行うメンテナンスだけ、緊急にすると掲載できます。',
      ),
    ),
  );
  const formError = h('p', { class: 'form-error', role: 'alert', id: 'notice-error' });
  const submit = h('button', { type: 'submit', class: 'primary' }, '掲載する');
  const cancel = h('button', { type: 'button', class: 'secondary', hidden: true }, '編集をやめる');
  const formHeading = h('h2', { id: 'notice-form-heading', tabindex: -1 }, 'お知らせを掲載する');
  const form = h(
    'form',
    { class: 'notice-form', 'aria-labelledby': 'notice-form-heading', novalidate: true },
    kinds,
    field('notice-title', '件名', title, '利用者の画面にそのまま表示されます（200文字まで）。'),
    field(
      'notice-body',
      '本文',
      body,
      'ひな形のボタンを押すと、本文の最後にひな形が入ります。「…」や「〇」の所を書き換えてください。改行はそのまま表示されます。',
      templates,
    ),
    h(
      'div',
      { class: 'filters notice-times' },
      field('notice-start', '開始日時（日本時間）', start, '障害は空欄なら今からです。'),
      field(
        'notice-end',
        '終了日時（日本時間）',
        end,
        'メンテナンスは必須です。障害は、復旧の見込みが立たなければ空欄にします（「復旧まで」と表示されます）。',
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
    formHeading.textContent = 'お知らせを掲載する';
    submit.textContent = '掲載する';
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
    formHeading.textContent = `お知らせを編集する：${n.title}`;
    submit.textContent = '変更を保存する';
    cancel.hidden = false;
    formHeading.scrollIntoView({ block: 'start' });
    formHeading.focus();
  };

  cancel.addEventListener('click', () => {
    const id = editing?.notice.id;
    resetForm();
    host.announce('編集をやめました。');
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
      say(formError, checked.message);
      control.focus();
      return;
    }
    const was = editing?.notice ?? null;
    busy = true;
    submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    host.announce(was ? 'お知らせを変更しています…' : 'お知らせを掲載しています…');
    try {
      const saved = was
        ? await host.api.updateNotice(was.id, checked.draft)
        : await host.api.createNotice(checked.draft);
      if (!host.isCurrent()) return;
      resetForm();
      host.refreshNotices();
      await reload();
      host.announce(
        `お知らせ「${saved.title}」を${was ? '変更しました' : '掲載しました'}。` +
          `状態: ${stateLabel(saved, Date.now(), true)}。`,
      );
      if (was) focusRow(saved.id, 0);
    } catch (err) {
      if (host.handleAuthError(err)) return;
      host.announce('');
      say(
        formError,
        `お知らせを${was ? '変更' : '掲載'}できませんでした。${japaneseMessage(host.errorMessage(err))}`,
      );
    } finally {
      busy = false;
      submit.disabled = false;
      form.removeAttribute('aria-busy');
    }
  }

  // ---- the list ----------------------------------------------------------
  const listHeading = h('h2', { id: 'notices-list-heading', tabindex: -1 }, '掲載したお知らせ');
  const listError = h('p', { class: 'form-error', role: 'alert', id: 'notices-list-error' });
  const count = h('p', { class: 'count' });
  const tbody = h('tbody');
  const table = h(
    'table',
    { class: 'data notices-table' },
    h('caption', { id: 'notices-caption' }, 'お知らせ一覧（終了したものを含む）'),
    h(
      'thead',
      {},
      h('tr', {}, ...['件名', '種類', '期間（日本時間）', '状態', '操作'].map((t) => h('th', { scope: 'col' }, t))),
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
      ? `全 ${notices.length} 件（表示中・予定 ${current} 件）`
      : 'お知らせはまだありません。';
    tbody.replaceChildren(
      ...(notices.length
        ? notices.map((n) => noticeRow(n, now))
        : [h('tr', {}, h('td', { colspan: 5 }, '（なし）'))]),
    );
  }

  function noticeRow(n: Notice, now: number): HTMLTableRowElement {
    const state = noticeState(n, now);
    const edit = rowButton('編集', n);
    const stop = state === 'active' ? rowButton('今すぐ終了', n) : null;
    const remove = rowButton('削除', n, 'secondary danger-outline');
    edit.addEventListener('click', () => startEdit(n));
    stop?.addEventListener('click', () => void endNow(n));
    remove.addEventListener('click', () => void removeNotice(n));
    return h(
      'tr',
      { class: state === 'ended' ? 'is-disabled' : '', 'data-notice': String(n.id) },
      h(
        'th',
        { scope: 'row' },
        n.title,
        n.urgent ? h('span', { class: 'badge badge-urgent' }, '緊急') : null,
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
        say(listError, `一覧を読み込めませんでした。${japaneseMessage(host.errorMessage(err))}`);
      }
    } finally {
      wrap.removeAttribute('aria-busy');
    }
  }

  /** Runs a change from the list (after its dialog), then reloads. */
  async function change(n: Notice, doIt: () => Promise<unknown>, failed: string): Promise<boolean> {
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
        say(listError, `${named(n)}を${failed}できませんでした。${japaneseMessage(host.errorMessage(err))}`);
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
      title: 'お知らせを今すぐ終了しますか',
      body: [
        `${named(n)}を今すぐ終了します。`,
        n.kind === 'maintenance'
          ? 'メンテナンスの時間を終え、変更の受け付けを再開します。'
          : '復旧したときに使います。復旧報告を載せる場合は、先に「編集」で本文に書いてください。',
        '利用者の画面のお知らせから消えます。この一覧には「終了」として残ります。',
      ],
      confirm: '終了する',
    });
    if (!ok || !host.isCurrent()) return;
    const done = await change(
      n,
      () => host.api.updateNotice(n.id, { ends_at: jstRfc3339(Date.now()) }),
      '終了',
    );
    if (!done) return;
    if (editing?.notice.id === n.id) resetForm();
    host.announce(`お知らせ「${n.title}」を終了しました。`);
    focusRow(n.id, 0);
  }

  async function removeNotice(n: Notice): Promise<void> {
    if (busy) return;
    const ok = await confirmDialog({
      title: 'お知らせを削除しますか',
      body: [
        `${named(n)}を削除します。`,
        '利用者の画面からも、この一覧からも消え、元に戻せません（監査ログには残ります）。' +
          '掲載を終えるだけなら「今すぐ終了」を使ってください。',
      ],
      confirm: '削除する',
      danger: true,
    });
    if (!ok || !host.isCurrent()) return;
    if (!(await change(n, () => host.api.deleteNotice(n.id), '削除'))) return;
    if (editing?.notice.id === n.id) resetForm();
    host.announce(`お知らせ「${n.title}」を削除しました。`);
    listHeading.focus();
  }

  paint();
  host.show(
    'お知らせ管理',
    host.heading('お知らせ管理'),
    h(
      'p',
      {},
      '障害やメンテナンスのお知らせは、ログインしているすべての利用者の画面の上部に、終了するまで表示されます。',
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
