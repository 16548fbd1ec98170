//! A table panel's contents: one row per label set, its queries' series merged
//! by their labels (Grafana's "merge" of instant queries), cells of label values
//! and of values reduced over the window; "n/a" where a row has no value (its
//! series is missing, or stopped reporting as a fleet map says it).
//!
//! With `columns` listed, rows are keyed by the listed labels only, so queries
//! with different extra labels still meet in one row; two series of one query
//! falling into one row show the greatest (the worst, for the fleets this draws).
//! Without, a row is a whole label set and the label columns are those whose
//! values tell the rows apart.

use crate::dashboard::table::{Column, Gauge, Shows};
use crate::dashboard::{PanelSpec, QueryId, Threshold};
use crate::fleet::map::{newest_in, reporting};
use crate::store::{Series, SeriesKey};
use crate::time_range::Window;
use crate::units::Unit;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// What a table shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableView {
    /// Its columns, in order.
    pub columns: Vec<Head>,
    /// Its rows, by their label cells.
    pub rows: Vec<Row>,
}

/// A column's heading and how its cells are drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Head {
    /// The heading.
    pub title: String,
    /// A value column's unit (`None` for a label column).
    pub unit: Option<Unit>,
    /// Cell colours, ascending.
    pub thresholds: Vec<Threshold>,
    /// A gauge column's range, its full end resolved.
    pub gauge: Option<(f64, f64)>,
}

/// One row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// One per column.
    pub cells: Vec<Cell>,
    /// The row's first value series, for its drill-down.
    pub series: Option<SeriesKey>,
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// A label's value ("" where the row's series lack it).
    Text(String),
    /// A value; `None` is drawn "n/a".
    Value(Option<f64>),
}

/// One query's series, as the store lends them.
type QuerySeries<'a> = Vec<(&'a SeriesKey, &'a Series)>;

/// The table `panel` draws over `window` from its queries' series (`series_of`
/// gives one query's).
pub fn build<'a>(
    panel: &PanelSpec,
    series_of: impl Fn(&QueryId) -> QuerySeries<'a>,
    window: Window,
) -> TableView {
    let explicit = !panel.table.columns.is_empty();
    let columns: Vec<Column> = if explicit {
        panel.table.columns.clone()
    } else {
        value_columns(panel)
    };
    // Each value column's series; a table of labels only (an `info` metric) takes
    // its rows from every visible query, with no value cells.
    let mut fetched: Vec<(Option<usize>, QuerySeries<'a>)> = columns
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match &c.shows {
            Shows::Value { query, .. } => Some((Some(i), series_of(query))),
            Shows::Label(_) => None,
        })
        .collect();
    if fetched.is_empty() {
        fetched = panel
            .queries
            .iter()
            .filter(|q| !q.hidden)
            .map(|q| (None, series_of(&q.id)))
            .collect();
    }
    let all_labels = fetched
        .iter()
        .flat_map(|(_, series)| series.iter().map(|(key, _)| row_labels(key)));
    let key_labels: Vec<String> = if explicit {
        columns
            .iter()
            .filter_map(|c| match &c.shows {
                Shows::Label(label) => Some(label.clone()),
                Shows::Value { .. } => None,
            })
            .collect()
    } else {
        telling_labels(all_labels.collect())
    };
    let columns: Vec<Column> = if explicit {
        columns
    } else {
        key_labels
            .iter()
            .map(|label| Column {
                shows: Shows::Label(label.clone()),
                title: label.clone(),
                unit: None,
                thresholds: Vec::new(),
                gauge: None,
            })
            .chain(columns)
            .collect()
    };
    // Rows by their key: label values (auto: every label), in label order.
    let mut rows: BTreeMap<Vec<(String, String)>, Row> = BTreeMap::new();
    for (position, series) in &fetched {
        // The auto columns put the label columns first: the value column moved.
        let index = position.map(|p| if explicit { p } else { key_labels.len() + p });
        let reduce = match index.and_then(|i| columns.get(i)).map(|c| &c.shows) {
            Some(Shows::Value { reduce, .. }) => Some(*reduce),
            _ => None,
        };
        let freshest = series
            .iter()
            .filter_map(|(_, s)| newest_in(s, window))
            .max();
        for (key, one) in series {
            let labels = row_labels(key);
            let row_key: Vec<(String, String)> = if explicit {
                key_labels
                    .iter()
                    .map(|l| (l.clone(), labels.get(l).cloned().unwrap_or_default()))
                    .collect()
            } else {
                labels.clone().into_iter().collect()
            };
            let value = reduce.and_then(|reduce| {
                freshest
                    .filter(|&f| reporting(one, window, f))
                    .and_then(|_| one.reduced(window, reduce))
            });
            let row = rows.entry(row_key).or_insert_with(|| Row {
                cells: columns
                    .iter()
                    .map(|c| match &c.shows {
                        Shows::Label(label) => {
                            Cell::Text(labels.get(label).cloned().unwrap_or_default())
                        }
                        Shows::Value { .. } => Cell::Value(None),
                    })
                    .collect(),
                series: None,
            });
            if row.series.is_none() {
                row.series = Some((*key).clone());
            }
            if let Some(Cell::Value(cell)) = index.and_then(|i| row.cells.get_mut(i)) {
                *cell = match (*cell, value) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
            }
        }
    }
    let rows: Vec<Row> = rows.into_values().collect();
    let heads = columns
        .iter()
        .enumerate()
        .map(|(index, column)| head(panel, column, index, &rows))
        .collect();
    TableView {
        columns: heads,
        rows,
    }
}

/// A series' labels without its metric name.
fn row_labels(key: &SeriesKey) -> BTreeMap<String, String> {
    key.labels
        .iter()
        .filter(|(name, _)| name.as_str() != "__name__")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The labels whose values differ between the label sets (all of one set's
/// labels when there is only one).
fn telling_labels(sets: Vec<BTreeMap<String, String>>) -> Vec<String> {
    let mut values: BTreeMap<&str, Vec<Option<&str>>> = BTreeMap::new();
    for set in &sets {
        for name in set.keys() {
            values.entry(name).or_default();
        }
    }
    for (name, seen) in &mut values {
        seen.extend(sets.iter().map(|set| set.get(*name).map(String::as_str)));
    }
    let distinct: std::collections::BTreeSet<_> = sets.iter().collect();
    values
        .into_iter()
        .filter(|(_, seen)| distinct.len() <= 1 || seen.windows(2).any(|w| w[0] != w[1]))
        .map(|(name, _)| name.to_owned())
        .collect()
}

/// One value column per visible query, in the panel's order, with its
/// reduction.
fn value_columns(panel: &PanelSpec) -> Vec<Column> {
    panel
        .queries
        .iter()
        .filter(|q| !q.hidden)
        .map(|q| Column {
            shows: Shows::Value {
                query: q.id.clone(),
                reduce: panel.fleet.reduce,
            },
            title: q
                .legend
                .clone()
                .filter(|l| !l.contains("{{") && !l.is_empty())
                .unwrap_or_else(|| q.id.as_str().to_owned()),
            unit: None,
            thresholds: Vec::new(),
            gauge: None,
        })
        .collect()
}

/// A column's heading: its unit and thresholds resolved against the query's and
/// the panel's, a gauge's full end against the values shown.
fn head(panel: &PanelSpec, column: &Column, index: usize, rows: &[Row]) -> Head {
    match &column.shows {
        Shows::Label(_) => Head {
            title: column.title.clone(),
            unit: None,
            thresholds: Vec::new(),
            gauge: None,
        },
        Shows::Value { query, .. } => {
            let unit = column
                .unit
                .or_else(|| panel.query(query).and_then(|q| q.unit))
                .unwrap_or(panel.unit);
            let gauge = column.gauge.map(|Gauge { min, max }| {
                let greatest = rows
                    .iter()
                    .filter_map(|r| match r.cells.get(index) {
                        Some(Cell::Value(v)) => *v,
                        _ => None,
                    })
                    .fold(f64::NEG_INFINITY, f64::max);
                let max = max.unwrap_or(if greatest > min { greatest } else { min + 1.0 });
                (min, max)
            });
            Head {
                title: column.title.clone(),
                unit: Some(unit),
                thresholds: if column.thresholds.is_empty() {
                    panel.thresholds.clone()
                } else {
                    column.thresholds.clone()
                },
                gauge,
            }
        }
    }
}

/// Orders rows by one column: values numerically with "n/a" last whichever the
/// direction, text as text; ties keep their order.
pub fn sort(rows: &mut [Row], column: usize, descending: bool) {
    rows.sort_by(|a, b| {
        let (a, b) = (a.cells.get(column), b.cells.get(column));
        match (a, b) {
            (Some(Cell::Value(a)), Some(Cell::Value(b))) => match (a, b) {
                (Some(a), Some(b)) => {
                    let order = a.total_cmp(b);
                    if descending { order.reverse() } else { order }
                }
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            },
            (Some(Cell::Text(a)), Some(Cell::Text(b))) => {
                let order = a.cmp(b);
                if descending { order.reverse() } else { order }
            }
            _ => Ordering::Equal,
        }
    });
}

/// Whether a row's label cells hold every word of `filter` (case-insensitive).
pub fn matches(row: &Row, filter: &str) -> bool {
    let text: String = row
        .cells
        .iter()
        .filter_map(|c| match c {
            Cell::Text(t) => Some(t.to_lowercase()),
            Cell::Value(_) => None,
        })
        .collect::<Vec<_>>()
        .join(" ");
    filter
        .to_lowercase()
        .split_whitespace()
        .all(|word| text.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::QueryKey;
    use crate::store::{Retention, Sample, Store};

    fn panel(columns: &str) -> PanelSpec {
        let text = format!(
            r#"
version = 1
title = "t"
[sources.demo]
kind = "demo"
[[panels]]
title = "Models"
kind = "table"
grid = {{ x = 0, y = 0, w = 24, h = 8 }}
unit = "s"
[[panels.queries]]
source = "demo"
id = "p99"
metric = "vllm:e2e_request_latency_seconds"
quantile = 0.99
legend = "p99"
[[panels.queries]]
source = "demo"
id = "waiting"
metric = "vllm:num_requests_waiting"
legend = "waiting"
unit = "short"
{columns}
"#
        );
        crate::layout::first_panel(&text)
    }

    /// p99 for models a, b, c (c stopped after minute 1); waiting for a and b
    /// only, with an extra `pod` label.
    fn store() -> Store {
        let mut store = Store::new(Retention::unbounded());
        let add =
            |store: &mut Store, query: &str, labels: &[(&str, &str)], value: f64, minutes: i64| {
                let key = QueryKey {
                    panel: "models".into(),
                    query: query.into(),
                };
                let labels: BTreeMap<String, String> = labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                let samples: Vec<Sample> = (0..minutes)
                    .map(|m| Sample {
                        t_ms: m * 60_000,
                        value: value + m as f64,
                    })
                    .collect();
                store.merge(SeriesKey::new(&key, labels), 0, 240_000, &samples);
            };
        add(
            &mut store,
            "p99",
            &[("model", "a"), ("job", "vllm")],
            1.0,
            5,
        );
        add(
            &mut store,
            "p99",
            &[("model", "b"), ("job", "vllm")],
            3.0,
            5,
        );
        add(
            &mut store,
            "p99",
            &[("model", "c"), ("job", "vllm")],
            9.0,
            2,
        );
        add(
            &mut store,
            "waiting",
            &[("model", "a"), ("job", "vllm"), ("pod", "x")],
            10.0,
            5,
        );
        add(
            &mut store,
            "waiting",
            &[("model", "b"), ("job", "vllm"), ("pod", "y")],
            20.0,
            5,
        );
        store
    }

    const WINDOW: Window = Window {
        start_ms: 0,
        end_ms: 240_000,
    };

    fn shown(view: &TableView) -> Vec<Vec<String>> {
        view.rows
            .iter()
            .map(|r| {
                r.cells
                    .iter()
                    .map(|c| match c {
                        Cell::Text(t) => t.clone(),
                        Cell::Value(Some(v)) => format!("{v}"),
                        Cell::Value(None) => "n/a".to_owned(),
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn listed_label_columns_merge_queries_into_one_row_per_model_with_na_where_missing() {
        let panel = panel(
            r#"
[[panels.columns]]
label = "model"
title = "Model"
[[panels.columns]]
query = "p99"
[[panels.columns]]
query = "waiting"
reduce = "max"
gauge = true
max = 40
"#,
        );
        let store = store();
        let view = build(
            &panel,
            |q| store.query_series(&panel.key(q)).collect(),
            WINDOW,
        );
        let titles: Vec<&str> = view.columns.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(titles, ["Model", "p99", "waiting"]);
        // c stopped reporting: n/a, never its old value; it has no waiting series.
        assert_eq!(
            shown(&view),
            [["a", "5", "14"], ["b", "7", "24"], ["c", "n/a", "n/a"]]
        );
        assert_eq!(view.columns[2].gauge, Some((0.0, 40.0)));
        assert_eq!(view.columns[2].unit, Some(Unit::Short));
        assert_eq!(view.columns[1].unit, Some(Unit::Seconds));
    }

    #[test]
    fn automatic_columns_are_the_labels_that_tell_rows_apart_then_each_query() {
        let panel = panel("");
        let store = store();
        let view = build(
            &panel,
            |q| store.query_series(&panel.key(q)).collect(),
            WINDOW,
        );
        let titles: Vec<&str> = view.columns.iter().map(|c| c.title.as_str()).collect();
        // `job` is the same everywhere: not a column. Whole label sets key the
        // rows, so the waiting series (with `pod`) are rows of their own.
        assert_eq!(titles, ["model", "pod", "p99", "waiting"]);
        assert_eq!(view.rows.len(), 5);
    }

    #[test]
    fn a_table_of_labels_only_has_a_row_per_series() {
        let panel = panel(
            "[[panels.columns]]\nlabel = \"model\"\ntitle = \"Model\"\n[[panels.columns]]\nlabel = \"job\"\n",
        );
        let store = store();
        let view = build(
            &panel,
            |q| store.query_series(&panel.key(q)).collect(),
            WINDOW,
        );
        assert_eq!(shown(&view), [["a", "vllm"], ["b", "vllm"], ["c", "vllm"]]);
    }

    #[test]
    fn sorting_puts_na_last_both_ways_and_filtering_reads_the_labels() {
        let panel =
            panel("[[panels.columns]]\nlabel = \"model\"\n[[panels.columns]]\nquery = \"p99\"\n");
        let store = store();
        let mut view = build(
            &panel,
            |q| store.query_series(&panel.key(q)).collect(),
            WINDOW,
        );
        sort(&mut view.rows, 1, true);
        assert_eq!(shown(&view), [["b", "7"], ["a", "5"], ["c", "n/a"]]);
        sort(&mut view.rows, 1, false);
        assert_eq!(shown(&view), [["a", "5"], ["b", "7"], ["c", "n/a"]]);
        sort(&mut view.rows, 0, true);
        assert_eq!(shown(&view)[0][0], "c");
        assert!(matches(&view.rows[0], "C"));
        assert!(!matches(&view.rows[0], "c b"));
    }
}
