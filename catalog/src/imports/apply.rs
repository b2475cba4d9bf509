//! Apply, in one transaction: plan the stored file again, and write exactly
//! that plan when its digest is the previewed one — creating the new groups,
//! the users with their one-time passwords, and every change — recording each
//! touched user's state before and after for undo, and auditing the import
//! (file SHA-256, counts) and each user (before → after).

use super::effect::{Effect, GroupRef, Plan, Target};
use super::plan::Planner;
use super::read::Parsed;
use super::state::{self, Directory, GroupSet, GroupTree, Reach, UserState};
use super::store::{self, Record};
use super::writer::{AdminGuard, Writer, via};
use super::{Applied, ImportError, Row, Status};
use crate::csvfile;
use crate::{audit, invitations};
use domain::{GroupId, UserId};
use jiff::Timestamp;
use rusqlite::{Connection, params};
use serde_json::json;
use std::collections::HashMap;

/// Everything apply needs besides the database.
#[derive(Debug)]
pub struct Request {
    /// The stored preview.
    pub record: Record,
    /// Its file, read again.
    pub parsed: Parsed,
    /// One `(clear, hash)` one-time password per user the preview creates.
    pub secrets: Vec<(String, String)>,
    /// The caller confirmed a mass disable.
    pub confirm_mass_disable: bool,
    /// `catalog.import_max_disable_share`.
    pub max_disable_share: f64,
    /// Who applies (`None`: the command line).
    pub actor: Option<UserId>,
    /// What becomes of the created users' one-time passwords.
    pub delivery: Delivery,
    /// When.
    pub now: Timestamp,
}

/// What becomes of the created users' one-time passwords.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Returned in the answer as CSV (the command line writes a file).
    HandOver,
    /// Kept as CSV for one download by the importer.
    Download,
    /// E-mailed to each created active user ([`crate::invitations`]); the
    /// passwords of created disabled users are kept for download.
    Invite,
}

/// The catalog as the plan reads it, and its fingerprint.
#[derive(Debug)]
pub struct Loaded {
    reach: Reach,
    dir: Directory,
    fingerprint: String,
}

/// Reads the catalog for [`prepare`] (briefly, under the lock).
pub fn load(conn: &Connection, record: &Record) -> Result<Loaded, ImportError> {
    Ok(Loaded {
        reach: Reach::load(conn, record.scope())?,
        dir: Directory::load(conn)?,
        fingerprint: state::fingerprint(conn)?,
    })
}

/// A plan made outside the write lock, from a catalog with this fingerprint.
#[derive(Debug)]
pub struct Prepared {
    dir: Directory,
    plan: Plan,
    digest: String,
    fingerprint: String,
}

/// Plans the file against a loaded catalog, off the lock (the slow part of
/// apply: with a 100,000-user catalog it takes longer than the writes).
pub fn prepare(
    record: &Record,
    parsed: &Parsed,
    loaded: Loaded,
    max_disable_share: f64,
) -> Prepared {
    let plan = planner(record, &loaded.dir, &loaded.reach, max_disable_share).plan(parsed);
    Prepared {
        digest: plan.digest(),
        plan,
        dir: loaded.dir,
        fingerprint: loaded.fingerprint,
    }
}

fn planner<'a>(
    record: &Record,
    dir: &'a Directory,
    reach: &'a Reach,
    max_disable_share: f64,
) -> Planner<'a> {
    Planner {
        dir,
        reach,
        actor: record.created_by,
        mode: record.mode,
        max_disable_share,
    }
}

/// Applies the previewed plan (see the module documentation). `prepared` is
/// used when the catalog's fingerprint is still the one it was planned from;
/// otherwise the file is planned again here.
pub fn apply(
    conn: &mut Connection,
    req: Request,
    prepared: Option<Prepared>,
) -> Result<Applied, ImportError> {
    let tx = conn.transaction()?;
    let record = &req.record;
    let status = store::load(&tx, record.id)?
        .ok_or(ImportError::NotFound)?
        .status;
    if status != Status::Preview {
        return Err(ImportError::NotPreview(status));
    }
    let current = state::fingerprint(&tx)?;
    let (dir, plan, digest) = match prepared.filter(|p| p.fingerprint == current) {
        Some(p) => (p.dir, p.plan, p.digest),
        None => {
            let reach = Reach::load(&tx, record.scope())?;
            let dir = Directory::load(&tx)?;
            let plan = planner(record, &dir, &reach, req.max_disable_share).plan(&req.parsed);
            let digest = plan.digest();
            (dir, plan, digest)
        }
    };
    if digest != record.plan_sha256 {
        let before = store::rows(&tx, record.id)?;
        let now: Vec<&Row> = plan.rows.iter().map(|p| &p.row).collect();
        return Err(ImportError::Stale(differing(&before, &now)));
    }
    if let Some(mass) = plan.mass_disable
        && mass.confirmation_required
        && !req.confirm_mass_disable
    {
        return Err(ImportError::MassDisable(mass));
    }
    if plan.summary.create != req.secrets.len() {
        return Err(ImportError::Stale(Vec::new()));
    }
    let guard = AdminGuard::before(&tx, req.actor)?;
    let via = via(req.actor);
    let mut writer = Writer {
        tx: &tx,
        import: record.id,
        actor: req.actor,
        now: req.now,
        tree: GroupTree::load(&tx)?,
        ended: std::cell::RefCell::default(),
    };
    let mut new_groups: HashMap<&str, GroupId> = HashMap::new();
    let mut created_groups = Vec::new();
    for path in &plan.new_groups {
        let id = writer.ensure_path(path, &mut created_groups)?;
        new_groups.insert(path.as_str(), id);
    }
    writer.tree = GroupTree::load(&tx)?;
    let resolve = |to: &Target| -> GroupSet {
        to.groups
            .iter()
            .filter_map(|g| match g {
                GroupRef::Existing(id) => Some(*id),
                GroupRef::New(path) => new_groups.get(path.as_str()).copied(),
            })
            .collect()
    };
    let mut secrets = req.secrets.into_iter();
    let mut invited = 0u32;
    let mut sheet: Vec<[String; 3]> = Vec::new();
    for planned in &plan.rows {
        match planned.effect.as_deref() {
            None => {}
            Some(Effect::Create { email, to }) => {
                let (clear, hash) = secrets.next().ok_or(ImportError::Stale(Vec::new()))?;
                let after = after_state(to, resolve(to));
                let id = writer.create(email, &after, &hash)?;
                if req.delivery == Delivery::Invite && after.status == csvfile::Status::Active {
                    invitations::queue(&tx, record.id, id, email, &to.name, &clear, req.now)?;
                    invited += 1;
                } else {
                    sheet.push([email.clone(), to.name.clone(), clear]);
                }
            }
            Some(Effect::Change { id, email, to }) => {
                let before = dir
                    .users
                    .get(email)
                    .map(|k| k.state.clone())
                    .ok_or(ImportError::Stale(vec![email.clone()]))?;
                let after = after_state(to, resolve(to));
                let action = if after.deleted {
                    "user.trash"
                } else {
                    "user.update"
                };
                writer.change(*id, email, Some(&before), &after, action)?;
            }
        }
    }
    guard.check(&tx)?;
    let passwords = (!sheet.is_empty())
        .then(|| store::passwords_csv(sheet))
        .transpose()?;
    let mut passwords_url = None;
    let mut passwords_csv = None;
    if let Some(csv) = passwords {
        if req.delivery == Delivery::HandOver {
            passwords_csv = Some(csv);
        } else {
            store::keep_passwords(&tx, record.id, &csv, req.now)?;
            passwords_url = Some(store::passwords_url(record.id));
        }
    }
    tx.execute(
        "UPDATE imports SET status = 'applied', applied_at = ?1, applied_by = ?2, file = NULL,
             created_groups = ?3
         WHERE id = ?4",
        params![
            req.now.to_string(),
            req.actor.map(UserId::get),
            serde_json::to_string(&created_groups)?,
            record.id.get()
        ],
    )?;
    audit::record(
        &tx,
        req.now,
        req.actor,
        "import.apply",
        &format!("import:{}", record.id),
        &json!({
            "file_sha256": record.file_sha256,
            "format": store::format_name(record.format),
            "mode": record.mode,
            "counts": plan.summary,
            "new_groups": plan.new_groups,
            "via": via,
        }),
    )?;
    let ended_logins = writer.ended.take();
    tx.commit()?;
    Ok(Applied {
        id: record.id,
        status: Status::Applied,
        summary: plan.summary,
        new_groups: plan.new_groups,
        applied_at: req.now.to_string(),
        passwords_url,
        passwords_csv,
        invitations: (invited > 0).then_some(invited),
        ended_logins,
    })
}

fn after_state(to: &Target, groups: GroupSet) -> UserState {
    UserState {
        name: to.name.clone(),
        role: to.role,
        status: to.status.parse().unwrap_or(csvfile::Status::Active),
        remarks: to.remarks.clone(),
        groups,
        deleted: to.deleted,
    }
}

/// The e-mails of rows that differ between two plans of one file.
fn differing(before: &[Row], now: &[&Row]) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..before.len().max(now.len()) {
        let (a, b) = (before.get(i), now.get(i).copied());
        if a != b {
            let email = b.or(a).and_then(|r| r.email.clone());
            out.extend(email);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csvfile::Format;
    use crate::db::Db;
    use crate::imports::{Caller, Mode, read};
    use domain::{Email, Role};

    fn request(record: &Record, parsed: &Parsed) -> Request {
        Request {
            record: record.clone(),
            parsed: parsed.clone(),
            secrets: Vec::new(),
            confirm_mass_disable: false,
            max_disable_share: 0.1,
            actor: None,
            delivery: Delivery::Download,
            now: Timestamp::now(),
        }
    }

    /// Stores the preview of `text` (a standard file) as the command line would.
    fn preview(c: &mut Connection, text: &str) -> (Record, Parsed) {
        let parsed = read(Format::Standard, text.as_bytes());
        let dir = Directory::load(c).unwrap();
        let plan = planner_for_cli(&dir).plan(&parsed);
        let draft = store::Draft::new(
            &Caller::CLI,
            Format::Standard,
            parsed.encoding,
            Mode::Upsert,
            text.as_bytes().to_vec(),
            plan,
            Timestamp::now(),
        )
        .unwrap();
        let id = store::insert(c, draft).unwrap().id;
        (store::load(c, id).unwrap().unwrap(), parsed)
    }

    fn planner_for_cli(dir: &Directory) -> Planner<'_> {
        Planner {
            dir,
            reach: &Reach::All,
            actor: None,
            mode: Mode::Upsert,
            max_disable_share: 0.1,
        }
    }

    #[tokio::test]
    async fn a_plan_made_beside_the_lock_is_used_only_while_the_catalog_is_unchanged() {
        let tmp = tempfile::tempdir().unwrap();
        let db = Db::open(
            &tmp.path().join("catalog.db"),
            &crate::keyfile::Key::generate(),
        )
        .unwrap();
        db.call(|c| {
            for email in ["a@x.jp", "b@x.jp"] {
                let email = Email::parse(email).unwrap();
                let new = crate::users::NewUser {
                    email: &email,
                    name: "元の名前",
                    role: Role::Learner,
                    password_hash: None,
                };
                crate::users::create(c, &new, Timestamp::now()).unwrap();
            }
            let header = "email,name,role,status,groups,remarks\n";

            // Someone else changes after the plan was made: planned again in
            // the transaction, and applied since the plan is the same.
            let (record, parsed) = preview(c, &format!("{header}a@x.jp,二,learner,active,,\n"));
            let loaded = load(c, &record).unwrap();
            let prepared = prepare(&record, &parsed, loaded, 0.1);
            c.execute("UPDATE users SET name = '他人' WHERE email = 'b@x.jp'", [])?;
            let applied = apply(c, request(&record, &parsed), Some(prepared)).unwrap();
            assert_eq!(applied.summary.update, 1);

            // The file's own user changes after the plan: refused, naming it.
            let (record, parsed) = preview(c, &format!("{header}a@x.jp,三,learner,active,,\n"));
            let loaded = load(c, &record).unwrap();
            let prepared = prepare(&record, &parsed, loaded, 0.1);
            c.execute(
                "UPDATE users SET remarks = '手で' WHERE email = 'a@x.jp'",
                [],
            )?;
            let refused = apply(c, request(&record, &parsed), Some(prepared));
            assert!(
                matches!(&refused, Err(ImportError::Stale(emails)) if emails == &["a@x.jp"]),
                "{refused:?}"
            );
            Ok(())
        })
        .await
        .unwrap();
    }
}
