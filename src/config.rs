//! Configuration: `config/default.toml` (built in) → `--config FILE` →
//! `MANABI_*` environment variables (`__` between nested keys).

use anyhow::Context;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The documented defaults, compiled in so the binary runs from anywhere.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Database, media, uploads and keys live here.
    pub data_dir: PathBuf,
    /// HTTP listener.
    pub http: Http,
    /// Logging.
    pub log: Log,
    /// Playback grant keys.
    pub grant: GrantKeys,
    /// The catalog role.
    pub catalog: catalog::Settings,
    /// The media store: local directory or S3.
    pub store: store::Settings,
    /// A second media store kept an exact copy of the first (none by default).
    pub mirror: store::Settings,
    /// The origin role.
    pub origin: origin::Settings,
    /// Sites (office networks), their budgets and trusted proxies.
    #[serde(default)]
    pub network: domain::Network,
    /// The transcoder.
    pub transcoder: Transcoder,
    /// A remote worker's connection to its catalog.
    pub worker: Worker,
    /// Invitation e-mails (off unless a server is named).
    pub smtp: catalog::mail::Settings,
    /// Backups of the catalog.
    pub backup: catalog::backup::Settings,
    /// A second place every backup is copied to (none by default).
    pub backup_copy: store::Settings,
}

/// `[worker]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Worker {
    /// The catalog's base URL.
    pub catalog_url: String,
    /// The catalog's worker token.
    pub token: secrecy::SecretString,
    /// A file holding the token.
    pub token_file: PathBuf,
}

/// `[http]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Http {
    /// Listen address.
    pub addr: String,
    /// PEM certificate chain for the built-in HTTPS server (with `tls_key`).
    pub tls_cert: PathBuf,
    /// PEM private key of `tls_cert`.
    pub tls_key: PathBuf,
}

impl Http {
    /// The built-in HTTPS server's configuration, when both files are set.
    pub fn tls(&self) -> anyhow::Result<Option<rustls::ServerConfig>> {
        match (
            self.tls_cert.as_os_str().is_empty(),
            self.tls_key.as_os_str().is_empty(),
        ) {
            (true, true) => Ok(None),
            (false, false) => Ok(Some(
                catalog::tls::server_config(&self.tls_cert, &self.tls_key)
                    .map_err(anyhow::Error::msg)?,
            )),
            _ => anyhow::bail!("http.tls_cert and http.tls_key go together: set both or neither"),
        }
    }
}

/// `[log]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Log {
    /// `json` or `text`.
    pub format: String,
    /// A tracing filter.
    pub level: String,
}

/// `[grant]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantKeys {
    /// Keys given inline (`key_id hex_secret`, `;` or newlines between keys);
    /// when set, the key file is not used.
    pub keys: secrecy::SecretString,
    /// Key file; empty means `{data_dir}/keys/grant.keys`.
    pub keys_file: PathBuf,
}

/// `[transcoder]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transcoder {
    /// Ladder name.
    pub ladder: String,
    /// x264 CRF.
    pub crf: u8,
    /// x264 preset.
    pub preset: String,
    /// AAC bitrate.
    pub audio_kbps: u32,
    /// Frame rate cap.
    pub max_fps: u32,
    /// Longest accepted input.
    pub max_duration_s: f64,
    /// Encoder threads in total.
    pub threads: usize,
    /// Segment length.
    pub segment_seconds: u32,
    /// Keyframe interval.
    pub keyframe_seconds: u32,
}

impl Config {
    /// Opens the catalog database of `data_dir` with the configured key
    /// (for the commands that work on a data directory: backup, mirror, purge).
    pub fn open_catalog_db(&self) -> anyhow::Result<catalog::db::Db> {
        let key = self.catalog.db_key(&self.data_dir)?;
        Ok(catalog::db::Db::open(
            &self.data_dir.join("catalog.db"),
            &key,
        )?)
    }

    /// Loads the layers; `file` is the `--config` argument.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        Self::load_with_env(file, std::env::vars())
    }

    /// Like [`Config::load`] with an explicit environment (tests).
    pub fn load_with_env(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> anyhow::Result<Self> {
        let mut builder = config::Config::builder().add_source(config::File::from_str(
            DEFAULT_TOML,
            config::FileFormat::Toml,
        ));
        if let Some(path) = file {
            anyhow::ensure!(
                path.is_file(),
                "設定ファイルが見つかりません (config file not found): {}",
                path.display()
            );
            builder = builder.add_source(config::File::from(path).format(config::FileFormat::Toml));
        }
        let vars: config::Map<String, String> = env
            .into_iter()
            .filter(|(k, _)| k.starts_with("MANABI_"))
            .collect();
        builder = builder.add_source(
            config::Environment::with_prefix("MANABI")
                .prefix_separator("_")
                .separator("__")
                .try_parsing(true)
                .source(Some(vars)),
        );
        let config: Config = builder
            .build()
            .context("reading the configuration")?
            .try_deserialize()
            .context("invalid configuration")?;
        config.transcoder_settings()?;
        config.catalog.validate().context("invalid configuration")?;
        config
            .network
            .validate()
            .and_then(|()| config.origin.validate())
            .map_err(anyhow::Error::msg)
            .context("invalid configuration")?;
        Ok(config)
    }

    /// The remote worker's token, from the setting or its file.
    pub fn worker_token(&self) -> anyhow::Result<secrecy::SecretString> {
        use secrecy::ExposeSecret;
        let token = if self.worker.token_file.as_os_str().is_empty() {
            self.worker.token.expose_secret().to_owned()
        } else {
            std::fs::read_to_string(&self.worker.token_file).with_context(|| {
                format!("worker.token_file {}", self.worker.token_file.display())
            })?
        };
        let token = token.trim();
        anyhow::ensure!(
            !token.is_empty(),
            "a remote worker, or an origin with worker.catalog_url, needs worker.token (MANABI_WORKER__TOKEN) or worker.token_file"
        );
        Ok(secrecy::SecretString::from(token.to_owned()))
    }

    /// The grant keys: inline from the configuration, else from the key file,
    /// created with one fresh key when missing if `create` (the signing
    /// side). An origin alone must not create one: it would refuse every
    /// grant its catalog signs.
    pub fn grant_keys(&self, create: bool) -> anyhow::Result<domain::SigningKeys> {
        use secrecy::ExposeSecret;
        let inline = self.grant.keys.expose_secret();
        if inline.trim().is_empty() {
            let file = self.keys_file();
            anyhow::ensure!(
                create || file.exists(),
                "the grant key file {} does not exist: an origin verifies the grants its catalog signs, \
                 so copy the catalog's key file there (or set grant.keys_file or MANABI_GRANT__KEYS)",
                file.display()
            );
            crate::keys::load_or_create(&file)
        } else {
            crate::keys::parse(&inline.replace(';', "\n")).context("grant.keys")
        }
    }

    /// The grant key file.
    pub fn keys_file(&self) -> PathBuf {
        if self.grant.keys_file.as_os_str().is_empty() {
            self.data_dir.join("keys").join("grant.keys")
        } else {
            self.grant.keys_file.clone()
        }
    }

    /// The transcoder's settings.
    pub fn transcoder_settings(&self) -> anyhow::Result<transcoder::Settings> {
        let t = &self.transcoder;
        let ladder = domain::Ladder::named(&t.ladder).with_context(|| {
            format!(
                "transcoder.ladder: unknown ladder {:?} (standard or small)",
                t.ladder
            )
        })?;
        anyhow::ensure!(
            t.segment_seconds >= t.keyframe_seconds && t.keyframe_seconds > 0,
            "transcoder.segment_seconds must be a multiple of keyframe_seconds"
        );
        anyhow::ensure!(
            t.segment_seconds.is_multiple_of(t.keyframe_seconds),
            "transcoder.segment_seconds must be a multiple of keyframe_seconds"
        );
        Ok(transcoder::Settings {
            ladder,
            segment_seconds: t.segment_seconds,
            keyframe_seconds: t.keyframe_seconds,
            crf: t.crf,
            preset: t.preset.clone(),
            audio_kbps: t.audio_kbps,
            max_fps: t.max_fps,
            max_duration_s: t.max_duration_s,
            threads: t.threads.max(1),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_load_and_env_overrides_nested_keys() {
        let c = Config::load_with_env(None, env(&[])).unwrap();
        assert_eq!(c.http.addr, "127.0.0.1:8080");
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        let c = Config::load_with_env(
            None,
            env(&[
                ("MANABI_DATA_DIR", "/tmp/x"),
                ("MANABI_HTTP__ADDR", "127.0.0.1:0"),
                ("MANABI_CATALOG__MAX_UPLOAD_BYTES", "1000"),
            ]),
        )
        .unwrap();
        assert_eq!(
            (c.data_dir, c.http.addr.as_str(), c.catalog.max_upload_bytes),
            (PathBuf::from("/tmp/x"), "127.0.0.1:0", 1000)
        );
    }

    #[test]
    fn bad_values_are_refused_with_the_key_named() {
        let err =
            Config::load_with_env(None, env(&[("MANABI_TRANSCODER__LADDER", "huge")])).unwrap_err();
        assert!(format!("{err:#}").contains("transcoder.ladder"));
        let err =
            Config::load_with_env(None, env(&[("MANABI_CATALOG__PBKDF2_ITERATIONS", "1000")]))
                .unwrap_err();
        assert!(format!("{err:#}").contains("600000"));
        assert!(Config::load_with_env(Some(Path::new("/nonexistent.toml")), env(&[])).is_err());
        // Grant timings with which no grant would ever verify.
        for (var, value, key) in [
            (
                "MANABI_CATALOG__GRANT_TTL_SECONDS",
                "-30",
                "catalog.grant_ttl_seconds",
            ),
            (
                "MANABI_CATALOG__GRANT_TTL_SECONDS",
                "0",
                "catalog.grant_ttl_seconds",
            ),
            (
                "MANABI_ORIGIN__GRANT_SKEW_SECONDS",
                "-5",
                "origin.grant_skew_seconds",
            ),
            (
                "MANABI_ORIGIN__STORE_TIMEOUT_MS",
                "0",
                "origin.store_timeout_ms",
            ),
        ] {
            let err = Config::load_with_env(None, env(&[(var, value)])).unwrap_err();
            assert!(format!("{err:#}").contains(key), "{var}={value}: {err:#}");
        }
    }

    #[test]
    fn grant_keys_may_be_given_inline() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().display().to_string();
        let two = format!("k2 {}; k1 {}", "ab".repeat(32), "cd".repeat(32));
        let c = Config::load_with_env(
            None,
            env(&[("MANABI_DATA_DIR", &data), ("MANABI_GRANT__KEYS", &two)]),
        )
        .unwrap();
        assert!(c.grant_keys(true).is_ok());
        assert!(!c.keys_file().exists(), "no key file written");
        let c = Config::load_with_env(
            None,
            env(&[
                ("MANABI_DATA_DIR", &data),
                ("MANABI_GRANT__KEYS", "k1 abcd"),
            ]),
        )
        .unwrap();
        let err = format!("{:#}", c.grant_keys(true).unwrap_err());
        assert!(
            err.contains("grant.keys") && err.contains("64 hexadecimal"),
            "{err}"
        );
        assert!(!err.contains("abcd"), "the secret is not echoed: {err}");
    }

    #[test]
    fn only_the_signing_side_creates_the_key_file() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().display().to_string();
        let c = Config::load_with_env(None, env(&[("MANABI_DATA_DIR", &data)])).unwrap();
        let err = format!("{:#}", c.grant_keys(false).unwrap_err());
        assert!(err.contains("does not exist"), "{err}");
        assert!(!c.keys_file().exists(), "an origin wrote no key of its own");
        let signing = c.grant_keys(true).unwrap();
        let verifying = c.grant_keys(false).unwrap();
        let now = jiff::Timestamp::from_second(jiff::Timestamp::now().as_second()).unwrap();
        let grant = domain::Grant {
            video: domain::VideoId::new(1),
            session: domain::PlaybackSessionId::from_random([1; 16]),
            site: "default".into(),
            not_before: now,
            expires: now + jiff::SignedDuration::from_secs(60),
        };
        let token = grant.sign(&signing).unwrap();
        let skew = jiff::SignedDuration::ZERO;
        assert_eq!(
            domain::Grant::verify(&token, &verifying, now, skew),
            Ok(grant)
        );
    }

    #[test]
    fn sites_come_from_the_config_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sites.toml");
        std::fs::write(
            &file,
            "[network]\ntrusted_proxies = [\"192.0.2.10\"]\n\
             [[network.sites]]\nname = \"honcho\"\ncidrs = [\"10.1.0.0/16\"]\nbudget_mbps = 100\n",
        )
        .unwrap();
        let c = Config::load_with_env(Some(&file), env(&[])).unwrap();
        assert_eq!(c.network.site_of("10.1.2.3".parse().unwrap()), "honcho");
        assert_eq!(c.network.budget_bps("honcho"), Some(100_000_000));

        std::fs::write(
            &file,
            "[[network.sites]]\nname = \"honcho\"\ncidrs = [\"10.1.0.0/33\"]\nbudget_mbps = 100\n",
        )
        .unwrap();
        let err = Config::load_with_env(Some(&file), env(&[])).unwrap_err();
        assert!(format!("{err:#}").contains("10.1.0.0/33"), "{err:#}");
    }
}
