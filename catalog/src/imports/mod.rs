//! CSV imports of users (issue 5, item 4; API.md "Import preview rows"): a
//! personnel section brings the service in line with a spreadsheet or the HR
//! system's export, sees exactly what will change first, applies it in one
//! transaction, and can take it back.
//!
//! Life of an import: **preview** reads the file ([`crate::csvfile`]), plans
//! every row against the catalog and stores the plan with the file — nothing
//! else changes. **Apply** plans the stored file again inside its
//! transaction and goes ahead only if that plan's digest is the previewed
//! one (any change to a touched user, a group or the caller's reach since the
//! preview is a 409), only without error rows (422), and — for a sync that
//! would disable more than `catalog.import_max_disable_share` of the active
//! users within reach — only with `confirm_mass_disable` (409
//! `mass-disable-threshold`). It records every touched user's state before and
//! after. **Undo** restores those states (created users go to the trash), once,
//! and only while nobody has changed the users since.
//!
//! One-time passwords of created users: hashed before the transaction under
//! the bound on concurrent hashing; the clear passwords exist only as the CSV
//! of `GET …/passwords.csv`, kept in the database until it is downloaded once,
//! the import is undone, or 24 hours pass (SQLite's `secure_delete` overwrites
//! the freed pages). The command line writes them to a file instead.
//!
//! # Layout
//! - [`read`](mod@read): a file as the planner takes it (via `csvfile`).
//! - [`state`]: users, groups and reach as the planner sees them.
//! - [`plan`]: the pure planner — the rules of every row and its digest.
//! - [`store`]: the `imports` table.
//! - [`apply`](mod@apply): apply and undo in one transaction each.

pub mod apply;
pub mod plan;
pub mod read;
pub mod state;
pub mod store;

pub use plan::{MassDisable, Plan};
pub use read::{Parsed, read};

use crate::db::{Db, DbError};
use crate::people::Scope;
use domain::UserId;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// An import (preview and what became of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ImportId(i64);

impl ImportId {
    /// Wraps a row id.
    pub const fn new(raw: i64) -> Self {
        Self(raw)
    }
    /// The row id.
    pub const fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for ImportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// How the file relates to the users it does not name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Leave them as they are (the default).
    Upsert,
    /// Disable the learners and editors within reach that it does not name.
    Sync,
}

impl Mode {
    /// The name in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Upsert => "upsert",
            Mode::Sync => "sync",
        }
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "upsert" => Ok(Mode::Upsert),
            "sync" => Ok(Mode::Sync),
            _ => Err(format!(
                "mode は upsert か sync です: {s} (mode must be upsert or sync)"
            )),
        }
    }
}

/// What a preview row does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// A new user.
    Create,
    /// Changed fields.
    Update,
    /// An active user becomes disabled.
    Disable,
    /// To the trash.
    Delete,
    /// Nothing to do.
    Unchanged,
    /// The row cannot be imported; see its errors.
    Error,
}

/// Rows per action.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// New users.
    pub create: usize,
    /// Changed users.
    pub update: usize,
    /// Disabled users.
    pub disable: usize,
    /// Users moved to the trash.
    pub delete: usize,
    /// Rows without change.
    pub unchanged: usize,
    /// Rows with errors.
    pub errors: usize,
}

impl Summary {
    fn count(&mut self, action: Action) {
        *match action {
            Action::Create => &mut self.create,
            Action::Update => &mut self.update,
            Action::Disable => &mut self.disable,
            Action::Delete => &mut self.delete,
            Action::Unchanged => &mut self.unchanged,
            Action::Error => &mut self.errors,
        } += 1;
    }
}

/// A problem of a preview row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// The column as headed in the file.
    pub column: String,
    /// Stable machine code (`invalid_email`, `out_of_scope`, …).
    pub code: String,
    /// The reason, in Japanese.
    pub message: String,
}

/// One row of the preview (API.md "Import preview rows").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// The spreadsheet row (`null`: a user a sync disables).
    pub row: Option<usize>,
    /// What happens.
    pub action: Action,
    /// The user, normalised (as written when it is not an address).
    pub email: Option<String>,
    /// Each changed field: `[old, new]`.
    pub changes: BTreeMap<String, (String, String)>,
    /// Why the row cannot be imported.
    pub errors: Vec<RowError>,
}

/// Where an import stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Planned; nothing changed yet.
    Preview,
    /// Applied.
    Applied,
    /// Applied, then undone.
    Undone,
    /// Never applied, and too old to be.
    Expired,
}

impl Status {
    /// The name in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Preview => "preview",
            Status::Applied => "applied",
            Status::Undone => "undone",
            Status::Expired => "expired",
        }
    }
}

/// Who imports: a logged-in admin or manager, or the command line (`id`
/// `None`, everyone in scope, audited as `"via": "cli"`).
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    /// The user.
    pub id: Option<UserId>,
    /// Its scope.
    pub scope: Scope,
}

impl Caller {
    /// The command line: an admin-equivalent system actor.
    pub const CLI: Caller = Caller {
        id: None,
        scope: Scope::All,
    };
}

/// The preview (and later state) of an import, as the API returns it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Preview {
    /// Its id.
    pub id: ImportId,
    /// `preview`, `applied`, `undone` or `expired`.
    pub status: Status,
    /// `standard` or `hr`.
    pub format: String,
    /// `upsert` or `sync`.
    pub mode: Mode,
    /// The detected encoding (`utf8`, `utf8_bom`, `shift_jis`; `null`: not text).
    pub encoding: Option<String>,
    /// The encoding as shown to people (`Shift_JIS`).
    pub encoding_label: Option<String>,
    /// SHA-256 of the uploaded bytes.
    pub file_sha256: String,
    /// Rows per action.
    pub summary: Summary,
    /// Groups apply creates (paths).
    pub new_groups: Vec<String>,
    /// For a sync: its disables against the active users.
    pub mass_disable: Option<MassDisable>,
    /// File rows in order, then the users a sync disables.
    pub rows: Vec<Row>,
    /// When previewed.
    pub created_at: String,
    /// When applied.
    pub applied_at: Option<String>,
    /// When undone.
    pub undone_at: Option<String>,
    /// Where the created users' one-time passwords can be downloaded (once).
    pub passwords_url: Option<String>,
}

/// The answer to apply.
#[derive(Debug, Clone, Serialize)]
pub struct Applied {
    /// The import.
    pub id: ImportId,
    /// `applied`.
    pub status: Status,
    /// What changed.
    pub summary: Summary,
    /// Groups created.
    pub new_groups: Vec<String>,
    /// When.
    pub applied_at: String,
    /// The one-time passwords' CSV, downloadable once (`null`: nobody created).
    pub passwords_url: Option<String>,
    /// The CSV itself when the caller takes it at once (the command line).
    #[serde(skip)]
    pub passwords_csv: Option<Vec<u8>>,
}

/// The answer to undo.
#[derive(Debug, Clone, Serialize)]
pub struct Undone {
    /// The import.
    pub id: ImportId,
    /// `undone`.
    pub status: Status,
    /// Users restored to their state before the import.
    pub restored: usize,
    /// Users the import had created, now in the trash.
    pub trashed: usize,
    /// When.
    pub undone_at: String,
}

/// Why an import step was refused.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// No such import, or not the caller's.
    #[error("取り込みが見つかりません (import not found)")]
    NotFound,
    /// Apply of an import that is not a preview.
    #[error("この取り込みは{}のため適用できません (the import is {}, not a preview)", status_ja(.0), .0.as_str())]
    NotPreview(Status),
    /// The preview has error rows.
    #[error("エラーのある行があるため適用できません。ファイルを直してもう一度取り込んでください: {} (rows with errors)", rows_text(.0))]
    HasErrors(Vec<usize>),
    /// The catalog changed since the preview.
    #[error("プレビューの後に利用者またはグループが変更されました。もう一度プレビューしてください{} (changed since the preview)", emails_text(.0))]
    Stale(Vec<String>),
    /// A sync would disable more than the allowed share without confirmation.
    #[error(
        "{} 人中 {} 人（{:.1}%）を無効化します。上限 {:.1}% を超えるため、確認のうえ confirm_mass_disable を指定してください (sync would disable more than the allowed share of active users)",
        .0.active, .0.disable, share(.0.disable, .0.active), .0.max_share * 100.0
    )]
    MassDisable(MassDisable),
    /// Undo of an import that is not applied.
    #[error("この取り込みは{}のため取り消せません (the import is {}, not applied)", status_ja(.0), .0.as_str())]
    NotApplied(Status),
    /// Users changed after the apply: undo would overwrite those changes.
    #[error("取り込みの後に変更された利用者がいるため取り消せません{} (users changed since the import)", emails_text(.0))]
    ChangedSince(Vec<String>),
    /// The change would leave no active admin.
    #[error("有効な管理者がいなくなるため実行できません (no active admin would remain)")]
    LockOut,
    /// Only the user who applied the import may download its passwords.
    #[error(
        "初期パスワードのファイルは取り込みを適用した本人だけがダウンロードできます (only the user who applied the import may download it)"
    )]
    NotYours,
    /// The one-time passwords were downloaded, expired or never existed.
    #[error(
        "初期パスワードのファイルは既にダウンロードされたか、期限切れです (already downloaded or expired)"
    )]
    PasswordsGone,
    /// Stored data could not be read.
    #[error("stored import data: {0}")]
    Corrupt(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<rusqlite::Error> for ImportError {
    fn from(e: rusqlite::Error) -> Self {
        ImportError::Db(e.into())
    }
}

impl From<serde_json::Error> for ImportError {
    fn from(e: serde_json::Error) -> Self {
        ImportError::Corrupt(e.to_string())
    }
}

fn status_ja(status: &Status) -> &'static str {
    match status {
        Status::Preview => "プレビュー中",
        Status::Applied => "適用済み",
        Status::Undone => "取り消し済み",
        Status::Expired => "期限切れ（24 時間以上前のプレビュー）",
    }
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

fn rows_text(rows: &[usize]) -> String {
    let shown: Vec<String> = rows.iter().take(20).map(|r| format!("{r} 行目")).collect();
    let more = rows.len().saturating_sub(shown.len());
    let text = shown.join("、");
    if more > 0 {
        format!("{text} ほか {more} 行")
    } else {
        text
    }
}

fn emails_text(emails: &[String]) -> String {
    if emails.is_empty() {
        return String::new();
    }
    let shown: Vec<&str> = emails.iter().take(10).map(String::as_str).collect();
    let more = emails.len().saturating_sub(shown.len());
    let tail = if more > 0 {
        format!(" ほか {more} 人")
    } else {
        String::new()
    };
    format!("（{}{tail}）", shown.join("、"))
}

/// The bound on concurrent password hashing and the rounds to use.
#[derive(Debug, Clone)]
pub struct Hashing {
    /// Permits shared with logins (`AppState::hashing`).
    pub permits: Arc<Semaphore>,
    /// PBKDF2 rounds.
    pub rounds: u32,
}

impl Hashing {
    /// `n` one-time passwords and their hashes, hashed off the runtime within
    /// the bound.
    async fn one_time(&self, n: usize) -> Result<Vec<(String, String)>, ImportError> {
        let work = (0..n).map(|_| async {
            let permit = Arc::clone(&self.permits)
                .acquire_owned()
                .await
                .map_err(|e| DbError::Task(e.to_string()))?;
            let rounds = self.rounds;
            tokio::task::spawn_blocking(move || {
                let _permit = permit;
                let clear = crate::password::one_time();
                let hash = crate::password::hash(&clear, rounds);
                (clear, hash)
            })
            .await
            .map_err(|e| ImportError::Db(DbError::Task(e.to_string())))
        });
        futures_util::future::try_join_all(work).await
    }
}

/// Reads `bytes` as a `format` file and stores its preview; changes no user.
/// The database is locked only to read the catalog and to store the preview:
/// reading and planning run beside it (apply checks the plan again).
pub async fn preview(
    db: &Db,
    caller: Caller,
    format: crate::csvfile::Format,
    mode: Mode,
    bytes: Vec<u8>,
    max_disable_share: f64,
    now: Timestamp,
) -> Result<Preview, ImportError> {
    let (parsed, bytes) = blocking(move || (read(format, &bytes), bytes)).await?;
    let (reach, dir) = db
        .call(move |c| {
            store::expire(c, now)?;
            Ok((
                state::Reach::load(c, caller.scope)?,
                state::Directory::load(c)?,
            ))
        })
        .await?;
    let draft = blocking(move || {
        let plan = plan::Planner {
            dir: &dir,
            reach: &reach,
            actor: caller.id,
            mode,
            max_disable_share,
        }
        .plan(&parsed);
        drop(dir);
        store::Draft::new(&caller, &parsed, mode, bytes, plan, now)
    })
    .await??;
    db.call(move |c| Ok(store::insert(c, draft))).await?
}

/// Runs CPU-heavy work off the runtime.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ImportError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ImportError::Db(DbError::Task(e.to_string())))
}

/// Applies a preview (see the module documentation). With `hand_over` the
/// one-time passwords' CSV is returned instead of kept for one download.
#[allow(clippy::too_many_arguments)]
pub async fn apply(
    db: &Db,
    hashing: &Hashing,
    caller: Caller,
    id: ImportId,
    confirm_mass_disable: bool,
    max_disable_share: f64,
    hand_over: bool,
    now: Timestamp,
) -> Result<Applied, ImportError> {
    // Cheap refusals first, before any hashing.
    let (record, file) = db
        .call(move |c| Ok(store::applicable(c, &caller, id, confirm_mass_disable, now)))
        .await??;
    let format = record.format;
    let parsed = blocking(move || read(format, &file)).await?;
    let secrets = hashing.one_time(record.summary.create).await?;
    let request = apply::Request {
        record,
        parsed,
        secrets,
        confirm_mass_disable,
        max_disable_share,
        actor: caller.id,
        hand_over,
        now,
    };
    db.call(move |c| Ok(apply::apply(c, request))).await?
}

/// Undoes an applied import (see the module documentation).
pub async fn undo(
    db: &Db,
    caller: Caller,
    id: ImportId,
    now: Timestamp,
) -> Result<Undone, ImportError> {
    db.call(move |c| Ok(apply::undo(c, &caller, id, now)))
        .await?
}

/// The stored preview and state of an import.
pub async fn get(db: &Db, caller: Caller, id: ImportId) -> Result<Preview, ImportError> {
    db.call(move |c| Ok(store::get(c, &caller, id))).await?
}

/// The one-time passwords' CSV of an import, once: it is deleted as it is
/// handed out (later: [`ImportError::PasswordsGone`]).
pub async fn take_passwords(
    db: &Db,
    caller: Caller,
    id: ImportId,
    now: Timestamp,
) -> Result<Vec<u8>, ImportError> {
    db.call(move |c| Ok(store::take_passwords(c, &caller, id, now)))
        .await?
}
