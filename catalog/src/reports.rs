//! Reports from the per-day rollup.

use domain::UserId;
use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// How days are grouped into report periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    /// One period per calendar day.
    Day,
    /// Weeks starting on Monday (ISO 8601).
    Week,
    /// Calendar months.
    Month,
}

/// Longest period a report may span, in days (about ten years).
pub const MAX_DAYS: i32 = 3700;

/// The viewing report (API.md "Shapes that clients rely on").
#[derive(Debug, Serialize)]
pub struct ViewingReport {
    /// First day, inclusive.
    pub from: Date,
    /// Last day, inclusive.
    pub to: Date,
    /// Period grouping.
    pub granularity: Granularity,
    /// The timezone whose days these are.
    pub timezone: String,
    /// First day of each period (clipped to `from`).
    pub periods: Vec<Date>,
    /// One row per user in scope.
    pub rows: Vec<ViewingRow>,
    /// Column sums.
    pub totals: Totals,
    /// With `?by=group`: totals per group ([`group_totals`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<GroupTotals>>,
}

/// One user's viewing seconds per period.
#[derive(Debug, Serialize)]
pub struct ViewingRow {
    /// The user.
    pub user_id: UserId,
    /// Their e-mail.
    pub email: String,
    /// Their name.
    pub name: String,
    /// Whole seconds per period.
    pub seconds: Vec<i64>,
    /// Sum of `seconds`.
    pub total_seconds: i64,
}

/// Sums over all rows.
#[derive(Debug, Serialize)]
pub struct Totals {
    /// Per period.
    pub seconds: Vec<i64>,
    /// Overall.
    pub total_seconds: i64,
}

/// Which users a report covers.
#[derive(Debug, Clone)]
pub enum Scope {
    /// Everyone (admins).
    All,
    /// Members of these groups — each group with its sub-groups already
    /// included ([`subtree`]) — counted only on the days they were members.
    Groups(Vec<i64>),
}

/// `group` and every group below it.
pub fn subtree(conn: &Connection, group: i64) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "WITH RECURSIVE tree(id) AS (
             SELECT id FROM groups WHERE id = ?1
             UNION SELECT g.id FROM groups g JOIN tree t ON g.parent_id = t.id)
         SELECT id FROM tree",
    )?;
    stmt.query_map([group], |r| r.get(0))?.collect()
}

/// Whether `user` has ever been a member of one of `groups` (membership
/// history, so a user transferred out still counts for the days before).
pub fn ever_member(conn: &Connection, user: UserId, groups: &[i64]) -> rusqlite::Result<bool> {
    let mut stmt = conn.prepare_cached(
        "SELECT 1 FROM membership_history WHERE user_id = ?1 AND group_id = ?2 LIMIT 1",
    )?;
    for &group in groups {
        if stmt.exists(params![user.get(), group])? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Milliseconds of viewing as whole seconds, rounded to the nearest: how
/// reports, exports and the learner's history all show them.
pub fn whole_seconds(ms: i64) -> i64 {
    (ms + 500) / 1000
}

/// Days of membership, `[from, until)`; `until` `None`: still a member.
type Spans = Vec<(Date, Option<Date>)>;

/// The users a report is about, and for a group scope the days each of
/// them belonged to one of the groups (membership as of the viewing date:
/// an April transfer does not move March's viewing to the new section).
#[derive(Debug, Default)]
pub struct Audience {
    /// `(id, email, name)` by e-mail, deleted users too: their viewing
    /// happened, and a report of past days must not change when someone
    /// leaves (a purged user's row names nobody).
    pub users: Vec<(i64, String, String)>,
    /// The users among them who are deleted (in the trash, or purged): a
    /// row of theirs is listed only when they viewed something.
    deleted: std::collections::HashSet<i64>,
    /// Per user, the days of membership `[from, until)`; `None`: every day.
    days: Option<HashMap<i64, Spans>>,
}

impl Audience {
    /// Whether the row of `user` with `total` seconds is listed: everyone
    /// in the audience, a deleted user only with some viewing.
    pub fn lists(&self, user: i64, total: i64) -> bool {
        total > 0 || !self.deleted.contains(&user)
    }

    /// Whether `user`'s viewing on `day` belongs to the report.
    pub fn counts(&self, user: i64, day: Date) -> bool {
        match &self.days {
            None => true,
            Some(days) => days.get(&user).is_some_and(|spans| {
                spans
                    .iter()
                    .any(|(from, until)| *from <= day && until.is_none_or(|u| day < u))
            }),
        }
    }

    /// The users in `scope` (one of them with `user`) who could have viewed
    /// something in `[from, to]`, in `tz`'s days.
    pub fn load(
        conn: &Connection,
        scope: &Scope,
        user: Option<UserId>,
        from: Date,
        to: Date,
        tz: &jiff::tz::TimeZone,
    ) -> rusqlite::Result<Self> {
        let mut stmt = conn.prepare_cached(
            "SELECT id, email, name, deleted_at IS NOT NULL FROM users
             WHERE (?1 IS NULL OR id = ?1) ORDER BY email",
        )?;
        let mut everyone = Vec::new();
        let mut deleted = std::collections::HashSet::new();
        let mut rows = stmt.query([user.map(UserId::get)])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            if r.get::<_, bool>(3)? {
                deleted.insert(id);
            }
            everyone.push((id, r.get(1)?, r.get(2)?));
        }
        let Scope::Groups(groups) = scope else {
            return Ok(Self {
                users: everyone,
                deleted,
                days: None,
            });
        };
        let local = |utc: &str| {
            utc.parse::<jiff::Timestamp>()
                .map(|t| t.to_zoned(tz.clone()).date())
                .ok()
        };
        let mut days: HashMap<i64, Spans> = HashMap::new();
        let mut stmt = conn.prepare_cached(
            "SELECT user_id, joined_at, left_at FROM membership_history WHERE group_id = ?1",
        )?;
        for group in groups {
            let mut rows = stmt.query([group])?;
            while let Some(r) = rows.next()? {
                let Some(joined) = local(&r.get::<_, String>(1)?) else {
                    continue;
                };
                let left = r.get::<_, Option<String>>(2)?.and_then(|l| local(&l));
                // Only spans that touch the report's days matter.
                if joined <= to && left.is_none_or(|l| l > from) {
                    days.entry(r.get(0)?).or_default().push((joined, left));
                }
            }
        }
        Ok(Self {
            users: everyone
                .into_iter()
                .filter(|(id, ..)| days.contains_key(id))
                .collect(),
            deleted,
            days: Some(days),
        })
    }
}

/// The first day of every period between `from` and `to`.
pub fn periods(from: Date, to: Date, g: Granularity) -> Vec<Date> {
    let mut out = vec![from];
    let mut day = from;
    loop {
        let next = match g {
            Granularity::Day => day.tomorrow().ok(),
            Granularity::Week => day.nth_weekday(1, Weekday::Monday).ok(),
            Granularity::Month => day.first_of_month().checked_add(1.month()).ok(),
        };
        match next {
            Some(n) if n <= to => {
                out.push(n);
                day = n;
            }
            _ => return out,
        }
    }
}

/// The whole calendar months inside `[from, to]`: `(first day, last day)`.
fn whole_months(from: Date, to: Date) -> Option<(Date, Date)> {
    let first = if from.day() == 1 {
        from
    } else {
        from.first_of_month().checked_add(1.month()).ok()?
    };
    let last = if to == to.last_of_month() {
        to
    } else {
        to.first_of_month().yesterday().ok()?
    };
    (first <= last).then_some((first, last))
}

/// Builds the viewing report for `[from, to]`.
pub fn viewing(
    conn: &Connection,
    from: Date,
    to: Date,
    granularity: Granularity,
    tz: &jiff::tz::TimeZone,
    scope: &Scope,
    user: Option<UserId>,
) -> rusqlite::Result<ViewingReport> {
    let periods = periods(from, to, granularity);
    let audience = Audience::load(conn, scope, user, from, to, tz)?;
    let index_of = |day: Date| periods.partition_point(|p| *p <= day).saturating_sub(1);
    let mut ms: HashMap<(i64, usize), i64> = HashMap::new();
    // A monthly report for everyone (or one user) takes its whole months
    // from the user × month rollup; a group's needs each day's membership.
    let mut daily = vec![(from, to)];
    if granularity == Granularity::Month
        && matches!(scope, Scope::All)
        && let Some((first, last)) = whole_months(from, to)
    {
        let months = (
            first.strftime("%Y-%m").to_string(),
            last.strftime("%Y-%m").to_string(),
        );
        // As for the days below: one statement per case, each with its index.
        let mut everyone = conn.prepare_cached(
            "SELECT user_id, month, credited_ms FROM viewing_monthly WHERE month BETWEEN ?1 AND ?2",
        )?;
        let mut one_user = conn.prepare_cached(
            "SELECT user_id, month, credited_ms FROM viewing_monthly
             WHERE user_id = ?3 AND month BETWEEN ?1 AND ?2",
        )?;
        let mut rows = match user {
            Some(u) => one_user.query(params![months.0, months.1, u.get()])?,
            None => everyone.query(params![months.0, months.1])?,
        };
        while let Some(r) = rows.next()? {
            let month: String = r.get(1)?;
            let Ok(start) = format!("{month}-01").parse::<Date>() else {
                continue;
            };
            *ms.entry((r.get(0)?, index_of(start))).or_default() += r.get::<_, i64>(2)?;
        }
        daily.clear();
        if from < first {
            daily.push((from, first.yesterday().unwrap_or(first)));
        }
        if last < to {
            daily.push((last.tomorrow().unwrap_or(last), to));
        }
    }
    // Days: everyone's in one pass; a group's user by user (the index).
    let who: Vec<Option<i64>> = match (scope, user) {
        (_, Some(u)) => vec![Some(u.get())],
        (Scope::All, None) => vec![None],
        (Scope::Groups(_), None) => audience.users.iter().map(|u| Some(u.0)).collect(),
    };
    // Two statements, so that SQLite can use an index for each: one user's
    // days by the primary key, everyone's by the day index.
    let mut everyone = conn.prepare_cached(
        "SELECT user_id, day, SUM(credited_ms) FROM viewing_daily
         WHERE day BETWEEN ?1 AND ?2 GROUP BY user_id, day",
    )?;
    let mut one_user = conn.prepare_cached(
        "SELECT user_id, day, SUM(credited_ms) FROM viewing_daily
         WHERE user_id = ?3 AND day BETWEEN ?1 AND ?2 GROUP BY day",
    )?;
    for (first, last) in daily {
        for one in &who {
            let (first, last) = (first.to_string(), last.to_string());
            let mut rows = match one {
                Some(id) => one_user.query(params![first, last, id])?,
                None => everyone.query(params![first, last])?,
            };
            while let Some(r) = rows.next()? {
                let day: String = r.get(1)?;
                let Ok(day) = day.parse::<Date>() else {
                    continue;
                };
                let id: i64 = r.get(0)?;
                if audience.counts(id, day) {
                    *ms.entry((id, index_of(day))).or_default() += r.get::<_, i64>(2)?;
                }
            }
        }
    }
    let mut totals = vec![0; periods.len()];
    let rows: Vec<ViewingRow> = audience
        .users
        .iter()
        .filter_map(|(id, email, name)| {
            let seconds: Vec<i64> = (0..periods.len())
                .map(|i| whole_seconds(ms.get(&(*id, i)).copied().unwrap_or(0)))
                .collect();
            let total_seconds = seconds.iter().sum();
            if !audience.lists(*id, total_seconds) {
                return None;
            }
            for (t, s) in totals.iter_mut().zip(&seconds) {
                *t += s;
            }
            Some(ViewingRow {
                user_id: UserId::new(*id),
                email: email.clone(),
                name: name.clone(),
                total_seconds,
                seconds,
            })
        })
        .collect();
    let total_seconds = totals.iter().sum();
    Ok(ViewingReport {
        from,
        to,
        granularity,
        timezone: tz.iana_name().unwrap_or("UTC").to_owned(),
        periods,
        rows,
        totals: Totals {
            seconds: totals,
            total_seconds,
        },
        groups: None,
    })
}

/// The viewing report one user at a time, for exports of any size in flat
/// memory: `emit` gets each row in e-mail order (and may stop the report by
/// returning `false`); the periods and the totals are returned at the end.
/// Each user's days (or whole months, for a monthly report) are read by key.
#[allow(clippy::too_many_arguments)]
pub fn viewing_each(
    conn: &Connection,
    from: Date,
    to: Date,
    granularity: Granularity,
    tz: &jiff::tz::TimeZone,
    scope: &Scope,
    user: Option<UserId>,
    emit: &mut dyn FnMut(&[Date], ViewingRow) -> bool,
) -> rusqlite::Result<Totals> {
    let periods = periods(from, to, granularity);
    let index_of = |day: Date| periods.partition_point(|p| *p <= day).saturating_sub(1);
    let audience = Audience::load(conn, scope, user, from, to, tz)?;
    let months = (granularity == Granularity::Month && matches!(scope, Scope::All))
        .then(|| whole_months(from, to))
        .flatten();
    let daily: Vec<(Date, Date)> = match months {
        None => vec![(from, to)],
        Some((first, last)) => [
            (from < first).then(|| (from, first.yesterday().unwrap_or(first))),
            (last < to).then(|| (last.tomorrow().unwrap_or(last), to)),
        ]
        .into_iter()
        .flatten()
        .collect(),
    };
    let mut by_month = conn.prepare_cached(
        "SELECT month, credited_ms FROM viewing_monthly WHERE user_id = ?1 AND month BETWEEN ?2 AND ?3",
    )?;
    let mut by_day = conn.prepare_cached(
        "SELECT day, SUM(credited_ms) FROM viewing_daily
         WHERE user_id = ?1 AND day BETWEEN ?2 AND ?3 GROUP BY day",
    )?;
    let mut totals = vec![0; periods.len()];
    for (id, email, name) in &audience.users {
        let mut ms = vec![0i64; periods.len()];
        if let Some((first, last)) = months {
            let mut rows = by_month.query(params![
                id,
                first.strftime("%Y-%m").to_string(),
                last.strftime("%Y-%m").to_string()
            ])?;
            while let Some(r) = rows.next()? {
                if let Ok(start) = format!("{}-01", r.get::<_, String>(0)?).parse::<Date>() {
                    ms[index_of(start)] += r.get::<_, i64>(1)?;
                }
            }
        }
        for (first, last) in &daily {
            let mut rows = by_day.query(params![id, first.to_string(), last.to_string()])?;
            while let Some(r) = rows.next()? {
                if let Ok(day) = r.get::<_, String>(0)?.parse::<Date>()
                    && audience.counts(*id, day)
                {
                    ms[index_of(day)] += r.get::<_, i64>(1)?;
                }
            }
        }
        let seconds: Vec<i64> = ms.iter().map(|m| whole_seconds(*m)).collect();
        let total_seconds = seconds.iter().sum();
        if !audience.lists(*id, total_seconds) {
            continue;
        }
        for (t, s) in totals.iter_mut().zip(&seconds) {
            *t += s;
        }
        let row = ViewingRow {
            user_id: UserId::new(*id),
            email: email.clone(),
            name: name.clone(),
            total_seconds,
            seconds,
        };
        if !emit(&periods, row) {
            break;
        }
    }
    Ok(Totals {
        total_seconds: totals.iter().sum(),
        seconds: totals,
    })
}

/// One group's viewing seconds per period: its members' and its
/// sub-groups' members', each day counted for the groups the user belonged
/// to that day (a member of two sub-groups counts once for the parent).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct GroupTotals {
    /// The group.
    pub group_id: i64,
    /// Its path, `総務部/人事課`.
    pub path: String,
    /// Whole seconds per period.
    pub seconds: Vec<i64>,
    /// Their sum.
    pub total_seconds: i64,
}

/// Totals per group for `[from, to]`, for the groups in `visible` (with
/// their sub-groups), in path order.
pub fn group_totals(
    conn: &Connection,
    from: Date,
    to: Date,
    granularity: Granularity,
    tz: &jiff::tz::TimeZone,
    visible: &[i64],
) -> rusqlite::Result<Vec<GroupTotals>> {
    let periods = periods(from, to, granularity);
    let tree = crate::groups::list(conn, None)?;
    let parent: HashMap<i64, Option<i64>> = tree
        .iter()
        .map(|g| (g.id.get(), g.parent_id.map(domain::GroupId::get)))
        .collect();
    let local = |utc: &str| {
        utc.parse::<jiff::Timestamp>()
            .map(|t| t.to_zoned(tz.clone()).date())
            .ok()
    };
    // Each user's memberships: (group, [joined, left)).
    let mut spans: HashMap<i64, Vec<(i64, Date, Option<Date>)>> = HashMap::new();
    let mut stmt =
        conn.prepare("SELECT user_id, group_id, joined_at, left_at FROM membership_history")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let Some(joined) = local(&r.get::<_, String>(2)?) else {
            continue;
        };
        let left = r.get::<_, Option<String>>(3)?.and_then(|l| local(&l));
        spans
            .entry(r.get(0)?)
            .or_default()
            .push((r.get(1)?, joined, left));
    }
    // Whole seconds per (group, period): each member's milliseconds in the
    // group are rounded as that member's cell is, so that a group's total
    // is the sum of its members' cells (viewing-time.md).
    let mut seconds: HashMap<(i64, usize), i64> = HashMap::new();
    // The current user's milliseconds per (group, period).
    let mut ms: HashMap<(i64, usize), i64> = HashMap::new();
    let mut flush = |ms: &mut HashMap<(i64, usize), i64>| {
        for (key, user_ms) in ms.drain() {
            *seconds.entry(key).or_default() += whole_seconds(user_ms);
        }
    };
    let mut stmt = conn.prepare(
        "SELECT user_id, day, SUM(credited_ms) FROM viewing_daily WHERE day BETWEEN ?1 AND ?2
         GROUP BY user_id, day ORDER BY user_id, day",
    )?;
    let mut rows = stmt.query(params![from.to_string(), to.to_string()])?;
    let mut reached = std::collections::BTreeSet::new();
    let mut current = None;
    while let Some(r) = rows.next()? {
        let (user, day): (i64, String) = (r.get(0)?, r.get(1)?);
        if current != Some(user) {
            flush(&mut ms);
            current = Some(user);
        }
        let (Some(user_spans), Ok(day)) = (spans.get(&user), day.parse::<Date>()) else {
            continue;
        };
        // The groups the user was in that day, and every group above them.
        reached.clear();
        for (group, joined, left) in user_spans {
            if *joined <= day && left.is_none_or(|l| day < l) {
                let mut at = Some(*group);
                while let Some(g) = at {
                    if !reached.insert(g) {
                        break;
                    }
                    at = parent.get(&g).copied().flatten();
                }
            }
        }
        let index = periods.partition_point(|p| *p <= day).saturating_sub(1);
        let credited: i64 = r.get(2)?;
        for g in &reached {
            *ms.entry((*g, index)).or_default() += credited;
        }
    }
    flush(&mut ms);
    let mut shown: Vec<i64> = Vec::new();
    for g in visible {
        shown.extend(subtree(conn, *g)?);
    }
    Ok(tree
        .into_iter()
        .filter(|g| shown.contains(&g.id.get()))
        .map(|g| {
            let id = g.id.get();
            let seconds: Vec<i64> = (0..periods.len())
                .map(|i| seconds.get(&(id, i)).copied().unwrap_or(0))
                .collect();
            GroupTotals {
                group_id: id,
                path: g.path,
                total_seconds: seconds.iter().sum(),
                seconds,
            }
        })
        .collect())
}

/// Parts of a video in the audience-retention curve.
pub const RETENTION_PARTS: usize = 20;

/// The contents report (API.md "Shapes that clients rely on").
#[derive(Debug, Serialize)]
pub struct ContentsReport {
    /// First day, inclusive.
    pub from: Date,
    /// Last day, inclusive.
    pub to: Date,
    /// The timezone whose days these are.
    pub timezone: String,
    /// Per video watched in the period.
    pub contents: Vec<ContentRow>,
    /// Per user who watched something in the period.
    pub users: Vec<UserWatched>,
}

/// One video's audience in the period.
#[derive(Debug, Serialize)]
pub struct ContentRow {
    /// The video.
    pub video_id: i64,
    /// A course it is a lesson of (the oldest), if any.
    pub course_id: Option<i64>,
    /// Its course and lesson, `講座 ― 回`; the video's own title (its
    /// file's name) when no course holds it.
    pub title: String,
    /// Users in scope credited with viewing time in the period.
    pub viewers: u32,
    /// Their viewing time in the period, whole seconds.
    pub total_seconds: i64,
    /// How many of them have completed it (coverage ≥ the threshold).
    pub completions: u32,
    /// `completions / viewers` (0 without viewers).
    pub completion_rate: f64,
    /// For each of [`RETENTION_PARTS`] parts of the video, how many of the
    /// viewers played at least half of it.
    pub retention: Vec<u32>,
}

/// What one user watched in the period.
#[derive(Debug, Serialize)]
pub struct UserWatched {
    /// The user.
    pub user_id: i64,
    /// Their e-mail.
    pub email: String,
    /// Their name.
    pub name: String,
    /// Per video.
    pub watched: Vec<Watched>,
}

/// One user × video.
#[derive(Debug, Serialize)]
pub struct Watched {
    /// The video.
    pub video_id: i64,
    /// Its course and lesson, `講座 ― 回`; the video's own title (its
    /// file's name) when no course holds it.
    pub title: String,
    /// Viewing time in the period, whole seconds.
    pub seconds: i64,
    /// Share of the video's seconds ever played (0..1).
    pub coverage: f64,
    /// Coverage reached the completion threshold.
    pub completed: bool,
    /// Last heartbeat with played media (UTC).
    pub last_viewed_at: Option<String>,
}

/// Builds the contents report for `[from, to]`: everyone in `scope`, or
/// only `user`.
pub fn contents(
    conn: &Connection,
    from: Date,
    to: Date,
    tz: &jiff::tz::TimeZone,
    scope: &Scope,
    user: Option<UserId>,
) -> rusqlite::Result<ContentsReport> {
    let audience = Audience::load(conn, scope, user, from, to, tz)?;
    // Viewing time per (user, video) in the period, on the days that count.
    let mut ms: HashMap<(i64, i64), i64> = HashMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT user_id, video_id, day, credited_ms FROM viewing_daily WHERE day BETWEEN ?1 AND ?2",
    )?;
    let mut rows = stmt.query(params![from.to_string(), to.to_string()])?;
    while let Some(r) = rows.next()? {
        let (user, video, day): (i64, i64, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
        if day.parse::<Date>().is_ok_and(|d| audience.counts(user, d)) {
            *ms.entry((user, video)).or_default() += r.get::<_, i64>(3)?;
        }
    }
    let known: HashMap<i64, &(i64, String, String)> =
        audience.users.iter().map(|u| (u.0, u)).collect();
    ms.retain(|(user, _), v| *v > 0 && known.contains_key(user));

    let mut by_video: std::collections::BTreeMap<i64, Vec<i64>> = Default::default();
    for (user, video) in ms.keys() {
        by_video.entry(*video).or_default().push(*user);
    }
    let mut video_stmt = conn.prepare_cached(
        "SELECT COALESCE(k.title || ' ― ' || l.title, v.title), k.id
         FROM videos v
         LEFT JOIN lessons l ON l.id = (
             SELECT l2.id FROM lessons l2 JOIN courses k2 ON k2.id = l2.course_id
             WHERE l2.video_id = v.id AND k2.deleted_at IS NULL ORDER BY k2.id, l2.position LIMIT 1)
         LEFT JOIN courses k ON k.id = l.course_id
         WHERE v.id = ?1",
    )?;
    let mut progress_stmt = conn.prepare_cached(
        "SELECT covered, length_s, completed_at, last_viewed_at FROM viewing_progress
         WHERE user_id = ?1 AND video_id = ?2",
    )?;
    let mut contents = Vec::new();
    let mut watched: HashMap<i64, Vec<Watched>> = HashMap::new();
    for (video, users) in &by_video {
        let (title, course_id): (String, Option<i64>) =
            video_stmt.query_row([video], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let mut bitmaps = Vec::new();
        let mut length = 0usize;
        let (mut completions, mut total_seconds) = (0u32, 0i64);
        for user in users {
            let seconds_ms = ms[&(*user, *video)];
            total_seconds += whole_seconds(seconds_ms);
            let progress = progress_stmt
                .query_row(params![user, video], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                })
                .optional()?;
            let (coverage, completed, last) = match progress {
                Some((covered, len, completed_at, last)) => {
                    let len_s = usize::try_from(len).unwrap_or(0);
                    length = length.max(len_s);
                    bitmaps.push(crate::playback::coverage_of(conn, *user, *video, len_s)?);
                    (
                        crate::coverage::share(
                            usize::try_from(covered).unwrap_or(0),
                            usize::try_from(len).unwrap_or(0),
                        ),
                        completed_at.is_some(),
                        Some(last),
                    )
                }
                // Time carried over from another system: no coverage known.
                None => (0.0, false, None),
            };
            completions += u32::from(completed);
            watched.entry(*user).or_default().push(Watched {
                video_id: *video,
                title: title.clone(),
                seconds: whole_seconds(seconds_ms),
                coverage,
                completed,
                last_viewed_at: last,
            });
        }
        let viewers = u32::try_from(users.len()).unwrap_or(u32::MAX);
        contents.push(ContentRow {
            video_id: *video,
            course_id,
            title,
            viewers,
            total_seconds,
            completions,
            completion_rate: if viewers == 0 {
                0.0
            } else {
                f64::from(completions) / f64::from(viewers)
            },
            retention: crate::coverage::retention(
                bitmaps.iter().map(Vec::as_slice),
                length,
                RETENTION_PARTS,
            ),
        });
    }
    let users = audience
        .users
        .iter()
        .filter_map(|(id, email, name)| {
            let mut list = watched.remove(id)?;
            list.sort_by_key(|w| w.video_id);
            Some(UserWatched {
                user_id: *id,
                email: email.clone(),
                name: name.clone(),
                watched: list,
            })
        })
        .collect();
    Ok(ContentsReport {
        from,
        to,
        timezone: tz.iana_name().unwrap_or("UTC").to_owned(),
        contents,
        users,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn periods_start_at_from_and_follow_the_calendar() {
        assert_eq!(
            periods(d("2026-04-29"), d("2026-05-02"), Granularity::Day).len(),
            4
        );
        // 2026-04-01 is a Wednesday.
        assert_eq!(
            periods(d("2026-04-01"), d("2026-04-14"), Granularity::Week),
            vec![d("2026-04-01"), d("2026-04-06"), d("2026-04-13")]
        );
        assert_eq!(
            periods(d("2026-01-15"), d("2026-03-01"), Granularity::Month),
            vec![d("2026-01-15"), d("2026-02-01"), d("2026-03-01")]
        );
    }
}

#[cfg(test)]
mod as_of_tests {
    use super::*;
    use crate::db::Db;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    /// 総務部 → 人事課, and 財政課. Taro moves from 財政課 to 人事課 on
    /// 2026-04-01 (09:00 in Tokyo); he watched on 03-31 and on 04-01.
    async fn transfer() -> (tempfile::TempDir, Db, i64, i64, i64) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("c.db"), &crate::keyfile::Key::generate()).unwrap();
        let ids = db
            .call(|c| {
                crate::courses::seed_categories(c)?;
                let at = "2026-01-01T00:00:00Z";
                c.execute(
                    "INSERT INTO users (id, email, name, role, created_at, updated_at) VALUES
                     (1, 'taro@x.jp', '太郎', 'learner', ?1, ?1), (2, 'hana@x.jp', '花子', 'learner', ?1, ?1)",
                    [at],
                )?;
                c.execute(
                    "INSERT INTO groups (id, name, parent_id, created_at) VALUES
                     (1, '総務部', NULL, ?1), (2, '人事課', 1, ?1), (3, '財政課', NULL, ?1)",
                    [at],
                )?;
                c.execute(
                    "INSERT INTO videos (id, title, uploaded_by, size_bytes, status, created_at, updated_at)
                     VALUES (1, '研修', 1, 1, 'ready', ?1, ?1)",
                    [at],
                )?;
                // The history as the triggers would have written it, at these
                // times; 0.4 s more each on April 1, which round away per cell.
                c.execute_batch(
                    "INSERT INTO membership_history (group_id, user_id, joined_at, left_at) VALUES
                     (3, 1, '2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z'),
                     (2, 1, '2026-04-01T00:00:00Z', NULL),
                     (2, 2, '2026-01-01T00:00:00Z', NULL);
                     INSERT INTO viewing_daily (user_id, video_id, day, credited_ms) VALUES
                     (1, 1, '2026-03-31', 60000), (1, 1, '2026-04-01', 120400), (2, 1, '2026-03-31', 30000),
                     (2, 1, '2026-04-01', 400);",
                )?;
                Ok((1, 2, 3))
            })
            .await
            .unwrap();
        (dir, db, ids.0, ids.1, ids.2)
    }

    #[tokio::test]
    async fn the_contents_report_of_one_user_has_that_user_only() {
        let (_dir, db, ..) = transfer().await;
        let tz = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap();
        let (one, everyone) = db
            .call(move |c| {
                let report =
                    |user| contents(c, d("2026-03-01"), d("2026-04-30"), &tz, &Scope::All, user);
                Ok((report(Some(UserId::new(2)))?, report(None)?))
            })
            .await
            .unwrap();
        let users = |r: &ContentsReport| r.users.iter().map(|u| u.user_id).collect::<Vec<_>>();
        assert_eq!(users(&one), vec![2]);
        assert_eq!(users(&everyone).len(), 2);
        assert_eq!(one.contents[0].total_seconds, 30);
    }

    #[tokio::test]
    async fn a_deleted_users_viewing_stays_in_the_reports_of_those_days() {
        let (_dir, db, _bu, _ka, zaisei) = transfer().await;
        let reports = move |c: &mut Connection| -> Result<_, crate::db::DbError> {
            let tz = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap();
            let (from, to) = (d("2026-03-01"), d("2026-04-30"));
            let day = Granularity::Day;
            let mut each = Vec::new();
            viewing_each(c, from, to, day, &tz, &Scope::All, None, &mut |_, row| {
                each.push(row.email);
                true
            })?;
            let all = viewing(c, from, to, day, &tz, &Scope::All, None)?;
            let group = viewing(
                c,
                from,
                to,
                day,
                &tz,
                &Scope::Groups(subtree(c, zaisei)?),
                None,
            )?;
            let seen = contents(c, from, to, &tz, &Scope::All, None)?;
            Ok((each, all, group, seen))
        };
        let before = db.call(reports).await.unwrap();
        // Taro leaves the ward (the trash, then purged: no name, no e-mail),
        // and someone who never watched anything is deleted too.
        db.call(|c| {
            c.execute_batch(
                "UPDATE users SET deleted_at = '2026-05-01T00:00:00Z',
                   email = 'purged-1@invalid', name = '' WHERE id = 1;
                 INSERT INTO users (id, email, name, role, created_at, updated_at, deleted_at)
                   VALUES (3, 'jiro@x.jp', '次郎', 'learner', 't', 't', '2026-05-01T00:00:00Z');",
            )?;
            Ok(())
        })
        .await
        .unwrap();
        let after = db.call(reports).await.unwrap();
        assert_eq!(
            after.0,
            vec!["hana@x.jp", "purged-1@invalid"],
            "no row for Jiro"
        );
        assert_eq!(after.1.totals.seconds, before.1.totals.seconds);
        assert_eq!(after.1.rows.len(), 2);
        assert_eq!(
            after.2.totals.seconds, before.2.totals.seconds,
            "財政課 keeps Taro's March"
        );
        let viewers = |r: &ContentsReport| {
            r.contents
                .iter()
                .map(|c| (c.viewers, c.total_seconds))
                .collect::<Vec<_>>()
        };
        assert_eq!(viewers(&after.3), viewers(&before.3));
        assert_eq!(after.3.users.len(), 2);
    }

    #[tokio::test]
    async fn a_transfer_moves_only_the_days_after_it_and_sub_groups_count() {
        let (_dir, db, bu, _ka, zaisei) = transfer().await;
        let tz = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap();
        let (by_bu, by_zaisei, all) = db
            .call(move |c| {
                let report = |scope: &Scope| {
                    viewing(
                        c,
                        d("2026-03-31"),
                        d("2026-04-01"),
                        Granularity::Day,
                        &tz,
                        scope,
                        None,
                    )
                };
                Ok((
                    report(&Scope::Groups(subtree(c, bu)?))?,
                    report(&Scope::Groups(subtree(c, zaisei)?))?,
                    report(&Scope::All)?,
                ))
            })
            .await
            .unwrap();
        let cells = |r: &ViewingReport| -> Vec<(String, Vec<i64>)> {
            r.rows
                .iter()
                .map(|row| (row.email.clone(), row.seconds.clone()))
                .collect()
        };
        // 総務部 includes 人事課: Taro from April 1 only, Hanako throughout.
        assert_eq!(
            cells(&by_bu),
            vec![
                ("hana@x.jp".into(), vec![30, 0]),
                ("taro@x.jp".into(), vec![0, 120])
            ]
        );
        // 財政課 keeps Taro's March.
        assert_eq!(cells(&by_zaisei), vec![("taro@x.jp".into(), vec![60, 0])]);
        assert_eq!(all.totals.seconds, vec![90, 120]);
        // Totals per group agree with each group's own report.
        let totals = db
            .call(move |c| {
                let tz = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap();
                Ok(group_totals(
                    c,
                    d("2026-03-31"),
                    d("2026-04-01"),
                    Granularity::Day,
                    &tz,
                    &[bu, zaisei],
                )?)
            })
            .await
            .unwrap();
        let paths: Vec<(&str, &[i64])> = totals
            .iter()
            .map(|g| (g.path.as_str(), g.seconds.as_slice()))
            .collect();
        assert_eq!(
            paths,
            vec![
                ("総務部", by_bu.totals.seconds.as_slice()),
                ("総務部/人事課", &[30, 120][..]),
                ("財政課", by_zaisei.totals.seconds.as_slice()),
            ]
        );
        // Every second is in exactly one group's report here.
        assert_eq!(
            by_bu.totals.total_seconds + by_zaisei.totals.total_seconds,
            all.totals.total_seconds
        );
    }

    #[tokio::test]
    async fn the_contents_report_shows_coverage_completion_and_retention() {
        let (_dir, db, bu, _ka, _zaisei) = transfer().await;
        let tz = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap();
        let report = db
            .call(move |c| {
                // Taro played the whole 100 s video, Hanako its first 30 s.
                let mut full = Vec::new();
                crate::coverage::mark(&mut full, 100, &[(0.0, 100.0)], 1000.0);
                let mut part = Vec::new();
                crate::coverage::mark(&mut part, 100, &[(0.0, 30.0)], 1000.0);
                c.execute(
                    "INSERT INTO viewing_progress VALUES
                     (1, 1, 100, 100, '2026-03-31T00:00:00Z', '2026-04-01T00:00:00Z', '2026-04-01T00:00:00Z'),
                     (2, 1, 30, 100, '2026-03-31T00:00:00Z', '2026-03-31T00:00:00Z', NULL)",
                    [],
                )?;
                c.execute(
                    "INSERT INTO coverage_chunks VALUES (1, 1, 0, ?1), (2, 1, 0, ?2)",
                    params![crate::coverage::Stored(full), crate::coverage::Stored(part)],
                )?;
                Ok(contents(c, d("2026-03-31"), d("2026-04-01"), &tz, &Scope::Groups(subtree(c, bu)?), None)?)
            })
            .await
            .unwrap();
        assert_eq!(report.contents.len(), 1);
        let row = &report.contents[0];
        assert_eq!(
            (
                row.viewers,
                row.total_seconds,
                row.completions,
                row.completion_rate
            ),
            (2, 150, 1, 0.5)
        );
        assert_eq!(row.retention[..7], [2, 2, 2, 2, 2, 2, 1]);
        assert_eq!(row.retention[19], 1);
        let taro = report
            .users
            .iter()
            .find(|u| u.email == "taro@x.jp")
            .unwrap();
        assert_eq!(taro.watched.len(), 1);
        assert_eq!(
            (
                taro.watched[0].seconds,
                taro.watched[0].coverage,
                taro.watched[0].completed
            ),
            (120, 1.0, true),
            "only April counts for 総務部"
        );
    }
}

#[cfg(test)]
mod rollup_tests {
    use super::*;
    use crate::db::Db;
    use domain::VideoId;
    use rand::{Rng, SeedableRng};

    /// Randomised viewing through the real heartbeat path — pauses, seeks,
    /// rates, repeated and reordered heartbeats, two tabs at once, sessions
    /// across Tokyo's midnight — then the daily and monthly reports against a
    /// brute-force recomputation from the raw ledger alone (each heartbeat's
    /// credited milliseconds, split by the same day rule at its arrival).
    #[tokio::test]
    async fn reports_equal_a_recomputation_from_the_raw_heartbeats() {
        use crate::playback::{self, Heartbeat};
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("c.db"), &crate::keyfile::Key::generate()).unwrap();
        let tz = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap();
        db.call(move |c| {
            let mut rng = rand::rngs::StdRng::seed_from_u64(11);
            let at = "2026-01-01T00:00:00Z";
            for u in 1..=4 {
                c.execute(
                    "INSERT INTO users (id, email, role, created_at, updated_at) VALUES (?1, ?2, 'learner', ?3, ?3)",
                    params![u, format!("u{u}@x.jp"), at],
                )?;
            }
            for v in 1..=2 {
                c.execute(
                    "INSERT INTO videos (id, title, uploaded_by, size_bytes, status, duration_s, created_at, updated_at)
                     VALUES (?1, 'v', 1, 1, 'ready', 900, ?2, ?2)",
                    params![v, at],
                )?;
            }
            // Around midnight in Tokyo on 2026-03-31 → 04-01 (15:00Z).
            let base: jiff::Timestamp = "2026-03-31T14:00:00Z".parse().unwrap();
            for _ in 0..40 {
                let user = UserId::new(rng.random_range(1..=4));
                let video = VideoId::new(rng.random_range(1..=2));
                let mut now = base + jiff::SignedDuration::from_secs(rng.random_range(0..7200));
                let (session, _) = playback::start(c, user, video, "default", None, now, now)?;
                let mut pos: f64 = rng.random_range(0.0..800.0);
                let mut sent = Vec::new();
                for seq in 1..=rng.random_range(1..30) {
                    now += jiff::SignedDuration::from_millis(rng.random_range(500..40_000));
                    let rate = [0.5, 1.0, 1.5, 2.0][rng.random_range(0..4)];
                    if rng.random_bool(0.1) {
                        pos = rng.random_range(0.0..890.0); // a seek
                    }
                    let length = rng.random_range(0.0..30.0) * if rng.random_bool(0.2) { 5.0 } else { 1.0 };
                    let end = (pos + length).min(900.0);
                    let hb = Heartbeat { seq, position_s: end, played: vec![[pos, end]], rate };
                    pos = end;
                    let tx = c.transaction()?;
                    playback::apply(&tx, &session, user, &hb, now, &tz, 0.95).unwrap();
                    tx.commit()?;
                    sent.push(hb);
                    // Sometimes an old heartbeat again, late.
                    if rng.random_bool(0.15) {
                        let old = &sent[rng.random_range(0..sent.len())];
                        let tx = c.transaction()?;
                        playback::apply(&tx, &session, user, old, now, &tz, 0.95).unwrap();
                        tx.commit()?;
                    }
                }
            }
            // The raw ledger, recomputed.
            let mut raw: HashMap<(i64, Date), i64> = HashMap::new();
            let mut stmt = c.prepare(
                "SELECT p.user_id, h.received_at, h.credited_ms FROM heartbeats h
                 JOIN playback_sessions p ON p.id = h.session_id",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let (user, at, ms): (i64, String, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
                for (day, part) in crate::crediting::split_by_day(ms, at.parse().unwrap(), &tz) {
                    *raw.entry((user, day)).or_default() += part;
                }
            }
            assert!(raw.values().sum::<i64>() > 0);
            let (from, to): (Date, Date) = ("2026-03-30".parse().unwrap(), "2026-04-02".parse().unwrap());
            for granularity in [Granularity::Day, Granularity::Month] {
                let report = viewing(c, from, to, granularity, &tz, &Scope::All, None)?;
                for row in &report.rows {
                    for (i, start) in report.periods.iter().enumerate() {
                        let end = report.periods.get(i + 1).copied();
                        let ms: i64 = raw
                            .iter()
                            .filter(|((u, d), _)| {
                                *u == row.user_id.get() && d >= start && end.is_none_or(|e| *d < e)
                            })
                            .map(|(_, ms)| ms)
                            .sum();
                        assert_eq!(row.seconds[i], whole_seconds(ms), "{granularity:?} {start}");
                    }
                }
            }
            // The ledger cannot be rewritten.
            let refused = c.execute("UPDATE heartbeats SET credited_ms = 0", []);
            assert!(refused.unwrap_err().to_string().contains("append-only"));
            assert!(c.execute("DELETE FROM heartbeats", []).is_err());
            // Two days of the midnight crossing both got time.
            assert!(raw.keys().any(|(_, d)| d.to_string() == "2026-03-31"));
            assert!(raw.keys().any(|(_, d)| d.to_string() == "2026-04-01"));
            Ok(())
        })
        .await
        .unwrap();
    }

    /// Random histories: the monthly report (whole months from the monthly
    /// rollup, edges from the days) equals a brute-force sum of the days.
    #[tokio::test]
    async fn monthly_reports_from_the_rollup_equal_the_days_summed() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("c.db"), &crate::keyfile::Key::generate()).unwrap();
        let tz = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap();
        db.call(move |c| {
            let mut rng = rand::rngs::StdRng::seed_from_u64(7);
            let at = "2026-01-01T00:00:00Z";
            for u in 1..=5 {
                c.execute(
                    "INSERT INTO users (id, email, role, created_at, updated_at) VALUES (?1, ?2, 'learner', ?3, ?3)",
                    params![u, format!("u{u}@x.jp"), at],
                )?;
            }
            for v in 1..=3 {
                c.execute(
                    "INSERT INTO videos (id, title, uploaded_by, size_bytes, status, created_at, updated_at)
                     VALUES (?1, 'v', 1, 1, 'ready', ?2, ?2)",
                    params![v, at],
                )?;
            }
            let start: Date = "2025-11-01".parse().unwrap();
            for _ in 0..600 {
                let day = start.checked_add(jiff::Span::new().days(rng.random_range(0..200))).unwrap();
                crate::playback::add_history(
                    c,
                    UserId::new(rng.random_range(1..=5)),
                    VideoId::new(rng.random_range(1..=3)),
                    day,
                    rng.random_range(1..600_000),
                )?;
            }
            for _ in 0..50 {
                let a = start.checked_add(jiff::Span::new().days(rng.random_range(0..200))).unwrap();
                let b = a.checked_add(jiff::Span::new().days(rng.random_range(0..120))).unwrap();
                let user = rng.random_bool(0.3).then(|| UserId::new(rng.random_range(1..=5)));
                let report = viewing(c, a, b, Granularity::Month, &tz, &Scope::All, user)?;
                // Brute force: every day's milliseconds into its period, rounded per cell.
                let periods = periods(a, b, Granularity::Month);
                let mut expected: HashMap<(i64, usize), i64> = HashMap::new();
                let mut stmt = c.prepare("SELECT user_id, day, credited_ms FROM viewing_daily")?;
                let mut rows = stmt.query([])?;
                while let Some(r) = rows.next()? {
                    let (u, day, ms): (i64, String, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
                    let day: Date = day.parse().unwrap();
                    if day < a || day > b || user.is_some_and(|x| x.get() != u) {
                        continue;
                    }
                    let i = periods.partition_point(|p| *p <= day) - 1;
                    *expected.entry((u, i)).or_default() += ms;
                }
                for row in &report.rows {
                    for (i, s) in row.seconds.iter().enumerate() {
                        let want = whole_seconds(expected.get(&(row.user_id.get(), i)).copied().unwrap_or(0));
                        assert_eq!(*s, want, "{a}..{b} user {} period {i}", row.user_id.get());
                    }
                }
            }
            Ok(())
        })
        .await
        .unwrap();
    }
}
