//! What a layout costs to watch: CloudWatch bills $0.01 per 1,000 metrics requested
//! by `GetMetricData`, on every refresh, however short the window fetched. So
//! `fleetdeck check` and the status bar project the daily cost of a layout at its
//! refresh interval — before it goes on a wall for a month.

use super::batch::{MAX_QUERIES_PER_CALL, Planner};
use super::{USD_PER_METRIC, period, query};
use crate::layout::{Layout, PanelKind, SourceKind};
use crate::poll::PlannedQuery;
use crate::source::RangeRequest;
use std::time::Duration;

/// Width assumed for a grid column when no window is open (a 1920 px screen).
const NOMINAL_COLUMN_PX: u32 = 80;

/// One source's requests per refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Estimate {
    /// `GetMetricData` calls per refresh.
    pub calls: usize,
    /// Metrics billed per refresh.
    pub metrics: usize,
    /// Queries with `*` dimensions, counted as one metric each (they expand to one
    /// per match, known only to `ListMetrics`).
    pub wildcard_queries: usize,
}

impl Estimate {
    /// USD a day when refreshed every `refresh`.
    pub fn usd_per_day(&self, refresh: Duration) -> f64 {
        usd_per_day(self.metrics as u64, refresh)
    }
}

/// USD a day for `metrics` requested every `refresh`.
pub fn usd_per_day(metrics: u64, refresh: Duration) -> f64 {
    crate::source::usd_per_day(metrics, refresh, USD_PER_METRIC)
}

/// Calls and metrics one refresh of `layout` asks of each cloudwatch source, with
/// panels at their width on a 1920 px screen over the layout's default range.
pub fn estimate(layout: &Layout, now_ms: i64) -> Vec<(String, Estimate)> {
    let width_of = |panel: usize| layout.file.panels[panel].grid.get_ref().w * NOMINAL_COLUMN_PX;
    let planned = PlannedQuery::for_layout(layout, width_of);
    let window = layout.default_window(now_ms);
    layout
        .sources_of_kind(SourceKind::Cloudwatch)
        .map(|(name, _)| {
            let mut planner = Planner::new();
            let mut wildcard_queries = 0;
            for q in planned.iter().filter(|q| &q.source == name && !q.alarms) {
                if layout.file.panels[q.panel].kind == PanelKind::Alarms {
                    continue;
                }
                let request = RangeRequest {
                    query: q.spec.clone(),
                    window,
                    step_ms: period::plan_period(
                        window,
                        q.width_px,
                        now_ms,
                        query::fixed_period_ms(&q.spec),
                    ),
                    panel_queries: q.panel_queries.clone(),
                };
                if query::has_wildcard(&q.spec) && !q.spec.hidden {
                    wildcard_queries += 1;
                }
                let one = |q: &crate::layout::Query| {
                    Ok(vec![
                        q.dimensions
                            .iter()
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect(),
                    ])
                };
                query::add_request(&mut planner, &request, &one);
            }
            let plan = planner.plan(MAX_QUERIES_PER_CALL);
            (
                name.clone(),
                Estimate {
                    calls: plan.calls.len(),
                    metrics: plan.metrics_requested(),
                    wildcard_queries,
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thousand_metrics_every_ten_seconds_cost_86_dollars_a_day() {
        let usd = usd_per_day(1_000, Duration::from_secs(10));
        assert!((usd - 86.4).abs() < 1e-9, "{usd}");
    }
}
