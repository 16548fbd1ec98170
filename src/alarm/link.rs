//! Which panel shows an alarm's metric, so clicking an alarm goes to the chart that
//! explains it. Local rules know their panel; CloudWatch alarms name a namespace and
//! metric; Prometheus alerts carry the PromQL they evaluate, whose metric names are
//! matched against the names the panels' PromQL reads.

use super::Alarm;
use crate::dashboard::PanelKind;
use crate::dashboard::SourceQuery;
pub(crate) use crate::dashboard::alarms::{NameMatcher, PanelReads};
use crate::dashboard::{Dashboard, PanelId, QuerySpec, Target};

impl PanelReads {
    /// What the queries of a panel of `kind` read; nothing for an alarm panel.
    pub(crate) fn of(kind: PanelKind, queries: &[QuerySpec]) -> PanelReads {
        let mut reads = PanelReads::default();
        if kind == PanelKind::Alarms {
            return reads;
        }
        for query in queries {
            let Target::Fetch { query, .. } = &query.target else {
                continue;
            };
            match query {
                SourceQuery::Prometheus(prom) => reads
                    .names
                    .extend(crate::promql::metric_names(&prom.promql)),
                SourceQuery::Demo(demo) => {
                    reads
                        .names
                        .push(NameMatcher::Exact(demo.metric_name().to_owned()));
                    reads.metrics.push((None, demo.metric_name().to_owned()));
                }
                SourceQuery::CloudWatch(cw) => {
                    if let crate::dashboard::sources::cloudwatch::CwExpr::Stat(stat) = &cw.what {
                        reads
                            .metrics
                            .push((Some(stat.namespace.clone()), stat.metric.clone()));
                    }
                }
                SourceQuery::CostExplorer(_) | SourceQuery::SageMaker(_) => {}
            }
        }
        reads
    }
}

/// The series panel that best shows the alarm's metric: its own panel when it has
/// one; for CloudWatch alarms the first panel querying that namespace and metric; for
/// Prometheus alerts the panel whose PromQL shares the most metric names with the
/// alert's expression (the first such panel on a tie).
pub(crate) fn panel_showing(alarm: &Alarm, dashboard: &Dashboard) -> Option<PanelId> {
    if alarm.panel.is_some() {
        return alarm.panel.clone();
    }
    if let Some(expression) = &alarm.expression {
        return panel_reading_promql(expression, dashboard);
    }
    let namespace = alarm.labels.get("namespace")?;
    let metric = alarm.labels.get("metric")?;
    dashboard
        .panels
        .iter()
        .find(|panel| {
            panel
                .reads
                .metrics
                .iter()
                .any(|(n, m)| n.as_ref().is_none_or(|n| n == namespace) && m == metric)
        })
        .map(|panel| panel.id.clone())
}

fn panel_reading_promql(expression: &str, dashboard: &Dashboard) -> Option<PanelId> {
    let wanted = crate::promql::metric_names(expression);
    if wanted.is_empty() {
        return None;
    }
    let mut best: Option<(&PanelId, usize)> = None;
    for panel in &dashboard.panels {
        let shared = wanted
            .iter()
            .filter(|w| panel.reads.names.iter().any(|r| w.overlaps(r)))
            .count();
        if shared > 0 && best.is_none_or(|(_, most)| shared > most) {
            best = Some((&panel.id, shared));
        }
    }
    best.map(|(id, _)| id.clone())
}

impl NameMatcher {
    /// Whether both could select the same metric: equal names, a name the other's
    /// regex accepts, or the same regex.
    fn overlaps(&self, other: &NameMatcher) -> bool {
        match (self, other) {
            (NameMatcher::Exact(a), NameMatcher::Exact(b)) => a == b,
            (NameMatcher::Exact(name), NameMatcher::Regex(re))
            | (NameMatcher::Regex(re), NameMatcher::Exact(name)) => anchored_match(re, name),
            (NameMatcher::Regex(a), NameMatcher::Regex(b)) => a == b,
        }
    }
}

/// Whether Prometheus' fully anchored `re` accepts `name`. Compiled regexes are kept
/// (per thread, bounded): every alerts refresh links every alert against every panel.
fn anchored_match(re: &str, name: &str) -> bool {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static COMPILED: RefCell<HashMap<String, Option<regex::Regex>>> = RefCell::new(HashMap::new());
    }
    COMPILED.with(|compiled| {
        let mut compiled = compiled.borrow_mut();
        if compiled.len() > 1_000 {
            compiled.clear();
        }
        compiled
            .entry(re.to_owned())
            .or_insert_with(|| regex::Regex::new(&format!("^(?:{re})$")).ok())
            .as_ref()
            .is_some_and(|re| re.is_match(name))
    })
}

#[cfg(test)]
mod tests {
    use super::NameMatcher::{Exact, Regex};
    use super::*;

    #[test]
    fn a_name_meets_a_regex_the_way_prometheus_anchors_it() {
        let layout_regex = Regex("vllm[:_]e2e_request_latency_seconds_bucket".into());
        assert!(Exact("vllm:e2e_request_latency_seconds_bucket".into()).overlaps(&layout_regex));
        assert!(Exact("vllm_e2e_request_latency_seconds_bucket".into()).overlaps(&layout_regex));
        // Anchored: a longer name does not match.
        assert!(
            !Exact("vllm:e2e_request_latency_seconds_bucket_extra".into()).overlaps(&layout_regex)
        );
        // A broken regex matches nothing rather than failing.
        assert!(!Exact("x".into()).overlaps(&Regex("(".into())));
    }

    fn alert(expression: &str) -> Alarm {
        Alarm {
            name: "a".into(),
            source: "prom".into(),
            severity: None,
            state: crate::alarm::AlarmState::Firing,
            since: None,
            summary: String::new(),
            labels: Default::default(),
            expression: Some(expression.into()),
            panel: None,
        }
    }

    #[test]
    fn an_alert_leads_to_the_shipped_panel_that_draws_its_metric() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("layouts/vllm-serving.toml");
        let dashboard = crate::layout::load_layout(&path).unwrap();
        let title = |alarm: &Alarm| {
            panel_showing(alarm, &dashboard)
                .and_then(|id| dashboard.panel(&id).map(|p| p.title.clone()))
        };
        // A typical rule on the underscore spelling; the layout matches both.
        let p99 = alert(
            "histogram_quantile(0.99, sum by (le) (rate(vllm_e2e_request_latency_seconds_bucket[5m]))) > 10",
        );
        assert_eq!(
            title(&p99).as_deref(),
            Some("p99 end-to-end latency by model")
        );
        let ttft =
            alert("histogram_quantile(0.9, rate(vllm:time_to_first_token_seconds_bucket[5m])) > 2");
        assert_eq!(
            title(&ttft).as_deref(),
            Some("p90 time to first token by model")
        );
        // A metric no panel draws links nowhere rather than somewhere wrong.
        assert_eq!(title(&alert("up == 0")), None);
    }
}
