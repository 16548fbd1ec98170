//! A variable as the dashboard knows it: its name, where its values come from, and
//! how many may be chosen. Compiled once from the layout's `[variables.NAME]`.

pub use crate::dashboard::variables::{OptionsQuery, VariableKind, VariableSpec};
use crate::layout_file::Variable;
use crate::layout_file::{SourceConfig, SourceKind};
use crate::time_range::parse_duration;
use std::collections::BTreeMap;
use std::ops::Range;

impl VariableSpec {
    /// Whether a query receives its values as a regex alternation (Grafana's rule:
    /// a variable that can stand for several values).
    pub(crate) fn is_regex(&self) -> bool {
        self.multi || self.include_all
    }

    /// The values known without asking a server (fixed lists and intervals).
    pub(crate) fn fixed_options(&self) -> Option<&[String]> {
        match &self.kind {
            VariableKind::Fixed(values) | VariableKind::Interval(values) => Some(values),
            VariableKind::Query { .. } => None,
        }
    }
}

impl OptionsQuery {
    /// The variables this query follows (`$job` in `label_values(up{job="$job"}, instance)`).
    pub(crate) fn variable_names(&self) -> Vec<String> {
        let texts: Vec<&str> = match self {
            OptionsQuery::LabelValues { selector, label } => selector
                .iter()
                .map(String::as_str)
                .chain([label.as_str()])
                .collect(),
            OptionsQuery::DimensionValues {
                namespace,
                metric,
                dimension,
            } => [Some(namespace), metric.as_ref(), Some(dimension)]
                .into_iter()
                .flatten()
                .map(String::as_str)
                .collect(),
        };
        texts
            .into_iter()
            .flat_map(super::substitute::names)
            .map(str::to_owned)
            .collect()
    }
}

/// As a person would write it: `label_values(up{job="node"}, instance)`, or the
/// CloudWatch `ListMetrics` asked.
impl std::fmt::Display for OptionsQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OptionsQuery::LabelValues {
                selector: Some(selector),
                label,
            } => write!(f, "label_values({selector}, {label})"),
            OptionsQuery::LabelValues {
                selector: None,
                label,
            } => write!(f, "label_values({label})"),
            OptionsQuery::DimensionValues {
                namespace,
                metric,
                dimension,
            } => {
                write!(f, "the {dimension} values of {namespace}")?;
                if let Some(metric) = metric {
                    write!(f, " {metric}")?;
                }
                Ok(())
            }
        }
    }
}

/// A problem with a variable's definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VariableProblem {
    /// Where it is.
    pub span: Range<usize>,
    /// What is wrong.
    pub message: String,
}

/// Compiles one variable; `span` is its table's, for problems without a key.
pub(crate) fn compile_variable(
    name: &str,
    variable: &Variable,
    span: Range<usize>,
    sources: &BTreeMap<String, SourceConfig>,
) -> Result<VariableSpec, Vec<VariableProblem>> {
    let mut problems = Vec::new();
    let problem = |span: Range<usize>, message: String| VariableProblem {
        span,
        message: format!("variable `{name}`: {message}"),
    };
    if !is_valid_name(name) {
        problems.push(problem(
            span.clone(),
            "a name uses letters, digits and `_`, and starts with neither a digit (`$1` is a regex group) nor `__`".to_owned(),
        ));
    }
    let given = [
        variable.query.is_some() || variable.dimension.is_some(),
        variable.values.is_some(),
        variable.interval.is_some(),
    ];
    let kind = match given {
        [true, false, false] => compile_query(variable, span.clone(), sources)
            .map_err(|(span, message)| problem(span, message)),
        [false, true, false] => {
            let values = variable.values.clone().unwrap_or_default();
            if values.is_empty() {
                Err(problem(span.clone(), "`values` is empty".to_owned()))
            } else {
                Ok(VariableKind::Fixed(values))
            }
        }
        [false, false, true] => match &variable.interval {
            Some(interval) => compile_interval(interval.get_ref())
                .map(VariableKind::Interval)
                .map_err(|message| problem(interval.span(), message)),
            None => Err(problem(span.clone(), "no values".to_owned())),
        },
        _ => Err(problem(
            span.clone(),
            "give exactly one of `query` (with `source`), `dimension` (with `source` and `namespace`), `values` or `interval`".to_owned(),
        )),
    };
    let kind = match kind {
        Ok(kind) => Some(kind),
        Err(found) => {
            problems.push(found);
            None
        }
    };
    let default = variable
        .default
        .as_ref()
        .map(|d| d.get_ref().to_vec())
        .unwrap_or_default();
    if let Some(written) = &variable.default {
        if default.len() > 1 && !variable.multi {
            problems.push(problem(
                written.span(),
                "several default values need `multi = true`".to_owned(),
            ));
        }
        if default.iter().any(|v| v == super::selection::ALL) && !variable.include_all {
            problems.push(problem(
                written.span(),
                "default \"All\" needs `include_all = true`".to_owned(),
            ));
        }
    }
    match kind {
        Some(kind) if problems.is_empty() => Ok(VariableSpec {
            name: name.to_owned(),
            label: variable.label.clone().unwrap_or_else(|| name.to_owned()),
            kind,
            multi: variable.multi,
            include_all: variable.include_all,
            default,
        }),
        _ => Err(problems),
    }
}

/// Letters, digits and `_`; `__` starts the built-ins (`$__interval`).
pub(crate) fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with("__")
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn compile_interval(values: &[String]) -> Result<Vec<String>, String> {
    if values.is_empty() {
        return Err("`interval` is empty".to_owned());
    }
    for value in values {
        parse_duration(value).map_err(|error| format!("interval `{value}`: {error}"))?;
    }
    Ok(values.to_vec())
}

fn compile_query(
    variable: &Variable,
    span: Range<usize>,
    sources: &BTreeMap<String, SourceConfig>,
) -> Result<VariableKind, (Range<usize>, String)> {
    let Some(source) = &variable.source else {
        return Err((span, "a query variable needs `source`".to_owned()));
    };
    let Some(config) = sources.get(source.get_ref()) else {
        return Err((
            source.span(),
            format!("unknown source `{}`", source.get_ref()),
        ));
    };
    let kind = *config.kind.get_ref();
    let query = match (kind, &variable.query, &variable.dimension) {
        (SourceKind::Prometheus | SourceKind::Demo, Some(query), None) => {
            parse_label_values(query.get_ref()).map_err(|message| (query.span(), message))?
        }
        (SourceKind::Cloudwatch, None, Some(dimension)) => {
            let Some(namespace) = &variable.namespace else {
                return Err((
                    dimension.span(),
                    "a dimension variable needs `namespace`".to_owned(),
                ));
            };
            OptionsQuery::DimensionValues {
                namespace: namespace.clone(),
                metric: variable.metric.clone(),
                dimension: dimension.get_ref().clone(),
            }
        }
        (SourceKind::Cloudwatch, Some(query), _) => {
            return Err((
                query.span(),
                "a cloudwatch variable takes `namespace`, `metric` and `dimension`, not `query`"
                    .to_owned(),
            ));
        }
        (_, _, Some(dimension)) => {
            return Err((
                dimension.span(),
                "`dimension` needs a cloudwatch source; use `query = \"label_values(…)\"`"
                    .to_owned(),
            ));
        }
        _ => {
            return Err((
                source.span(),
                format!(
                    "source `{}` cannot list values: use a prometheus, demo or cloudwatch source",
                    source.get_ref()
                ),
            ));
        }
    };
    Ok(VariableKind::Query {
        source: source.get_ref().clone(),
        query,
    })
}

/// `label_values(selector, label)` or `label_values(label)`, as Grafana writes them.
pub(crate) fn parse_label_values(text: &str) -> Result<OptionsQuery, String> {
    let usage = "write `label_values(metric{…}, label)` or `label_values(label)`";
    let inner = text
        .trim()
        .strip_prefix("label_values")
        .map(str::trim_start)
        .and_then(|rest| rest.strip_prefix('('))
        .and_then(|rest| rest.trim_end().strip_suffix(')'))
        .ok_or_else(|| format!("`{text}`: {usage}"))?;
    // The label is after the last comma outside braces and quotes.
    let mut depth = 0i32;
    let mut quoted = false;
    let mut split = None;
    let mut previous = ' ';
    for (index, c) in inner.char_indices() {
        match c {
            '"' if previous != '\\' => quoted = !quoted,
            '{' | '(' | '[' if !quoted => depth += 1,
            '}' | ')' | ']' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => split = Some(index),
            _ => {}
        }
        previous = c;
    }
    let (selector, label) = match split {
        Some(at) => (Some(inner[..at].trim().to_owned()), inner[at + 1..].trim()),
        None => (None, inner.trim()),
    };
    if label.is_empty() || !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!("`{text}`: `{label}` is not a label name; {usage}"));
    }
    match selector.as_deref() {
        Some("") => return Err(format!("`{text}`: the selector is empty; {usage}")),
        Some(selector) => crate::promql::check_selector(selector)
            .map_err(|problem| format!("`{text}`: {problem}"))?,
        None => {}
    }
    Ok(OptionsQuery::LabelValues {
        selector,
        label: label.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_takes_a_selector_with_commas_inside() {
        assert_eq!(
            parse_label_values(r#"label_values(up{job="a,b", x=~"1|2"}, instance)"#),
            Ok(OptionsQuery::LabelValues {
                selector: Some(r#"up{job="a,b", x=~"1|2"}"#.to_owned()),
                label: "instance".to_owned(),
            })
        );
        assert_eq!(
            parse_label_values("label_values(model_name)"),
            Ok(OptionsQuery::LabelValues {
                selector: None,
                label: "model_name".to_owned(),
            })
        );
    }

    #[test]
    fn label_values_refuses_what_it_cannot_read() {
        for bad in [
            "values(x)",
            "label_values(x, )",
            "label_values(, model)",
            "label_values(up, a-b)",
            "label_values(rate(up[5m]), job)",
            r#"label_values(up{job="a", instance)"#,
        ] {
            assert!(parse_label_values(bad).is_err(), "{bad}");
        }
    }
}
