//! Which metrics the simulated fleet publishes, under the names and labels the real
//! exporters use (REFERENCE.md), and how each value is read off the fleet state.

use super::fleet::{Accelerator, Fleet, normal_quantile};
use super::noise;
pub(crate) use crate::dashboard::sources::demo::Reading;
use std::collections::BTreeMap;

/// How a metric may be queried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MetricKind {
    /// A level: read as is; `rate` is refused.
    Gauge,
    /// A monotonically increasing count: only its `rate` is meaningful here.
    Counter,
    /// A running total read as is or as a rate (`EstimatedCharges`).
    Cumulative,
    /// A latency distribution: needs a `quantile`.
    Distribution,
}

/// One published metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct MetricDef {
    /// Name exactly as the exporter publishes it.
    pub name: &'static str,
    /// How it may be queried.
    pub kind: MetricKind,
    /// Which label family its series have.
    family: Family,
    /// One-line help, as an exporter's `# HELP`.
    pub help: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Model,
    /// A model's cumulative latency buckets, one series per `le` bound.
    ModelBucket,
    Endpoint,
    /// Only the A/B endpoint's variants (weights, cost).
    Variant,
    /// Only the multi-model endpoint ([`super::multi_model`]).
    MultiModel,
    /// The fleet's bill by how its capacity is bought ([`super::capacity_mix`]).
    PurchaseType,
    Gpu,
    NeuronCore,
    Instances,
    Billing,
}

/// Every metric the demo source knows, in the order the metric browser lists them.
pub(crate) const METRICS: &[MetricDef] = &[
    MetricDef {
        name: "vllm:e2e_request_latency_seconds",
        kind: MetricKind::Distribution,
        family: Family::Model,
        help: "End-to-end request latency in seconds.",
    },
    MetricDef {
        name: "vllm:time_to_first_token_seconds",
        kind: MetricKind::Distribution,
        family: Family::Model,
        help: "Time to first token in seconds.",
    },
    MetricDef {
        name: "vllm:num_requests_running",
        kind: MetricKind::Gauge,
        family: Family::Model,
        help: "Requests currently running on the engine.",
    },
    MetricDef {
        name: "vllm:num_requests_waiting",
        kind: MetricKind::Gauge,
        family: Family::Model,
        help: "Requests waiting in the queue.",
    },
    MetricDef {
        name: "vllm:kv_cache_usage_perc",
        kind: MetricKind::Gauge,
        family: Family::Model,
        help: "KV cache usage, 0 to 1.",
    },
    MetricDef {
        name: "vllm:generation_tokens_total",
        kind: MetricKind::Counter,
        family: Family::Model,
        help: "Generated tokens.",
    },
    MetricDef {
        name: "vllm:e2e_request_latency_seconds_bucket",
        kind: MetricKind::Counter,
        family: Family::ModelBucket,
        help: "Requests by end-to-end latency: a cumulative histogram bucket per bound `le`, seconds.",
    },
    MetricDef {
        name: "vllm:e2e_request_latency_seconds_count",
        kind: MetricKind::Counter,
        family: Family::Model,
        help: "Requests whose end-to-end latency was recorded.",
    },
    MetricDef {
        name: "vllm:request_success_total",
        kind: MetricKind::Counter,
        family: Family::Model,
        help: "Successfully finished requests.",
    },
    MetricDef {
        name: "Invocations",
        kind: MetricKind::Counter,
        family: Family::Endpoint,
        help: "SageMaker invocations.",
    },
    MetricDef {
        name: "Invocation4XXErrors",
        kind: MetricKind::Counter,
        family: Family::Endpoint,
        help: "SageMaker invocations answered 4xx.",
    },
    MetricDef {
        name: "Invocation5XXErrors",
        kind: MetricKind::Counter,
        family: Family::Endpoint,
        help: "SageMaker invocations answered 5xx.",
    },
    MetricDef {
        name: "ModelLatency",
        kind: MetricKind::Distribution,
        family: Family::Endpoint,
        help: "SageMaker model latency in microseconds.",
    },
    MetricDef {
        name: "OverheadLatency",
        kind: MetricKind::Distribution,
        family: Family::Endpoint,
        help: "SageMaker overhead latency in microseconds.",
    },
    MetricDef {
        name: "DCGM_FI_DEV_GPU_UTIL",
        kind: MetricKind::Gauge,
        family: Family::Gpu,
        help: "GPU utilization (in %).",
    },
    MetricDef {
        name: "DCGM_FI_DEV_FB_USED",
        kind: MetricKind::Gauge,
        family: Family::Gpu,
        help: "Framebuffer memory used (in MiB).",
    },
    MetricDef {
        name: "DCGM_FI_DEV_POWER_USAGE",
        kind: MetricKind::Gauge,
        family: Family::Gpu,
        help: "Power draw (in W).",
    },
    MetricDef {
        name: "neuroncore_utilization_ratio",
        kind: MetricKind::Gauge,
        family: Family::NeuronCore,
        help: "NeuronCore utilization, 0 to 1.",
    },
    MetricDef {
        name: "fleet_running_instances",
        kind: MetricKind::Gauge,
        family: Family::Instances,
        help: "Instances running, by endpoint and instance type (in a real fleet e.g. count by (instance_type) (kube_node_labels)).",
    },
    MetricDef {
        name: "sagemaker_desired_instance_count",
        kind: MetricKind::Gauge,
        family: Family::Instances,
        help: "Instances the autoscaler asked for (SageMaker DescribeEndpoint DesiredInstanceCount).",
    },
    MetricDef {
        name: "sagemaker_current_instance_count",
        kind: MetricKind::Gauge,
        family: Family::Instances,
        help: "Instances in service (SageMaker DescribeEndpoint CurrentInstanceCount).",
    },
    MetricDef {
        name: "autoscaling_min_capacity",
        kind: MetricKind::Gauge,
        family: Family::Instances,
        help: "The scalable target's MinCapacity (Application Auto Scaling).",
    },
    MetricDef {
        name: "autoscaling_max_capacity",
        kind: MetricKind::Gauge,
        family: Family::Instances,
        help: "The scalable target's MaxCapacity (Application Auto Scaling).",
    },
    MetricDef {
        name: "InvocationsPerInstance",
        kind: MetricKind::Gauge,
        family: Family::Endpoint,
        help: "SageMaker invocations per instance per minute, the metric target tracking follows.",
    },
    MetricDef {
        name: "autoscaling_target_value",
        kind: MetricKind::Gauge,
        family: Family::Endpoint,
        help: "The target-tracking policy's TargetValue on SageMakerVariantInvocationsPerInstance (none for a fixed pool).",
    },
    MetricDef {
        name: "sagemaker_variant_weight",
        kind: MetricKind::Gauge,
        family: Family::Variant,
        help: "A production variant's configured weight (SageMaker DescribeEndpoint CurrentWeight).",
    },
    MetricDef {
        name: "variant_generation_tokens_total",
        kind: MetricKind::Counter,
        family: Family::Variant,
        help: "Generated tokens per production variant (vLLM's generation_tokens_total, scraped per variant).",
    },
    MetricDef {
        name: "sagemaker_variant_cost_per_hour",
        kind: MetricKind::Gauge,
        family: Family::Variant,
        help: "What a production variant's instances cost per hour on demand, USD.",
    },
    MetricDef {
        name: "ModelLoadingWaitTime",
        kind: MetricKind::Gauge,
        family: Family::MultiModel,
        help: "Multi-model endpoint: how long a request waited for its model to load, microseconds (Average).",
    },
    MetricDef {
        name: "ModelDownloadingTime",
        kind: MetricKind::Gauge,
        family: Family::MultiModel,
        help: "Multi-model endpoint: how long downloading a model from S3 took, microseconds (Average).",
    },
    MetricDef {
        name: "ModelCacheHit",
        kind: MetricKind::Gauge,
        family: Family::MultiModel,
        help: "Multi-model endpoint: share of requests whose model was already loaded, 0 to 1 (Average).",
    },
    MetricDef {
        name: "LoadedModelCount",
        kind: MetricKind::Gauge,
        family: Family::MultiModel,
        help: "Multi-model endpoint: models loaded in the containers.",
    },
    MetricDef {
        name: "fleet_cost_by_purchase_type",
        kind: MetricKind::Gauge,
        family: Family::PurchaseType,
        help: "What the fleet's instances cost per hour as bought (Cost Explorer's PURCHASE_TYPE), USD/h, after the Savings Plan, reservation and Spot discounts.",
    },
    MetricDef {
        name: "EstimatedCharges",
        kind: MetricKind::Cumulative,
        family: Family::Billing,
        help: "Month-to-date estimated charges in USD.",
    },
];

/// Finds a metric by name, accepting the `vllm_` spelling some scrapes store.
pub(crate) fn metric(name: &str) -> Option<&'static MetricDef> {
    METRICS
        .iter()
        .find(|m| m.name == name || m.name.replacen(':', "_", 1) == name)
}

/// One concrete series: a metric with its labels and the fleet member behind it.
#[derive(Debug, Clone)]
pub(crate) struct SeriesDef {
    /// The metric.
    pub metric: &'static MetricDef,
    /// Labels as the exporter would attach them.
    pub labels: BTreeMap<String, String>,
    endpoint: usize,
    device: usize,
    service: &'static str,
    /// A variant of the A/B endpoint ([`super::ab_test`]) instead of an endpoint.
    variant: Option<usize>,
    /// A GPU of the fleet at scale ([`super::nodes`]): node and GPU.
    node: Option<(usize, usize)>,
}

fn labels(pairs: &[(&str, String)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// All series of a metric in this fleet.
pub(crate) fn series_of(fleet: &Fleet, metric: &'static MetricDef) -> Vec<SeriesDef> {
    let mut out = Vec::new();
    let one = |endpoint: usize, device: usize, labels: BTreeMap<String, String>| SeriesDef {
        metric,
        labels,
        endpoint,
        device,
        service: "",
        variant: None,
        node: None,
    };
    match metric.family {
        Family::Model => {
            for (i, e) in fleet.endpoints.iter().enumerate() {
                out.push(one(
                    i,
                    0,
                    labels(&[("model_name", e.model_name.to_owned())]),
                ));
            }
        }
        Family::ModelBucket => {
            for (i, e) in fleet.endpoints.iter().enumerate() {
                let bounds = super::E2E_BUCKETS
                    .iter()
                    .map(|bound| format!("{bound}"))
                    .chain(["+Inf".to_owned()]);
                for le in bounds {
                    out.push(one(
                        i,
                        0,
                        labels(&[("model_name", e.model_name.to_owned()), ("le", le)]),
                    ));
                }
            }
        }
        Family::Endpoint => {
            for (i, e) in fleet.endpoints.iter().enumerate() {
                out.push(one(
                    i,
                    0,
                    labels(&[
                        ("EndpointName", e.endpoint_name.to_owned()),
                        ("VariantName", "AllTraffic".to_owned()),
                    ]),
                ));
            }
            out.extend(ab_variant_series(metric));
        }
        Family::Variant => out.extend(ab_variant_series(metric)),
        Family::PurchaseType => {
            for purchase in super::capacity_mix::PURCHASE_TYPES {
                out.push(SeriesDef {
                    metric,
                    labels: labels(&[("PURCHASE_TYPE", purchase.to_owned())]),
                    endpoint: 0,
                    device: 0,
                    service: "",
                    variant: None,
                    node: None,
                });
            }
        }
        Family::MultiModel => out.push(SeriesDef {
            metric,
            labels: labels(&[
                ("EndpointName", super::multi_model::MME_ENDPOINT.to_owned()),
                ("VariantName", "AllTraffic".to_owned()),
            ]),
            endpoint: 0,
            device: 0,
            service: "",
            variant: None,
            node: None,
        }),
        Family::Gpu if fleet.nodes.is_some() => {
            let nodes = fleet.nodes.as_ref().map_or(0, super::nodes::Nodes::count);
            for node in 0..nodes {
                for gpu in 0..super::nodes::GPUS_PER_NODE {
                    let labels = fleet.nodes.as_ref().map(|n| n.labels(node, gpu));
                    out.push(SeriesDef {
                        node: Some((node, gpu)),
                        ..one(0, 0, labels.unwrap_or_default())
                    });
                }
            }
        }
        Family::Gpu => {
            for (i, e) in fleet.endpoints.iter().enumerate() {
                let Accelerator::Gpu { model, .. } = e.accelerator else {
                    continue;
                };
                for instance in 0..e.instances {
                    for gpu in 0..e.devices_per_instance {
                        out.push(one(
                            i,
                            instance * e.devices_per_instance + gpu,
                            labels(&[
                                ("Hostname", host_name(e.endpoint_name, instance)),
                                ("gpu", gpu.to_string()),
                                ("modelName", model.to_owned()),
                                ("endpoint", e.endpoint_name.to_owned()),
                            ]),
                        ));
                    }
                }
            }
        }
        Family::NeuronCore => {
            for (i, e) in fleet.endpoints.iter().enumerate() {
                if e.accelerator != Accelerator::Neuron {
                    continue;
                }
                for instance in 0..e.instances {
                    for core in 0..e.devices_per_instance {
                        out.push(one(
                            i,
                            instance * e.devices_per_instance + core,
                            labels(&[
                                ("instance_id", instance_id(e.endpoint_name, instance)),
                                ("instance_type", e.instance_type.to_owned()),
                                ("neuroncore", core.to_string()),
                                ("endpoint", e.endpoint_name.to_owned()),
                            ]),
                        ));
                    }
                }
            }
        }
        Family::Instances => {
            for (i, e) in fleet.endpoints.iter().enumerate() {
                out.push(one(
                    i,
                    0,
                    labels(&[
                        ("EndpointName", e.endpoint_name.to_owned()),
                        ("instance_type", e.instance_type.to_owned()),
                    ]),
                ));
            }
        }
        Family::Billing => {
            let mut services: Vec<&'static str> =
                fleet.endpoints.iter().map(|e| e.service_name).collect();
            services.dedup();
            for service in services {
                out.push(SeriesDef {
                    metric,
                    labels: labels(&[
                        ("ServiceName", service.to_owned()),
                        ("Currency", "USD".to_owned()),
                    ]),
                    endpoint: 0,
                    device: 0,
                    service,
                    variant: None,
                    node: None,
                });
            }
        }
    }
    out
}

/// The series of the A/B endpoint's variants.
fn ab_variant_series(metric: &'static MetricDef) -> Vec<SeriesDef> {
    use super::ab_test::{AB_ENDPOINT, VARIANTS};
    VARIANTS
        .iter()
        .enumerate()
        .map(|(index, variant)| SeriesDef {
            metric,
            labels: labels(&[
                ("EndpointName", AB_ENDPOINT.to_owned()),
                ("VariantName", variant.name.to_owned()),
            ]),
            endpoint: 0,
            device: 0,
            service: "",
            variant: Some(index),
            node: None,
        })
        .collect()
}

/// A reading of an A/B variant's series.
fn variant_sample(
    fleet: &Fleet,
    series: &SeriesDef,
    index: usize,
    t_ms: i64,
    reading: Reading,
) -> Option<f64> {
    let v = &super::ab_test::VARIANTS[index];
    let t_s = t_ms as f64 / 1000.0;
    let state = fleet.ab_variant(index, t_s);
    let stream = noise::key(series.metric.name) ^ noise::key(v.name);
    let jitter = noise::jitter(fleet.seed, stream, t_ms);
    let quantile_of = |median: f64, sigma: f64, q: f64| {
        median * (normal_quantile(q) * sigma).exp() * (1.0 + 0.04 * jitter)
    };
    let value = match (series.metric.name, reading) {
        ("Invocations", Reading::Rate) => state.load_rps * (1.0 + 0.02 * jitter),
        ("Invocation4XXErrors", Reading::Rate) => state.load_rps * 0.004 * (1.0 + 0.3 * jitter),
        ("Invocation5XXErrors", Reading::Rate) => {
            state.load_rps * v.error_share * (1.0 + 0.3 * jitter)
        }
        ("ModelLatency", Reading::Quantile(q)) => {
            quantile_of(state.median_latency_s * 0.93 * 1e6, state.latency_sigma, q)
        }
        ("OverheadLatency", Reading::Quantile(q)) => {
            quantile_of(12_000.0 * (1.0 + state.utilisation), 0.4, q)
        }
        ("InvocationsPerInstance", Reading::Value) => {
            state.load_rps * 60.0 / v.instances as f64 * (1.0 + 0.02 * jitter)
        }
        ("sagemaker_variant_weight", Reading::Value) => v.weight,
        ("variant_generation_tokens_total", Reading::Rate) => {
            state.load_rps * v.output_tokens * (1.0 + 0.02 * jitter)
        }
        ("sagemaker_variant_cost_per_hour", Reading::Value) => {
            v.instances as f64 * v.price_per_hour
        }
        _ => return None,
    };
    Some(value)
}

fn host_name(endpoint: &str, instance: usize) -> String {
    format!("{endpoint}-{instance}")
}

/// An EC2 instance id, distinct per endpoint and instance (the instance number is
/// added after the shift: added before it, instances 0 and 1 shared an id and the
/// exporter served their NeuronCores twice under one name).
fn instance_id(endpoint: &str, instance: usize) -> String {
    format!(
        "i-{:017x}",
        (noise::key(endpoint) >> 4).wrapping_add(instance as u64)
    )
}

/// The value of `series` at `t_ms`, or `None` for a reading the metric does not support.
pub(crate) fn sample(
    fleet: &Fleet,
    series: &SeriesDef,
    t_ms: i64,
    reading: Reading,
) -> Option<f64> {
    let t_s = t_ms as f64 / 1000.0;
    if let (Some((node, gpu)), Some(nodes)) = (series.node, &fleet.nodes) {
        return (reading == Reading::Value)
            .then(|| nodes.sample(series.metric.name, node, gpu, t_ms))
            .flatten();
    }
    if let Some(index) = series.variant {
        return variant_sample(fleet, series, index, t_ms, reading);
    }
    if series.metric.family == Family::PurchaseType {
        let purchase = series.labels.get("PURCHASE_TYPE")?;
        return (reading == Reading::Value)
            .then(|| super::capacity_mix::cost_per_hour(fleet, purchase, t_s));
    }
    if series.metric.family == Family::MultiModel {
        return super::multi_model::sample(fleet, series.metric.name, t_ms, reading);
    }
    if series.metric.family == Family::Billing {
        return match reading {
            Reading::Rate => Some(fleet.spend_rate_per_s(series.service, t_s)),
            Reading::Value => {
                Some(fleet.month_to_date_spend(series.service, t_s, t_s - seconds_into_month(t_ms)))
            }
            Reading::Quantile(_) => None,
        };
    }
    let e = &fleet.endpoints[series.endpoint];
    let state = fleet.state(series.endpoint, t_s);
    let stream =
        noise::key(series.metric.name) ^ noise::key(e.endpoint_name) ^ (series.device as u64) << 32;
    let jitter = noise::jitter(fleet.seed, stream, t_ms);
    let drift = noise::smooth(fleet.seed, stream, t_s, 120.0);
    let quantile_of = |median: f64, sigma: f64, q: f64| {
        median * (normal_quantile(q) * sigma).exp() * (1.0 + 0.04 * jitter)
    };
    let error_share_4xx = 0.004;
    let error_share_5xx = state.error_5xx_share;
    let instance = series.device / e.devices_per_instance.max(1);
    let healthy = (state.instances - usize::from(state.failed_instance.is_some())).max(1);
    let value = match (series.metric.name, reading) {
        ("vllm:e2e_request_latency_seconds", Reading::Quantile(q)) => {
            quantile_of(state.median_latency_s, state.latency_sigma, q)
        }
        ("vllm:time_to_first_token_seconds", Reading::Quantile(q)) => quantile_of(
            state.median_latency_s * 0.08 * (1.0 + 6.0 * state.incident),
            state.latency_sigma + 0.2,
            q,
        ),
        ("ModelLatency", Reading::Quantile(q)) => {
            quantile_of(state.median_latency_s * 0.93 * 1e6, state.latency_sigma, q)
        }
        ("OverheadLatency", Reading::Quantile(q)) => {
            quantile_of(12_000.0 * (1.0 + state.utilisation), 0.4, q)
        }
        ("vllm:num_requests_running", Reading::Value) => (state.load_rps * state.median_latency_s
            / healthy as f64)
            .min(e.max_batch)
            .round(),
        ("vllm:num_requests_waiting", Reading::Value) => {
            let pressure = (state.utilisation - 0.85).max(0.0) * 40.0;
            (pressure + 60.0 * state.incident + 1.5 * (1.0 + drift))
                .max(0.0)
                .round()
        }
        ("vllm:kv_cache_usage_perc", Reading::Value) => {
            (0.2 + 0.72 * state.utilisation + 0.1 * state.incident + 0.03 * drift).clamp(0.0, 1.0)
        }
        ("vllm:generation_tokens_total", Reading::Rate) => {
            state.load_rps * e.output_tokens * (1.0 + 0.02 * jitter)
        }
        // The distribution the quantiles are read from (log-normal about the
        // median), counted: the requests a second faster than `le`.
        ("vllm:e2e_request_latency_seconds_bucket", Reading::Rate) => {
            let le: f64 = match series.labels.get("le")?.as_str() {
                "+Inf" => f64::INFINITY,
                bound => bound.parse().ok()?,
            };
            let faster = if le.is_infinite() {
                1.0
            } else {
                super::fleet::normal_cdf(
                    (le.ln() - state.median_latency_s.ln()) / state.latency_sigma,
                )
            };
            state.load_rps * faster
        }
        ("vllm:e2e_request_latency_seconds_count", Reading::Rate) => state.load_rps,
        ("vllm:request_success_total" | "Invocations", Reading::Rate) => {
            let share = if series.metric.name == "Invocations" {
                1.0
            } else {
                1.0 - error_share_5xx - error_share_4xx
            };
            state.load_rps * share * (1.0 + 0.02 * jitter)
        }
        ("Invocation4XXErrors", Reading::Rate) => {
            state.load_rps * error_share_4xx * (1.0 + 0.3 * jitter)
        }
        ("Invocation5XXErrors", Reading::Rate) => {
            state.load_rps * error_share_5xx * (1.0 + 0.3 * jitter)
        }
        ("fleet_running_instances" | "sagemaker_current_instance_count", Reading::Value) => {
            state.instances as f64
        }
        ("sagemaker_desired_instance_count", Reading::Value) => {
            fleet.instances_at(series.endpoint, t_s + super::operations::SCALING_STEP_S) as f64
        }
        ("autoscaling_min_capacity", Reading::Value) => e.min_instances as f64,
        ("autoscaling_max_capacity", Reading::Value) => e.instances as f64,
        ("InvocationsPerInstance", Reading::Value) => {
            state.load_rps * 60.0 / state.instances.max(1) as f64 * (1.0 + 0.02 * jitter)
        }
        ("autoscaling_target_value", Reading::Value) => e.target_rps_per_instance? * 60.0,
        ("DCGM_FI_DEV_GPU_UTIL", Reading::Value) => {
            let busy = state.device_busy(instance)?;
            (100.0 * busy * (0.97 + 0.03 * drift))
                .clamp(0.0, 100.0)
                .round()
        }
        ("DCGM_FI_DEV_FB_USED", Reading::Value) => {
            let Accelerator::Gpu { memory_mib, .. } = e.accelerator else {
                return None;
            };
            // vLLM takes 90 % of the frame buffer up front for weights and KV cache.
            state.device_busy(instance)?;
            (memory_mib * (0.89 + 0.02 * state.utilisation + 0.005 * drift))
                .min(memory_mib)
                .round()
        }
        ("DCGM_FI_DEV_POWER_USAGE", Reading::Value) => {
            let Accelerator::Gpu {
                max_power_w,
                idle_power_w,
                ..
            } = e.accelerator
            else {
                return None;
            };
            let busy = state.device_busy(instance)?;
            idle_power_w
                + (max_power_w - idle_power_w) * (busy * (0.9 + 0.1 * drift)).clamp(0.0, 1.0)
        }
        ("neuroncore_utilization_ratio", Reading::Value) => {
            let busy = state.device_busy(instance)?;
            (busy * (0.95 + 0.05 * drift)).clamp(0.0, 1.0)
        }
        _ => return None,
    };
    Some(value)
}

fn seconds_into_month(t_ms: i64) -> f64 {
    use chrono::{Datelike, TimeZone, Utc};
    let Some(instant) = Utc.timestamp_millis_opt(t_ms).single() else {
        return 0.0;
    };
    let month_start = Utc
        .with_ymd_and_hms(instant.year(), instant.month(), 1, 0, 0, 0)
        .single()
        .map_or(t_ms, |start| start.timestamp_millis());
    (t_ms - month_start) as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vllm_metrics_are_found_under_both_spellings() {
        assert_eq!(
            metric("vllm:num_requests_waiting").unwrap().name,
            "vllm:num_requests_waiting"
        );
        assert_eq!(
            metric("vllm_num_requests_waiting").unwrap().name,
            "vllm:num_requests_waiting"
        );
        assert!(metric("vllm:nope").is_none());
    }

    #[test]
    fn every_metric_has_series_and_a_supported_reading() {
        let fleet = Fleet::new(7);
        for def in METRICS {
            let series = series_of(&fleet, def);
            assert!(!series.is_empty(), "{}", def.name);
            let reading = match def.kind {
                MetricKind::Gauge | MetricKind::Cumulative => Reading::Value,
                MetricKind::Counter => Reading::Rate,
                MetricKind::Distribution => Reading::Quantile(0.99),
            };
            // Some series have none (a fixed pool has no scaling target).
            let value = series
                .iter()
                .find_map(|one| sample(&fleet, one, 1_764_000_000_000, reading))
                .unwrap();
            assert!(value.is_finite() && value >= 0.0, "{}: {value}", def.name);
        }
    }

    #[test]
    fn latency_quantiles_are_ordered_p50_p90_p99() {
        let fleet = Fleet::new(7);
        let def = metric("vllm:e2e_request_latency_seconds").unwrap();
        let series = &series_of(&fleet, def)[0];
        for minute in 0..600 {
            let t = 1_764_000_000_000 + minute * 60_000;
            let p50 = sample(&fleet, series, t, Reading::Quantile(0.5)).unwrap();
            let p90 = sample(&fleet, series, t, Reading::Quantile(0.9)).unwrap();
            let p99 = sample(&fleet, series, t, Reading::Quantile(0.99)).unwrap();
            assert!(p50 < p90 && p90 < p99, "at {t}: {p50} {p90} {p99}");
        }
    }

    #[test]
    fn month_to_date_spend_grows_at_the_instance_price() {
        let fleet = Fleet::new(7);
        let def = metric("EstimatedCharges").unwrap();
        let series = &series_of(&fleet, def)[0];
        let a = sample(&fleet, series, 1_764_000_000_000, Reading::Value).unwrap();
        let b = sample(
            &fleet,
            series,
            1_764_000_000_000 + 3_600_000,
            Reading::Value,
        )
        .unwrap();
        // SageMaker: 2 × p5.48xlarge + the autoscaled g6.xlarge pool, whatever
        // its size was over each ten minutes of the hour.
        let t0 = 1_764_000_000.0;
        let expected: f64 = (0..6)
            .map(|step| {
                let at = t0 + step as f64 * 600.0;
                let pool = fleet.instances_at(1, at) as f64;
                (2.0 * 98.32 + pool * 0.805) / 6.0
            })
            .sum();
        assert_eq!(t0 % 600.0, 0.0, "the hour starts on a scaler step");
        assert!((b - a - expected).abs() < 1e-6, "{} vs {expected}", b - a);
        let per_hour = sample(&fleet, series, 1_764_000_000_000, Reading::Rate).unwrap() * 3600.0;
        assert!((per_hour - (2.0 * 98.32 + fleet.instances_at(1, t0) as f64 * 0.805)).abs() < 1e-6);
    }
}
