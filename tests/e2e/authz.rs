//! The authorisation matrix (issue 5): every route the router declares
//! ([`catalog::api::ROUTES`]) × each of its methods × eight callers —
//! anonymous, a learner, an editor, the manager of the object's group, a
//! manager of another group, an admin, a disabled admin and an admin whose
//! session has expired — against the table [`MATRIX`]. A declared route
//! without a row, a row for a route the router no longer declares, and every
//! cell whose answer differs fail, all reported at once. Each path must also
//! answer exactly its declared methods (405 with `Allow` otherwise).
//!
//! Every request carries the caller's CSRF token and a body good enough that
//! the caller's rights, not validation, decide. Destructive checks act on an
//! object made for that one check, so the order of the checks does not matter.

use crate::app::{PASSWORD, Session, TestApp, clip, spawn_app, spawn_role};
use catalog::api::ROUTES;
use domain::{Email, Role, UserId};
use reqwest::header::{ALLOW, CONTENT_TYPE, COOKIE, HeaderMap, HeaderValue};
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};
use std::cell::Cell;
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::time::{Duration, Instant};

/// Who sends a request. The order is the order of a row's cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Actor {
    Anonymous,
    Learner,
    Editor,
    /// Manages group A, the group of every object that has one.
    ManagerOwn,
    /// Manages group B only.
    ManagerOther,
    Admin,
    /// The session an admin had before another admin disabled the account.
    Disabled,
    /// An admin's session past its idle and absolute lifetimes.
    Expired,
}

const ACTORS: [Actor; 8] = [
    Actor::Anonymous,
    Actor::Learner,
    Actor::Editor,
    Actor::ManagerOwn,
    Actor::ManagerOther,
    Actor::Admin,
    Actor::Disabled,
    Actor::Expired,
];

impl Actor {
    fn label(self) -> &'static str {
        match self {
            Actor::Anonymous => "anonymous",
            Actor::Learner => "learner",
            Actor::Editor => "editor",
            Actor::ManagerOwn => "manager (own group)",
            Actor::ManagerOther => "manager (other group)",
            Actor::Admin => "admin",
            Actor::Disabled => "disabled admin",
            Actor::Expired => "expired session",
        }
    }

    /// The account behind the actor's session.
    fn account(self) -> Option<(&'static str, Role)> {
        match self {
            Actor::Anonymous => None,
            Actor::Learner => Some((LEARNER, Role::Learner)),
            Actor::Editor => Some((EDITOR, Role::Editor)),
            Actor::ManagerOwn => Some((MANAGER_A, Role::Manager)),
            Actor::ManagerOther => Some((MANAGER_B, Role::Manager)),
            Actor::Admin => Some((ADMIN, Role::Admin)),
            Actor::Disabled => Some((DISABLED, Role::Admin)),
            Actor::Expired => Some((EXPIRED, Role::Admin)),
        }
    }
}

/// Every member of group A has this in its e-mail address: no answer to the
/// manager of group B may contain it.
const IN_GROUP_A: &str = "in-group-a";
const ADMIN: &str = "admin@city.example.jp";
const EDITOR: &str = "editor@city.example.jp";
const LEARNER: &str = "learner.in-group-a@city.example.jp";
const MANAGER_A: &str = "manager-a@city.example.jp";
const MANAGER_B: &str = "manager-b@city.example.jp";
const DISABLED: &str = "disabled-admin@city.example.jp";
const EXPIRED: &str = "expired-admin@city.example.jp";
/// The account `POST /api/v1/session` logs in, whoever sends it.
const PROBE: &str = "login-probe@city.example.jp";
/// The PBKDF2 rounds of the probe's password: a login checks as many as the
/// stored hash names, and the matrix logs in eight times.
const PROBE_ROUNDS: u32 = 1_000;

/// Configured so that the internal job API is served — and must refuse
/// every user session.
const WORKER_TOKEN: &str = "a-worker-token-of-at-least-32-characters";
const CSV_HEADER: &str = "email,name,role,status,groups,remarks\n";
const GROUP_A: &str = "総務課";
const VTT: &str = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n権限の確認\n";

/// What one caller must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Let through and served: 2xx.
    Allow,
    /// Let through; the route's own rule then answers this status (the row
    /// says why).
    Through(u16),
    /// 401 `unauthenticated`.
    Unauth,
    /// 403 `forbidden`.
    Forbidden,
    /// 404 `not_found`: outside the caller's scope, as if it did not exist.
    Hidden,
}

impl Expect {
    fn admits(self, status: StatusCode, code: &str) -> bool {
        match self {
            Expect::Allow => status.is_success(),
            Expect::Through(s) => status.as_u16() == s,
            Expect::Unauth => status == StatusCode::UNAUTHORIZED && code == "unauthenticated",
            Expect::Forbidden => status == StatusCode::FORBIDDEN && code == "forbidden",
            Expect::Hidden => status == StatusCode::NOT_FOUND && code == "not_found",
        }
    }
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expect::Allow => f.write_str("2xx"),
            Expect::Through(s) => write!(f, "{s} (past authorisation)"),
            Expect::Unauth => f.write_str("401 unauthenticated"),
            Expect::Forbidden => f.write_str("403 forbidden"),
            Expect::Hidden => f.write_str("404 not_found"),
        }
    }
}

use Expect::{Allow as A, Forbidden as F, Hidden as H, Unauth as U};
/// Past the role check, a conflict with the object's state.
const T409: Expect = Expect::Through(409);
/// Past the role check, a body the route's own rules refuse.
const T422: Expect = Expect::Through(422);

/// One expectation per actor, in the order of [`ACTORS`].
type Cells = [Expect; 8];

// The cells are, in order: anonymous, learner, editor, manager of the
// object's group, manager of another group, admin, disabled, expired.

/// Anyone, with or without a session.
const PUBLIC: Cells = [A, A, A, A, A, A, A, A];
/// Anyone logged in.
const ANY_USER: Cells = [U, A, A, A, A, A, U, U];
/// Content authoring: editors and admins.
const AUTHORS: Cells = [U, F, A, F, F, A, U, U];
/// Admins and managers, on something scoped to the caller's groups (the
/// other manager gets its own, smaller answer).
const MANAGERS: Cells = [U, F, F, A, A, A, U, U];
/// Admins and the manager of the object's group; to another manager the
/// object does not exist.
const SCOPED: Cells = [U, F, F, A, H, A, U, U];
/// Admins only.
const ADMINS: Cells = [U, F, F, F, F, A, U, U];
/// The worker's bearer token only: no user session opens it.
const WORKER: Cells = [U, U, U, U, U, U, U, U];

/// A route, one of its methods, what each actor gets, and why when the
/// answer is not plain.
struct Row {
    method: &'static str,
    path: &'static str,
    cells: Cells,
    why: &'static str,
}

const fn row(method: &'static str, path: &'static str, cells: Cells, why: &'static str) -> Row {
    Row {
        method,
        path,
        cells,
        why,
    }
}

/// The expected answers. A route added to the router needs a row here (and a
/// request in [`probe`]) before this test passes again.
#[rustfmt::skip]
const MATRIX: &[Row] = &[
    row("GET",    "/api/v1/session",                               ANY_USER, ""),
    row("POST",   "/api/v1/session",                               PUBLIC,
        "logging in needs no session (another account's valid credentials)"),
    row("DELETE", "/api/v1/session",                               ANY_USER,
        "a second session of the actor's account is logged out; the actor's own lives on"),
    row("POST",   "/api/v1/session/password",                      [U, T422, T422, T422, T422, T422, U, U],
        "everyone changes their own password; the new one sent is too short, so 422 and nothing changes"),
    row("GET",    "/api/v1/categories",                            ANY_USER, ""),
    row("GET",    "/api/v1/courses",                               ANY_USER, ""),
    row("POST",   "/api/v1/courses",                               AUTHORS, ""),
    row("GET",    "/api/v1/courses/{id}",                          ANY_USER, "a published course"),
    row("PATCH",  "/api/v1/courses/{id}",                          AUTHORS, "a draft"),
    row("DELETE", "/api/v1/courses/{id}",                          AUTHORS, "a draft made for the check"),
    row("POST",   "/api/v1/courses/{id}/publish",                  AUTHORS,
        "the published course again (idempotent)"),
    row("POST",   "/api/v1/courses/{id}/unpublish",                AUTHORS,
        "a draft made for the check (idempotent)"),
    row("POST",   "/api/v1/videos",                                [U, F, T422, F, F, T422, U, U],
        "an empty body: past the role check it is refused as empty (422), so no transcode starts"),
    row("GET",    "/api/v1/videos/{id}",                           AUTHORS, ""),
    row("DELETE", "/api/v1/videos/{id}",                           AUTHORS,
        "a video made for the check, in no course"),
    row("POST",   "/api/v1/videos/{id}/play",                      ANY_USER,
        "a ready video of a published course"),
    row("POST",   "/api/v1/videos/{id}/cancel",                    [U, F, T409, F, F, T409, U, U],
        "the video is ready: its job has ended, nothing to cancel (409)"),
    row("POST",   "/api/v1/videos/{id}/captions",                  AUTHORS, ""),
    row("DELETE", "/api/v1/videos/{id}/captions/{lang}",           AUTHORS,
        "a track uploaded just before the check"),
    row("GET",    "/api/v1/videos/{id}/poster",                    AUTHORS, "the drawn poster of a ready video"),
    row("PUT",    "/api/v1/videos/{id}/poster",                    [U, F, T422, F, F, T422, U, U],
        "text instead of a picture: past the role check it is refused (422), so the poster stays"),
    row("DELETE", "/api/v1/videos/{id}/poster",                    AUTHORS,
        "the drawn poster again (idempotent)"),
    row("POST",   "/api/v1/play/{session_id}/heartbeat",           [U, A, F, F, F, F, U, U],
        "the learner's playback session: only its own user reports on it, admins included"),
    row("GET",    "/api/v1/reports/viewing",                       [U, F, F, A, F, A, U, U],
        "?group=A: to the other manager group A is out of reach (403), not an empty report"),
    row("GET",    "/api/v1/me/preferences",                        ANY_USER, ""),
    row("PUT",    "/api/v1/me/preferences",                        ANY_USER, "1.5x with Japanese captions"),
    row("GET",    "/api/v1/me/assignments",                        ANY_USER, ""),
    row("GET",    "/api/v1/me/history",                            ANY_USER, ""),
    row("GET",    "/api/v1/assignments",                           MANAGERS,
        "the other manager gets only what reaches its own learners"),
    row("POST",   "/api/v1/assignments",                           [U, F, F, A, T422, A, U, U],
        "the published course to group A: to the other manager group A is not a group it may assign to (422)"),
    row("GET",    "/api/v1/assignments/{id}",                      SCOPED,
        "an assignment to group A made for the check"),
    row("DELETE", "/api/v1/assignments/{id}",                      ADMINS,
        "an admin's assignment to group A made for the check: managers delete only their own"),
    row("GET",    "/api/v1/reports/contents",                      [U, F, F, A, F, A, U, U],
        "?group=A: to the other manager group A is out of reach (403), not an empty report"),
    row("GET",    "/api/v1/users",                                 MANAGERS, ""),
    row("POST",   "/api/v1/users",                                 [U, F, F, A, F, A, U, U],
        "a learner in group A: the other manager may not put users into a group it does not manage (403)"),
    row("GET",    "/api/v1/users/{id}",                            SCOPED, "the learner of group A"),
    row("PATCH",  "/api/v1/users/{id}",                            SCOPED,
        "the learner of group A, its remarks only"),
    row("DELETE", "/api/v1/users/{id}",                            SCOPED,
        "a learner of group A made for the check"),
    row("POST",   "/api/v1/users/{id}/restore",                    ADMINS,
        "a learner of group A in the trash: only admins restore"),
    row("POST",   "/api/v1/users/{id}/password",                   SCOPED,
        "a learner of group A made for the check"),
    row("GET",    "/api/v1/groups",                                MANAGERS, ""),
    row("POST",   "/api/v1/groups",                                [U, F, F, A, T422, A, U, U],
        "a sub-group of A: managers create groups only below a group they manage; to the other manager group A is an unknown parent (422, as for any parent that does not exist)"),
    row("DELETE", "/api/v1/groups/{id}",                           ADMINS,
        "a sub-group of A made for the check: even its manager does not delete groups"),
    row("GET",    "/api/v1/groups/{id}/members",                   SCOPED, "group A"),
    row("POST",   "/api/v1/groups/{id}/members",                   SCOPED,
        "group A, its learner again (idempotent)"),
    row("DELETE", "/api/v1/groups/{id}/members/{user_id}",         SCOPED,
        "group A and a learner of it made for the check"),
    row("POST",   "/api/v1/groups/{id}/managers",                  ADMINS,
        "group A, its manager again (idempotent)"),
    row("POST",   "/api/v1/imports",                               MANAGERS,
        "a header-only CSV: an empty preview"),
    row("GET",    "/api/v1/imports/{id}",                          SCOPED,
        "manager A's import: admins see every import, managers their own"),
    row("POST",   "/api/v1/imports/{id}/apply",                    SCOPED,
        "an empty preview by manager A made for the check"),
    row("POST",   "/api/v1/imports/{id}/undo",                     SCOPED,
        "an empty import applied by manager A for the check"),
    row("GET",    "/api/v1/imports/{id}/passwords.csv",            [U, F, F, A, H, F, U, U],
        "manager A applied the import: only whoever applied it downloads the one-time passwords, admins included (API.md)"),
    row("GET",    "/api/v1/audit",                                 ADMINS, ""),
    row("GET",    "/api/v1/export/{file}",                         ADMINS, "users.csv"),
    row("GET",    "/api/v1/backups",                               ADMINS, ""),
    row("POST",   "/api/v1/backups",                               ADMINS, "a backup taken now"),
    row("GET",    "/api/v1/notices",                               ANY_USER, ""),
    row("POST",   "/api/v1/notices",                               ADMINS, "an incident notice"),
    row("PATCH",  "/api/v1/notices/{id}",                          ADMINS,
        "an incident notice made for the check, its body updated"),
    row("DELETE", "/api/v1/notices/{id}",                          ADMINS,
        "an incident notice made for the check"),
    row("GET",    "/api/v1/seats",                                 ADMINS, ""),
    row("GET",    "/api/v1/settings",                              ADMINS, ""),
    row("GET",    "/api/v1/trash",                                 ADMINS, ""),
    row("DELETE", "/api/v1/trash/{kind}/{id}",                     ADMINS,
        "a course trashed for the check, its title typed"),
    row("POST",   "/api/v1/trash/{kind}/{id}/restore",             ADMINS,
        "a course trashed for the check"),
    row("POST",   "/api/internal/jobs/claim",                      WORKER, ""),
    row("POST",   "/api/internal/jobs/{video}/{attempt}/progress", WORKER, ""),
    row("POST",   "/api/internal/jobs/{video}/{attempt}/finish",   WORKER, ""),
    row("GET",    "/api/internal/revoked",                         WORKER, ""),
    row("GET",    "/api/openapi.json",                             PUBLIC, ""),
    row("GET",    "/healthz",                                      PUBLIC, ""),
    row("GET",    "/readyz",                                       PUBLIC, ""),
    row("GET",    "/metrics",                                      PUBLIC,
        "Prometheus scrapes it; the operator network, not a user right, guards it"),
];

/// A request body.
enum Body {
    Empty,
    Json(Value),
    Raw(&'static str, Vec<u8>),
}

/// One check's request: the concrete path, the body, and — for a logout —
/// the session to send it with instead of the actor's own.
struct Probe {
    path: String,
    body: Body,
    session: Option<Session>,
}

impl Probe {
    fn at(path: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            body: Body::Empty,
            session: None,
        }
    }

    fn json(path: impl Into<String>, body: Value) -> Self {
        Self {
            body: Body::Json(body),
            ..Self::at(path)
        }
    }

    fn raw(path: impl Into<String>, content_type: &'static str, body: &str) -> Self {
        Self {
            body: Body::Raw(content_type, body.as_bytes().to_vec()),
            ..Self::at(path)
        }
    }
}

/// The request that checks `method route` for `actor`, making whatever the
/// check destroys; `None` when the route has no recipe here yet.
async fn probe(fx: &Fixture, method: &str, route: &str, actor: Actor) -> Option<Probe> {
    let (a, video, course) = (fx.group_a, fx.video, fx.course);
    let learner = fx.id(LEARNER);
    Some(match (method, route) {
        ("GET", "/api/v1/session") => Probe::at(route),
        ("POST", "/api/v1/session") => {
            Probe::json(route, json!({"email": PROBE, "password": PASSWORD}))
        }
        ("DELETE", "/api/v1/session") => Probe {
            session: fx.fresh_session(actor).await,
            ..Probe::at(route)
        },
        ("POST", "/api/v1/session/password") => Probe::json(
            route,
            json!({"current_password": PASSWORD, "new_password": "short"}),
        ),
        ("GET", "/api/v1/categories" | "/api/v1/courses") => Probe::at(route),
        ("POST", "/api/v1/courses") => Probe::json(
            route,
            json!({"category_id": 1, "title": format!("権限確認の講座{}", fx.serial())}),
        ),
        ("GET", "/api/v1/courses/{id}") => Probe::at(format!("/api/v1/courses/{course}")),
        ("PATCH", "/api/v1/courses/{id}") => Probe::json(
            format!("/api/v1/courses/{}", fx.draft),
            json!({"description": "権限の確認"}),
        ),
        ("DELETE", "/api/v1/courses/{id}") => {
            Probe::at(format!("/api/v1/courses/{}", fx.new_course().await.0))
        }
        ("POST", "/api/v1/courses/{id}/publish") => {
            Probe::at(format!("/api/v1/courses/{course}/publish"))
        }
        ("POST", "/api/v1/courses/{id}/unpublish") => Probe::at(format!(
            "/api/v1/courses/{}/unpublish",
            fx.new_course().await.0
        )),
        ("POST", "/api/v1/videos") => Probe::raw(route, "application/octet-stream", ""),
        ("GET", "/api/v1/videos/{id}") => Probe::at(format!("/api/v1/videos/{video}")),
        ("DELETE", "/api/v1/videos/{id}") => {
            Probe::at(format!("/api/v1/videos/{}", fx.new_video().await))
        }
        ("POST", "/api/v1/videos/{id}/play") => {
            Probe::json(format!("/api/v1/videos/{video}/play"), json!({}))
        }
        ("POST", "/api/v1/videos/{id}/cancel") => {
            Probe::at(format!("/api/v1/videos/{video}/cancel"))
        }
        ("POST", "/api/v1/videos/{id}/captions") => Probe::raw(
            format!("/api/v1/videos/{video}/captions?lang=ja"),
            "text/vtt",
            VTT,
        ),
        ("DELETE", "/api/v1/videos/{id}/captions/{lang}") => {
            fx.caption("en").await;
            Probe::at(format!("/api/v1/videos/{video}/captions/en"))
        }
        ("GET" | "DELETE", "/api/v1/videos/{id}/poster") => {
            Probe::at(format!("/api/v1/videos/{video}/poster"))
        }
        ("PUT", "/api/v1/videos/{id}/poster") => Probe::raw(
            format!("/api/v1/videos/{video}/poster"),
            "image/png",
            "表紙の画像ではありません",
        ),
        ("POST", "/api/v1/play/{session_id}/heartbeat") => Probe::json(
            format!("/api/v1/play/{}/heartbeat", fx.playback),
            json!({"seq": fx.serial(), "position_s": 0.0, "played": [], "rate": 1.0}),
        ),
        ("GET", "/api/v1/reports/viewing") => {
            Probe::at(format!("/api/v1/reports/viewing?group={a}"))
        }
        ("GET", "/api/v1/me/preferences") => Probe::at(route),
        ("PUT", "/api/v1/me/preferences") => {
            Probe::json(route, json!({"playback_rate": 1.5, "captions": "ja"}))
        }
        ("GET", "/api/v1/me/assignments" | "/api/v1/me/history" | "/api/v1/assignments") => {
            Probe::at(route)
        }
        ("POST", "/api/v1/assignments") => Probe::json(
            route,
            json!({"course_id": course, "due_on": "2030-03-31", "group_ids": [a]}),
        ),
        ("GET" | "DELETE", "/api/v1/assignments/{id}") => {
            let body = json!({"course_id": course, "due_on": "2030-03-31", "group_ids": [a]});
            let made = fx
                .admin_ok(Method::POST, "/api/v1/assignments", Body::Json(body))
                .await;
            Probe::at(format!("/api/v1/assignments/{}", made["id"]))
        }
        ("GET", "/api/v1/reports/contents") => {
            Probe::at(format!("/api/v1/reports/contents?group={a}"))
        }
        ("GET", "/api/v1/users") => Probe::at("/api/v1/users?per_page=500"),
        ("POST", "/api/v1/users") => Probe::json(route, fx.new_user_body()),
        ("GET", "/api/v1/users/{id}") => Probe::at(format!("/api/v1/users/{learner}")),
        ("PATCH", "/api/v1/users/{id}") => Probe::json(
            format!("/api/v1/users/{learner}"),
            json!({"remarks": "権限の確認"}),
        ),
        ("DELETE", "/api/v1/users/{id}") => {
            Probe::at(format!("/api/v1/users/{}", fx.new_learner().await))
        }
        ("POST", "/api/v1/users/{id}/restore") => {
            let id = fx.new_learner().await;
            fx.admin_ok(Method::DELETE, &format!("/api/v1/users/{id}"), Body::Empty)
                .await;
            Probe::at(format!("/api/v1/users/{id}/restore"))
        }
        ("POST", "/api/v1/users/{id}/password") => {
            Probe::at(format!("/api/v1/users/{}/password", fx.new_learner().await))
        }
        ("GET", "/api/v1/groups") => Probe::at(route),
        ("POST", "/api/v1/groups") => Probe::json(
            route,
            json!({"name": format!("権限確認係{}", fx.serial()), "parent_id": a}),
        ),
        ("DELETE", "/api/v1/groups/{id}") => {
            let body = json!({"name": format!("使い捨て係{}", fx.serial()), "parent_id": a});
            let sub = fx
                .admin_ok(Method::POST, "/api/v1/groups", Body::Json(body))
                .await;
            Probe::at(format!("/api/v1/groups/{}", sub["id"]))
        }
        ("GET", "/api/v1/groups/{id}/members") => Probe::at(format!("/api/v1/groups/{a}/members")),
        ("POST", "/api/v1/groups/{id}/members") => Probe::json(
            format!("/api/v1/groups/{a}/members"),
            json!({"user_id": learner}),
        ),
        ("DELETE", "/api/v1/groups/{id}/members/{user_id}") => Probe::at(format!(
            "/api/v1/groups/{a}/members/{}",
            fx.new_learner().await
        )),
        ("POST", "/api/v1/groups/{id}/managers") => Probe::json(
            format!("/api/v1/groups/{a}/managers"),
            json!({"user_id": fx.id(MANAGER_A)}),
        ),
        ("POST", "/api/v1/imports") => Probe::raw(route, "text/csv", CSV_HEADER),
        ("GET", "/api/v1/imports/{id}") => Probe::at(format!("/api/v1/imports/{}", fx.import)),
        ("POST", "/api/v1/imports/{id}/apply") => Probe::at(format!(
            "/api/v1/imports/{}/apply",
            fx.preview(CSV_HEADER).await
        )),
        ("POST", "/api/v1/imports/{id}/undo") => Probe::at(format!(
            "/api/v1/imports/{}/undo",
            fx.applied(CSV_HEADER.to_owned()).await
        )),
        // One file for every caller (each import hashes a password): only
        // manager A's check may take it, and every refusal is decided before
        // the file is looked at, so the order of the callers does not matter.
        ("GET", "/api/v1/imports/{id}/passwords.csv") => {
            Probe::at(format!("/api/v1/imports/{}/passwords.csv", fx.passwords))
        }
        ("GET" | "POST", "/api/v1/backups") => Probe::at(route),
        ("GET", "/api/v1/notices") => Probe::at(route),
        ("POST", "/api/v1/notices") => Probe::json(route, incident()),
        ("PATCH", "/api/v1/notices/{id}") => Probe::json(
            format!("/api/v1/notices/{}", fx.new_notice().await),
            json!({"body": "復旧しました。"}),
        ),
        ("DELETE", "/api/v1/notices/{id}") => {
            Probe::at(format!("/api/v1/notices/{}", fx.new_notice().await))
        }
        ("GET", "/api/v1/audit" | "/api/v1/seats" | "/api/v1/settings" | "/api/v1/trash") => {
            Probe::at(route)
        }
        ("GET", "/api/v1/export/{file}") => Probe::at("/api/v1/export/users.csv"),
        ("DELETE", "/api/v1/trash/{kind}/{id}") => {
            let (id, title) = fx.trashed_course().await;
            Probe::json(
                format!("/api/v1/trash/course/{id}"),
                json!({"confirm": title}),
            )
        }
        ("POST", "/api/v1/trash/{kind}/{id}/restore") => Probe::at(format!(
            "/api/v1/trash/course/{}/restore",
            fx.trashed_course().await.0
        )),
        ("POST", "/api/internal/jobs/claim") | ("GET", "/api/internal/revoked") => Probe::at(route),
        ("POST", "/api/internal/jobs/{video}/{attempt}/progress") => Probe::json(
            format!("/api/internal/jobs/{video}/1/progress"),
            json!({"progress": 0.5}),
        ),
        ("POST", "/api/internal/jobs/{video}/{attempt}/finish") => Probe::json(
            format!("/api/internal/jobs/{video}/1/finish"),
            json!({"outcome": "retry", "reason": "権限の確認"}),
        ),
        ("GET", "/api/openapi.json" | "/healthz" | "/readyz" | "/metrics") => Probe::at(route),
        _ => return None,
    })
}

/// One app with an object of every kind, and a session for every actor.
struct Fixture {
    app: TestApp,
    /// One per actor, in the order of [`ACTORS`].
    sessions: Vec<Session>,
    /// User ids by e-mail.
    ids: HashMap<&'static str, i64>,
    group_a: i64,
    /// A ready video, the lesson of `course`.
    video: i64,
    /// A published course.
    course: i64,
    /// A draft course.
    draft: i64,
    /// The learner's playback session of `video`.
    playback: String,
    /// An import previewed by manager A.
    import: i64,
    /// An import applied by manager A that created a learner: its one-time
    /// passwords wait for their one download.
    passwords: i64,
    serial: Cell<u32>,
}

impl Fixture {
    async fn new() -> Self {
        let data = tempfile::tempdir().unwrap();
        let token = ("MANABI_CATALOG__WORKER_TOKEN", WORKER_TOKEN);
        let app = spawn_role(manabi::roles::Role::All, data, &[token]).await;
        let mut ids = HashMap::new();
        for actor in ACTORS {
            if let Some((email, role)) = actor.account() {
                ids.insert(email, add_account(&app, email, role, None).await);
            }
        }
        let probe = catalog::password::hash(PASSWORD, PROBE_ROUNDS);
        add_account(&app, PROBE, Role::Learner, Some(probe)).await;
        let mut sessions = Vec::new();
        for actor in ACTORS {
            sessions.push(match actor.account() {
                Some((email, _)) => open_session(&app, ids[email]).await,
                None => pinned(&app.base, None, ""),
            });
        }
        let mut fx = Fixture {
            app,
            sessions,
            ids,
            group_a: 0,
            video: 0,
            course: 0,
            draft: 0,
            playback: String::new(),
            import: 0,
            passwords: 0,
            serial: Cell::new(0),
        };

        // The clip goes first among the objects: it transcodes while the rest
        // is set up.
        let bytes = std::fs::read(clip(fx.app.data_dir(), 1.0)).unwrap();
        let upload = fx.session(Actor::Editor).upload("権限確認.mp4", bytes);
        let (status, up) = json_of(upload.await).await;
        assert_eq!(status, StatusCode::CREATED, "{up}");
        fx.video = up["id"].as_i64().unwrap();

        let group = |name: &str| Body::Json(json!({"name": name}));
        let a = fx
            .admin_ok(Method::POST, "/api/v1/groups", group(GROUP_A))
            .await;
        let b = fx
            .admin_ok(Method::POST, "/api/v1/groups", group("財政課"))
            .await;
        fx.group_a = a["id"].as_i64().unwrap();
        for (g, user) in [(&a, MANAGER_A), (&b, MANAGER_B)] {
            let body = Body::Json(json!({"user_id": fx.id(user)}));
            let path = format!("/api/v1/groups/{}/managers", g["id"]);
            fx.admin_ok(Method::POST, &path, body).await;
        }
        let body = Body::Json(json!({"user_id": fx.id(LEARNER)}));
        let path = format!("/api/v1/groups/{}/members", fx.group_a);
        fx.admin_ok(Method::POST, &path, body).await;
        fx.import = fx.preview(CSV_HEADER).await;
        let csv = format!(
            "{CSV_HEADER}import.{IN_GROUP_A}@city.example.jp,取込 花子,learner,active,{GROUP_A},\n"
        );
        fx.passwords = fx.applied(csv).await;

        let lesson = json!({"category_id": 1, "title": "公開講座",
            "lessons": [{"title": "第1回", "video_id": fx.video}]});
        fx.course = fx.editor_ok(Method::POST, "/api/v1/courses", lesson).await;
        let draft = json!({"category_id": 1, "title": "下書き講座"});
        fx.draft = fx.editor_ok(Method::POST, "/api/v1/courses", draft).await;
        let (ready, _) = fx.session(Actor::Editor).wait_video(fx.video).await;
        assert_eq!(ready["status"], "ready", "{ready}");
        let publish = format!("/api/v1/courses/{}/publish", fx.course);
        let editor = fx.session(Actor::Editor);
        ok(editor, Method::POST, &publish, Body::Empty).await;
        let play = format!("/api/v1/videos/{}/play", fx.video);
        let learner = fx.session(Actor::Learner);
        let started = ok(learner, Method::POST, &play, Body::Json(json!({}))).await;
        fx.playback = started["session_id"].as_str().unwrap().to_owned();

        // The disabled admin: its session opened above, then another admin
        // disables the account.
        let disable = format!("/api/v1/users/{}", fx.id(DISABLED));
        let body = Body::Json(json!({"status": "disabled"}));
        fx.admin_ok(Method::PATCH, &disable, body).await;
        fx.expire_sessions_of(EXPIRED).await;
        fx
    }

    fn session(&self, actor: Actor) -> &Session {
        &self.sessions[actor as usize]
    }

    fn id(&self, email: &str) -> i64 {
        self.ids[email]
    }

    /// A number not used before in this fixture, for unique names.
    fn serial(&self) -> u32 {
        self.serial.set(self.serial.get() + 1);
        self.serial.get()
    }

    async fn admin_ok(&self, method: Method, path: &str, body: Body) -> Value {
        ok(self.session(Actor::Admin), method, path, body).await
    }

    /// Sends as the editor; the new object's id.
    async fn editor_ok(&self, method: Method, path: &str, body: Value) -> i64 {
        let made = ok(self.session(Actor::Editor), method, path, Body::Json(body)).await;
        made["id"].as_i64().unwrap()
    }

    /// Makes the sessions of `email` older than both session lifetimes
    /// (`catalog.session_idle_minutes`, `catalog.session_absolute_hours`),
    /// as if two days had passed since its last request.
    async fn expire_sessions_of(&self, email: &'static str) {
        let catalog = self.app.app.as_ref().unwrap().catalog().unwrap();
        let past = (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(48)).to_string();
        let expired = catalog
            .state
            .db
            .call(move |c| {
                Ok(c.execute(
                    "UPDATE login_sessions SET created_at = ?1, last_seen_at = ?1
                     WHERE user_id = (SELECT id FROM users WHERE email = ?2)",
                    [past.as_str(), email],
                )?)
            })
            .await
            .unwrap();
        assert_eq!(expired, 1, "one session of {email}");
    }

    /// A new session of the actor's account, for a check that ends it;
    /// `None` for the actors that cannot log in.
    async fn fresh_session(&self, actor: Actor) -> Option<Session> {
        match actor {
            Actor::Anonymous | Actor::Disabled | Actor::Expired => None,
            _ => Some(open_session(&self.app, self.id(actor.account()?.0)).await),
        }
    }

    /// A draft course and its title.
    async fn new_course(&self) -> (i64, String) {
        let title = format!("使い捨て講座{}", self.serial());
        let body = json!({"category_id": 1, "title": title});
        (
            self.editor_ok(Method::POST, "/api/v1/courses", body).await,
            title,
        )
    }

    /// An incident notice published by the admin.
    async fn new_notice(&self) -> i64 {
        let admin = self.session(Actor::Admin);
        let notice = ok(
            admin,
            Method::POST,
            "/api/v1/notices",
            Body::Json(incident()),
        )
        .await;
        notice["id"].as_i64().unwrap()
    }

    /// A draft course in the trash, and its title.
    async fn trashed_course(&self) -> (i64, String) {
        let (id, title) = self.new_course().await;
        let (editor, path) = (self.session(Actor::Editor), format!("/api/v1/courses/{id}"));
        ok(editor, Method::DELETE, &path, Body::Empty).await;
        (id, title)
    }

    /// A video in no course. Made in the catalog directly: an upload would
    /// start a transcode, and trashing looks at the catalog only.
    async fn new_video(&self) -> i64 {
        let catalog = self.app.app.as_ref().unwrap().catalog().unwrap();
        let (editor, title) = (
            UserId::new(self.id(EDITOR)),
            format!("使い捨て{}", self.serial()),
        );
        let now = jiff::Timestamp::now();
        let id = catalog
            .state
            .db
            .call(move |c| Ok(catalog::videos::create(c, &title, 1, editor, now)?))
            .await
            .unwrap();
        id.get()
    }

    /// Uploads (or replaces) the `lang` caption track of the video.
    async fn caption(&self, lang: &str) {
        let path = format!("/api/v1/videos/{}/captions?lang={lang}", self.video);
        let body = Body::Raw("text/vtt", VTT.as_bytes().to_vec());
        ok(self.session(Actor::Editor), Method::POST, &path, body).await;
    }

    /// A new learner of group A, as `POST /api/v1/users` takes it.
    fn new_user_body(&self) -> Value {
        json!({"email": format!("user{}.{IN_GROUP_A}@city.example.jp", self.serial()),
               "name": "権限 確認", "role": "learner", "groups": [self.group_a]})
    }

    /// A learner of group A, made by the admin.
    async fn new_learner(&self) -> i64 {
        let body = Body::Json(self.new_user_body());
        let user = self.admin_ok(Method::POST, "/api/v1/users", body).await;
        user["id"].as_i64().unwrap()
    }

    /// An import of `csv` previewed by manager A.
    async fn preview(&self, csv: &str) -> i64 {
        let body = Body::Raw("text/csv", csv.as_bytes().to_vec());
        let manager = self.session(Actor::ManagerOwn);
        let preview = ok(manager, Method::POST, "/api/v1/imports", body).await;
        preview["id"].as_i64().unwrap()
    }

    /// An import of `csv` previewed and applied by manager A.
    async fn applied(&self, csv: String) -> i64 {
        let id = self.preview(&csv).await;
        let (manager, path) = (
            self.session(Actor::ManagerOwn),
            format!("/api/v1/imports/{id}/apply"),
        );
        ok(manager, Method::POST, &path, Body::Empty).await;
        id
    }
}

/// Creates an account in the catalog; its id.
async fn add_account(app: &TestApp, email: &str, role: Role, hash: Option<String>) -> i64 {
    let catalog = app.app.as_ref().unwrap().catalog().unwrap();
    let email = Email::parse(email).unwrap();
    let created = catalog
        .state
        .db
        .call(move |c| {
            let new = catalog::users::NewUser {
                email: &email,
                name: "権限 確認",
                role,
                password_hash: hash.as_deref(),
            };
            Ok(catalog::users::create(c, &new, jiff::Timestamp::now()))
        })
        .await
        .unwrap();
    created.unwrap().get()
}

/// A login session of `user`, opened in the catalog as a login opens it but
/// without the 600,000-round password check (seconds each on a busy CI
/// machine; logging in itself is the `POST /api/v1/session` row).
async fn open_session(app: &TestApp, user: i64) -> Session {
    let catalog = app.app.as_ref().unwrap().catalog().unwrap();
    let now = jiff::Timestamp::now();
    let new = catalog
        .state
        .db
        .call(move |c| Ok(catalog::sessions::create(c, UserId::new(user), now)?))
        .await
        .unwrap();
    let cookie = format!("{}={}", catalog::sessions::COOKIE, new.token);
    pinned(&app.base, Some(&cookie), &new.csrf_token)
}

/// A session that always sends `cookie` (none: anonymous) and `csrf`.
fn pinned(base: &str, cookie: Option<&str>, csrf: &str) -> Session {
    let mut headers = HeaderMap::new();
    if let Some(cookie) = cookie {
        headers.insert(COOKIE, HeaderValue::from_str(cookie).unwrap());
    }
    Session {
        client: Client::builder()
            .default_headers(headers)
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap(),
        csrf: csrf.to_owned(),
        base: base.to_owned(),
    }
}

/// Sends as `s`, with its CSRF token (if it has one).
async fn send(s: &Session, method: &Method, path: &str, body: Body) -> Response {
    let mut req = s.client.request(method.clone(), s.url(path));
    if !s.csrf.is_empty() {
        req = req.header("x-csrf-token", &s.csrf);
    }
    req = match body {
        Body::Empty => req,
        Body::Json(value) => req.json(&value),
        Body::Raw(content_type, bytes) => req.header(CONTENT_TYPE, content_type).body(bytes),
    };
    req.send().await.unwrap()
}

async fn json_of(resp: Response) -> (StatusCode, Value) {
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Sends as `s` and returns the JSON answer; fails the test unless it is a success.
async fn ok(s: &Session, method: Method, path: &str, body: Body) -> Value {
    let (status, value) = json_of(send(s, &method, path, body).await).await;
    assert!(status.is_success(), "{method} {path}: {status} {value}");
    value
}

/// An incident notice's body.
fn incident() -> Value {
    json!({"kind": "incident", "title": "権限確認の障害", "body": "確認中です。"})
}

/// Prints `rows` as one table and fails, unless there are none.
fn fail_with(title: &str, header: [&str; 4], rows: &[[String; 4]]) {
    if rows.is_empty() {
        return;
    }
    let width = |i: usize| {
        rows.iter()
            .map(|r| r[i].chars().count())
            .chain([header[i].len()])
            .max()
            .unwrap_or(0)
    };
    let widths = [width(0), width(1), width(2), width(3)];
    let line = |cells: [&str; 4]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
            .collect();
        padded.join(" | ").trim_end().to_owned()
    };
    let mut table = vec![line(header)];
    table.push(widths.map(|w| "-".repeat(w)).join("-|-"));
    for r in rows {
        table.push(line([&r[0], &r[1], &r[2], &r[3]]));
    }
    panic!("{title} ({}):\n{}", rows.len(), table.join("\n"));
}

#[test]
fn every_declared_route_has_exactly_one_expectation_row() {
    let mut rows = Vec::new();
    for &(path, methods) in ROUTES {
        for &method in methods {
            let n = MATRIX
                .iter()
                .filter(|r| r.method == method && r.path == path)
                .count();
            if n != 1 {
                let problem = if n == 0 {
                    "declared by the router, no row in MATRIX: add one"
                } else {
                    "more than one row in MATRIX"
                };
                rows.push([method.into(), path.into(), problem.into(), String::new()]);
            }
        }
    }
    for r in MATRIX {
        let declared = ROUTES
            .iter()
            .any(|&(path, methods)| path == r.path && methods.contains(&r.method));
        if !declared {
            let problem = "row in MATRIX, but the router does not declare it: remove the row";
            rows.push([
                r.method.into(),
                r.path.into(),
                problem.into(),
                String::new(),
            ]);
        }
    }
    fail_with(
        "authorisation matrix out of step with catalog::api::ROUTES",
        ["method", "path", "problem", ""],
        &rows,
    );
}

#[tokio::test]
async fn every_path_answers_only_its_declared_methods() {
    let app = spawn_app().await;
    let client = Client::new();
    let mut rows = Vec::new();
    for &(path, methods) in ROUTES {
        // Any value will do: the method is refused before the handler runs.
        let concrete: Vec<&str> = path
            .split('/')
            .map(|s| if s.starts_with('{') { "1" } else { s })
            .collect();
        let url = format!("{}{}", app.base, concrete.join("/"));
        let mut declared: BTreeSet<String> = methods.iter().map(|m| m.to_string()).collect();
        if declared.contains("GET") {
            declared.insert("HEAD".into());
        }
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            if declared.contains(method) {
                continue;
            }
            let resp = client
                .request(method.parse().unwrap(), &url)
                .send()
                .await
                .unwrap();
            let allow: BTreeSet<String> = resp
                .headers()
                .get(ALLOW)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .split(',')
                .map(|m| m.trim().to_owned())
                .filter(|m| !m.is_empty())
                .collect();
            if resp.status() != StatusCode::METHOD_NOT_ALLOWED || allow != declared {
                let want = format!("405, Allow: {}", Vec::from_iter(declared.clone()).join(","));
                let got = format!(
                    "{}, Allow: {}",
                    resp.status().as_u16(),
                    Vec::from_iter(allow).join(",")
                );
                rows.push([method.into(), path.into(), want, got]);
            }
        }
    }
    fail_with(
        "paths answering methods they do not declare",
        ["method", "path", "expected", "got"],
        &rows,
    );
}

#[tokio::test]
async fn every_route_answers_every_caller_as_the_matrix_says() {
    let started = Instant::now();
    let fx = Fixture::new().await;
    let set_up = started.elapsed();
    let mut rows = Vec::new();
    let mut checks = 0;
    for &(path, methods) in ROUTES {
        for &method in methods {
            // A route without a row fails `every_declared_route_has_exactly_one_expectation_row`.
            let Some(row) = MATRIX.iter().find(|r| r.method == method && r.path == path) else {
                continue;
            };
            for (actor, expect) in ACTORS.into_iter().zip(row.cells) {
                let route = format!("{method} {path}");
                let Some(probe) = probe(&fx, method, path, actor).await else {
                    rows.push([
                        route,
                        "-".into(),
                        "a request in probe()".into(),
                        "none".into(),
                    ]);
                    break;
                };
                let session = probe.session.as_ref().unwrap_or(fx.session(actor));
                let resp = send(session, &method.parse().unwrap(), &probe.path, probe.body).await;
                let status = resp.status();
                let text = resp.text().await.unwrap_or_default();
                let code = serde_json::from_str::<Value>(&text)
                    .ok()
                    .and_then(|v| v["error"]["code"].as_str().map(str::to_owned))
                    .unwrap_or_default();
                checks += 1;
                let got = format!("{} {code}", status.as_u16());
                if !expect.admits(status, &code) {
                    let want = if row.why.is_empty() {
                        expect.to_string()
                    } else {
                        format!("{expect} — {}", row.why)
                    };
                    rows.push([route, actor.label().into(), want, got]);
                } else if actor == Actor::ManagerOther
                    && status.is_success()
                    && text.contains(IN_GROUP_A)
                {
                    let want = "nothing about group A's users".into();
                    rows.push([
                        route,
                        actor.label().into(),
                        want,
                        format!("{got} naming one"),
                    ]);
                }
            }
        }
    }
    println!(
        "authorisation matrix: {checks} checks in {:.1?} (fixture {:.1?})",
        started.elapsed(),
        set_up
    );
    fail_with(
        "authorisation matrix mismatches",
        ["route", "caller", "expected", "got"],
        &rows,
    );
}
