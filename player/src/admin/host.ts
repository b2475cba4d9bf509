/**
 * What the learner bundle (main.ts) hands the administration bundle
 * (admin.js, loaded on demand): one API client (one CSRF token, one
 * ApiError class for `instanceof`), the page frame and the live region.
 * Types only; nothing here ends up in either bundle.
 */
import type { api, ApiError, User } from '../api';

export interface AdminHost {
  /** The learner bundle's API client. */
  api: typeof api;
  /** The learner bundle's error class (errors from `api` are instances of it). */
  ApiError: typeof ApiError;
  /** The logged-in user (role admin or manager; admin for the admin-only pages). */
  user: User;
  /** Says something in the polite live region. */
  announce(message: string): void;
  /** Replaces the main view, sets the title and moves focus to its h1. */
  show(title: string, ...content: Node[]): void;
  /** The page's h1 (focusable). */
  heading(text: string): HTMLHeadingElement;
  /** A message for any failure (the server's, or a Japanese fallback). */
  errorMessage(err: unknown): string;
  /** Handles a lost login or a forced password change; true when it did. */
  handleAuthError(err: unknown): boolean;
  /** False once the user has navigated elsewhere: stop painting. */
  isCurrent(): boolean;
  /** Asks for the notices banner again now (after a notice changed). */
  refreshNotices(): void;
}

/** The administration pages, as admin.js registers them on `window`. */
export interface AdminPages {
  usersPage(host: AdminHost): Promise<void>;
  importPage(host: AdminHost): Promise<void>;
  reportsPage(host: AdminHost): Promise<void>;
  /** お知らせ管理 (admins only). */
  noticesPage(host: AdminHost): Promise<void>;
  /** グループ (admins and managers). */
  groupsPage(host: AdminHost): Promise<void>;
  /** ごみ箱 (admins only). */
  trashPage(host: AdminHost): Promise<void>;
  /** 監査ログ (admins only). */
  auditPage(host: AdminHost): Promise<void>;
  /** データ出力 and 契約 ID 数 (admins only). */
  exportsPage(host: AdminHost): Promise<void>;
  /** 必修研修の割り当て (admins and managers). */
  assignmentsPage(host: AdminHost): Promise<void>;
  /** 設定, read-only (admins only). */
  settingsPage(host: AdminHost): Promise<void>;
}

declare global {
  interface Window {
    manabiAdmin?: AdminPages;
  }
}
