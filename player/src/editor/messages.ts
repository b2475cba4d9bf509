/**
 * The course editor's words, Japanese and English (i18n.ts looks them up):
 * the course list, a new course, a course's details, publishing, its
 * lessons, uploads and captions. In editor.js only. Importing this module
 * registers the table, so its users import `t` from here.
 */
import { defineMessages, t, type Messages } from '../i18n.js';

export { t };

const MESSAGES: Messages = {
};

defineMessages(MESSAGES);
