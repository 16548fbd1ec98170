//! `fleetdeck simulate --cloudwatch-endpoint URL`: the simulated fleet published to
//! CloudWatch (or an emulator) with `PutMetricData`, as SageMaker and Bedrock
//! publish it — for demos of the CloudWatch layouts and for the integration tests.
//!
//! Every minute gets one datum per metric and dimension set, stamped at the start of
//! the minute. Latencies are published as 100 values with counts (each value a
//! percentile of that minute's log-normal distribution, weighted by the minute's
//! invocations), so CloudWatch's own `p50`/`p99` statistics recover the simulated
//! percentiles.

use crate::source::demo::fleet::{Accelerator, Fleet, normal_quantile};
use anyhow::{Context, Result};
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum, StandardUnit};
use std::collections::BTreeMap;

/// The SageMaker variant every simulated endpoint serves.
pub(crate) const VARIANT_NAME: &str = "AllTraffic";
/// One datum per metric per this many ms.
pub(crate) const MINUTE_MS: i64 = 60_000;
/// Values per latency datum (CloudWatch takes at most 150).
const LATENCY_VALUES: usize = 100;
/// Datums per `PutMetricData` call (CloudWatch takes at most 1,000 and 1 MB).
const DATUMS_PER_CALL: usize = 200;

/// A Bedrock model the simulator publishes, riding on one endpoint's load curve.
struct BedrockModel {
    model_id: &'static str,
    endpoint: usize,
    load_share: f64,
    latency_factor: f64,
    input_tokens: f64,
    output_tokens: f64,
}

const BEDROCK_MODELS: &[BedrockModel] = &[
    BedrockModel {
        model_id: "anthropic.claude-3-5-sonnet-20240620-v1:0",
        endpoint: 0,
        load_share: 0.45,
        latency_factor: 1.4,
        input_tokens: 1_800.0,
        output_tokens: 420.0,
    },
    BedrockModel {
        model_id: "meta.llama3-1-70b-instruct-v1:0",
        endpoint: 1,
        load_share: 0.8,
        latency_factor: 1.1,
        input_tokens: 900.0,
        output_tokens: 260.0,
    },
    BedrockModel {
        model_id: "amazon.titan-embed-text-v2:0",
        endpoint: 3,
        load_share: 0.3,
        latency_factor: 2.0,
        input_tokens: 350.0,
        output_tokens: 0.0,
    },
];

/// Endpoints published under `AWS/SageMaker` (the others run on plain EC2).
pub(crate) fn sagemaker_endpoints(fleet: &Fleet) -> Vec<usize> {
    (0..fleet.endpoints.len())
        .filter(|&i| fleet.endpoints[i].service_name == "Amazon SageMaker")
        .collect()
}

/// The datums of one minute starting at `minute_ms`, by namespace.
pub(crate) fn datums_for_minute(
    fleet: &Fleet,
    minute_ms: i64,
) -> BTreeMap<&'static str, Vec<MetricDatum>> {
    let mut out: BTreeMap<&'static str, Vec<MetricDatum>> = BTreeMap::new();
    let minute = Minute {
        t_s: (minute_ms + MINUTE_MS / 2) as f64 / 1000.0,
        at: aws_smithy_types::DateTime::from_millis(minute_ms),
    };
    for endpoint in sagemaker_endpoints(fleet) {
        endpoint_datums(&mut out, fleet, endpoint, &minute);
    }
    ab_variant_datums(&mut out, fleet, &minute);
    multi_model_datums(&mut out, fleet, minute_ms, minute.at);
    for model in BEDROCK_MODELS {
        bedrock_datums(&mut out, fleet, model, &minute);
    }
    out
}

/// The minute a batch of datums describes: its middle (what the fleet is
/// sampled at) and its start (the datums' timestamp).
struct Minute {
    t_s: f64,
    at: aws_smithy_types::DateTime,
}

/// A count that averages `per_minute` as whole numbers, minute by minute:
/// `per_minute` rounded up in the minutes where a low-discrepancy phase (the
/// golden ratio's multiples) passes its fraction, so the count is right on
/// average and spread evenly: 0.34 a minute is one error in every 3 or 4
/// minutes, never five quiet ones in a row. Rounding each minute alone published
/// no 5xx error at all while fewer than one in two minutes has one (a quiet
/// night on a 0.06 % error share), and a burn rate read from CloudWatch was zero
/// where Prometheus's is not.
fn whole_count_of_minute(per_minute: f64, t_s: f64) -> f64 {
    const GOLDEN_FRACTION: f64 = 0.618_033_988_749_895;
    let minute = (t_s / 60.0).floor();
    let phase = (minute * GOLDEN_FRACTION).fract();
    (per_minute + phase).floor()
}

/// One SageMaker endpoint's minute: latencies, invocations and errors, and the
/// instances' GPU figures for a GPU endpoint.
fn endpoint_datums(
    out: &mut BTreeMap<&'static str, Vec<MetricDatum>>,
    fleet: &Fleet,
    endpoint: usize,
    minute: &Minute,
) {
    let at = minute.at;
    let e = &fleet.endpoints[endpoint];
    let state = fleet.state(endpoint, minute.t_s);
    let dims = [
        ("EndpointName", e.endpoint_name),
        ("VariantName", VARIANT_NAME),
    ];
    let invocations = (state.load_rps * 60.0).round();
    let errors_5xx = whole_count_of_minute(invocations * state.error_5xx_share, minute.t_s);
    let errors_4xx = (invocations * 0.004).round();
    let model_latency_us = state.median_latency_s * 0.93 * 1e6;
    let overhead_us = 12_000.0 * (1.0 + state.utilisation);
    let sagemaker = out.entry("AWS/SageMaker").or_default();
    sagemaker.push(distribution(
        "ModelLatency",
        &dims,
        at,
        model_latency_us,
        state.latency_sigma,
        invocations,
        StandardUnit::Microseconds,
    ));
    sagemaker.push(distribution(
        "OverheadLatency",
        &dims,
        at,
        overhead_us,
        0.4,
        invocations,
        StandardUnit::Microseconds,
    ));
    // What target tracking follows: a minute's invocations per instance.
    let per_instance = (invocations / state.instances.max(1) as f64).round();
    for (name, value) in [
        ("Invocations", invocations),
        ("InvocationsPerInstance", per_instance),
        ("Invocation4XXErrors", errors_4xx),
        ("Invocation5XXErrors", errors_5xx),
    ] {
        sagemaker.push(single(name, &dims, at, value, StandardUnit::Count));
    }
    if !matches!(e.accelerator, Accelerator::Gpu { .. }) {
        return;
    }
    // Summed over the instance's GPUs, as SageMaker reports it (8 GPUs: 0–800 %).
    let devices = e.devices_per_instance as f64;
    // The mean over the instances in service (a down one reads 0).
    let busy: f64 = (0..state.instances)
        .filter_map(|i| state.device_busy(i))
        .sum::<f64>()
        / state.instances.max(1) as f64;
    let gpu = (100.0 * busy).clamp(0.0, 100.0);
    let memory = 100.0 * (0.89 + 0.02 * state.utilisation).min(1.0);
    let instance = out.entry("/aws/sagemaker/Endpoints").or_default();
    instance.push(single(
        "GPUUtilization",
        &dims,
        at,
        gpu * devices,
        StandardUnit::Percent,
    ));
    instance.push(single(
        "GPUMemoryUtilization",
        &dims,
        at,
        memory * devices,
        StandardUnit::Percent,
    ));
}

/// The A/B endpoint's minute: SageMaker's metrics per production variant.
fn ab_variant_datums(
    out: &mut BTreeMap<&'static str, Vec<MetricDatum>>,
    fleet: &Fleet,
    minute: &Minute,
) {
    let at = minute.at;
    for (index, variant) in crate::source::demo::ab_test::VARIANTS.iter().enumerate() {
        let state = fleet.ab_variant(index, minute.t_s);
        let dims = [
            ("EndpointName", crate::source::demo::ab_test::AB_ENDPOINT),
            ("VariantName", variant.name),
        ];
        let invocations = (state.load_rps * 60.0).round();
        let sagemaker = out.entry("AWS/SageMaker").or_default();
        sagemaker.push(distribution(
            "ModelLatency",
            &dims,
            at,
            state.median_latency_s * 0.93 * 1e6,
            state.latency_sigma,
            invocations,
            StandardUnit::Microseconds,
        ));
        for (name, value) in [
            ("Invocations", invocations),
            (
                "InvocationsPerInstance",
                (invocations / variant.instances as f64).round(),
            ),
            ("Invocation4XXErrors", (invocations * 0.004).round()),
            (
                "Invocation5XXErrors",
                (invocations * variant.error_share).round(),
            ),
        ] {
            sagemaker.push(single(name, &dims, at, value, StandardUnit::Count));
        }
    }
}

/// The multi-model endpoint's own metrics for the minute.
fn multi_model_datums(
    out: &mut BTreeMap<&'static str, Vec<MetricDatum>>,
    fleet: &Fleet,
    minute_ms: i64,
    at: aws_smithy_types::DateTime,
) {
    let dims = [
        (
            "EndpointName",
            crate::source::demo::multi_model::MME_ENDPOINT,
        ),
        ("VariantName", VARIANT_NAME),
    ];
    for (name, unit) in [
        ("ModelCacheHit", StandardUnit::None),
        ("LoadedModelCount", StandardUnit::Count),
        ("ModelLoadingWaitTime", StandardUnit::Microseconds),
        ("ModelDownloadingTime", StandardUnit::Microseconds),
    ] {
        let reading = crate::source::demo::catalog::Reading::Value;
        if let Some(value) = crate::source::demo::multi_model::sample(
            fleet,
            name,
            minute_ms + MINUTE_MS / 2,
            reading,
        ) {
            out.entry("AWS/SageMaker")
                .or_default()
                .push(single(name, &dims, at, value, unit));
        }
    }
}

/// One Bedrock model's minute: latency, invocations, throttles, errors, tokens.
fn bedrock_datums(
    out: &mut BTreeMap<&'static str, Vec<MetricDatum>>,
    fleet: &Fleet,
    model: &BedrockModel,
    minute: &Minute,
) {
    let at = minute.at;
    let state = fleet.state(model.endpoint, minute.t_s);
    let dims = [("ModelId", model.model_id)];
    let invocations = (state.load_rps * model.load_share * 60.0).round();
    let throttles = (invocations * 0.03 * state.incident).round();
    let bedrock = out.entry("AWS/Bedrock").or_default();
    bedrock.push(distribution(
        "InvocationLatency",
        &dims,
        at,
        state.median_latency_s * model.latency_factor * 1_000.0,
        state.latency_sigma,
        invocations,
        StandardUnit::Milliseconds,
    ));
    for (name, value) in [
        ("Invocations", invocations),
        ("InvocationThrottles", throttles),
        ("InvocationClientErrors", (invocations * 0.002).round()),
        (
            "InvocationServerErrors",
            (invocations * 0.01 * state.incident).round(),
        ),
        (
            "InputTokenCount",
            (invocations * model.input_tokens).round(),
        ),
        (
            "OutputTokenCount",
            (invocations * model.output_tokens).round(),
        ),
    ] {
        bedrock.push(single(name, &dims, at, value, StandardUnit::Count));
    }
}

fn dimensions(pairs: &[(&str, &str)]) -> Vec<Dimension> {
    pairs
        .iter()
        .map(|(k, v)| Dimension::builder().name(*k).value(*v).build())
        .collect()
}

fn single(
    name: &str,
    dims: &[(&str, &str)],
    at: aws_smithy_types::DateTime,
    value: f64,
    unit: StandardUnit,
) -> MetricDatum {
    MetricDatum::builder()
        .metric_name(name)
        .set_dimensions(Some(dimensions(dims)))
        .timestamp(at)
        .value(value)
        .unit(unit)
        .build()
}

/// A minute of log-normal latencies as values with counts: the i-th value is the
/// `(i + 0.5) / n` quantile, each weighted by an equal share of the invocations.
fn distribution(
    name: &str,
    dims: &[(&str, &str)],
    at: aws_smithy_types::DateTime,
    median: f64,
    sigma: f64,
    invocations: f64,
    unit: StandardUnit,
) -> MetricDatum {
    let weight = (invocations / LATENCY_VALUES as f64).max(1.0);
    let mut datum = MetricDatum::builder()
        .metric_name(name)
        .set_dimensions(Some(dimensions(dims)))
        .timestamp(at)
        .unit(unit);
    for i in 0..LATENCY_VALUES {
        let q = (i as f64 + 0.5) / LATENCY_VALUES as f64;
        datum = datum
            .values((median * (normal_quantile(q) * sigma).exp()).round())
            .counts(weight);
    }
    datum.build()
}

/// Publishes every whole minute in `[from_ms, to_ms)`; returns the datums sent.
pub async fn publish(
    client: &aws_sdk_cloudwatch::Client,
    fleet: &Fleet,
    from_ms: i64,
    to_ms: i64,
) -> Result<usize> {
    let mut by_namespace: BTreeMap<&'static str, Vec<MetricDatum>> = BTreeMap::new();
    let mut minute = from_ms.div_euclid(MINUTE_MS) * MINUTE_MS;
    while minute < to_ms {
        for (namespace, datums) in datums_for_minute(fleet, minute) {
            by_namespace.entry(namespace).or_default().extend(datums);
        }
        minute += MINUTE_MS;
    }
    let mut sent = 0;
    for (namespace, datums) in by_namespace {
        for chunk in datums.chunks(DATUMS_PER_CALL) {
            client
                .put_metric_data()
                .namespace(namespace)
                .set_metric_data(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(|e| {
                    anyhow::anyhow!("{}", aws_sdk_cloudwatch::error::DisplayErrorContext(&e))
                })
                .with_context(|| format!("PutMetricData {namespace}"))?;
            sent += chunk.len();
        }
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::whole_count_of_minute;

    #[test]
    fn a_rare_error_is_published_as_often_as_it_happens() {
        // About a third of an error a minute, drifting as traffic does: every
        // minute alone would round to none.
        let start = 1_780_000_000.0;
        let rate = |m: usize| 0.34 + 0.06 * (m as f64 / 50.0).sin();
        let counts: Vec<f64> = (0..600)
            .map(|m| whole_count_of_minute(rate(m), start + 60.0 * m as f64))
            .collect();
        assert!(counts.iter().all(|&c| c == 0.0 || c == 1.0));
        let total: f64 = counts.iter().sum();
        let expected: f64 = (0..600).map(rate).sum();
        assert!((total - expected).abs() <= 3.0, "{total} vs {expected}");
        assert!(
            counts
                .windows(5)
                .all(|five| five.iter().sum::<f64>() >= 1.0)
        );
        // Whole errors are kept whole.
        assert_eq!(whole_count_of_minute(3.0, start), 3.0);
    }
}
