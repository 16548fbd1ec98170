//! A line the line cache already decimated to pixel columns, drawn in one pass.
//!
//! egui_plot's `Line` is made for any points: every frame it maps each segment's
//! two ends to the screen, gathers the visible runs into vectors, groups them
//! into one-pixel buckets and only then draws a dense run as a band (the
//! vertical extent of each pixel column) and a sparse one as a path. That was a
//! fifth of a live dashboard's frame. The points here come from the cache
//! sorted by time and at most a few per column, with their bounds known, so one
//! walk maps each point once and builds the band directly; what is drawn is the
//! same band (or path) `Line` draws, pixel for pixel.

use egui::epaint::{BandPoint, BandShape};
use egui::{Color32, Pos2, Rangef, Shape, Stroke, Ui};
use egui_plot::{
    ClosestElem, PlotBounds, PlotGeometry, PlotItem, PlotItemBase, PlotPoint, PlotTransform,
};
use std::ops::RangeInclusive;

/// One series' decimated line, borrowed from the line cache.
pub(super) struct ColumnLine<'a> {
    base: PlotItemBase,
    points: &'a [PlotPoint],
    bounds: PlotBounds,
    stroke: Stroke,
}

impl<'a> ColumnLine<'a> {
    /// A line named `name` through `points` (sorted by time), whose extent
    /// the cache already knows (`bounds`).
    pub(super) fn new(name: &str, points: &'a [PlotPoint], bounds: PlotBounds) -> Self {
        Self {
            base: PlotItemBase::new(name.to_owned()),
            points,
            bounds,
            stroke: Stroke::new(1.5, Color32::TRANSPARENT),
        }
    }

    pub(super) fn color(mut self, color: Color32) -> Self {
        self.stroke.color = color;
        self
    }

    pub(super) fn width(mut self, width: f32) -> Self {
        self.stroke.width = width;
        self
    }
}

/// Maps plot values to screen positions: the transform's linear map, with its
/// scale and offset worked out once instead of once per point.
#[derive(Clone, Copy)]
struct ScreenMap {
    x0: f64,
    x_scale: f64,
    x_offset: f64,
    y0: f64,
    y_scale: f64,
    y_offset: f64,
}

impl ScreenMap {
    fn of(transform: &PlotTransform) -> Self {
        let bounds = transform.bounds();
        let (min, max) = (bounds.min(), bounds.max());
        let (x_from, x_to) = (
            transform.position_from_point_x(min[0]) as f64,
            transform.position_from_point_x(max[0]) as f64,
        );
        let (y_from, y_to) = (
            transform.position_from_point_y(min[1]) as f64,
            transform.position_from_point_y(max[1]) as f64,
        );
        Self {
            x0: min[0],
            x_scale: (x_to - x_from) / (max[0] - min[0]),
            x_offset: x_from,
            y0: min[1],
            y_scale: (y_to - y_from) / (max[1] - min[1]),
            y_offset: y_from,
        }
    }

    #[inline]
    fn position(&self, point: &PlotPoint) -> Pos2 {
        Pos2::new(
            (self.x_offset + (point.x - self.x0) * self.x_scale) as f32,
            (self.y_offset + (point.y - self.y0) * self.y_scale) as f32,
        )
    }
}

/// Where a run of the line is being gathered: its screen points and their
/// one-pixel buckets.
#[derive(Default)]
struct Run {
    positions: Vec<Pos2>,
    band: Vec<BandPoint>,
}

impl Run {
    /// Starts a segment at `position`, unless the run already ends there.
    fn start_segment(&mut self, position: Pos2) {
        if self.positions.last() != Some(&position) {
            self.push(position);
        }
    }

    fn push(&mut self, position: Pos2) {
        self.positions.push(position);
        // The bucketing `Line` does: points within a pixel of a bucket's first
        // widen it, the next one starts a new bucket.
        if let Some(bucket) = self.band.last_mut()
            && bucket.is_finite()
            && position.x.is_finite()
            && position.y.is_finite()
            && bucket.x <= position.x
            && position.x - bucket.x <= 1.0
        {
            bucket.y.min = bucket.y.min.min(position.y);
            bucket.y.max = bucket.y.max.max(position.y);
        } else {
            self.band
                .push(BandPoint::new(position.x, position.y..=position.y));
        }
    }

    /// Draws the run gathered so far and starts the next one: a dense run as a
    /// band as wide as the stroke around each column's extent, a sparse one as a
    /// path.
    fn finish(&mut self, stroke: Stroke, shapes: &mut Vec<Shape>) {
        let (positions, mut band) = (
            std::mem::take(&mut self.positions),
            std::mem::take(&mut self.band),
        );
        match positions.len() {
            0 => {}
            1 => shapes.push(Shape::circle_filled(
                positions[0],
                stroke.width / 2.0,
                stroke.color,
            )),
            n if 1 < band.len() && band.len() < n => {
                for bucket in band.iter_mut().skip(1) {
                    bucket.x += 0.5;
                }
                if let Some(last) = band.last_mut() {
                    last.x = positions[n - 1].x;
                }
                for bucket in &mut band {
                    let center = bucket.y.center();
                    let half = 0.5 * (bucket.y.span() + stroke.width);
                    bucket.y = Rangef::new(center - half, center + half);
                }
                shapes.push(BandShape::filled(band, stroke.color).into());
            }
            _ => shapes.push(Shape::line(positions, stroke)),
        }
    }
}

impl PlotItem for ColumnLine<'_> {
    fn shapes(&self, ui: &Ui, transform: &PlotTransform, shapes: &mut Vec<Shape>) {
        let map = ScreenMap::of(transform);
        let clip = ui.clip_rect();
        let (clip_x_min, clip_x_max) = {
            let (a, b) = (
                transform.value_from_position(clip.min).x,
                transform.value_from_position(clip.max).x,
            );
            (a.min(b), a.max(b))
        };
        let mut run = Run::default();
        if let [only] = self.points {
            let position = map.position(only);
            if clip.contains(position) {
                run.push(position);
            }
        }
        // Segments off the clip's x range or outside it altogether end a run,
        // as in `Line`: the ends of the drawn runs are the same.
        let mut previous: Option<Pos2> = None;
        for pair in self.points.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            if a.x.min(b.x) > clip_x_max || clip_x_min > a.x.max(b.x) {
                run.finish(self.stroke, shapes);
                previous = None;
                continue;
            }
            let from = previous.unwrap_or_else(|| map.position(a));
            let to = map.position(b);
            previous = Some(to);
            if !clip.intersects(egui::Rect::from_two_pos(from, to)) {
                run.finish(self.stroke, shapes);
                continue;
            }
            run.start_segment(from);
            run.push(to);
        }
        run.finish(self.stroke, shapes);
    }

    fn initialize(&mut self, _x_range: RangeInclusive<f64>) {}

    fn color(&self) -> Color32 {
        self.stroke.color
    }

    fn geometry(&self) -> PlotGeometry<'_> {
        PlotGeometry::Points(self.points)
    }

    fn bounds(&self) -> PlotBounds {
        self.bounds
    }

    fn base(&self) -> &PlotItemBase {
        &self.base
    }

    fn base_mut(&mut self) -> &mut PlotItemBase {
        &mut self.base
    }

    /// The point nearest the pointer along the line's segments, as `Line`
    /// finds it (the nearer end of the nearest segment).
    fn find_closest(&self, point: Pos2, transform: &PlotTransform) -> Option<ClosestElem> {
        let map = ScreenMap::of(transform);
        if self.points.len() <= 1 {
            return self.points.first().map(|only| ClosestElem {
                index: 0,
                dist_sq: point.distance_sq(map.position(only)),
            });
        }
        self.points
            .windows(2)
            .enumerate()
            .map(|(i, pair)| {
                let (p0, p1) = (map.position(&pair[0]), map.position(&pair[1]));
                let index = if point.distance_sq(p0) <= point.distance_sq(p1) {
                    i
                } else {
                    i + 1
                };
                ClosestElem {
                    index,
                    dist_sq: distance_sq_to_segment(point, p0, p1),
                }
            })
            .min_by(|a, b| a.dist_sq.total_cmp(&b.dist_sq))
    }
}

/// The squared distance from `point` to the segment `a`–`b`.
fn distance_sq_to_segment(point: Pos2, a: Pos2, b: Pos2) -> f32 {
    let along = b - a;
    let length_sq = along.length_sq();
    if length_sq == 0.0 {
        return point.distance_sq(a);
    }
    let t = ((point - a).dot(along) / length_sq).clamp(0.0, 1.0);
    point.distance_sq(a + t * along)
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::{Rect, pos2};
    use egui_plot::{Line, PlotPoints};

    /// A shape's kind and every coordinate it is made of, for comparing two
    /// shapes up to rounding.
    fn outline(shape: &Shape) -> (&'static str, Vec<f32>) {
        match shape {
            Shape::Band(band) => (
                "band",
                band.points
                    .iter()
                    .flat_map(|p| [p.x, p.y.min, p.y.max])
                    .collect(),
            ),
            Shape::Path(path) => (
                "path",
                path.points.iter().flat_map(|p| [p.x, p.y]).collect(),
            ),
            Shape::Circle(circle) => ("circle", vec![circle.center.x, circle.center.y]),
            other => panic!("unexpected shape {other:?}"),
        }
    }

    /// What egui_plot's `Line` and `ColumnLine` draw of `points` in a 400×200
    /// plot over `bounds`.
    fn both(points: &[PlotPoint], bounds: PlotBounds) -> (Vec<Shape>, Vec<Shape>) {
        let frame = Rect::from_min_size(pos2(10.0, 20.0), egui::vec2(400.0, 200.0));
        let transform = PlotTransform::new(frame, bounds, false);
        let (mut theirs, mut ours) = (Vec::new(), Vec::new());
        let ctx = egui::Context::default();
        let mut output = ctx.run_ui(egui::RawInput::default(), |ui| {
            ui.set_clip_rect(frame);
            let color = Color32::from_rgb(200, 100, 50);
            Line::new("s", PlotPoints::Borrowed(points))
                .color(color)
                .width(1.5)
                .allow_band(true)
                .shapes(ui, &transform, &mut theirs);
            let mut extent = PlotBounds::NOTHING;
            points
                .iter()
                .filter(|p| p.y.is_finite())
                .for_each(|p| extent.extend_with(p));
            ColumnLine::new("s", points, extent)
                .color(color)
                .width(1.5)
                .shapes(ui, &transform, &mut ours);
        });
        // Nothing here uploads the fonts' texture.
        output.textures_delta.clear();
        (theirs, ours)
    }

    fn assert_same(points: &[PlotPoint], bounds: PlotBounds) {
        let (theirs, ours) = both(points, bounds);
        assert_eq!(theirs.len(), ours.len(), "number of shapes");
        for (a, b) in theirs.iter().zip(&ours) {
            let ((kind_a, a), (kind_b, b)) = (outline(a), outline(b));
            assert_eq!(kind_a, kind_b);
            assert_eq!(a.len(), b.len(), "{kind_a} size");
            for (x, y) in a.iter().zip(&b) {
                assert!((x - y).abs() < 1e-2, "{kind_a}: {x} vs {y}");
            }
        }
    }

    fn wave(count: usize, span: f64) -> Vec<PlotPoint> {
        (0..count)
            .map(|i| {
                let x = 1_764_000_000.0 + span * i as f64 / count as f64;
                PlotPoint::new(x, (i as f64 / 37.0).sin() * 5.0 + (i % 7) as f64)
            })
            .collect()
    }

    fn bounds_of(x: (f64, f64), y: (f64, f64)) -> PlotBounds {
        PlotBounds::from_min_max([x.0, y.0], [x.1, y.1])
    }

    /// What the first shape of `count` points over an hour is, once both
    /// draw it the same.
    fn an_hour_drawn_as(count: usize) -> &'static str {
        let points = wave(count, 3_600.0);
        let bounds = bounds_of((1_764_000_000.0, 1_764_003_600.0), (-6.0, 12.0));
        assert_same(&points, bounds);
        outline(&both(&points, bounds).1[0]).0
    }

    #[test]
    fn a_dense_line_is_the_band_line_draws() {
        assert_eq!(an_hour_drawn_as(2_000), "band");
    }

    #[test]
    fn a_sparse_line_is_the_path_line_draws() {
        assert_eq!(an_hour_drawn_as(30), "path");
    }

    #[test]
    fn gaps_and_points_off_the_plot_end_runs_where_line_ends_them() {
        // (The line cache never gives a line NaN: decimation leaves it out.)
        let mut points = wave(1_500, 3_600.0);
        points[900].y = 1e6;
        points[901].y = 1e6;
        points[1_100].y = 1e6;
        // The window shows the middle of the line only.
        let bounds = bounds_of((1_764_000_900.0, 1_764_002_700.0), (-6.0, 12.0));
        assert_same(&points, bounds);
        assert!(both(&points, bounds).1.len() > 1, "the line is cut");
    }

    #[test]
    fn a_single_point_is_a_dot() {
        let points = [PlotPoint::new(1_764_000_100.0, 3.0)];
        let bounds = bounds_of((1_764_000_000.0, 1_764_000_200.0), (0.0, 6.0));
        assert_same(&points, bounds);
    }
}
