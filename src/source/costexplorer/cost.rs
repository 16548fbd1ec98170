//! What a layout's Cost Explorer panels cost to watch: $0.01 per `GetCostAndUsage`
//! request, one per distinct query, bought again only when the cache (`cache_ttl`)
//! runs out — so the projection follows the slower of the refresh and the TTL.

use super::{CostExplorerSource, Spec, USD_PER_REQUEST};
use crate::layout::{Layout, SourceKind};
use crate::poll::PlannedQuery;
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

/// Requests per refresh of each costexplorer source of `layout` over its default range.
pub fn estimate(layout: &Layout, now_ms: i64) -> Vec<(String, Estimate)> {
    let planned = PlannedQuery::for_layout(layout, |_| 0);
    let window = layout.default_window(now_ms);
    layout
        .sources_of_kind(SourceKind::Costexplorer)
        .map(|(name, config)| {
            let distinct: BTreeSet<String> = planned
                .iter()
                .filter(|q| &q.source == name && !q.alarms)
                .map(|q| Spec::of(&q.spec, window).canonical())
                .collect();
            let ttl = CostExplorerSource::new(config).ttl;
            let estimate = Estimate {
                requests: distinct.len(),
                interval: ttl.max(layout.refresh),
            };
            (name.clone(), estimate)
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
        assert_eq!(name, "ce");
        assert_eq!(ce.requests, 2);
        assert_eq!(ce.interval, Duration::from_secs(7_200));
        // 2 requests × 12 a day × $0.01.
        assert!((ce.usd_per_day() - 0.24).abs() < 1e-9);
    }
}
