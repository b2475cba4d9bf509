//! A remote worker's job source: the catalog's internal job API over HTTP(S),
//! authenticated with the worker token.

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
        anyhow::ensure!(
            base.starts_with("http://") || base.starts_with("https://"),
            "--catalog / worker.catalog_url must be an http:// or https:// URL"
        );
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?;
        Ok(Self {
            client,
            base: base.trim_end_matches('/').to_owned(),
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
            StatusCode::UNAUTHORIZED => {
                Err(SourceError("the catalog refused the worker token".into()))
            }
            StatusCode::NOT_FOUND => Err(SourceError(
                "the catalog has no worker token configured (catalog.worker_token)".into(),
            )),
            s => Err(SourceError(format!("catalog answered {s}"))),
        }
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
