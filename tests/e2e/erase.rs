//! The deletion of everything at the end of the contract (`manabi erase`):
//! the database, every media object, every backup and the keys go, each file
//! overwritten first, and a report says what was erased; it refuses without
//! the typed confirmation, with the report inside what it erases, or while
//! the service listens.

use crate::app::spawn_role;
use crate::path::upload_and_publish;
use domain::Role;
use std::path::Path;
use std::process::{Command, Output};

/// `manabi purge --all ARGS` with the media mirror and the backups' copies
/// on other disks; `typed` is what the operator types when asked.
fn erase(data: &Path, (mirror, copies): (&Path, &Path), addr: &str, args: &[&str]) -> Output {
    erase_typing(data, (mirror, copies), addr, args, "")
}

fn erase_typing(
    data: &Path,
    (mirror, copies): (&Path, &Path),
    addr: &str,
    args: &[&str],
    typed: &str,
) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_manabi"))
        .args(["purge", "--all"])
        .args(args)
        .env("MANABI_DATA_DIR", data)
        .env("MANABI_MIRROR__PATH", mirror)
        .env("MANABI_BACKUP_COPY__PATH", copies)
        .env("MANABI_HTTP__ADDR", addr)
        .env("MANABI_LOG__LEVEL", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().unwrap().write_all(typed.as_bytes());
    child.wait_with_output().unwrap()
}

fn files_below(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .flatten()
            .map(|e| {
                let p = e.path();
                if p.is_dir() { files_below(&p) } else { 1 }
            })
            .sum()
    })
}

#[tokio::test]
async fn erase_removes_data_media_backups_and_keys_and_reports_it() {
    // Backups are copied to another disk too ([backup_copy]).
    let copies = tempfile::tempdir().unwrap();
    let copies_path = copies.path().to_str().unwrap().to_owned();
    let mut app = spawn_role(
        manabi::roles::Role::All,
        tempfile::tempdir().unwrap(),
        &[("MANABI_BACKUP_COPY__PATH", copies_path.as_str())],
    )
    .await;
    app.add_user("editor@city.example.jp", Role::Editor).await;
    app.add_user("admin@city.example.jp", Role::Admin).await;
    let editor = app.login("editor@city.example.jp").await;
    upload_and_publish(&app, &editor).await;
    let admin = app.login("admin@city.example.jp").await;
    let resp = admin.post("/api/v1/backups", &serde_json::json!({})).await;
    assert_eq!(resp.status(), reqwest::StatusCode::CREATED);
    let data = app.data_dir().to_owned();
    assert!(files_below(&data.join("media")) > 3, "media were stored");
    assert_eq!(
        files_below(&copies.path().join("backups")),
        2,
        "backup and .sha256 copied"
    );
    // The media's second copy, on another disk.
    let mirror = tempfile::tempdir().unwrap();
    let copied = Command::new(env!("CARGO_BIN_EXE_manabi"))
        .arg("mirror")
        .env("MANABI_DATA_DIR", &data)
        .env("MANABI_MIRROR__PATH", mirror.path())
        .env("MANABI_LOG__LEVEL", "warn")
        .output()
        .unwrap();
    assert!(copied.status.success(), "{copied:?}");
    assert_eq!(files_below(mirror.path()), files_below(&data.join("media")));
    assert_eq!(
        files_below(&data.join("backups")),
        2,
        "a backup and its .sha256"
    );
    let listening = app.base.trim_start_matches("http://").to_owned();
    let reports = tempfile::tempdir().unwrap();
    let report = reports.path().join("erasure-report.md");
    let report_arg = report.to_str().unwrap();
    let refused = |out: &Output, needle: &str| {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{stderr}");
        assert!(
            stderr.contains(needle) && stderr.trim().lines().count() == 1,
            "{stderr}"
        );
    };

    // Refusals: the confirmation (given or typed wrong), no --all, a report
    // that would be erased, a running service.
    refused(
        &erase(
            &data,
            (mirror.path(), copies.path()),
            "127.0.0.1:0",
            &["--confirm", "yes", "--report", report_arg],
        ),
        "erase-everything",
    );
    let typed_wrong = erase_typing(
        &data,
        (mirror.path(), copies.path()),
        "127.0.0.1:0",
        &["--report", report_arg],
        "erase\n",
    );
    let stderr = String::from_utf8_lossy(&typed_wrong.stderr);
    assert!(!typed_wrong.status.success(), "{stderr}");
    assert!(
        stderr.contains("と入力してください"),
        "the question is asked: {stderr}"
    );
    assert!(
        stderr
            .trim()
            .lines()
            .last()
            .unwrap()
            .contains("確認の言葉が違います"),
        "{stderr}"
    );
    let no_all = Command::new(env!("CARGO_BIN_EXE_manabi"))
        .args([
            "purge",
            "--confirm",
            "erase-everything",
            "--report",
            report_arg,
        ])
        .env("MANABI_DATA_DIR", &data)
        .output()
        .unwrap();
    refused(&no_all, "--all");
    let inside = data.join("report.md");
    refused(
        &erase(
            &data,
            (mirror.path(), copies.path()),
            "127.0.0.1:0",
            &[
                "--confirm",
                "erase-everything",
                "--report",
                inside.to_str().unwrap(),
            ],
        ),
        "--report",
    );
    refused(
        &erase(
            &data,
            (mirror.path(), copies.path()),
            &listening,
            &["--confirm", "erase-everything", "--report", report_arg],
        ),
        "stop the service first",
    );
    // Also when the service listens elsewhere: it has the database open.
    refused(
        &erase(
            &data,
            (mirror.path(), copies.path()),
            "127.0.0.1:0",
            &["--confirm", "erase-everything", "--report", report_arg],
        ),
        "stop the service first",
    );
    assert!(
        data.join("catalog.db").exists(),
        "nothing erased by a refusal"
    );

    // The key that will sign the report, handed to the ward beforehand.
    let handed_over = Command::new(env!("CARGO_BIN_EXE_manabi"))
        .arg("erasure-key")
        .env("MANABI_DATA_DIR", &data)
        .output()
        .unwrap();
    assert!(handed_over.status.success());
    let handed_over = String::from_utf8(handed_over.stdout).unwrap();
    assert!(
        handed_over.starts_with("-----BEGIN PUBLIC KEY-----\n"),
        "{handed_over}"
    );

    app.app.take().unwrap().shutdown().await;
    // Typed, as an operator answers the question.
    let out = erase_typing(
        &data,
        (mirror.path(), copies.path()),
        "127.0.0.1:0",
        &["--report", report_arg],
        "erase-everything\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("purge: done; report "));
    for gone in ["catalog.db", "keys", "media", "uploads", "work"] {
        assert!(!data.join(gone).exists(), "{gone} is still there");
    }
    assert_eq!(files_below(&data.join("backups")), 0);
    assert_eq!(files_below(mirror.path()), 0, "the mirror's copies too");
    assert_eq!(files_below(copies.path()), 0, "the backups' copies too");
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(text.starts_with("# manabi データ消去報告書"), "{text}");
    assert!(text.contains("利用者 2 人"), "{text}");
    assert!(text.contains("動画 1"), "{text}");
    assert!(text.contains("バックアップ 1 件"), "{text}");
    assert!(text.contains("manabi の外にある複製"), "{text}");
    assert!(
        text.contains("メディアの複製先 / media mirror: local "),
        "{text}"
    );
    assert!(text.contains("backup copies: local "), "{text}");
    assert!(text.contains("(2 objects deleted)"), "{text}");

    report_is_signed_and_lists_what_went(&report, &text, &handed_over);
}

/// The report verifies with openssl against the key handed over before, a
/// changed report does not, and each list's SHA-256 in the report is that
/// of its section of `REPORT.objects.txt`.
fn report_is_signed_and_lists_what_went(report: &Path, text: &str, handed_over: &str) {
    use sha2::Digest;
    let beside = |ext: &str| {
        let mut name = report.as_os_str().to_owned();
        name.push(format!(".{ext}"));
        std::path::PathBuf::from(name)
    };
    let (signature, public) = (beside("sig"), beside("pub.pem"));
    assert_eq!(std::fs::read_to_string(&public).unwrap(), handed_over);
    let verify = |file: &Path| {
        Command::new("openssl")
            .args(["dgst", "-sha256", "-verify"])
            .arg(&public)
            .arg("-signature")
            .arg(&signature)
            .arg(file)
            .output()
            .unwrap()
    };
    let out = verify(report);
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("Verified OK"),
        "{out:?}"
    );
    let changed = report.with_extension("changed");
    std::fs::write(&changed, text.replace("利用者 2 人", "利用者 3 人")).unwrap();
    assert!(
        !verify(&changed).status.success(),
        "a changed report must not verify"
    );

    let objects = std::fs::read_to_string(beside("objects.txt")).unwrap();
    let mut sections = 0;
    for section in objects.split("# ").filter(|s| !s.is_empty()) {
        let (place, body) = section.split_once('\n').unwrap();
        let digest = hex::encode(sha2::Sha256::digest(body.as_bytes()));
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("- {place}: ")))
            .unwrap_or_else(|| panic!("no line for {place} in the report"));
        assert!(line.ends_with(&digest), "{line} vs {digest}");
        sections += 1;
    }
    assert_eq!(
        sections, 5,
        "media, mirror, backup copies, backups, other files"
    );
    assert!(objects.contains("videos/1/source"), "{objects}");
}
