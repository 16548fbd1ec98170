//! The alarm history kept across restarts, one file per layout, so a wall display
//! that restarts (an update, a crash, a reboot) still shows what fired overnight.
//!
//! Entries name panels by position, so a file written for other panels (a layout
//! whose panels moved since) is not restored — the same rule a layout edit follows.
//! The file is rewritten when the history changes, and every few minutes while an
//! alarm is open so its "last seen" time stays recent: an alarm that resolves while
//! fleetdeck is down is closed at that time.

use super::engine::{Engine, Transition};
use super::state_file::{read_json, state_dir, write_atomically};
use std::path::{Path, PathBuf};

/// How often the file is rewritten while an alarm is open, ms.
const REFRESH_OPEN_MS: i64 = 5 * 60_000;

/// What the file holds.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Saved {
    /// Format version.
    version: u32,
    /// The layout's panel titles, in order, when it was saved.
    panels: Vec<String>,
    /// When it was saved, ms since the epoch.
    saved_at_ms: i64,
    /// The history, oldest first.
    transitions: Vec<Transition>,
}

/// `history/<layout path with / as _>.json` in the state directory: one file per
/// layout file, readable by name.
pub fn default_path(layout_path: &Path) -> Option<PathBuf> {
    let absolute = std::fs::canonicalize(layout_path).unwrap_or_else(|_| layout_path.to_owned());
    let name: String = absolute
        .to_string_lossy()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    Some(state_dir()?.join("history").join(format!("{name}.json")))
}

/// Saves an engine's history to one file and restores it from there.
#[derive(Debug)]
pub struct HistoryFile {
    path: PathBuf,
    saved_version: Option<u64>,
    saved_at_ms: i64,
    /// Whether an alarm was open in what was last saved (or restored); the same
    /// until the history's version moves, so it is worked out once, not per frame.
    open_when_saved: bool,
}

impl HistoryFile {
    /// A keeper for `path`; nothing is read or written yet.
    pub fn new(path: &Path) -> HistoryFile {
        HistoryFile {
            path: path.to_owned(),
            saved_version: None,
            saved_at_ms: i64::MIN,
            open_when_saved: false,
        }
    }

    /// Puts the file's history into `engine` if it was saved for these panels;
    /// returns how many entries came back. A missing file restores nothing; an
    /// unreadable one is set aside.
    pub fn restore(&mut self, engine: &mut Engine, panels: &[String]) -> usize {
        let Some(saved) = read_json::<Saved>(&self.path, "alarm history") else {
            return 0;
        };
        if saved.panels != panels {
            tracing::info!(
                "not restoring {}: the layout's panels changed since",
                self.path.display()
            );
            return 0;
        }
        let count = saved.transitions.len();
        engine.restore(saved.transitions, saved.saved_at_ms);
        self.saved_version = Some(engine.version());
        self.saved_at_ms = saved.saved_at_ms;
        self.open_when_saved = engine.has_open();
        count
    }

    /// Whether the history should be written now: it changed since the last write,
    /// or an alarm is open and the last write is a few minutes old.
    pub fn is_due(&self, engine: &Engine, now_ms: i64) -> bool {
        self.saved_version != Some(engine.version())
            || (self.open_when_saved && now_ms - self.saved_at_ms >= REFRESH_OPEN_MS)
    }

    /// Writes the history for these panels, saved at `now_ms`. A failure is logged
    /// and retried at the next change or refresh, not every frame.
    pub fn save(&mut self, engine: &Engine, panels: &[String], now_ms: i64) {
        // A layout that never had an alarm leaves no file behind.
        if !engine.history().is_empty() || self.path.exists() {
            self.write(engine, panels, now_ms);
        }
        self.saved_version = Some(engine.version());
        self.saved_at_ms = now_ms;
        self.open_when_saved = engine.has_open();
    }

    fn write(&self, engine: &Engine, panels: &[String], now_ms: i64) {
        let saved = Saved {
            version: 1,
            panels: panels.to_vec(),
            saved_at_ms: now_ms,
            transitions: engine.history().iter().cloned().collect(),
        };
        let written = serde_json::to_vec(&saved)
            .map_err(std::io::Error::other)
            .and_then(|bytes| write_atomically(&self.path, &bytes));
        if let Err(error) = written {
            tracing::warn!(
                "cannot save the alarm history to {}: {error}",
                self.path.display()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alarm::observed::{history_key, transitions};
    use crate::alarm::{Alarm, AlarmState};
    use std::collections::{BTreeMap, BTreeSet};

    const MINUTE: i64 = 60_000;

    fn firing(name: &str, since_ms: i64) -> Alarm {
        Alarm {
            name: name.to_owned(),
            source: "prom".to_owned(),
            severity: None,
            state: AlarmState::Firing,
            since: chrono::DateTime::from_timestamp_millis(since_ms),
            summary: String::new(),
            labels: BTreeMap::new(),
            expression: None,
            panel: Some(1),
        }
    }

    fn panels() -> Vec<String> {
        vec!["p99".to_owned(), "alerts".to_owned()]
    }

    /// An engine that saw two alerts start firing, saved to `path` at `saved_at`.
    fn saved_run(path: &Path, saved_at: i64) -> Engine {
        let mut engine = Engine::new();
        let now = [firing("A", 10 * MINUTE), firing("B", 12 * MINUTE)];
        engine.record(&transitions(&[], &now, 13 * MINUTE));
        HistoryFile::new(path).save(&engine, &panels(), saved_at);
        engine
    }

    fn spans(engine: &Engine) -> Vec<(i64, Option<i64>)> {
        let mut spans: Vec<_> = engine
            .firing_spans()
            .into_iter()
            .map(|(_, start, end)| (start, end))
            .collect();
        spans.sort();
        spans
    }

    #[test]
    fn a_restart_keeps_open_what_still_fires_and_ends_what_resolved_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history/layout.json");
        saved_run(&path, 20 * MINUTE);

        let mut engine = Engine::new();
        assert_eq!(HistoryFile::new(&path).restore(&mut engine, &panels()), 2);
        assert!(engine.awaits_close());
        // The first poll after the restart: A still fires, B is gone.
        let now = [firing("A", 10 * MINUTE)];
        engine.record(&transitions(&[], &now, 40 * MINUTE));
        assert_eq!(
            engine.history().len(),
            2,
            "A firing again is not a new entry"
        );
        let active: BTreeSet<_> = now.iter().map(history_key).collect();
        engine.close_restored(&active);
        assert!(!engine.awaits_close());
        // A's band runs on; B's ends when the earlier run last saw it.
        assert_eq!(
            spans(&engine),
            [(10 * MINUTE, None), (12 * MINUTE, Some(20 * MINUTE))]
        );
        // Once only.
        engine.close_restored(&BTreeSet::new());
        assert_eq!(engine.history().len(), 3);
    }

    #[test]
    fn a_history_saved_for_other_panels_is_not_restored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("layout.json");
        saved_run(&path, 20 * MINUTE);
        let mut engine = Engine::new();
        let moved = vec!["alerts".to_owned(), "p99".to_owned()];
        assert_eq!(HistoryFile::new(&path).restore(&mut engine, &moved), 0);
        assert!(engine.history().is_empty());
        assert!(!engine.awaits_close());
    }

    #[test]
    fn a_corrupt_file_is_set_aside_and_replaced_on_the_next_save() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("layout.json");
        std::fs::write(&path, b"{\"version\": 1, \"panels\": [").unwrap();
        let mut engine = Engine::new();
        let mut file = HistoryFile::new(&path);
        assert_eq!(file.restore(&mut engine, &panels()), 0);
        assert_eq!(
            std::fs::read(dir.path().join("layout.json.corrupt")).unwrap(),
            b"{\"version\": 1, \"panels\": ["
        );
        engine.record(&transitions(&[], &[firing("A", MINUTE)], MINUTE));
        assert!(file.is_due(&engine, MINUTE));
        file.save(&engine, &panels(), MINUTE);
        assert_eq!(
            HistoryFile::new(&path).restore(&mut Engine::new(), &panels()),
            1
        );
    }

    #[test]
    fn it_is_written_on_change_and_every_few_minutes_while_an_alarm_is_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("layout.json");
        let engine = saved_run(&path, 20 * MINUTE);
        let mut file = HistoryFile::new(&path);
        file.restore(&mut Engine::new(), &panels());
        // Restored into another engine: this one's version differs, so it is due.
        assert!(file.is_due(&engine, 20 * MINUTE));
        file.save(&engine, &panels(), 20 * MINUTE);
        assert!(!file.is_due(&engine, 24 * MINUTE));
        assert!(file.is_due(&engine, 25 * MINUTE), "A and B are open");
        let mut quiet = Engine::new();
        let mut quiet_file = HistoryFile::new(&dir.path().join("quiet.json"));
        quiet_file.save(&quiet, &panels(), 0);
        assert!(
            !dir.path().join("quiet.json").exists(),
            "no alarms, no file"
        );
        assert!(
            !quiet_file.is_due(&quiet, 60 * MINUTE),
            "nothing open, nothing new"
        );
        quiet.record(&transitions(&[], &[firing("C", MINUTE)], MINUTE));
        assert!(quiet_file.is_due(&quiet, MINUTE));
    }
}
