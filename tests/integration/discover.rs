//! `fleetdeck discover` against real servers: Prometheus scraping the simulated
//! fleet and an exporter of TGI, SGLang and AMD names written here, a Prometheus
//! holding 100,000 series it does not know, and CloudWatch in ministack fed by
//! `fleetdeck simulate`. The layout it writes must compile and every panel must
//! draw data — not one empty chart in a user's first minute.

use crate::support;
use fleetdeck::clock::Clock;
use fleetdeck::discover::{CloudWatchTarget, Discovered, Targets, discover};
use fleetdeck::headless::export::export_panel;
use fleetdeck::headless::variables::resolve;
use fleetdeck::layout::load_layout;
use fleetdeck::time_range::TimeRange;
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Discovery's layout written to a file and loaded as the window would.
fn written(discovered: &Discovered, dir: &std::path::Path) -> fleetdeck::dashboard::Dashboard {
    let path = dir.join("discovered.toml");
    std::fs::write(&path, &discovered.text).unwrap();
    load_layout(&path).unwrap_or_else(|errors| panic!("{errors}\n{}", discovered.text))
}

/// Every panel that draws series, fetched over `range` after the variables are
/// decided (All), as the window's first refreshes would: the titles that came
/// back with no finite value.
fn empty_panels(
    runtime: &tokio::runtime::Runtime,
    dashboard: &fleetdeck::dashboard::Dashboard,
    range: &str,
) -> Vec<String> {
    let (dashboard, _) = runtime
        .block_on(resolve(dashboard, Default::default()))
        .unwrap();
    let dashboard = Arc::new(dashboard);
    let range = TimeRange::parse(range, "now").unwrap();
    dashboard
        .panels
        .iter()
        .filter(|panel| panel.shows_series())
        .filter(|panel| {
            let series = runtime.block_on(export_panel(
                dashboard.clone(),
                &panel.title,
                &range,
                Clock::System,
                600,
                false,
            ));
            !series.is_ok_and(|series| {
                series
                    .iter()
                    .any(|s| s.points.iter().any(|(_, v)| v.is_finite()))
            })
        })
        .map(|panel| panel.title.clone())
        .collect()
}

/// Retries `empty_panels` for a while: rates need two scrapes inside their range.
fn wait_for_every_panel(
    runtime: &tokio::runtime::Runtime,
    dashboard: &fleetdeck::dashboard::Dashboard,
    range: &str,
) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let empty = empty_panels(runtime, dashboard, range);
        if empty.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "panels still empty after a minute: {empty:?}"
        );
        std::thread::sleep(Duration::from_secs(2));
    }
}

#[test]
fn the_simulated_fleet_is_recognised_and_every_discovered_panel_draws() {
    let runtime = runtime();
    let simulator = support::simulator(&runtime);
    let prometheus = support::prometheus(simulator);
    prometheus.wait_for("vllm:num_requests_running");
    let targets = Targets {
        prometheus: Some(prometheus.url()),
        cloudwatch: None,
    };
    let discovered = runtime
        .block_on(discover(&targets, "Discovered fleet", now_ms()))
        .unwrap();
    for id in ["vllm", "triton", "dcgm", "neuron"] {
        assert!(
            discovered.recognised.contains(&id),
            "{id} not recognised: {}",
            discovered.report
        );
    }
    // Each recognised family has its section, with a heading.
    for heading in [
        "vLLM",
        "NVIDIA GPUs (DCGM exporter)",
        "AWS Neuron (neuron-monitor)",
    ] {
        assert!(
            discovered
                .text
                .contains(&format!("title = \"{heading}\"\nkind = \"text\"")),
            "no section {heading}:\n{}",
            discovered.text
        );
    }
    assert!(
        discovered.report.contains("not recognised"),
        "{}",
        discovered.report
    );
    let dir = tempfile::tempdir().unwrap();
    let dashboard = written(&discovered, dir.path());
    wait_for_every_panel(&runtime, &dashboard, "now-5m");

    // The model variable offers the simulator's models: the "by model" panel,
    // fetched with All, has one line per model Prometheus holds.
    let body = prometheus.query("count by (model_name) (vllm:num_requests_running)");
    let served: BTreeSet<String> =
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["data"]["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["metric"]["model_name"].as_str().unwrap().to_owned())
            .collect();
    assert!(served.len() >= 3, "{body}");
    let (resolved, _) = runtime
        .block_on(resolve(&dashboard, Default::default()))
        .unwrap();
    let lines = runtime
        .block_on(export_panel(
            Arc::new(resolved),
            "vLLM requests running by model",
            &TimeRange::parse("now-5m", "now").unwrap(),
            Clock::System,
            600,
            false,
        ))
        .unwrap();
    let drawn: BTreeSet<String> = lines.iter().map(|s| s.name.clone()).collect();
    assert_eq!(drawn, served);
    // Many NeuronCores: a fleet map.
    assert!(
        discovered.text.contains("kind = \"fleet\""),
        "{}",
        discovered.text
    );
}

/// An exporter of the names the simulator does not publish — TGI, SGLang and
/// AMD's device metrics exporter — whose counters and histograms grow with time,
/// as a serving process's do.
fn growing_exporter() -> SocketAddr {
    support::exporter("text/plain; version=0.0.4", |t| exposition(t).into_bytes())
}

/// The exposition at `t` seconds: requests at 20/s, latencies spread over buckets.
pub(crate) fn exposition(t: f64) -> String {
    let requests = (20.0 * t).floor();
    let mut text = String::new();
    let histogram = |text: &mut String, name: &str, labels: &str, bounds: &[f64]| {
        text.push_str(&format!("# TYPE {name} histogram\n"));
        for (i, le) in bounds.iter().enumerate() {
            let share = (i + 1) as f64 / (bounds.len() + 1) as f64;
            text.push_str(&format!(
                "{name}_bucket{{{labels}le=\"{le}\"}} {}\n",
                (requests * share).floor()
            ));
        }
        text.push_str(&format!(
            "{name}_bucket{{{labels}le=\"+Inf\"}} {requests}\n"
        ));
        let own = labels.trim_end_matches(',');
        text.push_str(&format!("{name}_sum{{{own}}} {}\n", requests * 0.8));
        text.push_str(&format!("{name}_count{{{own}}} {requests}\n"));
    };
    // TGI
    histogram(
        &mut text,
        "tgi_request_duration",
        "",
        &[0.1, 0.5, 1.0, 2.0, 5.0],
    );
    histogram(
        &mut text,
        "tgi_request_generated_tokens",
        "",
        &[16.0, 64.0, 256.0],
    );
    text.push_str(&format!(
        "# TYPE tgi_request_success counter\ntgi_request_success {requests}\n\
         # TYPE tgi_request_failure counter\ntgi_request_failure{{err=\"validation\"}} {}\n\
         # TYPE tgi_queue_size gauge\ntgi_queue_size 3\n\
         # TYPE tgi_batch_current_size gauge\ntgi_batch_current_size 8\n",
        (requests / 100.0).floor()
    ));
    // SGLang, two models
    for model in ["qwen2-7b", "llama-3-8b"] {
        let labels = format!("model_name=\"{model}\",");
        histogram(
            &mut text,
            "sglang:e2e_request_latency_seconds",
            &labels,
            &[0.5, 1.0, 2.0, 4.0],
        );
        histogram(
            &mut text,
            "sglang:time_to_first_token_seconds",
            &labels,
            &[0.05, 0.1, 0.2],
        );
        text.push_str(&format!(
            "sglang:num_running_reqs{{model_name=\"{model}\"}} 12\n\
             sglang:num_queue_reqs{{model_name=\"{model}\"}} 2\n\
             sglang:token_usage{{model_name=\"{model}\"}} 0.61\n\
             sglang:generation_tokens_total{{model_name=\"{model}\"}} {}\n",
            requests * 180.0
        ));
    }
    // AMD GPUs on two hosts
    for host in ["mi300-a", "mi300-b"] {
        for gpu in 0..8 {
            let labels = format!("hostname=\"{host}\",gpu_id=\"{gpu}\"");
            text.push_str(&format!(
                "gpu_gfx_activity{{{labels}}} {}\n\
                 gpu_package_power{{{labels}}} 612\n\
                 gpu_used_vram{{{labels}}} 150000\n\
                 gpu_junction_temperature{{{labels}}} 71\n",
                40 + gpu * 5
            ));
        }
    }
    text
}

#[test]
fn tgi_sglang_and_amd_get_their_sections_and_every_panel_draws() {
    let runtime = runtime();
    let exporter = growing_exporter();
    let prometheus = support::prometheus_scraping(&[exporter], "1s");
    prometheus.wait_for("gpu_gfx_activity");
    let discovered = runtime
        .block_on(discover(
            &Targets {
                prometheus: Some(prometheus.url()),
                cloudwatch: None,
            },
            "Mixed serving",
            now_ms(),
        ))
        .unwrap();
    for id in ["tgi", "sglang", "amd"] {
        assert!(discovered.recognised.contains(&id), "{}", discovered.report);
    }
    assert!(!discovered.recognised.contains(&"vllm"));
    assert!(
        discovered.report.contains("2 models: llama-3-8b, qwen2-7b"),
        "{}",
        discovered.report
    );
    assert!(
        discovered.report.contains("16 AMD GPUs on 2 nodes"),
        "{}",
        discovered.report
    );
    for title in [
        "TGI p99 request duration by instance",
        "TGI request duration distribution",
        "SGLang p99 end-to-end latency by model",
        "SGLang KV cache usage by model",
        "AMD GPU utilisation by node",
        "Hottest AMD GPU by node",
    ] {
        assert!(
            discovered.text.contains(&format!("title = \"{title}\"")),
            "no panel {title}:\n{}",
            discovered.text
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let dashboard = written(&discovered, dir.path());
    wait_for_every_panel(&runtime, &dashboard, "now-2m");
}

#[test]
fn a_big_server_is_asked_a_handful_of_questions_and_its_largest_unknown_families_are_named() {
    // 20 families of 1,000 series and 1,980 of 41: 101,180 series fleetdeck does
    // not know, beside the simulated fleet.
    let mut text = String::with_capacity(6_000_000);
    for family in 0..2000 {
        let series = if family < 20 { 1000 } else { 41 };
        for i in 0..series {
            text.push_str(&format!("unknown_family_{family:04}{{shard=\"{i}\"}} 1\n"));
        }
    }
    let exporter = support::static_exporter(&text);
    let runtime = runtime();
    let simulator = support::simulator(&runtime);
    let prometheus = support::prometheus_scraping(&[exporter.address, simulator], "5s");
    support::wait_until("Prometheus holding the 101,180 unknown series", || {
        prometheus
            .query("count({__name__=~\"unknown_family_.*\"})")
            .contains("\"101180\"")
    });
    prometheus.wait_for("vllm:num_requests_running");
    let started = Instant::now();
    let discovered = runtime
        .block_on(discover(
            &Targets {
                prometheus: Some(prometheus.url()),
                cloudwatch: None,
            },
            "Big",
            now_ms(),
        ))
        .unwrap();
    eprintln!(
        "discovery of a 100k-series server: {:?}, {} requests",
        started.elapsed(),
        discovered.requests
    );
    assert!(
        discovered.recognised.contains(&"vllm"),
        "{}",
        discovered.report
    );
    // Names, series counts, then a label and a count per component recognised:
    // nothing that grows with the server's size.
    assert!(
        discovered.requests <= 12,
        "{} requests",
        discovered.requests
    );
    assert!(
        discovered
            .report
            .contains(&format!("{} requests", discovered.requests)),
        "{}",
        discovered.report
    );
    assert!(
        discovered
            .report
            .contains("not recognised: 2000 metric names")
            || discovered.report.contains("not recognised: 200"),
        "{}",
        discovered.report
    );
    // The largest unknown families are the twenty of 1,000 series (the server
    // ranks its top ten; ties in any order).
    let named: Vec<&str> = discovered
        .report
        .lines()
        .filter(|line| line.trim_start().starts_with("unknown_family_"))
        .collect();
    assert!(!named.is_empty(), "{}", discovered.report);
    for line in named {
        let family: usize = line.trim()["unknown_family_".len()..]["0000".len() - 4..4]
            .parse()
            .unwrap();
        assert!(family < 20 && line.ends_with("(1000 series)"), "{line}");
    }
}

#[test]
fn sagemaker_and_bedrock_in_cloudwatch_get_sections_that_draw() {
    support::emulator_credentials();
    let server = support::ministack();
    support::publish_fleet(&server.url(), "20m");
    let runtime = runtime();
    let mut target = CloudWatchTarget::parse("us-east-1").unwrap();
    target.endpoint_url = Some(server.url());
    let discovered = runtime
        .block_on(discover(
            &Targets {
                prometheus: None,
                cloudwatch: Some(target),
            },
            "AWS",
            now_ms(),
        ))
        .unwrap();
    for id in ["sagemaker", "sagemaker-instances", "bedrock"] {
        assert!(discovered.recognised.contains(&id), "{}", discovered.report);
    }
    assert!(
        discovered.report.contains("llm-prod-llama70b"),
        "{}",
        discovered.report
    );
    let dir = tempfile::tempdir().unwrap();
    let dashboard = written(&discovered, dir.path());
    assert!(dashboard.variables.iter().any(|v| v.name == "endpoint"));
    wait_for_every_panel(&runtime, &dashboard, "now-30m");
}

#[test]
fn targets_that_do_not_parse_or_hold_nothing_known_say_so() {
    let error = CloudWatchTarget::parse("US East").unwrap_err().to_string();
    assert!(error.contains("REGION[:PROFILE]"), "{error}");
    let target = CloudWatchTarget::parse("eu-west-1:prod-readonly").unwrap();
    assert_eq!(target.profile.as_deref(), Some("prod-readonly"));
    let runtime = runtime();
    let nothing = support::static_exporter("http_requests_total{code=\"200\"} 7\n");
    let prometheus = support::prometheus_scraping(&[nothing.address], "1s");
    prometheus.wait_for("http_requests_total");
    let error = runtime
        .block_on(discover(
            &Targets {
                prometheus: Some(prometheus.url()),
                cloudwatch: None,
            },
            "Nothing",
            now_ms(),
        ))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("nothing fleetdeck knows was found"),
        "{error}"
    );
    assert!(
        error.contains("http_requests_total") || error.contains("http_*"),
        "{error}"
    );
}
