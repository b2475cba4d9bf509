//! `POST/GET/DELETE /api/v1/session`: log in, who am I, log out.

use super::extract::{ApiJson, ClientAddr, CurrentUser, cookie};
use super::{ApiError, AppState};
use crate::sessions::{self, COOKIE};
use crate::{audit, password, users};
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::SET_COOKIE;
use axum::response::{AppendHeaders, IntoResponse};
use domain::Email;
use jiff::Timestamp;
use serde::Deserialize;

/// The login form.
#[derive(Deserialize)]
pub struct Login {
    email: String,
    password: String,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

fn session_cookie(state: &AppState, value: &str, max_age: i64) -> String {
    let secure = if state.settings.cookie_secure {
        "; Secure"
    } else {
        ""
    };
    format!("{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}")
}

/// Logs in: 200 `{user, csrf_token}` with the session cookie, or 401 without
/// saying whether the account exists.
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(form): ApiJson<Login>,
) -> Result<impl IntoResponse, ApiError> {
    let email = Email::parse(&form.email).ok();
    // Failures are counted per normalised address, whether the account exists or not.
    let target: String = match &email {
        Some(e) => e.as_str().to_owned(),
        None => Email::fold(&form.email).chars().take(254).collect(),
    };
    let client = client.map(|ip| ip.to_string()).unwrap_or_default();
    let now = Timestamp::now();
    throttle(&state, &target, &client, now).await?;
    let lookup = email.clone();
    let creds = match lookup {
        Some(e) => {
            state
                .db
                .call(move |c| Ok(users::credentials(c, &e)?))
                .await?
        }
        None => None,
    };
    // Unknown accounts are checked against a decoy hash: same work, same time.
    let stored = creds
        .as_ref()
        .and_then(|c| c.password_hash.clone())
        .unwrap_or_else(|| state.decoy_hash.to_string());
    let password = form.password;
    let matches = hashing(&state, move || password::verify(&password, &stored)).await?;
    let Some(creds) = creds.filter(|c| matches && c.active && c.password_hash.is_some()) else {
        tracing::info!(email = email.as_ref().map(Email::as_str), "login refused");
        let target = target.clone();
        state
            .db
            .call(move |c| {
                audit::record(
                    c,
                    now,
                    None,
                    "login_failed",
                    &target,
                    &serde_json::json!({}),
                )?;
                Ok(())
            })
            .await?;
        return Err(ApiError::InvalidCredentials);
    };
    let (session, user) = state
        .db
        .call(move |c| {
            let tx = c.transaction()?;
            let session = sessions::create(&tx, creds.id, now)?;
            users::touch_login(&tx, creds.id, now)?;
            audit::record(
                &tx,
                now,
                Some(creds.id),
                "login",
                &target,
                &serde_json::json!({}),
            )?;
            let user = users::get(&tx, creds.id)?;
            tx.commit()?;
            Ok((session, user))
        })
        .await?;
    let user = user.ok_or(ApiError::InvalidCredentials)?;
    let max_age = state.settings.session_absolute_hours * 3600;
    Ok((
        AppendHeaders([(SET_COOKIE, session_cookie(&state, &session.token, max_age))]),
        Json(
            serde_json::json!({"user": user, "csrf_token": session.csrf_token,
            "idle_timeout_s": state.settings.session_idle_minutes * 60}),
        ),
    ))
}

/// Refuses a login attempt (429) while the account or the client address has
/// used up its wrong passwords for the last hour; the password is not checked.
async fn throttle(
    state: &AppState,
    target: &str,
    client: &str,
    now: Timestamp,
) -> Result<(), ApiError> {
    let hour = jiff::SignedDuration::from_hours(1);
    let (t, c) = (target.to_owned(), client.to_owned());
    let (account, from_client, oldest) = state
        .db
        .call(move |conn| Ok(audit::login_failures(conn, &t, &c, now - hour)?))
        .await?;
    if account >= state.settings.login_failures_per_account_hour {
        let wait = oldest
            .and_then(|at| at.parse::<Timestamp>().ok())
            .map_or(3600, |at| (at + hour).duration_since(now).as_secs().max(1));
        tracing::warn!(
            account = target,
            "login throttled: too many wrong passwords for the account"
        );
        return Err(ApiError::RateLimited(wait.unsigned_abs()));
    }
    if !client.is_empty() && from_client >= state.settings.login_failures_per_client_hour {
        tracing::warn!(
            client,
            "login throttled: too many wrong passwords from the client"
        );
        return Err(ApiError::RateLimited(600));
    }
    Ok(())
}

/// The logged-in user and the CSRF token (the front end calls this on load).
pub async fn current(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<impl IntoResponse, ApiError> {
    let id = me.id;
    let user = state
        .db
        .call(move |c| Ok(users::get(c, id)?))
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    Ok(Json(
        serde_json::json!({"user": user, "csrf_token": me.csrf_token,
            "idle_timeout_s": state.settings.session_idle_minutes * 60}),
    ))
}

/// Logs out: the session is deleted on the server and the cookie cleared.
pub async fn logout(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    if let Some(token) = cookie(&headers, COOKIE) {
        let now = Timestamp::now();
        state
            .db
            .call(move |c| {
                sessions::delete(c, &token)?;
                audit::record(c, now, Some(me.id), "logout", "", &serde_json::json!({}))?;
                Ok(())
            })
            .await?;
        state.revoke_ended(vec![me.id]).await;
    }
    Ok((
        AppendHeaders([(SET_COOKIE, session_cookie(&state, "", 0))]),
        axum::http::StatusCode::NO_CONTENT,
    ))
}

/// `POST /api/v1/session/password`.
#[derive(Deserialize)]
pub struct PasswordChange {
    current_password: String,
    new_password: String,
}

impl std::fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordChange").finish_non_exhaustive()
    }
}

/// Runs password hashing off the runtime, within the bound on concurrent
/// hashing (50 logins at once must not starve other requests).
pub(super) async fn hashing<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    let permit = state
        .hashing
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| ApiError::Unavailable)?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work()
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Replaces the caller's password (and a one-time password); every other
/// session of the account ends.
pub async fn change_password(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(form): ApiJson<PasswordChange>,
) -> Result<impl IntoResponse, ApiError> {
    use secrecy::ExposeSecret;
    password::check_strength(&form.new_password, &form.current_password)
        .map_err(|m| ApiError::Invalid(m.to_owned()))?;
    let id = me.id;
    let stored = state
        .db
        .call(move |c| {
            Ok(c.query_row(
                "SELECT password_hash FROM users WHERE id = ?1",
                [id.get()],
                |r| r.get::<_, Option<String>>(0),
            )?)
        })
        .await?
        .unwrap_or_else(|| state.decoy_hash.to_string());
    let current = form.current_password;
    if !hashing(&state, move || password::verify(&current, &stored)).await? {
        return Err(ApiError::Invalid(
            "現在のパスワードが正しくありません (the current password is wrong)".into(),
        ));
    }
    let rounds = state.settings.pbkdf2_iterations;
    let new = form.new_password;
    let hash = hashing(&state, move || password::hash(&new, rounds)).await?;
    let now = Timestamp::now();
    let keep = me.token.expose_secret().to_owned();
    state
        .db
        .call(move |c| {
            let tx = c.transaction()?;
            tx.execute(
                "UPDATE users SET password_hash = ?1, must_change_password = 0, updated_at = ?2 WHERE id = ?3",
                rusqlite::params![hash, now.to_string(), id.get()],
            )?;
            sessions::delete_others(&tx, id, &keep)?;
            audit::record(&tx, now, Some(id), "password.change", &format!("user:{}", id.get()), &serde_json::json!({}))?;
            tx.commit()?;
            Ok(())
        })
        .await?;
    state.revoke_ended(vec![id]).await;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
