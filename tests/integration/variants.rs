//! The variants panel on the simulated fleet's A/B test (H100 against
//! Inferentia2, 90/10): the weights against the traffic received, and the
//! Inferentia variant's slower latency called beyond the noise, as drawn.

use crate::support;
use egui_kittest::kittest::Queryable;
use fleetdeck::app::{AppOptions, FleetApp};
use fleetdeck::variants::significance::{Hint, hint};
use std::path::Path;
use std::time::{Duration, Instant};

#[test]
fn the_ab_tests_variants_show_weight_against_traffic_and_a_slower_inferentia() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-25T12:00:00Z")
        .unwrap()
        .to_utc();
    let mut harness = support::shipped_layout_harness(
        "layouts/demo-variants.toml",
        "2026-11-25T12:00:00Z",
        [1400.0, 800.0],
        &runtime,
    );
    let deadline = Instant::now() + support::PATIENCE;
    let mut settled = 0;
    while settled < 5 {
        assert!(Instant::now() < deadline, "the variants' data");
        harness.step();
        let session = harness.state().session();
        let done =
            session.is_polling() && session.pending_queries() == 0 && session.statuses().len() >= 8;
        settled = if done { settled + 1 } else { 0 };
        std::thread::sleep(Duration::from_millis(20));
    }
    let app = harness.state();
    let panel = app
        .dashboard()
        .panel_by_title("llm-ab-llama70b: variants")
        .unwrap();
    let window = app.view().window(now);
    let rows = fleetdeck::variants::figures(app.session().store(), panel, window);
    assert_eq!(
        rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        ["h100", "inf2"],
        "the baseline (most weight) first"
    );
    let (h100, inf2) = (&rows[0], &rows[1]);
    assert_eq!((h100.weight, inf2.weight), (Some(0.9), Some(0.1)));
    let received = inf2.traffic_share.unwrap();
    assert!((received - 0.1).abs() < 0.02, "inf2 received {received}");
    let (base, slower) = (h100.p99.unwrap(), inf2.p99.unwrap());
    assert!(slower.mean > 1.2 * base.mean, "{base:?} {slower:?}");
    assert_eq!(hint(&base, &slower), Hint::BeyondNoise);
    // Cost per 1k inferences and per 1M tokens agree through the tokens a
    // request generates (310 on this model).
    for row in [h100, inf2] {
        let (per_1k, per_1m) = (row.cost_per_1k.unwrap(), row.cost_per_1m_tokens.unwrap());
        let through_tokens = per_1k * 1000.0 / 310.0;
        assert!(
            (per_1m - through_tokens).abs() < 0.03 * through_tokens,
            "{}: {per_1m} per 1M tokens vs {through_tokens}",
            row.name
        );
    }
    // As drawn.
    harness.get_by_label("h100 (baseline)");
    assert!(harness.query_all_by_label_contains("beyond noise").count() >= 1);
    harness.snapshot("demo_variants");
}

/// `fleetdeck simulate` publishes the A/B test's per-variant metrics to
/// CloudWatch: a variants panel on CloudWatch (ministack) sees both variants,
/// with the traffic split the weights ask for.
#[test]
fn the_ab_tests_per_variant_metrics_reach_cloudwatch() {
    let server = support::ministack();
    support::publish_fleet(&server.url(), "30m");
    let text = format!(
        r#"version = 1
title = "A/B on CloudWatch"
refresh = "60s"
time = {{ from = "now-30m", to = "now" }}

[sources.cw]
kind = "cloudwatch"
region = "us-east-1"
endpoint_url = "{}"

[[panels]]
title = "Variants"
kind = "variants"
grid = {{ x = 0, y = 0, w = 24, h = 6 }}
  [[panels.queries]]
  source = "cw"
  id = "invocations"
  namespace = "AWS/SageMaker"
  metric = "Invocations"
  dimensions = {{ EndpointName = "llm-ab-llama70b", VariantName = "*" }}
  stat = "Sum"
  [[panels.queries]]
  source = "cw"
  id = "p99"
  namespace = "AWS/SageMaker"
  metric = "ModelLatency"
  dimensions = {{ EndpointName = "llm-ab-llama70b", VariantName = "*" }}
  stat = "p99"
"#,
        server.url()
    );
    let layout = fleetdeck::layout::parse_layout(&text, Path::new("ab.toml")).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut app =
        FleetApp::new(layout, AppOptions::default()).with_runtime(runtime.handle().clone());
    let rows = |app: &FleetApp| {
        let panel = app.dashboard().panel_by_title("Variants").unwrap();
        let window = app.view().window(chrono::Utc::now());
        fleetdeck::variants::figures(app.session().store(), panel, window)
    };
    support::drive(&mut app, "both variants from CloudWatch", |app| {
        rows(app)
            .iter()
            .filter(|r| r.traffic_share.is_some() && r.p99.is_some())
            .count()
            == 2
    });
    let found = rows(&app);
    let inf2 = found.iter().find(|r| r.name == "inf2").unwrap();
    let share = inf2.traffic_share.unwrap();
    assert!((share - 0.1).abs() < 0.03, "inf2 received {share}");
    let h100 = found.iter().find(|r| r.name == "h100").unwrap();
    assert!(inf2.p99.unwrap().mean > h100.p99.unwrap().mean);
}
