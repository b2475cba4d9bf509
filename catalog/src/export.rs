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
    /// `videos.csv`: the videos, with their captions' languages.
    Videos,
    /// `assignments.csv`: the 必修研修 and whom they are assigned to.
    Assignments,
    /// `notices.csv`: the notices (incidents, maintenance).
    Notices,
    /// `viewing.csv`: credited viewing seconds per user, video and day.
    Viewing,
    /// `audit.csv`: the audit log.
    Audit,
}

impl Kind {
    /// Every table, in the order of `all.zip`.
    pub const ALL: [Kind; 9] = [
        Kind::Users,
        Kind::Groups,
        Kind::Memberships,
        Kind::Courses,
        Kind::Videos,
        Kind::Assignments,
        Kind::Notices,
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
            Kind::Videos => "videos.csv",
            Kind::Assignments => "assignments.csv",
            Kind::Notices => "notices.csv",
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
            Kind::Videos => {
                "動画の一覧です(完全に消去したものを除く)。列: id, title(題名), status(uploading=送信中, queued=変換待ち, processing=変換中, ready=準備完了, failed=変換失敗), duration_s(長さ。秒), size_bytes(元のファイルの大きさ), uploaded_by(送信した人のメールアドレス), captions(字幕の言語。; 区切り), in_trash(ごみ箱にあれば yes), created_at。"
            }
            Kind::Assignments => {
                "必修研修の割り当てです(ごみ箱の講座のものを除く)。列: id, course_id, course_title(講座名), due_on(期限日), note(メモ), groups(対象グループのパス。; 区切り), users(個別に割り当てた人のメールアドレス。; 区切り), created_by(割り当てた人), created_at。"
            }
            Kind::Notices => {
                "お知らせ(障害・メンテナンス)です。列: id, kind(incident=障害, maintenance=メンテナンス), title, body(本文), starts_at(開始), ends_at(終了。空は終了まで), urgent(緊急なら yes), created_at。日時は協定世界時です。"
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
        Kind::Videos => videos(conn),
        Kind::Assignments => assignments(conn),
        Kind::Notices => notices(conn),
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
    select(
        conn,
        &[
            "id",
            "path",
            "name",
            "parent_id",
            "managers",
            "members",
            "created_at",
        ],
        &format!(
            "WITH RECURSIVE {paths}
             SELECT g.id, p.path, g.name, g.parent_id,
                    (SELECT group_concat(email, ';') FROM (
                        SELECT u.email FROM group_managers m JOIN users u ON u.id = m.user_id
                        WHERE m.group_id = g.id AND u.deleted_at IS NULL ORDER BY u.email)),
                    (SELECT COUNT(*) FROM group_members m JOIN users u ON u.id = m.user_id
                      WHERE m.group_id = g.id AND u.deleted_at IS NULL),
                    g.created_at
             FROM groups g JOIN paths p ON p.id = g.id ORDER BY g.id",
            paths = crate::groups::GROUP_PATHS
        ),
    )
}

fn memberships(conn: &Connection) -> rusqlite::Result<Table> {
    select(
        conn,
        &["group_id", "group_path", "email", "name"],
        &format!(
            "WITH RECURSIVE {paths}
             SELECT m.group_id, p.path, u.email, u.name FROM group_members m
             JOIN users u ON u.id = m.user_id JOIN paths p ON p.id = m.group_id
             WHERE u.deleted_at IS NULL ORDER BY m.group_id, u.email",
            paths = crate::groups::GROUP_PATHS
        ),
    )
}

fn courses(conn: &Connection) -> rusqlite::Result<Table> {
    select(
        conn,
        &[
            "id",
            "category",
            "title",
            "status",
            "lessons",
            "video_ids",
            "created_at",
            "published_at",
        ],
        "SELECT c.id, k.name, c.title, c.status,
                (SELECT COUNT(*) FROM lessons l WHERE l.course_id = c.id),
                (SELECT group_concat(video_id, ';') FROM (
                    SELECT video_id FROM lessons l WHERE l.course_id = c.id ORDER BY position)),
                c.created_at, c.published_at
         FROM courses c JOIN categories k ON k.id = c.category_id
         ORDER BY c.id",
    )
}

/// `header` and the rows `sql` selects, every column read as text.
fn select(conn: &Connection, header: &[&str], sql: &str) -> rusqlite::Result<Table> {
    let mut table = vec![text(header.iter().copied())];
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| {
        (0..header.len())
            .map(|i| {
                Ok(match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => String::new(),
                    rusqlite::types::ValueRef::Integer(n) => n.to_string(),
                    rusqlite::types::ValueRef::Real(x) => x.to_string(),
                    rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                        String::from_utf8_lossy(t).into_owned()
                    }
                })
            })
            .collect()
    })?;
    for row in rows {
        table.push(row?);
    }
    Ok(table)
}

fn videos(conn: &Connection) -> rusqlite::Result<Table> {
    select(
        conn,
        &["id", "title", "status", "duration_s", "size_bytes", "uploaded_by", "captions", "in_trash", "created_at"],
        "SELECT v.id, v.title, v.status, v.duration_s, v.size_bytes, u.email,
                (SELECT group_concat(lang, ';') FROM (SELECT lang FROM captions c WHERE c.video_id = v.id ORDER BY lang)),
                CASE WHEN v.deleted_at IS NOT NULL THEN 'yes' ELSE '' END, v.created_at
         FROM videos v LEFT JOIN users u ON u.id = v.uploaded_by
         WHERE v.purged_at IS NULL ORDER BY v.id",
    )
}

fn assignments(conn: &Connection) -> rusqlite::Result<Table> {
    select(
        conn,
        &["id", "course_id", "course_title", "due_on", "note", "groups", "users", "created_by", "created_at"],
        &format!(
            "WITH RECURSIVE {paths}
             SELECT a.id, a.course_id, c.title, a.due_on, a.note,
                    (SELECT group_concat(path, ';') FROM (SELECT p.path FROM assignment_targets t
                       JOIN paths p ON p.id = t.group_id WHERE t.assignment_id = a.id ORDER BY p.path)),
                    (SELECT group_concat(email, ';') FROM (SELECT u.email FROM assignment_targets t
                       JOIN users u ON u.id = t.user_id WHERE t.assignment_id = a.id ORDER BY u.email)),
                    (SELECT email FROM users WHERE id = a.created_by), a.created_at
             FROM assignments a JOIN courses c ON c.id = a.course_id
             WHERE c.deleted_at IS NULL ORDER BY a.id",
            paths = crate::groups::GROUP_PATHS
        ),
    )
}

fn notices(conn: &Connection) -> rusqlite::Result<Table> {
    select(
        conn,
        &[
            "id",
            "kind",
            "title",
            "body",
            "starts_at",
            "ends_at",
            "urgent",
            "created_at",
        ],
        "SELECT id, kind, title, body, starts_at, ends_at,
                CASE WHEN urgent THEN 'yes' ELSE '' END, created_at
         FROM notices ORDER BY id",
    )
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    #[tokio::test]
    async fn videos_and_assignments_are_exported_with_captions_paths_and_e_mails() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("c.db"), &crate::keyfile::Key::generate()).unwrap();
        let (videos, assignments) = db
            .call(|c| {
                crate::courses::seed_categories(c)?;
                c.execute_batch(
                    "INSERT INTO users (id, email, name, role, created_at, updated_at)
                       VALUES (1, 'e@x.jp', '編集', 'editor', 't', 't'), (2, 'l@x.jp', '受講', 'learner', 't', 't');
                     INSERT INTO groups (id, name, parent_id, created_at) VALUES (1, '総務部', NULL, 't'), (2, '人事課', 1, 't');
                     INSERT INTO videos (id, title, uploaded_by, size_bytes, status, duration_s, created_at, updated_at)
                       VALUES (1, '研修', 1, 2048, 'ready', 61.5, 't0', 't'),
                              (2, '消去済み', 1, 1, 'ready', 1, 't', 't');
                     UPDATE videos SET purged_at = 't' WHERE id = 2;
                     INSERT INTO captions (video_id, lang, name, cues, created_at, updated_at)
                       VALUES (1, 'ja', '日本語', 3, 't', 't'), (1, 'en', 'English', 3, 't', 't');
                     INSERT INTO courses (id, category_id, title, status, created_by, created_at, updated_at)
                       VALUES (1, 1, '必修', 'published', 1, 't', 't');
                     INSERT INTO assignments (id, course_id, due_on, note, created_by, created_at)
                       VALUES (1, 1, '2026-12-20', '年内に', 1, 't1');
                     INSERT INTO assignment_targets (assignment_id, group_id, user_id) VALUES (1, 2, NULL), (1, NULL, 2);",
                )?;
                Ok((videos(c)?, assignments(c)?))
            })
            .await
            .unwrap();
        assert_eq!(videos.len(), 2, "the purged video is gone: {videos:?}");
        assert_eq!(
            videos[1],
            [
                "1", "研修", "ready", "61.5", "2048", "e@x.jp", "en;ja", "", "t0"
            ]
        );
        assert_eq!(
            assignments[1],
            [
                "1",
                "1",
                "必修",
                "2026-12-20",
                "年内に",
                "総務部/人事課",
                "l@x.jp",
                "e@x.jp",
                "t1"
            ]
        );
    }
}
