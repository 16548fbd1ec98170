//! CloudWatch queries in a layout: checking them, and turning a panel's queries into
//! batch entries (metric stats, metric math, Metrics Insights).

use super::batch::{DimensionSet, Entry, Planner, entry_id, referenced_ids, rewrite_ids};
use crate::layout::{Panel, Query, SourceConfig};
use crate::source::{QueryProblem, RangeRequest};
use crate::time_range::parse_duration;

/// Statistic used when a query names none.
pub const DEFAULT_STAT: &str = "Average";
/// A dimension value that matches every value `ListMetrics` reports.
pub const WILDCARD: &str = "*";

/// Checks a `[sources.NAME]` table of kind cloudwatch.
pub fn validate_source(config: &SourceConfig) -> Vec<QueryProblem> {
    let mut problems = Vec::new();
    let at_kind = |message: &str| QueryProblem {
        message: message.to_owned(),
        span: Some(config.kind.span()),
    };
    match &config.region {
        None => problems.push(at_kind(
            "a cloudwatch source needs `region`, e.g. region = \"us-east-1\"",
        )),
        Some(region) if !is_region(region.get_ref()) => problems.push(QueryProblem {
            message: format!(
                "`{}` is not an AWS region name like us-east-1",
                region.get_ref()
            ),
            span: Some(region.span()),
        }),
        Some(_) => {}
    }
    if let Some(url) = &config.endpoint_url
        && !(url.get_ref().starts_with("http://") || url.get_ref().starts_with("https://"))
    {
        problems.push(QueryProblem {
            message: format!(
                "endpoint_url `{}` must start with http:// or https://",
                url.get_ref()
            ),
            span: Some(url.span()),
        });
    }
    let prometheus_only = crate::source::has_prometheus_keys(config) || config.seed.is_some();
    if prometheus_only {
        problems.push(at_kind(
            "a cloudwatch source takes region, profile, endpoint_url and timeout; credentials come from the AWS credential chain, never the layout",
        ));
    }
    problems.extend(crate::source::duration_problems(&[&config.timeout]));
    problems
}

/// Whether `name` looks like an AWS region (`us-east-1`, `us-gov-west-1`).
pub fn is_region(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}

/// Checks one query of a time-series or stat panel on a cloudwatch source.
pub fn validate_query(query: &Query) -> Result<(), QueryProblem> {
    let at = |span: std::ops::Range<usize>, message: String| QueryProblem {
        message,
        span: Some(span),
    };
    let source_span = query.source.span();
    if query.promql.is_some()
        || query.quantile.is_some()
        || query.rate
        || !query.labels.is_empty()
        || query.by.is_some()
        || query.aggregate.is_some()
    {
        return Err(at(
            source_span,
            "a cloudwatch query takes namespace/metric/dimensions/stat, expression or sql — not promql, quantile, rate, labels, by or aggregate".to_owned(),
        ));
    }
    let kinds = [
        query.metric.is_some(),
        query.expression.is_some(),
        query.sql.is_some(),
    ]
    .iter()
    .filter(|&&set| set)
    .count();
    if kinds != 1 {
        return Err(at(
            source_span,
            "a cloudwatch query needs exactly one of `metric` (with `namespace`), `expression` or `sql`".to_owned(),
        ));
    }
    if let Some(metric) = &query.metric {
        if query.namespace.is_none() {
            return Err(at(
                metric.span(),
                format!(
                    "metric `{}` needs its `namespace`, e.g. namespace = \"AWS/SageMaker\"",
                    metric.get_ref()
                ),
            ));
        }
    } else if query.namespace.is_some() || !query.dimensions.is_empty() || query.stat.is_some() {
        return Err(at(
            source_span,
            "namespace, dimensions and stat belong to a `metric` query; an expression or sql query carries its own".to_owned(),
        ));
    }
    if let Some(stat) = &query.stat
        && !is_statistic(stat.get_ref())
    {
        return Err(at(
            stat.span(),
            format!(
                "unknown statistic `{}`: use Average, Sum, Minimum, Maximum, SampleCount, IQM, or a percentile such as p99, tm99, tc90, ts99, wm99, PR(100:2000)",
                stat.get_ref()
            ),
        ));
    }
    if let Some(period) = &query.period {
        let ms = parse_duration(period.get_ref())
            .map_err(|e| at(period.span(), e.to_string()))?
            .as_millis() as i64;
        if ms < 1_000 || super::period::valid_period(ms) != ms {
            return Err(at(
                period.span(),
                format!(
                    "period `{}`: CloudWatch takes 1s, 5s, 10s, 30s or a multiple of 60s",
                    period.get_ref()
                ),
            ));
        }
    }
    if let Some(id) = &query.id
        && !is_id(id.get_ref())
    {
        return Err(at(
            id.span(),
            format!(
                "id `{}` must start with a lower-case letter and hold only letters, digits and _",
                id.get_ref()
            ),
        ));
    }
    Ok(())
}

/// Checks what only the whole panel can tell: ids are unique, expressions name
/// ids that exist, and a `*` query does not feed an expression.
pub fn validate_panel(panel: &Panel, is_cloudwatch: &dyn Fn(&Query) -> bool) -> Vec<QueryProblem> {
    let mut problems = Vec::new();
    let queries: Vec<&Query> = panel.queries.iter().filter(|q| is_cloudwatch(q)).collect();
    for (i, query) in queries.iter().enumerate() {
        if let Some(id) = &query.id
            && queries[..i]
                .iter()
                .any(|q| q.id.as_ref().map(|x| x.get_ref()) == Some(id.get_ref()))
        {
            problems.push(QueryProblem {
                message: format!("id `{}` is used twice in this panel", id.get_ref()),
                span: Some(id.span()),
            });
        }
        if let Some(expression) = &query.expression {
            for word in referenced_ids(expression.get_ref()) {
                if !word.starts_with(|c: char| c.is_ascii_lowercase()) {
                    continue; // functions and keywords are upper-case
                }
                match queries
                    .iter()
                    .find(|q| q.id.as_ref().map(|x| x.get_ref().as_str()) == Some(word.as_str()))
                {
                    None => problems.push(QueryProblem {
                        message: format!(
                            "expression refers to `{word}`, but no query of this panel has id = \"{word}\""
                        ),
                        span: Some(expression.span()),
                    }),
                    Some(target) if has_wildcard(target) => problems.push(QueryProblem {
                        message: format!(
                            "`{word}` has a `*` dimension and cannot feed an expression; use SEARCH() or sql"
                        ),
                        span: Some(expression.span()),
                    }),
                    Some(_) => {}
                }
            }
        }
    }
    problems
}

fn is_id(id: &str) -> bool {
    id.starts_with(|c: char| c.is_ascii_lowercase())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether CloudWatch knows this statistic: a standard one, or an extended one
/// (percentile, trimmed mean/count/sum, winsorized mean, percentile rank).
pub fn is_statistic(stat: &str) -> bool {
    const STANDARD: &[&str] = &["Average", "Sum", "Minimum", "Maximum", "SampleCount", "IQM"];
    if STANDARD.contains(&stat) {
        return true;
    }
    let lower = stat.to_ascii_lowercase();
    for prefix in ["tm", "tc", "ts", "wm", "pr", "p"] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            if rest.starts_with('(') && rest.ends_with(')') && rest.len() > 2 {
                return prefix != "p";
            }
            if prefix == "pr" {
                continue;
            }
            return rest
                .parse::<f64>()
                .is_ok_and(|v| (0.0..=100.0).contains(&v));
        }
    }
    false
}

/// Whether any dimension of the query is `*`.
pub fn has_wildcard(query: &Query) -> bool {
    query.dimensions.values().any(|v| v == WILDCARD)
}

/// The query's fixed `period`, ms.
pub fn fixed_period_ms(query: &Query) -> Option<i64> {
    let period = query.period.as_ref()?;
    parse_duration(period.get_ref())
        .ok()
        .map(|d| d.as_millis() as i64)
}

/// Adds `request` to `planner`. `expand` lists the concrete dimension sets of a
/// query with `*` dimensions (from `ListMetrics`).
pub fn add_request(
    planner: &mut Planner,
    request: &RangeRequest,
    expand: &dyn Fn(&Query) -> Result<Vec<DimensionSet>, String>,
) {
    let period_s = (request.step_ms / 1_000).max(1) as i32;
    if request.query.hidden && !read_by_derive(&request.query, &request.panel_queries) {
        // Only metric math here reads it: it travels as a dependency, if at all.
        planner.add_request(Ok(Vec::new()));
        return;
    }
    let targets = if has_wildcard(&request.query) {
        expand(&request.query).map(|sets| {
            sets.into_iter()
                .map(|dimensions| {
                    planner.intern(stat_entry(&request.query, dimensions, period_s), Vec::new())
                })
                .collect()
        })
    } else {
        intern_query(planner, &request.query, &request.panel_queries, period_s, 0).map(|i| vec![i])
    };
    planner.add_request(targets);
}

/// Whether a client-side `derive` query of the panel reads this query's series.
fn read_by_derive(query: &Query, panel: &[Query]) -> bool {
    let Some(id) = &query.id else {
        return false;
    };
    panel.iter().filter_map(|q| q.derive.as_ref()).any(|text| {
        crate::derive::parse(text.get_ref())
            .is_ok_and(|expr| expr.names().contains(&id.get_ref().as_str()))
    })
}

/// Expressions may read expressions; this deep is surely a cycle.
const MAX_DEPTH: usize = 8;

fn intern_query(
    planner: &mut Planner,
    query: &Query,
    panel: &[Query],
    period_s: i32,
    depth: usize,
) -> Result<usize, String> {
    if depth > MAX_DEPTH {
        return Err("expressions refer to each other in a cycle".to_owned());
    }
    if let Some(sql) = &query.sql {
        return Ok(planner.intern(
            Entry::Sql {
                sql: sql.get_ref().clone(),
                period_s,
            },
            Vec::new(),
        ));
    }
    if let Some(expression) = &query.expression {
        let mut reads = Vec::new();
        let mut renamed = std::collections::HashMap::new();
        for word in referenced_ids(expression.get_ref()) {
            let Some(target) = panel
                .iter()
                .find(|q| q.id.as_ref().map(|id| id.get_ref().as_str()) == Some(word.as_str()))
            else {
                if word.starts_with(|c: char| c.is_ascii_lowercase()) {
                    return Err(format!(
                        "expression refers to `{word}`, but no query of this panel has id = \"{word}\""
                    ));
                }
                continue;
            };
            if has_wildcard(target) {
                return Err(format!(
                    "`{word}` has a `*` dimension and cannot feed an expression"
                ));
            }
            let index = intern_query(planner, target, panel, period_s, depth + 1)?;
            reads.push(index);
            renamed.insert(word, entry_id(index));
        }
        let rewritten = rewrite_ids(expression.get_ref(), &|word| renamed.get(word).cloned());
        return Ok(planner.intern(
            Entry::Expression {
                expression: rewritten,
                period_s,
            },
            reads,
        ));
    }
    let dimensions = query
        .dimensions
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(planner.intern(stat_entry(query, dimensions, period_s), Vec::new()))
}

fn stat_entry(query: &Query, mut dimensions: Vec<(String, String)>, period_s: i32) -> Entry {
    dimensions.sort();
    Entry::Stat {
        namespace: query
            .namespace
            .as_ref()
            .map(|n| n.get_ref().clone())
            .unwrap_or_default(),
        metric: query
            .metric
            .as_ref()
            .map(|m| m.get_ref().clone())
            .unwrap_or_default(),
        dimensions,
        stat: query
            .stat
            .as_ref()
            .map_or_else(|| DEFAULT_STAT.to_owned(), |s| s.get_ref().clone()),
        period_s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_cloudwatch_knows_are_accepted() {
        for stat in [
            "Average",
            "Sum",
            "SampleCount",
            "p99",
            "p99.9",
            "tm99",
            "TM(10%:90%)",
            "tc90",
            "wm99",
            "PR(100:2000)",
            "IQM",
        ] {
            assert!(is_statistic(stat), "{stat}");
        }
        for stat in ["avg", "p101", "pX", "mean", "PR99", ""] {
            assert!(!is_statistic(stat), "{stat}");
        }
    }

    #[test]
    fn region_names_are_checked_by_shape() {
        assert!(is_region("us-east-1"));
        assert!(is_region("ap-southeast-2"));
        assert!(is_region("us-gov-west-1"));
        assert!(!is_region("useast1"));
        assert!(!is_region("us-east"));
    }
}
