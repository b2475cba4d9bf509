//! Backups from the command line, as an operator runs them: `manabi backup`
//! while the service runs, the restore drill, a restore into a fresh data
//! directory that serves the same users, and refusals — an existing
//! database without --force, a tampered file, a wrong key — each one line.

use crate::app::spawn_role;
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
    // Daily at midnight: the time has passed today, so the service takes
    // today's backup as soon as it starts.
    let app = spawn_role(
        manabi::roles::Role::All,
        tempfile::tempdir().unwrap(),
        &[("MANABI_BACKUP__DAILY_AT", "00:00")],
    )
    .await;
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

    // `--to DIR` writes it elsewhere (another volume).
    let elsewhere = tempfile::tempdir().unwrap();
    let out = manabi(
        app.data_dir(),
        &key_file,
        &["backup", "--to", elsewhere.path().to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out).1);
    let written: Vec<_> = std::fs::read_dir(elsewhere.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(written.len(), 2, "the backup and its .sha256: {written:?}");
    let out = manabi(app.data_dir(), &key_file, &["backup", "--to", "s3://"]);
    assert!(!out.status.success() && text(&out).1.contains("バケット名"));

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
    let restored = catalog::db::Db::open_default(fresh.path()).unwrap();
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
    // The cause said once.
    let missing = manabi(
        fresh.path(),
        &key_file,
        &["restore", "--force", "/nonexistent/manabi.mbk"],
    );
    one_line(&missing, "/nonexistent/manabi.mbk");
    assert_eq!(
        text(&missing).1.matches("os error 2").count(),
        1,
        "{}",
        text(&missing).1
    );
    // Never under the running service, which would go on in the replaced
    // file's ghost and lose everything written after.
    let database = app.data_dir().join("catalog.db");
    let before = std::fs::metadata(&database).unwrap().modified().unwrap();
    one_line(
        &manabi(
            app.data_dir(),
            &key_file,
            &["restore", "--force", file.to_str().unwrap()],
        ),
        "サービスを停止",
    );
    assert_eq!(
        std::fs::metadata(&database).unwrap().modified().unwrap(),
        before
    );
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

    // Admins take one from the API too, and see every backup with its check:
    // the daily one the service took at start, the command line's two (one
    // --to elsewhere), this one.
    let admin = app.login("admin@city.example.jp").await;
    let resp = admin.post("/api/v1/backups", &serde_json::json!({})).await;
    assert_eq!(resp.status(), reqwest::StatusCode::CREATED);
    let taken: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(taken["status"], "ok");
    assert_eq!(taken["counts"]["users"], 2);
    let started = std::time::Instant::now();
    let list = loop {
        let list: serde_json::Value = admin.get("/api/v1/backups").await.json().await.unwrap();
        if list["total"] == 4 || started.elapsed() > std::time::Duration::from_secs(30) {
            break list;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(list["total"], 4, "{list}");
    assert_eq!(list["daily_at"], "00:00");
    assert_eq!(list["items"][0]["file"], taken["file"]);
    let files = std::fs::read_dir(app.data_dir().join("backups"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "mbk")
        })
        .count();
    assert_eq!(files, 3);
    let learner = app.login("sato@city.example.jp").await;
    assert_eq!(
        learner.get("/api/v1/backups").await.status(),
        reqwest::StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_failed_backup_is_an_urgent_notice_for_admins_until_one_succeeds() {
    // The backup directory's place is taken by a file: backups fail.
    let data = tempfile::tempdir().unwrap();
    let blocked = data.path().join("not-a-directory");
    std::fs::write(&blocked, "").unwrap();
    let dir = blocked.to_str().unwrap().to_owned();
    let app = spawn_role(
        manabi::roles::Role::All,
        data,
        &[("MANABI_BACKUP__DIR", dir.as_str())],
    )
    .await;
    app.add_user("admin@city.example.jp", Role::Admin).await;
    app.add_user("sato@city.example.jp", Role::Learner).await;
    let admin = app.login("admin@city.example.jp").await;
    let learner = app.login("sato@city.example.jp").await;
    for _ in 0..2 {
        let resp = admin.post("/api/v1/backups", &serde_json::json!({})).await;
        assert_eq!(resp.status(), reqwest::StatusCode::INTERNAL_SERVER_ERROR);
    }
    let raised = backup_notices(&admin).await;
    assert_eq!(
        raised.len(),
        1,
        "one notice however many failures: {raised:?}"
    );
    let notice = &raised[0];
    assert_eq!(
        (
            &notice["kind"],
            &notice["urgent"],
            &notice["audience"],
            &notice["active"]
        ),
        (
            &"incident".into(),
            &true.into(),
            &"admins".into(),
            &true.into()
        )
    );
    assert!(
        notice["body"].as_str().unwrap().contains("manabi backup"),
        "{notice}"
    );
    assert!(backup_notices(&learner).await.is_empty(), "admins only");

    // Once the directory can be made, the next backup ends the notice.
    std::fs::remove_file(&blocked).unwrap();
    let resp = admin.post("/api/v1/backups", &serde_json::json!({})).await;
    assert_eq!(resp.status(), reqwest::StatusCode::CREATED);
    assert!(backup_notices(&admin).await.is_empty());
    let all: serde_json::Value = admin
        .get("/api/v1/notices?all=true")
        .await
        .json()
        .await
        .unwrap();
    let ended = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == notice["id"])
        .expect("kept, ended");
    assert!(
        ended["ends_at"].is_string() && ended["active"] == false,
        "{ended}"
    );
}

/// The current notices about backups that `session` is shown.
async fn backup_notices(session: &crate::app::Session) -> Vec<serde_json::Value> {
    let list: serde_json::Value = session.get("/api/v1/notices").await.json().await.unwrap();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["title"].as_str().unwrap().contains("バックアップ"))
        .cloned()
        .collect()
}

#[tokio::test]
async fn the_media_mirror_is_made_an_exact_copy_and_checked() {
    let app = spawn_role(
        manabi::roles::Role::All,
        tempfile::tempdir().unwrap(),
        &[("MANABI_MIRROR__PATH", "mirror")],
    )
    .await;
    app.add_user("editor@city.example.jp", Role::Editor).await;
    app.add_user("admin@city.example.jp", Role::Admin).await;
    let editor = app.login("editor@city.example.jp").await;
    let admin = app.login("admin@city.example.jp").await;
    crate::path::upload_and_publish(&app, &editor).await;
    let data = app.data_dir().to_owned();
    let mirror = data.join("mirror");
    let run = |args: &'static [&'static str]| {
        let data = data.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                let out = Command::new(env!("CARGO_BIN_EXE_manabi"))
                    .args(args)
                    .env("MANABI_DATA_DIR", &data)
                    .env("MANABI_MIRROR__PATH", "mirror")
                    .env("MANABI_LOG__LEVEL", "warn")
                    .output()
                    .unwrap();
                let (stdout, stderr) = text(&out);
                (out.status.success(), stdout, stderr)
            })
            .await
            .unwrap()
        }
    };

    // Nothing copied yet: the check says what is missing and fails.
    let (ok, stdout, _) = run(&["mirror", "--check"]).await;
    assert!(!ok, "{stdout}");
    let objects: usize = stdout
        .strip_prefix("mirror: ")
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the object count");
    assert!(objects > 5, "{stdout}");
    assert_eq!(
        stdout.matches("  missing: videos/").count(),
        objects,
        "{stdout}"
    );

    // The mirror's disk refuses: the run fails, and admins see a notice.
    std::fs::create_dir_all(&mirror).unwrap();
    std::fs::write(mirror.join("videos"), "").unwrap();
    let (ok, stdout, stderr) = run(&["mirror"]).await;
    assert!(
        !ok && stderr.contains("Not a directory"),
        "{stdout}{stderr}"
    );
    let notices = mirror_notices(&admin).await;
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0]["audience"], "admins");

    // Once it can, the run copies everything and ends the notice.
    std::fs::remove_file(mirror.join("videos")).unwrap();
    let (ok, stdout, stderr) = run(&["mirror"]).await;
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains(&format!("copied {objects},")), "{stdout}");
    assert!(mirror_notices(&admin).await.is_empty());
    let (ok, stdout, _) = run(&["mirror", "--check", "--deep"]).await;
    assert!(ok, "{stdout}");

    // A copy changed in place (same size) is seen only by a deep check.
    let segment = std::fs::read_dir(mirror.join("videos"))
        .unwrap()
        .flatten()
        .flat_map(|video| walk(&video.path()))
        .find(|p| p.extension().is_some_and(|e| e == "m4s"))
        .expect("a segment in the mirror");
    let mut bytes = std::fs::read(&segment).unwrap();
    bytes[100] ^= 0xff;
    std::fs::write(&segment, bytes).unwrap();
    assert!(run(&["mirror", "--check"]).await.0);
    let (ok, stdout, _) = run(&["mirror", "--check", "--deep"]).await;
    assert!(!ok && stdout.contains("  different: videos/"), "{stdout}");
    let (ok, stdout, _) = run(&["mirror", "--deep"]).await;
    assert!(ok && stdout.contains("copied 1,"), "{stdout}");
    assert!(run(&["mirror", "--check", "--deep"]).await.0);
}

/// Every file below `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// The current notices about the media mirror that `session` is shown.
async fn mirror_notices(session: &crate::app::Session) -> Vec<serde_json::Value> {
    let list: serde_json::Value = session.get("/api/v1/notices").await.json().await.unwrap();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["title"].as_str().unwrap().contains("複製"))
        .cloned()
        .collect()
}

/// How often `needle` occurs in the bytes of `file` (0 when it is missing).
fn occurrences(file: &Path, needle: &[u8]) -> usize {
    let bytes = std::fs::read(file).unwrap_or_default();
    bytes.windows(needle.len()).filter(|w| *w == needle).count()
}

#[tokio::test]
async fn a_deleted_secret_is_in_neither_the_database_its_wal_nor_a_backup() {
    let app = spawn_role(manabi::roles::Role::All, tempfile::tempdir().unwrap(), &[]).await;
    app.add_user("admin@city.example.jp", Role::Admin).await;
    app.add_user("sato@city.example.jp", Role::Learner).await;
    let data = app.data_dir().to_owned();
    // The canary: a login session's CSRF token, a random secret stored in its
    // row, which logging out deletes (nothing keeps a copy of it).
    let learner = app.login("sato@city.example.jp").await;
    let canary = learner.csrf.clone().into_bytes();
    let wal = data.join("catalog.db-wal");
    // Encrypted at rest: not even a live secret shows in the files.
    assert_eq!(
        occurrences(&data.join("catalog.db"), &canary) + occurrences(&wal, &canary),
        0,
        "the database files hold a secret in plaintext"
    );
    let admin = app.login("admin@city.example.jp").await;
    let backup = |n: usize| {
        let admin = &admin;
        let data = data.clone();
        async move {
            let resp = admin.post("/api/v1/backups", &serde_json::json!({})).await;
            assert_eq!(resp.status(), reqwest::StatusCode::CREATED);
            let record: serde_json::Value = resp.json().await.unwrap();
            let file = data.join("backups").join(record["file"].as_str().unwrap());
            let key = catalog::backup::Settings::default().key(&data).unwrap();
            let opened = data.join(format!("opened-backup-{n}.db"));
            catalog::backup::unseal(&file, &key, &opened).unwrap();
            opened
        }
    };
    // A backup (plaintext inside its seal) shows the canary while it lives…
    let first = backup(1).await;
    assert!(occurrences(&first, &canary) > 0, "the canary was written");

    let resp = learner
        .send(reqwest::Method::DELETE, "/api/v1/session", None)
        .await;
    assert_eq!(resp.status(), reqwest::StatusCode::NO_CONTENT);
    // …and nothing shows it once it is deleted.
    let second = backup(2).await;
    for file in [data.join("catalog.db"), wal, second] {
        assert_eq!(
            occurrences(&file, &canary),
            0,
            "{} keeps the deleted secret",
            file.display()
        );
    }
}

#[tokio::test]
async fn the_database_key_rotates_only_while_the_service_is_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let backup_key = dir.path().join("backup.key");
    let out = manabi(
        &data,
        &backup_key,
        &[
            "user",
            "add",
            "--email",
            "sato@city.example.jp",
            "--role",
            "learner",
        ],
    );
    assert!(out.status.success(), "{}", text(&out).1);
    let key_file = data.join("keys").join("db.key");
    let before = std::fs::read_to_string(&key_file).unwrap();

    // Refused while the service has the database open.
    let server = {
        let data = data.clone();
        tokio::task::spawn_blocking(move || crate::app::serve_process(&data, &[]))
            .await
            .unwrap()
    };
    let out = manabi(&data, &backup_key, &["rekey"]);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("サービスを停止"), "{}", text(&out).1);
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), before);
    drop(server); // killed, as a crash would

    let out = manabi(&data, &backup_key, &["rekey"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.starts_with("rekey: the database is now encrypted with key"),
        "{stdout}"
    );
    let after = std::fs::read_to_string(&key_file).unwrap();
    assert_ne!(after, before);
    let leftovers: Vec<String> = std::fs::read_dir(data.join("keys"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("db.key."))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let db_path = data.join("catalog.db");
    let old = catalog::keyfile::Key::from_hex(&before).unwrap();
    assert!(
        catalog::db::connect(&db_path, &old).is_err(),
        "the old key still opens it"
    );
    let users: i64 = catalog::db::Db::open_default(&data)
        .unwrap()
        .call(|c| Ok(c.query_row("SELECT count(*) FROM users", [], |r| r.get(0))?))
        .await
        .unwrap();
    assert_eq!(users, 1);

    // A key given inline rotates only to a key the operator passes.
    let rekey_inline = |new: &str| {
        use std::io::Write;
        let mut child = Command::new(env!("CARGO_BIN_EXE_manabi"))
            .args(["rekey", "--new-key-stdin"])
            .env("MANABI_DATA_DIR", &data)
            .env("MANABI_CATALOG__DB_KEY", after.trim())
            .env("MANABI_LOG__LEVEL", "warn")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(new.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = rekey_inline("not a key\n");
    assert!(
        !out.status.success() && text(&out).1.contains("64 桁"),
        "{}",
        text(&out).1
    );
    let chosen = "cd".repeat(32);
    let out = rekey_inline(&format!("{chosen}\n"));
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(
        text(&out).0.contains("set catalog.db_key"),
        "{}",
        text(&out).0
    );
    let chosen = catalog::keyfile::Key::from_hex(&chosen).unwrap();
    assert!(catalog::db::connect(&db_path, &chosen).is_ok());
}
