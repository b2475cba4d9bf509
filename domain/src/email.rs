//! The login id: an e-mail address, normalised so that the same person is one
//! account whatever the HR system or a spreadsheet did to the text.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A syntactically valid, normalised e-mail address.
///
/// Normalisation folds full-width ASCII (`ｔａｒｏ＠…`, common in Japanese
/// spreadsheets) to half-width, trims spaces and lower-cases the whole address
/// (login ids are case-insensitive).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Email(String);

/// Why a text is not an e-mail address.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EmailError {
    /// Nothing but spaces.
    #[error("メールアドレスが空です (e-mail address is empty)")]
    Empty,
    /// Not of the form local@domain.tld, or too long.
    #[error("メールアドレスの形式が正しくありません (not a valid e-mail address)")]
    Invalid,
}

impl Email {
    /// The normalisation alone, for any text compared with stored addresses
    /// (a search for part of an address): spaces trimmed, full-width ASCII
    /// folded, lower case.
    pub fn fold(raw: &str) -> String {
        raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}')
            .chars()
            .map(fold_full_width)
            .collect::<String>()
            .to_lowercase()
    }

    /// Normalises and checks `raw`.
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let folded = Self::fold(raw);
        if folded.is_empty() {
            return Err(EmailError::Empty);
        }
        let (local, domain) = folded.split_once('@').ok_or(EmailError::Invalid)?;
        let valid_local = !local.is_empty()
            && local.len() <= 64
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..");
        let labels: Vec<&str> = domain.split('.').collect();
        let valid_domain = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if valid_local && valid_domain && folded.len() <= 254 {
            Ok(Self(folded))
        } else {
            Err(EmailError::Invalid)
        }
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Full-width ASCII variants (U+FF01..U+FF5E) to their ASCII counterparts.
fn fold_full_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Email::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_and_case_are_folded() {
        let e =
            Email::parse(" Ｔａｒｏ．Ｙａｍａｄａ＠Ｃｉｔｙ．Ｅｘａｍｐｌｅ．ＪＰ ").map(|e| e.0);
        assert_eq!(e, Ok("taro.yamada@city.example.jp".to_owned()));
    }

    #[test]
    fn malformed_addresses_are_rejected() {
        for bad in [
            "",
            "   ",
            "taro",
            "taro@",
            "@city.jp",
            "taro@city",
            "ta ro@city.jp",
            "a..b@city.jp",
            "taro@-city.jp",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
