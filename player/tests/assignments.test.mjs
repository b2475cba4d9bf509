// 必修研修の割り当て's pure helpers (src/admin/assignment-logic.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addDays,
  assignmentFieldOf,
  assignmentName,
  assignmentProblem,
  canDeleteAssignment,
  courseClosedText,
  defaultDueOn,
  progressCsvName,
  progressCsvPath,
  summaryRows,
  summaryText,
  targetsText,
} from '../dist-test/admin/assignment-logic.js';

test('due days are counted in calendar days, across months and years', () => {
  assert.equal(addDays('2026-03-25', 14), '2026-04-08');
  assert.equal(addDays('2026-12-25', 14), '2027-01-08');
  assert.equal(addDays('2028-02-28', 1), '2028-02-29');
  assert.equal(defaultDueOn('2026-04-01'), '2026-04-15');
  assert.equal(addDays('not a day', 3), 'not a day');
});

test('whom an assignment reaches is said with group paths and a count of single users', () => {
  const paths = { 1: '総務部/人事課', 2: '福祉部' };
  const path = (id) => paths[id];
  assert.equal(targetsText({ group_ids: [1, 2], user_ids: [] }, path), '総務部/人事課、福祉部');
  assert.equal(targetsText({ group_ids: [], user_ids: [5, 6] }, path), '個別に 2 人');
  assert.equal(targetsText({ group_ids: [1], user_ids: [5] }, path), '総務部/人事課 ＋ 個別に 1 人');
  // A group moved to the trash is said so, never by its internal id; several are counted.
  assert.equal(targetsText({ group_ids: [7], user_ids: [] }, path), '（削除されたグループ）');
  assert.equal(targetsText({ group_ids: [1, 7], user_ids: [5] }, path), '総務部/人事課、（削除されたグループ） ＋ 個別に 1 人');
  assert.equal(targetsText({ group_ids: [7, 8, 2], user_ids: [] }, path), '福祉部、（削除されたグループ 2 件）');
  assert.doesNotMatch(targetsText({ group_ids: [4], user_ids: [] }, path), /#|4/);
  assert.equal(targetsText({ group_ids: [], user_ids: [] }, path), '（なし）');
});

test('the counts per status come overdue first, with a total, zeros included', () => {
  const rows = summaryRows({ completed: 2, overdue: 1 });
  assert.deepEqual(
    rows.map((r) => [r.label, r.count]),
    [
      ['期限切れ', 1],
      ['未受講', 0],
      ['受講中', 0],
      ['修了', 2],
      ['合計', 3],
    ],
  );
  assert.equal(summaryText({ completed: 2, overdue: 1 }), '対象 3 人：期限切れ 1 人、修了 2 人');
  assert.equal(summaryText({}), '対象の人はいません。');
});

test('a draft needs a course, a due day from today on and someone to assign to', () => {
  const ok = { courseId: '3', dueOn: '2026-04-15', groupIds: [1], userIds: [], note: '' };
  const today = '2026-04-01';
  assert.equal(assignmentProblem(ok, today), null);
  assert.equal(assignmentProblem({ ...ok, groupIds: [], userIds: [9] }, today), null);
  assert.equal(assignmentProblem({ ...ok, dueOn: today }, today), null);
  assert.equal(assignmentProblem({ ...ok, courseId: '' }, today)?.field, 'course');
  assert.equal(assignmentProblem({ ...ok, dueOn: '' }, today)?.field, 'due');
  assert.equal(assignmentProblem({ ...ok, dueOn: '2026-02-31x' }, today)?.field, 'due');
  const past = assignmentProblem({ ...ok, dueOn: '2026-03-31' }, today);
  assert.deepEqual(past, { field: 'due', message: '期限は今日（2026年4月1日）以降の日付にしてください。' });
  assert.equal(assignmentProblem({ ...ok, groupIds: [], userIds: [] }, today)?.field, 'targets');
  assert.equal(assignmentProblem({ ...ok, note: 'あ'.repeat(1000) }, today), null);
  assert.equal(assignmentProblem({ ...ok, note: 'あ'.repeat(1001) }, today)?.field, 'note');
  // Characters, not UTF-16 units: 1000 emoji are within the limit.
  assert.equal(assignmentProblem({ ...ok, note: '😀'.repeat(1000) }, today), null);
});

test("the server's refusals go beside the field they are about", () => {
  assert.equal(assignmentFieldOf('公開中の講座を選んでください (the course must be published)'), 'course');
  assert.equal(assignmentFieldOf('メモは1000文字以内にしてください (note too long)'), 'note');
  assert.equal(assignmentFieldOf('グループ 4 には割り当てられません (unknown group or not yours)'), 'targets');
  assert.equal(assignmentFieldOf('利用者 9 には割り当てられません (unknown user or not yours)'), 'targets');
  assert.equal(
    assignmentFieldOf('割り当てる先のグループか利用者を選んでください (choose groups or users to assign to)'),
    'targets',
  );
  assert.equal(assignmentFieldOf('リクエストの形式が正しくありません (bad JSON body: due_on: invalid)'), 'due');
  assert.equal(assignmentFieldOf('メンテナンス中のため、変更はできません'), 'form');
});

test('the CSV of everyone or of the overdue only', () => {
  assert.equal(progressCsvPath(12, false), '/api/v1/assignments/12');
  assert.equal(progressCsvPath(12, true), '/api/v1/assignments/12?status=overdue');
  assert.equal(progressCsvName(12, false), 'assignment-12.csv');
  assert.equal(progressCsvName(12, true), 'assignment-12-overdue.csv');
  assert.equal(assignmentName({ course_title: '情報セキュリティ', due_on: '2026-04-10' }), '「情報セキュリティ」（期限 2026年4月10日）');
});

test('an assignment whose course is not published is marked in words', () => {
  assert.equal(courseClosedText({ course_status: 'published' }), null);
  assert.equal(courseClosedText({ course_status: 'draft' }), '講座が公開されていません（受講者は開けません）');
  assert.equal(courseClosedText({}), null, 'a server that does not say: nothing marked');
});

test('admins delete any assignment, a manager only those it made', () => {
  const mine = { created_by: 12 };
  const theirs = { created_by: 3 };
  const nobody = { created_by: null };
  assert.equal(canDeleteAssignment({ id: 1, role: 'admin' }, theirs), true);
  assert.equal(canDeleteAssignment({ id: 1, role: 'admin' }, nobody), true);
  assert.equal(canDeleteAssignment({ id: 12, role: 'manager' }, mine), true);
  assert.equal(canDeleteAssignment({ id: '12', role: 'manager' }, mine), true, 'the session may give the id as a string');
  assert.equal(canDeleteAssignment({ id: 12, role: 'manager' }, theirs), false);
  assert.equal(canDeleteAssignment({ id: 12, role: 'manager' }, nobody), false);
  assert.equal(canDeleteAssignment({ id: 12, role: 'editor' }, mine), false);
});
