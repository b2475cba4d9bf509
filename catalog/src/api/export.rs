//! `GET /api/v1/export/{file}` (admin): `users.csv`, `groups.csv`,
//! `memberships.csv`, `courses.csv`, `viewing.csv`, `audit.csv`, or all of
//! them in `all.zip` with a Japanese README. UTF-8 with BOM by default;
//! `?encoding=shift_jis` for Shift_JIS, refused (422, every character listed
//! in `details`) when a cell holds a character Shift_JIS cannot. Every
//! export is recorded in the audit log.

use super::extract::{ApiPath, ApiQuery, CurrentUser};
use super::{ApiError, AppState};
use crate::audit;
use crate::csvfile::{self, Encoding, UnmappableChars};
use crate::export::{self, Kind};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::{Role, UserId};
use serde::Deserialize;
use std::io::Write;

/// Query parameters.
#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    /// `utf8` (with BOM, the default) or `shift_jis` (`sjis`, `cp932`).
    encoding: Option<String>,
}

/// The encoding a download asks for (`?encoding=`): UTF-8 with BOM by default.
pub fn encoding(asked: Option<&str>) -> Result<Encoding, ApiError> {
    match asked.map(str::to_ascii_lowercase).as_deref() {
        None | Some("utf8" | "utf-8" | "utf8_bom") => Ok(Encoding::Utf8Bom),
        Some("shift_jis" | "sjis" | "cp932" | "windows-31j") => Ok(Encoding::ShiftJis),
        Some(other) => Err(ApiError::BadRequest(format!(
            "文字コードは utf8 か shift_jis を指定してください: {other} (encoding must be utf8 or shift_jis)"
        ))),
    }
}

/// A file to download: never cached (it holds personal data).
pub fn download(
    content_type: &str,
    file_name: &str,
    bytes: impl Into<axum::body::Body>,
) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        bytes.into(),
    )
        .into_response()
}

pub(super) fn csv_type(encoding: Encoding) -> &'static str {
    match encoding {
        Encoding::ShiftJis => "text/csv; charset=Shift_JIS",
        Encoding::Utf8 | Encoding::Utf8Bom => "text/csv; charset=utf-8",
    }
}

/// Encodes `table`, the file `file`; characters Shift_JIS cannot hold are
/// collected with where they are.
pub(super) fn encode(
    file: &str,
    table: &[Vec<String>],
    encoding: Encoding,
    unmappable: &mut Vec<serde_json::Value>,
) -> Vec<u8> {
    match csvfile::encode(table, encoding) {
        Ok(bytes) => bytes,
        Err(UnmappableChars(chars)) => {
            unmappable.extend(chars.iter().map(|c| {
                serde_json::json!({
                    "file": file,
                    "row": c.row,
                    "column": csvfile::column_letter(c.column),
                    "character": c.character.to_string(),
                    "codepoint": format!("U+{:04X}", u32::from(c.character)),
                    "message": format!("{file}: {c}"),
                })
            }));
            Vec::new()
        }
    }
}

pub(super) fn refuse_unmappable(unmappable: Vec<serde_json::Value>) -> ApiError {
    let shown: Vec<&str> = unmappable
        .iter()
        .take(20)
        .filter_map(|d| d["message"].as_str())
        .collect();
    ApiError::Unmappable(
        format!(
            "Shift_JIS で表せない文字が {} 個あります。UTF-8 で出力するか、文字を置き換えてください: {}{} (characters Shift_JIS cannot hold)",
            unmappable.len(),
            shown.join("、"),
            if unmappable.len() > shown.len() {
                " ほか"
            } else {
                ""
            }
        ),
        serde_json::Value::Array(unmappable),
    )
}

/// `GET /api/v1/export/{file}?encoding=`.
pub async fn file(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(name): ApiPath<String>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    me.require(|r| r == Role::Admin)?;
    let encoding = encoding(q.encoding.as_deref())?;
    let kinds: Vec<Kind> = if name == "all.zip" {
        Kind::ALL.to_vec()
    } else {
        vec![Kind::from_file_name(&name).ok_or(ApiError::NotFound)?]
    };
    let tz = state.tz.clone();
    let now = jiff::Timestamp::now();
    let tables = state
        .db
        .call(move |c| {
            // One read transaction: the files agree with each other. (The
            // connection's transactions begin IMMEDIATE, taking the write
            // lock; a read needs none.)
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Deferred)?;
            let tables = kinds
                .iter()
                .map(|k| Ok((*k, export::table(&tx, *k, &tz)?)))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            tx.finish()?;
            Ok(tables)
        })
        .await?;
    let mut unmappable = Vec::new();
    let files: Vec<(Kind, usize, Vec<u8>)> = tables
        .iter()
        .map(|(kind, table)| {
            let bytes = encode(kind.file_name(), table, encoding, &mut unmappable);
            (*kind, table.len().saturating_sub(1), bytes)
        })
        .collect();
    if !unmappable.is_empty() {
        return Err(refuse_unmappable(unmappable));
    }
    let counts: serde_json::Map<String, serde_json::Value> = files
        .iter()
        .map(|(k, rows, _)| (k.file_name().to_owned(), (*rows).into()))
        .collect();
    let (file_name, content_type, body) = if name == "all.zip" {
        let stamp = audit::local_time(now, &state.tz);
        let zip = zip_files(&files, &export::readme(&stamp, encoding.label()))?;
        ("manabi-all.zip".to_owned(), "application/zip", zip)
    } else {
        let (kind, _, bytes) = files.into_iter().next().ok_or(ApiError::NotFound)?;
        (
            format!("manabi-{}", kind.file_name()),
            csv_type(encoding),
            bytes,
        )
    };
    let detail = serde_json::json!({"file": name, "encoding": encoding.as_str(), "rows": counts});
    audit_download(&state, me.id, now, &name, detail).await?;
    Ok(download(content_type, &file_name, body))
}

/// Appends a download to the audit log as an `export` of `name` by `actor`
/// at `now`: the exports, and the reports' and assignments' CSVs (names
/// and e-mails leave the service).
pub async fn audit_download(
    state: &AppState,
    actor: UserId,
    now: jiff::Timestamp,
    name: &str,
    detail: serde_json::Value,
) -> Result<(), ApiError> {
    let name = name.to_owned();
    state
        .db
        .call(move |c| {
            Ok(audit::record(
                c,
                now,
                Some(actor),
                "export",
                &name,
                &detail,
            )?)
        })
        .await?;
    Ok(())
}

/// The CSV files and the README (UTF-8 with BOM) in one ZIP archive.
fn zip_files(files: &[(Kind, usize, Vec<u8>)], readme: &str) -> Result<Vec<u8>, ApiError> {
    let fail = |e: &dyn std::fmt::Display| ApiError::Internal(format!("zip: {e}"));
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("README.txt", options)
        .map_err(|e| fail(&e))?;
    zip.write_all(b"\xEF\xBB\xBF").map_err(|e| fail(&e))?;
    zip.write_all(readme.as_bytes()).map_err(|e| fail(&e))?;
    for (kind, _, bytes) in files {
        zip.start_file(kind.file_name(), options)
            .map_err(|e| fail(&e))?;
        zip.write_all(bytes).map_err(|e| fail(&e))?;
    }
    Ok(zip.finish().map_err(|e| fail(&e))?.into_inner())
}
