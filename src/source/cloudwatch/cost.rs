//! What a layout costs to watch: CloudWatch bills $0.01 per 1,000 metrics requested
//! by `GetMetricData`, on every refresh, however short the window fetched. So
//! `fleetdeck check` and the status bar project the daily cost of a layout at its
//! refresh interval — before it goes on a wall for a month.

use super::batch::{MAX_QUERIES_PER_CALL, Planner};
use super::query::{CwExpr, CwStat, MathPart};
use super::{USD_PER_METRIC, period, query};
use crate::dashboard::{Dashboard, SourceId, Target};
use crate::layout_file::SourceKind;
use crate::source::{Extreme, RangeRequest, SourceQuery};
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
    /// Of the metrics, those asked for min/max bands (Minimum and Maximum beside
    /// a line's statistic when its period is coarser than a minute).
    pub band_metrics: usize,
    /// Regions × accounts the source spans: each asks, and bills, the same again.
    pub reaches: usize,
}

impl Estimate {
    /// USD a day when refreshed every `refresh`.
    pub fn usd_per_day(&self, refresh: Duration) -> f64 {
        usd_per_day(self.metrics as u64, refresh)
    }
}

/// USD a day for `metrics` requested every `refresh`.
pub(crate) fn usd_per_day(metrics: u64, refresh: Duration) -> f64 {
    crate::source::usd_per_day(metrics, refresh, USD_PER_METRIC)
}

/// Calls and metrics one refresh of `dashboard` asks of each cloudwatch source,
/// with panels at their width on a 1920 px screen over its default range.
pub fn estimate(dashboard: &Dashboard, now_ms: i64) -> Vec<(SourceId, Estimate)> {
    let window = dashboard.default_window(now_ms);
    dashboard
        .sources_of_kind(SourceKind::Cloudwatch)
        .map(|(id, spec)| {
            let reaches = match spec {
                crate::dashboard::SourceSpec::CloudWatch(settings) => settings.reach.len().max(1),
                _ => 1,
            };
            let mut planner = Planner::new();
            let mut lines_only = Planner::new();
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
                    let step_ms = period::plan_period(window, width_px, now_ms, cw.period_ms);
                    let request =
                        RangeRequest::new(SourceQuery::CloudWatch(cw.clone()), window, step_ms);
                    // A `*` and a SEARCH() are billed per metric they match, which
                    // only the account knows.
                    let searches = matches!(&cw.what, CwExpr::Math(parts) if parts.iter().any(
                        |part| matches!(part, MathPart::Text(text) if text.contains("SEARCH("))
                    ));
                    if searches
                        || (cw.standalone
                            && matches!(&cw.what, CwExpr::Stat(stat) if query::stat_has_wildcard(stat)))
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
                    query::add_request(&mut lines_only, &request, &one);
                    // The min/max band: two more metrics a series, billed alike.
                    if panel.envelope && cw.standalone {
                        for extreme in [Extreme::Min, Extreme::Max] {
                            if let Some(band) = query::envelope_query(cw, extreme, step_ms) {
                                let request = RangeRequest::new(
                                    SourceQuery::CloudWatch(band),
                                    window,
                                    step_ms,
                                );
                                query::add_request(&mut planner, &request, &one);
                            }
                        }
                    }
                }
            }
            let plan = planner.plan(MAX_QUERIES_PER_CALL);
            let lines = lines_only.plan(MAX_QUERIES_PER_CALL).metrics_requested();
            (
                id.clone(),
                Estimate {
                    calls: plan.calls.len() * reaches,
                    metrics: plan.metrics_requested() * reaches,
                    wildcard_queries,
                    band_metrics: plan.metrics_requested().saturating_sub(lines) * reaches,
                    reaches,
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn week_of_p99_and_sum(envelope: &str) -> Dashboard {
        week_of_p99_and_sum_in(envelope, r#"region = "us-east-1""#)
    }

    fn week_of_p99_and_sum_in(envelope: &str, reach: &str) -> Dashboard {
        let text = format!(
            r#"version = 1
title = "cw"
refresh = "5m"
time = {{ from = "now-7d", to = "now" }}

[sources.cw]
kind = "cloudwatch"
{reach}

[[panels]]
title = "p99"
grid = {{ x = 0, y = 0, w = 24, h = 8 }}
{envelope}
  [[panels.queries]]
  source = "cw"
  namespace = "AWS/SageMaker"
  metric = "ModelLatency"
  dimensions = {{ EndpointName = "llm" }}
  stat = "p99"
  [[panels.queries]]
  source = "cw"
  namespace = "AWS/SageMaker"
  metric = "Invocations"
  dimensions = {{ EndpointName = "llm" }}
  stat = "Sum"
"#
        );
        crate::layout::parse_layout(&text, std::path::Path::new("cw.toml")).unwrap()
    }

    #[test]
    fn bands_add_minimum_and_maximum_of_level_statistics_unless_the_panel_opts_out() {
        let now_ms = 1_796_209_200_000;
        let banded = estimate(&week_of_p99_and_sum(""), now_ms);
        // p99 gets Minimum and Maximum beside it; a Sum per period gets none.
        assert_eq!(banded[0].1.metrics, 4);
        assert_eq!(banded[0].1.band_metrics, 2);
        let plain = estimate(&week_of_p99_and_sum("envelope = false"), now_ms);
        assert_eq!(plain[0].1.metrics, 2);
        assert_eq!(plain[0].1.band_metrics, 0);
    }

    #[test]
    fn every_region_and_account_asks_and_bills_the_same_again() {
        let now_ms = 1_796_209_200_000;
        let reach = r#"regions = ["us-east-1", "eu-west-1"]
accounts = [
  { name = "prod", role_arn = "arn:aws:iam::111111111111:role/read" },
  { name = "staging", role_arn = "arn:aws:iam::222222222222:role/read" },
]"#;
        let one = estimate(&week_of_p99_and_sum("envelope = false"), now_ms)[0].1;
        let four = estimate(&week_of_p99_and_sum_in("envelope = false", reach), now_ms)[0].1;
        assert_eq!(four.reaches, 4);
        assert_eq!(four.calls, 4 * one.calls);
        assert_eq!(four.metrics, 4 * one.metrics);
    }

    #[test]
    fn a_thousand_metrics_every_ten_seconds_cost_86_dollars_a_day() {
        let usd = usd_per_day(1_000, Duration::from_secs(10));
        assert!((usd - 86.4).abs() < 1e-9, "{usd}");
    }
}
