//! Writing a layout as a person would: keys in a fixed order, values quoted by
//! `toml_edit` (so every string is escaped right).

use crate::layout::GridPos;
use toml_edit::Value;

/// One query of a panel as text: its source and its other keys, values as TOML.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct QueryText {
    /// The source's name.
    pub source: String,
    /// `key = value` pairs, values as TOML text.
    pub lines: Vec<(String, String)>,
}

/// `[[panels]]` with its title, kind (left out for a time series, the default),
/// grid place, other keys and queries, ending in a blank line.
pub(crate) fn panel(
    title: &str,
    kind: &str,
    grid: GridPos,
    lines: &[(String, String)],
    queries: &[QueryText],
) -> String {
    panel_with_columns(title, kind, grid, lines, &[], queries)
}

/// [`panel`] with a table's `[[panels.columns]]`, each its keys as TOML text.
pub(crate) fn panel_with_columns(
    title: &str,
    kind: &str,
    grid: GridPos,
    lines: &[(String, String)],
    columns: &[Vec<(String, String)>],
    queries: &[QueryText],
) -> String {
    let mut text = format!("[[panels]]\ntitle = {}\n", quoted(title));
    if kind != "timeseries" {
        text.push_str(&format!("kind = \"{kind}\"\n"));
    }
    text.push_str(&format!(
        "grid = {{ x = {}, y = {}, w = {}, h = {} }}\n",
        grid.x, grid.y, grid.w, grid.h
    ));
    for (k, v) in lines {
        text.push_str(&format!("{k} = {v}\n"));
    }
    for column in columns {
        text.push_str("  [[panels.columns]]\n");
        for (k, v) in column {
            text.push_str(&format!("  {k} = {v}\n"));
        }
    }
    for query in queries {
        text.push_str(&format!(
            "  [[panels.queries]]\n  source = {}\n",
            quoted(&query.source)
        ));
        for (k, v) in &query.lines {
            text.push_str(&format!("  {k} = {v}\n"));
        }
    }
    text.push('\n');
    text
}

/// A table (`[variables.NAME]`, `[[rules]]`) and its keys, ending in a blank line.
pub(crate) fn table(header: &str, lines: &[(String, String)]) -> String {
    let mut text = format!("{header}\n");
    for (k, v) in lines {
        text.push_str(&format!("{k} = {v}\n"));
    }
    text.push('\n');
    text
}

/// A TOML string literal.
pub(crate) fn quoted(text: &str) -> String {
    Value::from(text).to_string()
}

/// `key = value` for a key that may need quotes.
pub(crate) fn key(name: &str) -> String {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        name.to_owned()
    } else {
        quoted(name)
    }
}

/// A TOML number that reads back as the same f64.
pub(crate) fn number(value: f64) -> String {
    if value.is_finite() {
        let text = format!("{value:?}");
        if text.contains('.') || text.contains('e') || text.contains("inf") {
            text
        } else {
            format!("{text}.0")
        }
    } else {
        "0.0".to_owned()
    }
}
