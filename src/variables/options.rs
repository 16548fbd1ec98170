//! Asking sources for the values a variable offers, on the runtime: the window
//! hands out requests and picks up the answers each frame, never waiting.

use super::spec::{VariableKind, VariableSpec};
use crate::source::{Source, SourceError};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Longest a source may take to list a variable's values.
pub const OPTIONS_TIMEOUT: Duration = Duration::from_secs(10);

/// One variable's values, or why there are none.
pub type OptionsAnswer = (String, Result<Vec<String>, SourceError>);

/// Fetches variable values in the background and keeps the answers until taken.
#[derive(Clone, Default)]
pub struct OptionsLoader {
    answers: Arc<Mutex<Vec<OptionsAnswer>>>,
}

impl OptionsLoader {
    /// Asks `source` for the values of every query variable in `variables`;
    /// `wake` is called after each answer.
    pub fn request_all(
        &self,
        runtime: &tokio::runtime::Handle,
        variables: &[VariableSpec],
        sources: &BTreeMap<String, Arc<dyn Source>>,
        wake: Arc<dyn Fn() + Send + Sync>,
    ) {
        for spec in variables {
            let VariableKind::Query { source, query } = &spec.kind else {
                continue;
            };
            let name = spec.name.clone();
            let answers = self.answers.clone();
            let Some(source) = sources.get(source).cloned() else {
                push(
                    &answers,
                    (
                        name,
                        Err(SourceError::Config(format!("no source `{source}`"))),
                    ),
                );
                continue;
            };
            let query = query.clone();
            let wake = wake.clone();
            runtime.spawn(async move {
                let outcome = fetch_options(source.as_ref(), &query).await;
                push(&answers, (name, outcome));
                wake();
            });
        }
    }

    /// The answers that arrived since the last call.
    pub fn take(&self) -> Vec<OptionsAnswer> {
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

/// One variable's values from its source, within [`OPTIONS_TIMEOUT`].
pub async fn fetch_options(
    source: &dyn Source,
    query: &super::OptionsQuery,
) -> Result<Vec<String>, SourceError> {
    match tokio::time::timeout(OPTIONS_TIMEOUT, source.variable_options(query)).await {
        Ok(outcome) => outcome,
        Err(_) => Err(SourceError::Timeout(OPTIONS_TIMEOUT.as_secs())),
    }
}
