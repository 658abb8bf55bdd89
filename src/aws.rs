//! Shared AWS SDK set-up: the standard credential and region chain (profiles, SSO, env,
//! IMDS), `AWS_ENDPOINT_URL` for emulators, and timeouts so an unreachable endpoint fails
//! with a message instead of hanging.

use aws_config::{BehaviorVersion, SdkConfig, timeout::TimeoutConfig};
use std::time::Duration;

/// The runtime every AWS command runs on; both cores, API calls concurrent.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}

/// Loads the standard chain; `region` overrides the chain's region.
pub async fn load(region: Option<&str>) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(
        TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(5))
            .operation_attempt_timeout(Duration::from_secs(30))
            .operation_timeout(Duration::from_secs(90))
            .build(),
    );
    if let Some(r) = region {
        loader = loader.region(aws_config::Region::new(r.to_string()));
    }
    loader.load().await
}

/// An S3 client; path-style addressing when an endpoint override (an emulator) is set,
/// since `bucket.127.0.0.1` does not resolve.
pub fn s3(conf: &SdkConfig) -> aws_sdk_s3::Client {
    let mut b = aws_sdk_s3::config::Builder::from(conf);
    if conf.endpoint_url().is_some() {
        b = b.force_path_style(true);
    }
    aws_sdk_s3::Client::from_conf(b.build())
}

/// The whole error chain of an SDK error on one line (the top level alone is often just
/// "dispatch failure" or "service error").
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let t = s.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        cur = s.source();
    }
    parts.join(": ")
}

/// Resolves every S3 Control request to the configured endpoint as is. The SDK's own
/// resolver prefixes the account id to the host (`123456789012.127.0.0.1`), which an
/// emulator on loopback cannot answer.
#[derive(Debug)]
struct FixedEndpoint(String);

impl aws_sdk_s3control::config::endpoint::ResolveEndpoint for FixedEndpoint {
    fn resolve_endpoint<'a>(
        &'a self,
        _params: &'a aws_sdk_s3control::config::endpoint::Params,
    ) -> aws_sdk_s3control::config::endpoint::EndpointFuture<'a> {
        aws_sdk_s3control::config::endpoint::EndpointFuture::ready(Ok(
            aws_sdk_s3control::config::endpoint::Endpoint::builder()
                .url(self.0.clone())
                .build(),
        ))
    }
}

/// An S3 Control client; with an endpoint override, requests go to exactly that host.
pub fn s3control(conf: &SdkConfig) -> aws_sdk_s3control::Client {
    let mut b = aws_sdk_s3control::config::Builder::from(conf);
    if let Some(url) = conf.endpoint_url() {
        b = b.endpoint_resolver(FixedEndpoint(url.to_string()));
    }
    aws_sdk_s3control::Client::from_conf(b.build())
}

/// The same configuration pointed at another region.
pub fn in_region(conf: &SdkConfig, region: &str) -> SdkConfig {
    conf.to_builder()
        .region(aws_config::Region::new(region.to_string()))
        .build()
}
