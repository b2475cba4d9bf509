// Builds the front end into dist/ (index.html, app.js, app.css, admin.js —
// the administration pages, loaded by app.js only when an admin or manager
// opens them — and editor.js — 講座の編集, only for editors and admins: fixed
// names, served by the manabi binary at /) and Help (help/, the manuals of
// docs/ja: help.mjs), or with --test
// the pure modules into dist-test/ as ES modules for `node --test`.
import { build } from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { buildHelp } from './help.mjs';

const root = path.dirname(fileURLToPath(import.meta.url));
const src = (f) => path.join(root, 'src', f);
// Edge/Chrome on Windows 10 and phones (Safari 15+ on iOS).
const target = ['chrome90', 'edge90', 'firefox90', 'safari15'];

if (process.argv.includes('--test')) {
  const out = path.join(root, 'dist-test');
  await rm(out, { recursive: true, force: true });
  await build({
    entryPoints: [
      'i18n.ts',
      'messages.ts',
      'played.ts',
      'levels.ts',
      'route.ts',
      'learning.ts',
      'text-size.ts',
      'idle.ts',
      'format.ts',
      'grant.ts',
      'notices.ts',
      'controls.ts',
      'admin/roles.ts',
      'admin/dialog-messages.ts',
      'admin/messages.ts',
      'admin/labels.ts',
      'admin/report-logic.ts',
      'admin/records.ts',
      'admin/assignment-logic.ts',
      'admin/settings-logic.ts',
      'editor/messages.ts',
      'editor/logic.ts',
    ].map(src),
    outdir: out,
    format: 'esm',
    platform: 'neutral',
    target: 'node18',
    bundle: false,
    logLevel: 'warning',
  });
} else {
  const out = path.join(root, 'dist');
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  // One minified script per bundle: app.js (learners, loads the others),
  // admin.js and editor.js (on demand).
  const script = (entry, file, extra = {}) =>
    build({
      entryPoints: [src(entry)],
      outfile: path.join(out, file),
      bundle: true,
      minify: true,
      format: 'iife',
      target,
      legalComments: 'none',
      logLevel: 'warning',
      ...extra,
    });
  // hls.js's light build: no subtitles, alternate audio, EME or CMCD.
  await script('main.ts', 'app.js', { alias: { 'hls.js': 'hls.js/dist/hls.light.mjs' } });
  await script('admin/index.ts', 'admin.js');
  await script('editor/index.ts', 'editor.js');
  await build({
    entryPoints: [src('app.css')],
    outfile: path.join(out, 'app.css'),
    minify: true,
    target,
    logLevel: 'warning',
  });
  await copyFile(src('index.html'), path.join(out, 'index.html'));
  await buildHelp(path.join(root, '..', 'docs', 'ja'), out);
}
