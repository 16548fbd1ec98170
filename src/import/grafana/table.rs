//! A Grafana table as a fleetdeck table: its targets merged by their labels
//! (what Grafana's "merge" transformation does, and what a fleetdeck table always
//! does), and "organize" as the listed columns — their order (`indexByName`),
//! titles (`renameByName`) and what is hidden (`excludeByName`). A `Value #A`
//! field is the column of the query whose `refId` is A. Any other transformation
//! keeps the panel a placeholder.

use super::targets::Query;
use crate::import::toml_text::quoted;
use serde_json::Value;

/// Transformations a fleetdeck table does by itself.
const MERGES: &[&str] = &["merge", "seriesToColumns", "joinByField"];

/// The columns the panel lists (empty: the table's automatic ones), or why it
/// cannot be drawn.
pub(crate) fn columns(
    panel: &Value,
    ref_ids: &[String],
    notes: &mut Vec<String>,
) -> Result<Vec<Vec<(String, String)>>, String> {
    let mut columns = Vec::new();
    for transformation in panel
        .get("transformations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let id = transformation
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match id {
            "organize" => {
                columns = organize(transformation.get("options"), ref_ids, notes);
            }
            id if MERGES.contains(&id) => {
                notes.push(format!(
                    "`{id}`: rows are the queries' series merged by their labels"
                ));
            }
            other => {
                return Err(format!(
                    "its `{other}` transformation changes the data, and fleetdeck's tables only merge and organize"
                ));
            }
        }
    }
    let gauge = [
        "/fieldConfig/defaults/custom/displayMode",
        "/fieldConfig/defaults/custom/cellOptions/type",
    ]
    .iter()
    .filter_map(|pointer| panel.pointer(pointer).and_then(Value::as_str))
    .any(|mode| mode.contains("gauge"));
    if gauge {
        if columns
            .iter()
            .any(|c: &Vec<(String, String)>| c.iter().any(|(k, _)| k == "query"))
        {
            for column in &mut columns {
                if column.iter().any(|(k, _)| k == "query") {
                    column.push(("gauge".to_owned(), "true".to_owned()));
                }
            }
        } else {
            notes.push("gauge cells drawn as numbers (no value column is listed)".to_owned());
        }
    }
    if panel
        .get("targets")
        .and_then(Value::as_array)
        .is_some_and(|targets| {
            targets
                .iter()
                .any(|t| t.get("instant") == Some(&Value::Bool(true)))
        })
    {
        notes.push("instant queries read as each series' last value in the range".to_owned());
    }
    Ok(columns)
}

/// "organize" as listed columns.
fn organize(
    options: Option<&Value>,
    ref_ids: &[String],
    notes: &mut Vec<String>,
) -> Vec<Vec<(String, String)>> {
    let Some(options) = options else {
        return Vec::new();
    };
    let map = |key: &str| options.get(key).and_then(Value::as_object);
    let excluded = |name: &str| {
        map("excludeByName")
            .and_then(|m| m.get(name))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    let mut names: Vec<(i64, String)> = map("indexByName")
        .into_iter()
        .flatten()
        .map(|(name, index)| (index.as_i64().unwrap_or(i64::MAX), name.clone()))
        .collect();
    // Fields named only to rename them or to keep them shown come after the
    // ordered ones.
    let shown = map("excludeByName")
        .into_iter()
        .flatten()
        .filter(|(_, hidden)| hidden.as_bool() == Some(false))
        .map(|(n, _)| n);
    for name in map("renameByName")
        .into_iter()
        .flatten()
        .map(|(n, _)| n)
        .chain(shown)
    {
        if !names.iter().any(|(_, known)| known == name) {
            names.push((i64::MAX, name.clone()));
        }
    }
    names.sort();
    let mut columns = Vec::new();
    for (_, name) in names {
        if excluded(&name) || matches!(name.as_str(), "Time" | "__name__" | "Field") {
            continue;
        }
        let mut column = match value_ref(&name, ref_ids) {
            Some(Ok(ref_id)) => vec![("query".to_owned(), quoted(&ref_id))],
            Some(Err(())) => {
                notes.push(format!(
                    "column `{name}` dropped: no query of the panel has it"
                ));
                continue;
            }
            None => vec![("label".to_owned(), quoted(&name))],
        };
        if let Some(title) = map("renameByName")
            .and_then(|m| m.get(&name))
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
        {
            column.push(("title".to_owned(), quoted(title)));
        }
        columns.push(column);
    }
    columns
}

/// Whether a field is a query's value: `Value` (the first query) or `Value #A`
/// (query A); `Err` when it names no query of the panel.
fn value_ref(name: &str, ref_ids: &[String]) -> Option<Result<String, ()>> {
    if name == "Value" {
        return Some(ref_ids.first().cloned().ok_or(()));
    }
    let ref_id = name.strip_prefix("Value #")?;
    Some(
        ref_ids
            .iter()
            .find(|id| id.as_str() == ref_id)
            .cloned()
            .ok_or(()),
    )
}

/// Gives each query without an id its `refId`, so columns can name it.
pub(crate) fn name_queries(queries: &mut [Query], ref_ids: &[String]) {
    for (query, ref_id) in queries.iter_mut().zip(ref_ids) {
        if !ref_id.is_empty() && !query.lines.iter().any(|(k, _)| k == "id") {
            query.lines.push(("id".to_owned(), quoted(ref_id)));
        }
    }
}
