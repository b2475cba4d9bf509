/**
 * Uploading a video (`POST /api/v1/videos`, the file as the raw body, its
 * name in `X-Filename`) by XMLHttpRequest, whose upload events give a real
 * progress bar for large files (fetch has none), and following its
 * processing (`GET /api/v1/videos/{id}`) until it is ready or failed.
 */
import type { VideoInfo } from '../api';
import type { EditorHost } from './host';
import { filenameHeader, isProcessing } from './logic';
import { t } from './messages';
import { serverMessage } from '../i18n';

export interface Upload {
  /** Resolves with the new video's id; rejects with a Japanese message. */
  done: Promise<number>;
  /** Stops the upload (the promise rejects with `aborted`). */
  abort(): void;
}

/** The upload was stopped by the user. */
export const ABORTED = 'aborted';

/** Starts uploading `file`; `progress(loaded, total)` follows the bytes sent. */
export function uploadVideo(
  file: File,
  csrf: string | null,
  progress: (loaded: number, total: number) => void,
): Upload {
  const xhr = new XMLHttpRequest();
  const done = new Promise<number>((resolve, reject) => {
    xhr.open('POST', '/api/v1/videos');
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    xhr.setRequestHeader('X-Filename', filenameHeader(file.name));
    xhr.setRequestHeader('Accept', 'application/json');
    if (csrf) xhr.setRequestHeader('X-CSRF-Token', csrf);
    xhr.upload.addEventListener('progress', (e) => progress(e.loaded, e.lengthComputable ? e.total : file.size));
    xhr.addEventListener('abort', () => reject(new Error(ABORTED)));
    xhr.addEventListener('error', () =>
      reject(new Error(t('e.upload.stopped'))),
    );
    xhr.addEventListener('load', () => {
      let body: { id?: number; error?: { message?: string } } = {};
      try {
        body = JSON.parse(xhr.responseText || '{}');
      } catch {
        /* not JSON */
      }
      if (xhr.status === 201 && typeof body.id === 'number') {
        resolve(body.id);
      } else if (xhr.status === 413) {
        reject(new Error(body.error?.message ? serverMessage(body.error.message) : t('e.upload.tooLarge')));
      } else {
        reject(
          new Error(
            body.error?.message ? serverMessage(body.error.message) : t('e.upload.failed', { status: xhr.status }),
          ),
        );
      }
    });
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}

/**
 * Asks for a video's state every `everyMs` until it is no longer
 * processing, or `stop()` is called; `seen` gets each answer.
 */
export function followProcessing(
  host: EditorHost,
  videoId: number,
  seen: (v: VideoInfo) => void,
  everyMs = 2000,
): { stop(): void } {
  let timer: number | undefined;
  let stopped = false;
  const look = async (): Promise<void> => {
    try {
      const v = await host.api.video(videoId);
      if (stopped) return;
      seen(v);
      if (!isProcessing(v.status)) return;
    } catch (err) {
      if (stopped || host.handleAuthError(err)) return;
    }
    if (host.isCurrent()) timer = window.setTimeout(() => void look(), everyMs);
  };
  void look();
  return {
    stop: () => {
      stopped = true;
      window.clearTimeout(timer);
    },
  };
}
