//! OAuth2 client credentials (RFC 6749 §4.4): a token asked of the token endpoint,
//! kept until shortly before it expires, asked again then, and at once when the
//! server turns it down (401) although it had not expired.

use crate::dashboard::sources::http::OAuth2Settings;
use crate::source::SourceError;
use serde::Deserialize;
use std::time::{Duration, Instant};

/// The source's tokens; one token request at a time, shared by every fetch.
pub(crate) struct Tokens {
    settings: OAuth2Settings,
    /// The client secret, read when the source connected.
    secret: String,
    current: tokio::sync::Mutex<Option<Token>>,
}

struct Token {
    value: String,
    /// When to ask for the next one: before it expires, so no request carries
    /// a token the server has just stopped taking.
    renew_at: Option<Instant>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<f64>,
}

#[derive(Deserialize)]
struct TokenError {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// When a token that lives `lifetime` is renewed: 10 s before it expires, as
/// Prometheus's client does, but never in the first half of its life.
fn renew_after(lifetime: Duration) -> Duration {
    lifetime
        .saturating_sub(Duration::from_secs(10))
        .max(lifetime / 2)
}

impl Tokens {
    pub(crate) fn new(settings: OAuth2Settings, secret: String) -> Tokens {
        Tokens {
            settings,
            secret,
            current: tokio::sync::Mutex::new(None),
        }
    }

    /// A token good for now, asked for if there is none.
    pub(crate) async fn token(&self, client: &reqwest::Client) -> Result<String, SourceError> {
        let mut current = self.current.lock().await;
        if let Some(token) = current.as_ref()
            && token.renew_at.is_none_or(|at| Instant::now() < at)
        {
            return Ok(token.value.clone());
        }
        let token = self.request(client).await?;
        let value = token.value.clone();
        *current = Some(token);
        Ok(value)
    }

    /// The server refused `value`: the next [`Self::token`] asks for a new one
    /// (unless another fetch already did).
    pub(crate) async fn refused(&self, value: &str) {
        let mut current = self.current.lock().await;
        if current.as_ref().is_some_and(|token| token.value == value) {
            *current = None;
        }
    }

    async fn request(&self, client: &reqwest::Client) -> Result<Token, SourceError> {
        let url = &self.settings.token_url;
        let mut form: Vec<(&str, &str)> = vec![("grant_type", "client_credentials")];
        let scopes = self.settings.scopes.join(" ");
        if !scopes.is_empty() {
            form.push(("scope", &scopes));
        }
        for (name, value) in &self.settings.endpoint_params {
            form.push((name, value));
        }
        let asked = Instant::now();
        let response = client
            .post(url)
            .basic_auth(&self.settings.client_id, Some(&self.secret))
            .form(&form)
            .send()
            .await
            .map_err(|e| {
                SourceError::Unreachable(format!(
                    "the token endpoint {url} (oauth2.token_url): {}",
                    super::diagnose::explain(&e, &Default::default(), None)
                ))
            })?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| SourceError::Unreachable(format!("the token endpoint {url}: {e}")))?;
        if !status.is_success() {
            let error = serde_json::from_slice::<TokenError>(&body).ok();
            // RFC 6749 §5.2: a client the endpoint does not accept is `invalid_client`
            // (400, or 401 with basic authentication): a credential to enter again.
            let refused = status == reqwest::StatusCode::UNAUTHORIZED
                || error.as_ref().is_some_and(|e| e.error == "invalid_client");
            let said = error
                .map(|e| match e.error_description {
                    Some(description) => format!("{}: {description}", e.error),
                    None => e.error,
                })
                .unwrap_or_else(|| {
                    String::from_utf8_lossy(&body[..body.len().min(200)])
                        .trim()
                        .to_owned()
                });
            let message = format!(
                "the token endpoint {url} answered {} ({said}): check oauth2.client_id, the client secret, scopes and endpoint_params",
                status.as_u16()
            );
            return Err(if refused {
                SourceError::Refused(message)
            } else {
                SourceError::Config(message)
            });
        }
        let answer: TokenAnswer = serde_json::from_slice(&body).map_err(|e| {
            SourceError::Server(format!(
                "the token endpoint {url} answered no access_token: {e}"
            ))
        })?;
        let renew_at = answer
            .expires_in
            .filter(|seconds| seconds.is_finite() && *seconds > 0.0)
            .map(|seconds| asked + renew_after(Duration::from_secs_f64(seconds)));
        tracing::debug!(token_url = %url, "OAuth2 token received");
        Ok(Token {
            value: answer.access_token,
            renew_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_renewed_ten_seconds_before_it_expires_but_not_in_its_first_half() {
        assert_eq!(
            renew_after(Duration::from_secs(3600)),
            Duration::from_secs(3590)
        );
        assert_eq!(
            renew_after(Duration::from_secs(30)),
            Duration::from_secs(20)
        );
        assert_eq!(renew_after(Duration::from_secs(8)), Duration::from_secs(4));
    }
}
