//! Panel chrome: background, title, and the state line that says whether the data
//! below can be trusted (loading, stale since…, the server's own error).

use super::theme;
use crate::clock::DisplayZone;
use crate::dashboard::{PanelSpec, QueryKey, SourceId};
use crate::session::{HealthState, QueryStatus, SourceHealth};
use egui::{Color32, Rect, RichText, Ui, UiBuilder};
use std::collections::BTreeMap;

/// What a panel header says about its data.
#[derive(Debug, Clone, PartialEq)]
pub enum PanelState {
    /// Everything answered.
    Ok,
    /// Waiting for a first answer.
    Loading,
    /// A source fails now; data shown may be old.
    Stale(String),
    /// A query is refused or never answered.
    Error(String),
    /// All answered; a derived series has gaps worth knowing about.
    Note(String),
    /// Nothing has been confirmed for longer than twice the refresh: "data 4 min old".
    Old(String),
    /// Not asked yet: it uses a variable that has no value ("waiting for the
    /// values of `$job`", or why its source has none).
    Waiting(String),
}

/// Sums up a panel's queries and their sources.
pub fn panel_state(
    panel: &PanelSpec,
    statuses: &BTreeMap<QueryKey, QueryStatus>,
    health: &BTreeMap<SourceId, SourceHealth>,
    zone: DisplayZone,
) -> PanelState {
    let mut state = PanelState::Ok;
    for query in &panel.queries {
        match statuses.get(&panel.key(&query.id)) {
            Some(QueryStatus::Failed(error)) => {
                let source_state = query
                    .source()
                    .and_then(|source| health.get(source))
                    .map(SourceHealth::state);
                return match source_state {
                    Some(HealthState::Stale { since, .. }) => PanelState::Stale(format!(
                        "stale since {}: {error}",
                        zone.format(since.timestamp_millis(), "%H:%M:%S")
                    )),
                    _ => PanelState::Error(error.to_string()),
                };
            }
            None | Some(QueryStatus::Loading) => state = PanelState::Loading,
            Some(QueryStatus::Noted(note)) => {
                if state == PanelState::Ok {
                    state = PanelState::Note(note.clone());
                }
            }
            Some(QueryStatus::Ok) => {}
        }
    }
    state
}

/// Whether any of the panel's sources accepts any certificate
/// (`tls.insecure_skip_verify`): its header says so, so nobody mistakes what a
/// machine in the middle could have changed for the fleet's own numbers.
pub(crate) fn reads_unverified(
    panel: &PanelSpec,
    sources: &BTreeMap<SourceId, crate::dashboard::SourceSpec>,
) -> bool {
    panel.queries.iter().any(|query| {
        matches!(
            query.source().and_then(|id| sources.get(id)),
            Some(crate::dashboard::SourceSpec::Prometheus(settings))
                if settings.http.tls.insecure_skip_verify
        )
    })
}

/// Draws the panel frame and title, then `contents` in the area below the title;
/// `contents` gets that area and the title bar (after the title, for a panel's own
/// summary, like the alarm counts) and says whether it had data to show. A panel
/// without data shows its state message in full in the middle, where the chart would be.
pub(crate) fn show(
    ui: &mut Ui,
    rect: Rect,
    panel: &PanelSpec,
    state: &PanelState,
    unverified: bool,
    contents: impl FnOnce(&mut Ui, &mut Ui) -> bool,
) {
    let visuals = ui.visuals();
    let fill = visuals.faint_bg_color;
    let stroke = visuals.widgets.noninteractive.bg_stroke;
    let text_color = visuals.strong_text_color();
    ui.painter()
        .rect(rect, 4.0, fill, stroke, egui::StrokeKind::Inside);
    let title_height = 22.0;
    let title_rect = Rect::from_min_size(rect.min, egui::vec2(rect.width(), title_height))
        .shrink2(egui::vec2(8.0, 2.0));
    let body = Rect::from_min_max(
        rect.min + egui::vec2(4.0, title_height),
        rect.max - egui::vec2(4.0, 4.0),
    );
    let (note, color) = match state {
        PanelState::Ok => (None, Color32::TRANSPARENT),
        PanelState::Loading => (Some("loading…".to_owned()), theme::WARN),
        PanelState::Stale(text) => (Some(text.clone()), theme::WARN),
        PanelState::Error(text) => (Some(text.clone()), theme::ERROR),
        PanelState::Note(text) => (Some(text.clone()), theme::NO_DATA),
        PanelState::Old(text) | PanelState::Waiting(text) => (Some(text.clone()), theme::WARN),
    };

    let mut header = ui.new_child(
        UiBuilder::new()
            .max_rect(title_rect)
            .layout(egui::Layout::left_to_right(egui::Align::Center)),
    );
    header.add(
        egui::Label::new(RichText::new(&panel.title).size(14.0).color(text_color))
            .selectable(false)
            .truncate(),
    );
    if unverified {
        header
            .add(
                egui::Label::new(
                    RichText::new("TLS UNCHECKED")
                        .size(12.0)
                        .color(theme::ERROR),
                )
                .selectable(false),
            )
            .on_hover_text(
                "A source of this panel accepts any server certificate (tls.insecure_skip_verify): \
                 whoever sits between here and the server could read and change these numbers.",
            );
    }

    let mut child = ui.new_child(
        UiBuilder::new()
            .max_rect(body)
            .id_salt(("panel", panel.id.as_str())),
    );
    child.set_clip_rect(body.intersect(ui.clip_rect()));
    let has_data = contents(&mut child, &mut header);
    if let Some(note) = &note {
        header.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.add(egui::Label::new(RichText::new(note).color(color).size(12.0)).truncate())
                .on_hover_text(note);
        });
    }
    if let Some(note) = note
        && !has_data
    {
        let mut centre = ui.new_child(UiBuilder::new().max_rect(body.shrink(12.0)).layout(
            egui::Layout::centered_and_justified(egui::Direction::TopDown),
        ));
        centre.add(egui::Label::new(RichText::new(note).color(color).size(15.0)).wrap());
    }
}
