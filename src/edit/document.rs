//! The layout file as an editable document: the user's text, with every comment,
//! blank line, key order and quoting kept, changed only where an edit touches it.
//! Built on `toml_edit`, whose document keeps the formatting that `toml` (which
//! the compile step reads with) throws away. Panels are found by id, as the
//! dashboard names them.

use crate::dashboard::ids::slug;
use crate::layout::GridPos;
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, Value};

/// Why an edit could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum EditError {
    /// The text is not TOML (the compile step says where).
    #[error("the layout is not valid TOML: {0}")]
    Syntax(String),
    /// A value typed into the form is not TOML.
    #[error("`{0}` is not a TOML value: {1}")]
    BadValue(String, String),
    /// No rule of the layout has this name.
    #[error("no rule `{0}` in the layout")]
    NoRule(String),
    /// No panel of the layout has this id.
    #[error("no panel `{0}` in the layout")]
    NoPanel(String),
    /// The panel has no query at this position.
    #[error("panel `{0}` has no query {1}")]
    NoQuery(String, usize),
    /// No source (or no such table of it) in the layout.
    #[error("no `{0}` in the layout's sources")]
    NoSource(String),
}

/// A layout document being edited.
#[derive(Debug, Clone)]
pub(crate) struct LayoutDocument {
    doc: DocumentMut,
}

impl LayoutDocument {
    /// Parses `text`, keeping its formatting.
    pub(crate) fn parse(text: &str) -> Result<LayoutDocument, EditError> {
        text.parse::<DocumentMut>()
            .map(|doc| LayoutDocument { doc })
            .map_err(|e| EditError::Syntax(e.to_string()))
    }

    /// The text, as it would be saved.
    pub(crate) fn text(&self) -> String {
        self.doc.to_string()
    }

    fn panels(&self) -> Option<&ArrayOfTables> {
        self.doc.get("panels")?.as_array_of_tables()
    }

    /// The `[[panels]]` array, created when the file has none yet.
    fn panels_mut(&mut self) -> Option<&mut ArrayOfTables> {
        self.doc
            .entry("panels")
            .or_insert(Item::ArrayOfTables(ArrayOfTables::new()))
            .as_array_of_tables_mut()
    }

    /// Every panel's id, in the file's order: its `id`, else its title's slug.
    pub(crate) fn panel_ids(&self) -> Vec<String> {
        self.panels()
            .map(|panels| panels.iter().map(table_id).collect())
            .unwrap_or_default()
    }

    /// The position in the file of the panel `id`; a repeated copy (`base-value`)
    /// is edited through the panel it was repeated from.
    fn index_of(&self, id: &str) -> Result<usize, EditError> {
        let ids = self.panel_ids();
        ids.iter()
            .position(|candidate| candidate == id)
            .or_else(|| {
                let panels = self.panels()?;
                panels.iter().position(|table| {
                    table.contains_key("repeat") && id.starts_with(&format!("{}-", table_id(table)))
                })
            })
            .ok_or_else(|| EditError::NoPanel(id.to_owned()))
    }

    fn panel_mut(&mut self, id: &str) -> Result<&mut Table, EditError> {
        let index = self.index_of(id)?;
        self.panels_mut()
            .and_then(|panels| panels.get_mut(index))
            .ok_or_else(|| EditError::NoPanel(id.to_owned()))
    }

    /// The grid of the panel `id` as written.
    pub(crate) fn grid(&self, id: &str) -> Option<GridPos> {
        let index = self.index_of(id).ok()?;
        let grid = self.panels()?.get(index)?.get("grid")?;
        let number = |key: &str| {
            let value = match grid {
                Item::Value(Value::InlineTable(t)) => t.get(key)?.as_integer(),
                Item::Table(t) => t.get(key)?.as_integer(),
                _ => None,
            }?;
            u32::try_from(value).ok()
        };
        Some(GridPos {
            x: number("x")?,
            y: number("y")?,
            w: number("w")?,
            h: number("h")?,
        })
    }

    /// Moves or resizes a panel: only the numbers that changed are rewritten.
    pub(crate) fn set_grid(&mut self, id: &str, grid: GridPos) -> Result<(), EditError> {
        let table = self.panel_mut(id)?;
        let pairs = [("x", grid.x), ("y", grid.y), ("w", grid.w), ("h", grid.h)];
        match table.get_mut("grid") {
            Some(Item::Value(Value::InlineTable(inline))) => {
                for (key, number) in pairs {
                    match inline.get_mut(key) {
                        Some(value) if value.as_integer() == Some(i64::from(number)) => {}
                        Some(value) => replace_keeping_decor(value, Value::from(i64::from(number))),
                        None => {
                            inline.insert(key, Value::from(i64::from(number)));
                        }
                    }
                }
            }
            Some(Item::Table(grid_table)) => {
                for (key, number) in pairs {
                    set_in_table(grid_table, key, Some(Value::from(i64::from(number))));
                }
            }
            _ => {
                let mut inline = toml_edit::InlineTable::new();
                for (key, number) in pairs {
                    inline.insert(key, Value::from(i64::from(number)));
                }
                table.insert("grid", Item::Value(Value::InlineTable(inline)));
            }
        }
        Ok(())
    }

    /// Sets (or, with `None`, removes) a plain key of a panel: `title`, `kind`,
    /// `unit`, `min`, `max`.
    pub(crate) fn set_panel_key(
        &mut self,
        id: &str,
        key: &str,
        value: Option<Value>,
    ) -> Result<(), EditError> {
        let table = self.panel_mut(id)?;
        set_in_table(table, key, value);
        Ok(())
    }

    /// Sets (or removes) a key of the panel's query at `index` (0-based).
    pub(crate) fn set_query_key(
        &mut self,
        id: &str,
        index: usize,
        key: &str,
        value: Option<Value>,
    ) -> Result<(), EditError> {
        let table = self.panel_mut(id)?;
        let query = table
            .get_mut("queries")
            .and_then(Item::as_array_of_tables_mut)
            .and_then(|queries| queries.get_mut(index))
            .ok_or_else(|| EditError::NoQuery(id.to_owned(), index + 1))?;
        set_in_table(query, key, value);
        Ok(())
    }

    /// A plain string key of a panel, as written.
    pub(crate) fn panel_str(&self, id: &str, key: &str) -> Option<String> {
        let index = self.index_of(id).ok()?;
        Some(self.panels()?.get(index)?.get(key)?.as_str()?.to_owned())
    }

    /// A panel's plain keys (not its queries) in the file's order, as form entries.
    pub(crate) fn panel_entries(&self, id: &str) -> Vec<(String, Entry)> {
        self.index_of(id)
            .ok()
            .and_then(|index| self.panels()?.get(index))
            .map(entries)
            .unwrap_or_default()
    }

    /// The keys of one of a panel's queries, in the file's order, as form entries.
    pub(crate) fn query_entries(&self, id: &str, index: usize) -> Vec<(String, Entry)> {
        self.index_of(id)
            .ok()
            .and_then(|panel| {
                self.panels()?
                    .get(panel)?
                    .get("queries")?
                    .as_array_of_tables()?
                    .get(index)
            })
            .map(entries)
            .unwrap_or_default()
    }

    fn rules_mut(&mut self) -> Option<&mut ArrayOfTables> {
        self.doc
            .entry("rules")
            .or_insert(Item::ArrayOfTables(ArrayOfTables::new()))
            .as_array_of_tables_mut()
    }

    /// The local rules that watch the panel titled `title`, by name, with their keys.
    pub(crate) fn rules_of(&self, title: &str) -> Vec<(String, Vec<(String, Entry)>)> {
        let Some(rules) = self.doc.get("rules").and_then(Item::as_array_of_tables) else {
            return Vec::new();
        };
        rules
            .iter()
            .filter(|rule| rule.get("panel").and_then(Item::as_str) == Some(title))
            .filter_map(|rule| Some((rule.get("name")?.as_str()?.to_owned(), entries(rule))))
            .collect()
    }

    /// Sets (or removes) a key of the rule named `name`.
    pub(crate) fn set_rule_key(
        &mut self,
        name: &str,
        key: &str,
        value: Option<Value>,
    ) -> Result<(), EditError> {
        let rule = self
            .rules_mut()
            .and_then(|rules| {
                rules
                    .iter_mut()
                    .find(|rule| rule.get("name").and_then(Item::as_str) == Some(name))
            })
            .ok_or_else(|| EditError::NoRule(name.to_owned()))?;
        set_in_table(rule, key, value);
        Ok(())
    }

    /// Points a source's secret at `reference` (a keyring entry): the place's key
    /// set, the keys that named another place for it removed, everything else of
    /// the source (its comments, an inline `basic_auth = { … }`) left as written.
    pub(crate) fn set_source_secret(
        &mut self,
        source: &str,
        place: crate::credential::Place,
        reference: &str,
    ) -> Result<(), EditError> {
        let missing = |what: String| EditError::NoSource(what);
        let source_item = self
            .doc
            .get_mut("sources")
            .and_then(|sources| sources.get_mut(source))
            .filter(|item| item.is_table_like())
            .ok_or_else(|| missing(source.to_owned()))?;
        let item = match place.table {
            None => source_item,
            Some(name) => source_item
                .get_mut(name)
                .filter(|item| item.is_table_like())
                .ok_or_else(|| missing(format!("{source}.{name}")))?,
        };
        let set = |table: &mut dyn toml_edit::TableLike| {
            for key in place.replaced {
                table.remove(key);
            }
            table.insert(place.key, Item::Value(Value::from(reference)));
        };
        if let Some(inline) = item.as_inline_table_mut() {
            set(inline);
            // `{ user = "a" }` gains `, key = "…"` spaced as a person writes it,
            // not after the old last value's closing space.
            inline.fmt();
        } else if let Some(table) = item.as_table_like_mut() {
            set(table);
        }
        Ok(())
    }

    /// Appends a rule: `name`, watching the panel titled `panel`, firing above `above`.
    pub(crate) fn add_rule(
        &mut self,
        name: &str,
        panel: &str,
        above: f64,
    ) -> Result<(), EditError> {
        let mut rule = Table::new();
        rule.insert("name", toml_edit::value(name));
        rule.insert("panel", toml_edit::value(panel));
        rule.insert("above", toml_edit::value(above));
        rule.decor_mut().set_prefix("\n");
        let rules = self
            .rules_mut()
            .ok_or_else(|| EditError::NoRule(name.to_owned()))?;
        rules.push(rule);
        Ok(())
    }

    /// Removes the rule named `name`.
    pub(crate) fn delete_rule(&mut self, name: &str) -> Result<(), EditError> {
        let rules = self
            .rules_mut()
            .ok_or_else(|| EditError::NoRule(name.to_owned()))?;
        let index = rules
            .iter()
            .position(|rule| rule.get("name").and_then(Item::as_str) == Some(name))
            .ok_or_else(|| EditError::NoRule(name.to_owned()))?;
        rules.remove(index);
        Ok(())
    }

    /// How many queries panel `id` has.
    pub(crate) fn query_count(&self, id: &str) -> usize {
        self.index_of(id)
            .ok()
            .and_then(|index| {
                self.panels()?
                    .get(index)?
                    .get("queries")?
                    .as_array_of_tables()
                    .map(ArrayOfTables::len)
            })
            .unwrap_or(0)
    }

    /// Appends a panel (a table built by the caller) at the end of the file.
    pub(crate) fn add_panel(&mut self, mut panel: Table) -> Result<(), EditError> {
        forget_positions(&mut panel);
        let panels = self
            .panels_mut()
            .ok_or_else(|| EditError::NoPanel("panels".to_owned()))?;
        panels.push(panel);
        Ok(())
    }

    /// A copy of panel `id` (without its `id`), titled `title` and placed at
    /// `grid`, right after it in the file.
    pub(crate) fn duplicate(
        &mut self,
        id: &str,
        title: &str,
        grid: GridPos,
    ) -> Result<(), EditError> {
        let index = self.index_of(id)?;
        let missing = || EditError::NoPanel(id.to_owned());
        let panels = self.panels_mut().ok_or_else(missing)?;
        let mut copy = panels.get(index).ok_or_else(missing)?.clone();
        forget_positions(&mut copy);
        copy.remove("id");
        set_in_table(&mut copy, "title", Some(Value::from(title)));
        let mut tables: Vec<Table> = panels.iter().cloned().collect();
        tables.insert(index + 1, copy);
        panels.clear();
        for table in tables {
            panels.push(table);
        }
        self.set_grid(&table_id_of(title), grid)
    }

    /// Removes panel `id` (a repeated copy removes the panel it came from).
    pub(crate) fn delete(&mut self, id: &str) -> Result<(), EditError> {
        let index = self.index_of(id)?;
        let panels = self
            .panels_mut()
            .ok_or_else(|| EditError::NoPanel(id.to_owned()))?;
        panels.remove(index);
        Ok(())
    }
}

/// A key's value as the form shows it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Entry {
    /// A string, edited as plain text.
    Text(String),
    /// Any other value (number, boolean, array, inline table), edited as TOML.
    Toml(String),
}

/// A table's plain keys (sub-tables left out), in the file's order.
fn entries(table: &Table) -> Vec<(String, Entry)> {
    table
        .iter()
        .filter_map(|(key, item)| {
            let value = item.as_value()?;
            let entry = match value.as_str() {
                Some(text) => Entry::Text(text.to_owned()),
                None => {
                    let mut bare = value.clone();
                    bare.decor_mut().clear();
                    Entry::Toml(bare.to_string())
                }
            };
            Some((key.to_owned(), entry))
        })
        .collect()
}

/// The id a panel table stands for: its `id`, else its title's slug.
fn table_id(table: &Table) -> String {
    match table.get("id").and_then(Item::as_str) {
        Some(id) => id.to_owned(),
        None => table_id_of(
            table
                .get("title")
                .and_then(Item::as_str)
                .unwrap_or_default(),
        ),
    }
}

fn table_id_of(title: &str) -> String {
    slug(title)
}

/// Sets `key` to `value` keeping the spacing and comments around the old value,
/// or removes the key.
fn set_in_table(table: &mut Table, key: &str, value: Option<Value>) {
    match (table.get_mut(key), value) {
        (Some(Item::Value(old)), Some(new)) => replace_keeping_decor(old, new),
        (_, Some(new)) => {
            table.insert(key, Item::Value(new));
        }
        (_, None) => {
            table.remove(key);
        }
    }
}

/// Drops a table's (and its sub-tables') place in the file it came from, so it is
/// written where it now sits: `toml_edit` orders tables by that place, and a
/// copy keeping its original's would put its queries under the original.
fn forget_positions(table: &mut Table) {
    table.set_position(None);
    for (_, item) in table.iter_mut() {
        match item {
            Item::Table(inner) => forget_positions(inner),
            Item::ArrayOfTables(array) => array.iter_mut().for_each(forget_positions),
            _ => {}
        }
    }
}

fn replace_keeping_decor(old: &mut Value, mut new: Value) {
    let decor = old.decor().clone();
    *new.decor_mut() = decor;
    *old = new;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::parse_layout;
    use std::path::Path;

    fn shipped(name: &str) -> String {
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("layouts")
                .join(name),
        )
        .unwrap()
    }

    /// The lines that differ, as (before, after) pairs; the texts must have as
    /// many lines.
    fn changed_lines(before: &str, after: &str) -> Vec<(String, String)> {
        assert_eq!(before.lines().count(), after.lines().count(), "{after}");
        before
            .lines()
            .zip(after.lines())
            .filter(|(a, b)| a != b)
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
            .collect()
    }

    #[test]
    fn a_secret_reference_replaces_the_other_places_and_keeps_the_rest_as_written() {
        let text = r#"version = 1
title = "t"

# Production, behind basic auth.
[sources.prod]
kind = "prometheus"
url = "http://prom:9090"
basic_auth = { username = "grafana", password_env = "OLD" }   # rotated monthly

[sources.gate]
kind = "prometheus"
url = "http://gate:9090"
bearer_token_file = "/run/token"
"#;
        let mut doc = LayoutDocument::parse(text).unwrap();
        let password = crate::credential::Wanted::Password {
            username: "grafana".into(),
        };
        doc.set_source_secret("prod", password.place(), "fleetdeck/prod@prom:9090")
            .unwrap();
        doc.set_source_secret(
            "gate",
            crate::credential::Wanted::BearerToken.place(),
            "fleetdeck/gate@gate:9090",
        )
        .unwrap();
        let after = doc.text();
        assert!(
            after.contains("# Production, behind basic auth."),
            "{after}"
        );
        assert!(
            after.contains(
                r#"basic_auth = { username = "grafana", password_keyring = "fleetdeck/prod@prom:9090" }   # rotated monthly"#
            ),
            "{after}"
        );
        assert!(!after.contains("bearer_token_file"), "{after}");
        assert!(after.contains(r#"bearer_token_keyring = "fleetdeck/gate@gate:9090""#));
        parse_layout(&after, Path::new("t.toml")).unwrap();
        assert_eq!(
            doc.set_source_secret("nope", password.place(), "x/y"),
            Err(EditError::NoSource("nope".into()))
        );
        assert_eq!(
            doc.set_source_secret("gate", password.place(), "x/y"),
            Err(EditError::NoSource("gate.basic_auth".into()))
        );
    }

    #[test]
    fn every_shipped_layout_reads_back_byte_for_byte() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("layouts");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).unwrap();
                assert_eq!(
                    LayoutDocument::parse(&text).unwrap().text(),
                    text,
                    "{path:?}"
                );
            }
        }
    }

    #[test]
    fn a_new_title_changes_that_one_line_and_keeps_every_comment() {
        let text = shipped("vllm-serving.toml");
        let mut doc = LayoutDocument::parse(&text).unwrap();
        doc.set_panel_key(
            "requests-waiting",
            "title",
            Some(Value::from("Queue depth")),
        )
        .unwrap();
        let after = doc.text();
        assert_eq!(
            changed_lines(&text, &after),
            [(
                "title = \"Requests waiting\"".to_owned(),
                "title = \"Queue depth\"".to_owned()
            )]
        );
        let dashboard = parse_layout(&after, Path::new("v.toml")).unwrap();
        assert!(dashboard.panel_by_title("Queue depth").is_some());
    }

    #[test]
    fn a_move_changes_only_the_grid_line() {
        let text = shipped("sagemaker-endpoints.toml");
        let mut doc = LayoutDocument::parse(&text).unwrap();
        let id = "invocations-per-minute";
        let grid = doc.grid(id).unwrap();
        doc.set_grid(
            id,
            GridPos {
                y: grid.y + 30,
                ..grid
            },
        )
        .unwrap();
        let changed = changed_lines(&text, &doc.text());
        assert_eq!(changed.len(), 1, "{changed:?}");
        assert_eq!(changed[0].1, "grid = { x = 0, y = 42, w = 8, h = 7 }");
        assert_eq!(doc.grid(id).unwrap().y, grid.y + 30);
    }

    #[test]
    fn duplicate_and_delete_keep_the_other_panels_text() {
        let text = shipped("demo-fleet.toml");
        let mut doc = LayoutDocument::parse(&text).unwrap();
        let first = doc.panel_ids()[0].clone();
        let count = doc.panel_ids().len();
        doc.duplicate(
            &first,
            "Copy of it",
            GridPos {
                x: 0,
                y: 60,
                w: 6,
                h: 4,
            },
        )
        .unwrap();
        assert_eq!(doc.panel_ids().len(), count + 1);
        assert_eq!(doc.panel_ids()[1], "copy-of-it");
        let copied =
            parse_layout(&doc.text(), Path::new("d.toml")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            copied.panels[1].grid,
            GridPos {
                x: 0,
                y: 60,
                w: 6,
                h: 4
            }
        );
        doc.delete("copy-of-it").unwrap();
        assert_eq!(doc.text(), text);
        assert_eq!(
            doc.delete("nope"),
            Err(EditError::NoPanel("nope".to_owned()))
        );
    }
}
