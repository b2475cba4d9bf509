//! The media store on S3: the whole path served from an S3-compatible server
//! (s3s-fs on loopback, which checks request signatures), and the origin
//! through a store outage (issue 4 item 5): while the store is unreachable a
//! segment gets 503 + Retry-After within about a second, `/readyz` says so,
//! the catalog keeps working, and playback resumes by itself once the store
//! is back — without restarting the application.

use crate::app::{Session, spawn_role};
use crate::path::upload_and_publish;
use domain::Role;
use m3u8_rs::Playlist;
use reqwest::{Client, StatusCode};
use s3s::{ACCESS_KEY, BUCKET, SECRET_KEY};
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

// The store suite's s3s-fs harness, shared so the server starts one way.
#[path = "../../store/tests/suite/s3s.rs"]
mod s3s;

/// The longest a request may take while the store is down: the origin's
/// `store_timeout_ms` (1 s) plus room for a loaded machine. A request waiting
/// for the S3 client's own 30 s request timeout fails it.
const OUTAGE_ANSWER_LIMIT: Duration = Duration::from_millis(1500);

/// Every file below `dir` (none if it does not exist), relative to it, sorted.
fn files_below(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&next) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    found.sort();
    found
}

/// A player's client: no cookies, and a limit well below the S3 client's 30 s
/// request timeout, so a hanging origin fails the test quickly.
fn player() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// GETs `url`, returning the response and how long it took to arrive.
async fn timed_get(client: &Client, url: &str) -> (reqwest::Response, Duration) {
    let started = Instant::now();
    let resp = client
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: no answer after {:?}: {e}", started.elapsed()));
    (resp, started.elapsed())
}

/// The object a media URL names, below `videos/{id}/`: the origin maps
/// `/media/v/{id}/{token}/{path}` to `videos/{id}/hls/{path}`.
fn object_of(url: &str) -> String {
    let (_, rest) = url.split_once("/media/v/").unwrap();
    let mut parts = rest.splitn(3, '/');
    let (_video, _token, path) = (parts.next(), parts.next(), parts.next().unwrap());
    format!("hls/{path}")
}

/// Follows a play response's master → first video variant → its init
/// segment; returns the URLs of the master, the variant and its first media
/// segment.
async fn play_urls(player: &Client, learner: &Session, master_url: &str) -> [String; 3] {
    let master_url = learner.url(master_url);
    let master = player.get(&master_url).send().await.unwrap();
    assert_eq!(master.status(), StatusCode::OK);
    let master_text = master.bytes().await.unwrap();
    let Ok((_, Playlist::MasterPlaylist(m))) = m3u8_rs::parse_playlist(&master_text) else {
        panic!("not a master playlist")
    };
    let variant = m
        .variants
        .iter()
        .find(|v| !v.is_i_frame && v.resolution.is_some())
        .unwrap();
    let base = master_url.rsplit_once('/').unwrap().0;
    let variant_url = format!("{base}/{}", variant.uri);
    let variant_resp = player.get(&variant_url).send().await.unwrap();
    assert_eq!(variant_resp.status(), StatusCode::OK);
    let variant_text = variant_resp.bytes().await.unwrap();
    let Ok((_, Playlist::MediaPlaylist(media))) = m3u8_rs::parse_playlist(&variant_text) else {
        panic!("not a media playlist")
    };
    let variant_dir = variant_url.rsplit_once('/').unwrap().0;
    let init = player
        .get(format!(
            "{variant_dir}/{}",
            media.segments[0].map.as_ref().unwrap().uri
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(init.status(), StatusCode::OK);
    assert_eq!(&init.bytes().await.unwrap()[4..8], b"ftyp");
    let segment_url = format!("{variant_dir}/{}", media.segments[0].uri);
    [master_url, variant_url, segment_url]
}

#[tokio::test]
async fn whole_path_runs_on_s3_and_playback_survives_a_store_outage() {
    let started = Instant::now();
    let mut s3 = s3s::Server::start().await;
    let endpoint = s3.settings().endpoint;
    let app = spawn_role(
        manabi::roles::Role::All,
        tempfile::tempdir().unwrap(),
        &[
            ("MANABI_STORE__KIND", "s3"),
            ("MANABI_STORE__BUCKET", BUCKET),
            ("MANABI_STORE__ENDPOINT", &endpoint),
            ("MANABI_STORE__ACCESS_KEY_ID", ACCESS_KEY),
            ("MANABI_STORE__SECRET_ACCESS_KEY", SECRET_KEY),
            // Every segment request reaches the store; playlists are re-read each second.
            ("MANABI_ORIGIN__CACHE_BYTES", "0"),
            ("MANABI_ORIGIN__PLAYLIST_MAX_AGE_SECONDS", "1"),
        ],
    )
    .await;
    app.add_user("editor@city.example.jp", Role::Editor).await;
    app.add_user("learner@city.example.jp", Role::Learner).await;
    let editor = app.login("editor@city.example.jp").await;
    let video = upload_and_publish(&app, &editor).await;
    eprintln!("upload → ready → publish on S3: {:?}", started.elapsed());

    // Play: master → variant → init → segment, all from the bucket.
    let learner = app.login("learner@city.example.jp").await;
    let play: Value = learner
        .post(&format!("/api/v1/videos/{video}/play"), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let session_id = play["session_id"].as_str().unwrap().to_owned();
    let player = player();
    let urls = play_urls(&player, &learner, play["master_url"].as_str().unwrap()).await;
    let segment_url = urls[2].clone();
    let (segment, _) = timed_get(&player, &segment_url).await;
    assert_eq!(segment.status(), StatusCode::OK);
    let segment_bytes = segment.bytes().await.unwrap();
    assert!(
        segment_bytes.windows(4).any(|w| w == b"moof"),
        "an fMP4 media segment"
    );

    // Everything went to the bucket: nothing below the data directory's media/,
    // and the bytes served are the object's bytes in s3s-fs's directory.
    let local_media = files_below(&app.data_dir().join("media"));
    assert!(
        local_media.is_empty(),
        "media in the data directory: {local_media:?}"
    );
    let in_bucket = files_below(&s3.bucket_dir().join(format!("videos/{video}")));
    for url in &urls {
        let key = object_of(url);
        assert!(
            in_bucket.contains(&key),
            "{key} not in the bucket: {in_bucket:?}"
        );
    }
    let stored = std::fs::read(
        s3.bucket_dir()
            .join(format!("videos/{video}/{}", object_of(&segment_url))),
    )
    .unwrap();
    assert_eq!(segment_bytes, stored, "the segment is the bucket's object");
    let ready = learner.get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::OK);

    // The store goes away.
    s3.kill();
    let (down, took) = timed_get(&player, &segment_url).await;
    eprintln!(
        "segment while the store is down: {} in {took:?}",
        down.status()
    );
    assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        down.headers().contains_key("retry-after"),
        "{:?}",
        down.headers()
    );
    assert_eq!(down.headers()["cache-control"], "no-store");
    assert!(
        took < OUTAGE_ANSWER_LIMIT,
        "a segment took {took:?} to answer 503 while the store is down"
    );

    let ready_started = Instant::now();
    let ready = learner.get("/readyz").await;
    let ready_took = ready_started.elapsed();
    eprintln!(
        "/readyz while the store is down: {} in {ready_took:?}",
        ready.status()
    );
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let ready: Value = ready.json().await.unwrap();
    assert_eq!(ready["media_store"], "unavailable", "{ready}");
    assert_eq!(ready["database"], "ok", "{ready}");
    assert!(
        ready_took < OUTAGE_ANSWER_LIMIT,
        "/readyz took {ready_took:?} while the store is down"
    );

    // The rest of the service keeps working.
    let categories = learner.get("/api/v1/categories").await;
    assert_eq!(categories.status(), StatusCode::OK);
    let heartbeat = learner
        .post(
            &format!("/api/v1/play/{session_id}/heartbeat"),
            &json!({"seq": 1, "position_s": 2.0, "played": [[0.0, 2.0]], "rate": 1.0}),
        )
        .await;
    assert_eq!(heartbeat.status(), StatusCode::OK);

    // The store returns on the same port and directory; the app is not restarted.
    s3.restart().await;
    let (again, took) = timed_get(&player, &segment_url).await;
    eprintln!(
        "segment once the store is back: {} in {took:?}",
        again.status()
    );
    assert_eq!(again.status(), StatusCode::OK, "playback resumes by itself");
    assert_eq!(again.bytes().await.unwrap(), segment_bytes);
    let ready = learner.get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::OK);
    let ready: Value = ready.json().await.unwrap();
    assert_eq!(ready["media_store"], "ok", "{ready}");

    app.app.unwrap().shutdown().await;
    eprintln!("whole test: {:?}", started.elapsed());
}

/// `[backup_copy]` on S3: each backup lands in the bucket with its `.sha256`;
/// while the bucket is unreachable the backups still succeed and admins see
/// a notice, which the first complete copy ends.
#[tokio::test]
async fn backups_are_copied_to_a_bucket_and_a_failed_copy_is_noticed() {
    let mut s3 = s3s::Server::start().await;
    let endpoint = s3.settings().endpoint;
    let app = spawn_role(
        manabi::roles::Role::All,
        tempfile::tempdir().unwrap(),
        &[
            ("MANABI_BACKUP_COPY__KIND", "s3"),
            ("MANABI_BACKUP_COPY__BUCKET", BUCKET),
            ("MANABI_BACKUP_COPY__ENDPOINT", &endpoint),
            ("MANABI_BACKUP_COPY__ACCESS_KEY_ID", ACCESS_KEY),
            ("MANABI_BACKUP_COPY__SECRET_ACCESS_KEY", SECRET_KEY),
            ("MANABI_BACKUP_COPY__PREFIX", "ward/"),
        ],
    )
    .await;
    app.add_user("admin@city.example.jp", Role::Admin).await;
    let admin = app.login("admin@city.example.jp").await;
    let copy = s3.store(|s| s.prefix = "ward/".into());
    let backup = || async {
        let resp = admin.post("/api/v1/backups", &json!({})).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
    };
    let held = || async {
        store::Store::list(&copy, &store::ObjectKey::backups())
            .await
            .unwrap()
    };
    let copy_notices = || async {
        let list: Value = admin.get("/api/v1/notices").await.json().await.unwrap();
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["title"].as_str().unwrap().contains("バックアップの複製"))
            .count()
    };

    backup().await;
    let objects = held().await;
    assert_eq!(objects.len(), 2, "the backup and its .sha256: {objects:?}");
    let local = app.data_dir().join("backups");
    for (key, len) in &objects {
        let name = key.as_str().strip_prefix("backups/").unwrap();
        assert_eq!(std::fs::metadata(local.join(name)).unwrap().len(), *len);
    }

    // The bucket is down: the backup is still taken, the copy waits.
    s3.kill();
    backup().await;
    assert_eq!(copy_notices().await, 1);
    s3.restart().await;
    backup().await;
    assert_eq!(
        held().await.len(),
        6,
        "all three backups, with their checksums"
    );
    assert_eq!(
        copy_notices().await,
        0,
        "the notice ends once the copy is complete"
    );

    // From the shell, to another prefix: `manabi backup --to s3://BUCKET/PREFIX`.
    let data = app.data_dir().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_manabi"))
            .args([
                "backup",
                "--to",
                &format!("s3://{BUCKET}/town-hall/nightly"),
            ])
            .env("MANABI_DATA_DIR", &data)
            .env("MANABI_LOG__LEVEL", "warn")
            .env("MANABI_BACKUP_COPY__KIND", "s3")
            .env("MANABI_BACKUP_COPY__ENDPOINT", &endpoint)
            .env("MANABI_BACKUP_COPY__ACCESS_KEY_ID", ACCESS_KEY)
            .env("MANABI_BACKUP_COPY__SECRET_ACCESS_KEY", SECRET_KEY)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let other = s3.store(|s| s.prefix = "town-hall/nightly/".into());
    let there = store::Store::list(&other, &store::ObjectKey::backups())
        .await
        .unwrap();
    assert_eq!(
        there.len(),
        8,
        "the four backups and their checksums: {there:?}"
    );
}
