//! `GET /api/v1/settings` (admin): the settings people ask about — licence,
//! timezone, session and completion rules, and each site's network budget.
//! Read-only: they come from the configuration file, which the operator edits.

use super::extract::CurrentUser;
use super::{ApiError, AppState};
use axum::Json;
use axum::extract::State;
use domain::Role;
use serde_json::{Value, json};

/// The effective settings, as the service runs with them now.
pub async fn get(State(state): State<AppState>, me: CurrentUser) -> Result<Json<Value>, ApiError> {
    me.require(|r| r == Role::Admin)?;
    let s = &state.settings;
    let network = &state.network;
    let cidrs =
        |list: &[domain::site::Cidr]| list.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    let sites: Vec<Value> = network
        .sites
        .iter()
        .map(|site| {
            json!({
                "name": site.name,
                "cidrs": cidrs(&site.cidrs),
                "budget_mbps": site.budget_mbps,
            })
        })
        .collect();
    Ok(Json(json!({
        "timezone": s.timezone,
        "licensed_seats": s.licensed_seats,
        "session_idle_minutes": s.session_idle_minutes,
        "completion_coverage": s.completion_coverage,
        "trash_retention_days": s.trash_retention_days,
        "maintenance_notice_days": s.maintenance_notice_days,
        "network": {
            "default_site": network.default_site,
            "default_budget_mbps": network.default_budget_mbps,
            "viewer_idle_seconds": network.viewer_idle_seconds,
            "trusted_proxies": cidrs(&network.trusted_proxies),
            "sites": sites,
        },
    })))
}
