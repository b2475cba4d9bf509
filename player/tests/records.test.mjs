// グループ, ごみ箱, 監査ログ and データ出力: their pure helpers (src/admin/records.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AUDIT_ACTIONS,
  EXPORT_FILES,
  auditActionLabel,
  auditDatesProblem,
  auditQuery,
  detailLines,
  detailText,
  exportFileName,
  exportPath,
  groupFacts,
  groupNameProblem,
  groupTree,
  kindLabel,
  localTime,
  purgeEffect,
  seatsText,
  subtreeIds,
  groupTrashBody,
  targetLabel,
  timeHeading,
  unmappableRows,
} from '../dist-test/admin/records.js';

const g = (id, name, parent_id, path) => ({ id, name, parent_id, path, member_count: 0, managers: [] });
const GROUPS = [
  g(1, '総務部', null, '総務部'),
  g(2, '人事課', 1, '総務部/人事課'),
  g(5, '庶務係', 2, '総務部/人事課/庶務係'),
  g(3, '区民部', null, '区民部'),
  g(4, '区民課', 3, '区民部/区民課'),
  g(6, '会計課', 1, '総務部/会計課'),
];

const shape = (nodes) => nodes.map((n) => [n.group.name, n.level, shape(n.children)]);

test('groupTree nests by parent, siblings by name, levels from 1', () => {
  assert.deepEqual(shape(groupTree(GROUPS)), [
    ['区民部', 1, [['区民課', 2, []]]],
    [
      '総務部',
      1,
      [
        ['会計課', 2, []],
        ['人事課', 2, [['庶務係', 3, []]]],
      ],
    ],
  ]);
  // A manager sees 人事課 and below: 人事課 is a root of its tree.
  assert.deepEqual(shape(groupTree(GROUPS.filter((x) => [2, 5].includes(x.id)))), [
    ['人事課', 1, [['庶務係', 2, []]]],
  ]);
  assert.deepEqual(groupTree([]), []);
  // A cycle in bad data does not loop.
  assert.deepEqual(shape(groupTree([g(7, 'A', 8, 'A'), g(8, 'B', 7, 'B')])), []);
});

test('groupTrashBody: the groups that go along, and the assignments that stop reaching anyone', () => {
  const withAssignments = GROUPS.map((x) => ({ ...x, assignment_count: x.id === 5 ? 2 : x.id === 4 ? 1 : 0 }));
  const body = groupTrashBody(withAssignments, 1);
  assert.equal(body[0], '「総務部」をごみ箱に移動します。');
  assert.match(body[1], /3 個（総務部\/人事課、総務部\/会計課、総務部\/人事課\/庶務係）/);
  assert.match(body[2], /必修研修の割り当て 2 件/);
  assert.equal(groupTrashBody(withAssignments, 6).length, 2, 'no groups below, no assignments: path and restore only');
  assert.match(groupTrashBody(GROUPS, 3).join(''), /区民課/);
  assert.doesNotMatch(groupTrashBody(GROUPS, 3).join(''), /必修研修/, 'counts unknown: nothing said');
});

test('subtreeIds: a group and everything below it', () => {
  assert.deepEqual(subtreeIds(GROUPS, 1), [1, 2, 6, 5]);
  assert.deepEqual(subtreeIds(GROUPS, 4), [4]);
});

test('groupNameProblem mirrors the server rules', () => {
  assert.equal(groupNameProblem('人事課'), null);
  assert.equal(groupNameProblem('  人事課 '), null);
  assert.match(groupNameProblem('  '), /入力してください/);
  assert.match(groupNameProblem('総務部/人事課'), /「\/」/);
  assert.match(groupNameProblem('あ'.repeat(101)), /100文字/);
  assert.equal(groupNameProblem('𠮷'.repeat(100)), null, 'counted in characters, not UTF-16 units');
  assert.match(groupNameProblem('a\tb'), /制御文字/);
});

test('groupFacts', () => {
  assert.equal(groupFacts({ member_count: 3, managers: [] }), 'メンバー 3 人・管理者 なし');
  assert.equal(
    groupFacts({ member_count: 0, managers: ['a@x.jp', 'b@x.jp'] }),
    'メンバー 0 人・管理者 a@x.jp、b@x.jp',
  );
});

test('trash kinds and what a purge does', () => {
  assert.deepEqual(['user', 'group', 'course', 'video', 'x'].map(kindLabel), [
    '利用者',
    'グループ',
    '講座',
    '動画',
    'x',
  ]);
  assert.match(purgeEffect('user'), /視聴記録は/);
  assert.match(purgeEffect('video'), /動画ファイル/);
});

test('auditQuery: only what is set, page and per_page always', () => {
  assert.equal(auditQuery({}), 'page=1&per_page=50');
  assert.equal(
    auditQuery({ from: '2026-04-01', to: '2026-04-30', action: 'group.', actor: 12, page: 2, perPage: 20 }),
    'from=2026-04-01&to=2026-04-30&action=group.&actor=12&page=2&per_page=20',
  );
  assert.equal(auditQuery({ from: '4/1', action: '', actor: null, page: 0 }), 'page=1&per_page=50');
  assert.ok(AUDIT_ACTIONS.some(([v]) => v === 'user.'));
  assert.ok(AUDIT_ACTIONS.some(([v]) => v === 'login'));
});

test('auditDatesProblem', () => {
  assert.equal(auditDatesProblem('', ''), null);
  assert.equal(auditDatesProblem('2026-04-01', '2026-04-01'), null);
  assert.equal(auditDatesProblem('2026-04-02', '2026-04-01').field, 'to');
  assert.equal(auditDatesProblem('4/1', '').field, 'from');
  assert.equal(auditDatesProblem('', '2026-4-1').field, 'to');
});

test('audit action labels, with trash verbs for every kind', () => {
  assert.equal(auditActionLabel('group.create'), 'グループの作成');
  assert.equal(auditActionLabel('login_failed'), 'ログイン失敗');
  assert.equal(auditActionLabel('group.trash'), 'グループの削除（ごみ箱へ）');
  assert.equal(auditActionLabel('user.restore'), '利用者の復元');
  assert.equal(auditActionLabel('video.purge'), '動画の完全削除');
  assert.equal(auditActionLabel('something.new'), 'something.new');
});

test('localTime reads at_local as it is (already Japan time)', () => {
  assert.equal(localTime('2026-04-01T09:05:07+09:00'), '2026/04/01 09:05:07');
  assert.equal(localTime('2026-04-01T00:00:00Z'), '2026/04/01 00:00:00');
  assert.equal(localTime(''), '');
  assert.equal(localTime(undefined), '');
  assert.equal(timeHeading('Asia/Tokyo'), '日時（日本時間）');
  assert.equal(timeHeading(undefined), '日時（日本時間）');
  assert.equal(timeHeading('UTC'), '日時（UTC）');
});

test('targetLabel', () => {
  assert.equal(targetLabel('user:12'), '利用者 #12');
  assert.equal(targetLabel('group:3'), 'グループ #3');
  assert.equal(targetLabel('users.csv'), 'users.csv');
  assert.equal(targetLabel('taro@city.example.lg.jp'), 'taro@city.example.lg.jp');
});

test('detailLines: before → after for what changed, other keys as they are', () => {
  const lines = detailLines({
    email: 'learner2@manabi.example',
    before: { name: '区役 二葉', role: 'learner', status: 'active', remarks: '', groups: ['総務部/人事課'] },
    after: { name: '区役 二葉', role: 'manager', status: 'disabled', remarks: '異動', groups: ['総務部/人事課'] },
  }).map(detailText);
  assert.deepEqual(lines, [
    'メールアドレス: learner2@manabi.example',
    '権限: 受講者 → 受講管理者',
    '状態: 有効 → 無効',
    '備考: （空欄） → 異動',
  ]);
  assert.deepEqual(detailLines({ name: '庶務係', parent_id: 2 }, 'group.create').map(detailText), [
    'グループ名: 庶務係',
    '親グループID: 2',
  ]);
  assert.deepEqual(detailLines({ email: 'a@x.jp', before: { name: 'A' } }).map(detailText), [
    'メールアドレス: a@x.jp',
    '氏名（削除前）: A',
  ]);
  assert.deepEqual(detailLines({ email: 'a@x.jp', after: { role: 'learner' } }).map(detailText), [
    'メールアドレス: a@x.jp',
    '権限: 受講者',
  ]);
  assert.deepEqual(
    detailLines({ label: 'a@x.jp', reason: 'confirmed' }, 'user.purge').map(detailText),
    ['名前: a@x.jp', '理由: 管理者が名前を入力して完全に削除'],
  );
  assert.deepEqual(detailLines({ file: 'users.csv', rows: { 'users.csv': 6 } }).map(detailText), [
    'ファイル: users.csv',
    '行数: users.csv: 6',
  ]);
  assert.deepEqual(detailLines({ before: { a: 1 }, after: { a: 1 } }).map(detailText), ['変更: （変更なし）']);
  assert.deepEqual(detailLines(null), []);
  assert.deepEqual(detailLines('text').map(detailText), ['内容: text']);
});

test('exports: files, paths and names', () => {
  assert.deepEqual(
    EXPORT_FILES.map((f) => f.file),
    [
      'users.csv',
      'groups.csv',
      'memberships.csv',
      'courses.csv',
      'videos.csv',
      'assignments.csv',
      'notices.csv',
      'viewing.csv',
      'audit.csv',
      'all.zip',
    ],
  );
  assert.equal(exportPath('users.csv', 'utf8'), '/api/v1/export/users.csv');
  assert.equal(exportPath('all.zip', 'shift_jis'), '/api/v1/export/all.zip?encoding=shift_jis');
  assert.equal(exportFileName('users.csv', 'utf8'), 'manabi-users.csv');
  assert.equal(exportFileName('users.csv', 'shift_jis'), 'manabi-users-sjis.csv');
  assert.equal(exportFileName('all.zip', 'shift_jis'), 'manabi-all-sjis.zip');
});

test('unmappableRows reads the 422 details', () => {
  const details = [
    { file: 'users.csv', row: 3, column: 'B', character: '𠮷', codepoint: 'U+20BB7', message: '…' },
    { file: 'memberships.csv', row: 2, column: 'D', character: '😀', codepoint: 'U+1F600' },
  ];
  assert.deepEqual(unmappableRows(details), [
    { file: 'users.csv', row: '3 行目', column: 'B 列', character: '𠮷（U+20BB7）' },
    { file: 'memberships.csv', row: '2 行目', column: 'D 列', character: '😀（U+1F600）' },
  ]);
  assert.deepEqual(unmappableRows(null), []);
  assert.deepEqual(unmappableRows({ file: 'x' }), []);
  assert.deepEqual(unmappableRows([1, 'a']), []);
});

test('seatsText', () => {
  assert.equal(seatsText({ licensed: 100, active: 6 }), '契約 100 ID のうち 6 ID を使用中です（残り 94 ID）。');
  assert.equal(seatsText({ licensed: 5, active: 7 }), '契約 5 ID に対して 7 ID を使用中です（2 ID 超過）。');
});
