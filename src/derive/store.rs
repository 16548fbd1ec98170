//! Computing a panel's derived queries from the series its other queries hold in
//! the store, and putting the results back as that query's series — shared by the
//! window and `fleetdeck export`.

use super::prices::Prices;
use super::{Input, Operand, evaluate_priced};
use crate::dashboard::{PanelSpec, QueryId, Target};
use crate::store::{Sample, SeriesKey, Store};
use crate::units::Unit;
use std::collections::HashMap;

/// A copy of one input series.
type OwnedSeries = (SeriesKey, Vec<Sample>);

/// What computing one derived query gave: the notes about gaps, or why it failed.
pub(crate) type Outcome = Result<Vec<String>, String>;

/// Recomputes every derived query of `panel`; returns each one's outcome. Inputs
/// are the panel's fetched queries (by id), over all the data held.
pub(crate) fn refresh_panel(
    panel: &PanelSpec,
    prices: &Prices,
    store: &mut Store,
) -> Vec<(QueryId, Outcome)> {
    let derived: Vec<(&QueryId, &super::Expr, Option<f64>)> = panel
        .queries
        .iter()
        .filter_map(|q| match &q.target {
            Target::Derive(expr) => Some((&q.id, expr, q.scale)),
            _ => None,
        })
        .collect();
    if derived.is_empty() {
        return Vec::new();
    }
    // Copies of the inputs, so the store can take the results afterwards.
    let mut owned: HashMap<String, (Option<Unit>, Vec<OwnedSeries>)> = HashMap::new();
    let (mut start, mut end) = (i64::MAX, i64::MIN);
    for query in &panel.queries {
        if matches!(query.target, Target::Derive(_)) {
            continue;
        }
        let series: Vec<OwnedSeries> = store
            .query_series(&panel.key(&query.id))
            .map(|(key, series)| (key.clone(), series.iter().copied().collect()))
            .collect();
        for (_, samples) in &series {
            if let (Some(first), Some(last)) = (samples.first(), samples.last()) {
                start = start.min(first.t_ms);
                end = end.max(last.t_ms);
            }
        }
        owned.insert(query.id.as_str().to_owned(), (query.unit, series));
    }
    let inputs: HashMap<String, Operand<'_>> = owned
        .iter()
        .map(|(id, (unit, series))| {
            (
                id.clone(),
                Operand {
                    series: series
                        .iter()
                        .map(|(key, samples)| Input {
                            labels: (*key.labels).clone(),
                            samples,
                        })
                        .collect(),
                    unit: *unit,
                },
            )
        })
        .collect();
    let mut outcomes = Vec::new();
    for (id, expr, scale) in derived {
        if start > end {
            outcomes.push((id.clone(), Ok(vec!["no input data yet".to_owned()])));
            continue;
        }
        // One step before the first sample, so the first grid point holds it.
        let mut output = evaluate_priced(expr, &inputs, start - 1, end, prices);
        if let Some(scale) = scale {
            for (_, samples) in &mut output.series {
                for sample in samples {
                    sample.value *= scale;
                }
            }
        }
        let query_key = panel.key(id);
        let keys: Vec<SeriesKey> = output
            .series
            .iter()
            .map(|(labels, _)| SeriesKey::new(&query_key, labels.clone()))
            .collect();
        store.retain_query_series(&query_key, &keys);
        for (key, (_, samples)) in keys.into_iter().zip(&output.series) {
            store.merge(key, start - 1, end, samples);
        }
        outcomes.push((id.clone(), Ok(output.notes)));
    }
    outcomes
}
