/**
 * Who may open the administration and editing pages: apart from labels.ts
 * so the learner bundle (main.ts) asks it without the administration
 * pages' words.
 */

/** Roles that may open the administration pages. */
export function canManage(role: unknown): boolean {
  return role === 'admin' || role === 'manager';
}

/** Roles that may author courses (講座の編集). */
export function canEdit(role: unknown): boolean {
  return role === 'admin' || role === 'editor';
}
