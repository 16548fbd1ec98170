//! Computing a panel's derived queries from the series its other queries hold in
//! the store, and putting the results back as that query's series — shared by the
//! window and `fleetdeck export`.

use super::{Input, Operand, evaluate_priced, parse};
use crate::layout::Layout;
use crate::store::{Sample, SeriesKey, Store};
use crate::units::Unit;
use std::collections::HashMap;

/// A copy of one input series.
type OwnedSeries = (SeriesKey, Vec<Sample>);

/// What computing one derived query gave: the notes about gaps, or why it failed.
pub type Outcome = Result<Vec<String>, String>;

/// Recomputes every derived query of `panel`; returns each one's outcome by query
/// index. Inputs are the panel's queries with an `id`, over all the data held.
pub fn refresh_panel(layout: &Layout, panel: usize, store: &mut Store) -> Vec<(usize, Outcome)> {
    let queries = &layout.file.panels[panel].queries;
    let derived: Vec<usize> = (0..queries.len())
        .filter(|&i| queries[i].derive.is_some())
        .collect();
    if derived.is_empty() {
        return Vec::new();
    }
    // Copies of the inputs, so the store can take the results afterwards.
    let mut owned: HashMap<String, (Option<Unit>, Vec<OwnedSeries>)> = HashMap::new();
    let (mut start, mut end) = (i64::MAX, i64::MIN);
    for (index, query) in queries.iter().enumerate() {
        let Some(id) = &query.id else { continue };
        if query.derive.is_some() {
            continue;
        }
        let series: Vec<OwnedSeries> = store
            .panel_series(panel)
            .filter(|(key, _)| key.query == index)
            .map(|(key, series)| (key.clone(), series.iter().copied().collect()))
            .collect();
        for (_, samples) in &series {
            if let (Some(first), Some(last)) = (samples.first(), samples.last()) {
                start = start.min(first.t_ms);
                end = end.max(last.t_ms);
            }
        }
        owned.insert(id.get_ref().clone(), (query.unit, series));
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
                            labels: key.labels.clone(),
                            samples,
                        })
                        .collect(),
                    unit: *unit,
                },
            )
        })
        .collect();
    let prices = super::prices::Prices::with_overrides(&layout.file.prices);
    let mut outcomes = Vec::new();
    for index in derived {
        let text = queries[index]
            .derive
            .as_ref()
            .map(|d| d.get_ref().as_str())
            .unwrap_or("");
        let expr = match parse(text) {
            Ok(expr) => expr,
            Err(error) => {
                outcomes.push((index, Err(format!("derive: {error}"))));
                continue;
            }
        };
        if start > end {
            outcomes.push((index, Ok(vec!["no input data yet".to_owned()])));
            continue;
        }
        // One step before the first sample, so the first grid point holds it.
        let output = evaluate_priced(&expr, &inputs, start - 1, end, &prices);
        let keys: Vec<SeriesKey> = output
            .series
            .iter()
            .map(|(labels, _)| SeriesKey {
                panel,
                query: index,
                labels: labels.clone(),
            })
            .collect();
        store.retain_query_series(panel, index, &keys);
        for (key, (_, samples)) in keys.into_iter().zip(&output.series) {
            store.merge(key, start - 1, end, samples);
        }
        outcomes.push((index, Ok(output.notes)));
    }
    outcomes
}
