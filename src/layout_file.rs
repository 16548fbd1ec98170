//! The layout file format, version 1, as serde types.
//!
//! Every struct denies unknown keys so a typo (`tresholds`) is reported instead of
//! silently ignored. Fields a validator must point at are `Spanned`, keeping the
//! byte range they came from.

pub use crate::dashboard::alarms::MissingData;
pub use crate::dashboard::kinds::{GridPos, PanelKind, Reduce, SourceKind};
pub(crate) use crate::dashboard::sources::demo::Aggregate;
pub use crate::dashboard::sources::prometheus::PromFlavor;
use crate::units::Unit;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use toml::Spanned;

mod http;
mod mapping;
mod slo;
mod table;
pub use http::{OAuth2Config, TlsConfig};
pub use mapping::MappingConfig;
pub use slo::{BurnAlertConfig, SloConfig};
pub use table::ColumnConfig;

/// The layout version this build reads and writes.
pub(crate) const LAYOUT_VERSION: u32 = 1;

/// A whole layout file, as written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LayoutFile {
    /// Format version; only 1 exists.
    pub version: Spanned<u32>,
    /// Dashboard title shown in the top bar and window title.
    pub title: String,
    /// How often live data is refreshed (`10s`, `1m`).
    #[serde(default = "default_refresh")]
    pub refresh: Spanned<String>,
    /// The default time range.
    #[serde(default)]
    pub time: TimeSpec,
    /// Named data sources that panels refer to.
    #[serde(default)]
    pub sources: BTreeMap<String, SourceConfig>,
    /// Panels on a 24-column grid.
    #[serde(default)]
    pub panels: Vec<Panel>,
    /// On-demand prices (USD per instance-hour) for `on_demand()` in derived
    /// series, over the shipped table: `[prices] "p5.48xlarge" = 55.04`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub prices: BTreeMap<String, f64>,
    /// Alarm rules evaluated in the client on the data the panels already poll.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
    /// Template variables (`[variables.endpoint]`), used as `$endpoint` or
    /// `${endpoint}` in queries, legends and titles.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub variables: BTreeMap<String, Spanned<Variable>>,
    /// Sources whose operations (scaling actions, chaos experiments) are drawn
    /// on the charts of the resources they touched: `operations = ["fleet"]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<Spanned<String>>,
    /// The `alertmanager` source the alarms evaluated here are posted to, and
    /// whose silences are everyone's acknowledgements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alertmanager: Option<Spanned<String>>,
    /// Service level objectives, their budgets and burn-rate alarms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slos: Vec<SloConfig>,
}

/// One or several values, as a layout may write a default.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(untagged)]
pub(crate) enum OneOrMany {
    /// `default = "a"`.
    One(String),
    /// `default = ["a", "b"]`.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The values, in order.
    pub(crate) fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(value) => vec![value.clone()],
            OneOrMany::Many(values) => values.clone(),
        }
    }
}

/// A template variable: where its values come from and how many may be chosen.
/// Flat like [`SourceConfig`]: which keys are set decides the kind.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Variable {
    /// Shown before its dropdown; default the variable's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Prometheus or CloudWatch: the source asked for the values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Spanned<String>>,
    /// Prometheus (and demo): `label_values(selector, label)` or `label_values(label)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<Spanned<String>>,
    /// CloudWatch: the namespace whose metrics `ListMetrics` reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// CloudWatch: only dimensions of this metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    /// CloudWatch: the dimension whose values are offered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimension: Option<Spanned<String>>,
    /// A fixed list of values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
    /// An interval variable: durations such as `1m`, `5m`, `1h`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Spanned<Vec<String>>>,
    /// Whether several values may be chosen at once.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub multi: bool,
    /// Whether "All" is offered.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub include_all: bool,
    /// What is chosen before anyone chooses: a value, a list, or `"All"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Spanned<OneOrMany>>,
}

/// Which query of a panel a rule watches: its position (0-based) or its `id`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum QueryRef {
    /// The query at this position, 0-based.
    Index(usize),
    /// The query with this `id` (`q1`, `q2`, … for queries without one).
    Id(String),
}

impl Default for QueryRef {
    fn default() -> Self {
        QueryRef::Index(0)
    }
}

fn first_query() -> Spanned<QueryRef> {
    Spanned::new(0..0, QueryRef::default())
}

/// A local alarm rule: a threshold on every series of one panel query.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The alarm's name (unique in the layout).
    pub name: Spanned<String>,
    /// Title of the panel whose query it watches (and where its bands are drawn).
    pub panel: Spanned<String>,
    /// Which query of that panel: 0-based position or `id` (default the first).
    #[serde(default = "first_query")]
    pub query: Spanned<QueryRef>,
    /// Fire when a series rises above this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub above: Option<f64>,
    /// Fire when a series falls below this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below: Option<f64>,
    /// Hysteresis: a firing alarm clears only past this value (below it for
    /// `above`, above it for `below`); default the threshold itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clear: Option<f64>,
    /// How long the condition must hold before firing (`2m`); default at once.
    #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
    pub for_duration: Option<Spanned<String>>,
    /// `critical`, `warning`, `info`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// What a series without recent data does.
    #[serde(default)]
    pub missing: MissingData,
    /// How old the newest sample may be before the series counts as missing
    /// (default 5m).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_after: Option<Spanned<String>>,
    /// Text shown with the alarm; default says the value and the threshold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

fn default_refresh() -> Spanned<String> {
    Spanned::new(0..0, "10s".to_owned())
}

/// The default time range of a layout, in Grafana notation.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TimeSpec {
    /// Start, e.g. `now-1h`.
    pub from: Spanned<String>,
    /// End, e.g. `now`.
    #[serde(default = "default_to")]
    pub to: Spanned<String>,
}

fn default_to() -> Spanned<String> {
    Spanned::new(0..0, "now".to_owned())
}

impl Default for TimeSpec {
    fn default() -> Self {
        TimeSpec {
            from: Spanned::new(0..0, "now-1h".to_owned()),
            to: default_to(),
        }
    }
}

/// Basic authentication; the password is read from an environment variable or a
/// file, never written in the layout.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BasicAuth {
    /// User name.
    pub username: String,
    /// Environment variable holding the password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_env: Option<String>,
    /// File holding the password (trailing newline ignored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_file: Option<std::path::PathBuf>,
    /// Keyring entry holding the password, `service/account`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_keyring: Option<Spanned<String>>,
    /// Refused: a literal password. Here only to say so at its position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Spanned<String>>,
}

/// SigV4 signing for Amazon Managed Service for Prometheus; credentials come from
/// the AWS credential chain (`profile`, or the default chain).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SigV4 {
    /// Region of the workspace, e.g. `us-west-2`.
    pub region: Spanned<String>,
    /// Profile in `~/.aws/config`; the default chain without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Signing name; `aps` (Amazon Managed Prometheus) unless told otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
}

/// A named data source. Flat rather than an enum per kind so every key keeps its
/// position for error messages; the validator checks which keys suit which kind.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// The backend.
    pub kind: Spanned<SourceKind>,
    /// Demo: the random seed; the same seed and time always give the same data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Demo: the fleet at scale — this many GPU nodes of eight GPUs each publish
    /// the DCGM metrics (idle nodes, hot GPUs, a training straggler, a node that
    /// drops out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nodes: Option<Spanned<u32>>,
    /// Prometheus: base URL, e.g. `http://127.0.0.1:9090`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Spanned<String>>,
    /// Prometheus: which server, for its points-per-series limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flavor: Option<PromFlavor>,
    /// Prometheus: environment variable holding a bearer token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer_token_env: Option<String>,
    /// Prometheus: file holding a bearer token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer_token_file: Option<std::path::PathBuf>,
    /// Prometheus: keyring entry holding a bearer token, `service/account`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer_token_keyring: Option<Spanned<String>>,
    /// Refused: a literal token. Here only to say so at its position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer_token: Option<Spanned<String>>,
    /// Prometheus: basic authentication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basic_auth: Option<BasicAuth>,
    /// Prometheus: extra request headers (e.g. `X-Scope-OrgID`); not for secrets.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, Spanned<String>>,
    /// Prometheus: sign requests with AWS SigV4 (Amazon Managed Prometheus).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sigv4: Option<SigV4>,
    /// Prometheus: PEM file of a private CA to trust (the same as `tls.ca_file`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<std::path::PathBuf>,
    /// Prometheus, Alertmanager: TLS — CA, client certificate, server name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<Spanned<TlsConfig>>,
    /// Prometheus, Alertmanager: an OAuth2 client-credentials token on every request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth2: Option<Spanned<OAuth2Config>>,
    /// Prometheus, Alertmanager: the HTTP(S) proxy to go through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_url: Option<Spanned<String>>,
    /// Prometheus, Alertmanager: hosts reached directly despite a proxy,
    /// comma-separated as in `NO_PROXY` (`127.0.0.1,.internal`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_proxy: Option<String>,
    /// Prometheus, Alertmanager: whether `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY`
    /// apply when no `proxy_url` is set (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_from_environment: Option<bool>,
    /// CloudWatch: AWS region, e.g. `us-east-1` (required; never guessed from IMDS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Spanned<String>>,
    /// CloudWatch, SageMaker, FIS: several regions instead of one `region`; each
    /// series gets a `region` label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<Spanned<Vec<String>>>,
    /// CloudWatch, SageMaker, FIS: accounts reached by assuming a role in each
    /// (through the credential chain); each series gets an `account` label.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<AccountConfig>,
    /// CloudWatch: profile in `~/.aws/config` (SSO, `credential_process`, keys);
    /// without it the default credential chain is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// CloudWatch: endpoint to use instead of AWS's (an emulator, a VPC endpoint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_url: Option<Spanned<String>>,
    /// Cost Explorer: how long fetched costs are reused before asking again (default 1h).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_ttl: Option<Spanned<String>>,
    /// Cost Explorer: where the cache lives (default the user's cache directory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_dir: Option<std::path::PathBuf>,
    /// Prometheus and CloudWatch: per-request timeout (default 10s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Spanned<String>>,
    /// Prometheus: the scrape interval, for `$__rate_interval` (default 15s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scrape_interval: Option<Spanned<String>>,
    /// Any kind: how many fetches may be in flight at once (default 6). 1 asks one
    /// query after another, for a server that cannot take more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrency: Option<Spanned<u32>>,
    /// SageMaker: the endpoints whose instance counts are watched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<String>,
}

/// An AWS account a source reaches by assuming a role in it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    /// What its series' `account` label says (`prod`).
    pub name: String,
    /// The role to assume, `arn:aws:iam::111122223333:role/fleetdeck-read`.
    pub role_arn: Spanned<String>,
}

/// A line at `value`, and the colour a stat takes at or above it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    /// Where the threshold lies, in the panel's unit.
    pub value: f64,
    /// A colour name (green, yellow, orange, red, blue, purple) or `#rrggbb`.
    pub color: Spanned<String>,
    /// What a value at or above it is called (`hot`, `idle`): a fleet map counts
    /// its cells by these names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One panel.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Panel {
    /// Its identity, which keeps its alarm history and acknowledgements through a
    /// rename; default the title as a slug (`p99 latency` → `p99-latency`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Spanned<String>>,
    /// Title, also how `fleetdeck export --panel` finds it.
    pub title: Spanned<String>,
    /// What to draw.
    #[serde(default)]
    pub kind: PanelKind,
    /// Where on the grid.
    pub grid: Spanned<GridPos>,
    /// Unit of the values, for axes, tooltips and tiles.
    #[serde(default)]
    pub unit: Unit,
    /// Threshold lines / stat colours, ascending.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thresholds: Vec<Threshold>,
    /// Fixed lower bound of the y axis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Fixed upper bound of the y axis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Whether a line panel draws each series' min/max band when its step is
    /// coarser than the data (default true); `false` saves the band's queries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub envelope: Option<bool>,
    /// A line panel: past this many series of one query, that query is drawn as
    /// the fleet's spread with its outliers named, not as lines (default 200).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_series: Option<Spanned<u32>>,
    /// A line panel in spread mode: how many highest and lowest series, by their
    /// mean over the window, are drawn and named (default 5 each).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outliers: Option<Spanned<u32>>,
    /// The panel's budget of points (series × points each) across its queries
    /// (default 2,000,000): a query past its share is asked at a coarser step,
    /// and the header says which.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_points: Option<Spanned<u64>>,
    /// A line panel: draw its series as areas stacked on each other, the top
    /// of the last being the total (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack: Option<Spanned<bool>>,
    /// A line panel: where its legend goes — `auto` (below, or at the right of a
    /// panel much wider than tall), `bottom`, `right` or `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legend_at: Option<Spanned<crate::dashboard::LegendAt>>,
    /// A line panel: the values its legend shows per series over the window
    /// (`last`, `min`, `max`, `mean`), as a table; a list of names without.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legend_values: Option<Spanned<Vec<Reduce>>>,
    /// A fleet map: the labels its cells are grouped by (host, zone, model).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group_by: Vec<String>,
    /// A fleet map: what a cell shows of its series over the window (default the
    /// last value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reduce: Option<Spanned<Reduce>>,
    /// A heatmap: how counts map to colour (`linear`, `sqrt` — the default — or
    /// `log`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color_scale: Option<Spanned<crate::dashboard::ColorScale>>,
    /// A state timeline: values (or ranges) to the states they mean.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mappings: Vec<MappingConfig>,
    /// A table: its columns, in order (default the labels that tell the rows
    /// apart, then one per query).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<ColumnConfig>,
    /// The queries whose series the panel shows.
    #[serde(default)]
    pub queries: Vec<Query>,
    /// A text panel's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// An SLO panel: the name of the `[[slos]]` it shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slo: Option<Spanned<String>>,
    /// Draw the panel once per selected value of this variable, across its row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat: Option<Spanned<String>>,
    /// The variable whose values this panel waits for (they are being fetched and
    /// nothing was chosen yet). Set by variable expansion, never read from a file.
    #[serde(skip)]
    pub waiting_for: Option<String>,
}

fn no_source() -> Spanned<String> {
    Spanned::new(0..0, String::new())
}

fn is_no_source(source: &Spanned<String>) -> bool {
    source.get_ref().is_empty()
}

/// One query of a panel. Flat like [`SourceConfig`]: the source's kind decides which
/// keys are required.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    /// Name of a source in `[sources]` (absent for a `derive` query).
    #[serde(default = "no_source", skip_serializing_if = "is_no_source")]
    pub source: Spanned<String>,
    /// A derived series computed here from the panel's other queries by `id`
    /// (`spend / (calls / 1000)`); see `crate::derive`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derive: Option<Spanned<String>>,
    /// The unit of this query's values, when it differs from the panel's; derived
    /// queries refuse to add or subtract different units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<Unit>,
    /// Legend template, e.g. `{{model_name}} p99`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legend: Option<String>,
    /// Prometheus: the PromQL expression; `$__rate_interval`, `$__interval` and
    /// `$__range` are substituted as Grafana does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promql: Option<Spanned<String>>,
    /// Demo: metric name, as the real exporter publishes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<Spanned<String>>,
    /// Demo: quantile for latency distributions (0.5, 0.9, 0.99).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantile: Option<Spanned<f64>>,
    /// Demo: per-second rate of a counter.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rate: bool,
    /// Demo: only series whose labels equal these.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Demo: group series by these labels (empty list: one series for all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<Vec<String>>,
    /// Demo: how grouped series are combined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregate: Option<Aggregate>,
    /// The query's id in its panel (default `q1`, `q2`, … by position), so a
    /// `derive` or CloudWatch `expression` can refer to it and a rule can name it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Spanned<String>>,
    /// CloudWatch: the metric's namespace, e.g. `AWS/SageMaker`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<Spanned<String>>,
    /// CloudWatch: dimensions; a value of `*` matches every value `ListMetrics` knows.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dimensions: BTreeMap<String, String>,
    /// CloudWatch: the statistic: Average, Sum, Minimum, Maximum, SampleCount, `p99`,
    /// `tm99`, `tc90`, … (default Average).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stat: Option<Spanned<String>>,
    /// CloudWatch: a fixed period instead of the planned one (`60s`, `5m`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Spanned<String>>,
    /// CloudWatch: a metric math expression over the panel's other queries' ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<Spanned<String>>,
    /// CloudWatch: a Metrics Insights query (`SELECT AVG(…) FROM …`); last 3 h only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql: Option<Spanned<String>>,
    /// CloudWatch: fetch for expressions to use, but do not draw.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
    /// Cost Explorer: `DAILY` (default) or `MONTHLY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granularity: Option<Spanned<String>>,
    /// Cost Explorer: `UnblendedCost` (default), `AmortizedCost`, `BlendedCost`,
    /// `NetUnblendedCost`, `NetAmortizedCost`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_metric: Option<Spanned<String>>,
    /// Cost Explorer: up to two of SERVICE, USAGE_TYPE, INSTANCE_TYPE, REGION,
    /// LINKED_ACCOUNT, or `TAG:key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_by: Option<Spanned<Vec<String>>>,
    /// Cost Explorer: only costs whose dimension has one of these values, e.g.
    /// `{ SERVICE = ["Amazon SageMaker"] }`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub filter: BTreeMap<String, Vec<String>>,
    /// Alarm panels on CloudWatch: only alarms whose name starts with this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm_prefix: Option<String>,
    /// Alarm panels: only alarms in these states (`firing`, `pending`, `ok`,
    /// `nodata`, `suppressed`); all when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm_states: Option<Spanned<Vec<String>>>,
    /// Any source: multiply every value, e.g. `3600` to turn USD/s into USD/h.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<f64>,
    /// Demo labels and CloudWatch dimensions that a multi-value variable set to
    /// several values (the written value is then `*`): the values allowed. Filled
    /// in by variable expansion, never read from a file.
    #[serde(skip)]
    pub choices: BTreeMap<String, Vec<String>>,
}
