//! Acknowledged alarms, kept across restarts in a small JSON file and forgotten
//! once the alarm resolves (a new firing is a new alarm to acknowledge).
//!
//! The file is replaced atomically and an unreadable one is set aside
//! ([`super::state_file`]).

use super::{Alarm, AlarmState};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Where acknowledgements live unless told: `acks.json` in the
/// [state directory](super::state_file::state_dir).
pub fn default_path() -> Option<PathBuf> {
    Some(super::state_file::state_dir()?.join("acks.json"))
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
#[derive(Debug, Default)]
pub struct Acks {
    path: Option<PathBuf>,
    keys: BTreeSet<String>,
}

impl Acks {
    /// Acknowledgements held in memory only.
    pub fn in_memory() -> Acks {
        Acks::default()
    }

    /// Acknowledgements read from (and saved to) `path`; a missing file is empty,
    /// an unreadable one is renamed `*.corrupt` and replaced on the next save.
    pub fn load(path: &Path) -> Acks {
        let keys = super::state_file::read_json(path, "acknowledgements").unwrap_or_default();
        Acks {
            path: Some(path.to_owned()),
            keys,
        }
    }

    /// Whether this firing of the alarm was acknowledged.
    pub fn contains(&self, alarm: &Alarm) -> bool {
        self.keys.contains(&key(alarm))
    }

    /// The acknowledged keys.
    pub fn keys(&self) -> &BTreeSet<String> {
        &self.keys
    }

    /// Acknowledges a key and saves.
    pub fn acknowledge(&mut self, key: String) {
        if self.keys.insert(key) {
            self.save();
        }
    }

    /// Forgets acknowledgements of alarms that are no longer active, given every
    /// alarm known now; saves if anything changed.
    pub fn prune(&mut self, current: &[&Alarm]) {
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
        let Some(path) = &self.path else {
            return;
        };
        if let Err(error) = super::state_file::write_atomically(
            path,
            &serde_json::to_vec_pretty(&self.keys).unwrap_or_default(),
        ) {
            tracing::warn!(
                "cannot save acknowledgements to {}: {error}",
                path.display()
            );
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
        let firing = alarm(1_000, AlarmState::Firing);
        let mut acks = Acks::load(&path);
        acks.acknowledge(key(&firing));
        let mut acks = Acks::load(&path);
        assert!(acks.contains(&firing));
        // Resolved: the alarm is gone from every list.
        acks.prune(&[]);
        assert!(!Acks::load(&path).contains(&firing));
        // A refire is a new alarm.
        acks.acknowledge(key(&firing));
        assert!(!acks.contains(&alarm(2_000, AlarmState::Firing)));
    }

    #[test]
    fn a_corrupt_file_is_set_aside_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("acks.json");
        std::fs::write(&path, b"{not json").unwrap();
        let mut acks = Acks::load(&path);
        assert!(acks.keys().is_empty());
        assert_eq!(
            std::fs::read(dir.path().join("acks.json.corrupt")).unwrap(),
            b"{not json"
        );
        acks.acknowledge("x".to_owned());
        assert!(Acks::load(&path).keys().contains("x"));
    }
}
