//! One Grafana query ("target") as a fleetdeck query: PromQL with its legend, or a
//! CloudWatch metric statistic, metric math or Metrics Insights query.

use super::sources::Kind;
use crate::import::toml_text::{key, quoted};
use serde_json::Value;
use std::collections::BTreeSet;

/// A converted query: its source and keys as TOML text.
pub(crate) type Query = crate::import::toml_text::QueryText;

/// Grafana's variable spellings as fleetdeck's: `[[x]]` and `${x:format}`
/// become `${x}` (a note says a format was dropped).
pub(crate) fn variables_in(text: &str, notes: &mut Vec<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("[[") {
        let Some(end) = rest[start..].find("]]") else {
            break;
        };
        let name = &rest[start + 2..start + end];
        out.push_str(&rest[..start]);
        if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !name.is_empty() {
            out.push_str(&format!("${{{name}}}"));
        } else {
            out.push_str(&rest[start..start + end + 2]);
        }
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    let mut result = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(start) = rest.find("${") {
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        let inner = &rest[start + 2..start + end];
        result.push_str(&rest[..start]);
        match inner.split_once(':') {
            Some((name, format)) => {
                notes.push(format!("variable format `:{format}` of `${name}` dropped"));
                result.push_str(&format!("${{{name}}}"));
            }
            None => result.push_str(&rest[start..start + end + 1]),
        }
        rest = &rest[start + end + 1..];
    }
    result.push_str(rest);
    result
}

/// A Prometheus target; `None` (with a note) when there is nothing to ask.
pub(crate) fn prometheus(target: &Value, notes: &mut Vec<String>) -> Option<Query> {
    let refid = target.get("refId").and_then(Value::as_str).unwrap_or("?");
    let expr = target
        .get("expr")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim();
    if expr.is_empty() {
        notes.push(format!("query {refid}: no expression, dropped"));
        return None;
    }
    if target.get("hide").and_then(Value::as_bool) == Some(true) {
        notes.push(format!("query {refid}: hidden in Grafana, dropped"));
        return None;
    }
    let expr = variables_in(expr, notes);
    for builtin in [
        "$__interval_ms",
        "$__range_s",
        "$__range_ms",
        "$__rate_interval_ms",
    ] {
        if expr.contains(builtin) {
            notes.push(format!(
                "query {refid}: `{builtin}` is not substituted by fleetdeck"
            ));
        }
    }
    let mut lines = vec![("promql".to_owned(), quoted(&expr))];
    match target.get("legendFormat").and_then(Value::as_str) {
        None | Some("" | "__auto") => {}
        Some(legend) => lines.push(("legend".to_owned(), quoted(&variables_in(legend, notes)))),
    }
    if let Some(interval) = target
        .get("interval")
        .and_then(Value::as_str)
        .filter(|i| !i.is_empty())
    {
        notes.push(format!(
            "query {refid}: min interval `{interval}` dropped (the step follows the panel's width)"
        ));
    }
    if target
        .get("intervalFactor")
        .is_some_and(|f| f.as_f64() != Some(1.0))
    {
        notes.push(format!("query {refid}: intervalFactor dropped"));
    }
    if target
        .get("format")
        .and_then(Value::as_str)
        .is_some_and(|f| f != "time_series")
    {
        notes.push(format!(
            "query {refid}: format `{}` drawn as time series",
            target["format"].as_str().unwrap_or_default()
        ));
    }
    Some(Query {
        source: Kind::Prometheus.source_name().to_owned(),
        lines,
    })
}

/// A target's text field, trimmed; `None` when absent or blank.
fn text_field<'a>(target: &'a Value, name: &str) -> Option<&'a str> {
    target
        .get(name)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// A CloudWatch target's metric math, when it is one (the code editor's, or an
/// expression without a metric).
fn expression_of(target: &Value) -> Option<&str> {
    let text = |name: &str| text_field(target, name);
    let code = target.get("metricEditorMode").and_then(Value::as_i64) == Some(1);
    text("expression").filter(|_| code || text("metricName").is_none())
}

/// The ids the metric math of a panel's CloudWatch targets reads.
pub(crate) fn ids_read_by_expressions(targets: &[Value]) -> BTreeSet<String> {
    targets
        .iter()
        .filter(|t| t.get("metricQueryType").and_then(Value::as_i64) != Some(1))
        .filter_map(expression_of)
        .flat_map(crate::source::cloudwatch::batch::referenced_ids)
        .collect()
}

/// A CloudWatch target; `None` (with a note) when it asks nothing fleetdeck can.
/// `read` holds the ids the panel's metric math reads: such a target is fetched
/// but not drawn when Grafana says `returnData: false` (a target no expression
/// reads is drawn, as Grafana draws it), and a `*` over a dimension it has is
/// asked as a `SEARCH()`, as Grafana's data source does, since metric math
/// cannot read a `*` query.
pub(crate) fn cloudwatch(
    target: &Value,
    read: &BTreeSet<String>,
    notes: &mut Vec<String>,
) -> Option<Query> {
    let refid = target.get("refId").and_then(Value::as_str).unwrap_or("?");
    let text = |name: &str| text_field(target, name);
    let mut lines = Vec::new();
    let id = text("id").filter(|id| {
        id.starts_with(|c: char| c.is_ascii_lowercase())
            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    });
    if let Some(id) = id {
        lines.push(("id".to_owned(), quoted(id)));
    }
    let insights = target.get("metricQueryType").and_then(Value::as_i64) == Some(1);
    if let (true, Some(sql)) = (insights, text("sqlExpression")) {
        lines.push(("sql".to_owned(), quoted(&variables_in(sql, notes))));
    } else if let Some(expression) = expression_of(target) {
        lines.push((
            "expression".to_owned(),
            quoted(&variables_in(expression, notes)),
        ));
    } else if let Some(search) = id
        .filter(|id| read.contains(*id))
        .and_then(|_| search_of(target, notes))
    {
        notes.push(format!(
            "query {refid}: its `*` asked as SEARCH() so that metric math can read it"
        ));
        lines.push(("expression".to_owned(), quoted(&search)));
    } else {
        let (Some(namespace), Some(metric)) = (text("namespace"), text("metricName")) else {
            notes.push(format!("query {refid}: no namespace and metric, dropped"));
            return None;
        };
        lines.push((
            "namespace".to_owned(),
            quoted(&variables_in(namespace, notes)),
        ));
        lines.push(("metric".to_owned(), quoted(&variables_in(metric, notes))));
        let dimensions = dimensions(target, refid, notes);
        if !dimensions.is_empty() {
            lines.push((
                "dimensions".to_owned(),
                format!("{{ {} }}", dimensions.join(", ")),
            ));
        }
        let statistic = text("statistic").map(str::to_owned).or_else(|| {
            let all = target.get("statistics").and_then(Value::as_array)?;
            if all.len() > 1 {
                notes.push(format!(
                    "query {refid}: only the first of {} statistics kept",
                    all.len()
                ));
            }
            all.first()?.as_str().map(str::to_owned)
        });
        if let Some(statistic) = statistic {
            lines.push(("stat".to_owned(), quoted(&statistic)));
        }
        if target.get("matchExact").and_then(Value::as_bool) == Some(false) {
            notes.push(format!(
                "query {refid}: matchExact false drawn as exact dimensions"
            ));
        }
    }
    match target.get("period") {
        Some(Value::String(period)) if period.is_empty() || period == "auto" => {}
        Some(Value::String(period)) => {
            let period = if period.chars().all(|c| c.is_ascii_digit()) {
                format!("{period}s")
            } else {
                period.clone()
            };
            lines.push(("period".to_owned(), quoted(&period)));
        }
        Some(Value::Number(seconds)) => {
            if let Some(seconds) = seconds.as_u64().filter(|s| *s > 0) {
                lines.push(("period".to_owned(), quoted(&format!("{seconds}s"))));
            }
        }
        _ => {}
    }
    let legend = text("alias").or_else(|| text("label").filter(|l| !l.contains("${")));
    if let Some(legend) = legend {
        lines.push(("legend".to_owned(), quoted(&variables_in(legend, notes))));
    }
    let only_read = target.get("returnData").and_then(Value::as_bool) == Some(false)
        && id.is_some_and(|id| read.contains(id));
    let hidden = target.get("hide").and_then(Value::as_bool) == Some(true) || only_read;
    if hidden {
        lines.push(("hidden".to_owned(), "true".to_owned()));
    }
    if let Some(region) = text("region").filter(|r| *r != "default") {
        notes.push(format!(
            "query {refid}: region `{region}` dropped (the source's region is used)"
        ));
    }
    Some(Query {
        source: Kind::CloudWatch.source_name().to_owned(),
        lines,
    })
}

/// A metric statistic with a `*` (or several values) in a dimension as the
/// `SEARCH()` Grafana's CloudWatch data source builds for it:
/// `REMOVE_EMPTY(SEARCH('{AWS/EC2,InstanceId} MetricName="CPUUtilization"',
/// 'Average', 300))`; `None` when it has no such dimension.
fn search_of(target: &Value, notes: &mut Vec<String>) -> Option<String> {
    let refid = target.get("refId").and_then(Value::as_str).unwrap_or("?");
    let text = |name: &str| text_field(target, name);
    let namespace = variables_in(text("namespace")?, notes);
    let metric = variables_in(text("metricName")?, notes);
    let dimensions = target.get("dimensions")?.as_object()?;
    let mut names: Vec<&str> = Vec::new();
    let mut wildcards: Vec<&str> = Vec::new();
    let mut filters: Vec<String> = Vec::new();
    for (name, value) in dimensions {
        names.push(name);
        let values: Vec<&str> = match value {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            _ => continue,
        };
        if values.is_empty() || values.contains(&"*") {
            wildcards.push(name);
            continue;
        }
        let quoted_values: Vec<String> = values
            .iter()
            .map(|v| format!("\"{}\"", variables_in(v, notes).replace('"', "\\\"")))
            .collect();
        let joined = quoted_values.join(" OR ");
        filters.push(if values.len() > 1 {
            format!("\"{name}\"=({joined})")
        } else {
            format!("\"{name}\"={joined}")
        });
    }
    let several = |v: &Value| v.as_array().is_some_and(|many| many.len() > 1);
    if wildcards.is_empty() && !dimensions.values().any(several) {
        return None;
    }
    names.sort_unstable();
    filters.sort_unstable();
    let exact = target.get("matchExact").and_then(Value::as_bool) != Some(false);
    let mut term = if exact {
        format!("{{{},{}}}", namespace, names.join(","))
    } else {
        let loose: Vec<String> = wildcards.iter().map(|n| format!("\"{n}\"")).collect();
        format!(
            "Namespace=\"{namespace}\"{}",
            loose.iter().map(|n| format!(" {n}")).collect::<String>()
        )
    };
    term.push_str(&format!(" MetricName=\"{metric}\""));
    for filter in filters {
        term.push(' ');
        term.push_str(&filter);
    }
    let statistic = text("statistic")
        .map(str::to_owned)
        .or_else(|| {
            target
                .get("statistics")?
                .as_array()?
                .first()?
                .as_str()
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "Average".to_owned());
    let period = match target.get("period") {
        Some(Value::Number(seconds)) => seconds.as_u64().filter(|s| *s > 0),
        Some(Value::String(period)) => period.parse::<u64>().ok().filter(|s| *s > 0),
        _ => None,
    };
    let period = period.unwrap_or_else(|| {
        notes.push(format!(
            "query {refid}: an automatic period asked as 300 s in its SEARCH()"
        ));
        300
    });
    Some(format!(
        "REMOVE_EMPTY(SEARCH('{}', '{statistic}', {period}))",
        term.replace('\'', "\\'")
    ))
}

/// `Name = "value"` pairs; a list of values asks every value (`*`).
fn dimensions(target: &Value, refid: &str, notes: &mut Vec<String>) -> Vec<String> {
    let Some(object) = target.get("dimensions").and_then(Value::as_object) else {
        return Vec::new();
    };
    object
        .iter()
        .filter_map(|(name, value)| {
            let value = match value {
                Value::String(one) => one.clone(),
                Value::Array(many) if many.len() == 1 => many[0].as_str()?.to_owned(),
                Value::Array(_) => {
                    notes.push(format!(
                        "query {refid}: several values of {name} asked as `*`"
                    ));
                    "*".to_owned()
                }
                _ => return None,
            };
            Some(format!(
                "{} = {}",
                key(name),
                quoted(&variables_in(&value, notes))
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grafana_variable_spellings_become_fleetdecks() {
        let mut notes = Vec::new();
        assert_eq!(
            variables_in(
                "rate(x{a=~\"[[a]]\", b=~\"${b:regex}\", c=\"$c\"}[$__rate_interval])",
                &mut notes
            ),
            "rate(x{a=~\"${a}\", b=~\"${b}\", c=\"$c\"}[$__rate_interval])"
        );
        assert_eq!(notes.len(), 1);
    }

    fn converted(targets: Value) -> Vec<Vec<(String, String)>> {
        let targets = targets.as_array().unwrap().clone();
        let read = ids_read_by_expressions(&targets);
        let mut notes = Vec::new();
        targets
            .iter()
            .map(|t| cloudwatch(t, &read, &mut notes).unwrap().lines)
            .collect()
    }

    /// The value of key `name` as TOML reads it back (a string's text, else the
    /// TOML text).
    fn value(lines: &[(String, String)], name: &str) -> Option<String> {
        let (_, text) = lines.iter().find(|(k, _)| k == name)?;
        let table: toml::Table = toml::from_str(&format!("x = {text}")).unwrap();
        Some(match &table["x"] {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }

    #[test]
    fn metric_math_over_a_star_reads_a_search_as_grafana_builds_it() {
        let queries = converted(serde_json::json!([
            { "refId": "A", "id": "m1", "namespace": "AWS/EC2", "metricName": "CPUUtilization",
              "dimensions": { "InstanceId": "*", "AutoScalingGroupName": "web" },
              "statistic": "Maximum", "period": "60", "returnData": false },
            { "refId": "B", "id": "e1", "expression": "MAX(m1)", "metricEditorMode": 1 }
        ]));
        assert_eq!(
            value(&queries[0], "expression").as_deref(),
            Some(
                r#"REMOVE_EMPTY(SEARCH('{AWS/EC2,AutoScalingGroupName,InstanceId} MetricName="CPUUtilization" "AutoScalingGroupName"="web"', 'Maximum', 60))"#
            )
        );
        assert_eq!(value(&queries[0], "namespace"), None);
        assert_eq!(
            value(&queries[0], "hidden").as_deref(),
            Some("true"),
            "read by e1, not drawn"
        );
        assert_eq!(value(&queries[1], "expression").as_deref(), Some("MAX(m1)"));
        assert_eq!(value(&queries[1], "hidden"), None);
    }

    #[test]
    fn a_target_no_expression_reads_is_drawn_whatever_return_data_says() {
        let queries = converted(serde_json::json!([
            { "refId": "A", "id": "m1", "namespace": "AWS/EC2", "metricName": "CPUUtilization",
              "dimensions": { "InstanceId": "*" }, "statistic": "Average", "returnData": false },
            { "refId": "B", "namespace": "AWS/EC2", "metricName": "NetworkIn",
              "dimensions": { "InstanceId": "i-1" }, "statistic": "Sum", "hide": true }
        ]));
        assert_eq!(value(&queries[0], "hidden"), None);
        assert!(
            queries[0]
                .iter()
                .any(|(k, v)| k == "dimensions" && v.contains(r#"InstanceId = "*""#)),
            "a `*` nothing reads stays a statistic, expanded by ListMetrics: {:?}",
            queries[0]
        );
        assert_eq!(
            value(&queries[1], "hidden").as_deref(),
            Some("true"),
            "hide is hide"
        );
    }

    #[test]
    fn a_loose_match_searches_by_namespace_and_several_values_are_ored() {
        let queries = converted(serde_json::json!([
            { "refId": "A", "id": "m1", "namespace": "AWS/SageMaker", "metricName": "Invocations",
              "dimensions": { "EndpointName": ["a", "b"], "VariantName": "*" },
              "statistic": "Sum", "matchExact": false },
            { "refId": "B", "id": "e1", "expression": "SUM(m1)" }
        ]));
        assert_eq!(
            value(&queries[0], "expression").as_deref(),
            Some(
                r#"REMOVE_EMPTY(SEARCH('Namespace="AWS/SageMaker" "VariantName" MetricName="Invocations" "EndpointName"=("a" OR "b")', 'Sum', 300))"#
            )
        );
    }
}
