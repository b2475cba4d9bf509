//! S3 failures as [`StoreError`]s: which mean "missing", which "cannot be
//! reached" (worth a 503 and a retry) and which "refused" (a configuration
//! problem: bad credentials, a missing bucket).

use crate::StoreError;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStreamError;

/// Whether S3 answered `e` with the HTTP status `status`.
pub(super) fn is_status<E>(e: &SdkError<E, HttpResponse>, status: u16) -> bool {
    e.raw_response()
        .is_some_and(|r| r.status().as_u16() == status)
}

/// The store error for a failed request of operation `op`.
pub(super) fn from_sdk<E>(op: &'static str, e: &SdkError<E, HttpResponse>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let status = e.raw_response().map(|r| r.status().as_u16());
    let refused = |what: String| StoreError::Io(std::io::Error::other(what));
    match e {
        SdkError::TimeoutError(_) => StoreError::Unavailable(format!("S3 {op} timed out")),
        // Connection refused or reset, connect timeout, TLS failure.
        SdkError::DispatchFailure(d) if !d.is_user() => {
            StoreError::Unavailable(format!("S3 {op}: {}", chain(e)))
        }
        SdkError::ServiceError(_) | SdkError::ResponseError(_) => match status {
            // HeadObject's 404 has no body, hence no code: only a named
            // missing bucket is not a missing object.
            Some(404) if e.code() != Some("NoSuchBucket") => StoreError::NotFound,
            Some(s @ (408 | 429 | 500..=599)) => {
                StoreError::Unavailable(format!("S3 {op}: status {s}{}", details(e)))
            }
            Some(s) => refused(format!("S3 refused {op}: status {s}{}", details(e))),
            None => refused(format!("S3 {op}: {}", chain(e))),
        },
        _ => refused(format!("S3 {op}: {}", chain(e))),
    }
}

/// `, Code: message` from S3's error body, when it had one.
fn details(e: &impl ProvideErrorMetadata) -> String {
    match (e.code(), e.message()) {
        (Some(code), Some(message)) => format!(", {code}: {message}"),
        (Some(code), None) => format!(", {code}"),
        _ => String::new(),
    }
}

/// An error and its causes on one line (`dispatch failure: io error: … Connection refused`).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// A download interrupted or stalled after its headers arrived.
pub(super) fn from_body(e: &ByteStreamError) -> StoreError {
    StoreError::Unavailable(format!("S3 transfer interrupted: {}", chain(e)))
}
