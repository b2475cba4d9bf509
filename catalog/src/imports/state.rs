//! What an import reads of the catalog before it plans: every user's state by
//! e-mail, the group tree with paths, and the caller's reach. Loaded once per
//! plan with a few full-table reads (a 100,000-user directory is two queries,
//! not 100,000).

use crate::csvfile::Status;
use crate::people::Scope;
use domain::{Email, GroupId, Role, UserId};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet};

/// The part of a user an import reads and writes (and undo restores).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserState {
    /// 氏名.
    pub name: String,
    /// The role.
    pub role: Role,
    /// Active or disabled.
    #[serde(with = "status_text")]
    pub status: Status,
    /// 備考.
    pub remarks: String,
    /// Its groups.
    pub groups: GroupSet,
    /// In the trash.
    pub deleted: bool,
}

impl UserState {
    /// Counts towards the active admins that keep the service manageable.
    pub fn is_active_admin(&self) -> bool {
        self.role == Role::Admin && self.status == Status::Active && !self.deleted
    }
}

/// A user's groups: sorted, without repeats — a small vector rather than a
/// tree, since a 100,000-user directory holds one per user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Vec<GroupId>")]
pub struct GroupSet(Vec<GroupId>);

impl GroupSet {
    /// The groups in id order.
    pub fn iter(&self) -> std::slice::Iter<'_, GroupId> {
        self.0.iter()
    }

    /// Whether it holds `group`.
    pub fn contains(&self, group: &GroupId) -> bool {
        self.0.binary_search(group).is_ok()
    }

    /// Adds `group`.
    pub fn insert(&mut self, group: GroupId) {
        if let Err(at) = self.0.binary_search(&group) {
            self.0.insert(at, group);
        }
    }
}

impl From<Vec<GroupId>> for GroupSet {
    fn from(mut groups: Vec<GroupId>) -> Self {
        groups.sort_unstable();
        groups.dedup();
        groups.shrink_to_fit();
        Self(groups)
    }
}

impl FromIterator<GroupId> for GroupSet {
    fn from_iter<I: IntoIterator<Item = GroupId>>(iter: I) -> Self {
        Self::from(iter.into_iter().collect::<Vec<_>>())
    }
}

impl<'a> IntoIterator for &'a GroupSet {
    type Item = &'a GroupId;
    type IntoIter = std::slice::Iter<'a, GroupId>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

mod status_text {
    use crate::csvfile::Status;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(status: &Status, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(status.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Status, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A registered user (possibly in the trash).
#[derive(Debug, Clone)]
pub struct Known {
    /// Its id.
    pub id: UserId,
    /// Its state now.
    pub state: UserState,
}

/// Every user by normalised e-mail, and the groups.
#[derive(Debug, Default)]
pub struct Directory {
    /// Users by e-mail (`Email::as_str`), those in the trash included.
    pub users: HashMap<String, Known>,
    /// The group tree.
    pub groups: GroupTree,
}

impl Directory {
    /// Reads every user and group.
    pub fn load(conn: &Connection) -> rusqlite::Result<Self> {
        let mut members: HashMap<i64, Vec<GroupId>> = HashMap::new();
        let mut stmt = conn.prepare("SELECT user_id, group_id FROM group_members")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            members
                .entry(r.get(0)?)
                .or_default()
                .push(GroupId::new(r.get(1)?));
        }
        let mut users = HashMap::new();
        let mut stmt = conn.prepare(
            "SELECT id, email, name, role, status, remarks, deleted_at IS NOT NULL FROM users",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let groups = members.remove(&id).map(GroupSet::from).unwrap_or_default();
            let state = state_from_row(r, groups)?;
            users.insert(
                r.get(1)?,
                Known {
                    id: UserId::new(id),
                    state,
                },
            );
        }
        Ok(Self {
            users,
            groups: GroupTree::load(conn)?,
        })
    }

    /// The user with this e-mail, if registered.
    pub fn user(&self, email: &Email) -> Option<&Known> {
        self.users.get(email.as_str())
    }

    /// How many active admins there are.
    pub fn active_admins(&self) -> usize {
        self.users
            .values()
            .filter(|k| k.state.is_active_admin())
            .count()
    }
}

fn state_from_row(r: &rusqlite::Row<'_>, groups: GroupSet) -> rusqlite::Result<UserState> {
    let bad = |i: usize, e: Box<dyn std::error::Error + Send + Sync>| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e)
    };
    Ok(UserState {
        name: r.get(2)?,
        role: r
            .get::<_, String>(3)?
            .parse()
            .map_err(|e| bad(3, Box::new(e)))?,
        status: r
            .get::<_, String>(4)?
            .parse()
            .map_err(|e| bad(4, Box::new(e)))?,
        remarks: r.get(5)?,
        groups,
        deleted: r.get(6)?,
    })
}

/// A digest of everything a plan reads — every user's e-mail and state, the
/// groups, their members and their managers — read in key order. Equal
/// fingerprints mean a plan made from either would be the same, so apply can
/// plan outside the write lock and only check this inside it.
pub fn fingerprint(conn: &Connection) -> rusqlite::Result<String> {
    use rusqlite::types::ValueRef;
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for sql in [
        "SELECT id, email, name, role, status, remarks, deleted_at IS NOT NULL FROM users ORDER BY id",
        "SELECT group_id, user_id FROM group_members ORDER BY group_id, user_id",
        "SELECT id, name, parent_id FROM groups ORDER BY id",
        "SELECT group_id, user_id FROM group_managers ORDER BY group_id, user_id",
    ] {
        let mut stmt = conn.prepare_cached(sql)?;
        let width = stmt.column_count();
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            for i in 0..width {
                match r.get_ref(i)? {
                    ValueRef::Null => hash.update([0]),
                    ValueRef::Integer(n) => {
                        hash.update([1]);
                        hash.update(n.to_le_bytes());
                    }
                    ValueRef::Real(x) => {
                        hash.update([2]);
                        hash.update(x.to_le_bytes());
                    }
                    ValueRef::Text(b) | ValueRef::Blob(b) => {
                        hash.update([3]);
                        hash.update((b.len() as u64).to_le_bytes());
                        hash.update(b);
                    }
                }
            }
        }
        hash.update([0xFF]);
    }
    Ok(hex::encode(hash.finalize()))
}

/// One user's state now (in the trash or not).
pub fn load_user(conn: &Connection, id: UserId) -> rusqlite::Result<Option<UserState>> {
    let mut stmt = conn.prepare_cached("SELECT group_id FROM group_members WHERE user_id = ?1")?;
    let groups = stmt
        .query_map([id.get()], |r| Ok(GroupId::new(r.get(0)?)))?
        .collect::<Result<GroupSet, _>>()?;
    conn.query_row(
        "SELECT id, email, name, role, status, remarks, deleted_at IS NOT NULL FROM users WHERE id = ?1",
        [id.get()],
        |r| state_from_row(r, groups),
    )
    .optional()
}

/// How a group cell's name or path matches the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// Exactly this group.
    Group(GroupId),
    /// No such group: this path (`総務部/広報課`) would be created.
    Missing(String),
    /// Several groups have this name: their paths.
    Ambiguous(Vec<String>),
}

/// The group tree: each group's path (`総務部/人事課`), and lookups by path
/// and by bare name.
#[derive(Debug, Default)]
pub struct GroupTree {
    paths: HashMap<GroupId, String>,
    by_path: HashMap<String, GroupId>,
    by_name: HashMap<String, Vec<GroupId>>,
}

impl GroupTree {
    /// Reads every group.
    pub fn load(conn: &Connection) -> rusqlite::Result<Self> {
        let mut stmt = conn.prepare("SELECT id, name, parent_id FROM groups ORDER BY id")?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    GroupId::new(r.get(0)?),
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<i64>>(2)?.map(GroupId::new),
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::from_rows(&rows))
    }

    /// The tree of `(id, name, parent)` rows.
    pub fn from_rows(rows: &[(GroupId, String, Option<GroupId>)]) -> Self {
        let nodes: HashMap<GroupId, (&str, Option<GroupId>)> = rows
            .iter()
            .map(|(id, name, parent)| (*id, (name.as_str(), *parent)))
            .collect();
        let mut tree = Self::default();
        for (id, name, _) in rows {
            let mut names = vec![name.as_str()];
            let mut at = nodes.get(id).and_then(|n| n.1);
            // The depth bound guards against a cycle in a damaged table.
            while let Some(parent) = at.filter(|_| names.len() <= rows.len()) {
                let Some((name, up)) = nodes.get(&parent) else {
                    break;
                };
                names.push(name);
                at = *up;
            }
            names.reverse();
            let path = names.join("/");
            // Two top-level groups may share a name (NULL parents are distinct
            // in a UNIQUE constraint); the older one owns the path.
            tree.by_path.entry(path.clone()).or_insert(*id);
            tree.paths.insert(*id, path);
            tree.by_name.entry(name.clone()).or_default().push(*id);
        }
        tree
    }

    /// The path of a group.
    pub fn path(&self, id: GroupId) -> Option<&str> {
        self.paths.get(&id).map(String::as_str)
    }

    /// The groups that the paths among `cells` would add to the tree.
    pub fn pending<'a>(&self, cells: impl IntoIterator<Item = &'a str>) -> Pending {
        let mut pending = Pending::default();
        for text in cells.into_iter().filter(|t| t.contains('/')) {
            let path = normalise_path(text);
            let names: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
            for depth in 1..=names.len() {
                let prefix = names[..depth].join("/");
                if !self.by_path.contains_key(&prefix) {
                    pending
                        .by_name
                        .entry(names[depth - 1].to_owned())
                        .or_default()
                        .insert(prefix);
                }
            }
        }
        pending
    }

    /// Finds a group by path (`総務部/人事課`, from the top) or by bare name
    /// (`人事課`): the one group with that name, counting those `pending`
    /// from paths elsewhere in the same file — so that the file means the
    /// same before and after it is applied.
    pub fn find(&self, text: &str, pending: &Pending) -> Found {
        if text.contains('/') {
            let path = normalise_path(text);
            return match self.by_path.get(&path) {
                Some(&id) => Found::Group(id),
                None => Found::Missing(path),
            };
        }
        let name = text.trim();
        let existing = self.by_name.get(name).map_or(&[][..], Vec::as_slice);
        let planned = pending.by_name.get(name);
        match (existing, planned.map_or(0, BTreeSet::len)) {
            ([], 0) => Found::Missing(name.to_owned()),
            (&[id], 0) => Found::Group(id),
            ([], 1) => Found::Missing(planned.and_then(|p| p.first()).cloned().unwrap_or_default()),
            (ids, _) => {
                let mut paths: Vec<String> = ids
                    .iter()
                    .filter_map(|id| self.path(*id).map(str::to_owned))
                    .chain(planned.into_iter().flatten().cloned())
                    .collect();
                paths.sort();
                Found::Ambiguous(paths)
            }
        }
    }
}

/// Groups a file's paths would create, by their own name.
#[derive(Debug, Default)]
pub struct Pending {
    by_name: HashMap<String, BTreeSet<String>>,
}

/// `/ 総務部 / 人事課/` → `総務部/人事課`.
pub fn normalise_path(text: &str) -> String {
    text.split('/')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("/")
}

/// Whom a caller's import may touch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// Everyone (admins, the command line).
    All,
    /// Learners in these groups (a manager's groups and their sub-groups).
    Managed(HashSet<GroupId>),
}

impl Reach {
    /// The reach of `scope`.
    pub fn load(conn: &Connection, scope: Scope) -> rusqlite::Result<Self> {
        Ok(match scope {
            Scope::All => Reach::All,
            Scope::ManagedBy(manager) => Reach::Managed(
                crate::groups::managed_by(conn, manager)?
                    .into_iter()
                    .collect(),
            ),
        })
    }

    /// Whether a user in `state` is within reach (as `people::in_scope`).
    pub fn covers(&self, state: &UserState) -> bool {
        match self {
            Reach::All => true,
            Reach::Managed(groups) => {
                state.role == Role::Learner
                    && !state.deleted
                    && state.groups.iter().any(|g| groups.contains(g))
            }
        }
    }

    /// Whether the caller may put users in `group`.
    pub fn may_use(&self, group: GroupId) -> bool {
        match self {
            Reach::All => true,
            Reach::Managed(groups) => groups.contains(&group),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_found_by_path_or_by_an_unambiguous_name() {
        let g = GroupId::new;
        let tree = GroupTree::from_rows(&[
            (g(1), "総務部".into(), None),
            (g(2), "人事課".into(), Some(g(1))),
            (g(3), "財政部".into(), None),
            (g(4), "庶務係".into(), Some(g(2))),
            (g(5), "庶務係".into(), Some(g(3))),
        ]);
        assert_eq!(tree.path(g(4)), Some("総務部/人事課/庶務係"));
        let none = Pending::default();
        assert_eq!(tree.find("人事課", &none), Found::Group(g(2)));
        assert_eq!(tree.find(" 総務部 / 人事課 ", &none), Found::Group(g(2)));
        assert_eq!(
            tree.find("/総務部/人事課/庶務係/", &none),
            Found::Group(g(4))
        );
        assert_eq!(
            tree.find("庶務係", &none),
            Found::Ambiguous(vec!["総務部/人事課/庶務係".into(), "財政部/庶務係".into()])
        );
        assert_eq!(tree.find("広報課", &none), Found::Missing("広報課".into()));
        assert_eq!(
            tree.find("総務部/広報課", &none),
            Found::Missing("総務部/広報課".into())
        );
        // Names count the groups other paths of the same file create.
        let pending = tree.pending(["企画部/広報課", "総務部/人事課", "総務部/広報課/報道係"]);
        assert_eq!(
            tree.find("企画部", &pending),
            Found::Missing("企画部".into())
        );
        assert_eq!(
            tree.find("報道係", &pending),
            Found::Missing("総務部/広報課/報道係".into())
        );
        assert_eq!(
            tree.find("広報課", &pending),
            Found::Ambiguous(vec!["企画部/広報課".into(), "総務部/広報課".into()])
        );
        assert_eq!(tree.find("人事課", &pending), Found::Group(g(2)));
    }
}
