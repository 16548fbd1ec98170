//! The window's template variables: what is chosen (from the command line, the
//! file that keeps it per layout, or the top bar), decided the one way every front
//! end decides them ([`Resolver`]), with the values fetched on the runtime; the UI
//! thread only picks up answers.

use crate::dashboard::Dashboard;
use crate::layout::{Choices, LayoutErrors};
use crate::persist::Writer;
use crate::session::Session;
use crate::variables::options::OptionsLoader;
use crate::variables::resolve::Resolver;
use crate::variables::selection::to_saved_bytes;
use crate::variables::{Selected, Selection};
use std::path::PathBuf;
use std::sync::Arc;

/// Template variable state of one live dashboard (the window's, or a wall page's).
#[derive(Default)]
pub struct Variables {
    resolver: Resolver,
    loader: OptionsLoader,
    /// Where the selection is kept across restarts, if anywhere.
    saved_path: Option<PathBuf>,
}

impl Variables {
    /// Starts from `selection` (saved, then overridden from the command line),
    /// keeping later choices in `saved_path`.
    pub(crate) fn new(selection: Selection, saved_path: Option<PathBuf>) -> Variables {
        Variables {
            resolver: Resolver::new(selection),
            saved_path,
            ..Variables::default()
        }
    }

    /// Where each variable stands: its values, choices and problems (what the
    /// UI reads).
    pub(crate) fn resolver(&self) -> &Resolver {
        &self.resolver
    }

    /// What the layout is compiled for.
    pub(crate) fn choices(&self) -> &Choices {
        self.resolver.choices()
    }

    /// What a panel waiting for variable `name` says.
    pub fn waiting_words(&self, dashboard: &Dashboard, name: &str) -> String {
        self.resolver.waiting_words(dashboard, name)
    }

    /// Whether nothing more will come for the variables without a change.
    pub fn settled(&self, dashboard: &Dashboard) -> bool {
        self.resolver.settled(dashboard)
    }

    /// Asks the session's sources what its variables need asked now: all of them
    /// once per dashboard, and again a variable whose query follows one whose
    /// value changed (chained variables).
    pub(crate) fn request_options(
        &mut self,
        runtime: &tokio::runtime::Handle,
        session: &Session,
        wake: Arc<dyn Fn() + Send + Sync>,
    ) {
        for ask in self.resolver.asks(session.dashboard()) {
            let source = session.source(ask.source.as_str());
            self.loader.request(runtime, ask, source, wake.clone());
        }
    }

    /// A new dashboard (the file changed): its variables' values are asked again.
    pub(crate) fn dashboard_replaced(&mut self) {
        self.resolver.restart();
    }

    /// Takes the values that arrived; whether any variable's list changed.
    pub(crate) fn take_answers(&mut self) -> bool {
        let mut changed = false;
        for (ask, answer) in self.loader.take() {
            changed |= self.resolver.answer(&ask, answer);
        }
        changed
    }

    /// Chooses `selected` for `name` and keeps the choice on disk.
    pub(crate) fn select(&mut self, name: &str, selected: Selected, writer: &Writer) {
        self.resolver.select(name, selected);
        if let Some(path) = &self.saved_path {
            writer.save(
                path,
                to_saved_bytes(&self.resolver.choices().selection),
                "variable selection",
            );
        }
    }

    /// `dashboard`'s layout compiled again for the current choices.
    pub(crate) fn recompile(&self, dashboard: &Dashboard) -> Result<Dashboard, LayoutErrors> {
        crate::layout::recompile(dashboard, self.resolver.choices())
    }
}
