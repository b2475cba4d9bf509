//! The origin keeps each office within its network budget, and a grant
//! outlives neither its account nor its login session by more than its TTL.

use crate::app::{TestApp, get_text, spawn_config, test_config};
use crate::path::upload_and_publish;
use domain::Role;
use domain::site::SiteRule;
use manabi::roles;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// `(BANDWIDTH, URI)` of each video variant (with a RESOLUTION) of a master.
fn video_variants(master: &str) -> Vec<(u64, String)> {
    let lines: Vec<&str> = master.lines().collect();
    lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let attrs = l.strip_prefix("#EXT-X-STREAM-INF:")?;
            if !attrs.contains("RESOLUTION=") {
                return None;
            }
            let bw = attrs
                .split(',')
                .find_map(|a| a.strip_prefix("BANDWIDTH="))?
                .parse()
                .ok()?;
            Some((bw, lines.get(i + 1)?.to_string()))
        })
        .collect()
}

/// The whole service, where loopback is the site "office" with a budget
/// of `budget_mbps`.
async fn office_with_budget(budget_mbps: f64) -> TestApp {
    let data = tempfile::tempdir().unwrap();
    let mut config = test_config(data.path(), &[]);
    config.network.sites.push(SiteRule {
        name: "office".into(),
        cidrs: vec!["127.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()],
        budget_mbps,
    });
    spawn_config(roles::Role::All, data, config).await
}

/// A learner pressing play again and again counts once: their earlier
/// sessions that never asked for media stop counting, so a colleague's
/// share is not cut.
#[tokio::test]
async fn pressing_play_again_and_again_does_not_shrink_a_colleagues_share() {
    let app = office_with_budget(100.0).await;
    app.add_user("editor@city.example.jp", Role::Editor).await;
    app.add_user("a@city.example.jp", Role::Learner).await;
    app.add_user("b@city.example.jp", Role::Learner).await;
    let editor = app.login("editor@city.example.jp").await;
    let video = upload_and_publish(&app, &editor).await;
    let play = |who: &'static str| {
        let app = &app;
        async move {
            let learner = app.login(who).await;
            let mut caps = Vec::new();
            for _ in 0..5 {
                let play: Value = learner.play(video).await;
                caps.push(play["max_bitrate_kbps"].as_u64().unwrap());
            }
            caps
        }
    };
    assert_eq!(play("a@city.example.jp").await, [100_000; 5]);
    assert_eq!(
        play("b@city.example.jp").await,
        [50_000; 5],
        "two viewers share the budget, however often each pressed play"
    );
}

#[tokio::test]
async fn a_site_over_its_budget_gets_the_lowest_rung_paced_and_a_cap() {
    // The office's line is far too thin for any rung.
    let app = office_with_budget(0.01).await;
    app.add_user("editor@city.example.jp", Role::Editor).await;
    app.add_user("learner@city.example.jp", Role::Learner).await;
    let editor = app.login("editor@city.example.jp").await;
    let video = upload_and_publish(&app, &editor).await;

    let learner = app.login("learner@city.example.jp").await;
    let play: Value = learner.play(video).await;
    let master_url = learner.url(play["master_url"].as_str().unwrap());
    let token = master_url.split('/').nth_back(2).unwrap();
    assert_eq!(
        token.split('.').nth(4),
        Some("office"),
        "the grant names the site"
    );

    // The master lists only the lowest video rung (and no audio-only rung,
    // which does not fit either).
    let rev = master_url.split('/').nth_back(1).unwrap();
    let stored = std::fs::read_to_string(
        app.data_dir()
            .join(format!("media/videos/{video}/hls/{rev}/master.m3u8")),
    )
    .unwrap();
    let all = video_variants(&stored);
    assert_eq!(all.len(), 2, "{stored}");
    let lowest = all.iter().min().unwrap().clone();
    // The whole budget for one viewer is below the lowest rung: from play on
    // the cap is that rung's rate, as the viewer is paced.
    assert_eq!(play["max_bitrate_kbps"], lowest.0 / 1000, "{play}");
    let client = TestApp::client();
    let master = get_text(&client, &master_url).await;
    assert_eq!(video_variants(&master), vec![lowest.clone()], "{master}");
    assert_eq!(master.matches("#EXT-X-STREAM-INF").count(), 1, "{master}");
    assert_eq!(master.matches("#EXT-X-I-FRAME-STREAM-INF").count(), 1);

    // A segment of that rung is paced to the rung's own peak rate (the floor:
    // never slower, so the lowest rung always plays), not sent at once.
    let base = master_url.rsplit_once('/').unwrap().0;
    let variant_url = format!("{base}/{}", lowest.1);
    let variant = get_text(&client, &variant_url).await;
    let segment = variant
        .lines()
        .find(|l| l.ends_with(".m4s"))
        .unwrap()
        .to_owned();
    let segment_url = format!("{}/{segment}", variant_url.rsplit_once('/').unwrap().0);
    let started = Instant::now();
    let bytes = client
        .get(&segment_url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let took = started.elapsed().as_secs_f64();
    let at_floor = bytes.len() as f64 * 8.0 / lowest.0 as f64;
    // Less the viewer's 250 ms burst; noise only makes it slower.
    assert!(
        took >= at_floor * 0.9 - 0.3,
        "{} bytes took {took:.2} s, at the floor {at_floor:.2} s",
        bytes.len()
    );

    // Heartbeats carry the cap; the metrics show the site.
    let session = play["session_id"].as_str().unwrap();
    let hb: Value = learner
        .post(
            &format!("/api/v1/play/{session}/heartbeat"),
            &json!({"seq": 1, "position_s": 1.0, "played": [[0.0, 1.0]], "rate": 1.0}),
        )
        .await
        .json()
        .await
        .unwrap();
    // Once the master is read, the cap is the rate the viewer is paced to:
    // its floor, above the site's whole budget.
    assert_eq!(hb["max_bitrate_kbps"], lowest.0 / 1000, "{hb}");
    let metrics = get_text(&client, learner.url("/metrics")).await;
    assert!(
        metrics.contains("manabi_origin_active_viewers{site=\"office\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("manabi_origin_site_bytes_total{site=\"office\"}"));
}

#[tokio::test]
async fn renewed_grants_keep_playing_and_a_disabled_account_loses_media() {
    let data = tempfile::tempdir().unwrap();
    let config = test_config(
        data.path(),
        &[
            ("MANABI_CATALOG__GRANT_TTL_SECONDS", "3"),
            ("MANABI_ORIGIN__GRANT_SKEW_SECONDS", "0"),
        ],
    );
    let app = spawn_config(roles::Role::All, data, config).await;
    app.add_user("editor@city.example.jp", Role::Editor).await;
    app.add_user("learner@city.example.jp", Role::Learner).await;
    let editor = app.login("editor@city.example.jp").await;
    let video = upload_and_publish(&app, &editor).await;
    let learner = app.login("learner@city.example.jp").await;
    let play: Value = learner.play(video).await;
    let session = play["session_id"].as_str().unwrap().to_owned();
    let first = learner.url(play["master_url"].as_str().unwrap());
    let client = TestApp::client();
    let status = |url: String| {
        let client = client.clone();
        async move { client.get(url).send().await.unwrap().status() }
    };
    assert_eq!(status(first.clone()).await, StatusCode::OK);

    // In the grant's last third a heartbeat hands out a fresh one.
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let hb: Value = learner
        .post(
            &format!("/api/v1/play/{session}/heartbeat"),
            &json!({"seq": 1, "position_s": 2.0, "played": [[0.0, 2.0]], "rate": 1.0}),
        )
        .await
        .json()
        .await
        .unwrap();
    let renewed = learner.url(hb["master_url"].as_str().expect("a renewed grant"));
    assert_ne!(renewed, first);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        status(first).await,
        StatusCode::FORBIDDEN,
        "the old grant expired"
    );
    assert_eq!(status(renewed.clone()).await, StatusCode::OK);

    // The account is disabled: no more renewals, and the grant in hand runs out.
    let catalog = app.app.as_ref().unwrap().catalog().unwrap();
    catalog
        .state
        .db
        .call(|c| {
            c.execute(
                "UPDATE users SET status = 'disabled' WHERE email = 'learner@city.example.jp'",
                [],
            )?;
            Ok(())
        })
        .await
        .unwrap();
    let refused = learner
        .post(
            &format!("/api/v1/play/{session}/heartbeat"),
            &json!({"seq": 2, "position_s": 3.0, "played": [[2.0, 3.0]], "rate": 1.0}),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    tokio::time::sleep(Duration::from_millis(3200)).await;
    assert_eq!(status(renewed).await, StatusCode::FORBIDDEN);
}

/// API.md: a request for a revoked session gets 403. Logging out revokes the
/// sessions that login started, and only those; disabling the account
/// (by hand or by a CSV import) revokes the rest. At once, long before the
/// 45 s grants run out.
#[tokio::test]
async fn logging_out_or_a_disabled_account_revokes_media_at_once() {
    let app = crate::app::spawn_app().await;
    app.add_user("editor@city.example.jp", Role::Editor).await;
    app.add_user("learner@city.example.jp", Role::Learner).await;
    app.add_user("admin@city.example.jp", Role::Admin).await;
    app.add_user("hanako@city.example.jp", Role::Learner).await;
    let editor = app.login("editor@city.example.jp").await;
    let video = upload_and_publish(&app, &editor).await;
    let hanako = app.login("hanako@city.example.jp").await;
    let hanakos = hanako.url(hanako.play(video).await["master_url"].as_str().unwrap());
    // The same learner on a PC and on a phone.
    let pc = app.login("learner@city.example.jp").await;
    let phone = app.login("learner@city.example.jp").await;
    let pc_play = pc.play(video).await;
    let on_pc = pc.url(pc_play["master_url"].as_str().unwrap());
    let on_phone = phone.url(phone.play(video).await["master_url"].as_str().unwrap());
    let client = TestApp::client();
    let status = |url: &str| {
        let request = client.get(url);
        async move { request.send().await.unwrap().status() }
    };
    // A segment under the grant too: its URL beside the master's.
    let variant = |master: &str, text: &str| {
        let first = text.lines().find(|l| !l.starts_with('#') && !l.is_empty());
        format!("{}/{}", master.rsplit_once('/').unwrap().0, first.unwrap())
    };
    let pc_variant = variant(&on_pc, &get_text(&client, &on_pc).await);
    assert_eq!(status(&pc_variant).await, StatusCode::OK);
    assert_eq!(status(&on_phone).await, StatusCode::OK);

    let out = pc
        .send(reqwest::Method::DELETE, "/api/v1/session", None)
        .await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert_eq!(status(&on_pc).await, StatusCode::FORBIDDEN, "logged out");
    assert_eq!(status(&pc_variant).await, StatusCode::FORBIDDEN);
    assert_eq!(
        status(&on_phone).await,
        StatusCode::OK,
        "the phone's login goes on"
    );
    // Logged in again on the PC, the old playback's heartbeats earn nothing.
    let pc_again = app.login("learner@city.example.jp").await;
    let beat = json!({"seq": 1, "position_s": 1.0, "played": [[0.0, 1.0]], "rate": 1.0});
    let path = format!(
        "/api/v1/play/{}/heartbeat",
        pc_play["session_id"].as_str().unwrap()
    );
    let refused = pc_again.post(&path, &beat).await;
    assert_eq!(
        refused.status(),
        StatusCode::GONE,
        "a playback of a login that ended"
    );

    let admin = app.login("admin@city.example.jp").await;
    let disabled = admin
        .patch_user("learner@city.example.jp", &json!({"status": "disabled"}))
        .await;
    assert_eq!(disabled.status(), StatusCode::OK);
    assert_eq!(status(&on_phone).await, StatusCode::FORBIDDEN, "disabled");

    assert_eq!(status(&hanakos).await, StatusCode::OK);
    let csv = "email,name,role,status,groups,remarks\r\nhanako@city.example.jp,花子,learner,disabled,,休職\r\n";
    let preview = crate::imports::preview(&admin, "", csv.as_bytes()).await;
    let (applied, _) = crate::imports::apply(&admin, &preview["id"], None).await;
    assert_eq!(applied, StatusCode::OK);
    assert_eq!(
        status(&hanakos).await,
        StatusCode::FORBIDDEN,
        "disabled by the import"
    );
}

#[tokio::test]
async fn an_origin_running_apart_refuses_a_logged_out_session_within_seconds() {
    // The origin alone, told where its catalog is; the catalog on a port
    // chosen first, so that the origin can be pointed at it.
    let token = "origin-and-catalog-share-this-token-0123456789";
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let data = tempfile::tempdir().unwrap();
    test_config(data.path(), &[]).grant_keys(true).unwrap();
    let catalog_url = format!("http://127.0.0.1:{port}");
    let origin = crate::app::spawn_role(
        roles::Role::Origin,
        data,
        &[
            ("MANABI_WORKER__CATALOG_URL", &catalog_url),
            ("MANABI_WORKER__TOKEN", token),
        ],
    )
    .await;
    let addr = format!("127.0.0.1:{port}");
    let mut config = test_config(
        origin.data_dir(),
        &[
            ("MANABI_HTTP__ADDR", &addr),
            ("MANABI_CATALOG__WORKER_TOKEN", token),
        ],
    );
    config.catalog.origin_url = origin.base.clone();
    let app = spawn_config(roles::Role::All, tempfile::tempdir().unwrap(), config).await;
    app.add_user("editor@city.example.jp", Role::Editor).await;
    app.add_user("learner@city.example.jp", Role::Learner).await;
    let editor = app.login("editor@city.example.jp").await;
    let video = upload_and_publish(&app, &editor).await;
    let pc = app.login("learner@city.example.jp").await;
    let phone = app.login("learner@city.example.jp").await;
    let on_pc = pc.play(video).await["master_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let on_phone = phone.play(video).await["master_url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(on_pc.starts_with(&origin.base), "{on_pc}");
    let client = TestApp::client();
    let status = |url: &str| {
        let request = client.get(url);
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(status(&on_pc).await, StatusCode::OK);

    let out = pc
        .send(reqwest::Method::DELETE, "/api/v1/session", None)
        .await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    // The origin fetches the catalog's revocations every 2 s; the grant
    // itself would pass for 45 s more.
    let deadline = Instant::now() + Duration::from_secs(8);
    while status(&on_pc).await == StatusCode::OK {
        assert!(
            Instant::now() < deadline,
            "the origin apart still serves a logged-out session"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(status(&on_pc).await, StatusCode::FORBIDDEN);
    assert_eq!(
        status(&on_phone).await,
        StatusCode::OK,
        "the phone's login goes on"
    );
    // Only with the worker token.
    let refused = client
        .get(format!("{}/api/internal/revoked", app.base))
        .bearer_auth("not-the-token-not-the-token-not-the-token")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
}
