//! The catalog's settings (section `[catalog]` of the configuration).

use secrecy::{ExposeSecret, SecretString};
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
    /// Wrong passwords accepted per account per hour; more get 429 until the
    /// oldest is an hour old.
    pub login_failures_per_account_hour: i64,
    /// Wrong passwords accepted per client address per hour (a whole office
    /// may share one address behind its proxy: keep it generous).
    pub login_failures_per_client_hour: i64,
    /// Lifetime of a playback grant; renewed through heartbeats.
    pub grant_ttl_seconds: i64,
    /// Public base URL of the origin (`https://media.example.jp`); empty means
    /// the origin is served by this process under `/media`.
    pub origin_url: String,
    /// Mark the session cookie `Secure` (set when serving over HTTPS).
    pub cookie_secure: bool,
    /// Directory of the built front end, served at `/`.
    pub static_dir: String,
    /// A transcode job's claim lasts this long unless its worker reports progress.
    pub job_lease_seconds: i64,
    /// Bearer token remote workers present to the internal job API; empty
    /// disables that API (in-process workers do not need it).
    pub worker_token: SecretString,
    /// File holding the worker token (instead of `worker_token`).
    pub worker_token_file: String,
    /// A sync import that would disable more than this share (0..1) of the
    /// active users within the importer's reach needs explicit confirmation.
    pub import_max_disable_share: f64,
    /// Largest accepted import file in bytes (larger: 413).
    pub import_max_bytes: u64,
    /// The number of user IDs the licence covers; more active users are
    /// warned about, never refused.
    pub licensed_seats: u32,
    /// Days a deleted user, group, course or video stays in the trash.
    pub trash_retention_days: u32,
    /// A video counts as completed (修了) once this share (0..1] of its
    /// seconds has been played at least once.
    pub completion_coverage: f64,
    /// A maintenance notice must be published this many days before its
    /// window starts, unless marked urgent.
    pub maintenance_notice_days: u32,
    /// The database's encryption key, 64 hex digits (prefer `db_key_file`
    /// or the environment).
    pub db_key: SecretString,
    /// A file holding the database key; empty: `{data_dir}/keys/db.key`,
    /// created with a random key when missing.
    pub db_key_file: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            timezone: "Asia/Tokyo".into(),
            max_upload_bytes: 4 * 1024 * 1024 * 1024,
            pbkdf2_iterations: 600_000,
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            login_failures_per_account_hour: 20,
            login_failures_per_client_hour: 300,
            grant_ttl_seconds: 45,
            origin_url: String::new(),
            cookie_secure: false,
            static_dir: "player/dist".into(),
            job_lease_seconds: 60,
            worker_token: SecretString::from(""),
            worker_token_file: String::new(),
            import_max_disable_share: 0.10,
            import_max_bytes: 32 * 1024 * 1024,
            licensed_seats: 100,
            trash_retention_days: 90,
            completion_coverage: 0.95,
            maintenance_notice_days: 7,
            db_key: SecretString::from(""),
            db_key_file: String::new(),
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
    /// The worker token file could not be read.
    #[error("catalog.worker_token_file: {0}")]
    TokenFile(String),
    /// A worker token too short to resist guessing.
    #[error("catalog.worker_token must be at least 32 characters")]
    WeakToken,
    /// A share outside 0..1.
    #[error("catalog.import_max_disable_share must be between 0 and 1")]
    DisableShare,
    /// The database key cannot be read or created.
    #[error("catalog.{0}")]
    DbKey(String),
    /// A grant lifetime players cannot work with.
    #[error("catalog.grant_ttl_seconds must be between 1 and 86400 (a day)")]
    GrantTtl,
    /// The completion share is not in (0, 1].
    #[error("catalog.completion_coverage must be more than 0 and at most 1 (e.g. 0.95)")]
    Completion,
}

impl Settings {
    /// How long login sessions live.
    pub fn lifetimes(&self) -> crate::sessions::Lifetimes {
        crate::sessions::Lifetimes {
            idle: jiff::SignedDuration::from_mins(self.session_idle_minutes),
            absolute: jiff::SignedDuration::from_hours(self.session_absolute_hours),
        }
    }

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
        if !(1..=86_400).contains(&self.grant_ttl_seconds) {
            return Err(SettingsError::GrantTtl);
        }
        if !(0.0..=1.0).contains(&self.import_max_disable_share) {
            return Err(SettingsError::DisableShare);
        }
        if !(self.completion_coverage > 0.0 && self.completion_coverage <= 1.0) {
            return Err(SettingsError::Completion);
        }
        let token = self.worker_token()?;
        if token.as_ref().is_some_and(|t| t.expose_secret().len() < 32) {
            return Err(SettingsError::WeakToken);
        }
        Ok(())
    }

    /// The database key: `db_key`, or its file (created with a random key,
    /// mode 0600, when it does not exist yet).
    pub fn db_key(&self, data_dir: &std::path::Path) -> Result<crate::keyfile::Key, SettingsError> {
        crate::keyfile::resolve(
            self.db_key.expose_secret(),
            &self.db_key_file,
            &data_dir.join("keys").join("db.key"),
            "db_key",
            "created the database key: without it the database cannot be opened; keep a copy apart from the data directory",
        )
        .map_err(SettingsError::DbKey)
    }

    /// The worker token, from the setting or its file; `None` when disabled.
    pub fn worker_token(&self) -> Result<Option<SecretString>, SettingsError> {
        let token = if self.worker_token_file.is_empty() {
            self.worker_token.expose_secret().to_owned()
        } else {
            std::fs::read_to_string(&self.worker_token_file)
                .map_err(|e| SettingsError::TokenFile(e.to_string()))?
        };
        let token = token.trim();
        Ok((!token.is_empty()).then(|| SecretString::from(token.to_owned())))
    }
}
