//! Secrets in the desktop's keyring: the freedesktop Secret Service (GNOME
//! Keyring, KWallet) on Linux. An entry is found by the attributes `service` and
//! `username`, the ones `secret-tool` and the `keyring` crate write, so a token
//! stored with `secret-tool store --label=… service fleetdeck username prod` is
//! read here as `fleetdeck/prod`.

use std::sync::OnceLock;

/// A bus other than the session's, set once (an embedding app, a test's private
/// keyring); otherwise `DBUS_SESSION_BUS_ADDRESS`.
static BUS: OnceLock<String> = OnceLock::new();

/// Reads keyring entries from the Secret Service on `address` from now on.
/// Only the first call counts.
pub fn use_bus(address: &str) {
    let _ = BUS.set(address.to_owned());
}

#[cfg(target_os = "linux")]
mod secret_service_store {
    use secret_service::{EncryptionType, SecretService};
    use std::collections::HashMap;

    async fn connect() -> Result<SecretService<'static>, String> {
        let connection = match super::BUS.get() {
            Some(address) => zbus::connection::Builder::address(address.as_str())
                .map_err(|e| format!("bad bus address {address}: {e}"))?
                .build()
                .await
                .map_err(|e| format!("cannot reach the keyring's bus: {e}"))?,
            None => zbus::Connection::session().await.map_err(|e| {
                format!(
                    "no desktop keyring (is a Secret Service such as gnome-keyring running?): {e}"
                )
            })?,
        };
        SecretService::connect_with_existing(EncryptionType::Dh, connection)
            .await
            .map_err(|e| format!("no Secret Service on the session bus: {e}"))
    }

    fn attributes<'a>(service: &'a str, account: &'a str) -> HashMap<&'a str, &'a str> {
        HashMap::from([("service", service), ("username", account)])
    }

    pub(super) async fn read(service: &str, account: &str) -> Result<String, String> {
        let store = connect().await?;
        let found = store
            .search_items(attributes(service, account))
            .await
            .map_err(|e| format!("keyring search failed: {e}"))?;
        let item = match (found.unlocked.first(), found.locked.first()) {
            (Some(item), _) => item,
            (None, Some(item)) => {
                item.unlock()
                    .await
                    .map_err(|e| format!("the keyring is locked and was not unlocked: {e}"))?;
                item
            }
            (None, None) => return Err("no such entry".to_owned()),
        };
        let secret = item
            .get_secret()
            .await
            .map_err(|e| format!("cannot read the entry: {e}"))?;
        String::from_utf8(secret).map_err(|_| "the entry is not text".to_owned())
    }

    pub(super) async fn store(service: &str, account: &str, secret: &str) -> Result<(), String> {
        let store = connect().await?;
        let collection = store
            .get_default_collection()
            .await
            .map_err(|e| format!("the keyring has no default collection: {e}"))?;
        collection
            .ensure_unlocked()
            .await
            .map_err(|e| format!("the keyring is locked: {e}"))?;
        collection
            .create_item(
                &format!("fleetdeck: {service}/{account}"),
                attributes(service, account),
                secret.as_bytes(),
                true,
                "text/plain",
            )
            .await
            .map_err(|e| format!("cannot store the entry: {e}"))?;
        Ok(())
    }
}

/// The secret of entry `service`/`account`.
pub(crate) async fn read(service: &str, account: &str) -> Result<String, String> {
    #[cfg(target_os = "linux")]
    return secret_service_store::read(service, account).await;
    #[cfg(not(target_os = "linux"))]
    return Err(format!(
        "{service}/{account}: this build reads keyrings through the Secret Service, on Linux only"
    ));
}

/// Stores (or replaces) entry `service`/`account`.
pub async fn store(service: &str, account: &str, secret: &str) -> Result<(), String> {
    #[cfg(target_os = "linux")]
    return secret_service_store::store(service, account, secret).await;
    #[cfg(not(target_os = "linux"))]
    return Err(format!(
        "{service}/{account}: this build writes keyrings through the Secret Service, on Linux only"
    ));
}
