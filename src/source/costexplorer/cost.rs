//! What a layout's Cost Explorer panels cost to watch: $0.01 per `GetCostAndUsage`
//! request, one per distinct query, bought again only when the cache (`cache_ttl`)
//! runs out — so the projection follows the slower of the refresh and the TTL.

use super::{Spec, USD_PER_REQUEST};
use crate::dashboard::{Dashboard, SourceId, Target};
use crate::layout_file::SourceKind;
use crate::source::{SourceQuery, SourceSpec};
use std::collections::BTreeSet;
use std::time::Duration;

/// One costexplorer source's requests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Distinct requests per refresh (one page each; more pages cost more).
    pub requests: usize,
    /// How often they are bought: the slower of the layout's refresh and the cache TTL.
    pub interval: Duration,
}

impl Estimate {
    /// USD a day.
    pub fn usd_per_day(&self) -> f64 {
        crate::source::usd_per_day(self.requests as u64, self.interval, USD_PER_REQUEST)
    }
}

/// Requests per refresh of each costexplorer source of `dashboard` over its
/// default range.
pub fn estimate(dashboard: &Dashboard, now_ms: i64) -> Vec<(SourceId, Estimate)> {
    let window = dashboard.default_window(now_ms);
    dashboard
        .sources_of_kind(SourceKind::Costexplorer)
        .map(|(id, spec)| {
            let distinct: BTreeSet<String> = dashboard
                .queries()
                .filter_map(|(_, _, query)| match &query.target {
                    Target::Fetch {
                        source,
                        query: SourceQuery::CostExplorer(cost),
                    } if source == id => Some(Spec::of(cost, window).canonical()),
                    _ => None,
                })
                .collect();
            let ttl = match spec {
                SourceSpec::CostExplorer(settings) => settings.ttl,
                _ => super::DEFAULT_CACHE_TTL,
            };
            let estimate = Estimate {
                requests: distinct.len(),
                interval: ttl.max(dashboard.refresh),
            };
            (id.clone(), estimate)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_queries_are_bought_once_per_ttl() {
        let text = r#"
version = 1
title = "t"
refresh = "1m"
[sources.ce]
kind = "costexplorer"
cache_ttl = "2h"
[[panels]]
title = "daily by service"
kind = "bars"
grid = { x = 0, y = 0, w = 12, h = 6 }
  [[panels.queries]]
  source = "ce"
  group_by = ["SERVICE"]
[[panels]]
title = "same, as a tile"
kind = "stat"
grid = { x = 12, y = 0, w = 12, h = 6 }
  [[panels.queries]]
  source = "ce"
  group_by = ["SERVICE"]
  [[panels.queries]]
  source = "ce"
  group_by = ["INSTANCE_TYPE"]
"#;
        let layout = crate::layout::parse_layout(text, std::path::Path::new("t.toml")).unwrap();
        let estimates = estimate(&layout, 1_764_000_000_000);
        let (name, ce) = &estimates[0];
        assert_eq!(name.as_str(), "ce");
        assert_eq!(ce.requests, 2);
        assert_eq!(ce.interval, Duration::from_secs(7_200));
        // 2 requests × 12 a day × $0.01.
        assert!((ce.usd_per_day() - 0.24).abs() < 1e-9);
    }
}
