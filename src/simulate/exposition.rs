//! The Prometheus text exposition of the simulated fleet.
//!
//! Gauges are read off the fleet state at scrape time; counters and classic
//! histograms accumulate between scrapes (requests × elapsed time), so `rate()` and
//! `histogram_quantile()` on a real Prometheus give back the simulated load and the
//! latency distribution's quantiles.

use crate::source::demo::catalog::{self, Reading};
use crate::source::demo::fleet::{Accelerator, Fleet, normal_cdf};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::fmt::Write;

/// vLLM's own bucket bounds for end-to-end latency, seconds (the demo source
/// counts the same buckets).
pub use crate::source::demo::E2E_BUCKETS;
/// vLLM's bucket bounds for time to first token, seconds.
const TTFT_BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
    20.0, 40.0, 80.0, 160.0, 640.0, 2560.0,
];
/// vLLM's bucket bounds for token counts (its 1-2-5 series up to the model's
/// length): prompt and generation lengths, requested maximums.
const TOKEN_BUCKETS: &[f64] = &[
    1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1_000.0, 2_000.0, 5_000.0, 10_000.0,
    20_000.0,
];
/// How many prompt tokens a request brings (chat with its context); the prompt
/// counter adds the same.
const PROMPT_TOKENS: f64 = 850.0;
/// Bucket bounds for vLLM's request phases, seconds: wide enough for a 10 ms
/// inter-token gap and a five-minute request alike.
const PHASE_BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
    1_000.0, 4_000.0, 16_000.0,
];
/// Longest gap between scrapes that is integrated; a longer pause (a stopped
/// scraper) does not produce a burst.
const MAX_STEP_S: f64 = 60.0;

/// A histogram family being rendered: name, help, and (model, histogram) per series.
type HistogramFamily = (&'static str, &'static str, Vec<(&'static str, Histogram)>);
/// A gauge computed from a GPU's utilisation: name, help, and how.
type DerivedGauge = (&'static str, &'static str, fn(f64) -> f64);
/// A counter family being rendered: name, help, and (model, value) per series.
type CounterFamily = (&'static str, &'static str, Vec<(String, f64)>);

#[derive(Default, Clone)]
struct Histogram {
    buckets: Vec<f64>,
    sum: f64,
    count: f64,
}

/// The exporter's state: the fleet and what its counters have accumulated.
pub(crate) struct Exporter {
    fleet: Fleet,
    last_scrape: DateTime<Utc>,
    counters: HashMap<String, f64>,
    histograms: HashMap<String, Histogram>,
}

struct Out {
    text: String,
}

impl Out {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.text, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.text.push_str(name);
        if !labels.is_empty() {
            self.text.push('{');
            for (index, (key, val)) in labels.iter().enumerate() {
                if index > 0 {
                    self.text.push(',');
                }
                let escaped = val
                    .replace('\\', "\\\\")
                    .replace('"', "\\\"")
                    .replace('\n', "\\n");
                let _ = write!(self.text, "{key}=\"{escaped}\"");
            }
            self.text.push('}');
        }
        let _ = writeln!(self.text, " {}", format_value(value));
    }
}

fn format_value(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value.is_infinite() {
        if value > 0.0 {
            "+Inf".to_owned()
        } else {
            "-Inf".to_owned()
        }
    } else {
        format!("{value}")
    }
}

impl Exporter {
    /// An exporter of `fleet` (the fleet at scale with `Fleet::with_nodes`)
    /// whose counters start at zero at `start`.
    pub(crate) fn of(fleet: Fleet, start: DateTime<Utc>) -> Exporter {
        Exporter {
            fleet,
            last_scrape: start,
            counters: HashMap::new(),
            histograms: HashMap::new(),
        }
    }

    fn add(&mut self, key: String, amount: f64) -> f64 {
        let counter = self.counters.entry(key).or_insert(0.0);
        *counter += amount.max(0.0);
        *counter
    }

    fn observe(
        &mut self,
        key: String,
        bounds: &[f64],
        requests: f64,
        median: f64,
        sigma: f64,
    ) -> Histogram {
        let histogram = self.histograms.entry(key).or_insert_with(|| Histogram {
            buckets: vec![0.0; bounds.len()],
            ..Histogram::default()
        });
        for (bucket, &bound) in histogram.buckets.iter_mut().zip(bounds) {
            *bucket += requests * normal_cdf((bound.ln() - median.ln()) / sigma);
        }
        histogram.count += requests;
        histogram.sum += requests * median * (sigma * sigma / 2.0).exp();
        histogram.clone()
    }

    /// Advances the counters to `now` and renders every metric.
    pub(crate) fn scrape(&mut self, now: DateTime<Utc>) -> String {
        let dt =
            ((now - self.last_scrape).num_milliseconds() as f64 / 1000.0).clamp(0.0, MAX_STEP_S);
        self.last_scrape = now;
        let t_ms = now.timestamp_millis();
        let t_s = t_ms as f64 / 1000.0;
        let mut out = Out {
            text: String::with_capacity(64 * 1024),
        };
        self.vllm(&mut out, t_ms, t_s, dt);
        self.gauges_from_catalog(&mut out, t_ms);
        self.dcgm_derived(&mut out, t_ms);
        self.neuron(&mut out, t_s, dt);
        self.triton(&mut out, t_s, dt);
        out.text
    }

    fn vllm(&mut self, out: &mut Out, t_ms: i64, t_s: f64, dt: f64) {
        let fleet = self.fleet.clone();
        vllm_gauges(out, &fleet, t_ms);
        let mut counters: Vec<CounterFamily> = vec![
            (
                "vllm:generation_tokens_total",
                "Number of generation tokens processed.",
                Vec::new(),
            ),
            (
                "vllm:prompt_tokens_total",
                "Number of prefill tokens processed.",
                Vec::new(),
            ),
            (
                "vllm:request_success_total",
                "Count of successfully processed requests.",
                Vec::new(),
            ),
        ];
        let mut e2e = Vec::new();
        let mut ttft = Vec::new();
        // vLLM's request phases, so its own Grafana dashboard has something in
        // every panel: queueing grows with an incident, prefill is most of the
        // first token, decode the rest of the request, spread over its tokens.
        let mut phases: Vec<HistogramFamily> = vec![
            (
                "vllm:inter_token_latency_seconds",
                "Histogram of inter-token latency in seconds.",
                Vec::new(),
            ),
            (
                "vllm:request_queue_time_seconds",
                "Histogram of time spent in WAITING phase for request.",
                Vec::new(),
            ),
            (
                "vllm:request_prefill_time_seconds",
                "Histogram of time spent in PREFILL phase for request.",
                Vec::new(),
            ),
            (
                "vllm:request_decode_time_seconds",
                "Histogram of time spent in DECODE phase for request.",
                Vec::new(),
            ),
            (
                "vllm:request_max_num_generation_tokens",
                "Histogram of maximum number of requested generation tokens.",
                Vec::new(),
            ),
            (
                "vllm:request_prompt_tokens",
                "Number of prefill tokens processed.",
                Vec::new(),
            ),
            (
                "vllm:request_generation_tokens",
                "Number of generation tokens processed.",
                Vec::new(),
            ),
        ];
        for (index, endpoint) in fleet.endpoints.iter().enumerate() {
            let state = fleet.state(index, t_s);
            let requests = state.load_rps * dt;
            let model = endpoint.model_name;
            let tokens = self.add(format!("gen|{model}"), requests * endpoint.output_tokens);
            counters[0].2.push((model.to_owned(), tokens));
            let prompt = self.add(format!("prompt|{model}"), requests * PROMPT_TOKENS);
            counters[1].2.push((model.to_owned(), prompt));
            let ok = self.add(
                format!("ok|{model}"),
                requests * (1.0 - state.error_5xx_share),
            );
            counters[2].2.push((model.to_owned(), ok));
            let (end_to_end, first_token) = self.latencies(model, requests, &state);
            e2e.push((model, end_to_end));
            ttft.push((model, first_token));
            self.phases(&mut phases, endpoint, requests, &state);
        }
        write_counters(out, counters);
        let latencies = [
            (
                "vllm:e2e_request_latency_seconds",
                "Histogram of end to end request latency in seconds.",
                E2E_BUCKETS,
                e2e,
            ),
            (
                "vllm:time_to_first_token_seconds",
                "Histogram of time to first token in seconds.",
                TTFT_BUCKETS,
                ttft,
            ),
        ];
        let phases = phases.into_iter().map(|(name, help, h)| {
            let bounds = if name.ends_with("_tokens") {
                TOKEN_BUCKETS
            } else {
                PHASE_BUCKETS
            };
            (name, help, bounds, h)
        });
        for (name, help, bounds, histograms) in latencies.into_iter().chain(phases) {
            write_histogram(out, name, help, bounds, &histograms);
        }
    }

    /// One model's end-to-end and first-token latency histograms after
    /// `requests` more requests.
    fn latencies(
        &mut self,
        model: &str,
        requests: f64,
        state: &crate::source::demo::fleet::EndpointState,
    ) -> (Histogram, Histogram) {
        let end_to_end = self.observe(
            format!("e2e|{model}"),
            E2E_BUCKETS,
            requests,
            state.median_latency_s,
            state.latency_sigma,
        );
        let first_token = self.observe(
            format!("ttft|{model}"),
            TTFT_BUCKETS,
            requests,
            first_token_s(state),
            state.latency_sigma + 0.2,
        );
        (end_to_end, first_token)
    }

    /// One endpoint's request phases (inter-token, queue, prefill, decode, and
    /// the tokens asked for) after `requests` more requests.
    fn phases(
        &mut self,
        phases: &mut [HistogramFamily],
        endpoint: &crate::source::demo::fleet::Endpoint,
        requests: f64,
        state: &crate::source::demo::fleet::EndpointState,
    ) {
        let first_token = first_token_s(state);
        let decode = (state.median_latency_s - first_token).max(0.001);
        let medians = [
            decode / endpoint.output_tokens.max(1.0),
            first_token * 0.3 * (1.0 + 8.0 * state.incident),
            first_token * 0.7,
            decode,
            endpoint.output_tokens * 1.2,
            PROMPT_TOKENS,
            endpoint.output_tokens.max(1.0),
        ];
        let model = endpoint.model_name;
        for ((name, _, histograms), median) in phases.iter_mut().zip(medians) {
            let bounds = if name.ends_with("_tokens") {
                TOKEN_BUCKETS
            } else {
                PHASE_BUCKETS
            };
            let h = self.observe(
                format!("{name}|{model}"),
                bounds,
                requests,
                median,
                state.latency_sigma,
            );
            histograms.push((model, h));
        }
    }

    /// DCGM fields that follow a GPU's utilisation: temperature, SM clock and
    /// tensor-core activity, with the utilisation series' labels.
    fn dcgm_derived(&self, out: &mut Out, t_ms: i64) {
        let Some(def) = catalog::metric("DCGM_FI_DEV_GPU_UTIL") else {
            return;
        };
        let series = catalog::series_of(&self.fleet, def);
        let readings: [DerivedGauge; 3] = [
            ("DCGM_FI_DEV_GPU_TEMP", "GPU temperature (in C).", |u| {
                34.0 + 0.45 * u
            }),
            (
                "DCGM_FI_DEV_SM_CLOCK",
                "SM clock frequency (in MHz).",
                |u| 1410.0 + 5.7 * u,
            ),
            (
                "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE",
                "Ratio of cycles the tensor (HMMA) pipe is active.",
                |u| 0.0075 * u,
            ),
        ];
        for (name, help, from_utilisation) in readings {
            out.family(name, "gauge", help);
            for one in &series {
                let Some(util) = catalog::sample(&self.fleet, one, t_ms, Reading::Value) else {
                    continue;
                };
                let labels: Vec<(&str, &str)> = one
                    .labels
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                out.sample(name, &labels, from_utilisation(util));
            }
        }
    }

    fn gauges_from_catalog(&self, out: &mut Out, t_ms: i64) {
        for (name, help) in [
            ("DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %)."),
            ("DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB)."),
            ("DCGM_FI_DEV_POWER_USAGE", "Power draw (in W)."),
            (
                "neuroncore_utilization_ratio",
                "NeuronCore utilization ratio.",
            ),
        ] {
            out.family(name, "gauge", help);
            // Every name here is in the catalogue; a test checks each family has samples.
            let Some(def) = catalog::metric(name) else {
                continue;
            };
            for series in catalog::series_of(&self.fleet, def) {
                // An instance not in service (scaled in, or down) is not scraped.
                let Some(value) = catalog::sample(&self.fleet, &series, t_ms, Reading::Value)
                else {
                    continue;
                };
                let labels: Vec<(&str, &str)> = series
                    .labels
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                out.sample(name, &labels, value);
            }
        }
        self.instance_info(out, t_ms);
    }

    /// neuron-monitor's `instance_info`: one series of value 1 per instance in
    /// service, its labels the instance's (what Grafana's Neuron dashboard tables).
    fn instance_info(&self, out: &mut Out, t_ms: i64) {
        let Some(def) = catalog::metric("neuroncore_utilization_ratio") else {
            return;
        };
        let mut instances = std::collections::BTreeSet::new();
        for series in catalog::series_of(&self.fleet, def) {
            if catalog::sample(&self.fleet, &series, t_ms, Reading::Value).is_none() {
                continue;
            }
            let labels: Vec<(String, String)> = series
                .labels
                .iter()
                .filter(|(k, _)| k.as_str() != "neuroncore")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            instances.insert(labels);
        }
        out.family("instance_info", "gauge", "EC2 instance information.");
        for labels in instances {
            let labels: Vec<(&str, &str)> = labels
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            out.sample("instance_info", &labels, 1.0);
        }
    }

    fn neuron(&mut self, out: &mut Out, t_s: f64, dt: f64) {
        let fleet = self.fleet.clone();
        let neuron: Vec<(usize, &crate::source::demo::fleet::Endpoint)> = fleet
            .endpoints
            .iter()
            .enumerate()
            .filter(|(_, e)| e.accelerator == Accelerator::Neuron)
            .collect();
        out.family(
            "execution_latency_seconds",
            "gauge",
            "Execution latency by percentile.",
        );
        for (index, endpoint) in &neuron {
            let state = fleet.state(*index, t_s);
            for (percentile, q) in [("p50", 0.5), ("p90", 0.9), ("p99", 0.99)] {
                let value = state.median_latency_s
                    * 0.6
                    * (crate::source::demo::fleet::normal_quantile(q) * state.latency_sigma).exp();
                out.sample(
                    "execution_latency_seconds",
                    &[
                        ("instance_type", endpoint.instance_type),
                        ("percentile", percentile),
                        ("runtime_tag", endpoint.endpoint_name),
                    ],
                    value,
                );
            }
        }
        out.family("execution_errors_total", "counter", "Execution errors.");
        for (index, endpoint) in &neuron {
            let state = fleet.state(*index, t_s);
            let errors = self.add(
                format!("nerr|{}", endpoint.endpoint_name),
                state.load_rps * dt * 0.02 * state.incident,
            );
            out.sample(
                "execution_errors_total",
                &[
                    ("instance_type", endpoint.instance_type),
                    ("runtime_tag", endpoint.endpoint_name),
                ],
                errors,
            );
        }
    }

    fn triton(&mut self, out: &mut Out, t_s: f64, dt: f64) {
        // The Mistral pool runs behind Triton as `mistral-7b`, version 1.
        let Some(index) = self
            .fleet
            .endpoints
            .iter()
            .position(|e| e.instance_type == "g6.xlarge")
        else {
            return;
        };
        let state = self.fleet.state(index, t_s);
        let requests = state.load_rps * dt;
        let mean_latency_us =
            state.median_latency_s * (state.latency_sigma.powi(2) / 2.0).exp() * 1e6;
        let queue_share = 0.05 + 0.5 * state.incident;
        let labels = [("model", "mistral-7b"), ("version", "1")];
        let counters = [
            (
                "nv_inference_request_success",
                "Number of successful inference requests, all batch sizes",
                requests * (1.0 - 0.01 * state.incident),
            ),
            (
                "nv_inference_request_failure",
                "Number of failed inference requests, all batch sizes",
                requests * 0.01 * state.incident,
            ),
            (
                "nv_inference_count",
                "Number of inferences performed",
                requests,
            ),
            (
                "nv_inference_exec_count",
                "Number of model executions performed",
                requests / (2.0 + 6.0 * state.utilisation),
            ),
            (
                "nv_inference_request_duration_us",
                "Cumulative inference request duration in microseconds",
                requests * mean_latency_us,
            ),
            (
                "nv_inference_queue_duration_us",
                "Cumulative inference queuing duration in microseconds",
                requests * mean_latency_us * queue_share,
            ),
            (
                "nv_inference_compute_infer_duration_us",
                "Cumulative compute inference duration in microseconds",
                requests * mean_latency_us * (1.0 - queue_share),
            ),
        ];
        for (name, help, amount) in counters {
            let value = self.add(format!("triton|{name}"), amount);
            out.family(name, "counter", help);
            out.sample(name, &labels, value);
        }
        let endpoint = &self.fleet.endpoints[index];
        out.family(
            "nv_gpu_utilization",
            "gauge",
            "GPU utilization rate [0.0 - 1.0)",
        );
        out.family(
            "nv_gpu_memory_used_bytes",
            "gauge",
            "GPU used memory, in bytes",
        );
        for instance in 0..endpoint.instances {
            let uuid = format!(
                "GPU-{:08x}-{instance}",
                crate::source::demo::noise::key(endpoint.endpoint_name) as u32
            );
            // An instance not in service (scaled in, or down) reports nothing.
            let Some(busy) = state.device_busy(instance) else {
                continue;
            };
            out.sample("nv_gpu_utilization", &[("gpu_uuid", &uuid)], busy);
            out.sample(
                "nv_gpu_memory_used_bytes",
                &[("gpu_uuid", &uuid)],
                (15.0 + 6.0 * state.utilisation) * 1024.0 * 1024.0 * 1024.0,
            );
        }
    }
}

/// vLLM's gauges per model: running, waiting, KV-cache usage.
fn vllm_gauges(out: &mut Out, fleet: &Fleet, t_ms: i64) {
    for (name, help) in [
        (
            "vllm:num_requests_running",
            "Number of requests currently running on GPU.",
        ),
        (
            "vllm:num_requests_waiting",
            "Number of requests waiting to be processed.",
        ),
        (
            "vllm:kv_cache_usage_perc",
            "KV-cache usage. 1 means 100 percent usage.",
        ),
    ] {
        out.family(name, "gauge", help);
        // Every name here is in the catalogue; a test checks each family has samples.
        let Some(def) = catalog::metric(name) else {
            continue;
        };
        for series in catalog::series_of(fleet, def) {
            let value = catalog::sample(fleet, &series, t_ms, Reading::Value).unwrap_or(f64::NAN);
            out.sample(name, &[("model_name", &series.labels["model_name"])], value);
        }
    }
}

/// The first token's median latency: most of the prefill, longer in an incident.
fn first_token_s(state: &crate::source::demo::fleet::EndpointState) -> f64 {
    state.median_latency_s * 0.08 * (1.0 + 6.0 * state.incident)
}

/// vLLM's counters per model (success counted by finish reason).
fn write_counters(out: &mut Out, counters: Vec<CounterFamily>) {
    for (name, help, values) in counters {
        out.family(name, "counter", help);
        for (model, value) in values {
            if name == "vllm:request_success_total" {
                out.sample(
                    name,
                    &[("finished_reason", "stop"), ("model_name", &model)],
                    value,
                );
            } else {
                out.sample(name, &[("model_name", &model)], value);
            }
        }
    }
}

/// One histogram family per model: cumulative buckets, `+Inf`, sum and count.
fn write_histogram(
    out: &mut Out,
    name: &str,
    help: &str,
    bounds: &[f64],
    histograms: &[(&str, Histogram)],
) {
    out.family(name, "histogram", help);
    for (model, h) in histograms {
        let bucket = format!("{name}_bucket");
        for (bound, count) in bounds.iter().zip(&h.buckets) {
            out.sample(
                &bucket,
                &[("le", &format_value(*bound)), ("model_name", model)],
                count.round(),
            );
        }
        out.sample(
            &bucket,
            &[("le", "+Inf"), ("model_name", model)],
            h.count.round(),
        );
        out.sample(&format!("{name}_sum"), &[("model_name", model)], h.sum);
        out.sample(
            &format!("{name}_count"),
            &[("model_name", model)],
            h.count.round(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn counters_grow_with_the_simulated_load() {
        let mut exporter = Exporter::of(Fleet::new(42), at("2026-11-25T12:00:00Z"));
        let first = exporter.scrape(at("2026-11-25T12:00:10Z"));
        let second = exporter.scrape(at("2026-11-25T12:00:20Z"));
        let read = |text: &str| -> f64 {
            text.lines()
                .find(|l| l.starts_with("nv_inference_count{"))
                .and_then(|l| l.rsplit(' ').next())
                .unwrap()
                .parse()
                .unwrap()
        };
        let (a, b) = (read(&first), read(&second));
        assert!(a > 0.0 && b > a * 1.5, "{a} then {b}");
    }

    #[test]
    fn every_family_announced_has_samples() {
        let mut exporter = Exporter::of(Fleet::new(42), at("2026-11-25T12:00:00Z"));
        let text = exporter.scrape(at("2026-11-25T12:00:15Z"));
        for line in text.lines().filter(|l| l.starts_with("# TYPE ")) {
            let name = line.split_whitespace().nth(2).unwrap();
            assert!(
                text.lines()
                    .any(|l| !l.starts_with('#') && l.starts_with(name)),
                "{name} has no samples"
            );
        }
    }

    #[test]
    fn the_exposition_has_help_type_and_histogram_series() {
        let mut exporter = Exporter::of(Fleet::new(42), at("2026-11-25T12:00:00Z"));
        let text = exporter.scrape(at("2026-11-25T12:00:15Z"));
        assert!(text.contains("# TYPE vllm:e2e_request_latency_seconds histogram"));
        assert!(text.contains("vllm:e2e_request_latency_seconds_bucket{le=\"+Inf\",model_name=\"meta-llama/Llama-3.1-70B-Instruct\"}"));
        assert!(text.contains("# TYPE DCGM_FI_DEV_GPU_UTIL gauge"));
        assert!(text.contains("neuroncore_utilization_ratio{"));
        // No series is served twice (Prometheus drops duplicate samples).
        let mut series: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.rsplit_once(' ').map(|(name, _)| name))
            .collect();
        let served = series.len();
        series.sort_unstable();
        series.dedup();
        assert_eq!(series.len(), served, "a series is served twice");
        // Buckets are cumulative: never decreasing along `le`.
        let buckets: Vec<f64> = text
            .lines()
            .filter(|l| {
                l.starts_with("vllm:e2e_request_latency_seconds_bucket")
                    && l.contains("Llama-3.1-70B")
            })
            .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(buckets.len(), E2E_BUCKETS.len() + 1);
        assert!(buckets.windows(2).all(|w| w[0] <= w[1]), "{buckets:?}");
    }
}
