//! The catalog's settings (section `[catalog]` of the configuration).

use serde::Deserialize;

/// Settings of the catalog role. Every key is documented in `config/default.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// IANA timezone whose calendar days reports use.
    pub timezone: String,
    /// Largest accepted upload in bytes (larger: 413).
    pub max_upload_bytes: u64,
    /// PBKDF2-HMAC-SHA-256 rounds for new password hashes (at least 600,000).
    pub pbkdf2_iterations: u32,
    /// A login session ends after this many minutes without a request.
    pub session_idle_minutes: i64,
    /// A login session ends this many hours after login, however active.
    pub session_absolute_hours: i64,
    /// Lifetime of a playback grant; renewed through heartbeats.
    pub grant_ttl_seconds: i64,
    /// Clock difference tolerated between catalog and origin.
    pub grant_skew_seconds: i64,
    /// The site (office network) a viewer is counted in when none is known.
    pub default_site: String,
    /// Bitrate cap (kbit/s) handed to players; 0 means no cap.
    pub max_bitrate_kbps: u32,
    /// Public base URL of the origin (`https://media.example.jp`); empty means
    /// the origin is served by this process under `/media`.
    pub origin_url: String,
    /// Mark the session cookie `Secure` (set when serving over HTTPS).
    pub cookie_secure: bool,
    /// Directory of the built front end, served at `/`.
    pub static_dir: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            timezone: "Asia/Tokyo".into(),
            max_upload_bytes: 4 * 1024 * 1024 * 1024,
            pbkdf2_iterations: 600_000,
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            grant_ttl_seconds: 600,
            grant_skew_seconds: 30,
            default_site: "default".into(),
            max_bitrate_kbps: 0,
            origin_url: String::new(),
            cookie_secure: false,
            static_dir: "player/dist".into(),
        }
    }
}

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The timezone is not in the system's time zone database.
    #[error("catalog.timezone: unknown time zone {0:?}")]
    Timezone(String),
    /// Fewer PBKDF2 rounds than the minimum.
    #[error("catalog.pbkdf2_iterations must be at least 600000")]
    TooFewRounds,
}

impl Settings {
    /// Checks the values and resolves the timezone.
    pub fn timezone(&self) -> Result<jiff::tz::TimeZone, SettingsError> {
        jiff::tz::TimeZone::get(&self.timezone)
            .map_err(|_| SettingsError::Timezone(self.timezone.clone()))
    }

    /// Rejects settings that would weaken security or cannot work.
    pub fn validate(&self) -> Result<(), SettingsError> {
        self.timezone()?;
        if self.pbkdf2_iterations < 600_000 {
            return Err(SettingsError::TooFewRounds);
        }
        Ok(())
    }
}
