// Builds the service's Help (ヘルプ) from the Japanese manuals in docs/ja:
// dist/help/index.html and one page per manual, with the manuals' own
// headings. The screenshots are taken by the browser test and are in the
// PDF manuals (scripts/manuals.sh), not here: each becomes a line naming
// the screen. Served by the binary at /help/, linked from every page.
import { marked } from 'marked';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The manuals, with the ASCII file names Help serves them under. */
const MANUALS = [
  ['操作マニュアル', 'user.html', '利用者・受講管理者・講座編集者のための操作の手引き'],
  ['運用マニュアル', 'operator.html', '運用担当者のための手引き'],
  ['要件対応表', 'requirements.html', '仕様書の要件と、それを満たす機能・試験の対応'],
  ['アクセシビリティ', 'accessibility.html', 'JIS X 8341-3:2016 への対応状況'],
];

const escape = (s) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

function page(title, body) {
  return `<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} — manabi ヘルプ</title>
<link rel="stylesheet" href="/app.css">
</head>
<body class="help">
<a class="skip-link" href="#main">本文へスキップ</a>
<header class="site-header"><div class="bar">
<p class="site-title"><a href="/#/">manabi <span class="site-sub">研修動画</span></a></p>
<p class="help-link"><a href="/help/">ヘルプの目次</a></p>
</div></header>
<main id="main" class="help-page">
${body}
</main>
</body>
</html>
`;
}

/** Markdown of a manual as Help shows it: screenshots become a line. */
function withoutScreenshots(markdown) {
  return markdown.replace(
    /!\[([^\]]*)\]\(screenshots\/[^)]*\)/g,
    (_, alt) => `*（画面: ${alt} — 画面写真は PDF 版のマニュアルにあります）*`,
  );
}

/** Writes dist/help from `docsDir` (docs/ja). */
export async function buildHelp(docsDir, out) {
  const dir = path.join(out, 'help');
  await mkdir(dir, { recursive: true });
  const items = [];
  for (const [name, file, about] of MANUALS) {
    const markdown = await readFile(path.join(docsDir, `${name}.md`), 'utf8');
    const html = marked.parse(withoutScreenshots(markdown), { async: false });
    await writeFile(path.join(dir, file), page(name, html));
    items.push(`<li><a href="${file}">${escape(name)}</a> — ${escape(about)}</li>`);
  }
  const index = `<h1>ヘルプ</h1>
<p>manabi の使い方です。困ったときは、所属の研修担当（受講管理者）に問い合わせてください。</p>
<ul class="help-list">
${items.join('\n')}
</ul>`;
  await writeFile(path.join(dir, 'index.html'), page('ヘルプ', index));
}
