//! One headless look at every alarm of a layout — its alarm panels' sources and
//! its local rules — for `fleetdeck alarms` (scripts, cron checks) without a window.

use super::engine::Engine;
use super::{Alarm, AlarmState};
use crate::clock::Clock;
use crate::layout::{Layout, PanelKind};
use crate::poll::{FETCH_TIMEOUT, PlannedQuery, fetch_query};
use crate::source::build_source;
use crate::store::{Retention, SeriesKey, Store};
use crate::time_range::Window;
use std::collections::BTreeSet;

/// Width assumed for fetching a rule's panel (one point a pixel, as on screen).
const RULE_FETCH_WIDTH_PX: u32 = 1_200;
/// Rules look back at least this far, so a `for` duration can be judged.
const MIN_LOOKBACK_MS: i64 = 30 * 60_000;

/// Every alarm, unified and sorted, plus the errors of sources that did not answer.
#[derive(Debug, Default)]
pub struct Collected {
    /// The alarms, firing first.
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
/// fetched data (the layout's range, at least the last 30 minutes).
pub async fn collect(layout: &Layout, clock: Clock) -> Collected {
    let mut collected = Collected::default();
    let now = clock.now();
    let now_ms = now.timestamp_millis();
    let planned = PlannedQuery::for_layout(layout, |_| RULE_FETCH_WIDTH_PX);
    // Alarm sources, each query of each alarm panel (a source listed twice is asked once).
    let mut asked = BTreeSet::new();
    for q in planned.iter().filter(|q| q.alarms) {
        let key = (q.source.clone(), q.spec.alarm_prefix.clone());
        if !asked.insert(key) {
            continue;
        }
        let source = build_source(&layout.file.sources[&q.source]);
        match tokio::time::timeout(FETCH_TIMEOUT, source.fetch_alarms(&q.source, &q.spec)).await {
            Ok(Ok(alarms)) => collected
                .alarms
                .extend(alarms.into_iter().filter(|a| a.matches(&q.spec))),
            Ok(Err(error)) => collected.errors.push(format!("{}: {error}", q.source)),
            Err(_) => collected.errors.push(format!(
                "{}: timed out after {} s",
                q.source,
                FETCH_TIMEOUT.as_secs()
            )),
        }
    }
    // Local rules: fetch the queries they watch, then evaluate.
    if !layout.file.rules.is_empty() {
        let range = layout.time.resolve(now);
        let window = Window {
            start_ms: range.start_ms.min(now_ms - MIN_LOOKBACK_MS),
            end_ms: now_ms,
        };
        let mut store = Store::new(Retention {
            max_points: usize::MAX,
            max_age_ms: i64::MAX,
        });
        let watched: BTreeSet<(usize, usize)> = layout
            .file
            .rules
            .iter()
            .filter_map(|rule| {
                let (panel, _) = layout.panel_by_title(rule.panel.get_ref())?;
                Some((panel, rule.query))
            })
            .collect();
        for q in planned
            .iter()
            .filter(|q| watched.contains(&(q.panel, q.query)))
        {
            let source = build_source(&layout.file.sources[&q.source]);
            let (fetched, _, outcome) =
                fetch_query(source.as_ref(), q, window, None, now_ms, FETCH_TIMEOUT).await;
            match outcome {
                Ok(series) => {
                    for data in series {
                        let key = SeriesKey {
                            panel: q.panel,
                            query: q.query,
                            labels: data.labels,
                        };
                        store.merge(key, fetched.start_ms, fetched.end_ms, &data.samples);
                    }
                }
                Err(error) => collected.errors.push(format!(
                    "{} (panel `{}`): {error}",
                    q.source,
                    layout.file.panels[q.panel].title.get_ref()
                )),
            }
        }
        let mut engine = Engine::new();
        engine.evaluate(layout, &store, now_ms);
        collected.alarms.extend(engine.alarms(layout));
    }
    for alarm in &mut collected.alarms {
        alarm.panel = super::panel_showing(alarm, layout);
    }
    collected.alarms.sort_by(Alarm::display_order);
    collected
}

/// Whether the layout has anything to list: alarm panels or rules.
pub fn has_alarms(layout: &Layout) -> bool {
    !layout.file.rules.is_empty()
        || layout
            .file
            .panels
            .iter()
            .any(|p| p.kind == PanelKind::Alarms)
}
