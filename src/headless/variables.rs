//! Every variable of a layout decided before a headless front end fetches: the
//! one [`Resolver`] the window uses, driven to the end instead of frame by frame.

use crate::dashboard::{Dashboard, SourceId};
use crate::layout::LayoutErrors;
use crate::source::{Source, SourceError, build_source};
use crate::variables::Selection;
use crate::variables::options::fetch_options;
use crate::variables::resolve::Resolver;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Every variable of `dashboard` decided as far as its sources allow — chained
/// ones in turn — and the layout compiled for that: what the headless commands
/// run before they fetch. Runs on the current tokio runtime.
pub async fn resolve(
    dashboard: &Dashboard,
    selection: Selection,
) -> Result<(Dashboard, Resolver), LayoutErrors> {
    let mut resolver = Resolver::new(selection);
    let mut compiled = crate::layout::recompile(dashboard, resolver.choices())?;
    let mut sources: BTreeMap<SourceId, Arc<dyn Source>> = BTreeMap::new();
    // Each round asks what the values found so far let it ask; a chain of n
    // variables takes n rounds.
    for _ in 0..=compiled.variables.len() {
        let asks = resolver.asks(&compiled);
        if asks.is_empty() {
            break;
        }
        let mut answers = Vec::with_capacity(asks.len());
        for ask in &asks {
            let Some(settings) = compiled.sources.get(&ask.source) else {
                answers.push(Err(SourceError::Config(format!(
                    "no source `{}`",
                    ask.source
                ))));
                continue;
            };
            let source = sources
                .entry(ask.source.clone())
                .or_insert_with(|| build_source(settings))
                .clone();
            answers.push(fetch_options(source.as_ref(), &ask.query).await);
        }
        let mut changed = false;
        for (ask, answer) in asks.iter().zip(answers) {
            changed |= resolver.answer(ask, answer);
        }
        if changed {
            compiled = crate::layout::recompile(&compiled, resolver.choices())?;
        }
    }
    Ok((compiled, resolver))
}
