// The learner's own pages' wording and order (src/learning.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assignmentStatusLabel,
  coveragePercent,
  dateJa,
  daysBetween,
  dueText,
  isOverdue,
  jstDateTime,
  lessonsDoneText,
  newArrivals,
  orderAssignments,
  pageCount,
  pageRange,
  publishedText,
  tokyoDate,
} from '../dist-test/learning.js';

test('the day in Japan turns at 15:00 UTC', () => {
  assert.equal(tokyoDate(Date.parse('2026-03-31T14:59:59Z')), '2026-03-31');
  assert.equal(tokyoDate(Date.parse('2026-03-31T15:00:00Z')), '2026-04-01');
  assert.equal(dateJa('2026-04-01'), '2026年4月1日');
  assert.equal(dateJa('someday'), 'someday');
  assert.equal(daysBetween('2026-02-27', '2026-03-02'), 3);
  assert.equal(daysBetween('2026-04-10', '2026-04-01'), -9);
});

test('due dates say how long is left or how late it is', () => {
  const today = '2026-04-07';
  assert.equal(dueText('2026-04-10', today, 'in_progress'), '期限 2026年4月10日（あと3日）');
  assert.equal(dueText('2026-04-07', today, 'not_started'), '期限 2026年4月7日（今日まで）');
  assert.equal(dueText('2026-04-05', today, 'overdue'), '期限 2026年4月5日（2日過ぎています）');
  assert.equal(dueText('2026-04-05', today, 'completed'), '期限 2026年4月5日');
  assert.equal(dueText(null, today, 'not_started'), '期限なし');
});

test('overdue: said by the server, or past its day unfinished', () => {
  const today = '2026-04-07';
  assert.equal(isOverdue('2026-04-10', today, 'overdue'), true);
  assert.equal(isOverdue('2026-04-06', today, 'in_progress'), true);
  assert.equal(isOverdue('2026-04-07', today, 'not_started'), false, 'the due day itself is still in time');
  assert.equal(isOverdue('2026-04-01', today, 'completed'), false);
  assert.equal(isOverdue(null, today, 'not_started'), false);
  assert.equal(assignmentStatusLabel('overdue'), '期限切れ');
  assert.equal(assignmentStatusLabel('not_started'), '未受講');
  assert.equal(assignmentStatusLabel('in_progress'), '受講中');
  assert.equal(assignmentStatusLabel('completed'), '修了');
  assert.equal(assignmentStatusLabel('paused'), 'paused');
  assert.equal(lessonsDoneText(1, 3), '3本中1本修了');
});

test('assignments: overdue first, then by due date, completed last', () => {
  const today = '2026-04-07';
  const items = [
    { id: 'done', due_on: '2026-04-01', status: 'completed' },
    { id: 'none', due_on: null, status: 'not_started' },
    { id: 'later', due_on: '2026-05-01', status: 'not_started' },
    { id: 'soon', due_on: '2026-04-08', status: 'in_progress' },
    { id: 'late', due_on: '2026-04-02', status: 'in_progress' },
  ];
  assert.deepEqual(orderAssignments(items, today).map((a) => a.id), ['late', 'soon', 'later', 'none', 'done']);
  assert.equal(items[0].id, 'done', 'the input is not reordered');
});

test('progress: whole percent rounded down', () => {
  assert.equal(coveragePercent(0.456), 45);
  assert.equal(coveragePercent(0.999), 99);
  assert.equal(coveragePercent(0.29), 29, 'no floating point surprise');
  assert.equal(coveragePercent(1.2), 100);
  assert.equal(coveragePercent(-1), 0);
  assert.equal(coveragePercent(null), 0);
});

test('new arrivals: newest published first, drafts and unpublished left out', () => {
  const courses = [
    { id: 1, status: 'published', published_at: '2026-04-01T00:00:00Z' },
    { id: 2, status: 'published', published_at: null },
    { id: 3, status: 'draft', published_at: '2026-04-05T00:00:00Z' },
    { id: 4, status: 'published', published_at: '2026-04-03T09:00:00+09:00' },
    { id: 5, status: 'published', published_at: '2026-04-02T00:00:00Z' },
  ];
  assert.deepEqual(newArrivals(courses, 2).map((c) => c.id), [4, 5]);
  assert.deepEqual(newArrivals(courses, 10).map((c) => c.id), [4, 5, 1]);
  assert.equal(publishedText('2026-03-31T15:00:00Z'), '2026年4月1日公開');
  assert.equal(publishedText(null), '');
});

test('times in Japan and pages of a list', () => {
  assert.equal(jstDateTime('2026-04-01T00:05:00Z'), '2026/04/01 09:05');
  assert.equal(jstDateTime('2026-03-31T23:30:00+09:00'), '2026/03/31 23:30');
  assert.equal(jstDateTime('not a time'), '');
  assert.equal(pageRange(45, 2, 20), '全 45 件中 21〜40 件');
  assert.equal(pageRange(45, 3, 20), '全 45 件中 41〜45 件');
  assert.equal(pageRange(0, 1, 20), '');
  assert.equal(pageCount(45, 20), 3);
  assert.equal(pageCount(0, 20), 1);
  assert.equal(pageCount(40, 20), 2);
});
