/**
 * The administration pages' words, Japanese and English (i18n.ts looks them
 * up): 利用者管理, CSV取り込み, 視聴レポート, 必修研修の割り当て, 設定,
 * お知らせ管理, 監査ログ, データ出力, ごみ箱, グループ and their dialogs. In
 * admin.js only (and in editor.js for the dialogs it shares), never in the
 * learner bundle. Importing this module registers the table, so its users
 * import `t` from here. `{name}` marks a value filled in.
 */
import { defineMessages, getLang, serverMessage, t, type Messages } from '../i18n.js';

export { t };

/**
 * A server message for the administration pages: in Japanese its Japanese
 * part (the API appends the English in parentheses), in English that
 * English part.
 */
export function serverText(message: string): string {
  if (getLang() === 'en') return serverMessage(message, 'en');
  const m = /^([\s\S]*?)\s*\([\x20-\x7e]*\)\s*$/.exec(message);
  if (m && m[1] && /[^\x00-\x7f]/.test(m[1])) return m[1];
  return message;
}

const MESSAGES: Messages = {

  // ---- src/admin/labels.ts ----
  'a.role.admin': { ja: '管理者', en: 'Administrator' },
  'a.role.manager': { ja: '受講管理者', en: 'Training manager' },
  'a.role.editor': { ja: '編集者', en: 'Editor' },
  'a.role.learner': { ja: '受講者', en: 'Learner' },
  'a.status.active': { ja: '有効', en: 'Active' },
  'a.status.disabled': { ja: '無効', en: 'Disabled' },
  'a.action.create': { ja: '新規', en: 'New' },
  'a.action.update': { ja: '更新', en: 'Update' },
  'a.action.disable': { ja: '無効化', en: 'Disable' },
  'a.action.delete': { ja: '削除', en: 'Delete' },
  'a.action.unchanged': { ja: '変更なし', en: 'No change' },
  'a.action.error': { ja: 'エラー', en: 'Error' },
  'a.field.email': { ja: 'メールアドレス', en: 'E-mail address' },
  'a.field.name': { ja: '氏名', en: 'Name' },
  'a.field.role': { ja: '権限', en: 'Role' },
  'a.field.status': { ja: '状態', en: 'Status' },
  'a.field.groups': { ja: 'グループ', en: 'Groups' },
  'a.field.remarks': { ja: '備考', en: 'Remarks' },
  'a.field.action': { ja: '操作', en: 'Action' },
  'a.labels.page.none': { ja: '該当する利用者はいません。', en: 'No users match.' },
  'a.labels.page.range': {
    ja: '全 {total} 件中 {from}〜{to} 件を表示（{page} / {pages} ページ）',
    en: 'Showing {from}–{to} of {total} (page {page} of {pages})',
  },
  'a.labels.blank': { ja: '（空欄）', en: '(blank)' },
  'a.list.sep': { ja: '、', en: ', ' },
  'a.labels.nochange': { ja: '変更はありません', en: 'No changes' },
  'a.labels.count': { ja: '{label} {n} 件', en: '{label}: {n}' },
  'a.labels.applied': { ja: 'この取り込みは適用済みです。', en: 'This import has already been applied.' },
  'a.labels.undone': { ja: 'この取り込みは取り消し済みです。', en: 'This import has already been undone.' },
  'a.labels.expired': {
    ja: 'このプレビューは期限切れです（24 時間以上前）。もう一度ファイルを読み込んでください。',
    en: 'This preview has expired (more than 24 hours ago). Please read the file again.',
  },
  'a.labels.notApplicable': { ja: 'この取り込みは適用できません。', en: 'This import cannot be applied.' },
  'a.labels.errorsBlock': {
    ja: 'エラーのある行が {n} 件あるため、取り込みを実行できません。一部の行だけを取り込むことはありません。下の表の「エラー」列を見てファイルを直し、もう一度「内容を確認する」を押してください。',
    en: 'The import cannot be applied: {n} rows have errors. It never applies some rows only. Please correct the file as the “Error” column of the table below says, and press “Check the contents” again.',
  },
  'a.labels.sameContent': {
    ja: 'ファイルの内容は登録済みの内容と同じです。取り込む変更はありません。',
    en: 'The file says what is already registered. There are no changes to import.',
  },
  'a.labels.massDisable': {
    ja: '有効な利用者 {active} 人のうち {disable} 人（{share}）を無効にします。一度に無効にできる上限は {max} です。',
    en: 'This disables {disable} of {active} active users ({share}). At most {max} can be disabled at once.',
  },
  'a.labels.emailEmpty': { ja: 'メールアドレスを入力してください。', en: 'Please enter an e-mail address.' },
  'a.labels.emailForm': {
    ja: 'メールアドレスの形式が正しくありません。例：taro.yamada@city.example.lg.jp',
    en: 'The e-mail address is not valid. Example: taro.yamada@city.example.lg.jp',
  },
  'a.labels.nameLong': { ja: '氏名は100文字以内にしてください。', en: 'Please keep the name within 100 characters.' },
  'a.labels.remarksLong': { ja: '備考は500文字以内にしてください。', en: 'Please keep the remarks within 500 characters.' },
  'a.labels.groupsNone': { ja: '担当するグループを 1 つ以上選んでください。', en: 'Please choose at least one of your groups.' },

  // ---- src/admin/dialog.ts ----
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
  'a.dialog.copied': { ja: 'コピーしました。', en: 'Copied.' },
  'a.dialog.copyFailed': {
    ja: 'コピーできませんでした。パスワードを選択して、手動でコピーしてください。',
    en: 'It could not be copied. Please select the password and copy it by hand.',
  },
  'a.dialog.same': {
    ja: '今と同じです。変える場合は、別のものを選んでください。',
    en: 'That is the current one. To change it, please choose another.',
  },

  // ---- src/admin/parts.ts ----
  'a.common.prevPage': { ja: '前のページ', en: 'Previous page' },
  'a.common.nextPage': { ja: '次のページ', en: 'Next page' },

  // ---- src/admin/users.ts ----
  'a.users.roleHint': {
    ja: '受講者：動画を見る／編集者：講座を作り公開する／受講管理者：担当グループの受講者と視聴レポートを扱う／管理者：すべて',
    en: 'Learner: watches videos / Editor: makes and publishes courses / Training manager: the learners of their groups and the viewing reports / Administrator: everything',
  },
  'a.common.forWhom': { ja: '{text}（{who}）', en: '{text} ({who})' },
  'a.common.nameEmail': { ja: '{name}（{email}）', en: '{name} ({email})' },
  'a.common.all': { ja: 'すべて', en: 'All' },
  'a.common.search': { ja: '検索', en: 'Search' },
  'a.users.searchLabel': { ja: '利用者の検索', en: 'Search users' },
  'a.users.q': { ja: 'メールアドレスまたは氏名', en: 'E-mail address or name' },
  'a.users.caption': { ja: '利用者一覧', en: 'Users' },
  'a.users.lastLogin': { ja: '最終ログイン', en: 'Last login' },
  'a.users.pages': { ja: '利用者一覧のページ', en: 'Pages of the user list' },
  'a.common.pageOf': { ja: '{page} / {pages} ページ', en: 'Page {page} of {pages}' },
  'a.common.noneMatch': { ja: '（該当なし）', en: '(none)' },
  'a.common.listFailed': { ja: '一覧を読み込めませんでした。{error}', en: 'The list could not be loaded. {error}' },
  'a.users.disable': { ja: '無効にする', en: 'Disable' },
  'a.users.enable': { ja: '有効にする', en: 'Enable' },
  'a.users.issue': { ja: '初期パスワードを発行', en: 'Issue a one-time password' },
  'a.users.changeRole': { ja: '権限を変更', en: 'Change role' },
  'a.common.none': { ja: 'なし', en: 'None' },
  'a.users.role.title': { ja: '権限を変更しますか', en: 'Change the role?' },
  'a.users.role.body': {
    ja: '{who} の権限を変更します。いまの権限は「{role}」です。',
    en: 'This changes the role of {who}. The role now is “{role}”.',
  },
  'a.users.role.logout': {
    ja: '変更すると、この利用者はログイン中のすべての端末からログアウトされ、次のログインから新しい権限で使います。',
    en: 'After the change, this user is logged out on every device and has the new role from the next login.',
  },
  'a.users.role.new': { ja: '新しい権限', en: 'New role' },
  'a.common.change': { ja: '変更する', en: 'Change' },
  'a.common.changeFailed': { ja: '変更できませんでした。{error}', en: 'It could not be changed. {error}' },
  'a.users.role.done': { ja: '{who} の権限を「{role}」に変更しました。', en: 'The role of {who} is now “{role}”.' },
  'a.users.disable.title': { ja: '利用者を無効にしますか', en: 'Disable the user?' },
  'a.users.disable.body': { ja: '{who} を無効にします。', en: 'This disables {who}.' },
  'a.users.disable.more': {
    ja: 'この利用者はログインできなくなり、ログイン中の端末からもログアウトされます。学習履歴は残り、あとから有効に戻せます。',
    en: 'This user can no longer log in and is logged out on every device. Their learning records stay, and they can be enabled again later.',
  },
  'a.users.enable.title': { ja: '利用者を有効にしますか', en: 'Enable the user?' },
  'a.users.enable.body': {
    ja: '{who} を有効にします。この利用者は再びログインできるようになります。',
    en: 'This enables {who}. This user can log in again.',
  },
  'a.users.disabled': { ja: '{who} を無効にしました。', en: '{who} is disabled.' },
  'a.users.enabled': { ja: '{who} を有効にしました。', en: '{who} is enabled.' },
  'a.users.disableFailed': { ja: '{who} を無効にできませんでした。{error}', en: '{who} could not be disabled. {error}' },
  'a.users.enableFailed': { ja: '{who} を有効にできませんでした。{error}', en: '{who} could not be enabled. {error}' },
  'a.users.issue.title': { ja: '初期パスワードを発行しますか', en: 'Issue a one-time password?' },
  'a.users.issue.body': { ja: '{who} の初期パスワードを発行します。', en: 'This issues a one-time password for {who}.' },
  'a.users.issue.more': {
    ja: 'いまのパスワードは使えなくなり、ログイン中の端末からもログアウトされます。ご本人は初期パスワードでログインしたあと、自分のパスワードに変更します。',
    en: 'The current password stops working and the user is logged out on every device. After logging in with the one-time password, they change it to their own.',
  },
  'a.users.issue.confirm': { ja: '発行する', en: 'Issue' },
  'a.users.issued': { ja: '{who} の初期パスワードを発行しました。', en: 'A one-time password for {who} was issued.' },
  'a.users.issueFailed': {
    ja: '初期パスワードを発行できませんでした。{error}',
    en: 'The one-time password could not be issued. {error}',
  },
  'a.users.add.email': { ja: 'メールアドレス（ログインに使います）', en: 'E-mail address (used to log in)' },
  'a.users.add.emailHint': {
    ja: '職員のメールアドレスを入力します。例：taro.yamada@city.example.lg.jp',
    en: 'The staff member’s e-mail address. Example: taro.yamada@city.example.lg.jp',
  },
  'a.users.add.nameHint': { ja: '100文字まで。', en: 'Up to 100 characters.' },
  'a.users.add.managerRole': { ja: '受講管理者が追加できるのは、受講者だけです。', en: 'Training managers can add learners only.' },
  'a.users.add.groupsAdmin': {
    ja: '所属するグループを選びます（あとから「グループ」の画面でも変えられます）。',
    en: 'Choose the groups they belong to (the Groups page can change them later).',
  },
  'a.users.add.groupsManager': { ja: '担当するグループから、1 つ以上選びます。', en: 'Choose at least one of your groups.' },
  'a.common.noGroups': { ja: 'グループはありません。', en: 'There are no groups.' },
  'a.users.add.remarksHint': {
    ja: '任意。500文字まで（例：人事異動 2026年4月）。',
    en: 'Optional. Up to 500 characters (e.g. transferred April 2026).',
  },
  'a.users.add.submit': { ja: '追加する', en: 'Add' },
  'a.users.add.title': { ja: '利用者を1人追加する', en: 'Add one user' },
  'a.users.add.intro': {
    ja: 'まとめて追加・変更するときは「CSV取り込み」を使います。追加した人がログインするには、初期パスワードの発行が必要です。',
    en: 'To add or change many users at once, use “CSV import”. A user added here needs a one-time password to log in.',
  },
  'a.users.add.adding': { ja: '利用者を追加しています…', en: 'Adding the user…' },
  'a.users.added': { ja: '{who} を追加しました。', en: '{who} was added.' },
  'a.users.addFailed': { ja: '追加できませんでした。{error}', en: 'The user could not be added. {error}' },
  'a.users.add.issue': { ja: '初期パスワードを発行して表示する', en: 'Issue and show a one-time password' },
  'a.users.addedAs': { ja: '{who} を「{role}」として追加しました。', en: '{who} was added as “{role}”.' },
  'a.users.add.noPassword': {
    ja: 'この人はまだパスワードがないため、ログインできません。初期パスワードを発行して、ご本人に安全な方法で伝えてください。',
    en: 'This user has no password yet and cannot log in. Issue a one-time password and give it to them in a safe way.',
  },
  'a.nav.users': { ja: '利用者管理', en: 'Users' },
  'a.users.scope.manager': {
    ja: '担当するグループ（その下のグループを含む）の受講者を表示しています。',
    en: 'Showing the learners of your groups (and the groups under them).',
  },
  'a.users.scope.admin': { ja: 'すべての利用者を表示しています。', en: 'Showing all users.' },

  // ---- src/admin/imports.ts ----
  'a.imports.format.standard': { ja: '標準形式', en: 'Standard' },
  'a.imports.format.standard.hint': {
    ja: '1行目の見出しが「email,name,role,status,groups,remarks」（または「メールアドレス,氏名,権限,状態,グループ,備考」）のファイルです。グループが複数あるときは「;」で区切ります。',
    en: 'A file whose first line is “email,name,role,status,groups,remarks” (or “メールアドレス,氏名,権限,状態,グループ,備考”). Several groups are separated by “;”.',
  },
  'a.imports.format.hr': { ja: '人事システム形式', en: 'HR system' },
  'a.imports.format.hr.hint': {
    ja: '人事システムが出力する「メールアドレス,備考」のファイルです。',
    en: 'The “メールアドレス,備考” (e-mail address, remarks) file the HR system writes.',
  },
  'a.imports.mode.upsert': { ja: '追加・更新', en: 'Add and update' },
  'a.imports.mode.upsert.hint': {
    ja: 'ファイルにある利用者を登録し、登録済みの利用者は内容を更新します。ファイルにない利用者はそのままです。',
    en: 'Registers the users in the file and updates those already registered. Users not in the file stay as they are.',
  },
  'a.imports.mode.sync': { ja: '同期', en: 'Synchronise' },
  'a.imports.mode.sync.hint': {
    ja: '追加・更新に加えて、ファイルにない受講者・編集者を「無効」にします（ログインできなくなります）。削除はしません。学習履歴は残り、あとから有効に戻せます。退職者・異動者をまとめて反映するときに使います。',
    en: 'As “Add and update”, and also disables the learners and editors not in the file (they can no longer log in). Nobody is deleted: learning records stay, and users can be enabled again later. Used to apply leavers and transfers at once.',
  },
  'a.common.items': { ja: '{n} 件', en: '{n}' },
  'a.imports.row': { ja: '行', en: 'Row' },
  'a.imports.action': { ja: '処理', en: 'Action' },
  'a.imports.changes': { ja: '変更内容', en: 'Changes' },
  'a.imports.formatLegend': { ja: 'ファイルの形式', en: 'File format' },
  'a.imports.modeLegend': { ja: '取り込み方法', en: 'How to import' },
  'a.imports.check': { ja: '内容を確認する', en: 'Check the contents' },
  'a.imports.step1': { ja: '1. ファイルを選ぶ', en: '1. Choose a file' },
  'a.imports.file': { ja: 'CSVファイル', en: 'CSV file' },
  'a.imports.fileHint': {
    ja: '文字コードは UTF-8 または Shift_JIS（Excel で「CSV」として保存したもの）。1行目は見出しです。',
    en: 'UTF-8 or Shift_JIS (saved as “CSV” from Excel). The first line holds the column names.',
  },
  'a.imports.noFile': { ja: 'CSVファイルを選んでください。', en: 'Please choose a CSV file.' },
  'a.imports.checking': { ja: 'ファイルの内容を確認しています…', en: 'Checking the file…' },
  'a.imports.readFailed': { ja: 'ファイルを読み込めませんでした。{error}', en: 'The file could not be read. {error}' },
  'a.imports.step2': { ja: '2. 内容を確認する', en: '2. Check the contents' },
  'a.imports.apply': { ja: '取り込みを実行', en: 'Import' },
  'a.imports.willDisable': {
    ja: '実行すると、ファイルにない {n} 人が無効になります。',
    en: 'Importing disables {n} users who are not in the file.',
  },
  'a.imports.applyIfOk': { ja: '内容がよければ、取り込みを実行してください。', en: 'If the contents are right, import them.' },
  'a.imports.fileName': { ja: 'ファイル', en: 'File' },
  'a.imports.formatName': { ja: '形式', en: 'Format' },
  'a.imports.encoding': { ja: '文字コード', en: 'Character encoding' },
  'a.imports.unknown': { ja: '不明', en: 'Unknown' },
  'a.imports.perAction': { ja: '処理ごとの件数', en: 'Rows per action' },
  'a.imports.newGroups': { ja: '次のグループが新しく作成されます：{groups}', en: 'These groups will be created: {groups}' },
  'a.imports.overLimit': {
    ja: '上限を超えるため、実行するときにもう一度確認します。',
    en: 'As this is over the limit, you will be asked again when importing.',
  },
  'a.imports.checked': { ja: '確認結果：{summary}。', en: 'Checked: {summary}.' },
  'a.imports.filter.all': { ja: 'すべての行（{n} 件）', en: 'All rows ({n})' },
  'a.imports.filter.changes': { ja: '変更のある行とエラー', en: 'Rows with changes or errors' },
  'a.imports.filter.action': { ja: '{action}（{n} 件）', en: '{action} ({n})' },
  'a.imports.firstRows': { ja: '先頭の {n} 件を表示しています（全 {total} 件）。', en: 'Showing the first {n} of {total}.' },
  'a.imports.noRows': { ja: '表示する行はありません。', en: 'No rows to show.' },
  'a.imports.rows': { ja: '行ごとの内容', en: 'Rows' },
  'a.imports.rowsShown': { ja: '表示する行', en: 'Rows shown' },
  'a.imports.rowsCaption': { ja: '取り込む行の一覧', en: 'Rows to import' },
  'a.imports.outside': { ja: 'ファイル外', en: 'Not in the file' },
  'a.imports.column': { ja: '{column}列：', en: '{column} column: ' },
  'a.imports.apply.title': { ja: '取り込みを実行しますか', en: 'Import?' },
  'a.imports.apply.changes': { ja: '次の変更を反映します：{changes}。', en: 'These changes will be made: {changes}.' },
  'a.imports.apply.otp': { ja: '新しく登録する利用者には初期パスワードが発行されます。', en: 'New users get a one-time password.' },
  'a.imports.apply.undo': {
    ja: '実行したあとでも、この画面の「この取り込みを取り消す」で元に戻せます。',
    en: 'Afterwards, “Undo this import” on this page can still take it back.',
  },
  'a.imports.apply.confirm': { ja: '実行する', en: 'Import' },
  'a.imports.applying': { ja: '取り込みを実行しています…', en: 'Importing…' },
  'a.imports.applyFailed': { ja: '取り込みを実行できませんでした。{error}', en: 'The import failed. {error}' },
  'a.imports.appliedHere': { ja: 'この内容で取り込みました。結果は下に表示しています。', en: 'Imported. The result is below.' },
  'a.imports.mass.title': { ja: '多くの利用者を無効にします', en: 'Many users will be disabled' },
  'a.imports.mass.body': {
    ja: '無効にした利用者はログインできなくなります（削除はされず、あとから有効に戻せます）。ファイルが古い、または一部しか出力されていないと、在籍している職員まで無効になります。',
    en: 'Disabled users can no longer log in (they are not deleted and can be enabled again later). If the file is old or only partly written, staff still working here are disabled too.',
  },
  'a.imports.mass.check': {
    ja: '人数に間違いがないことを確かめてから実行してください。',
    en: 'Please make sure the number is right before importing.',
  },
  'a.imports.mass.confirmN': { ja: '{n} 人を無効にして実行する', en: 'Import and disable {n} users' },
  'a.imports.mass.confirm': { ja: '無効にして実行する', en: 'Import and disable' },
  'a.imports.notApplied': { ja: '取り込みは実行していません。', en: 'Nothing was imported.' },
  'a.imports.step3': { ja: '3. 取り込み結果', en: '3. Import result' },
  'a.imports.doneAt': { ja: '取り込みを実行しました（{at}）。{summary}。', en: 'Imported ({at}). {summary}.' },
  'a.imports.doneCounts': { ja: '実行した件数', en: 'Rows imported' },
  'a.imports.madeGroups': { ja: '作成したグループ：{groups}', en: 'Groups created: {groups}' },
  'a.imports.invitations': {
    ja: '新しく登録した {n} 人に、招待メール（初期パスワードつき）を送信しています。届くまで数分かかることがあります。',
    en: 'Invitation e-mails (with a one-time password) are being sent to the {n} new users. They may take a few minutes to arrive.',
  },
  'a.imports.done': { ja: '取り込みを実行しました。{summary}。', en: 'Imported. {summary}.' },
  'a.imports.otpCsv': { ja: '初期パスワードのCSVをダウンロード', en: 'Download the one-time passwords (CSV)' },
  'a.imports.otpCsv.hint': {
    ja: '新しく登録した利用者の初期パスワードの一覧（CSV）です。ダウンロードできるのは1回だけです（24 時間以内）。ファイルは安全な場所に保管し、ご本人に伝えたら削除してください。',
    en: 'The one-time passwords of the new users (CSV). It can be downloaded once only (within 24 hours). Keep the file in a safe place and delete it once the users have their passwords.',
  },
  'a.imports.otpCsv.done': {
    ja: '初期パスワードのCSVをダウンロードしました。もう一度ダウンロードすることはできません。',
    en: 'The one-time passwords were downloaded. They cannot be downloaded again.',
  },
  'a.imports.otpCsv.said': { ja: '初期パスワードのCSVをダウンロードしました。', en: 'The one-time passwords were downloaded.' },
  'a.common.downloadFailed': { ja: 'ダウンロードできませんでした。{error}', en: 'The download failed. {error}' },
  'a.imports.undo': { ja: 'この取り込みを取り消す', en: 'Undo this import' },
  'a.imports.undo.heading': { ja: '取り消し', en: 'Undo' },
  'a.imports.undo.hint': {
    ja: '間違えて取り込んだときは、この取り込み全体を取り消して、取り込み前の状態に戻せます（1回だけ）。',
    en: 'If this import was a mistake, it can be undone as a whole, back to how things were before (once).',
  },
  'a.imports.undo.title': { ja: 'この取り込みを取り消しますか', en: 'Undo this import?' },
  'a.imports.undo.body': {
    ja: 'この取り込みで更新・無効化した利用者を、取り込み前の状態に戻します。新しく登録した利用者はごみ箱に移り、ログインできなくなります。',
    en: 'The users this import updated or disabled go back to how they were. The users it added move to the trash and can no longer log in.',
  },
  'a.imports.undo.changedSince': {
    ja: '取り込みの後に変更された利用者がいる場合は、取り消せません。',
    en: 'If a user was changed after the import, it cannot be undone.',
  },
  'a.imports.undo.confirm': { ja: '取り消す', en: 'Undo' },
  'a.common.dont': { ja: 'やめる', en: 'Don’t' },
  'a.imports.undoing': { ja: '取り込みを取り消しています…', en: 'Undoing the import…' },
  'a.imports.undone': {
    ja: '取り込みを取り消しました（{at}）。元に戻した利用者 {restored} 人、ごみ箱に移した利用者 {trashed} 人。',
    en: 'The import was undone ({at}). Users restored: {restored}; moved to the trash: {trashed}.',
  },
  'a.imports.undone.said': { ja: '取り込みを取り消しました。', en: 'The import was undone.' },
  'a.imports.undoFailed': { ja: '取り消せませんでした。{error}', en: 'It could not be undone. {error}' },
  'a.nav.import': { ja: 'CSV取り込み', en: 'CSV import' },
  'a.imports.intro': {
    ja: 'CSVファイルから利用者をまとめて登録・更新します。まず内容を確認し、よければ実行します。確認の段階では何も変更されません。',
    en: 'Registers and updates users from a CSV file at once. First check the contents, then import them if they are right. Checking changes nothing.',
  },

  // ---- src/admin/report-logic.ts ----
  'a.reports.noDates': { ja: '期間の開始日と終了日を入力してください。', en: 'Please enter the first and last day of the period.' },
  'a.reports.order': { ja: '開始日は終了日より前の日付にしてください。', en: 'The first day must come before the last day.' },
  'a.reports.hm': { ja: '{h}時間{m}分', en: '{h} h {m} min' },
  'a.reports.ms': { ja: '{m}分{s}秒', en: '{m} min {s} s' },
  'a.reports.s': { ja: '{s}秒', en: '{s} s' },
  'a.reports.month': { ja: '{y}年{m}月', en: '{m}/{y}' },
  'a.reports.week': { ja: '{m}/{d}週', en: 'Week of {m}/{d}' },
  'a.reports.noData': { ja: '対象期間のデータはありません。', en: 'There are no figures for the period.' },
  'a.reports.noViewing': { ja: '対象期間に視聴はありません。', en: 'Nothing was watched in the period.' },
  'a.reports.summary': {
    ja: '{n}期間の合計 {total}。最も多いのは {top} の {most}。',
    en: '{total} in all over {n} periods. The most: {most} in {top}.',
  },

  // ---- src/admin/reports.ts ----
  'a.reports.day': { ja: '日ごと', en: 'By day' },
  'a.reports.weekly': { ja: '週ごと', en: 'By week' },
  'a.reports.monthly': { ja: '月ごと', en: 'By month' },
  'a.reports.allInReach': { ja: 'すべて（担当範囲の全員）', en: 'All (everyone in your reach)' },
  'a.reports.show': { ja: '表示する', en: 'Show' },
  'a.reports.filter': { ja: 'レポートの条件', en: 'Report criteria' },
  'a.reports.legend': { ja: '期間と対象', en: 'Period and people' },
  'a.reports.from': { ja: '開始日', en: 'First day' },
  'a.reports.to': { ja: '終了日', en: 'Last day' },
  'a.reports.granularity': { ja: '集計単位', en: 'Totals per' },
  'a.reports.group': { ja: 'グループ（下位グループを含む）', en: 'Group (with the groups under it)' },
  'a.reports.loading': { ja: 'レポートを集計しています…', en: 'Counting the report…' },
  'a.reports.shown': {
    ja: '{from} から {to} までのレポートを表示しました。合計 {total}、{n} 人。',
    en: 'The report from {from} to {to}: {total} in all, {n} people.',
  },
  'a.nav.reports': { ja: '視聴レポート', en: 'Viewing reports' },
  'a.reports.definitions': { ja: '用語の説明 (Definitions)', en: 'Definitions' },
  'a.reports.downloading': { ja: '{label}: ダウンロードを開始しました。', en: '{label}: the download has started.' },
  'a.reports.trend': { ja: '視聴時間の推移', en: 'Viewing time over the period' },
  'a.reports.total': { ja: '合計 {total}（{n} 人）', en: '{total} in all ({n} people)' },
  'a.reports.trendTable': { ja: '期間ごとの視聴時間（グラフの数値）', en: 'Viewing time per period (the chart’s figures)' },
  'a.reports.period': { ja: '期間', en: 'Period' },
  'a.reports.viewingTime': { ja: '視聴時間', en: 'Viewing time' },
  'a.reports.csvViewing': { ja: '利用者別の視聴時間をCSVで保存', en: 'Save viewing time per user as CSV' },
  'a.reports.users': { ja: '利用者別の視聴時間', en: 'Viewing time per user' },
  'a.reports.noUsers': { ja: 'この期間に視聴した人はいません。', en: 'Nobody watched in this period.' },
  'a.reports.usersTable': { ja: '利用者別・期間別の視聴時間', en: 'Viewing time per user and period' },
  'a.reports.user': { ja: '利用者', en: 'User' },
  'a.reports.sum': { ja: '合計', en: 'Total' },
  'a.reports.csvWatched': { ja: '利用者ごとの視聴内容をCSVで保存', en: 'Save what each user watched as CSV' },
  'a.reports.contents': { ja: 'コンテンツ別', en: 'Per content' },
  'a.reports.noContents': { ja: 'この期間に視聴されたコンテンツはありません。', en: 'No content was watched in this period.' },
  'a.reports.contentsTable': {
    ja: 'コンテンツ別の視聴者数・視聴時間・修了率',
    en: 'Viewers, viewing time and completion rate per content',
  },
  'a.reports.title': { ja: 'タイトル', en: 'Title' },
  'a.reports.viewers': { ja: '視聴者数', en: 'Viewers' },
  'a.reports.totalTime': { ja: '合計視聴時間', en: 'Total viewing time' },
  'a.reports.completions': { ja: '修了者数', en: 'Completed' },
  'a.reports.rate': { ja: '修了率', en: 'Completion rate' },
  'a.reports.people': { ja: '{n} 人', en: '{n}' },
  'a.reports.csvContents': { ja: 'コンテンツ別をCSVで保存', en: 'Save per content as CSV' },
};

defineMessages(MESSAGES);
