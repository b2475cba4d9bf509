//! Typed identifiers. Database rows use 64-bit integers; playback sessions use
//! 128 random bits because they appear in URLs handed to browsers.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

macro_rules! int_id {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// Wraps a database row id.
            pub const fn new(raw: i64) -> Self { Self(raw) }
            /// The database row id.
            pub const fn get(self) -> i64 { self.0 }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { self.0.fmt(f) }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let raw: i64 = s.parse()?;
                Ok(Self(raw))
            }
        }
    )*};
}

int_id!(
    /// A user account.
    UserId,
    /// A user group (部, 課, 係).
    GroupId,
    /// One of the seven domains (分野).
    CategoryId,
    /// A course: lessons in order.
    CourseId,
    /// A lesson inside a course, pointing at a video.
    LessonId,
    /// An uploaded video and its renditions.
    VideoId,
);

/// One playback of one video by one user: 128 random bits, hex encoded.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PlaybackSessionId(String);

/// A playback session id was not 32 lowercase hex digits.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a playback session id is 32 hexadecimal digits")]
pub struct BadSessionId;

impl PlaybackSessionId {
    /// Makes a new id from 16 random bytes supplied by the caller.
    pub fn from_random(bytes: [u8; 16]) -> Self {
        Self(hex::encode(bytes))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PlaybackSessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for PlaybackSessionId {
    type Err = BadSessionId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() == 32
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            Ok(Self(s.to_owned()))
        } else {
            Err(BadSessionId)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_id_round_trips_and_rejects_garbage() {
        let id = PlaybackSessionId::from_random([0xab; 16]);
        assert_eq!(id.as_str().parse::<PlaybackSessionId>(), Ok(id.clone()));
        assert!("../etc".parse::<PlaybackSessionId>().is_err());
        assert!(
            "ABABABABABABABABABABABABABABABAB"
                .parse::<PlaybackSessionId>()
                .is_err()
        );
    }

    #[test]
    fn int_ids_parse_only_numbers() {
        assert_eq!("42".parse::<VideoId>().map(VideoId::get), Ok(42));
        assert!("4a".parse::<VideoId>().is_err());
    }
}
