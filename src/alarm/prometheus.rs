//! Prometheus `/api/v1/rules` and Alertmanager `/api/v2/alerts` into the alarm model.
//! Both keep the PromQL behind each alert (the rule's `query`; Alertmanager's
//! `generatorURL`), so the alarm can lead to the panel that draws its metric.

use super::{Alarm, AlarmState};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct PrometheusRules {
    data: PrometheusRuleData,
}

#[derive(Deserialize)]
struct PrometheusRuleData {
    groups: Vec<PrometheusRuleGroup>,
}

#[derive(Deserialize)]
struct PrometheusRuleGroup {
    #[serde(default)]
    rules: Vec<PrometheusRule>,
}

/// One rule of `/api/v1/rules`; recording rules have no `alerts` and are skipped.
#[derive(Deserialize)]
struct PrometheusRule {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    query: String,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    #[serde(default)]
    alerts: Vec<PrometheusAlert>,
}

#[derive(Deserialize)]
struct PrometheusAlert {
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    state: String,
    #[serde(default, rename = "activeAt")]
    active_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
struct AlertmanagerAlert {
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    #[serde(rename = "startsAt")]
    starts_at: Option<DateTime<Utc>>,
    status: AlertmanagerStatus,
    /// Prometheus' link to the graph of the rule: `…/graph?g0.expr=<PromQL>&g0.tab=1`.
    #[serde(default, rename = "generatorURL")]
    generator_url: String,
}

#[derive(Deserialize)]
struct AlertmanagerStatus {
    state: String,
}

fn summary(annotations: &BTreeMap<String, String>) -> String {
    annotations
        .get("summary")
        .or_else(|| annotations.get("description"))
        .or_else(|| annotations.get("message"))
        .cloned()
        .unwrap_or_default()
}

fn alarm(
    source: &str,
    labels: BTreeMap<String, String>,
    annotations: &BTreeMap<String, String>,
    state: AlarmState,
    since: Option<DateTime<Utc>>,
    expression: Option<String>,
) -> Alarm {
    Alarm {
        name: labels
            .get("alertname")
            .cloned()
            .unwrap_or_else(|| "(unnamed)".to_owned()),
        source: source.to_owned(),
        severity: labels.get("severity").cloned(),
        state,
        since,
        summary: summary(annotations),
        labels,
        expression,
        panel: None,
    }
}

/// Parses Prometheus' `/api/v1/rules?type=alert`: the firing and pending alerts
/// of every alerting rule, each with its rule's PromQL, and every rule with no
/// alert as one `ok` alarm — a list of alarms shows the quiet ones too.
pub(crate) fn from_prometheus(source: &str, body: &[u8]) -> Result<Vec<Alarm>, String> {
    let parsed: PrometheusRules =
        serde_json::from_slice(body).map_err(|e| format!("unreadable alerting rules: {e}"))?;
    let mut alarms = Vec::new();
    for rule in parsed.data.groups.into_iter().flat_map(|g| g.rules) {
        if rule.kind != "alerting" {
            continue;
        }
        let expression = Some(rule.query.clone()).filter(|q| !q.is_empty());
        if rule.alerts.is_empty() {
            let mut labels = rule.labels;
            labels.insert("alertname".to_owned(), rule.name);
            alarms.push(alarm(
                source,
                labels,
                &rule.annotations,
                AlarmState::Ok,
                None,
                expression,
            ));
            continue;
        }
        for alert in rule.alerts {
            let state = match alert.state.as_str() {
                "firing" => AlarmState::Firing,
                "pending" => AlarmState::Pending,
                _ => continue,
            };
            alarms.push(alarm(
                source,
                alert.labels,
                &alert.annotations,
                state,
                alert.active_at,
                expression.clone(),
            ));
        }
    }
    Ok(alarms)
}

/// Parses Alertmanager's `/api/v2/alerts`.
pub(crate) fn from_alertmanager(source: &str, body: &[u8]) -> Result<Vec<Alarm>, String> {
    let parsed: Vec<AlertmanagerAlert> =
        serde_json::from_slice(body).map_err(|e| format!("unreadable alerts: {e}"))?;
    Ok(parsed
        .into_iter()
        .map(|a| {
            let state = if a.status.state == "suppressed" {
                AlarmState::Suppressed
            } else {
                AlarmState::Firing
            };
            let expression = expression_of_generator(&a.generator_url);
            alarm(
                source,
                a.labels,
                &a.annotations,
                state,
                a.starts_at,
                expression,
            )
        })
        .collect())
}

/// The PromQL in a Prometheus `generatorURL` (`g0.expr`), if the alert came from one.
fn expression_of_generator(url: &str) -> Option<String> {
    let url = reqwest::Url::parse(url).ok()?;
    url.query_pairs()
        .find(|(key, _)| key == "g0.expr")
        .map(|(_, expr)| expr.into_owned())
        .filter(|expr| !expr.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_alerts_keep_state_severity_and_summary() {
        let body = br#"{"status":"success","data":{"groups":[{"name":"g","rules":[
            {"type":"recording","name":"r","query":"sum(x)"},
            {"type":"alerting","name":"HighP99","query":"p99 > 10","alerts":[
              {"labels":{"alertname":"HighP99","severity":"critical","model_name":"a"},"annotations":{"summary":"p99 above 10 s"},"state":"firing","activeAt":"2026-11-25T11:58:00Z","value":"12"}]},
            {"type":"alerting","name":"QueueGrowing","query":"queue > 3","alerts":[
              {"labels":{"alertname":"QueueGrowing"},"annotations":{},"state":"pending","activeAt":"2026-11-25T11:59:00Z","value":"3"}]},
            {"type":"alerting","name":"Quiet","query":"x > 1","alerts":[]}]}]}}"#;
        let alarms = from_prometheus("prom", body).unwrap();
        assert_eq!(alarms.len(), 3);
        // The rule with no alert is listed, ok.
        assert_eq!(alarms[2].name, "Quiet");
        assert_eq!(alarms[2].state, AlarmState::Ok);
        assert_eq!(alarms[2].expression.as_deref(), Some("x > 1"));
        assert_eq!(alarms[0].expression.as_deref(), Some("p99 > 10"));
        assert_eq!(alarms[0].name, "HighP99");
        assert_eq!(alarms[0].state, AlarmState::Firing);
        assert_eq!(alarms[0].severity.as_deref(), Some("critical"));
        assert_eq!(alarms[0].summary, "p99 above 10 s");
        assert_eq!(alarms[1].state, AlarmState::Pending);
    }

    #[test]
    fn alertmanager_alerts_mark_silenced_ones_suppressed() {
        let body = br#"[{"labels":{"alertname":"A"},"annotations":{"description":"d"},"startsAt":"2026-11-25T11:00:00Z","status":{"state":"suppressed","silencedBy":["x"],"inhibitedBy":[]},
                          "generatorURL":"http://prom:9090/graph?g0.expr=sum%28rate%28errors_total%5B1m%5D%29%29+%3E+1&g0.tab=1"},
                         {"labels":{"alertname":"B"},"annotations":{},"startsAt":"2026-11-25T11:00:00Z","status":{"state":"active","silencedBy":[],"inhibitedBy":[]}}]"#;
        let alarms = from_alertmanager("am", body).unwrap();
        assert_eq!(alarms[0].state, AlarmState::Suppressed);
        assert_eq!(alarms[0].summary, "d");
        assert_eq!(
            alarms[0].expression.as_deref(),
            Some("sum(rate(errors_total[1m])) > 1")
        );
        assert_eq!(alarms[1].expression, None);
        assert_eq!(alarms[1].state, AlarmState::Firing);
    }
}
