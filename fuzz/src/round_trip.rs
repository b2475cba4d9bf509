//! Round trips: the valid rows of a file written back with
//! `csvfile::encode` read the same (m3u8-rs' parse → write → parse); and the
//! text of a file reads the same in every encoding the import takes.

use catalog::csvfile::{
    self, Column, Encoding, FileError, HrRow, Import, StandardAction, StandardRow,
};

/// The decoded text, written in each other encoding the import reads, reads
/// the same (as `a_standard_file_reads_the_same_in_every_encoding` checks for
/// one file). Left out, as the detection cannot tell them apart by design:
/// text with NUL (the UTF-16 guess counts NULs) or starting with U+FEFF (a
/// BOM), and Shift_JIS bytes that happen to be valid UTF-8.
pub fn same_in_every_encoding(
    data: &[u8],
    standard: &Result<Import<StandardRow>, FileError>,
    hr: &Result<Import<HrRow>, FileError>,
) {
    let Ok(decoded) = csvfile::decode(data) else {
        return;
    };
    let text = decoded.text.as_str();
    if text.starts_with('\u{FEFF}') || text.contains('\0') {
        return;
    }
    let mut variants = vec![
        (text.as_bytes().to_vec(), Encoding::Utf8),
        (
            [&b"\xEF\xBB\xBF"[..], text.as_bytes()].concat(),
            Encoding::Utf8Bom,
        ),
    ];
    let (sjis, _, unmappable) = encoding_rs::SHIFT_JIS.encode(text);
    let exact = encoding_rs::SHIFT_JIS
        .decode_without_bom_handling_and_without_replacement(&sjis)
        .is_some_and(|back| back == text);
    if !unmappable && exact && std::str::from_utf8(&sjis).is_err() {
        variants.push((sjis.into_owned(), Encoding::ShiftJis));
    }
    for (bytes, encoding) in variants {
        if encoding == decoded.encoding {
            continue;
        }
        same_reading(standard, &csvfile::read_standard(&bytes), encoding);
        same_reading(hr, &csvfile::read_hr(&bytes), encoding);
    }
}

fn same_reading<T: PartialEq + std::fmt::Debug>(
    original: &Result<Import<T>, FileError>,
    other: &Result<Import<T>, FileError>,
    encoding: Encoding,
) {
    match (original, other) {
        (Ok(a), Ok(b)) => {
            assert_eq!(b.encoding, encoding);
            assert_eq!(a.mapped, b.mapped, "reads differently in {encoding}");
        }
        (Err(a), Err(b)) => assert_eq!(a, b, "fails differently in {encoding}"),
        (a, b) => panic!("in {encoding}: {b:?}, originally {a:?}"),
    }
}

/// The header of an export, English or Japanese.
fn header(columns: &[Column], japanese: bool) -> Vec<String> {
    let name = if japanese {
        Column::japanese
    } else {
        Column::english
    };
    columns.iter().map(|&c| name(c).to_owned()).collect()
}

/// `table` written in `encoding` and read back must give `want` again.
fn round_trip<T: PartialEq + std::fmt::Debug>(
    table: &[Vec<String>],
    encoding: Encoding,
    read: impl Fn(&[u8]) -> Result<Import<T>, FileError>,
    key: impl Fn(&T) -> T,
    want: &[T],
) {
    let bytes = match csvfile::encode(table, encoding) {
        Ok(bytes) => bytes,
        Err(e) => panic!("cannot write rows read from a {encoding} file back in it: {e}"),
    };
    let back = match read(&bytes) {
        Ok(back) => back,
        Err(e) => panic!(
            "written rows unreadable: {e:?}\n{:?}",
            String::from_utf8_lossy(&bytes)
        ),
    };
    assert_eq!(
        back.mapped.errors,
        [],
        "written rows have errors: {table:?}"
    );
    let got: Vec<T> = back.mapped.rows.iter().map(&key).collect();
    assert_eq!(got, want, "round trip in {encoding} changed the rows");
}

/// The valid rows of a standard file, exported and imported again.
pub fn standard(import: &Import<StandardRow>) {
    let columns: Vec<Column> = Column::STANDARD
        .into_iter()
        .chain([Column::Action])
        .collect();
    let rows: Vec<Vec<String>> = import
        .mapped
        .rows
        .iter()
        .map(|r| match &r.action {
            StandardAction::Upsert(user) => {
                let mut cells = user.to_cells().to_vec();
                cells.push(String::new());
                cells
            }
            StandardAction::Delete(email) => {
                let mut cells = vec![String::new(); 7];
                cells[0] = email.to_string();
                cells[6] = "delete".to_owned();
                cells
            }
        })
        .collect();
    // Row numbers change (blank lines, cells spanning lines): compare actions.
    let key = |r: &StandardRow| StandardRow {
        row: 0,
        action: r.action.clone(),
    };
    let want: Vec<StandardRow> = import.mapped.rows.iter().map(key).collect();
    for (japanese, encoding) in sjis_too(import.encoding) {
        let table: Vec<Vec<String>> = std::iter::once(header(&columns, japanese))
            .chain(rows.iter().cloned())
            .collect();
        round_trip(&table, encoding, csvfile::read_standard, key, &want);
    }
}

/// The valid rows of an HR file, exported and imported again.
pub fn hr(import: &Import<HrRow>) {
    let rows: Vec<Vec<String>> = import
        .mapped
        .rows
        .iter()
        .map(|r| vec![r.email.to_string(), r.remarks.clone()])
        .collect();
    let key = |r: &HrRow| HrRow {
        row: 0,
        ..r.clone()
    };
    let want: Vec<HrRow> = import.mapped.rows.iter().map(key).collect();
    for (japanese, encoding) in sjis_too(import.encoding) {
        let table: Vec<Vec<String>> = std::iter::once(header(&Column::HR, japanese))
            .chain(rows.iter().cloned())
            .collect();
        round_trip(&table, encoding, csvfile::read_hr, key, &want);
    }
}

/// The exports to read back: UTF-8 with either header; for a Shift_JIS file
/// also Shift_JIS, with the Japanese header — whose bytes are not UTF-8, so
/// the reader cannot take the file for UTF-8 (an ASCII-only header could be:
/// pairs of half-width kana such as `ﾔｽ` are valid UTF-8 too).
fn sjis_too(read_as: Encoding) -> Vec<(bool, Encoding)> {
    let mut out = vec![(false, Encoding::Utf8), (true, Encoding::Utf8)];
    if read_as == Encoding::ShiftJis {
        out.push((true, Encoding::ShiftJis));
    }
    out
}
