//! Watching the open layout file: edits show up in the running dashboard, and a
//! broken edit is reported (file:line:col) while the last good layout stays on screen.

use crate::dashboard::Dashboard;
use crate::layout::{LayoutErrors, load_layout};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// How often the file's modification time is checked.
pub const CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// A newly read version of the layout file.
pub type Reloaded = Result<Dashboard, LayoutErrors>;

/// Background watcher of one layout file; stops when dropped.
pub struct LayoutWatcher {
    updates: mpsc::Receiver<Reloaded>,
    task: JoinHandle<()>,
}

impl LayoutWatcher {
    /// Watches `path` on `runtime`; `wake` is called when a new version was read.
    pub fn start(
        runtime: &tokio::runtime::Handle,
        path: PathBuf,
        wake: Arc<dyn Fn() + Send + Sync>,
    ) -> LayoutWatcher {
        let (sender, updates) = mpsc::channel(4);
        let task = runtime.spawn(async move {
            let mut last_seen = modified(&path);
            loop {
                tokio::time::sleep(CHECK_INTERVAL).await;
                let now_seen = modified(&path);
                if now_seen == last_seen || now_seen.is_none() {
                    continue; // unchanged, or mid-save (file briefly missing)
                }
                last_seen = now_seen;
                let reading = path.clone();
                let Ok(reloaded) = tokio::task::spawn_blocking(move || load_layout(&reading)).await
                else {
                    continue;
                };
                if sender.send(reloaded).await.is_err() {
                    return;
                }
                wake();
            }
        });
        LayoutWatcher { updates, task }
    }

    /// The newest version read since the last call, if any.
    pub fn latest(&mut self) -> Option<Reloaded> {
        let mut latest = None;
        while let Ok(update) = self.updates.try_recv() {
            latest = Some(update);
        }
        latest
    }
}

impl Drop for LayoutWatcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn modified(path: &std::path::Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}
