import { chromium } from 'playwright-core';
const base = process.env.BASE_URL, out = '/tmp/shots/look';
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--headless', '--autoplay-policy=no-user-gesture-required'] });
const c = await b.newContext({ locale: 'ja-JP', viewport: { width: 1100, height: 900 } });
const p = await c.newPage();
p.on('pageerror', (e) => console.log('PAGEERROR', e));
p.on('console', (m) => m.type() === 'error' && console.log('CONSOLE', m.text()));
await p.goto(base + '/');
await p.getByLabel('メールアドレス').fill(process.env.E2E_EMAIL);
await p.getByLabel('パスワード', { exact: true }).fill(process.env.E2E_PASSWORD);
await p.getByRole('button', { name: 'ログイン' }).click();
await p.getByRole('heading', { name: 'ホーム', level: 1 }).waitFor();
if (process.env.PLAY) {
  await p.getByRole('region', { name: '分野から探す' }).locator('a[href^="#/courses/"]').nth(2).click();
  await p.locator('button.lesson').first().click();
  await p.waitForFunction(() => document.querySelector('video')?.currentTime > 4, null, { timeout: 20000 });
  await p.evaluate(() => document.querySelector('video').pause());
  await p.waitForTimeout(1500);
  await p.evaluate(() => (location.hash = '#/'));
  await p.getByRole('heading', { name: 'ホーム', level: 1 }).waitFor();
  await p.waitForTimeout(500);
}
await p.screenshot({ path: `${out}/home.png`, fullPage: true });
await p.goto(base + '/#/history'); await p.getByRole('heading', { name: '視聴履歴', level: 1 }).waitFor(); await p.waitForTimeout(300);
await p.screenshot({ path: `${out}/history.png`, fullPage: true });
const link = p.locator('.history-table a').first();
if (await link.count()) { await link.click(); await p.locator('.lesson').first().waitFor(); await p.waitForTimeout(300); await p.screenshot({ path: `${out}/course.png`, fullPage: true }); console.log('focus', await p.evaluate(() => document.activeElement.outerHTML.slice(0, 100))); }
await p.goto(base + '/#/search?q=' + encodeURIComponent('研修')); await p.locator('h1').first().waitFor(); await p.waitForTimeout(500);
await p.screenshot({ path: `${out}/search.png`, fullPage: true });
await p.goto(base + '/#/domains/law-policy'); await p.waitForTimeout(800);
await p.screenshot({ path: `${out}/domain.png`, fullPage: true });
await p.setViewportSize({ width: 320, height: 700 }); await p.goto(base + '/#/'); await p.waitForTimeout(800);
console.log('overflow320', await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth));
await p.screenshot({ path: `${out}/home-320.png`, fullPage: true });
await b.close();
