//! Backups from the command line, as an operator runs them: `manabi backup`
//! while the service runs, the restore drill, a restore into a fresh data
//! directory that serves the same users, and refusals — an existing
//! database without --force, a tampered file, a wrong key — each one line.

use crate::app::spawn_app;
use domain::Role;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn manabi(data: &Path, key_file: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_manabi"))
        .args(args)
        .env("MANABI_DATA_DIR", data)
        .env("MANABI_BACKUP__KEY_FILE", key_file)
        .env("MANABI_LOG__LEVEL", "warn")
        .output()
        .unwrap()
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn a_backup_taken_while_serving_restores_and_passes_the_drill() {
    let app = spawn_app().await;
    app.add_user("admin@city.example.jp", Role::Admin).await;
    app.add_user("sato@city.example.jp", Role::Learner).await;
    let keys = tempfile::tempdir().unwrap();
    let key_file = keys.path().join("backup.key");
    std::fs::write(&key_file, format!("{}\n", "ab".repeat(32))).unwrap();

    // Taken while the service runs.
    let out = manabi(app.data_dir(), &key_file, &["backup"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let file = PathBuf::from(
        stdout
            .strip_prefix("backup: ")
            .and_then(|s| s.split(" (").next())
            .expect("the backup's path"),
    );
    assert!(file.exists() && file.starts_with(app.data_dir().join("backups")));
    assert!(stdout.contains("2 users"), "{stdout}");
    let sidecar = std::fs::read_to_string(file.with_extension("mbk.sha256")).unwrap();
    assert_eq!(sidecar.split_whitespace().count(), 2);

    // The drill restores into a scratch directory, starts the service on it, checks it.
    let out = manabi(
        app.data_dir(),
        &key_file,
        &["restore", "--verify", file.to_str().unwrap()],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.starts_with("restore drill: ok"), "{stdout}");
    assert!(stdout.contains("service ready in"), "{stdout}");

    // A real restore into a fresh data directory serves the same users.
    let fresh = tempfile::tempdir().unwrap();
    let out = manabi(
        fresh.path(),
        &key_file,
        &["restore", file.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out).1);
    let restored = catalog::db::Db::open(&fresh.path().join("catalog.db")).unwrap();
    let emails: Vec<String> = restored
        .call(|c| {
            Ok(c.prepare("SELECT email FROM users ORDER BY email")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?)
        })
        .await
        .unwrap();
    drop(restored);
    assert_eq!(emails, ["admin@city.example.jp", "sato@city.example.jp"]);

    // Refusals, one clear line each.
    let one_line = |out: &Output, needle: &str| {
        let (_, stderr) = text(out);
        assert!(!out.status.success());
        assert!(
            stderr.contains(needle) && stderr.trim().lines().count() == 1,
            "{stderr}"
        );
    };
    one_line(
        &manabi(
            fresh.path(),
            &key_file,
            &["restore", file.to_str().unwrap()],
        ),
        "--force",
    );
    let out = manabi(
        fresh.path(),
        &key_file,
        &["restore", "--force", file.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out).1);
    let tampered = fresh.path().join("tampered.mbk");
    let mut bytes = std::fs::read(&file).unwrap();
    let at = bytes.len() - 20;
    bytes[at] ^= 0x40;
    std::fs::write(&tampered, bytes).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    one_line(
        &manabi(
            elsewhere.path(),
            &key_file,
            &["restore", tampered.to_str().unwrap()],
        ),
        "改ざん",
    );
    let other_key = keys.path().join("other.key");
    std::fs::write(&other_key, "cd".repeat(32)).unwrap();
    one_line(
        &manabi(
            elsewhere.path(),
            &other_key,
            &["restore", file.to_str().unwrap()],
        ),
        "鍵が違います",
    );
    assert!(
        !elsewhere.path().join("catalog.db").exists(),
        "nothing half-restored"
    );
}
