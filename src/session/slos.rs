//! A session's objectives, evaluated in the background: every objective's SLI is
//! read through the session's own sources (their connections and credentials)
//! once a minute, or at the refresh when that is slower, and the reports wait in
//! a slot the frame loop takes them from.

use crate::clock::Clock;
use crate::dashboard::SourceId;
use crate::slo::{SloReport, SloSpec, evaluate};
use crate::source::Source;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often the objectives are evaluated at most: their short windows are
/// whole minutes, so more often would ask the same again.
pub const EVERY: Duration = Duration::from_secs(60);

/// The background evaluation of a session's objectives; stops when dropped.
pub(crate) struct SloWatch {
    latest: Arc<Mutex<Option<Vec<SloReport>>>>,
    task: tokio::task::JoinHandle<()>,
}

impl SloWatch {
    /// Evaluates `slos` now and then every minute (or `refresh`, if slower) on
    /// `runtime`; `wake` is called when reports wait.
    pub(crate) fn start(
        runtime: &tokio::runtime::Handle,
        slos: Vec<SloSpec>,
        sources: BTreeMap<SourceId, Arc<dyn Source>>,
        clock: Clock,
        refresh: Duration,
        wake: Arc<dyn Fn() + Send + Sync>,
    ) -> SloWatch {
        let latest: Arc<Mutex<Option<Vec<SloReport>>>> = Arc::default();
        let filled = latest.clone();
        let every = EVERY.max(refresh);
        let task = runtime.spawn(async move {
            loop {
                let now_ms = clock.now().timestamp_millis();
                let mut reports = Vec::with_capacity(slos.len());
                for slo in &slos {
                    reports.push(evaluate::evaluate(slo, &sources, now_ms).await);
                }
                if let Ok(mut slot) = filled.lock() {
                    *slot = Some(reports);
                }
                wake();
                tokio::time::sleep(every).await;
            }
        });
        SloWatch { latest, task }
    }

    /// The reports evaluated since the last call, if any.
    pub(crate) fn take(&self) -> Option<Vec<SloReport>> {
        self.latest.lock().ok()?.take()
    }
}

impl Drop for SloWatch {
    fn drop(&mut self) {
        self.task.abort();
    }
}
