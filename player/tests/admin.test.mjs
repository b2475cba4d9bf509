// The administration pages' pure helpers (src/admin/labels.ts) and routes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRoute } from '../dist-test/route.js';
import {
  actionLabel,
  applyBlock,
  applyConfirmBody,
  canEdit,
  canManage,
  changeLines,
  changeText,
  fieldValue,
  formatJst,
  japaneseMessage,
  massDisableText,
  newUserProblem,
  pageInfo,
  roleLabel,
  statusLabel,
  summaryItems,
  summaryText,
  userFieldOf,
  userListQuery,
  visibleRows,
} from '../dist-test/admin/labels.js';

const zero = { create: 0, update: 0, disable: 0, delete: 0, unchanged: 0, errors: 0 };

test('admin routes', () => {
  assert.deepEqual(parseRoute('#/admin/users'), { name: 'adminUsers' });
  assert.deepEqual(parseRoute('#/admin/users/'), { name: 'adminUsers' });
  assert.deepEqual(parseRoute('#/admin/users?q=x'), { name: 'adminUsers' });
  assert.deepEqual(parseRoute('#/admin/import'), { name: 'adminImport' });
  assert.deepEqual(parseRoute('#/admin'), { name: 'notFound' });
  assert.deepEqual(parseRoute('#/admin/imports'), { name: 'notFound' });
});

test('only admins and managers manage', () => {
  assert.equal(canManage('admin'), true);
  assert.equal(canManage('manager'), true);
  assert.equal(canManage('editor'), false);
  assert.equal(canManage('learner'), false);
  assert.equal(canManage(undefined), false);
});

test('role, status and action labels in Japanese', () => {
  assert.deepEqual(
    ['admin', 'manager', 'editor', 'learner'].map(roleLabel),
    ['管理者', '受講管理者', '編集者', '受講者'],
  );
  assert.equal(roleLabel('auditor'), 'auditor', 'unknown roles are shown as they are');
  assert.equal(statusLabel('active'), '有効');
  assert.equal(statusLabel('disabled'), '無効');
  assert.deepEqual(
    ['create', 'update', 'disable', 'delete', 'unchanged', 'error'].map(actionLabel),
    ['新規', '更新', '無効化', '削除', '変更なし', 'エラー'],
  );
});

test('formatJst shows Asia/Tokyo time whatever the machine zone', () => {
  assert.equal(formatJst('2026-03-31T15:05:00Z'), '2026/04/01 00:05');
  assert.equal(formatJst('2026-11-26T06:07:15.360567576Z'), '2026/11/26 15:07');
  assert.equal(formatJst('2026-04-01T09:05:00+09:00'), '2026/04/01 09:05');
  assert.equal(formatJst('2025-12-31T23:59:59-05:00'), '2026/01/01 13:59');
  assert.equal(formatJst(null), '');
  assert.equal(formatJst(''), '');
  assert.equal(formatJst('yesterday'), '');
});

test('userListQuery keeps what is set, trims the search, always pages by 50', () => {
  assert.equal(userListQuery({}), 'page=1&per_page=50');
  assert.equal(
    userListQuery({ q: '  learner2@manabi.example ', role: 'learner', status: 'active', page: 3 }),
    'q=learner2%40manabi.example&status=active&role=learner&page=3&per_page=50',
  );
  const p = new URLSearchParams(userListQuery({ q: '区役 二葉', role: '', status: '' }));
  assert.equal(p.get('q'), '区役 二葉', 'Japanese and spaces survive the round trip');
  assert.equal(p.has('role'), false);
  assert.equal(p.has('status'), false);
  assert.equal(userListQuery({ role: 'root', status: 'gone', page: 0 }), 'page=1&per_page=50');
});

test('pageInfo: range, page count and buttons', () => {
  assert.deepEqual(pageInfo(0, 1, 50), {
    from: 0,
    to: 0,
    pages: 1,
    hasPrev: false,
    hasNext: false,
    text: '該当する利用者はいません。',
  });
  const first = pageInfo(120, 1, 50);
  assert.equal(first.text, '全 120 件中 1〜50 件を表示（1 / 3 ページ）');
  assert.equal(first.hasPrev, false);
  assert.equal(first.hasNext, true);
  const last = pageInfo(120, 3, 50);
  assert.deepEqual([last.from, last.to, last.hasPrev, last.hasNext], [101, 120, true, false]);
  assert.equal(pageInfo(1, 1, 50).text, '全 1 件中 1〜1 件を表示（1 / 1 ページ）');
});

test('japaneseMessage drops the English the API appends', () => {
  assert.equal(japaneseMessage('見つかりません (not found)'), '見つかりません');
  assert.equal(
    japaneseMessage('エラーのある行があるため適用できません。ファイルを直してもう一度取り込んでください: 3 行目 (rows with errors)'),
    'エラーのある行があるため適用できません。ファイルを直してもう一度取り込んでください: 3 行目',
  );
  assert.equal(
    japaneseMessage('「not-an-email」はメールアドレスの形式ではありません (not an e-mail address)'),
    '「not-an-email」はメールアドレスの形式ではありません',
  );
  assert.equal(japaneseMessage('internal error (x)'), 'internal error (x)', 'all English: kept');
  assert.equal(japaneseMessage('ファイル（CSV）が空です'), 'ファイル（CSV）が空です');
});

test('changeLines: Japanese field names, labels for values, CSV column order', () => {
  const lines = changeLines({
    remarks: ['', 'メモ'],
    groups: ['総務部/人事課', '新設課;総務部/人事課'],
    name: ['区役 二葉', '区役 二葉子'],
    role: ['learner', 'manager'],
    status: ['', 'active'],
  });
  assert.deepEqual(
    lines.map((l) => l.text),
    [
      '氏名: 区役 二葉 → 区役 二葉子',
      '権限: 受講者 → 受講管理者',
      '状態: （空欄） → 有効',
      'グループ: 総務部/人事課 → 新設課、総務部/人事課',
      '備考: （空欄） → メモ',
    ],
  );
  assert.deepEqual(changeLines({}), []);
  assert.deepEqual(changeLines(undefined), []);
  assert.equal(fieldValue('name', ''), '（空欄）');
});

test('a preview summarised', () => {
  const s = { ...zero, create: 1, errors: 1, unchanged: 3 };
  assert.deepEqual(
    summaryItems(s).map((i) => [i.label, i.count]),
    [
      ['新規', 1],
      ['更新', 0],
      ['無効化', 0],
      ['削除', 0],
      ['変更なし', 3],
      ['エラー', 1],
    ],
  );
  assert.equal(summaryText(s), '新規 1 件、変更なし 3 件、エラー 1 件');
  assert.equal(summaryText(zero), '変更はありません');
  assert.equal(changeText({ ...zero, create: 2, disable: 3, unchanged: 9 }), '新規 2 件、無効化 3 件');
});

test('error rows, an empty plan or a used preview block the apply', () => {
  const errors = applyBlock({ status: 'preview', summary: { ...zero, create: 1, errors: 2 } });
  assert.equal(errors?.reason, 'errors');
  assert.match(errors.message, /エラーのある行が 2 件/);
  assert.equal(applyBlock({ status: 'preview', summary: { ...zero, unchanged: 5 } })?.reason, 'nothing');
  assert.equal(applyBlock({ status: 'applied', summary: { ...zero, create: 1 } })?.reason, 'status');
  assert.equal(applyBlock({ status: 'preview', summary: { ...zero, create: 1 } }), null);
  assert.equal(applyBlock({ status: 'preview', summary: { ...zero, disable: 1 } }), null);
});

test('the apply confirmation names the groups it will create', () => {
  const p = { summary: { ...zero, create: 2 }, new_groups: ['総務部/人時課', '福祉部/高齢課'] };
  assert.deepEqual(applyConfirmBody(p), [
    '次の変更を反映します：新規 2 件。',
    '新しく作成されるグループ：総務部/人時課、福祉部/高齢課',
    '新しく登録する利用者には初期パスワードが発行されます。',
    applyConfirmBody({ summary: { ...zero, update: 1 }, new_groups: [] })[1],
  ]);
  // No new group, no new user: only the changes and the undo.
  const plain = applyConfirmBody({ summary: { ...zero, update: 1 }, new_groups: [] });
  assert.equal(plain.length, 2);
  assert.equal(plain[0], '次の変更を反映します：更新 1 件。');
  assert.doesNotMatch(plain.join(''), /グループ/);
});

test('massDisableText gives the numbers', () => {
  assert.equal(
    massDisableText({ disable: 3, active: 6, max_share: 0.1 }),
    '有効な利用者 6 人のうち 3 人（50.0%）を無効にします。一度に無効にできる上限は 10.0% です。',
  );
  assert.match(massDisableText({ disable: 0, active: 0, max_share: 0.25 }), /0 人（0\.0%）.*25\.0%/);
});

test('visibleRows filters and limits', () => {
  const rows = [
    { row: 2, action: 'create' },
    { row: 3, action: 'error' },
    { row: 4, action: 'unchanged' },
    { row: 5, action: 'error' },
    { row: null, action: 'disable' },
  ];
  assert.deepEqual(visibleRows(rows, 'all', 10).total, 5);
  assert.deepEqual(
    visibleRows(rows, 'error', 10).rows.map((r) => r.row),
    [3, 5],
  );
  assert.deepEqual(
    visibleRows(rows, 'changes', 10).rows.map((r) => r.row),
    [2, 3, 5, null],
  );
  const limited = visibleRows(rows, 'all', 2);
  assert.deepEqual([limited.rows.length, limited.total], [2, 5]);
});

test('editors and admins author courses; managers and learners do not', () => {
  assert.equal(canEdit('editor'), true);
  assert.equal(canEdit('admin'), true);
  assert.equal(canEdit('manager'), false);
  assert.equal(canEdit('learner'), false);
  assert.equal(canEdit(undefined), false);
});

test("a new user's server refusal goes beside the field it names", () => {
  assert.equal(userFieldOf('このメールアドレスは既に登録されています (e-mail already registered)', 409, false), 'email');
  assert.equal(userFieldOf('メールアドレスの形式が正しくありません (not a valid e-mail address)', 422, false), 'email');
  assert.equal(userFieldOf('氏名は100文字以内にしてください (氏名 is longer than 100 characters)', 422, false), 'name');
  assert.equal(userFieldOf('備考に制御文字が含まれています (備考 contains control characters)', 422, false), 'remarks');
  // A manager refused: its groups (a learner must be in one of them).
  assert.equal(userFieldOf('この利用者を管理する権限がありません (not allowed to manage this user)', 403, true), 'groups');
  assert.equal(userFieldOf('この利用者を管理する権限がありません (not allowed to manage this user)', 403, false), 'form');
  assert.equal(userFieldOf('メンテナンス中のため、変更はできません', 503, false), 'form');
});

test('a new user is checked before it is sent: e-mail, lengths, a manager\'s groups', () => {
  const ok = { email: 'shiro@city.example.lg.jp', name: '新任 四郎', remarks: '', groups: [] };
  assert.equal(newUserProblem(ok, false), null);
  assert.equal(newUserProblem({ ...ok, name: '' }, false), null);
  assert.equal(newUserProblem({ ...ok, email: '  ' }, false)?.field, 'email');
  assert.equal(newUserProblem({ ...ok, email: 'shiro.city.example' }, false)?.field, 'email');
  assert.equal(newUserProblem({ ...ok, email: 'a b@c.example' }, false)?.field, 'email');
  assert.equal(newUserProblem({ ...ok, name: 'あ'.repeat(100) }, false), null);
  assert.equal(newUserProblem({ ...ok, name: 'あ'.repeat(101) }, false)?.field, 'name');
  assert.equal(newUserProblem({ ...ok, remarks: 'x'.repeat(501) }, false)?.field, 'remarks');
  assert.deepEqual(newUserProblem(ok, true), { field: 'groups', message: '担当するグループを 1 つ以上選んでください。' });
  assert.equal(newUserProblem({ ...ok, groups: [3] }, true), null);
});
