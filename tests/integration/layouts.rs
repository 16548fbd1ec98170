//! Layout files: every shipped layout is valid; every invalid fixture is refused with
//! a message that names the file, line and column of the problem.

use fleetdeck::layout::{load_layout, parse_layout};
use std::path::{Path, PathBuf};

fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

#[test]
fn every_shipped_layout_is_valid() {
    let mut checked = 0;
    for entry in std::fs::read_dir(repo_path("layouts")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let layout = load_layout(&path).unwrap_or_else(|errors| panic!("{errors}"));
            assert!(
                !layout.panels.is_empty(),
                "{} has no panels",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 1, "no layouts found");
}

/// (fixture, expected `line:col`, expected words in the message)
const INVALID: &[(&str, &str, &str)] = &[
    ("unknown_key.toml", "10:1", "unknown field `tresholds`"),
    (
        "wrong_type.toml",
        "3:11",
        "invalid type: integer `10`, expected a string",
    ),
    (
        "undefined_source.toml",
        "11:12",
        "undefined source `prom` (defined: fleet)",
    ),
    (
        "overlapping_grid.toml",
        "16:8",
        "panel `Queue again` overlaps panel `Queue`",
    ),
    ("bad_duration.toml", "3:11", "invalid duration `10 seconds`"),
    ("bad_time.toml", "3:17", "invalid time `yesterday`"),
    (
        "unknown_metric.toml",
        "12:12",
        "unknown demo metric `DCGM_FI_DEV_GPU_UTILISATION`",
    ),
    ("bad_version.toml", "1:11", "unsupported layout version 2"),
    (
        "grid_too_wide.toml",
        "9:8",
        "x + w = 28 exceeds the 24 columns",
    ),
    (
        "unknown_source_kind.toml",
        "5:8",
        "unknown variant `graphite`, expected one of `demo`, `prometheus`, `alertmanager`",
    ),
    (
        "counter_without_rate.toml",
        "12:12",
        "is a counter: set `rate = true`",
    ),
    ("syntax_error.toml", "2:22", "invalid basic string"),
    ("bad_colour.toml", "10:38", "unknown colour `crimson`"),
    (
        "cloudwatch_bad_stat.toml",
        "15:10",
        "unknown statistic `p999`",
    ),
    (
        "cloudwatch_unknown_id.toml",
        "20:16",
        "expression refers to `invocations`, but no query of this panel has id = \"invocations\"",
    ),
    (
        "derive_unknown_id.toml",
        "18:12",
        "derive refers to `invocations`, but no other query of this panel has id = \"invocations\"",
    ),
    (
        "rule_unknown_panel.toml",
        "16:9",
        "rule `queue long` watches panel `Queues`, which this layout does not have",
    ),
    (
        "cloudwatch_no_region.toml",
        "5:8",
        "source `cw`: a cloudwatch source needs `region`",
    ),
    (
        "cloudwatch_bad_role_arn.toml",
        "8:31",
        "source `cw`: `arn:aws:iam::1111:role/fleetdeck-read` is not a role ARN like arn:aws:iam::111122223333:role/fleetdeck-read",
    ),
    (
        "legend_on_a_stat.toml",
        "11:17",
        "panel `Queue`: `legend_values` is for line panels (kind = \"timeseries\")",
    ),
    (
        "cloudwatch_region_and_regions.toml",
        "7:11",
        "source `cw`: `region` and `regions` together",
    ),
    // x + w past u32::MAX once wrapped around to pass the 24-column check.
    (
        "grid_overflow.toml",
        "9:8",
        "x + w = 4294967297 exceeds the 24 columns",
    ),
    (
        "grid_too_tall.toml",
        "9:8",
        "y + h = 4294967303 exceeds the 10000 rows",
    ),
    // Once a panic in chrono's subtraction, in `check` itself.
    (
        "time_offset_too_far.toml",
        "3:17",
        "invalid time `now-100000000w`: after `now-` expected an offset such as `1h`, `7d`, `1M` or `1y`, of at most 10000 years",
    ),
    (
        "duplicate_panel_id.toml",
        "15:6",
        "panel `Queue by model` has the id `queue` of panel `Queue`: set a distinct `id` on one of them",
    ),
    (
        "max_concurrency_zero.toml",
        "7:19",
        "source `prom`: max_concurrency must be between 1 and 64",
    ),
    (
        "rule_unknown_query_id.toml",
        "17:9",
        "rule `queue long`: the panel has no query with id `waiting`",
    ),
    (
        "undefined_variable.toml",
        "13:12",
        "panel `Queue`: undefined variable `$modle`",
    ),
    (
        "variable_bad_query.toml",
        "10:9",
        "variable `model`: `label_values(vllm:num_requests_waiting)`: `vllm:num_requests_waiting` is not a label name",
    ),
    (
        "repeat_undefined_variable.toml",
        "10:10",
        "panel `Queue`: repeat names the undefined variable `endpoint`",
    ),
    (
        "prometheus_literal_password.toml",
        "7:49",
        "a secret does not belong in a layout, which is shared, copied and kept: name where the password lives with password_env, password_file or password_keyring",
    ),
    (
        "prometheus_literal_client_secret.toml",
        "10:17",
        "name where the client secret lives with client_secret_env, client_secret_file or client_secret_keyring",
    ),
    (
        "prometheus_cert_without_key.toml",
        "7:56",
        "tls.cert_file needs tls.key_file",
    ),
    (
        "slo_objective_out_of_range.toml",
        "10:13",
        "slo `api`: objective is a percentage between 0 and 100, such as 99.9",
    ),
    (
        "slo_panel_unknown_objective.toml",
        "21:7",
        "slo panel `API objective`: no [[slos]] named `checkout` (defined: api)",
    ),
    (
        "slo_short_window_longer.toml",
        "21:11",
        "slo `api`: the short window must be shorter than the long one",
    ),
    (
        "table_unknown_query_column.toml",
        "14:11",
        "table `Models`: no query with id `p99` (its queries: waiting)",
    ),
    (
        "table_column_label_and_query.toml",
        "12:11",
        "table `Models`: a column shows a `label` or a `query`, not both",
    ),
    (
        "state_mapping_value_and_range.toml",
        "11:47",
        "panel `Queue`: mapping `idle` takes a `value`, or a range with `from` and/or `to`, not both",
    ),
    (
        "columns_on_a_line_panel.toml",
        "8:9",
        "panel `Queue`: `columns` needs kind = \"table\"",
    ),
    (
        "stack_on_a_stat_panel.toml",
        "11:9",
        "panel `Throughput`: `stack` needs kind = \"timeseries\"",
    ),
];

#[test]
fn every_invalid_fixture_is_refused_with_file_line_and_column() {
    let dir = repo_path("tests/invalid_layouts");
    let fixtures = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(
        fixtures,
        INVALID.len(),
        "every fixture needs an expectation"
    );
    for (file, position, words) in INVALID {
        let path = dir.join(file);
        let errors = load_layout(&path).expect_err(file);
        let text = errors.to_string();
        let expected_prefix = format!("{}:{position}: ", path.display());
        assert!(
            text.starts_with(&expected_prefix),
            "{file}: `{text}` does not start with `{expected_prefix}`"
        );
        assert!(
            text.contains(words),
            "{file}: `{text}` does not mention `{words}`"
        );
    }
}

#[test]
fn all_problems_of_a_file_are_reported_in_one_pass() {
    let text = r#"version = 1
title = "t"
refresh = "soon"

[sources.fleet]
kind = "demo"

[[panels]]
title = "A"
grid = { x = 0, y = 0, w = 12, h = 8 }
  [[panels.queries]]
  source = "nowhere"

[[panels]]
title = "B"
grid = { x = 0, y = 0, w = 12, h = 8 }
  [[panels.queries]]
  source = "fleet"
  metric = "vllm:num_requests_waiting"
"#;
    let errors = parse_layout(text, Path::new("multi.toml")).unwrap_err();
    let lines: Vec<String> = errors.0.iter().map(ToString::to_string).collect();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(lines[0].starts_with("multi.toml:3:11: refresh: invalid duration `soon`"));
    assert!(
        lines[1].starts_with("multi.toml:12:12: panel `A` refers to undefined source `nowhere`")
    );
    assert!(lines[2].starts_with("multi.toml:16:8: panel `B` overlaps panel `A`"));
}

#[test]
fn an_unreadable_file_is_named_in_the_error() {
    let errors = load_layout(Path::new("/nonexistent/layout.toml")).unwrap_err();
    assert!(
        errors
            .to_string()
            .starts_with("/nonexistent/layout.toml: cannot read layout:")
    );
}
