//! `GET /api/v1/seats` (admin): licensed seats, active users now and per day.

use super::extract::CurrentUser;
use super::{ApiError, AppState};
use crate::seats;
use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;
use domain::Role;

/// Days of history returned.
const DAYS: u32 = 92;

/// The seats report; counting now also records today's figure.
pub async fn report(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<impl IntoResponse, ApiError> {
    me.require(|r| r == Role::Admin)?;
    let today = state.today();
    let licensed = state.settings.licensed_seats;
    let report = state
        .db
        .call(move |c| Ok(seats::report(c, today, licensed, DAYS)?))
        .await?;
    Ok(Json(report))
}
