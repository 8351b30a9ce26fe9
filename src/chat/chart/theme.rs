//! Colours and type sizes, chosen for a light card that reads well in both Discord themes on a phone.

use plotters::style::RGBColor;

pub(super) const BACKGROUND: RGBColor = RGBColor(0xff, 0xff, 0xff);
pub(super) const INK: RGBColor = RGBColor(0x1f, 0x23, 0x28);
/// Tick labels stay above 6:1 contrast on white so they survive Discord's downscaling.
pub(super) const MUTED: RGBColor = RGBColor(0x57, 0x60, 0x6a);
pub(super) const GRID: RGBColor = RGBColor(0xe6, 0xe9, 0xed);
pub(super) const AXIS: RGBColor = RGBColor(0xa8, 0xb1, 0xba);
/// A hairline around the card so it keeps its edge on Discord's white light theme.
pub(super) const BORDER: RGBColor = RGBColor(0xd0, 0xd7, 0xde);

pub(super) const ALARM_RED: RGBColor = RGBColor(0xcf, 0x22, 0x2e);
pub(super) const OK_GREEN: RGBColor = RGBColor(0x1a, 0x7f, 0x37);
/// Okabe–Ito blue: distinct from both the red threshold and the green recovery accent for every colour vision.
pub(super) const METRIC: RGBColor = RGBColor(0x00, 0x72, 0xb2);

/// Okabe–Ito, the usual colour-blind-safe set, without its yellow (invisible on white) and with black softened.
pub(super) const PALETTE: [RGBColor; 7] = [
    RGBColor(0x00, 0x72, 0xb2),
    RGBColor(0xe6, 0x9f, 0x00),
    RGBColor(0x00, 0x9e, 0x73),
    RGBColor(0xd5, 0x5e, 0x00),
    RGBColor(0xcc, 0x79, 0xa7),
    RGBColor(0x56, 0xb4, 0xe9),
    RGBColor(0x3a, 0x3f, 0x44),
];

/// Sizes are plotters' font sizes (ab_glyph pixel height, about 1.16 em) in the 800×400 logical canvas.
/// Discord shows the image at roughly half size on a phone, so nothing is smaller than ~9 px there.
pub(super) const TITLE_SIZE: f64 = 30.0;
pub(super) const LABEL_SIZE: f64 = 24.0;
pub(super) const TICK_SIZE: f64 = 24.0;
pub(super) const NOTE_SIZE: f64 = 26.0;

pub(super) fn series_colour(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}
