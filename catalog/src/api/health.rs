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
        .inspect_err(|e| tracing::warn!(error = %e, "not ready: the database does not answer"))
        .is_ok();
    // A store that hangs is as down as one that refuses: answer within a second.
    let wait = std::time::Duration::from_millis(900);
    let media = match tokio::time::timeout(wait, state.store.check()).await {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "not ready: the media store does not answer");
            false
        }
        Err(_) => {
            tracing::warn!("not ready: the media store gave no answer within 900 ms");
            false
        }
    };
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
