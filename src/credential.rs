//! Asking for a credential a server turned down. When an HTTP source answers 401
//! or 403 (or its OAuth2 token endpoint refuses the client), the window offers to
//! enter the credential once: it is stored in the desktop keyring under an entry
//! named after the source and its server, and the layout is changed to name that
//! entry (`*_keyring = "fleetdeck/prom@host:9090"`), never the secret.

use crate::dashboard::sources::http::HttpSettings;
use crate::dashboard::{Dashboard, SourceId};
use crate::session::status::SourceHealth;
use crate::source::{SourceError, SourceSpec};
use std::collections::BTreeMap;

/// The keyring service every entry fleetdeck writes is stored under.
pub const KEYRING_SERVICE: &str = "fleetdeck";

/// A secret the user typed. Its `Debug` says `<redacted>`, so no log line, panic
/// message or dump of a command that carries it can show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps what was typed.
    pub fn new(text: String) -> Secret {
        Secret(text)
    }

    /// The secret itself, for the one place that stores it.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Which of a source's credentials is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    /// A bearer token (the source has one, or names no credential at all).
    BearerToken,
    /// The basic-auth password of this user.
    Password {
        /// The user name the layout gives.
        username: String,
    },
    /// The OAuth2 client secret of this client.
    ClientSecret {
        /// The client id the layout gives.
        client_id: String,
    },
}

/// Where a credential's reference goes in the source's table of the layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// The source's sub-table holding it (`basic_auth`, `oauth2`), or the source's
    /// own table.
    pub table: Option<&'static str>,
    /// The key set to the keyring reference.
    pub key: &'static str,
    /// The keys naming another place for the same secret, removed.
    pub replaced: [&'static str; 2],
}

impl Wanted {
    /// The credential a source with these settings sends, in the order the HTTP
    /// client picks one; a source naming none is asked for a bearer token.
    pub fn of(settings: &HttpSettings) -> Wanted {
        if settings.bearer_token.is_some() {
            Wanted::BearerToken
        } else if let Some((username, _)) = &settings.basic_auth {
            Wanted::Password {
                username: username.clone(),
            }
        } else if let Some(oauth2) = &settings.oauth2 {
            Wanted::ClientSecret {
                client_id: oauth2.client_id.clone(),
            }
        } else {
            Wanted::BearerToken
        }
    }

    /// What the field asks for, in words.
    pub fn prompt(&self) -> String {
        match self {
            Wanted::BearerToken => "Bearer token".to_owned(),
            Wanted::Password { username } => format!("Password of user “{username}”"),
            Wanted::ClientSecret { client_id } => {
                format!("Client secret of OAuth2 client “{client_id}”")
            }
        }
    }

    /// Where the keyring reference is written in the layout.
    pub fn place(&self) -> Place {
        match self {
            Wanted::BearerToken => Place {
                table: None,
                key: "bearer_token_keyring",
                replaced: ["bearer_token_env", "bearer_token_file"],
            },
            Wanted::Password { .. } => Place {
                table: Some("basic_auth"),
                key: "password_keyring",
                replaced: ["password_env", "password_file"],
            },
            Wanted::ClientSecret { .. } => Place {
                table: Some("oauth2"),
                key: "client_secret_keyring",
                replaced: ["client_secret_env", "client_secret_file"],
            },
        }
    }
}

/// A source whose server turned its credential down, and what to ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ask {
    /// The source.
    pub source: SourceId,
    /// The credential.
    pub wanted: Wanted,
    /// Its server (without any credentials a URL may carry).
    pub server: String,
    /// What the server said.
    pub why: String,
}

impl Ask {
    /// The keyring entry it is stored in: service `fleetdeck`, account
    /// `source@host:port`, so two layouts naming their sources alike but
    /// pointing at different servers keep different secrets.
    pub fn entry(&self) -> (&'static str, String) {
        let authority = self
            .server
            .split_once("://")
            .map_or(self.server.as_str(), |(_, rest)| rest)
            .split('/')
            .next()
            .unwrap_or_default();
        (KEYRING_SERVICE, format!("{}@{authority}", self.source))
    }

    /// The reference the layout gets, `service/account`.
    pub fn reference(&self) -> String {
        let (service, account) = self.entry();
        format!("{service}/{account}")
    }
}

/// The sources of `dashboard` whose last fetch was refused and whose credential
/// can be entered: HTTP sources not signed with SigV4 (there the AWS identity
/// decides, not a secret of the layout's).
pub fn refused(dashboard: &Dashboard, health: &BTreeMap<SourceId, SourceHealth>) -> Vec<Ask> {
    dashboard
        .sources
        .iter()
        .filter_map(|(id, spec)| {
            let SourceSpec::Prometheus(settings) = spec else {
                return None;
            };
            let (_, SourceError::Refused(why)) = health.get(id)?.failing.as_ref()? else {
                return None;
            };
            settings.sigv4.is_none().then(|| Ask {
                source: id.clone(),
                wanted: Wanted::of(&settings.http),
                server: crate::source::url_without_credentials(&settings.base_url),
                why: why.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::sources::http::SecretRef;

    #[test]
    fn a_typed_secret_never_shows_in_debug_output() {
        let secret = Secret::new("hunter2-probe".to_owned());
        let printed = format!("{secret:?} {:?}", Some(secret.clone()));
        assert!(!printed.contains("hunter2"), "{printed}");
        assert_eq!(secret.expose(), "hunter2-probe");
    }

    #[test]
    fn the_credential_asked_is_the_one_the_source_sends() {
        let mut settings = HttpSettings::default();
        assert_eq!(Wanted::of(&settings), Wanted::BearerToken);
        settings.basic_auth = Some(("grafana".into(), None));
        assert_eq!(
            Wanted::of(&settings),
            Wanted::Password {
                username: "grafana".into()
            }
        );
        assert_eq!(Wanted::of(&settings).place().table, Some("basic_auth"));
        settings.bearer_token = Some(SecretRef::Env("TOKEN".into()));
        assert_eq!(Wanted::of(&settings), Wanted::BearerToken);
    }

    #[test]
    fn the_entry_names_the_source_and_its_server_without_credentials_or_path() {
        let ask = Ask {
            source: "prom".into(),
            wanted: Wanted::BearerToken,
            server: "https://prom.internal:9090/prometheus".into(),
            why: String::new(),
        };
        assert_eq!(ask.reference(), "fleetdeck/prom@prom.internal:9090");
        assert_eq!(
            SecretRef::keyring(&ask.reference()),
            Some(SecretRef::Keyring {
                service: "fleetdeck".into(),
                account: "prom@prom.internal:9090".into()
            })
        );
    }
}
