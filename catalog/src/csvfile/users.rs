//! The rows of the two user-import formats, typed, with every cell checked:
//! a row is either valid and becomes a [`StandardRow`] / [`HrRow`], or each of
//! its bad cells becomes a [`CellError`] with the spreadsheet row, the column
//! as headed in the file and a Japanese reason.
//!
//! Rules per cell (the import planner decides what the valid rows change):
//! - `email`: `domain::Email::parse` (full-width `＠` and letters folded, case
//!   folded); an address may appear once per file — later rows are errors that
//!   name the first one's row;
//! - `name`: required, ≤ 100 characters, no line breaks or control characters;
//! - `role`: `admin|manager|editor|learner` or 管理者/受講管理者/編集者/受講者;
//! - `status`: `active|disabled` or 有効/無効;
//! - `groups`: names split by `;` (or full-width `；`), trimmed, empties and
//!   repeats dropped, each ≤ 100 characters;
//! - `remarks`: ≤ 500 characters; line breaks and tabs allowed;
//! - `action`: empty, or `delete`/削除 — then only the e-mail is read;
//! - nowhere private-use characters (外字 from a Shift_JIS user-defined area),
//!   which no other PC displays as intended.
//!
//! The rules of single cells live in the private `rules` module.

use super::header::{Column, Format, Header};
use super::rules::{self, Rule};
use super::{CellError, Code, HeaderError, Record, column_letter};
use domain::{Email, Role};
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// Longest name, in characters.
pub const MAX_NAME: usize = 100;
/// Longest group name, in characters.
pub const MAX_GROUP: usize = 100;
/// Longest remarks, in characters.
pub const MAX_REMARKS: usize = 500;

/// Whether a user may sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// 有効.
    Active,
    /// 無効: cannot sign in; history kept.
    Disabled,
}

impl Status {
    /// The name used in the API, the CSV and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Disabled => "disabled",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text was not a status.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("status must be active or disabled")]
pub struct UnknownStatus;

impl FromStr for Status {
    type Err = UnknownStatus;
    /// Accepts the English names (any case) and 有効/無効.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_lowercase().as_str() {
            "active" | "有効" => Ok(Status::Active),
            "disabled" | "無効" => Ok(Status::Disabled),
            _ => Err(UnknownStatus),
        }
    }
}

/// A user as the standard format states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// The login id.
    pub email: Email,
    /// 氏名.
    pub name: String,
    /// The role.
    pub role: Role,
    /// Active or disabled.
    pub status: Status,
    /// Group names (none: in no group).
    pub groups: Vec<String>,
    /// 備考.
    pub remarks: String,
}

impl UserRecord {
    /// The cells of an export row, in [`Column::STANDARD`] order.
    pub fn to_cells(&self) -> [String; 6] {
        [
            self.email.to_string(),
            self.name.clone(),
            self.role.as_str().to_owned(),
            self.status.as_str().to_owned(),
            self.groups.join(";"),
            self.remarks.clone(),
        ]
    }
}

/// What a standard-format row asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StandardAction {
    /// Create the user or bring it to this state.
    Upsert(UserRecord),
    /// Move the user to the trash (`action` = `delete`).
    Delete(Email),
}

/// A valid row of a standard-format file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandardRow {
    /// The spreadsheet row.
    pub row: usize,
    /// What it asks for.
    pub action: StandardAction,
}

impl StandardAction {
    /// The user it is about.
    pub fn email(&self) -> &Email {
        match self {
            StandardAction::Upsert(user) => &user.email,
            StandardAction::Delete(email) => email,
        }
    }
}

impl StandardRow {
    /// The user the row is about.
    pub fn email(&self) -> &Email {
        self.action.email()
    }
}

/// A valid row of an HR file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HrRow {
    /// The spreadsheet row.
    pub row: usize,
    /// The login id.
    pub email: Email,
    /// 備考.
    pub remarks: String,
}

/// The rows of a file: the valid ones and the errors of the others, in file
/// order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped<T> {
    /// Rows without errors.
    pub rows: Vec<T>,
    /// One entry per bad cell of the other rows.
    pub errors: Vec<CellError>,
}

/// Maps the records of a standard-format file (the first is the header).
pub fn map_standard(records: &[Record]) -> Result<Mapped<StandardRow>, HeaderError> {
    map(records, Format::Standard, |cells| {
        let email = cells.check(Column::Email, rules::email);
        let delete = cells.check(Column::Action, rules::action);
        if delete? {
            return Some(StandardAction::Delete(email?));
        }
        let name = cells.check(Column::Name, |v| rules::text(v, &rules::IMPORTED_NAME));
        let role = cells.check(Column::Role, rules::role);
        let status = cells.check(Column::Status, rules::status);
        let groups = cells.check(Column::Groups, rules::groups);
        let remarks = cells.check(Column::Remarks, |v| rules::text(v, &rules::REMARKS));
        Some(StandardAction::Upsert(UserRecord {
            email: email?,
            name: name?,
            role: role?,
            status: status?,
            groups: groups?,
            remarks: remarks?,
        }))
    })
    .map(|mapped| Mapped {
        rows: mapped
            .rows
            .into_iter()
            .map(|(row, action)| StandardRow { row, action })
            .collect(),
        errors: mapped.errors,
    })
}

/// Maps the records of an HR file (the first is the header).
pub fn map_hr(records: &[Record]) -> Result<Mapped<HrRow>, HeaderError> {
    map(records, Format::Hr, |cells| {
        let email = cells.check(Column::Email, rules::email);
        let remarks = cells.check(Column::Remarks, |v| rules::text(v, &rules::REMARKS));
        Some((email?, remarks?))
    })
    .map(|mapped| Mapped {
        rows: mapped
            .rows
            .into_iter()
            .map(|(row, (email, remarks))| HrRow {
                row,
                email,
                remarks,
            })
            .collect(),
        errors: mapped.errors,
    })
}

/// The cells of one data row and the errors found in them so far.
struct Cells<'a> {
    header: &'a Header,
    record: &'a Record,
    errors: Vec<(usize, CellError)>,
}

impl Cells<'_> {
    /// Checks `column`'s cell with `rule`; records the error if it fails.
    fn check<T>(&mut self, column: Column, rule: impl FnOnce(&str) -> Rule<T>) -> Option<T> {
        match rule(self.header.cell(self.record, column)) {
            Ok(value) => Some(value),
            Err((code, message)) => {
                self.push(column, code, message);
                None
            }
        }
    }

    fn push(&mut self, column: Column, code: Code, message: String) {
        let error = CellError {
            row: self.record.row,
            column: self.header.name(column).to_owned(),
            code,
            message,
        };
        self.errors
            .push((self.header.position(column).unwrap_or(0), error));
    }
}

/// The rows common to both formats: header, extra cells, duplicate e-mails.
fn map<T>(
    records: &[Record],
    format: Format,
    mut row: impl FnMut(&mut Cells<'_>) -> Option<T>,
) -> Result<Mapped<(usize, T)>, HeaderError>
where
    T: HasEmail,
{
    let header = Header::map(records.first(), format)?;
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut first_row: HashMap<Email, usize> = HashMap::new();
    for record in records.iter().skip(1) {
        let mut cells = Cells {
            header: &header,
            record,
            errors: Vec::new(),
        };
        if record.fields.len() > header.width() {
            let letter = column_letter(header.width() + 1);
            let message = format!(
                "見出しより多い {} 個のセルがあります（{letter} 列から）。セルの中の , は \" で囲んでください (more cells than headers)",
                record.fields.len() - header.width()
            );
            cells.errors.push((
                header.width(),
                CellError {
                    row: record.row,
                    column: letter,
                    code: Code::TooManyFields,
                    message,
                },
            ));
        }
        let value = row(&mut cells);
        if let Some(value) = value.filter(|_| cells.errors.is_empty()) {
            let email = value.email().clone();
            match first_row.get(&email) {
                Some(first) => {
                    let message = format!(
                        "メールアドレス {email} は {first} 行目にもあります。1 人 1 行にしてください (duplicate e-mail)"
                    );
                    cells.push(Column::Email, Code::DuplicateEmail, message);
                }
                None => {
                    first_row.insert(email, record.row);
                    rows.push((record.row, value));
                }
            }
        } else if let Ok(email) = Email::parse(header.cell(record, Column::Email)) {
            // A bad row still claims its address, so a later row with it is
            // reported too (one user, one row).
            first_row.entry(email).or_insert(record.row);
        }
        cells.errors.sort_by_key(|(position, _)| *position);
        errors.extend(cells.errors.into_iter().map(|(_, e)| e));
    }
    Ok(Mapped { rows, errors })
}

/// A row's login id.
trait HasEmail {
    fn email(&self) -> &Email;
}

impl HasEmail for StandardAction {
    fn email(&self) -> &Email {
        StandardAction::email(self)
    }
}

impl HasEmail for (Email, String) {
    fn email(&self) -> &Email {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csvfile::parse;

    fn errors(e: &[CellError]) -> Vec<(usize, &str, Code)> {
        e.iter()
            .map(|e| (e.row, e.column.as_str(), e.code))
            .collect()
    }

    fn email(s: &str) -> Email {
        Email::parse(s).unwrap()
    }

    #[test]
    fn japanese_headers_and_values_map_to_users() {
        let text = "メールアドレス,氏名,権限,状態,所属,備考,操作\n\
                    Ｔａｒｏ＠Ｃｉｔｙ．ｊｐ,山田 太郎,受講管理者,有効, 総務部 ；人事課;;総務部 ,\"一行目\n二行目\",\n\
                    b@city.jp,,,,,,削除\n";
        let mapped = map_standard(&parse(text).unwrap()).unwrap();
        assert_eq!(mapped.errors, []);
        assert_eq!(
            mapped.rows,
            [
                StandardRow {
                    row: 2,
                    action: StandardAction::Upsert(UserRecord {
                        email: email("taro@city.jp"),
                        name: "山田 太郎".into(),
                        role: Role::Manager,
                        status: Status::Active,
                        groups: vec!["総務部".into(), "人事課".into()],
                        remarks: "一行目\n二行目".into(),
                    }),
                },
                StandardRow {
                    row: 3,
                    action: StandardAction::Delete(email("b@city.jp")),
                },
            ]
        );
        assert_eq!(mapped.rows[1].email().as_str(), "b@city.jp");
    }

    #[test]
    fn every_kind_of_bad_cell_is_reported_with_row_column_and_code() {
        let long_name = "あ".repeat(MAX_NAME + 1);
        let long_remarks = "い".repeat(MAX_REMARKS + 1);
        let long_group = "う".repeat(MAX_GROUP + 1);
        let text = format!(
            "email,name,role,status,groups,remarks,action\n\
             ok@x.jp,正常,learner,active,,,\n\
             ,名無し,learner,active,,,\n\
             not-an-address,山田,learner,active,,,\n\
             a@x.jp,,root,paused,,,\n\
             b@x.jp,\"改\n行\",admin,disabled,,\"タブ\tと改行\nは可、ベル\u{7}は不可\",\n\
             c@x.jp,{long_name},editor,有効,{long_group},{long_remarks},\n\
             d@x.jp,外字\u{E001}さん,editor,無効,\"総務\u{1}課\",,\n\
             e@x.jp,田中,learner,active,,,消す\n\
             f@x.jp,田中,learner,active,,,,extra,more\n\
             OK@x.jp,重複,learner,active,,,\n\
             not-an-address,重複でも形式エラー,learner,active,,,\n\
             a@x.jp,前の行が誤りでも重複,learner,active,,,\n"
        );
        let mapped = map_standard(&parse(&text).unwrap()).unwrap();
        assert_eq!(mapped.rows.len(), 1);
        assert_eq!(
            errors(&mapped.errors),
            [
                (3, "email", Code::Required),
                (4, "email", Code::InvalidEmail),
                // A blank name is the import plan's to judge (imports::plan).
                (5, "role", Code::InvalidRole),
                (5, "status", Code::InvalidStatus),
                (6, "name", Code::ControlCharacter),
                (6, "remarks", Code::ControlCharacter),
                (7, "name", Code::TooLong),
                (7, "groups", Code::TooLong),
                (7, "remarks", Code::TooLong),
                (8, "name", Code::PrivateUseCharacter),
                (8, "groups", Code::ControlCharacter),
                (9, "action", Code::InvalidAction),
                (10, "H", Code::TooManyFields),
                (11, "email", Code::DuplicateEmail),
                (12, "email", Code::InvalidEmail),
                (13, "email", Code::DuplicateEmail),
            ]
        );
        let message = |row: usize| {
            let e = mapped.errors.iter().find(|e| e.row == row).unwrap();
            e.message.clone()
        };
        assert!(message(11).contains("2 行目にも"), "{}", message(11));
        assert!(message(13).contains("5 行目にも"), "{}", message(13));
        assert!(message(7).contains("100 文字以内") && message(7).contains("101 文字"));
        assert!(message(10).contains("2 個のセル"), "{}", message(10));
    }

    #[test]
    fn the_hr_format_reads_email_and_remarks() {
        let text =
            "備考,メールアドレス\r\n人事課へ異動,Ａ＠ｘ．ｊｐ\r\n,b@x.jp\r\n,bad\r\n,a@x.jp\r\n";
        let mapped = map_hr(&parse(text).unwrap()).unwrap();
        let rows: Vec<(usize, &str, &str)> = mapped
            .rows
            .iter()
            .map(|r| (r.row, r.email.as_str(), r.remarks.as_str()))
            .collect();
        assert_eq!(rows, [(2, "a@x.jp", "人事課へ異動"), (3, "b@x.jp", "")]);
        assert_eq!(
            errors(&mapped.errors),
            [
                (4, "メールアドレス", Code::InvalidEmail),
                (5, "メールアドレス", Code::DuplicateEmail)
            ]
        );
    }
}
