//! One Grafana query ("target") as a fleetdeck query: PromQL with its legend, or a
//! CloudWatch metric statistic, metric math or Metrics Insights query.

use super::sources::Kind;
use crate::import::toml_text::{key, quoted};
use serde_json::Value;

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

/// A CloudWatch target; `None` (with a note) when it asks nothing fleetdeck can.
pub(crate) fn cloudwatch(target: &Value, notes: &mut Vec<String>) -> Option<Query> {
    let refid = target.get("refId").and_then(Value::as_str).unwrap_or("?");
    let text = |name: &str| {
        target
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
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
    } else if let (Some(expression), true) = (
        text("expression"),
        target.get("metricEditorMode").and_then(Value::as_i64) == Some(1)
            || text("metricName").is_none(),
    ) {
        lines.push((
            "expression".to_owned(),
            quoted(&variables_in(expression, notes)),
        ));
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
    let hidden = target.get("hide").and_then(Value::as_bool) == Some(true)
        || target.get("returnData").and_then(Value::as_bool) == Some(false);
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
}
