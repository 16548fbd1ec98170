//! Which panel shows an alarm's metric, so clicking an alarm goes to the chart that
//! explains it. Local rules know their panel; CloudWatch alarms name a namespace and
//! metric; Prometheus alerts carry the PromQL they evaluate, whose metric names are
//! matched against the names the panels' PromQL reads.

use super::Alarm;
use crate::dashboard::PanelKind;
use crate::dashboard::SourceQuery;
pub use crate::dashboard::alarms::{NameMatcher, PanelReads};
use crate::dashboard::{Dashboard, PanelId, QuerySpec, Target};

impl PanelReads {
    /// What the queries of a panel of `kind` read; nothing for an alarm panel.
    pub fn of(kind: PanelKind, queries: &[QuerySpec]) -> PanelReads {
        let mut reads = PanelReads::default();
        if kind == PanelKind::Alarms {
            return reads;
        }
        for query in queries {
            let Target::Fetch { query, .. } = &query.target else {
                continue;
            };
            match query {
                SourceQuery::Prometheus(prom) => reads.names.extend(metric_names(&prom.promql)),
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
pub fn panel_showing(alarm: &Alarm, dashboard: &Dashboard) -> Option<PanelId> {
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
    let wanted = metric_names(expression);
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

/// Keywords, modifiers and aggregation operators (which may precede `by (…)` rather
/// than `(`): identifiers that are not metric names.
const KEYWORDS: &[&str] = &[
    "and",
    "or",
    "unless",
    "offset",
    "bool",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "atan2",
    "sum",
    "min",
    "max",
    "avg",
    "group",
    "stddev",
    "stdvar",
    "count",
    "count_values",
    "bottomk",
    "topk",
    "quantile",
    "limitk",
    "limit_ratio",
];

/// Keywords followed by a parenthesised list of label names (not an expression).
const LABEL_LISTS: [&str; 6] = [
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
];

/// The metric names a PromQL expression selects, in order of appearance. A small
/// scanner rather than a parser: it only has to tell metric names apart from
/// functions, keywords, label lists, strings, durations and numbers.
pub fn metric_names(promql: &str) -> Vec<NameMatcher> {
    let chars: Vec<char> = promql.chars().collect();
    let mut names = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' || c == '\'' || c == '`' {
            i = skip_string(&chars, i);
        } else if c == '{' {
            let end = closing(&chars, i, '{', '}');
            names.extend(name_matchers(&chars[i + 1..end.min(chars.len())]));
            i = end + 1;
        } else if c == '[' {
            i = closing(&chars, i, '[', ']') + 1;
        } else if c == '#' {
            // A comment runs to the end of the line.
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c.is_ascii_digit() || c == '.' {
            // Numbers and durations (`0.99`, `5m`, `1e3`).
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
        } else if c.is_ascii_alphabetic() || c == '_' || c == ':' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '_' | ':'))
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let next = chars[i..]
                .iter()
                .position(|c| !c.is_whitespace())
                .map(|p| i + p);
            let opens_paren = next.is_some_and(|n| chars[n] == '(');
            if LABEL_LISTS.contains(&word.as_str()) && opens_paren {
                i = closing(&chars, next.unwrap_or(i), '(', ')') + 1;
            } else if !opens_paren
                && !KEYWORDS.contains(&word.as_str())
                && !matches!(word.to_ascii_lowercase().as_str(), "inf" | "nan")
            {
                names.push(NameMatcher::Exact(word));
            }
        } else {
            i += 1;
        }
    }
    names
}

/// Index just past the string literal starting at `start`.
fn skip_string(chars: &[char], start: usize) -> usize {
    let quote = chars[start];
    let mut i = start + 1;
    while i < chars.len() {
        if chars[i] == '\\' && quote != '`' {
            i += 2;
            continue;
        }
        if chars[i] == quote {
            return i + 1;
        }
        i += 1;
    }
    chars.len()
}

/// Index of the bracket closing the one at `start` (strings skipped), or the end.
fn closing(chars: &[char], start: usize, open: char, close: char) -> usize {
    let mut depth = 0;
    let mut i = start;
    while i < chars.len() {
        match chars[i] {
            '"' | '\'' | '`' => {
                i = skip_string(chars, i);
                continue;
            }
            c if c == open => depth += 1,
            c if c == close => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
        i += 1;
    }
    chars.len()
}

/// `__name__` matchers inside a selector's braces (`{__name__=~"vllm[:_]x", model="a"}`).
fn name_matchers(inside: &[char]) -> Vec<NameMatcher> {
    let text: String = inside.iter().collect();
    let mut found = Vec::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("__name__") {
        rest = rest[at + "__name__".len()..].trim_start();
        let (regex, after) = if let Some(after) = rest.strip_prefix("=~") {
            (true, after)
        } else if let Some(after) = rest.strip_prefix('=') {
            (false, after)
        } else {
            continue;
        };
        let after = after.trim_start();
        let Some(quote) = after
            .chars()
            .next()
            .filter(|q| matches!(q, '"' | '\'' | '`'))
        else {
            continue;
        };
        let chars: Vec<char> = after.chars().collect();
        let end = skip_string(&chars, 0);
        let raw: String = chars[1..end.saturating_sub(1).max(1)].iter().collect();
        let value = if quote == '`' { raw } else { unescape(&raw) };
        found.push(if regex {
            NameMatcher::Regex(value)
        } else {
            NameMatcher::Exact(value)
        });
        rest = &after[chars[..end].iter().map(|c| c.len_utf8()).sum::<usize>()..];
    }
    found
}

/// PromQL's (Go's) backslash escapes, enough for names and regexes: `\\` → `\`,
/// `\"` → `"`; other escapes keep their backslash for the regex engine.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(e @ ('\\' | '"' | '\'')) => out.push(e),
                Some(e) => {
                    out.push('\\');
                    out.push(e);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::NameMatcher::{Exact, Regex};
    use super::*;

    #[test]
    fn names_are_told_apart_from_functions_labels_and_durations() {
        let names = metric_names(
            r#"histogram_quantile(0.99, sum by (le, model_name) (rate(vllm:e2e_request_latency_seconds_bucket{model_name="llama", le!="+Inf"}[5m] offset 1h))) > 10"#,
        );
        assert_eq!(
            names,
            [Exact("vllm:e2e_request_latency_seconds_bucket".into())]
        );
    }

    #[test]
    fn binary_operations_name_both_sides() {
        let names = metric_names(
            "sum(rate(errors_total[1m])) / on (job) group_left (team) sum(rate(requests_total[1m])) and bool inf",
        );
        assert_eq!(
            names,
            [Exact("errors_total".into()), Exact("requests_total".into())]
        );
    }

    #[test]
    fn name_matchers_inside_braces_count() {
        let names = metric_names(
            r#"max({__name__=~"vllm[:_](kv|gpu)_cache_usage_perc", job="a"}) + {__name__="up"}"#,
        );
        assert_eq!(
            names,
            [
                Regex("vllm[:_](kv|gpu)_cache_usage_perc".into()),
                Exact("up".into())
            ]
        );
    }

    #[test]
    fn strings_and_comments_are_not_names() {
        let names = metric_names(
            "label_replace(up, \"dst\", \"x{y}\", \"src\", \"(.*)\") # not_a_metric here",
        );
        assert_eq!(names, [Exact("up".into())]);
    }

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

    #[test]
    fn never_panics_on_unbalanced_text() {
        for text in [
            "{",
            "sum(",
            "\"",
            "x{__name__=",
            "x{__name__=\"",
            "[5m",
            "rate(x[",
            "__name__",
        ] {
            let _ = metric_names(text);
        }
    }
}
