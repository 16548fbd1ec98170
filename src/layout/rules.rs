//! Validation of a layout's local alarm rules (`[[rules]]`).

use super::model::{LayoutFile, QueryRef};
use std::ops::Range;

/// Checks local alarm rules: the panel exists and holds series, exactly one of
/// `above`/`below`, `clear` on the clearing side, durations parse.
pub(crate) fn validate_rules(
    file: &LayoutFile,
    report: &mut dyn FnMut(Option<Range<usize>>, String),
) {
    for rule in &file.rules {
        let name = rule.name.get_ref();
        match file
            .panels
            .iter()
            .find(|p| p.title.get_ref() == rule.panel.get_ref())
        {
            None => report(
                Some(rule.panel.span()),
                format!(
                    "rule `{name}` watches panel `{}`, which this layout does not have",
                    rule.panel.get_ref()
                ),
            ),
            Some(panel) if panel.kind == super::PanelKind::Alarms => report(
                Some(rule.panel.span()),
                format!("rule `{name}` must watch a panel with series, not an alarm panel"),
            ),
            Some(panel) => match rule.query.get_ref() {
                QueryRef::Index(index) if *index >= panel.queries.len() => report(
                    Some(rule.panel.span()),
                    format!(
                        "rule `{name}`: query {index} does not exist (the panel has {})",
                        panel.queries.len()
                    ),
                ),
                QueryRef::Id(id)
                    if !panel.queries.iter().enumerate().any(|(index, q)| {
                        q.id.as_ref().map_or_else(
                            || crate::dashboard::ids::positional_query_id(index),
                            |explicit| explicit.get_ref().clone(),
                        ) == *id
                    }) =>
                {
                    report(
                        Some(rule.query.span()),
                        format!("rule `{name}`: the panel has no query with id `{id}`"),
                    );
                }
                _ => {}
            },
        }
        match (rule.above, rule.below, rule.clear) {
            (Some(_), Some(_), _) | (None, None, _) => report(
                Some(rule.name.span()),
                format!("rule `{name}` needs exactly one of `above` and `below`"),
            ),
            (Some(above), None, Some(clear)) if clear > above => report(
                Some(rule.name.span()),
                format!("rule `{name}`: `clear` ({clear}) must not be above `above` ({above})"),
            ),
            (None, Some(below), Some(clear)) if clear < below => report(
                Some(rule.name.span()),
                format!("rule `{name}`: `clear` ({clear}) must not be below `below` ({below})"),
            ),
            _ => {}
        }
        for duration in [&rule.for_duration, &rule.missing_after]
            .into_iter()
            .flatten()
        {
            if let Err(error) = crate::time_range::parse_duration(duration.get_ref()) {
                report(Some(duration.span()), error.to_string());
            }
        }
    }
}
