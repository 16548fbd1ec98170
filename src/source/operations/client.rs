//! A small client for AWS's JSON APIs (`awsJson1_1` with `X-Amz-Target`, and
//! REST JSON): one reqwest client, requests signed with SigV4 by AWS's own
//! signer, errors turned into what a panel can say.

use crate::source::SourceError;
use crate::source::aws_client::ClientSettings;
use crate::source::prometheus::sigv4::{SigV4Settings, Signer};

/// One AWS service, as one source talks to it.
pub(crate) struct AwsJson {
    http: reqwest::Client,
    signer: Signer,
    base: String,
    settings: ClientSettings,
}

impl AwsJson {
    /// A client for the service signed as `signing_name`, at `host_prefix`
    /// (`api.sagemaker`) in the region unless the layout names an endpoint.
    pub(crate) fn new(settings: &ClientSettings, signing_name: &str, host_prefix: &str) -> AwsJson {
        let base = settings
            .endpoint_url
            .clone()
            .unwrap_or_else(|| format!("https://{host_prefix}.{}.amazonaws.com", settings.region));
        AwsJson {
            http: reqwest::Client::builder()
                .connect_timeout(crate::source::aws_client::CONNECT_TIMEOUT)
                .timeout(settings.timeout)
                .build()
                .unwrap_or_default(),
            signer: Signer::new(SigV4Settings {
                region: settings.region.clone(),
                profile: settings.profile.clone(),
                service: signing_name.to_owned(),
            }),
            base: base.trim_end_matches('/').to_owned(),
            settings: settings.clone(),
        }
    }

    /// `target` (`SageMaker.DescribeEndpoint`) with `body`, the awsJson1_1 way.
    pub(crate) async fn call(
        &self,
        target: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, SourceError> {
        let request = self
            .http
            .post(format!("{}/", self.base))
            .header("Content-Type", "application/x-amz-json-1.1")
            .header("X-Amz-Target", target)
            .body(body.to_string());
        self.send(request).await
    }

    /// `GET path` of a REST JSON API.
    pub(crate) async fn get(&self, path: &str) -> Result<serde_json::Value, SourceError> {
        let request = self.http.get(format!("{}{path}", self.base));
        self.send(request).await
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<serde_json::Value, SourceError> {
        let service = self.settings.service;
        let mut request = request
            .build()
            .map_err(|e| SourceError::Config(format!("{service}: {e}")))?;
        self.signer.sign(&mut request).await?;
        let response = self.http.execute(request).await.map_err(|e| {
            if e.is_timeout() {
                SourceError::Timeout(self.settings.timeout.as_secs())
            } else {
                SourceError::Unreachable(format!("{service}: {e}"))
            }
        })?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| SourceError::Unreachable(format!("{service}: {e}")))?;
        let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        if status.is_success() {
            return Ok(json);
        }
        let message = json["message"]
            .as_str()
            .or_else(|| json["Message"].as_str())
            .unwrap_or(text.as_str());
        let code = json["__type"].as_str().unwrap_or_default();
        if status.as_u16() == 403 || code.contains("AccessDenied") {
            return Err(SourceError::Config(format!(
                "{service}: access denied ({message}); the role needs {}",
                self.settings.permissions
            )));
        }
        Err(SourceError::Server(format!(
            "{service}: HTTP {status} {code} {message}"
        )))
    }
}

/// A timestamp as AWS's JSON protocols send it: epoch seconds (a number), or
/// RFC 3339 text; ms since the epoch.
pub(crate) fn timestamp_ms(value: &serde_json::Value) -> Option<i64> {
    if let Some(seconds) = value.as_f64() {
        return Some((seconds * 1000.0).round() as i64);
    }
    let text = value.as_str()?;
    chrono::DateTime::parse_from_rfc3339(text)
        .or_else(|_| chrono::DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%:z"))
        .ok()
        .map(|t| t.timestamp_millis())
}
