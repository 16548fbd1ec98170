//! What the window keeps on disk for its user: acknowledgements (one file for every
//! layout) and the alarm history of each open layout file (one for the
//! workstation window, one per page for the wall). Everything is written by
//! the background writer, so the UI thread hands over bytes and goes on; a save
//! that fails is listed for the status bar until a later one succeeds.

use crate::alarm::ack::Acks;
use crate::alarm::history_file::HistoryFile;
use crate::persist::{SaveFailure, Writer};
use crate::session::Session;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Acknowledgements, the history files, and the writer they go through.
pub(crate) struct Keeper {
    writer: Writer,
    acks: Acks,
    /// By the layout file whose history each keeps.
    histories: BTreeMap<PathBuf, HistoryFile>,
}

impl Keeper {
    /// Nothing kept yet: acknowledgements in memory, no history file.
    pub(crate) fn new(writer: Writer) -> Keeper {
        Keeper {
            writer,
            acks: Acks::in_memory(),
            histories: BTreeMap::new(),
        }
    }

    /// Reads acknowledgements from `path` and keeps them there. Called once before
    /// the window opens.
    pub(crate) fn load_acks(&mut self, path: &Path) {
        self.acks = Acks::load(path, self.writer.clone());
    }

    /// Restores the alarm history saved in `path` into `session` and keeps it there.
    /// Called once before the window opens.
    pub(crate) fn restore_history(&mut self, path: &Path, session: &mut Session, now_ms: i64) {
        let mut file = HistoryFile::new(path);
        let dashboard = session.dashboard().clone();
        file.restore(session.alarms_mut().engine_mut(), &dashboard, now_ms);
        self.histories.insert(dashboard.path.clone(), file);
    }

    /// The writer everything kept goes through.
    pub(crate) fn writer(&self) -> &Writer {
        &self.writer
    }

    /// The acknowledged alarms.
    pub(crate) fn acks(&self) -> &Acks {
        &self.acks
    }

    /// Acknowledges one firing of an alarm.
    pub(crate) fn acknowledge(&mut self, key: String) {
        self.acks.acknowledge(key);
    }

    /// Saves that failed and were not since redone.
    pub(crate) fn failures(&self) -> Vec<SaveFailure> {
        self.writer.failures()
    }

    /// Once every alarm is known: forgets acknowledgements of alarms that resolved
    /// and closes what a restored history left open. Then saves the history if due.
    pub(crate) fn after_frame(&mut self, session: &mut Session, now_ms: i64) {
        let engine = session.alarms().engine();
        let settling = !self.acks.keys().is_empty() || engine.awaits_close();
        if settling && session.every_alarm_known() {
            if !self.acks.keys().is_empty() {
                let current: Vec<&crate::alarm::Alarm> = session.all_alarms().collect();
                self.acks.prune(&current);
            }
            let dashboard = session.dashboard().clone();
            session.alarms_mut().close_restored(&dashboard);
        }
        let engine = session.alarms().engine();
        if let Some(file) = self.histories.get_mut(&session.dashboard().path)
            && file.is_due(engine, now_ms)
        {
            file.save(engine, now_ms, &self.writer);
        }
    }

    /// Saves the sessions' histories once more and waits until everything is written.
    pub(crate) fn on_exit<'a>(
        &mut self,
        sessions: impl IntoIterator<Item = &'a Session>,
        now_ms: i64,
    ) {
        for session in sessions {
            if let Some(file) = self.histories.get_mut(&session.dashboard().path) {
                file.save(session.alarms().engine(), now_ms, &self.writer);
            }
        }
        self.writer.flush();
    }
}

impl Drop for Keeper {
    /// A window that closes (or a test that drops it) leaves its files written.
    fn drop(&mut self) {
        self.writer.flush();
    }
}
