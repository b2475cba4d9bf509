import { t } from './messages.js';
/**
 * The course editor's pure parts: sizes and percentages of an upload, when
 * its progress is said aloud, the processing states in Japanese, the
 * `X-Filename` header, the lesson list's edits (each returns a new list), and
 * the checks and words of a poster (表紙).
 */

/** `1536` → `1.5 KB`, `262144000` → `250 MB` (binary units, as Windows shows them). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  const digits = i === 0 || v >= 100 ? 0 : 1;
  return `${v.toFixed(digits).replace(/\.0$/, '')} ${units[i]}`;
}

/** Whole percent of `done` out of `total` (0 when the total is unknown), within 0–100. */
export function percentOf(done: number, total: number): number {
  if (!(total > 0)) return 0;
  return Math.min(100, Math.max(0, Math.floor((done / total) * 100)));
}

/**
 * The milestone (25, 50, 75, 100) crossed going from `before` to `now`
 * percent, or null: the live region says these, not every percent.
 */
export function crossedMilestone(before: number, now: number): number | null {
  for (const m of [100, 75, 50, 25]) if (before < m && now >= m) return m;
  return null;
}

/** What an upload's progress reads: `45%（112 MB / 250 MB）`. */
export function uploadText(loaded: number, total: number): string {
  return t('e.logic.upload', { pct: percentOf(loaded, total), loaded: formatBytes(loaded), total: formatBytes(total) });
}

const VIDEO_STATES: Record<string, string> = {
  queued: 'e.logic.video.queued',
  processing: 'e.logic.video.processing',
  ready: 'e.logic.video.ready',
  failed: 'e.logic.video.failed',
};

/** A video's processing status in words (unknown ones as they are). */
export function videoStatusLabel(status: string): string {
  const key = VIDEO_STATES[status];
  return key ? t(key) : status;
}

/** Whether the video still changes (polling goes on). */
export function isProcessing(status: string): boolean {
  return status === 'queued' || status === 'processing';
}

/**
 * The `X-Filename` header for a file name: header values are Latin-1, so
 * Japanese names go percent-encoded (the server decodes them).
 */
export function filenameHeader(name: string): string {
  return encodeURIComponent(name);
}

/** A lesson title from a file name: `第1回 概要.mp4` → `第1回 概要`. */
export function titleFromFile(name: string): string {
  return name.replace(/\.[A-Za-z0-9]{1,5}$/, '').trim() || name;
}

/**
 * The lesson title once another file is chosen (`fileName`, null when none):
 * a blank title, or one taken from the previous file's name (`taken`), is
 * the new file's name; a title the editor typed is kept.
 */
export function titleForFile(current: string, taken: string | null, fileName: string | null): string {
  if (current.trim() && current !== taken) return current;
  return fileName ? titleFromFile(fileName) : '';
}

/**
 * What is said when a video's processing ends, or null: when it was seen
 * processing (`before`) or was just uploaded (`justAdded`, whose first
 * answer may already be the end), that it is ready or why it failed.
 */
export function processingNews(
  title: string,
  before: string | undefined,
  v: { status: string; error?: string | null },
  justAdded: boolean,
): string | null {
  const wasProcessing = before === undefined ? justAdded : isProcessing(before);
  if (!wasProcessing || isProcessing(v.status)) return null;
  if (v.status === 'ready') return t('e.lesson.ready', { title });
  return v.error ? t('e.lesson.failedWhy', { title, error: v.error }) : t('e.lesson.failed', { title });
}

/**
 * The paragraphs of the confirmation before a course goes back to draft:
 * with assignments (必修研修), that their assignees can no longer open it.
 */
export function unpublishBody(title: string, assignmentCount: number): string[] {
  return [
    t('e.course.unpublish.body', { title }),
    ...(assignmentCount > 0 ? [t('e.course.unpublish.assigned', { n: assignmentCount })] : []),
    t('e.course.unpublish.more'),
  ];
}

/** The list with item `i` moved by `delta` places (unchanged when it cannot move). */
export function moveItem<T>(list: readonly T[], i: number, delta: -1 | 1): T[] {
  const j = i + delta;
  const out = [...list];
  if (i < 0 || i >= list.length || j < 0 || j >= list.length) return out;
  [out[i], out[j]] = [out[j] as T, out[i] as T];
  return out;
}

/** The list without item `i`. */
export function removeItem<T>(list: readonly T[], i: number): T[] {
  return list.filter((_, k) => k !== i);
}

/** Why a course title cannot be saved, or null (the server's rule: 1–200 characters). */
export function titleProblem(title: string): string | null {
  const n = [...title.trim()].length;
  if (n === 0) return t('e.logic.titleEmpty');
  if (n > 200) return t('e.logic.titleLong', { n });
  return null;
}

/** Caption languages offered for upload. */
export const CAPTION_LANGS: readonly { lang: string; label: string }[] = [
  {
    lang: 'ja',
    get label() {
      return t('e.logic.lang.ja');
    },
  },
  {
    lang: 'en',
    get label() {
      return t('e.logic.lang.en');
    },
  },
];

// ---- posters (表紙) ---------------------------------------------------------------

/** The largest picture the server takes as a poster (10 MiB). */
export const POSTER_MAX_BYTES = 10 * 1024 * 1024;

/** The poster's file field offers these. */
export const POSTER_ACCEPT = 'image/jpeg,image/png';

/**
 * A file's picture type: its own, or from its name when the browser gave
 * none (some Windows PCs know no type for `.jfif` and the like).
 */
function pictureType(file: { name: string; type: string }): string {
  if (file.type) return file.type.toLowerCase();
  if (/\.(jpe?g|jfif)$/i.test(file.name)) return 'image/jpeg';
  if (/\.png$/i.test(file.name)) return 'image/png';
  return '';
}

/**
 * Why a chosen file cannot become a poster, or null: the server takes a
 * JPEG or PNG of at most {@link POSTER_MAX_BYTES} (it checks the content
 * itself; this spares sending what it would refuse).
 */
export function posterFileProblem(file: { name: string; type: string; size: number }): string | null {
  const type = pictureType(file);
  if ((type !== 'image/jpeg' && type !== 'image/png') || file.size === 0) {
    return t('e.poster.notPicture', { name: file.name });
  }
  if (file.size > POSTER_MAX_BYTES) return t('e.poster.tooLargeFile', { size: formatBytes(file.size) });
  return null;
}

/** Whose the current poster is, from its file name (`GET /api/v1/videos/{id}`'s `poster`). */
export type PosterKind = 'own' | 'drawn' | 'none';

/** `poster-{hex}.jpg`: an editor's picture; `poster.jpg`: drawn from the video; none. */
export function posterKind(poster: string | null | undefined): PosterKind {
  if (!poster) return 'none';
  return poster === 'poster.jpg' ? 'drawn' : 'own';
}

/** Whose the poster is, in words, as the 表紙 part's summary ends. */
export function posterKindLabel(kind: PosterKind): string {
  return t(`e.poster.kind.${kind}`);
}

/**
 * What a refused poster upload says: a body over the limit in our words
 * (a proxy may answer 413 without the server's message), anything else
 * with the server's reason (a file that is no picture: 422).
 */
export function posterFailure(status: number, message: string): string {
  if (status === 413) return t('e.poster.tooLarge');
  return t('e.poster.failed', { error: message });
}
