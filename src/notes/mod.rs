//! Notes pinned on the timeline during an incident ("restarted the 70B pods"), at
//! an instant or over a range. They show on every chart as a marker, share the
//! alarm history's timeline, and are kept beside the layout in a TOML file a
//! person can read and review (`<layout>.notes.toml`), written atomically.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// When (or from when) it holds, RFC 3339.
    pub at: String,
    /// Until when, for a range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// What happened.
    pub text: String,
}

impl Note {
    /// A note at `start_ms` (to `end_ms` for a range).
    pub fn new(start_ms: i64, end_ms: Option<i64>, text: &str) -> Note {
        Note {
            at: rfc3339(start_ms),
            until: end_ms.filter(|end| *end > start_ms).map(rfc3339),
            text: text.trim().to_owned(),
        }
    }

    /// Where it starts, ms.
    pub fn start_ms(&self) -> Option<i64> {
        parse_ms(&self.at)
    }

    /// Where it ends, ms (its start for an instant).
    pub fn end_ms(&self) -> Option<i64> {
        self.until.as_deref().and_then(parse_ms).or(self.start_ms())
    }
}

fn rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn parse_ms(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// The notes file as written.
#[derive(Debug, Default, Serialize, Deserialize)]
struct NotesFile {
    #[serde(default)]
    note: Vec<Note>,
}

/// `<layout>.notes.toml` beside the layout.
pub fn path_for(layout: &Path) -> PathBuf {
    let name = layout.file_name().unwrap_or_default().to_string_lossy();
    let stem = name.strip_suffix(".toml").unwrap_or(&name);
    layout.with_file_name(format!("{stem}.notes.toml"))
}

/// The notes kept in `path`, oldest first; none when there is no file. A file
/// that does not read is set aside (`.corrupt`) rather than overwritten.
pub fn read(path: &Path) -> Vec<Note> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    match toml::from_str::<NotesFile>(&text) {
        Ok(file) => file.note,
        Err(error) => {
            let aside = crate::persist::set_aside(path);
            tracing::warn!(
                "ignoring unreadable notes {} ({error}); set aside: {aside:?}",
                path.display()
            );
            Vec::new()
        }
    }
}

/// The bytes of a notes file, with a header saying what it is.
pub(crate) fn to_bytes(notes: &[Note]) -> Vec<u8> {
    let body = toml::to_string(&NotesFile {
        note: notes.to_vec(),
    })
    .unwrap_or_default();
    format!("# Notes pinned in fleetdeck on this layout's timeline (RFC 3339, UTC).\n\n{body}")
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_read_back_from_a_file_a_person_can_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_for(&dir.path().join("fleet.toml"));
        assert!(path.ends_with("fleet.notes.toml"));
        let notes = vec![
            Note::new(1_764_000_000_000, None, "restarted the 70B pods"),
            Note::new(
                1_764_000_060_000,
                Some(1_764_000_660_000),
                "failover \"drill\"",
            ),
        ];
        std::fs::write(&path, to_bytes(&notes)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("text = \"restarted the 70B pods\""), "{text}");
        assert_eq!(read(&path), notes);
        assert_eq!(notes[1].end_ms(), Some(1_764_000_660_000));
        std::fs::write(&path, "[[note]\nbroken").unwrap();
        assert!(read(&path).is_empty());
        assert!(path.with_file_name("fleet.notes.toml.corrupt").exists());
    }
}
