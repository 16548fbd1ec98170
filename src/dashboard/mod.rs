//! The dashboard: the one typed form of a layout, produced by a single compile step
//! ([`crate::layout::compile`]) that does all validation. Everything that runs —
//! the window, Explore, the wall, incident files, `export`, `alarms`, `snapshot` and
//! `render` — reads this, never
//! the TOML: durations, statistics, regions, derive expressions, colours and price
//! tables are parsed here once, and every panel, query and source has an id.

pub(crate) mod alarms;
pub(crate) mod derive;
pub(crate) mod ids;
pub(crate) mod kinds;
pub mod mapping;
pub(crate) mod problems;
pub(crate) mod slo;
pub(crate) mod sources;
pub mod table;
pub(crate) mod variables;

pub use ids::{PanelId, QueryId, QueryKey, SourceId};

use crate::time_range::{TimeRange, Window};
use crate::units::Unit;
pub use alarms::{AlarmFilter, AlarmState, Condition, MissingData, PanelReads};
pub(crate) use derive::Prices;
pub use kinds::{ColorScale, GridPos, LegendAt, PanelKind, Reduce, SourceKind};
pub use sources::{SourceQuery, SourceSpec};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// A compiled layout.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// Where it was read from (or a label for built-in text).
    pub path: PathBuf,
    /// Shown in the top bar and the window title.
    pub title: String,
    /// How often live data refreshes.
    pub refresh: Duration,
    /// The range shown when the dashboard opens.
    pub time: TimeRange,
    /// The sources, by id.
    pub sources: BTreeMap<SourceId, SourceSpec>,
    /// Fetches each source may have in flight (`max_concurrency`), where the layout
    /// sets it.
    pub concurrency: BTreeMap<SourceId, usize>,
    /// Sources whose operations (scaling, experiments) the charts draw.
    pub operations: Vec<SourceId>,
    /// The Alertmanager the alarms evaluated here are shared through.
    pub alertmanager: Option<SourceId>,
    /// The panels, in the file's order (which is also the drawing order).
    pub panels: Vec<PanelSpec>,
    /// Local alarm rules.
    pub rules: Vec<RuleSpec>,
    /// Service level objectives, whose burn-rate alarms join the rules'.
    pub slos: Vec<slo::SloSpec>,
    /// On-demand prices for `on_demand()`: the shipped table with the layout's
    /// `[prices]` on top.
    pub prices: Prices,
    /// Template variables, in name order.
    pub variables: Vec<variables::VariableSpec>,
    /// What this dashboard was compiled for: the chosen value of every variable
    /// that has one (one whose values are still being fetched has none).
    pub selection: variables::Selection,
    /// The values each query variable's source had offered when it was compiled:
    /// with `selection`, what compiles the same dashboard again (an incident file
    /// keeps both).
    pub offered: BTreeMap<String, Vec<String>>,
    /// The layout's text, to compile it again for another selection without
    /// reading the file.
    pub source_text: std::sync::Arc<str>,
    /// What `check` warns about without refusing the layout (unused variables).
    pub warnings: Vec<problems::LayoutError>,
}

impl Dashboard {
    /// The panel with this id.
    pub fn panel(&self, id: &PanelId) -> Option<&PanelSpec> {
        self.panels.iter().find(|p| &p.id == id)
    }

    /// The panel with this exact title (`fleetdeck export --panel`).
    pub fn panel_by_title(&self, title: &str) -> Option<&PanelSpec> {
        self.panels.iter().find(|p| p.title == title)
    }

    /// The query a key names.
    pub(crate) fn query(&self, key: &QueryKey) -> Option<&QuerySpec> {
        self.panel(&key.panel)?.query(&key.query)
    }

    /// The sources of one kind, by id.
    pub(crate) fn sources_of_kind(
        &self,
        kind: SourceKind,
    ) -> impl Iterator<Item = (&SourceId, &SourceSpec)> {
        self.sources.iter().filter(move |(_, s)| s.kind() == kind)
    }

    /// The dashboard's own time range at `now_ms`: what it shows when opened.
    pub(crate) fn default_window(&self, now_ms: i64) -> Window {
        let now = chrono::DateTime::from_timestamp_millis(now_ms).unwrap_or_default();
        self.time.resolve(now)
    }

    /// Each variable that has a value, with it: what queries were written with.
    pub(crate) fn bound_variables(&self) -> variables::Bound {
        self.variables
            .iter()
            .filter_map(|spec| {
                let selected = self.selection.get(&spec.name)?;
                Some((spec.name.clone(), (spec.clone(), selected.clone())))
            })
            .collect()
    }

    /// Whether anything here raises alarms: alarm panels or rules.
    pub fn has_alarms(&self) -> bool {
        !self.rules.is_empty()
            || !self.slos.is_empty()
            || self.panels.iter().any(|p| p.kind == PanelKind::Alarms)
    }

    /// Every query, with its key, in drawing order.
    pub fn queries(&self) -> impl Iterator<Item = (QueryKey, &PanelSpec, &QuerySpec)> {
        self.panels.iter().flat_map(|panel| {
            panel
                .queries
                .iter()
                .map(move |query| (panel.key(&query.id), panel, query))
        })
    }
}

/// One panel.
#[derive(Debug, Clone)]
pub struct PanelSpec {
    /// Its identity: explicit `id`, else the title's slug.
    pub id: PanelId,
    /// Shown in its title bar.
    pub title: String,
    /// What it draws.
    pub kind: PanelKind,
    /// Where on the 24-column grid.
    pub grid: GridPos,
    /// Unit of its values.
    pub unit: Unit,
    /// Threshold lines and stat colours, ascending.
    pub thresholds: Vec<Threshold>,
    /// Fixed lower bound of the y axis.
    pub min: Option<f64>,
    /// Fixed upper bound of the y axis.
    pub max: Option<f64>,
    /// Whether its lines get their min/max band when the step is coarser than
    /// the data (only line panels; `envelope = false` opts out).
    pub envelope: bool,
    /// Whether a line panel stacks its series as areas (`stack = true`); its
    /// lines then have no min/max band.
    pub stack: bool,
    /// Its queries, in the file's order.
    pub queries: Vec<QuerySpec>,
    /// The metrics its queries read, to link alarms raised elsewhere to it.
    pub reads: PanelReads,
    /// The variable whose values it waits for: not fetched until they arrive.
    pub waiting_for: Option<String>,
    /// A text panel's words.
    pub text: Option<String>,
    /// An SLO panel's objective, by name.
    pub slo: Option<String>,
    /// How it draws many series: spread mode past `max_series`, a fleet map's
    /// grouping and reduction.
    pub fleet: FleetSettings,
    /// A line panel's legend: where, and which values it lists.
    pub legend: LegendSettings,
    /// A table panel's columns.
    pub table: table::TableSettings,
    /// A state timeline's value mappings.
    pub mappings: Vec<mapping::Mapping>,
    /// A heatmap's count-to-colour scale.
    pub color_scale: ColorScale,
}

/// A line panel's legend.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LegendSettings {
    /// Where it goes (`legend_at`).
    pub at: LegendAt,
    /// The values per series it shows as a table (`legend_values`); a list of
    /// names when empty.
    pub values: Vec<Reduce>,
}

/// A panel's budget of points when its layout sets none (`max_points`): 16 bytes
/// each in the store, 32 MB.
pub const DEFAULT_MAX_POINTS: usize = 2_000_000;

/// How a panel draws more series than a person can read.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetSettings {
    /// A line panel: past this many series of one query, the query is drawn as
    /// its spread (min, p5–p95, p25–p75, median) with its outliers named.
    pub max_series: usize,
    /// How many highest and how many lowest series (by mean over the window)
    /// spread mode draws and names.
    pub outliers: usize,
    /// A fleet map: the labels its cells are grouped by.
    pub group_by: Vec<String>,
    /// A fleet map: what a cell shows of its series.
    pub reduce: Reduce,
    /// The panel's budget of points across its queries' series: past it, a
    /// query is asked at a coarser step (`max_points`).
    pub max_points: usize,
}

impl Default for FleetSettings {
    fn default() -> Self {
        FleetSettings {
            max_series: 200,
            outliers: 5,
            group_by: Vec::new(),
            reduce: Reduce::Last,
            max_points: DEFAULT_MAX_POINTS,
        }
    }
}

impl PanelSpec {
    /// The key of one of this panel's queries.
    pub fn key(&self, query: &QueryId) -> QueryKey {
        QueryKey {
            panel: self.id.clone(),
            query: query.clone(),
        }
    }

    /// The query with this id.
    pub(crate) fn query(&self, id: &QueryId) -> Option<&QuerySpec> {
        self.queries.iter().find(|q| &q.id == id)
    }

    /// Whether Compare draws its series over an earlier window: lines only — a
    /// stat tile or a bar has no "then" to draw, and a stacked area's earlier
    /// self would sit where it was stacked then.
    pub fn compares(&self) -> bool {
        self.kind == PanelKind::Timeseries && !self.stack
    }

    /// Whether it shows series (not an alarm list, text or an objective).
    pub fn shows_series(&self) -> bool {
        !matches!(
            self.kind,
            PanelKind::Alarms | PanelKind::Text | PanelKind::Slo
        )
    }
}

/// A threshold: a line at `value`, and the colour a stat takes at or above it.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    /// Where, in the panel's unit.
    pub value: f64,
    /// Its colour.
    pub rgb: [u8; 3],
    /// What a value at or above it is called (`hot`), if the layout names it.
    pub name: Option<String>,
}

impl Threshold {
    /// The highest of `thresholds` at or below `value`: the one whose colour
    /// (and name) the value takes.
    pub fn reached(thresholds: &[Threshold], value: f64) -> Option<&Threshold> {
        thresholds
            .iter()
            .filter(|t| value >= t.value)
            .max_by(|a, b| a.value.total_cmp(&b.value))
    }
}

/// One query of a panel.
#[derive(Debug, Clone)]
pub struct QuerySpec {
    /// Its identity in the panel: explicit `id`, else `q1`, `q2`, … by position.
    pub id: QueryId,
    /// Legend template, e.g. `{{model_name}} p99`.
    pub legend: Option<String>,
    /// The unit of its values when it differs from the panel's.
    pub unit: Option<Unit>,
    /// Multiplies every value (USD/s → USD/h), for every source kind.
    pub scale: Option<f64>,
    /// Fetched (for expressions) but not drawn.
    pub hidden: bool,
    /// What it asks, and of whom.
    pub target: Target,
    /// What a series without a legend or labels is called (the metric's name).
    pub fallback_name: Option<String>,
}

impl QuerySpec {
    /// The display name of one of its series: the legend with labels filled in,
    /// else the labels, else the metric's name, else `series`. The same on every
    /// panel kind and in every export.
    pub fn series_name(&self, labels: &BTreeMap<String, String>) -> String {
        crate::legend::series_name(
            self.legend.as_deref(),
            labels,
            self.fallback_name.as_deref().unwrap_or("series"),
        )
    }

    /// The source it is fetched from (none for derived series).
    pub(crate) fn source(&self) -> Option<&SourceId> {
        match &self.target {
            Target::Fetch { source, .. } | Target::Alarms { source, .. } => Some(source),
            Target::Derive(_) => None,
        }
    }
}

/// What a query asks, and of whom.
#[derive(Debug, Clone)]
pub enum Target {
    /// Series from a source, in that source kind's own query type.
    Fetch {
        /// The source.
        source: SourceId,
        /// The query.
        query: SourceQuery,
    },
    /// A series computed here from the panel's other queries.
    Derive(derive::Expr),
    /// An alarm panel's list of a source's alarms.
    Alarms {
        /// The source.
        source: SourceId,
        /// Which of its alarms.
        filter: AlarmFilter,
    },
}

/// A local alarm rule with its condition parsed.
#[derive(Debug, Clone)]
pub struct RuleSpec {
    /// Its name (unique in the dashboard).
    pub name: String,
    /// The panel it watches and bands.
    pub panel: PanelId,
    /// The query of that panel whose series it judges.
    pub query: QueryId,
    /// When it fires and clears.
    pub condition: Condition,
    /// `critical`, `warning`, …
    pub severity: Option<String>,
    /// Text shown with the alarm, if the layout gives one.
    pub summary: Option<String>,
}

impl RuleSpec {
    /// The query it watches.
    pub(crate) fn key(&self) -> QueryKey {
        QueryKey {
            panel: self.panel.clone(),
            query: self.query.clone(),
        }
    }
}
