//! CSV imports of users: the preview changes nothing, apply changes exactly
//! the preview (once, atomically, never from a stale preview), sync disables
//! only absent learners and editors and asks before a mass disable, undo
//! restores everything, one-time passwords download once, managers import only
//! their groups' learners — over HTTP and from the command line.

use crate::app::{Session, TestApp, spawn_app};
use domain::Role;
use encoding_rs::SHIFT_JIS;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::process::{Command, Output};

async fn json_of(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// `POST /api/v1/imports{query}` with the file as the body.
pub async fn preview(s: &Session, query: &str, file: &[u8]) -> Value {
    let resp = s
        .client
        .post(s.url(&format!("/api/v1/imports{query}")))
        .header("x-csrf-token", &s.csrf)
        .header("content-type", "text/csv")
        .body(file.to_vec())
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(resp).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "preview");
    body
}

pub async fn apply(s: &Session, id: &Value, body: Option<Value>) -> (StatusCode, Value) {
    let path = format!("/api/v1/imports/{id}/apply");
    match body {
        Some(body) => json_of(s.post(&path, &body).await).await,
        None => json_of(s.send(Method::POST, &path, None).await).await,
    }
}

async fn undo(s: &Session, id: &Value) -> (StatusCode, Value) {
    json_of(
        s.send(Method::POST, &format!("/api/v1/imports/{id}/undo"), None)
            .await,
    )
    .await
}

/// Every user (not in the trash), without `updated_at` (undo rewrites it).
async fn users(s: &Session) -> Vec<Value> {
    let (status, page) = json_of(s.get("/api/v1/users?per_page=500").await).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let mut items = page["items"].as_array().unwrap().clone();
    for u in &mut items {
        u.as_object_mut().unwrap().remove("updated_at");
    }
    items
}

async fn groups(s: &Session) -> Value {
    json_of(s.get("/api/v1/groups").await).await.1["items"].clone()
}

async fn user(s: &Session, email: &str) -> Value {
    users(s)
        .await
        .into_iter()
        .find(|u| u["email"] == email)
        .unwrap_or(Value::Null)
}

async fn group(s: &Session, name: &str, parent: Option<i64>) -> i64 {
    let (status, g) = json_of(
        s.post(
            "/api/v1/groups",
            &json!({"name": name, "parent_id": parent}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{g}");
    g["id"].as_i64().unwrap()
}

async fn create(s: &Session, email: &str, name: &str, role: &str, groups: &[i64]) -> Value {
    let body = json!({"email": email, "name": name, "role": role, "groups": groups});
    let (status, u) = json_of(s.post("/api/v1/users", &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{u}");
    u
}

fn sjis(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = SHIFT_JIS.encode(text);
    assert!(!unmappable, "the test text fits Shift_JIS");
    bytes.into_owned()
}

fn row<'v>(preview: &'v Value, email: &str) -> &'v Value {
    preview["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["email"] == email)
        .unwrap_or_else(|| panic!("no row for {email}: {preview}"))
}

/// Every created or updated field of the preview is what the user now has.
async fn assert_applied_as_previewed(s: &Session, preview: &Value) {
    for r in preview["rows"].as_array().unwrap() {
        if !["create", "update", "disable"].contains(&r["action"].as_str().unwrap()) {
            continue;
        }
        let email = r["email"].as_str().unwrap();
        let u = user(s, email).await;
        for (field, change) in r["changes"].as_object().unwrap() {
            let new = change[1].as_str().unwrap();
            if field == "groups" {
                // The preview and the user show the same paths.
                let mut names: Vec<&str> = new.split(';').filter(|p| !p.is_empty()).collect();
                names.sort_unstable();
                assert_eq!(u["groups"], json!(names), "{email} groups");
            } else {
                assert_eq!(u[field], new, "{email} {field}");
            }
        }
    }
}

async fn admin_app() -> (TestApp, Session) {
    let app = spawn_app().await;
    app.add_user("admin@city.example.jp", Role::Admin).await;
    let admin = app.login("admin@city.example.jp").await;
    (app, admin)
}

const STANDARD: &str = "メールアドレス,氏名,権限,状態,所属,備考\r\n\
    hana@city.example.jp,髙橋 花子,受講者,有効,総務部/人事課,①㈱研修担当\r\n\
    taro@city.example.jp,山﨑 太郎,受講者,有効,人事課,\"備考に, カンマ\"\r\n\
    kouhou@city.example.jp,広報 次郎,learner,active,総務部/広報課,\r\n";

#[tokio::test]
async fn a_shift_jis_file_previews_without_changes_and_applies_exactly_the_preview_once() {
    let (app, admin) = admin_app().await;
    let somu = group(&admin, "総務部", None).await;
    let jinji = group(&admin, "人事課", Some(somu)).await;
    create(
        &admin,
        "taro@city.example.jp",
        "山田 太郎",
        "learner",
        &[jinji],
    )
    .await;
    let file = sjis(STANDARD);
    let (users_before, groups_before) = (users(&admin).await, groups(&admin).await);

    let p = preview(&admin, "?format=standard", &file).await;
    assert_eq!(p["encoding"], "shift_jis");
    assert_eq!(p["mode"], "upsert");
    assert_eq!(
        p["summary"],
        json!({"create": 2, "update": 1, "disable": 0, "delete": 0, "unchanged": 0, "errors": 0})
    );
    assert_eq!(p["new_groups"], json!(["総務部/広報課"]));
    let rows: Vec<(i64, &str)> = p["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["row"].as_i64().unwrap(), r["action"].as_str().unwrap()))
        .collect();
    assert_eq!(rows, [(2, "create"), (3, "update"), (4, "create")]);
    let taro = row(&p, "taro@city.example.jp");
    assert_eq!(taro["changes"]["name"], json!(["山田 太郎", "山﨑 太郎"]));
    assert_eq!(taro["changes"]["remarks"], json!(["", "備考に, カンマ"]));
    assert_eq!(
        row(&p, "hana@city.example.jp")["changes"]["remarks"],
        json!(["", "①㈱研修担当"]),
        "NEC and IBM characters survive"
    );
    assert_eq!(
        users(&admin).await,
        users_before,
        "the preview changes no user"
    );
    assert_eq!(groups(&admin).await, groups_before, "nor any group");
    let (status, stored) = json_of(admin.get(&format!("/api/v1/imports/{}", p["id"])).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stored["rows"], p["rows"]);

    let (status, applied) = apply(&admin, &p["id"], None).await;
    assert_eq!(status, StatusCode::OK, "{applied}");
    assert_eq!(applied["status"], "applied");
    assert_eq!(applied["summary"], p["summary"]);
    assert_applied_as_previewed(&admin, &p).await;
    let hana = user(&admin, "hana@city.example.jp").await;
    assert_eq!(hana["name"], "髙橋 花子");
    assert_eq!(hana["must_change_password"], true);
    assert_eq!(users(&admin).await.len(), users_before.len() + 2);
    let (status, again) = apply(&admin, &p["id"], None).await;
    assert_eq!(status, StatusCode::CONFLICT, "applied only once: {again}");

    // The one-time passwords: once, for whoever applied, then 410.
    let url = applied["passwords_url"].as_str().unwrap().to_owned();
    assert_eq!(url, format!("/api/v1/imports/{}/passwords.csv", p["id"]));
    let resp = admin.get(&url).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = resp.bytes().await.unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM");
    let text = std::str::from_utf8(&csv[3..]).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("メールアドレス,氏名,"));
    let hana_line = lines.iter().find(|l| l.starts_with("hana@")).unwrap();
    assert!(hana_line.contains("髙橋 花子"));
    let otp = hana_line.rsplit(',').next().unwrap();
    let (status, gone) = json_of(admin.get(&url).await).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(gone["error"]["code"], "gone");
    let resp = TestApp::client()
        .post(format!("{}/api/v1/session", app.base))
        .json(&json!({"email": "hana@city.example.jp", "password": otp}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::OK,
        "the one-time password logs in"
    );

    // The same file again: nothing to do, and applying it changes nothing.
    let after = users(&admin).await;
    let p2 = preview(&admin, "", &file).await;
    assert_eq!(
        p2["summary"],
        json!({"create": 0, "update": 0, "disable": 0, "delete": 0, "unchanged": 3, "errors": 0})
    );
    let (status, applied) = apply(&admin, &p2["id"], None).await;
    assert_eq!(status, StatusCode::OK, "{applied}");
    assert_eq!(applied["passwords_url"], Value::Null);
    assert_eq!(users(&admin).await, after);

    // An Excel-edited UTF-8 HR file: BOM, CRLF, ="…" wrappers, a line break
    // in a cell, trailing empty columns and a blank line.
    let excel = "\u{FEFF}メールアドレス,備考,,\r\n\
                 =\"taro@city.example.jp\",\"4月1日付\r\n人事課へ異動\",,\r\n\
                 ,,,\r\n\
                 hana@city.example.jp,①㈱研修担当,,\r\n";
    let hr = preview(&admin, "?format=hr", excel.as_bytes()).await;
    assert_eq!(hr["encoding"], "utf8_bom");
    assert_eq!(
        row(&hr, "taro@city.example.jp")["changes"]["remarks"],
        json!(["備考に, カンマ", "4月1日付\n人事課へ異動"])
    );
    assert_eq!(
        row(&hr, "hana@city.example.jp")["row"],
        4,
        "the blank line counts"
    );
    assert_eq!(row(&hr, "hana@city.example.jp")["action"], "unchanged");
    let (status, _) = apply(&admin, &hr["id"], Some(json!({}))).await;
    assert_eq!(status, StatusCode::OK);
    assert_applied_as_previewed(&admin, &hr).await;

    // One audit entry per import with the file's SHA-256 and the counts.
    let catalog = app.app.as_ref().unwrap().catalog().unwrap();
    let audits: Vec<String> = catalog
        .state
        .db
        .call(|c| {
            let mut stmt = c.prepare(
                "SELECT detail FROM audit_log WHERE action = 'import.apply' ORDER BY id",
            )?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<Result<Vec<String>, _>>()?)
        })
        .await
        .unwrap();
    assert_eq!(audits.len(), 3);
    let first: Value = serde_json::from_str(&audits[0]).unwrap();
    assert_eq!(first["file_sha256"], p["file_sha256"]);
    assert_eq!(first["counts"]["create"], 2);
}

#[tokio::test]
async fn a_stale_preview_is_refused_and_error_rows_block_apply_by_row_number() {
    let (_app, admin) = admin_app().await;
    let taro = create(&admin, "taro@city.example.jp", "山田 太郎", "learner", &[]).await;
    let file = "email,name,role,status,groups,remarks\ntaro@city.example.jp,山田 太郎,learner,active,,異動\n";
    let p = preview(&admin, "", file.as_bytes()).await;
    let (status, _) = json_of(
        admin
            .send(
                Method::PATCH,
                &format!("/api/v1/users/{}", taro["id"]),
                Some(&json!({"name": "山田 太朗"})),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, stale) = apply(&admin, &p["id"], None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{stale}");
    assert_eq!(stale["error"]["code"], "conflict");
    let message = stale["error"]["message"].as_str().unwrap();
    assert!(message.contains("taro@city.example.jp"), "{message}");
    assert_eq!(user(&admin, "taro@city.example.jp").await["remarks"], "");

    let bad = "email,name,role,status,groups,remarks\n\
               ok@city.example.jp,OK,learner,active,,\n\
               not-an-address,X,learner,active,,\n\
               ok2@city.example.jp,OK2,learner,active,,\n\
               ok3@city.example.jp,,superuser,active,,\n";
    let before = users(&admin).await;
    let p = preview(&admin, "", bad.as_bytes()).await;
    assert_eq!(p["summary"]["errors"], 2);
    let r3 = &p["rows"][1];
    assert_eq!(
        (r3["row"].as_i64(), r3["action"].as_str()),
        (Some(3), Some("error"))
    );
    assert_eq!(r3["errors"][0]["column"], "email");
    assert_eq!(r3["errors"][0]["code"], "invalid_email");
    assert!(
        r3["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("メールアドレス")
    );
    let r5 = &p["rows"][3];
    let codes: Vec<&str> = r5["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["required", "invalid_role"]);
    let (status, refused) = apply(&admin, &p["id"], None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("3 行目") && message.contains("5 行目"),
        "{message}"
    );
    assert!(!message.contains("4 行目"), "{message}");
    assert_eq!(users(&admin).await, before);
}

#[tokio::test]
async fn sync_disables_absent_learners_never_admins_or_managers_and_asks_before_many() {
    let (app, admin) = admin_app().await;
    app.add_user("l5@city.example.jp", Role::Learner).await;
    create(
        &admin,
        "manager@city.example.jp",
        "受講管理者",
        "manager",
        &[],
    )
    .await;
    create(&admin, "editor@city.example.jp", "編集者", "editor", &[]).await;
    for i in 1..=4 {
        create(
            &admin,
            &format!("l{i}@city.example.jp"),
            "受講者",
            "learner",
            &[],
        )
        .await;
    }
    let learner = app.login("l5@city.example.jp").await;
    let hr = sjis(
        "メールアドレス,備考\r\nl1@city.example.jp,①係\r\nl2@city.example.jp,\r\nl3@city.example.jp,\r\n",
    );
    let p = preview(&admin, "?format=hr&mode=sync", &hr).await;
    let disabled: Vec<(&Value, &str)> = p["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "disable")
        .map(|r| (&r["row"], r["email"].as_str().unwrap()))
        .collect();
    assert_eq!(
        disabled,
        [
            (&Value::Null, "editor@city.example.jp"),
            (&Value::Null, "l4@city.example.jp"),
            (&Value::Null, "l5@city.example.jp"),
        ],
        "absent learners and editors, after the file's rows, never admins or managers"
    );
    assert_eq!(
        p["mass_disable"],
        json!({"disable": 3, "active": 8, "max_share": 0.1, "confirmation_required": true})
    );

    let (status, refused) = apply(&admin, &p["id"], None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["code"], "mass-disable-threshold");
    let (status, refused) = apply(
        &admin,
        &p["id"],
        Some(json!({"confirm_mass_disable": false})),
    )
    .await;
    assert_eq!(
        refused["error"]["code"], "mass-disable-threshold",
        "{status}"
    );
    assert_eq!(user(&admin, "l5@city.example.jp").await["status"], "active");
    let (status, applied) = apply(
        &admin,
        &p["id"],
        Some(json!({"confirm_mass_disable": true})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{applied}");
    for (email, status) in [
        ("admin@city.example.jp", "active"),
        ("manager@city.example.jp", "active"),
        ("l1@city.example.jp", "active"),
        ("editor@city.example.jp", "disabled"),
        ("l4@city.example.jp", "disabled"),
        ("l5@city.example.jp", "disabled"),
    ] {
        assert_eq!(user(&admin, email).await["status"], status, "{email}");
    }
    assert_eq!(user(&admin, "l1@city.example.jp").await["remarks"], "①係");
    assert_eq!(
        learner.get("/api/v1/session").await.status(),
        StatusCode::UNAUTHORIZED,
        "disabling ended the learner's session"
    );
    let again = preview(&admin, "?format=hr&mode=sync", &hr).await;
    assert_eq!(
        again["summary"],
        json!({"create": 0, "update": 0, "disable": 0, "delete": 0, "unchanged": 3, "errors": 0})
    );
}

#[tokio::test]
async fn undo_restores_every_touched_user_with_trash_and_groups_once() {
    let (app, admin) = admin_app().await;
    let somu = group(&admin, "総務部", None).await;
    let jinji = group(&admin, "人事課", Some(somu)).await;
    group(&admin, "財政課", None).await;
    let u1 = create(&admin, "u1@city.example.jp", "一郎", "learner", &[jinji]).await;
    create(&admin, "u2@city.example.jp", "二郎", "learner", &[jinji]).await;
    create(&admin, "u3@city.example.jp", "三郎", "editor", &[]).await;
    let (users_before, groups_before) = (users(&admin).await, groups(&admin).await);
    let file = "email,name,role,status,groups,remarks,action\n\
                u1@city.example.jp,新しい名前,manager,active,財政課,新,\n\
                u2@city.example.jp,,,,,,delete\n\
                u3@city.example.jp,三郎,editor,disabled,,,\n\
                new1@city.example.jp,新人,learner,active,総務部/広報課,,\n";
    let p = preview(&admin, "", file.as_bytes()).await;
    assert_eq!(
        p["summary"],
        json!({"create": 1, "update": 1, "disable": 1, "delete": 1, "unchanged": 0, "errors": 0})
    );
    let (status, _) = apply(&admin, &p["id"], None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        user(&admin, "u2@city.example.jp").await,
        Value::Null,
        "in the trash"
    );
    assert_eq!(
        user(&admin, "u1@city.example.jp").await["groups"],
        json!(["財政課"])
    );
    assert!(groups(&admin).await.to_string().contains("広報課"));

    let (status, undone) = undo(&admin, &p["id"]).await;
    assert_eq!(status, StatusCode::OK, "{undone}");
    assert_eq!(
        (undone["restored"].as_i64(), undone["trashed"].as_i64()),
        (Some(3), Some(1))
    );
    assert_eq!(
        users(&admin).await,
        users_before,
        "fields, status, trash and groups"
    );
    assert_eq!(
        groups(&admin).await,
        groups_before,
        "the import's group is gone"
    );
    let (status, _) = undo(&admin, &p["id"]).await;
    assert_eq!(status, StatusCode::CONFLICT, "undone only once");
    let (status, _) = apply(&admin, &p["id"], None).await;
    assert_eq!(status, StatusCode::CONFLICT, "and not applied again");
    let (_, stored) = json_of(admin.get(&format!("/api/v1/imports/{}", p["id"])).await).await;
    assert_eq!(stored["status"], "undone");

    // A user changed after the import: undo would overwrite that, so it refuses.
    let p = preview(
        &admin,
        "?format=hr",
        "email,remarks\nu1@city.example.jp,備考あり\n".as_bytes(),
    )
    .await;
    assert_eq!(apply(&admin, &p["id"], None).await.0, StatusCode::OK);
    let path = format!("/api/v1/users/{}", u1["id"]);
    let patch = json!({"name": "手で直した名前"});
    assert_eq!(
        admin
            .send(Method::PATCH, &path, Some(&patch))
            .await
            .status(),
        StatusCode::OK
    );
    let (status, refused) = undo(&admin, &p["id"]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("u1@city.example.jp")
    );
    drop(app);
}

#[tokio::test]
async fn a_manager_imports_only_learners_of_its_groups() {
    let (app, admin) = admin_app().await;
    app.add_user("manager@city.example.jp", Role::Manager).await;
    let somu = group(&admin, "総務部", None).await;
    let jinji = group(&admin, "人事課", Some(somu)).await;
    let zaisei = group(&admin, "財政課", None).await;
    let manager_id = user(&admin, "manager@city.example.jp").await["id"].clone();
    let (status, _) = json_of(
        admin
            .post(
                &format!("/api/v1/groups/{somu}/managers"),
                &json!({"user_id": manager_id}),
            )
            .await,
    )
    .await;
    assert!(status.is_success(), "{status}");
    create(
        &admin,
        "mine@city.example.jp",
        "自分の課",
        "learner",
        &[jinji],
    )
    .await;
    create(
        &admin,
        "other@city.example.jp",
        "他の課",
        "learner",
        &[zaisei],
    )
    .await;
    let manager = app.login("manager@city.example.jp").await;

    let file = "email,name,role,status,groups,remarks\n\
                mine@city.example.jp,改名,learner,active,人事課,\n\
                other@city.example.jp,X,learner,active,人事課,\n\
                admin@city.example.jp,A,learner,active,人事課,\n\
                new@city.example.jp,新人,learner,active,人事課,\n\
                new2@city.example.jp,新人2,learner,active,財政課,\n\
                new3@city.example.jp,新人3,editor,active,人事課,\n";
    let p = preview(&manager, "", file.as_bytes()).await;
    let actions: Vec<&str> = p["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["update", "error", "error", "create", "error", "error"]
    );
    for (i, code) in [
        (1, "out_of_scope"),
        (2, "out_of_scope"),
        (4, "group_not_managed"),
        (5, "role_not_allowed"),
    ] {
        let e = &p["rows"][i]["errors"][0];
        assert_eq!(e["code"], code, "{e}");
        assert!(
            e["message"].as_str().unwrap().contains("管理"),
            "a Japanese reason: {e}"
        );
    }
    let (status, _) = apply(&manager, &p["id"], None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        user(&admin, "mine@city.example.jp").await["name"],
        "自分の課"
    );

    // Another's import is not the manager's to see; its own is the admin's.
    let theirs = preview(&admin, "", b"email,name,role,status,groups,remarks\n").await;
    let (status, _) = json_of(
        manager
            .get(&format!("/api/v1/imports/{}", theirs["id"]))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = json_of(admin.get(&format!("/api/v1/imports/{}", p["id"])).await).await;
    assert_eq!(status, StatusCode::OK);

    let fixed = "email,name,role,status,groups,remarks\n\
                 mine@city.example.jp,改名,learner,active,人事課,\n\
                 new@city.example.jp,新人,learner,active,総務部/人事課,\n";
    let p = preview(&manager, "", fixed.as_bytes()).await;
    let (status, applied) = apply(&manager, &p["id"], None).await;
    assert_eq!(status, StatusCode::OK, "{applied}");
    assert_eq!(
        user(&admin, "new@city.example.jp").await["groups"],
        json!(["総務部/人事課"])
    );
    let url = applied["passwords_url"].as_str().unwrap();
    assert_eq!(
        admin.get(url).await.status(),
        StatusCode::FORBIDDEN,
        "only whoever applied"
    );
    assert_eq!(manager.get(url).await.status(), StatusCode::OK);
}

fn manabi(data: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_manabi"))
        .args(args)
        .env("MANABI_DATA_DIR", data)
        .env("MANABI_HTTP__ADDR", "127.0.0.1:0")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn import_users_previews_and_applies_from_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("staff.csv");
    std::fs::write(&file, sjis(STANDARD)).unwrap();
    let path = file.to_str().unwrap();

    let out = manabi(&data, &["import-users", path]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("作成 3 /") && stdout.contains("Shift_JIS"),
        "{stdout}"
    );
    assert!(stdout.contains("総務部/広報課"), "{stdout}");

    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "email,name,role,status,groups,remarks\nok@city.example.jp,OK,learner,active,,\nnot-an-address,X,learner,active,,\n",
    )
    .unwrap();
    let out = manabi(&data, &["import-users", bad.to_str().unwrap(), "--apply"]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "one clear line: {stderr}");
    assert!(stderr.contains("エラー"), "{stderr}");
    assert!(
        text(&out.stdout).contains("3 行目 email:"),
        "{}",
        text(&out.stdout)
    );
    let out = manabi(&data, &["import-users", "/nonexistent.csv"]);
    assert!(!out.status.success());
    assert_eq!(text(&out.stderr).trim().lines().count(), 1);
    // The same size limit as the API's.
    let out = Command::new(env!("CARGO_BIN_EXE_manabi"))
        .args(["import-users", path])
        .env("MANABI_DATA_DIR", &data)
        .env("MANABI_CATALOG__IMPORT_MAX_BYTES", "100")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("catalog.import_max_bytes"),
        "{}",
        text(&out.stderr)
    );

    let out = manabi(&data, &["import-users", path, "--apply"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("作成 3 /"),
        "the previews changed nothing: {stdout}"
    );
    assert!(stdout.contains("取り込みました"), "{stdout}");
    let passwords = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("staff-passwords-"))
        .expect("a passwords file beside the input");
    let sheet = std::fs::read_to_string(&passwords).unwrap();
    assert_eq!(sheet.lines().count(), 4, "{sheet}");
    let out = manabi(&data, &["import-users", path]);
    assert!(
        text(&out.stdout).contains("変更なし 3"),
        "{}",
        text(&out.stdout)
    );

    // A sync that disables two of three learners stops and asks.
    let hr = dir.path().join("hr.csv");
    std::fs::write(&hr, "email,remarks\nhana@city.example.jp,\n").unwrap();
    let hr = hr.to_str().unwrap();
    let args = [
        "import-users",
        hr,
        "--format",
        "hr",
        "--mode",
        "sync",
        "--apply",
    ];
    let out = manabi(&data, &args);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("--confirm-mass-disable") && stderr.trim().lines().count() == 1,
        "{stderr}"
    );
    let out = manabi(&data, &[&args[..], &["--confirm-mass-disable"]].concat());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("無効化 2"),
        "{}",
        text(&out.stdout)
    );
}
