//! The Explore window's running side: each pane's queries run by a session of
//! their own (a one-panel dashboard on the layout's sources, see
//! [`crate::explore::compile`]), over the window's time range so the panes and the
//! dashboard share one time axis; the per-source history kept on disk; and "Add
//! to layout", which goes through edit mode's save (atomic, comments kept, a file
//! changed on disk is not overwritten).

use crate::dashboard::{Dashboard, PanelId};
use crate::explore::ExploreQuery;
use crate::explore::history::QueryHistory;
use crate::session::{Session, View};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// The panes' ids: the left one and, once split, the right one.
pub const PANE_IDS: [&str; 2] = ["_explore-a", "_explore-b"];

/// Whether `panel` is one of Explore's panes (their charts do not offer
/// "Explore this panel").
pub(crate) fn is_pane(panel: &PanelId) -> bool {
    PANE_IDS.contains(&panel.as_str())
}

/// Something asked of Explore.
#[derive(Debug, Clone, PartialEq)]
pub enum ExploreCommand {
    /// Open the window: with a panel's queries (run at once), or empty.
    Open(Option<PanelId>),
    /// Close the window (its panes stop fetching).
    Close,
    /// A second pane beside the first, starting with its queries.
    Split,
    /// Close the right pane.
    Unsplit,
    /// Run a pane's queries (replacing what it showed).
    Run {
        /// The pane.
        pane: PanelId,
        /// What to run.
        queries: Vec<ExploreQuery>,
    },
    /// Star a query of a source, or unstar it.
    Star(ExploreQuery),
    /// Append a pane's queries to the layout file as a panel.
    AddToLayout(PanelId),
}

/// One pane: what it last ran, and the session running it.
pub struct Pane {
    /// Its id (also its panel's id in its session).
    pub id: PanelId,
    /// The queries it runs now.
    pub ran: Vec<ExploreQuery>,
    /// Their session; none until something ran, or when it did not compile.
    pub session: Option<Session>,
    /// Why the queries do not run.
    pub error: Option<String>,
}

/// The Explore window's state.
#[derive(Default)]
pub struct Explore {
    /// Whether the window is open.
    pub open: bool,
    /// One pane, or two side by side.
    pub panes: Vec<Pane>,
    /// Queries run, per source.
    pub history: QueryHistory,
    history_path: Option<PathBuf>,
    /// What became of the last "Add to layout".
    pub message: Option<String>,
}

/// What running needs from the window.
pub(crate) struct RunContext<'a> {
    /// The dashboard whose sources the queries use.
    pub dashboard: &'a Dashboard,
    /// The window's variable choices.
    pub choices: &'a crate::layout::Choices,
    /// The range shown.
    pub view: View,
    /// The window's clock.
    pub clock: crate::clock::Clock,
    /// Where to poll, and how to wake the window; none offline.
    pub background: Option<(&'a tokio::runtime::Handle, &'a crate::background::Wake)>,
}

impl Explore {
    /// Keeps the history in `path` (read now, before the window opens).
    pub(crate) fn with_history_file(path: PathBuf) -> Explore {
        Explore {
            history: QueryHistory::read(&path),
            history_path: Some(path),
            ..Explore::default()
        }
    }

    /// Where the history is kept, if anywhere.
    pub(crate) fn history_path(&self) -> Option<&std::path::Path> {
        self.history_path.as_deref()
    }

    /// The pane with this id.
    pub fn pane(&self, id: &PanelId) -> Option<&Pane> {
        self.panes.iter().find(|p| &p.id == id)
    }

    /// Makes sure pane `id` exists (the left one first).
    pub(crate) fn ensure_pane(&mut self, id: &PanelId) {
        if self.pane(id).is_none() {
            self.panes.push(Pane {
                id: id.clone(),
                ran: Vec::new(),
                session: None,
                error: None,
            });
            self.panes.sort_by(|a, b| a.id.cmp(&b.id));
        }
    }

    /// Drops the right pane.
    pub(crate) fn unsplit(&mut self) {
        self.panes.retain(|p| p.id.as_str() == PANE_IDS[0]);
    }

    /// Closes the window: no pane fetches any more.
    pub(crate) fn close(&mut self) {
        self.open = false;
        self.panes.clear();
    }

    /// Runs `queries` in pane `id`: compiled, then fetched by a new session over
    /// the window's range. Each query is added to the history; returns the
    /// history's bytes to save when a query was added.
    pub(crate) fn run(
        &mut self,
        id: &PanelId,
        queries: Vec<ExploreQuery>,
        context: &RunContext<'_>,
    ) -> Option<Vec<u8>> {
        self.ensure_pane(id);
        let now_ms = context.clock.now().timestamp_millis();
        let mut recorded = false;
        for query in queries.iter().filter(|q| !q.is_blank()) {
            self.history.record(&query.source, &query.text, now_ms);
            recorded = true;
        }
        let compiled =
            crate::explore::compile::compile(context.dashboard, id, &queries, context.choices);
        let pane = self.panes.iter_mut().find(|p| &p.id == id)?;
        pane.ran = queries;
        match compiled {
            Ok(dashboard) => {
                let mut session = Session::new(Arc::new(dashboard), context.clock);
                session.set_view(context.view.clone());
                if let Some((runtime, wake)) = context.background {
                    session.start(runtime, wake.clone());
                }
                pane.session = Some(session);
                pane.error = None;
            }
            Err(error) => {
                pane.session = None;
                pane.error = Some(error.to_string());
            }
        }
        recorded.then(|| self.history.to_bytes())
    }

    /// Applies what arrived for every pane (within `budget` each); true when
    /// something changed.
    pub(crate) fn drain(&mut self, budget: std::time::Duration) -> bool {
        let mut changed = false;
        for session in self.panes.iter_mut().filter_map(|p| p.session.as_mut()) {
            changed |= session.drain(budget);
        }
        changed
    }

    /// Follows the window's range and the charts' widths.
    pub(crate) fn follow(&mut self, view: &View, widths: &BTreeMap<PanelId, u32>) {
        for pane in &mut self.panes {
            if let Some(session) = pane.session.as_mut() {
                session.set_view(view.clone());
                if let Some(&width) = widths.get(&pane.id) {
                    session.set_widths(&BTreeMap::from([(pane.id.clone(), width)]));
                }
            }
        }
    }

    /// The panel "Add to layout" appends for pane `id`: its queries, titled after
    /// the first one.
    pub(crate) fn new_panel(
        &self,
        id: &PanelId,
        dashboard: &Dashboard,
    ) -> Option<crate::edit::new_panel::NewPanel> {
        let pane = self.pane(id)?;
        let queries: Vec<(String, crate::edit::new_panel::NewQuery)> = pane
            .ran
            .iter()
            .filter(|q| !q.is_blank())
            .filter_map(|q| {
                let kind = dashboard.sources.get(q.source.as_str())?.kind();
                Some((q.source.clone(), q.as_new_query(kind)))
            })
            .collect();
        let first = pane.ran.iter().find(|q| !q.is_blank())?;
        Some(crate::edit::new_panel::NewPanel {
            title: title_for(first),
            queries: (!queries.is_empty()).then_some(queries)?,
        })
    }
}

/// A title for a panel from a query: its metric or expression, shortened.
fn title_for(query: &ExploreQuery) -> String {
    let metric = query.text.lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        (key.trim() == "metric").then(|| value.trim().trim_matches('"').to_owned())
    });
    let words = metric.unwrap_or_else(|| query.text.trim().replace('\n', " "));
    let mut title: String = words.chars().take(60).collect();
    if words.chars().count() > 60 {
        title.push('…');
    }
    title
}
