/**
 * The words of the modal dialogs (dialog.ts) and the page buttons
 * (parts.ts), Japanese and English: apart from messages.ts because the
 * course editor (editor.js) uses them too and needs no more of the
 * administration pages' words. Importing this module registers them.
 */
import { defineMessages, t, type Messages } from '../i18n.js';

export { t };

export const MESSAGES: Messages = {
  // ---- dialog.ts ----
  'a.common.cancel': { ja: 'キャンセル', en: 'Cancel' },
  'a.dialog.mismatch': {
    ja: '入力した内容が一致しません。「{expected}」と正確に入力してください。',
    en: 'What you typed does not match. Please type “{expected}” exactly.',
  },
  'a.dialog.copy': { ja: 'コピー', en: 'Copy' },
  'a.common.close': { ja: '閉じる', en: 'Close' },
  'a.dialog.otp.title': { ja: '初期パスワードを発行しました', en: 'One-time password issued' },
  'a.dialog.otp.for': { ja: '{who} さんの初期パスワードです。', en: 'The one-time password of {who}.' },
  'a.dialog.otp.label': { ja: '初期パスワード', en: 'One-time password' },
  'a.dialog.otp.warn': {
    ja: 'この画面を閉じると、このパスワードは二度と表示できません。控えてから、ご本人に安全な方法で伝えてください。ご本人は次のログインで自分のパスワードに変更します。これまでのログインはすべて終了しました。',
    en: 'Once this window is closed, the password cannot be shown again. Note it, then give it to the person in a safe way. They change it to their own at their next login. All their logins so far have ended.',
  },
  'a.dialog.otp.ask': {
    ja: 'パスワードを控えましたか。閉じると、このパスワードは二度と表示できません。',
    en: 'Have you noted the password? Once closed, it can never be shown again.',
  },
  'a.dialog.otp.noted': { ja: '控えたので閉じる', en: 'Noted: close' },
  'a.dialog.otp.back': { ja: 'パスワードの表示に戻る', en: 'Back to the password' },
  'a.dialog.copied': { ja: 'コピーしました。', en: 'Copied.' },
  'a.dialog.copyFailed': {
    ja: 'コピーできませんでした。パスワードを選択して、手動でコピーしてください。',
    en: 'It could not be copied. Please select the password and copy it by hand.',
  },
  'a.dialog.same': {
    ja: '今と同じです。変える場合は、別のものを選んでください。',
    en: 'That is the current one. To change it, please choose another.',
  },

  // ---- parts.ts ----
  'a.common.prevPage': { ja: '前のページ', en: 'Previous page' },
  'a.common.nextPage': { ja: '次のページ', en: 'Next page' },
};

defineMessages(MESSAGES);
