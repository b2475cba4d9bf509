//! The columns of the two user-import formats and the names accepted for them
//! in a header row, English or Japanese, in any order.
//!
//! | column    | English (export) | Japanese (export) | also accepted            | standard | HR       |
//! |-----------|------------------|-------------------|--------------------------|----------|----------|
//! | `email`   | `email`          | `メールアドレス`  | `e-mail`, `mail`, `メール`, `Eメール`, `電子メール` | required | required |
//! | `name`    | `name`           | `氏名`            | `名前`                   | required | —        |
//! | `role`    | `role`           | `権限`            | `ロール`, `役割`         | required | —        |
//! | `status`  | `status`         | `状態`            | `ステータス`             | required | —        |
//! | `groups`  | `groups`         | `グループ`        | `group`, `所属`          | required | —        |
//! | `remarks` | `remarks`        | `備考`            | `remark`                 | required | required |
//! | `action`  | `action`         | `操作`            |                          | optional | —        |
//!
//! A header is compared after trimming (also U+3000), folding full-width
//! ASCII and case, and ignoring `-`, `_` and spaces, so `E-Mail` and `Ｅｍａｉｌ`
//! are `email`. Every standard column is required so that a row states a
//! user's whole intended state: a missing `role` column must not read as
//! "make everyone a learner". Unknown, blank and duplicate headers are errors,
//! never ignored: a misspelt column would otherwise silently change nothing.

use super::{CellError, Code, Record, column_letter};
use std::fmt;
use std::str::FromStr;

/// A column of an import file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    /// The login id.
    Email,
    /// 氏名.
    Name,
    /// One of the four roles.
    Role,
    /// `active` or `disabled`.
    Status,
    /// Group names separated by `;`.
    Groups,
    /// 備考.
    Remarks,
    /// Empty, or `delete` to move the user to the trash.
    Action,
}

impl Column {
    /// The standard format's columns in export order (`action` is optional
    /// and not exported).
    pub const STANDARD: [Column; 6] = [
        Column::Email,
        Column::Name,
        Column::Role,
        Column::Status,
        Column::Groups,
        Column::Remarks,
    ];
    /// The HR format's columns.
    pub const HR: [Column; 2] = [Column::Email, Column::Remarks];

    /// The English header.
    pub fn english(self) -> &'static str {
        match self {
            Column::Email => "email",
            Column::Name => "name",
            Column::Role => "role",
            Column::Status => "status",
            Column::Groups => "groups",
            Column::Remarks => "remarks",
            Column::Action => "action",
        }
    }

    /// The Japanese header.
    pub fn japanese(self) -> &'static str {
        match self {
            Column::Email => "メールアドレス",
            Column::Name => "氏名",
            Column::Role => "権限",
            Column::Status => "状態",
            Column::Groups => "グループ",
            Column::Remarks => "備考",
            Column::Action => "操作",
        }
    }

    /// Other accepted names, in the compared form (see [`Column::from_header`]).
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Column::Email => &["mail", "メール", "eメール", "電子メール", "emailaddress"],
            Column::Name => &["名前"],
            Column::Role => &["ロール", "役割"],
            Column::Status => &["ステータス"],
            Column::Groups => &["group", "所属"],
            Column::Remarks => &["remark"],
            Column::Action => &[],
        }
    }

    /// The column a header cell names, if any.
    pub fn from_header(text: &str) -> Option<Column> {
        let key = compared(text);
        [Column::Action]
            .into_iter()
            .chain(Column::STANDARD)
            .find(|c| c.english() == key || c.japanese() == key || c.aliases().contains(&&*key))
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}（{}）", self.japanese(), self.english())
    }
}

/// The compared form of a header: trimmed, full-width ASCII folded, ASCII
/// lower-cased, `-` `_` and spaces removed.
fn compared(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .filter(|c| !matches!(c, '-' | '_' | '\u{FEFF}' | '\u{3000}') && !c.is_whitespace())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// One of the two import formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// `email,name,role,status,groups,remarks[,action]`.
    Standard,
    /// The HR system's `email,remarks`.
    Hr,
}

/// The text was not a format name.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("format must be standard or hr")]
pub struct UnknownFormat;

impl FromStr for Format {
    type Err = UnknownFormat;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "standard" => Ok(Format::Standard),
            "hr" => Ok(Format::Hr),
            _ => Err(UnknownFormat),
        }
    }
}

impl Format {
    fn required(self) -> &'static [Column] {
        match self {
            Format::Standard => &Column::STANDARD,
            Format::Hr => &Column::HR,
        }
    }

    fn accepts(self, column: Column) -> bool {
        self.required().contains(&column) || (self == Format::Standard && column == Column::Action)
    }

    fn accepted_names(self) -> String {
        let mut columns = self.required().to_vec();
        if self == Format::Standard {
            columns.push(Column::Action);
        }
        let names: Vec<String> = columns.iter().map(ToString::to_string).collect();
        names.join("、")
    }
}

/// The header row does not fit the format: every problem with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct HeaderError {
    /// One entry per bad, duplicate or missing column (or one `empty_file`).
    pub problems: Vec<CellError>,
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let messages: Vec<&str> = self.problems.iter().map(|p| p.message.as_str()).collect();
        f.write_str(&messages.join(" / "))
    }
}

/// Where each column is in a file.
#[derive(Debug, Clone)]
pub struct Header {
    /// The header's row.
    pub row: usize,
    positions: [Option<usize>; 7],
    names: Vec<String>,
}

impl Header {
    /// Reads `record` as the header of a `format` file.
    pub fn map(record: Option<&Record>, format: Format) -> Result<Header, HeaderError> {
        let Some(record) = record else {
            let message = format!(
                "ファイルが空です。1 行目に見出し（{}）が必要です (empty file)",
                format.accepted_names()
            );
            return Err(HeaderError {
                problems: vec![problem(1, String::new(), Code::EmptyFile, message)],
            });
        };
        let row = record.row;
        let mut positions = [None; 7];
        let mut problems = Vec::new();
        for (i, text) in record.fields.iter().enumerate() {
            let letter = column_letter(i + 1);
            let column = Column::from_header(text).filter(|&c| format.accepts(c));
            match column {
                None if compared(text).is_empty() => {
                    let message = format!("{letter} 列の見出しが空です (blank column header)");
                    problems.push(problem(row, letter, Code::UnknownColumn, message));
                }
                None => {
                    let message = format!(
                        "「{text}」（{letter} 列）は使えない列名です。使える列名: {} (unknown column)",
                        format.accepted_names()
                    );
                    problems.push(problem(row, text.clone(), Code::UnknownColumn, message));
                }
                Some(c) => match positions[c.index()] {
                    Some(first) => {
                        let message = format!(
                            "「{text}」（{letter} 列）は {} 列の「{}」と同じ列です。どちらか一方にしてください (duplicate column)",
                            column_letter(first + 1),
                            record.fields[first]
                        );
                        problems.push(problem(row, text.clone(), Code::DuplicateColumn, message));
                    }
                    None => positions[c.index()] = Some(i),
                },
            }
        }
        for &c in format.required() {
            if positions[c.index()].is_none() {
                let message = format!("必須の列「{c}」がありません (missing column)");
                problems.push(problem(
                    row,
                    c.japanese().to_owned(),
                    Code::MissingColumn,
                    message,
                ));
            }
        }
        if problems.is_empty() {
            Ok(Header {
                row,
                positions,
                names: record.fields.clone(),
            })
        } else {
            Err(HeaderError { problems })
        }
    }

    /// How many columns the header has.
    pub fn width(&self) -> usize {
        self.names.len()
    }

    /// The 0-based position of `column`, if the file has it.
    pub fn position(&self, column: Column) -> Option<usize> {
        self.positions[column.index()]
    }

    /// `column`'s cell of `record` (empty if absent or beyond the record).
    pub fn cell<'r>(&self, record: &'r Record, column: Column) -> &'r str {
        self.position(column)
            .and_then(|i| record.fields.get(i))
            .map_or("", String::as_str)
    }

    /// `column`'s header as written in the file (its Japanese name if absent).
    pub fn name(&self, column: Column) -> &str {
        self.position(column)
            .and_then(|i| self.names.get(i))
            .map_or(column.japanese(), String::as_str)
    }
}

fn problem(row: usize, column: String, code: Code, message: String) -> CellError {
    CellError {
        row,
        column,
        code,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(fields: &[&str]) -> Record {
        let fields = fields.iter().map(|&f| f.to_owned()).collect();
        Record { row: 1, fields }
    }

    fn codes(e: &HeaderError) -> Vec<(&str, Code)> {
        e.problems
            .iter()
            .map(|p| (p.column.as_str(), p.code))
            .collect()
    }

    #[test]
    fn english_japanese_and_variant_names_are_accepted_in_any_order() {
        let record = header(&["備考", "ＥーMail", "所属", "状態", "権限", "名前", "操作"]);
        // `ー` is not a hyphen: that one is unknown.
        assert!(Header::map(Some(&record), Format::Standard).is_err());
        let record = header(&["備考", "Ｅ-Mail", "所属", "状態", "Role", "名前", "操作"]);
        let h = Header::map(Some(&record), Format::Standard).unwrap();
        assert_eq!(h.position(Column::Email), Some(1));
        assert_eq!(h.position(Column::Action), Some(6));
        assert_eq!(h.name(Column::Groups), "所属");
        for c in Column::STANDARD.into_iter().chain([Column::Action]) {
            assert_eq!(Column::from_header(c.english()), Some(c));
            assert_eq!(Column::from_header(c.japanese()), Some(c));
            assert_eq!(
                Column::from_header(&format!(" {} ", c.english().to_uppercase())),
                Some(c)
            );
        }
        let h = Header::map(Some(&header(&["メールアドレス", "備考"])), Format::Hr).unwrap();
        assert_eq!(
            (h.position(Column::Email), h.position(Column::Remarks)),
            (Some(0), Some(1))
        );
    }

    #[test]
    fn unknown_blank_duplicate_and_missing_columns_are_all_reported() {
        let record = header(&[
            "email",
            "name",
            "",
            "氏名",
            "職員番号",
            "role",
            "status",
            "groups",
        ]);
        let e = Header::map(Some(&record), Format::Standard).unwrap_err();
        assert_eq!(
            codes(&e),
            [
                ("C", Code::UnknownColumn),
                ("氏名", Code::DuplicateColumn),
                ("職員番号", Code::UnknownColumn),
                ("備考", Code::MissingColumn),
            ]
        );
        assert!(e.problems[1].message.contains("B 列の「name」"), "{e}");
        assert!(
            e.problems[2].message.contains("「職員番号」（E 列）"),
            "{e}"
        );
        assert!(e.problems[3].message.contains("備考（remarks）"), "{e}");
    }

    #[test]
    fn the_hr_format_takes_only_its_two_columns() {
        let record = header(&["メールアドレス", "備考", "氏名"]);
        let e = Header::map(Some(&record), Format::Hr).unwrap_err();
        assert_eq!(codes(&e), [("氏名", Code::UnknownColumn)]);
        let e = Header::map(Some(&header(&["email", "action"])), Format::Hr).unwrap_err();
        assert_eq!(
            codes(&e),
            [
                ("action", Code::UnknownColumn),
                ("備考", Code::MissingColumn)
            ]
        );
    }

    #[test]
    fn an_empty_file_has_no_header() {
        let e = Header::map(None, Format::Hr).unwrap_err();
        assert_eq!(codes(&e), [("", Code::EmptyFile)]);
        assert!(
            e.to_string()
                .contains("メールアドレス（email）、備考（remarks）"),
            "{e}"
        );
    }
}
