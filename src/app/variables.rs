//! The window's template variables: what is chosen (from the command line, the
//! file that keeps it per layout, or the top bar), the values each query
//! variable's source offered, and recompiling the layout when either changes.
//! Values are fetched on the runtime; the UI thread only picks up answers.

use crate::dashboard::Dashboard;
use crate::layout::{Choices, LayoutErrors, compile_text};
use crate::persist::Writer;
use crate::session::Session;
use crate::variables::options::{OptionsLoader, resolved_query};
use crate::variables::selection::to_saved_bytes;
use crate::variables::{Selected, Selection};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// Template variable state of one window.
#[derive(Default)]
pub struct Variables {
    choices: Choices,
    /// Why a variable's values could not be listed.
    errors: BTreeMap<String, String>,
    loader: OptionsLoader,
    /// Whether the values of the current dashboard's variables were asked for.
    requested: bool,
    /// The query last asked for each variable (with the values of the variables
    /// it uses written in), to ask again when one of those changes.
    asked: BTreeMap<String, crate::variables::OptionsQuery>,
    /// Where the selection is kept across restarts, if anywhere.
    saved_path: Option<PathBuf>,
}

impl Variables {
    /// Starts from `selection` (saved, then overridden from the command line),
    /// keeping later choices in `saved_path`.
    pub fn new(selection: Selection, saved_path: Option<PathBuf>) -> Variables {
        Variables {
            choices: Choices {
                selection,
                options: BTreeMap::new(),
            },
            saved_path,
            ..Variables::default()
        }
    }

    /// What the layout is compiled for.
    pub fn choices(&self) -> &Choices {
        &self.choices
    }

    /// The values a variable offers: its source's answer, or its fixed list.
    pub fn options<'a>(&'a self, dashboard: &'a Dashboard, name: &str) -> Option<&'a [String]> {
        self.choices
            .options
            .get(name)
            .map(Vec::as_slice)
            .or_else(|| {
                dashboard
                    .variables
                    .iter()
                    .find(|v| v.name == name)
                    .and_then(|v| v.fixed_options())
            })
    }

    /// Why a variable's values could not be listed.
    pub fn error(&self, name: &str) -> Option<&str> {
        self.errors.get(name).map(String::as_str)
    }

    /// Asks the session's sources for its variables' values: all of them once
    /// per dashboard, and again for a variable whose query uses another one whose
    /// value changed (chained variables).
    pub fn request_options(
        &mut self,
        runtime: &tokio::runtime::Handle,
        session: &Session,
        wake: Arc<dyn Fn() + Send + Sync>,
    ) {
        if !self.requested {
            self.requested = true;
            self.asked.clear();
        }
        let dashboard = session.dashboard();
        let bound = dashboard.bound_variables();
        for spec in &dashboard.variables {
            let crate::variables::VariableKind::Query { source, .. } = &spec.kind else {
                continue;
            };
            let Some(query) = resolved_query(spec, &bound, &dashboard.variables) else {
                continue;
            };
            if self.asked.get(&spec.name) == Some(&query) {
                continue;
            }
            self.asked.insert(spec.name.clone(), query.clone());
            self.loader.request(
                runtime,
                &spec.name,
                session.source(source),
                query,
                wake.clone(),
            );
        }
    }

    /// A new dashboard (the file changed): its variables' values are asked again.
    pub fn dashboard_replaced(&mut self) {
        self.requested = false;
    }

    /// Takes the values that arrived; whether any variable's list changed.
    pub fn take_answers(&mut self) -> bool {
        let mut changed = false;
        for (name, answer) in self.loader.take() {
            match answer {
                Ok(values) => {
                    self.errors.remove(&name);
                    if self.choices.options.get(&name) != Some(&values) {
                        self.choices.options.insert(name, values);
                        changed = true;
                    }
                }
                Err(error) => {
                    self.errors.insert(name, error.to_string());
                }
            }
        }
        changed
    }

    /// Chooses `selected` for `name` and keeps the choice on disk.
    pub fn select(&mut self, name: &str, selected: Selected, writer: &Writer) {
        self.choices.selection.insert(name.to_owned(), selected);
        if let Some(path) = &self.saved_path {
            writer.save(
                path,
                to_saved_bytes(&self.choices.selection),
                "variable selection",
            );
        }
    }

    /// `dashboard`'s layout compiled again for the current choices.
    pub fn recompile(&self, dashboard: &Dashboard) -> Result<Dashboard, LayoutErrors> {
        compile_text(&dashboard.source_text, &dashboard.path, &self.choices)
    }
}
