//! A drawing surface in logical 800×400 pixels over plotters' bitmap backend, rendered at 2× and encoded as PNG.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontDesc, FontFamily, FontStyle, register_font};

use super::ChartError;

/// Width of the PNG in pixels; 2:1 fills a Discord embed without it being cropped or letterboxed.
pub const WIDTH: u32 = 800;
pub const HEIGHT: u32 = 400;
/// plotters' bitmap backend draws without anti-aliasing; drawing at 2× and averaging 2×2 blocks smooths
/// lines and circles for about four times the (small) drawing cost.
const SUPERSAMPLE: u32 = 2;
const SCALE: f64 = SUPERSAMPLE as f64;

/// A private family name, so registering it cannot replace a font some other plotters user registered.
const FONT_FAMILY: &str = "opspod-dejavu-sans";
static FONT: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/fonts/DejaVuSans.ttf"));

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Align {
    Left,
    Center,
    Right,
}

/// Draws in logical pixels; every coordinate is scaled by the supersampling factor here and nowhere else.
pub(super) struct Pen<'a> {
    area: DrawingArea<BitMapBackend<'a>, Shift>,
}

/// Draws a chart with `paint` and returns it as PNG bytes.
pub(super) fn render(paint: impl FnOnce(&Pen) -> Result<(), ChartError>) -> Result<Vec<u8>, ChartError> {
    register_bundled_font()?;
    let (width, height) = (WIDTH * SUPERSAMPLE, HEIGHT * SUPERSAMPLE);
    let mut pixels = vec![0u8; width as usize * height as usize * 3];
    {
        let pen = Pen { area: BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area() };
        paint(&pen)?;
        pen.area.present()?;
    }
    encode_png(&downsample(&pixels, width as usize, height as usize), WIDTH, HEIGHT)
}

fn register_bundled_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| register_font(FONT_FAMILY, FontStyle::Normal, FONT).is_ok());
    if ok { Ok(()) } else { Err(ChartError::Font) }
}

fn px(v: f64) -> i32 {
    (v * SCALE).round() as i32
}

fn font(size: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FONT_FAMILY), size * SCALE, FontStyle::Normal)
}

/// Advance width of `text` in logical pixels.
pub(super) fn text_width(text: &str, size: f64) -> f64 {
    font(size).box_size(text).map(|(w, _)| f64::from(w) / SCALE).unwrap_or(text.chars().count() as f64 * size * 0.6)
}

/// Height of digits and capitals above the baseline (DejaVu's cap height is 0.73 em, 0.63 of plotters' size).
pub(super) fn cap_height(size: f64) -> f64 {
    size * 0.63
}

/// `text` cut with an ellipsis so it fits `max_width`.
pub(super) fn fit_text(text: &str, size: f64, max_width: f64) -> String {
    if text_width(text, size) <= max_width {
        return text.to_owned();
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let candidate = format!("{}…", chars.iter().collect::<String>().trim_end());
        if text_width(&candidate, size) <= max_width {
            return candidate;
        }
    }
    String::new()
}

impl Pen<'_> {
    pub fn fill(&self, colour: &impl Color) -> Result<(), ChartError> {
        Ok(self.area.fill(colour)?)
    }

    /// Fills the rectangle from (left, top) up to but excluding (right, bottom).
    pub fn rect(&self, left: f64, top: f64, right: f64, bottom: f64, colour: &impl Color) -> Result<(), ChartError> {
        // The bitmap backend's filled rectangles already exclude the bottom-right corner.
        let corners = [(px(left), px(top)), (px(right), px(bottom))];
        if corners[1].0 <= corners[0].0 || corners[1].1 <= corners[0].1 {
            return Ok(());
        }
        Ok(self.area.draw(&Rectangle::new(corners, colour.filled()))?)
    }

    pub fn polyline(&self, points: &[(f64, f64)], width: f64, colour: &impl Color) -> Result<(), ChartError> {
        let path: Vec<(i32, i32)> = points.iter().map(|&(x, y)| (px(x), px(y))).collect();
        let style = colour.stroke_width((width * SCALE).round() as u32);
        self.area.draw(&PathElement::new(path, style))?;
        // plotters leaves notches where thick segments meet; a disc exactly as wide as the stroke fills them.
        let joint = ((width * SCALE - 1.0) / 2.0).round() as i32;
        for &(x, y) in &points[1..points.len().saturating_sub(1)] {
            self.area.draw(&Circle::new((px(x), px(y)), joint, colour.filled()))?;
        }
        Ok(())
    }

    pub fn dot(&self, x: f64, y: f64, radius: f64, colour: &impl Color) -> Result<(), ChartError> {
        Ok(self.area.draw(&Circle::new((px(x), px(y)), (radius * SCALE).round() as i32, colour.filled()))?)
    }

    /// A horizontal dashed line `thickness` tall, centred on `y`; drawn as rectangles so dashes stay crisp.
    pub fn dashed_hline(
        &self,
        y: f64,
        from: f64,
        to: f64,
        dash: (f64, f64),
        thickness: f64,
        colour: &impl Color,
    ) -> Result<(), ChartError> {
        let mut x = from;
        while x < to {
            self.rect(x, y - thickness / 2.0, (x + dash.0).min(to), y + thickness / 2.0, colour)?;
            x += dash.0 + dash.1;
        }
        Ok(())
    }

    pub fn dashed_vline(
        &self,
        x: f64,
        from: f64,
        to: f64,
        dash: (f64, f64),
        thickness: f64,
        colour: &impl Color,
    ) -> Result<(), ChartError> {
        let mut y = from;
        while y < to {
            self.rect(x - thickness / 2.0, y, x + thickness / 2.0, (y + dash.0).min(to), colour)?;
            y += dash.0 + dash.1;
        }
        Ok(())
    }

    /// A rounded label background: a rectangle capped with half circles.
    pub fn pill(&self, left: f64, top: f64, right: f64, bottom: f64, colour: &impl Color) -> Result<(), ChartError> {
        let radius = (bottom - top) / 2.0;
        self.rect(left + radius, top, right - radius, bottom, colour)?;
        self.dot(left + radius, top + radius, radius, colour)?;
        self.dot(right - radius, top + radius, radius, colour)
    }

    /// Draws `text` with its baseline at `baseline`, anchored horizontally at `x`.
    pub fn text(
        &self,
        text: &str,
        x: f64,
        baseline: f64,
        size: f64,
        colour: &impl Color,
        align: Align,
    ) -> Result<(), ChartError> {
        let h = match align {
            Align::Left => HPos::Left,
            Align::Center => HPos::Center,
            Align::Right => HPos::Right,
        };
        // plotters' ab_glyph glue puts the baseline half the font size below a top-anchored position.
        let top = px(baseline) - (size * SCALE / 2.0).round() as i32;
        let style = font(size).color(colour).pos(Pos::new(h, VPos::Top));
        Ok(self.area.draw(&Text::new(text.to_owned(), (px(x), top), style))?)
    }

    /// Text drawn twice a device pixel apart: a heavier weight without bundling a second font file.
    pub fn heavy_text(
        &self,
        text: &str,
        x: f64,
        baseline: f64,
        size: f64,
        colour: &impl Color,
        align: Align,
    ) -> Result<(), ChartError> {
        self.text(text, x, baseline, size, colour, align)?;
        self.text(text, x + 1.0 / SCALE, baseline, size, colour, align)
    }
}

/// Averages each 2×2 block of an RGB buffer into one pixel.
fn downsample(pixels: &[u8], width: usize, height: usize) -> Vec<u8> {
    let factor = SUPERSAMPLE as usize;
    let (out_w, out_h) = (width / factor, height / factor);
    let mut out = Vec::with_capacity(out_w * out_h * 3);
    for y in 0..out_h {
        for x in 0..out_w {
            for channel in 0..3 {
                let mut sum = 0u32;
                for dy in 0..factor {
                    let row = (y * factor + dy) * width;
                    for dx in 0..factor {
                        sum += u32::from(pixels[(row + x * factor + dx) * 3 + channel]);
                    }
                }
                let n = (factor * factor) as u32;
                out.push(((sum + n / 2) / n) as u8);
            }
        }
    }
    out
}

fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| ChartError::Encode(e.to_string()))?;
    writer.write_image_data(rgb).map_err(|e| ChartError::Encode(e.to_string()))?;
    writer.finish().map_err(|e| ChartError::Encode(e.to_string()))?;
    Ok(bytes)
}
