//! Invitation e-mails (issue 5, item 3): with an SMTP server configured, the
//! active users an import creates get an e-mail with the login address and a
//! one-time password, over STARTTLS checked against the ward's CA; delivery
//! is retried while the server is down; a refused address fails for good and
//! its password goes to the importer's CSV. The server is a real one
//! (aiosmtpd, `tests/e2e/smtp_sink.py`) on loopback, with a CA and a server
//! certificate made by `openssl` for the test.

use crate::app::{Session, TestApp, spawn_role};
use domain::Role;
use manabi::roles::Role as AppRole;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A test CA and a P-256 server certificate for 127.0.0.1 signed by it:
/// `(ca.pem, cert.pem, key.pem)`.
pub fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl (scripts/setup.sh test installs it)");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    openssl(
        &[
            &["req", "-x509"][..],
            &ec,
            &[
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=manabi test CA",
            ],
        ]
        .concat(),
    );
    openssl(
        &[
            &["req"][..],
            &ec,
            &[
                "-keyout",
                "key.pem",
                "-out",
                "server.csr",
                "-subj",
                "/CN=127.0.0.1",
            ],
        ]
        .concat(),
    );
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "cert.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]);
    (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    )
}

/// The SMTP server, killed when dropped.
struct Sink(Child);

impl Sink {
    fn start(port: u16, out: &Path, cert: &Path, key: &Path) -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/smtp_sink.py");
        // Debian's interpreter: it has python3-aiosmtpd (another python3 may come first on PATH).
        let mut child = Command::new("/usr/bin/python3")
            .arg(script)
            .arg(port.to_string())
            .args([out, cert, key])
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (scripts/setup.sh test installs it)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready", "the SMTP sink did not start");
        Self(child)
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The messages the sink accepted, in order.
fn messages(dir: &Path) -> Vec<Value> {
    let mut files: Vec<(u32, PathBuf)> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            let n = path.file_stem()?.to_str()?.parse().ok()?;
            (path.extension()? == "json").then_some((n, path))
        })
        .collect();
    files.sort();
    files
        .iter()
        .map(|(_, p)| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap())
        .collect()
}

async fn import_state(admin: &Session, id: &Value) -> Value {
    admin
        .get(&format!("/api/v1/imports/{id}"))
        .await
        .json()
        .await
        .unwrap()
}

/// Polls the import until `done` holds for its `invitations` (at most 60 s).
async fn wait_for(admin: &Session, id: &Value, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let start = Instant::now();
    loop {
        let state = import_state(admin, id).await;
        if done(&state["invitations"]) {
            eprintln!("{what}: after {:?}", start.elapsed());
            return state;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "{what}: {state}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn imported_users_are_invited_by_e_mail_over_starttls_with_retries() {
    let certs = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates(certs.path());
    let inbox = tempfile::tempdir().unwrap();
    let port = free_port().to_string();
    let app: TestApp = spawn_role(
        AppRole::All,
        tempfile::tempdir().unwrap(),
        &[
            ("MANABI_SMTP__HOST", "127.0.0.1"),
            ("MANABI_SMTP__PORT", &port),
            ("MANABI_SMTP__SECURITY", "starttls"),
            ("MANABI_SMTP__CA_FILE", ca.to_str().unwrap()),
            ("MANABI_SMTP__FROM", "manabi <no-reply@city.example.jp>"),
            ("MANABI_SMTP__LOGIN_URL", "https://manabi.city.example.jp/"),
            ("MANABI_SMTP__TIMEOUT_SECONDS", "5"),
        ],
    )
    .await;
    app.add_user("admin@city.example.jp", Role::Admin).await;
    let admin = app.login("admin@city.example.jp").await;

    // Three new users: one deliverable, one the server refuses, one disabled
    // (not invited: its password goes to the CSV as without e-mail).
    let file = "email,name,role,status,groups,remarks\r\n\
                sato@city.example.jp,佐藤 花子,learner,active,,\r\n\
                refused@city.example.jp,拒否 太郎,learner,active,,\r\n\
                off@city.example.jp,休職 次郎,learner,disabled,,\r\n";
    let resp = admin
        .client
        .post(admin.url("/api/v1/imports"))
        .header("x-csrf-token", &admin.csrf)
        .header("content-type", "text/csv")
        .body(file)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let preview: Value = resp.json().await.unwrap();
    let id = preview["id"].clone();
    let resp = admin
        .send(Method::POST, &format!("/api/v1/imports/{id}/apply"), None)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let applied: Value = resp.json().await.unwrap();
    assert_eq!(applied["invitations"], 2, "{applied}");
    assert_eq!(
        applied["passwords_url"],
        format!("/api/v1/imports/{id}/passwords.csv")
    );

    // The server is down: both wait, with the reason, and are tried again.
    let state = wait_for(&admin, &id, "attempts while the server is down", |inv| {
        inv["queued"] == 2
            && inv["problems"].as_array().is_some_and(|p| {
                p.len() == 2 && p.iter().all(|p| p["attempts"].as_i64() >= Some(1))
            })
    })
    .await;
    assert_eq!(state["invitations"]["sent"], 0, "{state}");

    // The server comes up: one delivered, one refused for good.
    let _sink = Sink::start(port.parse().unwrap(), inbox.path(), &cert, &key);
    let state = wait_for(&admin, &id, "delivery once the server is up", |inv| {
        inv["sent"] == 1 && inv["failed"] == 1
    })
    .await;
    let problems = state["invitations"]["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{state}");
    assert_eq!(problems[0]["email"], "refused@city.example.jp");
    assert_eq!(problems[0]["status"], "failed");
    assert!(
        problems[0]["error"].as_str().unwrap().contains("550"),
        "{state}"
    );

    let mail = messages(inbox.path());
    assert_eq!(mail.len(), 1, "{mail:?}");
    let mail = &mail[0];
    assert_eq!(
        mail["rcpt_tos"],
        serde_json::json!(["sato@city.example.jp"])
    );
    assert_eq!(mail["mail_from"], "no-reply@city.example.jp");
    assert_eq!(mail["to"], "佐藤 花子 <sato@city.example.jp>");
    assert!(
        mail["subject"]
            .as_str()
            .unwrap()
            .contains("アカウントのご案内"),
        "{mail}"
    );
    assert_eq!(
        (&mail["content_type"], &mail["charset"]),
        (&"text/plain".into(), &"utf-8".into())
    );
    // STARTTLS with an AES-GCM suite (CRYPTREC), checked against the test CA.
    let tls = mail["tls"].as_array().expect("delivered over TLS");
    assert!(tls[0].as_str().unwrap().contains("GCM"), "{tls:?}");
    assert!(
        ["TLSv1.2", "TLSv1.3"].contains(&tls[1].as_str().unwrap()),
        "{tls:?}"
    );
    let body = mail["body"].as_str().unwrap();
    assert!(body.starts_with("佐藤 花子 様"), "{body}");
    assert!(
        body.contains("ログイン画面: https://manabi.city.example.jp/"),
        "{body}"
    );
    assert!(
        body.contains("メールアドレス: sato@city.example.jp"),
        "{body}"
    );
    let password = body
        .lines()
        .find_map(|l| l.trim().strip_prefix("初期パスワード: "))
        .expect("the one-time password")
        .to_owned();

    // The password in the e-mail logs in, and must be changed first.
    let resp = TestApp::client()
        .post(format!("{}/api/v1/session", app.base))
        .json(&serde_json::json!({"email": "sato@city.example.jp", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let login: Value = resp.json().await.unwrap();
    assert_eq!(login["user"]["must_change_password"], true);

    // The importer downloads the passwords not e-mailed: the disabled
    // user's first, then the refused one's; each once.
    let url = format!("/api/v1/imports/{id}/passwords.csv");
    let csv = |resp: reqwest::Response| async move {
        assert_eq!(resp.status(), StatusCode::OK);
        String::from_utf8(resp.bytes().await.unwrap()[3..].to_vec()).unwrap()
    };
    let first = csv(admin.get(&url).await).await;
    assert!(first.contains("off@city.example.jp,休職 次郎,"), "{first}");
    assert!(!first.contains("sato@"), "{first}");
    let second = csv(admin.get(&url).await).await;
    assert!(
        second.starts_with(
            "メールアドレス,氏名,初期パスワード\r\nrefused@city.example.jp,拒否 太郎,"
        ),
        "{second}"
    );
    assert_eq!(admin.get(&url).await.status(), StatusCode::GONE);
    let state = import_state(&admin, &id).await;
    assert_eq!(state["passwords_url"], Value::Null, "{state}");
    assert_eq!(state["invitations"]["handed_over"], 1, "{state}");

    // Operators see deliveries in the metrics.
    let metrics = admin.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("manabi_invitation_emails_total{result=\"sent\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("manabi_invitation_emails_total{result=\"failed\"} 1"),
        "{metrics}"
    );
}
