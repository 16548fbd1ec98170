//! Building dashboards in the app. The layout file stays the truth: every edit is
//! an edit of its text ([`document`]), kept with the user's comments and
//! formatting, undoable ([`history`]), placed on the grid as Grafana does
//! ([`placement`]), and saved atomically only over the version it was made from
//! ([`save`]). The window compiles the edited text into the dashboard it shows,
//! so what is on screen is what would be saved.

pub(crate) mod document;
pub(crate) mod editing;
pub(crate) mod history;
pub(crate) mod new_panel;
pub(crate) mod placement;
pub mod save;

use crate::dashboard::PanelId;
use crate::layout::GridPos;
use document::{EditError, LayoutDocument};
use history::History;
use save::{Expect, Fingerprint};
use std::path::{Path, PathBuf};

/// A value typed into the side form.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    /// A string (`title`, `unit`, `promql`, …).
    Text(String),
    /// A number (`min`, `max`).
    Number(f64),
    /// Any value written as TOML (`[{ value = 5.0, color = "red" }]`, `true`, …).
    Toml(String),
}

impl FieldValue {
    /// As a TOML value; TOML text that does not parse is refused with why.
    pub(crate) fn to_toml(&self) -> Result<toml_edit::Value, EditError> {
        match self {
            FieldValue::Text(text) => Ok(toml_edit::Value::from(text.as_str())),
            FieldValue::Number(number) => Ok(toml_edit::Value::from(*number)),
            FieldValue::Toml(text) => text
                .trim()
                .parse::<toml_edit::Value>()
                .map_err(|e| EditError::BadValue(text.clone(), e.to_string().trim().to_owned())),
        }
    }
}

/// `value` as TOML, or nothing (the key is removed).
pub(crate) fn optional_toml(
    value: Option<&FieldValue>,
) -> Result<Option<toml_edit::Value>, EditError> {
    value.map(FieldValue::to_toml).transpose()
}

/// What the user asked of the editor.
#[derive(Debug, Clone, PartialEq)]
pub enum EditCommand {
    /// Enter or leave edit mode.
    Toggle,
    /// Move or resize a panel; others make room.
    Place {
        /// The panel.
        panel: PanelId,
        /// Where it goes.
        grid: GridPos,
    },
    /// Copy a panel beside (or below) itself.
    Duplicate(PanelId),
    /// Remove a panel.
    Delete(PanelId),
    /// Add a panel below everything (from the metric browser, or a starter query).
    Add(Option<new_panel::NewPanel>),
    /// Open the side form on a panel (or close it).
    Select(Option<PanelId>),
    /// Set (or remove) a key of a panel.
    SetPanelKey {
        /// The panel.
        panel: PanelId,
        /// `title`, `kind`, `unit`, `min`, `max`, …
        key: String,
        /// The new value; `None` removes the key.
        value: Option<FieldValue>,
    },
    /// Set (or remove) a key of one of a panel's queries.
    SetQueryKey {
        /// The panel.
        panel: PanelId,
        /// The query's position, 0-based.
        index: usize,
        /// `promql`, `metric`, `legend`, …
        key: String,
        /// The new value; `None` removes the key.
        value: Option<FieldValue>,
    },
    /// Set (or remove) a key of a local rule.
    SetRuleKey {
        /// The rule's name.
        rule: String,
        /// `above`, `below`, `for`, `severity`, …
        key: String,
        /// The new value; `None` removes the key.
        value: Option<FieldValue>,
    },
    /// Add a rule on a panel (by its title as written).
    AddRule(String),
    /// Remove a rule.
    DeleteRule(String),
    /// Point a source's secret at a keyring entry (after the window stored a
    /// credential the server asked for there).
    SetSourceSecret {
        /// The source's name in the layout.
        source: String,
        /// Which key of the source names it.
        place: crate::credential::Place,
        /// The keyring reference, `service/account`.
        reference: String,
    },
    /// Undo the last edit.
    Undo,
    /// Redo the last undone edit.
    Redo,
    /// Save over the file, unless it changed on disk.
    Save,
    /// Save to another file (which must not exist yet).
    SaveAs(PathBuf),
    /// Save over the file although it changed on disk.
    Overwrite,
    /// Drop the edits and load the file as it is on disk.
    Reload,
    /// Close the window without saving the edits.
    Discard,
    /// Do not close the window after all.
    KeepOpen,
}

/// The editing session of one layout file.
#[derive(Debug, Clone)]
pub struct Editor {
    path: PathBuf,
    document: LayoutDocument,
    history: History,
    /// What the file held when read or last saved here.
    disk: Fingerprint,
    /// The text read or last saved here (the file watcher's echo of a save is it).
    saved_text: String,
}

impl Editor {
    /// Starts editing `text`, read from `path`.
    pub(crate) fn open(path: &Path, text: &str) -> Result<Editor, EditError> {
        Ok(Editor {
            path: path.to_owned(),
            document: LayoutDocument::parse(text)?,
            history: History::default(),
            disk: Fingerprint::of(text.as_bytes()),
            saved_text: text.to_owned(),
        })
    }

    /// The file edited.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The document.
    pub(crate) fn document(&self) -> &LayoutDocument {
        &self.document
    }

    /// The text as it would be saved.
    pub fn text(&self) -> String {
        self.document.text()
    }

    /// Whether there are edits not yet saved.
    pub(crate) fn is_dirty(&self) -> bool {
        self.text() != self.saved_text
    }

    /// Whether `text` is what this editor last read or saved (the file watcher
    /// reporting the editor's own save).
    pub(crate) fn is_own_text(&self, text: &str) -> bool {
        text == self.saved_text
    }

    /// Makes one edit; an edit that changes nothing is not an undo step.
    /// Returns whether the text changed.
    pub(crate) fn edit(
        &mut self,
        change: impl FnOnce(&mut LayoutDocument) -> Result<(), EditError>,
    ) -> Result<bool, EditError> {
        let before = self.text();
        let mut next = self.document.clone();
        change(&mut next)?;
        if next.text() == before {
            return Ok(false);
        }
        self.document = next;
        self.history.record(before);
        Ok(true)
    }

    /// Goes back one edit; whether there was one.
    pub(crate) fn undo(&mut self) -> bool {
        let Some(previous) = self.history.undo(self.text()) else {
            return false;
        };
        self.restore(&previous)
    }

    /// Goes forward one undone edit; whether there was one.
    pub(crate) fn redo(&mut self) -> bool {
        let Some(next) = self.history.redo(self.text()) else {
            return false;
        };
        self.restore(&next)
    }

    fn restore(&mut self, text: &str) -> bool {
        match LayoutDocument::parse(text) {
            Ok(document) => {
                self.document = document;
                true
            }
            Err(_) => false,
        }
    }

    /// What the file must hold for a plain save to go ahead.
    pub(crate) fn expect(&self) -> Expect {
        Expect::Unchanged(self.disk)
    }

    /// A save went through: the file (perhaps a new one) now holds `text`.
    pub(crate) fn saved(&mut self, path: &Path, fingerprint: Fingerprint, text: &str) {
        self.path = path.to_owned();
        self.disk = fingerprint;
        self.saved_text = text.to_owned();
    }
}
