//! Preferences that follow a user across devices: playback speed, caption
//! choice and the interface language (`GET`/`PUT /api/v1/me/preferences`).

use crate::crediting::RATES;
use domain::UserId;
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

/// A user's playback preferences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// Playback rate, one of the rates heartbeats accept (0.25 … 4).
    pub playback_rate: f64,
    /// Caption language (`ja`, `en`, …), or empty for captions off.
    pub captions: String,
    /// Interface language, `ja` (the default) or `en`. A `PUT` without it
    /// keeps the stored one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// The interface languages.
pub const LANGUAGES: [&str; 2] = ["ja", "en"];

impl Default for Preferences {
    fn default() -> Self {
        Self {
            playback_rate: 1.0,
            captions: String::new(),
            language: Some("ja".into()),
        }
    }
}

impl Preferences {
    /// Why these preferences cannot be kept, in Japanese and English.
    pub fn problem(&self) -> Option<String> {
        if !RATES.contains(&self.playback_rate) {
            return Some(
                "再生速度は0.25〜4の範囲で指定してください (playback_rate must be between 0.25 and 4)"
                    .into(),
            );
        }
        let tag_ok = self.captions.len() <= 35
            && self
                .captions
                .split('-')
                .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric()));
        if !self.captions.is_empty() && !tag_ok {
            return Some(
                "字幕は言語タグ (ja, en, pt-BR など) か空文字で指定してください (captions must be a language tag or empty)"
                    .into(),
            );
        }
        if self
            .language
            .as_deref()
            .is_some_and(|l| !LANGUAGES.contains(&l))
        {
            return Some(
                "表示言語は ja か en で指定してください (language must be ja or en)".into(),
            );
        }
        None
    }
}

/// The user's preferences (the defaults until they choose).
pub fn get(conn: &Connection, user: UserId) -> rusqlite::Result<Preferences> {
    Ok(conn
        .query_row(
            "SELECT playback_rate, captions, language FROM preferences WHERE user_id = ?1",
            [user.get()],
            |r| {
                Ok(Preferences {
                    playback_rate: r.get(0)?,
                    captions: r.get(1)?,
                    language: Some(r.get(2)?),
                })
            },
        )
        .optional()?
        .unwrap_or_default())
}

/// Keeps the user's preferences (checked with [`Preferences::problem`] first).
pub fn set(
    conn: &Connection,
    user: UserId,
    prefs: &Preferences,
    now: Timestamp,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO preferences (user_id, playback_rate, captions, language, updated_at)
           VALUES (?1, ?2, ?3, COALESCE(?4, 'ja'), ?5)
         ON CONFLICT (user_id) DO UPDATE SET playback_rate = excluded.playback_rate,
             captions = excluded.captions, language = COALESCE(?4, preferences.language),
             updated_at = excluded.updated_at",
        params![
            user.get(),
            prefs.playback_rate,
            prefs.captions,
            prefs.language,
            now.to_string()
        ],
    )?;
    Ok(())
}
