//! One HTTP client for every HTTP source (Prometheus flavours, Alertmanager): who
//! it is (bearer token, basic auth, OAuth2, client certificate), whom it trusts
//! and which proxy it goes through, with the meanings of Prometheus's
//! `http_config`. Secrets are read once, when the source first connects, and live
//! only in this client; its failures name the setting to look at.

mod diagnose;
pub mod keyring;
mod oauth2;
mod secret;
pub(crate) mod settings;
mod tls;

use crate::dashboard::sources::http::HttpSettings;
use crate::source::SourceError;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::time::Duration;

/// How many times a request with a client certificate is asked again after a
/// connection closed with no reason given (see `HttpClient::lost_the_alert`).
const CLIENT_CERT_RETRIES: u32 = 2;

/// Who a request says it is.
enum Credentials {
    None,
    Bearer(String),
    Basic { username: String, password: String },
    OAuth2(oauth2::Tokens),
}

/// A connected HTTP source's client. Holds secrets: deliberately not `Debug`.
pub(crate) struct HttpClient {
    client: reqwest::Client,
    credentials: Credentials,
    settings: HttpSettings,
    /// The proxy requests go through and the setting that named it, for messages.
    proxy: Option<String>,
    /// The server, for messages (never the credentials a URL may carry).
    server: String,
}

impl HttpClient {
    /// Reads the secrets and certificates `settings` name and builds the client
    /// for `base_url`; what is missing or wrong is said with the key to fix.
    pub(crate) async fn connect(
        settings: &HttpSettings,
        base_url: &str,
    ) -> Result<HttpClient, String> {
        let mut headers = HeaderMap::new();
        for (name, value) in &settings.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| format!("header `{name}`: {e}"))?;
            let value =
                HeaderValue::from_str(value).map_err(|e| format!("header `{name}`: {e}"))?;
            headers.insert(name, value);
        }
        let timeout = settings.timeout;
        let mut builder = reqwest::Client::builder()
            .default_headers(headers)
            .connect_timeout(Duration::from_secs(2).min(timeout))
            .timeout(timeout)
            .user_agent(concat!("fleetdeck/", env!("CARGO_PKG_VERSION")));
        if tls::is_custom(&settings.tls) {
            builder = builder.tls_backend_preconfigured(tls::client_config(&settings.tls)?);
        }
        let (mut builder, proxy) = settings::apply_proxy(builder, &settings.proxy, base_url)?;
        if proxy.is_some() {
            // Proxies such as tinyproxy close the connection after each answer
            // without saying so; a pooled connection would fail the next request.
            builder = builder.pool_max_idle_per_host(0);
        }
        let client = builder
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let credentials = if let Some(place) = &settings.bearer_token {
            Credentials::Bearer(secret::read(place, "the bearer token").await?)
        } else if let Some((username, place)) = &settings.basic_auth {
            let password = secret::read_optional(place.as_ref(), "the basic-auth password")
                .await?
                .unwrap_or_default();
            Credentials::Basic {
                username: username.clone(),
                password,
            }
        } else if let Some(oauth2) = &settings.oauth2 {
            let client_secret =
                secret::read(&oauth2.client_secret, "the OAuth2 client secret").await?;
            Credentials::OAuth2(oauth2::Tokens::new(oauth2.clone(), client_secret))
        } else {
            Credentials::None
        };
        Ok(HttpClient {
            client,
            credentials,
            settings: settings.clone(),
            proxy,
            server: crate::source::url_without_credentials(base_url),
        })
    }

    /// A GET of `url`, to be sent with [`Self::send`].
    pub(crate) fn get(&self, url: &str) -> reqwest::RequestBuilder {
        self.client.get(url)
    }

    /// A POST to `url`, to be sent with [`Self::send`].
    pub(crate) fn post(&self, url: &str) -> reqwest::RequestBuilder {
        self.client.post(url)
    }

    /// Sends a request with the source's credentials. An OAuth2 token the server
    /// turns down (401) is replaced and the request sent once more.
    pub(crate) async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, SourceError> {
        let again = request.try_clone();
        let (request, token) = self.authorize(request).await?;
        let response = self.execute_built(request).await?;
        if response.status() == reqwest::StatusCode::UNAUTHORIZED
            && let (Credentials::OAuth2(tokens), Some(token), Some(again)) =
                (&self.credentials, token, again)
        {
            tokens.refused(&token).await;
            let (request, _) = self.authorize(again).await?;
            return self.execute_built(request).await;
        }
        Ok(response)
    }

    /// Sends a request that carries its own credentials (SigV4-signed). With a
    /// client certificate, a connection that closed with no TLS error to say
    /// why is tried again, up to [`CLIENT_CERT_RETRIES`] times (see
    /// `lost_the_alert`).
    pub(crate) async fn execute(
        &self,
        request: reqwest::Request,
    ) -> Result<reqwest::Response, SourceError> {
        let mut request = request;
        let mut tries = 0;
        loop {
            let again = request.try_clone();
            match self.client.execute(request).await {
                Ok(response) => return Ok(response),
                Err(error) => match again {
                    Some(next) if tries < CLIENT_CERT_RETRIES && self.lost_the_alert(&error) => {
                        tries += 1;
                        request = next;
                    }
                    _ => return Err(self.transport_error(&error)),
                },
            }
        }
    }

    /// Whether a failure may be a refused client certificate whose alert was lost:
    /// in TLS 1.3 the server judges the certificate after the client finished
    /// its handshake, and when its alert and close win the race against the
    /// request, the client sees only a connection that closed ("connection was
    /// not ready"), with no TLS error to explain. Asked again, the alert is read.
    fn lost_the_alert(&self, error: &reqwest::Error) -> bool {
        self.settings.tls.client_cert.is_some()
            && !error.is_timeout()
            && diagnose::find_tls_error(error).is_none()
    }

    async fn execute_built(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, SourceError> {
        let request = request
            .build()
            .map_err(|e| SourceError::Config(format!("bad request to {}: {e}", self.server)))?;
        self.execute(request).await
    }

    /// The request with its credentials, and the OAuth2 token it carries.
    async fn authorize(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<(reqwest::RequestBuilder, Option<String>), SourceError> {
        Ok(match &self.credentials {
            Credentials::None => (request, None),
            Credentials::Bearer(token) => (request.bearer_auth(token), None),
            Credentials::Basic { username, password } => {
                (request.basic_auth(username, Some(password)), None)
            }
            Credentials::OAuth2(tokens) => {
                let token = tokens.token(&self.client).await?;
                (request.bearer_auth(&token), Some(token))
            }
        })
    }

    /// A failure to get an answer, said so a person knows what to change.
    pub(crate) fn transport_error(&self, error: &reqwest::Error) -> SourceError {
        if error.is_timeout() {
            return SourceError::Timeout(self.settings.timeout.as_secs());
        }
        let why = diagnose::explain(error, &self.settings.tls, self.proxy.as_deref());
        SourceError::Unreachable(format!("{}: {why}", self.server))
    }
}
