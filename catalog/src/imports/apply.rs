//! Apply, in one transaction: plan the stored file again, and write exactly
//! that plan when its digest is the previewed one — creating the new groups,
//! the users with their one-time passwords, and every change — recording each
//! touched user's state before and after for undo, and auditing the import
//! (file SHA-256, counts) and each user (before → after).

use super::effect::{Effect, GroupRef, Target};
use super::plan::Planner;
use super::read::Parsed;
use super::state::{Directory, GroupTree, Reach, UserState};
use super::store::{self, Record};
use super::writer::{AdminGuard, Writer, via};
use super::{Applied, ImportError, Row, Status};
use crate::audit;
use crate::csvfile::{self, Encoding};
use domain::{GroupId, UserId};
use jiff::Timestamp;
use rusqlite::{Connection, params};
use serde_json::json;
use std::collections::{BTreeSet, HashMap};

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
    /// Return the passwords' CSV instead of keeping it for one download.
    pub hand_over: bool,
    /// When.
    pub now: Timestamp,
}

/// Applies the previewed plan (see the module documentation).
pub fn apply(conn: &mut Connection, req: Request) -> Result<Applied, ImportError> {
    let tx = conn.transaction()?;
    let record = &req.record;
    let status = store::load(&tx, record.id)?
        .ok_or(ImportError::NotFound)?
        .status;
    if status != Status::Preview {
        return Err(ImportError::NotPreview(status));
    }
    let reach = Reach::load(&tx, record.scope())?;
    let dir = Directory::load(&tx)?;
    let plan = Planner {
        dir: &dir,
        reach: &reach,
        actor: record.created_by,
        mode: record.mode,
        max_disable_share: req.max_disable_share,
    }
    .plan(&req.parsed);
    if plan.digest() != record.plan_sha256 {
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
    };
    let mut new_groups: HashMap<&str, GroupId> = HashMap::new();
    let mut created_groups = Vec::new();
    for path in &plan.new_groups {
        let id = writer.ensure_path(path, &mut created_groups)?;
        new_groups.insert(path.as_str(), id);
    }
    writer.tree = GroupTree::load(&tx)?;
    let resolve = |to: &Target| -> BTreeSet<GroupId> {
        to.groups
            .iter()
            .filter_map(|g| match g {
                GroupRef::Existing(id) => Some(*id),
                GroupRef::New(path) => new_groups.get(path.as_str()).copied(),
            })
            .collect()
    };
    let mut secrets = req.secrets.into_iter();
    let mut sheet: Vec<[String; 3]> = vec![[
        "メールアドレス".into(),
        "氏名".into(),
        "初期パスワード".into(),
    ]];
    for planned in &plan.rows {
        match &planned.effect {
            None => {}
            Some(Effect::Create { email, to }) => {
                let (clear, hash) = secrets.next().ok_or(ImportError::Stale(Vec::new()))?;
                let after = after_state(to, resolve(to));
                writer.create(email, &after, &hash)?;
                sheet.push([email.clone(), to.name.clone(), clear]);
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
    let passwords = (sheet.len() > 1)
        .then(|| csvfile::encode(&sheet, Encoding::Utf8Bom))
        .transpose()
        .map_err(|e| ImportError::Corrupt(e.to_string()))?;
    drop(sheet);
    let mut passwords_url = None;
    let mut passwords_csv = None;
    if let Some(csv) = passwords {
        if req.hand_over {
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
    tx.commit()?;
    Ok(Applied {
        id: record.id,
        status: Status::Applied,
        summary: plan.summary,
        new_groups: plan.new_groups,
        applied_at: req.now.to_string(),
        passwords_url,
        passwords_csv,
    })
}

fn after_state(to: &Target, groups: BTreeSet<GroupId>) -> UserState {
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
