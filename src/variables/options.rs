//! Asking sources for the values a variable offers, on the runtime: the window
//! hands out requests and picks up the answers each frame, never waiting.

use super::OptionsQuery;
use super::resolve::Ask;
use super::spec::{VariableKind, VariableSpec};
use super::substitute::{Bound, Context, names, substitute};
use crate::source::{Source, SourceError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Longest a source may take to list a variable's values.
pub(crate) const OPTIONS_TIMEOUT: Duration = Duration::from_secs(10);

/// One question's answer: the variable's values, or why there are none.
pub(crate) type OptionsAnswer = (Ask, Result<Vec<String>, SourceError>);

/// Fetches variable values in the background and keeps the answers until taken.
#[derive(Clone, Default)]
pub(crate) struct OptionsLoader {
    answers: Arc<Mutex<Vec<OptionsAnswer>>>,
}

impl OptionsLoader {
    /// Asks `source` what `ask` asks; `wake` is called after the answer.
    pub(crate) fn request(
        &self,
        runtime: &tokio::runtime::Handle,
        ask: Ask,
        source: Option<Arc<dyn Source>>,
        wake: Arc<dyn Fn() + Send + Sync>,
    ) {
        let answers = self.answers.clone();
        let Some(source) = source else {
            let refused = SourceError::Config(format!("no source `{}`", ask.source));
            push(&answers, (ask, Err(refused)));
            return;
        };
        runtime.spawn(async move {
            let outcome = fetch_options(source.as_ref(), &ask.query).await;
            push(&answers, (ask, outcome));
            wake();
        });
    }

    /// The answers that arrived since the last call.
    pub(crate) fn take(&self) -> Vec<OptionsAnswer> {
        match self.answers.lock() {
            Ok(mut answers) => std::mem::take(&mut *answers),
            Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
        }
    }
}

fn push(answers: &Mutex<Vec<OptionsAnswer>>, answer: OptionsAnswer) {
    match answers.lock() {
        Ok(mut list) => list.push(answer),
        Err(poisoned) => poisoned.into_inner().push(answer),
    }
}

/// What to ask for `spec`'s values now: its query with the other variables'
/// chosen values written in (`label_values(up{job="$job"}, instance)` follows
/// `$job`); `None` while a variable it uses has no value yet, or for a variable
/// whose values are not asked of a source.
pub(crate) fn resolved_query(
    spec: &VariableSpec,
    bound: &Bound,
    defined: &[VariableSpec],
) -> Option<OptionsQuery> {
    let VariableKind::Query { query, .. } = &spec.kind else {
        return None;
    };
    let ready = |text: &str| {
        names(text).all(|name| bound.contains_key(name) || !defined.iter().any(|d| d.name == name))
    };
    match query {
        OptionsQuery::LabelValues { selector, label } => {
            let selector = match selector {
                Some(text) if !ready(text) => return None,
                Some(text) => Some(substitute(text, bound, Context::PromQl)),
                None => None,
            };
            Some(OptionsQuery::LabelValues {
                selector,
                label: label.clone(),
            })
        }
        OptionsQuery::DimensionValues {
            namespace,
            metric,
            dimension,
        } => {
            let texts = [Some(namespace), metric.as_ref(), Some(dimension)];
            if !texts.into_iter().flatten().all(|t| ready(t)) {
                return None;
            }
            let text = |t: &str| substitute(t, bound, Context::Text);
            Some(OptionsQuery::DimensionValues {
                namespace: text(namespace),
                metric: metric.as_deref().map(text),
                dimension: text(dimension),
            })
        }
    }
}

/// One variable's values from its source, within [`OPTIONS_TIMEOUT`].
pub async fn fetch_options(
    source: &dyn Source,
    query: &OptionsQuery,
) -> Result<Vec<String>, SourceError> {
    match tokio::time::timeout(OPTIONS_TIMEOUT, source.variable_options(query)).await {
        Ok(outcome) => outcome,
        Err(_) => Err(SourceError::Timeout(OPTIONS_TIMEOUT.as_secs())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::variables::Selected;

    fn spec(name: &str, kind: VariableKind) -> VariableSpec {
        VariableSpec {
            name: name.to_owned(),
            label: name.to_owned(),
            kind,
            multi: false,
            include_all: false,
            default: Vec::new(),
        }
    }

    #[test]
    fn a_chained_variable_is_asked_with_the_value_it_follows_and_waits_for_it() {
        let job = spec("job", VariableKind::Fixed(vec!["node".into()]));
        let node = spec(
            "node",
            VariableKind::Query {
                source: "prom".into(),
                query: OptionsQuery::LabelValues {
                    selector: Some("up{job=\"$job\"}".into()),
                    label: "instance".into(),
                },
            },
        );
        let defined = vec![job.clone(), node.clone()];
        assert_eq!(resolved_query(&node, &Bound::new(), &defined), None);
        let bound = Bound::from([(
            "job".to_owned(),
            (job, Selected::Values(vec!["a\"b".into()])),
        )]);
        assert_eq!(
            resolved_query(&node, &bound, &defined),
            Some(OptionsQuery::LabelValues {
                selector: Some("up{job=\"a\\\"b\"}".into()),
                label: "instance".into(),
            })
        );
    }
}
