//! The Explore window: one pane, or two side by side over the dashboard's time
//! axis (a zoom or pan in either moves both and the dashboard). Each pane has its
//! queries — a source and the query text, Enter runs, Shift+Enter is a new line —
//! the per-source history with stars, "Add to layout", the chart and, under it,
//! each series' last, min, max and mean over the window shown.

use super::{PanelContext, panel, theme, timeseries};
use crate::dashboard::{Dashboard, PanelId};
use crate::explore::ExploreQuery;
use crate::explore::panes::{Explore, ExploreCommand, PANE_IDS, Pane};
use crate::explore::summary::{SeriesSummary, summarize};
use crate::view::Command;
use egui::{Key, KeyboardShortcut, Modifiers, RichText, Ui};
use std::collections::BTreeMap;

/// Height of a pane's chart, points.
const CHART_HEIGHT: f32 = 260.0;

/// What the user is typing into the panes (the app holds what they run).
#[derive(Default)]
pub(crate) struct ExploreUi {
    /// Each pane's queries as typed.
    pub drafts: BTreeMap<PanelId, Vec<ExploreQuery>>,
}

/// The top bar's button.
pub(crate) fn button(ui: &mut Ui, open: bool, commands: &mut Vec<Command>) {
    if ui
        .add(egui::Button::new("Explore").selected(open))
        .on_hover_text("Query any source freely, side by side (also on a chart's right-click menu)")
        .clicked()
    {
        commands.push(Command::Explore(if open {
            ExploreCommand::Close
        } else {
            ExploreCommand::Open(None)
        }));
    }
}

/// Draws the window when open; the charts' widths go into `widths`.
pub(crate) fn window(
    ctx: &egui::Context,
    explore: &Explore,
    dashboard: &Dashboard,
    state: &mut ExploreUi,
    panel_ctx: &mut PanelContext<'_>,
    widths: &mut BTreeMap<PanelId, u32>,
) {
    if !explore.open {
        return;
    }
    let mut open = true;
    egui::Window::new("Explore")
        .open(&mut open)
        .default_size([1000.0, 640.0])
        // Below the top bar, so the range and refresh stay in reach.
        .default_pos([16.0, 48.0])
        .resizable(true)
        .show(ctx, |ui| {
            ui.horizontal(|ui| {
                let split = explore.panes.len() > 1;
                if !split
                    && ui
                        .button("Split")
                        .on_hover_text("A second query beside this one, on the same time axis")
                        .clicked()
                {
                    panel_ctx
                        .commands
                        .push(Command::Explore(ExploreCommand::Split));
                }
                if split && ui.button("Unsplit").clicked() {
                    panel_ctx
                        .commands
                        .push(Command::Explore(ExploreCommand::Unsplit));
                }
                if let Some(message) = &explore.message {
                    ui.label(message);
                }
            });
            ui.separator();
            let panes: Vec<&Pane> = explore.panes.iter().collect();
            ui.columns(panes.len().max(1), |columns| {
                for (column, pane) in columns.iter_mut().zip(panes) {
                    pane_ui(column, explore, dashboard, pane, state, panel_ctx, widths);
                }
            });
        });
    if !open {
        panel_ctx
            .commands
            .push(Command::Explore(ExploreCommand::Close));
    }
}

/// One pane: its queries, buttons, chart and table.
fn pane_ui(
    ui: &mut Ui,
    explore: &Explore,
    dashboard: &Dashboard,
    pane: &Pane,
    state: &mut ExploreUi,
    ctx: &mut PanelContext<'_>,
    widths: &mut BTreeMap<PanelId, u32>,
) {
    ui.push_id(pane.id.as_str(), |ui| {
        let drafts = state.drafts.entry(pane.id.clone()).or_default();
        if drafts.is_empty() {
            drafts.push(ExploreQuery::default());
        }
        let mut run = query_fields(ui, explore, dashboard, pane, drafts, ctx.commands);
        run |= pane_buttons(ui, explore, pane, drafts, ctx.commands);
        if run {
            ctx.commands.push(Command::Explore(ExploreCommand::Run {
                pane: pane.id.clone(),
                queries: drafts.clone(),
            }));
        }
        if let Some(error) = &pane.error {
            ui.colored_label(theme::ERROR, error);
        }
        pane_chart(ui, pane, ctx, widths);
    });
}

/// The pane's queries, each with its source, a star and (past the first) a
/// remove button; whether Enter asked to run them.
fn query_fields(
    ui: &mut Ui,
    explore: &Explore,
    dashboard: &Dashboard,
    pane: &Pane,
    drafts: &mut Vec<ExploreQuery>,
    commands: &mut Vec<Command>,
) -> bool {
    let side = if pane.id.as_str() == PANE_IDS[0] {
        "left"
    } else {
        "right"
    };
    let mut run = false;
    let mut removed = None;
    for (index, query) in drafts.iter_mut().enumerate() {
        ui.horizontal(|ui| {
            source_choice(ui, dashboard, index, query);
            let starred = explore.history.is_starred(&query.source, &query.text);
            if ui
                .selectable_label(starred, if starred { "Starred" } else { "Star" })
                .on_hover_text("Star this query: kept at the top of the source's history")
                .clicked()
            {
                commands.push(Command::Explore(ExploreCommand::Star(query.clone())));
            }
            if index > 0
                && ui
                    .small_button("Remove")
                    .on_hover_text("Remove this query")
                    .clicked()
            {
                removed = Some(index);
            }
        });
        let label = ui.label(format!("Query {} ({side})", index + 1));
        let field = ui
            .add(
                egui::TextEdit::multiline(&mut query.text)
                    .code_editor()
                    .desired_rows(2)
                    .desired_width(f32::INFINITY)
                    .return_key(KeyboardShortcut::new(Modifiers::SHIFT, Key::Enter))
                    .hint_text("Enter runs · Shift+Enter for a new line"),
            )
            .labelled_by(label.id);
        if field.has_focus() && ui.input(|i| i.key_pressed(Key::Enter) && !i.modifiers.shift) {
            run = true;
        }
    }
    if let Some(index) = removed {
        drafts.remove(index);
    }
    run
}

/// The source a query asks: any of the layout's sources Explore can query.
fn source_choice(ui: &mut Ui, dashboard: &Dashboard, index: usize, query: &mut ExploreQuery) {
    let label = ui.label("Source");
    let shown = if query.source.is_empty() {
        "source".to_owned()
    } else {
        query.source.clone()
    };
    let _ = egui::ComboBox::from_id_salt(("source", index))
        .selected_text(shown)
        .show_ui(ui, |ui| {
            let queryable = dashboard
                .sources
                .iter()
                .filter(|(_, spec)| crate::explore::query::can_query(spec.kind()));
            for (id, spec) in queryable {
                let label = format!("{id} ({})", spec.kind().name());
                ui.selectable_value(&mut query.source, id.to_string(), label);
            }
        })
        .response
        .labelled_by(label.id);
}

/// Run, "+ Query", the history and "Add to layout"; whether Run was clicked.
fn pane_buttons(
    ui: &mut Ui,
    explore: &Explore,
    pane: &Pane,
    drafts: &mut Vec<ExploreQuery>,
    commands: &mut Vec<Command>,
) -> bool {
    let mut run = false;
    ui.horizontal(|ui| {
        if ui
            .button("Run")
            .on_hover_text("Or Enter in a query")
            .clicked()
        {
            run = true;
        }
        if ui.button("+ Query").clicked() {
            let source = drafts.last().map(|q| q.source.clone()).unwrap_or_default();
            drafts.push(ExploreQuery::new(source, ""));
        }
        history_menu(ui, explore, drafts, &mut run);
        if ui
            .add_enabled(pane.session.is_some(), egui::Button::new("Add to layout"))
            .on_hover_text("Append these queries to the layout file as a panel (comments kept)")
            .clicked()
        {
            commands.push(Command::Explore(ExploreCommand::AddToLayout(
                pane.id.clone(),
            )));
        }
    });
    run
}

/// The pane's chart, drawn from its own session over the dashboard's window,
/// and the table of last / min / max / mean under it.
fn pane_chart(
    ui: &mut Ui,
    pane: &Pane,
    ctx: &mut PanelContext<'_>,
    widths: &mut BTreeMap<PanelId, u32>,
) {
    let Some(session) = &pane.session else {
        return;
    };
    let Some(spec) = session.dashboard().panels.first() else {
        return;
    };
    let (rect, _) = ui.allocate_exact_size(
        egui::vec2(ui.available_width(), CHART_HEIGHT),
        egui::Sense::hover(),
    );
    widths.insert(pane.id.clone(), rect.width().max(1.0) as u32);
    let state = panel::panel_state(spec, session.statuses(), session.health(), ctx.zone);
    let trusted = !matches!(
        state,
        panel::PanelState::Stale(_) | panel::PanelState::Error(_)
    );
    let mut pane_ctx = PanelContext {
        session,
        window: ctx.window,
        zone: ctx.zone,
        marks: ctx.marks,
        wall_figure_pt: None,
        state: ctx.state,
        commands: ctx.commands,
    };
    let unverified = panel::reads_unverified(spec, &session.dashboard().sources);
    panel::show(ui, rect, spec, &state, unverified, |ui, header| {
        timeseries::show(ui, header, &mut pane_ctx, spec, trusted)
    });
    let rows = summarize(session.store(), spec, ctx.window);
    summary_table(ui, &pane.id, &rows, spec.unit);
}

/// The history of the first query's source, starred first; a pick fills it in
/// and runs it.
fn history_menu(ui: &mut Ui, explore: &Explore, drafts: &mut [ExploreQuery], run: &mut bool) {
    let Some(first) = drafts.first_mut() else {
        return;
    };
    let entries = explore.history.for_source(&first.source);
    ui.add_enabled_ui(!entries.is_empty(), |ui| {
        ui.menu_button(format!("History ({})", entries.len()), |ui| {
            egui::ScrollArea::vertical()
                .max_height(320.0)
                .show(ui, |ui| {
                    for entry in &entries {
                        let star = if entry.starred { "* " } else { "" };
                        let line: String = entry.text.replace('\n', " ");
                        if ui.button(format!("{star}{line}")).clicked() {
                            first.text = entry.text.clone();
                            *run = true;
                            ui.close();
                        }
                    }
                });
        });
    });
}

/// Series · Last · Min · Max · Mean, one row per series.
fn summary_table(ui: &mut Ui, pane: &PanelId, rows: &[SeriesSummary], unit: crate::units::Unit) {
    if rows.is_empty() {
        return;
    }
    egui::ScrollArea::vertical()
        .id_salt(("table", pane.as_str()))
        .max_height(200.0)
        .show(ui, |ui| {
            egui::Grid::new(("summary", pane.as_str()))
                .striped(true)
                .num_columns(5)
                .show(ui, |ui| {
                    for heading in ["Series", "Last", "Min", "Max", "Mean"] {
                        ui.label(RichText::new(heading).strong());
                    }
                    ui.end_row();
                    for row in rows {
                        ui.label(&row.name);
                        for value in [row.last, row.min, row.max, row.mean] {
                            ui.label(unit.format(value));
                        }
                        ui.end_row();
                    }
                });
        });
}
