//! The planner: what a file would change, row by row — pure, no I/O. The
//! preview shows its rows; apply plans the same file again inside its
//! transaction and proceeds only if the plan's digest is the previewed one.
//!
//! Rules (issue 5, item 4; API.md "Import preview rows"):
//! - **Standard rows** state a user completely: unknown e-mails are created,
//!   known users get the changed fields (`groups` is the whole membership);
//!   `action=delete` moves a user to the trash. A row for a user in the trash
//!   is an error (an admin restores it first), except a delete (unchanged).
//! - **HR rows** (`email,remarks`) set 備考. An unknown e-mail creates a learner
//!   with an empty name: the RFP's 表3 has staff information (職員情報) come
//!   into the service from the 人事給与システム's CSV, whose only items are the
//!   e-mail and 備考, and asks that staff can be added daily or monthly
//!   (表1 その他) — a new address in that file is a new member of staff.
//!   Users in the trash are left there (unchanged): a sync never deletes nor
//!   restores.
//! - **Sync** (either format): active learners and editors within reach that
//!   are absent from the file are disabled — never deleted; admins and
//!   managers are never disabled. With the HR file, learners and editors in
//!   the file who are disabled are enabled again (the file lists current
//!   staff); admins' and managers' status is never changed by a sync.
//! - **Groups** are named by path from the top (`総務部/人事課`) or by bare
//!   name when only one group has it (`人事課`); several groups with the name
//!   is an error asking for the path. A group that does not exist is created at
//!   apply (at the top, or under the existing part of its path) and listed in
//!   the preview's `new_groups`. Groups a file's paths create count for its
//!   bare names too, so a file means the same before and after it is applied.
//! - **Managers** reach only learners of their groups: other users' rows,
//!   other roles, groups outside theirs, new groups and HR rows creating users
//!   (which would belong to no group of theirs) are error rows. A learner's
//!   memberships outside the manager's groups are kept.
//! - **No lock-out**: rows that would leave no active admin, or take the
//!   importing admin itself out of the active admins, are errors.

use super::effect::{Effect, GroupRef, MassDisable, Plan, Planned, Target};
use super::read::{FileRows, Parsed};
use super::state::{Directory, Found, Known, Pending, Reach};
use super::{Action, Mode, Row, RowError, Summary};
use crate::csvfile::{Column, HrRow, StandardAction, Status, UserRecord};
use domain::{Email, Role, UserId};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Who plans: the reach of its scope and, for the lock-out rule, its id
/// (`None`: the command line).
#[derive(Debug, Clone)]
pub struct Planner<'a> {
    /// The catalog now.
    pub dir: &'a Directory,
    /// Whom the import may touch.
    pub reach: &'a Reach,
    /// The importing user.
    pub actor: Option<UserId>,
    /// Upsert or sync.
    pub mode: Mode,
    /// `catalog.import_max_disable_share`.
    pub max_disable_share: f64,
}

type Changes = BTreeMap<String, (String, String)>;

impl Planner<'_> {
    /// Plans `file`.
    pub fn plan(&self, file: &Parsed) -> Plan {
        let pending = match &file.rows {
            FileRows::Standard(rows) => self.dir.groups.pending(
                rows.iter()
                    .filter_map(|r| match &r.action {
                        StandardAction::Upsert(user) => Some(&user.groups),
                        StandardAction::Delete(_) => None,
                    })
                    .flatten()
                    .map(String::as_str),
            ),
            FileRows::Hr(_) => Pending::default(),
        };
        let mut rows: Vec<(usize, Planned)> = Vec::new();
        let mut present: HashSet<String> = HashSet::new();
        match &file.rows {
            FileRows::Standard(standard) => {
                for r in standard {
                    present.insert(r.email().as_str().to_owned());
                    let planned = match &r.action {
                        StandardAction::Upsert(user) => self.upsert(file, &pending, user),
                        StandardAction::Delete(email) => self.delete(file, email),
                    };
                    rows.push((r.row, planned.at(r.row, r.email())));
                }
            }
            FileRows::Hr(hr) => {
                for r in hr {
                    present.insert(r.email.as_str().to_owned());
                    rows.push((r.row, self.hr(file, r).at(r.row, &r.email)));
                }
            }
        }
        let mut bad: BTreeMap<usize, Vec<RowError>> = BTreeMap::new();
        for e in &file.errors {
            bad.entry(e.row).or_default().push(RowError {
                column: e.column.clone(),
                code: e.code.as_str().to_owned(),
                message: e.message.clone(),
            });
        }
        for (row, mut errors) in bad {
            let written = file.error_emails.get(&row);
            let parsed = written.and_then(|w| Email::parse(w).ok());
            let known = parsed.as_ref().and_then(|e| self.dir.user(e));
            if file.error_blank_names.contains(&row) && needs_name(known) {
                // In column order: after the e-mail's errors, before the rest.
                let email_column = file.column(Column::Email);
                let at = errors.iter().position(|e| e.column != email_column);
                errors.insert(at.unwrap_or(errors.len()), name_required(file));
            }
            let email = written.map(|w| match &parsed {
                Some(e) => {
                    // A bad row still names its user: a sync must not disable it.
                    present.insert(e.as_str().to_owned());
                    e.as_str().to_owned()
                }
                None => w.clone(),
            });
            let mut planned = Planned::error(errors);
            planned.row.row = Some(row);
            planned.row.email = email;
            rows.push((row, planned));
        }
        rows.sort_by_key(|(row, _)| *row);
        let mut rows: Vec<Planned> = rows.into_iter().map(|(_, p)| p).collect();
        let mass_disable = (self.mode == Mode::Sync).then(|| {
            let before = rows.len();
            self.disable_absent(&present, &mut rows);
            let active = self
                .dir
                .users
                .values()
                .filter(|k| k.state.status == Status::Active && self.reach.covers(&k.state))
                .count();
            MassDisable::new(rows.len() - before, active, self.max_disable_share)
        });
        self.guard_lock_out(file, &mut rows);
        let mut new_groups = BTreeSet::new();
        let mut summary = Summary::default();
        for p in &rows {
            summary.count(p.row.action);
            if let Some(Effect::Create { to, .. } | Effect::Change { to, .. }) = p.effect.as_deref()
            {
                for g in &to.groups {
                    if let GroupRef::New(path) = g {
                        new_groups.insert(path.clone());
                    }
                }
            }
        }
        Plan {
            rows,
            new_groups: new_groups.into_iter().collect(),
            summary,
            mass_disable,
        }
    }

    /// A standard row stating a user.
    fn upsert(&self, file: &Parsed, pending: &Pending, user: &UserRecord) -> Planned {
        let email = user.email.as_str();
        let mut errors = Vec::new();
        let listed = self.groups(file, pending, &user.groups, &mut errors);
        if let Reach::Managed(_) = self.reach {
            if user.role != Role::Learner {
                errors.push(error(
                    file.column(Column::Role),
                    "role_not_allowed",
                    "受講管理者が登録・変更できるのは受講者（learner）だけです (managers may import learners only)".into(),
                ));
            }
            if user.groups.is_empty() {
                errors.push(error(
                    file.column(Column::Groups),
                    "group_required",
                    "あなたが管理するグループを 1 つ以上指定してください (name at least one of your groups)".into(),
                ));
            }
        }
        let known = match self.known(file, &user.email) {
            Ok(known) => known,
            Err(e) => {
                errors.insert(0, e);
                None
            }
        };
        if user.name.trim().is_empty() && needs_name(known) {
            errors.push(name_required(file));
        }
        if !errors.is_empty() {
            return Planned::error(errors);
        }
        let to = |groups| Target {
            name: user.name.clone(),
            role: user.role,
            status: user.status.as_str(),
            remarks: user.remarks.clone(),
            groups,
            deleted: false,
        };
        match known {
            None => Planned::create(email, to(listed), self),
            Some(known) => {
                let groups = match self.reach {
                    Reach::All => listed,
                    // Memberships the manager does not see are kept.
                    Reach::Managed(_) => known
                        .state
                        .groups
                        .iter()
                        .filter(|g| !self.reach.may_use(**g))
                        .map(|g| GroupRef::Existing(*g))
                        .chain(listed)
                        .collect(),
                };
                self.change(known, email, to(groups))
            }
        }
    }

    /// A standard row with `action=delete`.
    fn delete(&self, file: &Parsed, email: &Email) -> Planned {
        match self.dir.user(email) {
            None => Planned::error(vec![error(
                file.column(Column::Email),
                "unknown_user",
                format!("{email} は登録されていないため削除できません (no such user)"),
            )]),
            Some(known) if known.state.deleted => Planned::unchanged(email.as_str()),
            Some(known) if !self.reach.covers(&known.state) => {
                Planned::error(vec![out_of_scope(file, email)])
            }
            Some(known) => {
                let mut to = Target::of(&known.state);
                to.deleted = true;
                let mut planned = self.change(known, email.as_str(), to);
                planned.row.action = Action::Delete;
                planned
            }
        }
    }

    /// An HR row: 備考, and in a sync the status of learners and editors.
    fn hr(&self, file: &Parsed, row: &HrRow) -> Planned {
        let email = row.email.as_str();
        match self.dir.user(&row.email) {
            Some(known) if known.state.deleted => Planned::unchanged(email),
            Some(known) if !self.reach.covers(&known.state) => {
                Planned::error(vec![out_of_scope(file, &row.email)])
            }
            Some(known) => {
                let mut to = Target::of(&known.state);
                to.remarks.clone_from(&row.remarks);
                if self.mode == Mode::Sync && matches!(to.role, Role::Learner | Role::Editor) {
                    to.status = Status::Active.as_str();
                }
                self.change(known, email, to)
            }
            None if matches!(self.reach, Reach::Managed(_)) => Planned::error(vec![error(
                file.column(Column::Email),
                "cannot_create",
                format!(
                    "{email} は登録されていません。人事ファイルでは所属を指定できないため、受講管理者は利用者を作成できません。標準形式のファイルで所属を指定してください (managers cannot create users from an HR file)"
                ),
            )]),
            None => Planned::create(
                email,
                Target {
                    name: String::new(),
                    role: Role::Learner,
                    status: Status::Active.as_str(),
                    remarks: row.remarks.clone(),
                    groups: BTreeSet::new(),
                    deleted: false,
                },
                self,
            ),
        }
    }

    /// The registered user of a standard row (`None`: new), or why the row
    /// cannot touch it.
    fn known(&self, file: &Parsed, email: &Email) -> Result<Option<&Known>, RowError> {
        match self.dir.user(email) {
            None => Ok(None),
            Some(known) if known.state.deleted => Err(error(
                file.column(Column::Email),
                "in_trash",
                format!(
                    "{email} はごみ箱にあります。管理者が復元してから取り込んでください (the user is in the trash)"
                ),
            )),
            Some(known) if !self.reach.covers(&known.state) => Err(out_of_scope(file, email)),
            Some(known) => Ok(Some(known)),
        }
    }

    /// The groups of a cell, resolved; an error for each that cannot be used.
    fn groups(
        &self,
        file: &Parsed,
        pending: &Pending,
        names: &[String],
        errors: &mut Vec<RowError>,
    ) -> BTreeSet<GroupRef> {
        let column = || file.column(Column::Groups);
        let mut out = BTreeSet::new();
        for name in names {
            match self.dir.groups.find(name, pending) {
                Found::Group(id) if self.reach.may_use(id) => {
                    out.insert(GroupRef::Existing(id));
                }
                Found::Group(_) => errors.push(error(
                    column(),
                    "group_not_managed",
                    format!("グループ「{name}」はあなたが管理するグループではありません (not one of your groups)"),
                )),
                Found::Missing(path) if path.is_empty() => errors.push(error(
                    column(),
                    "unknown_group",
                    format!("グループ「{name}」の指定が正しくありません (empty group path)"),
                )),
                Found::Missing(path) => match self.reach {
                    Reach::All => {
                        out.insert(GroupRef::New(path));
                    }
                    Reach::Managed(_) => errors.push(error(
                        column(),
                        "unknown_group",
                        format!("グループ「{name}」はありません。受講管理者はグループを作成できません (no such group; managers cannot create groups)"),
                    )),
                },
                Found::Ambiguous(paths) => errors.push(error(
                    column(),
                    "ambiguous_group",
                    format!(
                        "「{name}」という名前のグループが複数あります（{}）。「総務部/人事課」のように上位からのパスで指定してください (ambiguous group name)",
                        paths.join("、")
                    ),
                )),
            }
        }
        out
    }

    /// The row that brings `known` to `to`: unchanged, update or disable.
    fn change(&self, known: &Known, email: &str, to: Target) -> Planned {
        let before = &known.state;
        let mut changes = Changes::new();
        let mut field = |name: &str, old: &str, new: &str| {
            if old != new {
                changes.insert(name.to_owned(), (old.to_owned(), new.to_owned()));
            }
        };
        field("name", &before.name, &to.name);
        field("role", before.role.as_str(), to.role.as_str());
        field("status", before.status.as_str(), to.status);
        field("remarks", &before.remarks, &to.remarks);
        let old_groups: BTreeSet<GroupRef> = before
            .groups
            .iter()
            .map(|g| GroupRef::Existing(*g))
            .collect();
        if old_groups != to.groups {
            let shown = |groups: &BTreeSet<GroupRef>| self.group_text(groups.iter());
            changes.insert("groups".into(), (shown(&old_groups), shown(&to.groups)));
        }
        if changes.is_empty() && before.deleted == to.deleted {
            return Planned::unchanged(email);
        }
        let action = if before.status == Status::Active && to.status == "disabled" {
            Action::Disable
        } else {
            Action::Update
        };
        Planned {
            row: Row {
                row: None,
                action,
                email: Some(email.to_owned()),
                changes,
                errors: Vec::new(),
            },
            effect: Some(Box::new(Effect::Change {
                id: known.id,
                email: email.to_owned(),
                to,
            })),
        }
    }

    /// Group paths as the preview shows them (`a;b`), only those the caller
    /// may see.
    fn group_text<'g>(&self, groups: impl Iterator<Item = &'g GroupRef>) -> String {
        let mut paths: Vec<&str> = groups
            .filter_map(|g| match g {
                GroupRef::Existing(id) if self.reach.may_use(*id) => self.dir.groups.path(*id),
                GroupRef::Existing(_) => None,
                GroupRef::New(path) => Some(path.as_str()),
            })
            .collect();
        paths.sort_unstable();
        paths.join(";")
    }

    /// Appends a disable row for each active learner and editor within reach
    /// that the file does not name, by e-mail.
    fn disable_absent(&self, present: &HashSet<String>, rows: &mut Vec<Planned>) {
        let mut absent: Vec<(&String, &Known)> = self
            .dir
            .users
            .iter()
            .filter(|(email, k)| {
                !k.state.deleted
                    && k.state.status == Status::Active
                    && matches!(k.state.role, Role::Learner | Role::Editor)
                    && self.reach.covers(&k.state)
                    && !present.contains(*email)
            })
            .collect();
        absent.sort_by_key(|(email, _)| *email);
        for (email, known) in absent {
            let mut to = Target::of(&known.state);
            to.status = Status::Disabled.as_str();
            rows.push(self.change(known, email, to));
        }
    }

    /// Turns rows that would lock the service out into errors.
    fn guard_lock_out(&self, file: &Parsed, rows: &mut [Planned]) {
        let before_of = |p: &Planned| match p.effect.as_deref() {
            Some(Effect::Change { email, .. }) => self.dir.users.get(email),
            _ => None,
        };
        let mut removing = Vec::new();
        let mut adding = 0usize;
        for (i, p) in rows.iter().enumerate() {
            let was = before_of(p).is_some_and(|k| k.state.is_active_admin());
            let will = match p.effect.as_deref() {
                Some(Effect::Create { to, .. } | Effect::Change { to, .. }) => to.is_active_admin(),
                None => was,
            };
            if was && !will {
                removing.push(i);
            } else if will && !was {
                adding += 1;
            }
        }
        let none_left = self.dir.active_admins() + adding <= removing.len();
        for i in removing {
            let own = before_of(&rows[i]).is_some_and(|k| Some(k.id) == self.actor);
            let message = if own {
                "自分自身を無効化・権限変更・削除することはできません (you cannot disable, demote or delete yourself)"
            } else if none_left {
                "最後の有効な管理者は無効化・権限変更・削除できません (the last active admin cannot be disabled, demoted or deleted)"
            } else {
                continue;
            };
            let mut refused = Planned::error(vec![error(
                file.column(Column::Email),
                "lock_out",
                message.to_owned(),
            )]);
            refused.row.row = rows[i].row.row;
            refused.row.email = rows[i].row.email.take();
            rows[i] = refused;
        }
    }
}

/// Whether a row for `known` (`None`: a new user) must give a name: a
/// blank one only stays blank (a user the HR format created has none until
/// someone gives it one, so that its export imports unchanged); it never
/// creates a user without one or blanks a name.
fn needs_name(known: Option<&Known>) -> bool {
    known.is_none_or(|k| !k.state.name.is_empty())
}

fn name_required(file: &Parsed) -> RowError {
    error(
        file.column(Column::Name),
        "required",
        "氏名を入力してください (name is required)".into(),
    )
}

fn error(column: String, code: &str, message: String) -> RowError {
    RowError {
        column,
        code: code.to_owned(),
        message,
    }
}

fn out_of_scope(file: &Parsed, email: &Email) -> RowError {
    error(
        file.column(Column::Email),
        "out_of_scope",
        format!(
            "{email} はあなたが管理するグループの受講者ではないため、取り込めません (not a learner of your groups)"
        ),
    )
}

impl Planned {
    fn error(errors: Vec<RowError>) -> Self {
        Self {
            row: Row {
                row: None,
                action: Action::Error,
                email: None,
                changes: Changes::new(),
                errors,
            },
            effect: None,
        }
    }

    fn unchanged(email: &str) -> Self {
        Self {
            row: Row {
                row: None,
                action: Action::Unchanged,
                email: Some(email.to_owned()),
                changes: Changes::new(),
                errors: Vec::new(),
            },
            effect: None,
        }
    }

    fn create(email: &str, to: Target, planner: &Planner<'_>) -> Self {
        let mut changes = Changes::new();
        let mut field = |name: &str, new: &str| {
            changes.insert(name.to_owned(), (String::new(), new.to_owned()));
        };
        // What a new user gets; a blank (an HR row gives no name) is no change.
        if !to.name.is_empty() {
            field("name", &to.name);
        }
        field("role", to.role.as_str());
        field("status", to.status);
        if !to.remarks.is_empty() {
            field("remarks", &to.remarks);
        }
        if !to.groups.is_empty() {
            field("groups", &planner.group_text(to.groups.iter()));
        }
        Self {
            row: Row {
                row: None,
                action: Action::Create,
                email: Some(email.to_owned()),
                changes,
                errors: Vec::new(),
            },
            effect: Some(Box::new(Effect::Create {
                email: email.to_owned(),
                to,
            })),
        }
    }

    /// The row at spreadsheet row `row`, about `email`.
    fn at(mut self, row: usize, email: &Email) -> Self {
        self.row.row = Some(row);
        self.row
            .email
            .get_or_insert_with(|| email.as_str().to_owned());
        self
    }
}

#[cfg(test)]
mod tests;
