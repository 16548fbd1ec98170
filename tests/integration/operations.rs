//! The operations behind the simulated fleet (seed 42): its autoscaler's actions
//! and its chaos experiment happen at known times, are reported by the demo
//! source, and each is drawn on the charts of the endpoint it touched and on no
//! other; the experiment visibly disturbs its endpoint.

use crate::support;
use fleetdeck::app::{AppOptions, FleetApp};
use fleetdeck::clock::{Clock, DisplayZone};
use fleetdeck::layout::load_layout;
use fleetdeck::ops::{OpsEvent, OpsKind};
use std::time::{Duration, Instant};

fn at(text: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn ms(text: &str) -> i64 {
    at(text).timestamp_millis()
}

/// The titles of the panels on which `wanted` is drawn.
fn drawn_on(app: &FleetApp, wanted: &OpsEvent) -> Vec<String> {
    let session = app.session();
    let window = app.view().window(at("2026-11-25T15:10:00Z"));
    let operations: Vec<OpsEvent> = session.operations().cloned().collect();
    app.dashboard()
        .panels
        .iter()
        .filter(|panel| panel.kind == fleetdeck::layout::PanelKind::Timeseries)
        .filter(|panel| {
            let labels: Vec<&std::collections::BTreeMap<String, String>> = panel
                .queries
                .iter()
                .flat_map(|q| session.store().query_series(&panel.key(&q.id)))
                .map(|(key, _)| &*key.labels)
                .collect();
            fleetdeck::ui::timeseries::operations_drawn(&operations, &labels, window)
                .contains(&wanted)
        })
        .map(|panel| panel.title.clone())
        .collect()
}

#[test]
fn seed_42s_scaling_and_chaos_experiment_are_drawn_on_their_endpoints_charts_only() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut harness = support::shipped_layout_harness(
        "layouts/demo-operations.toml",
        "2026-11-25T15:10:00Z",
        [1600.0, 1000.0],
        &runtime,
    );
    let deadline = Instant::now() + support::PATIENCE;
    while harness.state().session().operations().next().is_none()
        || harness.state().session().pending_queries() > 0
    {
        assert!(Instant::now() < deadline, "the fleet's data and operations");
        harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    harness.run_steps(3);
    let operations: Vec<OpsEvent> = harness.state().session().operations().cloned().collect();

    // The experiment: 14:44–14:54 on the Inferentia endpoint, completed.
    let chaos = operations
        .iter()
        .find(|e| matches!(e.kind, OpsKind::Experiment { .. }))
        .expect("seed 42's experiment on 2026-11-25")
        .clone();
    assert_eq!(chaos.resource, "llm-prod-llama8b-inf2");
    assert_eq!(chaos.start_ms, ms("2026-11-25T14:44:00Z"));
    assert_eq!(chaos.end_ms, Some(ms("2026-11-25T14:54:00Z")));
    assert!(chaos.label().ends_with("(completed)"), "{}", chaos.label());
    // A scale-out of the Mistral pool at 14:00, from 7 to 8 instances.
    let scale_out = operations
        .iter()
        .find(|e| {
            e.resource == "llm-prod-mistral7b"
                && e.start_ms == ms("2026-11-25T14:00:00Z")
                && matches!(e.kind, OpsKind::Scaling { from: 7, to: 8, .. })
        })
        .expect("the Mistral pool scaled out at 14:00")
        .clone();

    let chaos_on = drawn_on(harness.state(), &chaos);
    assert_eq!(
        chaos_on,
        [
            "p99 model latency by endpoint",
            "Instances · Llama 8B (inf2, autoscaled)",
            "NeuronCore utilisation by instance",
            "5xx errors/s by endpoint",
        ],
        "the band is on the Inferentia endpoint's charts and nowhere else"
    );
    let scaling_on = drawn_on(harness.state(), &scale_out);
    assert_eq!(
        scaling_on,
        [
            "Instances · Mistral 7B (g6, autoscaled)",
            "Invocations per instance vs the scaling target · Mistral 7B",
            "p99 model latency by endpoint",
            "GPU utilisation by host (DCGM)",
            "5xx errors/s by endpoint",
        ]
    );

    // The pool drawn follows: 7 before 14:00, 8 after.
    let store = harness.state().session().store();
    let in_service = support::key("instances-mistral-7b-g6-autoscaled", "q1");
    let (_, series) = store.query_series(&in_service).next().unwrap();
    let scaled_at = ms("2026-11-25T14:00:00Z");
    let before = series.iter().rfind(|s| s.t_ms < scaled_at).unwrap();
    let after = series.iter().find(|s| s.t_ms >= scaled_at).unwrap();
    assert_eq!((before.value, after.value), (7.0, 8.0));
    // The experiment stops one Inferentia instance: its NeuronCores go silent.
    let cores = support::key("neuroncore-utilisation-by-instance", "q1");
    let silent = store
        .query_series(&cores)
        .filter(|(key, _)| key.labels["endpoint"] == "llm-prod-llama8b-inf2")
        .filter(|(_, s)| {
            let during = ms("2026-11-25T14:45:00Z")..ms("2026-11-25T14:53:00Z");
            !s.iter()
                .any(|sample| during.contains(&sample.t_ms) && sample.value.is_finite())
        })
        .count();
    assert_eq!(silent, 1, "one instance stopped during the experiment");
    // The experiments panel: the run against as long before it, on its target.
    {
        use egui_kittest::kittest::Queryable;
        harness.get_by_label_contains("stop one instance of llm-prod-llama8b-inf2");
    }
    let app = harness.state();
    let panel = app
        .dashboard()
        .panel_by_title("Chaos experiments: what they did")
        .unwrap();
    let figures = fleetdeck::ops::impact::impacts(
        app.session().store(),
        panel,
        &chaos,
        ms("2026-11-25T15:10:00Z"),
    );
    assert_eq!(figures.len(), 2);
    let p99 = &figures[0];
    assert_eq!(p99.name, "p99 latency");
    let (before, during) = (p99.before.unwrap(), p99.during.unwrap());
    assert!(
        during > 1.2 * before,
        "stopping one of its instances slows the endpoint: {before} then {during}"
    );
    harness.snapshot("demo_operations");
}

/// Runs `script` with boto3 against moto at `url`, as an operator would with the
/// AWS CLI; returns what it printed.
fn boto3(url: &str, script: &str) -> String {
    let python = support::aws_venv_binary("python");
    let prelude = format!(
        "import boto3, time\nkw = dict(region_name='us-east-1', endpoint_url='{url}', aws_access_key_id='test', aws_secret_access_key='test')\n"
    );
    let output = std::process::Command::new(python)
        .arg("-c")
        .arg(format!("{prelude}{script}"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "boto3: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A variant for [`create_endpoint`]: name, instances, weight, instance type.
type VariantSpec<'a> = (&'a str, u32, f64, &'a str);

/// Creates endpoint `endpoint` in moto with `variants`, and registers
/// `scaled` with Application Auto Scaling (`min`–`max`) and a target-tracking
/// policy on invocations per instance at `target`.
fn create_endpoint(
    url: &str,
    endpoint: &str,
    variants: &[VariantSpec<'_>],
    scaled: &str,
    (min, max, target): (u32, u32, f64),
) {
    let variants: Vec<String> = variants
        .iter()
        .map(|(name, count, weight, instance)| {
            format!("{{'VariantName': '{name}', 'ModelName': 'm', 'InitialInstanceCount': {count}, 'InstanceType': '{instance}', 'InitialVariantWeight': {weight}}}")
        })
        .collect();
    boto3(
        url,
        &format!(
            r#"
sm = boto3.client('sagemaker', **kw)
sm.create_model(ModelName='m', ExecutionRoleArn='arn:aws:iam::123456789012:role/x', PrimaryContainer={{'Image': 'img'}})
sm.create_endpoint_config(EndpointConfigName='cfg-{endpoint}', ProductionVariants=[{}])
sm.create_endpoint(EndpointName='{endpoint}', EndpointConfigName='cfg-{endpoint}')
aas = boto3.client('application-autoscaling', **kw)
resource = 'endpoint/{endpoint}/variant/{scaled}'
aas.register_scalable_target(ServiceNamespace='sagemaker', ResourceId=resource, ScalableDimension='sagemaker:variant:DesiredInstanceCount', MinCapacity={min}, MaxCapacity={max})
aas.put_scaling_policy(PolicyName='tt', ServiceNamespace='sagemaker', ResourceId=resource, ScalableDimension='sagemaker:variant:DesiredInstanceCount', PolicyType='TargetTrackingScaling', TargetTrackingScalingPolicyConfiguration={{'TargetValue': {target}, 'PredefinedMetricSpecification': {{'PredefinedMetricType': 'SageMakerVariantInvocationsPerInstance'}}}})
"#,
            variants.join(", ")
        ),
    );
}

/// The window on `layout` (written to a file in `dir`), live, polling on `runtime`.
fn live_app(dir: &tempfile::TempDir, layout: &str, runtime: &tokio::runtime::Runtime) -> FleetApp {
    let path = dir.path().join("layout.toml");
    std::fs::write(&path, layout).unwrap();
    let options = AppOptions {
        clock: Clock::System,
        zone: DisplayZone::Utc,
        ..AppOptions::default()
    };
    FleetApp::new(load_layout(&path).unwrap(), options).with_runtime(runtime.handle().clone())
}

fn operations_layout(url: &str) -> String {
    format!(
        r#"version = 1
title = "operations from AWS"
refresh = "1s"
time = {{ from = "now-15m", to = "now" }}
operations = ["endpoints", "chaos"]

[sources.fleet]
kind = "demo"

[sources.endpoints]
kind = "sagemaker"
region = "us-east-1"
endpoint_url = "{url}"
endpoints = ["llm-prod-mistral7b"]

[sources.chaos]
kind = "fis"
region = "us-east-1"
endpoint_url = "{url}"

[[panels]]
title = "Mistral p99"
grid = {{ x = 0, y = 0, w = 12, h = 8 }}
  [[panels.queries]]
  source = "fleet"
  metric = "ModelLatency"
  quantile = 0.99
  labels = {{ EndpointName = "llm-prod-mistral7b" }}

[[panels]]
title = "Inferentia p99"
grid = {{ x = 12, y = 0, w = 12, h = 8 }}
  [[panels.queries]]
  source = "fleet"
  metric = "ModelLatency"
  quantile = 0.99
  labels = {{ EndpointName = "llm-prod-llama8b-inf2" }}
"#
    )
}

#[test]
fn sagemaker_scaling_and_a_fis_experiment_from_moto_are_drawn_on_their_endpoints_charts_only() {
    support::emulator_credentials();
    let moto = support::moto();
    let url = moto.url();
    create_endpoint(
        &url,
        "llm-prod-mistral7b",
        &[("AllTraffic", 2, 1.0, "ml.g4dn.xlarge")],
        "AllTraffic",
        (2, 8, 180.0),
    );
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut app = live_app(&dir, &operations_layout(&url), &runtime);
    let answered = |app: &FleetApp, source: &str| {
        app.session()
            .statuses()
            .get(&fleetdeck::session::operations_key(&source.into()))
            == Some(&fleetdeck::session::QueryStatus::Ok)
    };
    support::drive(&mut app, "the first polls of both sources", |app| {
        answered(app, "endpoints") && answered(app, "chaos")
    });
    assert_eq!(
        app.session().operations().count(),
        0,
        "nothing happened yet"
    );

    // The operator scales the endpoint and runs a chaos experiment on Inferentia.
    boto3(
        &url,
        r#"
sm = boto3.client('sagemaker', **kw)
sm.update_endpoint_weights_and_capacities(EndpointName='llm-prod-mistral7b', DesiredWeightsAndCapacities=[{'VariantName': 'AllTraffic', 'DesiredInstanceCount': 4}])
fis = boto3.client('fis', **kw)
t = fis.create_experiment_template(clientToken='a', description='stop one inf2 instance', roleArn='arn:aws:iam::123456789012:role/x', stopConditions=[{'source': 'none'}], targets={'inf2': {'resourceType': 'aws:ec2:instance', 'resourceTags': {'EndpointName': 'llm-prod-llama8b-inf2'}, 'selectionMode': 'COUNT(1)'}}, actions={'stop': {'actionId': 'aws:ec2:stop-instances', 'targets': {'Instances': 'inf2'}}})
x = fis.start_experiment(clientToken='b', experimentTemplateId=t['experimentTemplate']['id'])
time.sleep(1.5)
fis.stop_experiment(id=x['experiment']['id'])
"#,
    );
    support::drive(&mut app, "the scaling action and the experiment", |app| {
        let operations: Vec<&OpsEvent> = app.session().operations().collect();
        operations
            .iter()
            .any(|e| matches!(e.kind, OpsKind::Scaling { .. }))
            && operations
                .iter()
                .any(|e| matches!(&e.kind, OpsKind::Experiment { state, .. } if state == "stopped"))
    });
    let operations: Vec<OpsEvent> = app.session().operations().cloned().collect();
    let scaled = operations
        .iter()
        .find(|e| matches!(e.kind, OpsKind::Scaling { .. }))
        .unwrap();
    assert_eq!(scaled.resource, "llm-prod-mistral7b");
    let label = scaled.label();
    assert!(
        label.contains("scaled from 2 to 4 instances")
            && label.contains("SageMakerVariantInvocationsPerInstance = 180")
            && label.contains("(min 2, max 8)"),
        "{label}"
    );
    let chaos = operations.iter().find(|e| e.is_band()).unwrap();
    assert_eq!(chaos.resource, "llm-prod-llama8b-inf2");
    assert!(
        chaos.label().contains("stop one inf2 instance (stopped)"),
        "{}",
        chaos.label()
    );
    let end = chaos.end_ms.expect("a stopped experiment has ended");
    assert!(
        end - chaos.start_ms >= 1_000,
        "it ran {} ms",
        end - chaos.start_ms
    );

    // Each on its endpoint's chart, and nowhere else.
    let window = app.view().window(chrono::Utc::now());
    let on = |event: &OpsEvent| -> Vec<String> {
        app.dashboard()
            .panels
            .iter()
            .filter(|panel| {
                let labels: Vec<&std::collections::BTreeMap<String, String>> = app
                    .session()
                    .store()
                    .query_series(&panel.key(&panel.queries[0].id))
                    .map(|(key, _)| &*key.labels)
                    .collect();
                fleetdeck::ui::timeseries::operations_drawn(&operations, &labels, window)
                    .contains(&event)
            })
            .map(|p| p.title.clone())
            .collect()
    };
    assert_eq!(on(scaled), ["Mistral p99"]);
    assert_eq!(on(chaos), ["Inferentia p99"]);
}

fn variants_layout(url: &str) -> String {
    format!(
        r#"version = 1
title = "variants on AWS"
refresh = "1s"
time = {{ from = "now-15m", to = "now" }}
operations = ["endpoints"]

[sources.endpoints]
kind = "sagemaker"
region = "us-east-1"
endpoint_url = "{url}"
endpoints = ["llm-ab"]

[[panels]]
title = "Variants"
kind = "variants"
grid = {{ x = 0, y = 0, w = 24, h = 6 }}
  [[panels.queries]]
  source = "endpoints"
  id = "weight"
  metric = "CurrentWeight"

[[panels]]
title = "Instances by variant"
grid = {{ x = 0, y = 6, w = 12, h = 8 }}
  [[panels.queries]]
  source = "endpoints"
  metric = "CurrentInstanceCount"
  labels = {{ EndpointName = "llm-ab" }}
  legend = "{{{{VariantName}}}}"
  [[panels.queries]]
  source = "endpoints"
  id = "target"
  metric = "TargetValue"
  legend = "target {{{{VariantName}}}}"
"#
    )
}

#[test]
fn weights_instance_counts_and_the_scaling_target_come_from_describe_endpoint() {
    support::emulator_credentials();
    let moto = support::moto();
    let url = moto.url();
    create_endpoint(
        &url,
        "llm-ab",
        &[
            ("h100", 2, 0.9, "ml.g4dn.12xlarge"),
            ("inf2", 1, 0.1, "ml.inf1.24xlarge"),
        ],
        "inf2",
        (1, 4, 70.0),
    );
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut app = live_app(&dir, &variants_layout(&url), &runtime);
    let weights = |app: &FleetApp| -> Vec<(String, Option<f64>)> {
        let panel = app.dashboard().panel_by_title("Variants").unwrap();
        let window = app.view().window(chrono::Utc::now());
        fleetdeck::variants::figures(app.session().store(), panel, window)
            .into_iter()
            .map(|row| (row.name, row.weight))
            .collect()
    };
    support::drive(&mut app, "the first weights", |app| weights(app).len() == 2);
    assert_eq!(
        weights(&app),
        [
            ("h100".to_owned(), Some(0.9)),
            ("inf2".to_owned(), Some(0.1))
        ]
    );
    let target = support::key("instances-by-variant", "target");
    let targets: Vec<(String, f64)> = app
        .session()
        .store()
        .query_series(&target)
        .map(|(key, s)| (key.labels["VariantName"].clone(), s.last().unwrap().value))
        .collect();
    assert_eq!(
        targets,
        [("inf2".to_owned(), 70.0)],
        "only inf2 has a policy"
    );

    // The operator moves traffic to Inferentia and gives it three instances.
    boto3(
        &url,
        "sm = boto3.client('sagemaker', **kw)\nsm.update_endpoint_weights_and_capacities(EndpointName='llm-ab', DesiredWeightsAndCapacities=[{'VariantName': 'inf2', 'DesiredWeight': 0.3, 'DesiredInstanceCount': 3}])\n",
    );
    support::drive(&mut app, "the new weight in the variants panel", |app| {
        weights(app).contains(&("inf2".to_owned(), Some(0.3)))
    });
    support::drive(&mut app, "the capacity step and its annotation", |app| {
        app.session()
            .operations()
            .any(|e| matches!(e.kind, OpsKind::Scaling { from: 1, to: 3, .. }))
    });
    let counts = support::key("instances-by-variant", "q1");
    let inf2: Vec<f64> = app
        .session()
        .store()
        .query_series(&counts)
        .filter(|(key, _)| key.labels["VariantName"] == "inf2")
        .flat_map(|(_, s)| s.iter().map(|p| p.value).collect::<Vec<_>>())
        .collect();
    assert_eq!(inf2.first(), Some(&1.0));
    assert_eq!(inf2.last(), Some(&3.0), "the step line: {inf2:?}");
    let event = app
        .session()
        .operations()
        .find(|e| matches!(e.kind, OpsKind::Scaling { .. }))
        .unwrap()
        .clone();
    assert!(
        event
            .label()
            .contains("SageMakerVariantInvocationsPerInstance = 70 (min 1, max 4)"),
        "{}",
        event.label()
    );
}
