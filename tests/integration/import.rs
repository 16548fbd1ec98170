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
    // Grafana's heatmaps of token-count buckets are heatmaps here too.
    assert_eq!(
        vllm.panel_by_title("Request Prompt Length").unwrap().kind,
        PanelKind::Heatmap
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
    // Grafana's gauge is a gauge here too.
    assert_eq!(
        dcgm.panel_by_title("GPU Avg. Temp").unwrap().kind,
        PanelKind::Gauge
    );

    let node = imported("rfmoz__grafana-dashboards__node-exporter-full.json");
    let busy = node.panel_by_title("CPU Busy").unwrap();
    assert_eq!(
        (busy.kind, busy.unit, busy.min, busy.max),
        (
            PanelKind::Gauge,
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
    // The instance table: its organize transformation as listed label columns.
    let table = neuron.panel_by_title("Instance Info").unwrap();
    assert_eq!(table.kind, PanelKind::Table);
    let titles: Vec<&str> = table
        .table
        .columns
        .iter()
        .map(|c| c.title.as_str())
        .collect();
    assert_eq!(
        titles,
        [
            "Instance ID",
            "Instance Name",
            "Instance Type",
            "Availability Zone",
            "Region",
            "Subnet",
            "ami_id"
        ]
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

/// The panels of `dashboard` that drew no sample over the last `span`.
fn panels_without_data(
    dashboard: Dashboard,
    span: Duration,
    runtime: &tokio::runtime::Runtime,
) -> Vec<String> {
    let dashboard = Arc::new(dashboard);
    let mut session = Session::new(dashboard.clone(), Clock::System);
    session.set_view(View {
        range: TimeRange::last(span),
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
fn imported_vllm_dcgm_and_neuron_dashboards_draw_data_from_prometheus() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let prometheus = support::prometheus(target);
    // The imported source keeps Prometheus's default 15 s scrape interval, so
    // steps are 15 s, evaluated at multiples of 15 s: wait until a sample is old
    // enough that one of them falls after it.
    prometheus.wait_for("vllm:num_requests_running offset 16s");
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
        let empty = panels_without_data(dashboard, Duration::from_secs(60), &runtime);
        assert!(empty.is_empty(), "{name}: no data in {empty:?}");
    }
    // Neuron Monitor's dashboard: the panels on metrics the simulator exposes.
    let exposed = [
        "neuroncore_utilization_ratio",
        "execution_latency_seconds",
        "instance_info",
    ];
    let text = import(
        &fixture("aws-neuron__aws-neuron-sdk__neuron-monitor-grafana.json"),
        &sources,
    )
    .unwrap()
    .text;
    let dashboard = with_variable_values(&text, &runtime);
    let on_exposed: Vec<String> = dashboard
        .panels
        .iter()
        .filter(|p| p.shows_series())
        .filter(|p| {
            (0..p.queries.len()).all(|i| {
                let expr = promql(&dashboard, &p.title, i);
                exposed.iter().any(|m| expr.contains(m))
            })
        })
        .map(|p| p.title.clone())
        .collect();
    assert!(on_exposed.len() >= 4, "{on_exposed:?}");
    let empty = panels_without_data(dashboard, Duration::from_secs(60), &runtime);
    let missing: Vec<&String> = on_exposed
        .iter()
        .filter(|title| empty.iter().any(|e| e.starts_with(title.as_str())))
        .collect();
    assert!(missing.is_empty(), "neuron: no data in {missing:?}");
    assert!(
        on_exposed.iter().any(|t| t == "Instance Info"),
        "the instance table draws from the simulator's instance_info: {on_exposed:?}"
    );
}

/// A small deterministic generator for the mutations (the seed comes from proptest).
struct Mutator(u64);

impl Mutator {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn chance(&mut self, per_thousand: u64) -> bool {
        self.next() % 1000 < per_thousand
    }

    /// Something of another type, or a number no grid can hold.
    fn replacement(&mut self) -> Value {
        match self.next() % 8 {
            0 => Value::Null,
            1 => Value::from(1e308),
            2 => Value::from(-1e308),
            3 => Value::from(u64::MAX),
            4 => Value::from("$__garbage ${x:y} [[z]] \u{0}"),
            5 => serde_json::json!([[[{"panels": [{"type": "row"}]}]]]),
            6 => serde_json::json!({"type": "row", "panels": [{"gridPos": {"w": -5, "h": 1e300}}]}),
            _ => Value::Bool(true),
        }
    }

    /// Drops keys and elements, swaps values for other types, everywhere.
    fn mutate(&mut self, value: &mut Value) {
        match value {
            Value::Object(object) => {
                let keys: Vec<String> = object.keys().cloned().collect();
                for key in keys {
                    if self.chance(40) {
                        object.remove(&key);
                    } else if self.chance(40) {
                        object.insert(key, self.replacement());
                    } else if let Some(inner) = object.get_mut(&key) {
                        self.mutate(inner);
                    }
                }
            }
            Value::Array(items) => {
                if !items.is_empty() && self.chance(60) {
                    let index = (self.next() as usize) % items.len();
                    items.remove(index);
                }
                for item in items.iter_mut() {
                    if self.chance(30) {
                        *item = self.replacement();
                    } else {
                        self.mutate(item);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Rows inside rows, `depth` deep.
fn nested_rows(depth: usize) -> Value {
    let mut value =
        serde_json::json!({"type": "timeseries", "title": "deep", "targets": [{"expr": "up"}]});
    for _ in 0..depth {
        value = serde_json::json!({"type": "row", "panels": [value]});
    }
    serde_json::json!({"title": "deep", "panels": [value]})
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// Mutated real dashboards (dropped keys, wrong types, huge numbers, deep
    /// nesting) never panic: they import to a layout that passes the compile
    /// step, or give a clear error.
    #[test]
    fn a_mutated_dashboard_imports_or_says_why(seed in 1u64.., which in 0usize..6) {
        let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".json"))
            .collect();
        names.sort();
        let mut value: Value = serde_json::from_str(&fixture(&names[which % names.len()])).unwrap();
        Mutator(seed).mutate(&mut value);
        let json = serde_json::to_string(&value).unwrap();
        match import(&json, &SourceChoices::default()) {
            Ok(imported) => {
                parse_layout(&imported.text, Path::new("mutated.toml"))
                    .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            }
            Err(error) => proptest::prop_assert!(!error.to_string().is_empty()),
        }
    }
}

#[test]
fn deep_nesting_and_non_dashboards_give_a_layout_or_a_clear_error() {
    let deep = import(&nested_rows(50).to_string(), &SourceChoices::default()).unwrap();
    parse_layout(&deep.text, Path::new("deep.toml")).unwrap();
    // Past serde_json's recursion limit: refused with the parser's words.
    let deeper = import(&nested_rows(200).to_string(), &SourceChoices::default());
    assert!(
        deeper
            .unwrap_err()
            .to_string()
            .starts_with("not a JSON file: recursion limit exceeded")
    );
    for (json, says) in [
        ("[1, 2]", "no Grafana dashboard"),
        ("{\"title\": 3}", "no Grafana dashboard"),
        ("{\"panels\": ", "not a JSON file"),
    ] {
        let error = import(json, &SourceChoices::default())
            .unwrap_err()
            .to_string();
        assert!(error.contains(says), "{json}: {error}");
    }
}

/// A hostile dashboard: 16,000 panels all titled alike, all claiming the top cell
/// of their column. Compared pairwise it took past a minute (each panel walked
/// down its column past every panel placed); it must import in a few seconds, to
/// a layout that passes check with every panel placed apart.
#[test]
fn sixteen_thousand_panels_in_one_cell_each_column_import_without_hanging() {
    let panels: Vec<Value> = (0..16_000)
        .map(|index| {
            serde_json::json!({
                "type": "timeseries", "title": "CPU",
                "gridPos": {"x": index % 24, "y": 0, "w": 1, "h": 1},
                "targets": [{"expr": "up"}]
            })
        })
        .collect();
    let json = serde_json::json!({"title": "crowded", "panels": panels}).to_string();
    let (done, finished) = std::sync::mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("hostile-import".to_owned())
        .spawn(move || {
            let _ = done.send(import(&json, &SourceChoices::default()));
        })
        .unwrap();
    // A deadline for a hang, not a timing: a debug build imports it in seconds.
    let imported = finished
        .recv_timeout(Duration::from_secs(120))
        .expect("the import did not finish within two minutes")
        .unwrap();
    let dashboard = parse_layout(&imported.text, Path::new("crowded.toml")).unwrap();
    assert_eq!(dashboard.panels.len(), 16_000);
    assert_eq!(dashboard.panels[15_999].title, "CPU (16000)");
}

/// The EC2 dashboard (CloudWatch) imported, pointed at ministack, where the test
/// published a datapoint a minute for every metric its queries ask (each `*`
/// dimension given one value): every converted panel draws data.
#[test]
fn the_imported_ec2_dashboard_runs_against_ministack() {
    use aws_sdk_cloudwatch::types::{Dimension, MetricDatum};
    use fleetdeck::source::SourceSpec;
    use fleetdeck::source::cloudwatch::CwExpr;
    let server = support::ministack();
    support::emulator_credentials();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut sources = SourceChoices::default();
    sources.add("cloudwatch=us-east-1").unwrap();
    let text = import(
        &fixture("monitoringartist__grafana-aws-cloudwatch-dashboards__aws-ec2.json"),
        &sources,
    )
    .unwrap()
    .text
    .replace(
        "region = \"us-east-1\"\n",
        &format!(
            "region = \"us-east-1\"\nendpoint_url = \"{}\"\ntimeout = \"5s\"\n",
            server.url()
        ),
    );
    let dashboard = parse_layout(&text, Path::new("ec2.toml")).unwrap_or_else(|e| panic!("{e}"));
    let SourceSpec::CloudWatch(settings) = &dashboard.sources["cloudwatch"] else {
        panic!("a cloudwatch source");
    };
    let client = runtime.block_on(fleetdeck::source::cloudwatch::client::build(settings));
    let now_minute = chrono::Utc::now().timestamp() / 60 * 60;
    let mut published = 0;
    for panel in &dashboard.panels {
        for query in &panel.queries {
            let Target::Fetch {
                query: SourceQuery::CloudWatch(query),
                ..
            } = &query.target
            else {
                continue;
            };
            let CwExpr::Stat(stat) = &query.what else {
                continue;
            };
            let dimensions: Vec<Dimension> = stat
                .dimensions
                .iter()
                .map(|(name, value)| {
                    let value = if value == "*" {
                        format!("{}-0test", name.to_lowercase())
                    } else {
                        value.clone()
                    };
                    Dimension::builder().name(name).value(value).build()
                })
                .collect();
            let datums: Vec<MetricDatum> = (1..=10)
                .map(|minutes_ago| {
                    MetricDatum::builder()
                        .metric_name(&stat.metric)
                        .set_dimensions(Some(dimensions.clone()))
                        .timestamp(aws_smithy_types::DateTime::from_secs(
                            now_minute - minutes_ago * 60,
                        ))
                        .value(40.0 + minutes_ago as f64)
                        .build()
                })
                .collect();
            runtime
                .block_on(
                    client
                        .put_metric_data()
                        .namespace(&stat.namespace)
                        .set_metric_data(Some(datums))
                        .send(),
                )
                .unwrap();
            published += 1;
        }
    }
    assert!(published >= 20, "{published} metrics");
    let empty = panels_without_data(dashboard, Duration::from_secs(15 * 60), &runtime);
    assert!(empty.is_empty(), "no data in {empty:?}");
}

/// The window on an imported vLLM dashboard pointed at Prometheus scraping the
/// simulator: its variable's values arrive, and every converted panel draws
/// data (kittest). The frame is written to `target/imported-vllm.png`, which the
/// README's screenshot is (not compared: live data).
#[test]
fn the_window_draws_every_converted_panel_of_the_imported_vllm_dashboard() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let prometheus = support::prometheus(target);
    prometheus.wait_for("vllm:num_requests_running offset 25s");
    let mut sources = SourceChoices::default();
    sources
        .add(&format!("prometheus={}", prometheus.url()))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vllm.toml");
    // The test Prometheus scrapes every second: say so (one point a second), and
    // show the half minute it has.
    let text = import(&fixture("vllm-project__vllm__grafana.json"), &sources)
        .unwrap()
        .text
        .replace("url = ", "scrape_interval = \"1s\"\nurl = ")
        .replace("from = \"now-5m\"", "from = \"now-30s\"");
    std::fs::write(&path, text).unwrap();
    let options = fleetdeck::app::AppOptions {
        zone: fleetdeck::clock::DisplayZone::Utc,
        ..Default::default()
    };
    let app =
        fleetdeck::app::FleetApp::new(fleetdeck::layout::load_layout(&path).unwrap(), options)
            .with_runtime(runtime.handle().clone())
            .with_variables(
                // A chat model: its prompts and answers fill the length heatmaps.
                fleetdeck::variables::Selection::from([(
                    "model_name".to_owned(),
                    fleetdeck::variables::Selected::Values(vec![
                        "meta-llama/Llama-3.1-8B-Instruct".to_owned(),
                    ]),
                )]),
                None,
            )
            .unwrap();
    let mut harness = support::harness_builder()
        .with_size([1600.0, 1000.0])
        .build_eframe(|_| app);
    let drawn = |app: &fleetdeck::app::FleetApp| {
        let session = app.session();
        app.dashboard()
            .panels
            .iter()
            .filter(|p| p.shows_series())
            .all(|panel| {
                panel.waiting_for.is_none()
                    && panel.queries.iter().any(|q| {
                        session
                            .store()
                            .query_series(&panel.key(&q.id))
                            .any(|(_, s)| s.iter().any(|sample| sample.value.is_finite()))
                    })
            })
    };
    let deadline = std::time::Instant::now() + support::PATIENCE;
    while !drawn(harness.state()) {
        assert!(
            std::time::Instant::now() < deadline,
            "not every converted panel drew data"
        );
        harness.step();
        std::thread::sleep(Duration::from_millis(50));
    }
    harness.run_steps(5);
    let image = harness.render().unwrap();
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/imported-vllm.png");
    image.save(&out).unwrap();
}
