//! What a plan is made of: the state a row brings a user to, the effect apply
//! gives it, the rows of a whole file with their counts, and the plan's
//! digest — equal digests mean apply would do exactly what was previewed.

use super::state::UserState;
use super::{Row, Summary};
use domain::{GroupId, Role, UserId};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// A group a planned user belongs to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum GroupRef {
    /// An existing group.
    Existing(GroupId),
    /// A group apply creates (its path).
    New(String),
}

/// The state a planned row brings a user to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// 氏名.
    pub name: String,
    /// The role.
    pub role: Role,
    /// `active` or `disabled`.
    pub status: &'static str,
    /// 備考.
    pub remarks: String,
    /// Every group (sorted).
    pub groups: BTreeSet<GroupRef>,
    /// In the trash.
    pub deleted: bool,
}

impl Target {
    /// `state` as a target (to change from).
    pub(super) fn of(state: &UserState) -> Self {
        Self {
            name: state.name.clone(),
            role: state.role,
            status: state.status.as_str(),
            remarks: state.remarks.clone(),
            groups: state
                .groups
                .iter()
                .map(|g| GroupRef::Existing(*g))
                .collect(),
            deleted: state.deleted,
        }
    }

    /// Counts towards the active admins.
    pub fn is_active_admin(&self) -> bool {
        self.role == Role::Admin && self.status == "active" && !self.deleted
    }
}

/// What apply does for a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Effect {
    /// Create the user.
    Create {
        /// Its login id.
        email: String,
        /// Its state.
        to: Target,
    },
    /// Bring an existing user to `to`.
    Change {
        /// The user.
        id: UserId,
        /// Its login id.
        email: String,
        /// Its new state.
        to: Target,
    },
}

/// One row of the plan: what the preview shows, and what apply does.
#[derive(Debug, Clone, Serialize)]
pub struct Planned {
    /// The preview row.
    pub row: Row,
    /// The change (none for unchanged and error rows; boxed: most rows of a
    /// big file are unchanged).
    pub effect: Option<Box<Effect>>,
}

/// A sync's disables against the active users within reach.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct MassDisable {
    /// Users the sync disables.
    pub disable: usize,
    /// Active users within the importer's reach now.
    pub active: usize,
    /// The largest share disabled without confirmation
    /// (`catalog.import_max_disable_share`).
    pub max_share: f64,
    /// Apply needs `{"confirm_mass_disable": true}`.
    pub confirmation_required: bool,
}

impl MassDisable {
    pub(super) fn new(disable: usize, active: usize, max_share: f64) -> Self {
        Self {
            disable,
            active,
            max_share,
            confirmation_required: active > 0 && disable as f64 > max_share * active as f64,
        }
    }
}

/// The plan of a whole file.
#[derive(Debug, Clone)]
pub struct Plan {
    /// File rows in file order, then the users a sync disables (`row: null`).
    pub rows: Vec<Planned>,
    /// Paths of the groups apply creates.
    pub new_groups: Vec<String>,
    /// Counts per action.
    pub summary: Summary,
    /// For sync imports.
    pub mass_disable: Option<MassDisable>,
}

impl Plan {
    /// SHA-256 of everything apply would do and the preview shows: equal
    /// digests mean an identical plan.
    pub fn digest(&self) -> String {
        let mut hasher = HashWriter(Sha256::new());
        // Serialising these plain types into a hasher cannot fail.
        let _ = serde_json::to_writer(&mut hasher, &(&self.rows, &self.new_groups));
        hex::encode(hasher.0.finalize())
    }
}

struct HashWriter(Sha256);

impl std::io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
