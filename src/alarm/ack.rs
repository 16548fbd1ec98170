//! Acknowledged alarms, kept across restarts in a small JSON file and forgotten
//! once the alarm resolves (a new firing is a new alarm to acknowledge).
//!
//! The file is replaced atomically by the background writer and an unreadable one
//! is set aside ([`crate::persist`]).

use super::{Alarm, AlarmState};
use crate::persist::Writer;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Where acknowledgements live unless told: `acks.json` in the
/// [state directory](crate::persist::state_dir).
pub fn default_path() -> Option<PathBuf> {
    Some(crate::persist::state_dir()?.join("acks.json"))
}

/// The key of one firing of one alarm: a refire has a new `since`, so a new key.
pub fn key(alarm: &Alarm) -> String {
    format!(
        "{}\u{1f}{}\u{1f}{}",
        alarm.source,
        alarm.name,
        alarm.since.map_or(0, |t| t.timestamp_millis())
    )
}

/// The acknowledged alarms.
#[derive(Default)]
pub(crate) struct Acks {
    /// Where they are kept, and who writes them there.
    file: Option<(PathBuf, Writer)>,
    keys: BTreeSet<String>,
}

impl Acks {
    /// Acknowledgements held in memory only.
    pub(crate) fn in_memory() -> Acks {
        Acks::default()
    }

    /// Acknowledgements read from `path` and saved there through `writer`; a
    /// missing file is empty, an unreadable one is set aside and replaced on the
    /// next save.
    pub(crate) fn load(path: &Path, writer: Writer) -> Acks {
        let keys = crate::persist::read_json(path, "acknowledgements").unwrap_or_default();
        Acks {
            file: Some((path.to_owned(), writer)),
            keys,
        }
    }

    /// Whether this firing of the alarm was acknowledged.
    pub(crate) fn contains(&self, alarm: &Alarm) -> bool {
        self.keys.contains(&key(alarm))
    }

    /// The acknowledged keys.
    pub(crate) fn keys(&self) -> &BTreeSet<String> {
        &self.keys
    }

    /// Acknowledges a key and saves.
    pub(crate) fn acknowledge(&mut self, key: String) {
        if self.keys.insert(key) {
            self.save();
        }
    }

    /// Forgets acknowledgements of alarms that are no longer active, given every
    /// alarm known now; saves if anything changed.
    pub(crate) fn prune(&mut self, current: &[&Alarm]) {
        let active: BTreeSet<String> = current
            .iter()
            .filter(|a| a.state != AlarmState::Ok)
            .map(|a| key(a))
            .collect();
        let before = self.keys.len();
        self.keys.retain(|k| active.contains(k));
        if self.keys.len() != before {
            self.save();
        }
    }

    fn save(&self) {
        let Some((path, writer)) = &self.file else {
            return;
        };
        match serde_json::to_vec_pretty(&self.keys) {
            Ok(bytes) => writer.save(path, bytes, "acknowledgements"),
            Err(error) => tracing::warn!("cannot encode the acknowledgements: {error}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn alarm(since_s: i64, state: AlarmState) -> Alarm {
        Alarm {
            name: "p99 latency high".to_owned(),
            source: "local".to_owned(),
            severity: None,
            state,
            since: chrono::DateTime::from_timestamp(since_s, 0),
            summary: String::new(),
            labels: BTreeMap::new(),
            expression: None,
            panel: None,
        }
    }

    #[test]
    fn an_acknowledgement_survives_a_restart_and_ends_with_the_alarm() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/acks.json");
        let writer = Writer::start();
        let firing = alarm(1_000, AlarmState::Firing);
        let mut acks = Acks::load(&path, writer.clone());
        acks.acknowledge(key(&firing));
        writer.flush();
        let mut acks = Acks::load(&path, writer.clone());
        assert!(acks.contains(&firing));
        // Resolved: the alarm is gone from every list.
        acks.prune(&[]);
        writer.flush();
        assert!(!Acks::load(&path, writer.clone()).contains(&firing));
        // A refire is a new alarm.
        acks.acknowledge(key(&firing));
        assert!(!acks.contains(&alarm(2_000, AlarmState::Firing)));
    }

    #[test]
    fn a_corrupt_file_is_set_aside_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("acks.json");
        std::fs::write(&path, b"{not json").unwrap();
        let writer = Writer::start();
        let mut acks = Acks::load(&path, writer.clone());
        assert!(acks.keys().is_empty());
        assert_eq!(
            std::fs::read(dir.path().join("acks.json.corrupt")).unwrap(),
            b"{not json"
        );
        acks.acknowledge("x".to_owned());
        writer.flush();
        assert!(Acks::load(&path, writer).keys().contains("x"));
    }
}
