//! Drawing the UI to pixels with no GPU and no display: `fleetdeck render` and
//! the snapshot tests. egui tessellates a frame into textured triangles; here
//! they are rasterised on the CPU ([`raster`]), with egui's own blending, into an
//! RGBA image.
//!
//! Why not the GPU path: the window draws with glow; a second GPU stack (wgpu)
//! just for offscreen images doubled what the binary carries, and through Mesa's
//! software rasteriser its pixels moved with Mesa's point releases (a snapshot
//! failed on 22.3.6-1+deb12u2 where it passed on +deb12u1). These pixels depend on
//! nothing but egui's triangles.

mod raster;

use egui::epaint::{ClippedPrimitive, Primitive};
use egui::{TextureFilter, TextureId, TexturesDelta};
use raster::{Corner, Scissor, Target, Texture};
use std::collections::HashMap;

/// The textures egui uploaded, and the rasteriser that draws with them.
#[derive(Default)]
pub struct SoftwareRenderer {
    textures: HashMap<TextureId, Texture>,
}

impl SoftwareRenderer {
    /// Applies a frame's texture changes (new textures, patches, frees).
    pub fn update_textures(&mut self, delta: &TexturesDelta) {
        for (id, deltas) in &delta.set {
            for image_delta in deltas {
                let egui::ImageData::Color(image) = &image_delta.image;
                let nearest = image_delta.options.magnification == TextureFilter::Nearest;
                match image_delta.pos {
                    None => {
                        self.textures.insert(
                            *id,
                            Texture {
                                width: image.size[0],
                                height: image.size[1],
                                pixels: image.pixels.clone(),
                                nearest,
                            },
                        );
                    }
                    Some([left, top]) => {
                        let Some(texture) = self.textures.get_mut(id) else {
                            continue;
                        };
                        for row in 0..image.size[1] {
                            for column in 0..image.size[0] {
                                let (x, y) = (left + column, top + row);
                                if x < texture.width && y < texture.height {
                                    texture.pixels[y * texture.width + x] =
                                        image.pixels[row * image.size[0] + column];
                                }
                            }
                        }
                    }
                }
            }
        }
        for id in &delta.free {
            self.textures.remove(id);
        }
    }

    /// Draws tessellated primitives into an image of `size` pixels at
    /// `pixels_per_point`, over transparent black.
    pub fn render(
        &self,
        primitives: &[ClippedPrimitive],
        size: [u32; 2],
        pixels_per_point: f32,
    ) -> image::RgbaImage {
        let (width, height) = (size[0] as usize, size[1] as usize);
        let mut target = Target::new(width, height);
        let blank = Texture {
            width: 1,
            height: 1,
            pixels: vec![egui::Color32::WHITE],
            nearest: true,
        };
        for ClippedPrimitive {
            clip_rect,
            primitive,
        } in primitives
        {
            let Primitive::Mesh(mesh) = primitive else {
                continue; // paint callbacks draw with a GPU; there is none here
            };
            let scissor = scissor(clip_rect, pixels_per_point, width, height);
            if scissor.x0 >= scissor.x1 || scissor.y0 >= scissor.y1 {
                continue;
            }
            let texture = self.textures.get(&mesh.texture_id).unwrap_or(&blank);
            for indices in mesh.indices.chunks_exact(3) {
                let corner = |index: u32| {
                    let vertex = mesh.vertices.get(index as usize)?;
                    Some(Corner {
                        x: vertex.pos.x * pixels_per_point,
                        y: vertex.pos.y * pixels_per_point,
                        u: vertex.uv.x,
                        v: vertex.uv.y,
                        color: vertex.color,
                    })
                };
                if let (Some(a), Some(b), Some(c)) =
                    (corner(indices[0]), corner(indices[1]), corner(indices[2]))
                {
                    raster::triangle(&mut target, scissor, texture, [a, b, c]);
                }
            }
        }
        let bytes: Vec<u8> = target.pixels.into_iter().flatten().collect();
        image::RgbaImage::from_raw(size[0], size[1], bytes).unwrap_or_default()
    }
}

/// A clip rectangle in pixels, rounded as egui's painters round it.
fn scissor(clip: &egui::Rect, pixels_per_point: f32, width: usize, height: usize) -> Scissor {
    let pixel =
        |v: f32, limit: usize| ((v * pixels_per_point).round().max(0.0) as usize).min(limit);
    let x0 = pixel(clip.min.x, width);
    let y0 = pixel(clip.min.y, height);
    Scissor {
        x0,
        y0,
        x1: pixel(clip.max.x, width).max(x0),
        y1: pixel(clip.max.y, height).max(y0),
    }
}

/// Frames of a UI run without a window, and drawn to an image: what `render`
/// uses. Animations and the blinking cursor are off, so a frame is final.
pub struct Offscreen {
    ctx: egui::Context,
    renderer: SoftwareRenderer,
    size: egui::Vec2,
    shapes: Vec<egui::epaint::ClippedShape>,
}

impl Offscreen {
    /// A screen of `width` × `height` pixels at one pixel per point.
    pub fn new(width: u32, height: u32) -> Offscreen {
        let ctx = egui::Context::default();
        ctx.all_styles_mut(|style| {
            style.visuals.text_cursor.blink = false;
            style.scroll_animation = egui::style::ScrollAnimation::none();
            style.animation_time = 0.0;
        });
        Offscreen {
            ctx,
            renderer: SoftwareRenderer::default(),
            size: egui::vec2(width as f32, height as f32),
            shapes: Vec::new(),
        }
    }

    /// Runs one frame of `ui`.
    pub fn step(&mut self, mut ui: impl FnMut(&mut egui::Ui)) {
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, self.size)),
            ..Default::default()
        };
        let mut output = self.ctx.run_ui(input, |frame| ui(frame));
        self.renderer.update_textures(&output.textures_delta);
        output.textures_delta.clear();
        self.shapes = output.shapes;
    }

    /// The last frame, drawn.
    pub fn image(&self) -> image::RgbaImage {
        let pixels_per_point = self.ctx.pixels_per_point();
        let primitives = self.ctx.tessellate(self.shapes.clone(), pixels_per_point);
        let size = self.size * pixels_per_point;
        self.renderer.render(
            &primitives,
            [size.x.round() as u32, size.y.round() as u32],
            pixels_per_point,
        )
    }
}
