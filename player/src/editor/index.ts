/**
 * The course editor bundle (dist/editor.js): loaded by main.ts only when an
 * editor or admin opens 講座の編集, so learners never download it. Registers
 * its pages on `window.manabiEditor`.
 */
import { editCoursePage } from './course-edit';
import { coursesPage, newCoursePage } from './courses';
import type { EditorPages } from './host';

const pages: EditorPages = { coursesPage, newCoursePage, editCoursePage };
window.manabiEditor = pages;
