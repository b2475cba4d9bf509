// Hash routes, durations, resume and grouping (src/route.ts, src/format.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRoute, courseHref, domainHref, searchHref, historyHref } from '../dist-test/route.js';
import { formatDuration, startPosition, groupCourses, waitText, refusalText } from '../dist-test/format.js';
import { setLang } from '../dist-test/i18n.js';

test('parseRoute', () => {
  assert.deepEqual(parseRoute(''), { name: 'home' });
  assert.deepEqual(parseRoute('#/'), { name: 'home' });
  assert.deepEqual(parseRoute('#/?x=1'), { name: 'home' });
  assert.deepEqual(parseRoute('#/login'), { name: 'login' });
  assert.deepEqual(parseRoute('#/password'), { name: 'password' });
  assert.deepEqual(parseRoute('#/courses/42'), { name: 'course', id: '42' });
  assert.deepEqual(parseRoute('#/courses/a%2Fb/'), { name: 'course', id: 'a/b' });
  assert.deepEqual(parseRoute('#/courses/%E0%A4'), { name: 'notFound' });
  assert.deepEqual(parseRoute('#/admin/notices'), { name: 'adminNotices' });
  assert.deepEqual(parseRoute('#/admin/notices/'), { name: 'adminNotices' });
  assert.deepEqual(parseRoute('#/admin/notices?edit=1'), { name: 'adminNotices' });
  assert.deepEqual(parseRoute('#/admin/notice'), { name: 'notFound' });
  assert.deepEqual(parseRoute('#/admin/groups'), { name: 'adminGroups' });
  assert.deepEqual(parseRoute('#/admin/groups/'), { name: 'adminGroups' });
  assert.deepEqual(parseRoute('#/admin/groups?open=3'), { name: 'adminGroups' });
  assert.deepEqual(parseRoute('#/admin/trash'), { name: 'adminTrash' });
  assert.deepEqual(parseRoute('#/admin/trash/'), { name: 'adminTrash' });
  assert.deepEqual(parseRoute('#/admin/audit'), { name: 'adminAudit' });
  assert.deepEqual(parseRoute('#/admin/audit?page=2'), { name: 'adminAudit' });
  assert.deepEqual(parseRoute('#/admin/exports'), { name: 'adminExports' });
  assert.deepEqual(parseRoute('#/admin/exports/'), { name: 'adminExports' });
  assert.deepEqual(parseRoute('#/admin/assignments'), { name: 'adminAssignments' });
  assert.deepEqual(parseRoute('#/admin/export'), { name: 'notFound' });
  assert.deepEqual(parseRoute('#/admin/groups/3'), { name: 'notFound' });
  assert.deepEqual(parseRoute('#/admin/constructor'), { name: 'notFound' });
  assert.deepEqual(parseRoute('#/nope'), { name: 'notFound' });
  assert.deepEqual(parseRoute('#main'), { name: 'notFound' });
  assert.equal(courseHref('a/b'), '#/courses/a%2Fb');
});

test('learner routes: domains, search, history, a course with a lesson offered', () => {
  assert.deepEqual(parseRoute('#/domains/law-policy'), { name: 'domain', slug: 'law-policy' });
  assert.deepEqual(parseRoute('#/domains/3/'), { name: 'domain', slug: '3' });
  assert.deepEqual(parseRoute('#/domains/%E0%A4'), { name: 'notFound' });
  assert.deepEqual(parseRoute('#/domains'), { name: 'notFound' });
  assert.deepEqual(parseRoute('#/search?q=%E5%AE%89%E5%85%A8'), { name: 'search', q: '安全' });
  assert.deepEqual(parseRoute('#/search?q=+a+b+'), { name: 'search', q: 'a b' });
  assert.deepEqual(parseRoute('#/search'), { name: 'search', q: '' });
  assert.deepEqual(parseRoute('#/history'), { name: 'history', page: 1 });
  assert.deepEqual(parseRoute('#/history?page=3'), { name: 'history', page: 3 });
  for (const bad of ['0', '-1', '2.5', 'x', '']) {
    assert.deepEqual(parseRoute(`#/history?page=${bad}`), { name: 'history', page: 1 }, bad);
  }
  assert.deepEqual(parseRoute('#/courses/7?lesson=12'), { name: 'course', id: '7', lesson: '12' });
  assert.deepEqual(parseRoute('#/courses/7?lesson='), { name: 'course', id: '7' });
  // Addresses round-trip through the parser.
  assert.deepEqual(parseRoute(courseHref(7, 12)), { name: 'course', id: '7', lesson: '12' });
  assert.deepEqual(parseRoute(domainHref('current-topics')), { name: 'domain', slug: 'current-topics' });
  assert.deepEqual(parseRoute(searchHref(' 地方自治 & 法 ')), { name: 'search', q: '地方自治 & 法' });
  assert.deepEqual(parseRoute('#/editor'), { name: 'editorCourses' });
  assert.deepEqual(parseRoute('#/editor/'), { name: 'editorCourses' });
  assert.deepEqual(parseRoute('#/editor/new'), { name: 'editorNew' });
  assert.deepEqual(parseRoute('#/editor/courses/12'), { name: 'editorCourse', id: '12' });
  assert.deepEqual(parseRoute('#/editor/courses/'), { name: 'notFound' });
  assert.deepEqual(parseRoute('#/editor/videos'), { name: 'notFound' });
  assert.equal(historyHref(), '#/history');
  assert.equal(historyHref(1), '#/history');
  assert.deepEqual(parseRoute(historyHref(4)), { name: 'history', page: 4 });
  assert.equal(historyHref(1, 'completed'), '#/history?status=completed');
  assert.deepEqual(parseRoute(historyHref(2, 'in_progress')), { name: 'history', page: 2, status: 'in_progress' });
  assert.deepEqual(parseRoute('#/history?status=bogus'), { name: 'history', page: 1 });
});

test('formatDuration in Japanese', () => {
  assert.equal(formatDuration(0), '0秒');
  assert.equal(formatDuration(59.6), '1分0秒');
  assert.equal(formatDuration(75), '1分15秒');
  assert.equal(formatDuration(3725), '1時間2分');
  assert.equal(formatDuration(null), '');
  assert.equal(formatDuration(-1), '');
});

test('waitText: a Retry-After in minutes (rounded up) or hours', () => {
  assert.equal(waitText(3508), '約59分');
  assert.equal(waitText(30), '約1分');
  assert.equal(waitText(0), '約1分');
  assert.equal(waitText(600), '約10分');
  assert.equal(waitText(3600), '約1時間');
  assert.equal(waitText(5400), '約1時間30分');
  assert.equal(waitText(7200), '約2時間');
});

test('refusalText: the Japanese part of the server message, and how long to wait after too many attempts', () => {
  const limited = '試行回数が多すぎます。しばらく待ってから再度お試しください (too many attempts; retry in 3508 s)';
  assert.equal(refusalText('rate_limited', limited, 3508), '試行回数が多すぎます。約59分後にもう一度お試しください。');
  assert.equal(refusalText('rate_limited', limited), '試行回数が多すぎます。しばらく待ってから再度お試しください');
  assert.equal(refusalText('bad_request', '現在のパスワードが正しくありません (the current password is wrong)'), '現在のパスワードが正しくありません');
  assert.equal(refusalText('not_found', '見つかりません (not found)'), '見つかりません');
  setLang('en');
  try {
    assert.equal(refusalText('rate_limited', limited, 3508), 'Too many attempts. Please try again in about 59 min.');
    assert.equal(refusalText('not_found', '見つかりません (not found)'), 'Not found.');
  } finally {
    setLang('ja');
  }
});

test('startPosition resumes unless finished or unknown', () => {
  assert.equal(startPosition(42.5, 600), 42.5);
  assert.equal(startPosition(0, 600), 0);
  assert.equal(startPosition(null, 600), 0);
  assert.equal(startPosition(597, 600), 0, 'within the last 5 s starts over');
  assert.equal(startPosition(120, null), 120);
});

test('groupCourses follows the categories order and skips empty ones', () => {
  const cats = [
    { id: 1, name: '情報セキュリティ' },
    { id: 2, name: '個人情報保護' },
    { id: 3, name: '接遇' },
  ];
  const courses = [
    { id: 10, title: 'A', category_id: 3, category_name: '接遇' },
    { id: 11, title: 'B', category_id: 1, category_name: '情報セキュリティ' },
    { id: 12, title: 'C', category_id: 9, category_name: '防災' },
    { id: 13, title: 'D', category_id: null, category_name: null },
    { id: 14, title: 'E', category_id: 3, category_name: '接遇' },
  ];
  const groups = groupCourses(cats, courses);
  assert.deepEqual(
    groups.map((g) => [g.name, g.courses.map((c) => c.id)]),
    [
      ['情報セキュリティ', [11]],
      ['接遇', [10, 14]],
      ['防災', [12]],
      ['その他', [13]],
    ],
  );
});
