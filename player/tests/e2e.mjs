// End-to-end check of the learner pages against a running manabi server.
// Not part of `npm test`: CI starts the server, then runs
//   BASE_URL=http://127.0.0.1:8080 E2E_EMAIL=… E2E_PASSWORD=… node tests/e2e.mjs
// Optional: CHROMIUM (default /usr/bin/chromium), SCREENSHOT_DIR.
// Logs in through the form, opens the first course, plays its first lesson
// until currentTime > 1 s, waits for a heartbeat with played time answered 200, and checks
// lang="ja" and that every visible control has an accessible name.
// Exits 0 on success, 1 with one clear line on failure; 90 s at most.
import { chromium } from 'playwright-core';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

const TOTAL_MS = 90_000;
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

  step(`opening ${base}`);
  await page.goto(new URL('/', base).href, { waitUntil: 'domcontentloaded' });

  step('logging in through the form');
  await page.getByLabel('メールアドレス').fill(email);
  await page.getByLabel('パスワード').fill(password);
  await page.getByRole('button', { name: 'ログイン' }).click();

  const firstCourse = page.locator('main a[href^="#/courses/"]').first();
  try {
    await firstCourse.waitFor({ state: 'visible' });
  } catch {
    const status = (await page.locator('#status').textContent().catch(() => '')) || '';
    throw new Error(`no course link after login (status: "${status.trim()}")`);
  }
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
  await firstLesson.click();

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

  try {
    await heartbeat200;
  } catch {
    throw new Error(
      `no heartbeat with played intervals answered 200 (${goodHeartbeats} ok; failed: ${badHeartbeats.join(', ') || 'none'})`,
    );
  }
  step('a heartbeat with played intervals was answered 200');

  const lang = await page.evaluate(() => document.documentElement.lang);
  if (lang !== 'ja') throw new Error(`<html lang> is "${lang}", expected "ja"`);

  // Visible controls without an accessible name, as Playwright's ARIA
  // snapshot computes names: a named node reads `- button "名前"`.
  const snapshot = await page.locator('body').ariaSnapshot();
  const roles = 'button|link|textbox|searchbox|checkbox|radio|combobox|listbox|slider|spinbutton|switch|menuitem|tab';
  const unnamed = snapshot
    .split('\n')
    .filter((line) => new RegExp(`^\\s*- (${roles})(?![\\w-])(?!\\s+["/])`).test(line))
    .map((line) => line.trim());
  if (unnamed.length) {
    throw new Error(`controls without an accessible name: ${unnamed.join(' | ')}`);
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
    throw new Error(`elements without an accessible name: ${unlabeled.join(' | ')}`);
  }
  step('lang="ja" and every visible control is named');

  if (pageErrors.length) throw new Error(`uncaught errors in the page: ${pageErrors.join(' | ')}`);

  if (process.env.SCREENSHOT_DIR) {
    await mkdir(process.env.SCREENSHOT_DIR, { recursive: true });
    const file = path.join(process.env.SCREENSHOT_DIR, 'player.png');
    await page.screenshot({ path: file, fullPage: true });
    step(`screenshot saved to ${file}`);
  }
  console.log(`e2e: OK in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

try {
  await main();
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
} finally {
  await browser?.close().catch(() => {});
  clearTimeout(deadline);
}
