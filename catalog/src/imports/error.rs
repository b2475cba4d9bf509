//! Why an import step is refused, with the Japanese reasons people read
//! (the HTTP mapping is in `api::error`, the command line prints them).

use super::{MassDisable, Status};
use crate::db::DbError;

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
