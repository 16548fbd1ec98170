//! How an HTTP source connects, as its layout compiled it: who it is (a token, a
//! password, OAuth2 client credentials, a client certificate), whom it trusts, and
//! which proxy it goes through. One type for every HTTP source — Prometheus
//! flavours and Alertmanager — so each learns a new way to connect at once.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// Where a secret lives; the layout names the place, never the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    /// An environment variable.
    Env(String),
    /// A file (its trailing newline ignored).
    File(PathBuf),
    /// An entry of the desktop's keyring (Secret Service, Keychain, Credential
    /// Manager), by service and account.
    Keyring {
        /// The entry's service, `fleetdeck` by convention.
        service: String,
        /// The entry's account (a source's name, a user).
        account: String,
    },
}

impl SecretRef {
    /// A `service/account` keyring reference, as a layout writes it.
    pub fn keyring(reference: &str) -> Option<SecretRef> {
        let (service, account) = reference.split_once('/')?;
        (!service.is_empty() && !account.is_empty()).then(|| SecretRef::Keyring {
            service: service.to_owned(),
            account: account.to_owned(),
        })
    }

    /// Where it lives, for messages: never the secret itself.
    pub fn place(&self) -> String {
        match self {
            SecretRef::Env(name) => format!("environment variable {name}"),
            SecretRef::File(path) => format!("file {}", path.display()),
            SecretRef::Keyring { service, account } => {
                format!("keyring entry {service}/{account}")
            }
        }
    }
}

/// Everything about one HTTP source's connection.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HttpSettings {
    /// Per-request timeout.
    pub timeout: Duration,
    /// A bearer token, by reference.
    pub bearer_token: Option<SecretRef>,
    /// Basic authentication: user name and where the password lives.
    pub basic_auth: Option<(String, Option<SecretRef>)>,
    /// OAuth2 client credentials: a token fetched, cached and renewed.
    pub oauth2: Option<OAuth2Settings>,
    /// Extra request headers (not secrets), checked to be valid HTTP.
    pub headers: Vec<(String, String)>,
    /// Trust and identity.
    pub tls: TlsSettings,
    /// Which proxy, if any.
    pub proxy: ProxySettings,
}

/// TLS beyond the system's trust store.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlsSettings {
    /// PEM file of a private CA to trust (besides the system's).
    pub ca_file: Option<PathBuf>,
    /// Client certificate and key (PEM files), for servers that demand one.
    pub client_cert: Option<(PathBuf, PathBuf)>,
    /// The name the server's certificate is checked against instead of the URL's host.
    pub server_name: Option<String>,
    /// Accept any server certificate: marked wherever the source's data is shown.
    pub insecure_skip_verify: bool,
}

/// The OAuth2 client-credentials grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuth2Settings {
    /// The client's id.
    pub client_id: String,
    /// Where the client's secret lives.
    pub client_secret: SecretRef,
    /// The token endpoint.
    pub token_url: String,
    /// Scopes asked for.
    pub scopes: Vec<String>,
    /// Extra form parameters of the token request.
    pub endpoint_params: BTreeMap<String, String>,
}

/// The proxy a source goes through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxySettings {
    /// The proxy the layout names (`http://proxy:3128`).
    pub url: Option<String>,
    /// Hosts reached directly all the same, as `NO_PROXY` writes them.
    pub no_proxy: Option<String>,
    /// Whether `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` apply when no `url` is set.
    pub from_environment: bool,
}

impl Default for ProxySettings {
    fn default() -> Self {
        ProxySettings {
            url: None,
            no_proxy: None,
            from_environment: true,
        }
    }
}
