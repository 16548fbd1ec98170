//! Checking how a panel draws many series: `max_series` and `outliers` of a line
//! panel's spread mode, `group_by` and `reduce` of a fleet map.

use super::compile::Report;
use crate::dashboard::FleetSettings;
use crate::layout_file::{Panel, PanelKind};

/// The most outliers spread mode names on each side: more would be the lines it
/// exists to avoid.
const MAX_OUTLIERS: u32 = 50;

/// The smallest point budget a panel may set: a few hundred points of one line.
const MIN_MAX_POINTS: u64 = 100;

/// The panel's fleet settings, each key checked against its kind.
pub(super) fn compile(panel: &Panel, report: &mut Report<'_>) -> FleetSettings {
    let title = panel.title.get_ref();
    let defaults = FleetSettings::default();
    let mut settings = defaults.clone();
    if let Some(max_series) = &panel.max_series {
        if panel.kind != PanelKind::Timeseries {
            report(
                Some(max_series.span()),
                format!("panel `{title}`: `max_series` is for line panels (kind = \"timeseries\")"),
            );
        } else if *max_series.get_ref() == 0 {
            report(
                Some(max_series.span()),
                format!("panel `{title}`: `max_series` must be at least 1"),
            );
        } else {
            settings.max_series = *max_series.get_ref() as usize;
        }
    }
    if let Some(max_points) = &panel.max_points {
        let points = *max_points.get_ref();
        if points < MIN_MAX_POINTS {
            report(
                Some(max_points.span()),
                format!("panel `{title}`: `max_points` is at least {MIN_MAX_POINTS}"),
            );
        } else {
            settings.max_points = usize::try_from(points).unwrap_or(usize::MAX);
        }
    }
    if let Some(outliers) = &panel.outliers {
        if panel.kind != PanelKind::Timeseries {
            report(
                Some(outliers.span()),
                format!("panel `{title}`: `outliers` is for line panels in spread mode"),
            );
        } else if *outliers.get_ref() > MAX_OUTLIERS {
            report(
                Some(outliers.span()),
                format!(
                    "panel `{title}`: `outliers` is at most {MAX_OUTLIERS} (that many highest and as many lowest)"
                ),
            );
        } else {
            settings.outliers = *outliers.get_ref() as usize;
        }
    }
    if panel.kind == PanelKind::Fleet {
        settings.group_by = panel.group_by.clone();
        settings.reduce = panel
            .reduce
            .as_ref()
            .map_or(defaults.reduce, |r| *r.get_ref());
        if panel.queries.iter().filter(|q| !q.hidden).count() > 1 {
            report(
                Some(panel.title.span()),
                format!("fleet map `{title}` draws one query: hide the others (`hidden = true`)"),
            );
        }
    } else {
        if !panel.group_by.is_empty() {
            report(
                Some(panel.title.span()),
                format!("panel `{title}`: `group_by` needs kind = \"fleet\""),
            );
        }
        match (&panel.reduce, panel.kind) {
            (Some(reduce), PanelKind::Table) => settings.reduce = *reduce.get_ref(),
            (Some(reduce), _) => report(
                Some(reduce.span()),
                format!("panel `{title}`: `reduce` needs kind = \"fleet\" or \"table\""),
            ),
            (None, _) => {}
        }
    }
    settings
}
