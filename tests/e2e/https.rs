//! The built-in HTTPS server: the app answers over TLS with HSTS, a login
//! works over it, and the handshake accepts only the CRYPTREC choices —
//! TLS 1.2/1.3, AES-GCM, P-256/P-384 — as `openssl s_client` sees it.

use crate::app::spawn_role;
use crate::mail::certificates;
use domain::Role;
use manabi::roles::Role as AppRole;
use reqwest::StatusCode;
use std::process::{Command, Stdio};

/// What `openssl s_client` negotiates with `args`: the cipher, or `None`
/// when the handshake fails. (Off the runtime: the server runs on it.)
async fn negotiated(port: &str, args: &[&str]) -> Option<String> {
    let (port, args): (String, Vec<String>) = (
        port.to_owned(),
        args.iter().map(|a| a.to_string()).collect(),
    );
    tokio::task::spawn_blocking(move || s_client(&port, &args))
        .await
        .unwrap()
}

fn s_client(port: &str, args: &[String]) -> Option<String> {
    let out = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &format!("127.0.0.1:{port}"),
            "-servername",
            "localhost",
        ])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("openssl (scripts/setup.sh test installs it)");
    let text = String::from_utf8_lossy(&out.stdout);
    let cipher = text
        .lines()
        .find_map(|l| l.split_once("Cipher is ").map(|(_, c)| c.trim().to_owned()))?;
    (cipher != "(NONE)" && cipher != "0000").then_some(cipher)
}

#[tokio::test]
async fn the_built_in_https_server_speaks_only_cryptrec_tls() {
    let certs = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates(certs.path());
    let app = spawn_role(
        AppRole::All,
        tempfile::tempdir().unwrap(),
        &[
            ("MANABI_HTTP__TLS_CERT", cert.to_str().unwrap()),
            ("MANABI_HTTP__TLS_KEY", key.to_str().unwrap()),
            ("MANABI_CATALOG__COOKIE_SECURE", "true"),
        ],
    )
    .await;
    app.add_user("learner@city.example.jp", Role::Learner).await;
    let port = app.base.rsplit(':').next().unwrap().to_owned();
    let base = format!("https://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&std::fs::read(&ca).unwrap()).unwrap())
        .cookie_store(true)
        .build()
        .unwrap();

    let health = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(
        health.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    let login = client
        .post(format!("{base}/api/v1/session"))
        .json(&serde_json::json!({"email": "learner@city.example.jp", "password": crate::app::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let cookie = login.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("Secure"), "{cookie}");
    let me = client
        .get(format!("{base}/api/v1/session"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK, "the session works over HTTPS");

    // Accepted: TLS 1.3 and TLS 1.2 with AES-GCM.
    let tls13 = negotiated(&port, &["-tls1_3"]).await;
    assert!(
        tls13.as_deref().is_some_and(|c| c.contains("AES")),
        "{tls13:?}"
    );
    let gcm = negotiated(
        &port,
        &["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"],
    )
    .await;
    assert_eq!(gcm.as_deref(), Some("ECDHE-ECDSA-AES128-GCM-SHA256"));
    // Refused: older versions, ChaCha20, X25519-only key exchange.
    for refused in [
        &["-tls1_1"][..],
        &["-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305"],
        &["-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"],
        &["-tls1_3", "-groups", "X25519"],
    ] {
        assert_eq!(negotiated(&port, refused).await, None, "{refused:?}");
    }
}
