//! The shapes of an import as the API and the command line show them: its
//! id, mode and status, the preview's rows (API.md "Import preview rows") and
//! counts, and the answers to apply and undo.

use super::MassDisable;
use crate::people::Scope;
use domain::UserId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

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
    pub(super) fn count(&mut self, action: Action) {
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
    /// Where the created users' one-time passwords can be downloaded (once):
    /// all of them, or — with invitation e-mails — those not delivered.
    pub passwords_url: Option<String>,
    /// How the invitation e-mails went (`null`: none were queued).
    #[serde(default)]
    pub invitations: Option<crate::invitations::Summary>,
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
    /// Invitation e-mails queued (SMTP configured; `null`: none).
    pub invitations: Option<u32>,
    /// Users whose logins the import ended (disabled, deleted, another role).
    #[serde(skip)]
    pub ended_logins: Vec<domain::UserId>,
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
    /// Users whose logins the undo ended.
    #[serde(skip)]
    pub ended_logins: Vec<domain::UserId>,
}
