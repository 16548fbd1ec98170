//! What a panel has while it draws: the session it reads, the frame's window and
//! zone, the marks drawn over charts, the state it keeps between frames, and the
//! queue its commands go to. Built once per frame for the dashboard, and once per
//! Explore pane (which reads a session of its own).

use super::{band_cache, line_cache, timeseries};
use crate::clock::DisplayZone;
use crate::dashboard::PanelId;
use crate::notes::Note;
use crate::ops::OpsEvent;
use crate::session::Session;
use crate::time_range::Window;
use crate::view::Command;
use std::collections::{BTreeMap, BTreeSet};

/// A panel's view of one frame.
pub(crate) struct PanelContext<'a> {
    /// The session drawn: its store, alarms and comparison.
    pub session: &'a Session,
    /// The window shown (moved live while a pan is in progress).
    pub window: Window,
    /// Time zone for labels.
    pub zone: DisplayZone,
    /// What is marked on the charts, and which alarms are acknowledged.
    pub marks: &'a Marks<'a>,
    /// On the wall: the smallest font size a figure may have (points); no
    /// tooltips, thicker lines, last values beside the charts.
    pub wall_figure_pt: Option<f32>,
    /// What panels keep between frames.
    pub state: &'a mut PanelUiState,
    /// Commands queued for after the frame.
    pub commands: &'a mut Vec<Command>,
}

/// Marked on the charts: notes, where alarms fired, operations; and which
/// alarms were acknowledged (the alarm panels show it).
#[derive(Default)]
pub(crate) struct Marks<'a> {
    /// Notes pinned on the timeline, drawn on every chart.
    pub notes: &'a [Note],
    /// Where local rules fired: (panel, start ms, end ms or still firing).
    pub firing_spans: Vec<(PanelId, i64, Option<i64>)>,
    /// Scaling actions and experiments, drawn on the charts of what they touched.
    pub operations: Vec<OpsEvent>,
    /// Keys of acknowledged alarms.
    pub acked: Option<&'a BTreeSet<String>>,
}

impl<'a> Marks<'a> {
    /// The marks of `session`'s frame: its firing spans and operations, `notes`
    /// and `acked`.
    pub(crate) fn of(
        session: &Session,
        notes: &'a [Note],
        acked: &'a BTreeSet<String>,
    ) -> Marks<'a> {
        Marks {
            notes,
            firing_spans: session.alarms().firing_spans(),
            operations: session.operations().cloned().collect(),
            acked: Some(acked),
        }
    }

    /// Whether the alarm with this key was acknowledged.
    pub(crate) fn is_acked(&self, key: &str) -> bool {
        self.acked.is_some_and(|acked| acked.contains(key))
    }
}

/// What the panels keep between frames.
#[derive(Default)]
pub(crate) struct PanelUiState {
    /// Decimated lines.
    pub lines: line_cache::LineCache,
    /// Min/max bands.
    pub bands: band_cache::BandCache,
    /// A pan or a zoom selection in progress, shared by every chart.
    pub drag: timeseries::DragState,
    /// Text typed into each alarm panel's filter.
    pub alarm_filters: BTreeMap<PanelId, String>,
    /// Alarm panels whose ok alarms are unfolded.
    pub show_ok: BTreeSet<PanelId>,
    /// Fleet maps, rebuilt when their data changes.
    pub fleet_maps: super::fleet_map::MapCache,
    /// The fleet map cell whose series is shown in the drill-down window.
    pub fleet_drill: Option<super::fleet_drill::Drill>,
    /// Spread-mode queries, recomputed when their data changes.
    pub spreads: timeseries::SpreadCache,
    /// Stacked panels' areas, recomputed when their data changes.
    pub stacks: timeseries::StackCache,
    /// Series hidden from line panels through their legends.
    pub legends: timeseries::LegendState,
    /// An acknowledgement for everyone (a silence) being written.
    pub ack_draft: Option<super::ack_dialog::AckDraft>,
    /// Each table's sort: the column, and whether descending.
    pub table_sort: BTreeMap<PanelId, (usize, bool)>,
    /// Text typed into each table's filter.
    pub table_filters: BTreeMap<PanelId, String>,
}
