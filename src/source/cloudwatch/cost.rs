//! What a layout costs to watch: CloudWatch bills $0.01 per 1,000 metrics requested
//! by `GetMetricData`, on every refresh, however short the window fetched. So
//! `fleetdeck check` and the status bar project the daily cost of a layout at its
//! refresh interval — before it goes on a wall for a month.

use super::batch::{MAX_QUERIES_PER_CALL, Planner};
use super::query::{CwExpr, CwStat};
use super::{USD_PER_METRIC, period, query};
use crate::dashboard::{Dashboard, SourceId, Target};
use crate::layout::SourceKind;
use crate::source::{RangeRequest, SourceQuery};
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

/// Calls and metrics one refresh of `dashboard` asks of each cloudwatch source,
/// with panels at their width on a 1920 px screen over its default range.
pub fn estimate(dashboard: &Dashboard, now_ms: i64) -> Vec<(SourceId, Estimate)> {
    let window = dashboard.default_window(now_ms);
    dashboard
        .sources_of_kind(SourceKind::Cloudwatch)
        .map(|(id, _)| {
            let mut planner = Planner::new();
            let mut wildcard_queries = 0;
            for panel in dashboard.panels.iter().filter(|p| p.shows_series()) {
                let width_px = panel.grid.w * NOMINAL_COLUMN_PX;
                for query in &panel.queries {
                    let Target::Fetch {
                        source,
                        query: SourceQuery::CloudWatch(cw),
                    } = &query.target
                    else {
                        continue;
                    };
                    if source != id {
                        continue;
                    }
                    let request = RangeRequest {
                        query: SourceQuery::CloudWatch(cw.clone()),
                        window,
                        step_ms: period::plan_period(window, width_px, now_ms, cw.period_ms),
                    };
                    if cw.standalone
                        && matches!(&cw.what, CwExpr::Stat(stat) if query::stat_has_wildcard(stat))
                    {
                        wildcard_queries += 1;
                    }
                    // Each `*` counts once here: only `ListMetrics` knows the matches.
                    let one = |stat: &CwStat| {
                        Ok(vec![
                            stat.dimensions
                                .iter()
                                .map(|(k, v)| (k.clone(), v.clone()))
                                .collect(),
                        ])
                    };
                    query::add_request(&mut planner, &request, &one);
                }
            }
            let plan = planner.plan(MAX_QUERIES_PER_CALL);
            (
                id.clone(),
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
