//! Asking the servers what they hold, cheaply whatever their size: the metric
//! names once (strings, no series), the largest families where the server keeps
//! the count, then only for the components recognised a label's values and a
//! device count. CloudWatch: `ListMetrics` (free) for the namespaces known.

use super::catalog::{COMPONENTS, cloudwatch_namespaces, owner};
use super::draft::Found;
use super::sections;
use crate::dashboard::SourceQuery;
use crate::dashboard::sources::prometheus::PromQuery;
use crate::dashboard::variables::OptionsQuery;
use crate::source::{Source, SourceError};
use crate::time_range::Window;
use std::collections::{BTreeMap, BTreeSet};

/// How far back a name must have had samples to count (Prometheus).
const RECENT_MS: i64 = 3_600_000;

/// What one server showed.
#[derive(Debug, Default)]
pub struct Probed {
    /// The components recognised, in catalog order.
    pub found: Vec<Found>,
    /// Names nobody claimed.
    pub unrecognised: BTreeSet<String>,
    /// Series per name, largest first, where the server says.
    pub largest: Vec<(String, u64)>,
    /// Requests made.
    pub requests: u32,
}

/// Probes a Prometheus-compatible server.
pub async fn prometheus(source: &dyn Source, now_ms: i64) -> Result<Probed, SourceError> {
    let inventory = source.inventory(&[], now_ms - RECENT_MS).await?;
    let mut probed = Probed {
        largest: inventory.largest,
        requests: inventory.requests,
        ..Probed::default()
    };
    let mut by_component: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for metric in inventory.metrics {
        match owner(&metric.name) {
            Some(component) => {
                by_component
                    .entry(component.id)
                    .or_default()
                    .insert(metric.name);
            }
            None => {
                probed.unrecognised.insert(metric.name);
            }
        }
    }
    for component in COMPONENTS {
        let Some(names) = by_component.remove(component.id) else {
            continue;
        };
        let mut found = Found {
            component,
            names,
            labels: BTreeMap::new(),
            devices: None,
            dimensions: BTreeMap::new(),
        };
        let asks = sections::asks(component.id);
        for (label, marker) in asks.labels {
            let Some(selector) = found.selector(marker, "") else {
                continue;
            };
            let query = OptionsQuery::LabelValues {
                selector: Some(selector),
                label: (*label).to_owned(),
            };
            probed.requests += 1;
            match source.variable_options(&query).await {
                Ok(values) => {
                    found
                        .labels
                        .insert((*label).to_owned(), values.into_iter().collect());
                }
                Err(error) => tracing::info!("discover: values of {label}: {error}"),
            }
        }
        if let Some(devices) = asks.devices.and_then(|bare| found.selector(bare, "")) {
            let query = SourceQuery::Prometheus(PromQuery { promql: devices });
            let window = Window {
                start_ms: now_ms - 60_000,
                end_ms: now_ms,
            };
            probed.requests += 1;
            found.devices = source.count_series(&query, window, now_ms).await;
        }
        probed.found.push(found);
    }
    Ok(probed)
}

/// Probes a CloudWatch account in `region`.
pub async fn cloudwatch(
    source: &dyn Source,
    region: &str,
    now_ms: i64,
) -> Result<Probed, SourceError> {
    let namespaces = cloudwatch_namespaces(region);
    let inventory = source.inventory(&namespaces, now_ms - RECENT_MS).await?;
    let mut probed = Probed {
        requests: inventory.requests,
        ..Probed::default()
    };
    for component in COMPONENTS {
        let Some((namespace, markers)) = component.cloudwatch else {
            continue;
        };
        let listed: Vec<_> = inventory
            .metrics
            .iter()
            .filter(|metric| metric.namespace.as_deref() == Some(namespace))
            .collect();
        if !listed
            .iter()
            .any(|metric| markers.contains(&metric.name.as_str()))
        {
            continue;
        }
        let mut found = Found {
            component,
            names: listed.iter().map(|metric| metric.name.clone()).collect(),
            labels: BTreeMap::new(),
            devices: None,
            dimensions: BTreeMap::new(),
        };
        for metric in listed {
            found
                .dimensions
                .entry(metric.name.clone())
                .or_default()
                .extend(metric.labels.keys().cloned());
            for (label, values) in &metric.labels {
                found
                    .labels
                    .entry(label.clone())
                    .or_default()
                    .extend(values.iter().cloned());
            }
        }
        probed.found.push(found);
    }
    probed.unrecognised = inventory
        .metrics
        .iter()
        .filter(|metric| {
            !probed
                .found
                .iter()
                .any(|f| f.component.cloudwatch.map(|(ns, _)| ns) == metric.namespace.as_deref())
        })
        .map(|metric| {
            format!(
                "{} {}",
                metric.namespace.as_deref().unwrap_or_default(),
                metric.name
            )
        })
        .collect();
    Ok(probed)
}
