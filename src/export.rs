//! Headless export: one panel's series over a range, without a window.
//!
//! It runs the same step planner, sources and store as the dashboard, so what a
//! script gets is what the panel would draw — for incident reports, scripts and tests.

use crate::clock::Clock;
use crate::layout::Layout;
use crate::legend::series_name;
use crate::poll::{FETCH_TIMEOUT, PlannedQuery, fetch_query};
use crate::source::{SourceError, build_source};
use crate::store::{Retention, SeriesKey, Store};
use crate::time_range::TimeRange;
use std::collections::BTreeMap;
use std::io::Write;

/// Output formats of `fleetdeck export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// `series,timestamp,value`, one row per sample.
    Csv,
    /// An array of `{name, labels, points: [[ms, value], …]}`.
    Json,
}

/// Why an export produced nothing.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// No panel has that title.
    #[error("no panel titled `{title}` in {layout}; panels: {known}")]
    NoSuchPanel {
        /// What was asked for.
        title: String,
        /// The layout file.
        layout: String,
        /// Titles that exist.
        known: String,
    },
    /// A query failed; the source's own message is kept.
    #[error("query {query} of panel `{panel}` (source `{source_name}`) failed: {error}")]
    Query {
        /// Panel title.
        panel: String,
        /// 1-based query number.
        query: usize,
        /// Source name.
        source_name: String,
        /// What the source said.
        error: SourceError,
    },
    /// The panel shows alarms, not series.
    #[error("panel `{0}` is an alarm panel; only chart and stat panels can be exported")]
    NotSeries(String),
    /// Writing the output failed.
    #[error("cannot write output: {0}")]
    Io(#[from] std::io::Error),
}

/// One exported series.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportedSeries {
    /// Display name, as in the panel's legend.
    pub name: String,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// `(ms since epoch, value)` pairs in time order.
    pub points: Vec<(i64, f64)>,
}

/// Fetches every query of the panel titled `title` over `range`, planned for a plot
/// `width_px` pixels wide.
pub async fn export_panel(
    layout: &Layout,
    title: &str,
    range: &TimeRange,
    clock: Clock,
    width_px: u32,
) -> Result<Vec<ExportedSeries>, ExportError> {
    let (panel_index, panel) =
        layout
            .panel_by_title(title)
            .ok_or_else(|| ExportError::NoSuchPanel {
                title: title.to_owned(),
                layout: layout.path.display().to_string(),
                known: layout
                    .file
                    .panels
                    .iter()
                    .map(|p| format!("`{}`", p.title.get_ref()))
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
    if panel.kind == crate::layout::PanelKind::Alarms {
        return Err(ExportError::NotSeries(title.to_owned()));
    }
    let window = range.resolve(clock.now());
    let mut store = Store::new(Retention {
        max_points: usize::MAX,
        max_age_ms: i64::MAX,
    });
    // One client per source, as in the app: an AWS source resolves credentials and
    // caches `*` expansions once, not once per query.
    let mut sources = BTreeMap::new();
    for (query_index, query) in panel.queries.iter().enumerate() {
        if query.derive.is_some() {
            continue; // computed below from the others
        }
        let source_name = query.source.get_ref();
        let source = sources
            .entry(source_name.clone())
            .or_insert_with(|| build_source(&layout.file.sources[source_name]));
        let planned = PlannedQuery {
            panel: panel_index,
            query: query_index,
            source: source_name.clone(),
            spec: query.clone(),
            width_px,
            alarms: false,
            panel_queries: panel.queries.clone().into(),
        };
        let (fetched, _, outcome) = fetch_query(
            source.as_ref(),
            &planned,
            window,
            None,
            clock.now().timestamp_millis(),
            FETCH_TIMEOUT,
        )
        .await;
        let series = outcome.map_err(|error| ExportError::Query {
            panel: title.to_owned(),
            query: query_index + 1,
            source_name: source_name.clone(),
            error,
        })?;
        for data in series {
            let key = SeriesKey {
                panel: panel_index,
                query: query_index,
                labels: data.labels,
            };
            store.merge(key, fetched.start_ms, fetched.end_ms, &data.samples);
        }
    }
    for (query, outcome) in crate::derive::store::refresh_panel(layout, panel_index, &mut store) {
        if let Err(message) = outcome {
            return Err(ExportError::Query {
                panel: title.to_owned(),
                query: query + 1,
                source_name: "derive".to_owned(),
                error: crate::source::SourceError::BadQuery(message),
            });
        }
    }
    Ok(store
        .panel_series(panel_index)
        .filter(|(key, _)| !panel.queries[key.query].hidden)
        .map(|(key, series)| {
            let query = &panel.queries[key.query];
            let fallback = query
                .metric
                .as_ref()
                .map_or("series", |m| m.get_ref().as_str());
            ExportedSeries {
                name: series_name(query.legend.as_deref(), &key.labels, fallback),
                labels: key.labels.clone(),
                points: series.iter().map(|s| (s.t_ms, s.value)).collect(),
            }
        })
        .collect())
}

/// Writes series as CSV: `series,timestamp,value`, timestamps in RFC 3339 UTC.
pub fn write_csv(series: &[ExportedSeries], out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "series,timestamp,value")?;
    for s in series {
        let name = csv_field(&s.name);
        for &(t_ms, value) in &s.points {
            let time = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(t_ms).map_or_else(
                || t_ms.to_string(),
                |t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            );
            writeln!(out, "{name},{time},{value}")?;
        }
    }
    Ok(())
}

/// Writes series as JSON; non-finite values become `null`.
pub fn write_json(series: &[ExportedSeries], out: &mut dyn Write) -> std::io::Result<()> {
    let value: Vec<serde_json::Value> = series
        .iter()
        .map(|s| {
            serde_json::json!({
                "name": s.name,
                "labels": s.labels,
                "points": s.points.iter().map(|&(t, v)| serde_json::json!([t, if v.is_finite() { Some(v) } else { None }])).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &value)?;
    writeln!(out)
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_names_with_commas() {
        let series = vec![ExportedSeries {
            name: "a=1, b=\"2\"".to_owned(),
            labels: BTreeMap::new(),
            points: vec![(1_764_000_000_000, 1.5)],
        }];
        let mut out = Vec::new();
        write_csv(&series, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "series,timestamp,value\n\"a=1, b=\"\"2\"\"\",2025-11-24T16:00:00Z,1.5\n"
        );
    }
}
