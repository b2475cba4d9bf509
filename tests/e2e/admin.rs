//! The administrator's records: the audit log, CSV exports (UTF-8 with BOM,
//! Shift_JIS, all.zip), licensed seats and the trash.

use crate::app::{Session, TestApp, spawn_app, spawn_config, spawn_role, test_config};
use domain::{Email, Role};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::io::Read;

async fn json_of(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn create_user(admin: &Session, body: Value) -> Value {
    let (status, user) = json_of(admin.post("/api/v1/users", &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    user
}

async fn create_group(admin: &Session, name: &str, parent: Option<i64>) -> i64 {
    let (status, group) = json_of(
        admin
            .post(
                "/api/v1/groups",
                &json!({"name": name, "parent_id": parent}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    group["id"].as_i64().unwrap()
}

async fn audit(admin: &Session, query: &str) -> Vec<Value> {
    let (status, page) = json_of(admin.get(&format!("/api/v1/audit{query}")).await).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_audit_log_records_who_what_when_and_from_where_and_cannot_be_changed() {
    let app = spawn_app().await;
    app.add_user("admin@city.example.jp", Role::Admin).await;
    app.add_user("learner@city.example.jp", Role::Learner).await;

    // A failed login, then a successful one with a request id of our own.
    let client = TestApp::client();
    let resp = client
        .post(format!("{}/api/v1/session", app.base))
        .json(&json!({"email": "admin@city.example.jp", "password": "wrong-password-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let admin = app.login("admin@city.example.jp").await;
    let group = create_group(&admin, "総務部", None).await;
    let resp = admin
        .client
        .patch(admin.url(&format!("/api/v1/users/{}", 2)))
        .header("x-csrf-token", &admin.csrf)
        .header("x-request-id", "req-abc-123")
        .json(&json!({"name": "学習 花子"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    let items = audit(&admin, "").await;
    let actions: Vec<&str> = items
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    // Newest first.
    assert_eq!(
        actions[..4],
        ["user.update", "group.create", "login", "login_failed"],
        "{items:#?}"
    );
    let update = &items[0];
    assert_eq!(update["actor_email"], "admin@city.example.jp");
    assert_eq!(update["request_id"], "req-abc-123");
    assert_eq!(update["client"], "127.0.0.1");
    assert_eq!(update["target"], "user:2");
    assert!(
        update["detail"].to_string().contains("学習 花子"),
        "{update}"
    );
    // Stored in UTC, shown in Asia/Tokyo.
    assert!(update["at"].as_str().unwrap().ends_with('Z'));
    assert!(update["at_local"].as_str().unwrap().ends_with("+09:00"));
    assert_eq!(items[2]["target"], "admin@city.example.jp", "logins too");
    let failed = &items[3];
    assert_eq!(failed["target"], "admin@city.example.jp");
    assert_eq!(failed["client"], "127.0.0.1");
    assert!(!failed["request_id"].as_str().unwrap().is_empty());
    assert_eq!(items[1]["target"], format!("group:{group}"));

    // Filters: an action family, an actor, a day range.
    let users = audit(&admin, "?action=user.").await;
    assert!(
        users
            .iter()
            .all(|e| e["action"].as_str().unwrap().starts_with("user."))
    );
    assert_eq!(users.len(), 1);
    assert_eq!(audit(&admin, "?action=login_failed").await.len(), 1);
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Tokyo").unwrap())
        .date();
    assert_eq!(
        audit(&admin, &format!("?from={today}&to={today}"))
            .await
            .len(),
        items.len()
    );
    assert!(
        audit(&admin, &format!("?to={}", today.yesterday().unwrap()))
            .await
            .is_empty()
    );
    let (status, _) = json_of(admin.get("/api/v1/audit?from=2026-02-30").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Only admins read it.
    let learner = app.login("learner@city.example.jp").await;
    assert_eq!(
        learner.get("/api/v1/audit").await.status(),
        StatusCode::FORBIDDEN
    );

    // Append-only: the database refuses to change or delete an entry.
    let catalog = app.app.as_ref().unwrap().catalog().unwrap();
    let refused = catalog
        .state
        .db
        .call(|c| {
            let update = c.execute("UPDATE audit_log SET action = 'x'", []);
            let delete = c.execute("DELETE FROM audit_log", []);
            Ok((
                update.unwrap_err().to_string(),
                delete.unwrap_err().to_string(),
            ))
        })
        .await
        .unwrap();
    assert!(refused.0.contains("append-only") && refused.1.contains("append-only"));
}

#[tokio::test]
async fn exports_are_excel_safe_csv_and_users_round_trip_through_import_unchanged() {
    let app = spawn_app().await;
    app.add_user("admin@city.example.jp", Role::Admin).await;
    let admin = app.login("admin@city.example.jp").await;
    let bu = create_group(&admin, "総務部", None).await;
    let ka = create_group(&admin, "人事課", Some(bu)).await;
    create_user(
        &admin,
        json!({"email": "taro@city.example.jp", "name": "=HYPERLINK(\"x\")", "role": "learner",
               "remarks": "髙橋さんの後任, \"兼務\"\n二行目", "groups": [ka]}),
    )
    .await;
    create_user(
        &admin,
        json!({"email": "hanako@city.example.jp", "name": "ｻﾄｳ ﾊﾅｺ", "role": "manager",
               "remarks": "①㈱", "groups": [bu, ka]}),
    )
    .await;
    // One the HR format created: an address and remarks, no name.
    let hr = crate::imports::preview(
        &admin,
        "?format=hr",
        "email,remarks\nhr@city.example.jp,新規\n".as_bytes(),
    )
    .await;
    assert_eq!(
        crate::imports::apply(&admin, &hr["id"], None).await.0,
        StatusCode::OK
    );

    // users.csv: UTF-8 with BOM, CRLF, the formula neutralised, the standard format.
    let resp = admin.get("/api/v1/export/users.csv").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(resp.headers()["cache-control"], "no-store");
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let users_csv = resp.bytes().await.unwrap().to_vec();
    assert!(users_csv.starts_with(b"\xEF\xBB\xBF"));
    let text = std::str::from_utf8(&users_csv[3..]).unwrap();
    assert!(
        text.starts_with("email,name,role,status,groups,remarks\r\n"),
        "{text}"
    );
    assert!(text.contains("'=HYPERLINK"), "{text}");
    assert!(text.contains("総務部;総務部/人事課"), "{text}");

    // Imported again unchanged: zero changes.
    let resp = admin
        .client
        .post(admin.url("/api/v1/imports?format=standard"))
        .header("x-csrf-token", &admin.csrf)
        .header("content-type", "text/csv")
        .body(users_csv.clone())
        .send()
        .await
        .unwrap();
    let (status, preview) = json_of(resp).await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    let summary = &preview["summary"];
    for action in ["create", "update", "disable", "delete", "errors"] {
        assert_eq!(summary[action], 0, "{action}: {preview}");
    }
    assert_eq!(summary["unchanged"], 4, "{preview}");

    // Shift_JIS holds ①㈱髙 and half-width kana.
    let resp = admin
        .get("/api/v1/export/users.csv?encoding=shift_jis")
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()["content-type"],
        "text/csv; charset=Shift_JIS"
    );
    let bytes = resp.bytes().await.unwrap();
    let (decoded, _, bad) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(!bad);
    assert!(decoded.contains("①㈱") && decoded.contains("ｻﾄｳ ﾊﾅｺ"));
    // … but not 𠮷: refused with where each character is, nothing replaced.
    create_user(
        &admin,
        json!({"email": "yoshi@city.example.jp", "name": "𠮷田", "role": "learner"}),
    )
    .await;
    let (status, error) = json_of(
        admin
            .get("/api/v1/export/users.csv?encoding=shift_jis")
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["error"]["code"], "unmappable_characters");
    let details = error["error"]["details"].as_array().unwrap();
    assert_eq!(details.len(), 1, "{error}");
    assert_eq!(
        details[0],
        json!({"file": "users.csv", "row": 6, "column": "B", "character": "𠮷",
               "codepoint": "U+20BB7", "message": details[0]["message"]})
    );
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Shift_JIS")
    );
    let (status, _) = json_of(admin.get("/api/v1/export/users.csv?encoding=latin1").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = json_of(admin.get("/api/v1/export/secrets.csv").await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // all.zip: every table and a Japanese README.
    let notice = admin
        .post(
            "/api/v1/notices",
            &json!({"kind": "maintenance", "title": "=定期保守", "body": "夜間に停止します",
                    "starts_at": "2030-01-05T12:00:00Z", "ends_at": "2030-01-05T14:00:00Z"}),
        )
        .await;
    assert_eq!(notice.status(), StatusCode::CREATED);
    let resp = admin.get("/api/v1/export/all.zip").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "application/zip");
    let bytes = resp.bytes().await.unwrap().to_vec();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let names: Vec<String> = (0..zip.len())
        .map(|i| zip.by_index(i).unwrap().name().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "README.txt",
            "users.csv",
            "groups.csv",
            "memberships.csv",
            "courses.csv",
            "videos.csv",
            "assignments.csv",
            "notices.csv",
            "viewing.csv",
            "audit.csv"
        ]
    );
    let mut notices = String::new();
    zip.by_name("notices.csv")
        .unwrap()
        .read_to_string(&mut notices)
        .unwrap();
    assert!(
        notices.contains("id,kind,title,body,starts_at,ends_at,urgent,created_at\r\n")
            && notices.contains(",maintenance,'=定期保守,夜間に停止します,2030-01-05T12:00:00Z,"),
        "{notices}"
    );
    let mut header = String::new();
    zip.by_name("assignments.csv")
        .unwrap()
        .read_to_string(&mut header)
        .unwrap();
    assert!(
        header.contains("id,course_id,course_title,due_on,note,groups,users,created_by,created_at")
    );
    let mut readme = String::new();
    zip.by_name("README.txt")
        .unwrap()
        .read_to_string(&mut readme)
        .unwrap();
    for name in &names[1..] {
        assert!(readme.contains(name.as_str()), "README describes {name}");
    }
    assert!(readme.contains("監査ログ"));
    let mut memberships = String::new();
    zip.by_name("memberships.csv")
        .unwrap()
        .read_to_string(&mut memberships)
        .unwrap();
    assert!(memberships.contains(&format!("{ka},総務部/人事課,hanako@city.example.jp")));
    let mut groups = String::new();
    zip.by_name("groups.csv")
        .unwrap()
        .read_to_string(&mut groups)
        .unwrap();
    assert!(
        groups.contains(&format!("{ka},総務部/人事課,人事課,{bu},,2,")),
        "{groups}"
    );
    let mut audit_csv = String::new();
    zip.by_name("audit.csv")
        .unwrap()
        .read_to_string(&mut audit_csv)
        .unwrap();
    assert!(audit_csv.contains("user.create"));

    // Every export is audited; only admins export.
    let exports = audit(&admin, "?action=export").await;
    let files: Vec<&str> = exports
        .iter()
        .map(|e| e["target"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["all.zip", "users.csv", "users.csv"], "{exports:#?}");
    app.add_user("manager@city.example.jp", Role::Manager).await;
    let manager = app.login("manager@city.example.jp").await;
    assert_eq!(
        manager.get("/api/v1/export/users.csv").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn admins_see_the_settings_the_service_runs_with_and_no_one_else_does() {
    let data = tempfile::tempdir().unwrap();
    let mut config = test_config(data.path(), &[("MANABI_CATALOG__LICENSED_SEATS", "250")]);
    config.network.sites.push(domain::site::SiteRule {
        name: "honcho".into(),
        cidrs: vec![
            "10.1.0.0/16".parse().unwrap(),
            "2001:db8::/32".parse().unwrap(),
        ],
        budget_mbps: 100.0,
    });
    config.network.trusted_proxies = vec!["10.0.0.1".parse().unwrap()];
    let app = spawn_config(manabi::roles::Role::All, data, config).await;
    app.add_user("admin@city.example.jp", Role::Admin).await;
    app.add_user("manager@city.example.jp", Role::Manager).await;
    let admin = app.login("admin@city.example.jp").await;
    let (status, settings) = json_of(admin.get("/api/v1/settings").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(settings["licensed_seats"], 250);
    assert_eq!(settings["timezone"], "Asia/Tokyo");
    assert_eq!(
        settings["network"]["sites"],
        json!([{"name": "honcho", "cidrs": ["10.1.0.0/16", "2001:db8::/32"], "budget_mbps": 100.0}])
    );
    assert_eq!(
        settings["network"]["trusted_proxies"],
        json!(["10.0.0.1/32"])
    );
    assert_eq!(settings["network"]["default_budget_mbps"], 0.0);
    let manager = app.login("manager@city.example.jp").await;
    assert_eq!(
        manager.get("/api/v1/settings").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn more_active_users_than_the_licence_are_warned_about_never_refused() {
    let app = spawn_role(
        manabi::roles::Role::All,
        tempfile::tempdir().unwrap(),
        &[("MANABI_CATALOG__LICENSED_SEATS", "3")],
    )
    .await;
    app.add_user("admin@city.example.jp", Role::Admin).await;
    let admin = app.login("admin@city.example.jp").await;
    let (status, seats) = json_of(admin.get("/api/v1/seats").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (seats["licensed"].as_u64(), seats["active"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(seats["over"], false);
    for i in 0..4 {
        create_user(
            &admin,
            json!({"email": format!("u{i}@city.example.jp"), "name": "職員", "role": "learner"}),
        )
        .await;
    }
    let (_, seats) = json_of(admin.get("/api/v1/seats").await).await;
    assert_eq!(seats["active"], 5);
    assert_eq!(seats["over"], true);
    assert!(seats["warning"].as_str().unwrap().contains("契約 ID 数 3"));
    let days = seats["days"].as_array().unwrap();
    assert_eq!(days.len(), 1);
    assert_eq!(days[0]["active"], 5);
    // Disabling brings today's count down only from tomorrow: the day keeps its peak.
    let (status, _) = json_of(
        admin
            .send(
                Method::PATCH,
                "/api/v1/users/3",
                Some(&json!({"status": "disabled"})),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, seats) = json_of(admin.get("/api/v1/seats").await).await;
    assert_eq!(
        (
            seats["active"].as_u64(),
            seats["days"][0]["active"].as_u64()
        ),
        (Some(4), Some(5))
    );
}

#[tokio::test]
async fn the_trash_keeps_groups_courses_and_videos_restorable_and_purges_only_when_confirmed() {
    let app = spawn_app().await;
    app.add_user("admin@city.example.jp", Role::Admin).await;
    app.add_user("editor@city.example.jp", Role::Editor).await;
    app.add_user("manager@city.example.jp", Role::Manager).await;
    let admin = app.login("admin@city.example.jp").await;
    let editor = app.login("editor@city.example.jp").await;

    // 総務部 → 人事課 with a member and a manager.
    let bu = create_group(&admin, "総務部", None).await;
    let ka = create_group(&admin, "人事課", Some(bu)).await;
    let taro = create_user(
        &admin,
        json!({"email": "taro@city.example.jp", "name": "山田 太郎", "role": "learner", "groups": [ka]}),
    )
    .await;
    let manager_id = {
        let catalog = app.app.as_ref().unwrap().catalog().unwrap();
        catalog
            .state
            .db
            .call(|c| {
                Ok(catalog::users::id_by_email(
                    c,
                    &Email::parse("manager@city.example.jp").unwrap(),
                )?
                .unwrap())
            })
            .await
            .unwrap()
    };
    let (status, _) = json_of(
        admin
            .post(
                &format!("/api/v1/groups/{bu}/managers"),
                &json!({"user_id": manager_id.get()}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    // Deleting the 部 takes the 課 along; only admins may.
    assert_eq!(
        editor
            .send(Method::DELETE, &format!("/api/v1/groups/{bu}"), None)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let resp = admin
        .send(Method::DELETE, &format!("/api/v1/groups/{bu}"), None)
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let (_, groups) = json_of(admin.get("/api/v1/groups").await).await;
    assert_eq!(
        groups["items"].as_array().map_or(0, Vec::len),
        0,
        "{groups}"
    );
    let (_, user) = json_of(admin.get(&format!("/api/v1/users/{}", taro["id"])).await).await;
    assert_eq!(user["groups"], json!([]));
    let (_, trash) = json_of(admin.get("/api/v1/trash").await).await;
    assert_eq!(trash["retention_days"], 90);
    let items = trash["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{trash}");
    assert_eq!(
        (&items[0]["kind"], &items[0]["id"], &items[0]["label"]),
        (&json!("group"), &json!(bu), &json!("総務部"))
    );

    // Restored: the same ids, the member and the manager back.
    let (status, restored) = json_of(
        admin
            .post(&format!("/api/v1/trash/group/{bu}/restore"), &json!({}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    let (_, groups) = json_of(admin.get("/api/v1/groups").await).await;
    let groups = groups["items"].as_array().unwrap().clone();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0]["managers"], json!(["manager@city.example.jp"]));
    assert_eq!(groups[1]["id"], ka);
    assert_eq!(groups[1]["member_count"], 1);
    let (_, user) = json_of(admin.get(&format!("/api/v1/users/{}", taro["id"])).await).await;
    assert_eq!(user["groups"], json!(["総務部/人事課"]));

    // A course in the trash disappears for everyone and comes back.
    let (status, course) = json_of(
        editor
            .post(
                "/api/v1/courses",
                &json!({"category_id": 1, "title": "ハラスメント防止"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{course}");
    let course_id = course["id"].as_i64().unwrap();
    assert_eq!(
        editor
            .send(
                Method::DELETE,
                &format!("/api/v1/courses/{course_id}"),
                None
            )
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        editor
            .get(&format!("/api/v1/courses/{course_id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // Purging needs the name typed exactly.
    let (status, error) = json_of(
        admin
            .send(
                Method::DELETE,
                &format!("/api/v1/trash/course/{course_id}"),
                Some(&json!({"confirm": "ハラスメント"})),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("ハラスメント防止")
    );
    let (status, _) = json_of(
        admin
            .post(
                &format!("/api/v1/trash/course/{course_id}/restore"),
                &json!({}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        editor
            .get(&format!("/api/v1/courses/{course_id}"))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        editor
            .send(
                Method::DELETE,
                &format!("/api/v1/courses/{course_id}"),
                None
            )
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let resp = admin
        .send(
            Method::DELETE,
            &format!("/api/v1/trash/course/{course_id}"),
            Some(&json!({"confirm": "ハラスメント防止"})),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        admin
            .post(
                &format!("/api/v1/trash/course/{course_id}/restore"),
                &json!({})
            )
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // A user purged: personal data erased, the row kept for its history.
    let taro_id = taro["id"].as_i64().unwrap();
    assert_eq!(
        admin
            .send(Method::DELETE, &format!("/api/v1/users/{taro_id}"), None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let resp = admin
        .send(
            Method::DELETE,
            &format!("/api/v1/trash/user/{taro_id}"),
            Some(&json!({"confirm": "taro@city.example.jp"})),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let catalog = app.app.as_ref().unwrap().catalog().unwrap();
    let row: (String, String, i64) = catalog
        .state
        .db
        .call(move |c| {
            Ok(c.query_row(
                "SELECT email, name, (SELECT COUNT(*) FROM group_members WHERE user_id = ?1) FROM users WHERE id = ?1",
                [taro_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?)
        })
        .await
        .unwrap();
    assert_eq!(row, (format!("purged-{taro_id}@invalid"), String::new(), 0));
    let (_, trash) = json_of(admin.get("/api/v1/trash").await).await;
    assert_eq!(trash["items"], json!([]), "{trash}");
    let purges = audit(&admin, "?action=user.purge").await;
    assert_eq!(purges[0]["detail"]["reason"], "confirmed");
}
