//! Everything fleetdeck keeps on disk between runs — acknowledgements, the alarm
//! history, the Cost Explorer cache, variable choices, Explore's history, notes and
//! edited layouts — goes through here, so
//! there is one answer to "can a crash or a full disk destroy a user's file?": no.
//!
//! - [`write_atomically`]: a sibling temp file, fsync, rename over the target, fsync
//!   the folder. A reader sees the old file or the new one, never half of either.
//! - [`read_json`] sets an unreadable file aside under one naming rule
//!   ([`set_aside`]) instead of failing or silently overwriting it.
//! - [`Writer`]: a named background thread that does the writing, so the UI thread
//!   never waits on a disk; saves of one path coalesce (the newest bytes win) and
//!   failures are kept for the window to show.

mod writer;

pub use writer::{SaveFailure, Writer};

use serde::de::DeserializeOwned;
use std::io::Write;
use std::path::{Path, PathBuf};

/// `$FLEETDECK_STATE_DIR`, else `$XDG_STATE_HOME/fleetdeck`, else
/// `~/.local/state/fleetdeck`: where state that is not a cache lives.
pub(crate) fn state_dir() -> Option<PathBuf> {
    std::env::var_os("FLEETDECK_STATE_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_STATE_HOME").map(|d| PathBuf::from(d).join("fleetdeck")))
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state/fleetdeck"))
        })
}

/// A file name that says which layout file some state belongs to: its absolute
/// path with every character but letters, digits, `.` and `-` as `_`.
pub(crate) fn file_name_for(layout_path: &Path) -> String {
    let absolute = std::fs::canonicalize(layout_path).unwrap_or_else(|_| layout_path.to_owned());
    absolute
        .to_string_lossy()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The file's contents; `None` when it does not exist or cannot be read as `T`
/// (then it is [set aside](set_aside) so the next save does not destroy it).
pub(crate) fn read_json<T: DeserializeOwned>(path: &Path, what: &str) -> Option<T> {
    let bytes = std::fs::read(path).ok()?;
    match serde_json::from_slice::<T>(&bytes) {
        Ok(value) => Some(value),
        Err(error) => {
            match set_aside(path) {
                Ok(aside) => tracing::warn!(
                    "ignoring unreadable {what} {} ({error}); kept as {}",
                    path.display(),
                    aside.display()
                ),
                Err(move_error) => tracing::warn!(
                    "ignoring unreadable {what} {} ({error}); could not set it aside: {move_error}",
                    path.display()
                ),
            }
            None
        }
    }
}

/// Moves an unreadable file out of the way: `<name>.corrupt`, or `<name>.corrupt.2`,
/// `.3`, … when an earlier one is still there, so no evidence is overwritten.
/// Returns where it went.
pub(crate) fn set_aside(path: &Path) -> std::io::Result<PathBuf> {
    let aside = corrupt_path(path);
    std::fs::rename(path, &aside)?;
    Ok(aside)
}

/// The first free name of the form `<name>.corrupt[.N]` beside `path`.
pub(crate) fn corrupt_path(path: &Path) -> PathBuf {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    (1u32..)
        .map(|n| {
            if n == 1 {
                path.with_file_name(format!("{name}.corrupt"))
            } else {
                path.with_file_name(format!("{name}.corrupt.{n}"))
            }
        })
        .find(|candidate| !candidate.exists())
        .unwrap_or_else(|| path.with_file_name(format!("{name}.corrupt")))
}

/// Replaces `path` with `bytes` atomically, creating its folder: write a sibling
/// temp file, fsync it, rename it over `path`, fsync the folder (so the rename
/// itself survives a power cut). On failure the old file is untouched and the
/// temp file removed.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir)?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    // The process id keeps two fleetdeck processes saving one file from sharing a
    // temp file; the leading dot keeps it out of a layout folder's listing.
    let temporary = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        // A replaced file keeps its permissions (a layout kept read-only for others).
        if let Ok(existing) = std::fs::metadata(path) {
            file.set_permissions(existing.permissions())?;
        }
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(error);
    }
    // A folder cannot be opened for fsync on every platform; where it can, do it.
    if let Ok(folder) = std::fs::File::open(&dir) {
        let _ = folder.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_the_old_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("acks.json");
        write_atomically(&path, b"[\"old\"]").unwrap();
        // A folder where the temp file should go: the write cannot happen.
        let name = format!(".acks.json.{}.tmp", std::process::id());
        std::fs::create_dir(dir.path().join(&name)).unwrap();
        assert!(write_atomically(&path, b"[\"new\"]").is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"[\"old\"]");
        std::fs::remove_dir(dir.path().join(&name)).unwrap();
        write_atomically(&path, b"[\"new\"]").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"[\"new\"]");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, ["acks.json"]);
    }

    #[test]
    fn corrupt_files_are_set_aside_without_overwriting_earlier_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.json");
        for text in ["{first", "{second"] {
            std::fs::write(&path, text).unwrap();
            assert_eq!(read_json::<Vec<String>>(&path, "test"), None);
        }
        assert!(!path.exists());
        assert_eq!(
            std::fs::read(dir.path().join("history.json.corrupt")).unwrap(),
            b"{first"
        );
        assert_eq!(
            std::fs::read(dir.path().join("history.json.corrupt.2")).unwrap(),
            b"{second"
        );
    }
}
