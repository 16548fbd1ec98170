//! The operations behind the metrics: scaling actions and chaos experiments, as
//! events on the timeline. A source that knows them (the demo fleet; on AWS,
//! Application Auto Scaling and Fault Injection Service) reports them for a
//! window, and every chart whose series belong to the resource they touched draws
//! them — a scaling action as a marker ("scaled 4 to 6, cause: …"), an experiment
//! as a band with its description and final state — so a latency step has its
//! "because" next to it.

pub mod impact;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum OpsKind {
    /// The instance count of an endpoint (variant) changed.
    Scaling {
        /// Instances before.
        from: u32,
        /// Instances after.
        to: u32,
        /// Why, as the scaler says it.
        cause: String,
    },
    /// A fault injection experiment ran against the resource.
    Experiment {
        /// The experiment's id.
        id: String,
        /// Its template's description.
        description: String,
        /// Its final (or current) state: `completed`, `stopped`, `failed`, `running`.
        state: String,
    },
}

/// One operation on one resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpsEvent {
    /// The resource it touched: an endpoint name, an instance id.
    pub resource: String,
    /// Other names series of that resource go by (the model an endpoint serves,
    /// as vLLM's `model_name` says it).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// When it began, ms since the epoch.
    pub start_ms: i64,
    /// When it ended; `None` for an instant (a scaling action) or one still running.
    pub end_ms: Option<i64>,
    /// What happened.
    pub kind: OpsKind,
}

impl OpsEvent {
    /// The words shown beside it on a chart.
    pub fn label(&self) -> String {
        match &self.kind {
            OpsKind::Scaling { from, to, cause } => {
                format!(
                    "{}: scaled from {from} to {to} instances, cause: {cause}",
                    self.resource
                )
            }
            OpsKind::Experiment {
                description, state, ..
            } => format!("chaos on {}: {description} ({state})", self.resource),
        }
    }

    /// Whether it is drawn as a band (an experiment) rather than a marker.
    pub fn is_band(&self) -> bool {
        matches!(self.kind, OpsKind::Experiment { .. })
    }

    /// Whether a series with these labels belongs to the resource it touched: a
    /// label's value names it (`EndpointName`, `endpoint`, `instance_id`, …).
    pub(crate) fn touches(&self, labels: &BTreeMap<String, String>) -> bool {
        labels
            .values()
            .any(|value| value == &self.resource || self.aliases.contains(value))
    }

    /// Whether any part of it falls in `[start_ms, end_ms]`.
    pub(crate) fn overlaps(&self, start_ms: i64, end_ms: i64, now_ms: i64) -> bool {
        let end = self.end_ms.unwrap_or(if self.is_band() {
            now_ms
        } else {
            self.start_ms
        });
        end >= start_ms && self.start_ms <= end_ms
    }
}

/// The events of `all` that touch a series with any of `labels`, in time order.
pub(crate) fn touching<'a>(
    all: impl IntoIterator<Item = &'a OpsEvent>,
    labels: &[&BTreeMap<String, String>],
) -> Vec<&'a OpsEvent> {
    let mut events: Vec<&OpsEvent> = all
        .into_iter()
        .filter(|event| labels.iter().any(|l| event.touches(l)))
        .collect();
    events.sort_by_key(|e| e.start_ms);
    events.dedup();
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn an_event_belongs_to_the_series_of_its_resource_only() {
        let scaled = OpsEvent {
            resource: "llm-prod-mistral7b".to_owned(),
            aliases: vec!["mistralai/Mistral-7B-Instruct-v0.3".to_owned()],
            start_ms: 1_000,
            end_ms: None,
            kind: OpsKind::Scaling {
                from: 4,
                to: 6,
                cause: "target tracking".to_owned(),
            },
        };
        let mistral = labels(&[
            ("EndpointName", "llm-prod-mistral7b"),
            ("VariantName", "AllTraffic"),
        ]);
        let llama = labels(&[("EndpointName", "llm-prod-llama70b")]);
        assert!(scaled.touches(&mistral));
        assert!(scaled.touches(&labels(&[(
            "model_name",
            "mistralai/Mistral-7B-Instruct-v0.3"
        )])));
        assert!(!scaled.touches(&llama));
        assert_eq!(touching([&scaled], &[&llama]).len(), 0);
        assert_eq!(touching([&scaled], &[&llama, &mistral]).len(), 1);
        assert_eq!(
            scaled.label(),
            "llm-prod-mistral7b: scaled from 4 to 6 instances, cause: target tracking"
        );
        assert!(scaled.overlaps(0, 2_000, 5_000));
        assert!(!scaled.overlaps(2_000, 3_000, 5_000));
    }
}
