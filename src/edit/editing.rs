//! Edit mode in the window: the editing session of the layout file, the
//! dashboard compiled from its text after every edit (what is on screen is what
//! would be saved), saves on the runtime with their outcome picked up each
//! frame, and what to ask the user when a save meets someone else's edit or the
//! window closes with unsaved edits.

use crate::background::{Slot, Wake, in_background, take};
use crate::dashboard::ids::first_free;
use crate::dashboard::{Dashboard, PanelId};
use crate::edit::document::{EditError, LayoutDocument};
use crate::edit::new_panel::{NewPanel, NewQuery, panel_table};
use crate::edit::placement::{self, Placed};
use crate::edit::save::{Expect, SaveOutcome, save};
use crate::edit::{EditCommand, Editor, optional_toml};
use crate::layout::GridPos;
use std::path::{Path, PathBuf};

/// Width and height, in grid cells, of a panel added without a size.
pub(crate) const NEW_PANEL_SIZE: (u32, u32) = (12, 8);

/// What the window's edit mode holds.
#[derive(Default)]
pub struct Editing {
    /// Whether edit mode is on (handles, form, toolbar).
    pub active: bool,
    editor: Option<Editor>,
    /// The panel whose side form is open.
    pub selected: Option<PanelId>,
    /// Why the edited text does not compile (as `check` says it), if it does not.
    pub problems: Option<String>,
    /// The last thing worth telling: saved, refused, failed.
    pub message: Option<String>,
    /// A save was refused because the file changed on disk: reload, save as or
    /// overwrite?
    pub conflict: bool,
    /// The window was asked to close with unsaved edits.
    pub asking_close: bool,
    /// The user chose to close without saving.
    pub discarded: bool,
    saving: Option<Slot<SaveOutcome>>,
}

/// What an edit asks of the window afterwards.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum After {
    /// Nothing changed.
    Nothing,
    /// The text changed: compile it and show the result.
    Recompile,
    /// Throw the edits away and show the file as it is on disk.
    Reload,
}

impl Editing {
    /// The editing session, once edit mode was entered.
    pub fn editor(&self) -> Option<&Editor> {
        self.editor.as_ref()
    }

    /// The document being edited.
    pub(crate) fn document(&self) -> Option<&LayoutDocument> {
        self.editor.as_ref().map(Editor::document)
    }

    /// Whether there are edits not yet saved.
    pub fn is_dirty(&self) -> bool {
        self.editor.as_ref().is_some_and(Editor::is_dirty)
    }

    /// Whether a save is under way.
    pub fn is_saving(&self) -> bool {
        self.saving.is_some()
    }

    /// Whether the file watcher's `text` is this editor's own save (or the text
    /// it started from), which must not be taken as someone else's edit.
    pub(crate) fn is_own_text(&self, text: &str) -> bool {
        self.editor.as_ref().is_some_and(|e| e.is_own_text(text))
    }

    /// Forgets the editing session (the file was reloaded).
    pub(crate) fn close_editor(&mut self) {
        self.editor = None;
        self.conflict = false;
        self.problems = None;
    }

    /// Carries out `command` on the editor for `dashboard`; saves go to `runtime`.
    pub(crate) fn apply(
        &mut self,
        command: &EditCommand,
        dashboard: &Dashboard,
        background: Option<(&tokio::runtime::Handle, &Wake)>,
    ) -> After {
        if self.editor.is_none() {
            match Editor::open(&dashboard.path, &dashboard.source_text) {
                Ok(editor) => self.editor = Some(editor),
                Err(error) => {
                    self.message = Some(error.to_string());
                    return After::Nothing;
                }
            }
        }
        if let Some(after) = self.apply_to_mode(command, background) {
            return after;
        }
        match self.edit_text(command, dashboard) {
            Ok(true) => After::Recompile,
            Ok(false) => After::Nothing,
            Err(error) => {
                self.message = Some(error.to_string());
                After::Nothing
            }
        }
    }

    /// The commands that change edit mode rather than the text: on, selection,
    /// saves, reload, the close dialog's answers. `None` for a text edit.
    fn apply_to_mode(
        &mut self,
        command: &EditCommand,
        background: Option<(&tokio::runtime::Handle, &Wake)>,
    ) -> Option<After> {
        match command {
            EditCommand::Toggle => {
                self.active = !self.active;
                self.selected = None;
            }
            EditCommand::Select(panel) => self.selected = panel.clone(),
            EditCommand::Save => {
                let editor = self.editor.as_ref()?;
                let (path, expect) = (editor.path().to_owned(), editor.expect());
                self.start_save(path, expect, background);
            }
            EditCommand::SaveAs(path) => self.start_save(path.clone(), Expect::Absent, background),
            EditCommand::Overwrite => {
                let path = self.editor.as_ref()?.path().to_owned();
                self.start_save(path, Expect::Anything, background);
            }
            EditCommand::Reload => {
                self.close_editor();
                return Some(After::Reload);
            }
            EditCommand::Discard => {
                self.discarded = true;
                self.asking_close = false;
            }
            EditCommand::KeepOpen => self.asking_close = false,
            _ => return None,
        }
        Some(After::Nothing)
    }

    /// A change of the layout's text; whether the text changed.
    fn edit_text(
        &mut self,
        command: &EditCommand,
        dashboard: &Dashboard,
    ) -> Result<bool, EditError> {
        let Some(editor) = self.editor.as_mut() else {
            return Ok(false);
        };
        match command {
            EditCommand::Undo => Ok(editor.undo()),
            EditCommand::Redo => Ok(editor.redo()),
            EditCommand::Place { panel, grid } => {
                let before = placed(editor.document());
                let after = placement::place(&before, panel.as_str(), *grid);
                editor.edit(|doc| {
                    for (id, grid) in placement::changed(&before, &after) {
                        doc.set_grid(&id, grid)?;
                    }
                    Ok(())
                })
            }
            EditCommand::Duplicate(panel) => duplicate(editor, dashboard, panel),
            EditCommand::Delete(panel) => {
                if self.selected.as_ref() == Some(panel) {
                    self.selected = None;
                }
                editor.edit(|doc| doc.delete(panel.as_str()))
            }
            EditCommand::Add(new) => self.add_panel(new.as_ref(), dashboard),
            EditCommand::SetPanelKey { panel, key, value } => editor
                .edit(|doc| doc.set_panel_key(panel.as_str(), key, optional_toml(value.as_ref())?)),
            EditCommand::SetRuleKey { rule, key, value } => {
                editor.edit(|doc| doc.set_rule_key(rule, key, optional_toml(value.as_ref())?))
            }
            EditCommand::AddRule(panel_title) => {
                let taken = |name: &str| dashboard.rules.iter().any(|r| r.name == name);
                let base = format!("{panel_title} high");
                let name = first_free(&base, |base, n| format!("{base} {n}"), taken);
                editor.edit(|doc| doc.add_rule(&name, panel_title, 1.0))
            }
            EditCommand::DeleteRule(rule) => editor.edit(|doc| doc.delete_rule(rule)),
            EditCommand::SetSourceSecret {
                source,
                place,
                reference,
            } => editor.edit(|doc| doc.set_source_secret(source, *place, reference)),
            EditCommand::SetQueryKey {
                panel,
                index,
                key,
                value,
            } => editor.edit(|doc| {
                doc.set_query_key(panel.as_str(), *index, key, optional_toml(value.as_ref())?)
            }),
            _ => Ok(false),
        }
    }

    /// A new panel below all the others, selected in the form: the one given, or a
    /// starter on the first source that can make one.
    fn add_panel(
        &mut self,
        new: Option<&NewPanel>,
        dashboard: &Dashboard,
    ) -> Result<bool, EditError> {
        self.active = true;
        let Some(new) = new.cloned().or_else(|| starter(dashboard)) else {
            self.message =
                Some("no source here can start a panel; add one under [sources]".to_owned());
            return Ok(false);
        };
        let Some(editor) = self.editor.as_mut() else {
            return Ok(false);
        };
        let new = NewPanel {
            title: unique_title(dashboard, &new.title),
            ..new
        };
        let (w, h) = NEW_PANEL_SIZE;
        let grid = placement::below_all(&placed(editor.document()), w, h);
        let added = editor.edit(|doc| match panel_table(&new, grid) {
            Some(table) => doc.add_panel(table),
            None => Err(EditError::Syntax("the new panel's text".to_owned())),
        });
        if added.as_ref().is_ok_and(|changed| *changed) {
            self.selected = Some(PanelId::from(crate::dashboard::ids::slug(&new.title)));
        }
        added
    }

    /// Saves the edited text to `path` on the runtime, unless it does not compile.
    fn start_save(
        &mut self,
        path: PathBuf,
        expect: Expect,
        background: Option<(&tokio::runtime::Handle, &Wake)>,
    ) {
        self.conflict = false;
        if let Some(problems) = &self.problems {
            self.message = Some(format!("not saved: the layout has problems\n{problems}"));
            return;
        }
        let (Some(editor), Some((runtime, wake))) = (&self.editor, background) else {
            return;
        };
        if !is_file_path(&path) {
            self.message =
                Some("this layout is built in: use Save as… to give it a file".to_owned());
            return;
        }
        let text = editor.text();
        // The window is woken when the save is done, to say so at once.
        self.saving = Some(in_background(runtime, wake.clone(), move || {
            save(&path, &text, expect)
        }));
    }

    /// The outcome of a save that finished since the last frame: the path saved
    /// to when it went through (the window then follows the file there).
    pub(crate) fn take_save_outcome(&mut self) -> Option<PathBuf> {
        let outcome = take(self.saving.as_ref()?)?;
        self.saving = None;
        match outcome {
            SaveOutcome::Saved {
                path,
                fingerprint,
                text,
            } => {
                if let Some(editor) = self.editor.as_mut() {
                    editor.saved(&path, fingerprint, &text);
                }
                self.message = Some(format!("saved {}", path.display()));
                Some(path)
            }
            SaveOutcome::Conflict { path } => {
                self.conflict = true;
                self.message = Some(format!(
                    "not saved: {} changed on disk since it was opened (or, for Save as, already exists)",
                    path.display()
                ));
                None
            }
            SaveOutcome::Failed { path, error } => {
                self.message = Some(format!("could not save {}: {error}", path.display()));
                None
            }
        }
    }
}

/// Every panel of the document with its grid.
fn placed(document: &LayoutDocument) -> Vec<Placed> {
    document
        .panel_ids()
        .into_iter()
        .filter_map(|id| {
            let grid = document.grid(&id)?;
            Some((id, grid))
        })
        .collect()
}

/// `wanted`, or `wanted 2`, `wanted 3`, … whichever no panel has.
fn unique_title(dashboard: &Dashboard, wanted: &str) -> String {
    let taken = |title: &str| {
        dashboard
            .panels
            .iter()
            .any(|p| p.title == title || p.id.as_str() == crate::dashboard::ids::slug(title))
    };
    first_free(wanted, |base, n| format!("{base} {n}"), taken)
}

/// A panel on the layout's first source that can start one.
fn starter(dashboard: &Dashboard) -> Option<NewPanel> {
    dashboard.sources.iter().find_map(|(id, spec)| {
        Some(NewPanel::single(
            "New panel",
            id.as_str(),
            NewQuery::starter(spec.kind())?,
        ))
    })
}

/// Whether `path` names a file the window can watch and save over.
pub(crate) fn is_file_path(path: &Path) -> bool {
    !path.to_string_lossy().starts_with('<')
}

/// A copy of `panel` below all the others, titled "Copy of …".
fn duplicate(
    editor: &mut Editor,
    dashboard: &Dashboard,
    panel: &PanelId,
) -> Result<bool, EditError> {
    let original = editor
        .document()
        .panel_str(panel.as_str(), "title")
        .unwrap_or_default();
    let title = unique_title(dashboard, &format!("Copy of {original}"));
    let size = editor.document().grid(panel.as_str()).unwrap_or(GridPos {
        x: 0,
        y: 0,
        w: NEW_PANEL_SIZE.0,
        h: NEW_PANEL_SIZE.1,
    });
    let grid = placement::below_all(&placed(editor.document()), size.w, size.h);
    editor.edit(|doc| doc.duplicate(panel.as_str(), &title, grid))
}
