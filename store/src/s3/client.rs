//! The aws-sdk-s3 client, configured to fail fast: a short connect timeout,
//! an attempt timeout, at most one retry and none after a connect timeout.

use crate::settings::S3Options;
use aws_sdk_s3::config::interceptors::InterceptorContext;
use aws_sdk_s3::config::retry::{ClassifyRetry, RetryAction, RetryConfig};
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region, StalledStreamProtectionConfig};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use secrecy::ExposeSecret;
use std::time::Duration;

/// A client for `options` (no request is made).
pub(super) fn build(options: &S3Options) -> aws_sdk_s3::Client {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let credentials = Credentials::new(
        &options.access_key_id,
        options.secret_access_key.expose_secret(),
        None,
        None,
        "manabi [store] settings",
    );
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(options.connect_timeout)
        .operation_attempt_timeout(options.request_timeout)
        .build();
    // One retry at most, after a short pause, and none after a connect
    // timeout: an unreachable store must surface within about a second so
    // the origin can answer 503.
    let retries = RetryConfig::standard()
        .with_max_attempts(2)
        .with_initial_backoff(Duration::from_millis(50))
        .with_max_backoff(Duration::from_millis(500));
    let mut config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(http)
        .region(Region::new(options.region.clone()))
        .credentials_provider(credentials)
        // Without path style, `http://localhost:9000` becomes a DNS lookup
        // of `bucket.localhost`; S3-compatible servers expect path style.
        .force_path_style(true)
        .timeout_config(timeouts)
        .retry_config(retries)
        .retry_classifier(NoRetryAfterConnectTimeout)
        // A transfer that makes no progress for 5 s fails (uploads have no
        // attempt timeout, downloads none past the headers).
        .stalled_stream_protection(
            StalledStreamProtectionConfig::enabled()
                .grace_period(Duration::from_secs(5))
                .build(),
        );
    if let Some(endpoint) = &options.endpoint {
        config = config.endpoint_url(endpoint);
    }
    aws_sdk_s3::Client::from_conf(config.build())
}

/// A host that did not accept a connection within the connect timeout will
/// not accept the retry's either, and waiting twice would overrun the second
/// the origin has to answer 503. (Refused connections fail at once and are
/// retried; the next request tries again anyway.)
#[derive(Debug)]
struct NoRetryAfterConnectTimeout;

impl ClassifyRetry for NoRetryAfterConnectTimeout {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        match ctx.output_or_error() {
            Some(Err(e)) if e.as_connector_error().is_some_and(|c| c.is_timeout()) => {
                RetryAction::RetryForbidden
            }
            _ => RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "NoRetryAfterConnectTimeout"
    }
}
