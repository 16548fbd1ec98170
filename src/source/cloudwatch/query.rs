//! CloudWatch queries in a layout: checking them, and turning a panel's queries into
//! batch entries (metric stats, metric math, Metrics Insights).

use super::batch::{DimensionSet, Entry, Planner, Token, entry_id, referenced_ids, tokens};
use crate::dashboard::sources::aws::ClientSettings;
pub use crate::dashboard::sources::cloudwatch::{CloudWatchQuery, CwExpr, CwStat, MathPart};
use crate::layout_file::{Panel, Query, SourceConfig};
use crate::source::{QueryProblem, RangeRequest, SourceQuery};
use crate::time_range::parse_duration;

/// Statistic used when a query names none.
pub(crate) const DEFAULT_STAT: &str = "Average";
/// A dimension value that matches every value `ListMetrics` reports.
pub(crate) const WILDCARD: &str = "*";

impl CloudWatchQuery {
    /// The metric's name, for a metric statistic.
    pub(crate) fn metric_name(&self) -> Option<&str> {
        match &self.what {
            CwExpr::Stat(stat) => Some(&stat.metric),
            CwExpr::Math(_) | CwExpr::Sql(_) => None,
        }
    }
}

impl CwStat {
    /// Whether a concrete dimension set is one the query asks for.
    pub(crate) fn allows(&self, set: &[(String, String)]) -> bool {
        set.iter().all(|(name, value)| {
            self.choices
                .get(name)
                .is_none_or(|allowed| allowed.contains(value))
        })
    }
}

/// The finest period CloudWatch keeps for standard-resolution metrics, ms: a
/// coarser step can hide a spike between its datapoints.
pub(crate) const NATIVE_PERIOD_MS: i64 = 60_000;

/// The Minimum or Maximum statistic of the same metric at the same period, for
/// the min/max band: requested in the same batch and billed like any metric. Only
/// for a statistic that is a level (an average, an extreme, a percentile, a
/// trimmed mean): a Sum or SampleCount per period is not comparable with single
/// datapoints. Not for metric math, Insights, a fixed period, or a step no
/// coarser than a minute, nor for a hidden query only metric math reads.
pub(crate) fn envelope_query(
    query: &CloudWatchQuery,
    extreme: crate::source::Extreme,
    step_ms: i64,
) -> Option<CloudWatchQuery> {
    let CwExpr::Stat(stat) = &query.what else {
        return None;
    };
    let level = matches!(stat.stat.as_str(), "Average" | "Minimum" | "Maximum")
        || stat.stat.starts_with('p')
        || stat.stat.starts_with("tm");
    if step_ms <= NATIVE_PERIOD_MS || query.period_ms.is_some() || !level || !query.standalone {
        return None;
    }
    let statistic = match extreme {
        crate::source::Extreme::Min => "Minimum",
        crate::source::Extreme::Max => "Maximum",
    };
    Some(CloudWatchQuery {
        what: CwExpr::Stat(CwStat {
            stat: statistic.to_owned(),
            ..stat.clone()
        }),
        period_ms: None,
        standalone: true,
    })
}

/// Checks a `[sources.NAME]` table of kind cloudwatch and compiles it.
pub fn compile_source(config: &SourceConfig) -> Result<ClientSettings, Vec<QueryProblem>> {
    crate::source::aws_client::compile_settings(
        config,
        "CloudWatch",
        super::client::PERMISSIONS,
        super::DEFAULT_TIMEOUT,
        "",
    )
}

/// Checks one query of a time-series or stat panel on a cloudwatch source and
/// compiles it; `panel` holds its siblings (metric math reads them by id) and
/// `on_cloudwatch` tells which of them are on cloudwatch sources.
pub fn compile_query(
    query: &Query,
    panel: &Panel,
    on_cloudwatch: &dyn Fn(&Query) -> bool,
) -> Result<CloudWatchQuery, QueryProblem> {
    check_keys(query)?;
    let siblings: Vec<&Query> = panel.queries.iter().filter(|q| on_cloudwatch(q)).collect();
    let what = compile_expr(query, &siblings, 0).map_err(|message| QueryProblem {
        message,
        span: Some(
            query
                .expression
                .as_ref()
                .map_or_else(|| query.source.span(), toml::Spanned::span),
        ),
    })?;
    Ok(CloudWatchQuery {
        what,
        period_ms: fixed_period_ms(query),
        standalone: !query.hidden || read_by_derive(query, &panel.queries),
    })
}

/// Compiles a cloudwatch query that stands alone (an SLO's SLI): one metric
/// statistic, no siblings for metric math, its period the step it is asked at.
pub(crate) fn compile_standalone(query: &Query) -> Result<CloudWatchQuery, QueryProblem> {
    check_keys(query)?;
    let problem = |message: String| QueryProblem {
        message,
        span: Some(query.source.span()),
    };
    if query.metric.is_none() {
        return Err(problem(
            "an SLI on cloudwatch is one metric (namespace, metric, dimensions, stat)".to_owned(),
        ));
    }
    if query.period.is_some() {
        return Err(problem(
            "an SLI's period follows the windows it is counted over: remove `period`".to_owned(),
        ));
    }
    let what = compile_expr(query, &[], 0).map_err(problem)?;
    Ok(CloudWatchQuery {
        what,
        period_ms: None,
        standalone: true,
    })
}

/// Checks the keys of one cloudwatch query.
fn check_keys(query: &Query) -> Result<(), QueryProblem> {
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
pub(crate) fn is_statistic(stat: &str) -> bool {
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
pub(crate) fn has_wildcard(query: &Query) -> bool {
    query.dimensions.values().any(|v| v == WILDCARD)
}

/// The query's fixed `period`, ms (checked by [`check_keys`]).
fn fixed_period_ms(query: &Query) -> Option<i64> {
    let period = query.period.as_ref()?;
    parse_duration(period.get_ref())
        .ok()
        .map(|d| d.as_millis() as i64)
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

fn compile_expr(query: &Query, siblings: &[&Query], depth: usize) -> Result<CwExpr, String> {
    if depth > MAX_DEPTH {
        return Err("expressions refer to each other in a cycle".to_owned());
    }
    if let Some(sql) = &query.sql {
        return Ok(CwExpr::Sql(sql.get_ref().clone()));
    }
    if let Some(expression) = &query.expression {
        let mut parts = Vec::new();
        for token in tokens(expression.get_ref()) {
            let target = match &token {
                Token::Word(word) => siblings
                    .iter()
                    .find(|q| q.id.as_ref().map(|id| id.get_ref().as_str()) == Some(word.as_str())),
                Token::Other(_) => None,
            };
            match target {
                Some(target) => {
                    parts.push(MathPart::Read(Box::new(compile_expr(
                        target,
                        siblings,
                        depth + 1,
                    )?)));
                }
                None => {
                    let text = match token {
                        Token::Word(text) | Token::Other(text) => text,
                    };
                    match parts.last_mut() {
                        Some(MathPart::Text(previous)) => previous.push_str(&text),
                        _ => parts.push(MathPart::Text(text)),
                    }
                }
            }
        }
        return Ok(CwExpr::Math(parts));
    }
    Ok(CwExpr::Stat(CwStat {
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
        dimensions: query.dimensions.clone(),
        stat: query
            .stat
            .as_ref()
            .map_or_else(|| DEFAULT_STAT.to_owned(), |s| s.get_ref().clone()),
        choices: query.choices.clone(),
    }))
}

/// Whether any dimension of a statistic is `*`.
pub(crate) fn stat_has_wildcard(stat: &CwStat) -> bool {
    stat.dimensions.values().any(|v| v == WILDCARD)
}

/// The cloudwatch query of a request (the dashboard sends no other kind here).
pub(crate) fn of_request(request: &RangeRequest) -> Option<&CloudWatchQuery> {
    match &request.query {
        SourceQuery::CloudWatch(query) => Some(query),
        _ => None,
    }
}

/// Adds `request` to `planner`. `expand` lists the concrete dimension sets of a
/// statistic with `*` dimensions (from `ListMetrics`).
pub(crate) fn add_request(
    planner: &mut Planner,
    request: &RangeRequest,
    expand: &dyn Fn(&CwStat) -> Result<Vec<DimensionSet>, String>,
) {
    let period_s = (request.step_ms / 1_000).max(1) as i32;
    let Some(query) = of_request(request).filter(|q| q.standalone) else {
        // Only metric math here reads it: it travels as a dependency, if at all.
        planner.add_request(Ok(Vec::new()));
        return;
    };
    let targets = match &query.what {
        CwExpr::Stat(stat) if stat_has_wildcard(stat) => expand(stat).map(|sets| {
            sets.into_iter()
                .filter(|set| stat.allows(set))
                .map(|dimensions| {
                    planner.intern(stat_entry(stat, dimensions, period_s), Vec::new())
                })
                .collect()
        }),
        what => Ok(vec![intern(planner, what, period_s)]),
    };
    planner.add_request(targets);
}

fn intern(planner: &mut Planner, what: &CwExpr, period_s: i32) -> usize {
    match what {
        CwExpr::Sql(sql) => planner.intern(
            Entry::Sql {
                sql: sql.clone(),
                period_s,
            },
            Vec::new(),
        ),
        CwExpr::Math(parts) => {
            let mut reads = Vec::new();
            let mut expression = String::new();
            for part in parts {
                match part {
                    MathPart::Text(text) => expression.push_str(text),
                    MathPart::Read(target) => {
                        let index = intern(planner, target, period_s);
                        reads.push(index);
                        expression.push_str(&entry_id(index));
                    }
                }
            }
            planner.intern(
                Entry::Expression {
                    expression,
                    period_s,
                },
                reads,
            )
        }
        CwExpr::Stat(stat) => {
            let dimensions = stat
                .dimensions
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            planner.intern(stat_entry(stat, dimensions, period_s), Vec::new())
        }
    }
}

fn stat_entry(stat: &CwStat, mut dimensions: Vec<(String, String)>, period_s: i32) -> Entry {
    dimensions.sort();
    Entry::Stat {
        namespace: stat.namespace.clone(),
        metric: stat.metric.clone(),
        dimensions,
        stat: stat.stat.clone(),
        period_s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::aws_client::is_region;

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
