//! Everything registered, as tables for CSV export (`GET /api/v1/export/…`).
//!
//! Each table is a header row and one row per record, as text cells; the
//! CSV layer ([`crate::csvfile::encode`]) neutralises formula triggers and
//! writes UTF-8 with BOM or Shift_JIS. The users table is exactly the
//! standard import format, so an export edited in Excel and imported again
//! unchanged previews as zero changes.

use crate::audit;
use crate::csvfile::{Column, UserRecord};
use crate::imports::state::Directory;
use domain::Email;
use rusqlite::Connection;

/// A table: the header row first.
pub type Table = Vec<Vec<String>>;

/// The tables one can export, by file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `users.csv`: the standard import format.
    Users,
    /// `groups.csv`: the tree, with paths and managers.
    Groups,
    /// `memberships.csv`: who is in which group.
    Memberships,
    /// `courses.csv`: courses and their lessons' videos.
    Courses,
    /// `viewing.csv`: credited viewing seconds per user, video and day.
    Viewing,
    /// `audit.csv`: the audit log.
    Audit,
}

impl Kind {
    /// Every table, in the order of `all.zip`.
    pub const ALL: [Kind; 6] = [
        Kind::Users,
        Kind::Groups,
        Kind::Memberships,
        Kind::Courses,
        Kind::Viewing,
        Kind::Audit,
    ];

    /// The file name.
    pub fn file_name(self) -> &'static str {
        match self {
            Kind::Users => "users.csv",
            Kind::Groups => "groups.csv",
            Kind::Memberships => "memberships.csv",
            Kind::Courses => "courses.csv",
            Kind::Viewing => "viewing.csv",
            Kind::Audit => "audit.csv",
        }
    }

    /// The kind named by a file name.
    pub fn from_file_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.file_name() == name)
    }

    /// What the file holds, for the README of `all.zip` (Japanese).
    pub fn description(self) -> &'static str {
        match self {
            Kind::Users => {
                "利用者の一覧です(ごみ箱のものを除く)。列: email, name(氏名), role(権限: admin=システム管理者, manager=受講管理者, editor=コンテンツ編集者, learner=受講者), status(active=有効, disabled=無効), groups(所属グループのパス。複数は ; 区切り), remarks(備考)。この形式のまま CSV 取込(標準形式)に使えます。変更せずに取り込むと変更 0 件になります。"
            }
            Kind::Groups => {
                "グループ(部・課・係)の一覧です。列: id, path(最上位からのパス。/ 区切り), name(名称), parent_id(上位グループの id。最上位は空), managers(受講管理者のメールアドレス。; 区切り), members(所属人数), created_at(作成日時)。"
            }
            Kind::Memberships => {
                "グループの所属です。1 行が 1 人の 1 グループへの所属です。列: group_id, group_path, email, name。"
            }
            Kind::Courses => {
                "講座の一覧です。列: id, category(分野), title(講座名), status(draft=下書き, published=公開), lessons(レッスン数), video_ids(動画の id。; 区切り), created_at, published_at。"
            }
            Kind::Viewing => {
                "視聴記録です。利用者・動画・日ごとに、実際に再生された秒数(早送りや重複を除いた視聴時間)を記録しています。列: day(日付), email, name, video_id, video_title, seconds(視聴秒数)。"
            }
            Kind::Audit => {
                "監査ログです(追記のみ・変更不可)。ログイン、管理操作、取込、出力の記録です。列: id, at(日時。日本時間), at_utc(協定世界時), actor_email(操作者), action(操作), target(対象), detail(詳細。変更前→変更後など JSON), client(接続元アドレス), request_id(要求 id)。"
            }
        }
    }
}

fn text(items: impl IntoIterator<Item = impl Into<String>>) -> Vec<String> {
    items.into_iter().map(Into::into).collect()
}

/// The table of `kind` as it is now; times in `tz` (the audit log also in UTC).
pub fn table(conn: &Connection, kind: Kind, tz: &jiff::tz::TimeZone) -> rusqlite::Result<Table> {
    match kind {
        Kind::Users => users(conn),
        Kind::Groups => groups(conn),
        Kind::Memberships => memberships(conn),
        Kind::Courses => courses(conn),
        Kind::Viewing => viewing(conn),
        Kind::Audit => audit_log(conn, tz),
    }
}

fn users(conn: &Connection) -> rusqlite::Result<Table> {
    let directory = Directory::load(conn)?;
    let mut records: Vec<UserRecord> = directory
        .users
        .iter()
        .filter(|(_, known)| !known.state.deleted)
        .filter_map(|(email, known)| {
            let state = &known.state;
            let mut groups: Vec<String> = state
                .groups
                .iter()
                .filter_map(|g| directory.groups.path(*g).map(str::to_owned))
                .collect();
            groups.sort();
            Some(UserRecord {
                email: Email::parse(email).ok()?,
                name: state.name.clone(),
                role: state.role,
                status: state.status,
                groups,
                remarks: state.remarks.clone(),
            })
        })
        .collect();
    records.sort_by(|a, b| a.email.as_str().cmp(b.email.as_str()));
    let mut table = vec![text(Column::STANDARD.iter().map(|c| c.english()))];
    table.extend(records.iter().map(|r| r.to_cells().to_vec()));
    Ok(table)
}

fn groups(conn: &Connection) -> rusqlite::Result<Table> {
    let mut table = vec![text([
        "id",
        "path",
        "name",
        "parent_id",
        "managers",
        "members",
        "created_at",
    ])];
    let tree = crate::imports::state::GroupTree::load(conn)?;
    let mut stmt = conn.prepare(
        "SELECT g.id, g.name, g.parent_id, g.created_at,
                (SELECT group_concat(email, ';') FROM (
                    SELECT u.email FROM group_managers m JOIN users u ON u.id = m.user_id
                    WHERE m.group_id = g.id AND u.deleted_at IS NULL ORDER BY u.email)),
                (SELECT COUNT(*) FROM group_members m JOIN users u ON u.id = m.user_id
                  WHERE m.group_id = g.id AND u.deleted_at IS NULL)
         FROM groups g ORDER BY g.id",
    )?;
    let rows = stmt.query_map([], |r| {
        let id: i64 = r.get(0)?;
        Ok(vec![
            id.to_string(),
            tree.path(domain::GroupId::new(id))
                .unwrap_or_default()
                .to_owned(),
            r.get(1)?,
            r.get::<_, Option<i64>>(2)?
                .map(|p| p.to_string())
                .unwrap_or_default(),
            r.get::<_, Option<String>>(4)?.unwrap_or_default(),
            r.get::<_, i64>(5)?.to_string(),
            r.get(3)?,
        ])
    })?;
    for row in rows {
        table.push(row?);
    }
    Ok(table)
}

fn memberships(conn: &Connection) -> rusqlite::Result<Table> {
    let mut table = vec![text(["group_id", "group_path", "email", "name"])];
    let tree = crate::imports::state::GroupTree::load(conn)?;
    let mut stmt = conn.prepare(
        "SELECT m.group_id, u.email, u.name FROM group_members m
         JOIN users u ON u.id = m.user_id
         WHERE u.deleted_at IS NULL ORDER BY m.group_id, u.email",
    )?;
    let rows = stmt.query_map([], |r| {
        let group: i64 = r.get(0)?;
        Ok(vec![
            group.to_string(),
            tree.path(domain::GroupId::new(group))
                .unwrap_or_default()
                .to_owned(),
            r.get(1)?,
            r.get(2)?,
        ])
    })?;
    for row in rows {
        table.push(row?);
    }
    Ok(table)
}

fn courses(conn: &Connection) -> rusqlite::Result<Table> {
    let mut table = vec![text([
        "id",
        "category",
        "title",
        "status",
        "lessons",
        "video_ids",
        "created_at",
        "published_at",
    ])];
    let mut stmt = conn.prepare(
        "SELECT c.id, k.name, c.title, c.status,
                (SELECT COUNT(*) FROM lessons l WHERE l.course_id = c.id),
                (SELECT group_concat(video_id, ';') FROM (
                    SELECT video_id FROM lessons l WHERE l.course_id = c.id ORDER BY position)),
                c.created_at, c.published_at
         FROM courses c JOIN categories k ON k.id = c.category_id
         ORDER BY c.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(vec![
            r.get::<_, i64>(0)?.to_string(),
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get::<_, i64>(4)?.to_string(),
            r.get::<_, Option<String>>(5)?.unwrap_or_default(),
            r.get(6)?,
            r.get::<_, Option<String>>(7)?.unwrap_or_default(),
        ])
    })?;
    for row in rows {
        table.push(row?);
    }
    Ok(table)
}

fn viewing(conn: &Connection) -> rusqlite::Result<Table> {
    let mut table = vec![text([
        "day",
        "email",
        "name",
        "video_id",
        "video_title",
        "seconds",
    ])];
    let mut stmt = conn.prepare(
        "SELECT d.day, u.email, u.name, d.video_id, v.title, d.credited_ms
         FROM viewing_daily d JOIN users u ON u.id = d.user_id JOIN videos v ON v.id = d.video_id
         ORDER BY d.day, u.email, d.video_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(vec![
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get::<_, i64>(3)?.to_string(),
            r.get(4)?,
            // Whole seconds, as in the reports.
            crate::reports::whole_seconds(r.get(5)?).to_string(),
        ])
    })?;
    for row in rows {
        table.push(row?);
    }
    Ok(table)
}

fn audit_log(conn: &Connection, tz: &jiff::tz::TimeZone) -> rusqlite::Result<Table> {
    let mut table = vec![text([
        "id",
        "at",
        "at_utc",
        "actor_email",
        "action",
        "target",
        "detail",
        "client",
        "request_id",
    ])];
    let everything = audit::Filter {
        from: jiff::Timestamp::MIN,
        to: jiff::Timestamp::MAX,
        action: None,
        actor: None,
    };
    let (mut entries, _) = audit::list(conn, &everything, tz, None)?;
    // Oldest first in a file: it reads as a log.
    entries.reverse();
    table.extend(entries.into_iter().map(|e| {
        vec![
            e.id.to_string(),
            e.at_local,
            e.at,
            e.actor_email,
            e.action,
            e.target,
            e.detail.to_string(),
            e.client,
            e.request_id,
        ]
    }));
    Ok(table)
}

/// The README of `all.zip`, in Japanese.
pub fn readme(generated_at: &str, encoding_label: &str) -> String {
    let mut text = format!(
        "manabi データ一式\r\n\r\n作成日時: {generated_at}\r\n文字コード: {encoding_label}(改行は CRLF)\r\n\r\n\
         各ファイルは Excel でそのまま開けます。「=」「+」「-」「@」などで始まるセルは、数式として\r\n\
         実行されないよう先頭に「'」を付けています(取込時には自動で取り除きます)。\r\n\r\n"
    );
    for kind in Kind::ALL {
        text.push_str(&format!(
            "■ {}\r\n{}\r\n\r\n",
            kind.file_name(),
            kind.description()
        ));
    }
    text
}
