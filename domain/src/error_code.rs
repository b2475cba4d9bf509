//! Stable machine codes for error bodies (`{"error":{"code":…}}`). Clients and
//! tests match on these; the human message may change, the code may not.

use serde::Serialize;

/// A stable, snake_case error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request body or parameters are malformed.
    BadRequest,
    /// Not logged in, or the session has ended.
    Unauthenticated,
    /// Wrong e-mail or password (never says which).
    InvalidCredentials,
    /// Logged in but the role does not allow this.
    Forbidden,
    /// The CSRF token is missing or wrong.
    CsrfFailed,
    /// No such route or resource.
    NotFound,
    /// The route exists, not with this method (`Allow` lists those it has).
    MethodNotAllowed,
    /// The request conflicts with the current state (duplicate, wrong status).
    Conflict,
    /// The body is larger than the configured limit.
    TooLarge,
    /// Well-formed but semantically invalid.
    Invalid,
    /// Too many requests.
    RateLimited,
    /// The playback grant is missing, tampered, expired or for something else.
    GrantInvalid,
    /// Something failed inside the service.
    Internal,
    /// A dependency (database, media store) is unavailable.
    Unavailable,
    /// Logged in with a one-time password: choose a password first.
    PasswordChangeRequired,
    /// Something that could be had once is gone (a downloaded one-time
    /// password file).
    Gone,
    /// A sync import would disable more than the configured share of active
    /// users; apply again with `{"confirm_mass_disable": true}`. Hyphenated,
    /// as API.md names it.
    #[serde(rename = "mass-disable-threshold")]
    MassDisableThreshold,
    /// An export asked for in Shift_JIS holds characters Shift_JIS cannot
    /// hold; `details` lists each with its file, row and column.
    UnmappableCharacters,
    /// A declared maintenance window: the service takes no changes until it
    /// ends (`Retry-After`); viewing goes on.
    Maintenance,
    /// The disk holding the data is full: nothing was saved (HTTP 507);
    /// changes work again, without a restart, once there is room.
    StorageFull,
}

impl ErrorCode {
    /// The code as it appears in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::CsrfFailed => "csrf_failed",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Conflict => "conflict",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::Invalid => "invalid",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::GrantInvalid => "grant_invalid",
            ErrorCode::Internal => "internal",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::PasswordChangeRequired => "password_change_required",
            ErrorCode::Gone => "gone",
            ErrorCode::MassDisableThreshold => "mass-disable-threshold",
            ErrorCode::Maintenance => "maintenance",
            ErrorCode::UnmappableCharacters => "unmappable_characters",
            ErrorCode::StorageFull => "storage_full",
        }
    }
}
