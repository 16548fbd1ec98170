//! Small JSON files fleetdeck keeps between runs (acknowledgements, alarm history)
//! in the user's state directory.
//!
//! A file is replaced atomically (write a sibling, fsync, rename): a crash never
//! leaves it half-written. One that cannot be read is set aside as `*.corrupt` with a
//! warning, never fatal and never silently overwritten.

use serde::de::DeserializeOwned;
use std::io::Write;
use std::path::{Path, PathBuf};

/// `$FLEETDECK_STATE_DIR`, else `$XDG_STATE_HOME/fleetdeck`, else
/// `~/.local/state/fleetdeck`.
pub fn state_dir() -> Option<PathBuf> {
    std::env::var_os("FLEETDECK_STATE_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_STATE_HOME").map(|d| PathBuf::from(d).join("fleetdeck")))
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state/fleetdeck"))
        })
}

/// The file's contents; `None` when it does not exist or cannot be read as `T`
/// (then it is renamed `<name>.corrupt` so the next save does not destroy it).
pub fn read_json<T: DeserializeOwned>(path: &Path, what: &str) -> Option<T> {
    let bytes = std::fs::read(path).ok()?;
    match serde_json::from_slice::<T>(&bytes) {
        Ok(value) => Some(value),
        Err(error) => {
            let aside = corrupt_path(path);
            tracing::warn!(
                "ignoring unreadable {what} {} ({error}); kept as {}",
                path.display(),
                aside.display()
            );
            let _ = std::fs::rename(path, aside);
            None
        }
    }
}

/// `path` with `.corrupt` appended to its name.
pub fn corrupt_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".corrupt");
    path.with_file_name(name)
}

/// Replaces `path` with `bytes` atomically, creating its directory.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".tmp");
    let temporary = path.with_file_name(name);
    let mut file = std::fs::File::create(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)
}
