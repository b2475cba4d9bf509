//! Incident and maintenance notices (API.md "Notices", R-S7): admins publish
//! them, everyone logged in sees the current ones with JST times; a
//! maintenance notice is refused inside the notice period unless urgent;
//! during its window changes get 503 `maintenance` with `Retry-After` while
//! logging in goes on; ending the window early lets changes through again.

use crate::app::spawn_app;
use domain::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn list(s: &crate::app::Session, query: &str) -> Value {
    let resp = s.get(&format!("/api/v1/notices{query}")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

#[tokio::test]
async fn notices_are_shown_and_a_maintenance_window_holds_changes() {
    let app = spawn_app().await;
    app.add_user("admin@city.example.jp", Role::Admin).await;
    app.add_user("learner@city.example.jp", Role::Learner).await;
    let admin = app.login("admin@city.example.jp").await;
    let learner = app.login("learner@city.example.jp").await;
    assert_eq!(list(&learner, "").await["total"], 0);

    // An incident: published now, shown to everyone with JST times.
    let resp = admin
        .post(
            "/api/v1/notices",
            &json!({"kind": "incident", "title": "動画が再生しにくい状態です",
                    "body": "影響: 一部の動画\n発生: 10:05 から\n復旧見込み: 調査中",
                    "starts_at": "2026-04-01T10:05:00+09:00"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let incident: Value = resp.json().await.unwrap();
    assert_eq!(incident["starts_at_local"], "2026-04-01 10:05");
    let seen = list(&learner, "").await;
    assert_eq!(seen["items"][0]["title"], "動画が再生しにくい状態です");
    assert_eq!(seen["items"][0]["active"], true);
    let refused = learner
        .post(
            "/api/v1/notices",
            &json!({"kind": "incident", "title": "x"}),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    // Maintenance tomorrow without urgency: too short notice.
    let tomorrow = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24);
    let resp = admin
        .post(
            "/api/v1/notices",
            &json!({"kind": "maintenance", "title": "定期メンテナンス",
                    "starts_at": tomorrow.to_string(),
                    "ends_at": (tomorrow + jiff::SignedDuration::from_hours(1)).to_string()}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = resp.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("7日前まで"),
        "{body}"
    );

    // An urgent maintenance, on now: changes wait, logging in goes on.
    let now = jiff::Timestamp::now();
    let resp = admin
        .post(
            "/api/v1/notices",
            &json!({"kind": "maintenance", "title": "緊急メンテナンス", "urgent": true,
                    "body": "停止するもの: 利用者の登録・変更、取り込み。視聴は続けられます。",
                    "starts_at": (now - jiff::SignedDuration::from_mins(1)).to_string(),
                    "ends_at": (now + jiff::SignedDuration::from_mins(30)).to_string()}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let window: Value = resp.json().await.unwrap();
    let held = learner
        .client
        .put(learner.url("/api/v1/me/preferences"))
        .header("x-csrf-token", &learner.csrf)
        .json(&json!({"playback_rate": 1.5}))
        .send()
        .await
        .unwrap();
    assert_eq!(held.status(), StatusCode::SERVICE_UNAVAILABLE);
    let retry: u64 = held.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=1800).contains(&retry), "{retry}");
    let body: Value = held.json().await.unwrap();
    assert_eq!(body["error"]["code"], "maintenance");
    let create = admin
        .post(
            "/api/v1/users",
            &json!({"email": "new@city.example.jp", "name": "新人", "role": "learner"}),
        )
        .await;
    assert_eq!(create.status(), StatusCode::SERVICE_UNAVAILABLE);
    let _again = app.login("learner@city.example.jp").await;
    assert_eq!(
        list(&learner, "").await["items"][0]["title"],
        "緊急メンテナンス"
    );

    // The admin ends the window early: changes go through again.
    let resp = admin
        .client
        .patch(admin.url(&format!("/api/v1/notices/{}", window["id"])))
        .header("x-csrf-token", &admin.csrf)
        .json(&json!({"ends_at": jiff::Timestamp::now().to_string(), "body": "終了しました。"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let create = admin
        .post(
            "/api/v1/users",
            &json!({"email": "new@city.example.jp", "name": "新人", "role": "learner"}),
        )
        .await;
    assert_eq!(create.status(), StatusCode::CREATED);

    // Ended notices: gone from the list, kept for admins (?all=true) and audited.
    assert_eq!(list(&learner, "").await["total"], 1);
    assert_eq!(list(&learner, "?all=true").await["total"], 1);
    assert_eq!(list(&admin, "?all=true").await["total"], 2);
    let audit: Value = admin
        .get("/api/v1/audit?action=notice.")
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"notice.create") && actions.contains(&"notice.update"),
        "{actions:?}"
    );
}
