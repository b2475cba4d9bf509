//! Reading CSV text (RFC 4180) as Excel and HR systems actually write it.
//!
//! RFC 4180 plus what real files need:
//! - line ends CRLF, LF or a lone CR (old Mac Excel); a CRLF inside a quoted
//!   field becomes LF, the line break Excel puts in a cell (Alt+Enter);
//! - rows are numbered as the spreadsheet shows them: the header is row 1, a
//!   record whose quoted field spans several lines is still one row, and blank
//!   lines are skipped but counted — so "row 7" in an error is row 7 in Excel;
//! - `="0123"` (how generated files keep Excel from dropping leading zeros) is
//!   unwrapped to `0123`, unquoted or quoted (`"=""0123"""`);
//! - trailing empty fields are dropped (Excel writes `a,b,,` when a column to
//!   the right is used on some other row) and records with only empty fields
//!   (`,,,`) are blank lines;
//! - spaces and tabs around unquoted fields are trimmed; quoted fields keep
//!   them; a stray quote inside an unquoted field is kept as a character;
//! - a cell neutralised on export (`'=SUM(…)`) gets its value back
//!   ([`super::write::unneutralise`]), so export → import is the identity.

use super::write::unneutralise;
use super::{CellError, Code};

/// One CSV record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The row number a spreadsheet shows for it (the first row is 1).
    pub row: usize,
    /// Its fields, trailing empty ones dropped (never empty itself).
    pub fields: Vec<String>,
}

/// Why a text is not CSV.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    /// A quoted field has no closing quote before the end of the file.
    #[error(
        "{row} 行目で始まる引用符（\"）が閉じられていません。セルの中の \" は \"\" と二つ重ねてください (row {row}: unterminated quoted field)"
    )]
    UnterminatedQuote {
        /// The row the record with the open quote starts on.
        row: usize,
    },
}

impl ParseError {
    /// As a preview row.
    pub fn to_cell_error(&self) -> CellError {
        let ParseError::UnterminatedQuote { row } = self;
        CellError {
            row: *row,
            column: String::new(),
            code: Code::UnterminatedQuote,
            message: self.to_string(),
        }
    }
}

/// Splits `text` into records (blank lines left out).
pub fn parse(text: &str) -> Result<Vec<Record>, ParseError> {
    let mut reader = Reader::new(text);
    let mut records = Vec::new();
    while let Some(record) = reader.next_record()? {
        records.push(record);
    }
    Ok(records)
}

/// The spreadsheet row on which `prefix` ends: where a decoding error just
/// after it is to be reported.
pub(crate) fn row_at_end(prefix: &str) -> usize {
    let mut reader = Reader::new(prefix);
    loop {
        match reader.next_record() {
            Ok(Some(_)) => {}
            Ok(None) => return reader.row,
            Err(ParseError::UnterminatedQuote { row }) => return row,
        }
    }
}

/// A cursor over the text. All delimiters are ASCII, so every position it
/// stops at is a char boundary.
struct Reader<'a> {
    text: &'a str,
    pos: usize,
    /// The row of the record being read (or the next one).
    row: usize,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            pos: 0,
            row: 1,
        }
    }

    fn byte(&self, at: usize) -> Option<u8> {
        self.text.as_bytes().get(at).copied()
    }

    fn next_record(&mut self) -> Result<Option<Record>, ParseError> {
        while self.pos < self.text.len() {
            let row = self.row;
            let mut fields = Vec::new();
            loop {
                fields.push(self.field(row)?);
                match self.byte(self.pos) {
                    Some(b',') => self.pos += 1,
                    Some(b'\r') => {
                        self.pos += if self.byte(self.pos + 1) == Some(b'\n') {
                            2
                        } else {
                            1
                        };
                        self.row += 1;
                        break;
                    }
                    Some(b'\n') => {
                        self.pos += 1;
                        self.row += 1;
                        break;
                    }
                    _ => break,
                }
            }
            while fields.last().is_some_and(String::is_empty) {
                fields.pop();
            }
            if !fields.is_empty() {
                return Ok(Some(Record { row, fields }));
            }
        }
        Ok(None)
    }

    /// One field; leaves `pos` at its delimiter (or the end).
    fn field(&mut self, row: usize) -> Result<String, ParseError> {
        while matches!(self.byte(self.pos), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
        let wrapped = self.byte(self.pos) == Some(b'=') && self.byte(self.pos + 1) == Some(b'"');
        if !wrapped && self.byte(self.pos) != Some(b'"') {
            return Ok(unneutralise(self.unquoted().to_owned()));
        }
        self.pos += if wrapped { 2 } else { 1 };
        let mut value = self.quoted(row)?;
        // Text between the closing quote and the delimiter is kept, as Excel
        // does (`"ab"c` reads `abc`).
        value.push_str(self.unquoted());
        if wrapped {
            return Ok(value);
        }
        Ok(match formula_inner(&value) {
            Some(inner) => inner,
            None => unneutralise(value),
        })
    }

    /// An unquoted field from `pos`, trailing spaces and tabs trimmed.
    fn unquoted(&mut self) -> &'a str {
        let text: &'a str = self.text;
        let rest = &text[self.pos..];
        let len = rest.find([',', '\r', '\n']).unwrap_or(rest.len());
        self.pos += len;
        rest[..len].trim_end_matches([' ', '\t'])
    }

    /// The content of a quoted field whose opening quote is just before `pos`;
    /// leaves `pos` after the closing quote.
    fn quoted(&mut self, row: usize) -> Result<String, ParseError> {
        let bytes = self.text.as_bytes();
        let mut value = String::new();
        let mut segment = self.pos;
        loop {
            let Some(offset) = bytes[self.pos..]
                .iter()
                .position(|&b| b == b'"' || b == b'\r')
            else {
                return Err(ParseError::UnterminatedQuote { row });
            };
            let at = self.pos + offset;
            self.pos = at + 1;
            match (bytes[at], self.byte(at + 1)) {
                // CRLF in a cell → LF; the LF starts the next segment.
                (b'\r', Some(b'\n')) => {
                    value.push_str(&self.text[segment..at]);
                    segment = at + 1;
                }
                (b'\r', _) => {}
                (_, Some(b'"')) => {
                    value.push_str(&self.text[segment..=at]);
                    self.pos = at + 2;
                    segment = self.pos;
                }
                _ => {
                    value.push_str(&self.text[segment..at]);
                    return Ok(value);
                }
            }
        }
    }
}

/// `="…"` (a formula Excel evaluates to the text inside) → that text.
fn formula_inner(value: &str) -> Option<String> {
    let inner = value.strip_prefix("=\"")?.strip_suffix('"')?;
    Some(inner.replace("\"\"", "\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Vec<Record> {
        parse(text).unwrap()
    }

    fn rec(row: usize, fields: &[&str]) -> Record {
        let fields = fields.iter().map(|&f| f.to_owned()).collect();
        Record { row, fields }
    }

    #[test]
    fn crlf_lf_and_cr_line_ends_read_alike() {
        let want = vec![rec(1, &["a", "b"]), rec(2, &["c", "d"])];
        for text in ["a,b\r\nc,d\r\n", "a,b\nc,d\n", "a,b\rc,d\r", "a,b\nc,d"] {
            assert_eq!(rows(text), want, "{text:?}");
        }
        assert!(parse("").unwrap().is_empty());
    }

    #[test]
    fn quoted_fields_hold_commas_quotes_and_line_breaks() {
        let text = "h1,h2\r\n\"山田, 太郎\",\"彼は\"\"課長\"\"\"\r\n\"一行目\r\n二行目\n三行目\",x\r\nnext,\"\"\r\n";
        assert_eq!(
            rows(text),
            vec![
                rec(1, &["h1", "h2"]),
                rec(2, &["山田, 太郎", "彼は\"課長\""]),
                rec(3, &["一行目\n二行目\n三行目", "x"]),
                rec(4, &["next"]),
            ]
        );
    }

    #[test]
    fn blank_lines_are_skipped_but_counted() {
        let text = "h\n\na\n ,\t\n,,,\n\"\"\nb\n\n";
        assert_eq!(
            rows(text),
            vec![rec(1, &["h"]), rec(3, &["a"]), rec(7, &["b"])]
        );
    }

    #[test]
    fn excel_artefacts_are_tolerated() {
        let text =
            "email , 社員番号 ,,\n a@x.jp ,=\"0123\",,,\nb@x.jp,\"=\"\"007\"\"\",\" 空白 \"\n";
        assert_eq!(
            rows(text),
            vec![
                rec(1, &["email", "社員番号"]),
                rec(2, &["a@x.jp", "0123"]),
                rec(3, &["b@x.jp", "007", " 空白 "]),
            ]
        );
        // Stray quotes and text after a closing quote are kept as Excel reads them.
        assert_eq!(rows("ab\"c,\"ab\"c\n"), vec![rec(1, &["ab\"c", "abc"])]);
    }

    #[test]
    fn neutralised_cells_get_their_value_back() {
        let text = "'=SUM(A1),'+81,'-5,'@x,\"'\t\",'abc,''=x,'\n";
        assert_eq!(
            rows(text),
            vec![rec(
                1,
                &["=SUM(A1)", "+81", "-5", "@x", "\t", "'abc", "'=x", "'"]
            )]
        );
    }

    #[test]
    fn an_unterminated_quote_is_reported_where_it_starts() {
        let e = parse("h\na\n\"b,c\nd\ne\n").unwrap_err();
        assert_eq!(e, ParseError::UnterminatedQuote { row: 3 });
        assert_eq!(e.to_cell_error().code, Code::UnterminatedQuote);
        assert!(e.to_string().starts_with("3 行目で始まる"));
    }

    #[test]
    fn crlf_in_a_cell_becomes_lf_and_a_lone_cr_stays() {
        assert_eq!(rows("\"a\r\nb\rc\"\n"), vec![rec(1, &["a\nb\rc"])]);
    }

    #[test]
    fn the_row_at_the_end_of_a_prefix() {
        assert_eq!(row_at_end(""), 1);
        assert_eq!(row_at_end("a\nb"), 2);
        assert_eq!(row_at_end("a\nb\n"), 3);
        assert_eq!(row_at_end("a\n\n\"x\ny\nz"), 3);
        assert_eq!(row_at_end("a\n\"x\ny\"\nz"), 3);
    }
}
