//! Transcode jobs: remote workers, cancel, and a worker killed mid-job.

use crate::app::{PASSWORD, Server, TestApp, clip, get_json, serve_process, spawn_app, spawn_role};
use domain::Role;
use manabi::roles;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "a-worker-token-of-at-least-32-characters";

#[tokio::test]
async fn a_remote_worker_takes_jobs_over_the_internal_api() {
    let data = tempfile::tempdir().unwrap();
    let shared = data.path().to_owned();
    let catalog = spawn_role(
        roles::Role::Catalog,
        data,
        &[
            ("MANABI_CATALOG__WORKER_TOKEN", TOKEN),
            ("MANABI_CATALOG__ORIGIN_URL", "http://127.0.0.1:9"),
        ],
    )
    .await;
    catalog
        .add_user("editor@city.example.jp", Role::Editor)
        .await;

    // Without the right token the internal API refuses to hand out work.
    let client = TestApp::client();
    let claim = format!("{}/api/internal/jobs/claim", catalog.base);
    assert_eq!(
        client.post(&claim).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        client
            .post(&claim)
            .bearer_auth("guess")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );

    // A worker process of its own (sharing the media directory) does the work.
    let worker_config = crate::app::test_config(
        &shared,
        &[
            ("MANABI_WORKER__CATALOG_URL", catalog.base.as_str()),
            ("MANABI_WORKER__TOKEN", TOKEN),
        ],
    );
    let worker = roles::start(&worker_config, roles::Role::Worker)
        .await
        .unwrap();
    assert!(worker.local_addr().is_none(), "a worker serves no HTTP");

    let editor = catalog.login("editor@city.example.jp").await;
    let body: Value = editor
        .upload(
            "remote.mp4",
            std::fs::read(clip(catalog.data_dir(), 3.0)).unwrap(),
        )
        .await
        .json()
        .await
        .unwrap();
    let (video, _) = editor.wait_video(body["id"].as_i64().unwrap()).await;
    assert_eq!(video["status"], "ready", "{video}");
    worker.shutdown().await;
}

#[tokio::test]
async fn the_internal_api_does_not_exist_without_a_token() {
    let app = spawn_app().await;
    let resp = TestApp::client()
        .post(format!("{}/api/internal/jobs/claim", app.base))
        .bearer_auth("")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_cancelled_job_ends_failed_and_the_worker_goes_on() {
    let app = spawn_app().await;
    app.add_user("editor@city.example.jp", Role::Editor).await;
    let editor = app.login("editor@city.example.jp").await;
    let long = std::fs::read(clip(app.data_dir(), 20.0)).unwrap();
    let body: Value = editor.upload("long.mp4", long).await.json().await.unwrap();
    let id = body["id"].as_i64().unwrap();
    let cancelled = editor
        .post(&format!("/api/v1/videos/{id}/cancel"), &json!({}))
        .await;
    assert_eq!(cancelled.status(), StatusCode::OK);
    let (video, _) = editor.wait_video(id).await;
    assert_eq!(video["status"], "failed");
    assert!(video["error"].as_str().unwrap().contains("cancelled"));
    assert_eq!(
        editor
            .post(&format!("/api/v1/videos/{id}/cancel"), &json!({}))
            .await
            .status(),
        StatusCode::CONFLICT
    );

    let body: Value = editor
        .upload(
            "next.mp4",
            std::fs::read(clip(app.data_dir(), 2.0)).unwrap(),
        )
        .await
        .json()
        .await
        .unwrap();
    let (next, _) = editor.wait_video(body["id"].as_i64().unwrap()).await;
    assert_eq!(next["status"], "ready", "the worker took the next job");
    let learner_forbidden = editor.post("/api/v1/videos/999/cancel", &json!({})).await;
    assert_eq!(learner_forbidden.status(), StatusCode::NOT_FOUND);
}

fn serve(data: &Path) -> Server {
    serve_process(
        data,
        &[
            ("MANABI_TRANSCODER__LADDER", "small"),
            ("MANABI_CATALOG__JOB_LEASE_SECONDS", "3"),
        ],
    )
}

fn dirs(path: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(path)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[tokio::test]
async fn a_worker_killed_mid_job_leaves_nothing_half_published_and_the_job_completes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut add = Command::new(env!("CARGO_BIN_EXE_manabi"))
        .args([
            "user",
            "add",
            "--email",
            "editor@city.example.jp",
            "--role",
            "editor",
            "--password-stdin",
        ])
        .env("MANABI_DATA_DIR", &data)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(PASSWORD.as_bytes())
        .unwrap();
    assert!(add.wait().unwrap().success());

    let first = serve(&data);
    let client = TestApp::client();
    let login: Value = client
        .post(format!("{}/api/v1/session", first.base))
        .json(&json!({"email": "editor@city.example.jp", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let csrf = login["csrf_token"].as_str().unwrap().to_owned();
    let bytes = std::fs::read(clip(dir.path(), 40.0)).unwrap();
    let created: Value = client
        .post(format!("{}/api/v1/videos", first.base))
        .header("x-csrf-token", &csrf)
        .body(bytes)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_i64().unwrap();

    // Wait until the worker is busy with it, then kill the process outright.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let v: Value = get_json(&client, format!("{}/api/v1/videos/{id}", first.base)).await;
        if v["status"] == "processing" && v["progress"].as_f64().unwrap() > 0.0 {
            break;
        }
        assert_ne!(
            v["status"], "ready",
            "the clip should take longer than the polling"
        );
        assert!(Instant::now() < deadline, "never started: {v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(first); // SIGKILL
    let hls = data.join("media/videos").join(id.to_string()).join("hls");
    assert!(
        dirs(&hls)
            .iter()
            .all(|rev| !hls.join(rev).join("master.m3u8").exists()),
        "nothing was published"
    );

    // A new process takes the job again once the lease has run out.
    let second = serve(&data);
    let deadline = Instant::now() + Duration::from_secs(120);
    let video = loop {
        let v: Value = get_json(&client, format!("{}/api/v1/videos/{id}", second.base)).await;
        if v["status"] == "ready" || v["status"] == "failed" {
            break v;
        }
        assert!(Instant::now() < deadline, "not done: {v}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(video["status"], "ready", "{video}");
    assert_eq!(
        dirs(&hls),
        vec!["r2".to_owned()],
        "only the completed attempt's revision remains"
    );
    assert!(hls.join("r2/master.m3u8").exists());
    assert_eq!(
        dirs(&data.join("work")).len(),
        1,
        "the killed worker's temporary files are gone"
    );
}
