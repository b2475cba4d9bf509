//! Licensed seats: the contract covers a number of user IDs
//! (`catalog.licensed_seats`, default 100). Active users (not disabled, not
//! in the trash) are counted every day — the day's highest count is kept —
//! and an administrator is warned when there are more than the licence.
//! Adding or changing users is never refused for it: the warning is for the
//! contract, not a lock.

use jiff::civil::Date;
use rusqlite::{Connection, params};
use serde::Serialize;

/// The active users now.
pub fn active_now(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row(
        "SELECT COUNT(*) FROM users WHERE status = 'active' AND deleted_at IS NULL",
        [],
        |r| r.get(0),
    )
}

/// Counts the active users now into `today`'s figure (the day keeps its
/// highest count) and returns the count.
pub fn record(conn: &Connection, today: Date, licensed: u32) -> rusqlite::Result<u32> {
    let active = active_now(conn)?;
    conn.execute(
        "INSERT INTO seat_days (day, active, licensed) VALUES (?1, ?2, ?3)
         ON CONFLICT (day) DO UPDATE SET active = MAX(active, excluded.active),
                                         licensed = excluded.licensed",
        params![today.to_string(), active, licensed],
    )?;
    Ok(active)
}

/// One day's count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Day {
    /// The day.
    pub day: String,
    /// The most active users seen that day.
    pub active: u32,
    /// The licence that day.
    pub licensed: u32,
}

/// The seats now and over the last days.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The licensed number of IDs.
    pub licensed: u32,
    /// Active users now.
    pub active: u32,
    /// More active users than the licence.
    pub over: bool,
    /// A warning for the administrator when over (Japanese).
    pub warning: Option<String>,
    /// The daily counts, newest first.
    pub days: Vec<Day>,
}

/// Records today's count and reports the last `days` days.
pub fn report(
    conn: &Connection,
    today: Date,
    licensed: u32,
    days: u32,
) -> rusqlite::Result<Report> {
    let active = record(conn, today, licensed)?;
    let mut stmt =
        conn.prepare("SELECT day, active, licensed FROM seat_days ORDER BY day DESC LIMIT ?1")?;
    let days = stmt
        .query_map([days], |r| {
            Ok(Day {
                day: r.get(0)?,
                active: r.get(1)?,
                licensed: r.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Report {
        licensed,
        active,
        over: active > licensed,
        warning: warning(active, licensed),
        days,
    })
}

/// The warning shown when `active` exceeds `licensed`.
pub fn warning(active: u32, licensed: u32) -> Option<String> {
    (active > licensed).then(|| {
        format!(
            "有効な利用者が {active} 人で、契約 ID 数 {licensed} を {} 人超えています。不要な利用者を無効にするか、契約 ID 数の見直しをご検討ください (active users exceed the licensed seats)",
            active - licensed
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    fn add_user(c: &Connection, email: &str, status: &str) {
        c.execute(
            "INSERT INTO users (email, role, status, created_at, updated_at)
             VALUES (?1, 'learner', ?2, '2026-04-01T00:00:00Z', '2026-04-01T00:00:00Z')",
            params![email, status],
        )
        .unwrap();
    }

    #[tokio::test]
    async fn each_day_keeps_its_highest_count_and_over_is_warned() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("c.db"), &crate::keyfile::Key::generate()).unwrap();
        db.call(|c| {
            let day1: Date = "2026-04-01".parse().unwrap();
            let day2: Date = "2026-04-02".parse().unwrap();
            add_user(c, "a@x.jp", "active");
            add_user(c, "b@x.jp", "active");
            add_user(c, "c@x.jp", "disabled");
            assert_eq!(record(c, day1, 2).unwrap(), 2);
            add_user(c, "d@x.jp", "active");
            assert_eq!(record(c, day1, 2).unwrap(), 3);
            c.execute(
                "UPDATE users SET status = 'disabled' WHERE email = 'd@x.jp'",
                [],
            )
            .unwrap();
            c.execute(
                "UPDATE users SET deleted_at = 'x' WHERE email = 'b@x.jp'",
                [],
            )
            .unwrap();
            // Day 1 keeps its peak of 3; day 2 starts from what is active now.
            let r = report(c, day2, 2, 31).unwrap();
            assert_eq!((r.active, r.over, r.warning.is_some()), (1, false, false));
            assert_eq!(
                r.days,
                vec![
                    Day {
                        day: "2026-04-02".into(),
                        active: 1,
                        licensed: 2
                    },
                    Day {
                        day: "2026-04-01".into(),
                        active: 3,
                        licensed: 2
                    },
                ]
            );
            add_user(c, "e@x.jp", "active");
            add_user(c, "f@x.jp", "active");
            let r = report(c, day2, 2, 31).unwrap();
            assert!(r.over);
            assert!(r.warning.unwrap().contains("1 人超えています"));
            Ok(())
        })
        .await
        .unwrap();
    }
}
