//! SigV4 signing for Amazon Managed Prometheus, checked against botocore (the
//! signer of the AWS CLI, from the test venv) on the same request and instant, and
//! against a real Prometheus, which must still answer signed requests.

use crate::support;

use fleetdeck::layout::parse_layout;
use fleetdeck::source::prometheus::request_url;
use fleetdeck::source::prometheus::sigv4::sign_request;
use fleetdeck::source::{RangeRequest, build_source};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, UNIX_EPOCH};

/// What botocore's `SigV4Auth` puts in `Authorization` for a GET of `url`.
fn botocore_authorization(url: &str, time_s: u64) -> String {
    let venv = std::env::var("FLEETDECK_AWS_VENV")
        .unwrap_or_else(|_| format!("{}/target/aws-venv", env!("CARGO_MANIFEST_DIR")));
    let script = format!(
        r#"
import datetime, botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
botocore.auth.get_current_datetime = lambda *a, **k: datetime.datetime.fromtimestamp({time_s}, datetime.timezone.utc).replace(tzinfo=None)
request = AWSRequest(method="GET", url={url:?})
botocore.auth.SigV4Auth(Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token-example"), "aps", "us-west-2").add_auth(request)
print(request.headers["Authorization"])
"#
    );
    let output = Command::new(format!("{venv}/bin/python"))
        .args(["-c", &script])
        .output()
        .unwrap_or_else(|e| panic!("python from {venv}: {e} (./scripts/test builds the venv)"));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

#[test]
fn a_range_query_is_signed_exactly_as_botocore_signs_it() {
    let url = request_url(
        "https://aps-workspaces.us-west-2.amazonaws.com/workspaces/ws-1234abcd",
        "/api/v1/query_range",
        &[
            (
                "query",
                r#"histogram_quantile(0.99, sum by (le, model_name) (rate({__name__=~"vllm[:_]e2e_request_latency_seconds_bucket"}[1m])))"#
                    .to_owned(),
            ),
            ("start", "1795000000".to_owned()),
            ("end", "1795003600".to_owned()),
            ("step", "15".to_owned()),
        ],
    );
    let time_s = 1_795_003_600;
    let mut request = reqwest::Client::new().get(&url).build().unwrap();
    let credentials = aws_credential_types::Credentials::new(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        Some("session-token-example".to_owned()),
        None,
        "test",
    );
    sign_request(
        &mut request,
        &credentials,
        "us-west-2",
        "aps",
        UNIX_EPOCH + Duration::from_secs(time_s),
    )
    .unwrap();
    let ours = request.headers()["authorization"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        ours.starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261118/us-west-2/aps/aws4_request"
        ),
        "{ours}"
    );
    assert_eq!(ours, botocore_authorization(&url, time_s));
    assert_eq!(
        request.headers()["x-amz-security-token"],
        "session-token-example"
    );
}

#[test]
fn a_sigv4_source_still_reads_a_prometheus_that_ignores_the_signature() {
    support::emulator_credentials();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = support::simulator(&runtime);
    let prometheus = support::prometheus(target);
    // A few scrapes inside the window.
    prometheus.wait_for("vllm:num_requests_waiting offset 2s");
    let text = format!(
        r#"version = 1
title = "amp"
[sources.amp]
kind = "prometheus"
url = "{}"
sigv4 = {{ region = "us-west-2" }}
[[panels]]
title = "waiting"
grid = {{ x = 0, y = 0, w = 24, h = 8 }}
  [[panels.queries]]
  source = "amp"
  promql = 'sum(vllm:num_requests_waiting)'
"#,
        prometheus.url()
    );
    let layout = parse_layout(&text, Path::new("amp.toml")).unwrap_or_else(|e| panic!("{e}"));
    let source = build_source(&layout.sources["amp"]);
    let now = chrono::Utc::now().timestamp_millis();
    let fleetdeck::dashboard::Target::Fetch { query, .. } = &layout.panels[0].queries[0].target
    else {
        panic!("a series query");
    };
    let request = RangeRequest {
        query: query.clone(),
        window: fleetdeck::time_range::Window {
            start_ms: now - 30_000,
            end_ms: now,
        },
        step_ms: 1_000,
    };
    let series = runtime.block_on(source.fetch_range(&request)).unwrap();
    assert_eq!(series.len(), 1, "{series:?}");
    assert!(!series[0].samples.is_empty());
}
