//! The directory the planner runs against — the planner's tests' city — and
//! what `imports::apply` would make of it for a plan.

use catalog::csvfile;
use catalog::imports::Plan;
use catalog::imports::effect::{Effect, GroupRef};
use catalog::imports::state::{Directory, GroupTree, Known, Reach, UserState};
use domain::{GroupId, Role, UserId};

/// The importing admin.
pub const ADMIN: UserId = UserId::new(1);
/// The importing manager (of 総務部).
pub const MANAGER: UserId = UserId::new(4);
const G_SOMU: GroupId = GroupId::new(1);
const G_JINJI: GroupId = GroupId::new(2);
const G_ZAISEI: GroupId = GroupId::new(3);
const G_SHOMU_A: GroupId = GroupId::new(4);
const G_SHOMU_B: GroupId = GroupId::new(5);

/// 総務部 → 人事課 → 庶務係, 財政部 → 庶務係.
fn group_rows() -> Vec<(GroupId, String, Option<GroupId>)> {
    vec![
        (G_SOMU, "総務部".into(), None),
        (G_JINJI, "人事課".into(), Some(G_SOMU)),
        (G_ZAISEI, "財政部".into(), None),
        (G_SHOMU_A, "庶務係".into(), Some(G_JINJI)),
        (G_SHOMU_B, "庶務係".into(), Some(G_ZAISEI)),
    ]
}

/// The planner's tests' city, plus a second admin, a disabled learner and a
/// user in the trash (the seeds name these addresses), in [`group_rows`].
pub fn directory() -> Directory {
    let user = |id, role, status, groups: &[GroupId], deleted| Known {
        id: UserId::new(id),
        state: UserState {
            name: format!("利用者{id}"),
            role,
            status,
            remarks: String::new(),
            groups: groups.iter().copied().collect(),
            deleted,
        },
    };
    use csvfile::Status::{Active, Disabled};
    let users = [
        ("admin@x.jp", user(1, Role::Admin, Active, &[], false)),
        ("a@x.jp", user(2, Role::Learner, Active, &[G_JINJI], false)),
        ("e@x.jp", user(3, Role::Editor, Active, &[], false)),
        ("m@x.jp", user(4, Role::Manager, Active, &[G_SOMU], false)),
        ("z@x.jp", user(5, Role::Learner, Active, &[G_ZAISEI], false)),
        ("admin2@x.jp", user(6, Role::Admin, Active, &[], false)),
        (
            "d@x.jp",
            user(7, Role::Learner, Disabled, &[G_SHOMU_A], false),
        ),
        ("t@x.jp", user(8, Role::Learner, Active, &[G_JINJI], true)),
    ];
    Directory {
        users: users
            .into_iter()
            .map(|(email, known)| (email.to_owned(), known))
            .collect(),
        groups: GroupTree::from_rows(&group_rows()),
    }
}

/// The manager's reach: 総務部 and below.
pub fn managed() -> Reach {
    Reach::Managed([G_SOMU, G_JINJI, G_SHOMU_A].into_iter().collect())
}

/// `dir` after `plan` is applied, as `imports::apply` writes it: each new
/// path created segment by segment under the existing part (the oldest group
/// of a name and parent), then every effect's target state.
pub fn applied(dir: &Directory, plan: &Plan) -> Directory {
    let mut groups = group_rows();
    let mut created = std::collections::HashMap::new();
    for path in &plan.new_groups {
        let mut parent = None;
        for name in path.split('/') {
            let existing = groups
                .iter()
                .filter(|(_, n, p)| n == name && *p == parent)
                .map(|(id, _, _)| *id)
                .min();
            let id = existing.unwrap_or_else(|| {
                let id = GroupId::new(100 + groups.len() as i64);
                groups.push((id, name.to_owned(), parent));
                id
            });
            parent = Some(id);
        }
        created.insert(
            path.clone(),
            parent.expect("a new group with an empty path"),
        );
    }
    let mut users = dir.users.clone();
    for (n, p) in plan.rows.iter().enumerate() {
        let (id, email, to) = match p.effect.as_deref() {
            None => continue,
            Some(Effect::Create { email, to }) => (UserId::new(1000 + n as i64), email, to),
            Some(Effect::Change { id, email, to }) => (*id, email, to),
        };
        let state = UserState {
            name: to.name.clone(),
            role: to.role,
            status: to.status.parse().expect("a planned status"),
            remarks: to.remarks.clone(),
            groups: to
                .groups
                .iter()
                .map(|g| match g {
                    GroupRef::Existing(id) => *id,
                    GroupRef::New(path) => created[path],
                })
                .collect(),
            deleted: to.deleted,
        };
        users.insert(email.clone(), Known { id, state });
    }
    Directory {
        users,
        groups: GroupTree::from_rows(&groups),
    }
}
