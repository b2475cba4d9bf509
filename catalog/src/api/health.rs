//! Liveness, readiness and Prometheus metrics.

use super::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

/// `GET /healthz`: the process answers.
pub async fn live() -> impl IntoResponse {
    Json(serde_json::json!({"status": "ok"}))
}

/// `GET /readyz`: the database and the media store answer.
pub async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    let db = state
        .db
        .call(|c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?))
        .await
        .is_ok();
    // A store that hangs is as down as one that refuses: answer within a second.
    let media = tokio::time::timeout(std::time::Duration::from_secs(1), state.store.check())
        .await
        .is_ok_and(|r| r.is_ok());
    let status = if db && media {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    (
        status,
        Json(
            serde_json::json!({"status": word(db && media), "database": word(db), "media_store": word(media)}),
        ),
    )
}

/// `GET /metrics`: every registered metric in the Prometheus text format.
pub async fn metrics() -> impl IntoResponse {
    use prometheus::Encoder;
    let mut out = Vec::new();
    let encoder = prometheus::TextEncoder::new();
    match encoder.encode(&prometheus::gather(), &mut out) {
        Ok(()) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, encoder.format_type().to_owned())],
            out,
        )
            .into_response(),
        Err(e) => super::ApiError::Internal(e.to_string()).into_response(),
    }
}
