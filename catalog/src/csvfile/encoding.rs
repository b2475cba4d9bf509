//! Bytes ↔ text for CSV files: which encoding a file is in, and whether a text
//! can be written in the one asked for.
//!
//! Japanese HR systems and Excel's plain "CSV" save Shift_JIS — in practice
//! Windows-31J (CP932), with the NEC special characters (①, ㈱, ㍻) and the IBM
//! extensions (髙, 﨑). encoding_rs' `SHIFT_JIS` is the WHATWG Encoding
//! Standard's, which is exactly CP932, so both are read and written. Excel's
//! "CSV UTF-8" adds a BOM. Excel's "Unicode text" is UTF-16 and tab-separated;
//! it is refused with advice rather than guessed at.
//!
//! Detection: a UTF-8 BOM means UTF-8; otherwise valid UTF-8 is UTF-8 (pure
//! ASCII is both, and reads the same) and anything else must be valid
//! Shift_JIS. Shift_JIS Japanese text is practically never valid UTF-8.

use super::{CellError, Code};
use encoding_rs::{DecoderResult, SHIFT_JIS};
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// A CSV file's character encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// UTF-8 without a byte order mark.
    Utf8,
    /// UTF-8 with a BOM (Excel's "CSV UTF-8"; the export default).
    Utf8Bom,
    /// Shift_JIS as Windows writes it (CP932 / Windows-31J).
    ShiftJis,
}

impl Encoding {
    /// The machine name (`utf8`, `utf8_bom`, `shift_jis`).
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf8",
            Encoding::Utf8Bom => "utf8_bom",
            Encoding::ShiftJis => "shift_jis",
        }
    }

    /// The name shown to people in the preview.
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 (BOM付き)",
            Encoding::ShiftJis => "Shift_JIS",
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text was not an encoding name.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("encoding must be utf8, utf8_bom or shift_jis")]
pub struct UnknownEncoding;

impl FromStr for Encoding {
    type Err = UnknownEncoding;
    /// Accepts the machine names and the usual aliases (`utf-8`, `sjis`,
    /// `cp932`, `windows-31j`), case-insensitively, e.g. from `?encoding=`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "utf8" | "utf_8" => Ok(Encoding::Utf8),
            "utf8_bom" | "utf_8_bom" | "bom" => Ok(Encoding::Utf8Bom),
            "shift_jis" | "sjis" | "shiftjis" | "cp932" | "windows_31j" | "ms932" => {
                Ok(Encoding::ShiftJis)
            }
            _ => Err(UnknownEncoding),
        }
    }
}

/// A decoded file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The text, without the BOM.
    pub text: String,
    /// The encoding it was in.
    pub encoding: Encoding,
}

/// Why a file's bytes are not text we read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    /// UTF-16 (a UTF-16 BOM, or NUL bytes every other byte).
    #[error(
        "UTF-16（Unicode テキスト）のファイルは読み込めません。Excel の「名前を付けて保存」で「CSV UTF-8（コンマ区切り）」または「CSV（コンマ区切り）」を選んで保存し直してください (UTF-16 is not supported: save as CSV UTF-8 or CSV Shift_JIS)"
    )]
    Utf16,
    /// The file starts with a UTF-8 BOM but has bytes that are not UTF-8.
    #[error(
        "{row} 行目に UTF-8 として読めない文字があります。ファイルが壊れていないか確認してください (row {row}: invalid UTF-8)"
    )]
    InvalidUtf8 {
        /// The spreadsheet row of the first bad byte.
        row: usize,
    },
    /// Bytes that are valid neither as UTF-8 nor as Shift_JIS.
    #[error(
        "{row} 行目に UTF-8 としても Shift_JIS としても読めない文字があります。ファイルが壊れていないか確認してください (row {row}: neither UTF-8 nor Shift_JIS)"
    )]
    InvalidBytes {
        /// The spreadsheet row of the first bad byte in the encoding that read
        /// further (the one the file was most likely meant to be in).
        row: usize,
    },
}

impl DecodeError {
    /// The machine code.
    pub fn code(&self) -> Code {
        match self {
            DecodeError::Utf16 => Code::Utf16,
            DecodeError::InvalidUtf8 { .. } | DecodeError::InvalidBytes { .. } => {
                Code::InvalidEncoding
            }
        }
    }

    /// As a preview row (row 1 for UTF-16).
    pub fn to_cell_error(&self) -> CellError {
        let row = match self {
            DecodeError::Utf16 => 1,
            DecodeError::InvalidUtf8 { row } | DecodeError::InvalidBytes { row } => *row,
        };
        CellError {
            row,
            column: String::new(),
            code: self.code(),
            message: self.to_string(),
        }
    }
}

/// Detects the encoding of `bytes` and decodes them.
pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") || looks_utf16(bytes) {
        return Err(DecodeError::Utf16);
    }
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return match std::str::from_utf8(rest) {
            Ok(text) => Ok(Decoded {
                text: text.to_owned(),
                encoding: Encoding::Utf8Bom,
            }),
            Err(e) => Err(DecodeError::InvalidUtf8 {
                row: row_of_prefix_utf8(rest, e.valid_up_to()),
            }),
        };
    }
    let utf8_error = match std::str::from_utf8(bytes) {
        Ok(text) => {
            return Ok(Decoded {
                text: text.to_owned(),
                encoding: Encoding::Utf8,
            });
        }
        Err(e) => e,
    };
    match decode_shift_jis(bytes) {
        Ok(text) => Ok(Decoded {
            text,
            encoding: Encoding::ShiftJis,
        }),
        Err((prefix, sjis_valid_up_to)) => {
            let row = if utf8_error.valid_up_to() > sjis_valid_up_to {
                row_of_prefix_utf8(bytes, utf8_error.valid_up_to())
            } else {
                super::read::row_at_end(&prefix)
            };
            Err(DecodeError::InvalidBytes { row })
        }
    }
}

/// The spreadsheet row at byte `valid_up_to` of a text valid UTF-8 up to there.
fn row_of_prefix_utf8(bytes: &[u8], valid_up_to: usize) -> usize {
    let prefix = bytes.get(..valid_up_to).unwrap_or_default();
    super::read::row_at_end(&String::from_utf8_lossy(prefix))
}

/// Shift_JIS (CP932) without replacement; on failure the text decoded so far
/// and the byte offset of the first bad byte.
fn decode_shift_jis(bytes: &[u8]) -> Result<String, (String, usize)> {
    let mut decoder = SHIFT_JIS.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(3));
    let mut text = String::with_capacity(capacity);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut text, true);
    match result {
        DecoderResult::InputEmpty => Ok(text),
        DecoderResult::Malformed(bad, after) => {
            let at = read.saturating_sub(usize::from(bad) + usize::from(after));
            Err((text, at))
        }
        // Cannot happen with the capacity reserved above; report the file as
        // unreadable at the point reached rather than panic.
        DecoderResult::OutputFull => Err((text, read)),
    }
}

/// UTF-16 without a BOM: mostly-ASCII UTF-16 has a NUL in every other byte.
fn looks_utf16(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(512)];
    head.len() >= 4 && head.iter().filter(|&&b| b == 0).count() * 4 >= head.len()
}

/// Characters that WHATWG's Shift_JIS encoder writes but that decode as a
/// different character (¥ → `\`, ‾ → `~`, − → －): writing them would
/// silently change the data, so they count as unmappable.
const LOSSY_IN_SHIFT_JIS: [char; 3] = ['\u{A5}', '\u{203E}', '\u{2212}'];

/// Whether `c` survives a trip through Shift_JIS (CP932) unchanged.
pub fn shift_jis_can_hold(c: char) -> bool {
    if c.is_ascii() {
        return true;
    }
    if LOSSY_IN_SHIFT_JIS.contains(&c) {
        return false;
    }
    let mut buf = [0u8; 4];
    let (_, _, unmappable) = SHIFT_JIS.encode(c.encode_utf8(&mut buf));
    !unmappable
}

/// Appends `text` in Shift_JIS to `out`, or returns every character (in
/// order, with repeats) that Shift_JIS cannot hold, writing nothing.
pub(crate) fn push_shift_jis(out: &mut Vec<u8>, text: &str) -> Result<(), Vec<char>> {
    if text.is_ascii() {
        out.extend_from_slice(text.as_bytes());
        return Ok(());
    }
    let (bytes, _, unmappable) = SHIFT_JIS.encode(text);
    if unmappable || text.contains(LOSSY_IN_SHIFT_JIS) {
        return Err(text.chars().filter(|&c| !shift_jis_can_hold(c)).collect());
    }
    out.extend_from_slice(&bytes);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sjis(text: &str) -> Vec<u8> {
        let mut out = Vec::new();
        push_shift_jis(&mut out, text).unwrap();
        out
    }

    #[test]
    fn plain_and_bom_utf8_are_told_apart() {
        let d = decode("メールアドレス,備考\n".as_bytes()).unwrap();
        assert_eq!(
            (d.text.as_str(), d.encoding),
            ("メールアドレス,備考\n", Encoding::Utf8)
        );
        let d = decode("\u{feff}email\n".as_bytes()).unwrap();
        assert_eq!(
            (d.text.as_str(), d.encoding),
            ("email\n", Encoding::Utf8Bom)
        );
        assert_eq!(decode(b"").unwrap().encoding, Encoding::Utf8);
    }

    #[test]
    fn cp932_nec_and_ibm_extensions_are_read() {
        // Bytes as Windows writes them: ① (NEC row 13), ㈱, ㍻, ∑; 髙 and 﨑
        // in the IBM extension area (FA–FC) and 髙 in NEC's copy (ED/EE).
        let bytes = [
            0x87, 0x40, 0x87, 0x8A, 0x87, 0x7E, 0x87, 0x94, 0xFB, 0xFC, 0xFA, 0xB1, 0xEE, 0xE0,
            0x81, 0x60, 0xB6, 0xC0,
        ];
        let d = decode(&bytes).unwrap();
        assert_eq!(d.encoding, Encoding::ShiftJis);
        assert_eq!(d.text, "①㈱㍻∑髙﨑髙～ｶﾀ");
        // Written back, 髙 takes the IBM code (FBFC), as Windows does.
        assert_eq!(
            sjis("髙﨑①㈱"),
            [0xFB, 0xFC, 0xFA, 0xB1, 0x87, 0x40, 0x87, 0x8A]
        );
    }

    #[test]
    fn utf16_is_refused_with_advice() {
        for bytes in [
            &b"\xFF\xFEe\0m\0"[..],
            b"\xFE\xFF\0e\0m",
            b"e\0m\0a\0i\0l\0,\0",
        ] {
            let e = decode(bytes).unwrap_err();
            assert_eq!(e, DecodeError::Utf16);
            assert!(e.to_string().contains("CSV UTF-8"), "{e}");
        }
    }

    #[test]
    fn bad_bytes_are_reported_at_their_row() {
        // Shift_JIS text with a byte that cannot start a character on row 3.
        let mut bytes = sjis("email,remarks\r\na@x.jp,山田\r\nb@x.jp,");
        bytes.push(0xFF);
        bytes.extend_from_slice(b"\r\n");
        assert_eq!(decode(&bytes), Err(DecodeError::InvalidBytes { row: 3 }));
        // UTF-8 text with a stray byte on row 4, after a quoted line break; as
        // Shift_JIS it would already fail on row 2 (`à` is C3 A0).
        let mut bytes = "h\nà\n\"a\nb\"\nx".as_bytes().to_vec();
        bytes.push(0xFF);
        assert_eq!(decode(&bytes), Err(DecodeError::InvalidBytes { row: 4 }));
        let mut bytes = b"\xEF\xBB\xBFh\nx".to_vec();
        bytes.push(0xC3);
        let e = decode(&bytes).unwrap_err();
        assert_eq!(e, DecodeError::InvalidUtf8 { row: 2 });
        assert_eq!(e.to_cell_error().code, Code::InvalidEncoding);
        assert!(e.to_string().starts_with("2 行目に"));
    }

    #[test]
    fn shift_jis_reports_what_it_cannot_hold() {
        let mut out = Vec::new();
        let bad = push_shift_jis(&mut out, "𠮷野家の〜¥100−😀").unwrap_err();
        assert_eq!(bad, ['𠮷', '〜', '¥', '−', '😀']);
        assert!(out.is_empty());
        assert!(shift_jis_can_hold('～') && shift_jis_can_hold('－') && shift_jis_can_hold('ｶ'));
    }

    /// Every Unicode scalar value: "holdable" means encode → decode gives it
    /// back, so nothing we write in Shift_JIS can come back changed.
    #[test]
    fn shift_jis_can_hold_means_an_exact_round_trip() {
        let mut held = 0;
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let s = c.to_string();
            let (bytes, _, unmappable) = SHIFT_JIS.encode(&s);
            let exact = !unmappable
                && SHIFT_JIS
                    .decode_without_bom_handling_and_without_replacement(&bytes)
                    .is_some_and(|back| back == s);
            assert_eq!(shift_jis_can_hold(c), exact, "U+{:04X}", c as u32);
            held += usize::from(exact);
        }
        // ASCII + U+0080, 63 half-width kana, JIS X 0208 and the CP932
        // extensions, duplicates once (the user-defined area only decodes).
        assert_eq!(held, 7518);
    }

    #[test]
    fn encoding_names_parse() {
        for e in [Encoding::Utf8, Encoding::Utf8Bom, Encoding::ShiftJis] {
            assert_eq!(e.as_str().parse(), Ok(e));
        }
        assert_eq!("Windows-31J".parse(), Ok(Encoding::ShiftJis));
        assert_eq!("UTF-8".parse(), Ok(Encoding::Utf8));
        assert!("latin1".parse::<Encoding>().is_err());
    }
}
