//! Writing CSV files for download: RFC 4180 with CRLF, formula injection
//! neutralised, in UTF-8 with BOM (so Excel opens it as UTF-8) or, on request,
//! Shift_JIS — where every character it cannot hold is reported, never
//! replaced by `?`.
//!
//! Neutralisation follows OWASP's "CSV Injection" advice: a cell beginning
//! with `=`, `+`, `-`, `@`, tab or CR would be taken by a spreadsheet as a
//! formula, so a `'` is put in front. Excel shows such a cell as text with the
//! `'` visible and writes it back unchanged, and the reader strips it again
//! ([`unneutralise`]). To make that an exact inverse for every value — also
//! for one that itself begins with `'` and a trigger — any run of leading
//! `'` followed by a trigger gets one more `'`, and the reader removes one
//! `'` from any such run.

use super::encoding::{Encoding, push_shift_jis};
use std::fmt;

/// The characters a spreadsheet may take as the start of a formula.
const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `cell` as written: `'` prepended if it could start a formula.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.trim_start_matches('\'').starts_with(TRIGGERS) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// Undoes [`neutralise`]: one leading `'` removed from `'…'` + trigger.
pub fn unneutralise(value: String) -> String {
    let rest = value.trim_start_matches('\'');
    if rest.len() < value.len() && rest.starts_with(TRIGGERS) {
        value[1..].to_owned()
    } else {
        value
    }
}

/// A character of a cell that Shift_JIS cannot hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unmappable {
    /// The spreadsheet row (the first row, usually the header, is 1).
    pub row: usize,
    /// The 1-based column (`A` = 1).
    pub column: usize,
    /// The character.
    pub character: char,
}

impl fmt::Display for Unmappable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} 行目 {} 列の「{}」(U+{:04X})",
            self.row,
            super::column_letter(self.column),
            self.character,
            u32::from(self.character)
        )
    }
}

/// Every character that kept a table from being written in Shift_JIS.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Shift_JIS で表せない文字が {} 個あります。UTF-8 で出力するか、文字を置き換えてください: {} (characters Shift_JIS cannot hold)",
    .0.len(),
    list(.0)
)]
pub struct UnmappableChars(pub Vec<Unmappable>);

fn list(chars: &[Unmappable]) -> String {
    let shown: Vec<String> = chars.iter().take(20).map(ToString::to_string).collect();
    let more = chars.len().saturating_sub(shown.len());
    let text = shown.join("、");
    if more > 0 {
        format!("{text} ほか {more} 個")
    } else {
        text
    }
}

/// The table as RFC 4180 text: CRLF after every row, cells neutralised and
/// quoted when they hold `,` `"` CR or LF or begin or end with a space or tab
/// (which the reader would otherwise trim). A cell's LF (Excel's in-cell line
/// break) is written as is.
pub fn to_text<R, C>(rows: &[R]) -> String
where
    R: AsRef<[C]>,
    C: AsRef<str>,
{
    let mut text = String::new();
    for row in rows {
        for (i, cell) in row.as_ref().iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            push_cell(&mut text, cell.as_ref());
        }
        text.push_str("\r\n");
    }
    text
}

fn push_cell(text: &mut String, cell: &str) {
    let cell = neutralise(cell);
    let needs_quotes = cell.contains([',', '"', '\r', '\n'])
        || cell.starts_with([' ', '\t'])
        || cell.ends_with([' ', '\t']);
    if needs_quotes {
        text.push('"');
        text.push_str(&cell.replace('"', "\"\""));
        text.push('"');
    } else {
        text.push_str(&cell);
    }
}

/// The table as the bytes of a CSV file in `encoding` (see [`to_text`]).
/// For Shift_JIS, every character it cannot hold is reported with its row
/// and column, and nothing is written.
pub fn encode<R, C>(rows: &[R], encoding: Encoding) -> Result<Vec<u8>, UnmappableChars>
where
    R: AsRef<[C]>,
    C: AsRef<str>,
{
    match encoding {
        Encoding::Utf8 => Ok(to_text(rows).into_bytes()),
        Encoding::Utf8Bom => {
            let text = to_text(rows);
            let mut bytes = Vec::with_capacity(text.len() + 3);
            bytes.extend_from_slice(b"\xEF\xBB\xBF");
            bytes.extend_from_slice(text.as_bytes());
            Ok(bytes)
        }
        Encoding::ShiftJis => {
            let mut bytes = Vec::new();
            let mut bad = Vec::new();
            let mut cell_text = String::new();
            for (r, row) in rows.iter().enumerate() {
                for (c, cell) in row.as_ref().iter().enumerate() {
                    if c > 0 {
                        bytes.push(b',');
                    }
                    cell_text.clear();
                    push_cell(&mut cell_text, cell.as_ref());
                    if let Err(chars) = push_shift_jis(&mut bytes, &cell_text) {
                        bad.extend(chars.into_iter().map(|character| Unmappable {
                            row: r + 1,
                            column: c + 1,
                            character,
                        }));
                    }
                }
                bytes.extend_from_slice(b"\r\n");
            }
            if bad.is_empty() {
                Ok(bytes)
            } else {
                Err(UnmappableChars(bad))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_only_when_needed() {
        let rows = [
            vec!["email", "name", "remarks"],
            vec!["a@x.jp", "山田 太郎", "課長, \"兼務\""],
            vec!["b@x.jp", " 前後 ", "一行目\n二行目"],
            vec!["c@x.jp", "", "ｶﾀｶﾅ"],
        ];
        assert_eq!(
            to_text(&rows),
            "email,name,remarks\r\na@x.jp,山田 太郎,\"課長, \"\"兼務\"\"\"\r\nb@x.jp,\" 前後 \",\"一行目\n二行目\"\r\nc@x.jp,,ｶﾀｶﾅ\r\n"
        );
    }

    #[test]
    fn formula_triggers_are_neutralised() {
        let rows = [[
            "=1+2", "+81", "-5", "@SUM(A1)", "\tx", "\rx", "'=x", "'a", "a=b",
        ]];
        assert_eq!(
            to_text(&rows),
            "'=1+2,'+81,'-5,'@SUM(A1),'\tx,\"'\rx\",''=x,'a,a=b\r\n"
        );
        for cell in rows[0] {
            assert_eq!(unneutralise(neutralise(cell).into_owned()), cell);
        }
    }

    #[test]
    fn utf8_exports_start_with_a_bom() {
        let bytes = encode(&[["氏名"]], Encoding::Utf8Bom).unwrap();
        assert_eq!(bytes, "\u{feff}氏名\r\n".as_bytes());
        assert_eq!(encode(&[["a"]], Encoding::Utf8).unwrap(), b"a\r\n");
    }

    #[test]
    fn shift_jis_exports_hold_cp932_and_report_every_other_character() {
        let bytes = encode(&[["髙橋", "①㈱"]], Encoding::ShiftJis).unwrap();
        assert_eq!(
            bytes,
            [
                0xFB, 0xFC, 0x8B, 0xB4, b',', 0x87, 0x40, 0x87, 0x8A, b'\r', b'\n'
            ]
        );
        let rows = [
            vec!["氏名", "備考"],
            vec!["𠮷田", "〜です"],
            vec!["ok", "😀x😀"],
        ];
        let e = encode(&rows, Encoding::ShiftJis).unwrap_err();
        let at = |row, column, character| Unmappable {
            row,
            column,
            character,
        };
        assert_eq!(
            e.0,
            [
                at(2, 1, '𠮷'),
                at(2, 2, '〜'),
                at(3, 2, '😀'),
                at(3, 2, '😀')
            ]
        );
        let message = e.to_string();
        assert!(
            message.contains("4 個") && message.contains("2 行目 A 列の「𠮷」(U+20BB7)"),
            "{message}"
        );
    }
}
