/**
 * What the learner bundle (main.ts) hands the course editor bundle
 * (editor.js, loaded on demand for editors and admins): the administration
 * pages' host plus the CSRF token (the upload goes by XMLHttpRequest, for
 * its progress events) and navigation. Types only.
 */
import type { AdminHost } from '../admin/host';

export interface EditorHost extends AdminHost {
  /** The CSRF token of the login, for requests made outside `api`. */
  csrfToken(): string | null;
  /** Goes to a hash (rendering again when it is the current one). */
  go(hash: string): void;
}

/** The editor pages, as editor.js registers them on `window`. */
export interface EditorPages {
  /** 講座の編集: every course, drafts too. */
  coursesPage(host: EditorHost): Promise<void>;
  /** A new course (a draft). */
  newCoursePage(host: EditorHost): Promise<void>;
  /** One course: details, lessons (upload, order, captions), publish, preview. */
  editCoursePage(host: EditorHost, id: string): Promise<void>;
}

declare global {
  interface Window {
    manabiEditor?: EditorPages;
  }
}
