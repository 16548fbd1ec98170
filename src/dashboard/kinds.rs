//! What a layout's panels and sources are, and where a panel sits: the kinds
//! and the grid place both the file format and the compiled dashboard speak of.

use serde::{Deserialize, Serialize};

/// Position on the 24-column grid (Grafana's `gridPos`), in grid cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GridPos {
    /// Column of the left edge, 0–23.
    pub x: u32,
    /// Row of the top edge.
    pub y: u32,
    /// Width in columns.
    pub w: u32,
    /// Height in rows.
    pub h: u32,
}

impl GridPos {
    /// Whether two positions share at least one cell (no overflow, whatever the
    /// numbers: a layout may hold anything until it is checked).
    pub(crate) fn overlaps(&self, other: &GridPos) -> bool {
        let end = |start: u32, length: u32| u64::from(start) + u64::from(length);
        u64::from(self.x) < end(other.x, other.w)
            && u64::from(other.x) < end(self.x, self.w)
            && u64::from(self.y) < end(other.y, other.h)
            && u64::from(other.y) < end(self.y, self.h)
    }

    /// The row below the panel's bottom edge.
    pub fn bottom(&self) -> u32 {
        self.y.saturating_add(self.h)
    }
}

/// What a panel draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum PanelKind {
    /// Lines over time, one per series.
    #[default]
    Timeseries,
    /// The latest value, large, coloured by thresholds, with a sparkline.
    Stat,
    /// Active alarms of the queried sources (Prometheus alerts, Alertmanager).
    Alarms,
    /// Stacked bars, one a period (daily spend by service).
    Bars,
    /// Words only, no queries: a note, a section heading, or what an import could
    /// not draw (and why).
    Text,
    /// The chaos experiments in the window, each with what its queries (p99,
    /// errors) did on the targeted resource during it against just before it.
    Experiments,
    /// An endpoint's production variants side by side (an A/B test): queries
    /// with ids `weight`, `invocations`, `p50`, `p99`, `errors`, `cost`.
    Variants,
    /// The fleet map: one cell per series (accelerator, instance, endpoint),
    /// grouped by labels, filled by thresholds, worst first, "n/a" where a series
    /// stopped reporting.
    Fleet,
    /// A service level objective (`slo = "name"`): its state, SLI, budget left,
    /// burn rates and the budget's burn-down over the window.
    Slo,
    /// A histogram's buckets over time (`sum by (le) (rate(x_bucket[…]))`), the
    /// colour how many fell in each, with p50 and p99 from the same buckets.
    Heatmap,
    /// Rows of series (label sets, merged across queries), columns of labels and
    /// of values reduced over the window, sortable, filterable, with gauges.
    Table,
    /// A dial per series: its latest value against the panel's range, coloured
    /// by the thresholds, which ring it.
    Gauge,
    /// A horizontal bar per series, name and value beside it, against the
    /// panel's range: many endpoints or models compared at a glance.
    Bargauge,
    /// A row per series, coloured by the state its value means over time (value
    /// mappings: endpoint status, throttle reasons, a queue's condition).
    State,
}

/// A series reduced to one value over the window: what a fleet map's cell shows
/// (`reduce`), and a legend table's columns (`legend_values`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Reduce {
    /// The latest sample.
    #[default]
    Last,
    /// The mean of the window's samples.
    Mean,
    /// The least sample.
    Min,
    /// The greatest sample.
    Max,
}

/// How a heatmap's counts map to colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ColorScale {
    /// In proportion to the count: the busiest cells stand out, the tail fades.
    Linear,
    /// The square root (default): a few busy buckets do not wash out the rest.
    #[default]
    Sqrt,
    /// Logarithmic over three decades: the far tail shows as clearly as the body.
    Log,
}

impl ColorScale {
    /// Where a cell holding `share` of the busiest cell's count sits on the
    /// palette, 0–1.
    pub fn position(self, share: f64) -> f64 {
        let share = share.clamp(0.0, 1.0);
        match self {
            ColorScale::Linear => share,
            ColorScale::Sqrt => share.sqrt(),
            ColorScale::Log => (1.0 + 999.0 * share).ln() / 1000_f64.ln(),
        }
    }
}

/// Where a line panel's legend goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LegendAt {
    /// Below the plot, or at its right when the panel is much wider than tall.
    #[default]
    Auto,
    /// Below the plot.
    Bottom,
    /// At the right of the plot.
    Right,
    /// No legend (the tooltip still names every series).
    None,
}

impl Reduce {
    /// Its name in a layout, and a legend column's heading.
    pub fn name(self) -> &'static str {
        match self {
            Reduce::Last => "last",
            Reduce::Mean => "mean",
            Reduce::Min => "min",
            Reduce::Max => "max",
        }
    }
}

/// Which backend a source talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// The built-in simulated AI inference fleet.
    Demo,
    /// A Prometheus-compatible HTTP API: Prometheus, VictoriaMetrics, Mimir/Cortex.
    Prometheus,
    /// An Alertmanager (its v2 API), for alarm panels.
    Alertmanager,
    /// Amazon CloudWatch: metrics (`GetMetricData`) and alarms (`DescribeAlarms`).
    Cloudwatch,
    /// AWS Cost Explorer (`GetCostAndUsage`), cached on disk: each request costs $0.01.
    Costexplorer,
    /// SageMaker endpoints' instance counts (`DescribeEndpoint`), for operations.
    Sagemaker,
    /// AWS Fault Injection Service experiments, for operations.
    Fis,
}

impl SourceKind {
    /// Its name as a layout writes it (`kind = "…"`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            SourceKind::Demo => "demo",
            SourceKind::Prometheus => "prometheus",
            SourceKind::Alertmanager => "alertmanager",
            SourceKind::Cloudwatch => "cloudwatch",
            SourceKind::Costexplorer => "costexplorer",
            SourceKind::Sagemaker => "sagemaker",
            SourceKind::Fis => "fis",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_colour_scale_spans_the_palette_and_log_lifts_the_tail_most() {
        for scale in [ColorScale::Linear, ColorScale::Sqrt, ColorScale::Log] {
            assert_eq!(scale.position(0.0), 0.0);
            assert!((scale.position(1.0) - 1.0).abs() < 1e-12);
            assert_eq!(scale.position(7.0), scale.position(1.0));
        }
        let tail = 0.01;
        let linear = ColorScale::Linear.position(tail);
        let sqrt = ColorScale::Sqrt.position(tail);
        let log = ColorScale::Log.position(tail);
        assert!(linear < sqrt && sqrt < log, "{linear} {sqrt} {log}");
        assert!((log - 0.3478).abs() < 1e-3, "{log}");
    }
}
