//! The keys of an HTTP source's connection (Prometheus flavours, Alertmanager):
//! TLS, OAuth2 and proxies, named and meant as in Prometheus's own `http_config`
//! so a block copied from a `prometheus.yml` reads the same here.
//!
//! Secrets are only ever named (`*_env`, `*_file`, `*_keyring`); a literal one is
//! taken here only so the validator can refuse it at its line and column.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use toml::Spanned;

/// `tls = { … }`: whom to trust and who we are.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM file of the CA(s) that signed the server's certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// PEM file of the client certificate, for servers that demand one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_file: Option<Spanned<PathBuf>>,
    /// PEM file of the client certificate's private key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_file: Option<Spanned<PathBuf>>,
    /// The name the server's certificate must carry when it is not the URL's host
    /// (a server reached by IP, or through a tunnel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_name: Option<Spanned<String>>,
    /// Accept any certificate. Marked on every panel of the source and in `check`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub insecure_skip_verify: bool,
}

/// `oauth2 = { … }`: the client-credentials grant.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OAuth2Config {
    /// The client's id (not a secret).
    pub client_id: String,
    /// Refused: a literal secret. Here only to say so at its position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Spanned<String>>,
    /// Environment variable holding the client secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret_env: Option<String>,
    /// File holding the client secret (trailing newline ignored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret_file: Option<PathBuf>,
    /// Keyring entry holding the client secret, `service/account`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret_keyring: Option<Spanned<String>>,
    /// Where tokens are asked for.
    pub token_url: Spanned<String>,
    /// Scopes asked for, sent space-separated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// Extra form parameters of the token request (`audience`, `resource`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub endpoint_params: BTreeMap<String, String>,
}
