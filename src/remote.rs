//! The catalog's internal API over HTTP(S), authenticated with the worker
//! token: a remote worker's job source, and the revocations an origin running
//! apart applies.

use crate::jobs::recorded;
use async_trait::async_trait;
use domain::Job;
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;
use transcoder::jobs::{JobSource, Outcome, SourceError};

/// Jobs from a catalog reached at `base` (e.g. `http://catalog.internal:8080`).
pub struct HttpJobs {
    client: reqwest::Client,
    base: String,
    token: SecretString,
}

impl HttpJobs {
    /// A job source for the catalog at `base`.
    pub fn new(base: &str, token: SecretString) -> anyhow::Result<Self> {
        let base = catalog_base(base)?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?;
        Ok(Self {
            client,
            base,
            token,
        })
    }

    async fn post(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<reqwest::Response, SourceError> {
        let resp = self
            .client
            .post(format!("{}/api/internal/jobs/{path}", self.base))
            .bearer_auth(self.token.expose_secret())
            .json(body)
            .send()
            .await
            .map_err(|e| SourceError(format!("catalog unreachable: {e}")))?;
        match resp.status() {
            s if s.is_success() => Ok(resp),
            s => Err(SourceError(refusal(s))),
        }
    }
}

/// The catalog's base URL from `--catalog` / `worker.catalog_url`, checked.
pub fn catalog_base(url: &str) -> anyhow::Result<String> {
    anyhow::ensure!(
        url.starts_with("http://") || url.starts_with("https://"),
        "--catalog / worker.catalog_url must be an http:// or https:// URL"
    );
    Ok(url.trim_end_matches('/').to_owned())
}

/// What an answer of the internal API other than a success means.
fn refusal(status: StatusCode) -> String {
    match status {
        StatusCode::UNAUTHORIZED => "the catalog refused the worker token".into(),
        StatusCode::NOT_FOUND => {
            "the catalog has no worker token configured (catalog.worker_token)".into()
        }
        s => format!("catalog answered {s}"),
    }
}

fn bad_answer(e: &reqwest::Error) -> SourceError {
    SourceError(format!("unexpected answer from the catalog: {e}"))
}

#[async_trait]
impl JobSource for HttpJobs {
    async fn claim(&self) -> Result<Option<Job>, SourceError> {
        let resp = self.post("claim", &serde_json::json!({})).await?;
        if resp.status() == StatusCode::NO_CONTENT {
            return Ok(None);
        }
        resp.json().await.map(Some).map_err(|e| bad_answer(&e))
    }

    async fn progress(&self, job: Job, progress: f32) -> Result<bool, SourceError> {
        let path = format!("{}/{}/progress", job.video, job.attempt);
        let body: serde_json::Value = self
            .post(&path, &serde_json::json!({"progress": progress}))
            .await?
            .json()
            .await
            .map_err(|e| bad_answer(&e))?;
        Ok(body["continue"].as_bool().unwrap_or(false))
    }

    async fn finish(&self, job: Job, outcome: Outcome) -> Result<(), SourceError> {
        let body = serde_json::to_value(recorded(outcome).map_err(|e| SourceError(e.to_string()))?)
            .map_err(|e| SourceError(e.to_string()))?;
        self.post(&format!("{}/{}/finish", job.video, job.attempt), &body)
            .await?;
        Ok(())
    }

    async fn wait(&self) {
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// How often an origin running apart fetches the catalog's revocations.
pub const REVOCATIONS_EVERY: Duration = Duration::from_secs(2);

/// Applies the revocations of the catalog at `base` ([`catalog_base`];
/// `GET /api/internal/revoked`) to `caps`, the origin's governor, every
/// [`REVOCATIONS_EVERY`] until `stop`:
/// a session whose login ended gets 403 from this origin within that time
/// instead of when its grant runs out. While the catalog cannot be asked
/// the origin serves on (grants still run out); the trouble is logged once
/// and its end too.
pub async fn follow_revocations(
    base: &str,
    token: SecretString,
    caps: std::sync::Arc<dyn domain::BitrateCaps>,
    stop: impl std::future::Future<Output = ()>,
) {
    #[derive(serde::Deserialize)]
    struct Revoked {
        site: String,
        session: domain::PlaybackSessionId,
        until: jiff::Timestamp,
    }
    #[derive(serde::Deserialize)]
    struct Answer {
        items: Vec<Revoked>,
    }
    let client = reqwest::Client::builder()
        .timeout(REVOCATIONS_EVERY)
        .build()
        .unwrap_or_default();
    let url = format!("{base}/api/internal/revoked");
    let mut failing = false;
    let follow = async {
        loop {
            let answer = async {
                let resp = client
                    .get(&url)
                    .bearer_auth(token.expose_secret())
                    .send()
                    .await
                    .map_err(|e| format!("catalog unreachable: {e}"))?;
                match resp.status() {
                    s if s.is_success() => resp
                        .json::<Answer>()
                        .await
                        .map_err(|e| format!("unexpected answer from the catalog: {e}")),
                    s => Err(refusal(s)),
                }
            };
            match answer.await {
                Ok(answer) => {
                    if failing {
                        tracing::info!("the catalog's revocations are followed again");
                        failing = false;
                    }
                    for r in answer.items {
                        caps.revoke(&r.site, &r.session, r.until);
                    }
                }
                Err(e) if !failing => {
                    tracing::warn!(
                        error = %e,
                        "cannot fetch the catalog's revocations: a session whose login ends is refused when its grant runs out"
                    );
                    failing = true;
                }
                Err(_) => {}
            }
            tokio::time::sleep(REVOCATIONS_EVERY).await;
        }
    };
    tokio::select! {
        () = stop => {}
        () = follow => {}
    }
}
