//! The import planner on the [`city`](crate::city), for both formats, both
//! modes and an admin's and a manager's reach: its reading of the file is the
//! import's, and its plan is deterministic, counts its rows, numbers file rows
//! in order, touches each user at most once, stays within a manager's reach,
//! never leaves the service without an active admin nor demotes the importing
//! admin — and, once applied, leaves nothing to do for the same file.

use crate::city::{self, ADMIN, MANAGER};
use crate::file::Read;
use catalog::csvfile::{self, CellError, Encoding, FileError, Import};
use catalog::imports::effect::{Effect, GroupRef};
use catalog::imports::plan::Planner;
use catalog::imports::read::{FileRows, Parsed};
use catalog::imports::state::Reach;
use catalog::imports::{Action, Mode, Plan};
use domain::Role;
use std::collections::{BTreeSet, HashSet};

/// Plans `data` every way and checks each plan.
pub fn check(data: &[u8], read: Read) {
    let dir = city::directory();
    for (format, read) in [
        (
            csvfile::Format::Standard,
            read.standard.map(|i| i.map_rows(FileRows::Standard)),
        ),
        (
            csvfile::Format::Hr,
            read.hr.map(|i| i.map_rows(FileRows::Hr)),
        ),
    ] {
        let parsed = catalog::imports::read(format, data);
        same_as_read(&parsed, &read, data);
        for (reach, actor) in [(Reach::All, ADMIN), (city::managed(), MANAGER)] {
            for mode in [Mode::Upsert, Mode::Sync] {
                let planner = Planner {
                    dir: &dir,
                    reach: &reach,
                    actor: Some(actor),
                    mode,
                    max_disable_share: 0.1,
                };
                let plan = planner.plan(&parsed);
                // Once per format: hashing the plan is most of an execution.
                if mode == Mode::Sync && actor == ADMIN {
                    let again = planner.plan(&parsed);
                    assert_eq!(plan.digest(), again.digest(), "planned twice");
                }
                check_plan(&planner, &parsed, &plan);
                let after = city::applied(&dir, &plan);
                let again = Planner {
                    dir: &after,
                    ..planner.clone()
                }
                .plan(&parsed);
                check_applied(&plan, &again);
            }
        }
    }
}

trait MapRows<T> {
    fn map_rows(self, f: impl FnOnce(Vec<T>) -> FileRows) -> (Encoding, FileRows, Vec<CellError>);
}

impl<T> MapRows<T> for Import<T> {
    fn map_rows(self, f: impl FnOnce(Vec<T>) -> FileRows) -> (Encoding, FileRows, Vec<CellError>) {
        (self.encoding, f(self.mapped.rows), self.mapped.errors)
    }
}

/// The planner's reading of the file is the import's.
fn same_as_read(
    parsed: &Parsed,
    read: &Result<(Encoding, FileRows, Vec<CellError>), FileError>,
    data: &[u8],
) {
    match read {
        Ok((encoding, rows, errors)) => {
            assert_eq!(parsed.encoding, Some(*encoding));
            assert_eq!(&parsed.errors, errors);
            match (&parsed.rows, rows) {
                (FileRows::Standard(a), FileRows::Standard(b)) => assert_eq!(a, b),
                (FileRows::Hr(a), FileRows::Hr(b)) => assert_eq!(a, b),
                _ => panic!("imports::read gave the other format"),
            }
        }
        Err(e) => {
            assert_eq!(parsed.errors, e.problems());
            let encoding = csvfile::decode(data).ok().map(|d| d.encoding);
            assert_eq!(parsed.encoding, encoding);
            let empty = match &parsed.rows {
                FileRows::Standard(rows) => rows.is_empty(),
                FileRows::Hr(rows) => rows.is_empty(),
            };
            assert!(empty, "rows from an unreadable file");
        }
    }
}

fn check_plan(planner: &Planner<'_>, parsed: &Parsed, plan: &Plan) {
    let dir = planner.dir;
    let s = plan.summary;
    let counted = s.create + s.update + s.disable + s.delete + s.unchanged + s.errors;
    assert_eq!(counted, plan.rows.len(), "summary {s:?}");
    assert_eq!(plan.mass_disable.is_some(), planner.mode == Mode::Sync);

    // File rows first, in order, each once: the valid rows and the bad ones.
    let mut expected: BTreeSet<usize> = parsed.errors.iter().map(|e| e.row).collect();
    match &parsed.rows {
        FileRows::Standard(rows) => expected.extend(rows.iter().map(|r| r.row)),
        FileRows::Hr(rows) => expected.extend(rows.iter().map(|r| r.row)),
    }
    let numbered: Vec<usize> = plan.rows.iter().map_while(|p| p.row.row).collect();
    assert_eq!(
        numbered,
        expected.into_iter().collect::<Vec<_>>(),
        "plan rows"
    );
    for p in &plan.rows[numbered.len()..] {
        assert_eq!(p.row.row, None, "numbered row after the disables");
        assert_eq!(planner.mode, Mode::Sync, "an unnumbered row in an upsert");
        assert!(
            matches!(p.row.action, Action::Disable | Action::Error),
            "{:?}",
            p.row
        );
    }

    let mut touched = HashSet::new();
    let mut admins = dir.active_admins();
    let mut actor_admin = dir
        .users
        .values()
        .any(|k| Some(k.id) == planner.actor && k.state.is_active_admin());
    for p in &plan.rows {
        let action = p.row.action;
        assert_eq!(
            action == Action::Error,
            !p.row.errors.is_empty(),
            "{:?}",
            p.row
        );
        let changes = matches!(
            action,
            Action::Create | Action::Update | Action::Disable | Action::Delete
        );
        assert_eq!(p.effect.is_some(), changes, "{:?}", p.row);
        let Some(effect) = p.effect.as_deref() else {
            continue;
        };
        let (email, to, before) = match effect {
            Effect::Create { email, to } => {
                assert_eq!(action, Action::Create);
                assert!(!dir.users.contains_key(email), "creates existing {email}");
                (email, to, None)
            }
            Effect::Change { id, email, to } => {
                let known = dir.users.get(email).expect("changes an unknown user");
                assert_eq!(known.id, *id);
                assert!(!known.state.deleted, "changes {email} in the trash");
                assert!(planner.reach.covers(&known.state), "{email} out of reach");
                assert_eq!(to.deleted, action == Action::Delete, "{:?}", p.row);
                (email, to, Some(known))
            }
        };
        assert!(touched.insert(email.clone()), "{email} touched twice");
        assert_eq!(p.row.email.as_ref(), Some(email));
        if let Reach::Managed(_) = planner.reach {
            assert_eq!(
                to.role,
                Role::Learner,
                "a manager's import makes a {:?}",
                to.role
            );
            for g in &to.groups {
                let GroupRef::Existing(id) = g else {
                    panic!("a manager's import creates group {g:?}");
                };
                let kept = before.is_some_and(|k| k.state.groups.contains(id));
                assert!(
                    kept || planner.reach.may_use(*id),
                    "group {id:?} not theirs"
                );
            }
        }
        let was = before.is_some_and(|k| k.state.is_active_admin());
        match (was, to.is_active_admin()) {
            (true, false) => {
                admins -= 1;
                if before.is_some_and(|k| Some(k.id) == planner.actor) {
                    actor_admin = false;
                }
            }
            (false, true) => admins += 1,
            _ => {}
        }
    }
    assert!(admins >= 1, "the plan leaves no active admin");
    if *planner.reach == Reach::All {
        assert!(actor_admin, "the plan demotes the importing admin");
    }
}

/// The same file planned again after it was applied changes nothing: "a
/// file means the same before and after it is applied" (the planner's doc).
fn check_applied(first: &Plan, again: &Plan) {
    for p in &again.rows {
        assert!(
            matches!(p.row.action, Action::Unchanged | Action::Error),
            "planned again after apply: {:?}\nfirst plan: {:?}",
            p.row,
            first
                .rows
                .iter()
                .find(|f| f.row.row == p.row.row)
                .map(|f| &f.row)
        );
    }
    assert!(
        again.new_groups.is_empty(),
        "new groups again: {:?}",
        again.new_groups
    );
    let errors = |plan: &Plan| -> Vec<(Option<usize>, Vec<String>)> {
        plan.rows
            .iter()
            .filter(|p| p.row.action == Action::Error)
            .map(|p| {
                (
                    p.row.row,
                    p.row.errors.iter().map(|e| e.code.clone()).collect(),
                )
            })
            .collect()
    };
    assert_eq!(errors(again), errors(first), "other errors after apply");
}
