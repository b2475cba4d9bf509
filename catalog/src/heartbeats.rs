//! The heartbeat writer: one thread that takes the heartbeats waiting in a
//! queue and commits them together (group commit). A refused heartbeat
//! (unknown session, values out of range) changes nothing and does not undo
//! the others; each is acknowledged only
//! after the transaction holding it is durable (`synchronous = FULL`). While
//! one batch is being written the next one gathers, so under load one WAL
//! sync serves hundreds of heartbeats, and an idle system still answers a
//! lone heartbeat at once. The thread writes through the catalog's one
//! connection ([`Db`]), so no `SQLITE_BUSY` reaches a client.
//!
//! The writer also resolves each heartbeat's login session, in the same
//! batch: a request hands its work to the database once, not twice (the
//! session lookup would otherwise wait for the batch being written).

use crate::db::Db;
use crate::playback::{self, Applied, Heartbeat, HeartbeatError};
use crate::sessions::{self, Credentials, Lifetimes};
use domain::PlaybackSessionId;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

/// Most heartbeats committed in one transaction.
const MAX_BATCH: usize = 1024;

/// Heartbeats waiting beyond this make callers wait to enqueue (backpressure).
const QUEUE: usize = 16 * 1024;

/// One heartbeat to apply and where its answer goes.
struct Job {
    session: PlaybackSessionId,
    credentials: Credentials,
    heartbeat: Heartbeat,
    now: Timestamp,
    reply: oneshot::Sender<Result<Applied, HeartbeatError>>,
}

/// The handle request handlers submit heartbeats through; the writer thread
/// ends when the last handle is dropped.
#[derive(Clone, Debug)]
pub struct Writer {
    queue: mpsc::Sender<Job>,
}

/// The writer's fixed settings.
struct Rules {
    tz: TimeZone,
    completion: f64,
    life: Lifetimes,
}

impl Writer {
    /// Starts the writer thread on `db`.
    pub fn start(db: Db, tz: TimeZone, completion: f64, life: Lifetimes) -> Self {
        let (queue, jobs) = mpsc::channel(QUEUE);
        let rules = Rules {
            tz,
            completion,
            life,
        };
        std::thread::Builder::new()
            .name("heartbeat-writer".into())
            .spawn(move || run(&db, &rules, jobs))
            .unwrap_or_else(|e| panic!("cannot start the heartbeat writer thread: {e}"));
        Self { queue }
    }

    /// Applies `heartbeat` to `session` at `now`, if `credentials` let the
    /// request in and the session is theirs; answers once it is durable.
    pub async fn submit(
        &self,
        session: PlaybackSessionId,
        credentials: Credentials,
        heartbeat: Heartbeat,
        now: Timestamp,
    ) -> Result<Applied, HeartbeatError> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            session,
            credentials,
            heartbeat,
            now,
            reply,
        };
        let gone = || HeartbeatError::Stopped;
        self.queue.send(job).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

fn run(db: &Db, rules: &Rules, mut jobs: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = jobs.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let results = db.blocking(|conn| write(conn, rules, &batch));
        for (job, result) in batch.drain(..).zip(results) {
            // The client may have gone; its heartbeat is stored all the same.
            let _ = job.reply.send(result);
        }
    }
}

/// Applies `batch` in one transaction. A refused heartbeat has written
/// nothing (`playback::apply` refuses before its first write), so it needs
/// no savepoint of its own; a database failure fails the whole batch — every
/// heartbeat gets the error and none was stored — and so does a failed commit.
fn write(
    conn: &mut Connection,
    rules: &Rules,
    batch: &[Job],
) -> Vec<Result<Applied, HeartbeatError>> {
    let failed_all = |e: &rusqlite::Error| {
        batch
            .iter()
            .map(|_| Err(HeartbeatError::Sqlite(clone_error(e))))
            .collect()
    };
    let tx = match conn.transaction() {
        Ok(tx) => tx,
        Err(e) => return failed_all(&e),
    };
    let mut results = Vec::with_capacity(batch.len());
    for job in batch {
        let result = admit(&tx, rules, job).and_then(|user| {
            playback::apply(
                &tx,
                &job.session,
                user,
                &job.heartbeat,
                job.now,
                &rules.tz,
                rules.completion,
            )
        });
        if let Err(HeartbeatError::Sqlite(e)) = &result {
            // Dropping the transaction rolls the whole batch back.
            return failed_all(e);
        }
        results.push(result);
    }
    match tx.commit() {
        Ok(()) => results,
        Err(e) => failed_all(&e),
    }
}

/// The user whose login session let `job` in. The session's refreshed idle
/// timer (or its removal once expired) is kept even when the heartbeat
/// itself is then refused.
fn admit(conn: &Connection, rules: &Rules, job: &Job) -> Result<domain::UserId, HeartbeatError> {
    let found = sessions::resolve(conn, &job.credentials.token, job.now, rules.life)?;
    let user = job
        .credentials
        .admit(found)
        .map_err(HeartbeatError::Refused)?;
    Ok(user.user_id)
}

/// `rusqlite::Error` is not `Clone`; the failure every heartbeat of a failed
/// commit reports keeps its code and message.
fn clone_error(e: &rusqlite::Error) -> rusqlite::Error {
    match e {
        rusqlite::Error::SqliteFailure(code, message) => {
            rusqlite::Error::SqliteFailure(*code, message.clone())
        }
        other => rusqlite::Error::ToSqlConversionFailure(other.to_string().into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::UserId;

    /// A database with two learners, a login session and a playback session
    /// each: `(playback sessions, login tokens)`.
    async fn setup() -> (
        tempfile::TempDir,
        Db,
        Vec<PlaybackSessionId>,
        Vec<Credentials>,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("c.db"), &crate::keyfile::Key::generate()).unwrap();
        let (sessions, logins) = db
            .call(|c| {
                c.execute_batch(
                    "INSERT INTO users (id, email, name, role, status, created_at, updated_at)
                       VALUES (1, 'a@x.jp', 'A', 'learner', 'active', 't', 't'),
                              (2, 'b@x.jp', 'B', 'learner', 'active', 't', 't');
                     INSERT INTO videos (id, title, uploaded_by, size_bytes, status, duration_s, hls_rev, created_at, updated_at)
                       VALUES (1, 'v', 1, 1, 'ready', 600, 'r1', 't', 't');",
                )?;
                let start: Timestamp = "2026-04-01T00:00:00Z".parse().unwrap();
                let (mut out, mut logins) = (Vec::new(), Vec::new());
                for user in [1, 2] {
                    let (id, _) = playback::start(c, UserId::new(user), domain::VideoId::new(1), "", None, start, start)?;
                    out.push(id);
                    let login = sessions::create(c, UserId::new(user), start)?;
                    logins.push(Credentials {
                        token: login.token,
                        csrf_sent: Some(login.csrf_token),
                        unsafe_method: true,
                        password_change_route: false,
                    });
                }
                Ok((out, logins))
            })
            .await
            .unwrap();
        (dir, db, sessions, logins)
    }

    fn rules() -> Rules {
        Rules {
            tz: TimeZone::get("Asia/Tokyo").unwrap(),
            completion: 0.95,
            life: Lifetimes {
                idle: jiff::SignedDuration::from_mins(30),
                absolute: jiff::SignedDuration::from_hours(12),
            },
        }
    }

    fn beat(seq: i64, from: f64, to: f64) -> Heartbeat {
        Heartbeat {
            seq,
            position_s: to,
            played: vec![[from, to]],
            rate: 1.0,
        }
    }

    #[tokio::test]
    async fn a_batch_stores_every_good_heartbeat_and_refuses_bad_ones_alone() {
        let (_dir, db, sessions, logins) = setup().await;
        let at = |s: i64| -> Timestamp { format!("2026-04-01T00:00:{s:02}Z").parse().unwrap() };
        let (a, b) = (sessions[0].clone(), sessions[1].clone());
        let mut forged = logins[1].clone();
        forged.csrf_sent = Some("0".repeat(64));
        let jobs: Vec<Job> = [
            (a.clone(), &logins[0], beat(1, 0.0, 10.0), 10),
            (b.clone(), &logins[0], beat(1, 0.0, 10.0), 10), // not yours
            (b.clone(), &logins[1], beat(1, 0.0, 9999.0), 10), // out of range
            (b.clone(), &logins[1], beat(2, 0.0, 10.0), 10),
            (a.clone(), &logins[0], beat(2, 10.0, 20.0), 20),
            (a.clone(), &logins[0], beat(2, 10.0, 20.0), 21), // repeat
            (b.clone(), &forged, beat(3, 10.0, 20.0), 22),    // wrong CSRF token
        ]
        .into_iter()
        .map(|(session, login, heartbeat, s)| Job {
            session,
            credentials: login.clone(),
            heartbeat,
            now: at(s),
            reply: oneshot::channel().0,
        })
        .collect();
        let rules = rules();
        // All seven in one transaction.
        let results = db.blocking(|c| write(c, &rules, &jobs));
        assert!(matches!(results[1], Err(HeartbeatError::NotYours)));
        assert!(matches!(results[2], Err(HeartbeatError::Invalid(_))));
        let credited: Vec<i64> = [0, 3, 4, 5]
            .iter()
            .map(|&i| results[i].as_ref().unwrap().credited_ms)
            .collect();
        assert_eq!(credited, [10_000, 10_000, 10_000, 0]);
        assert!(results[5].as_ref().unwrap().duplicate);
        assert!(matches!(
            results[6],
            Err(HeartbeatError::Refused(sessions::Refusal::Csrf))
        ));
        let (ledger, daily): (i64, i64) = db
            .call(|c| {
                Ok(c.query_row(
                    "SELECT (SELECT COUNT(*) FROM heartbeats),
                            (SELECT SUM(credited_ms) FROM viewing_daily)",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?)
            })
            .await
            .unwrap();
        assert_eq!(
            (ledger, daily),
            (3, 30_000),
            "exactly the accepted heartbeats"
        );

        // Through the writer thread: answered after the commit.
        let writer = Writer::start(db.clone(), rules.tz.clone(), 0.95, rules.life);
        let applied = writer
            .submit(a, logins[0].clone(), beat(3, 20.0, 30.0), at(30))
            .await
            .unwrap();
        assert_eq!(applied.credited_ms, 10_000);
        let refused = writer
            .submit(b.clone(), logins[0].clone(), beat(3, 0.0, 1.0), at(30))
            .await;
        assert!(matches!(refused, Err(HeartbeatError::NotYours)));
        let mut unknown = logins[1].clone();
        unknown.token = "f".repeat(64);
        let refused = writer.submit(b, unknown, beat(3, 0.0, 1.0), at(30)).await;
        assert!(matches!(
            refused,
            Err(HeartbeatError::Refused(sessions::Refusal::Unauthenticated))
        ));
    }
}
