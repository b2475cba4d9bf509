//! Login sessions. The cookie holds 256 random bits; the database holds only
//! their SHA-256, so a copy of the database cannot be used to log in.

use domain::{Role, UserId};
use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

/// The cookie that carries the session token.
pub const COOKIE: &str = "manabi_session";

/// A newly created session: the token for the cookie and the CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// Goes into the HttpOnly cookie; never stored.
    pub token: String,
    /// Sent back with every unsafe request in `X-CSRF-Token`.
    pub csrf_token: String,
}

/// The user behind a valid session.
#[derive(Debug, Clone)]
pub struct SessionUser {
    /// The account.
    pub user_id: UserId,
    /// Its role at this moment.
    pub role: Role,
    /// The session's CSRF token.
    pub csrf_token: String,
    /// Logged in with a one-time password not yet replaced.
    pub must_change_password: bool,
}

/// What a request presents to be let in: the session cookie's token and,
/// on an unsafe method, the CSRF token it sent. Read from the request alone;
/// [`Credentials::admit`] then judges the session the token resolves to.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The session cookie's value.
    pub token: String,
    /// The CSRF token sent, when the method changes something.
    pub csrf_sent: Option<String>,
    /// The method changes something (not GET, HEAD or OPTIONS).
    pub unsafe_method: bool,
    /// The route is one a one-time password may use (the session itself and
    /// the password change).
    pub password_change_route: bool,
}

/// Why a request was not let in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No valid session (unknown, expired, or the account is off).
    Unauthenticated,
    /// Logged in with a one-time password, on another route than its change.
    PasswordChangeRequired,
    /// An unsafe method without the session's CSRF token.
    Csrf,
}

impl Credentials {
    /// Lets in `user`, the session the token resolved to (`None`: none), if
    /// the request may go on with it.
    pub fn admit(&self, user: Option<SessionUser>) -> Result<SessionUser, Refusal> {
        use subtle::ConstantTimeEq;
        let user = user.ok_or(Refusal::Unauthenticated)?;
        // A one-time password opens only the way to a password of one's own.
        if user.must_change_password && !self.password_change_route {
            return Err(Refusal::PasswordChangeRequired);
        }
        if self.unsafe_method {
            let sent = self.csrf_sent.as_deref().unwrap_or_default();
            if sent.is_empty() || !bool::from(sent.as_bytes().ct_eq(user.csrf_token.as_bytes())) {
                return Err(Refusal::Csrf);
            }
        }
        Ok(user)
    }
}

/// How long sessions live.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    /// Ends after this long without a request.
    pub idle: SignedDuration,
    /// Ends this long after login.
    pub absolute: SignedDuration,
}

/// How a login token is stored: its SHA-256, in hex.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

/// Starts a session for `user` (a fresh id at every login).
pub fn create(conn: &Connection, user: UserId, now: Timestamp) -> rusqlite::Result<NewSession> {
    let new = NewSession {
        token: random_token(),
        csrf_token: random_token(),
    };
    conn.execute(
        "INSERT INTO login_sessions (token_hash, user_id, csrf_token, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?4)",
        params![token_hash(&new.token), user.get(), new.csrf_token, now.to_string()],
    )?;
    Ok(new)
}

/// The active, non-deleted user behind `token`, refreshing its idle timer;
/// `None` (and the session removed) when it has expired.
pub fn resolve(
    conn: &Connection,
    token: &str,
    now: Timestamp,
    life: Lifetimes,
) -> rusqlite::Result<Option<SessionUser>> {
    let hash = token_hash(token);
    // Every authenticated request runs this: the statement is kept prepared.
    let row = conn
        .prepare_cached(
            "SELECT s.user_id, u.role, s.csrf_token, s.created_at, s.last_seen_at,
                    u.must_change_password
             FROM login_sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = ?1 AND u.status = 'active' AND u.deleted_at IS NULL",
        )?
        .query_row([&hash], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, bool>(5)?,
            ))
        })
        .optional()?;
    let Some((user_id, role, csrf_token, created, seen, must_change_password)) = row else {
        return Ok(None);
    };
    let (Ok(created), Ok(seen), Ok(role)) = (
        created.parse::<Timestamp>(),
        seen.parse::<Timestamp>(),
        role.parse::<Role>(),
    ) else {
        return Ok(None);
    };
    if now.duration_since(seen) > life.idle || now.duration_since(created) > life.absolute {
        conn.execute("DELETE FROM login_sessions WHERE token_hash = ?1", [&hash])?;
        return Ok(None);
    }
    // Refresh at most once a minute: reads should not all become writes.
    if now.duration_since(seen) > SignedDuration::from_secs(60) {
        conn.execute(
            "UPDATE login_sessions SET last_seen_at = ?1 WHERE token_hash = ?2",
            params![now.to_string(), hash],
        )?;
    }
    Ok(Some(SessionUser {
        user_id: UserId::new(user_id),
        role,
        csrf_token,
        must_change_password,
    }))
}

/// Ends every session of `user` except the one behind `keep` (a password change).
pub fn delete_others(conn: &Connection, user: UserId, keep: &str) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM login_sessions WHERE user_id = ?1 AND token_hash <> ?2",
        params![user.get(), token_hash(keep)],
    )
}

/// Ends the session behind `token`.
pub fn delete(conn: &Connection, token: &str) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM login_sessions WHERE token_hash = ?1",
        [token_hash(token)],
    )?;
    Ok(())
}
