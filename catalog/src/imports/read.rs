//! An uploaded file as the planner takes it: the valid rows of either format,
//! the cell errors of the others (with the e-mail each bad row was about, when
//! it has one), and the header names to report the planner's own errors under.
//! The CSV itself is read by [`crate::csvfile`]; nothing is parsed here.

use crate::csvfile::{
    self, CellError, Column, Encoding, FileError, Format, Header, HrRow, StandardRow,
};
use std::collections::HashMap;

/// The valid rows of a file.
#[derive(Debug, Clone)]
pub enum FileRows {
    /// Standard-format rows.
    Standard(Vec<StandardRow>),
    /// HR rows.
    Hr(Vec<HrRow>),
}

/// A file read for planning.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The format it was read as.
    pub format: Format,
    /// Its encoding (`None`: the bytes were not text).
    pub encoding: Option<Encoding>,
    /// The valid rows.
    pub rows: FileRows,
    /// Every bad cell (or the one reason the whole file cannot be read).
    pub errors: Vec<CellError>,
    /// The e-mail cell of each row with errors, as written.
    pub error_emails: HashMap<usize, String>,
    /// The rows with errors whose name cell is blank (standard format, not
    /// a delete): the plan tells whether that is an error too.
    pub error_blank_names: std::collections::HashSet<usize>,
    header: Option<Header>,
}

impl Parsed {
    /// `column`'s header as written in the file (its Japanese name otherwise).
    pub fn column(&self, column: Column) -> String {
        self.header
            .as_ref()
            .map_or(column.japanese(), |h| h.name(column))
            .to_owned()
    }

    fn unreadable(format: Format, encoding: Option<Encoding>, error: &FileError) -> Self {
        Self {
            format,
            encoding,
            rows: match format {
                Format::Standard => FileRows::Standard(Vec::new()),
                Format::Hr => FileRows::Hr(Vec::new()),
            },
            errors: error.problems(),
            error_emails: HashMap::new(),
            error_blank_names: std::collections::HashSet::new(),
            header: None,
        }
    }
}

/// Decodes, parses and maps `bytes` as a `format` file. A file that cannot be
/// read at all becomes a file with no rows and its problems as errors.
pub fn read(format: Format, bytes: &[u8]) -> Parsed {
    let decoded = match csvfile::decode(bytes) {
        Ok(d) => d,
        Err(e) => return Parsed::unreadable(format, None, &FileError::from(e)),
    };
    let encoding = Some(decoded.encoding);
    let records = match csvfile::parse(&decoded.text) {
        Ok(r) => r,
        Err(e) => return Parsed::unreadable(format, encoding, &FileError::from(e)),
    };
    drop(decoded);
    let header = match Header::map(records.first(), format) {
        Ok(h) => h,
        Err(e) => return Parsed::unreadable(format, encoding, &FileError::from(e)),
    };
    let mapped = match format {
        Format::Standard => {
            csvfile::map_standard(&records).map(|m| (FileRows::Standard(m.rows), m.errors))
        }
        Format::Hr => csvfile::map_hr(&records).map(|m| (FileRows::Hr(m.rows), m.errors)),
    };
    let (rows, errors) = match mapped {
        Ok(m) => m,
        Err(e) => return Parsed::unreadable(format, encoding, &FileError::from(e)),
    };
    let mut error_emails = HashMap::new();
    let mut error_blank_names = std::collections::HashSet::new();
    if !errors.is_empty() {
        let bad: std::collections::HashSet<usize> = errors.iter().map(|e| e.row).collect();
        for record in records.iter().filter(|r| bad.contains(&r.row)) {
            let email = header.cell(record, Column::Email).trim();
            if !email.is_empty() {
                error_emails.insert(record.row, email.to_owned());
            }
            if format == Format::Standard
                && !csvfile::deletes(header.cell(record, Column::Action))
                && header.cell(record, Column::Name).trim().is_empty()
            {
                error_blank_names.insert(record.row);
            }
        }
    }
    Parsed {
        format,
        encoding,
        rows,
        errors,
        error_emails,
        error_blank_names,
        header: Some(header),
    }
}
