//! The fleet map panel: one cell per series, grouped, in its threshold state's
//! colour, worst first in each group; "n/a" cells hatched grey. The header counts
//! the cells per state ("9,832 ok · 121 hot · 47 n/a"); hovering a cell names its
//! series, group and value; clicking it opens its history beside its group's
//! ([`super::fleet_drill`]).
//!
//! Cells flow left to right in rows, a group after the other with one empty slot
//! between groups, sized to fill the panel: 10,000 cells on a workstation panel
//! are a few pixels each and still show where the hot ones are; a wall page's
//! map of a few hundred is read across the room. The map is rebuilt only when the
//! query's data changes or the window moves by more than a 200th of its span.

use super::{PanelContext, theme};
use crate::dashboard::{PanelId, PanelSpec};
use crate::fleet::map::{FleetMap, State, state_name};
use crate::time_range::Window;
use egui::{Color32, Rect, RichText, Sense, Ui, vec2};
use std::collections::HashMap;

/// Fleet maps kept between frames, by panel.
#[derive(Default)]
pub(crate) struct MapCache {
    maps: HashMap<PanelId, (u128, Window, FleetMap)>,
}

impl MapCache {
    /// The map of `panel`, rebuilt when its data or (coarsely) its window changed.
    fn get(&mut self, ctx: &PanelContext<'_>, panel: &PanelSpec) -> Option<&FleetMap> {
        let query = panel.queries.iter().find(|q| !q.hidden)?;
        let key = panel.key(&query.id);
        let store = ctx.session.store();
        let fingerprint = crate::fleet::fingerprint(store.query_series(&key));
        let window = crate::fleet::coarse_window(ctx.window);
        let fresh = self
            .maps
            .get(&panel.id)
            .is_some_and(|(f, w, _)| *f == fingerprint && *w == window);
        if !fresh {
            let map = FleetMap::of(panel, store.query_series(&key), ctx.window);
            self.maps
                .insert(panel.id.clone(), (fingerprint, window, map));
        }
        self.maps.get(&panel.id).map(|(_, _, map)| map)
    }
}

/// The most groups drawn as labelled rows; more flow one after the other.
const MAX_LABELLED_GROUPS: usize = 48;
/// The height of a group's name in labelled rows (px).
const LABEL_HEIGHT: f32 = 13.0;
/// The smallest cell a labelled row may have (px): below it, flow. Even 2 px
/// cells read better in rows under their group's name than in one flow where
/// the groups' edges cannot be seen.
const MIN_LABELLED_CELL: f32 = 2.0;

/// Where every cell goes this frame, and where the group names go.
struct Placement {
    /// (rect, group, cell) of every cell.
    cells: Vec<(Rect, usize, usize)>,
    /// (where, name) of each group's label, in labelled-rows mode.
    labels: Vec<(egui::Pos2, usize)>,
    /// The cells' size (px).
    size: f32,
}

impl Placement {
    /// Labelled rows when there are few groups and the cells stay readable, else
    /// every cell in one flow with an empty slot between groups.
    fn of(rect: Rect, map: &FleetMap) -> Placement {
        let named = map.groups.len() > 1 || map.groups.iter().any(|g| !g.name.is_empty());
        if named && map.groups.len() <= MAX_LABELLED_GROUPS {
            let label_width = (rect.width() / 5.0).clamp(60.0, 170.0);
            let placement = Placement::rows(rect, map, label_width);
            if placement.size >= MIN_LABELLED_CELL {
                return placement;
            }
        }
        Placement::flow(rect, map)
    }

    /// Each group on rows of its own, its name at the left.
    fn rows(rect: Rect, map: &FleetMap, label_width: f32) -> Placement {
        let width = (rect.width() - label_width).max(1.0);
        let gap = 3.0;
        // A group is at least a line of its name tall, however small its cells.
        let band = |cells: usize, columns: usize, size: f32| {
            (cells.div_ceil(columns) as f32 * size).max(LABEL_HEIGHT)
        };
        let rows_at = |size: f32| {
            let columns = (width / size).floor().max(1.0) as usize;
            let height: f32 = map
                .groups
                .iter()
                .map(|g| band(g.cells.len(), columns, size))
                .sum();
            (
                columns,
                height + gap * map.groups.len().saturating_sub(1) as f32,
            )
        };
        let mut size = (width * rect.height() / map.cells().max(1) as f32)
            .sqrt()
            .floor()
            .min(48.0);
        while size > 1.0 && rows_at(size).1 > rect.height() {
            size -= 1.0;
        }
        let (columns, height) = rows_at(size);
        let mut placement = Placement {
            cells: Vec::with_capacity(map.cells()),
            labels: Vec::new(),
            // Rows that do not fit even at the smallest cell are no placement.
            size: if height <= rect.height() { size } else { 0.0 },
        };
        let mut top = rect.min.y;
        for (g, group) in map.groups.iter().enumerate() {
            placement.labels.push((egui::pos2(rect.min.x, top), g));
            for c in 0..group.cells.len() {
                let (row, column) = (c / columns, c % columns);
                let min = egui::pos2(
                    rect.min.x + label_width + column as f32 * size,
                    top + row as f32 * size,
                );
                placement
                    .cells
                    .push((Rect::from_min_size(min, vec2(size, size)), g, c));
            }
            top += band(group.cells.len(), columns, size) + gap;
        }
        placement
    }

    /// The largest square cell with which every cell, and a slot between groups,
    /// fits in `rect`, left to right and top to bottom.
    fn flow(rect: Rect, map: &FleetMap) -> Placement {
        let slots = (map.cells() + map.groups.len().saturating_sub(1)).max(1);
        let (width, height) = (rect.width().max(1.0), rect.height().max(1.0));
        let mut size = (width * height / slots as f32).sqrt().floor().max(1.0);
        let mut columns = (width / size).floor().max(1.0) as usize;
        while size > 1.0 && slots.div_ceil(columns) as f32 * size > height {
            size -= 1.0;
            columns = (width / size).floor().max(1.0) as usize;
        }
        let mut placement = Placement {
            cells: Vec::with_capacity(map.cells()),
            labels: Vec::new(),
            size,
        };
        let mut slot = 0;
        for (g, group) in map.groups.iter().enumerate() {
            if g > 0 {
                slot += 1;
            }
            for c in 0..group.cells.len() {
                let (row, column) = (slot / columns, slot % columns);
                let min = rect.min + vec2(column as f32 * size, row as f32 * size);
                placement
                    .cells
                    .push((Rect::from_min_size(min, vec2(size, size)), g, c));
                slot += 1;
            }
        }
        placement
    }

    /// The cell under the pointer.
    fn at(&self, pointer: egui::Pos2) -> Option<(Rect, usize, usize)> {
        self.cells
            .iter()
            .copied()
            .find(|(rect, _, _)| rect.contains(pointer))
    }
}

/// Draws the map; returns whether it had a cell to show.
pub(crate) fn show(
    ui: &mut Ui,
    header: &mut Ui,
    ctx: &mut PanelContext<'_>,
    panel: &PanelSpec,
    trusted: bool,
) -> bool {
    let mut cache = std::mem::take(&mut ctx.state.fleet_maps);
    let drawn = match cache.get(ctx, panel) {
        Some(map) if map.cells() > 0 => {
            match ctx.wall_figure_pt {
                // On the wall the counts are a figure of their own, above the
                // cells, at a size read across the room.
                Some(figure_pt) => {
                    let size = (figure_pt * 0.6).max(18.0);
                    ui.horizontal(|ui| counts(ui, panel, map, size));
                    ui.add_space(4.0);
                }
                None => {
                    header.add_space(8.0);
                    counts(header, panel, map, 12.0);
                }
            }
            let rest = ui.available_rect_before_wrap();
            let mut body = ui.new_child(egui::UiBuilder::new().max_rect(rest));
            if let Some(clicked) = cells(&mut body, ctx, panel, map, trusted) {
                // Clicking the open cell again closes its window.
                ctx.state.fleet_drill =
                    (ctx.state.fleet_drill.as_ref() != Some(&clicked)).then_some(clicked);
            }
            true
        }
        _ => false,
    };
    ctx.state.fleet_maps = cache;
    super::fleet_drill::window(ui, ctx, panel);
    drawn
}

/// The colour of a state.
fn color(panel: &PanelSpec, state: State) -> Color32 {
    match state {
        State::NotReporting => theme::NO_DATA.gamma_multiply(0.45),
        State::Base => theme::NO_DATA,
        State::Threshold(index) => panel
            .thresholds
            .get(index)
            .map_or(theme::NO_DATA, |t| theme::rgb(t.rgb)),
    }
}

/// "47 n/a · 121 hot · 9,832 ok", each count in its state's colour (n/a in
/// full grey: words, not a cell).
fn counts(header: &mut Ui, panel: &PanelSpec, map: &FleetMap, size: f32) {
    for (index, &(state, count)) in map.counts.iter().enumerate() {
        if index > 0 {
            header.label(RichText::new("·").size(size).weak());
        }
        let text = format!(
            "{} {}",
            crate::units::group_thousands(&count.to_string()),
            state_name(&panel.thresholds, state)
        );
        let words = match state {
            State::NotReporting => theme::NO_DATA,
            _ => color(panel, state),
        };
        header.label(RichText::new(text).size(size).color(words));
    }
}

/// The cells, the groups' names, the hovered cell's tooltip; the cell clicked.
fn cells(
    ui: &mut Ui,
    ctx: &PanelContext<'_>,
    panel: &PanelSpec,
    map: &FleetMap,
    trusted: bool,
) -> Option<super::fleet_drill::Drill> {
    let rect = ui.max_rect();
    let placement = Placement::of(rect, map);
    let painter = ui.painter_at(rect);
    let inset = if placement.size >= 6.0 { 1.0 } else { 0.0 };
    let fade = if trusted { 1.0 } else { 0.35 };
    // One mesh of plain quads: 10,000 cells are 10,000 rectangles to tessellate
    // as shapes, and a few copies as a mesh.
    let mut mesh = egui::Mesh::default();
    let mut shapes = Vec::new();
    for &(cell_rect, g, c) in &placement.cells {
        let cell = &map.groups[g].cells[c];
        let fill = color(panel, cell.state).gamma_multiply(fade);
        let cell_rect = cell_rect.shrink(inset);
        mesh.add_colored_rect(cell_rect, fill);
        if cell.state == State::NotReporting && placement.size >= 8.0 {
            // A stopped series is crossed out, so it never reads as a colour.
            shapes.push(egui::Shape::line_segment(
                [cell_rect.left_bottom(), cell_rect.right_top()],
                egui::Stroke::new(1.0, theme::ERROR.gamma_multiply(0.8)),
            ));
        }
    }
    painter.add(egui::Shape::mesh(mesh));
    painter.extend(shapes);
    let label_size = ctx
        .wall_figure_pt
        .map_or(11.0, |pt| (pt * 0.4).max(14.0))
        .min(placement.size.max(11.0));
    for &(at, g) in &placement.labels {
        painter.text(
            at,
            egui::Align2::LEFT_TOP,
            &map.groups[g].name,
            egui::FontId::proportional(label_size),
            ui.visuals().text_color(),
        );
    }
    let response = ui.interact(
        rect,
        ui.scope_id().with(("fleet-map", panel.id.as_str())),
        Sense::click(),
    );
    let summary = map
        .counts
        .iter()
        .map(|&(state, n)| format!("{n} {}", state_name(&panel.thresholds, state)))
        .collect::<Vec<_>>()
        .join(", ");
    response.widget_info(|| {
        egui::WidgetInfo::labeled(
            egui::Role::Label,
            true,
            format!("{}: {} cells: {summary}", panel.title, map.cells()),
        )
    });
    if ctx.wall_figure_pt.is_some() {
        return None;
    }
    let (cell_rect, g, c) = response.hover_pos().and_then(|p| placement.at(p))?;
    let group = &map.groups[g];
    let cell = &group.cells[c];
    ui.painter().rect_stroke(
        cell_rect,
        0.0,
        egui::Stroke::new(2.0, ui.visuals().strong_text_color()),
        egui::StrokeKind::Outside,
    );
    let query = panel.queries.iter().find(|q| !q.hidden);
    let name = query.map_or_else(String::new, |q| q.series_name(&cell.key.labels));
    let value = cell.value.map_or_else(
        || "n/a: stopped reporting".to_owned(),
        |v| panel.unit.format(v),
    );
    let labels = cell
        .key
        .labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("\n");
    let clicked = response.clicked().then(|| super::fleet_drill::Drill {
        panel: panel.id.clone(),
        key: cell.key.clone(),
        group: group.name.clone(),
    });
    response.on_hover_ui_at_pointer(|ui| {
        ui.strong(name);
        if !group.name.is_empty() {
            ui.label(format!("group: {}", group.name));
        }
        ui.label(
            RichText::new(format!(
                "{value} ({})",
                state_name(&panel.thresholds, cell.state)
            ))
            .color(color(panel, cell.state)),
        );
        ui.label(RichText::new(labels).weak().size(11.0));
        ui.label(RichText::new("click: its history beside its group's").weak());
    });
    clicked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::map::{Cell, Group};
    use crate::store::SeriesKey;
    use egui::pos2;

    fn map(groups: usize, per_group: usize) -> FleetMap {
        let key = crate::dashboard::QueryKey {
            panel: PanelId::from("p"),
            query: crate::dashboard::QueryId::from("q1"),
        };
        let cell = Cell {
            key: SeriesKey::new(&key, std::collections::BTreeMap::new()),
            value: Some(1.0),
            state: State::Base,
        };
        FleetMap {
            groups: (0..groups)
                .map(|g| Group {
                    name: format!("node-{g:04}"),
                    cells: vec![cell.clone(); per_group],
                })
                .collect(),
            counts: vec![(State::Base, groups * per_group)],
        }
    }

    #[test]
    fn ten_thousand_cells_flow_and_the_pointer_finds_its_cell() {
        let rect = Rect::from_min_size(pos2(10.0, 20.0), vec2(1800.0, 300.0));
        let placement = Placement::of(rect, &map(1250, 8));
        assert!(placement.labels.is_empty());
        assert_eq!(placement.cells.len(), 10_000);
        assert!(
            placement
                .cells
                .iter()
                .all(|(r, _, _)| rect.contains_rect(*r))
        );
        assert_eq!(placement.size, 6.0);
        let (cell, g, c) = placement.cells[4321];
        assert_eq!(
            placement.at(cell.center()).map(|(_, g, c)| (g, c)),
            Some((g, c))
        );
        assert_eq!(placement.at(pos2(0.0, 0.0)), None);
    }

    #[test]
    fn few_groups_get_labelled_rows() {
        let rect = Rect::from_min_size(pos2(0.0, 0.0), vec2(800.0, 300.0));
        let placement = Placement::of(rect, &map(8, 1250));
        assert_eq!(placement.labels.len(), 8);
        assert!(
            placement
                .cells
                .iter()
                .all(|(r, _, _)| rect.contains_rect(*r))
        );
        assert!(placement.size >= MIN_LABELLED_CELL, "{}", placement.size);
        // Each group starts a row of its own, right of the names.
        let first_of = |g: usize| {
            placement
                .cells
                .iter()
                .find(|(_, gg, _)| *gg == g)
                .unwrap()
                .0
        };
        assert_eq!(first_of(1).min.x, first_of(0).min.x);
        assert!(first_of(1).min.y > first_of(0).max.y - 0.5);
    }
}
