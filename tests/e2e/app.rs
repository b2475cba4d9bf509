//! `spawn_app()`: the real application, in-process, on 127.0.0.1:0.

use domain::{Email, Role};
use manabi::config::Config;
use manabi::roles::{self, App};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tempfile::TempDir;
use transcoder::synth::{self, SynthSpec};

/// A running application and helpers to talk to it.
pub struct TestApp {
    pub base: String,
    pub app: Option<App>,
    pub data: TempDir,
}

/// A logged-in client.
pub struct Session {
    pub client: Client,
    pub csrf: String,
    pub base: String,
}

pub const PASSWORD: &str = "correct horse battery staple";

pub async fn spawn_app() -> TestApp {
    spawn_role(roles::Role::All, tempfile::tempdir().unwrap(), &[]).await
}

/// The configuration every test instance uses, plus `extra` variables.
pub fn test_config(data: &Path, extra: &[(&str, &str)]) -> Config {
    let mut env = vec![
        ("MANABI_DATA_DIR".to_owned(), data.display().to_string()),
        ("MANABI_HTTP__ADDR".to_owned(), "127.0.0.1:0".to_owned()),
        ("MANABI_TRANSCODER__LADDER".to_owned(), "small".to_owned()),
        (
            "MANABI_CATALOG__MAX_UPLOAD_BYTES".to_owned(),
            "5000000".to_owned(),
        ),
        // No daily backup at start-up unless a test asks for one (backups.rs).
        ("MANABI_BACKUP__DAILY_AT".to_owned(), String::new()),
    ];
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Config::load_with_env(None, env).unwrap()
}

/// Starts `role` on `data` with extra configuration.
pub async fn spawn_role(role: roles::Role, data: TempDir, extra: &[(&str, &str)]) -> TestApp {
    let config = test_config(data.path(), extra);
    spawn_config(role, data, config).await
}

/// Starts `role` with a configuration built by the test (e.g. network sites).
pub async fn spawn_config(role: roles::Role, data: TempDir, config: Config) -> TestApp {
    manabi::telemetry::init("text", "warn");
    let app = roles::start(&config, role).await.unwrap();
    let base = app
        .local_addr()
        .map(|a| format!("http://{a}"))
        .unwrap_or_default();
    TestApp {
        base,
        app: Some(app),
        data,
    }
}

impl TestApp {
    /// Creates an account directly in the catalog.
    pub async fn add_user(&self, email: &str, role: Role) {
        let catalog = self.app.as_ref().unwrap().catalog().unwrap();
        let hash = catalog::password::hash(PASSWORD, 600_000);
        let email = Email::parse(email).unwrap();
        catalog
            .state
            .db
            .call(move |c| {
                catalog::users::create(
                    c,
                    &catalog::users::NewUser {
                        email: &email,
                        name: "テスト",
                        role,
                        password_hash: Some(&hash),
                    },
                    jiff::Timestamp::now(),
                )
                .unwrap();
                Ok(())
            })
            .await
            .unwrap();
    }

    pub fn client() -> Client {
        Client::builder()
            .cookie_store(true)
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap()
    }

    pub async fn login(&self, email: &str) -> Session {
        self.login_with(email, PASSWORD).await
    }

    /// Logs in with `password` (an account the test did not make).
    pub async fn login_with(&self, email: &str, password: &str) -> Session {
        let client = Self::client();
        let resp = client
            .post(format!("{}/api/v1/session", self.base))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "login of {email}");
        let body: Value = resp.json().await.unwrap();
        // The default 30 minutes, for the front end's idle-timeout warning.
        assert_eq!(body["idle_timeout_s"], 1800, "{body}");
        Session {
            client,
            csrf: body["csrf_token"].as_str().unwrap().to_owned(),
            base: self.base.clone(),
        }
    }

    pub fn data_dir(&self) -> &Path {
        self.data.path()
    }
}

impl Session {
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .header("x-csrf-token", &self.csrf)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Starts playing `video` (`POST /api/v1/videos/{video}/play`): its answer.
    pub async fn play(&self, video: i64) -> Value {
        self.post(&format!("/api/v1/videos/{video}/play"), &json!({}))
            .await
            .json()
            .await
            .unwrap()
    }

    /// Changes the user with `email` (`PATCH /api/v1/users/{id}`, the id
    /// found by the users list): its answer.
    pub async fn patch_user(&self, email: &str, body: &Value) -> Response {
        let users: Value = self
            .get(&format!("/api/v1/users?q={email}"))
            .await
            .json()
            .await
            .unwrap();
        let id = users["items"][0]["id"].as_i64().expect("the user");
        self.send(
            reqwest::Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(body),
        )
        .await
    }

    /// An unsafe request other than POST (`PATCH`, `DELETE`) with the CSRF token.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Response {
        let mut req = self
            .client
            .request(method, self.url(path))
            .header("x-csrf-token", &self.csrf);
        if let Some(body) = body {
            req = req.json(body);
        }
        req.send().await.unwrap()
    }

    pub async fn upload(&self, name: &str, bytes: Vec<u8>) -> Response {
        self.client
            .post(self.url("/api/v1/videos"))
            .header("x-csrf-token", &self.csrf)
            .header("x-filename", name)
            .body(bytes)
            .send()
            .await
            .unwrap()
    }

    /// Polls the video until it is ready or failed; returns its last state and
    /// every status seen.
    pub async fn wait_video(&self, id: i64) -> (Value, Vec<String>) {
        let deadline = Instant::now() + Duration::from_secs(180);
        let mut seen = Vec::new();
        loop {
            let v: Value = self
                .get(&format!("/api/v1/videos/{id}"))
                .await
                .json()
                .await
                .unwrap();
            let status = v["status"].as_str().unwrap().to_owned();
            if seen.last() != Some(&status) {
                seen.push(status.clone());
            }
            if status == "ready" || status == "failed" {
                return (v, seen);
            }
            assert!(Instant::now() < deadline, "video {id} still {status}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// GETs `url` with `client` and parses the JSON body.
pub async fn get_json(client: &Client, url: impl reqwest::IntoUrl) -> Value {
    client.get(url).send().await.unwrap().json().await.unwrap()
}

/// GETs `url` with `client` and returns the body as text.
pub async fn get_text(client: &Client, url: impl reqwest::IntoUrl) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

/// A small generated clip (H.264 + AAC in MP4).
pub fn clip(dir: &Path, seconds: f64) -> PathBuf {
    let path = dir.join(format!("clip-{seconds}.mp4"));
    let spec = SynthSpec {
        width: 640,
        height: 360,
        fps: 30,
        seconds,
        pattern: "testsrc2".into(),
        tone_hz: Some(440),
    };
    synth::generate(&path, &spec).unwrap();
    path
}

/// `manabi serve` of the real binary as a child process, killed with
/// SIGKILL on drop.
pub struct Server {
    pub child: std::process::Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `manabi serve` on `data` and a free port with `env` set (log
/// level warn); returns once it has printed its address. Blocking: call it
/// from `spawn_blocking` inside a runtime that serves anything.
pub fn serve_process(data: &Path, env: &[(&str, &str)]) -> Server {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_manabi"))
        .arg("serve")
        .env("MANABI_DATA_DIR", data)
        .env("MANABI_HTTP__ADDR", "127.0.0.1:0")
        .env("MANABI_LOG__LEVEL", "warn")
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .trim_end_matches('/')
        .to_owned();
    Server { child, base }
}
