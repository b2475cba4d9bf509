//! CSV imports of users (issue 5, item 4; API.md "Import preview rows"): a
//! personnel section brings the service in line with a spreadsheet or the HR
//! system's export, sees exactly what will change first, applies it in one
//! transaction, and can take it back.
//!
//! Life of an import: **preview** reads the file ([`crate::csvfile`]), plans
//! every row against the catalog and stores the plan with the file — nothing
//! else changes. **Apply** plans the stored file again inside its
//! transaction and goes ahead only if that plan's digest is the previewed
//! one (any change to a touched user, a group or the caller's reach since the
//! preview is a 409), only without error rows (422), and — for a sync that
//! would disable more than `catalog.import_max_disable_share` of the active
//! users within reach — only with `confirm_mass_disable` (409
//! `mass-disable-threshold`). It records every touched user's state before and
//! after. **Undo** restores those states (created users go to the trash), once,
//! and only while nobody has changed the users since.
//!
//! One-time passwords of created users: hashed before the transaction under
//! the bound on concurrent hashing; the clear passwords exist only as the CSV
//! of `GET …/passwords.csv`, kept in the database until it is downloaded once,
//! the import is undone, or 24 hours pass (SQLite's `secure_delete` overwrites
//! the freed pages). The command line writes them to a file instead. With an
//! SMTP server configured, each created active user gets an invitation
//! e-mail instead ([`crate::invitations`]); the passwords of invitations that
//! fail for good are then what the CSV holds.
//!
//! # Layout
//! - `preview`: the shapes the API shows (rows, counts, answers); `error`:
//!   why a step is refused.
//! - [`read`](mod@read): a file as the planner takes it (via `csvfile`).
//! - [`state`]: users, groups and reach as the planner sees them.
//! - [`plan`]: the pure planner — the rules of every row; [`effect`]: what a
//!   plan is made of, and its digest.
//! - [`store`]: the `imports` table and the passwords awaiting download.
//! - [`apply`](mod@apply), [`undo`](mod@undo): one transaction each, writing
//!   through `writer` (users, memberships, sessions, audit, the admin guard).

pub mod apply;
pub mod effect;
mod error;
pub mod plan;
mod preview;
pub mod read;
pub mod state;
pub mod store;
pub mod undo;
mod writer;

pub use apply::Delivery;
pub use effect::{MassDisable, Plan};
pub use error::ImportError;
pub use preview::{
    Action, Applied, Caller, ImportId, Mode, Preview, Row, RowError, Status, Summary, Undone,
};
pub use read::{Parsed, read};

use crate::db::{Db, DbError};
use jiff::Timestamp;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// The bound on concurrent password hashing and the rounds to use.
#[derive(Debug, Clone)]
pub struct Hashing {
    /// Permits shared with logins (`AppState::hashing`).
    pub permits: Arc<Semaphore>,
    /// PBKDF2 rounds.
    pub rounds: u32,
}

impl Hashing {
    /// `n` one-time passwords and their hashes, hashed off the runtime within
    /// the bound — and on all but one core at most: the permits are fair
    /// (first come, first served), so an import queuing all its hashes at
    /// once would keep logins waiting until the last one; this way a login
    /// waits for one hash at most.
    async fn one_time(&self, n: usize) -> Result<Vec<(String, String)>, ImportError> {
        use futures_util::{StreamExt, TryStreamExt};
        let at_once = std::thread::available_parallelism()
            .map_or(1, |p| p.get().saturating_sub(1))
            .max(1);
        futures_util::stream::iter(0..n)
            .map(|_| async {
                let permit = Arc::clone(&self.permits)
                    .acquire_owned()
                    .await
                    .map_err(|e| DbError::Task(e.to_string()))?;
                let rounds = self.rounds;
                tokio::task::spawn_blocking(move || {
                    let _permit = permit;
                    let clear = crate::password::one_time();
                    let hash = crate::password::hash(&clear, rounds);
                    (clear, hash)
                })
                .await
                .map_err(|e| ImportError::Db(DbError::Task(e.to_string())))
            })
            .buffered(at_once)
            .try_collect()
            .await
    }
}

/// Reads `bytes` as a `format` file and stores its preview; changes no user.
/// The database is locked only to read the catalog and to store the preview:
/// reading and planning run beside it (apply checks the plan again).
pub async fn preview(
    db: &Db,
    caller: Caller,
    format: crate::csvfile::Format,
    mode: Mode,
    bytes: Vec<u8>,
    max_disable_share: f64,
    now: Timestamp,
) -> Result<Preview, ImportError> {
    let (parsed, bytes) = blocking(move || (read(format, &bytes), bytes)).await?;
    let (reach, dir) = db
        .call(move |c| {
            store::expire(c, now)?;
            Ok((
                state::Reach::load(c, caller.scope)?,
                state::Directory::load(c)?,
            ))
        })
        .await?;
    let draft = blocking(move || {
        let plan = plan::Planner {
            dir: &dir,
            reach: &reach,
            actor: caller.id,
            mode,
            max_disable_share,
        }
        .plan(&parsed);
        drop(dir);
        let (format, encoding) = (parsed.format, parsed.encoding);
        drop(parsed);
        store::Draft::new(&caller, format, encoding, mode, bytes, plan, now)
    })
    .await??;
    db.call(move |c| Ok(store::insert(c, draft))).await?
}

/// Runs CPU-heavy work off the runtime.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ImportError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ImportError::Db(DbError::Task(e.to_string())))
}

/// Applies a preview (see the module documentation); `delivery` says what
/// becomes of the created users' one-time passwords.
#[allow(clippy::too_many_arguments)]
pub async fn apply(
    db: &Db,
    hashing: &Hashing,
    caller: Caller,
    id: ImportId,
    confirm_mass_disable: bool,
    max_disable_share: f64,
    delivery: Delivery,
    now: Timestamp,
) -> Result<Applied, ImportError> {
    // Cheap refusals first, before any hashing.
    let (record, file) = db
        .call(move |c| Ok(store::applicable(c, &caller, id, confirm_mass_disable, now)))
        .await??;
    let format = record.format;
    let parsed = blocking(move || read(format, &file)).await?;
    let secrets = hashing.one_time(record.summary.create).await?;
    // Plan beside the lock; the transaction only checks that the catalog's
    // fingerprint is unchanged (and plans again itself if it is not).
    let scope = record.clone();
    let loaded = db.call(move |c| Ok(apply::load(c, &scope))).await??;
    let planning = record.clone();
    let (prepared, parsed) = blocking(move || {
        let prepared = apply::prepare(&planning, &parsed, loaded, max_disable_share);
        (prepared, parsed)
    })
    .await?;
    let request = apply::Request {
        record,
        parsed,
        secrets,
        confirm_mass_disable,
        max_disable_share,
        actor: caller.id,
        delivery,
        now,
    };
    db.call(move |c| Ok(apply::apply(c, request, Some(prepared))))
        .await?
}

/// Undoes an applied import (see the module documentation).
pub async fn undo(
    db: &Db,
    caller: Caller,
    id: ImportId,
    now: Timestamp,
) -> Result<Undone, ImportError> {
    db.call(move |c| Ok(undo::undo(c, &caller, id, now)))
        .await?
}

/// The stored preview and state of an import.
pub async fn get(db: &Db, caller: Caller, id: ImportId) -> Result<Preview, ImportError> {
    db.call(move |c| Ok(store::get(c, &caller, id))).await?
}

/// The one-time passwords' CSV of an import, once: it is deleted as it is
/// handed out (later: [`ImportError::PasswordsGone`]).
pub async fn take_passwords(
    db: &Db,
    caller: Caller,
    id: ImportId,
    now: Timestamp,
) -> Result<Vec<u8>, ImportError> {
    db.call(move |c| Ok(store::take_passwords(c, &caller, id, now)))
        .await?
}
