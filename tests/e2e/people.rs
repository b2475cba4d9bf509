//! Managing users: admins manage everyone, managers the learners of their
//! groups; nobody locks themselves out; disabling ends sessions at once.

use crate::app::{Session, spawn_app};
use domain::{Email, GroupId, Role};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn json_of(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn create(admin: &Session, body: Value) -> Value {
    let (status, user) = json_of(admin.post("/api/v1/users", &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    user
}

#[tokio::test]
async fn admins_manage_everyone_and_managers_only_their_groups_learners() {
    let app = spawn_app().await;
    app.add_user("admin@city.example.jp", Role::Admin).await;
    app.add_user("manager@city.example.jp", Role::Manager).await;
    app.add_user("learner@city.example.jp", Role::Learner).await;
    // 総務部 → 人事課 (managed through its parent) and 財政課 (not managed).
    let catalog = app.app.as_ref().unwrap().catalog().unwrap();
    let (jinji, zaisei): (GroupId, GroupId) = catalog
        .state
        .db
        .call(|c| {
            let now = jiff::Timestamp::now();
            let bu = catalog::groups::ensure(c, "総務部", None, now)?;
            let jinji = catalog::groups::ensure(c, "人事課", Some(bu), now)?;
            let zaisei = catalog::groups::ensure(c, "財政課", None, now)?;
            let manager =
                catalog::users::id_by_email(c, &Email::parse("manager@city.example.jp").unwrap())?
                    .unwrap();
            catalog::groups::add_manager(c, bu, manager)?;
            Ok((jinji, zaisei))
        })
        .await
        .unwrap();

    let admin = app.login("admin@city.example.jp").await;
    let taro = create(
        &admin,
        json!({"email": "ＴＡＲＯ＠city.example.jp", "name": "山田 太郎", "role": "learner",
               "remarks": "2026年4月 異動", "groups": [jinji.get()]}),
    )
    .await;
    assert_eq!(taro["email"], "taro@city.example.jp", "full-width folded");
    assert_eq!(taro["groups"], json!(["総務部/人事課"]), "as a path");
    let (_, listed) = json_of(admin.get("/api/v1/users?q=taro").await).await;
    assert_eq!(
        listed["items"][0]["groups"],
        json!(["総務部/人事課"]),
        "{listed}"
    );
    create(
        &admin,
        json!({"email": "hanako@city.example.jp", "name": "佐藤 花子", "role": "learner", "groups": [zaisei.get()]}),
    )
    .await;
    let (status, dup) = json_of(
        admin
            .post(
                "/api/v1/users",
                &json!({"email": "taro@city.example.jp", "name": "x", "role": "learner"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{dup}");

    // Search, filters, sort and pages.
    let list = |s: &Session, q: &str| {
        let url = format!("/api/v1/users{q}");
        let s = Session {
            client: s.client.clone(),
            csrf: s.csrf.clone(),
            base: s.base.clone(),
        };
        async move { json_of(s.get(&url).await).await }
    };
    let (_, all) = list(&admin, "").await;
    assert_eq!(all["total"], 5);
    let (_, found) = list(&admin, "?q=%E5%B1%B1%E7%94%B0").await; // 山田
    assert_eq!(found["items"][0]["email"], "taro@city.example.jp");
    let (_, found) = list(&admin, "?q=%EF%BC%B4%EF%BC%A1%EF%BC%B2%EF%BC%AF").await; // ＴＡＲＯ
    assert_eq!(found["total"], 1, "{found}");
    let (_, learners) = list(&admin, "?role=learner&sort=-email&per_page=2&page=1").await;
    assert_eq!(learners["total"], 3);
    assert_eq!(learners["items"].as_array().unwrap().len(), 2);
    assert_eq!(learners["items"][0]["email"], "taro@city.example.jp");
    let (status, _) = list(&admin, "?sort=password_hash").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A group that does not exist is a bad value, not a refusal.
    let (status, error) = json_of(
        admin
            .post(
                "/api/v1/users",
                &json!({"email": "nogroup@city.example.jp", "name": "無所属", "role": "learner", "groups": [999]}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert!(error.to_string().contains("999"), "{error}");
    let (_, in_group) = list(&admin, &format!("?group={}", zaisei.get())).await;
    assert_eq!(in_group["items"][0]["email"], "hanako@city.example.jp");

    // The manager sees the learner of its sub-group, nobody else.
    let manager = app.login("manager@city.example.jp").await;
    let (_, mine) = list(&manager, "").await;
    let emails: Vec<&str> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["taro@city.example.jp"]);
    let hanako_id = in_group["items"][0]["id"].as_i64().unwrap();
    let (status, _) = json_of(manager.get(&format!("/api/v1/users/{hanako_id}")).await).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "outside the manager's groups"
    );
    let taro_id = taro["id"].as_i64().unwrap();
    let (status, _) = json_of(
        manager
            .send(
                Method::PATCH,
                &format!("/api/v1/users/{taro_id}"),
                Some(&json!({"role": "admin"})),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "managers cannot promote");
    let (status, _) = json_of(
        manager
            .post(
                "/api/v1/users",
                &json!({"email": "e@city.example.jp", "name": "e", "role": "editor", "groups": [jinji.get()]}),
            )
            .await,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "managers create learners only"
    );
    let (status, _) = json_of(
        manager
            .post(
                "/api/v1/users",
                &json!({"email": "z@city.example.jp", "name": "z", "role": "learner", "groups": [zaisei.get()]}),
            )
            .await,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "not into another section's group"
    );
    let (status, renamed) = json_of(
        manager
            .send(
                Method::PATCH,
                &format!("/api/v1/users/{taro_id}"),
                Some(&json!({"name": "山田 太郎（人事課）"})),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{renamed}");

    // Learners and editors manage nobody.
    let learner = app.login("learner@city.example.jp").await;
    assert_eq!(
        learner.get("/api/v1/users").await.status(),
        StatusCode::FORBIDDEN
    );

    // Every change is in the audit log with before and after.
    let audited: i64 = catalog
        .state
        .db
        .call(|c| {
            Ok(c.query_row(
                "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'user.%'",
                [],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap();
    assert_eq!(audited, 3, "two creations and one change");
}

#[tokio::test]
async fn nobody_locks_themselves_out_and_disabling_ends_sessions() {
    let app = spawn_app().await;
    app.add_user("admin@city.example.jp", Role::Admin).await;
    app.add_user("learner@city.example.jp", Role::Learner).await;
    let admin = app.login("admin@city.example.jp").await;
    let (_, me) = json_of(admin.get("/api/v1/session").await).await;
    let my_id = me["user"]["id"].as_i64().unwrap();
    for change in [json!({"status": "disabled"}), json!({"role": "manager"})] {
        let (status, body) = json_of(
            admin
                .send(
                    Method::PATCH,
                    &format!("/api/v1/users/{my_id}"),
                    Some(&change),
                )
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{change}: {body}");
    }
    let (status, _) = json_of(
        admin
            .send(Method::DELETE, &format!("/api/v1/users/{my_id}"), None)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Disabling a learner logs it out everywhere at once.
    let learner = app.login("learner@city.example.jp").await;
    assert_eq!(
        learner.get("/api/v1/session").await.status(),
        StatusCode::OK
    );
    let (_, list) = json_of(admin.get("/api/v1/users?role=learner").await).await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let (status, user) = json_of(
        admin
            .send(
                Method::PATCH,
                &format!("/api/v1/users/{id}"),
                Some(&json!({"status": "disabled"})),
            )
            .await,
    )
    .await;
    assert_eq!(
        (status, user["status"].as_str()),
        (StatusCode::OK, Some("disabled"))
    );
    assert_eq!(
        learner.get("/api/v1/session").await.status(),
        StatusCode::UNAUTHORIZED
    );

    // The trash and back.
    let (status, _) = json_of(
        admin
            .send(Method::DELETE, &format!("/api/v1/users/{id}"), None)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        admin.get(&format!("/api/v1/users/{id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let (_, after) = json_of(admin.get("/api/v1/users").await).await;
    assert_eq!(after["total"], 1, "the trashed user is not listed");
    let (status, back) = json_of(
        admin
            .post(&format!("/api/v1/users/{id}/restore"), &json!({}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(back["email"], "learner@city.example.jp");
}

#[tokio::test]
async fn groups_form_a_tree_that_managers_see_from_their_branch() {
    let app = spawn_app().await;
    app.add_user("admin@city.example.jp", Role::Admin).await;
    app.add_user("manager@city.example.jp", Role::Manager).await;
    app.add_user("learner@city.example.jp", Role::Learner).await;
    let admin = app.login("admin@city.example.jp").await;
    let new_group = |name: &str, parent: Option<i64>| json!({"name": name, "parent_id": parent});
    let (status, bu) = json_of(
        admin
            .post("/api/v1/groups", &new_group("総務部", None))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{bu}");
    let bu_id = bu["id"].as_i64().unwrap();
    let (_, ka) = json_of(
        admin
            .post("/api/v1/groups", &new_group("人事課", Some(bu_id)))
            .await,
    )
    .await;
    assert_eq!(ka["path"], "総務部/人事課");
    let ka_id = ka["id"].as_i64().unwrap();
    let (_, zaisei) = json_of(
        admin
            .post("/api/v1/groups", &new_group("財政課", None))
            .await,
    )
    .await;
    let zaisei_id = zaisei["id"].as_i64().unwrap();
    let (status, _) = json_of(
        admin
            .post("/api/v1/groups", &new_group("人事課", Some(bu_id)))
            .await,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "same name under the same parent"
    );
    let (status, _) = json_of(admin.post("/api/v1/groups", &new_group("a/b", None)).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (_, users) = json_of(admin.get("/api/v1/users").await).await;
    let id_of = |email: &str| {
        users["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["email"] == email)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let (manager_id, learner_id) = (
        id_of("manager@city.example.jp"),
        id_of("learner@city.example.jp"),
    );
    let (status, _) = json_of(
        admin
            .post(
                &format!("/api/v1/groups/{bu_id}/managers"),
                &json!({"user_id": learner_id}),
            )
            .await,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a learner manages nothing"
    );
    let (status, _) = json_of(
        admin
            .post(
                &format!("/api/v1/groups/{bu_id}/managers"),
                &json!({"user_id": manager_id}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = json_of(
        admin
            .post(
                &format!("/api/v1/groups/{ka_id}/members"),
                &json!({"user_id": learner_id}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    // Members page like every list.
    admin
        .post(
            &format!("/api/v1/groups/{ka_id}/members"),
            &json!({"user_id": manager_id}),
        )
        .await;
    let (_, page) = json_of(
        admin
            .get(&format!(
                "/api/v1/groups/{ka_id}/members?per_page=1&page=2&sort=email"
            ))
            .await,
    )
    .await;
    assert_eq!(
        (&page["total"], &page["page"], &page["per_page"]),
        (&json!(2), &json!(2), &json!(1)),
        "{page}"
    );
    assert_eq!(
        page["items"][0]["email"], "manager@city.example.jp",
        "{page}"
    );
    let (status, _) = json_of(
        admin
            .get(&format!("/api/v1/groups/{ka_id}/members?page=abc"))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    admin
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/groups/{ka_id}/members/{manager_id}"),
            None,
        )
        .await;

    // The manager sees its branch only, and the learner in the sub-group.
    let manager = app.login("manager@city.example.jp").await;
    let (_, mine) = json_of(manager.get("/api/v1/groups").await).await;
    let paths: Vec<&str> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["総務部", "総務部/人事課"]);
    let (_, members) = json_of(
        manager
            .get(&format!("/api/v1/groups/{ka_id}/members"))
            .await,
    )
    .await;
    assert_eq!(members["items"][0]["email"], "learner@city.example.jp");
    // A manager adds a 係 inside its branch, never at the top or elsewhere.
    let (status, kakari) = json_of(
        manager
            .post("/api/v1/groups", &new_group("採用係", Some(ka_id)))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{kakari}");
    assert_eq!(kakari["path"], "総務部/人事課/採用係");
    let (status, _) = json_of(
        manager
            .post("/api/v1/groups", &new_group("勝手な部", None))
            .await,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "top-level groups are the admins'"
    );
    let (status, _) = json_of(
        manager
            .post("/api/v1/groups", &new_group("勝手な係", Some(zaisei_id)))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "not its branch");
    // Taking the learner out of the sub-group is the manager's to do.
    let removed = manager
        .send(
            Method::DELETE,
            &format!("/api/v1/groups/{ka_id}/members/{learner_id}"),
            None,
        )
        .await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let (_, all) = json_of(admin.get("/api/v1/groups").await).await;
    assert_eq!(all["total"], 4);
    assert_eq!(
        all["items"][0]["managers"],
        json!(["manager@city.example.jp"])
    );
}

#[tokio::test]
async fn a_one_time_password_opens_only_the_way_to_a_new_password() {
    let app = spawn_app().await;
    app.add_user("admin@city.example.jp", Role::Admin).await;
    app.add_user("learner@city.example.jp", Role::Learner).await;
    let admin = app.login("admin@city.example.jp").await;
    let before = app.login("learner@city.example.jp").await;
    let (_, list) = json_of(admin.get("/api/v1/users?role=learner").await).await;
    let id = list["items"][0]["id"].as_i64().unwrap();

    let resp = admin
        .post(&format!("/api/v1/users/{id}/password"), &json!({}))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let otp = resp.json::<Value>().await.unwrap()["one_time_password"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(otp.len(), 16);
    assert_eq!(
        before.get("/api/v1/session").await.status(),
        StatusCode::UNAUTHORIZED,
        "the old sessions ended"
    );
    let (_, me) = json_of(admin.get("/api/v1/session").await).await;
    let my_id = me["user"]["id"].as_i64().unwrap();
    let own = admin
        .post(&format!("/api/v1/users/{my_id}/password"), &json!({}))
        .await;
    assert_eq!(own.status(), StatusCode::FORBIDDEN, "not one's own");

    // Log in with the one-time password: only the password change is open.
    let client = crate::app::TestApp::client();
    let login = |password: String| {
        let req = client
            .post(format!("{}/api/v1/session", app.base))
            .json(&json!({"email": "learner@city.example.jp", "password": password}));
        async move { req.send().await.unwrap() }
    };
    let resp = login(otp.clone()).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["user"]["must_change_password"], true);
    let learner = Session {
        client: client.clone(),
        csrf: body["csrf_token"].as_str().unwrap().to_owned(),
        base: app.base.clone(),
    };
    let (status, refused) = json_of(learner.get("/api/v1/categories").await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(refused["error"]["code"], "password_change_required");
    assert_eq!(
        learner.get("/api/v1/session").await.status(),
        StatusCode::OK
    );
    let change = |current: &str, new: &str| {
        let body = json!({"current_password": current, "new_password": new});
        let learner = &learner;
        async move { learner.post("/api/v1/session/password", &body).await }
    };
    assert_eq!(
        change("wrong one-time pw", "a long new passphrase")
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        change(&otp, "short").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        change(&otp, "a long new passphrase").await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        learner.get("/api/v1/categories").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        login(otp).await.status(),
        StatusCode::UNAUTHORIZED,
        "used up"
    );
    assert_eq!(
        login("a long new passphrase".into()).await.status(),
        StatusCode::OK
    );
}
