//! Saving an edited layout without losing anyone's work: the file is replaced
//! atomically (temp file, fsync, rename — [`crate::persist::write_atomically`]), and
//! not at all when it changed on disk since the editor read it; the user then
//! chooses to reload, save as another file, or overwrite. Blocking: the window
//! runs it on the runtime, never on the UI thread.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

/// What a file held, to notice that someone else changed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    len: usize,
    hash: u64,
}

impl Fingerprint {
    /// The fingerprint of these bytes.
    pub(crate) fn of(bytes: &[u8]) -> Fingerprint {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        bytes.hash(&mut hasher);
        Fingerprint {
            len: bytes.len(),
            hash: hasher.finish(),
        }
    }
}

/// What the file must hold for a save to go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// What the editor read (or last wrote): anything else is someone's edit.
    Unchanged(Fingerprint),
    /// No file yet ("save as" a new name): an existing one is not overwritten.
    Absent,
    /// Whatever is there: the user chose to overwrite.
    Anything,
}

/// How a save ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveOutcome {
    /// Written; the file now holds the text with this fingerprint.
    Saved {
        /// Where.
        path: PathBuf,
        /// What it holds.
        fingerprint: Fingerprint,
        /// The text written.
        text: String,
    },
    /// Not written: the file is not what the editor expected.
    Conflict {
        /// Which file.
        path: PathBuf,
    },
    /// Not written: the disk said no.
    Failed {
        /// Which file.
        path: PathBuf,
        /// Why.
        error: String,
    },
}

/// Writes `text` to `path` if the file is as `expect` says.
pub fn save(path: &Path, text: &str, expect: Expect) -> SaveOutcome {
    let on_disk = std::fs::read(path);
    let as_expected = match (expect, &on_disk) {
        (Expect::Anything, _) => true,
        (Expect::Absent, Err(error)) => error.kind() == std::io::ErrorKind::NotFound,
        (Expect::Absent, Ok(_)) => false,
        (Expect::Unchanged(fingerprint), Ok(bytes)) => Fingerprint::of(bytes) == fingerprint,
        (Expect::Unchanged(_), Err(_)) => false,
    };
    if !as_expected {
        return SaveOutcome::Conflict {
            path: path.to_owned(),
        };
    }
    match crate::persist::write_atomically(path, text.as_bytes()) {
        Ok(()) => SaveOutcome::Saved {
            path: path.to_owned(),
            fingerprint: Fingerprint::of(text.as_bytes()),
            text: text.to_owned(),
        },
        Err(error) => SaveOutcome::Failed {
            path: path.to_owned(),
            error: error.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_changed_behind_the_editor_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.toml");
        std::fs::write(&path, "old").unwrap();
        let read = Fingerprint::of(b"old");
        std::fs::write(&path, "theirs").unwrap();
        assert_eq!(
            save(&path, "mine", Expect::Unchanged(read)),
            SaveOutcome::Conflict { path: path.clone() }
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "theirs");
        assert!(matches!(
            save(&path, "mine", Expect::Anything),
            SaveOutcome::Saved { .. }
        ));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");
    }

    #[test]
    fn save_as_refuses_an_existing_file_and_creates_a_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("taken.toml");
        std::fs::write(&path, "x").unwrap();
        assert!(matches!(
            save(&path, "y", Expect::Absent),
            SaveOutcome::Conflict { .. }
        ));
        let fresh = dir.path().join("new.toml");
        assert!(matches!(
            save(&fresh, "y", Expect::Absent),
            SaveOutcome::Saved { .. }
        ));
        assert_eq!(std::fs::read_to_string(&fresh).unwrap(), "y");
    }
}
