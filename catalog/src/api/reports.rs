//! `GET /api/v1/reports/viewing` and `GET /api/v1/reports/contents` (admin;
//! managers for their own groups). `Accept: text/csv` gives the same report
//! as CSV, with the exports' rules (UTF-8 with BOM or `?encoding=shift_jis`,
//! formula triggers neutralised).

use super::extract::{ApiQuery, CurrentUser};
use super::{ApiError, AppState};
use crate::csvfile::{self, Encoding};
use crate::reports::{self, ContentsReport, Granularity, MAX_DAYS, Scope, ViewingReport};
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use domain::{Role, UserId};
use jiff::civil::Date;
use serde::Deserialize;

/// Query parameters.
#[derive(Debug, Deserialize)]
pub struct ViewingQuery {
    #[serde(default, deserialize_with = "super::extract::day")]
    from: Option<Date>,
    #[serde(default, deserialize_with = "super::extract::day")]
    to: Option<Date>,
    granularity: Option<Granularity>,
    group: Option<i64>,
    user: Option<UserId>,
    /// For CSV: `utf8` (with BOM, the default) or `shift_jis`.
    encoding: Option<String>,
    /// `group`: also the totals per group (in the caller's reach).
    by: Option<String>,
}

/// Whose viewing the caller may see: admins everyone or a group with its
/// sub-groups; managers their groups (or one of them), never more.
///
/// A group or user the caller names must exist (404) and, for a manager,
/// be within reach (403): a group they manage, a user who has been in one.
/// An empty report instead would read as "nobody watched".
pub fn scope(
    c: &rusqlite::Connection,
    me: &CurrentUser,
    group: Option<i64>,
    user: Option<UserId>,
) -> Result<Scope, ApiError> {
    if let Some(g) = group
        && !crate::groups::exists(c, domain::GroupId::new(g))?
    {
        return Err(ApiError::NotFound);
    }
    if let Some(u) = user
        && !crate::people::exists(c, u)?
    {
        return Err(ApiError::NotFound);
    }
    if me.role == Role::Admin {
        return Ok(match group {
            None => Scope::All,
            Some(g) => Scope::Groups(reports::subtree(c, g)?),
        });
    }
    let mine: Vec<i64> = crate::groups::managed_by(c, me.id)?
        .into_iter()
        .map(domain::GroupId::get)
        .collect();
    let groups = match group {
        Some(g) if mine.contains(&g) => reports::subtree(c, g)?,
        Some(_) => return Err(ApiError::Forbidden),
        None => mine,
    };
    if let Some(u) = user
        && !reports::ever_member(c, u, &groups)?
    {
        return Err(ApiError::Forbidden);
    }
    Ok(Scope::Groups(groups))
}

/// `[from, to]` from the query: by default the 30 days to today.
fn period(
    state: &AppState,
    from: Option<Date>,
    to: Option<Date>,
) -> Result<(Date, Date), ApiError> {
    let today = state.today();
    let to = to.unwrap_or(today);
    let from = from.unwrap_or_else(|| to.saturating_sub(jiff::Span::new().days(29)));
    if from > to {
        return Err(ApiError::Invalid(
            "開始日は終了日以前にしてください (from must not be after to)".into(),
        ));
    }
    if !(2000..=2099).contains(&from.year()) || !(2000..=2099).contains(&to.year()) {
        return Err(ApiError::Invalid(
            "期間は2000年から2099年までの日付にしてください (dates out of range)".into(),
        ));
    }
    if (to - from).get_days() > MAX_DAYS {
        return Err(ApiError::Invalid(format!(
            "期間は{MAX_DAYS}日以内にしてください (period too long)"
        )));
    }
    Ok((from, to))
}

/// Whether the client prefers CSV to JSON, by `Accept` and its `q`
/// weights (RFC 9110 §12.5.1): CSV only when it is acceptable and weighs
/// more than JSON; JSON, the default, wins a tie (`*/*`, no `Accept`).
pub fn wants_csv(headers: &HeaderMap) -> bool {
    let accept = headers
        .get_all(axum::http::header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    let csv = weight(&accept, "text", "csv");
    csv > 0.0 && csv > weight(&accept, "application", "json")
}

/// The weight `accept` gives `kind/sub`: that of the most specific range
/// naming it (`kind/sub`, then `kind/*`, then `*/*`), 0 when none does.
fn weight(accept: &str, kind: &str, sub: &str) -> f32 {
    let mut best: Option<(u8, f32)> = None;
    for range in accept.split(',') {
        let mut params = range.split(';');
        let Some((k, s)) = params.next().and_then(|t| t.trim().split_once('/')) else {
            continue;
        };
        let specific = match (k.trim(), s.trim()) {
            (k, s) if k.eq_ignore_ascii_case(kind) && s.eq_ignore_ascii_case(sub) => 2,
            (k, "*") if k.eq_ignore_ascii_case(kind) => 1,
            ("*", "*") => 0,
            _ => continue,
        };
        let q = params
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0)
            .clamp(0.0, 1.0);
        if best.is_none_or(|(s, _)| specific > s) {
            best = Some((specific, q));
        }
    }
    best.map_or(0.0, |(_, q)| q)
}

#[cfg(test)]
mod tests {
    use super::wants_csv;
    use axum::http::{HeaderMap, HeaderValue, header::ACCEPT};

    #[test]
    fn csv_times_are_local_and_to_the_second() {
        let tokyo = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap();
        assert_eq!(
            super::csv_time(Some("2026-11-27T14:41:19.099357451Z"), &tokyo),
            "2026-11-27T23:41:19+09:00"
        );
        assert_eq!(super::csv_time(None, &tokyo), "");
    }

    #[test]
    fn csv_is_chosen_by_accept_and_its_weights() {
        let csv = |accept: &str| {
            let mut h = HeaderMap::new();
            h.insert(ACCEPT, HeaderValue::from_str(accept).unwrap());
            wants_csv(&h)
        };
        assert!(!wants_csv(&HeaderMap::new()), "no Accept: JSON");
        for yes in [
            "text/csv",
            "text/csv; charset=utf-8",
            "text/*",
            "application/json;q=0.5, text/csv",
            "TEXT/CSV",
        ] {
            assert!(csv(yes), "{yes}");
        }
        for no in [
            "application/json",
            "*/*",
            "application/json, text/csv;q=0.1",
            "text/csv;q=0",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "text/csv;q=0.5, */*;q=0.5",
        ] {
            assert!(!csv(no), "{no}");
        }
    }
}

/// `table` as a CSV download named `name`.
pub fn csv(
    table: &[Vec<String>],
    name: &str,
    encoding: Option<&str>,
) -> Result<Response, ApiError> {
    let encoding = super::export::encoding(encoding)?;
    let mut unmappable = Vec::new();
    let bytes = super::export::encode(name, table, encoding, &mut unmappable);
    if !unmappable.is_empty() {
        return Err(super::export::refuse_unmappable(unmappable));
    }
    Ok(super::export::download(
        super::export::csv_type(encoding),
        name,
        bytes,
    ))
}

/// Viewing seconds per user per period.
pub async fn viewing(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<ViewingQuery>,
) -> Result<Response, ApiError> {
    me.require(Role::can_manage_people)?;
    let (from, to) = period(&state, q.from, q.to)?;
    let granularity = q.granularity.unwrap_or(Granularity::Day);
    let tz = state.tz.clone();
    let (group, user, actor) = (q.group, q.user, me.id);
    let by_group = match q.by.as_deref() {
        None => false,
        Some("group") => true,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "by は group のみ指定できます: {other} (by must be group)"
            )));
        }
    };
    if wants_csv(&headers)
        && !by_group
        && super::export::encoding(q.encoding.as_deref())? != Encoding::ShiftJis
    {
        // UTF-8 can be written as it comes: streamed, user by user, in flat
        // memory. (Shift_JIS is checked whole first, so that a character it
        // cannot hold is reported before anything is sent; the groups'
        // totals come after the users' rows, from the whole report.)
        let scope = state
            .db
            .call(move |c| Ok(scope(c, &me, group, user)))
            .await??;
        let request = Streamed {
            from,
            to,
            granularity,
            scope,
            user,
        };
        let detail = serde_json::json!({"group": group, "user": user});
        super::export::audit_download(
            &state,
            actor,
            jiff::Timestamp::now(),
            &format!("viewing-{from}-{to}.csv"),
            detail,
        )
        .await?;
        return stream_viewing_csv(&state, request);
    }
    let report = state
        .db
        .call(move |c| {
            let scope = match scope(c, &me, group, user) {
                Ok(scope) => scope,
                Err(e) => return Ok(Err(e)),
            };
            let mut report = reports::viewing(c, from, to, granularity, &tz, &scope, user)?;
            if by_group {
                let visible: Vec<i64> = match &scope {
                    Scope::All => crate::groups::list(c, None)?
                        .iter()
                        .filter(|g| g.parent_id.is_none())
                        .map(|g| g.id.get())
                        .collect(),
                    Scope::Groups(groups) => groups.clone(),
                };
                report.groups = Some(reports::group_totals(
                    c,
                    from,
                    to,
                    granularity,
                    &tz,
                    &visible,
                )?);
            }
            Ok(Ok(report))
        })
        .await??;
    if wants_csv(&headers) {
        let name = format!("viewing-{from}-{to}.csv");
        let answer = csv(&viewing_table(&report), &name, q.encoding.as_deref())?;
        let detail = serde_json::json!({"group": group, "user": user, "by": q.by});
        super::export::audit_download(&state, actor, jiff::Timestamp::now(), &name, detail).await?;
        return Ok(answer);
    }
    Ok(Json(report).into_response())
}

/// The viewing report as a table: a row per user, a column per period,
/// then the totals, then (`by=group`) a row per group with its path.
fn viewing_table(report: &ViewingReport) -> Vec<Vec<String>> {
    let mut table = vec![viewing_header(&report.periods)];
    table.extend(report.rows.iter().map(viewing_cells));
    table.push(totals_cells(&report.totals));
    for group in report.groups.iter().flatten() {
        let mut cells = vec!["グループ (group)".to_owned(), group.path.clone()];
        cells.extend(group.seconds.iter().map(ToString::to_string));
        cells.push(group.total_seconds.to_string());
        table.push(cells);
    }
    table
}

fn viewing_header(periods: &[Date]) -> Vec<String> {
    let mut header = vec!["email".to_owned(), "name".to_owned()];
    header.extend(periods.iter().map(ToString::to_string));
    header.push("total_seconds".to_owned());
    header
}

fn viewing_cells(row: &reports::ViewingRow) -> Vec<String> {
    let mut cells = vec![row.email.clone(), row.name.clone()];
    cells.extend(row.seconds.iter().map(ToString::to_string));
    cells.push(row.total_seconds.to_string());
    cells
}

fn totals_cells(totals: &reports::Totals) -> Vec<String> {
    let mut cells = vec!["合計 (total)".to_owned(), String::new()];
    cells.extend(totals.seconds.iter().map(ToString::to_string));
    cells.push(totals.total_seconds.to_string());
    cells
}

/// What a streamed viewing report covers.
struct Streamed {
    from: Date,
    to: Date,
    granularity: Granularity,
    scope: Scope,
    user: Option<UserId>,
}

/// Bytes gathered before they go to the client.
const CHUNK: usize = 64 * 1024;

/// The viewing report as UTF-8 CSV (with BOM), written while it is read
/// from a read-only connection of its own: memory stays flat however many
/// users, and the catalog's connection stays free for everything else.
fn stream_viewing_csv(state: &AppState, request: Streamed) -> Result<Response, ApiError> {
    let reader = state.db.reader()?;
    let tz = state.tz.clone();
    let Streamed {
        from,
        to,
        granularity,
        scope,
        user,
    } = request;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(4);
    tokio::task::spawn_blocking(move || {
        let mut buffer = String::from("\u{FEFF}");
        buffer += &csvfile::to_text(&[viewing_header(&reports::periods(from, to, granularity))]);
        let flush =
            |buffer: &mut String| tx.blocking_send(Ok(std::mem::take(buffer).into())).is_ok();
        let mut emit = |_: &[Date], row: reports::ViewingRow| {
            buffer += &csvfile::to_text(&[viewing_cells(&row)]);
            buffer.len() < CHUNK || flush(&mut buffer)
        };
        let done =
            reports::viewing_each(&reader, from, to, granularity, &tz, &scope, user, &mut emit);
        match done {
            Ok(totals) => {
                buffer += &csvfile::to_text(&[totals_cells(&totals)]);
                flush(&mut buffer);
            }
            Err(e) => {
                // The client sees a broken download, never a silently short file.
                tracing::error!(error = %e, "streaming a report failed");
                let _ = tx.blocking_send(Err(std::io::Error::other(e.to_string())));
            }
        }
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    Ok(super::export::download(
        "text/csv; charset=utf-8",
        &format!("viewing-{from}-{to}.csv"),
        axum::body::Body::from_stream(body),
    ))
}

/// Query parameters of the contents report.
#[derive(Debug, Deserialize)]
pub struct ContentsQuery {
    #[serde(default, deserialize_with = "super::extract::day")]
    from: Option<Date>,
    #[serde(default, deserialize_with = "super::extract::day")]
    to: Option<Date>,
    group: Option<i64>,
    user: Option<UserId>,
    /// For CSV: `users` (what each user watched, the default) or `contents`.
    table: Option<String>,
    /// For CSV: `utf8` (with BOM, the default) or `shift_jis`.
    encoding: Option<String>,
}

/// Per content and per user: who watched what, how long, how much of it.
pub async fn contents(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<ContentsQuery>,
) -> Result<Response, ApiError> {
    me.require(Role::can_manage_people)?;
    let (from, to) = period(&state, q.from, q.to)?;
    let tz = state.tz.clone();
    let (group, user, actor) = (q.group, q.user, me.id);
    let report = state
        .db
        .call(move |c| {
            Ok(match scope(c, &me, group, user) {
                Ok(scope) => Ok(reports::contents(c, from, to, &tz, &scope, user)?),
                Err(e) => Err(e),
            })
        })
        .await??;
    if wants_csv(&headers) {
        let (table, name) = match q.table.as_deref() {
            None | Some("users") => (watched_table(&report, &state.tz), "watched"),
            Some("contents") => (contents_table(&report), "contents"),
            Some(other) => {
                return Err(ApiError::BadRequest(format!(
                    "table は users か contents です: {other} (table must be users or contents)"
                )));
            }
        };
        let name = format!("{name}-{from}-{to}.csv");
        let answer = csv(&table, &name, q.encoding.as_deref())?;
        let detail = serde_json::json!({"group": group, "user": user});
        super::export::audit_download(&state, actor, jiff::Timestamp::now(), &name, detail).await?;
        return Ok(answer);
    }
    Ok(Json(report).into_response())
}

fn percent(share: f64) -> String {
    format!("{:.1}", share * 100.0)
}

/// A stored instant as a CSV cell: to the second, in the service's
/// timezone with its offset (`2026-11-27T23:41:19+09:00`), as the audit
/// log shows it; empty when there is none.
pub fn csv_time(stored: Option<&str>, tz: &jiff::tz::TimeZone) -> String {
    let Some(stored) = stored else {
        return String::new();
    };
    stored
        .parse::<jiff::Timestamp>()
        .map_or_else(|_| stored.to_owned(), |t| crate::audit::local_time(t, tz))
}

fn watched_table(report: &ContentsReport, tz: &jiff::tz::TimeZone) -> Vec<Vec<String>> {
    let mut table = vec![
        [
            "email",
            "name",
            "video_id",
            "title",
            "seconds",
            "coverage_percent",
            "completed",
            "last_viewed_at",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    for user in &report.users {
        for w in &user.watched {
            table.push(vec![
                user.email.clone(),
                user.name.clone(),
                w.video_id.to_string(),
                w.title.clone(),
                w.seconds.to_string(),
                percent(w.coverage),
                if w.completed { "修了" } else { "" }.to_owned(),
                csv_time(w.last_viewed_at.as_deref(), tz),
            ]);
        }
    }
    table
}

fn contents_table(report: &ContentsReport) -> Vec<Vec<String>> {
    let mut table = vec![
        [
            "video_id",
            "course_id",
            "title",
            "viewers",
            "total_seconds",
            "completions",
            "completion_percent",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    for c in &report.contents {
        table.push(vec![
            c.video_id.to_string(),
            c.course_id.map(|id| id.to_string()).unwrap_or_default(),
            c.title.clone(),
            c.viewers.to_string(),
            c.total_seconds.to_string(),
            c.completions.to_string(),
            percent(c.completion_rate),
        ]);
    }
    table
}
