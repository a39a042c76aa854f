//! The report as DOCX, for the secretariat to edit. Every run names a Latin font and a
//! complex-script font (`w:cs`): Word and LibreOffice lay Khmer out with the complex-script
//! font, so naming one the offices have keeps Khmer whole instead of falling back.

use docx_rs::{
    AlignmentType, BreakType, Docx, Footer, LineSpacing, NumPages, PageMargin, PageNum, Paragraph,
    Pic, Run, RunFonts, Style, StyleType, Table, TableCell, TableRow, WidthType,
};

use super::document::{Block, Document, Span};
use crate::export::KHMER_FONT;

const LATIN_FONT: &str = "Noto Sans";
/// A4 in twentieths of a point, and 2 cm margins.
const A4: (u32, u32) = (11_906, 16_838);
const MARGIN: i32 = 1_134;
/// The text's width in EMU (A4 less the margins), for pictures.
const TEXT_WIDTH_EMU: u32 = ((11_906 - 2 * 1_134) as u32) * 635;

fn fonts() -> RunFonts {
    RunFonts::new()
        .ascii(LATIN_FONT)
        .hi_ansi(LATIN_FONT)
        .east_asia(LATIN_FONT)
        .cs(KHMER_FONT)
}

fn run(text: &str) -> Run {
    // A line break inside a comment stays a line break.
    let mut r = Run::new().fonts(fonts());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            r = r.add_break(BreakType::TextWrapping);
        }
        r = r.add_text(clean(line));
    }
    r
}

/// XML 1.0 has no place for most control characters: a member's stray one is dropped.
fn clean(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\t')
        .collect()
}

fn heading_style(id: &str, name: &str, size: usize, level: usize) -> Style {
    // Room above a heading and a little below, in twentieths of a point.
    let space = LineSpacing::new().before(240).after(100);
    Style::new(id, StyleType::Paragraph)
        .name(name)
        .size(size)
        .bold()
        .fonts(fonts())
        .outline_lvl(level)
        .line_spacing(space)
}

fn para(spans: &[Span]) -> Paragraph {
    let mut p = Paragraph::new();
    for s in spans {
        p = match s {
            Span::Plain(t) => p.add_run(run(t)),
            Span::Bold(t) => p.add_run(run(t).bold()),
        };
    }
    p
}

#[derive(Debug, thiserror::Error)]
#[error("the report's DOCX could not be written: {0}")]
pub struct DocxError(String);

/// The document as DOCX bytes.
pub fn docx(doc: &Document) -> Result<Vec<u8>, DocxError> {
    let footer = {
        let mut p = Paragraph::new()
            .add_run(run(&doc.footer).size(16))
            .add_run(Run::new().add_text("    ").size(16));
        // "Page %{page} of %{pages}" with Word's own fields in place of the numbers.
        let mut rest = doc.page_of.as_str();
        while let Some(i) = rest.find("%{") {
            p = p.add_run(run(&rest[..i]).size(16));
            let after = &rest[i..];
            if let Some(s) = after.strip_prefix("%{pages}") {
                p = p.add_num_pages(NumPages::new());
                rest = s;
            } else if let Some(s) = after.strip_prefix("%{page}") {
                p = p.add_page_num(PageNum::new());
                rest = s;
            } else {
                p = p.add_run(run("%{").size(16));
                rest = &after[2..];
            }
        }
        p = p.add_run(run(rest).size(16));
        Footer::new().add_paragraph(p)
    };
    let mut docx = Docx::new()
        .page_size(A4.0, A4.1)
        .page_margin(
            PageMargin::new()
                .top(MARGIN)
                .bottom(MARGIN)
                .left(MARGIN)
                .right(MARGIN),
        )
        .default_fonts(fonts())
        .default_size(20)
        .add_style(heading_style("Heading1", "heading 1", 32, 0))
        .add_style(heading_style("Heading2", "heading 2", 25, 1))
        .add_style(heading_style("Heading3", "heading 3", 21, 2))
        .footer(footer);
    for block in &doc.blocks {
        docx = match block {
            Block::Title(lines) => {
                let mut d = docx;
                for (i, line) in lines.iter().enumerate() {
                    let size = if i == 0 { 48 } else { 30 };
                    let mut r = run(line).size(size);
                    if i == 0 {
                        r = r.bold();
                    }
                    d = d.add_paragraph(Paragraph::new().add_run(r));
                }
                d
            }
            Block::Heading(level, text) => docx.add_paragraph(
                Paragraph::new()
                    .style(&format!("Heading{}", level.clamp(&1, &3)))
                    .keep_next(true)
                    .add_run(run(text)),
            ),
            Block::Para(spans) => docx.add_paragraph(para(spans)),
            Block::Note(text) => {
                docx.add_paragraph(Paragraph::new().add_run(run(text).size(17).color("444444")))
            }
            Block::Bullets(items) => {
                let mut d = docx;
                for item in items {
                    let mut spans = vec![Span::Plain("•  ".into())];
                    spans.extend(item.iter().cloned());
                    d = d.add_paragraph(para(&spans).indent(Some(360), None, None, None));
                }
                d
            }
            Block::Table {
                header,
                rows,
                widths,
                numeric,
            } => docx
                .add_table(table(header, rows, widths, numeric))
                // A table followed straight by a heading would touch it.
                .add_paragraph(Paragraph::new()),
            Block::Image {
                png, width, height, ..
            } => {
                let w = TEXT_WIDTH_EMU;
                let h = (u64::from(w) * u64::from(*height) / u64::from((*width).max(1))) as u32;
                let pic = Pic::new_with_dimensions(png.clone(), *width, *height).size(w, h);
                docx.add_paragraph(Paragraph::new().add_run(Run::new().add_image(pic)))
            }
            Block::Quote { text, about } => docx
                .add_paragraph(
                    Paragraph::new()
                        .indent(Some(360), None, None, None)
                        .add_run(run(text)),
                )
                .add_paragraph(
                    Paragraph::new()
                        .indent(Some(360), None, None, None)
                        .add_run(run(about).size(16).color("555555")),
                ),
            Block::PageBreak => {
                docx.add_paragraph(Paragraph::new().add_run(Run::new().add_break(BreakType::Page)))
            }
        };
    }
    let mut out = std::io::Cursor::new(Vec::new());
    docx.build()
        .pack(&mut out)
        .map_err(|e| DocxError(e.to_string()))?;
    Ok(out.into_inner())
}

fn table(header: &[String], rows: &[Vec<String>], widths: &[u16], numeric: &[bool]) -> Table {
    let total: u32 = widths.iter().map(|w| u32::from(*w)).sum::<u32>().max(1);
    let text_width = A4.0 - 2 * MARGIN as u32;
    let grid: Vec<usize> = widths
        .iter()
        .map(|w| (text_width * u32::from(*w) / total) as usize)
        .collect();
    let cell = |text: &str, i: usize, bold: bool| {
        let mut r = run(text).size(17);
        if bold {
            r = r.bold();
        }
        let mut p = Paragraph::new().add_run(r);
        if numeric.get(i).copied().unwrap_or(false) {
            p = p.align(AlignmentType::Right);
        }
        TableCell::new()
            .width(grid.get(i).copied().unwrap_or(1000), WidthType::Dxa)
            .add_paragraph(p)
    };
    let mut out = vec![TableRow::new(
        header
            .iter()
            .enumerate()
            .map(|(i, h)| cell(h, i, true))
            .collect(),
    )];
    for row in rows {
        out.push(TableRow::new(
            row.iter()
                .enumerate()
                .map(|(i, c)| cell(c, i, false))
                .collect(),
        ));
    }
    Table::new(out).set_grid(grid.clone())
}
