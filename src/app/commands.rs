//! Carrying out what the UI queued this frame: the view (range, refresh,
//! pause), alarms, comparison, notes, links, layouts, edit mode, variables, the
//! metric browser and Explore.

use super::{Command, FleetApp, editing, explore, ui};

impl FleetApp {
    /// Carries out every command the UI queued this frame; the session follows
    /// the view once, at the end, if any of them changed it.
    pub(super) fn apply_commands(
        &mut self,
        ctx: &egui::Context,
        now: chrono::DateTime<chrono::Utc>,
    ) {
        let mut refetch = false;
        for command in std::mem::take(&mut self.commands) {
            refetch |= self.apply_command(ctx, command, now);
        }
        if refetch {
            self.live.session.set_view(self.session_view());
        }
    }

    /// One command; whether it changed the view (the range, refresh or pause).
    fn apply_command(
        &mut self,
        ctx: &egui::Context,
        command: Command,
        now: chrono::DateTime<chrono::Utc>,
    ) -> bool {
        match &command {
            Command::BrowseMetrics(source) => self.browse(ctx, source, None),
            Command::BrowseLabels { source, metric } => self.browse(ctx, source, Some(metric)),
            Command::Acknowledge(_) | Command::AcknowledgeShared { .. } => {
                self.keeper.follow(&self.live.session, &command);
            }
            Command::Explore(asked) => self.explore_command(asked.clone()),
            Command::Edit(edit) => self.edit(edit),
            Command::Compare { panel, shift } => {
                let mut compare = self.live.session.compare().clone();
                match panel {
                    Some(panel) => {
                        compare.panels.insert(panel.clone(), *shift);
                    }
                    None => {
                        compare.all = *shift;
                        compare.panels.clear();
                    }
                }
                self.live.session.set_compare(compare);
            }
            Command::CompareThreshold(percent) => {
                let mut compare = self.live.session.compare().clone();
                compare.min_change_percent = percent.max(0.0);
                self.live.session.set_compare(compare);
            }
            Command::NewNote { start_ms, end_ms } => {
                self.ui_state.note_draft = Some(ui::notes::Draft {
                    start_ms: *start_ms,
                    end_ms: *end_ms,
                    text: String::new(),
                });
            }
            Command::AddNote(note) => self.add_note(note.clone()),
            Command::SaveIncident(path) => self.save_incident(path.clone(), now),
            Command::CopyLink(panel) => {
                let title = panel
                    .as_ref()
                    .and_then(|id| self.live.session.dashboard().panel(id))
                    .map(|p| p.title.clone());
                ctx.copy_text(self.share_link(title.as_deref()));
            }
            Command::StoreCredential { ask, secret } => {
                self.store_credential(ask.clone(), secret.clone());
            }
            Command::ListLayouts => self.list_layouts(),
            Command::WelcomeSeen => {
                if let Some(path) = self.welcome_mark.take() {
                    self.keeper.writer().save(
                        &path,
                        b"the first-run window was seen\n".to_vec(),
                        "first-run mark",
                    );
                }
            }
            Command::OpenLayout { target, new_window } => {
                self.open_layout(target.clone(), *new_window);
            }
            Command::ConfirmOpen { discard } => {
                let pending = self.picker.pending.take();
                if let (true, Some(target)) = (*discard, pending) {
                    self.editing.close_editor();
                    self.open_layout(target, false);
                }
            }
            Command::SetVariable { name, selected } => {
                self.live
                    .variables
                    .select(name, selected.clone(), self.keeper.writer());
                self.recompile_for_variables();
            }
            Command::FocusAlarm { panel, .. } => {
                if let Some(panel) = panel {
                    let until = ctx.input(|i| i.time) + 3.0;
                    self.ui_state.focus = Some((panel.clone(), until));
                }
                return self.view.apply(&command, now);
            }
            _ => return self.view.apply(&command, now),
        }
        false
    }

    /// An edit-mode command, and what the dashboard does after it.
    fn edit(&mut self, edit: &crate::edit::EditCommand) {
        let background = self.runtime.as_ref().zip(self.live.wake());
        let after = self
            .editing
            .apply(edit, self.live.session.dashboard(), background);
        match after {
            editing::After::Recompile => self.show_edited(),
            editing::After::Reload => self.reload_from_disk(),
            editing::After::Nothing => {}
        }
    }

    /// Pins a note, and keeps the notes beside the layout.
    fn add_note(&mut self, note: crate::notes::Note) {
        self.notes.push(note);
        self.notes.sort_by_key(|n| n.start_ms());
        if let Some(path) = &self.notes_path {
            self.keeper
                .writer()
                .save(path, crate::notes::to_bytes(&self.notes), "notes");
        }
    }

    /// Lists the layouts the picker offers: `layouts/` and the open layout's folder.
    fn list_layouts(&mut self) {
        let (Some(runtime), Some(wake)) = (&self.runtime, self.live.wake()) else {
            return;
        };
        let mut folders = vec![std::path::PathBuf::from("layouts")];
        if let Some(folder) = self.live.session.dashboard().path.parent()
            && !folder.as_os_str().is_empty()
        {
            folders.push(folder.to_owned());
        }
        self.picker.refresh(runtime, wake.clone(), folders);
    }

    /// Carries out something asked of Explore.
    pub(super) fn explore_command(&mut self, asked: explore::ExploreCommand) {
        use explore::{ExploreCommand, PANE_IDS};
        let left = crate::dashboard::PanelId::from(PANE_IDS[0]);
        let right = crate::dashboard::PanelId::from(PANE_IDS[1]);
        match asked {
            ExploreCommand::Open(panel) => {
                self.explore.open = true;
                self.explore.ensure_pane(&left);
                let dashboard = self.live.session.dashboard().clone();
                let from_panel = panel
                    .map(|panel| crate::explore::query::from_panel(&dashboard, &panel))
                    .unwrap_or_default();
                if from_panel.is_empty() {
                    let drafts = self.ui_state.explore.drafts.entry(left).or_default();
                    if drafts.is_empty()
                        && let Some((id, spec)) = dashboard
                            .sources
                            .iter()
                            .find(|(_, s)| crate::explore::query::can_query(s.kind()))
                    {
                        drafts.push(crate::explore::ExploreQuery::new(
                            id.as_str(),
                            crate::explore::query::starter_text(spec.kind()),
                        ));
                    }
                } else {
                    self.ui_state
                        .explore
                        .drafts
                        .insert(left.clone(), from_panel.clone());
                    self.run_explore(&left, from_panel);
                }
            }
            ExploreCommand::Close => {
                self.explore.close();
                self.ui_state.explore.drafts.clear();
            }
            ExploreCommand::Split => {
                let queries = self
                    .ui_state
                    .explore
                    .drafts
                    .get(&left)
                    .cloned()
                    .unwrap_or_default();
                self.ui_state
                    .explore
                    .drafts
                    .insert(right.clone(), queries.clone());
                self.run_explore(&right, queries);
            }
            ExploreCommand::Unsplit => {
                self.explore.unsplit();
                self.ui_state.explore.drafts.remove(&right);
            }
            ExploreCommand::Run { pane, queries } => self.run_explore(&pane, queries),
            ExploreCommand::Star(query) => {
                let now_ms = self.options.clock.now().timestamp_millis();
                self.explore
                    .history
                    .toggle_star(&query.source, &query.text, now_ms);
                self.save_explore_history(self.explore.history.to_bytes());
            }
            ExploreCommand::AddToLayout(pane) => self.add_explored_panel(&pane),
        }
    }

    /// Runs a pane's queries over the window's range, and keeps the history.
    pub(super) fn run_explore(
        &mut self,
        pane: &crate::dashboard::PanelId,
        queries: Vec<crate::explore::ExploreQuery>,
    ) {
        let context = explore::RunContext {
            dashboard: self.live.session.dashboard(),
            choices: self.live.variables.choices(),
            view: self.session_view(),
            clock: self.options.clock,
            background: self.runtime.as_ref().zip(self.live.wake()),
        };
        if let Some(bytes) = self.explore.run(pane, queries, &context) {
            self.save_explore_history(bytes);
        }
    }

    pub(super) fn save_explore_history(&self, bytes: Vec<u8>) {
        if let Some(path) = self.explore.history_path() {
            self.keeper.writer().save(path, bytes, "Explore history");
        }
    }

    /// "Add to layout": the pane's queries become a panel at the bottom of the
    /// layout, saved through edit mode (atomically, comments kept, not over a
    /// file changed on disk). With unsaved edits, it joins them instead.
    pub(super) fn add_explored_panel(&mut self, pane: &crate::dashboard::PanelId) {
        use crate::edit::EditCommand;
        let Some(new) = self.explore.new_panel(pane, self.live.session.dashboard()) else {
            return;
        };
        let was_editing = self.editing.active;
        let had_edits = self.editing.is_dirty();
        let background = self.runtime.as_ref().zip(self.live.wake());
        let added = self.editing.apply(
            &EditCommand::Add(Some(new.clone())),
            self.live.session.dashboard(),
            background,
        );
        if added != editing::After::Recompile {
            self.explore.message = self.editing.message.clone();
            return;
        }
        self.show_edited();
        if had_edits {
            self.explore.message = Some(format!(
                "added “{}” to your unsaved edits: save them in edit mode",
                new.title
            ));
            return;
        }
        self.editing.active = was_editing;
        if !was_editing {
            self.editing.selected = None;
        }
        let background = self.runtime.as_ref().zip(self.live.wake());
        self.editing.apply(
            &EditCommand::Save,
            self.live.session.dashboard(),
            background,
        );
        self.explore.message = Some(format!("adding “{}” to the layout…", new.title));
        self.explore_adding = true;
    }

    /// Loads the metric list (or one metric's labels) of a source into the metric
    /// browser in the background; the window shows "loading…" until it arrives.
    pub(super) fn browse(
        &mut self,
        ctx: &egui::Context,
        source_name: &str,
        metric: Option<&crate::source::browse::MetricInfo>,
    ) {
        let (Some(runtime), Some(source)) = (&self.runtime, self.live.session.source(source_name))
        else {
            return;
        };
        let browser = &self.ui_state.browser;
        match metric.cloned() {
            None => fill_slot(runtime, ctx, &browser.metrics, async move {
                source.list_metrics().await
            }),
            Some(metric) => fill_slot(runtime, ctx, &browser.labels, async move {
                source.label_values(&metric).await
            }),
        }
    }
}

/// Empties `slot` (the browser shows "loading…"), then fills it with the answer of
/// `fetch` on the runtime and wakes the UI.
fn fill_slot<T: Send + 'static>(
    runtime: &tokio::runtime::Handle,
    ctx: &egui::Context,
    slot: &ui::browser::Slot<T>,
    fetch: impl Future<Output = Result<T, crate::source::SourceError>> + Send + 'static,
) {
    let set = |slot: &ui::browser::Slot<T>, value| {
        *slot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = value;
    };
    set(slot, None);
    let (slot, ctx) = (slot.clone(), ctx.clone());
    runtime.spawn(async move {
        set(&slot, Some(fetch.await.map_err(|e| e.to_string())));
        ctx.request_repaint();
    });
}
