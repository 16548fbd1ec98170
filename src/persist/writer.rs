//! The background writer: the one thread that writes fleetdeck's files, so the UI
//! thread hands over bytes and goes on drawing while the disk (or a hung network
//! home directory) takes its time.

use super::write_atomically;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};

/// A save that did not happen, for the window to show until a later save of the
/// same file succeeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveFailure {
    /// The file.
    pub path: PathBuf,
    /// What it holds, in words (`alarm history`, `acknowledgements`).
    pub what: &'static str,
    /// Why it failed, as the operating system said.
    pub message: String,
}

impl std::fmt::Display for SaveFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot save the {} to {}: {}",
            self.what,
            self.path.display(),
            self.message
        )
    }
}

/// What waits to be written, and what went wrong.
#[derive(Default)]
struct State {
    /// Newest bytes per file; a second save of a file replaces the first.
    pending: BTreeMap<PathBuf, (Vec<u8>, &'static str)>,
    /// Files being written right now.
    writing: usize,
    /// The last failure per file, cleared by its next successful save.
    failures: BTreeMap<PathBuf, SaveFailure>,
    /// The handle is gone: write what is pending, then end.
    stop: bool,
}

struct Shared {
    state: Mutex<State>,
    /// Signalled when there is work (or `stop`).
    work: Condvar,
    /// Signalled when the writer has nothing pending and nothing in hand.
    idle: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind; keep going.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A handle to the writer thread; clones share it. The thread ends (after writing
/// what is pending) when the last handle is dropped.
#[derive(Clone)]
pub struct Writer {
    shared: Arc<Shared>,
    _owner: Arc<Owner>,
}

/// Stops and joins the thread when the last [`Writer`] handle goes.
struct Owner {
    shared: Arc<Shared>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Drop for Owner {
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.work.notify_all();
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

impl Writer {
    /// Starts a writer thread. Most code uses [`Writer::global`]; tests start their
    /// own to watch failures in isolation.
    pub fn start() -> Writer {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            work: Condvar::new(),
            idle: Condvar::new(),
        });
        let worker = shared.clone();
        let thread = std::thread::Builder::new()
            .name("fleetdeck-writer".to_owned())
            .spawn(move || run(&worker))
            .map_err(|error| tracing::error!("cannot start the file writer thread: {error}"))
            .ok();
        Writer {
            shared: shared.clone(),
            _owner: Arc::new(Owner {
                shared,
                thread: Mutex::new(thread),
            }),
        }
    }

    /// The process's writer, started on first use.
    pub fn global() -> Writer {
        static GLOBAL: OnceLock<Writer> = OnceLock::new();
        GLOBAL.get_or_init(Writer::start).clone()
    }

    /// Queues `bytes` to replace `path` atomically. Returns at once; a later save of
    /// the same path before this one is written replaces it.
    pub(crate) fn save(&self, path: &Path, bytes: Vec<u8>, what: &'static str) {
        self.shared
            .lock()
            .pending
            .insert(path.to_owned(), (bytes, what));
        self.shared.work.notify_one();
    }

    /// Saves that failed and were not since redone successfully.
    pub(crate) fn failures(&self) -> Vec<SaveFailure> {
        self.shared.lock().failures.values().cloned().collect()
    }

    /// Waits until everything queued so far is written (at exit, and in tests).
    pub fn flush(&self) {
        let mut state = self.shared.lock();
        while !state.pending.is_empty() || state.writing > 0 {
            state = self
                .shared
                .idle
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

fn run(shared: &Shared) {
    let mut state = shared.lock();
    loop {
        if let Some(path) = state.pending.keys().next().cloned()
            && let Some((bytes, what)) = state.pending.remove(&path)
        {
            state.writing += 1;
            drop(state);
            let outcome = write_atomically(&path, &bytes);
            state = shared.lock();
            state.writing -= 1;
            match outcome {
                Ok(()) => {
                    state.failures.remove(&path);
                }
                Err(error) => {
                    tracing::warn!("cannot save the {what} to {}: {error}", path.display());
                    state.failures.insert(
                        path.clone(),
                        SaveFailure {
                            path,
                            what,
                            message: error.to_string(),
                        },
                    );
                }
            }
            continue;
        }
        shared.idle.notify_all();
        if state.stop {
            return;
        }
        state = shared
            .work
            .wait(state)
            .unwrap_or_else(PoisonError::into_inner);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_coalesce_and_a_failure_is_kept_until_a_save_succeeds() {
        let dir = tempfile::tempdir().unwrap();
        let writer = Writer::start();
        let path = dir.path().join("state/acks.json");
        for n in 0..50 {
            writer.save(&path, format!("[{n}]").into_bytes(), "acknowledgements");
        }
        writer.flush();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[49]");
        assert!(writer.failures().is_empty());

        // A file where the folder should be: saving below it fails.
        let blocked = dir.path().join("blocked");
        std::fs::write(&blocked, "").unwrap();
        let unwritable = blocked.join("history.json");
        writer.save(&unwritable, b"{}".to_vec(), "alarm history");
        writer.flush();
        let failures = writer.failures();
        assert_eq!(failures.len(), 1);
        assert!(
            failures[0]
                .to_string()
                .starts_with("cannot save the alarm history to "),
            "{}",
            failures[0]
        );
        std::fs::remove_file(&blocked).unwrap();
        writer.save(&unwritable, b"{}".to_vec(), "alarm history");
        writer.flush();
        assert!(writer.failures().is_empty());
        assert_eq!(std::fs::read(&unwritable).unwrap(), b"{}");
    }

    #[test]
    fn dropping_the_last_handle_writes_what_is_pending() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        {
            let writer = Writer::start();
            writer.clone().save(&path, b"[1]".to_vec(), "test");
        }
        assert_eq!(std::fs::read(&path).unwrap(), b"[1]");
    }
}
