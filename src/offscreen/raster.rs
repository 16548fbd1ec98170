//! Triangles to pixels on the CPU, the way egui's own GPU painters do it: vertex
//! colours are premultiplied sRGBA in gamma space, multiplied by the texture's
//! (bilinear, clamped to its edge), and blended "over" into 8-bit channels.
//!
//! Coordinates are snapped to 1/256 of a pixel and every coverage test is done in
//! integers, with the top-left rule, so two triangles that share an edge cover
//! each pixel on it exactly once and the same input gives the same bytes on every
//! machine — which is what a snapshot test needs and a driver update cannot move.

use egui::Color32;

/// Sub-pixel steps per pixel.
const SUBPIXEL: i64 = 256;

/// An RGBA8 target, premultiplied, row-major, top row first.
pub(crate) struct Target {
    pub(crate) width: usize,
    pub(crate) pixels: Vec<[u8; 4]>,
}

impl Target {
    /// A target of `width` × `height`, transparent.
    pub(crate) fn new(width: usize, height: usize) -> Target {
        Target {
            width,
            pixels: vec![[0; 4]; width * height],
        }
    }
}

/// A texture as the painter samples it.
pub(crate) struct Texture {
    pub(crate) width: usize,
    pub(crate) height: usize,
    /// Premultiplied sRGBA.
    pub(crate) pixels: Vec<Color32>,
    /// Nearest instead of bilinear filtering.
    pub(crate) nearest: bool,
}

impl Texture {
    /// The texture at `u`, `v` (0..1), as egui's predictable filtering samples it.
    fn sample(&self, u: f32, v: f32) -> [f32; 4] {
        if self.width == 0 || self.height == 0 {
            return [1.0; 4];
        }
        let (w, h) = (self.width as f32, self.height as f32);
        let texel = |x: i64, y: i64| -> [f32; 4] {
            let x = x.clamp(0, self.width as i64 - 1) as usize;
            let y = y.clamp(0, self.height as i64 - 1) as usize;
            let c = self.pixels[y * self.width + x];
            [c.r(), c.g(), c.b(), c.a()].map(|channel| f32::from(channel) / 255.0)
        };
        if self.nearest {
            return texel((u * w).floor() as i64, (v * h).floor() as i64);
        }
        let (x, y) = (u * w - 0.5, v * h - 0.5);
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (x - x0, y - y0);
        let (x0, y0) = (x0 as i64, y0 as i64);
        let mix = |a: [f32; 4], b: [f32; 4], t: f32| -> [f32; 4] {
            [0, 1, 2, 3].map(|i| a[i] + (b[i] - a[i]) * t)
        };
        let top = mix(texel(x0, y0), texel(x0 + 1, y0), fx);
        let bottom = mix(texel(x0, y0 + 1), texel(x0 + 1, y0 + 1), fx);
        mix(top, bottom, fy)
    }
}

/// One vertex, in pixels.
#[derive(Clone, Copy)]
pub(crate) struct Corner {
    pub(crate) x: f32,
    pub(crate) y: f32,
    pub(crate) u: f32,
    pub(crate) v: f32,
    pub(crate) color: Color32,
}

/// The part of the target drawn into: `[x0, x1) × [y0, y1)` in pixels.
#[derive(Clone, Copy)]
pub(crate) struct Scissor {
    pub(crate) x0: usize,
    pub(crate) y0: usize,
    pub(crate) x1: usize,
    pub(crate) y1: usize,
}

/// A corner snapped to the sub-pixel grid.
#[derive(Clone, Copy)]
struct Snapped {
    x: i64,
    y: i64,
}

fn snap(corner: &Corner) -> Snapped {
    let fixed = |v: f32| (f64::from(v) * SUBPIXEL as f64).round() as i64;
    Snapped {
        x: fixed(corner.x),
        y: fixed(corner.y),
    }
}

/// Which side of the edge `a`→`b` the point `p` is on (twice the signed area).
fn edge(a: Snapped, b: Snapped, p: Snapped) -> i64 {
    (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x)
}

/// Whether a point exactly on the edge `a`→`b` of a triangle wound so that its
/// inside is positive belongs to it: top and left edges do, so a pixel on an edge
/// two triangles share is drawn once.
fn owns_edge(a: Snapped, b: Snapped) -> bool {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    // With y down and the inside on the positive side: a top edge runs to the
    // right along a row, a left edge runs up.
    (dy == 0 && dx > 0) || dy < 0
}

/// Draws one triangle into `target`, sampling `texture`, inside `scissor`.
pub(crate) fn triangle(
    target: &mut Target,
    scissor: Scissor,
    texture: &Texture,
    corners: [Corner; 3],
) {
    let mut snapped = corners.map(|c| snap(&c));
    let mut corners = corners;
    let mut area = edge(snapped[0], snapped[1], snapped[2]);
    if area == 0 {
        return;
    }
    if area < 0 {
        snapped.swap(1, 2);
        corners.swap(1, 2);
        area = -area;
    }
    let [a, b, c] = snapped;
    let owns = [owns_edge(b, c), owns_edge(c, a), owns_edge(a, b)];
    let min_x = corners.iter().map(|c| c.x).fold(f32::INFINITY, f32::min);
    let max_x = corners
        .iter()
        .map(|c| c.x)
        .fold(f32::NEG_INFINITY, f32::max);
    let min_y = corners.iter().map(|c| c.y).fold(f32::INFINITY, f32::min);
    let max_y = corners
        .iter()
        .map(|c| c.y)
        .fold(f32::NEG_INFINITY, f32::max);
    let clamp = |v: f32, low: usize, high: usize| (v.max(0.0) as usize).clamp(low, high);
    let x_start = clamp(min_x.floor() - 1.0, scissor.x0, scissor.x1);
    let x_end = clamp(max_x.ceil() + 1.0, scissor.x0, scissor.x1);
    let y_start = clamp(min_y.floor() - 1.0, scissor.y0, scissor.y1);
    let y_end = clamp(max_y.ceil() + 1.0, scissor.y0, scissor.y1);
    let inverse_area = 1.0 / area as f64;
    for y in y_start..y_end {
        let py = y as i64 * SUBPIXEL + SUBPIXEL / 2;
        let (from, to) = row_span(&snapped, py, x_start, x_end);
        for x in from..to {
            let p = Snapped {
                x: x as i64 * SUBPIXEL + SUBPIXEL / 2,
                y: py,
            };
            let w = [edge(b, c, p), edge(c, a, p), edge(a, b, p)];
            let inside = w
                .iter()
                .zip(owns)
                .all(|(&w, owned)| w > 0 || (w == 0 && owned));
            if !inside {
                continue;
            }
            let weights = w.map(|w| (w as f64 * inverse_area) as f32);
            let blend = |f: fn(&Corner) -> f32| -> f32 {
                weights[0] * f(&corners[0])
                    + weights[1] * f(&corners[1])
                    + weights[2] * f(&corners[2])
            };
            let texel = texture.sample(blend(|c| c.u), blend(|c| c.v));
            let channel = |i: usize| -> f32 {
                let of = |c: &Corner| f32::from(c.color.to_array()[i]) / 255.0;
                weights[0] * of(&corners[0])
                    + weights[1] * of(&corners[1])
                    + weights[2] * of(&corners[2])
            };
            let source = [0, 1, 2, 3].map(|i| channel(i) * texel[i]);
            over(&mut target.pixels[y * target.width + x], source);
        }
    }
}

/// The columns of row `py` (sub-pixels) the triangle may cover, within
/// `[x_start, x_end)`: a pixel's margin around the exact span, which the
/// per-pixel test then settles.
fn row_span(corners: &[Snapped; 3], py: i64, x_start: usize, x_end: usize) -> (usize, usize) {
    let mut low = f64::INFINITY;
    let mut high = f64::NEG_INFINITY;
    for i in 0..3 {
        let (p, q) = (corners[i], corners[(i + 1) % 3]);
        let (top, bottom) = if p.y <= q.y { (p, q) } else { (q, p) };
        if py < top.y || py > bottom.y {
            continue;
        }
        let x = if bottom.y == top.y {
            low = low.min(top.x.min(bottom.x) as f64);
            high = high.max(top.x.max(bottom.x) as f64);
            continue;
        } else {
            top.x as f64
                + (bottom.x - top.x) as f64 * (py - top.y) as f64 / (bottom.y - top.y) as f64
        };
        low = low.min(x);
        high = high.max(x);
    }
    if low > high {
        return (x_start, x_start);
    }
    let pixel = |sub: f64| sub / SUBPIXEL as f64;
    let from = (pixel(low).floor() - 1.0).max(x_start as f64) as usize;
    let to = ((pixel(high).ceil() + 1.0).max(0.0) as usize).min(x_end);
    (from.min(to), to)
}

/// Premultiplied "over", as egui's painters blend: colour `src + dst·(1 − src.a)`,
/// alpha `src.a·(1 − dst.a) + dst.a`, rounded to 8 bits like a unorm target.
fn over(pixel: &mut [u8; 4], source: [f32; 4]) {
    let destination = pixel.map(|channel| f32::from(channel) / 255.0);
    let alpha = source[3];
    let mut out = [0.0f32; 4];
    for i in 0..3 {
        out[i] = source[i] + destination[i] * (1.0 - alpha);
    }
    out[3] = alpha * (1.0 - destination[3]) + destination[3];
    *pixel = out.map(|v| (v.clamp(0.0, 1.0) * 255.0 + 0.5) as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn white() -> Texture {
        Texture {
            width: 1,
            height: 1,
            pixels: vec![Color32::WHITE],
            nearest: false,
        }
    }

    fn corner(x: f32, y: f32, color: Color32) -> Corner {
        Corner {
            x,
            y,
            u: 0.0,
            v: 0.0,
            color,
        }
    }

    /// Two triangles of a half-transparent square: every pixel of it once, none
    /// twice along the diagonal they share, none outside.
    #[test]
    fn a_quad_covers_each_pixel_exactly_once() {
        let mut target = Target::new(8, 8);
        let everything = Scissor {
            x0: 0,
            y0: 0,
            x1: 8,
            y1: 8,
        };
        let half = Color32::from_rgba_premultiplied(64, 0, 0, 128);
        let [p0, p1, p2, p3] =
            [(1.0, 1.0), (7.0, 1.0), (7.0, 7.0), (1.0, 7.0)].map(|(x, y)| corner(x, y, half));
        triangle(&mut target, everything, &white(), [p0, p1, p2]);
        triangle(&mut target, everything, &white(), [p0, p2, p3]);
        for y in 0..8 {
            for x in 0..8 {
                let inside = (1..7).contains(&x) && (1..7).contains(&y);
                let expected = if inside { [64, 0, 0, 128] } else { [0; 4] };
                assert_eq!(target.pixels[y * 8 + x], expected, "({x}, {y})");
            }
        }
    }

    #[test]
    fn the_scissor_clips() {
        let mut target = Target::new(4, 4);
        let left_half = Scissor {
            x0: 0,
            y0: 0,
            x1: 2,
            y1: 4,
        };
        let red = Color32::RED;
        triangle(
            &mut target,
            left_half,
            &white(),
            [
                corner(0.0, 0.0, red),
                corner(4.0, 0.0, red),
                corner(0.0, 4.0, red),
            ],
        );
        triangle(
            &mut target,
            left_half,
            &white(),
            [
                corner(4.0, 0.0, red),
                corner(4.0, 4.0, red),
                corner(0.0, 4.0, red),
            ],
        );
        for y in 0..4 {
            for x in 0..4 {
                assert_eq!(target.pixels[y * 4 + x][3], if x < 2 { 255 } else { 0 });
            }
        }
    }
}
