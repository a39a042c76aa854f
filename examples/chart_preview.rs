//! Draws the summary chart for a made-up set of ratings, in Khmer and English, to look at:
//! `cargo run --example chart_preview`, then open /tmp/chart-km.png and /tmp/zoom-km.png.

use dwcp_feedback::chart::ChartMaker;
use dwcp_feedback::domain::summary::{Cell, Summary};
use dwcp_feedback::domain::{Constituency, Lang};
fn main() {
    let mut plan = dwcp_feedback::plan_io::default_plan();
    plan.version = 2;
    let mut cells = Vec::new();
    for (i, a) in plan.activities.iter().enumerate() {
        for (j, c) in [
            Constituency::Workers,
            Constituency::Employers,
            Constituency::Government,
        ]
        .iter()
        .enumerate()
        {
            if (i + j) % 7 == 0 {
                continue;
            }
            cells.push(Cell {
                activity: a.code.to_string(),
                constituency: Some(*c),
                rating: ((i * 3 + j * 2) % 5 + 1) as u8,
                count: (3 + i + j) as u64,
                texts: 1,
                voices: 0,
            });
            cells.push(Cell {
                activity: a.code.to_string(),
                constituency: Some(*c),
                rating: 4,
                count: 2,
                texts: 0,
                voices: 0,
            });
        }
    }
    let s = Summary::new(&plan, Default::default(), &cells);
    let m = ChartMaker::new();
    for lang in [Lang::Km, Lang::En] {
        let t = std::time::Instant::now();
        let png = m.png(&s, &plan, lang).unwrap();
        eprintln!("{:?} {} bytes in {:?}", lang, png.len(), t.elapsed());
        std::fs::write(format!("/tmp/chart-{}.png", lang.code()), png).unwrap();
        // A 2× close-up of the top left, to check the shaping by eye.
        use resvg::{tiny_skia, usvg};
        let svg = dwcp_feedback::chart::svg(&s, &plan, lang);
        let mut db = usvg::fontdb::Database::new();
        for f in [
            "NotoSansKhmer-Regular",
            "NotoSansKhmer-Bold",
            "NotoSans-Regular",
        ] {
            db.load_font_data(std::fs::read(format!("assets/fonts/{f}.ttf")).unwrap());
        }
        let opt = usvg::Options {
            fontdb: std::sync::Arc::new(db),
            ..Default::default()
        };
        let tree = usvg::Tree::from_str(&svg, &opt).unwrap();
        let mut p = tiny_skia::Pixmap::new(1000, 700).unwrap();
        resvg::render(
            &tree,
            tiny_skia::Transform::from_scale(2.0, 2.0),
            &mut p.as_mut(),
        );
        std::fs::write(
            format!("/tmp/zoom-{}.png", lang.code()),
            p.encode_png().unwrap(),
        )
        .unwrap();
    }
}
