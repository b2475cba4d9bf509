//! The store's settings (section `[store]` of the configuration) and their
//! validation. Every key is documented in `config/default.toml`.

use crate::StoreError;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

/// Which store holds the media.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A directory below the data directory (`{data_dir}/media`).
    #[default]
    Local,
    /// An S3 bucket (AWS or an S3-compatible server).
    S3,
}

/// Settings of the media store. The S3 keys are ignored for `kind = "local"`.
///
/// `Debug` never shows the secret key (it is a [`SecretString`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Local directory or S3 bucket.
    pub kind: Kind,
    /// The local directory; empty: `{data_dir}/media` (for `[mirror]`:
    /// empty means no mirror).
    pub path: String,
    /// The S3 bucket (must exist).
    pub bucket: String,
    /// The S3 region; S3-compatible servers mostly accept any.
    pub region: String,
    /// The S3 endpoint URL (`http://127.0.0.1:9000`); empty means AWS.
    pub endpoint: String,
    /// The S3 access key id.
    pub access_key_id: String,
    /// The S3 secret access key.
    pub secret_access_key: SecretString,
    /// A file holding the secret access key (instead of `secret_access_key`).
    pub secret_access_key_file: String,
    /// Objects live below this key prefix in the bucket (`manabi/` → `manabi/videos/…`).
    pub prefix: String,
    /// Longest wait for a connection to S3, in milliseconds.
    pub connect_timeout_ms: u64,
    /// Longest wait for one attempt of a request (up to the response headers
    /// of a download; uploads are limited by stall detection instead), in ms.
    pub request_timeout_ms: u64,
    /// Server-side encryption S3 is asked for on every object written:
    /// `""` (the bucket's default), `"AES256"` (SSE-S3) or `"aws:kms"`
    /// (SSE-KMS, with `sse_kms_key_id`).
    pub server_side_encryption: String,
    /// The KMS key for `aws:kms`; empty: the account's default key.
    pub sse_kms_key_id: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            kind: Kind::Local,
            path: String::new(),
            bucket: String::new(),
            region: "us-east-1".into(),
            endpoint: String::new(),
            access_key_id: String::new(),
            secret_access_key: SecretString::from(""),
            secret_access_key_file: String::new(),
            prefix: String::new(),
            connect_timeout_ms: 800,
            request_timeout_ms: 30_000,
            server_side_encryption: String::new(),
            sse_kms_key_id: String::new(),
        }
    }
}

/// A `[store]` setting that cannot be used, or a store that cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A key that `kind = "s3"` needs is empty.
    #[error("store.{0} is required when store.kind = \"s3\"")]
    Required(&'static str),
    /// Both ways of giving the secret key are used.
    #[error("set store.secret_access_key or store.secret_access_key_file, not both")]
    TwoSecrets,
    /// The secret key file could not be read. (The cause is part of the
    /// message, not a `source`, so error chains print it once.)
    #[error("store.secret_access_key_file: cannot read {path}: {cause}")]
    SecretFile {
        /// The configured file.
        path: String,
        /// Why it could not be read.
        cause: std::io::Error,
    },
    /// The endpoint is not an http(s) URL.
    #[error("store.endpoint must be an http:// or https:// URL (or empty for AWS), got {0:?}")]
    Endpoint(String),
    /// The prefix is not a relative key path.
    #[error(
        "store.prefix must be key segments separated by \"/\" (e.g. \"manabi\"), \
         without empty, \".\" or \"..\" segments, got {0:?}"
    )]
    Prefix(String),
    /// An encryption S3 does not offer.
    #[error(
        "store.server_side_encryption must be \"\" (the bucket's default), \"AES256\" or \"aws:kms\", got {0:?}"
    )]
    Encryption(String),
    /// A KMS key without `aws:kms`.
    #[error("store.sse_kms_key_id needs store.server_side_encryption = \"aws:kms\"")]
    KmsKeyWithoutKms,
    /// A timeout of zero would fail every request.
    #[error("store.{0} must be greater than 0")]
    ZeroTimeout(&'static str),
    /// The local store's directory could not be created.
    #[error("opening the local media store {}: {cause}", root.display())]
    Local {
        /// `{data_dir}/media`.
        root: PathBuf,
        /// What went wrong.
        cause: StoreError,
    },
}

/// The S3 settings, checked: what [`crate::S3Store`] is built from.
#[derive(Debug, Clone)]
pub struct S3Options {
    /// The bucket.
    pub bucket: String,
    /// The region.
    pub region: String,
    /// The endpoint URL; `None` means AWS.
    pub endpoint: Option<String>,
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: SecretString,
    /// `""` or a prefix ending in `/`.
    pub prefix: String,
    /// Connection timeout.
    pub connect_timeout: Duration,
    /// Timeout of one request attempt.
    pub request_timeout: Duration,
    /// Server-side encryption asked for on writes (`AES256`, `aws:kms`).
    pub encryption: Option<String>,
    /// The KMS key of `aws:kms`.
    pub kms_key_id: Option<String>,
}

impl Settings {
    /// Checks the S3 keys and reads the secret key file, if any.
    pub fn s3_options(&self) -> Result<S3Options, SettingsError> {
        let required = |value: &str, key: &'static str| {
            if value.trim().is_empty() {
                Err(SettingsError::Required(key))
            } else {
                Ok(value.trim().to_owned())
            }
        };
        let bucket = required(&self.bucket, "bucket")?;
        let region = required(&self.region, "region")?;
        let access_key_id = required(&self.access_key_id, "access_key_id")?;
        let inline = self.secret_access_key.expose_secret().trim();
        let secret = match (inline.is_empty(), self.secret_access_key_file.is_empty()) {
            (false, false) => return Err(SettingsError::TwoSecrets),
            (false, true) => inline.to_owned(),
            (true, false) => std::fs::read_to_string(&self.secret_access_key_file)
                .map_err(|cause| SettingsError::SecretFile {
                    path: self.secret_access_key_file.clone(),
                    cause,
                })?
                .trim()
                .to_owned(),
            (true, true) => String::new(),
        };
        if secret.is_empty() {
            return Err(SettingsError::Required(
                "secret_access_key (or store.secret_access_key_file)",
            ));
        }
        let endpoint = self.endpoint.trim();
        let endpoint = if endpoint.is_empty() {
            None
        } else if endpoint.starts_with("http://") || endpoint.starts_with("https://") {
            Some(endpoint.trim_end_matches('/').to_owned())
        } else {
            return Err(SettingsError::Endpoint(self.endpoint.clone()));
        };
        let timeout = |ms: u64, key: &'static str| match ms {
            0 => Err(SettingsError::ZeroTimeout(key)),
            ms => Ok(Duration::from_millis(ms)),
        };
        let encryption = match self.server_side_encryption.trim() {
            "" => None,
            sse @ ("AES256" | "aws:kms") => Some(sse.to_owned()),
            other => return Err(SettingsError::Encryption(other.to_owned())),
        };
        let kms_key_id = Some(self.sse_kms_key_id.trim().to_owned()).filter(|k| !k.is_empty());
        if kms_key_id.is_some() && encryption.as_deref() != Some("aws:kms") {
            return Err(SettingsError::KmsKeyWithoutKms);
        }
        Ok(S3Options {
            encryption,
            kms_key_id,
            bucket,
            region,
            endpoint,
            access_key_id,
            secret_access_key: SecretString::from(secret),
            prefix: normalise_prefix(&self.prefix)?,
            connect_timeout: timeout(self.connect_timeout_ms, "connect_timeout_ms")?,
            request_timeout: timeout(self.request_timeout_ms, "request_timeout_ms")?,
        })
    }
}

/// `""` stays empty; `a/b` and `a/b/` become `a/b/`.
fn normalise_prefix(prefix: &str) -> Result<String, SettingsError> {
    let trimmed = prefix.strip_suffix('/').unwrap_or(prefix);
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    let ok = trimmed
        .split('/')
        .all(|s| !s.is_empty() && s != "." && s != ".." && !s.contains('\\'));
    if ok {
        Ok(format!("{trimmed}/"))
    } else {
        Err(SettingsError::Prefix(prefix.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s3() -> Settings {
        Settings {
            kind: Kind::S3,
            bucket: "media".into(),
            access_key_id: "AKID".into(),
            secret_access_key: SecretString::from("very-secret-key"),
            ..Settings::default()
        }
    }

    #[test]
    fn store_section_parses_and_rejects_unknown_keys() {
        let parsed: Settings = serde_json::from_str(
            r#"{"kind": "s3", "bucket": "media", "secret_access_key": "very-secret-key"}"#,
        )
        .unwrap();
        assert_eq!(
            (parsed.kind, parsed.region.as_str()),
            (Kind::S3, "us-east-1")
        );
        assert_eq!(parsed.connect_timeout_ms, 800);
        let local: Settings = serde_json::from_str("{}").unwrap();
        assert_eq!(local.kind, Kind::Local);
        let typo = serde_json::from_str::<Settings>(r#"{"buckets": "media"}"#);
        assert!(
            typo.unwrap_err()
                .to_string()
                .contains("unknown field `buckets`")
        );
        assert!(serde_json::from_str::<Settings>(r#"{"kind": "S3"}"#).is_err());
    }

    #[test]
    fn debug_output_hides_the_secret_key() {
        let settings = s3();
        let options = settings.s3_options().unwrap();
        for text in [format!("{settings:?}"), format!("{options:?}")] {
            assert!(!text.contains("very-secret-key"), "{text}");
        }
    }

    #[test]
    fn missing_s3_keys_are_named() {
        let settings = Settings {
            bucket: String::new(),
            ..s3()
        };
        let err = settings.s3_options().unwrap_err().to_string();
        assert_eq!(err, "store.bucket is required when store.kind = \"s3\"");
        let settings = Settings {
            secret_access_key: SecretString::from(""),
            ..s3()
        };
        let err = settings.s3_options().unwrap_err().to_string();
        assert!(err.starts_with("store.secret_access_key (or"), "{err}");
    }

    #[test]
    fn secret_key_is_read_from_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secret");
        std::fs::write(&file, "from-file\n").unwrap();
        let settings = Settings {
            secret_access_key: SecretString::from(""),
            secret_access_key_file: file.display().to_string(),
            ..s3()
        };
        let options = settings.s3_options().unwrap();
        assert_eq!(options.secret_access_key.expose_secret(), "from-file");
        let both = Settings {
            secret_access_key_file: file.display().to_string(),
            ..s3()
        };
        assert!(matches!(both.s3_options(), Err(SettingsError::TwoSecrets)));
    }

    #[test]
    fn prefixes_are_normalised_and_checked() {
        assert_eq!(normalise_prefix("").unwrap(), "");
        assert_eq!(normalise_prefix("manabi").unwrap(), "manabi/");
        assert_eq!(normalise_prefix("a/b/").unwrap(), "a/b/");
        for bad in ["/a", "a//b", "../a", "a/./b", "//"] {
            assert!(normalise_prefix(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn endpoint_must_be_a_url_and_timeouts_positive() {
        let settings = Settings {
            endpoint: "127.0.0.1:9000".into(),
            ..s3()
        };
        assert!(matches!(
            settings.s3_options(),
            Err(SettingsError::Endpoint(_))
        ));
        let settings = Settings {
            connect_timeout_ms: 0,
            ..s3()
        };
        assert_eq!(
            settings.s3_options().unwrap_err().to_string(),
            "store.connect_timeout_ms must be greater than 0"
        );
    }
}
