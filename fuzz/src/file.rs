//! An import file read by `catalog::csvfile`, checked against what the target
//! can tell from the bytes itself: determinism, where problems are reported,
//! and that every data row is either valid (obeying the column rules) or
//! reported, never both.

use catalog::csvfile::{
    self, CellError, Code, Column, FileError, HrRow, Import, Record, StandardAction, StandardRow,
    column_letter,
};
use domain::Email;
use std::collections::{BTreeSet, HashSet};

/// What `read_standard` and `read_hr` give for `data`.
pub struct Read {
    /// As a standard-format file.
    pub standard: Result<Import<StandardRow>, FileError>,
    /// As an HR file.
    pub hr: Result<Import<HrRow>, FileError>,
}

/// Reads `data` as both formats and checks every property of the readings.
pub fn check(data: &[u8]) -> Read {
    let file = File::of(data);
    let standard = csvfile::read_standard(data);
    assert_eq!(standard, csvfile::read_standard(data), "read twice");
    let hr = csvfile::read_hr(data);
    assert_eq!(hr, csvfile::read_hr(data), "read twice");

    match &standard {
        Ok(import) => {
            let rows: Vec<(usize, &Email)> = import
                .mapped
                .rows
                .iter()
                .map(|r| (r.row, r.email()))
                .collect();
            file.check_mapped(&rows, &import.mapped.errors);
            import.mapped.rows.iter().for_each(check_standard_row);
            crate::round_trip::standard(import);
        }
        Err(e) => file.check_file_error(e),
    }
    match &hr {
        Ok(import) => {
            let rows: Vec<(usize, &Email)> = import
                .mapped
                .rows
                .iter()
                .map(|r| (r.row, &r.email))
                .collect();
            file.check_mapped(&rows, &import.mapped.errors);
            for r in &import.mapped.rows {
                check_text(&r.remarks, 500, true);
            }
            crate::round_trip::hr(import);
        }
        Err(e) => file.check_file_error(e),
    }
    crate::round_trip::same_in_every_encoding(data, &standard, &hr);
    Read { standard, hr }
}

/// What the target knows of the input without the code under test's mapping.
struct File {
    /// A row number no problem may exceed: one per line-break byte, plus one
    /// (no encoding read here has `\r` or `\n` inside a multi-byte character).
    max_row: usize,
    /// The records, when the bytes decode and parse.
    records: Option<Vec<Record>>,
}

impl File {
    fn of(data: &[u8]) -> Self {
        let max_row = 1 + data.iter().filter(|&&b| b == b'\n' || b == b'\r').count();
        let records = csvfile::decode(data)
            .ok()
            .and_then(|d| csvfile::parse(&d.text).ok());
        if let Some(records) = &records {
            let mut last = 0;
            for r in records {
                assert!(r.row > last && r.row <= max_row, "record rows {records:?}");
                assert!(r.fields.last().is_some_and(|f| !f.is_empty()), "{r:?}");
                last = r.row;
            }
        }
        Self { max_row, records }
    }

    /// A file that could not be read: where and why.
    fn check_file_error(&self, e: &FileError) {
        let problems = e.problems();
        assert!(!problems.is_empty(), "{e:?}");
        for p in &problems {
            assert!(p.row >= 1 && p.row <= self.max_row, "{p:?}");
            assert!(!p.message.is_empty(), "{p:?}");
        }
        match e {
            FileError::Decode(_) | FileError::Parse(_) => {
                assert_eq!(problems.len(), 1, "{e:?}");
                assert!(problems[0].column.is_empty(), "{e:?}");
                assert!(self.records.is_none(), "readable yet {e:?}");
                let expected = if matches!(e, FileError::Parse(_)) {
                    &[Code::UnterminatedQuote][..]
                } else {
                    &[Code::Utf16, Code::InvalidEncoding][..]
                };
                assert!(expected.contains(&problems[0].code), "{e:?}");
            }
            FileError::Header(_) => {
                let records = self
                    .records
                    .as_ref()
                    .expect("header error on unparsable bytes");
                let Some(header) = records.first() else {
                    assert_eq!(problems.len(), 1);
                    assert_eq!((problems[0].row, problems[0].code), (1, Code::EmptyFile));
                    return;
                };
                let width = header.fields.len();
                for p in &problems {
                    assert_eq!(p.row, header.row, "{p:?}");
                    let ok = match p.code {
                        Code::UnknownColumn | Code::DuplicateColumn => {
                            header.fields.contains(&p.column)
                                || (1..=width).any(|i| column_letter(i) == p.column)
                        }
                        Code::MissingColumn => {
                            Column::STANDARD.iter().any(|c| c.japanese() == p.column)
                        }
                        _ => false,
                    };
                    assert!(ok, "header problem {p:?} for header {header:?}");
                }
            }
        }
    }

    /// The valid rows and cell errors of a readable file.
    fn check_mapped(&self, rows: &[(usize, &Email)], errors: &[CellError]) {
        let records = self.records.as_ref().expect("mapped but unreadable");
        let (header, data) = records.split_first().expect("mapped without a header");
        let width = header.fields.len();
        let data_rows: HashSet<usize> = data.iter().map(|r| r.row).collect();

        let mut last = 0;
        for e in errors {
            assert!(data_rows.contains(&e.row), "error on no data row: {e:?}");
            assert!(e.row >= last, "errors out of order: {errors:?}");
            last = e.row;
            let column_ok = if e.code == Code::TooManyFields {
                e.column == column_letter(width + 1)
            } else {
                header.fields.contains(&e.column)
            };
            assert!(column_ok, "column of {e:?} for header {header:?}");
            assert!(
                !matches!(
                    e.code,
                    Code::Utf16
                        | Code::InvalidEncoding
                        | Code::UnterminatedQuote
                        | Code::EmptyFile
                        | Code::UnknownColumn
                        | Code::DuplicateColumn
                        | Code::MissingColumn
                ),
                "file-level code on a cell: {e:?}"
            );
            assert!(!e.message.is_empty(), "{e:?}");
        }
        let error_rows: BTreeSet<usize> = errors.iter().map(|e| e.row).collect();

        let mut last = 0;
        let mut emails = HashSet::new();
        for &(row, email) in rows {
            assert!(row > last, "valid rows out of order");
            last = row;
            assert!(data_rows.contains(&row), "valid row {row} is no data row");
            assert!(
                !error_rows.contains(&row),
                "row {row} both valid and in error"
            );
            check_email(email);
            assert!(emails.insert(email.clone()), "{email} on two valid rows");
        }
        assert_eq!(
            rows.len() + error_rows.len(),
            data.len(),
            "a data row neither valid nor in error"
        );
    }
}

/// A login id as stored: parsing it again changes nothing.
fn check_email(email: &Email) {
    let text = email.as_str();
    assert_eq!(
        Email::parse(text).as_ref(),
        Ok(email),
        "not normalised: {text:?}"
    );
    assert!(
        text.is_ascii()
            && !text
                .chars()
                .any(|c| c.is_ascii_uppercase() || c.is_whitespace())
            && text.matches('@').count() == 1,
        "not normalised: {text:?}"
    );
}

/// A free-text cell that passed: within `max` characters, no control (but
/// LF and tab where `multiline`) and no private-use character.
fn check_text(text: &str, max: usize, multiline: bool) {
    assert!(text.chars().count() <= max, "too long: {text:?}");
    for c in text.chars() {
        let allowed = multiline && matches!(c, '\n' | '\t');
        assert!(
            allowed || !(c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')),
            "control character in {text:?}"
        );
        assert!(
            !matches!(c, '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..='\u{10FFFF}'),
            "private-use character in {text:?}"
        );
    }
}

fn check_standard_row(row: &StandardRow) {
    let StandardAction::Upsert(user) = &row.action else {
        return;
    };
    // A blank name passes the reader: the import plan refuses it where it
    // would create a user without a name or blank one (catalog::imports).
    check_text(&user.name, 100, false);
    check_text(&user.remarks, 500, true);
    let mut seen = HashSet::new();
    for g in &user.groups {
        assert!(!g.is_empty() && g.trim() == g, "group {g:?}");
        assert!(!g.contains([';', '；']), "group {g:?}");
        assert!(seen.insert(g), "group {g:?} twice");
        check_text(g, 100, false);
    }
}
