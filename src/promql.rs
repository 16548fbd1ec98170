//! PromQL read by a real parser (`promql-parser`, GreptimeDB's port of Prometheus'
//! grammar) instead of hand-written scanners: the metric names an expression
//! selects (to link alerts to panels), whether an expression is one bare selector
//! (to fetch raw samples for a band), and whether a `label_values` selector is one.
//!
//! A layout's PromQL is PromQL plus Grafana's template references (`$model`,
//! `${model}`, `[$__rate_interval]`), which no PromQL parser accepts. Before parsing,
//! each reference outside a string literal is made neutral: a duration inside
//! `[…]`, otherwise a placeholder name (or, where a name does not fit, a number).
//! References inside strings (`{model=~"$model"}`) are ordinary string content.

use crate::dashboard::alarms::NameMatcher;
use promql_parser::label::MatchOp;
use promql_parser::parser::{self, Expr, LabelModifier, VectorSelector};
use promql_parser::util::{ExprVisitor, walk_expr};

/// The name a template reference stands in for outside brackets; never reported as
/// a metric name.
const PLACEHOLDER_NAME: &str = "fleetdeck_template_reference";

/// Parses `promql`, template references made neutral first.
fn parse(promql: &str) -> Result<Expr, String> {
    let as_name = neutral(promql, PLACEHOLDER_NAME);
    match parser::parse(&as_name) {
        Ok(expr) => Ok(expr),
        // `topk($n, …)`: a name where a number belongs; try the number.
        Err(first) if as_name != promql => parser::parse(&neutral(promql, "1")).map_err(|_| first),
        Err(error) => Err(error),
    }
}

/// The metric names `promql` selects, in order of appearance: selector names and
/// `__name__` matchers (`=` exact, `=~` a regex). Nothing when it does not parse:
/// a query the server would refuse reads no metric.
pub(crate) fn metric_names(promql: &str) -> Vec<NameMatcher> {
    struct Names(Vec<NameMatcher>);
    impl ExprVisitor for Names {
        type Error = std::convert::Infallible;
        fn pre_visit(&mut self, expr: &Expr) -> Result<bool, Self::Error> {
            let selector = match expr {
                Expr::VectorSelector(selector) => selector,
                Expr::MatrixSelector(matrix) => &matrix.vs,
                _ => return Ok(true),
            };
            if let Some(name) = &selector.name
                && name != PLACEHOLDER_NAME
            {
                self.0.push(NameMatcher::Exact(name.clone()));
            }
            for matcher in selector
                .matchers
                .matchers
                .iter()
                .filter(|m| m.name == "__name__")
            {
                match &matcher.op {
                    MatchOp::Equal => self.0.push(NameMatcher::Exact(matcher.value.clone())),
                    MatchOp::Re(_) => self.0.push(NameMatcher::Regex(matcher.value.clone())),
                    MatchOp::NotEqual | MatchOp::NotRe(_) => {}
                }
            }
            Ok(true)
        }
    }
    let Ok(expr) = parse(promql) else {
        return Vec::new();
    };
    let mut names = Names(Vec::new());
    let Ok(_) = walk_expr(&mut names, &expr);
    names.0
}

/// Whether `promql` is one vector selector — a metric name, label matchers or both —
/// with no function, operator, range, offset or `@`: the only shape whose raw
/// samples `query_range` can return unchanged.
pub(crate) fn is_bare_selector(promql: &str) -> bool {
    matches!(
        parser::parse(promql),
        Ok(Expr::VectorSelector(VectorSelector {
            offset: None,
            at: None,
            ..
        }))
    )
}

/// Whether `promql` answers at most one series whatever the server holds: an
/// aggregation over everything (`avg(x)`, `quantile(0.05, x)`, `sum by () (x)`),
/// a number, or arithmetic of such. Such a query needs no `count(…)` before its
/// first fetch to keep to a point budget: on a server of 100,000 series that
/// count costs as much as the query.
pub(crate) fn is_one_series(promql: &str) -> bool {
    fn one(expr: &Expr) -> bool {
        match expr {
            Expr::NumberLiteral(_) => true,
            Expr::Paren(paren) => one(&paren.expr),
            Expr::Unary(unary) => one(&unary.expr),
            Expr::Binary(binary) => one(&binary.lhs) && one(&binary.rhs),
            Expr::Aggregate(aggregate) => {
                let whole = match &aggregate.modifier {
                    None => true,
                    Some(LabelModifier::Include(labels)) => labels.labels.is_empty(),
                    Some(LabelModifier::Exclude(_)) => false,
                };
                let op = aggregate.op.to_string();
                whole
                    && matches!(
                        op.as_str(),
                        "sum"
                            | "avg"
                            | "min"
                            | "max"
                            | "count"
                            | "group"
                            | "stddev"
                            | "stdvar"
                            | "quantile"
                    )
            }
            _ => false,
        }
    }
    parse(promql).is_ok_and(|expr| one(&expr))
}

/// Checks that `selector` (the first argument of Grafana's `label_values`) is one
/// vector selector, and says what is wrong when it is not.
pub(crate) fn check_selector(selector: &str) -> Result<(), String> {
    match parse(selector) {
        Ok(Expr::VectorSelector(_)) => Ok(()),
        Ok(_) => Err(format!(
            "`{selector}` is not a series selector (write `metric{{label=\"value\"}}`)"
        )),
        Err(error) => Err(format!("`{selector}` is not PromQL: {}", error.trim())),
    }
}

/// `promql` with every template reference outside a string literal replaced: by
/// `1m` inside brackets (a range or subquery), by `stand_in` elsewhere.
fn neutral(promql: &str, stand_in: &str) -> String {
    let chars: Vec<char> = promql.chars().collect();
    let mut out = String::with_capacity(promql.len());
    let mut quote: Option<char> = None;
    let mut brackets = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if let Some(q) = quote {
            out.push(c);
            if c == '\\' && q != '`' {
                if let Some(&escaped) = chars.get(i + 1) {
                    out.push(escaped);
                    i += 1;
                }
            } else if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match c {
            '"' | '\'' | '`' => quote = Some(c),
            '[' => brackets += 1,
            ']' => brackets = brackets.saturating_sub(1),
            '$' => {
                if let Some(end) = reference_end(&chars, i) {
                    out.push_str(if brackets > 0 { "1m" } else { stand_in });
                    i = end;
                    continue;
                }
            }
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Index just past the template reference starting at the `$` at `start`
/// (`$name`, `${name}`, `${name:format}`), or `None` when none starts there.
fn reference_end(chars: &[char], start: usize) -> Option<usize> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    if chars.get(start + 1) == Some(&'{') {
        let close = chars[start + 2..].iter().position(|&c| c == '}')? + start + 2;
        let inside = &chars[start + 2..close];
        let name_len = inside.iter().take_while(|&&c| is_name(c)).count();
        (name_len > 0 && (name_len == inside.len() || inside[name_len] == ':')).then_some(close + 1)
    } else {
        let len = chars[start + 1..]
            .iter()
            .take_while(|&&c| is_name(c))
            .count();
        (len > 0).then_some(start + 1 + len)
    }
}

#[cfg(test)]
mod tests {
    use super::NameMatcher::{Exact, Regex};
    use super::*;

    #[test]
    fn only_whole_fleet_aggregations_are_known_to_answer_one_series() {
        for one in [
            "avg(DCGM_FI_DEV_GPU_UTIL)",
            "quantile(0.05, DCGM_FI_DEV_GPU_UTIL{Hostname=~\"$node\"})",
            "sum by () (rate(x[5m])) / sum(rate(y[$__rate_interval]))",
            "(max(x))",
            "1",
        ] {
            assert!(is_one_series(one), "{one}");
        }
        for many in [
            "DCGM_FI_DEV_GPU_UTIL",
            "avg by (Hostname) (DCGM_FI_DEV_GPU_UTIL)",
            "sum without (gpu) (x)",
            "topk(5, x)",
            "count_values(\"v\", x)",
            "sum(x) / y",
            "rate(x[5m])",
            "not promql (",
        ] {
            assert!(!is_one_series(many), "{many}");
        }
    }

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
            "sum(rate(errors_total[1m])) / on (job) group_left (team) sum(rate(requests_total[1m])) > bool inf",
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
            "label_replace(up, \"dst\", \"$1{y}\", \"src\", \"(.*)\") # not_a_metric here",
        );
        assert_eq!(names, [Exact("up".into())]);
    }

    #[test]
    fn template_references_do_not_hide_the_metric() {
        for (promql, metric) in [
            (
                r#"sum(rate(vllm:request_success_total{model_name=~"$model"}[$__rate_interval]))"#,
                "vllm:request_success_total",
            ),
            (
                "max by ($group) (rate(gpu_seconds_total[${window}]))",
                "gpu_seconds_total",
            ),
            ("topk($top, gpu_memory_used_bytes)", "gpu_memory_used_bytes"),
            ("$metric + on (job) up", "up"),
        ] {
            assert_eq!(metric_names(promql), [Exact(metric.into())], "{promql}");
        }
    }

    #[test]
    fn what_does_not_parse_reads_nothing() {
        for text in [
            "{",
            "sum(",
            "\"",
            "x{__name__=",
            "x{__name__=\"",
            "[5m",
            "rate(x[",
            "${",
            "$",
        ] {
            assert_eq!(metric_names(text), [], "{text}");
        }
    }

    #[test]
    fn a_bare_selector_is_one_selector_and_nothing_else() {
        for bare in ["up", r#"up{job="a", x=~"b|c"}"#, r#"{__name__="up"}"#] {
            assert!(is_bare_selector(bare), "{bare}");
        }
        for not in [
            "rate(up[5m])",
            "up[5m]",
            "up offset 5m",
            "up @ 100",
            "up > 1",
            "-up",
            "(up)",
            "1",
        ] {
            assert!(!is_bare_selector(not), "{not}");
        }
    }

    #[test]
    fn a_label_values_selector_is_checked_by_the_grammar() {
        assert_eq!(
            check_selector(r#"up{job="$job", instance=~"${node}"}"#),
            Ok(())
        );
        assert_eq!(check_selector("$metric"), Ok(()));
        let error = check_selector("rate(up[5m])").unwrap_err();
        assert!(error.contains("not a series selector"), "{error}");
        let error = check_selector(r#"up{job="a""#).unwrap_err();
        assert!(error.contains("is not PromQL"), "{error}");
    }
}
