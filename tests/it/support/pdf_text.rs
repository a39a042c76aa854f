//! A PDF's text as a reader's copy would give it: each glyph's Unicode from the fonts'
//! ToUnicode maps, in drawing order, a new line where the baseline moves. Read with hayro (the
//! PDF interpreter Typst itself uses for PDF images), so the tests need no tool outside cargo.

use hayro_interpret::font::Glyph;
use hayro_interpret::hayro_cmap::BfString;
use hayro_interpret::hayro_syntax::Pdf;
use hayro_interpret::{
    interpret_page, BlendMode, ClipPath, Context, Device, GlyphDrawMode, Image, InterpreterCache,
    InterpreterSettings, Paint, PathDrawMode, SoftMask,
};
use kurbo::{Affine, BezPath, Rect};

#[derive(Default)]
struct Text {
    out: String,
    baseline: Option<f64>,
}

impl<'a> Device<'a> for Text {
    fn set_soft_mask(&mut self, _: Option<SoftMask<'a>>) {}
    fn set_blend_mode(&mut self, _: BlendMode) {}
    fn draw_path(&mut self, _: &BezPath, _: Affine, _: &Paint<'a>, _: &PathDrawMode) {}
    fn push_clip_path(&mut self, _: &ClipPath) {}
    fn push_transparency_group(&mut self, _: f32, _: Option<SoftMask<'a>>, _: BlendMode) {}
    fn draw_glyph(
        &mut self,
        glyph: &Glyph<'a>,
        transform: Affine,
        glyph_transform: Affine,
        _: &Paint<'a>,
        _: &GlyphDrawMode,
    ) {
        let y = (transform * glyph_transform).translation().y;
        if self.baseline.is_some_and(|b| (b - y).abs() > 1.0) {
            self.out.push('\n');
        }
        self.baseline = Some(y);
        match glyph.as_unicode() {
            Some(BfString::Char(c)) => self.out.push(c),
            Some(BfString::String(s)) => self.out.push_str(&s),
            None => {}
        }
    }
    fn draw_image(&mut self, _: Image<'a, '_>, _: Affine) {}
    fn pop_clip_path(&mut self) {}
    fn pop_transparency_group(&mut self) {}
}

/// Every page's text, pages apart by a blank line.
pub fn pdf_text(pdf: &[u8]) -> String {
    let pdf = Pdf::new(pdf.to_vec()).expect("a PDF that parses");
    let cache = InterpreterCache::new();
    let mut text = Text::default();
    for page in pdf.pages().iter() {
        let (w, h) = page.render_dimensions();
        let mut context = Context::new(
            Affine::IDENTITY,
            Rect::new(0.0, 0.0, f64::from(w), f64::from(h)),
            &cache,
            page.xref(),
            InterpreterSettings::default(),
        );
        interpret_page(page, &mut context, &mut text);
        text.out.push_str("\n\n");
        text.baseline = None;
    }
    text.out
}
