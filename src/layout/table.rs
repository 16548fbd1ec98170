//! Checking a table panel's `[[panels.columns]]`: each names a label or one of
//! the panel's queries (not both), once; gauges get a range that makes sense; no
//! other kind of panel takes columns.

use super::compile::{Report, compile_threshold_list};
use crate::dashboard::table::{Column, Gauge, Shows, TableSettings};
use crate::dashboard::{QuerySpec, Reduce};
use crate::layout_file::{Panel, PanelKind};
use crate::units::Unit;

/// The panel's table settings; `queries` when they compiled, to check the ids
/// columns name.
pub(super) fn compile(
    panel: &Panel,
    queries: Option<&[QuerySpec]>,
    report: &mut Report<'_>,
) -> TableSettings {
    let title = panel.title.get_ref();
    let mut settings = TableSettings::default();
    if panel.kind != PanelKind::Table {
        if !panel.columns.is_empty() {
            report(
                Some(panel.title.span()),
                format!("panel `{title}`: `columns` needs kind = \"table\""),
            );
        }
        return settings;
    }
    let default_reduce = panel.reduce.as_ref().map_or(Reduce::Last, |r| *r.get_ref());
    for column in &panel.columns {
        let shows = match (&column.label, &column.query) {
            (Some(label), None) => {
                for (key, set) in [
                    ("reduce", column.reduce.is_some()),
                    ("unit", column.unit.is_some()),
                    ("gauge", column.gauge),
                    ("thresholds", !column.thresholds.is_empty()),
                ] {
                    if set {
                        report(
                            Some(label.span()),
                            format!(
                                "table `{title}`: the column of label `{}` shows text: `{key}` is for a query's column",
                                label.get_ref()
                            ),
                        );
                    }
                }
                Shows::Label(label.get_ref().clone())
            }
            (None, Some(query)) => {
                let id = query.get_ref();
                if let Some(queries) = queries
                    && !queries.iter().any(|q| q.id.as_str() == id)
                {
                    let known: Vec<&str> = queries.iter().map(|q| q.id.as_str()).collect();
                    report(
                        Some(query.span()),
                        format!(
                            "table `{title}`: no query with id `{id}` (its queries: {}); give the query `id = \"{id}\"`",
                            known.join(", ")
                        ),
                    );
                }
                Shows::Value {
                    query: id.as_str().into(),
                    reduce: column.reduce.unwrap_or(default_reduce),
                }
            }
            (Some(label), Some(_)) => {
                report(
                    Some(label.span()),
                    format!("table `{title}`: a column shows a `label` or a `query`, not both"),
                );
                continue;
            }
            (None, None) => {
                report(
                    Some(panel.title.span()),
                    format!("table `{title}`: each column names a `label` or a `query`"),
                );
                continue;
            }
        };
        if settings.columns.iter().any(|c| c.shows == shows) {
            report(
                column
                    .label
                    .as_ref()
                    .or(column.query.as_ref())
                    .map(|s| s.span()),
                format!("table `{title}`: this column is listed twice"),
            );
        }
        let unit = column.unit;
        let query_unit = match &shows {
            Shows::Value { query, .. } => queries
                .and_then(|qs| qs.iter().find(|q| &q.id == query))
                .and_then(|q| q.unit),
            Shows::Label(_) => None,
        };
        let gauge = column.gauge.then(|| Gauge {
            min: column.min.unwrap_or(0.0),
            max: column
                .max
                .or(match unit.or(query_unit).unwrap_or(panel.unit) {
                    Unit::Percent => Some(100.0),
                    Unit::Ratio => Some(1.0),
                    _ => None,
                }),
        });
        if let Some(Gauge {
            min,
            max: Some(max),
        }) = gauge
            && max <= min
        {
            report(
                column.query.as_ref().map(|s| s.span()),
                format!("table `{title}`: a gauge's `max` ({max}) must be above its `min` ({min})"),
            );
        }
        let title = column.title.clone().unwrap_or_else(|| match &shows {
            Shows::Label(label) => label.clone(),
            Shows::Value { query, .. } => queries
                .and_then(|qs| qs.iter().find(|q| &q.id == query))
                .and_then(|q| q.legend.clone().filter(|l| !l.contains("{{")))
                .unwrap_or_else(|| query.as_str().to_owned()),
        });
        settings.columns.push(Column {
            shows,
            title,
            unit,
            thresholds: compile_threshold_list(&column.thresholds, report),
            gauge,
        });
    }
    settings
}
