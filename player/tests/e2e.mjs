// End-to-end check of the learner pages against a running manabi server.
// Not part of `npm test`: CI starts the server, then runs
//   BASE_URL=http://127.0.0.1:8080 E2E_EMAIL=… E2E_PASSWORD=… node tests/e2e.mjs
// Optional: CHROMIUM (default /usr/bin/chromium), SCREENSHOT_DIR.
// Logs in through the form, opens the first course, plays its first lesson
// until currentTime > 1 s, waits for a heartbeat with played time answered 200, and checks
// lang="ja" and that every visible control has an accessible name.
// When the server hands out short grants (a TTL of at most 8 s, e.g.
// MANABI_CATALOG__GRANT_TTL_SECONDS=6 MANABI_ORIGIN__GRANT_SKEW_SECONDS=0), it
// then plays the second course's first lesson with its later segments held
// back until the grant has expired, and checks that the player renews the
// grant and plays to the end without reloading (see renewal()).
// With E2E_ADMIN_EMAIL and E2E_ADMIN_PASSWORD it also checks the one-time
// password change (with E2E_OTP_EMAIL) and the administration pages — users
// and the CSV import wizard — as the admin (see adminPages()), and the
// notices: お知らせ管理 and the banner every page shows (see noticesPages();
// optional E2E_NOTICE_EMAIL and E2E_NOTICE_PASSWORD: a learner who logs in
// to see it, else the main test's learner; E2E_MANAGER_EMAIL and
// E2E_MANAGER_PASSWORD: a manager, refused the admin-only page).
// On every page and key state it visits (login, course list, player with its
// shortcuts help, password change, each admin page, the import preview,
// dialogs, the notices banner) it runs axe-core with the WCAG 2.1 A/AA rules
// (axeCheck()) and fails on any violation of impact serious or critical.
// Exits 0 on success, 1 with one clear line on failure; 420 s at most (it
// takes about 4.5 min on two shared cores).
import { chromium } from 'playwright-core';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';

const TOTAL_MS = 420_000;
const STEP_MS = 30_000;
const started = Date.now();
let browser;

function fail(message) {
  console.error(`e2e: FAIL: ${message}`);
  process.exitCode = 1;
}

const deadline = setTimeout(() => {
  console.error(`e2e: FAIL: time limit of ${TOTAL_MS / 1000} s exceeded`);
  browser?.close().catch(() => {});
  process.exit(1);
}, TOTAL_MS);

/** axe-core's browser build, injected into the pages under test (see axeCheck). */
const AXE_FILE = fileURLToPath(new URL('../node_modules/axe-core/axe.min.js', import.meta.url));
/**
 * The same-origin address the page loads axe from: the service's CSP
 * (`script-src 'self'`) refuses inline scripts, and the test keeps the CSP
 * on rather than bypass it, so the file is served through a route.
 */
const AXE_URL = '/__e2e__/axe.min.js';
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
/** Serious and critical axe violations found so far; the run fails at the end if any. */
const axeFailures = [];
let axeRuns = 0;

/**
 * Runs axe-core (WCAG 2.1 A and AA rules) on the page as it is now and
 * records every violation of impact serious or critical, with its rule,
 * impact, target selectors and help. The run goes on, so one test run
 * lists every page's violations; main() fails at the end if there were any.
 */
async function axeCheck(page, where) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    if (!page.__axeRouted) {
      page.__axeRouted = true;
      await page.route(`**${AXE_URL}`, (route) =>
        route.fulfill({ path: AXE_FILE, contentType: 'text/javascript' }),
      );
    }
    await page.addScriptTag({ url: AXE_URL });
  }
  const { violations, passed } = await page.evaluate(
    (values) =>
      window.axe.run(document, { runOnly: { type: 'tag', values } }).then((r) => ({
        passed: r.passes.length,
        violations: r.violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          targets: v.nodes.map((n) => n.target.join(' ')),
        })),
      })),
    AXE_TAGS,
  );
  axeRuns += 1;
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of serious) {
    const line = `${where}: ${v.id} (${v.impact}) ${v.help} — ${v.targets.slice(0, 6).join(' | ')}`;
    console.error(`e2e: axe: ${line}`);
    axeFailures.push(line);
  }
  const minor = violations.length - serious.length;
  step(`axe: ${where}: ${passed} rules passed, ${serious.length} serious or critical${minor ? ` (${minor} minor or moderate: ${violations.filter((v) => !serious.includes(v)).map((v) => v.id).join(', ')})` : ''}`);
}

/**
 * The course links of the home's 分野から探す (every published course, in
 * the domains' order): stable, unlike 続きから見る and 新着 above them.
 */
const DOMAIN_COURSES = '#domains a[href^="#/courses/"]';

/** Logs in through the login form on `page`. */
async function logIn(page, email, password) {
  await page.getByLabel('メールアドレス').fill(email);
  await page.getByLabel('パスワード', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'ログイン' }).click();
}

function step(name) {
  console.log(`e2e: [${((Date.now() - started) / 1000).toFixed(1)} s] ${name}`);
}

async function main() {
  const base = process.env.BASE_URL;
  const email = process.env.E2E_EMAIL;
  const password = process.env.E2E_PASSWORD;
  if (!base || !email || !password) {
    throw new Error('BASE_URL, E2E_EMAIL and E2E_PASSWORD must be set');
  }
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';

  step(`launching ${executablePath}`);
  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } });
  if (process.env.E2E_ONLY) {
    await onlyPhases(process.env.E2E_ONLY, context, base, email, password);
    return;
  }
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);

  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  const badHeartbeats = [];
  let goodHeartbeats = 0;
  page.on('response', (res) => {
    if (!res.url().includes('/heartbeat')) return;
    if (res.status() === 200) goodHeartbeats += 1;
    else badHeartbeats.push(`${res.status()} ${res.url()}`);
  });
  // Every script the learner's pages load (hls.js included), to weigh compressed.
  const scripts = new Map();
  page.on('response', (res) => {
    const url = res.url();
    // The test's own axe-core is not part of the pages.
    if (res.request().resourceType() !== 'script' || scripts.has(url) || url.includes('/__e2e__/')) return;
    scripts.set(url, res.body().catch(() => Buffer.alloc(0)));
  });

  step(`opening ${base}`);
  await page.goto(new URL('/', base).href, { waitUntil: 'domcontentloaded' });

  await page.getByRole('button', { name: 'ログイン' }).waitFor();
  await axeCheck(page, 'login page');
  await shoot(page, 'login.png');
  // Beside the journey (its 4–5 s password checks would only add up), done before the renewal's timing.
  const refused = refusals(browser, base, email);
  refused.catch(() => {});
  step('logging in through the form');
  await logIn(page, email, password);

  const firstCourse = page.locator(DOMAIN_COURSES).first();
  try {
    await firstCourse.waitFor({ state: 'visible' });
  } catch {
    const status = (await page.locator('#status').textContent().catch(() => '')) || '';
    throw new Error(`no course link after login (status: "${status.trim()}")`);
  }
  await axeCheck(page, 'course list');
  step(`opening the first course: ${(await firstCourse.textContent())?.trim()}`);
  await firstCourse.click();

  const firstLesson = page.locator('.lesson-list button.lesson:not([disabled])').first();
  await firstLesson.waitFor({ state: 'visible' });
  step(`playing the first lesson: ${(await firstLesson.textContent())?.trim()}`);

  // A heartbeat that reports played time (sent within 10 s of playing, or on
  // pause/ended), answered 200.
  const heartbeat200 = page.waitForResponse(
    (res) => {
      if (!res.url().includes('/heartbeat') || res.request().method() !== 'POST') return false;
      if (res.status() !== 200) return false;
      try {
        const played = JSON.parse(res.request().postData() || '{}').played;
        return Array.isArray(played) && played.length > 0;
      } catch {
        return false;
      }
    },
    { timeout: 60_000 },
  );
  heartbeat200.catch(() => {}); // awaited below; avoid an unhandled rejection meanwhile
  // The poster (表紙) of the play answer on the <video>, loaded by the
  // browser under the service's CSP; playback starts from the click only.
  const posterLoaded = page.waitForResponse((res) => /\/media\/.*\/poster[^/]*\.jpg$/.test(new URL(res.url()).pathname), { timeout: 20_000 });
  posterLoaded.catch(() => {});
  await firstLesson.click();
  const shownPoster = await page.locator('video[poster]').getAttribute('poster', { timeout: 10_000 }).catch(() => null);
  if (!shownPoster) throw new Error('the player\'s <video> has no poster once the play answer arrived');
  if (await page.locator('video[autoplay]').count()) throw new Error('the player\'s <video> autoplays');
  const posterAnswer = await posterLoaded.catch(() => null);
  if (posterAnswer?.status() !== 200 || posterAnswer.headers()['content-type'] !== 'image/jpeg') {
    throw new Error(`the poster ${shownPoster} was not loaded as a JPEG (${posterAnswer ? posterAnswer.status() : 'no request'})`);
  }
  step(`the <video> shows the poster of the play answer (${new URL(shownPoster, base).pathname.split('/').pop()}), loaded 200 image/jpeg`);

  try {
    await page.waitForFunction(
      () => {
        // currentTime alone would pass at a resume position: also require
        // more than 1 s actually played.
        const v = document.querySelector('video');
        if (!v || v.currentTime <= 1) return false;
        let played = 0;
        for (let i = 0; i < v.played.length; i++) played += v.played.end(i) - v.played.start(i);
        return played > 1;
      },
      null,
      { timeout: 45_000, polling: 250 },
    );
  } catch {
    const state = await page.evaluate(() => {
      const v = document.querySelector('video');
      const status = document.getElementById('status')?.textContent?.trim() ?? '';
      if (!v) return `no <video>; status: "${status}"`;
      return `currentTime=${v.currentTime} readyState=${v.readyState} paused=${v.paused} ` +
        `error=${v.error ? v.error.code : 'none'}; status: "${status}"`;
    });
    throw new Error(`video did not play past 1 s (${state})`);
  }
  step('video is playing (currentTime > 1 s, more than 1 s played)');

  // 画質 by hand: the lowest rendition's segments are asked for at once.
  const quality = page.getByLabel('画質', { exact: true });
  await quality.waitFor();
  const qualities = await quality.locator('option').allTextContents();
  const lowest = qualities[qualities.length - 1];
  if (qualities[0] !== '自動' || qualities.length < 3) throw new Error(`画質 offers ${qualities.join(', ')}`);
  const lowSegment = page.waitForRequest((req) => new URL(req.url()).pathname.includes(`/${lowest}/`), { timeout: 20_000 });
  lowSegment.catch(() => {});
  await quality.selectOption({ label: lowest });
  await lowSegment.catch(() => {
    throw new Error(`choosing 画質 ${lowest} asked for none of its media`);
  });
  await page.locator('#status').filter({ hasText: `画質 ${lowest}` }).waitFor();
  step(`画質 offers ${qualities.join(', ')}; ${lowest} chosen, its media asked for, announced`);

  try {
    await heartbeat200;
  } catch {
    throw new Error(
      `no heartbeat with played intervals answered 200 (${goodHeartbeats} ok; failed: ${badHeartbeats.join(', ') || 'none'})`,
    );
  }
  step('a heartbeat with played intervals was answered 200');

  // Light: at most 250 KB of compressed JavaScript on the learner's pages.
  let gzipped = 0;
  for (const body of scripts.values()) gzipped += gzipSync(await body, { level: 9 }).length;
  const names = [...scripts.keys()].map((u) => new URL(u).pathname).join(', ');
  if (!scripts.size || gzipped > 250 * 1024) {
    throw new Error(`learner pages load ${(gzipped / 1024).toFixed(1)} KB of gzipped JavaScript (${names}); the limit is 250 KB`);
  }
  step(`learner pages load ${(gzipped / 1024).toFixed(1)} KB of gzipped JavaScript (${names}; limit 250 KB)`);

  const lang = await page.evaluate(() => document.documentElement.lang);
  if (lang !== 'ja') throw new Error(`<html lang> is "${lang}", expected "ja"`);

  await checkNames(page, 'the course page');
  step('lang="ja" and every visible control is named');
  await axeCheck(page, 'course page with the player playing');

  await refused;
  await renewal(page);
  await playerControls(page);
  await loadTrouble(page);
  await oneTimePassword(context, base);
  await adminPages(context, base);
  await noticesPages(context, base);
  await morePages(context, base);
  await assignmentPages(context, base);
  await settingsPages(context, base);
  await phoneJourney(browser, base, email, password);
  await keyboardJourney(browser, base, email, password);
  await hiddenAndLoggedOut(browser, base, email, password);
  await learnerHome(browser, base, email, password);
  await languageSwitch(browser, base, email, password);
  await textSizeAndIdle(browser, base, email, password);
  await editorPages(browser, base);

  if (pageErrors.length) throw new Error(`uncaught errors in the page: ${pageErrors.join(' | ')}`);
  if (axeFailures.length) {
    throw new Error(`axe: ${axeFailures.length} serious or critical violations:\n  ${axeFailures.join('\n  ')}`);
  }
  step(`axe: ${axeRuns} pages and states checked, no serious or critical violations`);

  if (process.env.SCREENSHOT_DIR) {
    await mkdir(process.env.SCREENSHOT_DIR, { recursive: true });
    const file = path.join(process.env.SCREENSHOT_DIR, 'player.png');
    await page.screenshot({ path: file, fullPage: true });
    step(`screenshot saved to ${file}`);
  }
  console.log(`e2e: OK in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * Refusals, in a browser of their own: a wrong password disables the login
 * form while it is checked, then is said as an alert (not the polite
 * status) with both fields invalid; a password change refused by the server
 * (E2E_NOTICE_EMAIL's, with a wrong current password) shows its Japanese
 * words alone, and the status no longer says 「パスワードを変更しています…」.
 */
async function refusals(browser, base, email) {
  const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  await page.goto(new URL('/', base).href, { waitUntil: 'domcontentloaded' });
  await logIn(page, email, 'not the password 0000');
  const busy = await page.evaluate(() =>
    ['login-email', 'login-password'].every((id) => document.getElementById(id)?.disabled) &&
    !!document.querySelector('.login-form button[type="submit"]')?.disabled);
  if (!busy) throw new Error('login: the fields are not disabled while the password is checked');
  await page.getByRole('alert').filter({ hasText: 'メールアドレスまたはパスワードが正しくありません。' }).waitFor();
  const after = await page.evaluate(() => ({
    invalid: ['login-email', 'login-password'].map((id) => document.getElementById(id)?.getAttribute('aria-invalid')),
    enabled: !document.getElementById('login-password')?.disabled,
    focused: document.activeElement?.id,
    status: document.getElementById('status')?.textContent ?? '',
  }));
  if (after.invalid.some((v) => v !== 'true') || !after.enabled || after.focused !== 'login-password' || after.status.includes('ログインしています')) {
    throw new Error(`login: after a wrong password ${JSON.stringify(after)}`);
  }
  await axeCheck(page, 'login page with an error');
  step('login: a wrong password disables the form while checked, then says so as an alert with both fields invalid');

  const { E2E_NOTICE_EMAIL: who, E2E_NOTICE_PASSWORD: password } = process.env;
  if (who && password) {
    await logIn(page, who, password);
    await page.locator(DOMAIN_COURSES).first().waitFor();
    await page.evaluate(() => (location.hash = '#/password'));
    const fresh = 'a passphrase never set 2026';
    await page.getByLabel('現在のパスワード').fill(`${password}-wrong`);
    await page.getByLabel('新しいパスワード', { exact: true }).fill(fresh);
    await page.getByLabel('新しいパスワード（確認）').fill(fresh);
    await page.getByRole('button', { name: '変更する' }).click();
    await page.getByRole('alert').filter({ hasText: '現在のパスワードが正しくありません' }).waitFor();
    const refused = await page.evaluate(() => ({
      alert: document.getElementById('password-error')?.textContent ?? '',
      status: document.getElementById('status')?.textContent ?? '',
    }));
    if (refused.alert !== '現在のパスワードが正しくありません' || refused.status.includes('変更しています')) {
      throw new Error(`password: a wrong current password reads ${JSON.stringify(refused)}`);
    }
    step('password: refused by the server in Japanese only, the busy status gone');
  }
  await context.close();
}

/**
 * While working on one part: `E2E_ONLY=assignments,editor` runs only those
 * phases (without the main journey before them, so a phase that counts on
 * what an earlier one did may fail); the full run is what counts.
 */
async function onlyPhases(names, context, base, email, password) {
  const phases = {
    otp: () => oneTimePassword(context, base),
    admin: () => adminPages(context, base),
    notices: () => noticesPages(context, base),
    more: () => morePages(context, base),
    assignments: () => assignmentPages(context, base),
    settings: () => settingsPages(context, base),
    phone: () => phoneJourney(browser, base, email, password),
    keyboard: () => keyboardJourney(browser, base, email, password),
    hidden: () => hiddenAndLoggedOut(browser, base, email, password),
    home: () => learnerHome(browser, base, email, password),
    language: () => languageSwitch(browser, base, email, password),
    idle: () => textSizeAndIdle(browser, base, email, password),
    editor: () => editorPages(browser, base),
  };
  // Some phases use the main context as the logged-in learner.
  const login = await context.newPage();
  await login.goto(new URL('/', base).href, { waitUntil: 'domcontentloaded' });
  await logIn(login, email, password);
  await login.locator(DOMAIN_COURSES).first().waitFor();
  await login.close();
  for (const name of names.split(',')) {
    const phase = phases[name.trim()];
    if (!phase) throw new Error(`E2E_ONLY: no phase "${name}" (${Object.keys(phases).join(', ')})`);
    await phase();
  }
  if (axeFailures.length) {
    throw new Error(`axe: ${axeFailures.length} serious or critical violations:\n  ${axeFailures.join('\n  ')}`);
  }
  console.log(`e2e: only ${names}: OK in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Fails when a visible control of the page has no accessible name. */
async function checkNames(page, where) {
  // Visible controls without an accessible name, as Playwright's ARIA
  // snapshot computes names: a named node reads `- button "名前"`.
  const snapshot = await page.locator('body').ariaSnapshot();
  const roles = 'button|link|textbox|searchbox|checkbox|radio|combobox|listbox|slider|spinbutton|switch|menuitem|tab';
  const unnamed = snapshot
    .split('\n')
    .filter((line) => new RegExp(`^\\s*- (${roles})(?![\\w-])(?!\\s+["/])`).test(line))
    .map((line) => line.trim());
  if (unnamed.length) {
    throw new Error(`${where}: controls without an accessible name: ${unnamed.join(' | ')}`);
  }
  // The same for the form controls and the video in the DOM.
  const unlabeled = await page.evaluate(() => {
    const visible = (el) => {
      const r = el.getBoundingClientRect();
      const s = getComputedStyle(el);
      return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
    };
    const named = (el) =>
      (el.getAttribute('aria-label') || '').trim() ||
      (el.getAttribute('aria-labelledby') || '')
        .split(/\s+/)
        .map((id) => document.getElementById(id)?.textContent?.trim() || '')
        .join('') ||
      [...(el.labels || [])].map((l) => l.textContent.trim()).join('') ||
      (el.textContent || '').trim() ||
      (el.getAttribute('title') || '').trim();
    return [...document.querySelectorAll('button, a[href], input:not([type=hidden]), select, textarea, video')]
      .filter(visible)
      .filter((el) => !named(el))
      .map((el) => el.outerHTML.slice(0, 80));
  });
  if (unlabeled.length) {
    throw new Error(`${where}: elements without an accessible name: ${unlabeled.join(' | ')}`);
  }
}

/**
 * A learner given a one-time password by an administrator (as an
 * invitation e-mail or the import's CSV would) logs in, lands on the
 * password change and nowhere else, is told when the confirmation does not
 * match, changes it, and reaches the course list. Needs E2E_ADMIN_EMAIL and
 * E2E_ADMIN_PASSWORD (the administrator issues the password over the API)
 * and E2E_OTP_EMAIL (the learner); skipped without them.
 */
async function oneTimePassword(context, base) {
  const { E2E_ADMIN_EMAIL: adminEmail, E2E_ADMIN_PASSWORD: adminPassword, E2E_OTP_EMAIL: who } =
    process.env;
  if (!adminEmail || !adminPassword || !who) {
    step('one-time password: skipped (E2E_ADMIN_EMAIL, E2E_ADMIN_PASSWORD, E2E_OTP_EMAIL not set)');
    return;
  }
  const api = async (method, urlPath, body, session) => {
    const res = await fetch(new URL(urlPath, base), {
      method,
      headers: {
        'content-type': 'application/json',
        ...(session ? { cookie: session.cookie, 'x-csrf-token': session.csrf } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!res.ok) throw new Error(`${method} ${urlPath}: ${res.status} ${await res.text()}`);
    return { res, json: await res.json() };
  };
  const login = await api('POST', '/api/v1/session', { email: adminEmail, password: adminPassword });
  const admin = {
    cookie: login.res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '),
    csrf: login.json.csrf_token,
  };
  const users = await api('GET', `/api/v1/users?q=${encodeURIComponent(who)}`, null, admin);
  const target = users.json.items.find((u) => u.email === who);
  if (!target) throw new Error(`one-time password: no user ${who}`);
  const issued = await api('POST', `/api/v1/users/${target.id}/password`, {}, admin);
  const otp = issued.json.one_time_password;

  const page = await context.browser().newContext({ locale: 'ja-JP' }).then((c) => c.newPage());
  page.setDefaultTimeout(STEP_MS);
  await page.goto(new URL('/#/', base).href, { waitUntil: 'domcontentloaded' });
  await logIn(page, who, otp);
  await page.getByRole('heading', { name: 'パスワードの変更' }).waitFor();
  // Nothing else opens before the change.
  await page.goto(new URL('/#/', base).href);
  await page.getByRole('heading', { name: 'パスワードの変更' }).waitFor();
  await axeCheck(page, 'password page (one-time password)');
  await shoot(page, 'password.png');
  step('one-time password: the login leads to the password change only');

  const fresh = 'a passphrase of my own 2026';
  await page.getByLabel('初期パスワード').fill(otp);
  await page.getByLabel('新しいパスワード', { exact: true }).fill(fresh);
  await page.getByLabel('新しいパスワード（確認）').fill(`${fresh}!`);
  await page.getByRole('button', { name: '変更する' }).click();
  const mismatch = await page.getByRole('alert').textContent();
  if (!mismatch?.includes('一致しません')) throw new Error(`no mismatch message: "${mismatch}"`);
  const invalid = await page.getByLabel('新しいパスワード（確認）').getAttribute('aria-invalid');
  if (invalid !== 'true') throw new Error('the mismatching field is not marked invalid');
  await axeCheck(page, 'password page with an error');

  await page.getByLabel('新しいパスワード（確認）').fill(fresh);
  await page.getByRole('button', { name: '変更する' }).click();
  await page.locator('main a[href^="#/courses/"]').first().waitFor({ state: 'visible' });
  step('one-time password: changed in the form, the course list opens');

  // The new password is the one that works now.
  const again = await fetch(new URL('/api/v1/session', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: who, password: fresh }),
  });
  const body = await again.json();
  if (again.status !== 200 || body.user.must_change_password !== false) {
    throw new Error(`login with the new password: ${again.status} ${JSON.stringify(body)}`);
  }
  await page.context().close();
}

/**
 * The administration pages. A learner who opens one is politely refused,
 * sees no administration menu and never loads admin.js. The administrator
 * (E2E_ADMIN_EMAIL, E2E_ADMIN_PASSWORD; skipped without them), in a fresh
 * browser, logs in from the users page's address, searches for learner2
 * and gets one row, opens and escapes a confirmation (focus in and back),
 * is refused disabling itself with the server's message, and the table
 * scrolls inside its box at 320 px. Then the CSV import: a file with one
 * new user and one bad e-mail previews as 1 new, 1 error, apply blocked;
 * the good row alone previews, applies (one-time passwords downloaded
 * once) and is undone. Buttons, fields, tables and dialogs are found by
 * role and accessible name, so their names are checked too.
 */
async function adminPages(context, base) {
  const { E2E_ADMIN_EMAIL: adminEmail, E2E_ADMIN_PASSWORD: adminPassword } = process.env;
  if (!adminEmail || !adminPassword) {
    step('admin pages: skipped (E2E_ADMIN_EMAIL, E2E_ADMIN_PASSWORD not set)');
    return;
  }

  // The learner of the main test, in a new tab.
  const learner = await context.newPage();
  learner.setDefaultTimeout(STEP_MS);
  const adminScripts = [];
  learner.on('request', (req) => {
    if (new URL(req.url()).pathname === '/admin.js') adminScripts.push(req.url());
  });
  await learner.goto(new URL('/#/admin/users', base).href, { waitUntil: 'domcontentloaded' });
  await learner.getByRole('heading', { name: 'このページを表示する権限がありません' }).waitFor();
  const menu = learner.getByRole('navigation', { name: 'メインメニュー' });
  if ((await menu.getByRole('link', { name: '利用者管理' }).count()) > 0) {
    throw new Error('admin pages: a learner sees the administration menu');
  }
  if (adminScripts.length) throw new Error('admin pages: admin.js was loaded for a learner');
  await axeCheck(learner, 'an admin page refused to a learner');
  await shoot(learner, 'refused.png');
  await learner.close();
  step('admin pages: a learner is refused politely; no administration menu, admin.js not loaded');

  const adminContext = await context.browser().newContext({
    locale: 'ja-JP',
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  const page = await adminContext.newPage();
  page.setDefaultTimeout(STEP_MS);
  const errors = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  await page.goto(new URL('/#/admin/users', base).href, { waitUntil: 'domcontentloaded' });
  await logIn(page, adminEmail, adminPassword);
  await page.getByRole('heading', { name: '利用者管理', level: 1 }).waitFor();
  await page
    .getByRole('navigation', { name: 'メインメニュー' })
    .getByRole('link', { name: 'CSV取り込み' })
    .waitFor();

  // Search: one row.
  const search = page.getByRole('search', { name: '利用者の検索' });
  const table = page.getByRole('table', { name: '利用者一覧' });
  const find = async (text, expected) => {
    await search.getByLabel('メールアドレスまたは氏名').fill(text);
    const answered = page.waitForResponse((res) => new URL(res.url()).pathname === '/api/v1/users');
    await search.getByRole('button', { name: '検索' }).click();
    await answered;
    // In the page, not the live region, which may say the same a moment later.
    await page.locator('#view').getByText(expected).waitFor();
    return table.locator('tbody tr');
  };
  const rows = await find('learner2@manabi.example', /^全 1 件中 1〜1 件を表示/);
  const rowCount = await rows.count();
  const rowText = (await rows.first().innerText()).replace(/\s+/g, ' ');
  if (rowCount !== 1 || !/learner2@manabi\.example.*受講者.*有効/.test(rowText)) {
    throw new Error(`admin pages: searching learner2 gave ${rowCount} rows: ${rowText}`);
  }
  step(`admin pages: searching learner2 gives one row (${rowText.trim()})`);

  // A confirmation dialog: focus moves in, Escape closes it, focus returns.
  const toggle = table.getByRole('button', { name: '無効にする（learner2@manabi.example）' });
  await toggle.click();
  const confirm = page.getByRole('dialog', { name: '利用者を無効にしますか' });
  await confirm.waitFor();
  if (!(await page.evaluate(() => !!document.activeElement?.closest('dialog[open]')))) {
    throw new Error('admin pages: the confirmation dialog did not take the focus');
  }
  await axeCheck(page, 'users page with a confirmation dialog');
  await page.keyboard.press('Escape');
  await confirm.waitFor({ state: 'detached' });
  if (!(await toggle.evaluate((el) => el === document.activeElement))) {
    throw new Error('admin pages: focus did not return to the button after Escape');
  }
  if (!/有効/.test(await rows.first().innerText())) {
    throw new Error('admin pages: Escape changed the user');
  }
  // Refused by the server: its Japanese message is shown as an alert.
  await find(adminEmail, /^全 1 件中 1〜1 件を表示/);
  await table.getByRole('button', { name: `無効にする（${adminEmail}）` }).click();
  await page
    .getByRole('dialog', { name: '利用者を無効にしますか' })
    .getByRole('button', { name: '無効にする' })
    .click();
  const refusal = page.getByRole('alert').filter({ hasText: 'できませんでした' });
  await refusal.waitFor();
  const refusalText = (await refusal.textContent()) || '';
  if (!/自分自身/.test(refusalText)) {
    throw new Error(`admin pages: no server message when disabling oneself: "${refusalText}"`);
  }
  step(`admin pages: dialog focus in, Escape out, focus back; refusal shown: ${refusalText}`);
  await checkNames(page, 'the users page');
  await axeCheck(page, 'users page with a refusal');

  // 320 px: the page does not scroll sideways, the table scrolls in its box.
  await find('', /^全 \d+ 件中/);
  await page.setViewportSize({ width: 320, height: 800 });
  const widths = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    view: document.documentElement.clientWidth,
    box: document.querySelector('.table-wrap')?.clientWidth ?? 0,
    table: document.querySelector('.table-wrap table')?.scrollWidth ?? 0,
  }));
  if (widths.page > widths.view + 1 || widths.box > widths.view) {
    throw new Error(`admin pages: at 320 px the page is ${widths.page} px wide (${JSON.stringify(widths)})`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  step(`admin pages: at 320 px nothing overflows (table ${widths.table} px scrolls in a ${widths.box} px box)`);
  await shoot(page, 'admin-users.png');
  await addUserAndRole(page, adminEmail, find);

  // The import wizard.
  await page.getByRole('link', { name: 'CSV取り込み' }).click();
  await page.getByRole('heading', { name: 'CSV取り込み', level: 1 }).waitFor();
  await axeCheck(page, 'import page');
  for (const name of ['標準形式', '追加・更新']) {
    if (!(await page.getByRole('radio', { name }).isChecked())) {
      throw new Error(`admin pages: 「${name}」 is not the default`);
    }
  }
  const stamp = Date.now().toString(36);
  const newcomer = `newhire.${stamp}@manabi.example`;
  const header = 'email,name,role,status,groups,remarks\n';
  const good = `${newcomer},新採 用子,learner,active,,\n`;
  const bad = `not-an-email-${stamp},誤り 太郎,learner,active,,\n`;
  const preview = page.getByRole('region', { name: '2. 内容を確認する' });
  const counted = async (where, caption, label) => {
    const row = where.getByRole('table', { name: caption }).getByRole('row', { name: new RegExp(`^${label}`) });
    return ((await row.getByRole('cell').textContent()) || '').trim();
  };
  const upload = async (name, text) => {
    await page.getByLabel('CSVファイル').setInputFiles({
      name,
      mimeType: 'text/csv',
      buffer: Buffer.from(text, 'utf8'),
    });
    await page.getByRole('button', { name: '内容を確認する' }).click();
    await preview.waitFor();
  };

  await upload('users-with-error.csv', header + good + bad);
  const seen = [await counted(preview, '処理ごとの件数', '新規'), await counted(preview, '処理ごとの件数', 'エラー')];
  if (seen[0] !== '1 件' || seen[1] !== '1 件') {
    throw new Error(`admin pages: preview counts 新規 ${seen[0]}, エラー ${seen[1]}; expected 1 and 1`);
  }
  if (!(await preview.getByText('UTF-8', { exact: true }).isVisible())) {
    throw new Error('admin pages: the preview does not show the encoding UTF-8');
  }
  const errorRow = preview.getByRole('table', { name: '取り込む行の一覧' }).getByRole('row', { name: /not-an-email/ });
  const errorText = (await errorRow.innerText()).replace(/\s+/g, ' ');
  if (!/^3 エラー .*メールアドレス列：.*メールアドレスの形式ではありません/.test(errorText)) {
    throw new Error(`admin pages: the error row reads "${errorText}"`);
  }
  const applyButton = preview.getByRole('button', { name: '取り込みを実行' });
  if (!(await applyButton.isDisabled())) throw new Error('admin pages: apply is not blocked by an error row');
  const why = (await preview.getByRole('alert').filter({ hasText: 'エラーのある行が 1 件' }).textContent()) || '';
  if (!why) throw new Error('admin pages: no explanation why apply is blocked');
  step(`admin pages: preview shows 新規 1 件, エラー 1 件 (row 3: ${errorText.slice(2)}); apply blocked`);
  await shoot(page, 'admin-import-preview.png');
  await checkNames(page, 'the import page');
  await axeCheck(page, 'import preview with an error row');

  await upload('users.csv', header + good);
  const created = await counted(preview, '処理ごとの件数', '新規');
  const none = await counted(preview, '処理ごとの件数', 'エラー');
  if (created !== '1 件' || none !== '0 件') {
    throw new Error(`admin pages: the good file previews 新規 ${created}, エラー ${none}`);
  }
  await applyButton.click();
  await page.getByRole('dialog', { name: '取り込みを実行しますか' }).waitFor();
  await axeCheck(page, 'import confirmation dialog');
  await shoot(page, 'admin-import-confirm.png');
  // While the apply runs (held back here for a second), neither button can start another.
  const isApply = (url) => /\/api\/v1\/imports\/\d+\/apply$/.test(url.pathname);
  await page.route(isApply, async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await route.continue();
  });
  await page.getByRole('dialog', { name: '取り込みを実行しますか' }).getByRole('button', { name: '実行する' }).click();
  if (!(await applyButton.isDisabled()) || !(await page.getByRole('button', { name: '内容を確認する' }).isDisabled())) {
    throw new Error('admin pages: 取り込みを実行 or 内容を確認する can be pressed while the apply runs');
  }
  const result = page.getByRole('region', { name: '3. 取り込み結果' });
  await result.waitFor();
  await page.unroute(isApply);
  if (!(await page.getByRole('button', { name: '内容を確認する' }).isEnabled())) {
    throw new Error('admin pages: 内容を確認する stays disabled after the apply');
  }
  const applied = await counted(result, '実行した件数', '新規');
  if (applied !== '1 件') throw new Error(`admin pages: the result says 新規 ${applied}`);
  let passwordsNote = 'no one-time passwords file (invitations e-mailed)';
  const download = result.getByRole('button', { name: '初期パスワードのCSVをダウンロード' });
  if (await download.count()) {
    const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
    const csv = await readFile(await file.path(), 'utf8');
    if (!csv.includes(newcomer)) throw new Error(`admin pages: the passwords CSV lacks ${newcomer}`);
    await result.getByText('もう一度ダウンロードすることはできません').waitFor();
    passwordsNote = `one-time passwords downloaded once (${file.suggestedFilename()})`;
  }
  await axeCheck(page, 'import result');
  await shoot(page, 'admin-import-result.png');
  step(`admin pages: applied, the result shows 新規 1 件; ${passwordsNote}`);

  await result.getByRole('button', { name: 'この取り込みを取り消す' }).click();
  await page
    .getByRole('dialog', { name: 'この取り込みを取り消しますか' })
    .getByRole('button', { name: '取り消す' })
    .click();
  const undone = (await result.getByText('取り込みを取り消しました').textContent()) || '';
  await shoot(page, 'admin-import-undone.png');
  await page.getByRole('link', { name: '利用者管理' }).click();
  await page.getByRole('heading', { name: '利用者管理', level: 1 }).waitFor();
  await find(newcomer, '該当する利用者はいません。');
  step(`admin pages: undone (${undone.trim()}); ${newcomer} is no longer listed`);

  // Reports: the demo's viewing history for the last 30 days, its chart
  // described for screen readers, the definitions, and the CSV.
  await page.getByRole('link', { name: '視聴レポート' }).click();
  await page.getByRole('heading', { name: '視聴レポート', level: 1 }).waitFor();
  const trend = page.getByRole('table', { name: '期間ごとの視聴時間（グラフの数値）' });
  await trend.waitFor();
  const chart = await page.getByRole('img').first().getAttribute('aria-label');
  if (!chart || !/合計|ありません/.test(chart)) throw new Error(`reports: chart label "${chart}"`);
  const viewers = await page.getByRole('table', { name: '利用者別・期間別の視聴時間' }).locator('tbody tr').count();
  await page.getByText('用語の説明 (Definitions)').click();
  await page.getByText('視聴率 (coverage)').waitFor();
  const [csvFile] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: '利用者別の視聴時間をCSVで保存' }).click(),
  ]);
  const csv = await readFile(await csvFile.path(), 'utf8');
  if (!csv.startsWith('\uFEFFemail,name,')) throw new Error(`reports: CSV starts ${JSON.stringify(csv.slice(0, 40))}`);
  await shoot(page, 'admin-reports.png');
  await checkNames(page, 'the reports page');
  await axeCheck(page, 'reports page with its chart and definitions');
  step(`reports: chart "${chart}", ${viewers} viewers, definitions shown, CSV ${csvFile.suggestedFilename()}`);

  if (errors.length) throw new Error(`admin pages: uncaught errors: ${errors.join(' | ')}`);
  await adminContext.close();
}

/**
 * 利用者管理, one user at a time (the admin's page of adminPages()): an
 * e-mail already registered is refused by the server, its message beside
 * the e-mail field (marked invalid, focused); a new learner is added to
 * 総務部/人事課, listed, and given a one-time password shown once; its role
 * is changed to 編集者 in the dialog; the admin's own demotion is refused
 * with the server's message inside the dialog, beside the list, and
 * Escape leaves it unchanged.
 */
async function addUserAndRole(page, adminEmail, find) {
  const stamp = Date.now().toString(36);
  const newcomer = `staff.${stamp}@manabi.example`;
  await page.getByText('利用者を1人追加する').click();
  const form = page.getByRole('form', { name: '利用者を1人追加する' });
  const email = form.getByLabel('メールアドレス（ログインに使います）');
  await email.fill('learner2@manabi.example');
  await form.getByLabel('氏名').fill('重複 確認');
  const refused = page.waitForResponse((res) => new URL(res.url()).pathname === '/api/v1/users' && res.request().method() === 'POST');
  await form.getByRole('button', { name: '追加する' }).click();
  if ((await refused).status() !== 409) throw new Error(`add user: a registered e-mail answered ${(await refused).status()}`);
  const beside = page.locator('#user-add-email-error');
  await beside.filter({ hasText: '既に登録されています' }).waitFor();
  if ((await email.getAttribute('aria-invalid')) !== 'true' || !(await email.evaluate((el) => el === document.activeElement))) {
    throw new Error('add user: the refused e-mail is not marked invalid and focused');
  }
  const said = ((await beside.textContent()) || '').trim();
  await axeCheck(page, 'users page: add form with a server error');
  await shoot(page, 'admin-user-add.png');

  await email.fill(newcomer);
  await form.getByLabel('氏名').fill('新任 四郎');
  await form.getByRole('group', { name: 'グループ' }).getByLabel('総務部/人事課', { exact: true }).check();
  await form.getByRole('button', { name: '追加する' }).click();
  const done = page.locator('#user-add-done');
  await done.getByText(`新任 四郎（${newcomer}） を「受講者」として追加しました。`).waitFor();
  if ((await email.getAttribute('aria-invalid')) === 'true') throw new Error('add user: the e-mail stays marked invalid');
  const table = page.getByRole('table', { name: '利用者一覧' });
  const row = table.getByRole('row', { name: new RegExp(newcomer.replace(/\./g, '\\.')) });
  const rowText = (await row.innerText()).replace(/\s+/g, ' ');
  if (!/受講者 有効 総務部\/人事課/.test(rowText)) throw new Error(`add user: the new row reads "${rowText}"`);
  await done.getByRole('button', { name: '初期パスワードを発行して表示する' }).click();
  const shown = page.getByRole('dialog', { name: '初期パスワードを発行しました' });
  const otp = await shown.getByLabel('初期パスワード').inputValue();
  if (otp.length < 8) throw new Error(`add user: the one-time password is "${otp}"`);
  // It can never be shown again: 閉じる and Escape ask first; going back keeps it.
  await shown.getByRole('button', { name: '閉じる' }).click();
  await shown.getByText('パスワードを控えましたか。').waitFor();
  if (!(await shown.getByRole('button', { name: 'パスワードの表示に戻る' }).evaluate((el) => el === document.activeElement))) {
    throw new Error('add user: asking before the password closes does not focus 「パスワードの表示に戻る」');
  }
  await axeCheck(page, 'one-time password dialog asking before it closes');
  await page.keyboard.press('Escape');
  await shown.getByRole('button', { name: '閉じる' }).waitFor();
  if ((await shown.getByLabel('初期パスワード').inputValue()) !== otp) throw new Error('add user: going back lost the password');
  await page.keyboard.press('Escape');
  await shown.getByRole('button', { name: '控えたので閉じる' }).click();
  await shown.waitFor({ state: 'detached' });
  await done.getByText('の初期パスワードを発行しました。').waitFor();
  step(`add user: a registered e-mail refused beside the field (${said}); ${newcomer} added to 人事課 and given a one-time password`);

  // Its role: 編集者, in the dialog.
  await row.getByRole('button', { name: `権限を変更（${newcomer}）` }).click();
  const ask = page.getByRole('dialog', { name: '権限を変更しますか' });
  await ask.getByLabel('新しい権限').selectOption({ label: '編集者' });
  await ask.getByRole('button', { name: '変更する' }).click();
  await ask.waitFor({ state: 'detached' });
  await table.getByRole('row', { name: new RegExp(newcomer.replace(/\./g, '\\.')) }).getByRole('cell', { name: '編集者', exact: true }).waitFor();

  // The admin's own demotion: the server's refusal beside the list, in the dialog.
  await find(adminEmail, /^全 1 件中 1〜1 件を表示/);
  await table.getByRole('button', { name: `権限を変更（${adminEmail}）` }).click();
  await ask.getByLabel('新しい権限').selectOption({ label: '受講者' });
  await ask.getByRole('button', { name: '変更する' }).click();
  const refusal = ask.getByRole('alert').filter({ hasText: '変更できませんでした' });
  await refusal.waitFor();
  const refusalText = ((await refusal.textContent()) || '').trim();
  if (!refusalText.includes('自分自身') || (await ask.getByLabel('新しい権限').getAttribute('aria-invalid')) !== 'true') {
    throw new Error(`add user: the own demotion reads "${refusalText}"`);
  }
  await axeCheck(page, 'users page: role dialog with a refusal');
  await shoot(page, 'admin-user-role.png');
  await page.keyboard.press('Escape');
  await ask.waitFor({ state: 'detached' });
  if (!/管理者/.test(await table.locator('tbody tr').first().innerText())) throw new Error('add user: Escape changed the admin');
  step(`role: ${newcomer} → 編集者; the own demotion refused in the dialog (${refusalText}); Escape keeps it`);
}

/** `2026-04-01 09:05`: a time in Japan, as the API's `*_local` fields give it. */
const jstLocal = (ms) => new Date(ms + 9 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');

/**
 * Notices (お知らせ). The administrator (in a fresh browser) opens
 * お知らせ管理, publishes an incident from the form with the 障害 template
 * (the first blank selected, typed over), and sees it listed as 実施中 and
 * in the banner above the page. A learner (E2E_NOTICE_EMAIL logging in, or
 * the main test's learner) sees it in the banner with its Japan time and
 * 「復旧まで」, announced as an alert the first time only, and can collapse
 * its body; the page does not overflow at 320 px. A maintenance starting
 * tomorrow without 緊急 is refused with the server's 「7日前まで」 message as
 * an alert. The incident is ended now (confirmation dialog), is listed as
 * 終了 and is gone from the learner's banner after a reload; then deleted
 * (the dialog names it). A manager (E2E_MANAGER_EMAIL, E2E_MANAGER_PASSWORD)
 * is refused the page politely. Needs E2E_ADMIN_EMAIL and E2E_ADMIN_PASSWORD.
 */
async function noticesPages(context, base) {
  const { E2E_ADMIN_EMAIL: adminEmail, E2E_ADMIN_PASSWORD: adminPassword } = process.env;
  if (!adminEmail || !adminPassword) {
    step('notices: skipped (E2E_ADMIN_EMAIL, E2E_ADMIN_PASSWORD not set)');
    return;
  }
  const errors = [];
  const adminContext = await context.browser().newContext({
    locale: 'ja-JP',
    viewport: { width: 1280, height: 900 },
  });
  const page = await adminContext.newPage();
  page.setDefaultTimeout(STEP_MS);
  page.on('pageerror', (err) => errors.push(String(err)));
  await page.goto(new URL('/#/admin/notices', base).href, { waitUntil: 'domcontentloaded' });
  await logIn(page, adminEmail, adminPassword);
  await page.getByRole('heading', { name: 'お知らせ管理', level: 1 }).waitFor();
  await page
    .getByRole('navigation', { name: 'メインメニュー' })
    .getByRole('link', { name: 'お知らせ管理' })
    .waitFor();

  // Publish an incident with the 障害 template.
  const stamp = Date.now().toString(36);
  const title = `動画が再生しにくくなっています ${stamp}`;
  const impact = '動画の再生が遅くなることがあります';
  const form = page.getByRole('form', { name: 'お知らせを掲載する' });
  await form.getByRole('radio', { name: '障害のお知らせ' }).check();
  await form.getByLabel('件名', { exact: true }).fill(title);
  await form.getByRole('button', { name: '障害のひな形' }).click();
  const bodyBox = form.getByRole('textbox', { name: '本文', exact: true });
  const template = await bodyBox.inputValue();
  if (!/^影響: …\n発生: \d+月\d+日 \d+時\d+分から\n復旧見込み: …\n経過: …$/.test(template)) {
    throw new Error(`notices: the 障害 template reads ${JSON.stringify(template)}`);
  }
  await page.keyboard.type(impact); // over the selected first blank
  const body = await bodyBox.inputValue();
  if (!body.startsWith(`影響: ${impact}\n発生: `)) {
    throw new Error(`notices: typing did not replace the first blank: ${JSON.stringify(body)}`);
  }
  const published = page.waitForResponse(
    (res) => new URL(res.url()).pathname === '/api/v1/notices' && res.request().method() === 'POST',
  );
  await form.getByRole('button', { name: '掲載する' }).click();
  const created = await published;
  if (created.status() !== 201) {
    throw new Error(`notices: publishing answered ${created.status()} ${await created.text()}`);
  }
  const notice = await created.json();
  if (notice.starts_at_local !== jstLocal(Date.parse(notice.starts_at))) {
    throw new Error(`notices: starts_at_local ${notice.starts_at_local} is not Japan time of ${notice.starts_at}`);
  }
  const when = `${notice.starts_at_local} 〜 復旧まで`;
  const table = page.getByRole('table', { name: /^お知らせ一覧/ });
  const row = table.getByRole('row', { name: new RegExp(stamp) });
  await row.waitFor();
  const rowText = (await row.innerText()).replace(/\s+/g, ' ');
  if (!rowText.includes('障害') || !rowText.includes(when) || !rowText.includes('実施中')) {
    throw new Error(`notices: the new row reads "${rowText}"`);
  }
  const adminBanner = page.getByRole('region', { name: 'お知らせ', exact: true });
  await adminBanner.getByText(title).waitFor();
  step(`notices: published from the form with the 障害 template; listed (${rowText.trim()}) and in the banner`);
  await checkNames(page, 'the notices page');
  await axeCheck(page, 'notices admin page');
  await shoot(page, 'admin-notices.png');

  // A learner sees it above the page, in Japan time.
  const { E2E_NOTICE_EMAIL: learnerEmail, E2E_NOTICE_PASSWORD: learnerPassword } = process.env;
  const learnerContext = learnerEmail && learnerPassword
    ? await context.browser().newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } })
    : null;
  const learner = await (learnerContext ?? context).newPage();
  learner.setDefaultTimeout(STEP_MS);
  learner.on('pageerror', (err) => errors.push(String(err)));
  await learner.goto(new URL('/#/', base).href, { waitUntil: 'domcontentloaded' });
  if (learnerContext) {
    await logIn(learner, learnerEmail, learnerPassword);
  }
  await learner.locator('main a[href^="#/courses/"]').first().waitFor({ state: 'visible' });
  const who = learnerContext ? learnerEmail : 'the main test\'s learner';
  const banner = learner.getByRole('region', { name: 'お知らせ', exact: true });
  const item = banner.getByRole('listitem').filter({ hasText: title });
  await item.waitFor();
  const itemText = (await item.innerText()).replace(/\s+/g, ' ');
  for (const part of ['障害・発生中', title, `期間: ${when}`, impact]) {
    if (!itemText.includes(part)) throw new Error(`notices: the banner lacks "${part}": "${itemText}"`);
  }
  if ((await item.getByRole('alert').count()) !== 1) {
    throw new Error('notices: an active incident is not announced as an alert the first time');
  }
  const menu = learner.getByRole('navigation', { name: 'メインメニュー' });
  if ((await menu.getByRole('link', { name: 'お知らせ管理' }).count()) > 0) {
    throw new Error('notices: a learner sees the お知らせ管理 link');
  }
  await checkNames(learner, 'the notices banner');
  await axeCheck(learner, 'course list with the notices banner');
  await shoot(learner, 'notices-banner.png');
  step(`notices: ${who} sees it in the banner (${itemText.slice(0, 80)}…) as an alert`);

  // The body collapses (the title stays); after a reload, no second alert.
  await item.locator('summary').press('Enter');
  await item.getByText(impact).waitFor({ state: 'hidden' });
  // Kept once the `toggle` event has run, a task after the key: a reload
  // at once could come first.
  await learner.waitForFunction(() => (sessionStorage.getItem('manabi.notices.open') ?? '').includes('"-'));
  const reloaded = learner.waitForResponse((res) => new URL(res.url()).pathname === '/api/v1/notices');
  await learner.reload({ waitUntil: 'domcontentloaded' });
  await reloaded;
  await item.waitFor();
  if (await item.getByText(impact).isVisible()) throw new Error('notices: the collapsed body opened again');
  if ((await item.getByRole('alert').count()) !== 0) {
    throw new Error('notices: the incident was announced again after a reload');
  }
  await learner.setViewportSize({ width: 320, height: 800 });
  const widths = await learner.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    view: document.documentElement.clientWidth,
  }));
  if (widths.page > widths.view + 1) {
    throw new Error(`notices: at 320 px the page is ${widths.page} px wide`);
  }
  await learner.setViewportSize({ width: 1280, height: 900 });
  step('notices: the body collapses and stays so; no second alert after a reload; fits 320 px');

  // A maintenance tomorrow without 緊急: the server's notice-period message.
  const tomorrow = jstLocal(Date.now() + 86_400_000).slice(0, 10);
  await form.getByRole('radio', { name: 'メンテナンスのお知らせ' }).check();
  await form.getByLabel('件名', { exact: true }).fill(`システムメンテナンスのお知らせ ${stamp}`);
  await form.getByLabel('開始日時（日本時間）').fill(`${tomorrow}T10:00`);
  await form.getByLabel('終了日時（日本時間）').fill(`${tomorrow}T11:00`);
  await form.getByRole('button', { name: 'メンテナンスのひな形' }).click();
  if (await form.getByRole('checkbox', { name: '緊急のお知らせにする' }).isChecked()) {
    throw new Error('notices: 緊急 is checked by default');
  }
  await form.getByRole('button', { name: '掲載する' }).click();
  const refusal = page.getByRole('alert').filter({ hasText: 'できませんでした' });
  await refusal.waitFor();
  const refusalText = ((await refusal.textContent()) || '').trim();
  await axeCheck(page, 'notices admin page with a refusal');
  if (!refusalText.includes('7日前まで')) {
    throw new Error(`notices: no notice-period message for a maintenance tomorrow: "${refusalText}"`);
  }
  step(`notices: a maintenance tomorrow without 緊急 is refused: ${refusalText}`);

  // End the incident now; it leaves the banner.
  await table.getByRole('button', { name: `今すぐ終了（${title}）` }).click();
  const endDialog = page.getByRole('dialog', { name: 'お知らせを今すぐ終了しますか' });
  await endDialog.waitFor();
  if (!((await endDialog.textContent()) || '').includes(title)) {
    throw new Error('notices: the end dialog does not name the notice');
  }
  await axeCheck(page, 'notices end dialog');
  await endDialog.getByRole('button', { name: '終了する' }).click();
  await endDialog.waitFor({ state: 'detached' });
  await row.getByRole('cell', { name: '終了', exact: true }).waitFor();
  await adminBanner.getByText(title).waitFor({ state: 'detached' });
  const after = learner.waitForResponse((res) => new URL(res.url()).pathname === '/api/v1/notices');
  await learner.reload({ waitUntil: 'domcontentloaded' });
  const listed = await (await after).json();
  if (listed.items.some((n) => n.id === notice.id)) {
    throw new Error('notices: the ended incident is still listed for learners');
  }
  await learner.locator('main a[href^="#/courses/"]').first().waitFor({ state: 'visible' });
  if ((await learner.getByText(title).count()) !== 0) {
    throw new Error('notices: the ended incident is still in the banner after a reload');
  }
  step('notices: ended now after a confirmation; listed as 終了, gone from the banner after a reload');

  // Delete it: the dialog names it.
  await table.getByRole('button', { name: `削除（${title}）` }).click();
  const deleteDialog = page.getByRole('dialog', { name: 'お知らせを削除しますか' });
  if (!((await deleteDialog.textContent()) || '').includes(title)) {
    throw new Error('notices: the delete dialog does not name the notice');
  }
  await deleteDialog.getByRole('button', { name: '削除する' }).click();
  await row.waitFor({ state: 'detached' });
  step('notices: deleted after a confirmation naming it');

  // A manager manages users but not notices: refused politely, no menu link.
  const { E2E_MANAGER_EMAIL: managerEmail, E2E_MANAGER_PASSWORD: managerPassword } = process.env;
  if (managerEmail && managerPassword) {
    const managerContext = await context.browser().newContext({ locale: 'ja-JP' });
    const manager = await managerContext.newPage();
    manager.setDefaultTimeout(STEP_MS);
    manager.on('pageerror', (err) => errors.push(String(err)));
    await manager.goto(new URL('/#/admin/notices', base).href, { waitUntil: 'domcontentloaded' });
    await logIn(manager, managerEmail, managerPassword);
    await manager.getByRole('heading', { name: 'このページを表示する権限がありません' }).waitFor();
    const managerMenu = manager.getByRole('navigation', { name: 'メインメニュー' });
    await managerMenu.getByRole('link', { name: '利用者管理' }).waitFor();
    if ((await managerMenu.getByRole('link', { name: 'お知らせ管理' }).count()) > 0) {
      throw new Error('notices: a manager sees the お知らせ管理 link');
    }
    await managerContext.close();
    step('notices: a manager is refused お知らせ管理 politely and has no link to it');
  }

  if (errors.length) throw new Error(`notices: uncaught errors: ${errors.join(' | ')}`);
  await learner.close();
  await learnerContext?.close();
  await adminContext.close();
}

/**
 * グループ, ごみ箱, 監査ログ and データ出力 as the administrator
 * (E2E_ADMIN_EMAIL, E2E_ADMIN_PASSWORD; skipped without them), in a fresh
 * browser: a group created under 総務部/人事課 appears nested under it;
 * learner3 is found by e-mail and added, and its count goes from 0 to 1; the
 * group goes to the trash after a dialog naming it, is listed there (by
 * whom, when), a purge with a wrong name typed is refused inside its dialog
 * and escaped, and it is restored with its member. The audit log filtered
 * by `group.` shows its creation in Japan time with the details; users.csv
 * downloads with a BOM and `email,`, and in Shift_JIS either downloads or
 * names the characters it cannot hold. Every page's controls are named;
 * the audit table and the tree fit 320 px.
 */
async function morePages(context, base) {
  const { E2E_ADMIN_EMAIL: adminEmail, E2E_ADMIN_PASSWORD: adminPassword } = process.env;
  if (!adminEmail || !adminPassword) {
    step('groups, trash, audit, exports: skipped (E2E_ADMIN_EMAIL, E2E_ADMIN_PASSWORD not set)');
    return;
  }
  const errors = [];
  const adminContext = await context.browser().newContext({
    locale: 'ja-JP',
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  const page = await adminContext.newPage();
  page.setDefaultTimeout(STEP_MS);
  page.on('pageerror', (err) => errors.push(String(err)));
  await page.goto(new URL('/#/admin/groups', base).href, { waitUntil: 'domcontentloaded' });
  await logIn(page, adminEmail, adminPassword);
  await page.getByRole('heading', { name: 'グループ', level: 1 }).waitFor();
  const menu = page.getByRole('navigation', { name: 'メインメニュー' });
  for (const name of ['グループ', 'データ出力', '監査ログ', 'ごみ箱']) {
    await menu.getByRole('link', { name, exact: true }).waitFor();
  }
  const fits320 = async (where) => {
    await page.setViewportSize({ width: 320, height: 800 });
    const w = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      view: document.documentElement.clientWidth,
    }));
    await page.setViewportSize({ width: 1280, height: 900 });
    if (w.page > w.view + 1) throw new Error(`${where}: at 320 px the page is ${w.page} px wide`);
  };

  // A new group under 総務部/人事課, nested in the tree with 0 members.
  const stamp = Date.now().toString(36);
  const groupName = `研修係${stamp}`;
  const path = `総務部/人事課/${groupName}`;
  const createForm = page.getByRole('form', { name: 'グループを作る' });
  await createForm.getByLabel('グループ名').fill(groupName);
  await createForm.getByLabel('親グループ').selectOption({ label: '総務部/人事課' });
  const createdResponse = page.waitForResponse(
    (res) => new URL(res.url()).pathname === '/api/v1/groups' && res.request().method() === 'POST',
  );
  await createForm.getByRole('button', { name: '作成する' }).click();
  const created = await createdResponse;
  if (created.status() !== 201) throw new Error(`groups: creating answered ${created.status()} ${await created.text()}`);
  const group = await created.json();
  const tree = page.getByRole('list', { name: 'グループの階層' });
  const openButton = tree.getByRole('button', { name: `メンバーを見る（${path}）` });
  await openButton.waitFor();
  const groupRow = page.locator(`li[data-group="${group.id}"] > .group-row`);
  const parentName = await groupRow.evaluate(
    (row) => row.closest('ul.group-children')?.closest('li')?.querySelector('.group-name')?.textContent,
  );
  if (parentName !== '人事課') throw new Error(`groups: the new group is nested under "${parentName}"`);
  const before = (await groupRow.innerText()).replace(/\s+/g, ' ');
  if (!before.includes('メンバー 0 人')) throw new Error(`groups: the new group reads "${before}"`);

  // Its members: learner3 found by e-mail and added; the count changes.
  await openButton.click();
  const panel = page.getByRole('region', { name: `「${path}」のメンバー`, exact: true });
  await panel.waitFor();
  await page.waitForFunction(() => document.activeElement?.id === 'group-members-heading');
  const memberSearch = panel.getByRole('search', { name: 'メンバーに追加する人の検索' });
  await memberSearch.getByLabel('追加する人のメールアドレスまたは氏名').fill('learner3@manabi.example');
  await memberSearch.getByRole('button', { name: '検索' }).click();
  await panel
    .getByRole('table', { name: '検索結果' })
    .getByRole('button', { name: '追加する（learner3@manabi.example）' })
    .click();
  await groupRow.getByText('メンバー 1 人').waitFor();
  await panel
    .getByRole('table', { name: /のメンバー一覧（1 人）$/ })
    .getByRole('row', { name: /learner3@manabi\.example/ })
    .waitFor();
  step(`groups: created ${path} under 人事課 (メンバー 0 人), added learner3 → メンバー 1 人`);
  await checkNames(page, 'the groups page');
  await axeCheck(page, 'groups page with a group open');
  await fits320('groups');
  await shoot(page, 'admin-groups.png');

  // To the trash, after a dialog naming it.
  await tree.getByRole('button', { name: `ごみ箱へ移動（${path}）` }).click();
  const trashDialog = page.getByRole('dialog', { name: 'グループをごみ箱に移動しますか' });
  await trashDialog.waitFor();
  await axeCheck(page, 'groups trash dialog');
  if (!((await trashDialog.textContent()) || '').includes(path)) {
    throw new Error('groups: the trash dialog does not name the group');
  }
  await trashDialog.getByRole('button', { name: 'ごみ箱に移動する' }).click();
  await openButton.waitFor({ state: 'detached' });

  await menu.getByRole('link', { name: 'ごみ箱', exact: true }).click();
  await page.getByRole('heading', { name: 'ごみ箱', level: 1 }).waitFor();
  const trashTable = page.getByRole('table', { name: /^ごみ箱の中身/ });
  const trashRow = trashTable.locator('tbody tr').filter({ hasText: path });
  await trashRow.waitFor();
  const trashText = (await trashRow.innerText()).replace(/\s+/g, ' ');
  if (!trashText.includes('グループ') || !trashText.includes(adminEmail)) {
    throw new Error(`trash: the row reads "${trashText}"`);
  }
  // A purge needs the name typed exactly: a wrong one is refused in the dialog.
  await trashRow.getByRole('button', { name: `完全に削除（グループ「${path}」）` }).click();
  const purgeDialog = page.getByRole('dialog', { name: '完全に削除しますか' });
  await purgeDialog.getByText('この操作は取り消せません').waitFor();
  await purgeDialog.getByRole('textbox').fill(groupName);
  await purgeDialog.getByRole('button', { name: '完全に削除する' }).click();
  await purgeDialog.getByRole('alert').filter({ hasText: '一致しません' }).waitFor();
  await axeCheck(page, 'trash purge dialog with a wrong name');
  await page.keyboard.press('Escape');
  await purgeDialog.waitFor({ state: 'detached' });
  await checkNames(page, 'the trash page');
  await axeCheck(page, 'trash page');
  await shoot(page, 'admin-trash.png');
  await trashRow.getByRole('button', { name: `元に戻す（グループ「${path}」）` }).click();
  await page
    .getByRole('dialog', { name: 'ごみ箱から元に戻しますか' })
    .getByRole('button', { name: '元に戻す' })
    .click();
  await trashRow.waitFor({ state: 'detached' });
  await menu.getByRole('link', { name: 'グループ', exact: true }).click();
  await groupRow.getByText('メンバー 1 人').waitFor();
  step(`trash: listed (${trashText.trim()}); a wrong name refused for a purge; restored with its member`);

  // The audit log, filtered by group.: the creation, in Japan time, with details.
  await menu.getByRole('link', { name: '監査ログ', exact: true }).click();
  await page.getByRole('heading', { name: '監査ログ', level: 1 }).waitFor();
  const auditFilter = page.getByRole('search', { name: '監査ログの絞り込み' });
  await auditFilter.getByLabel('操作の種類').selectOption('group.');
  const filtered = page.waitForResponse((res) => new URL(res.url()).pathname === '/api/v1/audit');
  await auditFilter.getByRole('button', { name: '絞り込む' }).click();
  const auditAnswer = await (await filtered).json();
  if (auditAnswer.items.some((e) => !e.action.startsWith('group.'))) {
    throw new Error('audit: the group. filter let other actions through');
  }
  const auditTable = page.getByRole('table', { name: /^監査ログ/ });
  const createRow = auditTable
    .locator('tbody tr')
    .filter({ hasText: 'グループの作成' })
    .filter({ hasText: `グループ #${group.id}` });
  await createRow.waitFor();
  const when = ((await createRow.locator('time').textContent()) || '').trim();
  const m = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d)$/.exec(when);
  const jstMs = m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) - 9 * 3600_000 : NaN;
  if (!(Math.abs(Date.now() - jstMs) < 10 * 60_000)) {
    throw new Error(`audit: the creation's time "${when}" is not Japan time now`);
  }
  await createRow.locator('summary').click();
  await createRow.getByText(`グループ名: ${groupName}`).waitFor();
  await checkNames(page, 'the audit page');
  await axeCheck(page, 'audit page with details open');
  await fits320('audit');
  await shoot(page, 'admin-audit.png');
  step(`audit: filtered by group. (${auditAnswer.total} entries); the creation at ${when} (JST) with its details`);

  // Exports: users.csv with a BOM; Shift_JIS gives a file or names the characters.
  await menu.getByRole('link', { name: 'データ出力', exact: true }).click();
  await page.getByRole('heading', { name: 'データ出力', level: 1 }).waitFor();
  const seats = ((await page.getByRole('region', { name: '契約 ID 数' }).locator('p').first().textContent()) || '').trim();
  if (!/契約 \d+ ID/.test(seats)) throw new Error(`exports: the seats read "${seats}"`);
  const saveUsers = page.getByRole('button', { name: 'users.csv を保存' });
  const [utf8] = await Promise.all([page.waitForEvent('download'), saveUsers.click()]);
  const bytes = await readFile(await utf8.path());
  if (!bytes.subarray(0, 9).equals(Buffer.from('\uFEFFemail,', 'utf8'))) {
    throw new Error(`exports: users.csv starts ${JSON.stringify(bytes.subarray(0, 12).toString('latin1'))}`);
  }
  await page.getByRole('radio', { name: 'Shift_JIS' }).check();
  const sjisDownload = page.waitForEvent('download').then((d) => ({ d }));
  const sjisRefusal = page
    .getByRole('alert')
    .filter({ hasText: 'Shift_JIS で表せない文字' })
    .waitFor()
    .then(() => ({ refused: true }));
  sjisDownload.catch(() => {});
  sjisRefusal.catch(() => {});
  await saveUsers.click();
  const sjis = await Promise.race([sjisDownload, sjisRefusal]);
  let sjisNote;
  if (sjis.d) {
    const sjisBytes = await readFile(await sjis.d.path());
    if (sjisBytes[0] === 0xef || !sjisBytes.subarray(0, 6).equals(Buffer.from('email,'))) {
      throw new Error(`exports: the Shift_JIS users.csv starts ${JSON.stringify(sjisBytes.subarray(0, 8).toString('latin1'))}`);
    }
    sjisNote = `Shift_JIS file ${sjis.d.suggestedFilename()} (${sjisBytes.length} bytes, no BOM)`;
  } else {
    const rows = await page.getByRole('table', { name: /^Shift_JIS で表せない文字/ }).locator('tbody tr').count();
    if (!rows) throw new Error('exports: the Shift_JIS refusal lists no characters');
    sjisNote = `Shift_JIS refused with ${rows} characters listed`;
  }
  await checkNames(page, 'the exports page');
  await axeCheck(page, 'exports page');
  await shoot(page, 'admin-exports.png');
  step(`exports: seats "${seats}"; ${utf8.suggestedFilename()} starts with BOM + email,; ${sjisNote}`);

  if (errors.length) throw new Error(`groups, trash, audit, exports: uncaught errors: ${errors.join(' | ')}`);
  await adminContext.close();
}

/**
 * 必修研修の割り当て as the administrator (E2E_ADMIN_EMAIL,
 * E2E_ADMIN_PASSWORD; skipped without them), in a fresh browser. Set-up
 * over the API: a course assigned to learner2 and learner3 due yesterday
 * (the first course one of them has not completed, so someone is overdue).
 * In the page: the empty form is refused with the message beside 講座
 * (marked invalid); a course is assigned to 区民部/区民課 and to learner2
 * found by a search, due in 30 days, with a note; it is listed and its
 * progress opens (two people, 未受講 or started); the overdue assignment's
 * progress filtered to 期限切れの人だけ lists exactly the overdue people and
 * its CSV (BOM, `email,name,status`) holds them; that assignment is
 * deleted after a dialog naming it. Named controls, axe on every state,
 * 320 px. A manager sees the page in the menu and only its own learners.
 */
async function assignmentPages(context, base) {
  const { E2E_ADMIN_EMAIL: adminEmail, E2E_ADMIN_PASSWORD: adminPassword } = process.env;
  if (!adminEmail || !adminPassword) {
    step('assignments: skipped (E2E_ADMIN_EMAIL, E2E_ADMIN_PASSWORD not set)');
    return;
  }
  const admin = await apiLogin(base, adminEmail, adminPassword);
  const userId = async (who) =>
    (await admin('GET', `/api/v1/users?q=${encodeURIComponent(who)}`)).items.find((u) => u.email === who).id;
  const learners = [await userId('learner2@manabi.example'), await userId('learner3@manabi.example')];
  const published = (await admin('GET', '/api/v1/courses?per_page=500')).items.filter((c) => c.status === 'published');
  const yesterday = jstLocal(Date.now() - 86_400_000).slice(0, 10);
  let late = null;
  for (const c of published) {
    const made = await admin('POST', '/api/v1/assignments', { course_id: c.id, due_on: yesterday, user_ids: learners });
    const report = await admin('GET', `/api/v1/assignments/${made.id}`);
    if ((report.summary.overdue ?? 0) > 0) {
      late = { ...made, overdue: report.summary.overdue };
      break;
    }
    await admin('DELETE', `/api/v1/assignments/${made.id}`);
  }
  if (!late) throw new Error('assignments: learner2 and learner3 have completed every course; nobody can be overdue');

  const errors = [];
  const adminContext = await context.browser().newContext({
    locale: 'ja-JP',
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  const page = await adminContext.newPage();
  page.setDefaultTimeout(STEP_MS);
  page.on('pageerror', (err) => errors.push(String(err)));
  await page.goto(new URL('/#/', base).href, { waitUntil: 'domcontentloaded' });
  await logIn(page, adminEmail, adminPassword);
  const menu = page.getByRole('navigation', { name: 'メインメニュー' });
  await menu.getByRole('link', { name: '必修研修の割り当て' }).click();
  await page.getByRole('heading', { name: '必修研修の割り当て', level: 1 }).waitFor();
  const form = page.getByRole('form', { name: '新しく割り当てる' });
  await axeCheck(page, 'assignments page');

  // Nothing chosen: the message is beside 講座, which is marked invalid and focused.
  await form.getByRole('button', { name: '割り当てる' }).click();
  const courseSelect = form.getByLabel('講座', { exact: true });
  await page.locator('#assign-course-error').filter({ hasText: '割り当てる講座を選んでください。' }).waitFor();
  if ((await courseSelect.getAttribute('aria-invalid')) !== 'true' || !(await courseSelect.evaluate((el) => el === document.activeElement))) {
    throw new Error('assignments: the empty course is not marked invalid and focused');
  }
  await axeCheck(page, 'assignments form with an error beside a field');

  // A course to 区民部/区民課 and learner2, due in 30 days, with a note.
  const course = published.find((c) => c.id !== late.course_id) ?? published[0];
  const due = jstLocal(Date.now() + 30 * 86_400_000).slice(0, 10);
  await courseSelect.selectOption(String(course.id));
  await form.getByLabel('期限', { exact: true }).fill(due);
  await form.getByRole('group', { name: '割り当てるグループ' }).getByLabel('区民部/区民課').check();
  await form.getByLabel('職員のメールアドレスまたは氏名').fill('learner2@manabi.example');
  await form.getByRole('button', { name: '職員を検索' }).click();
  await form.getByRole('button', { name: '追加する（learner2@manabi.example）' }).click();
  await form.getByText('追加した職員（1 人）').waitFor();
  await form.getByLabel(/^メモ/).fill('12月末までに受講してください。');
  const created = page.waitForResponse(
    (res) => new URL(res.url()).pathname === '/api/v1/assignments' && res.request().method() === 'POST',
  );
  await form.getByRole('button', { name: '割り当てる' }).click();
  const answer = await created;
  if (answer.status() !== 201) throw new Error(`assignments: creating answered ${answer.status()} ${await answer.text()}`);
  const made = await answer.json();
  const list = page.getByRole('table', { name: '割り当て一覧' });
  const row = list.locator(`tr[data-assignment="${made.id}"]`);
  const rowText = (await row.innerText()).replace(/\s+/g, ' ');
  if (!rowText.includes(course.title) || !rowText.includes('区民部/区民課 ＋ 個別に 1 人') || !rowText.includes('12月末までに')) {
    throw new Error(`assignments: the new row reads "${rowText}"`);
  }
  const progress = page.getByRole('region', { name: new RegExp(`^「${course.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}」.*の進み具合$`) });
  await progress.waitFor();
  const people = progress.getByRole('table', { name: /^対象の人の進み具合/ }).locator('tbody tr');
  const emails = (await people.allInnerTexts()).map((t) => t.split(/\s/)[0]).sort();
  if (emails.join(',') !== 'learner2@manabi.example,learner3@manabi.example') {
    throw new Error(`assignments: the new assignment reaches ${emails.join(', ')}`);
  }
  await checkNames(page, 'the assignments page');
  await axeCheck(page, 'assignments page with a progress open');
  await shoot(page, 'admin-assignments.png');
  step(`assignments: refused empty (message beside 講座); assigned 「${course.title}」 to 区民部/区民課 and learner2 (${rowText.slice(0, 60)}…); progress lists ${emails.join(', ')}`);

  // The overdue assignment: only its overdue people, as a table and as CSV.
  const lateRow = list.locator(`tr[data-assignment="${late.id}"]`);
  await lateRow.getByRole('button', { name: /^進み具合を見る/ }).click();
  await page.locator('#assign-report-summary').filter({ hasText: `期限切れ ${late.overdue} 人` }).waitFor();
  await page.getByRole('region', { name: /^「.*」（期限 .*）の進み具合$/ }).getByLabel('期限切れの人だけ').check();
  const overdueRows = page.getByRole('table', { name: /^期限切れの人/ }).locator('tbody tr');
  await overdueRows.first().waitFor();
  const overdueTexts = await overdueRows.allInnerTexts();
  if (overdueTexts.length !== late.overdue || overdueTexts.some((t) => !t.includes('期限切れ'))) {
    throw new Error(`assignments: 期限切れの人だけ lists ${JSON.stringify(overdueTexts)}; the API says ${late.overdue}`);
  }
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: '表示している人をCSVで保存' }).click(),
  ]);
  const csv = await readFile(await file.path(), 'utf8');
  const lines = csv.trim().split(/\r?\n/);
  if (!csv.startsWith('\uFEFFemail,name,status') || lines.length !== late.overdue + 1 || !lines[1].includes('期限切れ')) {
    throw new Error(`assignments: ${file.suggestedFilename()} reads ${JSON.stringify(csv.slice(0, 200))}`);
  }
  await axeCheck(page, 'assignments: the overdue only');
  await fitsAt320(page, 'assignments');
  await shoot(page, 'admin-assignment-overdue.png');
  step(`assignments: 期限切れの人だけ lists ${overdueTexts.length} (as the API says); ${file.suggestedFilename()} holds them`);

  // Deleted after a dialog naming it.
  await lateRow.getByRole('button', { name: /^削除/ }).click();
  const ask = page.getByRole('dialog', { name: '割り当てを削除しますか' });
  await ask.waitFor();
  const lateTitle = published.find((c) => c.id === late.course_id).title;
  if (!((await ask.textContent()) || '').includes(lateTitle)) throw new Error('assignments: the delete dialog does not name the course');
  await axeCheck(page, 'assignments: delete dialog');
  await ask.getByRole('button', { name: '削除する' }).click();
  await lateRow.waitFor({ state: 'detached' });
  const left = await admin('GET', '/api/v1/assignments');
  if (left.items.some((a) => a.id === late.id)) throw new Error('assignments: the deleted assignment is still listed by the API');
  step(`assignments: 「${lateTitle}」 deleted after a dialog naming it`);

  // A manager has the page and sees its own learners only.
  const { E2E_MANAGER_EMAIL: managerEmail, E2E_MANAGER_PASSWORD: managerPassword } = process.env;
  if (managerEmail && managerPassword) {
    const managerContext = await context.browser().newContext({ locale: 'ja-JP' });
    const manager = await managerContext.newPage();
    manager.setDefaultTimeout(STEP_MS);
    manager.on('pageerror', (err) => errors.push(String(err)));
    await manager.goto(new URL('/#/admin/assignments', base).href, { waitUntil: 'domcontentloaded' });
    await logIn(manager, managerEmail, managerPassword);
    await manager.getByRole('heading', { name: '必修研修の割り当て', level: 1 }).waitFor();
    await manager.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '必修研修の割り当て' }).waitFor();
    const boxes = await manager.getByRole('group', { name: '割り当てるグループ' }).getByRole('checkbox').count();
    // The admin's assignment reaches learner2 (人事課, the manager's): listed,
    // with the people the API shows this manager (its groups and below) and no others.
    const inScope = (await (await apiLogin(base, managerEmail, managerPassword))('GET', `/api/v1/assignments/${made.id}`))
      .assignees.map((p) => p.email).sort();
    // The admin's assignment: no 削除 for the manager (the server would refuse it).
    const adminsRow = manager.locator(`tr[data-assignment="${made.id}"]`);
    await adminsRow.waitFor();
    if (await adminsRow.getByRole('button', { name: /^削除/ }).count()) {
      throw new Error("assignments: the manager is offered 削除 on the admin's assignment");
    }
    await adminsRow.getByRole('button', { name: /^進み具合を見る/ }).click();
    const seen = manager.getByRole('table', { name: /^対象の人の進み具合/ }).locator('tbody tr');
    await seen.first().waitFor();
    const seenEmails = (await seen.allInnerTexts()).map((t) => t.split(/\s/)[0]).sort();
    if (seenEmails.join(',') !== inScope.join(',') || !seenEmails.includes('learner2@manabi.example')) {
      throw new Error(`assignments: the manager sees ${seenEmails.join(', ')}; its scope is ${inScope.join(', ')}`);
    }
    await axeCheck(manager, 'assignments page as a manager');
    await managerContext.close();
    step(`assignments: the manager has the page (${boxes} groups to choose) and sees its own learners (${seenEmails.join(', ')})`);
  }

  if (errors.length) throw new Error(`assignments: uncaught errors: ${errors.join(' | ')}`);
  await adminContext.close();
}

/**
 * 設定 as the administrator (E2E_ADMIN_EMAIL, E2E_ADMIN_PASSWORD; skipped
 * without them): from the menu; it says it is read-only and where the
 * operator changes it (運用マニュアル, linked); the seats as
 * GET /api/v1/seats counts them; each setting as GET /api/v1/settings gives
 * it (修了とみなす視聴率, 自動ログアウト, the default site and budget). The
 * demo configures no network site, so the page says so; then, to see the
 * sites table, the page is given that answer with the documented example's
 * site (honcho, 10.1.0.0/16, 100 Mbps; the default budget 0 = 無制限)
 * through the browser and must show it. axe on both, 320 px.
 */
async function settingsPages(context, base) {
  const { E2E_ADMIN_EMAIL: adminEmail, E2E_ADMIN_PASSWORD: adminPassword } = process.env;
  if (!adminEmail || !adminPassword) {
    step('settings: skipped (E2E_ADMIN_EMAIL, E2E_ADMIN_PASSWORD not set)');
    return;
  }
  const admin = await apiLogin(base, adminEmail, adminPassword);
  const real = await admin('GET', '/api/v1/settings');
  const adminContext = await context.browser().newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } });
  const page = await adminContext.newPage();
  page.setDefaultTimeout(STEP_MS);
  const errors = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  await page.goto(new URL('/#/', base).href, { waitUntil: 'domcontentloaded' });
  await logIn(page, adminEmail, adminPassword);
  await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '設定', exact: true }).click();
  await page.getByRole('heading', { name: '設定', level: 1 }).waitFor();
  const readOnly = ((await page.locator('#settings-read-only').textContent()) || '').replace(/\s+/g, '');
  if (!readOnly.includes('この画面では変更できません') || !readOnly.includes('設定ファイル')) {
    throw new Error(`settings: the page does not say it is read-only: "${readOnly}"`);
  }
  if ((await page.getByRole('link', { name: '運用マニュアル' }).getAttribute('href')) !== '/help/operator.html') {
    throw new Error('settings: no link to 運用マニュアル');
  }
  const seats = await admin('GET', '/api/v1/seats');
  await page.getByRole('region', { name: '契約 ID 数' }).getByText(`契約 ${seats.licensed} ID のうち ${seats.active} ID を使用中です`).waitFor();
  const value = async (label) =>
    ((await page.locator('dt', { hasText: label }).locator('xpath=following-sibling::dd[1]/span[1]').textContent()) || '').trim();
  const coverage = `${Number((real.completion_coverage * 100).toFixed(1))}%`;
  const seen = {
    coverage: await value('修了とみなす視聴率'),
    idle: await value('自動ログアウトまでの時間'),
    site: await value('どの拠点にも当てはまらない接続'),
  };
  const budget = real.network.default_budget_mbps > 0 ? `${real.network.default_budget_mbps} Mbps` : '無制限';
  if (seen.coverage !== coverage || seen.idle !== `${real.session_idle_minutes} 分` || seen.site !== `拠点「${real.network.default_site}」として扱い、帯域の上限は ${budget}`) {
    throw new Error(`settings: the page shows ${JSON.stringify(seen)} for ${JSON.stringify(real)}`);
  }
  if (!real.network.sites.length) await page.getByText('拠点は設定されていません。').waitFor();
  await checkNames(page, 'the settings page');
  await axeCheck(page, 'settings page');
  await fitsAt320(page, 'settings');
  step(`settings: read-only, linked to 運用マニュアル; seats ${seats.active}/${seats.licensed}; 修了 ${seen.coverage}, logout ${seen.idle}, ${real.network.sites.length} sites`);

  // バックアップ: the list as the API gives it, then one taken now from the button.
  const backups = page.getByRole('region', { name: 'バックアップ', exact: true });
  const before = await admin('GET', '/api/v1/backups');
  const listed = () => backups.locator('tbody tr').count();
  if ((await listed()) !== Math.min(before.items.length, 14)) {
    throw new Error(`backups: ${await listed()} rows for ${before.items.length} backups`);
  }
  await backups.getByRole('button', { name: '今すぐバックアップ' }).click();
  await backups.getByText('バックアップを取りました', { exact: false }).waitFor({ timeout: 120_000 });
  // (The service's own daily backup may land beside it: compare by file.)
  const after = await admin('GET', '/api/v1/backups');
  const known = new Set(before.items.map((b) => b.file));
  const added = after.items.filter((b) => !known.has(b.file) && b.status === 'ok');
  if (!added.length) {
    throw new Error(`backups: the button did not add a verified backup (${before.items.length} → ${after.items.length})`);
  }
  const newest = ((await backups.locator('tbody tr', { hasText: added[0].file }).innerText()) || '').replace(/\s+/g, ' ').trim();
  if (!newest.includes('成功')) throw new Error(`backups: the new backup's row reads "${newest}"`);
  await checkNames(page, 'the settings page with backups');
  await axeCheck(page, 'settings page after a backup');
  await shoot(page, 'admin-backups.png', backups);
  step(`backups: ${before.items.length} listed; 今すぐバックアップ added a verified one (${newest})`);

  // The answer with a site, as the documented example has it: its table.
  const example = {
    ...real,
    network: {
      ...real.network,
      default_budget_mbps: 0,
      trusted_proxies: ['10.0.0.1/32'],
      sites: [{ name: 'honcho', cidrs: ['10.1.0.0/16'], budget_mbps: 100 }],
    },
  };
  await page.route('**/api/v1/settings', (route) => route.fulfill({ json: example }));
  await page.reload({ waitUntil: 'domcontentloaded' });
  const sites = page.getByRole('table', { name: '拠点と帯域の上限（1 拠点）' });
  const row = ((await sites.locator('tbody tr').innerText()) || '').replace(/\s+/g, ' ').trim();
  if (row !== 'honcho 10.1.0.0/16 100 Mbps') throw new Error(`settings: the site row reads "${row}"`);
  if ((await value('どの拠点にも当てはまらない接続')) !== '拠点「default」として扱い、帯域の上限は 無制限') {
    throw new Error('settings: budget 0 is not said as 無制限');
  }
  await axeCheck(page, 'settings page with a site');
  await fitsAt320(page, 'settings with a site');
  await shoot(page, 'admin-settings.png');
  await page.unroute('**/api/v1/settings');
  step(`settings: the documented answer with a site shows it (${row}) and budget 0 as 無制限`);
  if (errors.length) throw new Error(`settings: uncaught errors: ${errors.join(' | ')}`);
  await adminContext.close();
}

/** Fails when `page` scrolls sideways at 320 px (the viewport is set back to 1280 × 900). */
async function fitsAt320(page, where) {
  await page.setViewportSize({ width: 320, height: 800 });
  const over = await sidewaysOverflow(page);
  await page.setViewportSize({ width: 1280, height: 900 });
  if (over > 1) throw new Error(`${where}: at 320 px the page is ${over} px too wide`);
}

/** Saves a full-page screenshot into SCREENSHOT_DIR, when set; with `part`, of that part only. */
async function shoot(page, name, part) {
  if (!process.env.SCREENSHOT_DIR) return;
  await mkdir(process.env.SCREENSHOT_DIR, { recursive: true });
  const file = path.join(process.env.SCREENSHOT_DIR, name);
  if (part) await part.screenshot({ path: file });
  else await page.screenshot({ path: file, fullPage: true });
  step(`screenshot saved to ${file}`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** The grant segment of a media URL, `/media/v/{video}/{token}/…`. */
const tokenOf = (url) => /\/media\/v\/[^/]+\/([^/]+)\//.exec(new URL(url).pathname)?.[1] ?? null;
/** Longest grant TTL (s) for which the renewal phase fits hls.js's 10 s time to first byte. */
const RENEWAL_MAX_TTL_S = 8;
const SEGMENT = /\/media\/v\/.*\.m4s(\?.*)?$/;

/**
 * A learner whose grant expires mid-play: every media segment after the
 * first is held in the browser until the grant has expired, so the origin
 * refuses it (403). The player must renew the grant with a heartbeat, load
 * on with the new token without reloading the master playlist, play to the
 * end, and not end the session.
 */
async function renewal(page) {
  let releaseAt = null;
  let segments = 0;
  const media = [];
  const renewedTokens = new Set();
  const heartbeatFailures = [];
  let playResponse;
  const played = new Promise((resolve) => (playResponse = resolve));
  page.on('response', async (res) => {
    const url = res.url();
    if (url.includes('/media/v/')) media.push({ url, status: res.status(), at: Date.now() });
    if (url.includes('/heartbeat')) {
      if (res.status() !== 200) heartbeatFailures.push(`${res.status()}`);
      const body = await res.json().catch(() => null);
      if (body?.master_url) renewedTokens.add(tokenOf(new URL(body.master_url, url).href));
    }
    if (/\/api\/v1\/videos\/[^/]+\/play$/.test(url) && res.status() === 200) {
      playResponse(await res.json().catch(() => null));
    }
  });
  await page.route(SEGMENT, async (route) => {
    segments += 1;
    if (segments > 1) {
      const grant = await played;
      releaseAt ??= Date.parse(grant?.expires_at) + 1500;
      const wait = releaseAt - Date.now();
      if (wait > 0) await sleep(wait);
    }
    await route.continue().catch(() => {});
  });

  await page.evaluate(() => {
    const status = document.getElementById('status');
    window.__said = [];
    new MutationObserver(() => window.__said.push(status.textContent)).observe(status, {
      childList: true,
      characterData: true,
      subtree: true,
    });
    location.hash = '#/';
  });
  const secondCourse = page.locator(DOMAIN_COURSES).nth(1);
  await secondCourse.waitFor({ state: 'visible' });
  step(`renewal: opening the second course: ${(await secondCourse.textContent())?.trim()}`);
  await secondCourse.click();
  const lesson = page.locator('.lesson-list button.lesson:not([disabled])').first();
  await lesson.waitFor({ state: 'visible' });
  const clickedAt = Date.now();
  await lesson.click();
  // The demo's history may have left this lesson part-watched: start it
  // over, so that more than one segment is still to come.
  const fromStart = page.getByRole('button', { name: '最初から再生' });
  await page.locator('.player video').waitFor();
  if (await fromStart.isVisible()) await fromStart.click();
  const grant = await Promise.race([played, sleep(STEP_MS).then(() => null)]);
  if (!grant?.expires_at) throw new Error('renewal: no answer to POST /api/v1/videos/{id}/play');
  const ttl = (Date.parse(grant.expires_at) - clickedAt) / 1000;
  if (ttl > RENEWAL_MAX_TTL_S) {
    step(`renewal: skipped, the grant TTL is ${ttl.toFixed(0)} s ` +
      `(start the server with MANABI_CATALOG__GRANT_TTL_SECONDS=6 MANABI_ORIGIN__GRANT_SKEW_SECONDS=0)`);
    await page.unroute(SEGMENT).catch(() => {});
    return;
  }
  const first = tokenOf(new URL(grant.master_url, page.url()).href);
  step(`renewal: grant TTL ${ttl.toFixed(1)} s; segments after the first held until it expired`);

  try {
    await page.waitForFunction(
      () => {
        const v = document.querySelector('video');
        return !!v && v.duration > 0 && (v.ended || v.currentTime >= v.duration - 0.5);
      },
      null,
      { timeout: 40_000, polling: 250 },
    );
  } catch {
    const state = await page.evaluate(() => {
      const v = document.querySelector('video');
      return `currentTime=${v?.currentTime} duration=${v?.duration} readyState=${v?.readyState}; ` +
        `said: ${JSON.stringify(window.__said)}`;
    });
    const log = media.map((m) => `${m.status} ${new URL(m.url).pathname.split('/').slice(-2).join('/')}`);
    throw new Error(`renewal: the video did not play to the end (${state}; media: ${log.join(', ')})`);
  }

  const refused = media.filter((m) => m.status === 403 && tokenOf(m.url) === first);
  if (!refused.length) {
    throw new Error('renewal: no segment was refused with the expired grant; the test did not hold it back');
  }
  const after = media.filter((m) => m.at >= refused[0].at && m.status === 200 && m.url.endsWith('.m4s'));
  const renewed = after.filter((m) => tokenOf(m.url) !== first && renewedTokens.has(tokenOf(m.url)));
  if (!renewed.length) {
    throw new Error(`renewal: no segment loaded with a renewed grant after the 403 (${after.map((m) => m.url).join(', ')})`);
  }
  const masters = media.filter((m) => m.url.endsWith('/master.m3u8'));
  if (masters.length !== 1) {
    throw new Error(`renewal: the master playlist was loaded ${masters.length} times; expected once (no reload)`);
  }
  if (heartbeatFailures.length) throw new Error(`renewal: heartbeats failed: ${heartbeatFailures.join(', ')}`);
  const said = await page.evaluate(() => `${window.__said.join(' | ')} | ${document.querySelector('.player [role="alert"]')?.textContent ?? ''}`);
  if (/終了|読み込めません/.test(said)) throw new Error(`renewal: the player gave up: ${said}`);
  step(`renewal: played to the end across a renewal (${refused.length} refused, ${renewed.length} loaded with the new grant)`);
  // Its end recorded, the lesson shows 修了 without a reload.
  await page.locator('.lesson-list button.lesson[aria-current="true"] .lesson-progress').filter({ hasText: '修了' }).waitFor();
  step('renewal: the lesson now shows 修了 in the list');
  await page.unroute(SEGMENT).catch(() => {});
}

/**
 * The player's own controls, on the main learner's first lesson: the speed
 * control (video.playbackRate and the announcement), the shortcuts with
 * focus on the video (k pauses, l skips 10 s on, ← 5 s back, j 10 s back,
 * → 5 s on), the shortcuts help opened with ? and closed with Escape (focus
 * back on the video); then, after a reload of the course page, the new
 * player at the saved speed, resuming where it was left with 「最初から再生」
 * offered. Fits 320 px; every control is named.
 */
async function playerControls(page) {
  const at = () => page.evaluate(() => document.querySelector('.player video')?.currentTime ?? -1);
  const near = (expected) =>
    page.waitForFunction(
      (t) => Math.abs((document.querySelector('.player video')?.currentTime ?? -99) - t) < 0.05,
      expected,
      { polling: 50 },
    );
  const said = (pattern) =>
    page.waitForFunction(
      (source) => new RegExp(source).test(document.getElementById('status')?.textContent ?? ''),
      pattern.source,
      { polling: 50 },
    );
  const lesson = page.locator('.lesson-list button.lesson:not([disabled])').first();
  const video = page.locator('.player video');

  await page.evaluate(() => (location.hash = '#/'));
  await page.locator(DOMAIN_COURSES).first().click();
  await lesson.click();
  await video.waitFor();
  const fromStart = page.getByRole('button', { name: '最初から再生' });
  if (await fromStart.isVisible()) await fromStart.click();
  await page.waitForFunction(
    () => {
      const v = document.querySelector('.player video');
      return !!v && !v.paused && v.currentTime > 0.2 && v.duration > 0;
    },
    null,
    { timeout: 20_000, polling: 50 },
  );

  // The speed control: the video's rate, said and kept (PUT, debounced).
  const speed = page.getByLabel('再生速度', { exact: true });
  const want = (await speed.inputValue()) === '1.5' ? '2' : '1.5';
  const kept = page.waitForResponse(
    (res) => new URL(res.url()).pathname === '/api/v1/me/preferences' && res.request().method() === 'PUT',
  );
  kept.catch(() => {});
  await speed.selectOption(want);
  await page.waitForFunction((r) => document.querySelector('.player video').playbackRate === r, Number(want));
  await said(new RegExp(`^再生速度 ${want.replace('.', '\\.')}倍$`));
  step(`player controls: 再生速度 ${want}倍 chosen; video.playbackRate ${want}, announced 「再生速度 ${want}倍」`);

  // Shortcuts with focus on the video.
  await video.focus();
  await page.keyboard.press('k');
  await page.waitForFunction(() => document.querySelector('.player video').paused, null, { polling: 50 });
  const t0 = await at();
  const duration = await page.evaluate(() => document.querySelector('.player video').duration);
  const t1 = Math.min(t0 + 10, duration);
  await page.keyboard.press('l');
  await near(t1);
  await said(/^10秒進みました（/);
  await page.keyboard.press('ArrowLeft');
  await near(t1 - 5);
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  await near(0);
  // Where the next player resumes: 5 s, sent by the heartbeat after the seek.
  const leftAt = page.waitForResponse((res) => {
    if (!res.url().includes('/heartbeat') || res.status() !== 200) return false;
    try {
      return Math.abs(JSON.parse(res.request().postData() || '{}').position_s - 5) < 0.01;
    } catch {
      return false;
    }
  });
  leftAt.catch(() => {});
  await page.keyboard.press('ArrowRight');
  await near(5);
  step(`player controls: on the video k paused at ${t0.toFixed(1)} s, l → ${t1.toFixed(1)} s (announced), ← → ${(t1 - 5).toFixed(1)} s, j j → 0 s, → → 5 s`);

  // The shortcuts help: ? opens it, Escape closes it, focus goes back.
  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: 'キーボードショートカット' });
  await help.waitFor();
  const helpText = await help.innerText();
  for (const part of ['10秒進む', '再生・一時停止', '字幕の表示・非表示', '全画面表示・解除', '音量を上げる']) {
    if (!helpText.includes(part)) throw new Error(`player controls: the shortcuts help lacks 「${part}」`);
  }
  await checkNames(page, 'the shortcuts help');
  await axeCheck(page, 'player with the shortcuts help open');
  const rows = await help.locator('tbody tr').count();
  await page.keyboard.press('Escape');
  await help.waitFor({ state: 'hidden' });
  if (!(await page.evaluate(() => document.activeElement === document.querySelector('.player video')))) {
    throw new Error('player controls: focus did not return to the video when the help closed');
  }
  step(`player controls: ? opened the shortcuts help (${rows} keys listed), Escape closed it, focus back on the video`);

  const put = await kept.catch(() => {
    throw new Error('player controls: the speed was not saved (no PUT /api/v1/me/preferences)');
  });
  const body = JSON.parse(put.request().postData() || '{}');
  if (put.status() !== 200 || body.playback_rate !== Number(want)) {
    throw new Error(`player controls: the speed was not kept: PUT ${put.status()} ${put.request().postData()}`);
  }
  await leftAt.catch(() => {
    throw new Error('player controls: no heartbeat reported the position 5 s after → (where the next player resumes)');
  });

  // A reload: the new player starts at the kept speed, where it was left.
  await page.reload({ waitUntil: 'domcontentloaded' });
  await lesson.click();
  try {
    await page.waitForFunction(
      (r) => {
        const v = document.querySelector('.player video');
        return !!v && v.readyState >= 1 && v.playbackRate === r;
      },
      Number(want),
      { timeout: 20_000, polling: 50 },
    );
  } catch {
    const rate = await page.evaluate(() => document.querySelector('.player video')?.playbackRate);
    throw new Error(`player controls: after a reload the player plays at ${rate}, not the kept ${want}`);
  }
  if ((await speed.inputValue()) !== want) throw new Error('player controls: the speed control does not show the kept speed');
  const note = page.getByText('前回の続き（5秒）から再生します。', { exact: true });
  await note.waitFor();
  await said(/前回の続き（5秒）から再生します。$/);
  await checkNames(page, 'the player');
  await axeCheck(page, 'player with the resume notice');
  await fromStart.click();
  await page.waitForFunction(
    () => {
      const v = document.querySelector('.player video');
      return v.currentTime < 3 && !v.paused;
    },
    null,
    { polling: 50 },
  );
  await note.waitFor({ state: 'hidden' });

  await page.setViewportSize({ width: 320, height: 800 });
  const widths = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    view: document.documentElement.clientWidth,
  }));
  await page.setViewportSize({ width: 1280, height: 900 });
  if (widths.page > widths.view + 1) throw new Error(`player controls: at 320 px the page is ${widths.page} px wide`);
  await page.evaluate(() => document.querySelector('.player video')?.pause());
  step(`player controls: after a reload the player starts at the kept ${want}×, says 「前回の続き（5秒）から再生します。」, 最初から再生 restarts; fits 320 px; every control named`);
}

/**
 * The media unreachable (every request reset): hls.js retries, gives up
 * within seconds, and beside the video the player says so as an alert with
 * 再試行; once the network is back, 再試行 loads again and it plays. (The
 * polite 「時間がかかっています」 while hls.js retries, and the alert after
 * 10 s standing still, are timed in `grant.test.mjs`.)
 */
async function loadTrouble(page) {
  const MEDIA = /\/media\/v\//;
  await page.route(MEDIA, (route) => route.abort('connectionreset'));
  const lesson = page.locator('.lesson-list button.lesson:not([disabled])').first();
  const player = page.locator('.player');
  const clickedAt = Date.now();
  await lesson.click();
  await player.getByRole('alert').filter({ hasText: '動画を読み込めませんでした' }).waitFor({ timeout: 15_000 });
  const failed = ((Date.now() - clickedAt) / 1000).toFixed(1);
  const top = (await page.locator('#status').textContent()) ?? '';
  if (top.includes('読み込めません')) throw new Error('load trouble: the failure is said in the status at the top, not beside the video');
  await checkNames(page, 'the player after a load failure');
  await axeCheck(page, 'player after a load failure');
  await page.unroute(MEDIA);
  await player.getByRole('button', { name: '再試行' }).click();
  try {
    await playedMoreThan(page, 1, 20_000);
  } catch {
    throw new Error('load trouble: after 再試行 the video did not play');
  }
  const after = await page.evaluate(() => ({
    alert: document.querySelector('.player [role="alert"]')?.textContent ?? '',
    retry: document.querySelectorAll('.player .load-trouble button:not([hidden])').length,
  }));
  if (after.alert || after.retry) throw new Error(`load trouble: after 再試行 ${JSON.stringify(after)}`);
  await page.evaluate(() => document.querySelector('.player video')?.pause());
  step(`load trouble: media unreachable: the alert with 再試行 beside the video after ${failed} s; 再試行 loaded again and it played`);
}

/** How far the page is wider than its viewport (0: no horizontal scrolling). */
async function sidewaysOverflow(page) {
  return page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - document.documentElement.clientWidth));
}

/** Resolves with the next heartbeat that reports played time and is answered 200. */
function playedHeartbeat(page, timeout = 60_000) {
  const answered = page.waitForResponse(
    (res) => {
      if (!res.url().includes('/heartbeat') || res.status() !== 200) return false;
      try {
        const played = JSON.parse(res.request().postData() || '{}').played;
        return Array.isArray(played) && played.length > 0;
      } catch {
        return false;
      }
    },
    { timeout },
  );
  answered.catch(() => {}); // awaited by the caller; no unhandled rejection meanwhile
  return answered;
}

/** Waits until the player's video has really played more than `seconds`. */
function playedMoreThan(page, seconds, timeout = 45_000) {
  return page.waitForFunction(
    (s) => {
      const v = document.querySelector('.player video');
      if (!v) return false;
      let played = 0;
      for (let i = 0; i < v.played.length; i++) played += v.played.end(i) - v.played.start(i);
      return played > s;
    },
    seconds,
    { timeout, polling: 250 },
  );
}

/**
 * The learner journey on a phone (375 × 667, touch): log in, open a course,
 * play its first lesson with taps until a heartbeat with played time is
 * answered 200. No page scrolls sideways; each page is photographed.
 */
async function phoneJourney(browser, base, email, password) {
  const context = await browser.newContext({
    locale: 'ja-JP',
    viewport: { width: 375, height: 667 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  const errors = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  const fits = async (where) => {
    const over = await sidewaysOverflow(page);
    if (over > 1) throw new Error(`phone: ${where} is ${over} px wider than the 375 px screen`);
  };
  await page.goto(new URL('/', base).href, { waitUntil: 'domcontentloaded' });
  await page.getByRole('button', { name: 'ログイン' }).waitFor();
  await fits('the login page');
  await shoot(page, 'phone-login.png');
  await page.getByLabel('メールアドレス').fill(email);
  await page.getByLabel('パスワード', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'ログイン' }).tap();
  const course = page.locator(DOMAIN_COURSES).nth(2);
  await course.waitFor({ state: 'visible' });
  await fits('the course list');
  await shoot(page, 'phone-courses.png');
  const title = ((await course.textContent()) || '').trim();
  await course.tap();
  const lesson = page.locator('.lesson-list button.lesson:not([disabled])').first();
  await lesson.waitFor({ state: 'visible' });
  await fits('the course page');
  const heartbeat = playedHeartbeat(page);
  await lesson.tap();
  const fromStart = page.getByRole('button', { name: '最初から再生' });
  await page.locator('.player video').waitFor();
  if (await fromStart.isVisible()) await fromStart.tap();
  try {
    await playedMoreThan(page, 1);
  } catch {
    throw new Error(`phone: the video of 「${title}」 did not play past 1 s`);
  }
  await heartbeat;
  await fits('the course page with the player');
  await shoot(page, 'phone-player.png');
  await axeCheck(page, 'phone: course page with the player');
  if (errors.length) throw new Error(`phone: uncaught errors: ${errors.join(' | ')}`);
  step(`phone: 375 × 667 touch: logged in, 「${title}」 played with taps, heartbeat answered 200; nothing scrolls sideways`);
  await context.close();
}

/**
 * Viewing time counts only in a page that is seen, and a login that ends
 * ends playback. Hiding the page (another tab, a minimised window) pauses
 * the video after a beacon, and showing it again says why. Then the
 * learner logs out in a second tab: the playing tab's next heartbeat is
 * refused (401), the player lets go of its media, so nothing buffered plays
 * on, and the page goes back to the login form, saying why.
 */
async function hiddenAndLoggedOut(browser, base, email, password) {
  const context = await browser.newContext({ locale: 'ja-JP' });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  const status = (pattern) =>
    page.locator('#status').filter({ hasText: pattern }).waitFor();
  const playing = () =>
    page.waitForFunction(() => {
      const v = document.querySelector('.player video');
      return !!v && !v.paused && v.currentTime > 0.5;
    }, null, { polling: 50 });
  await page.goto(new URL('/', base).href, { waitUntil: 'domcontentloaded' });
  await logIn(page, email, password);
  await page.locator(DOMAIN_COURSES).first().click();
  await page.locator('.lesson-list button.lesson:not([disabled])').first().click();
  await page.locator('.player video').waitFor();
  const fromStart = page.getByRole('button', { name: '最初から再生' });
  if (await fromStart.isVisible()) await fromStart.click();
  await playing();

  // Headless pages are always visible: the page is told it is hidden.
  const seen = (state) =>
    page.evaluate((state) => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => state === 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    }, state);
  await seen('hidden');
  try {
    await page.waitForFunction(() => document.querySelector('.player video').paused, null, {
      timeout: 2_000,
      polling: 50,
    });
  } catch {
    throw new Error('hidden: the video played on in a hidden page, where it is not viewing time');
  }
  await seen('visible');
  await status('ページが表示されていない間は、再生を一時停止しました');
  step('hidden: hiding the page paused the video; showing it said why');

  await page.evaluate(() => document.querySelector('.player video').play());
  await playing();
  const other = await context.newPage();
  await other.goto(new URL('/', base).href, { waitUntil: 'domcontentloaded' });
  await other.getByRole('navigation', { name: 'メインメニュー' }).getByRole('button', { name: 'ログアウト' }).click();
  await other.getByRole('heading', { name: 'ログイン', level: 1 }).waitFor();
  const loggedOut = Date.now();
  try {
    // The next heartbeat goes out within 10 s of playing.
    await page.getByRole('heading', { name: 'ログイン', level: 1 }).waitFor({ timeout: 15_000 });
  } catch {
    throw new Error('hidden: 15 s after logging out in another tab, the playing tab has not ended its playback');
  }
  await status('ログインの有効期限が切れました');
  const left = await page.evaluate(() =>
    [...document.querySelectorAll('video')].filter((v) => !v.paused || v.currentSrc).length,
  );
  if (left) throw new Error('hidden: after the login ended, a video still holds its media');
  step(`hidden: logged out in another tab; ${((Date.now() - loggedOut) / 1000).toFixed(1)} s later the playing tab stopped and went back to the login form`);
  await context.close();
}

/** A signed-in API client for test set-up (not the browser under test). */
async function apiLogin(base, email, password) {
  const login = await fetch(new URL('/api/v1/session', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!login.ok) throw new Error(`API login of ${email}: ${login.status}`);
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const { csrf_token: csrf } = await login.json();
  return async (method, urlPath, body, type = 'application/json') => {
    const res = await fetch(new URL(urlPath, base), {
      method,
      headers: { cookie, 'x-csrf-token': csrf, ...(body === undefined ? {} : { 'content-type': type }) },
      body: body === undefined ? undefined : type === 'application/json' ? JSON.stringify(body) : body,
    });
    if (!res.ok) throw new Error(`${method} ${urlPath}: ${res.status} ${await res.text()}`);
    const text = await res.text(); // empty for 204 (a DELETE)
    return text ? JSON.parse(text) : null;
  };
}

/**
 * From login to playing with captions on and a faster speed using the
 * keyboard alone (Tab, Shift+Tab, Enter, typing and the player's shortcut
 * keys): no clicks, no `fill`, no pointer. The set-up gives the fourth
 * course's video Japanese captions over the API as the administrator. The
 * page counts pointer and mouse events: there must be none. Every page on
 * the way is photographed.
 */
async function keyboardJourney(browser, base, email, password) {
  const { E2E_ADMIN_EMAIL: adminEmail, E2E_ADMIN_PASSWORD: adminPassword } = process.env;
  if (!adminEmail || !adminPassword) {
    step('keyboard: skipped (E2E_ADMIN_EMAIL, E2E_ADMIN_PASSWORD not set: captions are uploaded by the admin)');
    return;
  }
  const admin = await apiLogin(base, adminEmail, adminPassword);
  const courses = await admin('GET', '/api/v1/courses?per_page=500');
  const target = courses.items.filter((c) => c.status === 'published')[3];
  if (!target) throw new Error('keyboard: fewer than four published courses');
  const detail = await admin('GET', `/api/v1/courses/${target.id}`);
  const videoId = detail.lessons.find((l) => l.video_id != null)?.video_id;
  if (videoId == null) throw new Error(`keyboard: 「${target.title}」 has no lesson with a video`);
  const vtt = 'WEBVTT\n\n00:00:00.000 --> 00:00:30.000\nキーボードだけで操作しています。\n';
  await admin('POST', `/api/v1/videos/${videoId}/captions?lang=ja`, vtt, 'text/vtt');

  const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } });
  await context.addInitScript(() => {
    window.__pointerEvents = 0;
    for (const type of ['pointerdown', 'mousedown', 'touchstart']) {
      window.addEventListener(type, () => (window.__pointerEvents += 1), true);
    }
  });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  const errors = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  const kb = page.keyboard;
  /** Presses Tab (or Shift+Tab) until the focused element passes `test`. */
  const tabTo = async (what, test, arg, back = false) => {
    for (let i = 0; i < 60; i++) {
      if (await page.evaluate(test, arg)) return;
      await kb.press(back ? 'Shift+Tab' : 'Tab');
    }
    throw new Error(`keyboard: ${what} was not reached with ${back ? 'Shift+Tab' : 'Tab'}`);
  };
  const focusedIs = (selector) => !!document.activeElement?.matches(selector);

  await page.goto(new URL('/', base).href, { waitUntil: 'domcontentloaded' });
  await page.getByRole('button', { name: 'ログイン' }).waitFor();
  // The skip link comes first and leads past the header.
  await kb.press('Tab');
  if (!(await page.evaluate(focusedIs, '#skip-link'))) throw new Error('keyboard: the first Tab does not reach 本文へスキップ');
  await kb.press('Enter');
  await tabTo('the e-mail field', focusedIs, '#login-email');
  await kb.type(email);
  await kb.press('Tab');
  if (!(await page.evaluate(focusedIs, '#login-password'))) throw new Error('keyboard: Tab from the e-mail does not reach the password');
  await kb.type(password);
  await shoot(page, 'keyboard-login.png');
  await kb.press('Enter');

  const href = `#/courses/${encodeURIComponent(String(target.id))}`;
  await page.locator(`main a[href="${href}"]`).first().waitFor({ state: 'visible' });
  await tabTo(`the link to 「${target.title}」`, focusedIs, `main a[href="${href}"]`);
  await shoot(page, 'keyboard-courses.png');
  await kb.press('Enter');
  await page.getByRole('heading', { name: target.title, level: 1 }).waitFor();
  await tabTo('the first lesson', focusedIs, '.lesson-list button.lesson:not([disabled])');
  const heartbeat = playedHeartbeat(page);
  await kb.press('Enter');
  await page.locator('.player video').waitFor();
  // The focus follows into the player, not left on the lesson's button above the fold.
  try {
    await page.waitForFunction(() => document.activeElement === document.querySelector('.player video'), null, { timeout: 10_000 });
  } catch {
    const at = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 80));
    throw new Error(`keyboard: after Enter on a lesson the focus is on ${at}, not the video`);
  }
  // The player sits above the lessons. Chromium's own video controls (seek
  // bar, volume) keep the keys pressed on them from the page, so the
  // shortcuts are pressed on the video itself: back to before the player,
  // then one Tab forward.
  const beforePlayer = () => {
    const player = document.querySelector('.player');
    const el = document.activeElement;
    return !!el && !!player && !player.contains(el) &&
      !!(el.compareDocumentPosition(player) & Node.DOCUMENT_POSITION_FOLLOWING);
  };
  if (await page.getByRole('button', { name: '最初から再生' }).isVisible()) {
    await tabTo('最初から再生', (name) => document.activeElement?.textContent === name, '最初から再生');
    await kb.press('Enter');
  }
  await tabTo('the page before the player', beforePlayer, null, true);
  await kb.press('Tab');
  if (!(await page.evaluate(focusedIs, '.player video'))) throw new Error('keyboard: Tab into the player does not reach the video');
  await page.locator('.player select[id^="player-captions-"]').waitFor({ state: 'visible' });
  const rateBefore = await page.evaluate(() => document.querySelector('.player video').playbackRate);
  await kb.press('c');
  await page.waitForFunction(
    () => [...document.querySelector('.player video').textTracks].some((t) => t.mode === 'showing'),
    null,
    { polling: 100 },
  );
  await kb.press('>');
  await page.waitForFunction(
    (r) => document.querySelector('.player video').playbackRate > r,
    rateBefore,
    { polling: 100 },
  );
  const rateAfter = await page.evaluate(() => document.querySelector('.player video').playbackRate);
  try {
    await playedMoreThan(page, 1);
  } catch {
    throw new Error('keyboard: the video did not play past 1 s');
  }
  await heartbeat;
  const pointer = await page.evaluate(() => window.__pointerEvents);
  if (pointer !== 0) throw new Error(`keyboard: ${pointer} pointer events reached the page`);
  await shoot(page, 'keyboard-player.png');
  await axeCheck(page, 'player with captions on (keyboard journey)');
  if (errors.length) throw new Error(`keyboard: uncaught errors: ${errors.join(' | ')}`);
  step(`keyboard: skip link, login typed, 「${target.title}」 opened with Enter (focus on the video), played; c → captions showing, > → ${rateBefore}× to ${rateAfter}×; heartbeat 200; no pointer events`);
  await context.close();
}

/**
 * The learner's home and what leads from it, after the journeys above have
 * played some lessons: the administrator (over the API) assigns the learner
 * one course due yesterday and one due in two weeks; the home lists the
 * overdue one first, marked 期限切れ and highlighted, with a warning;
 * 続きから見る leads to a course with that lesson offered (focused, its
 * progress shown); 新着 shows publication days; a domain's page lists its
 * courses; the search finds 「地方自治」 and says when nothing matches; the
 * history lists what was watched with coverage and Japan times. Every page
 * passes axe, fits 320 px and is photographed.
 */
async function learnerHome(browser, base, email, password) {
  const { E2E_ADMIN_EMAIL: adminEmail, E2E_ADMIN_PASSWORD: adminPassword } = process.env;
  if (!adminEmail || !adminPassword) {
    step('home: skipped (E2E_ADMIN_EMAIL, E2E_ADMIN_PASSWORD not set: assignments are made by the admin)');
    return;
  }
  const admin = await apiLogin(base, adminEmail, adminPassword);
  const me = (await admin('GET', `/api/v1/users?q=${encodeURIComponent(email)}`)).items.find((u) => u.email === email);
  const published = (await admin('GET', '/api/v1/courses?per_page=500')).items.filter((c) => c.status === 'published');
  const day = (offset) => jstLocal(Date.now() + offset * 86_400_000).slice(0, 10);
  // Two courses the learner has not completed (the demo's history completes
  // some): an assignment of each, due yesterday, must read as overdue.
  const open = [];
  for (const c of [...published].reverse()) {
    const probe = await admin('POST', '/api/v1/assignments', { course_id: c.id, due_on: day(-1), user_ids: [me.id] });
    const { assignees } = await admin('GET', `/api/v1/assignments/${probe.id}`);
    await admin('DELETE', `/api/v1/assignments/${probe.id}`);
    if (assignees[0]?.status === 'overdue') open.push(c);
    if (open.length === 2) break;
  }
  if (open.length < 2) throw new Error(`home: ${email} has completed all but ${open.length} of the courses`);
  const [late, later] = open;
  await admin('POST', '/api/v1/assignments', { course_id: later.id, due_on: day(14), user_ids: [me.id], note: '年度内に受講してください。' });
  await admin('POST', '/api/v1/assignments', { course_id: late.id, due_on: day(-1), user_ids: [me.id] });

  const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  const errors = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  const fits320 = async (where) => {
    await page.setViewportSize({ width: 320, height: 800 });
    const over = await sidewaysOverflow(page);
    await page.setViewportSize({ width: 1280, height: 900 });
    if (over > 1) throw new Error(`home: ${where} is ${over} px too wide at 320 px`);
  };
  await page.goto(new URL('/', base).href, { waitUntil: 'domcontentloaded' });
  await logIn(page, email, password);
  await page.getByRole('heading', { name: 'ホーム', level: 1 }).waitFor();

  // Light: the course list painted within 1 s of a reload on a 4× slower
  // CPU (issue 7); the best of three, so one hiccup of a busy machine does not fail it.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  const paints = [];
  for (let i = 0; i < 3; i++) {
    const t0 = Date.now();
    await page.reload({ waitUntil: 'commit' });
    await page.locator(DOMAIN_COURSES).first().waitFor();
    paints.push(Date.now() - t0);
  }
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  if (Math.min(...paints) > 1000) throw new Error(`home: the course list took ${paints.join(', ')} ms to paint at 4× CPU throttling`);
  step(`home: the course list painted ${paints.join(', ')} ms after a reload at 4× CPU throttling (limit 1 s)`);

  // 必修研修: the overdue one first, highlighted and said in words.
  const assigned = page.getByRole('region', { name: '必修研修' });
  const cards = assigned.getByRole('listitem');
  await cards.first().waitFor();
  const first = (await cards.first().innerText()).replace(/\s+/g, ' ');
  if (!first.includes(late.title) || !first.includes('期限切れ') || !first.includes('1日過ぎています')) {
    throw new Error(`home: the first assignment reads "${first}"`);
  }
  if (!(await cards.first().evaluate((li) => li.classList.contains('is-overdue')))) {
    throw new Error('home: the overdue assignment is not highlighted');
  }
  await assigned.getByText('期限を過ぎた必修研修が 1 件あります。').waitFor();
  const second = (await cards.nth(1).innerText()).replace(/\s+/g, ' ');
  if (!second.includes(later.title) || !second.includes('あと14日') || !second.includes('年度内に受講してください。')) {
    throw new Error(`home: the second assignment reads "${second}"`);
  }
  // 新着: publication days.
  const fresh = page.getByRole('region', { name: '新着' });
  const freshCount = await fresh.getByRole('listitem').count();
  if (!freshCount || !(await fresh.getByText(/\d+年\d+月\d+日公開/).first().isVisible())) {
    throw new Error('home: 新着 lists no course with its publication day');
  }
  const domains = await page.locator('#domains section.category').count();
  await axeCheck(page, 'home');
  await fits320('the home');
  await shoot(page, 'home.png');
  await shoot(page, 'learner-assignments.png', assigned);
  step(`home: 必修研修 overdue first (${first.slice(0, 60)}…), ${freshCount} 新着, ${domains} domains`);

  // ヘルプ, linked from the header of every page: the manuals in the service.
  await page.getByRole('link', { name: 'ヘルプ', exact: true }).click();
  await page.getByRole('heading', { name: 'ヘルプ', level: 1 }).waitFor();
  await axeCheck(page, 'help index');
  await page.getByRole('link', { name: '操作マニュアル' }).click();
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  const manualTitle = ((await page.getByRole('heading', { level: 1 }).first().textContent()) || '').trim();
  if (!manualTitle.includes('操作マニュアル')) throw new Error(`help: the user manual's heading is ${manualTitle}`);
  await axeCheck(page, 'help: 操作マニュアル');
  await shoot(page, 'help-user-manual.png');
  await page.goBack();
  await page.goBack();
  await page.getByRole('region', { name: '続きから見る' }).waitFor();
  step(`help: ヘルプ opens the manuals (${manualTitle}); back to the home`);

  // 続きから見る → the course with that lesson in the player, resuming
  // where the card said, the focus on the video.
  const going = page.getByRole('region', { name: '続きから見る' }).getByRole('link').first();
  const goingText = ((await going.textContent()) || '').trim();
  if (!goingText || goingText === '視聴履歴をすべて見る') throw new Error('home: 続きから見る lists nothing after the journeys');
  const card = await page.getByRole('region', { name: '続きから見る' }).getByRole('listitem').first().innerText();
  await going.click();
  await page.locator('.lesson.is-offered').waitFor();
  await page.locator('.player video').waitFor();
  await page.waitForFunction(() => document.activeElement === document.querySelector('.player video'));
  const offered = await page.evaluate(() => ({
    current: document.querySelector('.lesson.is-offered')?.getAttribute('aria-current') ?? null,
    text: document.querySelector('.lesson.is-offered')?.textContent ?? '',
    note: document.querySelector('.resume-note p')?.textContent ?? '',
  }));
  const cardAt = /・(.+)から再開/.exec(card)?.[1];
  const note = cardAt ? `前回の続き（${cardAt}）から再生します。` : '';
  if (offered.current !== 'true' || !/視聴率 \d+%/.test(offered.text) || offered.note !== note) {
    throw new Error(`home: 続きから見る (${card.replace(/\s+/g, ' ')}) opened ${JSON.stringify(offered)}`);
  }
  await axeCheck(page, 'course page with progress');
  await shoot(page, 'course-progress.png');
  await page.evaluate(() => document.querySelector('.player video')?.pause());
  step(`home: 続きから見る 「${goingText}」 opens the player at ${cardAt ?? 'the start'} as its card says, focus on the video (${offered.text.trim()})`);

  // A domain's page, from its link on the home.
  await page.getByRole('link', { name: 'ホーム', exact: true }).first().click();
  const domainLink = page.locator('#domains h3 a').first();
  const domainName = ((await domainLink.textContent()) || '').trim();
  await domainLink.click();
  await page.getByRole('heading', { name: domainName, level: 1 }).waitFor();
  const inDomain = await page.locator('main .course-list > li').count();
  if (!inDomain) throw new Error(`home: the domain page of ${domainName} lists no course`);
  await axeCheck(page, 'domain page');
  await shoot(page, 'domain.png');

  // The search.
  const search = page.getByRole('search', { name: '講座の検索' });
  await search.getByLabel('講座を探す').fill('地方自治');
  await search.getByRole('button', { name: '検索' }).click();
  await page.getByRole('heading', { name: '「地方自治」の検索結果', level: 1 }).waitFor();
  await page.getByText(/^\d+ 件の講座が見つかりました。$/).first().waitFor();
  const hits = await page.locator('main .course-list > li').count();
  if (!hits) throw new Error('home: searching 地方自治 found nothing');
  await axeCheck(page, 'search results');
  await fits320('the search results');
  await shoot(page, 'search.png');
  await search.getByLabel('講座を探す').fill('該当しない言葉xyz');
  await search.getByRole('button', { name: '検索' }).click();
  await page.getByText('見つかりませんでした。言葉を変えてお試しください。').waitFor();
  step(`home: ${domainName} lists ${inDomain} courses; 「地方自治」 finds ${hits}; a search without hits says so`);

  // 視聴履歴 from the menu.
  await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '視聴履歴' }).click();
  await page.getByRole('heading', { name: '視聴履歴', level: 1 }).waitFor();
  const table = page.getByRole('table', { name: /^視聴した動画/ });
  const rows = table.locator('tbody tr');
  await rows.first().waitFor();
  const rowText = (await rows.first().innerText()).replace(/\s+/g, ' ');
  if (!/\d+%/.test(rowText) || !/\d{4}\/\d\d\/\d\d \d\d:\d\d/.test(rowText)) {
    throw new Error(`history: the newest row reads "${rowText}"`);
  }
  await axeCheck(page, 'history page');
  await fits320('the history');
  await shoot(page, 'history.png');
  const all = await rows.count();
  // Only the completed ones: each row says 修了.
  const parts = page.getByRole('navigation', { name: '表示する履歴' });
  await parts.getByRole('link', { name: '修了', exact: true }).click();
  await page.waitForFunction(() => document.querySelector('.history-parts a[aria-current="page"]')?.textContent === '修了');
  const doneRows = await page.locator('.history-table tbody tr').allInnerTexts();
  if (doneRows.some((t) => !t.includes('修了'))) throw new Error(`history: 修了 lists ${JSON.stringify(doneRows)}`);
  step(`history: ${all} videos; the newest: ${rowText.trim()}; 修了 shows ${doneRows.length}, each 修了`);

  // 講座の編集 is not for learners: no menu link, a polite refusal, no editor.js.
  const editorScripts = [];
  page.on('request', (req) => {
    if (new URL(req.url()).pathname === '/editor.js') editorScripts.push(req.url());
  });
  if ((await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '講座の編集' }).count()) > 0) {
    throw new Error('home: a learner sees 講座の編集 in the menu');
  }
  await page.evaluate(() => (location.hash = '#/editor'));
  await page.getByRole('heading', { name: 'このページを表示する権限がありません', level: 1 }).waitFor();
  if (editorScripts.length) throw new Error('home: editor.js was loaded for a learner');
  step('home: 講座の編集 is refused to a learner politely, without its menu link or editor.js');

  // パスワード変更 from the menu (not forced: the current password is asked), then ログアウト.
  const menu = page.getByRole('navigation', { name: 'メインメニュー' });
  await menu.getByRole('link', { name: 'パスワード変更' }).click();
  await page.getByRole('heading', { name: 'パスワードの変更', level: 1 }).waitFor();
  await page.getByLabel('現在のパスワード').waitFor();
  await page.getByText('新しいパスワードに変更すると、ほかの端末のログインは終了します。').waitFor();
  await axeCheck(page, 'password change from the menu');
  await shoot(page, 'password-change.png');
  await menu.getByRole('button', { name: 'ログアウト' }).click();
  await page.getByRole('heading', { name: 'ログイン', level: 1 }).waitFor();
  await page.locator('#status').filter({ hasText: 'ログアウトしました。' }).waitFor();
  if (await menu.isVisible()) throw new Error('home: the menu is still shown after logging out');
  await shoot(page, 'logout.png');
  step('home: パスワード変更 from the menu asks the current password; ログアウト leads to the login page, said');

  if (errors.length) throw new Error(`home: uncaught errors: ${errors.join(' | ')}`);
  await context.close();
}

/**
 * The language switch (日本語 / English) in the header: English chosen on
 * the login page gives `<html lang="en">` and English labels; the learner
 * logs in with them, and the home, the menu and a course's player speak
 * English, kept after a reload (this browser remembers it); axe in English.
 * 日本語 brings `lang="ja"` and the Japanese words back, kept after a reload.
 */
async function languageSwitch(browser, base, email, password) {
  const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  const errors = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  const lang = () => page.evaluate(() => document.documentElement.lang);
  await page.goto(new URL('/', base).href, { waitUntil: 'domcontentloaded' });
  await page.getByRole('button', { name: 'ログイン' }).waitFor();
  const switcher = page.getByRole('group', { name: '表示する言語' });
  await switcher.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { name: 'Log in', level: 1 }).waitFor();
  if ((await lang()) !== 'en') throw new Error(`language: <html lang> is "${await lang()}" after choosing English`);
  if (!(await page.getByRole('group', { name: 'Language' }).getByRole('button', { name: 'English' }).getAttribute('aria-pressed'))?.includes('true')) {
    throw new Error('language: English is not marked pressed');
  }
  await axeCheck(page, 'login page in English');
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
  const menu = page.getByRole('navigation', { name: 'Main menu' });
  for (const name of ['Home', 'Viewing history', 'Change password']) await menu.getByRole('link', { name }).waitFor();
  await menu.getByRole('button', { name: 'Log out' }).waitFor();
  await page.getByRole('region', { name: 'Required training' }).waitFor();
  await page.getByRole('group', { name: 'Text size' }).getByRole('button', { name: 'Extra large' }).waitFor();
  if ((await page.title()) !== 'Home | manabi training videos') throw new Error(`language: the title is "${await page.title()}"`);
  await page.reload({ waitUntil: 'domcontentloaded' });
  await page.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
  if ((await lang()) !== 'en') throw new Error('language: English was not kept after a reload');
  await axeCheck(page, 'home in English');
  await shoot(page, 'language-english.png');

  // A course and its player.
  await page.locator(DOMAIN_COURSES).first().click();
  await page.getByRole('heading', { name: 'Lessons', level: 2 }).waitFor();
  await page.locator('.lesson-list button.lesson:not([disabled])').first().click();
  const player = page.getByRole('group', { name: 'Video player' });
  await player.getByRole('button', { name: 'Play' }).or(player.getByRole('button', { name: 'Pause' })).first().waitFor();
  await player.getByLabel('Speed', { exact: true }).waitFor();
  await player.getByRole('button', { name: 'Keyboard shortcuts' }).waitFor();
  await checkNames(page, 'the course page in English');
  await axeCheck(page, 'course page with the player in English');
  await page.evaluate(() => document.querySelector('.player video')?.pause());
  step('language: English on the login page → lang="en", English labels; logged in; home, menu, title and player in English, kept after a reload');

  // The choice made before login was saved with the user; a fresh browser
  // (nothing kept in it) logs in in Japanese and turns English.
  await storedLanguageIs(page, base, 'en', 'the learner after choosing English before login');
  const other = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } });
  const fresh = await other.newPage();
  fresh.setDefaultTimeout(STEP_MS);
  fresh.on('pageerror', (err) => errors.push(String(err)));
  await fresh.goto(new URL('/', base).href, { waitUntil: 'domcontentloaded' });
  await fresh.getByRole('heading', { name: 'ログイン', level: 1 }).waitFor();
  await logIn(fresh, email, password);
  await fresh.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
  if ((await fresh.evaluate(() => document.documentElement.lang)) !== 'en') {
    throw new Error('language: a fresh browser did not take the user’s English');
  }
  await fresh.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'Viewing history' }).waitFor();
  await fresh.reload({ waitUntil: 'domcontentloaded' });
  await fresh.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
  await other.close();
  step('language: kept with the user (GET /api/v1/me/preferences → en); a fresh browser context logs in and is in English, after a reload too');

  // Back to Japanese.
  await page.getByRole('group', { name: 'Language' }).getByRole('button', { name: '日本語' }).click();
  await page.getByRole('heading', { name: 'レッスン一覧', level: 2 }).waitFor();
  if ((await lang()) !== 'ja') throw new Error(`language: <html lang> is "${await lang()}" after choosing 日本語`);
  await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: 'ホーム' }).click();
  await page.getByRole('heading', { name: 'ホーム', level: 1 }).waitFor();
  await page.reload({ waitUntil: 'domcontentloaded' });
  await page.getByRole('region', { name: '必修研修' }).waitFor();
  if ((await lang()) !== 'ja') throw new Error('language: 日本語 was not kept after a reload');
  await storedLanguageIs(page, base, 'ja', 'the learner after choosing 日本語 again');
  step('language: 日本語 again → lang="ja", the Japanese words, kept after a reload and with the user');
  if (errors.length) throw new Error(`language: uncaught errors: ${errors.join(' | ')}`);
  await context.close();

  // The administration pages in English: 利用者管理 and 視聴レポート (headings,
  // table headers, the definitions), lang="en", staff-written names marked
  // Japanese, no serious axe violation; then 日本語 again, with the admin too.
  const { E2E_ADMIN_EMAIL: adminEmail, E2E_ADMIN_PASSWORD: adminPassword } = process.env;
  if (!adminEmail || !adminPassword) return;
  const adminContext = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } });
  const admin = await adminContext.newPage();
  admin.setDefaultTimeout(STEP_MS);
  admin.on('pageerror', (err) => errors.push(String(err)));
  const htmlLang = () => admin.evaluate(() => document.documentElement.lang);
  await admin.goto(new URL('/#/admin/users', base).href, { waitUntil: 'domcontentloaded' });
  await logIn(admin, adminEmail, adminPassword);
  await admin.getByRole('heading', { name: '利用者管理', level: 1 }).waitFor();
  await admin.getByRole('group', { name: '表示する言語' }).getByRole('button', { name: 'English' }).click();
  await admin.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
  const users = admin.getByRole('table', { name: 'Users' });
  for (const name of ['E-mail address', 'Name', 'Role', 'Status', 'Last login']) {
    await users.getByRole('columnheader', { name, exact: true }).waitFor();
  }
  await admin.getByRole('button', { name: 'Search', exact: true }).waitFor();
  await admin.getByText('Add one user', { exact: true }).waitFor();
  if ((await htmlLang()) !== 'en') throw new Error(`language: 利用者管理 in English has <html lang="${await htmlLang()}">`);
  if (await admin.locator('#ja-only').count()) throw new Error('language: 利用者管理 still says it is Japanese only');
  await storedLanguageIs(admin, base, 'en', 'the admin after choosing English');
  await checkNames(admin, '利用者管理 in English');
  await axeCheck(admin, '利用者管理 in English');
  step('language: 利用者管理 in English — heading, table headers, search, lang="en", axe');

  await admin.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'Viewing reports' }).click();
  await admin.getByRole('heading', { name: 'Viewing reports', level: 1 }).waitFor();
  await admin.getByRole('heading', { name: 'Viewing time over the period', level: 2 }).waitFor();
  await admin.getByRole('heading', { name: 'Viewing time per user', level: 2 }).waitFor();
  await admin.getByRole('button', { name: 'Save viewing time per user as CSV' }).waitFor();
  await admin.getByText('Definitions', { exact: true }).click();
  await admin.getByText('Viewing time', { exact: true }).first().waitFor();
  if ((await htmlLang()) !== 'en') throw new Error(`language: 視聴レポート in English has <html lang="${await htmlLang()}">`);
  await checkNames(admin, '視聴レポート in English');
  await axeCheck(admin, '視聴レポート in English');
  step('language: 視聴レポート in English — headings, definitions, CSV buttons, lang="en", axe');

  await admin.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'Required training' }).click();
  await admin.getByRole('heading', { name: 'Required training', level: 1 }).waitFor();
  await admin.getByRole('heading', { name: 'New assignment', level: 2 }).waitFor();
  await axeCheck(admin, '必修研修の割り当て in English');
  await admin.getByRole('group', { name: 'Language' }).getByRole('button', { name: '日本語' }).click();
  await admin.getByRole('heading', { name: '必修研修の割り当て', level: 1 }).waitFor();
  await storedLanguageIs(admin, base, 'ja', 'the admin after choosing 日本語 again');
  await adminContext.close();
  if (errors.length) throw new Error(`language: uncaught errors: ${errors.join(' | ')}`);
  step('language: 必修研修の割り当て in English, axe; 日本語 again, kept with the admin');
}

/** Waits (5 s at most) until the user's stored language is `want`. */
async function storedLanguageIs(page, base, want, who) {
  const url = new URL('/api/v1/me/preferences', base).href;
  let got;
  for (let i = 0; i < 50; i++) {
    const res = await page.request.get(url);
    got = res.ok() ? (await res.json()).language : `HTTP ${res.status()}`;
    if (got === want) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`language: ${who}: the stored language is ${JSON.stringify(got)}, not "${want}"`);
}

/**
 * The text size (文字の大きさ) and the idle-timeout warning, in a browser
 * whose clock the test moves (Playwright's fake clock). 特大 chosen on the
 * login page scales the root font to 150 %, survives the login and a
 * reload, and the home still fits 320 px and passes axe at that size. Left
 * alone for 27 min of a 30-min login (the server restarts its idle clock at
 * most once a minute, so the page counts from a minute earlier), the page
 * shows the warning as a modal alert dialog with the focus on
 * 「ログインを続ける」, keeps Tab inside it, and pressing it asks
 * GET /api/v1/session and closes it; left alone again past the end, the
 * login page says 「ログインの有効期限が切れました」.
 */
async function textSizeAndIdle(browser, base, email, password) {
  const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  const errors = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  await page.clock.install();
  await page.goto(new URL('/', base).href, { waitUntil: 'domcontentloaded' });
  const rootSize = () => page.evaluate(() => getComputedStyle(document.documentElement).fontSize);
  const sizes = page.getByRole('group', { name: '文字の大きさ' });
  await sizes.getByRole('button', { name: '特大' }).click();
  if ((await sizes.getByRole('button', { name: '特大' }).getAttribute('aria-pressed')) !== 'true' || (await rootSize()) !== '24px') {
    throw new Error(`text size: 特大 gives a root font of ${await rootSize()}`);
  }
  await logIn(page, email, password);
  await page.getByRole('heading', { name: 'ホーム', level: 1 }).waitFor();
  await page.reload({ waitUntil: 'domcontentloaded' });
  await page.getByRole('heading', { name: 'ホーム', level: 1 }).waitFor();
  if ((await rootSize()) !== '24px') throw new Error('text size: 特大 was not kept after a reload');
  await page.setViewportSize({ width: 320, height: 800 });
  const over = await sidewaysOverflow(page);
  await shoot(page, 'text-size-x-large-320.png');
  await page.setViewportSize({ width: 1280, height: 900 });
  if (over > 1) throw new Error(`text size: at 特大 and 320 px the home is ${over} px too wide`);
  await axeCheck(page, 'home at 特大');
  await sizes.getByRole('button', { name: '標準' }).click();
  if ((await rootSize()) !== '16px') throw new Error('text size: 標準 does not bring the root back to 16px');
  step('text size: 特大 (150 %) chosen on the login page, kept after login and reload, fits 320 px; back to 標準');

  // The idle warning: 27 min without a request. The click on 標準 was a use
  // of the page, so the notices are asked once more at the next 5-minute
  // refresh (a request); from then on nobody touches the page.
  const warning = page.getByRole('alertdialog', { name: 'まもなくログインの有効期限が切れます' });
  const lastNotices = page.waitForResponse((res) => new URL(res.url()).pathname === '/api/v1/notices');
  await page.clock.fastForward('05:01');
  await lastNotices;
  await page.clock.fastForward('27:05');
  await warning.waitFor();
  const text = ((await warning.textContent()) || '').replace(/\s+/g, ' ');
  if (!/あと[12]分\d\d秒でログインの有効期限が切れます/.test(text)) throw new Error(`idle: the warning reads "${text}"`);
  const focusIn = () => page.evaluate(() => document.activeElement?.closest('[role="alertdialog"]') !== null && document.activeElement?.textContent);
  if ((await focusIn()) !== 'ログインを続ける') throw new Error(`idle: the focus is on "${await focusIn()}", not 「ログインを続ける」`);
  for (const key of ['Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
    await page.keyboard.press(key);
    if (!(await focusIn())) throw new Error(`idle: ${key} let the focus out of the warning`);
  }
  await axeCheck(page, 'idle-timeout warning');
  await shoot(page, 'idle-warning.png');
  await page.getByRole('button', { name: 'ログインを続ける' }).focus();
  const extended = page.waitForResponse((res) => new URL(res.url()).pathname === '/api/v1/session' && res.request().method() === 'GET');
  await page.keyboard.press('Enter');
  if ((await extended).status() !== 200) throw new Error('idle: 「ログインを続ける」 was not answered 200');
  await warning.waitFor({ state: 'hidden' });
  step(`idle: warned after 27 min (${text.slice(0, 40)}…), focus kept inside, 「ログインを続ける」 asked the session and closed it`);

  // Left alone past the end: the login page says why.
  await page.clock.fastForward('29:30');
  await page.getByRole('heading', { name: 'ログイン', level: 1 }).waitFor();
  await page.locator('#status').filter({ hasText: 'ログインの有効期限が切れました' }).waitFor();
  step('idle: left alone past the end, the login page says 「ログインの有効期限が切れました」');
  if (errors.length) throw new Error(`text size, idle: uncaught errors: ${errors.join(' | ')}`);
  await context.close();
}

/**
 * 講座の編集 as the demo's editor (E2E_EDITOR_EMAIL, E2E_EDITOR_PASSWORD;
 * skipped without them): a new course created as a draft; a 4-second video
 * made here with FFmpeg uploaded over a throttled network, its progress bar
 * seen between 0 and 100 %, then its processing followed until 準備完了;
 * Japanese captions uploaded; a lesson's removal asks first (Escape keeps
 * it); published; the preview shows the lesson as learners see it. axe on
 * every state, screenshots editor-*.png.
 */
async function editorPages(browser, base) {
  const { E2E_EDITOR_EMAIL: editorEmail, E2E_EDITOR_PASSWORD: editorPassword } = process.env;
  if (!editorEmail || !editorPassword) {
    step('editor: skipped (E2E_EDITOR_EMAIL, E2E_EDITOR_PASSWORD not set)');
    return;
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'manabi-e2e-'));
  const video = path.join(dir, '研修サンプル.mp4');
  execFileSync('ffmpeg', [
    '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=d=4:s=320x180:r=25',
    '-f', 'lavfi', '-i', 'sine=d=4',
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', video,
  ]);
  const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  const errors = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  await page.goto(new URL('/#/editor', base).href, { waitUntil: 'domcontentloaded' });
  await logIn(page, editorEmail, editorPassword);
  await page.getByRole('heading', { name: '講座の編集', level: 1 }).waitFor();
  await page.getByRole('table', { name: /^講座一覧/ }).waitFor();
  await axeCheck(page, 'editor: course list');
  await shoot(page, 'editor-courses.png');

  const title = `情報セキュリティの基本 ${Date.now().toString(36)}`;
  await page.getByRole('link', { name: '新しい講座を作る' }).click();
  await page.getByRole('heading', { name: '新しい講座を作る', level: 1 }).waitFor();
  await page.getByRole('button', { name: '下書きとして作成' }).click();
  await page.getByRole('alert').filter({ hasText: 'タイトルを入力してください。' }).waitFor();
  await axeCheck(page, 'editor: new course with an error');
  await shoot(page, 'editor-new.png');
  await page.getByLabel('タイトル').fill(title);
  await page.getByRole('button', { name: '下書きとして作成' }).click();
  await page.getByRole('heading', { name: `「${title}」の編集`, level: 1 }).waitFor();
  step(`editor: a new course 「${title}」 created as a draft (an empty title refused first)`);

  // The upload over a slow network: the bar moves between 0 and 100 %.
  await page.evaluate(() => {
    window.__uploadSeen = [];
    const bar = document.getElementById('upload-progress');
    new MutationObserver(() => window.__uploadSeen.push(Number(bar.getAttribute('value'))))
      .observe(bar, { attributes: true, attributeFilter: ['value'] });
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 96 * 1024,
  });
  // The title follows the chosen file while it is the file's name.
  const other = path.join(dir, 'まとめ.mp4');
  await copyFile(video, other);
  await page.getByLabel('動画ファイル').setInputFiles(other);
  await page.getByLabel('動画ファイル').setInputFiles(video);
  if ((await page.getByLabel('レッスンのタイトル').inputValue()) !== '研修サンプル') {
    throw new Error('editor: the lesson title was not taken from the (second) file name');
  }
  await page.getByRole('button', { name: 'アップロードしてレッスンに追加' }).click();
  await page.getByText('アップロードの進み具合').waitFor();
  await shoot(page, 'editor-uploading.png');
  await page.getByText(/^動画 #\d+：/).first().waitFor();
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1,
  });
  const seen = await page.evaluate(() => window.__uploadSeen);
  if (!seen.some((v) => v > 0 && v < 100)) throw new Error(`editor: the upload bar never showed progress (${seen.join(', ')})`);
  const ready = page.getByText(/^動画 #\d+：準備完了/);
  await ready.waitFor({ timeout: 90_000 });
  step(`editor: uploaded with the bar at ${[...new Set(seen)].join(' → ')} %, processed until 準備完了`);

  // Captions, and the removal that asks first.
  const lesson = page.locator('li.lesson-edit').first();
  await lesson.locator('details.captions-edit summary').click();
  await lesson.getByLabel('字幕ファイル（WebVTT・SRT）').setInputFiles({
    name: 'ja.vtt', mimeType: 'text/vtt', buffer: Buffer.from('WEBVTT\n\n00:00:00.000 --> 00:00:03.000\n情報セキュリティの基本\n'),
  });
  await lesson.getByRole('button', { name: /^字幕をアップロード/ }).click();
  await lesson.locator('summary').filter({ hasText: '字幕（日本語）' }).waitFor();
  await page.waitForFunction(() => document.activeElement?.textContent?.startsWith('字幕をアップロード'));
  await axeCheck(page, 'editor: course with a lesson and its captions');
  await shoot(page, 'editor-course.png');
  await page.setViewportSize({ width: 320, height: 800 });
  const over = await sidewaysOverflow(page);
  await page.setViewportSize({ width: 1280, height: 900 });
  if (over > 1) throw new Error(`editor: at 320 px the course page is ${over} px too wide`);
  await lesson.getByRole('button', { name: /^削除\s*（研修サンプル）$/ }).click();
  const removal = page.getByRole('dialog', { name: 'レッスンを削除しますか' });
  await removal.waitFor();
  await axeCheck(page, 'editor: lesson removal dialog');
  await page.keyboard.press('Escape');
  await removal.waitFor({ state: 'detached' });
  if ((await page.locator('li.lesson-edit').count()) !== 1) throw new Error('editor: Escape removed the lesson');
  // The captions can be taken away again, after a confirmation.
  await lesson.getByRole('button', { name: /^削除\s*（日本語の字幕：研修サンプル）$/ }).click();
  await page.getByRole('dialog', { name: '字幕を削除しますか' }).getByRole('button', { name: '削除する' }).click();
  await lesson.locator('summary').filter({ hasText: /^字幕：/ }).waitFor();
  if ((await lesson.locator('.caption-list li').count()) !== 0) throw new Error('editor: the deleted captions are still listed');
  step('editor: Japanese captions uploaded and listed, then deleted after a confirmation; removing a lesson asks first, Escape keeps it');

  await editorPoster(page, lesson);

  // A second lesson, then the first moved below it and the order saved.
  // A blank title is the file's name, as the hint says.
  await page.getByLabel('動画ファイル').setInputFiles(other);
  await page.getByLabel('レッスンのタイトル').fill('');
  await page.getByRole('button', { name: 'アップロードしてレッスンに追加' }).click();
  await page.locator('li.lesson-edit').nth(1).waitFor();
  // Done, the focus is back on the button that started it (not lost on the page).
  await page.waitForFunction(() => document.activeElement?.textContent === 'アップロードしてレッスンに追加');
  await page.locator('li.lesson-edit').nth(1).getByText(/^動画 #\d+：準備完了/).waitFor({ timeout: 90_000 });
  await page.locator('li.lesson-edit').first().getByRole('button', { name: /^下へ/ }).click();
  const moved = await page.evaluate(() => ({
    order: [...document.querySelectorAll('li.lesson-edit input[id^="lesson-title-"]')].map((i) => i.value),
    focus: document.activeElement?.textContent ?? '',
  }));
  if (moved.order.join('|') !== 'まとめ|研修サンプル' || !moved.focus.startsWith('上へ')) {
    throw new Error(`editor: moving the first lesson down gave ${JSON.stringify(moved)}`);
  }
  const saved = page.waitForResponse((res) => /\/api\/v1\/courses\/\d+$/.test(new URL(res.url()).pathname) && res.request().method() === 'PATCH');
  await page.getByRole('button', { name: 'レッスンの変更を保存' }).click();
  const patched = await (await saved).json();
  const order = [...patched.lessons].sort((a, b) => a.position - b.position).map((l) => l.title);
  if (order.join('|') !== 'まとめ|研修サンプル') throw new Error(`editor: the saved order is ${order.join(', ')}`);
  await shoot(page, 'editor-lesson-order.png', page.getByRole('region', { name: 'レッスン', exact: true }));
  step('editor: a second lesson uploaded; the first moved down (focus kept on its buttons) and the order saved');

  // Publish, and the preview as learners see it.
  await page.getByRole('button', { name: 'この講座を公開する' }).click();
  await page.getByText('この講座は公開中です。').waitFor();
  await axeCheck(page, 'editor: course published');
  await shoot(page, 'editor-published.png');
  await page.getByRole('link', { name: '学習者の画面で確認する（プレビュー）' }).click();
  await page.getByRole('heading', { name: title, level: 1 }).waitFor();
  await page.locator('.lesson-list button.lesson', { hasText: '研修サンプル' }).waitFor();
  step('editor: published; the preview shows the course and its lesson');

  // Back to draft, after a confirmation.
  await page.goBack();
  await page.getByText('この講座は公開中です。').waitFor();
  await page.getByRole('button', { name: '公開をやめて下書きに戻す' }).click();
  const ask = page.getByRole('alertdialog').or(page.getByRole('dialog'));
  await ask.getByText('これまでの視聴記録は残ります。', { exact: false }).waitFor();
  const unpublished = page.waitForResponse((res) => res.url().endsWith('/unpublish'));
  await ask.getByRole('button', { name: '下書きに戻す' }).click();
  const back = await unpublished;
  if (back.status() !== 200) throw new Error(`editor: unpublishing answered ${back.status()}`);
  await page.getByRole('button', { name: 'この講座を公開する' }).waitFor();
  step('editor: taken back to draft after a confirmation');
  if (errors.length) throw new Error(`editor: uncaught errors: ${errors.join(' | ')}`);
  await context.close();
}

/**
 * 表紙 on a ready lesson: the drawn poster shown, a PNG made in the page
 * uploaded (the server shrinks it to 1280 px wide) and shown instead, a
 * text file refused before sending and one named .png refused by the
 * server, each with its message in the alert line; then back to the drawn
 * one after a confirmation.
 */
async function editorPoster(page, lesson) {
  const part = lesson.locator('details.poster-edit');
  await part.locator('summary').filter({ hasText: '表紙（自動作成）' }).click();
  const image = part.getByRole('img', { name: '研修サンプル の表紙' });
  await image.waitFor();
  const imageWidth = () => image.evaluate((img) => (img.complete ? img.naturalWidth : 0));
  await page.waitForFunction((img) => img.complete && img.naturalWidth > 0, await image.elementHandle());
  const drawn = await imageWidth();
  // A 1600×900 PNG drawn in the page, as an editor's picture.
  const png = await page.evaluate(() => {
    const canvas = document.createElement('canvas');
    canvas.width = 1600;
    canvas.height = 900;
    const g = canvas.getContext('2d');
    const fill = g.createLinearGradient(0, 0, 1600, 900);
    fill.addColorStop(0, '#0b4f9c');
    fill.addColorStop(1, '#f3f5f8');
    g.fillStyle = fill;
    g.fillRect(0, 0, 1600, 900);
    g.fillStyle = '#ffffff';
    g.font = 'bold 120px sans-serif';
    g.fillText('情報セキュリティ', 120, 480);
    return canvas.toDataURL('image/png');
  });
  const file = part.getByLabel('表紙の画像（JPEG・PNG）');
  if ((await file.getAttribute('accept')) !== 'image/jpeg,image/png') throw new Error('editor: the poster field does not offer JPEG and PNG');
  await file.setInputFiles({ name: '表紙.png', mimeType: 'image/png', buffer: Buffer.from(png.split(',')[1], 'base64') });
  const put = page.waitForResponse((res) => res.url().endsWith('/poster') && res.request().method() === 'PUT');
  await part.getByRole('button', { name: /^表紙をアップロード/ }).click();
  await part.getByText('表紙を登録しています…').waitFor().catch(() => {}); // may be over at once
  const answer = await put;
  const made = await answer.json();
  if (answer.status() !== 200 || !/^poster-[0-9a-f]+\.jpg$/.test(made.poster) || made.width !== 1280 || made.height !== 720) {
    throw new Error(`editor: the poster upload answered ${answer.status()} ${JSON.stringify(made)}`);
  }
  await part.locator('summary').filter({ hasText: '表紙（アップロードした画像）' }).waitFor();
  await page.waitForFunction((img) => img.complete && img.naturalWidth === 1280, await image.elementHandle());
  await page.locator('#status').filter({ hasText: '「研修サンプル」の表紙を登録しました。' }).waitFor();
  const busy = await part.getByText('表紙を登録しています…').isVisible();
  if (busy) throw new Error('editor: the busy line stayed after the upload');

  // Refused: a text file before it is sent, a text named .png by the server.
  const alert = part.getByRole('alert');
  await file.setInputFiles({ name: 'memo.txt', mimeType: 'text/plain', buffer: Buffer.from('表紙ではありません') });
  await alert.filter({ hasText: '「memo.txt」は JPEG・PNG の画像ではありません。' }).waitFor();
  if ((await file.getAttribute('aria-invalid')) !== 'true') throw new Error('editor: the refused poster file is not marked invalid');
  await file.setInputFiles({ name: 'not-a-picture.png', mimeType: 'image/png', buffer: Buffer.from('これは画像ではありません\n') });
  if ((await part.locator('p.form-error').textContent()).trim() !== '') throw new Error('editor: choosing a .png did not clear the error');
  const refused = page.waitForResponse((res) => res.url().endsWith('/poster') && res.request().method() === 'PUT');
  await part.getByRole('button', { name: /^表紙をアップロード/ }).click();
  const no = await refused;
  if (no.status() !== 422) throw new Error(`editor: a text named .png as the poster answered ${no.status()}`);
  await alert.filter({ hasText: /^表紙を登録できませんでした。\S/ }).waitFor();
  const said = (await alert.textContent()).trim();
  if ((await imageWidth()) !== 1280) throw new Error('editor: a refused upload changed the poster shown');
  await axeCheck(page, 'editor: the poster uploaded, a wrong file refused');
  await shoot(page, 'editor-poster.png', lesson);

  // Back to the drawn one, after a confirmation (Escape first keeps it).
  const reset = part.getByRole('button', { name: /^自動作成の表紙に戻す/ });
  await reset.click();
  const ask = page.getByRole('dialog', { name: '自動作成の表紙に戻しますか' });
  await ask.waitFor();
  await axeCheck(page, 'editor: going back to the automatic poster dialog');
  await page.keyboard.press('Escape');
  await ask.waitFor({ state: 'detached' });
  await reset.click();
  const deleted = page.waitForResponse((res) => res.url().endsWith('/poster') && res.request().method() === 'DELETE');
  await ask.getByRole('button', { name: '戻す', exact: true }).click();
  if ((await deleted).status() !== 204) throw new Error('editor: going back to the drawn poster was refused');
  await part.locator('summary').filter({ hasText: '表紙（自動作成）' }).waitFor();
  await page.waitForFunction((w) => {
    const img = document.querySelector('details.poster-edit img');
    return img && img.complete && img.naturalWidth === w;
  }, drawn);
  await reset.waitFor({ state: 'hidden' });
  const focused = await page.evaluate(() => document.activeElement?.id ?? '');
  if (!focused.startsWith('poster-file-')) throw new Error(`editor: after going back the focus is on "${focused}"`);
  const video = await (await page.request.get(new URL(`/api/v1/videos/${await part.getAttribute('data-poster-of')}`, page.url()).href)).json();
  if (video.poster !== 'poster.jpg') throw new Error(`editor: after going back the video's poster is ${video.poster}`);
  step(`editor: 表紙 — the drawn one (${drawn} px) shown, a 1600×900 PNG made 1280×720 and shown, a text file refused before sending and a text named .png by the server (「${said}」), back to the drawn one after a confirmation`);
}

try {
  await main();
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
} finally {
  await browser?.close().catch(() => {});
  clearTimeout(deadline);
}
