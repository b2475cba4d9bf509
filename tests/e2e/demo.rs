//! `manabi demo`'s content as its first users meet it: the seeded viewing
//! history obeys the same definitions as real viewing (docs/viewing-time.md)
//! — seconds come with coverage and a last-viewed time, the learner's own
//! history agrees with the admin's report, and the sections' reports, a
//! manager's included, show the two weeks.

use crate::app::spawn_app;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn the_demo_history_is_viewing_as_the_definitions_count_it() {
    let app = spawn_app().await;
    let catalog = app.app.as_ref().unwrap().catalog().unwrap().clone();
    let (logins, pending) = manabi::demo::seed(&catalog, app.data.path()).await.unwrap();
    manabi::demo::publish_when_ready(catalog, pending)
        .await
        .unwrap();
    let login = async |email: &str| {
        let password = &logins.iter().find(|l| l.email == email).unwrap().password;
        app.login_with(email, password).await
    };
    let get = async |session: &crate::app::Session, path: &str| -> Value {
        let resp = session.get(path).await;
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        resp.json().await.unwrap()
    };
    let tokyo = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap();
    let today = jiff::Timestamp::now().to_zoned(tokyo).date();
    let from = today.saturating_sub(jiff::Span::new().days(20));
    let period = format!("from={from}&to={today}");

    // Every user's seconds come with the coverage and last view they imply.
    let admin = login("admin@manabi.example").await;
    let report = get(&admin, &format!("/api/v1/reports/contents?{period}")).await;
    let users = report["users"].as_array().unwrap();
    assert_eq!(users.len(), 3, "three learners watched: {report}");
    for user in users {
        for w in user["watched"].as_array().unwrap() {
            assert!(w["seconds"].as_i64().unwrap() > 0, "{w}");
            assert!(w["coverage"].as_f64().unwrap() > 0.0, "{w}");
            assert!(w["last_viewed_at"].is_string(), "{w}");
        }
    }
    for content in report["contents"].as_array().unwrap() {
        let heard: i64 = content["retention"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_i64().unwrap())
            .sum();
        assert!(heard > 0, "{content}");
    }

    // The learner's own history is what the report says of them.
    let learner = login("learner1@manabi.example").await;
    let mine = get(&learner, "/api/v1/me/history").await;
    let row = users
        .iter()
        .find(|u| u["email"] == "learner1@manabi.example")
        .unwrap();
    assert_eq!(
        mine["total"].as_u64().unwrap() as usize,
        row["watched"].as_array().unwrap().len(),
        "{mine}"
    );

    // The manager's section (人事課: learners 1 and 2) shows its two weeks.
    let manager = login("manager@manabi.example").await;
    let viewing = get(&manager, &format!("/api/v1/reports/viewing?{period}")).await;
    let days_with_viewing = viewing["totals"]["seconds"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s.as_i64().unwrap() > 0)
        .count();
    assert!(days_with_viewing >= 10, "{viewing}");
    let _ = app;
}
