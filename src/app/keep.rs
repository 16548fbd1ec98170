//! What the window keeps on disk for its user: acknowledgements (one file for every
//! layout) and the alarm history of each open layout file (one for the
//! workstation window, one per page for the wall). Everything is written by
//! the background writer, so the UI thread hands over bytes and goes on; a save
//! that fails is listed for the status bar until a later one succeeds.

use crate::alarm::ack::Acks;
use crate::alarm::history_file::HistoryFile;
use crate::persist::{SaveFailure, Writer};
use crate::session::Session;
use std::collections::{BTreeMap, BTreeSet};
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

    /// Acknowledges one firing of an alarm of `session`: for everyone, as a
    /// silence, when the session shares its alarms through Alertmanager and the
    /// alarm is one evaluated here; on this machine otherwise.
    pub(crate) fn acknowledge(&mut self, session: &Session, key: String) {
        self.acknowledge_with(
            session,
            key,
            "acknowledged in fleetdeck",
            crate::share::silences::DEFAULT_EXPIRY,
        );
    }

    /// As [`Keeper::acknowledge`], the silence saying `comment` and lasting `expiry`.
    pub(crate) fn acknowledge_with(
        &mut self,
        session: &Session,
        key: String,
        comment: &str,
        expiry: std::time::Duration,
    ) {
        let evaluated = session.alarms().evaluated_here();
        let alarm = evaluated
            .into_iter()
            .find(|a| crate::alarm::ack::key(a) == key);
        if let Some(alarm) = alarm
            && session.acknowledge_shared(alarm, comment, expiry)
        {
            return;
        }
        self.acks.acknowledge(key);
    }

    /// Carries out an acknowledgement command of a panel of `session`.
    pub(crate) fn follow(&mut self, session: &Session, command: &crate::view::Command) {
        use crate::view::Command;
        match command {
            Command::Acknowledge(key) => self.acknowledge(session, key.clone()),
            Command::AcknowledgeShared {
                key,
                comment,
                expiry,
            } => self.acknowledge_with(session, key.clone(), comment, *expiry),
            _ => {}
        }
    }

    /// The keys of the alarms of `session` acknowledged: here, or by a silence of
    /// the Alertmanager it shares its alarms through.
    pub(crate) fn acked_keys(&self, session: &Session) -> BTreeSet<String> {
        let mut keys = session.silenced_keys();
        if keys.is_empty() {
            return self.acks.keys().clone();
        }
        keys.extend(self.acks.keys().iter().cloned());
        keys
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
