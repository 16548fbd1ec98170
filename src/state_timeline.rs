//! A state timeline's rows: each series' samples turned into the states their
//! values mean (the panel's value mappings, else its thresholds), runs of one
//! state joined into segments, and a gap where the series stopped reporting
//! (two of its sample intervals without a sample), never a state held over it.

use crate::dashboard::PanelSpec;
use crate::dashboard::mapping::state_of;
use crate::store::{Series, median_gap};
use crate::time_range::Window;

/// One row.
#[derive(Debug, Clone, PartialEq)]
pub struct StateRow {
    /// The series' name.
    pub name: String,
    /// Its segments, in time order, gaps between them where it did not report.
    pub segments: Vec<Segment>,
}

/// A run of one state.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// Start, ms.
    pub start_ms: i64,
    /// End, ms.
    pub end_ms: i64,
    /// What the state is called.
    pub text: String,
    /// Its colour (`None`: no mapping or threshold gives one).
    pub rgb: Option<[u8; 3]>,
}

/// The state `value` is in: a mapping's, else the value itself in the panel's
/// unit with its threshold's colour.
pub fn state(panel: &PanelSpec, value: f64) -> (String, Option<[u8; 3]>) {
    if let Some(mapping) = state_of(&panel.mappings, value) {
        return (mapping.text.clone(), Some(mapping.rgb));
    }
    let rgb = crate::dashboard::Threshold::reached(&panel.thresholds, value).map(|t| t.rgb);
    (panel.unit.format(value), rgb)
}

/// The row of one series over `window`.
pub fn row(panel: &PanelSpec, name: String, series: &Series, window: Window) -> StateRow {
    let samples: Vec<(i64, f64)> = series
        .iter()
        .filter(|s| s.t_ms >= window.start_ms && s.t_ms <= window.end_ms && s.value.is_finite())
        .map(|s| (s.t_ms, s.value))
        .collect();
    // Its usual interval; a minute when there are too few samples to say.
    let interval = median_gap(samples.iter().map(|s| s.0)).map_or(60_000, |gap| gap.max(1));
    let mut segments: Vec<Segment> = Vec::new();
    for (index, &(t_ms, value)) in samples.iter().enumerate() {
        let next = samples.get(index + 1).map(|&(t, _)| t);
        // A sample holds until the next one, unless that is more than two
        // intervals away: then the series stopped reporting one interval after.
        let end_ms = match next {
            Some(next) if next - t_ms <= 2 * interval => next,
            _ => (t_ms + interval).min(window.end_ms),
        };
        let (text, rgb) = state(panel, value);
        match segments.last_mut() {
            Some(last) if last.text == text && last.end_ms == t_ms => last.end_ms = end_ms,
            _ => segments.push(Segment {
                start_ms: t_ms,
                end_ms,
                text,
                rgb,
            }),
        }
    }
    StateRow { name, segments }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::QueryKey;
    use crate::store::{Retention, Sample, SeriesKey, Store};

    fn panel() -> PanelSpec {
        let text = r#"
version = 1
title = "t"
[sources.demo]
kind = "demo"
[[panels]]
title = "Queue"
kind = "state"
grid = { x = 0, y = 0, w = 24, h = 6 }
mappings = [
  { value = 0.0, text = "idle", color = "blue" },
  { from = 0.0, to = 40.0, text = "ok", color = "green" },
  { from = 40.0, text = "backed up", color = "red" },
]
[[panels.queries]]
source = "demo"
metric = "vllm:num_requests_waiting"
"#;
        crate::layout::first_panel(text)
    }

    #[test]
    fn runs_of_a_state_join_and_a_silence_is_a_gap_not_a_held_state() {
        let key = QueryKey {
            panel: "queue".into(),
            query: "q1".into(),
        };
        let mut store = Store::new(Retention::unbounded());
        // A minute apart: 0, 5, 7, 50, 60, then silence from minute 5 to 9, then 3.
        let values = [(0, 0.0), (1, 5.0), (2, 7.0), (3, 50.0), (4, 60.0), (9, 3.0)];
        let samples: Vec<Sample> = values
            .iter()
            .map(|&(m, value)| Sample {
                t_ms: m * 60_000,
                value,
            })
            .collect();
        let series_key = SeriesKey::new(&key, std::collections::BTreeMap::new());
        store.merge(series_key.clone(), 0, 600_000, &samples);
        let series = store.get(&series_key).unwrap();
        let window = Window {
            start_ms: 0,
            end_ms: 600_000,
        };
        let row = row(&panel(), "llama".to_owned(), series, window);
        let shown: Vec<(i64, i64, &str)> = row
            .segments
            .iter()
            .map(|s| (s.start_ms / 60_000, s.end_ms / 60_000, s.text.as_str()))
            .collect();
        assert_eq!(
            shown,
            [
                (0, 1, "idle"),
                (1, 3, "ok"),
                (3, 5, "backed up"),
                (9, 10, "ok")
            ]
        );
        assert_eq!(row.segments[2].rgb, Some([0xe0, 0x2f, 0x44]));
    }
}
