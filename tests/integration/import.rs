//! `fleetdeck import grafana` on real dashboards (`../shared/fixtures/grafana/`, read
//! from there): every file imports, passes the compile step, accounts for every
//! panel and matches its reviewed golden layout; named panels keep their query,
//! unit and legend; mutated dashboards never panic; and imported vLLM and DCGM
//! dashboards draw data from Prometheus scraping `fleetdeck simulate`, the EC2 one
//! from ministack.

use crate::support;
use fleetdeck::clock::Clock;
use fleetdeck::dashboard::{Dashboard, Target};
use fleetdeck::import::grafana::{SourceChoices, import};
use fleetdeck::layout::{Choices, PanelKind, compile_text, parse_layout};
use fleetdeck::session::{Session, View};
use fleetdeck::source::{SourceQuery, build_source};
use fleetdeck::time_range::TimeRange;
use fleetdeck::variables::VariableKind;
use fleetdeck::variables::options::fetch_options;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/grafana")
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixtures_dir().join(name)).unwrap()
}

/// Every panel of a dashboard, rows and their children included.
fn count_panels(value: &Value) -> usize {
    let nested = |list: Option<&Value>| {
        list.and_then(Value::as_array)
            .map_or(0, |panels| panels.iter().map(|p| 1 + count_panels(p)).sum())
    };
    let rows = value
        .get("rows")
        .and_then(Value::as_array)
        .map_or(0, |rows| {
            rows.iter().map(|r| nested(r.get("panels"))).sum::<usize>()
        });
    nested(value.get("panels")) + rows
}

#[test]
fn every_fixture_imports_passes_check_accounts_for_every_panel_and_matches_its_golden_layout() {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(names.len() >= 6, "{names:?}");
    let golden_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/grafana");
    let mut rates = Vec::new();
    for name in &names {
        let json = fixture(name);
        let imported =
            import(&json, &SourceChoices::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let dashboard =
            parse_layout(&imported.text, Path::new(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let expected = count_panels(&serde_json::from_str(&json).unwrap());
        let report = &imported.report;
        assert_eq!(
            report.panels.len(),
            expected,
            "{name}: every panel is reported"
        );
        assert_eq!(
            dashboard.panels.len(),
            expected,
            "{name}: every panel is in the layout"
        );
        assert_eq!(
            report.converted() + report.placeholders() + report.rows(),
            expected,
            "{name}"
        );
        rates.push(format!(
            "{name}: {} of {} converted, {} placeholders, {} rows",
            report.converted(),
            expected,
            report.placeholders(),
            report.rows()
        ));
        let golden = golden_dir.join(name.replace(".json", ".toml"));
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&golden, &imported.text).unwrap();
        }
        let want = std::fs::read_to_string(&golden).unwrap_or_else(|_| {
            panic!("{name}: no golden file; run with UPDATE_GOLDEN=1 and review it")
        });
        assert_eq!(
            imported.text,
            want,
            "{name} differs from {}",
            golden.display()
        );
    }
    eprintln!("{}", rates.join("\n"));
}

fn promql(dashboard: &Dashboard, title: &str, index: usize) -> String {
    let panel = dashboard
        .panel_by_title(title)
        .unwrap_or_else(|| panic!("no panel {title}"));
    match &panel.queries[index].target {
        Target::Fetch {
            query: SourceQuery::Prometheus(query),
            ..
        } => query.promql.clone(),
        other => panic!("{other:?}"),
    }
}

fn imported(name: &str) -> Dashboard {
    let text = import(&fixture(name), &SourceChoices::default())
        .unwrap()
        .text;
    parse_layout(&text, Path::new(name)).unwrap()
}

#[test]
fn named_panels_keep_their_query_unit_and_legend() {
    let vllm = imported("vllm-project__vllm__grafana.json");
    let latency = vllm.panel_by_title("E2E Request Latency").unwrap();
    assert_eq!(latency.unit, fleetdeck::units::Unit::Seconds);
    // `$model_name` waits for its values (label_values), so it is still written.
    assert_eq!(
        promql(&vllm, "E2E Request Latency", 0),
        "histogram_quantile(0.99, sum by(le) (rate(vllm:e2e_request_latency_seconds_bucket{model_name=\"$model_name\"}[$__rate_interval])))"
    );
    assert_eq!(latency.waiting_for.as_deref(), Some("model_name"));
    assert_eq!(latency.queries[0].legend.as_deref(), Some("P99"));
    assert_eq!(
        vllm.panel_by_title("Request Prompt Length").unwrap().kind,
        PanelKind::Text
    );

    let dcgm = imported("NVIDIA__dcgm-exporter__dcgm-exporter-dashboard.json");
    let temperature = dcgm.panel_by_title("GPU Temperature").unwrap();
    assert_eq!(temperature.unit, fleetdeck::units::Unit::Celsius);
    assert_eq!(
        promql(&dcgm, "GPU Temperature", 0),
        r#"DCGM_FI_DEV_GPU_TEMP{instance=~".*", gpu=~".*"}"#
    );
    assert_eq!(
        temperature.queries[0].legend.as_deref(),
        Some("GPU {{gpu}}")
    );
    assert_eq!(
        dcgm.panel_by_title("GPU Avg. Temp").unwrap().kind,
        PanelKind::Stat
    );

    let node = imported("rfmoz__grafana-dashboards__node-exporter-full.json");
    let busy = node.panel_by_title("CPU Busy").unwrap();
    assert_eq!(
        (busy.kind, busy.unit, busy.min, busy.max),
        (
            PanelKind::Stat,
            fleetdeck::units::Unit::Percent,
            Some(0.0),
            Some(100.0)
        )
    );
    assert_eq!(
        busy.thresholds.iter().map(|t| t.value).collect::<Vec<_>>(),
        [85.0, 95.0]
    );

    let triton = imported("triton-inference-server__server__dashboard.json");
    assert_eq!(
        promql(&triton, "Compute Time by Model (milliseconds)", 0),
        "sum(rate(nv_inference_compute_infer_duration_us[30s])) by (model) / 1000"
    );
    assert_eq!(
        triton
            .panel_by_title("Compute Time by Model (milliseconds)")
            .unwrap()
            .queries[0]
            .legend
            .as_deref(),
        Some("{{model}}")
    );

    let neuron = imported("aws-neuron__aws-neuron-sdk__neuron-monitor-grafana.json");
    assert_eq!(
        promql(&neuron, "NeuronCore Utilization", 0),
        "avg(neuroncore_utilization_ratio)"
    );
    assert_eq!(
        neuron.panel_by_title("Instance Info").unwrap().kind,
        PanelKind::Text
    );

    let ec2 = imported("monitoringartist__grafana-aws-cloudwatch-dashboards__aws-ec2.json");
    let cpu = ec2.panel_by_title("CPUUtilization").unwrap();
    assert_eq!(cpu.unit, fleetdeck::units::Unit::Percent);
    let Target::Fetch {
        query: SourceQuery::CloudWatch(query),
        ..
    } = &cpu.queries[0].target
    else {
        panic!("a cloudwatch query");
    };
    let fleetdeck::source::cloudwatch::CwExpr::Stat(stat) = &query.what else {
        panic!("a metric statistic");
    };
    assert_eq!(
        (
            stat.namespace.as_str(),
            stat.metric.as_str(),
            stat.stat.as_str()
        ),
        ("AWS/EC2", "CPUUtilization", "Average")
    );
    assert_eq!(stat.dimensions["InstanceId"], "*");
}

/// A dashboard with the variables' values asked of its sources, as the window does.
fn with_variable_values(text: &str, runtime: &tokio::runtime::Runtime) -> Dashboard {
    let first = compile_text(text, Path::new("imported.toml"), &Choices::default()).unwrap();
    let mut choices = Choices::default();
    for spec in &first.variables {
        if let VariableKind::Query { source, query } = &spec.kind {
            let source = build_source(&first.sources[source.as_str()]);
            let values = runtime
                .block_on(fetch_options(source.as_ref(), query))
                .unwrap();
            choices.options.insert(spec.name.clone(), values);
        }
    }
    compile_text(text, Path::new("imported.toml"), &choices).unwrap()
}

/// The panels of `dashboard` that drew no sample over the last minute.
fn panels_without_data(dashboard: Dashboard, runtime: &tokio::runtime::Runtime) -> Vec<String> {
    let dashboard = Arc::new(dashboard);
    let mut session = Session::new(dashboard.clone(), Clock::System);
    session.set_view(View {
        range: TimeRange::last(Duration::from_secs(60)),
        refresh: Duration::from_secs(1),
        live: false,
    });
    session.start(runtime.handle(), Arc::new(|| {}));
    runtime
        .block_on(session.settle(Duration::from_secs(30)))
        .unwrap();
    dashboard
        .panels
        .iter()
        .filter(|p| p.shows_series())
        .filter(|panel| {
            !panel.queries.iter().any(|query| {
                session
                    .store()
                    .query_series(&panel.key(&query.id))
                    .any(|(_, series)| series.iter().any(|s| s.value.is_finite()))
            })
        })
        .map(|p| {
            format!(
                "{} ({:?})",
                p.title,
                session.statuses().get(&p.key(&p.queries[0].id))
            )
        })
        .collect()
}

#[test]
fn imported_vllm_and_dcgm_dashboards_draw_data_from_prometheus() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let prometheus = support::prometheus(target);
    prometheus.wait_for("vllm:num_requests_running");
    // The imported source keeps Prometheus's default 15 s scrape interval, so
    // steps are 15 s, evaluated at multiples of 15 s: wait until one falls after
    // the first sample.
    std::thread::sleep(Duration::from_secs(17));
    let mut sources = SourceChoices::default();
    sources
        .add(&format!("prometheus={}", prometheus.url()))
        .unwrap();
    for name in [
        "vllm-project__vllm__grafana.json",
        "NVIDIA__dcgm-exporter__dcgm-exporter-dashboard.json",
    ] {
        let text = import(&fixture(name), &sources).unwrap().text;
        let dashboard = with_variable_values(&text, &runtime);
        let converted = dashboard.panels.iter().filter(|p| p.shows_series()).count();
        assert!(converted >= 8, "{name}: {converted} panels");
        let empty = panels_without_data(dashboard, &runtime);
        assert!(empty.is_empty(), "{name}: no data in {empty:?}");
    }
}
