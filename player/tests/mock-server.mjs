// A stand-in for the manabi catalog + origin, for working on the front end
// without the Rust server (not run by `npm test`). It serves dist/ at / and
// the few API routes the learner pages use, with the shapes of API.md, and
// real HLS media that ffmpeg generates once (two renditions, fMP4).
//   npm run build && node tests/mock-server.mjs      # http://127.0.0.1:8099
//   login: learner@example.jp / password
// Heartbeats are printed to stdout as one JSON line each.
import { createServer } from 'node:http';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const media = process.env.MOCK_MEDIA_DIR || path.join(tmpdir(), 'manabi-mock-media');
const port = Number(process.env.PORT || 8099);
const EMAIL = process.env.E2E_EMAIL || 'learner@example.jp';
const PASSWORD = process.env.E2E_PASSWORD || 'password';
const MAX_KBPS = Number(process.env.MOCK_MAX_KBPS ?? 500);

if (!existsSync(path.join(media, 'master.m3u8'))) {
  await mkdir(path.join(media, 'v0'), { recursive: true });
  await mkdir(path.join(media, 'v1'), { recursive: true });
  console.log(`mock: generating HLS media in ${media}`);
  execFileSync('ffmpeg', [
    '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25:duration=30',
    '-f', 'lavfi', '-i', 'sine=frequency=440:duration=30',
    '-filter_complex', '[0:v]split=2[a][b];[b]scale=320:180[b2]',
    '-map', '[a]', '-map', '[b2]', '-map', '1:a', '-map', '1:a',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', '-keyint_min', '50', '-sc_threshold', '0',
    '-b:v:0', '800k', '-b:v:1', '300k', '-c:a', 'aac', '-b:a', '64k',
    '-f', 'hls', '-hls_time', '2', '-hls_playlist_type', 'vod', '-hls_segment_type', 'fmp4',
    '-var_stream_map', 'v:0,a:0 v:1,a:1', '-master_pl_name', 'master.m3u8',
    '-hls_segment_filename', path.join(media, 'v%v/seg%d.m4s'), path.join(media, 'v%v/index.m3u8'),
  ]);
}

const user = { id: 7, email: EMAIL, name: '区役所 太郎', role: 'learner', status: 'active' };
const categories = [
  { id: 1, slug: 'security', name: '情報セキュリティ', name_en: 'Information security', course_count: 1 },
  { id: 2, slug: 'privacy', name: '個人情報保護', name_en: 'Personal information', course_count: 1 },
  { id: 3, slug: 'service', name: '接遇', name_en: 'Customer service', course_count: 0 },
];
const courses = [
  { id: 101, title: '標的型メール攻撃への備え', description: '不審なメールの見分け方と報告の手順を学びます。', category_id: 1, category_name: '情報セキュリティ', status: 'published', lesson_count: 2 },
  { id: 102, title: 'マイナンバーの取り扱い', description: '特定個人情報の安全管理措置。', category_id: 2, category_name: '個人情報保護', status: 'published', lesson_count: 1 },
];
const lessons = {
  101: [
    { id: 1001, title: 'はじめに', position: 1, video_id: 'v-1', duration_s: 30 },
    { id: 1002, title: '不審なメールの特徴', position: 2, video_id: 'v-2', duration_s: 30 },
  ],
  102: [{ id: 1003, title: '概要', position: 1, video_id: 'v-3', duration_s: 30 }],
};
const logins = new Map(); // sid → csrf
const plays = new Set();

const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.m3u8': 'application/vnd.apple.mpegurl', '.m4s': 'video/iso.segment', '.mp4': 'video/mp4', '.png': 'image/png' };

function json(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}
const error = (res, status, code, message) => json(res, status, { error: { code, message } });

async function body(req) {
  let s = '';
  for await (const c of req) s += c;
  try { return s ? JSON.parse(s) : {}; } catch { return null; }
}

async function file(res, dir, rel, fallback) {
  const p = path.join(dir, path.normalize(rel).replace(/^(\.\.[/\\])+/, ''));
  try {
    const data = await readFile(p);
    res.writeHead(200, { 'Content-Type': types[path.extname(p)] || 'application/octet-stream' });
    res.end(data);
  } catch {
    if (fallback) return file(res, dir, fallback);
    res.writeHead(404).end();
  }
}

createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const sid = /(?:^|;\s*)sid=([^;]+)/.exec(req.headers.cookie || '')?.[1];
  const csrf = sid && logins.get(sid);
  const p = url.pathname;
  const m = req.method;
  const csrfOk = () => csrf && (req.headers['x-csrf-token'] === csrf);

  if (p === '/api/v1/session' && m === 'POST') {
    const b = await body(req);
    if (!b || b.email !== EMAIL || b.password !== PASSWORD) return error(res, 401, 'invalid_credentials', 'invalid e-mail or password');
    const s = randomUUID(); const t = randomUUID();
    logins.set(s, t);
    return json(res, 200, { user, csrf_token: t }, { 'Set-Cookie': `sid=${s}; HttpOnly; SameSite=Strict; Path=/` });
  }
  if (p.startsWith('/api/') && !csrf && !(p.endsWith('/heartbeat'))) return error(res, 401, 'unauthenticated', 'ログインしてください。');
  if (p === '/api/v1/session' && m === 'GET') return json(res, 200, { user, csrf_token: csrf });
  if (p === '/api/v1/session' && m === 'DELETE') {
    if (!csrfOk()) return error(res, 403, 'csrf', 'CSRF トークンが正しくありません。');
    logins.delete(sid);
    return json(res, 200, {}, { 'Set-Cookie': 'sid=; Max-Age=0; Path=/' });
  }
  if (p === '/api/v1/categories') return json(res, 200, { items: categories, total: categories.length, page: 1, per_page: 50 });
  if (p === '/api/v1/courses') return json(res, 200, { items: courses, total: courses.length, page: 1, per_page: Number(url.searchParams.get('per_page') || 50) });
  let r = /^\/api\/v1\/courses\/(\d+)$/.exec(p);
  if (r) {
    const c = courses.find((x) => String(x.id) === r[1]);
    if (!c) return error(res, 404, 'not_found', '講座が見つかりません。');
    const { lesson_count, ...rest } = c;
    return json(res, 200, { ...rest, lessons: lessons[c.id] });
  }
  r = /^\/api\/v1\/videos\/([^/]+)\/play$/.exec(p);
  if (r && m === 'POST') {
    if (!csrfOk()) return error(res, 403, 'csrf', 'CSRF トークンが正しくありません。');
    const session_id = randomUUID();
    plays.add(session_id);
    return json(res, 200, { session_id, master_url: `/media/${r[1]}/master.m3u8?sig=mock`, max_bitrate_kbps: MAX_KBPS, resume_position_s: 3 });
  }
  r = /^\/api\/v1\/play\/([^/]+)\/heartbeat$/.exec(p);
  if (r && m === 'POST') {
    const token = req.headers['x-csrf-token'] || url.searchParams.get('csrf');
    if (!csrf || token !== csrf) return error(res, 403, 'csrf', 'CSRF トークンが正しくありません。');
    if (!plays.has(r[1])) return error(res, 410, 'play_session_gone', '再生セッションが終了しました。');
    const b = await body(req);
    console.log(JSON.stringify({ heartbeat: r[1].slice(0, 8), via: req.headers['x-csrf-token'] ? 'fetch' : 'beacon', type: req.headers['content-type'], ...b }));
    return json(res, 200, { max_bitrate_kbps: MAX_KBPS });
  }
  if (p.startsWith('/api/')) return error(res, 404, 'not_found', '見つかりません。');
  r = /^\/media\/[^/]+\/(.+)$/.exec(p);
  if (r) return file(res, media, r[1]);
  return file(res, dist, p === '/' ? 'index.html' : p, 'index.html');
}).listen(port, '127.0.0.1', () => console.log(`mock: http://127.0.0.1:${port}/  (${EMAIL} / ${PASSWORD})`));
