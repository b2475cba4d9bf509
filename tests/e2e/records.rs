//! Learning records through the API: coverage and completion from real
//! heartbeats (seeking does not complete, claims are capped by elapsed
//! time), the contents report in JSON and CSV, the viewing report as CSV,
//! and preferences that follow the user.

use crate::app::spawn_app;
use crate::path::upload_and_publish;
use domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test]
async fn coverage_completes_only_what_was_played_and_reports_show_it() {
    let app = spawn_app().await;
    app.add_user("editor@city.example.jp", Role::Editor).await;
    app.add_user("learner@city.example.jp", Role::Learner).await;
    app.add_user("admin@city.example.jp", Role::Admin).await;
    let editor = app.login("editor@city.example.jp").await;
    let video = upload_and_publish(&app, &editor).await; // 6.5 s: 7 seconds
    let learner = app.login("learner@city.example.jp").await;
    let admin = app.login("admin@city.example.jp").await;
    let play: Value = learner.play(video).await;
    let hb = format!(
        "/api/v1/play/{}/heartbeat",
        play["session_id"].as_str().unwrap()
    );
    let beat = |seq: i64, played: Value, position: f64| {
        let (learner, hb) = (&learner, &hb);
        async move {
            let resp = learner
                .post(
                    hb,
                    &json!({"seq": seq, "position_s": position, "played": played, "rate": 1.0}),
                )
                .await;
            assert_eq!(resp.status(), StatusCode::OK);
        }
    };
    let watched = || {
        let admin = &admin;
        async move {
            let report: Value = admin
                .get("/api/v1/reports/contents")
                .await
                .json()
                .await
                .unwrap();
            report
        }
    };

    // 1.6 s after play starts, seek to the end and play its last 1.5 s:
    // two seconds of seven. (Without the wait the heartbeat may arrive
    // within a millisecond of play and earn nothing.)
    tokio::time::sleep(Duration::from_millis(1600)).await;
    beat(1, json!([[5.0, 6.5]]), 6.5).await;
    // Then claim the whole video at once: only what the elapsed time allows,
    // next to nothing right after the last heartbeat.
    beat(2, json!([[0.0, 6.5]]), 6.5).await;
    let report = watched().await;
    let mine = &report["users"][0]["watched"][0];
    assert_eq!(mine["completed"], false, "{report}");
    the_learner_sees_the_same_in_own_history(&learner, video, mine).await;
    let coverage = mine["coverage"].as_f64().unwrap();
    assert!(
        (2.0 / 7.0..=5.0 / 7.0).contains(&coverage),
        "seeking and an inflated claim cover little: {coverage}"
    );

    // Five seconds later, playing the first five covers the rest: completed.
    tokio::time::sleep(Duration::from_millis(5100)).await;
    beat(3, json!([[0.0, 5.0]]), 5.0).await;
    let report = watched().await;
    let content = &report["contents"][0];
    assert_eq!(content["video_id"], video);
    assert_eq!(
        (
            &content["viewers"],
            &content["completions"],
            &content["completion_rate"]
        ),
        (&json!(1), &json!(1), &json!(1.0)),
        "{report}"
    );
    assert_eq!(content["retention"].as_array().unwrap().len(), 20);
    assert!(
        content["retention"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n == 1)
    );
    let mine = &report["users"][0];
    assert_eq!(mine["email"], "learner@city.example.jp");
    assert_eq!(mine["watched"][0]["coverage"], 1.0);
    assert_eq!(mine["watched"][0]["completed"], true);
    the_learner_sees_the_same_in_own_history(&learner, video, &mine["watched"][0]).await;

    // A page being hidden sends its last heartbeat by navigator.sendBeacon,
    // which cannot set headers: the CSRF token may come in the query, and a
    // wrong one is refused like a missing header.
    let beacon = |csrf: String, seq: i64| {
        let (learner, hb) = (&learner, &hb);
        async move {
            learner
                .client
                .post(learner.url(&format!("{hb}?csrf={csrf}")))
                .json(&json!({"seq": seq, "position_s": 5.0, "played": [], "rate": 1.0}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(beacon("0".repeat(64), 4).await, StatusCode::FORBIDDEN);
    assert_eq!(beacon(learner.csrf.clone(), 4).await, StatusCode::OK);

    // The same as CSV: per user (default) and per content.
    let resp = admin
        .client
        .get(admin.url("/api/v1/reports/contents"))
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
    // One URL, JSON or CSV: no cache keeps either, and both vary with Accept.
    let json = admin.get("/api/v1/reports/contents").await;
    for answer in [&resp, &json] {
        assert_eq!(answer.headers()["cache-control"], "no-store");
        assert_eq!(answer.headers()["vary"], "Accept");
    }
    let bytes = resp.bytes().await.unwrap();
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    assert!(
        text.starts_with(
            "email,name,video_id,title,seconds,coverage_percent,completed,last_viewed_at\r\n"
        ),
        "{text}"
    );
    // A video is named by its course and lesson, not by the uploaded file's name.
    assert!(
        text.contains(&format!(
            "learner@city.example.jp,テスト,{video},ハラスメント防止研修 ― 第1回,"
        )),
        "{text}"
    );
    assert!(text.contains(",100.0,修了,"), "{text}");
    // The last view in the service's timezone, to the second.
    assert!(text.contains("+09:00\r\n"), "{text}");
    let resp = admin
        .client
        .get(admin.url("/api/v1/reports/contents?table=contents"))
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    let text = resp.text().await.unwrap();
    assert!(
        text.contains(&format!("{video},")) && text.contains(",1,100.0\r\n"),
        "{text}"
    );
    assignments_show_who_finished_and_who_is_overdue(&app, &admin, &learner).await;

    let resp = admin
        .client
        .get(admin.url("/api/v1/reports/viewing?granularity=month"))
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    let text = resp.text().await.unwrap();
    assert!(text.starts_with("\u{FEFF}email,name,"), "{text}");
    assert!(text.contains("learner@city.example.jp,テスト,"), "{text}");
    // Streamed row by row, it still ends with the same totals as the JSON.
    let json: Value = admin
        .get("/api/v1/reports/viewing?granularity=month")
        .await
        .json()
        .await
        .unwrap();
    let total = json["totals"]["total_seconds"].as_i64().unwrap();
    assert!(total > 0);
    let last = text.lines().last().unwrap();
    assert!(
        last.starts_with("合計 (total),,") && last.ends_with(&format!(",{total}")),
        "{last} vs {total}"
    );
    // Shift_JIS is written whole (checked first), with the same cells.
    let resp = admin
        .client
        .get(admin.url("/api/v1/reports/viewing?granularity=month&encoding=shift_jis"))
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["content-type"],
        "text/csv; charset=Shift_JIS"
    );
    let bytes = resp.bytes().await.unwrap();
    let (sjis, _, bad) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(!bad);
    assert_eq!(sjis.lines().last().unwrap(), last);
    // A name Shift_JIS cannot hold: refused with where it is, as the exports are.
    let renamed = admin
        .patch_user("learner@city.example.jp", &json!({"name": "𠮷田"}))
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    let refused: Value = admin
        .client
        .get(admin.url("/api/v1/reports/viewing?granularity=month&encoding=shift_jis"))
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let details = &refused["error"]["details"];
    assert_eq!(details[0]["character"], "𠮷", "{refused}");
    assert!(details[0]["row"].as_u64().unwrap() > 1, "{refused}");
}

#[tokio::test]
async fn playback_preferences_follow_the_user_to_another_device() {
    let app = spawn_app().await;
    app.add_user("learner@city.example.jp", Role::Learner).await;
    let office_pc = app.login("learner@city.example.jp").await;
    let prefs: Value = office_pc
        .get("/api/v1/me/preferences")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        prefs,
        json!({"playback_rate": 1.0, "captions": "", "language": "ja"})
    );
    let resp = office_pc
        .send(
            Method::PUT,
            "/api/v1/me/preferences",
            Some(&json!({"playback_rate": 1.5, "captions": "ja"})),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let phone = app.login("learner@city.example.jp").await;
    let prefs: Value = phone
        .get("/api/v1/me/preferences")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        prefs,
        json!({"playback_rate": 1.5, "captions": "ja", "language": "ja"})
    );
    // The language switch on the phone; a later speed change elsewhere,
    // sent without a language, keeps it.
    let resp = phone
        .send(
            Method::PUT,
            "/api/v1/me/preferences",
            Some(&json!({"playback_rate": 1.5, "captions": "ja", "language": "en"})),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = office_pc
        .send(
            Method::PUT,
            "/api/v1/me/preferences",
            Some(&json!({"playback_rate": 2.0, "captions": "ja"})),
        )
        .await;
    let answered: Value = resp.json().await.unwrap();
    assert_eq!(
        answered,
        json!({"playback_rate": 2.0, "captions": "ja", "language": "en"})
    );
    for bad in [
        json!({"playback_rate": 8.0, "captions": ""}),
        json!({"playback_rate": 1.0, "captions": "ja;drop"}),
        json!({"playback_rate": 1.0, "captions": "", "language": "fr"}),
    ] {
        let resp = phone
            .send(Method::PUT, "/api/v1/me/preferences", Some(&bad))
            .await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    let resp = phone
        .send(
            Method::PUT,
            "/api/v1/me/preferences",
            Some(&json!({"playback_rate": 1.0, "captions": "ja", "volume": 3})),
        )
        .await;
    assert_eq!(
        resp.status(),
        StatusCode::BAD_REQUEST,
        "unknown fields are refused"
    );
    let huge = json!({"playback_rate": 1.0, "captions": "x".repeat(3 << 20)});
    let resp = phone
        .send(Method::PUT, "/api/v1/me/preferences", Some(&huge))
        .await;
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE, "over 2 MiB");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_large");
}

/// The learner has completed the course's only video; a colleague in 人事課
/// has not started.
async fn assignments_show_who_finished_and_who_is_overdue(
    app: &crate::app::TestApp,
    admin: &crate::app::Session,
    learner: &crate::app::Session,
) {
    let courses: Value = admin.get("/api/v1/courses").await.json().await.unwrap();
    let course = courses["items"][0]["id"].as_i64().unwrap();
    let tokyo = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap();
    let today = jiff::Timestamp::now().to_zoned(tokyo).date();
    let (yesterday, tomorrow) = (today.yesterday().unwrap(), today.tomorrow().unwrap());
    let group: Value = admin
        .post("/api/v1/groups", &json!({"name": "人事課"}))
        .await
        .json()
        .await
        .unwrap();
    let group = group["id"].as_i64().unwrap();
    let colleague: Value = admin
        .post(
            "/api/v1/users",
            &json!({"email": "colleague@city.example.jp", "name": "同僚", "role": "learner", "groups": [group]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let learner_id = {
        let users: Value = admin
            .get("/api/v1/users?q=learner@")
            .await
            .json()
            .await
            .unwrap();
        users["items"][0]["id"].as_i64().unwrap()
    };
    let assign = |body: Value| async move {
        let resp = admin.post("/api/v1/assignments", &body).await;
        let status = resp.status();
        let body: Value = resp.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_i64().unwrap()
    };
    let mine = assign(json!({"course_id": course, "due_on": tomorrow.to_string(), "user_ids": [learner_id], "note": "必修です"})).await;
    let section =
        assign(json!({"course_id": course, "due_on": yesterday.to_string(), "group_ids": [group]}))
            .await;
    // The group says it has one (the trash's confirmation tells).
    let groups: Value = admin.get("/api/v1/groups").await.json().await.unwrap();
    assert_eq!(groups["items"][0]["assignment_count"], 1, "{groups}");
    let (status, error) = {
        let resp = admin
            .post(
                "/api/v1/assignments",
                &json!({"course_id": course, "due_on": tomorrow.to_string()}),
            )
            .await;
        (resp.status(), resp.json::<Value>().await.unwrap())
    };
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");

    // A list as API.md's lists are: `?page=&per_page=`, page and per_page told.
    let second: Value = admin
        .get("/api/v1/assignments?page=2&per_page=1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["items"].as_array().unwrap().len(), 1, "{second}");
    assert_eq!(
        (&second["total"], &second["page"], &second["per_page"]),
        (&json!(2), &json!(2), &json!(1)),
        "{second}"
    );

    // The learner sees its own, finished.
    let own: Value = learner
        .get("/api/v1/me/assignments")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["total"], 1, "{own}");
    assert_eq!(own["items"][0]["id"], mine);
    assert_eq!(own["items"][0]["status"], "completed");
    assert_eq!(own["items"][0]["note"], "必修です");

    // The section's assignment: the colleague has not started and it is past due.
    let progress: Value = admin
        .get(&format!("/api/v1/assignments/{section}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        progress["assignees"].as_array().unwrap().len(),
        1,
        "{progress}"
    );
    assert_eq!(progress["assignees"][0]["user_id"], colleague["id"]);
    assert_eq!(progress["assignees"][0]["status"], "overdue");
    assert_eq!(progress["summary"], json!({"overdue": 1}));
    let overdue = admin
        .client
        .get(admin.url(&format!("/api/v1/assignments/{section}?status=overdue")))
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(overdue.status(), StatusCode::OK);
    let text = overdue.text().await.unwrap();
    assert!(
        text.contains("colleague@city.example.jp,同僚,期限切れ,0,1,"),
        "{text}"
    );
    // Each row names its course: a file read on its own says what was assigned.
    let title = courses["items"][0]["title"].as_str().unwrap();
    assert!(text.contains(&format!(",{title}\r\n")), "{text}");
    let done: Value = admin
        .get(&format!("/api/v1/assignments/{mine}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(done["assignees"][0]["status"], "completed", "{done}");
    assert!(done["assignees"][0]["completed_at"].is_string());
    let resp = admin
        .send(
            Method::DELETE,
            &format!("/api/v1/assignments/{section}"),
            None,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);

    // Totals per group on request: 人事課 has a member, who has not watched.
    let report: Value = admin
        .get("/api/v1/reports/viewing?granularity=month&by=group")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["groups"][0]["path"], "人事課", "{report}");
    assert_eq!(report["groups"][0]["total_seconds"], 0);
    let plain: Value = admin
        .get("/api/v1/reports/viewing")
        .await
        .json()
        .await
        .unwrap();
    assert!(plain.get("groups").is_none(), "only when asked");
    assert_eq!(
        admin.get("/api/v1/reports/viewing?by=site").await.status(),
        StatusCode::BAD_REQUEST
    );
    // Days outside 2000–2099 are refused; days not written YYYY-MM-DD
    // (jiff's extended years, 20261101, a time) are not days at all.
    assert_eq!(
        admin
            .get("/api/v1/reports/viewing?from=1999-12-31&to=2000-01-02")
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    for bad in ["-009999-01-01", "20261101", "2026-11-01T00:00:00%2B09:00"] {
        assert_eq!(
            admin
                .get(&format!("/api/v1/reports/viewing?from={bad}"))
                .await
                .status(),
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
    // The CSV has the groups' totals too, and refuses the same bad `by`.
    let csv = |query: &'static str| {
        admin
            .client
            .get(admin.url(&format!("/api/v1/reports/viewing?{query}")))
            .header("accept", "text/csv")
            .send()
    };
    let text = csv("granularity=month&by=group")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("\r\nグループ (group),人事課,0,"), "{text}");
    let bad = csv("by=site").await.unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    // A report's CSV leaves the service: the audit log has it, as it has the exports.
    let audit: Value = admin
        .get("/api/v1/audit?action=export")
        .await
        .json()
        .await
        .unwrap();
    let files: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["target"].as_str())
        .collect();
    assert!(files.iter().any(|f| f.starts_with("viewing-")), "{audit}");
    assert!(
        files.iter().any(|f| f.starts_with("assignment-")),
        "{audit}"
    );
    let _ = app;
}

/// `GET /api/v1/me/history` (all, and filtered by status) and the lesson's
/// progress in `GET /api/v1/courses/{id}` agree with the admin's report row.
async fn the_learner_sees_the_same_in_own_history(
    learner: &crate::app::Session,
    video: i64,
    reported: &Value,
) {
    let history: Value = learner
        .get("/api/v1/me/history")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (&history["total"], &history["page"]),
        (&json!(1), &json!(1)),
        "{history}"
    );
    let item = &history["items"][0];
    assert_eq!(item["video_id"], video);
    assert_eq!(item["lesson_title"], "第1回");
    for field in ["coverage", "completed", "seconds", "last_viewed_at"] {
        assert_eq!(
            item[field], reported[field],
            "{field}: {item} vs {reported}"
        );
    }
    let completed = item["completed"].as_bool().unwrap();
    // Resume where the last heartbeat left off, unless that is the very end.
    let position = item["position_s"].as_f64().unwrap();
    assert!(position == 0.0 || position == 5.0, "{item}");
    for (status, expected) in [("in_progress", !completed), ("completed", completed)] {
        let page: Value = learner
            .get(&format!("/api/v1/me/history?status={status}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            page["total"],
            json!(u64::from(expected)),
            "{status}: {page}"
        );
    }
    let resp = learner.get("/api/v1/me/history?status=paused").await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

    let course: Value = learner
        .get(&format!("/api/v1/courses/{}", item["course_id"]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(item["course_title"], course["title"]);
    let progress = &course["lessons"][0]["progress"];
    for field in ["coverage", "completed", "position_s", "last_viewed_at"] {
        assert_eq!(progress[field], item[field], "{field}: {course}");
    }
}

/// A group or user named in a report must exist (404) and, for a manager,
/// be within reach (403): an empty report would read as "nobody watched".
#[tokio::test]
async fn reports_refuse_unknown_and_unreachable_groups_and_users() {
    let app = spawn_app().await;
    app.add_user("admin@city.example.jp", Role::Admin).await;
    app.add_user("manager@city.example.jp", Role::Manager).await;
    app.add_user("mine@city.example.jp", Role::Learner).await;
    app.add_user("other@city.example.jp", Role::Learner).await;
    let admin = app.login("admin@city.example.jp").await;
    let id = async |email: &str| {
        let found: Value = admin
            .get(&format!("/api/v1/users?q={email}"))
            .await
            .json()
            .await
            .unwrap();
        found["items"][0]["id"].as_i64().unwrap()
    };
    let (mine, other) = (
        id("mine@city.example.jp").await,
        id("other@city.example.jp").await,
    );
    let boss = id("manager@city.example.jp").await;
    let group = async |name: &str, member: i64| {
        let made: Value = admin
            .post("/api/v1/groups", &json!({"name": name}))
            .await
            .json()
            .await
            .unwrap();
        let g = made["id"].as_i64().unwrap();
        let path = format!("/api/v1/groups/{g}/members");
        let added = admin.post(&path, &json!({"user_id": member})).await;
        assert!(added.status().is_success(), "{}", added.status());
        g
    };
    let (section, elsewhere) = (group("人事課", mine).await, group("財政課", other).await);
    let path = format!("/api/v1/groups/{section}/managers");
    let managed = admin.post(&path, &json!({"user_id": boss})).await;
    assert!(managed.status().is_success(), "{}", managed.status());
    let manager = app.login("manager@city.example.jp").await;

    let cases = [
        (&admin, "group=999999".to_owned(), StatusCode::NOT_FOUND),
        (&admin, "user=999999".to_owned(), StatusCode::NOT_FOUND),
        (&admin, format!("group={elsewhere}"), StatusCode::OK),
        (&admin, format!("user={other}"), StatusCode::OK),
        (&manager, format!("group={section}"), StatusCode::OK),
        (&manager, format!("user={mine}"), StatusCode::OK),
        (
            &manager,
            format!("group={elsewhere}"),
            StatusCode::FORBIDDEN,
        ),
        (&manager, format!("user={other}"), StatusCode::FORBIDDEN),
        (&manager, "group=999999".to_owned(), StatusCode::NOT_FOUND),
    ];
    for report in ["viewing", "contents"] {
        for (who, query, expected) in &cases {
            let path = format!("/api/v1/reports/{report}?{query}");
            assert_eq!(who.get(&path).await.status(), *expected, "{path}");
        }
    }
    let _ = app;
}
