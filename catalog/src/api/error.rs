//! The one mapping from failures to HTTP responses:
//! `{"error":{"code","message","details"}}` with the right status. The match
//! is exhaustive, so a new variant must be mapped before it compiles.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::ErrorCode;

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Malformed request.
    #[error("{0}")]
    BadRequest(String),
    /// Not logged in.
    #[error("ログインしてください (please log in)")]
    Unauthenticated,
    /// Wrong e-mail or password; never says which.
    #[error("メールアドレスまたはパスワードが正しくありません (wrong e-mail or password)")]
    InvalidCredentials,
    /// The role does not allow this.
    #[error("この操作を行う権限がありません (not allowed)")]
    Forbidden,
    /// CSRF token missing or wrong.
    #[error("画面を再読み込みしてから操作してください (CSRF token missing or wrong)")]
    Csrf,
    /// No such route or resource.
    #[error("見つかりません (not found)")]
    NotFound,
    /// The route exists, not with this method.
    #[error("この操作はこのURLでは使えません (method not allowed)")]
    MethodNotAllowed,
    /// Conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// Body over the limit (bytes).
    #[error("ファイルが大きすぎます（上限 {0} バイト） (too large; limit {0} bytes)")]
    TooLarge(u64),
    /// Semantically invalid.
    #[error("{0}")]
    Invalid(String),
    /// A dependency is down.
    #[error("一時的に利用できません (temporarily unavailable)")]
    Unavailable,
    /// The storage became read-only: nothing can be changed until an
    /// operator repairs it.
    #[error(
        "データの保存先が読み取り専用になっているため、変更を受け付けられません。閲覧はできます。運用担当者に連絡してください (the storage is read-only: changes are refused)"
    )]
    ReadOnly,
    /// Logged in with a one-time password that has not been replaced yet.
    #[error("初回ログインです。新しいパスワードを設定してください (set a new password first)")]
    PasswordChangeRequired,
    /// Too many attempts; retry after this many seconds.
    #[error(
        "試行回数が多すぎます。しばらく待ってから再度お試しください (too many attempts; retry in {0} s)"
    )]
    RateLimited(u64),
    /// Was available once and is no more.
    #[error("{0}")]
    Gone(String),
    /// A sync import would disable too many users without confirmation.
    #[error("{0}")]
    MassDisable(String),
    /// Characters an export's encoding cannot hold: the message, and each
    /// character with where it is (`details`).
    #[error("{0}")]
    Unmappable(String, serde_json::Value),
    /// A maintenance window is on: no changes until it ends (retry after
    /// this many seconds).
    #[error(
        "メンテナンス中のため、変更はできません。視聴は続けられます (maintenance: changes wait; retry in {0} s)"
    )]
    Maintenance(u64),
    /// The disk holding the data is full; nothing was saved.
    #[error(
        "保存先の容量が不足しているため、保存できませんでした。変更は保存されていません。管理者に連絡してください (storage full: nothing was saved)"
    )]
    StorageFull,
    /// Anything unexpected; the cause is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    fn parts(&self) -> (StatusCode, ErrorCode) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, ErrorCode::BadRequest),
            ApiError::Unauthenticated => (StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated),
            ApiError::InvalidCredentials => {
                (StatusCode::UNAUTHORIZED, ErrorCode::InvalidCredentials)
            }
            ApiError::Forbidden => (StatusCode::FORBIDDEN, ErrorCode::Forbidden),
            ApiError::Csrf => (StatusCode::FORBIDDEN, ErrorCode::CsrfFailed),
            ApiError::NotFound => (StatusCode::NOT_FOUND, ErrorCode::NotFound),
            ApiError::MethodNotAllowed => {
                (StatusCode::METHOD_NOT_ALLOWED, ErrorCode::MethodNotAllowed)
            }
            ApiError::Conflict(_) => (StatusCode::CONFLICT, ErrorCode::Conflict),
            ApiError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::TooLarge),
            ApiError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::Invalid),
            ApiError::Unavailable | ApiError::ReadOnly => {
                (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable)
            }
            ApiError::PasswordChangeRequired => {
                (StatusCode::FORBIDDEN, ErrorCode::PasswordChangeRequired)
            }
            ApiError::RateLimited(_) => (StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited),
            ApiError::Gone(_) => (StatusCode::GONE, ErrorCode::Gone),
            ApiError::MassDisable(_) => (StatusCode::CONFLICT, ErrorCode::MassDisableThreshold),
            ApiError::Unmappable(..) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::UnmappableCharacters,
            ),
            ApiError::Maintenance(_) => (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Maintenance),
            ApiError::StorageFull => (StatusCode::INSUFFICIENT_STORAGE, ErrorCode::StorageFull),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.parts();
        let message = match &self {
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "request failed");
                "内部エラーが発生しました (internal error)".to_owned()
            }
            other => other.to_string(),
        };
        let details = match &self {
            ApiError::Unmappable(_, details) => details.clone(),
            _ => serde_json::Value::Null,
        };
        let body =
            serde_json::json!({"error": {"code": code, "message": message, "details": details}});
        let mut resp = (status, Json(body)).into_response();
        if let ApiError::RateLimited(seconds) | ApiError::Maintenance(seconds) = self
            && let Ok(v) = axum::http::HeaderValue::from_str(&seconds.to_string())
        {
            resp.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, v);
        }
        resp
    }
}

impl From<crate::db::DbError> for ApiError {
    fn from(e: crate::db::DbError) -> Self {
        match e {
            crate::db::DbError::Sqlite(e) => e.into(),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            // SQLite rolled the transaction back: nothing partial was written.
            Some(rusqlite::ErrorCode::DiskFull) => {
                tracing::error!(error = %e, "the database's disk is full: changes are refused");
                ApiError::StorageFull
            }
            Some(rusqlite::ErrorCode::ReadOnly) => {
                tracing::error!(error = %e, "the database's storage is read-only: changes are refused");
                ApiError::ReadOnly
            }
            // Another process held the write lock beyond the busy timeout.
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                tracing::warn!(error = %e, "the database stayed locked by another process: try again");
                ApiError::Unavailable
            }
            _ => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<std::io::Error> for ApiError {
    fn from(e: std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::StorageFull => {
                tracing::error!(error = %e, "the data disk is full: the upload is refused");
                ApiError::StorageFull
            }
            std::io::ErrorKind::ReadOnlyFilesystem => {
                tracing::error!(error = %e, "the data disk is read-only: the upload is refused");
                ApiError::ReadOnly
            }
            _ => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<store::StoreError> for ApiError {
    fn from(e: store::StoreError) -> Self {
        match e {
            store::StoreError::NotFound => ApiError::NotFound,
            store::StoreError::Unavailable(_) => ApiError::Unavailable,
            store::StoreError::Io(e) => e.into(),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// The largest JSON body a route takes: axum's default limit, which every
/// route but the uploads keeps.
const JSON_BODY_LIMIT: u64 = 2 * 1024 * 1024;

impl From<JsonRejection> for ApiError {
    fn from(e: JsonRejection) -> Self {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return ApiError::TooLarge(JSON_BODY_LIMIT);
        }
        ApiError::BadRequest(format!(
            "リクエストの形式が正しくありません (bad JSON body: {})",
            e.body_text()
        ))
    }
}

impl From<QueryRejection> for ApiError {
    fn from(e: QueryRejection) -> Self {
        ApiError::BadRequest(format!(
            "パラメータが正しくありません (bad query: {})",
            e.body_text()
        ))
    }
}

impl From<PathRejection> for ApiError {
    fn from(_: PathRejection) -> Self {
        ApiError::NotFound
    }
}

impl From<crate::courses::CourseError> for ApiError {
    fn from(e: crate::courses::CourseError) -> Self {
        use crate::courses::CourseError as E;
        match e {
            E::NotFound => ApiError::NotFound,
            E::NotReady | E::NoLessons | E::Failed => ApiError::Conflict(e.to_string()),
            E::UnknownCategory | E::UnknownVideo(_) | E::BadTitle => {
                ApiError::Invalid(e.to_string())
            }
            E::Sqlite(e) => e.into(),
        }
    }
}

impl From<crate::playback::HeartbeatError> for ApiError {
    fn from(e: crate::playback::HeartbeatError) -> Self {
        use crate::playback::HeartbeatError as E;
        match e {
            E::NotFound => ApiError::NotFound,
            E::NotYours => ApiError::Forbidden,
            E::Ended => ApiError::Gone(e.to_string()),
            E::Invalid(m) => ApiError::Invalid(m),
            E::Sqlite(e) => e.into(),
            E::Stopped => ApiError::Unavailable,
            E::Refused(refusal) => refusal.into(),
        }
    }
}

impl From<crate::sessions::Refusal> for ApiError {
    fn from(refusal: crate::sessions::Refusal) -> Self {
        use crate::sessions::Refusal as R;
        match refusal {
            R::Unauthenticated => ApiError::Unauthenticated,
            R::PasswordChangeRequired => ApiError::PasswordChangeRequired,
            R::Csrf => ApiError::Csrf,
        }
    }
}

impl From<crate::notices::NoticeError> for ApiError {
    fn from(e: crate::notices::NoticeError) -> Self {
        use crate::notices::NoticeError as E;
        match e {
            E::Invalid(m) => ApiError::Invalid(m),
            E::NotFound => ApiError::NotFound,
            E::Sqlite(e) => e.into(),
        }
    }
}

impl From<crate::people::PeopleError> for ApiError {
    fn from(e: crate::people::PeopleError) -> Self {
        use crate::people::PeopleError as E;
        match e {
            E::Invalid(m) => ApiError::Invalid(m),
            E::Forbidden => ApiError::Forbidden,
            E::NotFound => ApiError::NotFound,
            E::LockOut(_) | E::Duplicate => ApiError::Conflict(e.to_string()),
            E::Sqlite(e) => e.into(),
        }
    }
}

impl From<crate::imports::ImportError> for ApiError {
    fn from(e: crate::imports::ImportError) -> Self {
        use crate::imports::ImportError as E;
        match e {
            E::NotFound => ApiError::NotFound,
            E::NotYours => ApiError::Forbidden,
            E::NotPreview(_) | E::Stale(_) | E::NotApplied(_) | E::ChangedSince(_) | E::LockOut => {
                ApiError::Conflict(e.to_string())
            }
            E::HasErrors(_) => ApiError::Invalid(e.to_string()),
            E::MassDisable(_) => ApiError::MassDisable(e.to_string()),
            E::PasswordsGone => ApiError::Gone(e.to_string()),
            E::Corrupt(m) => ApiError::Internal(m),
            E::Db(e) => e.into(),
        }
    }
}
