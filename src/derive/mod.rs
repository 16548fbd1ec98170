//! Derived series, computed in the client from named queries of any sources: cost
//! per 1,000 inferences (spend ÷ invocations), USD per million tokens, burn rates.
//! See [`parse`] for the language and [`eval`] for how steps are aligned.

pub(crate) mod eval;
pub(crate) mod parse;
pub(crate) mod prices;
pub(crate) mod store;

pub(crate) use eval::{Input, Operand, evaluate_priced};
pub(crate) use parse::{Expr, parse};

use crate::layout_file::{Panel, Query};
use std::ops::Range;

/// Checks a query that has `derive` or lacks `source` — it parses, names only ids
/// of the panel's other queries, and takes no source keys — and returns it parsed.
/// Errors carry the span of the offending text when known.
pub(crate) fn compile(
    query: &Query,
    panel: &Panel,
) -> Result<Expr, (Option<Range<usize>>, String)> {
    let Some(text) = &query.derive else {
        return Err((
            None,
            "a query needs `source` (or `derive` for a series computed from the panel's other queries)"
                .to_owned(),
        ));
    };
    if !query.source.get_ref().is_empty() {
        return Err((
            Some(query.source.span()),
            "a derived query takes no `source`: it computes from the panel's other queries"
                .to_owned(),
        ));
    }
    let expr = parse(text.get_ref()).map_err(|e| {
        // +1: the span starts at the opening quote.
        let at = text.span().start + e.column;
        (Some(at..at + 1), format!("derive: {}", e.message))
    })?;
    for name in expr.names() {
        let found = panel
            .queries
            .iter()
            .any(|q| q.id.as_ref().is_some_and(|id| id.get_ref() == name) && q.derive.is_none());
        if !found {
            return Err((
                Some(text.span()),
                format!(
                    "derive refers to `{name}`, but no other query of this panel has id = \"{name}\""
                ),
            ));
        }
    }
    Ok(expr)
}
