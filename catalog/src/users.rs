//! User accounts.

use domain::{Email, Role, UserId};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

/// A user as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    /// Row id.
    pub id: UserId,
    /// Login id.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// `active` or `disabled`.
    pub status: String,
    /// 備考 from the HR system.
    pub remarks: String,
    /// The user's groups as paths (総務部/人事課): two 庶務係 in different
    /// departments are told apart, as in users.csv.
    pub groups: Vec<String>,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
    /// Last successful login.
    pub last_login_at: Option<String>,
    /// Holds a one-time password: must choose its own at the next login.
    pub must_change_password: bool,
}

/// What is needed to decide a login.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The account.
    pub id: UserId,
    /// Stored password hash, if the account has a password.
    pub password_hash: Option<String>,
    /// Only active accounts may log in.
    pub active: bool,
}

/// Creating a user failed.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// The e-mail address is already registered.
    #[error("このメールアドレスは既に登録されています (e-mail already registered)")]
    Duplicate,
    /// The database failed.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    /// Login id.
    pub email: &'a Email,
    /// Display name.
    pub name: &'a str,
    /// Role.
    pub role: Role,
    /// Hash from [`crate::password::hash`], or none.
    pub password_hash: Option<&'a str>,
}

/// Creates an active account.
pub fn create(conn: &Connection, new: &NewUser<'_>, now: Timestamp) -> Result<UserId, UserError> {
    let now = now.to_string();
    let inserted = conn.execute(
        "INSERT INTO users (email, name, role, password_hash, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (email) DO NOTHING",
        params![
            new.email.as_str(),
            new.name,
            new.role.as_str(),
            new.password_hash,
            now
        ],
    )?;
    if inserted == 0 {
        return Err(UserError::Duplicate);
    }
    Ok(UserId::new(conn.last_insert_rowid()))
}

/// Login data of a non-deleted account.
pub fn credentials(conn: &Connection, email: &Email) -> rusqlite::Result<Option<Credentials>> {
    conn.query_row(
        "SELECT id, password_hash, status FROM users WHERE email = ?1 AND deleted_at IS NULL",
        [email.as_str()],
        |r| {
            Ok(Credentials {
                id: UserId::new(r.get(0)?),
                password_hash: r.get(1)?,
                active: r.get::<_, String>(2)? == "active",
            })
        },
    )
    .optional()
}

/// Records a successful login.
pub fn touch_login(conn: &Connection, id: UserId, now: Timestamp) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE users SET last_login_at = ?1 WHERE id = ?2",
        params![now.to_string(), id.get()],
    )?;
    Ok(())
}

/// The columns [`from_row`] reads, from `users u`.
pub(crate) const COLUMNS: &str = "u.id, u.email, u.name, u.role, u.status, u.remarks, u.created_at,
    u.updated_at, u.last_login_at, u.must_change_password";

/// A non-deleted user with their groups.
pub fn get(conn: &Connection, id: UserId) -> rusqlite::Result<Option<User>> {
    let user = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM users u WHERE u.id = ?1 AND u.deleted_at IS NULL"
        ))?
        .query_row([id.get()], from_row)
        .optional()?;
    let Some(mut user) = user else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(&format!(
        "WITH RECURSIVE {} SELECT p.path FROM paths p JOIN group_members m ON m.group_id = p.id
         WHERE m.user_id = ?1 ORDER BY p.path",
        crate::groups::GROUP_PATHS
    ))?;
    user.groups = stmt
        .query_map([id.get()], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(Some(user))
}

/// The id of a non-deleted user with this e-mail.
pub fn id_by_email(conn: &Connection, email: &Email) -> rusqlite::Result<Option<UserId>> {
    conn.query_row(
        "SELECT id FROM users WHERE email = ?1 AND deleted_at IS NULL",
        [email.as_str()],
        |r| Ok(UserId::new(r.get(0)?)),
    )
    .optional()
}

/// A user from the first ten columns of a row selecting [`COLUMNS`] (groups left empty).
pub(crate) fn from_row(r: &Row<'_>) -> rusqlite::Result<User> {
    let role: String = r.get(3)?;
    Ok(User {
        id: UserId::new(r.get(0)?),
        email: r.get(1)?,
        name: r.get(2)?,
        role: role.parse().map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, Box::new(e))
        })?,
        status: r.get(4)?,
        remarks: r.get(5)?,
        groups: Vec::new(),
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
        last_login_at: r.get(8)?,
        must_change_password: r.get(9)?,
    })
}
