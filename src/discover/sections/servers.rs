//! Model servers' sections: vLLM, SGLang, TGI and Triton — requests, latency
//! (p99 lines and the distribution as a heatmap), queues, cache and tokens.

use crate::discover::draft::{Found, PanelDraft, Section, Slot};

/// Rate over the panel's interval, as every generated query writes it.
const RATE: &str = "[$__rate_interval]";

/// vLLM and SGLang publish the same shape under different names; this says which.
struct LlmServer {
    /// Heading and title prefix.
    name: &'static str,
    /// The variable offering its models.
    variable: &'static str,
    running: &'static str,
    waiting: &'static str,
    /// KV cache use, 0–1, newest spelling first.
    cache: &'static [&'static str],
    generated: &'static str,
    /// A counter of finished requests.
    finished: &'static str,
}

const VLLM: LlmServer = LlmServer {
    name: "vLLM",
    variable: "model",
    running: "num_requests_running",
    waiting: "num_requests_waiting",
    cache: &["kv_cache_usage_perc", "gpu_cache_usage_perc"],
    generated: "generation_tokens_total",
    finished: "request_success_total",
};

const SGLANG: LlmServer = LlmServer {
    name: "SGLang",
    variable: "sglang_model",
    running: "num_running_reqs",
    waiting: "num_queue_reqs",
    cache: &["token_usage"],
    generated: "generation_tokens_total",
    finished: "e2e_request_latency_seconds_count",
};

/// vLLM's section.
pub fn vllm(found: &Found) -> Section {
    llm_server(found, &VLLM)
}

/// SGLang's section.
pub fn sglang(found: &Found) -> Section {
    llm_server(found, &SGLANG)
}

fn llm_server(found: &Found, server: &LlmServer) -> Section {
    let name = server.name;
    let mut section = Section {
        title: name.to_owned(),
        ..Section::default()
    };
    let models = found.values("model_name");
    section.about = crate::discover::draft::listing("models", models);
    let (by, filter, legend) = if models.is_some() {
        (
            "model_name",
            format!("model_name=~\"${}\"", server.variable),
            "{{model_name}}",
        )
    } else {
        ("instance", String::new(), "{{instance}}")
    };
    if models.is_some()
        && let Some(selector) = found.selector(server.running, "")
    {
        section.label_variable(
            server.variable,
            &format!("{name} model"),
            &selector,
            "model_name",
        );
    }
    if let Some(finished) = found.selector(server.finished, "") {
        section.overview.push((
            Slot::Requests,
            PanelDraft::new(format!("{name} requests/s"), "stat")
                .unit("req/s")
                .prom(&format!("sum(rate({finished}{RATE}))"), "all models"),
        ));
    }
    if let Some(buckets) = found.selector("e2e_request_latency_seconds_bucket", &filter) {
        let all = found
            .selector("e2e_request_latency_seconds_bucket", "")
            .unwrap_or_default();
        section.overview.push((
            Slot::Latency,
            PanelDraft::new(format!("{name} p99 latency"), "stat")
                .unit("s")
                .prom(
                    &format!("histogram_quantile(0.99, sum by (le) (rate({all}{RATE})))"),
                    "all models",
                ),
        ));
        let p99 = format!("{name} p99 end-to-end latency by model");
        section.panels.push(PanelDraft::lines(&p99).unit("s").prom(
            &format!("histogram_quantile(0.99, sum by (le, {by}) (rate({buckets}{RATE})))"),
            legend,
        ));
        section.rule(
            &format!("{name} p99 latency high"),
            &p99,
            20.0,
            "5m",
            "warning",
        );
        section.panels.push(
            PanelDraft::new(format!("{name} end-to-end latency distribution"), "heatmap")
                .unit("s")
                .prom(&format!("sum by (le) (rate({buckets}{RATE}))"), ""),
        );
    }
    if let Some(buckets) = found.selector("time_to_first_token_seconds_bucket", &filter) {
        section.panels.push(
            PanelDraft::lines(format!("{name} p90 time to first token by model"))
                .unit("s")
                .prom(
                    &format!("histogram_quantile(0.9, sum by (le, {by}) (rate({buckets}{RATE})))"),
                    legend,
                ),
        );
    }
    if let Some(running) = found.selector(server.running, &filter) {
        section.panels.push(
            PanelDraft::lines(format!("{name} requests running by model"))
                .prom(&format!("sum by ({by}) ({running})"), legend),
        );
    }
    if let Some(waiting) = found.selector(server.waiting, &filter) {
        let title = format!("{name} requests waiting by model");
        section
            .panels
            .push(PanelDraft::lines(&title).prom(&format!("sum by ({by}) ({waiting})"), legend));
        section.rule(
            &format!("{name} queue backing up"),
            &title,
            50.0,
            "5m",
            "warning",
        );
    }
    if let Some(cache) = server
        .cache
        .iter()
        .find_map(|bare| found.selector(bare, &filter))
    {
        section.panels.push(
            PanelDraft::lines(format!("{name} KV cache usage by model"))
                .unit("ratio")
                .key("min", "0.0".to_owned())
                .key("max", "1.0".to_owned())
                .prom(&format!("max by ({by}) ({cache})"), legend),
        );
    }
    if let Some(generated) = found.selector(server.generated, &filter) {
        section.panels.push(
            PanelDraft::lines(format!("{name} generated tokens/s by model"))
                .unit("tokens/s")
                .prom(&format!("sum by ({by}) (rate({generated}{RATE}))"), legend),
        );
    }
    section
}

/// Hugging Face TGI: one server per instance, no model label.
pub fn tgi(found: &Found) -> Section {
    let mut section = Section {
        title: "Text Generation Inference".to_owned(),
        about: crate::discover::draft::listing("instances", found.values("instance")),
        ..Section::default()
    };
    if let Some(success) = found.selector("tgi_request_success", "") {
        section.overview.push((
            Slot::Requests,
            PanelDraft::new("TGI requests/s", "stat")
                .unit("req/s")
                .prom(&format!("sum(rate({success}{RATE}))"), "all instances"),
        ));
    }
    if let Some(failure) = found.selector("tgi_request_failure", "") {
        section.overview.push((
            Slot::Errors,
            PanelDraft::new("TGI failed requests/s", "stat")
                .unit("req/s")
                .prom(
                    &format!("sum(rate({failure}{RATE})) or vector(0)"),
                    "all instances",
                ),
        ));
        section.panels.push(
            PanelDraft::lines("TGI failed requests/s by instance")
                .unit("req/s")
                .prom(
                    &format!("sum by (instance) (rate({failure}{RATE}))"),
                    "{{instance}}",
                ),
        );
    }
    if let Some(buckets) = found.selector("tgi_request_duration_bucket", "") {
        section.overview.push((
            Slot::Latency,
            PanelDraft::new("TGI p99 latency", "stat").unit("s").prom(
                &format!("histogram_quantile(0.99, sum by (le) (rate({buckets}{RATE})))"),
                "all instances",
            ),
        ));
        let title = "TGI p99 request duration by instance";
        section.panels.push(PanelDraft::lines(title).unit("s").prom(
            &format!("histogram_quantile(0.99, sum by (le, instance) (rate({buckets}{RATE})))"),
            "{{instance}}",
        ));
        section.rule("TGI p99 latency high", title, 20.0, "5m", "warning");
        section.panels.push(
            PanelDraft::new("TGI request duration distribution", "heatmap")
                .unit("s")
                .prom(&format!("sum by (le) (rate({buckets}{RATE}))"), ""),
        );
    }
    if let Some(queue) = found.selector("tgi_queue_size", "") {
        let title = "TGI queue size by instance";
        section.panels.push(
            PanelDraft::lines(title).prom(&format!("sum by (instance) ({queue})"), "{{instance}}"),
        );
        section.rule("TGI queue backing up", title, 50.0, "5m", "warning");
    }
    if let Some(batch) = found.selector("tgi_batch_current_size", "") {
        section.panels.push(
            PanelDraft::lines("TGI batch size by instance")
                .prom(&format!("sum by (instance) ({batch})"), "{{instance}}"),
        );
    }
    if let Some(tokens) = found.selector("tgi_request_generated_tokens_sum", "") {
        section.panels.push(
            PanelDraft::lines("TGI generated tokens/s by instance")
                .unit("tokens/s")
                .prom(
                    &format!("sum by (instance) (rate({tokens}{RATE}))"),
                    "{{instance}}",
                ),
        );
    }
    section
}

/// NVIDIA Triton: counters per model, latency as cumulative µs over counts.
pub fn triton(found: &Found) -> Section {
    let mut section = Section {
        title: "Triton Inference Server".to_owned(),
        about: crate::discover::draft::listing("models", found.values("model")),
        ..Section::default()
    };
    let success = found.selector("nv_inference_request_success", "");
    if let Some(success) = &success {
        section.overview.push((
            Slot::Requests,
            PanelDraft::new("Triton requests/s", "stat")
                .unit("req/s")
                .prom(&format!("sum(rate({success}{RATE}))"), "all models"),
        ));
        section.panels.push(
            PanelDraft::lines("Triton requests/s by model")
                .unit("req/s")
                .prom(
                    &format!("sum by (model) (rate({success}{RATE}))"),
                    "{{model}}",
                ),
        );
    }
    if let Some(failure) = found.selector("nv_inference_request_failure", "") {
        section.overview.push((
            Slot::Errors,
            PanelDraft::new("Triton failed requests/s", "stat")
                .unit("req/s")
                .prom(&format!("sum(rate({failure}{RATE}))"), "all models"),
        ));
        section.panels.push(
            PanelDraft::lines("Triton failed requests/s by model")
                .unit("req/s")
                .prom(
                    &format!("sum by (model) (rate({failure}{RATE}))"),
                    "{{model}}",
                ),
        );
    }
    for (bare, what) in [
        ("nv_inference_request_duration_us", "request"),
        ("nv_inference_queue_duration_us", "queue"),
    ] {
        if let (Some(duration), Some(success)) = (found.selector(bare, ""), &success) {
            section.panels.push(
                PanelDraft::lines(format!("Triton mean {what} time by model"))
                    .unit("us")
                    .prom(
                        &format!(
                            "sum by (model) (rate({duration}{RATE})) / sum by (model) (rate({success}{RATE}))"
                        ),
                        "{{model}}",
                    ),
            );
        }
    }
    if let Some(utilisation) = found.selector("nv_gpu_utilization", "") {
        section.panels.push(
            PanelDraft::lines("Triton GPU utilisation")
                .unit("ratio")
                .prom(
                    &format!("avg by (gpu_uuid) ({utilisation})"),
                    "{{gpu_uuid}}",
                ),
        );
    }
    section
}
