//! `GET /api/v1/reports/viewing` (admin; managers for their own groups).

use super::extract::{ApiQuery, CurrentUser};
use super::{ApiError, AppState};
use crate::reports::{self, Granularity, MAX_DAYS, Scope};
use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;
use domain::{Role, UserId};
use jiff::civil::Date;
use serde::Deserialize;

/// Query parameters.
#[derive(Debug, Deserialize)]
pub struct ViewingQuery {
    from: Option<Date>,
    to: Option<Date>,
    granularity: Option<Granularity>,
    group: Option<i64>,
    user: Option<UserId>,
}

/// Viewing seconds per user per period.
pub async fn viewing(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiQuery(q): ApiQuery<ViewingQuery>,
) -> Result<impl IntoResponse, ApiError> {
    me.require(Role::can_manage_people)?;
    let today = jiff::Timestamp::now().to_zoned(state.tz.clone()).date();
    let to = q.to.unwrap_or(today);
    let from = q
        .from
        .unwrap_or_else(|| to.saturating_sub(jiff::Span::new().days(29)));
    if from > to {
        return Err(ApiError::Invalid(
            "開始日は終了日以前にしてください (from must not be after to)".into(),
        ));
    }
    if (to - from).get_days() > MAX_DAYS {
        return Err(ApiError::Invalid(format!(
            "期間は{MAX_DAYS}日以内にしてください (period too long)"
        )));
    }
    let granularity = q.granularity.unwrap_or(Granularity::Day);
    let timezone = state.settings.timezone.clone();
    let report = state
        .db
        .call(move |c| {
            let scope = match (me.role, q.group) {
                (Role::Admin, None) => Scope::All,
                (Role::Admin, Some(g)) => Scope::Groups(vec![g]),
                (_, group) => {
                    let mine = reports::managed_groups(c, me.id)?;
                    match group {
                        Some(g) if mine.contains(&g) => Scope::Groups(vec![g]),
                        Some(_) => Scope::Groups(vec![]),
                        None => Scope::Groups(mine),
                    }
                }
            };
            Ok(reports::viewing(
                c,
                from,
                to,
                granularity,
                &timezone,
                &scope,
                q.user,
            )?)
        })
        .await?;
    Ok(Json(report))
}
