//! The catalog: manabi's system of record and its JSON API.
//!
//! # Layout
//! - [`db`]: the SQLite handle (WAL, migrations, `call` off the runtime).
//! - [`settings`]: the `[catalog]` configuration.
//! - [`password`], [`sessions`]: PBKDF2 password hashes and login sessions.
//! - [`users`], [`groups`], [`courses`], [`videos`], [`playback`], [`audit`]: one module per
//!   aggregate; plain functions over a `rusqlite::Connection`.
//! - [`people`]: managing users — scope (admins: all, managers: their groups'
//!   learners), no lock-out of the last admin, sessions ended on disable.
//! - [`jobs`]: the transcode queue as workers see it (leases, revisions).
//! - [`captions`], [`subtitles`]: caption files (WebVTT/SRT) checked and
//!   converted, and offered as HLS subtitles in the published revision.
//! - [`crediting`]: the pure rules that turn heartbeats into viewing time;
//!   [`heartbeats`]: the writer that commits them in batches.
//! - [`coverage`]: which seconds of a video a user played (視聴率, 修了).
//! - [`csvfile`]: the CSV files of user imports and exports — encodings
//!   (UTF-8, Shift_JIS/CP932), RFC 4180 with Excel's artefacts, typed rows.
//! - [`imports`]: CSV imports of users — preview (changes nothing), apply in
//!   one transaction of exactly the previewed plan, undo; sync, one-time passwords.
//! - [`mail`], [`invitations`]: invitation e-mails to imported users when SMTP
//!   is configured — composing and sending; the queue with its retries.
//! - [`reports`]: reports from the per-day rollup.
//! - [`assignments`]: courses assigned to groups and users with a due day.
//! - [`audit`], [`export`]: the append-only audit log; every table as CSV.
//! - [`seats`]: licensed seats, active users counted per day.
//! - [`notices`]: incident and maintenance notices; no changes during a
//!   maintenance window.
//! - [`trash`]: deleted users, groups, courses and videos; restore; purge.
//! - [`backup`]: sealed, verified backups of the catalog and their restore.
//! - [`tls`]: the one TLS policy (CRYPTREC) of the HTTPS server and SMTP.
//! - [`api`]: thin HTTP handlers, the one error mapping, extractors.
//!
//! [`Catalog::open`] builds the state; [`Catalog::router`] serves it.

pub mod api;
pub mod assignments;
pub mod audit;
pub mod backup;
pub mod captions;
pub mod courses;
pub mod coverage;
pub mod crediting;
pub mod csvfile;
pub mod db;
pub mod export;
pub mod groups;
pub mod heartbeats;
pub mod history;
pub mod imports;
pub mod invitations;
pub mod jobs;
pub mod keyfile;
pub mod mail;
pub mod mirror;
pub mod notices;
pub mod password;
pub mod people;
pub mod playback;
pub mod preferences;
pub mod reports;
pub mod seats;
pub mod sessions;
pub mod settings;
pub mod subtitles;
pub mod tls;
pub mod trash;
pub mod users;
pub mod videos;

pub use api::AppState;
pub use settings::Settings;

use db::Db;
use domain::SigningKeys;
use std::path::Path;
use std::sync::Arc;
use store::Store;
use tokio::sync::Semaphore;

/// Opening the catalog failed.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// A setting cannot be used.
    #[error(transparent)]
    Settings(#[from] settings::SettingsError),
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Db(#[from] db::DbError),
    /// The data directory could not be prepared.
    #[error("cannot prepare {path}: {cause}")]
    Io {
        /// The directory.
        path: String,
        /// The cause.
        cause: std::io::Error,
    },
}

/// The opened catalog.
#[derive(Clone)]
pub struct Catalog {
    /// What the handlers share.
    pub state: AppState,
}

impl Catalog {
    /// Opens the database under `data_dir`, seeds the seven domains and
    /// prepares the upload directory.
    pub async fn open(
        settings: Settings,
        data_dir: &Path,
        store: Arc<dyn Store>,
        keys: SigningKeys,
    ) -> Result<Self, OpenError> {
        settings.validate()?;
        let tz = settings.timezone()?;
        let upload_dir = data_dir.join("uploads");
        std::fs::create_dir_all(&upload_dir).map_err(|cause| OpenError::Io {
            path: upload_dir.display().to_string(),
            cause,
        })?;
        let db = Db::open(&data_dir.join("catalog.db"), &settings.db_key(data_dir)?)?;
        db.call(|c| Ok(courses::seed_categories(c)?)).await?;
        let completion = settings.completion_coverage;
        db.call(move |c| Ok(playback::complete_reached(c, completion)?))
            .await?;
        let rounds = settings.pbkdf2_iterations;
        let decoy = tokio::task::spawn_blocking(move || password::decoy(rounds))
            .await
            .map_err(|e| db::DbError::Task(e.to_string()))?;
        let permits = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let lease = jiff::SignedDuration::from_secs(settings.job_lease_seconds.max(3));
        let heartbeats = heartbeats::Writer::start(
            db.clone(),
            tz.clone(),
            settings.completion_coverage,
            settings.lifetimes(),
        );
        let maintenance = notices::Windows::default();
        db.call({
            let maintenance = maintenance.clone();
            move |c| Ok(maintenance.reload(c, jiff::Timestamp::now())?)
        })
        .await?;
        let state = AppState::new(api::Shared {
            queue: jobs::Queue::new(db.clone(), Arc::clone(&store), lease),
            worker_token: settings.worker_token()?.map(Arc::new),
            db,
            store,
            settings: Arc::new(settings),
            tz,
            keys: Arc::new(keys),
            hashing: Arc::new(Semaphore::new(permits)),
            upload_dir,
            decoy_hash: Arc::new(decoy),
            network: Arc::new(domain::Network::default()),
            caps: None,
            mailer: None,
            revocations: playback::Revocations::default(),
            heartbeats,
            maintenance,
            backups: None,
            mirror: None,
            posters: None,
        });
        Ok(Self { state })
    }

    /// Names viewers' sites from `network` and hands players the caps of
    /// `caps` (the origin's governor when it runs in this process).
    pub fn with_network(
        mut self,
        network: domain::Network,
        caps: Option<Arc<dyn domain::BitrateCaps>>,
    ) -> Self {
        self.state.configure().network = Arc::new(network);
        self.state.configure().caps = caps;
        self
    }

    /// Sends invitation e-mails through `mailer` (see [`Self::deliver_invitations`]).
    pub fn with_mailer(mut self, mailer: Option<mail::Mailer>) -> Self {
        self.state.configure().mailer = mailer.map(Arc::new);
        self
    }

    /// Makes editors' pictures into posters with `maker` (the transcoder).
    pub fn with_posters(mut self, maker: Arc<dyn videos::PosterMaker>) -> Self {
        self.state.configure().posters = Some(maker);
        self
    }

    /// Takes daily backups (housekeeping) and on-demand ones (admin API) by `plan`.
    pub fn with_backups(mut self, plan: backup::Plan) -> Self {
        self.state.configure().backups = Some(Arc::new(plan));
        self
    }

    /// Keeps `mirror` an exact copy of the media store (housekeeping).
    pub fn with_mirror(mut self, mirror: Option<Arc<dyn store::Store>>) -> Self {
        self.state.configure().mirror = mirror;
        self
    }

    /// The HTTP routes.
    pub fn router(&self) -> axum::Router {
        api::router(self.state.clone())
    }

    /// Periodic upkeep until `stop` resolves, every [`HOUSEKEEPING_EVERY`]
    /// from start: takes the daily backup once its time has come, brings the
    /// media mirror up to date, counts
    /// today's active users against the licence (and warns when over) and
    /// purges what has been in the trash longer than the retention period.
    pub async fn housekeeping(self, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        let mut tick = tokio::time::interval(HOUSEKEEPING_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = &mut stop => return,
                _ = tick.tick() => self.upkeep().await,
            }
        }
    }

    async fn upkeep(&self) {
        let state = &self.state;
        if let Some(plan) = &state.backups {
            let last = state.db.call(|c| Ok(backup::last_ok(c)?)).await;
            if plan.due(jiff::Timestamp::now(), last.ok().flatten(), &state.tz) {
                // Failures are recorded, counted and logged by take().
                if let Ok(r) = plan.take(&state.db).await {
                    tracing::info!(file = %r.file, bytes = r.size_bytes, "daily backup taken and verified");
                }
            } else if let Some(Ok(synced)) = plan.copy_out(&state.db).await
                && synced.uploaded > 0
            {
                tracing::info!(files = synced.uploaded, "backups copied");
            }
        }
        if let Some(copy) = &state.mirror {
            // Problems are counted, logged and shown to admins by keep().
            if let Ok(report) = mirror::keep(
                &state.db,
                state.store.as_ref(),
                copy.as_ref(),
                &state.upload_dir,
                false,
            )
            .await
                && report.copied + report.removed > 0
            {
                tracing::info!(
                    copied = report.copied,
                    removed = report.removed,
                    "media mirror updated"
                );
            }
        }
        let today = state.today();
        let licensed = state.settings.licensed_seats;
        match state
            .db
            .call(move |c| Ok(seats::record(c, today, licensed)?))
            .await
        {
            Ok(active) => {
                if let Some(warning) = seats::warning(active, licensed) {
                    tracing::warn!(active, licensed, "{warning}");
                }
            }
            Err(e) => tracing::warn!(error = %e, "counting the active users failed"),
        }
        let retention =
            jiff::SignedDuration::from_hours(i64::from(state.settings.trash_retention_days) * 24);
        match trash::purge_expired(&state.db, state.store.as_ref(), retention).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                purged = n,
                "purged from the trash after the retention period"
            ),
            Err(e) => tracing::warn!(error = %e, "purging the trash failed"),
        }
    }
}

impl Catalog {
    /// Delivers queued invitation e-mails until `stop` resolves: whenever an
    /// import queues some, and when a retry is due (see [`invitations`]).
    /// Without a mailer it only waits for `stop`.
    pub async fn deliver_invitations(self, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        let Some(mailer) = self.state.mailer.clone() else {
            return stop.await;
        };
        loop {
            let next = match self.deliver_due(&mailer).await {
                Ok(next) => next,
                Err(e) => {
                    tracing::warn!(error = %e, "reading the invitation queue failed");
                    None
                }
            };
            let pause = next.map_or(INVITATION_POLL, |at| {
                at.duration_since(jiff::Timestamp::now())
                    .try_into()
                    .unwrap_or(std::time::Duration::ZERO)
                    .clamp(std::time::Duration::from_millis(200), INVITATION_POLL)
            });
            tokio::select! {
                () = &mut stop => return,
                () = mailer.wake.notified() => {}
                () = tokio::time::sleep(pause) => {}
            }
        }
    }

    /// Sends every invitation due now; returns when the next one is due.
    async fn deliver_due(
        &self,
        mailer: &mail::Mailer,
    ) -> Result<Option<jiff::Timestamp>, db::DbError> {
        let db = &self.state.db;
        loop {
            let now = jiff::Timestamp::now();
            let batch = db.call(move |c| Ok(invitations::due(c, now, 20)?)).await?;
            if batch.is_empty() {
                return db.call(|c| Ok(invitations::next_due(c)?)).await;
            }
            for queued in batch {
                let outcome = mailer
                    .send(&mail::Invitation {
                        email: &queued.email,
                        name: &queued.name,
                        password: &queued.password,
                    })
                    .await;
                let now = jiff::Timestamp::now();
                let give_up = mailer.give_up;
                let (id, user) = (queued.id, queued.user_id);
                match outcome {
                    Ok(()) => {
                        db.call(move |c| Ok(invitations::sent(c, id, now)?)).await?;
                        mail::DELIVERIES.with_label_values(&["sent"]).inc();
                        tracing::info!(invitation = id, user, "invitation e-mail sent");
                    }
                    Err(e) => {
                        let message = e.message.clone();
                        let failed = db
                            .call(move |c| {
                                Ok(invitations::attempt_failed(
                                    c,
                                    &queued,
                                    &message,
                                    e.permanent,
                                    give_up,
                                    now,
                                )?)
                            })
                            .await?;
                        let result = if failed { "failed" } else { "retry" };
                        mail::DELIVERIES.with_label_values(&[result]).inc();
                        tracing::warn!(invitation = id, user, error = %e.message, result,
                            "invitation e-mail not delivered");
                    }
                }
            }
        }
    }
}

/// The longest pause between looks at the invitation queue.
const INVITATION_POLL: std::time::Duration = std::time::Duration::from_secs(30);

/// How often [`Catalog::housekeeping`] runs.
pub const HOUSEKEEPING_EVERY: std::time::Duration = std::time::Duration::from_secs(600);
