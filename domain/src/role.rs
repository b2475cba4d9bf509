//! The four roles. Higher roles include what lower roles may do, except that
//! editing content and managing people are separate duties.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a user may do in the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Runs the service for the ward: everything.
    Admin,
    /// 受講管理者: manages the users of their groups and reads their reports.
    Manager,
    /// Publishes courses and uploads videos.
    Editor,
    /// 受講者: watches courses.
    Learner,
}

/// The text was not one of the role names.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("role must be admin, manager, editor or learner")]
pub struct UnknownRole;

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Manager, Role::Editor, Role::Learner];

    /// The name used in the API, the CSV and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Editor => "editor",
            Role::Learner => "learner",
        }
    }

    /// May author courses and upload videos.
    pub fn can_edit_content(self) -> bool {
        matches!(self, Role::Admin | Role::Editor)
    }

    /// May manage users, groups and imports and read reports.
    pub fn can_manage_people(self) -> bool {
        matches!(self, Role::Admin | Role::Manager)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = UnknownRole;
    /// Accepts the English names and the Japanese ones a spreadsheet may hold.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_lowercase().as_str() {
            "admin" | "管理者" | "システム管理者" => Ok(Role::Admin),
            "manager" | "受講管理者" => Ok(Role::Manager),
            "editor" | "編集者" => Ok(Role::Editor),
            "learner" | "受講者" => Ok(Role::Learner),
            _ => Err(UnknownRole),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_japanese_is_accepted() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        assert_eq!("受講管理者".parse::<Role>(), Ok(Role::Manager));
        assert!("root".parse::<Role>().is_err());
    }
}
