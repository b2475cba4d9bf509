//! Reports from the per-day rollup.

use domain::UserId;
use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use rusqlite::{Connection, params_from_iter};
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
    /// Members of these groups (a manager's groups, or a chosen group).
    Groups(Vec<i64>),
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

/// Builds the viewing report for `[from, to]`.
pub fn viewing(
    conn: &Connection,
    from: Date,
    to: Date,
    granularity: Granularity,
    timezone: &str,
    scope: &Scope,
    user: Option<UserId>,
) -> rusqlite::Result<ViewingReport> {
    let periods = periods(from, to, granularity);
    let mut sql =
        String::from("SELECT u.id, u.email, u.name FROM users u WHERE u.deleted_at IS NULL");
    let mut args: Vec<i64> = Vec::new();
    if let Scope::Groups(groups) = scope {
        let marks = vec!["?"; groups.len().max(1)].join(",");
        sql += &format!(
            " AND u.id IN (SELECT user_id FROM group_members WHERE group_id IN ({marks}))"
        );
        args.extend(if groups.is_empty() {
            vec![-1]
        } else {
            groups.clone()
        });
    }
    if let Some(u) = user {
        sql += " AND u.id = ?";
        args.push(u.get());
    }
    sql += " ORDER BY u.email";
    let mut stmt = conn.prepare(&sql)?;
    let users: Vec<(i64, String, String)> = stmt
        .query_map(params_from_iter(&args), |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<_, _>>()?;

    let mut ms: HashMap<(i64, usize), i64> = HashMap::new();
    let mut stmt =
        conn.prepare("SELECT user_id, day, SUM(credited_ms) FROM viewing_daily WHERE day BETWEEN ?1 AND ?2 GROUP BY user_id, day")?;
    let mut rows = stmt.query([from.to_string(), to.to_string()])?;
    while let Some(r) = rows.next()? {
        let day: String = r.get(1)?;
        let Ok(day) = day.parse::<Date>() else {
            continue;
        };
        let index = periods.partition_point(|p| *p <= day).saturating_sub(1);
        *ms.entry((r.get(0)?, index)).or_default() += r.get::<_, i64>(2)?;
    }

    let mut totals = vec![0; periods.len()];
    let rows: Vec<ViewingRow> = users
        .into_iter()
        .map(|(id, email, name)| {
            let seconds: Vec<i64> = (0..periods.len())
                .map(|i| (ms.get(&(id, i)).copied().unwrap_or(0) + 500) / 1000)
                .collect();
            for (t, s) in totals.iter_mut().zip(&seconds) {
                *t += s;
            }
            ViewingRow {
                user_id: UserId::new(id),
                email,
                name,
                total_seconds: seconds.iter().sum(),
                seconds,
            }
        })
        .collect();
    let total_seconds = totals.iter().sum();
    Ok(ViewingReport {
        from,
        to,
        granularity,
        timezone: timezone.to_owned(),
        periods,
        rows,
        totals: Totals {
            seconds: totals,
            total_seconds,
        },
    })
}

/// The groups a manager manages, with their sub-groups.
pub fn managed_groups(conn: &Connection, manager: UserId) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = conn.prepare(
        "WITH RECURSIVE tree(id) AS (
             SELECT group_id FROM group_managers WHERE user_id = ?1
             UNION SELECT g.id FROM groups g JOIN tree t ON g.parent_id = t.id)
         SELECT id FROM tree",
    )?;
    stmt.query_map([manager.get()], |r| r.get(0))?.collect()
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
