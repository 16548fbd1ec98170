//! Taking an incident: the dashboard fetched over the range (every panel, kept
//! whole) and over the range's span before and after it at a coarser step, then
//! everything written down with the alarm history and the notes.

use crate::clock::Clock;
use crate::dashboard::{Dashboard, QueryKey};
use crate::incident::{Incident, QueryOutcome, StoredSeries, redact_layout};
use crate::notes::Note;
use crate::session::{QueryStatus, Session, SettleError, View};
use crate::source::SourceError;
use crate::time_range::{TimeExpr, TimeRange, Window};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;

/// Pixels the range is fetched for (the step follows it, as on a wide screen).
pub(crate) const RANGE_WIDTH_PX: u32 = 1_600;
/// Pixels the context around the range is fetched for: coarser.
pub(crate) const CONTEXT_WIDTH_PX: u32 = 300;
/// Longest the sources may take to answer, per fetch.
pub(crate) const PATIENCE: Duration = Duration::from_secs(60);

/// Captures `dashboard` over `window`; must run on a tokio runtime.
pub async fn capture(
    dashboard: Arc<Dashboard>,
    window: Window,
    clock: Clock,
    notes: Vec<Note>,
) -> Incident {
    let range = fetch(&dashboard, window, RANGE_WIDTH_PX, clock).await;
    let span = window.span_ms();
    let around = Window {
        start_ms: window.start_ms.saturating_sub(span),
        end_ms: window.end_ms.saturating_add(span),
    };
    let context = fetch(&dashboard, around, CONTEXT_WIDTH_PX, clock).await;
    Incident {
        taken_at_ms: clock.now().timestamp_millis(),
        layout_text: redact_layout(&dashboard.source_text),
        // The file's name only: where it sat on the taker's disk is theirs.
        layout_name: dashboard
            .path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        start_ms: window.start_ms,
        end_ms: window.end_ms,
        sources: dashboard
            .sources
            .iter()
            .map(|(id, spec)| {
                (
                    id.as_str().to_owned(),
                    format!("{:?}", spec.kind()).to_lowercase(),
                )
            })
            .collect(),
        series: range.series,
        context: context.series,
        alarm_history: range.history,
        outcomes: range.outcomes,
        choices: crate::layout::Choices {
            selection: dashboard.selection.clone(),
            options: dashboard.offered.clone(),
        },
        notes: notes
            .into_iter()
            .filter(|n| {
                n.end_ms().unwrap_or(i64::MIN) >= around.start_ms
                    && n.start_ms().unwrap_or(i64::MAX) <= around.end_ms
            })
            .collect(),
    }
}

/// What one fetch of the dashboard over a window gave.
struct Fetched {
    series: Vec<StoredSeries>,
    history: Vec<crate::alarm::engine::Transition>,
    outcomes: Vec<QueryOutcome>,
}

async fn fetch(dashboard: &Arc<Dashboard>, window: Window, width_px: u32, clock: Clock) -> Fetched {
    let at = |ms: i64| {
        TimeExpr::Absolute(DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default())
    };
    let mut session = Session::new(dashboard.clone(), clock).keep_everything();
    session.set_uniform_width(width_px);
    session.set_view(View {
        range: TimeRange {
            from: at(window.start_ms),
            to: at(window.end_ms),
        },
        refresh: dashboard.refresh,
        live: false,
    });
    session.start(&tokio::runtime::Handle::current(), Arc::new(|| {}));
    // What did not answer in time is kept as such, with what failed and why.
    let unanswered = match session.settle(PATIENCE).await {
        Err(SettleError::TimedOut { pending }) => pending,
        _ => Vec::new(),
    };
    session.evaluate_rules(clock.now().timestamp_millis());
    let mut outcomes: Vec<QueryOutcome> = session
        .answers()
        .map(|(key, at, status)| QueryOutcome {
            source: source_of(dashboard, &key),
            panel: key.panel.as_str().to_owned(),
            query: key.query.as_str().to_owned(),
            at_ms: at.timestamp_millis(),
            error: match status {
                QueryStatus::Failed(error) => Some(error.clone()),
                _ => None,
            },
        })
        .collect();
    let gave_up_ms = clock.now().timestamp_millis();
    outcomes.extend(unanswered.into_iter().map(|key| QueryOutcome {
        source: source_of(dashboard, &key),
        panel: key.panel.as_str().to_owned(),
        query: key.query.as_str().to_owned(),
        at_ms: gave_up_ms,
        error: Some(SourceError::Timeout(PATIENCE.as_secs())),
    }));
    let mut series = Vec::new();
    for (key, _, _) in dashboard.queries() {
        for (series_key, data) in session.store().query_series(&key) {
            series.push(StoredSeries {
                panel: key.panel.as_str().to_owned(),
                query: key.query.as_str().to_owned(),
                labels: (*series_key.labels).clone(),
                samples: data.iter().map(|s| (s.t_ms, s.value)).collect(),
            });
        }
    }
    let history = session.alarms().history().iter().cloned().collect();
    Fetched {
        series,
        history,
        outcomes,
    }
}

/// The name of the source query `key` asks.
fn source_of(dashboard: &Dashboard, key: &QueryKey) -> String {
    dashboard
        .query(&crate::session::compare::compared_base(key))
        .and_then(|query| query.source())
        .map_or_else(String::new, |source| source.as_str().to_owned())
}
