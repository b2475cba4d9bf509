// The message lookup (src/i18n.ts) and the learner pages' words in English
// (src/messages.ts and the pure modules that use it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fill, getLang, lookup, serverMessage, setLang, toLang } from '../dist-test/i18n.js';
import { t } from '../dist-test/messages.js';
import { dueText, lessonsDoneText, assignmentStatusLabel, dateJa } from '../dist-test/learning.js';
import { formatDuration } from '../dist-test/format.js';
import { spokenTime, seekMessage, SHORTCUTS } from '../dist-test/controls.js';
import { TEXT_SIZES, textSizeMessage } from '../dist-test/text-size.js';

const table = {
  hello: { ja: 'こんにちは、{name} さん', en: 'Hello, {name}' },
  onlyJa: { ja: '日本語だけ' },
};

test('a key is looked up in the language asked for', () => {
  assert.equal(lookup(table, 'hello', 'ja', { name: '一郎' }), 'こんにちは、一郎 さん');
  assert.equal(lookup(table, 'hello', 'en', { name: 'Ichiro' }), 'Hello, Ichiro');
});

test('a message without English falls back to Japanese; an unknown key shows itself', () => {
  assert.equal(lookup(table, 'onlyJa', 'en'), '日本語だけ');
  assert.equal(lookup(table, 'missing.key', 'en'), 'missing.key');
  assert.equal(lookup(table, 'missing.key', 'ja'), 'missing.key');
  // Not a key of the table, even though every object has it.
  assert.equal(lookup(table, 'toString', 'ja'), 'toString');
});

test('values are filled by name; unknown names stay as they are', () => {
  assert.equal(fill('{a} と {b}', { a: 1, b: 'x' }), '1 と x');
  assert.equal(fill('{a} と {c}', { a: 1 }), '1 と {c}');
  assert.equal(fill('{a}', undefined), '{a}');
});

test('languages: English only when asked for, Japanese otherwise', () => {
  assert.equal(toLang('en'), 'en');
  assert.equal(toLang('en-US'), 'en');
  assert.equal(toLang('ja'), 'ja');
  assert.equal(toLang('fr'), 'ja');
  assert.equal(toLang(null), 'ja');
  assert.equal(getLang(), 'ja');
});

test("the server's messages: its English part in English, its Japanese part in Japanese", () => {
  const m = 'このメールアドレスは既に登録されています (e-mail already registered)';
  assert.equal(serverMessage(m, 'ja'), 'このメールアドレスは既に登録されています');
  assert.equal(serverMessage('見つかりません (not found)', 'ja'), '見つかりません');
  assert.equal(
    serverMessage('有効な 10 人中 3 人を無効化します（上限 30%）。確認してください (sync would disable too many users)', 'ja'),
    '有効な 10 人中 3 人を無効化します（上限 30%）。確認してください',
  );
  assert.equal(serverMessage('見つかりません', 'ja'), '見つかりません');
  assert.equal(serverMessage('Not Japanese (at all)', 'ja'), 'Not Japanese (at all)');
  assert.equal(serverMessage(m, 'en'), 'E-mail already registered.');
  assert.equal(serverMessage('見つかりません', 'en'), '見つかりません');
  assert.equal(serverMessage('Not Japanese (at all)', 'en'), 'Not Japanese (at all)');
});

test('every learner message has Japanese, and English unless it is the same word', () => {
  // Read through t(): the table itself is private to messages.js.
  for (const key of ['nav.home', 'login.title', 'player.play', 'home.assigned', 'idle.extend']) {
    setLang('ja');
    const ja = t(key);
    setLang('en');
    const en = t(key);
    assert.notEqual(ja, key, key);
    assert.notEqual(en, ja, key);
  }
  setLang('ja');
});

test('the pure modules speak English when switched, and Japanese again after', () => {
  setLang('en');
  try {
    assert.equal(t('nav.home'), 'Home');
    assert.equal(dateJa('2026-04-01'), 'April 1, 2026');
    assert.equal(dueText('2026-04-10', '2026-04-07', 'in_progress'), 'Due April 10, 2026 (3 days left)');
    assert.equal(dueText('2026-03-30', '2026-04-01', 'not_started'), 'Due March 30, 2026 (2 days overdue)');
    assert.equal(assignmentStatusLabel('overdue'), 'Overdue');
    assert.equal(lessonsDoneText(1, 3), '1 of 3 lessons completed');
    assert.equal(formatDuration(75), '1 min 15 s');
    assert.equal(spokenTime(3725), '1 h 2 min 5 s');
    assert.equal(seekMessage(-5, 0), 'Back 5 s (0 s)');
    assert.equal(SHORTCUTS[0].label, 'Space / K');
    assert.equal(SHORTCUTS[0].description, 'Play or pause');
    assert.deepEqual(TEXT_SIZES.map((s) => s.label), ['Normal', 'Large', 'Extra large']);
    assert.equal(textSizeMessage('large'), 'Text size: Large');
  } finally {
    setLang('ja');
  }
  assert.equal(dateJa('2026-04-01'), '2026年4月1日');
  assert.equal(formatDuration(75), '1分15秒');
  assert.equal(SHORTCUTS[0].label, 'スペース / K');
});

// ---- the language that follows the user (lang-sync.ts decides with these) ----

import { langUnsaved, markLangUnsaved, resolveLang, serverLang } from '../dist-test/i18n.js';

test('the stored language is ja or en only; anything else is none', () => {
  assert.equal(serverLang('en'), 'en');
  assert.equal(serverLang('ja'), 'ja');
  for (const v of [undefined, null, '', 'EN', 'en-US', 'fr', 1]) assert.equal(serverLang(v), null, String(v));
});

test('once logged in: the user’s stored language applies, unless a choice here is not saved yet', () => {
  // A new device (nothing chosen here): the user's language follows them.
  assert.deepEqual(resolveLang('ja', false, 'en'), { lang: 'en', save: false });
  assert.deepEqual(resolveLang('en', false, 'ja'), { lang: 'ja', save: false });
  assert.deepEqual(resolveLang('en', false, 'en'), { lang: 'en', save: false });
  // English chosen on the login page (or a save that failed): kept, and to be saved.
  assert.deepEqual(resolveLang('en', true, 'ja'), { lang: 'en', save: true });
  assert.deepEqual(resolveLang('ja', true, 'en'), { lang: 'ja', save: true });
  // No answer, or a server without the field: the language in force stays.
  assert.deepEqual(resolveLang('en', false, undefined), { lang: 'en', save: false });
  assert.deepEqual(resolveLang('ja', false, 'xx'), { lang: 'ja', save: false });
});

test('an unsaved choice is marked in this browser until it is saved', () => {
  const store = new Map();
  globalThis.localStorage = {
    getItem: (k) => (store.has(k) ? store.get(k) : null),
    setItem: (k, v) => store.set(k, String(v)),
    removeItem: (k) => store.delete(k),
  };
  try {
    assert.equal(langUnsaved(), false);
    markLangUnsaved(true);
    assert.equal(langUnsaved(), true);
    markLangUnsaved(false);
    assert.equal(langUnsaved(), false);
  } finally {
    delete globalThis.localStorage;
  }
  // No storage at all: nothing is pending, and marking does not throw.
  markLangUnsaved(true);
  assert.equal(langUnsaved(), false);
});
