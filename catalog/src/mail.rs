//! Invitation e-mails (section `[smtp]` of the configuration): when an SMTP
//! server is configured, every active user an import creates gets an e-mail
//! with the login address and a one-time password, instead of a line in the
//! passwords' CSV. What is queued and how delivery went lives in
//! [`crate::invitations`]; this module composes and sends one message.
//!
//! TLS (STARTTLS or implicit) uses rustls restricted to the CRYPTREC list:
//! TLS 1.2/1.3, AES-GCM suites, P-256/P-384 key exchange. Credentials are
//! refused over plain SMTP.

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::sync::LazyLock;
use std::time::Duration;

/// Invitation delivery attempts by result (`sent`, `retry`, `failed`):
/// alert on `failed`.
pub static DELIVERIES: LazyLock<prometheus::IntCounterVec> = LazyLock::new(|| {
    let counter = prometheus::IntCounterVec::new(
        prometheus::Opts::new(
            "manabi_invitation_emails_total",
            "Invitation e-mail delivery attempts by result (sent, retry, failed).",
        ),
        &["result"],
    )
    .unwrap_or_else(|e| panic!("metric definition is static: {e}"));
    let _ = prometheus::register(Box::new(counter.clone()));
    counter
});

/// `[smtp]`. Every key is documented in `config/default.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// The SMTP server; empty: no e-mail (passwords are downloaded as CSV).
    pub host: String,
    /// Its port.
    pub port: u16,
    /// How the connection is protected.
    pub security: Security,
    /// A PEM file with a further CA certificate to trust (a ward's own CA).
    pub ca_file: String,
    /// Login name for SMTP AUTH; empty: no authentication.
    pub username: String,
    /// Its password (prefer `password_file` or the environment).
    pub password: SecretString,
    /// A file holding the password.
    pub password_file: String,
    /// The sender, e.g. `manabi <no-reply@city.example.lg.jp>`.
    pub from: String,
    /// The address users open to log in, written in the invitation.
    pub login_url: String,
    /// An invitation still undelivered this many hours after the import
    /// fails for good (its password can then be downloaded).
    pub give_up_hours: u32,
    /// Longest wait for the server on one connection.
    pub timeout_seconds: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            host: String::new(),
            port: 587,
            security: Security::Starttls,
            ca_file: String::new(),
            username: String::new(),
            password: SecretString::from(""),
            password_file: String::new(),
            from: String::new(),
            login_url: String::new(),
            give_up_hours: 24,
            timeout_seconds: 30,
        }
    }
}

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Plain connection upgraded with STARTTLS, required (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the local host or network.
    None,
}

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// `from` is missing or not an address.
    #[error("smtp.from: {0}")]
    From(String),
    /// `login_url` is not an http(s) URL.
    #[error("smtp.login_url must start with https:// or http:// (got {0:?})")]
    LoginUrl(String),
    /// A file could not be read or parsed.
    #[error("smtp.{key}: {message}")]
    File {
        /// The key naming the file.
        key: &'static str,
        /// What went wrong.
        message: String,
    },
    /// Credentials would travel in clear.
    #[error(
        "smtp.username needs security = \"starttls\" or \"tls\": credentials are never sent in clear"
    )]
    ClearCredentials,
    /// The TLS parameters were refused.
    #[error("smtp: {0}")]
    Tls(String),
}

/// Why one message was not delivered.
#[derive(Debug)]
pub struct SendError {
    /// The server refused it for good (5xx); otherwise try again later.
    pub permanent: bool,
    /// What happened, for the administrators (no secrets).
    pub message: String,
}

/// One invitation to compose.
#[derive(Debug)]
pub struct Invitation<'a> {
    /// The user's e-mail address (login id).
    pub email: &'a str,
    /// The user's name.
    pub name: &'a str,
    /// The one-time password.
    pub password: &'a str,
}

/// Sends invitation e-mails through the configured server.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    login_url: String,
    /// After this long undelivered an invitation fails for good.
    pub give_up: jiff::SignedDuration,
    /// Woken when invitations are queued.
    pub wake: tokio::sync::Notify,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from).finish()
    }
}

impl Mailer {
    /// The mailer of `settings`; `None` when no server is configured. Call
    /// within a Tokio runtime (the connection pool runs a task).
    pub fn new(settings: &Settings) -> Result<Option<Self>, MailError> {
        if settings.host.trim().is_empty() {
            return Ok(None);
        }
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e| MailError::From(format!("{:?}: {e}", settings.from)))?;
        let login_url = settings.login_url.trim().to_owned();
        if !(login_url.is_empty()
            || login_url.starts_with("https://")
            || login_url.starts_with("http://"))
        {
            return Err(MailError::LoginUrl(login_url));
        }
        let host = settings.host.trim();
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(settings.port)
            .timeout(Some(Duration::from_secs(settings.timeout_seconds.max(1))));
        if settings.security != Security::None {
            crate::tls::install_default();
            let mut tls = TlsParameters::builder(host.to_owned());
            if !settings.ca_file.is_empty() {
                let pem = read(&settings.ca_file, "ca_file")?;
                let cert = Certificate::from_pem(pem.as_bytes()).map_err(|e| MailError::File {
                    key: "ca_file",
                    message: e.to_string(),
                })?;
                tls = tls.add_root_certificate(cert);
            }
            let tls = tls
                .build_rustls()
                .map_err(|e| MailError::Tls(e.to_string()))?;
            builder = builder.tls(match settings.security {
                Security::Tls => Tls::Wrapper(tls),
                _ => Tls::Required(tls),
            });
        }
        if !settings.username.is_empty() {
            if settings.security == Security::None {
                return Err(MailError::ClearCredentials);
            }
            let password = if settings.password_file.is_empty() {
                settings.password.expose_secret().to_owned()
            } else {
                read(&settings.password_file, "password_file")?
                    .trim()
                    .to_owned()
            };
            builder = builder.credentials(Credentials::new(settings.username.clone(), password));
        }
        Ok(Some(Self {
            transport: builder.build(),
            from,
            login_url,
            give_up: jiff::SignedDuration::from_hours(i64::from(settings.give_up_hours.max(1))),
            wake: tokio::sync::Notify::new(),
        }))
    }

    /// The invitation message (UTF-8 plain text, Japanese then English).
    pub fn compose(&self, to: &Invitation<'_>) -> Result<Message, SendError> {
        let permanent = |message: String| SendError {
            permanent: true,
            message,
        };
        let address = to.email.parse().map_err(|e| {
            permanent(format!(
                "宛先のメールアドレスが使えません (bad address: {e})"
            ))
        })?;
        // A name with line breaks or control characters is left out.
        let name = (!to.name.chars().any(char::is_control)).then(|| to.name.to_owned());
        Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(name, address))
            .subject("【manabi】研修動画サービスのアカウントのご案内 (your manabi account)")
            .header(ContentType::TEXT_PLAIN)
            .body(self.body(to))
            .map_err(|e| permanent(e.to_string()))
    }

    fn body(&self, to: &Invitation<'_>) -> String {
        let (url_ja, url_en) = if self.login_url.is_empty() {
            (
                "ログイン画面: 職場でお使いの manabi のアドレスを開いてください".to_owned(),
                "the manabi address your office uses".to_owned(),
            )
        } else {
            (
                format!("ログイン画面: {}", self.login_url),
                self.login_url.clone(),
            )
        };
        format!(
            "{name} 様\r\n\r\n\
             研修動画サービス manabi のアカウントを作成しました。\r\n\
             次のメールアドレスと初期パスワードでログインしてください。\r\n\r\n\
             {url_ja}\r\n\
             メールアドレス: {email}\r\n\
             初期パスワード: {password}\r\n\r\n\
             初回ログインのときに、ご自身で決めたパスワードへの変更をお願いします。\r\n\
             初期パスワードは、ほかの人に知らせないでください。\r\n\
             このメールに心当たりがない場合は、研修の担当課にお問い合わせください。\r\n\r\n\
             --\r\n\
             An account for manabi, the training video service, has been created for you.\r\n\
             Log in at {url_en} with the e-mail address and one-time password above;\r\n\
             you will then be asked to choose a password of your own.\r\n",
            name = to.name,
            email = to.email,
            password = to.password,
        )
    }

    /// Sends one invitation.
    pub async fn send(&self, to: &Invitation<'_>) -> Result<(), SendError> {
        let message = self.compose(to)?;
        self.transport
            .send(message)
            .await
            .map(drop)
            .map_err(|e| SendError {
                permanent: e.is_permanent(),
                message: e.to_string(),
            })
    }
}

fn read(path: &str, key: &'static str) -> Result<String, MailError> {
    std::fs::read_to_string(path).map_err(|e| MailError::File {
        key,
        message: format!("{path}: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailer(login_url: &str) -> Mailer {
        Mailer::new(&Settings {
            host: "127.0.0.1".into(),
            security: Security::None,
            from: "manabi <no-reply@city.example.jp>".into(),
            login_url: login_url.into(),
            ..Settings::default()
        })
        .unwrap()
        .unwrap()
    }

    #[tokio::test]
    async fn no_host_means_no_mailer() {
        assert!(Mailer::new(&Settings::default()).unwrap().is_none());
    }

    #[tokio::test]
    async fn invitation_carries_address_login_url_and_password_in_japanese() {
        let m = mailer("https://manabi.city.example.jp/");
        let sato = Invitation {
            email: "sato@city.example.jp",
            name: "佐藤 花子",
            password: "Abc-123-xyz",
        };
        let message = m.compose(&sato).unwrap();
        let text = String::from_utf8(message.formatted()).unwrap();
        assert!(text.contains("To: =?utf-8?b?"), "{text}");
        assert!(text.contains("<sato@city.example.jp>"), "{text}");
        assert!(
            text.contains("From: manabi <no-reply@city.example.jp>"),
            "{text}"
        );
        assert!(
            text.contains("Content-Type: text/plain; charset=utf-8"),
            "{text}"
        );
        let body = m.body(&sato);
        assert!(body.starts_with("佐藤 花子 様\r\n"));
        assert!(body.contains("ログイン画面: https://manabi.city.example.jp/\r\n"));
        assert!(body.contains("初期パスワード: Abc-123-xyz\r\n"));
        assert!(body.contains("メールアドレス: sato@city.example.jp\r\n"));
    }

    #[tokio::test]
    async fn a_name_with_line_breaks_cannot_add_headers() {
        let m = mailer("");
        let message = m
            .compose(&Invitation {
                email: "x@city.example.jp",
                name: "x\r\nBcc: evil@example.com",
                password: "p",
            })
            .unwrap();
        let text = String::from_utf8(message.formatted()).unwrap();
        assert!(!text.contains("Bcc"), "{text}");
        assert!(text.contains("To: x@city.example.jp"), "{text}");
    }

    #[tokio::test]
    async fn bad_settings_are_refused_with_the_key() {
        let base = Settings {
            host: "smtp.example.jp".into(),
            from: "no-reply@city.example.jp".into(),
            ..Settings::default()
        };
        let err = |s: Settings| Mailer::new(&s).unwrap_err().to_string();
        assert!(
            err(Settings {
                from: "not an address".into(),
                ..base.clone()
            })
            .starts_with("smtp.from")
        );
        assert!(
            err(Settings {
                login_url: "manabi.example.jp".into(),
                ..base.clone()
            })
            .starts_with("smtp.login_url")
        );
        assert!(
            err(Settings {
                security: Security::None,
                username: "u".into(),
                ..base.clone()
            })
            .starts_with("smtp.username")
        );
        assert!(
            err(Settings {
                ca_file: "/nonexistent/ca.pem".into(),
                ..base.clone()
            })
            .starts_with("smtp.ca_file")
        );
        assert!(Mailer::new(&base).unwrap().is_some());
    }
}
