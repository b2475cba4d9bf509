//! The planner's rules, row by row, on small directories.

use super::*;
use crate::csvfile::Format;
use crate::imports::effect::GroupRef;
use crate::imports::read::read;
use crate::imports::state::{GroupTree, UserState};
use domain::GroupId;

const G_SOMU: GroupId = GroupId::new(1);
const G_JINJI: GroupId = GroupId::new(2);
const G_ZAISEI: GroupId = GroupId::new(3);
const G_SHOMU_A: GroupId = GroupId::new(4);
const G_SHOMU_B: GroupId = GroupId::new(5);

/// 総務部 → 人事課 → 庶務係, 財政部 → 庶務係.
fn tree() -> GroupTree {
    GroupTree::from_rows(&[
        (G_SOMU, "総務部".into(), None),
        (G_JINJI, "人事課".into(), Some(G_SOMU)),
        (G_ZAISEI, "財政部".into(), None),
        (G_SHOMU_A, "庶務係".into(), Some(G_JINJI)),
        (G_SHOMU_B, "庶務係".into(), Some(G_ZAISEI)),
    ])
}

fn user(id: i64, role: Role, status: Status, groups: &[GroupId]) -> Known {
    Known {
        id: UserId::new(id),
        state: UserState {
            name: format!("利用者{id}"),
            role,
            status,
            remarks: String::new(),
            groups: groups.iter().copied().collect(),
            deleted: false,
        },
    }
}

fn directory(users: Vec<(&str, Known)>) -> Directory {
    Directory {
        users: users
            .into_iter()
            .map(|(email, known)| (email.to_owned(), known))
            .collect(),
        groups: tree(),
    }
}

/// admin@ (1), learner a@ in 人事課 (2), editor e@ (3), manager m@ (4),
/// learner z@ in 財政部 (5).
fn city() -> Directory {
    directory(vec![
        ("admin@x.jp", user(1, Role::Admin, Status::Active, &[])),
        ("a@x.jp", user(2, Role::Learner, Status::Active, &[G_JINJI])),
        ("e@x.jp", user(3, Role::Editor, Status::Active, &[])),
        ("m@x.jp", user(4, Role::Manager, Status::Active, &[G_SOMU])),
        (
            "z@x.jp",
            user(5, Role::Learner, Status::Active, &[G_ZAISEI]),
        ),
    ])
}

fn plan_with(dir: &Directory, reach: &Reach, mode: Mode, format: Format, text: &str) -> Plan {
    Planner {
        dir,
        reach,
        actor: Some(UserId::new(1)),
        mode,
        max_disable_share: 0.10,
    }
    .plan(&read(format, text.as_bytes()))
}

fn plan(dir: &Directory, text: &str) -> Plan {
    plan_with(dir, &Reach::All, Mode::Upsert, Format::Standard, text)
}

const HEADER: &str = "email,name,role,status,groups,remarks,action\n";

fn actions(plan: &Plan) -> Vec<(Option<usize>, Option<&str>, Action)> {
    plan.rows
        .iter()
        .map(|p| (p.row.row, p.row.email.as_deref(), p.row.action))
        .collect()
}

fn codes(plan: &Plan, row: usize) -> Vec<&str> {
    plan.rows
        .iter()
        .find(|p| p.row.row == Some(row))
        .map(|p| p.row.errors.iter().map(|e| e.code.as_str()).collect())
        .unwrap_or_default()
}

fn change<'p>(plan: &'p Plan, email: &str, field: &str) -> Option<(&'p str, &'p str)> {
    let p = plan
        .rows
        .iter()
        .find(|p| p.row.email.as_deref() == Some(email))?;
    let (old, new) = p.row.changes.get(field)?;
    Some((old.as_str(), new.as_str()))
}

#[test]
fn standard_rows_create_update_delete_and_leave_unchanged() {
    let dir = city();
    let text = format!(
        "{HEADER}new@x.jp,新人 一郎,learner,active,人事課,4月採用,\n\
         a@x.jp,利用者2,learner,active,総務部/人事課,,\n\
         e@x.jp,編集 花子,editor,disabled,,,\n\
         z@x.jp,,,,,,delete\n\
         nobody@x.jp,,,,,,delete\n"
    );
    let p = plan(&dir, &text);
    assert_eq!(
        actions(&p),
        [
            (Some(2), Some("new@x.jp"), Action::Create),
            (Some(3), Some("a@x.jp"), Action::Unchanged),
            (Some(4), Some("e@x.jp"), Action::Disable),
            (Some(5), Some("z@x.jp"), Action::Delete),
            (Some(6), Some("nobody@x.jp"), Action::Error),
        ]
    );
    assert_eq!(
        change(&p, "new@x.jp", "groups"),
        Some(("", "総務部/人事課"))
    );
    assert_eq!(change(&p, "new@x.jp", "remarks"), Some(("", "4月採用")));
    assert_eq!(change(&p, "e@x.jp", "name"), Some(("利用者3", "編集 花子")));
    assert_eq!(change(&p, "e@x.jp", "status"), Some(("active", "disabled")));
    assert_eq!(codes(&p, 6), ["unknown_user"]);
    assert_eq!(
        p.summary,
        Summary {
            create: 1,
            update: 0,
            disable: 1,
            delete: 1,
            unchanged: 1,
            errors: 1
        }
    );
    let Some(Effect::Change { to, .. }) = p.rows[3].effect.as_deref() else {
        panic!("delete has an effect");
    };
    assert!(to.deleted);
}

#[test]
fn groups_resolve_by_name_or_path_and_unknown_ones_are_created_once() {
    let dir = city();
    let text = format!(
        "{HEADER}a@x.jp,利用者2,learner,active,庶務係,,\n\
         b@x.jp,B,learner,active,財政部/庶務係;広報課,,\n\
         c@x.jp,C,learner,active,総務部/広報課;広報課,,\n"
    );
    let p = plan(&dir, &text);
    assert_eq!(codes(&p, 2), ["ambiguous_group"]);
    let message = &p.rows[0].row.errors[0].message;
    assert!(
        message.contains("総務部/人事課/庶務係、財政部/庶務係"),
        "{message}"
    );
    assert_eq!(p.rows[1].row.action, Action::Create);
    // 広報課 is the one 総務部/広報課 of row 4 creates.
    assert_eq!(
        change(&p, "b@x.jp", "groups"),
        Some(("", "総務部/広報課;財政部/庶務係"))
    );
    assert_eq!(p.new_groups, ["総務部/広報課"]);
    let p = plan(
        &dir,
        &format!(
            "{HEADER}b@x.jp,B,learner,active,企画課,,
"
        ),
    );
    assert_eq!(
        p.new_groups,
        ["企画課"],
        "a new name is a new top-level group"
    );
}

#[test]
fn users_in_the_trash_are_errors_for_standard_rows_and_left_alone_otherwise() {
    let mut dir = city();
    if let Some(k) = dir.users.get_mut("a@x.jp") {
        k.state.deleted = true;
    }
    let p = plan(&dir, &format!("{HEADER}a@x.jp,A,learner,active,,,\n"));
    assert_eq!(codes(&p, 2), ["in_trash"]);
    let p = plan(&dir, &format!("{HEADER}a@x.jp,,,,,,delete\n"));
    assert_eq!(p.rows[0].row.action, Action::Unchanged);
    let p = plan_with(
        &dir,
        &Reach::All,
        Mode::Sync,
        Format::Hr,
        "email,remarks\na@x.jp,異動\n",
    );
    assert_eq!(p.rows[0].row.action, Action::Unchanged);
}

#[test]
fn hr_rows_set_remarks_and_unknown_addresses_become_learners() {
    let dir = city();
    let p = plan_with(
        &dir,
        &Reach::All,
        Mode::Upsert,
        Format::Hr,
        "メールアドレス,備考\na@x.jp,人事課へ異動\nnew@x.jp,新規採用\ne@x.jp,\n",
    );
    assert_eq!(
        actions(&p),
        [
            (Some(2), Some("a@x.jp"), Action::Update),
            (Some(3), Some("new@x.jp"), Action::Create),
            (Some(4), Some("e@x.jp"), Action::Unchanged),
        ]
    );
    assert_eq!(change(&p, "a@x.jp", "remarks"), Some(("", "人事課へ異動")));
    assert_eq!(change(&p, "new@x.jp", "name"), None, "no name is no change");
    let Some(Effect::Create { to, .. }) = p.rows[1].effect.as_deref() else {
        panic!("create");
    };
    assert_eq!(
        (to.role, to.status, to.name.as_str()),
        (Role::Learner, "active", "")
    );
    assert!(p.mass_disable.is_none(), "upsert never disables");
}

#[test]
fn sync_disables_absent_learners_and_editors_never_admins_or_managers() {
    let mut dir = city();
    dir.users.insert(
        "off@x.jp".into(),
        user(6, Role::Learner, Status::Disabled, &[G_JINJI]),
    );
    dir.users.insert(
        "back@x.jp".into(),
        user(7, Role::Learner, Status::Disabled, &[G_JINJI]),
    );
    let p = plan_with(
        &dir,
        &Reach::All,
        Mode::Sync,
        Format::Hr,
        "email,remarks\nback@x.jp,\nbad,\n",
    );
    assert_eq!(
        actions(&p),
        [
            (Some(2), Some("back@x.jp"), Action::Update),
            (Some(3), Some("bad"), Action::Error),
            (None, Some("a@x.jp"), Action::Disable),
            (None, Some("e@x.jp"), Action::Disable),
            (None, Some("z@x.jp"), Action::Disable),
        ]
    );
    assert_eq!(
        change(&p, "back@x.jp", "status"),
        Some(("disabled", "active"))
    );
    assert_eq!(change(&p, "z@x.jp", "status"), Some(("active", "disabled")));
    let mass = p.mass_disable.unwrap();
    assert_eq!((mass.disable, mass.active), (3, 5));
    assert!(mass.confirmation_required);
}

#[test]
fn a_bad_row_still_keeps_its_user_from_being_disabled_by_sync() {
    let dir = city();
    let p = plan_with(
        &dir,
        &Reach::All,
        Mode::Sync,
        Format::Hr,
        &format!(
            "email,remarks\na@x.jp,\"{}\"\ne@x.jp,\nz@x.jp,\n",
            "長".repeat(501)
        ),
    );
    assert_eq!(codes(&p, 2), ["too_long"]);
    assert_eq!(p.rows[0].row.email.as_deref(), Some("a@x.jp"));
    assert_eq!(p.summary.disable, 0);
    assert!(!p.mass_disable.unwrap().confirmation_required);
}

#[test]
fn managers_reach_only_learners_of_their_groups() {
    let mut dir = city();
    // a@ is also in 財政部, which the manager does not manage.
    if let Some(k) = dir.users.get_mut("a@x.jp") {
        k.state.groups.insert(G_ZAISEI);
    }
    let reach = Reach::Managed([G_SOMU, G_JINJI, G_SHOMU_A].into_iter().collect());
    let text = format!(
        "{HEADER}a@x.jp,新しい名前,learner,active,人事課,,\n\
         z@x.jp,Z,learner,active,人事課,,\n\
         admin@x.jp,A,learner,active,人事課,,\n\
         n1@x.jp,N,editor,active,人事課,,\n\
         n2@x.jp,N,learner,active,財政部,,\n\
         n3@x.jp,N,learner,active,新しい課,,\n\
         n4@x.jp,N,learner,active,,,\n\
         n5@x.jp,N,learner,active,総務部,,\n"
    );
    let p = plan_with(&dir, &reach, Mode::Upsert, Format::Standard, &text);
    assert_eq!(p.rows[0].row.action, Action::Update);
    // The membership the manager does not see is kept, and not shown.
    let Some(Effect::Change { to, .. }) = p.rows[0].effect.as_deref() else {
        panic!("update");
    };
    assert!(to.groups.contains(&GroupRef::Existing(G_ZAISEI)));
    assert_eq!(p.rows[0].row.changes.get("groups"), None);
    assert_eq!(codes(&p, 3), ["out_of_scope"]);
    assert_eq!(codes(&p, 4), ["out_of_scope"]);
    assert_eq!(codes(&p, 5), ["role_not_allowed"]);
    assert_eq!(codes(&p, 6), ["group_not_managed"]);
    assert_eq!(codes(&p, 7), ["unknown_group"]);
    assert_eq!(codes(&p, 8), ["group_required"]);
    assert_eq!(p.rows[7].row.action, Action::Create);
    assert!(
        p.rows[1].row.errors[0].message.contains("管理するグループ"),
        "a Japanese reason"
    );
    let hr = plan_with(
        &dir,
        &reach,
        Mode::Sync,
        Format::Hr,
        "email,remarks\nnew@x.jp,\n",
    );
    assert_eq!(codes(&hr, 2), ["cannot_create"]);
    // Only the manager's learners are candidates for disabling.
    let disabled: Vec<_> = hr.rows.iter().filter(|p| p.row.row.is_none()).collect();
    assert_eq!(disabled.len(), 1);
    assert_eq!(disabled[0].row.email.as_deref(), Some("a@x.jp"));
    assert_eq!(hr.mass_disable.unwrap().active, 1);
}

#[test]
fn nobody_imports_away_the_last_admin_or_their_own_admin_rights() {
    let dir = city();
    let p = plan(
        &dir,
        &format!("{HEADER}admin@x.jp,利用者1,learner,active,,,\n"),
    );
    assert_eq!(codes(&p, 2), ["lock_out"]);
    assert!(p.rows[0].row.errors[0].message.contains("自分自身"));
    // From the command line: the last admin.
    let cli = Planner {
        dir: &dir,
        reach: &Reach::All,
        actor: None,
        mode: Mode::Upsert,
        max_disable_share: 0.1,
    }
    .plan(&read(
        Format::Standard,
        format!("{HEADER}admin@x.jp,,,,,,delete\n").as_bytes(),
    ));
    assert_eq!(codes(&cli, 2), ["lock_out"]);
    assert!(cli.rows[0].row.errors[0].message.contains("最後の"));
    // With a new admin in the same file it is fine.
    let ok = Planner {
        dir: &dir,
        reach: &Reach::All,
        actor: None,
        mode: Mode::Upsert,
        max_disable_share: 0.1,
    }
    .plan(&read(
        Format::Standard,
        format!("{HEADER}admin@x.jp,,,,,,delete\nnew@x.jp,新管理者,admin,active,,,\n").as_bytes(),
    ));
    assert_eq!(ok.summary.errors, 0);
}

#[test]
fn unreadable_files_are_one_error_row_and_cell_errors_keep_file_order() {
    let dir = city();
    let p = plan(&dir, "名前だけ\n山田\n");
    assert!(p.rows.iter().all(|r| r.row.action == Action::Error));
    assert_eq!(p.rows[0].row.row, Some(1));
    let p = plan(
        &dir,
        &format!(
            "{HEADER}x@x.jp,X,learner,active,,,\nbad,Y,learner,active,,,\ny@x.jp,,learner,active,,,\n"
        ),
    );
    assert_eq!(
        actions(&p),
        [
            (Some(2), Some("x@x.jp"), Action::Create),
            (Some(3), Some("bad"), Action::Error),
            (Some(4), Some("y@x.jp"), Action::Error),
        ]
    );
}

#[test]
fn the_digest_is_stable_and_changes_with_the_catalog() {
    let dir = city();
    let text = format!("{HEADER}a@x.jp,新しい名前,learner,active,人事課,,\n");
    let a = plan(&dir, &text).digest();
    assert_eq!(a, plan(&dir, &text).digest());
    let mut changed = city();
    if let Some(k) = changed.users.get_mut("a@x.jp") {
        k.state.name = "別の名前".into();
    }
    assert_ne!(a, plan(&changed, &text).digest());
}

#[test]
fn a_blank_name_is_required_except_for_a_user_whose_name_is_blank() {
    let mut dir = city();
    // Created by an HR import: an address and remarks, no name.
    let mut nameless = user(6, Role::Learner, Status::Active, &[]);
    nameless.state.name.clear();
    dir.users.insert("hr@x.jp".into(), nameless);
    let text = format!(
        "{HEADER}hr@x.jp,,learner,active,,,\n\
         a@x.jp,,learner,active,総務部/人事課,,\n\
         new@x.jp,,learner,active,,,\n"
    );
    let p = plan(&dir, &text);
    assert_eq!(
        actions(&p),
        [
            (Some(2), Some("hr@x.jp"), Action::Unchanged),
            (Some(3), Some("a@x.jp"), Action::Error),
            (Some(4), Some("new@x.jp"), Action::Error),
        ]
    );
    assert_eq!(codes(&p, 3), ["required"]);
    assert_eq!(codes(&p, 4), ["required"]);
}
