//! A fleet map's cells: one per series of the panel's query, each reduced to one
//! value over the window, put in the state of the highest threshold at or below
//! it, grouped by the panel's `group_by` labels and ordered worst first.
//!
//! A series that stopped reporting is "n/a", never a value: its newest sample is
//! older than the query's freshest series' newest by more than two of its own
//! sample intervals. (Prometheus keeps answering a stopped series for its 5-minute
//! lookback, then it drops out of the answer: its cell turns n/a then.) A query
//! whose every series stopped has no n/a cells: the panel's freshness line says
//! that the data is old.

use crate::dashboard::{PanelSpec, Threshold};
use crate::store::{Series, SeriesKey};
use crate::time_range::Window;

/// What a cell is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum State {
    /// Its series stopped reporting.
    NotReporting,
    /// Below the lowest threshold (or the panel has none).
    Base,
    /// At or above the threshold with this index (ascending by value).
    Threshold(usize),
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// The series.
    pub key: SeriesKey,
    /// Its value over the window (`None`: not reporting).
    pub value: Option<f64>,
    /// Its state.
    pub state: State,
}

/// Cells sharing the values of the `group_by` labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The group's label values, joined (`node-0413`); empty with no `group_by`.
    pub name: String,
    /// Its cells, worst first.
    pub cells: Vec<Cell>,
}

/// A fleet map's contents.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FleetMap {
    /// The groups, in label order.
    pub groups: Vec<Group>,
    /// How many cells are in each state, worst state first, states with none
    /// left out.
    pub counts: Vec<(State, usize)>,
}

impl FleetMap {
    /// The map of `series` (all of one query) as `panel` draws it over `window`.
    pub fn of<'a>(
        panel: &PanelSpec,
        series: impl Iterator<Item = (&'a SeriesKey, &'a Series)>,
        window: Window,
    ) -> FleetMap {
        let series: Vec<(&SeriesKey, &Series)> = series.collect();
        let freshest = series
            .iter()
            .filter_map(|(_, one)| newest_in(one, window))
            .max();
        let mut groups: std::collections::BTreeMap<String, Vec<Cell>> = Default::default();
        for (key, one) in series {
            let value = freshest
                .filter(|&freshest| reporting(one, window, freshest))
                .and_then(|_| one.reduced(window, panel.fleet.reduce));
            let state = value.map_or(State::NotReporting, |v| state_of(&panel.thresholds, v));
            groups
                .entry(group_name(panel, key))
                .or_default()
                .push(Cell {
                    key: key.clone(),
                    value,
                    state,
                });
        }
        let mut counts: std::collections::BTreeMap<State, usize> = Default::default();
        let groups = groups
            .into_iter()
            .map(|(name, mut cells)| {
                cells.sort_by(worst_first);
                for cell in &cells {
                    *counts.entry(cell.state).or_default() += 1;
                }
                Group { name, cells }
            })
            .collect();
        let mut counts: Vec<(State, usize)> = counts.into_iter().collect();
        counts.sort_by_key(|&(state, _)| std::cmp::Reverse(severity(state)));
        FleetMap { groups, counts }
    }

    /// How many cells it has.
    pub fn cells(&self) -> usize {
        self.groups.iter().map(|g| g.cells.len()).sum()
    }
}

/// The name of the group `key` is drawn in: its `group_by` label values, joined
/// (`node-0413`, `us-east-1a · train`); empty with no `group_by`.
pub fn group_name(panel: &PanelSpec, key: &SeriesKey) -> String {
    panel
        .fleet
        .group_by
        .iter()
        .map(|label| key.labels.get(label).map_or("–", String::as_str))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// What a state is called in the header: the threshold's `name`, else its
/// colour's; "n/a" for a series that stopped.
pub fn state_name(thresholds: &[Threshold], state: State) -> String {
    match state {
        State::NotReporting => "n/a".to_owned(),
        State::Base => "below thresholds".to_owned(),
        State::Threshold(index) => thresholds
            .get(index)
            .and_then(|t| t.name.clone())
            .unwrap_or_else(|| format!("≥ {}", thresholds.get(index).map_or(0.0, |t| t.value))),
    }
}

/// The state of `value`: the highest threshold at or below it.
fn state_of(thresholds: &[Threshold], value: f64) -> State {
    thresholds
        .iter()
        .enumerate()
        .filter(|(_, t)| value >= t.value)
        .max_by(|a, b| a.1.value.total_cmp(&b.1.value))
        .map_or(State::Base, |(index, _)| State::Threshold(index))
}

/// How bad a state is: not reporting worst, then the higher thresholds.
fn severity(state: State) -> (u8, usize) {
    match state {
        State::NotReporting => (2, 0),
        State::Threshold(index) => (1, index),
        State::Base => (0, 0),
    }
}

/// Worst state first; within a state the higher value first, then label order.
fn worst_first(a: &Cell, b: &Cell) -> std::cmp::Ordering {
    severity(b.state)
        .cmp(&severity(a.state))
        .then_with(|| {
            b.value
                .unwrap_or(f64::NAN)
                .total_cmp(&a.value.unwrap_or(f64::NAN))
        })
        .then_with(|| a.key.cmp(&b.key))
}

/// The newest sample time of `series` inside `window`.
pub(crate) fn newest_in(series: &Series, window: Window) -> Option<i64> {
    series
        .iter()
        .rev()
        .find(|s| s.t_ms <= window.end_ms)
        .filter(|s| s.t_ms >= window.start_ms)
        .map(|s| s.t_ms)
}

/// Whether `series` still reported when the freshest series of its query did:
/// its newest sample is at most two of its own intervals older.
pub(crate) fn reporting(series: &Series, window: Window, freshest_ms: i64) -> bool {
    let Some(newest) = newest_in(series, window) else {
        return false;
    };
    let mut recent = series.iter().rev().filter(|s| s.t_ms <= newest);
    let interval = match (recent.next(), recent.next()) {
        (Some(last), Some(before)) => last.t_ms - before.t_ms,
        _ => 0,
    };
    freshest_ms - newest <= 2 * interval
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::{QueryId, QueryKey, Reduce};
    use crate::store::{Retention, Sample, Store};

    fn panel(reduce: Reduce) -> PanelSpec {
        let text = r#"
version = 1
title = "t"
[sources.demo]
kind = "demo"
[[panels]]
title = "GPUs"
kind = "fleet"
grid = { x = 0, y = 0, w = 24, h = 8 }
group_by = ["host"]
thresholds = [
  { value = 0, color = "blue", name = "idle" },
  { value = 10, color = "green", name = "ok" },
  { value = 90, color = "red", name = "hot" },
]
[[panels.queries]]
source = "demo"
metric = "DCGM_FI_DEV_GPU_UTIL"
"#;
        let mut panel = crate::layout::first_panel(text);
        panel.fleet.reduce = reduce;
        panel
    }

    /// Two hosts of four GPUs, a minute apart for five minutes; host b's GPU 3
    /// stopped after minute 1.
    fn store() -> (Store, QueryKey) {
        let key = QueryKey {
            panel: crate::dashboard::PanelId::from("gpus"),
            query: QueryId::from("q1"),
        };
        let mut store = Store::new(Retention::unbounded());
        let values = [[95.0, 50.0, 5.0, 60.0], [40.0, 91.0, 99.0, 70.0]];
        for (h, host) in ["a", "b"].iter().enumerate() {
            for (gpu, value) in values[h].iter().enumerate() {
                let samples: Vec<Sample> = (0..5)
                    .filter(|m| !(h == 1 && gpu == 3 && *m > 1))
                    .map(|m| Sample {
                        t_ms: m * 60_000,
                        value: value - 4.0 + m as f64,
                    })
                    .collect();
                let labels: std::collections::BTreeMap<String, String> = [
                    ("host".to_owned(), host.to_string()),
                    ("gpu".to_owned(), gpu.to_string()),
                ]
                .into();
                store.merge(SeriesKey::new(&key, labels), 0, 240_000, &samples);
            }
        }
        (store, key)
    }

    #[test]
    fn cells_are_grouped_worst_first_with_a_stopped_series_not_reporting() {
        let (store, key) = store();
        let window = Window {
            start_ms: 0,
            end_ms: 240_000,
        };
        let panel = panel(Reduce::Last);
        let map = FleetMap::of(&panel, store.query_series(&key), window);
        assert_eq!(map.cells(), 8);
        let order = |g: &Group| {
            g.cells
                .iter()
                .map(|c| (c.key.labels["gpu"].clone(), c.value))
                .collect::<Vec<_>>()
        };
        assert_eq!(map.groups[0].name, "a");
        assert_eq!(
            order(&map.groups[0]),
            [
                ("0".into(), Some(95.0)),
                ("3".into(), Some(60.0)),
                ("1".into(), Some(50.0)),
                ("2".into(), Some(5.0))
            ]
        );
        assert_eq!(map.groups[1].cells[0].state, State::NotReporting);
        assert_eq!(map.groups[1].cells[0].value, None);
        let counts: Vec<(String, usize)> = map
            .counts
            .iter()
            .map(|&(state, n)| (state_name(&panel.thresholds, state), n))
            .collect();
        assert_eq!(
            counts,
            [
                ("n/a".into(), 1),
                ("hot".into(), 3),
                ("ok".into(), 3),
                ("idle".into(), 1)
            ]
        );
    }

    #[test]
    fn a_cell_can_show_the_window_mean_or_extremes() {
        let (store, key) = store();
        let window = Window {
            start_ms: 0,
            end_ms: 240_000,
        };
        let value = |reduce| {
            let map = FleetMap::of(&panel(reduce), store.query_series(&key), window);
            map.groups[0].cells[0].value
        };
        assert_eq!(value(Reduce::Mean), Some(93.0));
        assert_eq!(value(Reduce::Min), Some(91.0));
        assert_eq!(value(Reduce::Max), Some(95.0));
    }
}
