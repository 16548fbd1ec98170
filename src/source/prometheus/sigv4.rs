//! SigV4 signing for Amazon Managed Service for Prometheus (AMP): every request
//! carries an `Authorization: AWS4-HMAC-SHA256 …` header computed by AWS's own
//! signer (`aws-sigv4`) from credentials of the AWS chain, never from the layout.

pub(crate) use crate::dashboard::sources::prometheus::SigV4Settings;
use crate::source::SourceError;
use crate::source::aws_credentials;
use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use std::time::{Duration, SystemTime};

/// Signing name of Amazon Managed Prometheus.
pub(crate) const AMP_SERVICE: &str = "aps";
/// Credentials are fetched again this long before they expire.
const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(300);

/// Signs requests for one source, caching its credentials until they near expiry.
pub(crate) struct Signer {
    region: String,
    service: String,
    profile: Option<String>,
    chain:
        tokio::sync::OnceCell<aws_config::default_provider::credentials::DefaultCredentialsChain>,
    cached: tokio::sync::Mutex<Option<Credentials>>,
}

impl Signer {
    /// A signer for the source's `sigv4` table.
    pub(crate) fn new(settings: SigV4Settings) -> Signer {
        Signer {
            region: settings.region,
            service: settings.service,
            profile: settings.profile,
            chain: tokio::sync::OnceCell::new(),
            cached: tokio::sync::Mutex::new(None),
        }
    }

    async fn credentials(&self) -> Result<Credentials, SourceError> {
        let mut cached = self.cached.lock().await;
        let fresh = cached.as_ref().is_some_and(|c| {
            c.expiry()
                .is_none_or(|expiry| expiry > SystemTime::now() + REFRESH_BEFORE_EXPIRY)
        });
        if !fresh {
            let chain = self
                .chain
                .get_or_init(|| aws_credentials::chain(&self.region, self.profile.as_deref()))
                .await;
            let credentials = chain
                .provide_credentials()
                .await
                .map_err(|e| aws_credentials::advice(&e, self.profile.as_deref()))?;
            *cached = Some(credentials.clone());
            return Ok(credentials);
        }
        cached
            .clone()
            .ok_or_else(|| SourceError::Config("no AWS credentials".to_owned()))
    }

    /// Adds the SigV4 headers to `request`, signed now.
    pub(crate) async fn sign(&self, request: &mut reqwest::Request) -> Result<(), SourceError> {
        let credentials = self.credentials().await?;
        sign_request(
            request,
            &credentials,
            &self.region,
            &self.service,
            SystemTime::now(),
        )
    }
}

/// Adds the SigV4 headers for `credentials` at `time` to a request (its body,
/// if it has one in memory, is part of the signature).
pub fn sign_request(
    request: &mut reqwest::Request,
    credentials: &Credentials,
    region: &str,
    service: &str,
    time: SystemTime,
) -> Result<(), SourceError> {
    let failed = |e: &dyn std::fmt::Display| SourceError::Config(format!("SigV4 signing: {e}"));
    let identity = credentials.clone().into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| failed(&e))?
        .into();
    let host = request
        .url()
        .host_str()
        .map(|h| match request.url().port() {
            Some(port) => format!("{h}:{port}"),
            None => h.to_owned(),
        })
        .unwrap_or_default();
    let url = request.url().to_string();
    let headers = [("host", host.as_str())];
    let body = request
        .body()
        .and_then(reqwest::Body::as_bytes)
        .unwrap_or_default();
    let signable = SignableRequest::new(
        request.method().as_str(),
        &url,
        headers.into_iter(),
        SignableBody::Bytes(body),
    )
    .map_err(|e| failed(&e))?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|e| failed(&e))?
        .into_parts();
    for (name, value) in instructions.headers() {
        let name =
            reqwest::header::HeaderName::from_bytes(name.as_bytes()).map_err(|e| failed(&e))?;
        let mut value = reqwest::header::HeaderValue::from_str(value).map_err(|e| failed(&e))?;
        value.set_sensitive(true);
        request.headers_mut().insert(name, value);
    }
    Ok(())
}
