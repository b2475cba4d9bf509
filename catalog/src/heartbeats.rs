//! The heartbeat writer: one thread that takes the heartbeats waiting in a
//! queue and commits them together (group commit). Each heartbeat runs in
//! its own savepoint, so a refused one (unknown session, values out of range)
//! changes nothing and does not undo the others; each is acknowledged only
//! after the transaction holding it is durable (`synchronous = FULL`). While
//! one batch is being written the next one gathers, so under load one WAL
//! sync serves hundreds of heartbeats, and an idle system still answers a
//! lone heartbeat at once. The thread writes through the catalog's one
//! connection ([`Db`]), so no `SQLITE_BUSY` reaches a client.

use crate::db::Db;
use crate::playback::{self, Applied, Heartbeat, HeartbeatError};
use domain::{PlaybackSessionId, UserId};
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
    user: UserId,
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
}

impl Writer {
    /// Starts the writer thread on `db`.
    pub fn start(db: Db, tz: TimeZone, completion: f64) -> Self {
        let (queue, jobs) = mpsc::channel(QUEUE);
        let rules = Rules { tz, completion };
        std::thread::Builder::new()
            .name("heartbeat-writer".into())
            .spawn(move || run(&db, &rules, jobs))
            .unwrap_or_else(|e| panic!("cannot start the heartbeat writer thread: {e}"));
        Self { queue }
    }

    /// Applies `heartbeat` of `user` to `session` at `now`; answers once it
    /// is durable.
    pub async fn submit(
        &self,
        session: PlaybackSessionId,
        user: UserId,
        heartbeat: Heartbeat,
        now: Timestamp,
    ) -> Result<Applied, HeartbeatError> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            session,
            user,
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

/// Applies `batch` in one transaction, each heartbeat in a savepoint; when
/// the commit fails every heartbeat gets the error (none was stored).
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
    let mut tx = match conn.transaction() {
        Ok(tx) => tx,
        Err(e) => return failed_all(&e),
    };
    let mut results = Vec::with_capacity(batch.len());
    for job in batch {
        let result = tx.savepoint().map_err(HeartbeatError::from).and_then(|sp| {
            let applied = playback::apply(
                &sp,
                &job.session,
                job.user,
                &job.heartbeat,
                job.now,
                &rules.tz,
                rules.completion,
            )?;
            sp.commit()?;
            Ok(applied)
        });
        // A refused heartbeat's savepoint was rolled back when dropped.
        results.push(result);
    }
    match tx.commit() {
        Ok(()) => results,
        Err(e) => failed_all(&e),
    }
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

    async fn setup() -> (tempfile::TempDir, Db, Vec<PlaybackSessionId>) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("c.db")).unwrap();
        let sessions = db
            .call(|c| {
                c.execute_batch(
                    "INSERT INTO users (id, email, name, role, status, created_at, updated_at)
                       VALUES (1, 'a@x.jp', 'A', 'learner', 'active', 't', 't'),
                              (2, 'b@x.jp', 'B', 'learner', 'active', 't', 't');
                     INSERT INTO videos (id, title, uploaded_by, size_bytes, status, duration_s, hls_rev, created_at, updated_at)
                       VALUES (1, 'v', 1, 1, 'ready', 600, 'r1', 't', 't');",
                )?;
                let start: Timestamp = "2026-04-01T00:00:00Z".parse().unwrap();
                let mut out = Vec::new();
                for user in [1, 2] {
                    let (id, _) = playback::start(c, UserId::new(user), domain::VideoId::new(1), "", start, start)?;
                    out.push(id);
                }
                Ok(out)
            })
            .await
            .unwrap();
        (dir, db, sessions)
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
        let (_dir, db, sessions) = setup().await;
        let at = |s: i64| -> Timestamp { format!("2026-04-01T00:00:{s:02}Z").parse().unwrap() };
        let (a, b) = (sessions[0].clone(), sessions[1].clone());
        let jobs: Vec<Job> = [
            (a.clone(), 1, beat(1, 0.0, 10.0), 10),
            (b.clone(), 1, beat(1, 0.0, 10.0), 10), // not yours
            (b.clone(), 2, beat(1, 0.0, 9999.0), 10), // out of range
            (b.clone(), 2, beat(2, 0.0, 10.0), 10),
            (a.clone(), 1, beat(2, 10.0, 20.0), 20),
            (a.clone(), 1, beat(2, 10.0, 20.0), 21), // repeat
        ]
        .into_iter()
        .map(|(session, user, heartbeat, s)| Job {
            session,
            user: UserId::new(user),
            heartbeat,
            now: at(s),
            reply: oneshot::channel().0,
        })
        .collect();
        let rules = Rules {
            tz: TimeZone::get("Asia/Tokyo").unwrap(),
            completion: 0.95,
        };
        // All six in one transaction.
        let results = db.blocking(|c| write(c, &rules, &jobs));
        assert!(matches!(results[1], Err(HeartbeatError::NotYours)));
        assert!(matches!(results[2], Err(HeartbeatError::Invalid(_))));
        let credited: Vec<i64> = [0, 3, 4, 5]
            .iter()
            .map(|&i| results[i].as_ref().unwrap().credited_ms)
            .collect();
        assert_eq!(credited, [10_000, 10_000, 10_000, 0]);
        assert!(results[5].as_ref().unwrap().duplicate);
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
        let writer = Writer::start(db.clone(), rules.tz.clone(), 0.95);
        let applied = writer
            .submit(a, UserId::new(1), beat(3, 20.0, 30.0), at(30))
            .await
            .unwrap();
        assert_eq!(applied.credited_ms, 10_000);
        let refused = writer
            .submit(b, UserId::new(1), beat(3, 0.0, 1.0), at(30))
            .await;
        assert!(matches!(refused, Err(HeartbeatError::NotYours)));
    }
}
