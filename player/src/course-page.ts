/**
 * A course's page: its lessons with the learner's progress, and above them
 * the lesson player once one is chosen (one player at a time; stopped when
 * the page changes or the user logs out).
 */
import { api, type CourseDetail, type Lesson } from './api';
import { resumeMessage } from './controls';
import { h } from './dom';
import { formatDuration } from './format';
import { announce, errorMessage, heading, show } from './frame';
import type { PageContext } from './learn-pages';
import { coveragePercent } from './learning';
import { LessonPlayer } from './player';
import { loadPreferences } from './preferences';
import { domainHref } from './route';

/** What the course page needs of the router. */
export interface CourseContext extends PageContext {
  /** Handles a lost login or a forced password change; true when it did. */
  handleAuthError(err: unknown): boolean;
}

let player: LessonPlayer | null = null;

/** Stops the lesson playing, if any (its last heartbeat sent); resolves when answered. */
export function stopPlayer(): Promise<void> {
  const p = player;
  player = null;
  return p ? p.stop() : Promise.resolve();
}

/**
 * A course: its lessons, each with the learner's progress (視聴率, 修了),
 * and the player above them once a lesson is chosen. With `lessonId` (from
 * 続きから見る or the history) that lesson is marked and focused, ready to
 * resume with one press: playback only ever starts from the learner.
 */
export async function coursePage(ctx: CourseContext, courseId: string, lessonId?: string): Promise<void> {
  const course: CourseDetail = await api.course(courseId);
  if (!ctx.isCurrent()) return;
  const lessons = [...course.lessons].sort((a, b) => a.position - b.position);
  const stage = h('section', { class: 'stage', 'aria-labelledby': 'stage-heading', hidden: true });
  const buttons: HTMLButtonElement[] = [];
  let offered: HTMLButtonElement | null = null;
  // After a lesson ends or another is chosen, its progress has changed.
  const refresh = (): void => void refreshProgress(ctx, courseId, buttons);
  const list = h(
    'ol',
    { class: 'lesson-list' },
    ...lessons.map((lesson) => {
      const btn = lessonButton(lesson);
      btn.addEventListener('click', () => void playLesson(ctx, lesson, btn, buttons, stage, refresh));
      buttons.push(btn);
      if (lessonId !== undefined && String(lesson.id) === lessonId && !btn.disabled) offered = btn;
      return h('li', {}, btn);
    }),
  );
  const domain = course.category_id ?? null;
  show(
    course.title,
    h(
      'nav',
      { class: 'breadcrumb', 'aria-label': 'パンくずリスト' },
      h('a', { href: '#/' }, 'ホーム'),
      domain !== null ? ' › ' : null,
      domain !== null ? h('a', { href: domainHref(domain) }, course.category_name ?? '分野') : null,
    ),
    heading(course.title),
    h(
      'p',
      { class: 'meta' },
      course.category_name ?? '',
      course.status === 'draft' ? h('span', { class: 'badge' }, '下書き') : null,
    ),
    course.description ? h('p', { class: 'description' }, course.description) : h('span'),
    stage,
    h(
      'section',
      { class: 'lessons', 'aria-labelledby': 'lessons-heading' },
      h('h2', { id: 'lessons-heading' }, 'レッスン一覧'),
      lessons.length ? list : h('p', {}, 'この講座にはまだレッスンがありません。'),
    ),
  );
  const target = offered as HTMLButtonElement | null;
  if (target) {
    target.classList.add('is-offered');
    target.focus();
    target.scrollIntoView({ block: 'center' });
  }
}

/**
 * A lesson's button: title, length, and the learner's progress (or 準備中
 * while its video is not ready). Everything is inside the button, so it is
 * read as the button's name.
 */
function lessonButton(lesson: Lesson): HTMLButtonElement {
  const ready = lesson.video_id !== null && lesson.video_id !== undefined;
  const dur = formatDuration(lesson.duration_s);
  return h(
    'button',
    { type: 'button', class: 'lesson', 'data-lesson-id': String(lesson.id), disabled: !ready },
    h('span', { class: 'lesson-title' }, lesson.title),
    dur ? h('span', { class: 'lesson-duration' }, `（${dur}）`) : null,
    ready ? null : h('span', { class: 'lesson-duration' }, '（準備中）'),
    ready ? progressPart(lesson) : null,
  );
}

/** The learner's progress in a lesson: 修了, 視聴率, where it resumes; or 未視聴. */
function progressPart(lesson: Lesson): HTMLSpanElement {
  const p = lesson.progress ?? null;
  // Under a second rounds to 「0秒」: nothing worth resuming.
  const resume = p && !p.completed && p.position_s >= 1 ? formatDuration(p.position_s) : '';
  return h(
    'span',
    { class: `lesson-progress${p?.completed ? ' is-done' : ''}` },
    p?.completed ? h('span', { class: 'badge badge-done' }, '修了') : null,
    p ? `視聴率 ${coveragePercent(p.coverage)}%` : '未視聴',
    resume ? `・${resume}から再開` : '',
  );
}

/** Asks for the course again and puts each lesson's new progress in its button. */
async function refreshProgress(ctx: CourseContext, courseId: string, buttons: HTMLButtonElement[]): Promise<void> {
  let course: CourseDetail;
  try {
    course = await api.course(courseId);
  } catch {
    return; // Kept as it was; a lost login shows on the next request anyway.
  }
  if (!ctx.isCurrent()) return;
  for (const lesson of course.lessons) {
    const old = buttons.find((b) => b.dataset.lessonId === String(lesson.id))?.querySelector('.lesson-progress');
    old?.replaceWith(progressPart(lesson));
  }
}

async function playLesson(
  ctx: CourseContext,
  lesson: Lesson,
  btn: HTMLButtonElement,
  buttons: HTMLButtonElement[],
  stage: HTMLElement,
  progressed: () => void,
): Promise<void> {
  if (lesson.video_id === null || lesson.video_id === undefined) return;
  if (player) void stopPlayer().then(progressed);
  for (const b of buttons) b.removeAttribute('aria-current');
  btn.setAttribute('aria-current', 'true');
  announce(`「${lesson.title}」を読み込んでいます…`);
  // The learner's speed and captions, asked for alongside the grant (never fails).
  const prefsLoaded = loadPreferences();
  let grant;
  try {
    grant = await api.play(lesson.video_id);
  } catch (err) {
    if (!ctx.handleAuthError(err)) announce(errorMessage(err));
    return;
  }
  const prefs = await prefsLoaded;
  if (!ctx.isCurrent() || btn.getAttribute('aria-current') !== 'true') return;
  const p = new LessonPlayer(lesson.title, announce);
  player = p;
  stage.replaceChildren(
    h('h2', { id: 'stage-heading' }, '再生中のレッスン'),
    h('p', { class: 'now-playing' }, lesson.title),
    p.element,
  );
  stage.hidden = false;
  stage.scrollIntoView({ block: 'nearest' });
  // Its end is recorded by the last heartbeat: then the lesson shows 修了.
  p.element.querySelector('video')?.addEventListener('ended', () => void p.sent().then(progressed));
  const from = p.start(grant, lesson.duration_s, prefs);
  announce(`「${lesson.title}」を${from > 0 ? resumeMessage(from) : '再生します。'}`);
}
