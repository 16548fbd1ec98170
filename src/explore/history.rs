//! The queries run in Explore, per source, newest first; a starred one stays at
//! the top and is never forgotten. Kept as JSON in the state directory
//! (`explore-history.json`) through the background writer, so it outlives the
//! window and never blocks it.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Unstarred queries kept per source; older ones are forgotten.
pub(crate) const KEPT_PER_SOURCE: usize = 100;

/// One query run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The source's name.
    pub source: String,
    /// The query as typed.
    pub text: String,
    /// Starred: listed first, never dropped.
    #[serde(default)]
    pub starred: bool,
    /// When it last ran, ms since the epoch.
    pub last_run_ms: i64,
}

/// Every source's query history.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QueryHistory {
    entries: Vec<HistoryEntry>,
}

impl QueryHistory {
    /// Notes that `text` ran on `source` at `now_ms`: a query run before moves
    /// to the top (keeping its star) instead of being listed twice.
    pub(crate) fn record(&mut self, source: &str, text: &str, now_ms: i64) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        let starred = match self.position(source, text) {
            Some(index) => self.entries.remove(index).starred,
            None => false,
        };
        self.entries.insert(
            0,
            HistoryEntry {
                source: source.to_owned(),
                text: text.to_owned(),
                starred,
                last_run_ms: now_ms,
            },
        );
        let mut unstarred = 0;
        self.entries.retain(|entry| {
            if entry.source != source || entry.starred {
                return true;
            }
            unstarred += 1;
            unstarred <= KEPT_PER_SOURCE
        });
    }

    /// Stars `text` on `source` (kept even if it never ran), or unstars it.
    pub(crate) fn toggle_star(&mut self, source: &str, text: &str, now_ms: i64) {
        let text = text.trim();
        match self.position(source, text) {
            Some(index) => self.entries[index].starred = !self.entries[index].starred,
            None if !text.is_empty() => self.entries.insert(
                0,
                HistoryEntry {
                    source: source.to_owned(),
                    text: text.to_owned(),
                    starred: true,
                    last_run_ms: now_ms,
                },
            ),
            None => {}
        }
    }

    /// Whether `text` on `source` is starred.
    pub(crate) fn is_starred(&self, source: &str, text: &str) -> bool {
        self.position(source, text.trim())
            .is_some_and(|index| self.entries[index].starred)
    }

    /// The queries of `source`: starred first, then the most recent.
    pub fn for_source(&self, source: &str) -> Vec<&HistoryEntry> {
        let mut entries: Vec<&HistoryEntry> =
            self.entries.iter().filter(|e| e.source == source).collect();
        entries.sort_by_key(|e| (!e.starred, std::cmp::Reverse(e.last_run_ms)));
        entries
    }

    fn position(&self, source: &str, text: &str) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| e.source == source && e.text == text)
    }

    /// The file's bytes.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }

    /// The history kept in `path`; empty when there is none. An unreadable file
    /// is set aside, not overwritten.
    pub fn read(path: &Path) -> QueryHistory {
        crate::persist::read_json(path, "Explore history").unwrap_or_default()
    }
}

/// `explore-history.json` in the state directory.
pub fn default_path() -> Option<PathBuf> {
    Some(crate::persist::state_dir()?.join("explore-history.json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_run_again_moves_up_and_a_star_keeps_it_first() {
        let mut history = QueryHistory::default();
        history.record("prom", "up", 1);
        history.record("prom", "rate(x[5m])", 2);
        history.record("cw", "metric = \"Invocations\"", 3);
        history.record("prom", " up ", 4);
        let texts = |h: &QueryHistory| -> Vec<String> {
            h.for_source("prom")
                .iter()
                .map(|e| e.text.clone())
                .collect()
        };
        assert_eq!(texts(&history), ["up", "rate(x[5m])"]);
        history.toggle_star("prom", "rate(x[5m])", 5);
        assert!(history.is_starred("prom", "rate(x[5m])"));
        history.record("prom", "sum(y)", 6);
        assert_eq!(texts(&history), ["rate(x[5m])", "sum(y)", "up"]);
        assert_eq!(history.for_source("cw").len(), 1);
    }

    #[test]
    fn only_the_newest_unstarred_queries_are_kept_and_stars_never_go() {
        let mut history = QueryHistory::default();
        history.toggle_star("prom", "kept", 0);
        for n in 0..(KEPT_PER_SOURCE as i64 + 20) {
            history.record("prom", &format!("q{n}"), n + 1);
        }
        let listed = history.for_source("prom");
        assert_eq!(listed.len(), KEPT_PER_SOURCE + 1);
        assert_eq!(listed[0].text, "kept");
        assert_eq!(listed[1].text, format!("q{}", KEPT_PER_SOURCE + 19));
        assert!(listed.iter().all(|e| e.text != "q0"));
    }

    #[test]
    fn the_file_reads_back_and_a_damaged_one_is_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("explore-history.json");
        let mut history = QueryHistory::default();
        history.record("prom", "up", 1);
        history.toggle_star("prom", "up", 2);
        std::fs::write(&path, history.to_bytes()).unwrap();
        assert_eq!(QueryHistory::read(&path), history);
        std::fs::write(&path, b"{ not json").unwrap();
        assert_eq!(QueryHistory::read(&path), QueryHistory::default());
        assert_eq!(
            std::fs::read(dir.path().join("explore-history.json.corrupt")).unwrap(),
            b"{ not json"
        );
    }
}
