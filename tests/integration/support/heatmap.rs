//! A heatmap's query asked of a real Prometheus the way the panel asks it, read
//! into the panel's columns: for tests that compare each column with what the
//! server answers at the same instant.

use fleetdeck::dashboard::Target;
use fleetdeck::heatmap::{Column, bound_of, columns};
use fleetdeck::layout::parse_layout;
use fleetdeck::source::{RangeRequest, Source, SourceQuery, build_source};
use fleetdeck::time_range::Window;
use std::path::Path;
use std::sync::Arc;

/// One heatmap panel's query on the Prometheus at a URL.
pub struct HeatmapQuery {
    source: Arc<dyn Source>,
    query: SourceQuery,
}

impl HeatmapQuery {
    /// The query `promql` of a heatmap panel on the Prometheus at `url`, compiled
    /// from a layout as a user's would be.
    pub fn new(url: &str, promql: &str) -> HeatmapQuery {
        let text = format!(
            r#"version = 1
title = "heatmap"

[sources.prom]
kind = "prometheus"
url = "{url}"
scrape_interval = "1s"

[[panels]]
title = "Latency"
kind = "heatmap"
unit = "s"
grid = {{ x = 0, y = 0, w = 24, h = 8 }}
  [[panels.queries]]
  source = "prom"
  promql = '{promql}'
"#
        );
        let layout = parse_layout(&text, Path::new("heatmap.toml")).unwrap();
        let Target::Fetch { query, .. } = &layout.panels[0].queries[0].target else {
            panic!("a series query");
        };
        HeatmapQuery {
            source: build_source(&layout.sources["prom"]),
            query: query.clone(),
        }
    }

    /// The last 30 s at a 5 s step, ending 5 s ago (scrapes all in), as the
    /// heatmap's columns, with how many bucket series the answer had; `None`
    /// while the server has nothing to say.
    pub fn recent_columns(
        &self,
        runtime: &tokio::runtime::Runtime,
    ) -> Option<(Vec<Column>, usize)> {
        let end_ms = chrono::Utc::now().timestamp() / 5 * 5 * 1000 - 5_000;
        let request = RangeRequest::new(
            self.query.clone(),
            Window {
                start_ms: end_ms - 30_000,
                end_ms,
            },
            5_000,
        );
        let series = runtime.block_on(self.source.fetch_range(&request)).ok()?;
        let cumulative: Vec<(f64, Vec<(i64, f64)>)> = series
            .iter()
            .filter_map(|s| {
                let bound = bound_of(&s.labels)?;
                Some((bound, s.samples.iter().map(|p| (p.t_ms, p.value)).collect()))
            })
            .collect();
        (!cumulative.is_empty()).then(|| (columns(&cumulative), cumulative.len()))
    }
}
