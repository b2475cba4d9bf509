/**
 * The course editor's words, Japanese and English (i18n.ts looks them up):
 * the course list, a new course, a course's details, publishing, its
 * lessons, uploads, captions and posters. In editor.js only. Importing this module
 * registers the table, so its users import `t` from here.
 */
import { defineMessages, t, type Messages } from '../i18n.js';

export { t };

export const MESSAGES: Messages = {

  // ---- src/editor/logic.ts ----
  'e.logic.upload': { ja: '{pct}%（{loaded} / {total}）', en: '{pct}% ({loaded} of {total})' },
  'e.logic.video.queued': { ja: '変換待ち', en: 'Waiting to be processed' },
  'e.logic.video.processing': { ja: '変換中', en: 'Processing' },
  'e.logic.video.ready': { ja: '準備完了', en: 'Ready' },
  'e.logic.video.failed': { ja: '変換に失敗', en: 'Processing failed' },
  'e.logic.titleEmpty': { ja: 'タイトルを入力してください。', en: 'Please enter a title.' },
  'e.logic.titleLong': {
    ja: 'タイトルは200文字以内にしてください（今は{n}文字です）。',
    en: 'Please keep the title within 200 characters (it has {n}).',
  },
  'e.logic.lang.ja': { ja: '日本語', en: 'Japanese (日本語)' },
  'e.logic.lang.en': { ja: '英語 (English)', en: 'English' },

  // ---- src/editor/courses.ts ----
  'e.published': { ja: '公開中', en: 'Published' },
  'e.draft': { ja: '下書き', en: 'Draft' },
  'e.courses.caption': { ja: '講座一覧（{n} 件）', en: 'Courses ({n})' },
  'e.title': { ja: 'タイトル', en: 'Title' },
  'e.category': { ja: '分野', en: 'Domain' },
  'e.state': { ja: '状態', en: 'Status' },
  'e.lessons': { ja: 'レッスン', en: 'Lessons' },
  'e.courses.lessonCount': { ja: '{n} 本', en: '{n}' },
  'e.nav': { ja: '講座の編集', en: 'Course editing' },
  'e.courses.intro': {
    ja: '講座を作り、動画をアップロードしてレッスンにし、準備ができたら公開します。',
    en: 'Make a course, upload videos as its lessons, and publish it once it is ready.',
  },
  'e.new': { ja: '新しい講座を作る', en: 'Make a new course' },
  'e.courses.createDraft': { ja: '下書きとして作成', en: 'Create as a draft' },
  'e.description': { ja: '説明', en: 'Description' },
  'e.courses.titleHint': {
    ja: '200文字以内。一覧と講座のページに表示されます。',
    en: 'Up to 200 characters. Shown in the lists and on the course page.',
  },
  'e.courses.created': { ja: '講座「{title}」を下書きとして作成しました。', en: 'The course “{title}” was created as a draft.' },
  'e.courses.createFailed': { ja: '作成できませんでした。{error}', en: 'It could not be created. {error}' },
  'e.breadcrumb': { ja: 'パンくずリスト', en: 'Breadcrumb' },
  'e.back': { ja: '講座の編集へ戻る', en: 'Back to course editing' },

  // ---- src/editor/course-edit.ts ----
  'e.course.editing': { ja: '「{title}」の編集', en: 'Editing “{title}”' },
  'e.course.preview': { ja: '学習者の画面で確認する（プレビュー）', en: 'See it as learners do (preview)' },
  'e.course.lessonsHint': {
    ja: 'タイトルや順番を変えたら「レッスンの変更を保存」を押してください。',
    en: 'After changing titles or the order, press “Save the lesson changes”.',
  },
  'e.course.saveDetails': { ja: '基本情報を保存', en: 'Save the details' },
  'e.course.detailsSaved': { ja: '基本情報を保存しました。', en: 'The details were saved.' },
  'e.saveFailed': { ja: '保存できませんでした。{error}', en: 'It could not be saved. {error}' },
  'e.course.details': { ja: '基本情報', en: 'Details' },
  'e.course.unpublish': { ja: '公開をやめて下書きに戻す', en: 'Unpublish and make it a draft' },
  'e.course.unpublish.title': { ja: '公開をやめますか', en: 'Unpublish?' },
  'e.course.unpublish.body': {
    ja: '「{title}」を下書きに戻します。学習者の一覧と検索から消え、視聴もできなくなります。',
    en: '“{title}” becomes a draft again. It leaves the learners’ lists and search and can no longer be watched.',
  },
  'e.course.unpublish.more': {
    ja: 'これまでの視聴記録は残ります。もう一度公開すると、また視聴できます。',
    en: 'The viewing records stay. Publish it again to let it be watched again.',
  },
  'e.course.unpublish.assigned': {
    ja: 'この講座は必修研修として {n} 件割り当てられています。下書きに戻すと、割り当てられた人はこの講座を開けなくなります。',
    en: 'Assignments of this course as required training: {n}. Once it is a draft, the people it is assigned to can no longer open it.',
  },
  'e.course.unpublish.confirm': { ja: '下書きに戻す', en: 'Make it a draft' },
  'e.course.unpublished': { ja: '「{title}」を下書きに戻しました。', en: '“{title}” is a draft again.' },
  'e.course.unpublishFailed': { ja: '下書きに戻せませんでした。{error}', en: 'It could not be made a draft. {error}' },
  'e.course.isPublished': {
    ja: 'この講座は公開中です。学習者の一覧と検索に表示されます。',
    en: 'This course is published. It shows in the learners’ lists and search.',
  },
  'e.course.publish': { ja: 'この講座を公開する', en: 'Publish this course' },
  'e.course.unsaved': {
    ja: 'レッスンの変更が保存されていません。先に「レッスンの変更を保存」を押してください。',
    en: 'The lesson changes are not saved. Press “Save the lesson changes” first.',
  },
  'e.course.publishedSaid': { ja: '「{title}」を公開しました。', en: '“{title}” was published.' },
  'e.course.publishFailed': { ja: '公開できませんでした。{error}', en: 'It could not be published. {error}' },
  'e.course.publishHint': {
    ja: 'すべてのレッスンの動画の準備ができたら公開できます。公開すると学習者の一覧と検索に表示されます。',
    en: 'Once every lesson’s video is ready, the course can be published. Published, it shows in the learners’ lists and search.',
  },
  'e.course.publishHeading': { ja: '公開', en: 'Publishing' },

  // ---- src/editor/lessons-edit.ts ----
  'e.lesson.ready': { ja: '「{title}」の動画の準備ができました。', en: 'The video of “{title}” is ready.' },
  'e.lesson.failed': { ja: '「{title}」の動画を変換できませんでした。', en: 'The video of “{title}” could not be processed.' },
  'e.lesson.failedWhy': {
    ja: '「{title}」の動画を変換できませんでした：{error}',
    en: 'The video of “{title}” could not be processed: {error}',
  },
  'e.lesson.checking': { ja: '動画 #{id}：確認中…', en: 'Video #{id}: checking…' },
  'e.lesson.video': { ja: '動画 #{id}：{status}', en: 'Video #{id}: {status}' },
  'e.paren': { ja: '（{text}）', en: ' ({text})' },
  'e.sep': { ja: '、', en: ', ' },
  'e.lesson.captionOf': { ja: '（{name}の字幕：{title}）', en: ' ({name} captions: {title})' },
  'e.lesson.captions.title': { ja: '字幕を削除しますか', en: 'Delete the captions?' },
  'e.lesson.captions.body': {
    ja: '「{title}」の{name}の字幕（{n} 件）を削除します。学習者には表示されなくなります。',
    en: 'This deletes the {name} captions of “{title}” ({n} cues). Learners will no longer see them.',
  },
  'e.delete': { ja: '削除する', en: 'Delete' },
  'e.lesson.captions.deleted': {
    ja: '「{title}」の{name}の字幕を削除しました。',
    en: 'The {name} captions of “{title}” were deleted.',
  },
  'e.lesson.captions.deleteFailed': { ja: '字幕を削除できませんでした。{error}', en: 'The captions could not be deleted. {error}' },
  'e.lesson.captionItem': { ja: '{name}（{lang}、{n} 件）', en: '{name} ({lang}, {n} cues)' },
  'e.remove': { ja: '削除', en: 'Delete' },
  'e.lesson.none': {
    ja: 'まだレッスンがありません。下の「動画を追加」からアップロードしてください。',
    en: 'There are no lessons yet. Upload one with “Add a video” below.',
  },
  'e.lesson.moved': { ja: '「{title}」を{n}番目に移しました（未保存）。', en: '“{title}” is now number {n} (not saved).' },
  'e.lesson.remove.title': { ja: 'レッスンを削除しますか', en: 'Delete the lesson?' },
  'e.lesson.remove.body': {
    ja: '「{title}」をこの講座から外します。動画そのものは残ります。',
    en: 'This takes “{title}” out of this course. The video itself stays.',
  },
  'e.lesson.remove.unsaved': {
    ja: '「レッスンの変更を保存」を押すまで、講座には反映されません。',
    en: 'The course does not change until “Save the lesson changes” is pressed.',
  },
  'e.lesson.removed': { ja: '「{title}」を外しました（未保存）。', en: '“{title}” was taken out (not saved).' },
  'e.lesson.titleN': { ja: 'レッスン {n} のタイトル', en: 'Title of lesson {n}' },
  'e.lesson.up': { ja: '上へ', en: 'Up' },
  'e.lesson.down': { ja: '下へ', en: 'Down' },
  'e.lesson.save': { ja: 'レッスンの変更を保存', en: 'Save the lesson changes' },
  'e.lesson.problem': { ja: 'レッスン {n}：{problem}', en: 'Lesson {n}: {problem}' },
  'e.lesson.saved': { ja: 'レッスンの変更を保存しました。', en: 'The lesson changes were saved.' },
  'e.lesson.captions.upload': { ja: '字幕をアップロード', en: 'Upload captions' },
  'e.lesson.captions.none': {
    ja: '字幕のファイル（WebVTT または SRT）を選んでください。',
    en: 'Please choose a captions file (WebVTT or SRT).',
  },
  'e.lesson.captions.added': {
    ja: '「{title}」に字幕（{name}、{n} 件）を登録しました。',
    en: 'Captions ({name}, {n} cues) were added to “{title}”.',
  },
  'e.lesson.captions.failed': { ja: '字幕を登録できませんでした。{error}', en: 'The captions could not be added. {error}' },
  'e.lesson.captions': { ja: '字幕', en: 'Captions' },
  'e.lesson.of': { ja: '：{title}', en: ': {title}' },
  'e.lesson.lang': { ja: '言語', en: 'Language' },
  'e.lesson.captions.file': { ja: '字幕ファイル（WebVTT・SRT）', en: 'Captions file (WebVTT, SRT)' },

  // ---- src/editor/poster.ts and the poster's words in logic.ts ----
  'e.poster': { ja: '表紙', en: 'Poster' },
  'e.poster.kind.own': { ja: '（アップロードした画像）', en: ' (an uploaded picture)' },
  'e.poster.kind.drawn': { ja: '（自動作成）', en: ' (made automatically)' },
  'e.poster.kind.none': { ja: '（なし）', en: ' (none)' },
  'e.poster.alt': { ja: '{title} の表紙', en: 'Poster of “{title}”' },
  'e.poster.none': {
    ja: 'この動画には表紙がありません。画像をアップロードすると表紙になります。',
    en: 'This video has no poster. Upload a picture to make one.',
  },
  'e.poster.file': { ja: '表紙の画像（JPEG・PNG）', en: 'Poster picture (JPEG, PNG)' },
  'e.poster.hint': {
    ja: '受講者が再生する前に見る画像です。10 MB まで。幅 1280 ピクセルより大きい画像は縮小され、撮影場所などの情報は取り除かれます。',
    en: 'The picture learners see before the video plays. Up to 10 MB. Pictures wider than 1280 pixels are made smaller, and the place taken and other details in the file are removed.',
  },
  'e.poster.upload': { ja: '表紙をアップロード', en: 'Upload the poster' },
  'e.poster.busy': { ja: '表紙を登録しています…', en: 'Saving the poster…' },
  'e.poster.resetting': { ja: '自動作成の表紙に戻しています…', en: 'Going back to the automatic poster…' },
  'e.poster.noFile': {
    ja: '表紙にする画像（JPEG または PNG）を選んでください。',
    en: 'Please choose a picture (JPEG or PNG) for the poster.',
  },
  'e.poster.notPicture': {
    ja: '「{name}」は JPEG・PNG の画像ではありません。JPEG か PNG の画像を選んでください。',
    en: '“{name}” is not a JPEG or PNG picture. Please choose a JPEG or PNG picture.',
  },
  'e.poster.tooLargeFile': {
    ja: '画像が大きすぎます（{size}）。10 MB 以下の画像を選んでください。',
    en: 'The picture is too large ({size}). Please choose one of at most 10 MB.',
  },
  'e.poster.tooLarge': {
    ja: '画像が大きすぎます。10 MB 以下の JPEG か PNG を選んでください。',
    en: 'The picture is too large. Please choose a JPEG or PNG of at most 10 MB.',
  },
  'e.poster.failed': { ja: '表紙を登録できませんでした。{error}', en: 'The poster could not be saved. {error}' },
  'e.poster.loadFailed': { ja: '表紙を表示できませんでした。{error}', en: 'The poster could not be shown. {error}' },
  'e.poster.set': { ja: '「{title}」の表紙を登録しました。', en: 'The poster of “{title}” was saved.' },
  'e.poster.reset': { ja: '自動作成の表紙に戻す', en: 'Go back to the automatic poster' },
  'e.poster.reset.title': { ja: '自動作成の表紙に戻しますか', en: 'Go back to the automatic poster?' },
  'e.poster.reset.body': {
    ja: '「{title}」の表紙を、動画から自動で作った画像に戻します。アップロードした画像は削除されます。',
    en: 'The poster of “{title}” becomes the picture made from the video again. The uploaded picture is deleted.',
  },
  'e.poster.reset.confirm': { ja: '戻す', en: 'Go back' },
  'e.poster.reset.done': {
    ja: '「{title}」の表紙を自動作成のものに戻しました。',
    en: 'The poster of “{title}” is the automatic one again.',
  },
  'e.poster.resetFailed': { ja: '表紙を戻せませんでした。{error}', en: 'The poster could not be changed back. {error}' },

  // ---- src/editor/upload-section.ts ----
  'e.upload.start': { ja: 'アップロードしてレッスンに追加', en: 'Upload and add as a lesson' },
  'e.upload.cancel': { ja: 'アップロードを中止', en: 'Cancel the upload' },
  'e.upload.progress': { ja: 'アップロードの進み具合', en: 'Upload progress' },
  'e.upload.noFile': { ja: '動画のファイルを選んでください。', en: 'Please choose a video file.' },
  'e.upload.titleProblem': { ja: 'レッスンのタイトル：{problem}', en: 'Lesson title: {problem}' },
  'e.upload.pct': { ja: 'アップロード {n}%', en: 'Upload {n}%' },
  'e.upload.adding': {
    ja: 'アップロードが終わりました。「{title}」をレッスンに追加しています…',
    en: 'The upload is done. Adding “{title}” as a lesson…',
  },
  'e.upload.added': { ja: '「{title}」を追加しました。動画を変換しています。', en: '“{title}” was added. The video is being processed.' },
  'e.upload.cancelled': { ja: 'アップロードを中止しました。', en: 'The upload was cancelled.' },
  'e.upload.heading': { ja: '動画を追加', en: 'Add a video' },
  'e.upload.file': { ja: '動画ファイル', en: 'Video file' },
  'e.upload.fileHint': {
    ja: 'MP4 などの動画。大きなファイルも送れます。送信中はこのページを開いたままにしてください。',
    en: 'An MP4 or similar video. Large files are fine. Keep this page open while it uploads.',
  },
  'e.upload.title': { ja: 'レッスンのタイトル', en: 'Lesson title' },
  'e.upload.titleHint': { ja: '空欄ならファイル名から付けます。', en: 'Blank: taken from the file name.' },

  // ---- src/editor/upload.ts ----
  'e.upload.stopped': {
    ja: 'アップロードが途中で止まりました。ネットワークを確認して、もう一度お試しください。',
    en: 'The upload stopped halfway. Please check the network and try again.',
  },
  'e.upload.tooLarge': { ja: 'ファイルが大きすぎます。', en: 'The file is too large.' },
  'e.upload.failed': { ja: 'アップロードできませんでした（{status}）。', en: 'The upload failed ({status}).' },
};

defineMessages(MESSAGES);
