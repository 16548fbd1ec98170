//! The alarm history kept across restarts, one file per layout, so a wall display
//! that restarts (an update, a crash, a reboot) still shows what fired overnight.
//!
//! Entries name panels by id, so a layout edit that moves, resizes or reorders
//! panels keeps their bands. The file is rewritten when the history changes, and
//! every few minutes while an alarm is open so its "last seen" time stays recent:
//! an alarm that resolves while fleetdeck is down is closed at that time. Writes go
//! through the background writer ([`crate::persist`]).

use super::engine::{Engine, Transition};
use super::rules::Change;
use crate::dashboard::Dashboard;
use crate::persist::{Writer, read_json, state_dir};
use std::path::{Path, PathBuf};

/// How often the file is rewritten while an alarm is open, ms.
const REFRESH_OPEN_MS: i64 = 5 * 60_000;
/// The format written: entries name panels by id.
const VERSION: u32 = 2;

/// What the file holds.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Saved {
    /// Format version.
    version: u32,
    /// When it was saved, ms since the epoch.
    saved_at_ms: i64,
    /// The history, oldest first.
    transitions: Vec<Transition>,
}

/// Version 1, written before panels had ids: entries name panels by position in
/// the list of titles saved with them.
#[derive(Debug, serde::Deserialize)]
struct SavedV1 {
    panels: Vec<String>,
    saved_at_ms: i64,
    transitions: Vec<TransitionV1>,
}

#[derive(Debug, serde::Deserialize)]
struct TransitionV1 {
    rule: String,
    series: String,
    panel: Option<usize>,
    change: Change,
}

#[derive(Debug, serde::Deserialize)]
struct VersionOnly {
    version: u32,
}

/// `history/<layout path with / as _>.json` in the state directory: one file per
/// layout file, readable by name.
pub fn default_path(layout_path: &Path) -> Option<PathBuf> {
    let name = crate::persist::file_name_for(layout_path);
    Some(state_dir()?.join("history").join(format!("{name}.json")))
}

/// Saves an engine's history to one file and restores it from there.
#[derive(Debug)]
pub(crate) struct HistoryFile {
    path: PathBuf,
    saved_version: Option<u64>,
    saved_at_ms: i64,
    /// Whether an alarm was open in what was last saved (or restored); the same
    /// until the history's version moves, so it is worked out once, not per frame.
    open_when_saved: bool,
    /// Whether the file exists (restored from, or written by this keeper), so a
    /// save need not ask the disk.
    exists: bool,
}

impl HistoryFile {
    /// A keeper for `path`; nothing is read or written yet.
    pub(crate) fn new(path: &Path) -> HistoryFile {
        HistoryFile {
            path: path.to_owned(),
            saved_version: None,
            saved_at_ms: i64::MIN,
            open_when_saved: false,
            exists: false,
        }
    }

    /// Puts the file's history into `engine`; returns how many entries came back. A
    /// missing file restores nothing; an unreadable one is set aside. A save time
    /// in the future (a clock that jumped, a damaged file) counts as `now_ms`.
    pub(crate) fn restore(
        &mut self,
        engine: &mut Engine,
        dashboard: &Dashboard,
        now_ms: i64,
    ) -> usize {
        let Some(version) = read_json::<VersionOnly>(&self.path, "alarm history") else {
            return 0;
        };
        self.exists = true;
        let restored = match version.version {
            1 => read_json::<SavedV1>(&self.path, "alarm history").map(|v1| upgrade(v1, dashboard)),
            VERSION => read_json::<Saved>(&self.path, "alarm history"),
            other => {
                tracing::warn!(
                    "not restoring {}: written by a newer fleetdeck (format {other})",
                    self.path.display()
                );
                None
            }
        };
        let Some(saved) = restored else {
            return 0;
        };
        let saved_at_ms = saved.saved_at_ms.min(now_ms);
        let count = saved.transitions.len();
        engine.restore(saved.transitions, saved_at_ms);
        self.saved_version = Some(engine.version());
        self.saved_at_ms = saved_at_ms;
        self.open_when_saved = engine.has_open();
        count
    }

    /// Whether the history should be written now: it changed since the last write,
    /// or an alarm is open and the last write is a few minutes old.
    pub(crate) fn is_due(&self, engine: &Engine, now_ms: i64) -> bool {
        self.saved_version != Some(engine.version())
            || (self.open_when_saved && now_ms.saturating_sub(self.saved_at_ms) >= REFRESH_OPEN_MS)
    }

    /// Hands the history, saved at `now_ms`, to `writer`. A failure is the writer's
    /// to report; it is retried at the next change or refresh, not every frame.
    pub(crate) fn save(&mut self, engine: &Engine, now_ms: i64, writer: &Writer) {
        // A layout that never had an alarm leaves no file behind.
        if !engine.history().is_empty() || self.exists {
            self.exists = true;
            let saved = Saved {
                version: VERSION,
                saved_at_ms: now_ms,
                transitions: engine.history().iter().cloned().collect(),
            };
            match serde_json::to_vec(&saved) {
                Ok(bytes) => writer.save(&self.path, bytes, "alarm history"),
                Err(error) => tracing::warn!("cannot encode the alarm history: {error}"),
            }
        }
        self.saved_version = Some(engine.version());
        self.saved_at_ms = now_ms;
        self.open_when_saved = engine.has_open();
    }
}

/// A version 1 history in today's terms: each panel position becomes the id of
/// the panel that now has the title it had then (none if no panel has it).
fn upgrade(v1: SavedV1, dashboard: &Dashboard) -> Saved {
    let id_of = |index: usize| {
        let title = v1.panels.get(index)?;
        dashboard.panel_by_title(title).map(|p| p.id.clone())
    };
    Saved {
        version: VERSION,
        saved_at_ms: v1.saved_at_ms,
        transitions: v1
            .transitions
            .into_iter()
            .map(|t| Transition {
                rule: t.rule,
                series: t.series,
                panel: t.panel.and_then(id_of),
                change: t.change,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alarm::observed::{history_key, transitions};
    use crate::alarm::{Alarm, AlarmState};
    use std::collections::{BTreeMap, BTreeSet};

    const MINUTE: i64 = 60_000;
    const LATER: i64 = 1_000 * MINUTE;

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
            panel: Some("alerts".into()),
        }
    }

    /// A dashboard with the panels `first` and `second`, in that order.
    fn dashboard(first: &str, second: &str) -> Dashboard {
        let panel = |title: &str, x: u32| {
            format!(
                "[[panels]]\ntitle = \"{title}\"\ngrid = {{ x = {x}, y = 0, w = 12, h = 8 }}\n  [[panels.queries]]\n  source = \"fleet\"\n  metric = \"vllm:num_requests_waiting\"\n"
            )
        };
        let text = format!(
            "version = 1\ntitle = \"t\"\n[sources.fleet]\nkind = \"demo\"\n{}{}",
            panel(first, 0),
            panel(second, 12)
        );
        crate::layout::parse_layout(&text, Path::new("t.toml")).unwrap()
    }

    /// An engine that saw two alerts start firing, saved to `path` at `saved_at`.
    fn saved_run(path: &Path, saved_at: i64) -> Engine {
        let mut engine = Engine::default();
        let now = [firing("A", 10 * MINUTE), firing("B", 12 * MINUTE)];
        engine.record(&transitions(&[], &now, 13 * MINUTE));
        let writer = Writer::start();
        HistoryFile::new(path).save(&engine, saved_at, &writer);
        writer.flush();
        engine
    }

    fn spans(engine: &Engine) -> Vec<(String, i64, Option<i64>)> {
        let mut spans: Vec<_> = engine
            .firing_spans()
            .into_iter()
            .map(|(panel, start, end)| (panel.to_string(), start, end))
            .collect();
        spans.sort();
        spans
    }

    #[test]
    fn a_restart_keeps_open_what_still_fires_and_ends_what_resolved_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history/layout.json");
        saved_run(&path, 20 * MINUTE);

        let mut engine = Engine::default();
        let restored =
            HistoryFile::new(&path).restore(&mut engine, &dashboard("p99", "alerts"), LATER);
        assert_eq!(restored, 2);
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
            [
                ("alerts".to_owned(), 10 * MINUTE, None),
                ("alerts".to_owned(), 12 * MINUTE, Some(20 * MINUTE))
            ]
        );
        // Once only.
        engine.close_restored(&BTreeSet::new());
        assert_eq!(engine.history().len(), 3);
    }

    #[test]
    fn moved_panels_keep_their_history_because_it_names_them_by_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("layout.json");
        saved_run(&path, 20 * MINUTE);
        let mut engine = Engine::default();
        // The panels swapped places in the file since.
        let moved = dashboard("alerts", "p99");
        assert_eq!(
            HistoryFile::new(&path).restore(&mut engine, &moved, LATER),
            2
        );
        assert!(spans(&engine).iter().all(|(panel, _, _)| panel == "alerts"));
    }

    #[test]
    fn a_version_1_history_is_read_by_the_titles_it_saved() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("layout.json");
        let change =
            r#"{"from":"Ok","to":{"Firing":{"since_ms":600000}},"at_ms":600000,"value":null}"#;
        std::fs::write(
            &path,
            format!(
                r#"{{"version":1,"panels":["p99","alerts"],"saved_at_ms":1200000,"transitions":[{{"rule":"A","series":"prom","panel":1,"change":{change}}},{{"rule":"gone","series":"prom","panel":7,"change":{change}}}]}}"#
            ),
        )
        .unwrap();
        let mut engine = Engine::default();
        let moved = dashboard("alerts", "p99");
        assert_eq!(
            HistoryFile::new(&path).restore(&mut engine, &moved, LATER),
            2
        );
        let panels: Vec<Option<&str>> = engine
            .history()
            .iter()
            .map(|t| t.panel.as_ref().map(|p| p.as_str()))
            .collect();
        // Position 1 was "alerts", wherever it is now; position 7 never existed.
        assert_eq!(panels, [Some("alerts"), None]);
    }

    #[test]
    fn a_damaged_save_time_neither_overflows_nor_lies_in_the_future() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("layout.json");
        let open = r#"{"rule":"A","series":"prom","panel":"alerts","change":{"from":"Ok","to":{"Firing":{"since_ms":60000}},"at_ms":60000,"value":null}}"#;
        for saved_at in [i64::MIN, i64::MAX] {
            std::fs::write(
                &path,
                format!(r#"{{"version":2,"saved_at_ms":{saved_at},"transitions":[{open}]}}"#),
            )
            .unwrap();
            let mut engine = Engine::default();
            let mut file = HistoryFile::new(&path);
            assert_eq!(
                file.restore(&mut engine, &dashboard("p99", "alerts"), LATER),
                1
            );
            // An alarm is open, so the time since the save is worked out.
            let due_now = file.is_due(&engine, LATER);
            assert_eq!(due_now, saved_at == i64::MIN, "saved at {saved_at}");
            assert!(file.is_due(&engine, LATER + 5 * MINUTE));
            // A save in the future counted as now: the restored band ends by now.
            engine.close_restored(&BTreeSet::new());
            let ends: Vec<Option<i64>> =
                spans(&engine).into_iter().map(|(_, _, end)| end).collect();
            assert!(
                ends.iter().all(|end| end.is_some_and(|t| t <= LATER)),
                "{ends:?}"
            );
        }
    }

    #[test]
    fn a_corrupt_file_is_set_aside_and_replaced_on_the_next_save() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("layout.json");
        std::fs::write(&path, b"{\"version\": 2, \"transitions\": [").unwrap();
        let mut engine = Engine::default();
        let mut file = HistoryFile::new(&path);
        let panels = dashboard("p99", "alerts");
        assert_eq!(file.restore(&mut engine, &panels, LATER), 0);
        assert_eq!(
            std::fs::read(dir.path().join("layout.json.corrupt")).unwrap(),
            b"{\"version\": 2, \"transitions\": ["
        );
        engine.record(&transitions(&[], &[firing("A", MINUTE)], MINUTE));
        assert!(file.is_due(&engine, MINUTE));
        let writer = Writer::start();
        file.save(&engine, MINUTE, &writer);
        writer.flush();
        assert_eq!(
            HistoryFile::new(&path).restore(&mut Engine::default(), &panels, LATER),
            1
        );
    }

    #[test]
    fn it_is_written_on_change_and_every_few_minutes_while_an_alarm_is_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("layout.json");
        let engine = saved_run(&path, 20 * MINUTE);
        let writer = Writer::start();
        let mut file = HistoryFile::new(&path);
        file.restore(&mut Engine::default(), &dashboard("p99", "alerts"), LATER);
        // Restored into another engine: this one's version differs, so it is due.
        assert!(file.is_due(&engine, 20 * MINUTE));
        file.save(&engine, 20 * MINUTE, &writer);
        assert!(!file.is_due(&engine, 24 * MINUTE));
        assert!(file.is_due(&engine, 25 * MINUTE), "A and B are open");
        let mut quiet = Engine::default();
        let mut quiet_file = HistoryFile::new(&dir.path().join("quiet.json"));
        quiet_file.save(&quiet, 0, &writer);
        writer.flush();
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
