//! A/B tests of an endpoint's production variants: each variant's configured
//! weight against the traffic it actually received, its latency, error rate and
//! cost per 1,000 inferences, and its difference from the baseline with an
//! honest hint of whether that difference is larger than the noise.
//!
//! A variants panel's queries are named by `id`: `weight`, `invocations`,
//! `p50`, `p99`, `errors`, `cost` (USD per hour) and `tokens` (generated per
//! second); each returns one series per `VariantName`. [`figures`] turns what the store holds over the window
//! into one row per variant.

pub mod significance;

use crate::dashboard::PanelSpec;
use crate::store::Store;
use crate::time_range::Window;
use significance::Stats;
use std::collections::BTreeMap;

/// The label that tells variants apart.
pub(crate) const VARIANT_LABEL: &str = "VariantName";

/// One variant's figures over the window.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VariantFigures {
    /// `VariantName`.
    pub name: String,
    /// Configured weight (its last value).
    pub weight: Option<f64>,
    /// Share of the invocations it received, 0–1.
    pub traffic_share: Option<f64>,
    /// Median latency.
    pub p50: Option<Stats>,
    /// 99th percentile latency.
    pub p99: Option<Stats>,
    /// Errors per invocation, sample by sample.
    pub error_rate: Option<Stats>,
    /// USD per 1,000 inferences.
    pub cost_per_1k: Option<f64>,
    /// USD per million generated tokens.
    pub cost_per_1m_tokens: Option<f64>,
}

/// The rows of a variants panel over `window`, the baseline (highest weight,
/// else the first by name) first.
pub fn figures(store: &Store, panel: &PanelSpec, window: Window) -> Vec<VariantFigures> {
    let by_variant = |id: &str| -> BTreeMap<String, Vec<(i64, f64)>> {
        let mut out: BTreeMap<String, Vec<(i64, f64)>> = BTreeMap::new();
        let Some(query) = panel.queries.iter().find(|q| q.id.as_str() == id) else {
            return out;
        };
        for (key, series) in store.query_series(&panel.key(&query.id)) {
            let Some(name) = key.labels.get(VARIANT_LABEL) else {
                continue;
            };
            out.entry(name.clone()).or_default().extend(
                series
                    .iter()
                    .filter(|s| (window.start_ms..=window.end_ms).contains(&s.t_ms))
                    .filter(|s| s.value.is_finite())
                    .map(|s| (s.t_ms, s.value)),
            );
        }
        out
    };
    let weights = by_variant("weight");
    let invocations = by_variant("invocations");
    let (p50, p99) = (by_variant("p50"), by_variant("p99"));
    let (errors, cost) = (by_variant("errors"), by_variant("cost"));
    let tokens = by_variant("tokens");
    let mut names: Vec<&String> = [&weights, &invocations, &p50, &p99, &errors, &cost]
        .iter()
        .flat_map(|m| m.keys())
        .collect();
    names.sort();
    names.dedup();
    let mean =
        |points: Option<&Vec<(i64, f64)>>| Stats::of(points?.iter().map(|p| p.1)).map(|s| s.mean);
    let total_calls: f64 = invocations.values().filter_map(|p| mean(Some(p))).sum();
    let mut rows: Vec<VariantFigures> = names
        .into_iter()
        .map(|name| {
            let calls = mean(invocations.get(name));
            let error_rate = match (errors.get(name), invocations.get(name)) {
                (Some(errors), Some(calls)) => {
                    let calls: BTreeMap<i64, f64> = calls.iter().copied().collect();
                    Stats::of(
                        errors
                            .iter()
                            .filter_map(|(t, e)| calls.get(t).filter(|c| **c > 0.0).map(|c| e / c)),
                    )
                }
                _ => None,
            };
            VariantFigures {
                name: name.clone(),
                weight: weights.get(name).and_then(|p| p.last()).map(|p| p.1),
                traffic_share: calls.filter(|_| total_calls > 0.0).map(|c| c / total_calls),
                p50: p50.get(name).and_then(|p| Stats::of(p.iter().map(|p| p.1))),
                p99: p99.get(name).and_then(|p| Stats::of(p.iter().map(|p| p.1))),
                error_rate,
                cost_per_1k: match (mean(cost.get(name)), calls) {
                    (Some(per_hour), Some(rps)) if rps > 0.0 => {
                        Some(per_hour / (rps * 3600.0) * 1000.0)
                    }
                    _ => None,
                },
                cost_per_1m_tokens: match (mean(cost.get(name)), mean(tokens.get(name))) {
                    (Some(per_hour), Some(per_s)) if per_s > 0.0 => {
                        Some(per_hour / (per_s * 3600.0) * 1_000_000.0)
                    }
                    _ => None,
                },
            }
        })
        .collect();
    // The baseline first: the variant most traffic is meant for.
    rows.sort_by(|a, b| {
        b.weight
            .unwrap_or(0.0)
            .total_cmp(&a.weight.unwrap_or(0.0))
            .then_with(|| a.name.cmp(&b.name))
    });
    rows
}
