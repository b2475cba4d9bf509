//! Authentication, authorisation and error shapes on the real application.

use crate::app::{PASSWORD, TestApp, spawn_app};
use domain::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn wrong_passwords_and_unknown_accounts_get_the_same_401() {
    let app = spawn_app().await;
    app.add_user("learner@city.example.jp", Role::Learner).await;
    let client = TestApp::client();
    let mut bodies = Vec::new();
    for (email, password) in [
        ("learner@city.example.jp", "wrong password"),
        ("nobody@city.example.jp", PASSWORD),
        ("not an email", PASSWORD),
    ] {
        let resp = client
            .post(format!("{}/api/v1/session", app.base))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        assert!(resp.headers().get("set-cookie").is_none());
        bodies.push(resp.text().await.unwrap());
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "no hint whether the account exists: {bodies:?}"
    );
    let body: Value = serde_json::from_str(&bodies[0]).unwrap();
    assert_eq!(body["error"]["code"], "invalid_credentials");
}

#[tokio::test]
async fn wrong_passwords_are_throttled_per_account_and_per_client() {
    let app = crate::app::spawn_role(
        manabi::roles::Role::All,
        tempfile::tempdir().unwrap(),
        &[
            ("MANABI_CATALOG__LOGIN_FAILURES_PER_ACCOUNT_HOUR", "3"),
            ("MANABI_CATALOG__LOGIN_FAILURES_PER_CLIENT_HOUR", "6"),
        ],
    )
    .await;
    for email in ["a@city.example.jp", "b@city.example.jp"] {
        app.add_user(email, Role::Learner).await;
    }
    let client = TestApp::client();
    let attempt = |email: &'static str, password: &'static str| {
        let req = client
            .post(format!("{}/api/v1/session", app.base))
            .json(&json!({"email": email, "password": password}));
        async move { req.send().await.unwrap() }
    };
    for _ in 0..3 {
        let resp = attempt("a@city.example.jp", "wrong password").await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    }
    // The account has used up its wrong passwords: even the right one waits,
    // and so does an unknown account's address after its own failures.
    let resp = attempt("ａ@city.example.jp", PASSWORD).await;
    assert_eq!(
        resp.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "full-width folded too"
    );
    let wait: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((3000..=3600).contains(&wait), "retry after {wait} s");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    // Another account still logs in.
    assert_eq!(
        attempt("b@city.example.jp", PASSWORD).await.status(),
        StatusCode::OK
    );
    // Three more failures on other accounts exhaust the client's six.
    for email in [
        "b@city.example.jp",
        "nobody@city.example.jp",
        "c@city.example.jp",
    ] {
        assert_eq!(
            attempt(email, "wrong password").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        attempt("b@city.example.jp", PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the client address is throttled"
    );
    // Every failure is in the audit log with the client address.
    let catalog = app.app.as_ref().unwrap().catalog().unwrap();
    let failures: Vec<(String, String)> = catalog
        .state
        .db
        .call(|c| {
            let mut stmt = c.prepare(
                "SELECT target, client FROM audit_log WHERE action = 'login_failed' ORDER BY id",
            )?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
        .unwrap();
    assert_eq!(failures.len(), 6);
    assert!(
        failures.iter().all(|(_, client)| client == "127.0.0.1"),
        "{failures:?}"
    );
    assert_eq!(failures[0].0, "a@city.example.jp");
}

#[tokio::test]
async fn roles_csrf_and_logout_are_enforced_on_every_route() {
    let app = spawn_app().await;
    app.add_user("learner@city.example.jp", Role::Learner).await;
    let anonymous = TestApp::client();
    for path in [
        "/api/v1/categories",
        "/api/v1/courses",
        "/api/v1/videos/1",
        "/api/v1/reports/viewing",
        "/api/v1/session",
    ] {
        let resp = anonymous
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    let learner = app.login("learner@city.example.jp").await;
    let cookie_check = learner.get("/api/v1/session").await;
    assert_eq!(cookie_check.status(), StatusCode::OK);

    // Learners may not upload, author, or read reports.
    assert_eq!(
        learner.upload("a.mp4", vec![1, 2, 3]).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        learner
            .post("/api/v1/courses", &json!({"category_id": 1, "title": "x"}))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        learner.get("/api/v1/reports/viewing").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        learner.get("/api/v1/videos/1").await.status(),
        StatusCode::FORBIDDEN
    );

    // An unsafe request without the CSRF token is refused even with the cookie.
    let no_csrf = learner
        .client
        .post(learner.url("/api/v1/videos/1/play"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(no_csrf.status(), StatusCode::FORBIDDEN);
    let body: Value = no_csrf.json().await.unwrap();
    assert_eq!(body["error"]["code"], "csrf_failed");

    // Logout ends the session on the server.
    let out = learner
        .client
        .delete(learner.url("/api/v1/session"))
        .header("x-csrf-token", &learner.csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        learner.get("/api/v1/courses").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn unknown_routes_are_json_404_and_health_answers() {
    let app = spawn_app().await;
    let client = TestApp::client();
    let resp = client
        .get(format!("{}/api/v1/nothing-here", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    let resp = client
        .get(format!("{}/api/v2/x", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(resp.headers()["content-type"], "application/json");
    // A known route with a method it does not take: 405, JSON, and `Allow`.
    let resp = client
        .put(format!("{}/api/v1/reports/viewing", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    let allow = resp.headers()["allow"].to_str().unwrap().to_owned();
    assert!(allow.contains("GET"), "{allow}");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "method_not_allowed", "{body}");

    assert_eq!(
        client
            .get(format!("{}/healthz", app.base))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let ready: Value = client
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "ok");
    let resp = client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert!(
        resp.headers().contains_key("x-request-id"),
        "every response carries a request id"
    );
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    let csp = resp.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self';") && csp.contains("connect-src 'self';"),
        "with the origin in this process, nothing is loaded from elsewhere: {csp}"
    );
    let metrics = client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("manabi_"),
        "Prometheus text with our metrics:\n{metrics}"
    );
}

#[tokio::test]
async fn a_wrong_page_address_is_a_404_page_in_japanese() {
    // The front end's own files, as `npm run build` leaves them.
    let front = tempfile::tempdir().unwrap();
    std::fs::write(
        front.path().join("index.html"),
        "<!doctype html><title>manabi</title>",
    )
    .unwrap();
    std::fs::create_dir(front.path().join("help")).unwrap();
    std::fs::write(
        front.path().join("help/user.html"),
        "<h1>操作マニュアル</h1>",
    )
    .unwrap();
    let dir = front.path().display().to_string();
    let app = crate::app::spawn_role(
        manabi::roles::Role::All,
        tempfile::tempdir().unwrap(),
        &[("MANABI_CATALOG__STATIC_DIR", dir.as_str())],
    )
    .await;
    let client = TestApp::client();
    let get = |path: &str| client.get(format!("{}{path}", app.base)).send();
    for path in ["/", "/index.html", "/help/user.html"] {
        assert_eq!(get(path).await.unwrap().status(), StatusCode::OK, "{path}");
    }
    for path in ["/courses/3", "/help/nothing.html", "/admin"] {
        let resp = get(path).await.unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let page = resp.text().await.unwrap();
        assert!(
            page.contains("<html lang=\"ja\">") && page.contains("ページが見つかりません"),
            "{page}"
        );
    }
}

#[tokio::test]
async fn learners_cannot_play_or_see_unpublished_content() {
    let app = spawn_app().await;
    app.add_user("editor@city.example.jp", Role::Editor).await;
    app.add_user("learner@city.example.jp", Role::Learner).await;
    let editor = app.login("editor@city.example.jp").await;
    let bytes = std::fs::read(crate::app::clip(app.data_dir(), 2.0)).unwrap();
    let body: Value = editor
        .upload("draft.mp4", bytes)
        .await
        .json()
        .await
        .unwrap();
    let id = body["id"].as_i64().unwrap();
    let course: Value = editor
        .post("/api/v1/courses", &json!({"category_id": 1, "title": "下書き", "lessons": [{"title": "1", "video_id": id}]}))
        .await
        .json()
        .await
        .unwrap();
    let (video, _) = editor.wait_video(id).await;
    assert_eq!(video["status"], "ready");

    let learner = app.login("learner@city.example.jp").await;
    let list: Value = learner.get("/api/v1/courses").await.json().await.unwrap();
    assert_eq!(list["total"], 0, "drafts are invisible to learners");
    assert_eq!(
        learner
            .get(&format!("/api/v1/courses/{}", course["id"]))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        learner
            .post(&format!("/api/v1/videos/{id}/play"), &json!({}))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // The editor may preview it.
    assert_eq!(
        editor
            .post(&format!("/api/v1/videos/{id}/play"), &json!({}))
            .await
            .status(),
        StatusCode::OK
    );

    // Published, learners see it; taken back to draft, they no longer do.
    let course_url = format!("/api/v1/courses/{}", course["id"]);
    let resp = editor
        .post(&format!("{course_url}/publish"), &json!({}))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(learner.get(&course_url).await.status(), StatusCode::OK);
    let resp = editor
        .post(&format!("{course_url}/unpublish"), &json!({}))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let draft: Value = resp.json().await.unwrap();
    assert_eq!(draft["status"], "draft");
    assert!(
        draft["published_at"].is_string(),
        "the first publication is kept"
    );
    assert_eq!(
        learner.get(&course_url).await.status(),
        StatusCode::NOT_FOUND
    );
    let play = learner
        .post(&format!("/api/v1/videos/{id}/play"), &json!({}))
        .await;
    assert_eq!(play.status(), StatusCode::NOT_FOUND);
    let refused = learner
        .post(&format!("{course_url}/unpublish"), &json!({}))
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn every_documented_route_exists() {
    // With a worker token, so that the internal job API is served too.
    let token = (
        "MANABI_CATALOG__WORKER_TOKEN",
        "a-worker-token-of-at-least-32-characters",
    );
    let app = crate::app::spawn_role(
        manabi::roles::Role::All,
        tempfile::tempdir().unwrap(),
        &[token],
    )
    .await;
    let client = TestApp::client();
    let doc: Value = client
        .get(format!("{}/api/openapi.json", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 15);
    for (path, item) in paths {
        let concrete = path
            .replace("{id}", "1")
            .replace("{video}", "1")
            .replace("{session_id}", "0")
            .replace("{token}", "t")
            .replace("{path}", "m")
            .replace("{attempt}", "1")
            .replace("{lang}", "ja")
            .replace("{user_id}", "1")
            .replace("{kind}", "user")
            .replace("{file}", "users.csv");
        for method in ["get", "post", "patch", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            let resp = client
                .request(
                    method.to_uppercase().parse().unwrap(),
                    format!("{}{concrete}", app.base),
                )
                .send()
                .await
                .unwrap();
            // Without a session the routes answer 401, 403 or their own
            // answer; a 404 or 405 would mean the route is documented but not served.
            let status = resp.status();
            assert!(
                ![StatusCode::NOT_FOUND, StatusCode::METHOD_NOT_ALLOWED].contains(&status),
                "{method} {path}: {status}"
            );
        }
    }
}
