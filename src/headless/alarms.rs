//! One headless look at every alarm of a layout — its alarm panels' sources and
//! its local rules — for `fleetdeck alarms` (scripts, cron checks) without a window.
//! It drives a [`Session`] scoped to the alarm panels and the panels the rules
//! watch, so the alarms are exactly the ones the window would list.

use crate::alarm::{Alarm, AlarmState};
use crate::clock::Clock;
use crate::dashboard::{Dashboard, Target};
use crate::poll::FETCH_TIMEOUT;
use crate::session::{QueryStatus, Scope, Session, View};
use crate::time_range::{TimeExpr, TimeRange};
use std::sync::Arc;

/// Width assumed for fetching a rule's panel (one point a pixel, as on screen).
const RULE_FETCH_WIDTH_PX: u32 = 1_200;
/// Rules look back at least this far, so a `for` duration can be judged.
const MIN_LOOKBACK: chrono::Duration = chrono::Duration::minutes(30);

/// Every alarm, unified and sorted, plus the errors of sources that did not answer.
#[derive(Debug, Default)]
pub struct Collected {
    /// The alarms, firing first; ok ones too (every alarm, with its state).
    pub alarms: Vec<Alarm>,
    /// `source: message` for each failed fetch.
    pub errors: Vec<String>,
}

impl Collected {
    /// Whether anything is firing.
    pub fn firing(&self) -> bool {
        self.alarms.iter().any(|a| a.state == AlarmState::Firing)
    }
}

/// Polls the layout's alarm sources once and evaluates its local rules on freshly
/// fetched data (the layout's range, at least the last 30 minutes). Runs on the
/// current tokio runtime.
pub async fn collect(dashboard: Arc<Dashboard>, clock: Clock) -> Collected {
    let now = clock.now();
    let start = dashboard.time.from.resolve(now).min(now - MIN_LOOKBACK);
    let mut session = Session::new(dashboard.clone(), clock)
        .with_scope(Scope::alarms_of(&dashboard))
        .keep_everything();
    session.set_uniform_width(RULE_FETCH_WIDTH_PX);
    session.set_view(View {
        range: TimeRange {
            from: TimeExpr::Absolute(start),
            to: TimeExpr::Absolute(now),
        },
        refresh: dashboard.refresh,
        live: false,
    });
    session.start(&tokio::runtime::Handle::current(), Arc::new(|| {}));
    let planned = dashboard.queries().count() as u32;
    let mut collected = Collected::default();
    if let Err(error) = session.settle(FETCH_TIMEOUT * (planned + 1)).await {
        collected.errors.push(error.to_string());
        session.evaluate_rules(now.timestamp_millis());
    }
    for (key, panel, query) in dashboard.queries() {
        let Some(QueryStatus::Failed(error)) = session.statuses().get(&key) else {
            continue;
        };
        let source = query.source().map_or("derive", |s| s.as_str());
        collected.errors.push(match query.target {
            Target::Alarms { .. } => format!("{source}: {error}"),
            _ => format!("{source} (panel `{}`): {error}", panel.title),
        });
    }
    collected.alarms = session.alarms().distinct().into_iter().cloned().collect();
    collected.alarms.sort_by(Alarm::display_order);
    collected
}
