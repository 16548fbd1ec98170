//! Watching the open layout file: edits show up in the running dashboard, and a
//! broken edit is reported (file:line:col) while the last good layout stays on screen.
//!
//! The file's folder is watched for change events (inotify on Linux, through the
//! `notify` crate): editors save by writing a sibling and renaming it over the
//! file, which a watch on the file itself would lose. Each burst of events reads
//! the file once; a version whose text is the one read last is not reported
//! again. Where the system refuses a watch (no inotify slots left, a network
//! file system), the file's modification time is checked every second instead.

use crate::dashboard::Dashboard;
use crate::layout::{LayoutErrors, load_layout};
use notify::Watcher;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// How often the modification time is checked where no watch could be set.
pub(crate) const CHECK_INTERVAL: Duration = Duration::from_secs(1);
/// How long a burst of events (a save writes, renames, sets attributes) is
/// gathered before the file is read once.
const SETTLE: Duration = Duration::from_millis(30);

/// A newly read version of the layout file.
pub(crate) type Reloaded = Result<Dashboard, LayoutErrors>;

/// Background watcher of one layout file; stops when dropped.
pub(crate) struct LayoutWatcher {
    updates: mpsc::Receiver<Reloaded>,
    task: JoinHandle<()>,
    /// The system's watch, alive as long as this.
    _watch: Option<notify::RecommendedWatcher>,
    /// Versions read since it started (each burst of events reads one).
    reads: Arc<AtomicU64>,
}

impl LayoutWatcher {
    /// Watches `path` on `runtime`; `wake` is called when a new version was read.
    pub(crate) fn start(
        runtime: &tokio::runtime::Handle,
        path: PathBuf,
        wake: Arc<dyn Fn() + Send + Sync>,
    ) -> LayoutWatcher {
        let (sender, updates) = mpsc::channel(4);
        let (events, changes) = mpsc::channel::<()>(1);
        let watch = watch_folder(&path, events.clone());
        let reads = Arc::new(AtomicU64::new(0));
        let counter = reads.clone();
        let polling = watch.is_none();
        let task = runtime.spawn(async move {
            if polling {
                tokio::spawn(poll_modified(path.clone(), events));
            }
            read_on_change(path, changes, sender, counter, wake).await;
        });
        LayoutWatcher {
            updates,
            task,
            _watch: watch,
            reads,
        }
    }

    /// The newest version read since the last call, if any.
    pub(crate) fn latest(&mut self) -> Option<Reloaded> {
        let mut latest = None;
        while let Ok(update) = self.updates.try_recv() {
            latest = Some(update);
        }
        latest
    }

    /// How many times the file was read since the watch started (a test waits on
    /// it to know that a save was seen).
    pub(crate) fn reads(&self) -> u64 {
        self.reads.load(Ordering::SeqCst)
    }
}

impl Drop for LayoutWatcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A watch on `path`'s folder that signals `events` when something happens to
/// `path`; `None` where the system refuses one.
fn watch_folder(path: &Path, events: mpsc::Sender<()>) -> Option<notify::RecommendedWatcher> {
    let name = path.file_name()?.to_owned();
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder.to_owned(),
        _ => PathBuf::from("."),
    };
    let handler = move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else {
            return;
        };
        if event.kind.is_access() {
            return;
        }
        if event
            .paths
            .iter()
            .any(|p| p.file_name() == Some(name.as_os_str()))
        {
            // Full means a read is already due, and it will see this change too.
            let _ = events.try_send(());
        }
    };
    let mut watch = notify::recommended_watcher(handler)
        .inspect_err(|error| tracing::info!("no file watch ({error}); checking every second"))
        .ok()?;
    watch
        .watch(&folder, notify::RecursiveMode::NonRecursive)
        .inspect_err(|error| tracing::info!("cannot watch {} ({error})", folder.display()))
        .ok()?;
    Some(watch)
}

/// Reads the file after each burst of changes and hands on each new version.
async fn read_on_change(
    path: PathBuf,
    mut changes: mpsc::Receiver<()>,
    updates: mpsc::Sender<Reloaded>,
    reads: Arc<AtomicU64>,
    wake: Arc<dyn Fn() + Send + Sync>,
) {
    let mut last_text: Option<Arc<str>> = None;
    while changes.recv().await.is_some() {
        tokio::time::sleep(SETTLE).await;
        while changes.try_recv().is_ok() {}
        if !path.exists() {
            continue; // mid-save: the file is briefly gone; its return is an event
        }
        let reading = path.clone();
        let Ok(reloaded) = tokio::task::spawn_blocking(move || load_layout(&reading)).await else {
            continue;
        };
        let text = reloaded.as_ref().ok().map(|d| d.source_text.clone());
        let unchanged = text.is_some() && text == last_text;
        reads.fetch_add(1, Ordering::SeqCst);
        if unchanged {
            continue;
        }
        last_text = text;
        if updates.send(reloaded).await.is_err() {
            return;
        }
        wake();
    }
}

/// Where no watch could be set: signals a change whenever the modification time
/// moves.
async fn poll_modified(path: PathBuf, events: mpsc::Sender<()>) {
    let mut last_seen = modified(&path);
    loop {
        tokio::time::sleep(CHECK_INTERVAL).await;
        let now_seen = modified(&path);
        if now_seen == last_seen || now_seen.is_none() {
            continue;
        }
        last_seen = now_seen;
        if events.send(()).await.is_err() {
            return;
        }
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}
