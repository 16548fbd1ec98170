//! Deciding every variable's values, one way for every front end: the window and
//! the wall frame by frame (answers land while they draw), `export`, `snapshot`,
//! `render` and `alarms` to the end before they fetch, Explore through the
//! window's choices.
//!
//! A layout is compiled for [`Choices`]: what was chosen, and the values each
//! query variable's source offered. A query variable is asked once its query is
//! ready (a chained one once the variables it follows have a value); every answer
//! changes the choices, the layout is compiled again, and that may make another
//! query ready. A source that answers no values, or fails, leaves a problem that
//! names the query, so the panels that wait on it say why instead of "loading…".

use super::OptionsQuery;
use super::options::resolved_query;
use super::selection::{Selected, Selection};
use super::spec::VariableKind;
use crate::dashboard::variables::Choices;
use crate::dashboard::{Dashboard, SourceId};
use crate::source::SourceError;
use std::collections::BTreeMap;

/// One question for a source: the values of `variable`, by `query`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ask {
    /// The variable.
    pub variable: String,
    /// The source asked.
    pub source: SourceId,
    /// What it is asked, with the values of the variables it follows written in.
    pub query: OptionsQuery,
}

/// The choices a layout is compiled for, and where each query variable stands.
#[derive(Debug, Clone, Default)]
pub struct Resolver {
    choices: Choices,
    /// The query last asked for each variable, to ask again only when it changes.
    asked: BTreeMap<String, OptionsQuery>,
    /// Why a variable has no values: its source failed, or answered none.
    problems: BTreeMap<String, String>,
    /// Variables asked whose answer has not come yet.
    pending: std::collections::BTreeSet<String>,
}

impl Resolver {
    /// Starts from what was chosen (saved, then from the command line).
    pub(crate) fn new(selection: Selection) -> Resolver {
        Resolver {
            choices: Choices {
                selection,
                options: BTreeMap::new(),
            },
            ..Resolver::default()
        }
    }

    /// What the layout is compiled for.
    pub(crate) fn choices(&self) -> &Choices {
        &self.choices
    }

    /// Chooses `selected` for `name`.
    pub(crate) fn select(&mut self, name: &str, selected: Selected) {
        self.choices.selection.insert(name.to_owned(), selected);
    }

    /// Why variable `name` has no values, naming its query.
    pub(crate) fn problem(&self, name: &str) -> Option<&str> {
        self.problems.get(name).map(String::as_str)
    }

    /// The values a variable offers: its source's answer, or its fixed list.
    pub(crate) fn options<'a>(
        &'a self,
        dashboard: &'a Dashboard,
        name: &str,
    ) -> Option<&'a [String]> {
        self.choices
            .options
            .get(name)
            .map(Vec::as_slice)
            .or_else(|| {
                dashboard
                    .variables
                    .iter()
                    .find(|v| v.name == name)
                    .and_then(|v| v.fixed_options())
            })
    }

    /// A new version of the layout: its variables are asked again.
    pub(crate) fn restart(&mut self) {
        self.asked.clear();
    }

    /// What `dashboard` (compiled for the current choices) needs asked now: every
    /// query variable whose query is ready and was not asked in this form yet.
    /// They count as asked from here on.
    pub(crate) fn asks(&mut self, dashboard: &Dashboard) -> Vec<Ask> {
        let asks = self.ready(dashboard);
        for ask in &asks {
            self.asked.insert(ask.variable.clone(), ask.query.clone());
            self.pending.insert(ask.variable.clone());
        }
        asks
    }

    /// The questions ready and not asked in this form yet.
    fn ready(&self, dashboard: &Dashboard) -> Vec<Ask> {
        let bound = dashboard.bound_variables();
        dashboard
            .variables
            .iter()
            .filter_map(|spec| {
                let VariableKind::Query { source, .. } = &spec.kind else {
                    return None;
                };
                let query = resolved_query(spec, &bound, &dashboard.variables)?;
                (self.asked.get(&spec.name) != Some(&query)).then(|| Ask {
                    variable: spec.name.clone(),
                    source: SourceId::from(source.as_str()),
                    query,
                })
            })
            .collect()
    }

    /// Takes the answer to `ask`; whether the choices changed, so the layout must
    /// be compiled again. An answer to a question no longer current is dropped.
    pub(crate) fn answer(&mut self, ask: &Ask, answer: Result<Vec<String>, SourceError>) -> bool {
        if self.asked.get(&ask.variable) != Some(&ask.query) {
            return false;
        }
        self.pending.remove(&ask.variable);
        let values = match answer {
            Ok(values) if values.is_empty() => {
                self.problems.insert(
                    ask.variable.clone(),
                    format!("no values: {} answered none", ask.query),
                );
                values
            }
            Ok(values) => {
                self.problems.remove(&ask.variable);
                values
            }
            Err(error) => {
                self.problems
                    .insert(ask.variable.clone(), format!("{}: {error}", ask.query));
                return false;
            }
        };
        if self.choices.options.get(&ask.variable) == Some(&values) {
            return false;
        }
        self.choices.options.insert(ask.variable.clone(), values);
        true
    }

    /// Why a panel waiting for variable `name` still waits: the variable's problem
    /// (or that of one it follows), or that its values are being asked.
    pub fn waiting_words(&self, dashboard: &Dashboard, name: &str) -> String {
        match self.root_problem(dashboard, name, 0) {
            Some((root, problem)) if root == name => format!("variable `{name}`: {problem}"),
            Some((root, problem)) => {
                format!("variable `{name}` follows `{root}`: {problem}")
            }
            None => format!("waiting for the values of `${name}`"),
        }
    }

    /// The first problem on the way to `name`'s values: its own, or that of a
    /// variable its query follows.
    fn root_problem<'a>(
        &'a self,
        dashboard: &'a Dashboard,
        name: &'a str,
        depth: usize,
    ) -> Option<(&'a str, &'a str)> {
        if let Some(problem) = self.problem(name) {
            return Some((name, problem));
        }
        let spec = dashboard.variables.iter().find(|v| v.name == name)?;
        let VariableKind::Query { query, .. } = &spec.kind else {
            return None;
        };
        if depth > dashboard.variables.len() {
            return None; // a circle of variables following each other
        }
        query
            .variable_names()
            .into_iter()
            .filter_map(|followed| {
                let followed = dashboard.variables.iter().find(|v| v.name == followed)?;
                self.root_problem(dashboard, &followed.name, depth + 1)
            })
            .next()
    }

    /// Whether nothing more will come without a change: no answer is awaited and
    /// no question is ready to ask. Every panel still waiting then waits for a
    /// variable whose source has no values to give.
    pub(crate) fn settled(&self, dashboard: &Dashboard) -> bool {
        self.pending.is_empty() && self.ready(dashboard).is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{parse_layout, recompile};
    use std::path::Path;

    const CHAINED: &str = r#"version = 1
title = "chained"
[sources.prom]
kind = "prometheus"
url = "http://127.0.0.1:9"

[variables.job]
source = "prom"
query = "label_values(up, job)"

[variables.instance]
source = "prom"
query = 'label_values(up{job="$job"}, instance)'

[[panels]]
title = "up $instance"
grid = { x = 0, y = 0, w = 24, h = 8 }
  [[panels.queries]]
  source = "prom"
  promql = 'up{job="$job", instance="$instance"}'
"#;

    #[test]
    fn a_chained_variable_is_asked_once_the_one_it_follows_has_a_value() {
        let dashboard = parse_layout(CHAINED, Path::new("chained.toml")).unwrap();
        let mut resolver = Resolver::new(Selection::new());
        let compiled = recompile(&dashboard, resolver.choices()).unwrap();
        let first = resolver.asks(&compiled);
        assert_eq!(first.len(), 1, "only `job` is ready: {first:?}");
        assert_eq!(first[0].variable, "job");
        assert!(resolver.asks(&compiled).is_empty(), "asked once");
        assert!(resolver.answer(&first[0], Ok(vec!["node".into(), "vllm".into()])));
        let compiled = recompile(&compiled, resolver.choices()).unwrap();
        let second = resolver.asks(&compiled);
        assert_eq!(second.len(), 1);
        assert_eq!(
            second[0].query.to_string(),
            r#"label_values(up{job="node"}, instance)"#
        );
        assert_eq!(compiled.panels[0].waiting_for.as_deref(), Some("instance"));
        assert!(
            !resolver.settled(&compiled),
            "`instance` is asked and not answered"
        );
    }

    #[test]
    fn a_query_that_answers_no_values_is_a_problem_that_names_it() {
        let dashboard = parse_layout(CHAINED, Path::new("chained.toml")).unwrap();
        let mut resolver = Resolver::new(Selection::new());
        let compiled = recompile(&dashboard, resolver.choices()).unwrap();
        let ask = resolver.asks(&compiled).remove(0);
        resolver.answer(&ask, Ok(Vec::new()));
        let compiled = recompile(&compiled, resolver.choices()).unwrap();
        assert_eq!(compiled.panels[0].waiting_for.as_deref(), Some("instance"));
        assert_eq!(
            resolver.waiting_words(&compiled, "job"),
            "variable `job`: no values: label_values(up, job) answered none"
        );
        assert_eq!(
            resolver.waiting_words(&compiled, "instance"),
            "variable `instance` follows `job`: no values: label_values(up, job) answered none"
        );
        assert!(resolver.settled(&compiled));
    }
}
