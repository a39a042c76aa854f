//! The summary as a picture: mean rating per activity, split by constituency, as a PNG for
//! Telegram. Drawn as SVG and rasterised by resvg, whose text goes through rustybuzz, a real
//! shaping engine, with Noto Sans Khmer bundled (OFL, `assets/fonts/OFL.txt`): Khmer titles
//! come out with their subscripts and vowels in place whatever fonts the server has.

use std::fmt::Write;
use std::sync::Arc;

use resvg::{tiny_skia, usvg};

use crate::domain::summary::Summary;
use crate::domain::{Constituency, Lang, Plan};
use crate::messages::text::{number, trim_graphemes};
use crate::messages::tr;

const WIDTH: u32 = 1000;
const LEFT: f64 = 24.0;
/// Where a bar of mean 5 ends; the value is written after it.
const SCALE_END: f64 = 900.0;
const BAR: f64 = 13.0;
const BAR_GAP: f64 = 3.0;
/// Graphemes of an activity title that fit on one line of the chart.
const TITLE_GRAPHEMES: usize = 64;

const SERIES: [(Option<Constituency>, &str, &str); 4] = [
    (None, "chart.all", "#444444"),
    (Some(Constituency::Workers), "chart.workers", "#1f77b4"),
    (Some(Constituency::Employers), "chart.employers", "#ff7f0e"),
    (
        Some(Constituency::Government),
        "chart.government",
        "#2ca02c",
    ),
];

/// A series' colour (`None`: all constituencies), the same in this chart, the report's and the
/// workbook's native chart.
pub fn series_colour(side: Option<Constituency>) -> &'static str {
    SERIES
        .iter()
        .find(|(s, _, _)| *s == side)
        .map_or("#444444", |(_, _, colour)| colour)
}

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("the chart's SVG did not parse: {0}")]
    Svg(#[from] usvg::Error),
    #[error("the chart is too large to draw ({0}×{1})")]
    Size(u32, u32),
    #[error("PNG encoding failed: {0}")]
    Png(String),
}

/// Holds the parsed fonts, so each chart only lays out and draws. Build once, share.
#[derive(Clone)]
pub struct ChartMaker {
    fonts: Arc<usvg::fontdb::Database>,
}

impl Default for ChartMaker {
    fn default() -> Self {
        ChartMaker::new()
    }
}

impl ChartMaker {
    pub fn new() -> ChartMaker {
        let mut db = usvg::fontdb::Database::new();
        for font in crate::fonts::ALL {
            db.load_font_data(font.to_vec());
        }
        ChartMaker {
            fonts: Arc::new(db),
        }
    }

    /// The chart in `lang` as PNG bytes.
    pub fn png(&self, summary: &Summary, plan: &Plan, lang: Lang) -> Result<Vec<u8>, ChartError> {
        self.draw(&svg(summary, plan, lang), 1.0)
    }

    /// A part of the chart for a printed page: the activities of `plan` (a part of the plan)
    /// without the title, drawn at twice the size so that print is sharp.
    pub fn png_part(
        &self,
        summary: &Summary,
        plan: &Plan,
        lang: Lang,
    ) -> Result<Vec<u8>, ChartError> {
        self.draw(&svg_with(summary, plan, lang, false), 2.0)
    }

    fn draw(&self, svg: &str, scale: f32) -> Result<Vec<u8>, ChartError> {
        let options = usvg::Options {
            fontdb: self.fonts.clone(),
            font_family: "Noto Sans".into(),
            ..Default::default()
        };
        let tree = usvg::Tree::from_str(svg, &options)?;
        let size = tree.size().to_int_size();
        let (w, h) = (
            (size.width() as f32 * scale).ceil() as u32,
            (size.height() as f32 * scale).ceil() as u32,
        );
        let mut pixmap = tiny_skia::Pixmap::new(w, h).ok_or(ChartError::Size(w, h))?;
        pixmap.fill(tiny_skia::Color::WHITE);
        let transform = tiny_skia::Transform::from_scale(scale, scale);
        resvg::render(&tree, transform, &mut pixmap.as_mut());
        pixmap
            .encode_png()
            .map_err(|e| ChartError::Png(e.to_string()))
    }
}

/// Khmer letters, signs and the joiners used inside Khmer words.
fn is_khmer(c: char) -> bool {
    matches!(c, '\u{1780}'..='\u{17FF}' | '\u{19E0}'..='\u{19FF}' | '\u{200B}'..='\u{200D}')
}

/// Invisible (default-ignorable) and of Khmer script: see [`runs`].
const KHMER_SCRIPT_MARK: char = '\u{17B4}';

/// Splits text into runs of one script, each in its own font, so no font falls back to
/// another inside a Khmer cluster. usvg shapes a whole line at once with the script of its
/// first letter: a line starting with Latin ("P1.1 …") would shape its Khmer as Latin, vowels
/// drawn apart on dotted circles. A line with Khmer in it therefore starts with an invisible
/// Khmer mark; Latin shapes the same under either script.
fn runs(text: &str) -> String {
    let mut out = String::new();
    if text.chars().any(is_khmer) {
        push_run(&mut out, true, &KHMER_SCRIPT_MARK.to_string());
    }
    let mut current: Option<(bool, String)> = None;
    for c in text.chars() {
        let khmer = if c.is_whitespace() {
            current.as_ref().is_some_and(|(k, _)| *k)
        } else {
            is_khmer(c)
        };
        match &mut current {
            Some((k, run)) if *k == khmer => run.push(c),
            _ => {
                if let Some((k, run)) = current.take() {
                    push_run(&mut out, k, &run);
                }
                current = Some((khmer, c.to_string()));
            }
        }
    }
    if let Some((k, run)) = current {
        push_run(&mut out, k, &run);
    }
    out
}

fn push_run(out: &mut String, khmer: bool, run: &str) {
    let family = if khmer {
        "Noto Sans Khmer"
    } else {
        "Noto Sans"
    };
    let _ = write!(out, r#"<tspan font-family="{family}">{}</tspan>"#, xml(run));
}

fn text_element(x: f64, y: f64, size: u32, weight: &str, fill: &str, text: &str) -> String {
    format!(
        "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"{size}\" font-weight=\"{weight}\" fill=\"{fill}\" xml:space=\"preserve\">{}</text>\n",
        runs(text)
    )
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn x_of(mean: f64) -> f64 {
    LEFT + (SCALE_END - LEFT) * (mean / 5.0)
}

/// The chart as SVG, every text split into script runs by [`runs`].
pub fn svg(summary: &Summary, plan: &Plan, lang: Lang) -> String {
    svg_with(summary, plan, lang, true)
}

/// The chart, with its title and subtitle when `titled` (a report's part has its own).
fn svg_with(summary: &Summary, plan: &Plan, lang: Lang, titled: bool) -> String {
    let mut body = String::new();
    let mut y = 40.0;
    let w = |body: &mut String, x: f64, y: f64, size: u32, weight: &str, fill: &str, text: &str| {
        body.push_str(&text_element(x, y, size, weight, fill, text));
    };
    if titled {
        w(
            &mut body,
            LEFT,
            y,
            30,
            "bold",
            "#000",
            &tr(lang, "chart.title"),
        );
        y += 34.0;
        let ratings: u64 = summary.activities.iter().map(|a| a.n).sum();
        let subtitle = tr(lang, "chart.subtitle")
            .replace("%{version}", &number(plan.version, lang))
            .replace("%{ratings}", &number(ratings, lang));
        w(&mut body, LEFT, y, 19, "normal", "#555", &subtitle);
        y += 26.0;
        // The question members answered, with its scale's ends as they saw them.
        w(
            &mut body,
            LEFT,
            y,
            17,
            "normal",
            "#555",
            &tr(lang, "chart.scale"),
        );
        y += 30.0;
    } else {
        y = 24.0;
    }
    // Legend.
    let mut x = LEFT;
    for (_, key, colour) in SERIES {
        let _ = writeln!(
            body,
            r#"<rect x="{x:.1}" y="{:.1}" width="18" height="18" fill="{colour}"/>"#,
            y - 15.0
        );
        let label = tr(lang, key);
        w(&mut body, x + 24.0, y, 19, "normal", "#000", &label);
        x += 60.0 + 12.0 * label.chars().count() as f64;
    }
    y += 22.0;
    let grid_top = y;

    for p in &plan.priorities {
        y += 34.0;
        let head = format!("{} · {}", p.code, p.short.get(lang));
        w(&mut body, LEFT, y, 23, "bold", "#000", &head);
        y += 6.0;
        for a in plan.activities_of(&p.code) {
            y += 28.0;
            let title = format!(
                "{}  {}",
                a.code,
                trim_graphemes(a.title.get(lang), TITLE_GRAPHEMES)
            );
            w(&mut body, LEFT, y, 19, "normal", "#222", &title);
            y += 8.0;
            let stats = summary
                .activities
                .iter()
                .find(|s| s.code.as_ref() == Some(&a.code))
                .filter(|s| s.n > 0);
            if stats.is_none() {
                // One line says it, not one per series.
                let label = tr(lang, "chart.no_ratings");
                w(&mut body, LEFT, y + BAR - 1.5, 13, "normal", "#333", &label);
                y += BAR + BAR_GAP;
                continue;
            }
            for (constituency, key, colour) in SERIES {
                let (mean, n) = match (stats, constituency) {
                    (Some(s), None) => (s.mean(), s.n),
                    (Some(s), Some(c)) => {
                        (s.mean_of(c), s.by_constituency.get(&c).map_or(0, |x| x.0))
                    }
                    (None, _) => (None, 0),
                };
                let label = match mean {
                    Some(m) => format!(
                        "{} (n={})",
                        number(format!("{m:.1}"), lang),
                        number(n, lang)
                    ),
                    // Which series has none, since no bar's colour shows it.
                    None => format!("{}: {}", tr(lang, key), tr(lang, "chart.no_ratings")),
                };
                let end = mean.map_or(LEFT, x_of);
                if mean.is_some() {
                    let _ = writeln!(
                        body,
                        r#"<rect x="{LEFT:.1}" y="{y:.1}" width="{:.1}" height="{BAR}" fill="{colour}"/>"#,
                        end - LEFT
                    );
                }
                w(
                    &mut body,
                    end + 6.0,
                    y + BAR - 1.5,
                    13,
                    "normal",
                    "#333",
                    &label,
                );
                y += BAR + BAR_GAP;
            }
        }
    }
    y += 16.0;
    // The scale, 1 to 5 (0 is never a rating), drawn first so bars and words sit on top.
    let mut grid = String::new();
    for v in 1..=5 {
        let x = x_of(f64::from(v));
        let _ = writeln!(
            grid,
            r##"<line x1="{x:.1}" y1="{grid_top:.1}" x2="{x:.1}" y2="{:.1}" stroke="#bbb" stroke-width="1" stroke-dasharray="4 4"/>"##,
            y - 8.0
        );
        w(
            &mut grid,
            x - 5.0,
            y + 12.0,
            16,
            "normal",
            "#555",
            &number(v, lang),
        );
    }
    y += 24.0;
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{h}" viewBox="0 0 {WIDTH} {h}" font-family="Noto Sans">
<rect width="100%" height="100%" fill="white"/>
{grid}{body}</svg>"#,
        h = y.ceil() as u32
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The glyphs the Khmer font draws for `text`, as laid out in the chart.
    fn khmer_glyphs(maker: &ChartMaker, element: String) -> Vec<u32> {
        let svg = format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="900" height="100">{element}</svg>"#
        );
        let options = usvg::Options {
            fontdb: maker.fonts.clone(),
            ..Default::default()
        };
        let tree = usvg::Tree::from_str(&svg, &options).unwrap();
        let khmer_font = |id| {
            tree.fontdb()
                .face(id)
                .is_some_and(|f| f.families.iter().any(|(name, _)| name.contains("Khmer")))
        };
        let mut ids = Vec::new();
        for node in tree.root().children() {
            if let usvg::Node::Text(text) = node {
                for span in text.layouted() {
                    ids.extend(
                        span.positioned_glyphs
                            .iter()
                            .filter(|g| khmer_font(g.font) && !g.text.contains(KHMER_SCRIPT_MARK))
                            .map(|g| g.id.0),
                    );
                }
            }
        }
        ids
    }

    #[test]
    fn khmer_after_a_latin_code_is_shaped_as_khmer_alone() {
        let maker = ChartMaker::new();
        let words = "និយោជន៍ ក្រៅប្រព័ន្ធ ស្ត្រី";
        // The space before "(RPL)" stays in the Khmer run.
        let alone = khmer_glyphs(
            &maker,
            text_element(0.0, 50.0, 20, "normal", "#000", &format!("{words} ")),
        );
        let after_code = khmer_glyphs(
            &maker,
            text_element(
                0.0,
                50.0,
                20,
                "normal",
                "#000",
                &format!("P1.1  {words} (RPL)"),
            ),
        );
        assert!(!alone.is_empty());
        assert_eq!(after_code, alone);

        // Without the mark the same line is shaped wrongly: the check above can fail.
        let unmarked = text_element(0.0, 50.0, 20, "normal", "#000", &format!("P1.1  {words}"))
            .replace(
                &format!(r#"<tspan font-family="Noto Sans Khmer">{KHMER_SCRIPT_MARK}</tspan>"#),
                "",
            );
        assert_ne!(khmer_glyphs(&maker, unmarked), alone);
    }

    #[test]
    fn the_chart_is_a_png_in_either_language() {
        let maker = ChartMaker::new();
        let plan = crate::plan_io::default_plan();
        let summary = Summary::new(&plan, Default::default(), &[]);
        for lang in [Lang::Km, Lang::En] {
            let png = maker.png(&summary, &plan, lang).unwrap();
            assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
            let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
            let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
            assert_eq!(width, WIDTH);
            assert!((1000..4000).contains(&height), "{height}");
        }
        let svg = svg(&summary, &plan, Lang::Km);
        assert!(svg.contains(&xml(&plan.activities[0].title.km[..30])));
        assert!(svg.contains(&tr(Lang::Km, "chart.no_ratings")));
    }
}
