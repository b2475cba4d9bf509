//! The `imports` table: a preview as planned and stored, who may see it, and
//! the one-time passwords waiting for their single download. Previews not
//! applied within [`KEPT`] expire (their file is dropped); so do passwords
//! not downloaded.

use super::effect::{MassDisable, Plan};
use super::{Action, Caller, ImportError, ImportId, Mode, Preview, Row, Status, Summary};
use crate::csvfile::{Encoding, Format};
use crate::invitations;
use crate::people::Scope;
use domain::UserId;
use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

/// How long a preview can be applied, and one-time passwords downloaded.
pub const KEPT: SignedDuration = SignedDuration::from_hours(24);

/// An import's row, without its preview rows and file.
#[derive(Debug, Clone)]
pub struct Record {
    /// Its id.
    pub id: ImportId,
    /// Who previewed it (`None`: the command line).
    pub created_by: Option<UserId>,
    /// Planned within this manager's groups (`None`: everyone).
    pub manager_scope: Option<UserId>,
    /// The file's format.
    pub format: Format,
    /// Upsert or sync.
    pub mode: Mode,
    /// SHA-256 of the file.
    pub file_sha256: String,
    /// Digest of the previewed plan.
    pub plan_sha256: String,
    /// The previewed counts.
    pub summary: Summary,
    /// Where it stands.
    pub status: Status,
    /// Who applied it.
    pub applied_by: Option<UserId>,
}

impl Record {
    /// The scope it was planned in.
    pub fn scope(&self) -> Scope {
        self.manager_scope.map_or(Scope::All, Scope::ManagedBy)
    }

    /// Admins see every import; managers their own.
    pub fn visible_to(&self, caller: &Caller) -> bool {
        caller.scope == Scope::All || (caller.id.is_some() && self.created_by == caller.id)
    }
}

/// The format's name in the API and the database.
pub fn format_name(format: Format) -> &'static str {
    match format {
        Format::Standard => "standard",
        Format::Hr => "hr",
    }
}

fn status_of(text: &str) -> Result<Status, ImportError> {
    Ok(match text {
        "preview" => Status::Preview,
        "applied" => Status::Applied,
        "undone" => Status::Undone,
        "expired" => Status::Expired,
        other => return Err(ImportError::Corrupt(format!("status {other}"))),
    })
}

/// Expires previews and passwords older than [`KEPT`].
pub fn expire(conn: &Connection, now: Timestamp) -> rusqlite::Result<()> {
    let cutoff = (now - KEPT).to_string();
    conn.execute(
        "UPDATE imports SET status = 'expired', file = NULL WHERE status = 'preview' AND created_at < ?1",
        [&cutoff],
    )?;
    conn.execute(
        "DELETE FROM import_passwords WHERE created_at < ?1",
        [&cutoff],
    )?;
    invitations::expire(conn, KEPT, now)?;
    Ok(())
}

/// A planned preview ready to be stored: its columns, serialised off the
/// database lock, and the answer.
#[derive(Debug)]
pub struct Draft {
    preview: Preview,
    created_by: Option<i64>,
    manager: Option<i64>,
    file: Vec<u8>,
    plan_sha256: String,
    summary: String,
    error_rows: String,
    mass_disable: Option<String>,
    new_groups: String,
    rows: String,
}

impl Draft {
    /// The preview of `plan`, planned for `caller` from `file`.
    pub fn new(
        caller: &Caller,
        format: Format,
        encoding: Option<Encoding>,
        mode: Mode,
        file: Vec<u8>,
        plan: Plan,
        now: Timestamp,
    ) -> Result<Self, ImportError> {
        let plan_sha256 = plan.digest();
        let file_sha256 = hex::encode(Sha256::digest(&file));
        let rows: Vec<Row> = plan.rows.into_iter().map(|p| p.row).collect();
        let error_rows: Vec<usize> = rows
            .iter()
            .filter(|r| r.action == Action::Error)
            .filter_map(|r| r.row)
            .collect();
        Ok(Self {
            created_by: caller.id.map(UserId::get),
            manager: match caller.scope {
                Scope::All => None,
                Scope::ManagedBy(m) => Some(m.get()),
            },
            file,
            plan_sha256,
            summary: serde_json::to_string(&plan.summary)?,
            error_rows: serde_json::to_string(&error_rows)?,
            mass_disable: plan
                .mass_disable
                .map(|m| serde_json::to_string(&m))
                .transpose()?,
            new_groups: serde_json::to_string(&plan.new_groups)?,
            rows: {
                // Sized for the rows: no doubling of an 11 MB buffer.
                let mut json = Vec::with_capacity(rows.len() * 128);
                serde_json::to_writer(&mut json, &rows)?;
                String::from_utf8(json).map_err(|e| ImportError::Corrupt(e.to_string()))?
            },
            preview: Preview {
                id: ImportId::new(0),
                status: Status::Preview,
                format: format_name(format).to_owned(),
                mode,
                encoding: encoding.map(|e| e.as_str().to_owned()),
                encoding_label: encoding.map(|e| e.label().to_owned()),
                file_sha256,
                summary: plan.summary,
                new_groups: plan.new_groups,
                mass_disable: plan.mass_disable,
                rows,
                created_at: now.to_string(),
                applied_at: None,
                undone_at: None,
                passwords_url: None,
                invitations: None,
            },
        })
    }
}

/// Stores a preview; returns it with its id.
pub fn insert(conn: &Connection, draft: Draft) -> Result<Preview, ImportError> {
    let mut preview = draft.preview;
    conn.execute(
        "INSERT INTO imports (created_by, manager_scope, format, mode, encoding, file_sha256, file,
             plan_sha256, summary, error_rows, mass_disable, new_groups, rows, status, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 'preview', ?14)",
        params![
            draft.created_by,
            draft.manager,
            preview.format,
            preview.mode.as_str(),
            preview.encoding,
            preview.file_sha256,
            draft.file,
            draft.plan_sha256,
            draft.summary,
            draft.error_rows,
            draft.mass_disable,
            draft.new_groups,
            draft.rows,
            preview.created_at,
        ],
    )?;
    preview.id = ImportId::new(conn.last_insert_rowid());
    Ok(preview)
}

/// The import's row.
pub fn load(conn: &Connection, id: ImportId) -> Result<Option<Record>, ImportError> {
    let row = conn
        .query_row(
            "SELECT created_by, manager_scope, format, mode, file_sha256, plan_sha256, summary,
                    status, applied_by
             FROM imports WHERE id = ?1",
            [id.get()],
            |r| {
                Ok((
                    r.get::<_, Option<i64>>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, Option<i64>>(8)?,
                ))
            },
        )
        .optional()?;
    let Some((created_by, manager, format, mode, file_sha256, plan_sha256, summary, status, by)) =
        row
    else {
        return Ok(None);
    };
    Ok(Some(Record {
        id,
        created_by: created_by.map(UserId::new),
        manager_scope: manager.map(UserId::new),
        format: format.parse().map_err(|_| ImportError::Corrupt(format))?,
        mode: mode.parse().map_err(ImportError::Corrupt)?,
        file_sha256,
        plan_sha256,
        summary: serde_json::from_str(&summary)?,
        status: status_of(&status)?,
        applied_by: by.map(UserId::new),
    }))
}

/// The import if `caller` may see it.
pub fn visible(conn: &Connection, caller: &Caller, id: ImportId) -> Result<Record, ImportError> {
    load(conn, id)?
        .filter(|r| r.visible_to(caller))
        .ok_or(ImportError::NotFound)
}

/// The preview rows as stored.
pub fn rows(conn: &Connection, id: ImportId) -> Result<Vec<Row>, ImportError> {
    let text: String =
        conn.query_row("SELECT rows FROM imports WHERE id = ?1", [id.get()], |r| {
            r.get(0)
        })?;
    Ok(serde_json::from_str(&text)?)
}

/// The import and its file, if it may be applied as far as the stored
/// preview tells (apply checks again against the catalog).
pub fn applicable(
    conn: &mut Connection,
    caller: &Caller,
    id: ImportId,
    confirm_mass_disable: bool,
    now: Timestamp,
) -> Result<(Record, Vec<u8>), ImportError> {
    expire(conn, now)?;
    let record = visible(conn, caller, id)?;
    if record.status != Status::Preview {
        return Err(ImportError::NotPreview(record.status));
    }
    let (error_rows, mass, file) = conn.query_row(
        "SELECT error_rows, mass_disable, file FROM imports WHERE id = ?1",
        [id.get()],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<Vec<u8>>>(2)?,
            ))
        },
    )?;
    let error_rows: Vec<usize> = serde_json::from_str(&error_rows)?;
    if record.summary.errors > 0 {
        return Err(ImportError::HasErrors(error_rows));
    }
    if let Some(mass) = mass {
        let mass: MassDisable = serde_json::from_str(&mass)?;
        if mass.confirmation_required && !confirm_mass_disable {
            return Err(ImportError::MassDisable(mass));
        }
    }
    let file = file.ok_or_else(|| ImportError::Corrupt("preview without its file".into()))?;
    Ok((record, file))
}

/// The stored preview and state.
pub fn get(conn: &mut Connection, caller: &Caller, id: ImportId) -> Result<Preview, ImportError> {
    let record = visible(conn, caller, id)?;
    let passwords = conn
        .query_row(
            "SELECT 1 FROM import_passwords WHERE import_id = ?1",
            [id.get()],
            |_| Ok(()),
        )
        .optional()?
        .is_some()
        || invitations::has_failed_passwords(conn, id)?;
    let invitations = invitations::summary(conn, id)?;
    let preview = conn.query_row(
        "SELECT encoding, mass_disable, new_groups, rows, created_at, applied_at, undone_at
         FROM imports WHERE id = ?1",
        [id.get()],
        |r| {
            Ok((
                r.get::<_, Option<String>>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
            ))
        },
    )?;
    let (encoding, mass, new_groups, rows, created_at, applied_at, undone_at) = preview;
    let encoding: Option<crate::csvfile::Encoding> = encoding.and_then(|e| e.parse().ok());
    let mine = caller.id.is_some() && record.applied_by == caller.id;
    Ok(Preview {
        id,
        status: record.status,
        format: format_name(record.format).to_owned(),
        mode: record.mode,
        encoding: encoding.map(|e| e.as_str().to_owned()),
        encoding_label: encoding.map(|e| e.label().to_owned()),
        file_sha256: record.file_sha256,
        summary: record.summary,
        new_groups: serde_json::from_str(&new_groups)?,
        mass_disable: mass.map(|m| serde_json::from_str(&m)).transpose()?,
        rows: serde_json::from_str(&rows)?,
        created_at,
        applied_at,
        undone_at,
        passwords_url: (passwords && mine).then(|| passwords_url(id)),
        invitations,
    })
}

/// Where an import's one-time passwords are downloaded.
pub fn passwords_url(id: ImportId) -> String {
    format!("/api/v1/imports/{id}/passwords.csv")
}

/// The one-time passwords' CSV (UTF-8 with BOM) of `(email, name, password)` rows.
pub fn passwords_csv(rows: Vec<[String; 3]>) -> Result<Vec<u8>, ImportError> {
    let header = ["メールアドレス", "氏名", "初期パスワード"].map(String::from);
    let sheet: Vec<[String; 3]> = std::iter::once(header).chain(rows).collect();
    crate::csvfile::encode(&sheet, Encoding::Utf8Bom)
        .map_err(|e| ImportError::Corrupt(e.to_string()))
}

/// Keeps the one-time passwords' CSV for one download.
pub fn keep_passwords(
    conn: &Connection,
    id: ImportId,
    csv: &[u8],
    now: Timestamp,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO import_passwords (import_id, csv, created_at) VALUES (?1, ?2, ?3)",
        params![id.get(), csv, now.to_string()],
    )?;
    Ok(())
}

/// Hands out the one-time passwords' CSV to the user who applied the import,
/// deleting it in the same statement.
pub fn take_passwords(
    conn: &mut Connection,
    caller: &Caller,
    id: ImportId,
    now: Timestamp,
) -> Result<Vec<u8>, ImportError> {
    expire(conn, now)?;
    let record = visible(conn, caller, id)?;
    match record.applied_by {
        None => return Err(ImportError::PasswordsGone),
        Some(by) if Some(by) != caller.id => return Err(ImportError::NotYours),
        Some(_) => {}
    }
    let tx = conn.transaction()?;
    let mut sheet: Option<Vec<u8>> = tx
        .query_row(
            "DELETE FROM import_passwords WHERE import_id = ?1 RETURNING csv",
            [id.get()],
            |r| r.get(0),
        )
        .optional()?;
    // With invitation e-mails: the passwords of those that failed for good
    // (after the CSV of created disabled users, if any, on a later download).
    let failed = match sheet {
        Some(_) => Vec::new(),
        None => invitations::take_failed(&tx, id)?,
    };
    if !failed.is_empty() {
        sheet = Some(passwords_csv(failed)?);
    }
    let sheet = sheet.ok_or(ImportError::PasswordsGone)?;
    tx.commit()?;
    Ok(sheet)
}
