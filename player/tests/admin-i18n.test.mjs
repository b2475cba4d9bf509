// The administration and editor pages' words in English (admin/messages.ts,
// admin/dialog-messages.ts, editor/messages.ts) and the pure modules that
// use them; Japanese unchanged when the language is Japanese.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setLang } from '../dist-test/i18n.js';
import { MESSAGES as LEARNER } from '../dist-test/messages.js';
import { MESSAGES as ADMIN, serverText } from '../dist-test/admin/messages.js';
import { MESSAGES as DIALOG } from '../dist-test/admin/dialog-messages.js';
import { MESSAGES as EDITOR } from '../dist-test/editor/messages.js';
import { roleLabel, pageInfo, summaryText, applyBlock, applyConfirmBody, newUserProblem, changeLines } from '../dist-test/admin/labels.js';
import { readableSeconds, periodLabel, filterProblem, chartSummary, definitionTerm, DEFINITIONS } from '../dist-test/admin/report-logic.js';
import { auditActionLabel, EXPORT_FILES, groupFacts, detailLines, detailText, timeHeading } from '../dist-test/admin/records.js';
import { summaryText as assignmentSummary, targetsText, courseClosedText } from '../dist-test/admin/assignment-logic.js';
import { settingFacts } from '../dist-test/admin/settings-logic.js';
import { videoStatusLabel, titleProblem, CAPTION_LANGS, uploadText } from '../dist-test/editor/logic.js';

// English that quotes Japanese on purpose (the CSV columns' Japanese names, example group names).
const QUOTES_JAPANESE = new Set(['a.imports.format.standard.hint', 'a.imports.format.hr.hint', 'a.groups.nameHint']);

const names = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('every administration and editor word has English, with the same values as its Japanese', () => {
  for (const [table, name] of [[ADMIN, 'admin'], [DIALOG, 'dialog'], [EDITOR, 'editor']]) {
    assert.ok(Object.keys(table).length > 10, name);
    for (const [key, m] of Object.entries(table)) {
      assert.equal(typeof m.ja, 'string', `${name} ${key}`);
      assert.ok(m.en, `${name} ${key} has no English`);
      assert.deepEqual(names(m.en), names(m.ja), `${name} ${key}: values differ`);
      if (!QUOTES_JAPANESE.has(key)) assert.doesNotMatch(m.en, /[\u3040-\u30ff]/, `${name} ${key}: kana in the English`);
    }
  }
});

test('the bundles’ tables do not define a key twice with different words', () => {
  const seen = new Map();
  for (const table of [LEARNER, ADMIN, DIALOG, EDITOR]) {
    for (const [key, m] of Object.entries(table)) {
      if (seen.has(key)) assert.deepEqual(seen.get(key), m, key);
      seen.set(key, m);
    }
  }
  // Admin and editor keys are their own (a. / e.), so they never override the learner's.
  for (const key of [...Object.keys(ADMIN), ...Object.keys(DIALOG)]) assert.match(key, /^a\./);
  for (const key of Object.keys(EDITOR)) assert.match(key, /^e\./);
});

test('the administration words in English', () => {
  setLang('en');
  try {
    assert.equal(roleLabel('manager'), 'Training manager');
    assert.equal(pageInfo(120, 2, 50).text, 'Showing 51–100 of 120 (page 2 of 3)');
    assert.equal(pageInfo(0, 1, 50).text, 'No users match.');
    assert.equal(summaryText({ create: 1, update: 0, disable: 0, delete: 0, unchanged: 3, errors: 1 }), 'New: 1, No change: 3, Error: 1');
    assert.match(applyBlock({ status: 'preview', summary: { create: 0, update: 0, disable: 0, delete: 0, unchanged: 1, errors: 2 } }).message, /^The import cannot be applied: 2 rows/);
    assert.equal(newUserProblem({ email: '', name: '', remarks: '', groups: [] }, false).message, 'Please enter an e-mail address.');
    assert.equal(changeLines({ role: ['learner', 'editor'] })[0].text, 'Role: Learner → Editor');
    assert.equal(readableSeconds(3720), '1 h 02 min');
    assert.equal(periodLabel('2026-04-01', 'week'), 'Week of 4/1');
    assert.equal(filterProblem({ from: '2026-05-01', to: '2026-04-01', granularity: 'day', group: '' }), 'The first day must come before the last day.');
    assert.equal(chartSummary([]), 'There are no figures for the period.');
    assert.equal(definitionTerm(DEFINITIONS[0].term, 'en'), 'Viewing time');
    assert.equal(auditActionLabel('group.create'), 'Group created');
    assert.equal(auditActionLabel('user.trash'), 'User moved to the trash');
    assert.equal(EXPORT_FILES[0].title, 'Users');
    assert.match(EXPORT_FILES[9].columns, /README\.txt and the nine files/);
    assert.equal(groupFacts({ member_count: 3, managers: [] }), '3 members · managers: None');
    assert.equal(detailText(detailLines({ before: { name: 'a' }, after: { name: 'b' } }, 'user.update')[0]), 'Name: a → b');
    assert.equal(timeHeading('Asia/Tokyo'), 'Time (Japan)');
    assert.equal(assignmentSummary({ overdue: 2, completed: 1 }), '3 people: Overdue: 2, Completed: 1');
    assert.equal(targetsText({ group_ids: [7], user_ids: [1, 2] }, () => undefined), '(a deleted group) + 2 people one by one');
    assert.equal(courseClosedText({ course_status: 'draft' }), 'The course is not published (the assignees cannot open it)');
    assert.deepEqual(applyConfirmBody({ summary: { create: 2, update: 0, disable: 0, delete: 0, unchanged: 0, errors: 0 }, new_groups: ['General Affairs/HR'] }).slice(0, 2), ['These changes will be made: New: 2.', 'Groups to be created: General Affairs/HR']);
    const facts = settingFacts({ timezone: 'Asia/Tokyo', session_idle_minutes: 30, completion_coverage: 0.95, trash_retention_days: 90, maintenance_notice_days: 7 });
    assert.equal(facts[0].label, 'Time zone');
    assert.equal(facts[0].value, 'Japan time (Asia/Tokyo)');
    assert.equal(videoStatusLabel('ready'), 'Ready');
    assert.equal(titleProblem(''), 'Please enter a title.');
    assert.equal(CAPTION_LANGS[1].label, 'English');
    assert.equal(uploadText(50, 100), '50% (50 B of 100 B)');
    assert.equal(serverText('見つかりません (not found)'), 'Not found.');
  } finally {
    setLang('ja');
  }
  // Japanese as before.
  assert.equal(roleLabel('manager'), '受講管理者');
  assert.equal(auditActionLabel('user.trash'), '利用者の削除（ごみ箱へ）');
  assert.equal(EXPORT_FILES[0].title, '利用者');
  assert.equal(definitionTerm(DEFINITIONS[0].term, 'ja'), '視聴時間 (viewing time)');
  assert.equal(CAPTION_LANGS[1].label, '英語 (English)');
  assert.equal(serverText('見つかりません (not found)'), '見つかりません');
});
