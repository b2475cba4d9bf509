//! The CSV files people exchange with manabi: the user imports (the standard
//! format and the HR system's `email,remarks`) and every export.
//!
//! Pure functions, no database: bytes in, typed rows and row-numbered Japanese
//! errors out; records in, bytes out. The import planner and the export
//! handlers build on them. The files come from HR systems and Excel, so the
//! layer reads what they actually write — Shift_JIS (CP932, with the NEC and IBM
//! extensions), a UTF-8 BOM, `="0123"` wrappers, trailing empty columns,
//! blank lines — and writes what Excel opens correctly (UTF-8 with BOM, CRLF).
//!
//! # Layout
//! - [`encoding`]: bytes ↔ text — detects UTF-8 (with or without BOM) or
//!   Shift_JIS and refuses UTF-16; on export reports every character Shift_JIS
//!   cannot hold instead of replacing it.
//! - [`read`]: RFC 4180 text → [`Record`]s numbered as a spreadsheet numbers its
//!   rows, tolerating Excel's artefacts and undoing export neutralisation.
//! - [`write`](mod@write): records → RFC 4180 text with CRLF, formula-injection
//!   neutralisation (OWASP "CSV Injection"), then [`encode`]d.
//! - [`header`]: the accepted column names (English and Japanese) of the two
//!   import formats and the mapping of a header row onto them.
//! - [`users`]: typed rows of the two formats with per-cell validation.
//!
//! Round trip: for any table whose cells survive the reader's normalisation
//! (no CR, no trailing empty column), `parse(decode(encode(t)))` gives `t` back;
//! the tests check it for random users in both encodings.

pub mod encoding;
pub mod header;
pub mod read;
mod rules;
pub mod users;
pub mod write;

#[cfg(test)]
mod tests;

pub use encoding::{DecodeError, Decoded, Encoding, decode, shift_jis_can_hold};
pub use header::{Column, Format, Header, HeaderError};
pub use read::{ParseError, Record, parse};
pub use users::{
    HrRow, Mapped, StandardAction, StandardRow, Status, UserRecord, map_hr, map_standard,
};
pub use write::{Unmappable, UnmappableChars, encode, neutralise, to_text, unneutralise};

/// A user's name as the API receives it, under the rules of the import's
/// `name` column (required, one line, no control or private-use
/// characters, at most 100); `Err` says what is wrong.
pub fn user_name(value: &str) -> Result<String, String> {
    rules::text(value, &rules::NAME).map_err(|(_, message)| message)
}

/// Whether an import row's `action` cell asks to delete its user.
pub fn deletes(action: &str) -> bool {
    rules::action(action) == Ok(true)
}

/// A user's 備考 as the API receives it, under the rules of the import's
/// `remarks` column (line breaks and tabs allowed).
pub fn user_remarks(value: &str) -> Result<String, String> {
    rules::text(value, &rules::REMARKS).map_err(|(_, message)| message)
}

use serde::Serialize;

/// A stable machine code for everything that can be wrong with an import file
/// (serialised in `snake_case`, e.g. `"invalid_email"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    /// The file is UTF-16 (Excel's "Unicode text").
    Utf16,
    /// Bytes that are neither UTF-8 nor Shift_JIS.
    InvalidEncoding,
    /// A quoted field never closes.
    UnterminatedQuote,
    /// No header row at all.
    EmptyFile,
    /// A header names no known column (or is blank).
    UnknownColumn,
    /// Two headers name the same column.
    DuplicateColumn,
    /// A required column is absent.
    MissingColumn,
    /// A row has more cells than the header.
    TooManyFields,
    /// A required cell is empty.
    Required,
    /// Not an e-mail address.
    InvalidEmail,
    /// Not one of the four roles.
    InvalidRole,
    /// Neither active nor disabled.
    InvalidStatus,
    /// Neither empty nor `delete`.
    InvalidAction,
    /// Longer than the column allows.
    TooLong,
    /// A control character (a line break in a name, a NUL, …).
    ControlCharacter,
    /// A private-use character (外字), which other PCs cannot display.
    PrivateUseCharacter,
    /// The e-mail address already appeared on an earlier row.
    DuplicateEmail,
}

impl Code {
    /// The code as it appears in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Utf16 => "utf16",
            Code::InvalidEncoding => "invalid_encoding",
            Code::UnterminatedQuote => "unterminated_quote",
            Code::EmptyFile => "empty_file",
            Code::UnknownColumn => "unknown_column",
            Code::DuplicateColumn => "duplicate_column",
            Code::MissingColumn => "missing_column",
            Code::TooManyFields => "too_many_fields",
            Code::Required => "required",
            Code::InvalidEmail => "invalid_email",
            Code::InvalidRole => "invalid_role",
            Code::InvalidStatus => "invalid_status",
            Code::InvalidAction => "invalid_action",
            Code::TooLong => "too_long",
            Code::ControlCharacter => "control_character",
            Code::PrivateUseCharacter => "private_use_character",
            Code::DuplicateEmail => "duplicate_email",
        }
    }
}

/// One problem at a cell of an import file, as the preview lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellError {
    /// The row number a spreadsheet shows (the header is row 1).
    pub row: usize,
    /// The column's header as written in the file (`メールアドレス`); for a cell
    /// without a header, its spreadsheet column letter (`G`).
    pub column: String,
    /// What is wrong, for machines.
    pub code: Code,
    /// What is wrong, in Japanese, for the person fixing the file.
    pub message: String,
}

/// Why an import file cannot be read at all (as opposed to bad cells).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FileError {
    /// The bytes are not text we read.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The text is not CSV.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// The header row does not fit the format.
    #[error(transparent)]
    Header(#[from] HeaderError),
}

impl FileError {
    /// Every problem as preview rows (one for decode and parse errors).
    pub fn problems(&self) -> Vec<CellError> {
        match self {
            FileError::Decode(e) => vec![e.to_cell_error()],
            FileError::Parse(e) => vec![e.to_cell_error()],
            FileError::Header(e) => e.problems.clone(),
        }
    }
}

/// An import file read and mapped: the detected encoding, the valid rows and
/// the errors of the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import<T> {
    /// How the file was encoded (shown in the preview).
    pub encoding: Encoding,
    /// The valid rows and the cell errors.
    pub mapped: Mapped<T>,
}

/// Decodes, parses and maps a standard-format file
/// (`email,name,role,status,groups,remarks[,action]`).
pub fn read_standard(bytes: &[u8]) -> Result<Import<StandardRow>, FileError> {
    let decoded = decode(bytes)?;
    let records = parse(&decoded.text)?;
    Ok(Import {
        encoding: decoded.encoding,
        mapped: map_standard(&records)?,
    })
}

/// Decodes, parses and maps an HR-format file (`email,remarks`).
pub fn read_hr(bytes: &[u8]) -> Result<Import<HrRow>, FileError> {
    let decoded = decode(bytes)?;
    let records = parse(&decoded.text)?;
    Ok(Import {
        encoding: decoded.encoding,
        mapped: map_hr(&records)?,
    })
}

/// The spreadsheet letter of a 1-based column number: 1 → `A`, 27 → `AA`.
pub fn column_letter(mut number: usize) -> String {
    let mut letters = Vec::new();
    while number > 0 {
        let rem = (number - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        number = (number - 1) / 26;
    }
    letters.iter().rev().collect()
}
