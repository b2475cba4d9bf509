//! `manabi demo`: the first-run experience. Seeds the seven domains with one
//! course each, whose videos are generated with the FFmpeg libraries and
//! transcoded for real by the worker; demo accounts, two groups and some
//! viewing history. Run again, it adds only what is missing.

use anyhow::Context;
use catalog::{Catalog, courses, groups, password, playback, users, videos};
use domain::{CourseId, Email, Role, UserId, VideoId};
use jiff::Timestamp;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use store::ObjectKey;
use transcoder::synth::{self, SynthSpec};

/// A demo account and its password.
#[derive(Debug, Clone)]
pub struct Login {
    /// E-mail.
    pub email: String,
    /// Password (demo only: kept in `{data_dir}/demo-logins.txt`).
    pub password: String,
    /// Role.
    pub role: Role,
    /// Display name.
    pub name: String,
}

const USERS: [(&str, &str, Role); 6] = [
    ("admin@manabi.example", "管理 太郎", Role::Admin),
    ("manager@manabi.example", "人事 花子", Role::Manager),
    ("editor@manabi.example", "研修 編集", Role::Editor),
    ("learner1@manabi.example", "区役 一郎", Role::Learner),
    ("learner2@manabi.example", "区役 二葉", Role::Learner),
    ("learner3@manabi.example", "区民 三郎", Role::Learner),
];

/// One course per domain: (domain slug, title, description, test pattern, tone Hz).
const COURSES: [(&str, &str, &str, &str, u32); 7] = [
    (
        "job-level",
        "新規採用職員研修 ― 公務員としての第一歩",
        "新規採用職員が最初に身につけたい心構えと基本。",
        "testsrc2",
        440,
    ),
    (
        "municipal-management",
        "業務改善の進め方 ― BPRの基本",
        "業務の棚卸しから改善案の作り方まで。",
        "smptehdbars",
        494,
    ),
    (
        "law-policy",
        "地方自治法の基礎",
        "地方自治法の構成と、日々の仕事との関わり。",
        "rgbtestsrc",
        523,
    ),
    (
        "duty",
        "予算・財務の基本",
        "予算編成と執行、決算の流れ。",
        "yuvtestsrc",
        587,
    ),
    (
        "organisational-control",
        "ハラスメント防止研修",
        "ハラスメントの類型と、起きたときの対応。",
        "testsrc",
        659,
    ),
    (
        "organisation-development",
        "OJTとコーチングの基礎",
        "部下・後輩の育成に役立つ対話の技法。",
        "smptebars",
        698,
    ),
    (
        "current-topics",
        "SDGsと自治体",
        "持続可能な開発目標と自治体の取り組み。",
        "pal75bars",
        784,
    ),
];

/// Seeds what is missing and returns the demo logins; publishing waits for
/// transcoding in the background (see [`publish_when_ready`]).
pub async fn seed(
    catalog: &Catalog,
    data_dir: &Path,
) -> anyhow::Result<(Vec<Login>, Vec<(CourseId, VideoId)>)> {
    let state = &catalog.state;
    let logins = seed_users(catalog, data_dir).await?;
    let mut pending = Vec::new();
    for (i, (slug, title, description, pattern, tone)) in COURSES.iter().enumerate() {
        let (slug, title_c) = (slug.to_string(), title.to_string());
        let existing = state
            .db
            .call(move |c| {
                let Some(cat) = courses::category_by_slug(c, &slug)? else {
                    return Ok(None);
                };
                Ok(Some((cat, courses::id_by_title(c, cat, &title_c)?)))
            })
            .await?
            .context("the seven domains are missing")?;
        let (category, course) = existing;
        if course.is_some() {
            continue;
        }
        let file = data_dir.join("uploads").join(format!("demo-{i}.mp4"));
        let spec = SynthSpec {
            width: 960,
            height: 540,
            fps: 30,
            seconds: 12.0,
            pattern: (*pattern).into(),
            tone_hz: Some(*tone),
        };
        let target = file.clone();
        tokio::task::spawn_blocking(move || synth::generate(&target, &spec))
            .await?
            .map_err(|e| anyhow::anyhow!("generating a demo video: {e}"))?;
        let editor = user_id(catalog, "editor@manabi.example").await?;
        let size = std::fs::metadata(&file)?.len();
        let now = Timestamp::now();
        let video_title = format!("{}.mp4", COURSES[i].1);
        let video = state
            .db
            .call(move |c| Ok(videos::create(c, &video_title, size, editor, now)?))
            .await?;
        state
            .store
            .put_file(&ObjectKey::source(video), &file)
            .await?;
        state
            .db
            .call(move |c| Ok(videos::queue(c, video, now)?))
            .await?;
        state.queue.wake();
        let lessons = vec![courses::LessonInput {
            title: "第1回 概要".into(),
            video_id: video,
        }];
        let (title, description) = (title.to_string(), description.to_string());
        let course = state
            .db
            .call(move |c| {
                Ok(courses::create(
                    c,
                    category,
                    &title,
                    &description,
                    &lessons,
                    editor,
                    now,
                ))
            })
            .await?
            .map_err(|e| anyhow::anyhow!("creating a demo course: {e}"))?;
        pending.push((course, video));
    }
    Ok((logins, pending))
}

async fn user_id(catalog: &Catalog, email: &str) -> anyhow::Result<UserId> {
    let email = Email::parse(email)?;
    catalog
        .state
        .db
        .call(move |c| Ok(users::id_by_email(c, &email)?))
        .await?
        .context("demo user missing")
}

fn logins_file(data_dir: &Path) -> PathBuf {
    data_dir.join("demo-logins.txt")
}

async fn seed_users(catalog: &Catalog, data_dir: &Path) -> anyhow::Result<Vec<Login>> {
    let file = logins_file(data_dir);
    let mut known: BTreeMap<String, String> = std::fs::read_to_string(&file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once(' ').map(|(e, p)| (e.to_owned(), p.to_owned())))
        .collect();
    let rounds = catalog.state.settings.pbkdf2_iterations;
    let mut logins = Vec::new();
    for (email, name, role) in USERS {
        let parsed = Email::parse(email)?;
        let exists = {
            let e = parsed.clone();
            catalog
                .state
                .db
                .call(move |c| Ok(users::id_by_email(c, &e)?))
                .await?
                .is_some()
        };
        if !exists {
            let password = random_password();
            let pw = password.clone();
            let hash = tokio::task::spawn_blocking(move || password::hash(&pw, rounds)).await?;
            let now = Timestamp::now();
            catalog
                .state
                .db
                .call(move |c| {
                    Ok(users::create(
                        c,
                        &users::NewUser {
                            email: &parsed,
                            name,
                            role,
                            password_hash: Some(&hash),
                        },
                        now,
                    )
                    .map(|_| ()))
                })
                .await?
                .map_err(|e| anyhow::anyhow!("creating demo user {email}: {e}"))?;
            known.insert(email.to_owned(), password);
        }
        let password = known
            .get(email)
            .cloned()
            .unwrap_or_else(|| "(以前に表示したもの / as shown before)".into());
        logins.push(Login {
            email: email.to_owned(),
            password,
            role,
            name: name.to_owned(),
        });
    }
    let text: String = known.iter().map(|(e, p)| format!("{e} {p}\n")).collect();
    write_private(&file, &text)?;
    seed_groups(catalog).await?;
    Ok(logins)
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(path)?, text.as_bytes())?;
    Ok(())
}

fn random_password() -> String {
    // No look-alike characters (0/O, 1/l/I): these are read off a screen.
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..14)
        .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
        .collect()
}

async fn seed_groups(catalog: &Catalog) -> anyhow::Result<()> {
    let ids = [
        user_id(catalog, "manager@manabi.example").await?,
        user_id(catalog, "learner1@manabi.example").await?,
        user_id(catalog, "learner2@manabi.example").await?,
        user_id(catalog, "learner3@manabi.example").await?,
    ];
    let now = Timestamp::now();
    let since = now - jiff::SignedDuration::from_hours(24 * (HISTORY_DAYS + 1));
    catalog
        .state
        .db
        .call(move |c| {
            let general = groups::ensure(c, "総務部", None, now)?;
            let hr = groups::ensure(c, "人事課", Some(general), now)?;
            let residents = groups::ensure(c, "区民部", None, now)?;
            let counter = groups::ensure(c, "区民課", Some(residents), now)?;
            groups::add_manager(c, hr, ids[0])?;
            groups::add_member(c, hr, ids[0])?;
            groups::add_member(c, hr, ids[1])?;
            groups::add_member(c, hr, ids[2])?;
            groups::add_member(c, counter, ids[3])?;
            // They were in their sections before the demo's history began,
            // so group and manager reports show it (membership counts as of
            // each viewing day).
            c.execute(
                "UPDATE membership_history SET joined_at = ?1
                 WHERE left_at IS NULL AND joined_at > ?1 AND group_id IN (?2, ?3)",
                (
                    since.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
                    hr.get(),
                    counter.get(),
                ),
            )?;
            Ok(())
        })
        .await?;
    Ok(())
}

/// Waits for each demo video and publishes its course; then adds two weeks
/// of viewing history for the learners. Prints progress for the operator.
pub async fn publish_when_ready(
    catalog: Catalog,
    pending: Vec<(CourseId, VideoId)>,
) -> anyhow::Result<()> {
    let total = pending.len();
    let mut published = Vec::new();
    for (n, (course, video)) in pending.into_iter().enumerate() {
        loop {
            let state = catalog
                .state
                .db
                .call(move |c| Ok(videos::get(c, video)?))
                .await?
                .context("demo video vanished")?;
            match state.status.as_str() {
                "ready" => break,
                "failed" => anyhow::bail!(
                    "demo video {video} failed: {}",
                    state.error.unwrap_or_default()
                ),
                _ => tokio::time::sleep(Duration::from_millis(500)).await,
            }
        }
        let now = Timestamp::now();
        catalog
            .state
            .db
            .call(move |c| Ok(courses::publish(c, course, now)))
            .await?
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        published.push(video);
        println!(
            "  デモ講座を公開しました / published demo course {}/{total}",
            n + 1
        );
    }
    seed_history(&catalog, &published).await
}

/// Days of viewing history the demo adds, ending yesterday.
const HISTORY_DAYS: i64 = 14;

/// Two weeks of viewing of `videos` by the demo learners, played through
/// the heartbeats a player would have sent (so the ledger, the rollups,
/// coverage, completion and the resume position all agree, as for real
/// viewing), in time order: a user's time is credited once, so nothing can
/// be credited before what already is.
async fn seed_history(catalog: &Catalog, videos: &[VideoId]) -> anyhow::Result<()> {
    let learners = [
        user_id(catalog, "learner1@manabi.example").await?,
        user_id(catalog, "learner2@manabi.example").await?,
        user_id(catalog, "learner3@manabi.example").await?,
    ];
    let tz = catalog.state.tz.clone();
    let today = Timestamp::now().to_zoned(tz.clone()).date();
    let mut viewings = Vec::new();
    // Seconds each learner has played of each video so far.
    let mut played = std::collections::HashMap::<(usize, usize), i64>::new();
    for back in (1..=HISTORY_DAYS).rev() {
        let day = today.saturating_sub(jiff::Span::new().days(back));
        for (i, &user) in learners.iter().enumerate() {
            for (n, &video) in videos.iter().enumerate() {
                // A fixed, varied pattern: not every learner watches every
                // day, and each learner finishes a third of the videos and
                // leaves the others half played (at most 6 s of 12), so
                // progress differs and an assignment can be overdue.
                if (back as usize + i + n).is_multiple_of(3) {
                    continue;
                }
                let so_far = played.entry((i, n)).or_default();
                let most = if (i + n) % 3 == 0 { i64::MAX } else { 6 };
                let seconds =
                    (2 + (back * 7 + i as i64 * 5 + n as i64 * 3) % 10).min(most - *so_far);
                if seconds <= 0 {
                    continue;
                }
                *so_far += seconds;
                // From 12:00 local time, a minute apart.
                let start = day.at(12, 0, 0, 0).to_zoned(tz.clone())?.timestamp()
                    + jiff::SignedDuration::from_mins(n as i64);
                viewings.push((user, video, start, seconds));
            }
        }
    }
    let completion = catalog.state.settings.completion_coverage;
    let ids = videos.to_vec();
    let refused = catalog
        .state
        .db
        .call(move |c| {
            let tx = c.transaction()?;
            // Each video's length, read once.
            let mut lengths = std::collections::HashMap::new();
            for id in ids {
                let length = videos::get(&tx, id)?.and_then(|v| v.duration_s);
                lengths.insert(id, length.unwrap_or(0.0));
            }
            let mut refused = Vec::new();
            for (user, video, start, seconds) in viewings {
                let length = lengths[&video];
                // Play from where the user left off, a heartbeat every 2 s.
                let (session, mut at) =
                    playback::start(&tx, user, video, "default", None, start, start)?;
                for seq in 1..=(seconds + 1) / 2 {
                    let to = (at + 2.0).min(length);
                    let beat = playback::Heartbeat {
                        seq,
                        position_s: to,
                        played: vec![[at, to]],
                        rate: 1.0,
                    };
                    let now = start + jiff::SignedDuration::from_secs(2 * seq);
                    match playback::apply(&tx, &session, user, &beat, now, &tz, completion) {
                        Ok(_) => {}
                        Err(playback::HeartbeatError::Sqlite(e)) => return Err(e.into()),
                        Err(e) => refused.push(e.to_string()),
                    }
                    at = if to >= length { 0.0 } else { to };
                }
            }
            tx.commit()?;
            Ok(refused)
        })
        .await?;
    anyhow::ensure!(
        refused.is_empty(),
        "demo viewing refused: {}",
        refused.join("; ")
    );
    Ok(())
}
