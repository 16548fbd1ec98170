//! One dashboard kept live by a front end with a frame loop — the workstation
//! window, or one page of the wall: its [`Session`] and its [`Variables`], driven
//! through the same steps every frame, in this order:
//!
//! 1. [`Live::advance`], before drawing: the variables' values that arrived are
//!    taken (the layout compiled again for them), the poll results applied
//!    (time-boxed), the local rules run, and the keeper prunes acknowledgements
//!    and saves the alarm history when due;
//! 2. the front end draws ([`crate::ui::dashboard`]);
//! 3. [`Live::follow`], after drawing: the session follows the panels' plot
//!    widths, and on the first frame with a runtime it starts polling and the
//!    variables are asked for.
//!
//! The window and the wall differ only around these steps (the window's editing,
//! picker and Explore; the wall's rotation and kiosk).

use super::keep::Keeper;
use super::variables::Variables;
use crate::background::Wake;
use crate::dashboard::{Dashboard, PanelId};
use crate::layout::LayoutErrors;
use crate::session::Session;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// A session and its variables, driven frame by frame.
pub(crate) struct Live {
    /// The pipeline: dashboard, store, statuses, alarms.
    pub session: Session,
    /// The variables' choices and values, decided as every front end decides them.
    pub variables: Variables,
    /// Repaints the window from the runtime, once polling started.
    wake: Option<Wake>,
}

/// What [`Live::advance`] found.
#[derive(Debug, Default)]
pub(crate) struct Advanced {
    /// Poll results still wait: draw again soon.
    pub more: bool,
    /// The layout was compiled again for new variable values: how that went.
    pub recompiled: Option<Result<(), LayoutErrors>>,
}

impl Live {
    /// `session` with `variables`, not yet polling.
    pub(crate) fn new(session: Session, variables: Variables) -> Live {
        Live {
            session,
            variables,
            wake: None,
        }
    }

    /// The dashboard shown.
    pub(crate) fn dashboard(&self) -> &Arc<Dashboard> {
        self.session.dashboard()
    }

    /// Whether polling started (the first frame with a runtime has been drawn).
    pub(crate) fn wake(&self) -> Option<&Wake> {
        self.wake.as_ref()
    }

    /// Step 1: variable values, poll results (within `budget`), rules at `now_ms`,
    /// and what the keeper keeps.
    pub(crate) fn advance(
        &mut self,
        keeper: &mut Keeper,
        now_ms: i64,
        budget: Duration,
        runtime: Option<&tokio::runtime::Handle>,
    ) -> Advanced {
        let recompiled = self
            .variables
            .take_answers()
            .then(|| self.recompile_for_variables(runtime));
        let more = self.session.drain(budget);
        self.session.evaluate_rules(now_ms);
        keeper.after_frame(&mut self.session, now_ms);
        Advanced { more, recompiled }
    }

    /// Step 3: follows the plot widths `ui::dashboard` measured; on the first
    /// frame with a runtime, starts polling and asks for the variables' values.
    /// Returns whether polling started now.
    pub(crate) fn follow(
        &mut self,
        widths: &BTreeMap<PanelId, u32>,
        runtime: Option<&tokio::runtime::Handle>,
        ctx: &egui::Context,
    ) -> bool {
        self.session.set_widths(widths);
        let Some(runtime) = runtime else {
            return false;
        };
        if self.session.is_polling() {
            return false;
        }
        let wake_ctx = ctx.clone();
        let wake: Wake = Arc::new(move || crate::ui::repaint_once(&wake_ctx));
        self.wake = Some(wake.clone());
        self.variables
            .request_options(runtime, &self.session, wake.clone());
        self.session.start(runtime, wake);
        true
    }

    /// The same layout compiled for the variables' current choices; only the
    /// queries whose request changed are fetched again, and a variable whose
    /// query follows one that changed is asked again.
    pub(crate) fn recompile_for_variables(
        &mut self,
        runtime: Option<&tokio::runtime::Handle>,
    ) -> Result<(), LayoutErrors> {
        let dashboard = self.variables.recompile(self.session.dashboard())?;
        self.session.set_dashboard(Arc::new(dashboard));
        if let (Some(runtime), Some(wake)) = (runtime, &self.wake) {
            self.variables
                .request_options(runtime, &self.session, wake.clone());
        }
        Ok(())
    }

    /// Shows `next` instead of the current session (a new version of the file, or
    /// another layout): it takes over the alarm history, keyed by panel ids, so
    /// moved panels keep their bands. It starts polling at the next [`Live::follow`].
    pub(crate) fn replace_session(&mut self, mut next: Session) {
        next.adopt_history(&mut self.session);
        self.session = next;
        self.wake = None;
    }
}
