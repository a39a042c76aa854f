//! The report as PDF, typeset in the process by Typst with the bundled fonts: Khmer shaped by
//! a real shaping engine (rustybuzz) and broken into lines between words by ICU's segmenter,
//! whatever fonts the server has. Every text of the document goes into the Typst source as a
//! string literal, never as markup, so a member's `#`, `*` or `]` is only a character.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::{Arc, OnceLock};

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use super::document::{Block, Document, Span};
use crate::domain::Lang;

/// Parsed fonts and the standard library, built at the first report and shared by every one
/// after it (a bot that never makes a report never builds them).
#[derive(Clone, Default)]
pub struct Typesetter {
    inner: Arc<OnceLock<Shared>>,
}

struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    /// One report typeset at a time, whoever asks: a large one holds a few hundred MB while
    /// its pages are laid out, and two admins at once must not double that.
    one_at_a_time: std::sync::Mutex<()>,
}

#[derive(Debug, thiserror::Error)]
#[error("the report could not be typeset: {0}")]
pub struct TypesetError(String);

impl Typesetter {
    pub fn new() -> Typesetter {
        Typesetter::default()
    }

    fn shared(&self) -> &Shared {
        self.inner.get_or_init(|| {
            let fonts: Vec<Font> = crate::fonts::ALL
                .iter()
                .flat_map(|data| Font::iter(Bytes::new(*data)))
                .collect();
            Shared {
                library: LazyHash::new(Library::default()),
                book: LazyHash::new(FontBook::from_fonts(&fonts)),
                fonts,
                one_at_a_time: std::sync::Mutex::new(()),
            }
        })
    }

    /// The document as PDF bytes.
    pub fn pdf(&self, doc: &Document, today: chrono::NaiveDate) -> Result<Vec<u8>, TypesetError> {
        let (source, images) = source(doc);
        let shared = self.shared();
        // Called on the blocking pool: waiting here holds no runtime thread.
        let _turn = shared
            .one_at_a_time
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let world = ReportWorld::new(shared, source, images, today)?;
        let compiled = typst::compile::<typst_layout::PagedDocument>(&world).output;
        let pdf = compiled
            .and_then(|paged| typst_pdf::pdf(&paged, &typst_pdf::PdfOptions::default()))
            .map_err(|errors| {
                TypesetError(
                    errors
                        .iter()
                        .map(|e| e.message.to_string())
                        .collect::<Vec<_>>()
                        .join("; "),
                )
            });
        // Typst memoises layouts in process-wide caches: a service that makes a report now
        // and then gives that memory back each time.
        typst::comemo::evict(0);
        pdf
    }
}

fn file_id(path: &str) -> Result<FileId, TypesetError> {
    let vpath = VirtualPath::new(path).map_err(|e| TypesetError(format!("{e:?}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

struct ReportWorld<'a> {
    shared: &'a Shared,
    main: Source,
    files: HashMap<FileId, Bytes>,
    today: Option<Datetime>,
}

impl<'a> ReportWorld<'a> {
    fn new(
        shared: &'a Shared,
        text: String,
        images: Vec<(String, Vec<u8>)>,
        today: chrono::NaiveDate,
    ) -> Result<ReportWorld<'a>, TypesetError> {
        use chrono::Datelike;
        let main = Source::new(file_id("consultation.typ")?, text);
        let mut files = HashMap::new();
        for (name, png) in images {
            files.insert(file_id(&name)?, Bytes::new(png));
        }
        Ok(ReportWorld {
            shared,
            main,
            files,
            today: Datetime::from_ymd(today.year(), today.month() as u8, today.day() as u8),
        })
    }
}

impl World for ReportWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.shared.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.shared.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotFound(id.vpath().get_without_slash().into()))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files
            .get(&id)
            .cloned()
            .ok_or_else(|| FileError::NotFound(id.vpath().get_without_slash().into()))
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.shared.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        self.today
    }
}

/// A Typst string literal: the text as characters, never markup.
fn lit(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn spans(out: &mut String, spans: &[Span]) {
    for s in spans {
        match s {
            Span::Plain(t) => {
                let _ = write!(out, "#{}", lit(t));
            }
            Span::Bold(t) => {
                let _ = write!(out, "#strong({})", lit(t));
            }
        }
    }
}

/// The Typst source for `doc`, and the images it names.
pub fn source(doc: &Document) -> (String, Vec<(String, Vec<u8>)>) {
    let mut out = String::new();
    let lang = match doc.lang {
        Lang::En => "en",
        Lang::Km => "km",
    };
    // Khmer digits in a Khmer report's page numbers, as everywhere else in it.
    let _ = writeln!(
        out,
        r#"#let digits(n) = {{
  let s = str(n)
  if {km} {{ s.replace(regex("[0-9]"), m => ("០","១","២","៣","៤","៥","៦","៧","៨","៩").at(int(m.text))) }} else {{ s }}
}}"#,
        km = doc.lang == Lang::Km
    );
    let page_of = {
        let mut parts = String::new();
        let template = &doc.page_of;
        let mut rest = template.as_str();
        while let Some(i) = rest.find("%{") {
            let _ = write!(parts, "#{}", lit(&rest[..i]));
            let after = &rest[i..];
            if let Some(stripped) = after.strip_prefix("%{pages}") {
                parts.push_str("#digits(counter(page).final().first())");
                rest = stripped;
            } else if let Some(stripped) = after.strip_prefix("%{page}") {
                parts.push_str("#digits(counter(page).get().first())");
                rest = stripped;
            } else {
                parts.push_str("#\"%{\"");
                rest = &after[2..];
            }
        }
        let _ = write!(parts, "#{}", lit(rest));
        parts
    };
    let _ = writeln!(
        out,
        r#"#set document(title: {title})
#set page(paper: "a4", margin: (x: 2cm, top: 2cm, bottom: 2.4cm), footer: context [
  #set text(size: 8pt, fill: luma(80))
  #{footer} #h(1fr) {page_of}
])
#set text(font: ("Noto Sans", "Noto Sans Khmer"), size: 10pt, lang: "{lang}")
#set par(leading: 0.85em, spacing: 1.1em)
#show heading: set block(above: 1.4em, below: 0.8em)
#show heading.where(level: 1): set text(size: 16pt)
#show heading.where(level: 2): set text(size: 12.5pt)
#show heading.where(level: 3): set text(size: 10.5pt)
#set table(stroke: 0.5pt + luma(170), inset: 4pt)
#show table.cell.where(y: 0): set text(weight: "bold")
"#,
        title = lit(&doc.title),
        footer = lit(&doc.footer),
    );
    let mut images = Vec::new();
    for block in &doc.blocks {
        match block {
            Block::Title(lines) => {
                out.push_str("#v(4cm)\n");
                for (i, line) in lines.iter().enumerate() {
                    let size = if i == 0 { "24pt" } else { "15pt" };
                    let weight = if i == 0 { "bold" } else { "regular" };
                    let _ = writeln!(
                        out,
                        "#block(text(size: {size}, weight: \"{weight}\", {}))",
                        lit(line)
                    );
                }
                out.push_str("#v(1cm)\n");
            }
            Block::Heading(level, text) => {
                let _ = writeln!(out, "#heading(level: {level}, {})", lit(text));
            }
            Block::Para(s) => {
                out.push_str("#par[");
                spans(&mut out, s);
                out.push_str("]\n");
            }
            Block::Note(text) => {
                let _ = writeln!(
                    out,
                    "#block(text(size: 8.5pt, fill: luma(70), {}))",
                    lit(text)
                );
            }
            Block::Bullets(items) => {
                out.push_str("#list(\n");
                for item in items {
                    out.push_str("  [");
                    spans(&mut out, item);
                    out.push_str("],\n");
                }
                out.push_str(")\n");
            }
            Block::Table {
                header,
                rows,
                widths,
                numeric,
            } => {
                let columns = widths
                    .iter()
                    .map(|w| format!("{w}fr"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let align = numeric
                    .iter()
                    .map(|n| if *n { "right" } else { "left" })
                    .collect::<Vec<_>>()
                    .join(", ");
                let _ = writeln!(
                    out,
                    "#text(size: 8.5pt, table(columns: ({columns},), align: ({align},),"
                );
                out.push_str("  table.header(");
                for h in header {
                    let _ = write!(out, "{}, ", lit(h));
                }
                out.push_str("),\n");
                for row in rows {
                    out.push_str("  ");
                    for cell in row {
                        let _ = write!(out, "{}, ", lit(cell));
                    }
                    out.push('\n');
                }
                out.push_str("))\n");
            }
            Block::Image { name, png, .. } => {
                let _ = writeln!(out, "#image({}, width: 100%)", lit(name));
                images.push((name.clone(), png.clone()));
            }
            Block::Quote { text, about } => {
                let _ = writeln!(
                    out,
                    "#block(inset: (left: 8pt, y: 2pt), stroke: (left: 2pt + luma(190)), breakable: true)[#{} \\ #text(size: 8pt, fill: luma(80), {})]",
                    lit(text),
                    lit(about)
                );
            }
            Block::PageBreak => out.push_str("#pagebreak(weak: true)\n"),
        }
    }
    (out, images)
}
