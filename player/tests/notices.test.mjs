// Notices: the banner's words, order and refresh, and the admin form's
// times, templates and request (src/notices.ts).
import { test } from 'node:test';
import { MESSAGES as ADMIN } from '../dist-test/admin/messages.js';
import assert from 'node:assert/strict';
import {
  jstInputToRfc3339,
  jstRfc3339,
  kindLabel,
  noticeDraft,
  noticeState,
  orderNotices,
  REFRESH_MS,
  rfc3339ToJstInput,
  shouldFetch,
  stateLabel,
  TEMPLATES,
  templateText,
  windowText,
} from '../dist-test/notices.js';

const NOW = Date.parse('2026-04-01T00:30:00Z'); // 2026-04-01 09:30 in Japan

const notice = (over = {}) => ({
  id: 1,
  kind: 'incident',
  title: 't',
  body: '',
  starts_at: '2026-04-01T00:00:00Z',
  ends_at: null,
  urgent: false,
  starts_at_local: '2026-04-01 09:00',
  ends_at_local: null,
  active: true,
  updated_at: '2026-04-01T00:00:00Z',
  ...over,
});

test('kind labels in Japanese', () => {
  assert.equal(kindLabel('incident'), '障害');
  assert.equal(kindLabel('maintenance'), 'メンテナンス');
  assert.equal(kindLabel('other'), 'other');
});

test('the window in Japan time, from the local strings', () => {
  assert.equal(windowText('2026-04-01 09:00', '2026-04-01 10:00'), '2026-04-01 09:00 〜 10:00');
  assert.equal(
    windowText('2026-04-01 22:00', '2026-04-02 01:00'),
    '2026-04-01 22:00 〜 2026-04-02 01:00',
  );
  assert.equal(windowText('2026-04-01 09:00', null), '2026-04-01 09:00 〜 復旧まで');
  assert.equal(windowText('2026-04-01 09:00', undefined), '2026-04-01 09:00 〜 復旧まで');
});

test('states: 発生中 / 実施中 now, 予定 to come, 終了 over', () => {
  assert.equal(stateLabel(notice(), NOW), '発生中');
  assert.equal(stateLabel(notice(), NOW, true), '実施中', 'the admin list says 実施中 for both');
  assert.equal(stateLabel(notice({ kind: 'maintenance' }), NOW), '実施中');
  const later = notice({ kind: 'maintenance', active: false, starts_at: '2026-04-09T00:00:00Z', ends_at: '2026-04-09T01:00:00Z' });
  assert.equal(noticeState(later, NOW), 'upcoming');
  assert.equal(stateLabel(later, NOW), '予定');
  const over = notice({ active: false, ends_at: '2026-04-01T00:20:00Z' });
  assert.equal(noticeState(over, NOW), 'ended');
  assert.equal(stateLabel(over, NOW, true), '終了');
});

test('urgent first, then incidents, then what applies now; else the server order', () => {
  const list = [
    notice({ id: 1, kind: 'maintenance', active: false }),
    notice({ id: 2, kind: 'maintenance' }),
    notice({ id: 3, kind: 'incident', active: false }),
    notice({ id: 4, kind: 'incident' }),
    notice({ id: 5, kind: 'maintenance', urgent: true }),
    notice({ id: 6, kind: 'incident' }),
  ];
  assert.deepEqual(orderNotices(list).map((n) => n.id), [5, 4, 6, 3, 2, 1]);
  assert.equal(list[0].id, 1, 'the input is not sorted in place');
});

test('the banner asks at most once a minute unless forced', () => {
  assert.equal(shouldFetch(0, NOW, false), true, 'never asked');
  assert.equal(shouldFetch(NOW - 1000, NOW, false), false);
  assert.equal(shouldFetch(NOW - 1000, NOW, true), true, 'forced: a login, a maintenance refusal');
  assert.equal(shouldFetch(NOW - REFRESH_MS, NOW, false), true);
  assert.equal(shouldFetch(NOW + 5000, NOW, false), true, 'the clock went back');
});

test('datetime-local values are Japan time, sent as RFC 3339 with +09:00', () => {
  assert.equal(jstInputToRfc3339('2026-04-01T09:00'), '2026-04-01T09:00:00+09:00');
  assert.equal(jstInputToRfc3339('2026-04-01T09:00:30'), '2026-04-01T09:00:30+09:00');
  assert.equal(jstInputToRfc3339(''), null);
  assert.equal(jstInputToRfc3339('2026-02-30T09:00'), null, 'no such day');
  assert.equal(jstInputToRfc3339('tomorrow'), null);
  assert.equal(rfc3339ToJstInput('2026-03-31T15:05:42.123Z'), '2026-04-01T00:05');
  assert.equal(rfc3339ToJstInput('2026-04-01T09:05:00+09:00'), '2026-04-01T09:05');
  assert.equal(rfc3339ToJstInput(null), '');
  assert.equal(jstRfc3339(Date.parse('2026-03-31T15:05:42.007Z')), '2026-04-01T00:05:42.007+09:00');
  assert.equal(Date.parse(jstRfc3339(NOW)), NOW);
});

test('templates of docs/notices.md, times filled in', () => {
  assert.deepEqual(TEMPLATES.map((t) => t.label), ['障害のひな形', '復旧報告のひな形', 'メンテナンスのひな形']);
  assert.equal(
    templateText('incident', { nowMs: NOW }),
    '影響: …\n発生: 4月1日 9時30分から\n復旧見込み: …\n経過: …',
  );
  assert.equal(
    templateText('incident', { nowMs: NOW, start: '2026-04-01T08:05' }),
    '影響: …\n発生: 4月1日 8時5分から\n復旧見込み: …\n経過: …',
  );
  assert.equal(
    templateText('recovery', { nowMs: NOW }),
    '復旧報告: 9時30分に復旧しました。\n原因: …\n再発防止: …',
  );
  assert.equal(
    templateText('maintenance', { nowMs: NOW }),
    '日時: 〇月〇日 〇時〜〇時\n停止するもの: 利用者の登録・変更、CSV取り込み、動画の登録\n視聴: 続けられます',
  );
  assert.match(
    templateText('maintenance', { nowMs: NOW, start: '2026-04-10T18:00', end: '2026-04-10T20:30' }),
    /^日時: 4月10日 18時〜20時30分\n/,
  );
  assert.match(
    templateText('maintenance', { nowMs: NOW, start: '2026-04-10T22:00', end: '2026-04-11T02:00' }),
    /^日時: 4月10日 22時〜4月11日 2時\n/,
  );
});

const form = (over = {}) => ({
  kind: 'incident',
  title: ' 動画が再生できません ',
  body: '影響: 動画\n',
  start: '',
  end: '',
  urgent: false,
  ...over,
});

test('a new notice: checked, times sent as set', () => {
  assert.deepEqual(noticeDraft(form()), {
    ok: true,
    draft: { kind: 'incident', title: '動画が再生できません', body: '影響: 動画', urgent: false },
  });
  assert.deepEqual(
    noticeDraft(form({ kind: 'maintenance', start: '2026-04-10T18:00', end: '2026-04-10T20:00', urgent: true })).draft,
    {
      kind: 'maintenance',
      title: '動画が再生できません',
      body: '影響: 動画',
      urgent: true,
      starts_at: '2026-04-10T18:00:00+09:00',
      ends_at: '2026-04-10T20:00:00+09:00',
    },
  );
  const refused = (over) => {
    const r = noticeDraft(form(over));
    assert.equal(r.ok, false);
    return [r.field, r.problem];
  };
  assert.deepEqual(refused({ title: '  ' }), ['title', 'title']);
  assert.deepEqual(refused({ title: 'あ'.repeat(201) }), ['title', 'titleLong']);
  assert.deepEqual(refused({ kind: 'maintenance' }), ['start', 'maintStart']);
  assert.deepEqual(refused({ kind: 'maintenance', start: '2026-04-10T18:00' }), [
    'end',
    'maintEnd',
  ]);
  assert.deepEqual(refused({ start: '2026-04-10T18:00', end: '2026-04-10T18:00' }), [
    'end',
    'order',
  ]);
  assert.deepEqual(refused({ start: '2026-02-30T18:00' }), ['start', 'startForm']);
  // Each problem the form can have is said in both languages.
  for (const problem of ['title', 'titleLong', 'bodyLong', 'startForm', 'endForm', 'maintStart', 'start', 'maintEnd', 'order']) {
    const words = ADMIN[`a.notices.p.${problem}`];
    assert.ok(words?.ja && words?.en, problem);
  }
});

test('a change sends only the times changed, "" to clear an end', () => {
  const initial = { start: '2026-04-01T09:00', end: '' };
  const same = noticeDraft(form({ start: '2026-04-01T09:00', initial }));
  assert.equal(same.ok, true);
  assert.equal('starts_at' in same.draft, false, 'an unchanged start is not sent');
  assert.equal('ends_at' in same.draft, false);
  const ended = noticeDraft(form({ start: '2026-04-01T09:00', end: '2026-04-01T11:00', initial }));
  assert.equal(ended.draft.ends_at, '2026-04-01T11:00:00+09:00');
  const cleared = noticeDraft(form({ start: '2026-04-01T09:00', initial: { ...initial, end: '2026-04-01T11:00' } }));
  assert.equal(cleared.draft.ends_at, '', 'cleared: until recovery');
  const moved = noticeDraft(form({ start: '2026-04-01T08:00', initial }));
  assert.equal(moved.draft.starts_at, '2026-04-01T08:00:00+09:00');
  assert.equal(noticeDraft(form({ initial })).ok, false, 'a change keeps a start');
});
