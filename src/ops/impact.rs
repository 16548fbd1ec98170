//! What a chaos experiment did: for each query of an experiments panel (p99,
//! errors), the mean of the series of the resource it targeted during the run,
//! against the same length of time just before it.

use super::OpsEvent;
use crate::dashboard::PanelSpec;
use crate::store::Store;

/// One query's figures around one experiment.
#[derive(Debug, Clone, PartialEq)]
pub struct Impact {
    /// The query's name (its legend, else its metric).
    pub name: String,
    /// Mean over the same length of time before the run.
    pub before: Option<f64>,
    /// Mean over the run.
    pub during: Option<f64>,
    /// The unit of its values.
    pub unit: crate::units::Unit,
}

impl Impact {
    /// The change in %, when both are known and the before is not zero.
    pub(crate) fn change_percent(&self) -> Option<f64> {
        let (before, during) = (self.before?, self.during?);
        (before != 0.0).then(|| (during - before) / before.abs() * 100.0)
    }
}

/// The figures of each visible query of `panel` around `event` (an experiment
/// that has not ended runs until `now_ms`).
pub fn impacts(store: &Store, panel: &PanelSpec, event: &OpsEvent, now_ms: i64) -> Vec<Impact> {
    let end = event.end_ms.unwrap_or(now_ms);
    let length = (end - event.start_ms).max(1);
    let before = (event.start_ms - length)..event.start_ms;
    let during = event.start_ms..end;
    panel
        .queries
        .iter()
        .filter(|q| !q.hidden)
        .map(|query| {
            let mean = |range: &std::ops::Range<i64>| {
                let (sum, count) = store
                    .query_series(&panel.key(&query.id))
                    .filter(|(key, _)| event.touches(&key.labels))
                    .flat_map(|(_, series)| series.iter())
                    .filter(|s| range.contains(&s.t_ms) && s.value.is_finite())
                    .fold((0.0, 0usize), |(sum, n), s| (sum + s.value, n + 1));
                (count > 0).then(|| sum / count as f64)
            };
            Impact {
                name: query
                    .legend
                    .clone()
                    .or_else(|| query.fallback_name.clone())
                    .unwrap_or_else(|| query.id.to_string()),
                before: mean(&before),
                during: mean(&during),
                unit: query.unit.unwrap_or(panel.unit),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::OpsKind;
    use crate::store::{Retention, Sample, SeriesKey};
    use std::collections::BTreeMap;

    #[test]
    fn the_run_is_compared_with_as_long_before_it_on_the_targets_series_only() {
        let text = r#"version = 1
title = "t"
[sources.fleet]
kind = "demo"
[[panels]]
title = "Experiments"
kind = "experiments"
grid = { x = 0, y = 0, w = 24, h = 6 }
  [[panels.queries]]
  source = "fleet"
  metric = "ModelLatency"
  quantile = 0.99
  legend = "p99"
"#;
        let dashboard = crate::layout::parse_layout(text, std::path::Path::new("t.toml")).unwrap();
        let panel = &dashboard.panels[0];
        let key = panel.key(&panel.queries[0].id);
        let mut store = Store::new(Retention::unbounded());
        let put = |store: &mut Store, endpoint: &str, value_at: &dyn Fn(i64) -> f64| {
            let samples: Vec<Sample> = (0..40)
                .map(|i| Sample {
                    t_ms: i * 60_000,
                    value: value_at(i * 60_000),
                })
                .collect();
            let labels = BTreeMap::from([("EndpointName".to_owned(), endpoint.to_owned())]);
            store.merge(SeriesKey::new(&key, labels), 0, 39 * 60_000, &samples);
        };
        // The target doubles during 20–30 min; another endpoint is always 100.
        put(&mut store, "target", &|t| {
            if (1_200_000..1_800_000).contains(&t) {
                2.0
            } else {
                1.0
            }
        });
        put(&mut store, "other", &|_| 100.0);
        let event = OpsEvent {
            resource: "target".to_owned(),
            aliases: Vec::new(),
            start_ms: 1_200_000,
            end_ms: Some(1_800_000),
            kind: OpsKind::Experiment {
                id: "EXP1".to_owned(),
                description: "stop one instance".to_owned(),
                state: "completed".to_owned(),
            },
        };
        let found = impacts(&store, panel, &event, 2_400_000);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].name, "p99");
        assert_eq!((found[0].before, found[0].during), (Some(1.0), Some(2.0)));
        assert_eq!(found[0].change_percent(), Some(100.0));
    }
}
