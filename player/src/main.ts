/**
 * The frame of the learner pages: login, the password change, the router,
 * the session (and its idle warning), the on-demand admin and editor bundles.
 * The pages themselves: learn-pages.ts (home, domains, search, history),
 * course-page.ts (a course and its player).
 * Plain DOM and a router on `location.hash`; the words in Japanese, or in
 * English after the header's switch (messages.ts, lang-switch.ts). The
 * administration pages (admin, manager) live in a separate bundle,
 * dist/admin.js, loaded on demand by {@link loadAdmin}.
 */
import {
  api,
  ApiError,
  getCsrf,
  onMaintenance,
  setCsrf,
  type User,
} from './api';
import type { AdminHost, AdminPages } from './admin/host';
import { canEdit, canManage } from './admin/roles';
import type { EditorHost } from './editor/host';
import { h, type Child } from './dom';
import { $, announce, clearStaleStatus, errorMessage, heading, show } from './frame';
import { clearNotices, refreshNotices, showNoticesFor } from './notices-banner';
import { IdleWarning } from './idle-warning';
import { coursePage, stopPlayer } from './course-page';
import { mountTextSize } from './text-size-control';
import { parseRoute, type Route } from './route';
import { domainPage, historyPage, homePage, searchPage, type PageContext } from './learn-pages';
import { contentLang } from './i18n';
import { mountLangSwitch } from './lang-switch';
import { langChosen, syncLang } from './lang-sync';
import type { Lang } from './i18n';
import { t } from './messages';

const NEXT_KEY = 'manabi.next';

let user: User | null = null;
/** The idle-timeout warning of the current login. */
const idle = new IdleWarning({
  expired: () => loginEnded(),
  logout: () => void logout(),
  announce,
});
/** Increases on every render, so a slow page load never paints over a newer one. */
let renderId = 0;

function setUser(u: User | null): void {
  if (!u || u.id !== user?.id) clearNotices();
  user = u;
  showNoticesFor(!!u && !u.must_change_password);
  $('nav').hidden = !u;
  const name = $('user-name');
  name.textContent = u ? t('nav.user', { name: u.name || u.email }) : '';
  const lang = contentLang();
  if (lang && u?.name) name.lang = lang;
  else name.removeAttribute('lang');
  const manager = canManage(u?.role);
  $('nav-editor').hidden = !canEdit(u?.role);
  $('nav-admin-users').hidden = !manager;
  $('nav-admin-import').hidden = !manager;
  $('nav-admin-reports').hidden = !manager;
  $('nav-admin-groups').hidden = !manager;
  $('nav-admin-assignments').hidden = !manager;
  for (const page of ADMIN_ONLY) $(`nav-admin-${page}`).hidden = u?.role !== 'admin';
}

/** Marks the menu link of the page shown with `aria-current="page"`. */
function markNav(): void {
  const path = location.hash.replace(/\?.*$/, '') || '#/';
  for (const a of $('nav').querySelectorAll('a')) {
    if (a.getAttribute('href') === path) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}


function go(hash: string): void {
  if (location.hash === hash) void render();
  else location.hash = hash;
}

/**
 * A 401 from the API: the login is gone; back to the login form. A 403
 * `password_change_required`: a one-time password; to the password change.
 */
function handleAuthError(err: unknown): boolean {
  if (err instanceof ApiError && err.code === 'password_change_required' && user) {
    user.must_change_password = true;
    showNoticesFor(false);
    go('#/password');
    return true;
  }
  if (err instanceof ApiError && err.status === 401) {
    loginEnded();
    return true;
  }
  return false;
}

/** The login has ended (a 401, or the idle timeout ran out): to the login form, said why. */
function loginEnded(): void {
  idle.stop();
  void stopPlayer();
  setCsrf(null);
  setUser(null);
  rememberNext();
  go('#/login');
  announce(t('login.expired'));
}

function rememberNext(): void {
  const hash = location.hash;
  if (hash && hash !== '#/login') {
    try {
      sessionStorage.setItem(NEXT_KEY, hash);
    } catch {
      /* ignore */
    }
  }
}

function takeNext(): string {
  try {
    const next = sessionStorage.getItem(NEXT_KEY);
    sessionStorage.removeItem(NEXT_KEY);
    if (next && next.startsWith('#/') && next !== '#/login') return next;
  } catch {
    /* ignore */
  }
  return '#/';
}

// ---- pages ---------------------------------------------------------------

function loginPage(): void {
  const email = h('input', {
    id: 'login-email',
    name: 'email',
    type: 'email',
    autocomplete: 'username',
    required: true,
    inputmode: 'email',
    'aria-describedby': 'login-error',
  });
  const password = h('input', {
    id: 'login-password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    'aria-describedby': 'login-error',
  });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('login.submit'));
  const error = h('p', { class: 'form-error', id: 'login-error', role: 'alert' });
  const form = h(
    'form',
    { class: 'login-form', 'aria-labelledby': 'login-heading' },
    h('div', { class: 'field' }, h('label', { for: 'login-email' }, t('login.email')), email),
    h('div', { class: 'field' }, h('label', { for: 'login-password' }, t('login.password')), password),
    error,
    submit,
  );
  /** No typing over the password while it is checked (4–5 s, by design). */
  const busy = (on: boolean): void => {
    for (const control of [email, password, submit]) control.disabled = on;
    if (on) form.setAttribute('aria-busy', 'true');
    else form.removeAttribute('aria-busy');
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    error.textContent = '';
    for (const input of [email, password]) input.removeAttribute('aria-invalid');
    busy(true);
    announce(t('login.busy'));
    api
      .login(email.value.trim(), password.value)
      .then((res) => {
        setCsrf(res.csrf_token);
        idle.start(res.idle_timeout_s);
        setUser(res.user);
        announce(t('login.done'));
        go(takeNext());
        void syncLang(applyLang);
      })
      .catch((err: unknown) => {
        busy(false);
        // The error is said by the form's alert; 「ログインしています…」 goes.
        announce('');
        const wrong = err instanceof ApiError && err.status === 401;
        error.textContent = wrong ? t('login.failed') : errorMessage(err);
        if (wrong) for (const input of [email, password]) input.setAttribute('aria-invalid', 'true');
        password.value = '';
        password.focus();
      })
      .finally(() => busy(false));
  });
  const h1 = heading(t('login.title'));
  h1.id = 'login-heading';
  show(t('login.title'), h1, h('p', {}, t('login.intro')), form);
}

/** A labelled password field with an optional hint read with it. */
function passwordField(id: string, label: string, autocomplete: string, hint?: string) {
  const input = h('input', {
    id,
    name: id,
    type: 'password',
    autocomplete,
    required: true,
    ...(hint ? { 'aria-describedby': `${id}-hint` } : {}),
  });
  const field = h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
    input,
  );
  return { input, field };
}

/**
 * The password change: forced after a login with a one-time password (an
 * invitation e-mail or the CSV from the personnel section), open to anyone
 * from the menu. Other sessions of the account end (server side).
 */
function passwordPage(): void {
  const forced = user?.must_change_password === true;
  const current = passwordField(
    'password-current',
    forced ? t('password.otp') : t('password.current'),
    'current-password',
  );
  const next = passwordField(
    'password-new',
    t('password.new'),
    'new-password',
    t('password.new.hint'),
  );
  const again = passwordField('password-again', t('password.again'), 'new-password');
  const error = h('p', { class: 'form-error', id: 'password-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('password.submit'));
  const form = h(
    'form',
    { class: 'login-form', 'aria-labelledby': 'password-heading', novalidate: true },
    current.field,
    next.field,
    again.field,
    error,
    submit,
  );
  const fail = (message: string, field: HTMLInputElement): void => {
    error.textContent = message;
    field.setAttribute('aria-invalid', 'true');
    field.focus();
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    error.textContent = '';
    for (const f of [current, next, again]) f.input.removeAttribute('aria-invalid');
    if (!current.input.value) return fail(t('password.err.current'), current.input);
    if ([...next.input.value].length < 12) {
      return fail(t('password.err.short'), next.input);
    }
    if (next.input.value !== again.input.value) {
      return fail(t('password.err.mismatch'), again.input);
    }
    submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    announce(t('password.busy'));
    api
      .changePassword(current.input.value, next.input.value)
      .then(() => {
        if (user) user.must_change_password = false;
        showNoticesFor(!!user);
        announce(t('password.done'));
        go(forced ? takeNext() : '#/');
      })
      .catch((err: unknown) => {
        if (handleAuthError(err)) return;
        // The error is said by the form's alert; 「パスワードを変更しています…」 goes.
        announce('');
        const wrongCurrent = err instanceof ApiError && /現在のパスワード/.test(err.message);
        fail(errorMessage(err), wrongCurrent ? current.input : next.input);
      })
      .finally(() => {
        submit.disabled = false;
        form.removeAttribute('aria-busy');
      });
  });
  const h1 = heading(t('password.title'));
  h1.id = 'password-heading';
  show(t('password.title'), h1, h('p', {}, forced ? t('password.intro.forced') : t('password.intro')), form);
}

// ---- administration (separate bundle) ------------------------------------

/** Bundles being loaded or loaded, by address. */
const bundles = new Map<string, Promise<unknown>>();

type AdminPage =
  | 'users'
  | 'import'
  | 'reports'
  | 'notices'
  | 'groups'
  | 'trash'
  | 'audit'
  | 'exports'
  | 'assignments'
  | 'settings';
/** Pages for admins only; the others are for admins and managers. */
const ADMIN_ONLY: readonly AdminPage[] = ['notices', 'trash', 'audit', 'exports', 'settings'];

/**
 * Loads a page bundle once (a `<script>` of `src`), which registers itself
 * on `window`; `registered` reads that registration.
 */
function loadBundle<T>(src: string, registered: () => T | undefined, what: string): Promise<T> {
  const ready = registered();
  if (ready) return Promise.resolve(ready);
  const pending = bundles.get(src) as Promise<T> | undefined;
  if (pending) return pending;
  const loading = new Promise<T>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.async = true;
    const failed = (): void => {
      bundles.delete(src);
      script.remove();
      reject(new ApiError(0, 'bundle', t('bundle.failed', { what })));
    };
    script.addEventListener('load', () => {
      const pages = registered();
      if (pages) resolve(pages);
      else failed();
    });
    script.addEventListener('error', failed);
    document.head.append(script);
  });
  bundles.set(src, loading);
  return loading;
}

/** dist/admin.js: the administration pages (admins, managers). */
const loadAdmin = (): Promise<AdminPages> =>
  loadBundle('/admin.js', () => window.manabiAdmin, t('bundle.admin'));

async function adminPage(id: number, which: AdminPage): Promise<void> {
  const adminOnly = ADMIN_ONLY.includes(which);
  if (!user || !(adminOnly ? user.role === 'admin' : canManage(user.role))) {
    show(
      t('refused.title'),
      heading(t('refused.heading')),
      h(
        'p',
        {},
        adminOnly ? t(which === 'notices' ? 'refused.notices' : 'refused.admin') : t('refused.manager'),
      ),
      h('p', {}, h('a', { href: '#/' }, t('back.home'))),
    );
    return;
  }
  const pages = await loadAdmin();
  if (id !== renderId) return;
  const host = pageHost(id, user);
  const page = {
    users: pages.usersPage,
    import: pages.importPage,
    reports: pages.reportsPage,
    notices: pages.noticesPage,
    groups: pages.groupsPage,
    trash: pages.trashPage,
    audit: pages.auditPage,
    exports: pages.exportsPage,
    assignments: pages.assignmentsPage,
    settings: pages.settingsPage,
  }[which];
  await page(host);
}

/** What the on-demand bundles' pages get from this one, for render `id`. */
function pageHost(id: number, me: User): AdminHost {
  return {
    api,
    ApiError,
    user: me,
    announce,
    show,
    heading,
    errorMessage,
    handleAuthError,
    isCurrent: () => id === renderId,
    refreshNotices: () => refreshNotices(true),
  };
}

// ---- course editor (separate bundle) -----------------------------------------

type EditorPage = { which: 'list' } | { which: 'new' } | { which: 'course'; id: string };

/** 講座の編集 (editors, admins): dist/editor.js, loaded on demand. */
async function editorPage(id: number, page: EditorPage): Promise<void> {
  if (!user || !canEdit(user.role)) {
    show(
      t('refused.title'),
      heading(t('refused.heading')),
      h('p', {}, t('refused.editor')),
      h('p', {}, h('a', { href: '#/' }, t('back.home'))),
    );
    return;
  }
  const pages = await loadBundle('/editor.js', () => window.manabiEditor, t('bundle.editor'));
  if (id !== renderId) return;
  const host: EditorHost = { ...pageHost(id, user), csrfToken: getCsrf, go };
  if (page.which === 'list') await pages.coursesPage(host);
  else if (page.which === 'new') await pages.newCoursePage(host);
  else await pages.editCoursePage(host, page.id);
}

function notFoundPage(): void {
  show(t('notfound'), heading(t('notfound')), h('p', {}, h('a', { href: '#/' }, t('back.home'))));
}

// ---- router --------------------------------------------------------------

async function render(): Promise<void> {
  const id = ++renderId;
  void stopPlayer();
  const route: Route = parseRoute(location.hash);
  $('view').removeAttribute('lang');
  clearStaleStatus();
  markNav();
  if (!user && route.name !== 'login') {
    rememberNext();
    go('#/login');
    return;
  }
  if (user && route.name === 'login') {
    go('#/');
    return;
  }
  if (user?.must_change_password && route.name !== 'password') {
    rememberNext();
    go('#/password');
    return;
  }
  refreshNotices();
  const pages: PageContext = { isCurrent: () => id === renderId, go };
  try {
    switch (route.name) {
      case 'login':
        loginPage();
        break;
      case 'password':
        passwordPage();
        break;
      case 'home':
        await homePage(pages);
        break;
      case 'domain':
        await domainPage(pages, route.slug);
        break;
      case 'search':
        await searchPage(pages, route.q);
        break;
      case 'history':
        await historyPage(pages, route.page, route.status);
        break;
      case 'course':
        await coursePage({ ...pages, handleAuthError }, route.id, route.lesson);
        break;
      case 'editorCourses':
        await editorPage(id, { which: 'list' });
        break;
      case 'editorNew':
        await editorPage(id, { which: 'new' });
        break;
      case 'editorCourse':
        await editorPage(id, { which: 'course', id: route.id });
        break;
      case 'adminUsers':
        await adminPage(id, 'users');
        break;
      case 'adminImport':
        await adminPage(id, 'import');
        break;
      case 'adminReports':
        await adminPage(id, 'reports');
        break;
      case 'adminNotices':
        await adminPage(id, 'notices');
        break;
      case 'adminGroups':
        await adminPage(id, 'groups');
        break;
      case 'adminTrash':
        await adminPage(id, 'trash');
        break;
      case 'adminAudit':
        await adminPage(id, 'audit');
        break;
      case 'adminExports':
        await adminPage(id, 'exports');
        break;
      case 'adminAssignments':
        await adminPage(id, 'assignments');
        break;
      case 'adminSettings':
        await adminPage(id, 'settings');
        break;
      default:
        notFoundPage();
    }
  } catch (err) {
    if (id !== renderId || handleAuthError(err)) return;
    show(
      t('error.title'),
      heading(t('error.page')),
      h('p', {}, errorMessage(err)),
      h('p', {}, h('a', { href: '#/' }, t('back.home'))),
    );
  }
}

async function logout(): Promise<void> {
  const btn = $<HTMLButtonElement>('logout');
  btn.disabled = true;
  // The last heartbeat needs the session, so it goes first (at most 3 s).
  await Promise.race([stopPlayer(), new Promise((r) => window.setTimeout(r, 3000))]);
  try {
    await api.logout();
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) {
      announce(errorMessage(err));
      btn.disabled = false;
      return;
    }
  }
  btn.disabled = false;
  idle.stop();
  setCsrf(null);
  setUser(null);
  go('#/login');
  announce(t('logout.done'));
}

/** Switches to the user's stored language (set by boot). */
let applyLang: (lang: Lang) => Promise<void> = async () => {};

async function boot(): Promise<void> {
  applyLang = mountLangSwitch(
    $('lang-switch'),
    () => {
      mountTextSize($('text-size'));
      setUser(user);
      idle.relabel();
      // The banner again, in the new words.
      clearNotices();
      refreshNotices(true);
      return render();
    },
    announce,
    (lang) => langChosen(lang, !!user),
  );
  mountTextSize($('text-size'));
  $('logout').addEventListener('click', () => void logout());
  // The skip link must not change the hash, which is the router's.
  $('skip-link').addEventListener('click', (e) => {
    e.preventDefault();
    $('main').focus();
  });
  try {
    const s = await api.getSession();
    setCsrf(s.csrf_token);
    idle.start(s.idle_timeout_s);
    setUser(s.user);
    // The first paint is in this browser's language; the user's follows.
    void syncLang(applyLang);
  } catch (err) {
    setCsrf(null);
    setUser(null);
    if (!(err instanceof ApiError && err.status === 401)) announce(errorMessage(err));
  }
  // A change refused during a maintenance window: show the window at once.
  onMaintenance(() => refreshNotices(true));
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') refreshNotices();
  });
  // Someone watching for long without changing pages still hears of an
  // incident. Only someone there, though: a request restarts the login's
  // idle clock, so a tab left alone must not keep the login alive.
  let used = false;
  for (const type of ['keydown', 'pointerdown', 'wheel', 'touchstart']) {
    document.addEventListener(type, () => (used = true), { capture: true, passive: true });
  }
  window.setInterval(() => {
    const watching = [...document.querySelectorAll('video')].some((v) => !v.paused);
    if (document.visibilityState === 'visible' && (used || watching)) refreshNotices();
    used = false;
  }, 5 * 60_000);
  window.addEventListener('hashchange', () => void render());
  await render();
}

void boot();
