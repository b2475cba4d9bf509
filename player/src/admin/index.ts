/**
 * The administration bundle (dist/admin.js): loaded by main.ts only when an
 * admin or manager opens an administration page, so the learner pages stay
 * light. Registers its pages on `window.manabiAdmin`.
 */
import { assignmentsPage } from './assignments';
import { auditPage } from './audit';
import { exportsPage } from './exports';
import { groupsPage } from './groups';
import type { AdminPages } from './host';
import { importPage } from './imports';
import { noticesPage } from './notices';
import { reportsPage } from './reports';
import { settingsPage } from './settings';
import { trashPage } from './trash';
import { usersPage } from './users';

const pages: AdminPages = {
  usersPage,
  importPage,
  reportsPage,
  noticesPage,
  groupsPage,
  trashPage,
  auditPage,
  exportsPage,
  assignmentsPage,
  settingsPage,
};
window.manabiAdmin = pages;
