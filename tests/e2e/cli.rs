//! The command line, run as a user would run the built binary.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn manabi(data: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_manabi"))
        .args(args)
        .env("MANABI_DATA_DIR", data)
        .env("MANABI_HTTP__ADDR", "127.0.0.1:0")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn user_add_creates_the_first_admin_and_refuses_duplicates_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let ok = manabi(
        dir.path(),
        &[
            "user",
            "add",
            "--email",
            "Admin@City.Example.JP",
            "--role",
            "admin",
            "--password-stdin",
        ],
        "a long enough password\n",
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("admin@city.example.jp"));

    let dup = manabi(
        dir.path(),
        &[
            "user",
            "add",
            "--email",
            "admin@city.example.jp",
            "--role",
            "admin",
            "--password-stdin",
        ],
        "another password!!\n",
    );
    assert!(!dup.status.success());
    let err = String::from_utf8_lossy(&dup.stderr);
    assert_eq!(err.trim().lines().count(), 1, "one clear line: {err}");
    assert!(err.contains("既に登録"), "{err}");

    let bad = manabi(
        dir.path(),
        &[
            "user",
            "add",
            "--email",
            "not-an-address",
            "--role",
            "admin",
        ],
        "",
    );
    assert!(!bad.status.success());
    let short = manabi(
        dir.path(),
        &[
            "user",
            "add",
            "--email",
            "x@city.example.jp",
            "--role",
            "learner",
            "--password-stdin",
        ],
        "short\n",
    );
    assert!(!short.status.success());

    let generated = manabi(
        dir.path(),
        &[
            "user",
            "add",
            "--email",
            "learner@city.example.jp",
            "--role",
            "learner",
        ],
        "",
    );
    assert!(generated.status.success());
    assert!(String::from_utf8_lossy(&generated.stdout).contains("初期パスワード"));
}

#[test]
fn transcode_packages_a_file_into_a_ladder_directory() {
    let dir = tempfile::tempdir().unwrap();
    let input = crate::app::clip(dir.path(), 3.0);
    let out = dir.path().join("hls");
    let run = manabi(
        dir.path(),
        &[
            "transcode",
            input.to_str().unwrap(),
            out.to_str().unwrap(),
            "--ladder",
            "small",
        ],
        "",
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let master = std::fs::read_to_string(out.join("master.m3u8")).unwrap();
    assert!(
        master.contains("360p/index.m3u8") && master.contains("240p/index.m3u8"),
        "{master}"
    );

    let not_media = dir.path().join("notes.mp4");
    std::fs::write(&not_media, "hello").unwrap();
    let fail = manabi(
        dir.path(),
        &[
            "transcode",
            not_media.to_str().unwrap(),
            dir.path().join("x").to_str().unwrap(),
        ],
        "",
    );
    assert!(!fail.status.success());
    assert_eq!(
        String::from_utf8_lossy(&fail.stderr).trim().lines().count(),
        1
    );
}

#[test]
fn a_catalog_without_an_origin_url_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_manabi"))
        .args(["serve", "--role", "catalog"])
        .env("MANABI_DATA_DIR", dir.path())
        .env("MANABI_HTTP__ADDR", "127.0.0.1:0")
        .output()
        .unwrap();
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("catalog.origin_url") && err.trim().lines().count() == 1,
        "{err}"
    );
}

#[test]
fn bad_configuration_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_manabi"))
        .args(["serve"])
        .env("MANABI_DATA_DIR", dir.path())
        .env("MANABI_TRANSCODER__LADDER", "enormous")
        .output()
        .unwrap();
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("transcoder.ladder") && err.trim().lines().count() == 1,
        "{err}"
    );

    // A file that is not TOML, and arguments the command does not take.
    let file = dir.path().join("broken.toml");
    std::fs::write(&file, "[http\naddr = 1\n").unwrap();
    let config = format!("--config={}", file.display());
    for (args, said) in [
        (vec![config.as_str(), "serve"], "TOML parse error"),
        (vec!["user", "add", "--role", "boss"], "'boss'"),
        (vec!["restore"], "<FILE>"),
    ] {
        let run = manabi(dir.path(), &args, "");
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(!run.status.success(), "{args:?}");
        assert!(
            err.contains(said) && err.trim().lines().count() == 1,
            "{args:?}: {err}"
        );
    }
}

#[test]
fn an_smtp_server_without_a_sender_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_manabi"))
        .args(["serve"])
        .env("MANABI_DATA_DIR", dir.path())
        .env("MANABI_HTTP__ADDR", "127.0.0.1:0")
        .env("MANABI_SMTP__HOST", "smtp.city.example.jp")
        .output()
        .unwrap();
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("smtp.from") && err.trim().lines().count() == 1,
        "{err}"
    );
}

/// `serve` keeps running with the default configuration (no background task
/// of any role may end on its own) and stops cleanly on SIGTERM.
#[test]
fn serve_keeps_running_until_it_is_told_to_stop() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_manabi"))
        .args(["serve"])
        .env("MANABI_DATA_DIR", dir.path())
        .env("MANABI_HTTP__ADDR", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "serve did not listen"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert!(
        child.try_wait().unwrap().is_none(),
        "serve stopped by itself"
    );
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains("stopped unexpectedly"), "{err}");
}

#[test]
fn a_half_set_up_https_is_refused_before_anything_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let run = Command::new(env!("CARGO_BIN_EXE_manabi"))
        .args(["serve"])
        .env("MANABI_DATA_DIR", &data)
        .env("MANABI_HTTP__TLS_CERT", dir.path().join("cert.pem"))
        .output()
        .unwrap();
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("http.tls_key") && err.trim().lines().count() == 1,
        "{err}"
    );
    assert!(!data.exists(), "no data directory, no keys");
}
