//! Validation of a layout's local alarm rules (`[[rules]]`).

use super::model::LayoutFile;
use std::ops::Range;

/// Checks local alarm rules: the panel exists and holds series, exactly one of
/// `above`/`below`, `clear` on the clearing side, durations parse.
pub fn validate_rules(file: &LayoutFile, report: &mut dyn FnMut(Option<Range<usize>>, String)) {
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
            Some(panel) if rule.query >= panel.queries.len() => report(
                Some(rule.panel.span()),
                format!(
                    "rule `{name}`: query {} does not exist (the panel has {})",
                    rule.query,
                    panel.queries.len()
                ),
            ),
            Some(_) => {}
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
