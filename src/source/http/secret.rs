//! Reads a secret from where the layout says it lives. Whatever goes wrong is
//! said with the place, never the secret.

use crate::dashboard::sources::http::SecretRef;

/// The secret at `place`, trimmed of a file's trailing newline; `what` names it
/// in errors ("the bearer token").
pub(crate) async fn read(place: &SecretRef, what: &str) -> Result<String, String> {
    match place {
        SecretRef::Env(name) => std::env::var(name)
            .map_err(|_| format!("environment variable {name} ({what}) is not set")),
        SecretRef::File(path) => std::fs::read_to_string(path)
            .map(|text| text.trim_end().to_owned())
            .map_err(|error| format!("cannot read {what} from {}: {error}", path.display())),
        SecretRef::Keyring { service, account } => super::keyring::read(service, account)
            .await
            .map_err(|error| format!("{what} from keyring entry {service}/{account}: {error}")),
    }
}

/// As [`read`], for an optional place.
pub(crate) async fn read_optional(
    place: Option<&SecretRef>,
    what: &str,
) -> Result<Option<String>, String> {
    match place {
        Some(place) => read(place, what).await.map(Some),
        None => Ok(None),
    }
}
