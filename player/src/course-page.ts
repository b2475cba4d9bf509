/**
 * A course's page: its lessons with the learner's progress, and above them
 * the lesson player once one is chosen (one player at a time; stopped when
 * the page changes or the user logs out).
 */
import { api, type CourseDetail, type Lesson } from './api';
import { resumeFrom, resumeMessage } from './controls';
import { h, refocus } from './dom';
import { formatDuration } from './format';
import { announce, errorMessage, heading, show } from './frame';
import type { PageContext } from './learn-pages';
import { coveragePercent } from './learning';
import { contentLang } from './i18n';
import { t } from './messages';
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
 * 続きから見る or the history) that lesson is marked and opened in the
 * player where it was left, as if pressed; it plays at once only when the
 * learner has already used the page (the link's press), so opening an
 * address alone never starts sound.
 */
export async function coursePage(ctx: CourseContext, courseId: string, lessonId?: string): Promise<void> {
  const course: CourseDetail = await api.course(courseId);
  if (!ctx.isCurrent()) return;
  const lessons = [...course.lessons].sort((a, b) => a.position - b.position);
  const stage = h('section', { class: 'stage', 'aria-labelledby': 'stage-heading', hidden: true });
  const buttons: HTMLButtonElement[] = [];
  let offered: { lesson: Lesson; btn: HTMLButtonElement } | null = null;
  // After a lesson ends or another is chosen, its progress has changed.
  const refresh = (): void => void refreshProgress(ctx, courseId, buttons);
  const list = h(
    'ol',
    { class: 'lesson-list' },
    ...lessons.map((lesson) => {
      const btn = lessonButton(lesson);
      btn.addEventListener('click', () => void playLesson(ctx, lesson, btn, buttons, stage, refresh, true));
      buttons.push(btn);
      if (lessonId !== undefined && String(lesson.id) === lessonId && !btn.disabled) offered = { lesson, btn };
      return h('li', {}, btn);
    }),
  );
  const domain = course.category_id ?? null;
  const title = heading(course.title);
  const lang = contentLang();
  if (lang) title.lang = lang;
  show(
    course.title,
    h(
      'nav',
      { class: 'breadcrumb', 'aria-label': t('breadcrumb') },
      h('a', { href: '#/' }, t('nav.home')),
      domain !== null ? ' › ' : null,
      domain !== null
        ? h('a', { href: domainHref(domain), lang: course.category_name ? lang : null }, course.category_name ?? t('domain.fallback'))
        : null,
    ),
    title,
    h(
      'p',
      { class: 'meta' },
      course.category_name ? h('span', { lang }, course.category_name) : '',
      course.status === 'draft' ? h('span', { class: 'badge' }, t('course.draft')) : null,
    ),
    course.description ? h('p', { class: 'description', lang }, course.description) : h('span'),
    stage,
    h(
      'section',
      { class: 'lessons', 'aria-labelledby': 'lessons-heading' },
      h('h2', { id: 'lessons-heading' }, t('lessons.title')),
      lessons.length ? list : h('p', {}, t('lessons.none')),
    ),
  );
  const target = offered as { lesson: Lesson; btn: HTMLButtonElement } | null;
  if (target) {
    target.btn.classList.add('is-offered');
    // Sticky activation: the learner pressed something on this page (the link).
    const used = navigator.userActivation?.hasBeenActive ?? false;
    await playLesson(ctx, target.lesson, target.btn, buttons, stage, refresh, used);
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
    h('span', { class: 'lesson-title', lang: contentLang() }, lesson.title),
    dur ? h('span', { class: 'lesson-duration' }, t('lesson.duration', { time: dur })) : null,
    ready ? null : h('span', { class: 'lesson-duration' }, t('lesson.preparing')),
    ready ? progressPart(lesson) : null,
  );
}

/** The learner's progress in a lesson: 修了, 視聴率, where it resumes; or 未視聴. */
function progressPart(lesson: Lesson): HTMLSpanElement {
  const p = lesson.progress ?? null;
  const resume = p && !p.completed ? resumeFrom(p.position_s) : '';
  return h(
    'span',
    { class: `lesson-progress${p?.completed ? ' is-done' : ''}` },
    p?.completed ? h('span', { class: 'badge badge-done' }, t('completed')) : null,
    p ? t('coverage', { n: coveragePercent(p.coverage) }) : t('lesson.unwatched'),
    resume,
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

/**
 * Opens `lesson` in the player (where it was left) and moves the focus
 * there, unless the learner has moved it meanwhile; it starts playing when
 * `play` (pressed by the learner) and the browser allows.
 */
async function playLesson(
  ctx: CourseContext,
  lesson: Lesson,
  btn: HTMLButtonElement,
  buttons: HTMLButtonElement[],
  stage: HTMLElement,
  progressed: () => void,
  play: boolean,
): Promise<void> {
  if (lesson.video_id === null || lesson.video_id === undefined) return;
  if (player) void stopPlayer().then(progressed);
  for (const b of buttons) b.removeAttribute('aria-current');
  btn.setAttribute('aria-current', 'true');
  // Where the focus was: the lesson's button, or the heading of a page just shown.
  const from = document.activeElement instanceof HTMLElement ? document.activeElement : btn;
  announce(t('lesson.loading', { title: lesson.title }));
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
  // A refused heartbeat ended playback: a lost login goes back to the login form.
  const p = new LessonPlayer(lesson.title, announce, (err) => ctx.handleAuthError(err));
  player = p;
  stage.replaceChildren(
    h('h2', { id: 'stage-heading' }, t('lesson.playing')),
    h('p', { class: 'now-playing', lang: contentLang() }, lesson.title),
    p.element,
  );
  stage.hidden = false;
  stage.scrollIntoView({ block: 'nearest' });
  // The keyboard goes on from the player (its shortcuts work on the video),
  // not from a button now scrolled out of view.
  refocus(p.video, btn, from === document.body ? btn : from);
  // Its end is recorded by the last heartbeat: then the lesson shows 修了.
  p.video.addEventListener('ended', () => void p.sent().then(progressed));
  const at = p.start(grant, lesson.duration_s, prefs, play);
  const what = at > 0 ? resumeMessage(at) : t('lesson.play');
  announce(t('lesson.start', { title: lesson.title, what: play ? what : `${what}${t('player.pressPlay')}` }));
}
