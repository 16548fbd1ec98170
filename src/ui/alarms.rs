//! The alarm panel: every alarm of its sources and of the layout's local rules in
//! one list — firing first, then by severity and age — with counts per state, a
//! typed filter, and a click that goes to the panel and the moment it fired.

use super::{PanelContext, theme};
use crate::alarm::{Alarm, AlarmState};
use crate::dashboard::{PanelId, PanelSpec, Target};
use crate::view::Command;
use egui::{RichText, Ui, UiBuilder};

/// A firing alarm younger than this is marked new.
const NEW_FOR_MS: i64 = 5 * 60_000;
/// ... and flashes while younger than this and not acknowledged. Each flash is a
/// repaint of the whole window (a tenth of a core a second with software rendering
/// under Xvfb), so it is kept short; the banner and the "new" tag stay after it.
const FLASH_FOR_MS: i64 = 2 * 60_000;

/// Draws the counts per state in the title bar (`header`) and the list below;
/// returns whether the panel has answered (an empty list is data too).
pub(crate) fn show(
    ui: &mut Ui,
    header: &mut Ui,
    ctx: &mut PanelContext<'_>,
    panel: &PanelSpec,
    now_ms: i64,
) -> bool {
    let Some(mut alarms) = listed(ctx, panel) else {
        return false;
    };
    alarms.sort_by(|a, b| Alarm::display_order(a, b));
    let ok_unfolded = ctx.state.show_ok.contains(&panel.id);
    if counts(header, &alarms, ok_unfolded) && !ctx.state.show_ok.remove(&panel.id) {
        ctx.state.show_ok.insert(panel.id.clone());
    }
    let filter = ctx.state.alarm_filters.entry(panel.id.clone()).or_default();
    ui.horizontal(|ui| {
        let label = ui.label("Filter");
        ui.add(egui::TextEdit::singleline(filter).desired_width(160.0))
            .labelled_by(label.id);
    });
    let needle = filter.to_lowercase();
    // A source that cannot be asked has alarms nobody knows: never "all clear".
    let unknown = unknown_sources(ctx, panel);
    for line in &unknown {
        ui.label(RichText::new(line).color(theme::WARN).size(14.0));
    }
    alarms.retain(|a| {
        needle.is_empty()
            || a.name.to_lowercase().contains(&needle)
            || a.summary.to_lowercase().contains(&needle)
            || a.source.to_lowercase().contains(&needle)
            || a.state.label() == needle
    });
    if alarms.is_empty() {
        if unknown.is_empty() {
            ui.label(RichText::new("No alarms").color(theme::OK).size(16.0));
        }
        return true;
    }
    if !unknown.is_empty() && alarms.iter().all(|a| a.state == AlarmState::Ok) && !ok_unfolded {
        // The rows left would say "Nothing firing": not known while a source is down.
        return true;
    }
    // Every alarm is listed, ok ones too, but those stay folded (the "N ok" in the
    // title bar unfolds them) unless a filter looks for them.
    let unfolded = ok_unfolded || !needle.is_empty();
    alarms.retain(|a| unfolded || a.state != AlarmState::Ok);
    egui::ScrollArea::vertical()
        .id_salt(("alarms", panel.id.as_str()))
        .auto_shrink([false, false])
        .show(ui, |ui| table(ui, ctx, panel, &alarms, now_ms));
    true
}

/// The panel's alarms: its queries' lists and the local rules' (which obey the
/// panel's state filter, its first query's, like any other); `None` until the
/// panel has an answer.
fn listed<'a>(ctx: &PanelContext<'a>, panel: &PanelSpec) -> Option<Vec<&'a Alarm>> {
    let alarms = ctx.session.alarms();
    let states_filter = panel.queries.first().and_then(|q| match &q.target {
        Target::Alarms { filter, .. } if filter.states.is_some() => Some(filter),
        _ => None,
    });
    let local = alarms.evaluated_here();
    // A panel of local rules only has its answer at once: the rules run here.
    let answered = panel.queries.is_empty()
        || !local.is_empty()
        || panel
            .queries
            .iter()
            .any(|query| alarms.has_answered(&panel.key(&query.id)));
    if !answered {
        return None;
    }
    Some(
        panel
            .queries
            .iter()
            .filter_map(|query| alarms.of_query(&panel.key(&query.id)))
            .flatten()
            .chain(
                local
                    .into_iter()
                    .filter(|a| states_filter.is_none_or(|f| f.keeps_state(a))),
            )
            .collect(),
    )
}

/// The counts per state, in the panel's title bar; the ok count is a toggle that
/// unfolds the ok alarms. Returns whether it was clicked.
fn counts(header: &mut Ui, alarms: &[&Alarm], ok_unfolded: bool) -> bool {
    let count = |state| alarms.iter().filter(|a| a.state == state).count();
    header.add_space(8.0);
    let firing = count(AlarmState::Firing);
    let firing_text = RichText::new(format!("{firing} firing")).size(14.0);
    header.label(if firing > 0 {
        firing_text.color(theme::ERROR).strong()
    } else {
        firing_text.color(theme::NO_DATA)
    });
    header.label(
        RichText::new(format!("{} pending", count(AlarmState::Pending)))
            .size(14.0)
            .color(theme::WARN),
    );
    // Rarer states only when present, so the usual title stays short.
    for state in [AlarmState::NoData, AlarmState::Suppressed] {
        let n = count(state);
        if n > 0 {
            header.label(RichText::new(format!("{n} {}", state.label())).size(14.0));
        }
    }
    let ok = count(AlarmState::Ok);
    ok > 0
        && header
            .add(
                egui::Button::new(RichText::new(format!("{ok} ok")).size(14.0))
                    .selected(ok_unfolded),
            )
            .on_hover_text(if ok_unfolded {
                "hide the alarms that are ok"
            } else {
                "list the alarms that are ok too"
            })
            .clicked()
}

/// One line per alarm source of the panel that is failing: "alarms unknown since
/// 12:03:10 — prom: unreachable: …".
fn unknown_sources(ctx: &PanelContext<'_>, panel: &PanelSpec) -> Vec<String> {
    let health = ctx.session.health();
    let mut seen = std::collections::BTreeSet::new();
    panel
        .queries
        .iter()
        .filter_map(|query| match &query.target {
            Target::Alarms { source, .. } if seen.insert(source.clone()) => Some(source),
            _ => None,
        })
        .filter_map(|source| {
            let (since, error) = health.get(source)?.failing.as_ref()?;
            Some(format!(
                "alarms unknown since {} — {source}: {error}",
                ctx.zone.format(since.timestamp_millis(), "%m-%d %H:%M:%S")
            ))
        })
        .collect()
}

/// The rows, or a word when none is left unfolded.
fn table(
    ui: &mut Ui,
    ctx: &mut PanelContext<'_>,
    panel: &PanelSpec,
    alarms: &[&Alarm],
    now_ms: i64,
) {
    if alarms.is_empty() {
        ui.label(RichText::new("Nothing firing").color(theme::OK).size(16.0));
        return;
    }
    egui::Grid::new(("alarm_grid", panel.id.as_str()))
        .striped(true)
        .num_columns(6)
        .spacing([10.0, 4.0])
        .show(ui, |ui| {
            for heading in ["state", "alarm", "source", "severity", "since", "summary"] {
                ui.label(RichText::new(heading).weak());
            }
            ui.end_row();
            for alarm in alarms {
                row(ui, ctx, &panel.id, alarm, now_ms);
            }
        });
}

fn row(ui: &mut Ui, ctx: &mut PanelContext<'_>, panel: &PanelId, alarm: &Alarm, now_ms: i64) {
    let color = match alarm.state {
        AlarmState::Firing => theme::ERROR,
        AlarmState::Pending => theme::WARN,
        AlarmState::NoData => theme::NO_DATA,
        AlarmState::Ok => theme::OK,
        AlarmState::Suppressed => ui.visuals().weak_text_color(),
    };
    let since_ms = alarm.since.map(|t| t.timestamp_millis());
    let new =
        alarm.state == AlarmState::Firing && since_ms.is_some_and(|t| now_ms - t < NEW_FOR_MS);
    let state = if new {
        format!("{} · new", alarm.state.label())
    } else {
        alarm.state.label().to_owned()
    };
    let mut state_text = RichText::new(state).color(color).strong();
    let acked = ctx.marks.is_acked(&crate::alarm::ack::key(alarm));
    let flashing = new && !acked && since_ms.is_some_and(|t| now_ms - t < FLASH_FOR_MS);
    if flashing {
        // A fresh, unacknowledged firing flashes once a second until someone
        // acknowledges it or it is two minutes old; only then does the panel
        // repaint on its own, so a quiet dashboard stays idle.
        let seconds = ui.input(|i| i.time);
        let lit = (seconds as i64) % 2 == 0;
        state_text = if lit {
            state_text
                .color(egui::Color32::WHITE)
                .background_color(theme::ERROR)
        } else {
            state_text.background_color(theme::ERROR.gamma_multiply(0.25))
        };
        let until_toggle = 1.0 - seconds.fract();
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_secs_f64(until_toggle.max(0.01)));
    } else if new {
        state_text = state_text.background_color(theme::ERROR.gamma_multiply(0.25));
    }
    ui.label(state_text);
    // The row's buttons have ids of the panel and the alarm, not of their place
    // (egui numbers widgets in the order drawn): rows come, go and reorder as
    // answers arrive, and a click aimed at a button — by a pointer, or by a
    // screen reader through its id — must reach that alarm's, not whatever was
    // drawn there next. (A test's click on the second row's Ack landed nowhere
    // now and then: a late answer had renumbered the rows.)
    let key = crate::alarm::ack::key(alarm);
    let keyed =
        |what: &str| UiBuilder::new().scope_id(egui::Id::unique((what, panel.as_str(), &key)));
    let name = ui
        .scope_builder(keyed("alarm-name"), |ui| {
            ui.add(egui::Button::new(RichText::new(&alarm.name).strong()).frame(false))
        })
        .inner
        .on_hover_text(labels_text(alarm));
    if name.clicked()
        && let Some(at_ms) = since_ms
    {
        ctx.commands.push(Command::FocusAlarm {
            panel: alarm.panel.clone(),
            at_ms,
        });
    }
    ui.label(&alarm.source);
    ui.label(alarm.severity.as_deref().unwrap_or("–"));
    let since = since_ms.map_or_else(|| "–".to_owned(), |t| ctx.zone.format(t, "%m-%d %H:%M:%S"));
    ui.label(since);
    ui.scope_builder(keyed("alarm-actions"), |ui| {
        ui.horizontal(|ui| {
            if acked {
                ui.label(RichText::new("acknowledged").weak());
            } else if matches!(alarm.state, AlarmState::Firing | AlarmState::Pending)
                && ui
                    .small_button("Ack")
                    .on_hover_text("acknowledge: hides it from the banner until it resolves")
                    .clicked()
            {
                let shared = ctx.session.share_state().is_some()
                    && ctx.session.alarms().evaluated_here().contains(&alarm);
                if shared {
                    // For everyone: who, why and how long go with the silence.
                    ctx.state.ack_draft = Some(super::ack_dialog::AckDraft::new(
                        key.clone(),
                        alarm.name.clone(),
                    ));
                } else {
                    ctx.commands.push(Command::Acknowledge(key.clone()));
                }
            }
            ui.label(&alarm.summary);
        });
    });
    ui.end_row();
}

fn labels_text(alarm: &Alarm) -> String {
    let labels: Vec<String> = alarm
        .labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{v}\""))
        .collect();
    let go = if alarm.since.is_some() {
        "\nclick: show when it began"
    } else {
        ""
    };
    format!("source: {}\n{}{go}", alarm.source, labels.join("\n"))
}
