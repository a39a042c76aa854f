//! The consultation report: its numbers from a known data set (pure), the PDF and DOCX written
//! and read back, the empty and no-match cases, a plan of 300 activities, and /report through
//! the real bot and the fake Bot API.

use crate::support;

use std::io::Read;

use chrono::{TimeZone, Utc};
use dwcp_feedback::chart::ChartMaker;
use dwcp_feedback::domain::{ActivityCode, Constituency, Lang, Plan, ReportFormat, Window};
use dwcp_feedback::report::document::{self, Block, Span};
use dwcp_feedback::report::{model, Filters, Report, ReportBuilder, Typesetter};
use dwcp_feedback::store::{Actor, ExportFilter, RatingRow};
use support::fake_telegram::FakeTelegram;
use support::harness::{assert_telegram_happy, database, onboard, rate, start_with_admins};
use support::pdf_text::pdf_text;

const KHMER_WORDS: &str = "ត្រូវការវគ្គបណ្តុះបណ្តាលបន្ថែមសម្រាប់កម្មករ";

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 2, 1, 3, 0, 0).unwrap()
}

/// The built-in plan cut to its first `n` activities (and their priorities).
fn plan_of(n: usize) -> Plan {
    let mut plan = dwcp_feedback::plan_io::default_plan();
    plan.version = 1;
    plan.activities.truncate(n);
    let used: Vec<_> = plan.activities.iter().map(|a| a.priority.clone()).collect();
    plan.priorities.retain(|p| used.contains(&p.code));
    plan
}

fn row(member: i64, side: &str, code: &str, rating: i64, text: Option<&str>) -> RatingRow {
    RatingRow {
        member_id: member,
        constituency: Some(side.into()),
        org_code: None,
        org_name: Some(format!("Org {side}")),
        province: Some(12),
        sector: Some("gft".into()),
        gender: Some(if member % 2 == 0 { "f" } else { "m" }.into()),
        lang: Some("km".into()),
        activity_code: code.into(),
        rating,
        comment_text: text.map(str::to_string),
        voice_file_id: None,
        voice_duration: None,
        first_at: now(),
        updated_at: now(),
        revisions: 1,
    }
}

fn code(s: &str) -> ActivityCode {
    ActivityCode::parse(s).unwrap()
}

/// Four workers and four employers on four activities A, B, C, D of the plan.
fn known_report(plan: &Plan) -> Report {
    let [a, b, c, d] = [0, 1, 2, 3].map(|i| plan.activities[i].code.to_string());
    let mut builder = ReportBuilder::new(plan, b"secret", Lang::En);
    // A: workers 4, 4, 3, 4 (3.75); employers 2, 2, 2, 1 (1.75), every employer says what
    // should change, at different lengths.
    for (m, r) in [(1, 4), (2, 4), (3, 3), (4, 4)] {
        let text = (m == 1).then_some("Useful for our members");
        builder.add(row(m, "W", &a, r, text));
    }
    let words = [
        "short",
        "a little longer",
        "the longest of all of them",
        "mid length",
    ];
    for (i, (m, r)) in [(11, 2), (12, 2), (13, 2), (14, 1)].into_iter().enumerate() {
        builder.add(row(m, "E", &a, r, Some(words[i])));
    }
    // B and D: 5 each (tied); C: 3 and 3.
    builder.add(row(1, "W", &b, 5, None));
    let mut voice = row(11, "E", &b, 5, None);
    voice.voice_file_id = Some("voice-1".into());
    voice.voice_duration = Some(75);
    builder.add(voice);
    builder.add(row(1, "W", &c, 3, Some(KHMER_WORDS)));
    builder.add(row(11, "E", &c, 3, None));
    builder.add(row(1, "W", &d, 5, None));
    builder.finish(Window::always_open(), Filters::default(), now(), Lang::En)
}

#[test]
fn the_report_model_counts_ranks_and_chooses_by_its_stated_rules() {
    let plan = plan_of(4);
    let report = known_report(&plan);
    let codes: Vec<ActivityCode> = plan.activities.iter().map(|a| a.code.clone()).collect();
    assert_eq!(report.members, 8);
    assert_eq!(report.ratings(), 8 + 2 + 2 + 1);
    assert_eq!((report.typed(), report.voices()), (6, 1));
    assert_eq!(report.rated_all, 1, "member 1 rated all four");
    assert_eq!(
        report.by_side,
        vec![
            (Some(Constituency::Workers), 4),
            (Some(Constituency::Employers), 4),
            (Some(Constituency::Government), 0),
        ]
    );
    let a = report.activity(&codes[0]).unwrap();
    assert_eq!(a.stats.n, 8);
    assert_eq!(a.stats.mean(), Some(2.75));
    assert_eq!(a.stats.mean_of(Constituency::Workers), Some(3.75));
    assert_eq!(a.stats.mean_of(Constituency::Employers), Some(1.75));
    // Lowest: A 2.75, C 3.00, then B and D tied at 5.00: both named.
    assert_eq!(
        report.lowest,
        vec![
            codes[0].clone(),
            codes[2].clone(),
            codes[1].clone(),
            codes[3].clone()
        ]
    );
    // The one gap worth naming: A, workers 3.75 against employers 1.75.
    assert_eq!(report.gaps.len(), 1);
    let gap = &report.gaps[0];
    assert_eq!(gap.code, codes[0]);
    assert_eq!(gap.high, (Constituency::Workers, 3.75, 4));
    assert_eq!(gap.low, (Constituency::Employers, 1.75, 4));
    assert_eq!(gap.size(), 2.0);
    // Most commented: A (5), then B and C with one each.
    assert_eq!(
        report.most_commented,
        vec![codes[0].clone(), codes[1].clone(), codes[2].clone()]
    );
    // "What should change": the employers' four, the three longest shown, longest first.
    assert_eq!(a.change.total, 4);
    let shown: Vec<_> = a.change.by_side[0]
        .1
        .iter()
        .map(|c| c.text.clone().unwrap())
        .collect();
    assert_eq!(
        shown,
        vec![
            "the longest of all of them",
            "a little longer",
            "mid length"
        ]
    );
    assert_eq!(a.change.by_side[0].0, Some(Constituency::Employers));
    assert_eq!(a.other.total, 1);
    assert_eq!(a.annex.len(), 5, "the annex has every comment");
    let c = report.activity(&codes[2]).unwrap();
    assert_eq!(c.annex[0].script, Some(model::Script::Khmer));
    assert!(!c.annex[0].respondent.is_empty() && c.annex[0].respondent.starts_with('R'));
}

fn texts(doc: &document::Document) -> String {
    let mut all = String::new();
    for b in &doc.blocks {
        match b {
            Block::Title(lines) => all.push_str(&lines.join("\n")),
            Block::Heading(_, t) | Block::Note(t) => all.push_str(t),
            Block::Para(spans) => spans.iter().for_each(|s| match s {
                Span::Plain(t) | Span::Bold(t) => all.push_str(t),
            }),
            Block::Bullets(items) => items.iter().flatten().for_each(|s| match s {
                Span::Plain(t) | Span::Bold(t) => all.push_str(t),
            }),
            Block::Table { header, rows, .. } => {
                all.push_str(&header.join(" "));
                rows.iter().for_each(|r| all.push_str(&r.join(" ")));
            }
            Block::Quote { text, about } => {
                all.push_str(text);
                all.push_str(about);
            }
            Block::Image { .. } | Block::PageBreak => {}
        }
        all.push('\n');
    }
    all
}

fn khmer_letters(s: &str) -> usize {
    s.chars()
        .filter(|c| ('\u{1780}'..='\u{17FF}').contains(c))
        .count()
}

fn docx_xml(docx: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

#[test]
fn the_pdf_and_docx_carry_the_cover_the_findings_and_khmer_as_text() {
    let plan = plan_of(4);
    let report = known_report(&plan);
    let charts = ChartMaker::new();
    let english = document::build(&report, &plan, Lang::En, &charts);
    let words = texts(&english);
    assert!(words.contains("Members who rated: 8"), "{words}");
    assert!(
        words.contains("DRAFT"),
        "the built-in plan is marked as the draft"
    );
    assert!(words.contains("Pseudonymous"));
    assert!(words.contains("Workers 3.75 (n=4)"), "{words}");
    assert!(
        english
            .blocks
            .iter()
            .any(|b| matches!(b, Block::Image { png, .. } if png.starts_with(b"\x89PNG"))),
        "a chart per priority"
    );
    let pdf = Typesetter::new().pdf(&english, now().date_naive()).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let read = pdf_text(&pdf);
    assert!(read.contains("Key findings"), "{read}");
    assert!(read.contains("Members who rated: 8"), "{read}");
    assert!(read.contains("Page 1 of"), "{read}");
    assert!(read.contains("(DRAFT)"), "the footer says draft");

    let khmer = document::build(&report, &plan, Lang::Km, &charts);
    let pdf = Typesetter::new().pdf(&khmer, now().date_naive()).unwrap();
    let read = pdf_text(&pdf);
    // The text layer is Unicode Khmer. A Khmer syllable is one cluster of several glyphs, and a
    // glyph shared by two syllables is given its text through /ActualText, which this reader
    // (like poppler) does not apply: whole Khmer words are checked in the DOCX.
    assert!(khmer_letters(&read) > 500, "{read}");
    assert!(read.contains("៨"), "Khmer digits: {read}");

    let docx = dwcp_feedback::report::docx::docx(&khmer).unwrap();
    let xml = docx_xml(&docx);
    assert!(
        xml.contains("w:cs=\"Khmer OS Siemreap\""),
        "Khmer runs name a cs font"
    );
    assert!(xml.contains(KHMER_WORDS), "a member's Khmer words as text");
    assert!(xml.contains("របាយការណ៍ការពិគ្រោះយោបល់"));
    let english = dwcp_feedback::report::docx::docx(&english).unwrap();
    let xml = docx_xml(&english);
    assert!(xml.contains("Members who rated: 8"));
    assert!(xml.contains("w:pgSz w:w=\"11906\" w:h=\"16838\""), "A4");
}

#[test]
fn an_empty_consultation_and_a_filter_matching_nothing_say_so() {
    let plan = plan_of(4);
    let charts = ChartMaker::new();
    let empty = ReportBuilder::new(&plan, b"s", Lang::En).finish(
        Window::always_open(),
        Filters::default(),
        now(),
        Lang::En,
    );
    let doc = document::build(&empty, &plan, Lang::En, &charts);
    assert!(texts(&doc).contains("No member has rated an activity yet"));
    let pdf = Typesetter::new().pdf(&doc, now().date_naive()).unwrap();
    assert!(pdf_text(&pdf).contains("nothing to report"));
    let filtered = ReportBuilder::new(&plan, b"s", Lang::Km).finish(
        Window::always_open(),
        Filters {
            constituency: Some(Constituency::Government),
            ..Filters::default()
        },
        now(),
        Lang::Km,
    );
    let doc = document::build(&filtered, &plan, Lang::Km, &charts);
    let words = texts(&doc);
    assert!(words.contains("គ្មានការវាយតម្លៃណាត្រូវនឹងតម្រងនេះទេ"), "{words}");
    assert!(
        words.contains("តែរដ្ឋាភិបាលប៉ុណ្ណោះ"),
        "the filter on the cover: {words}"
    );
}

#[test]
fn a_plan_of_300_activities_renders() {
    let mut plan = dwcp_feedback::plan_io::default_plan();
    plan.version = 2;
    let template = plan.activities[0].clone();
    let priority = plan.priorities[0].clone();
    plan.priorities = vec![priority.clone()];
    plan.activities = (1..=300)
        .map(|i| {
            let mut a = template.clone();
            a.code = code(&format!("{}.{i}", priority.code));
            a
        })
        .collect();
    let mut builder = ReportBuilder::new(&plan, b"s", Lang::Km);
    for (i, a) in plan.activities.iter().enumerate() {
        let side = ["W", "E", "G"][i % 3];
        builder.add(row(
            i as i64 % 40,
            side,
            &a.code.to_string(),
            1 + i as i64 % 5,
            Some(KHMER_WORDS),
        ));
    }
    let report = builder.finish(Window::always_open(), Filters::default(), now(), Lang::Km);
    assert_eq!(report.activities.len(), 300);
    let doc = document::build(&report, &plan, Lang::Km, &ChartMaker::new());
    let pdf = Typesetter::new().pdf(&doc, now().date_naive()).unwrap();
    let read = pdf_text(&pdf);
    assert!(
        read.contains(&format!("{}.300", priority.code)),
        "the last activity is in"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_job_writes_the_file_of_the_filtered_ratings_and_audits_it() {
    let (dir, url) = database();
    let store = support::harness::with_plan(&url).await;
    let path = dir.path().join("report.docx");
    let filter = ExportFilter {
        constituency: Some(Constituency::Employers),
        ..ExportFilter::default()
    };
    let job = dwcp_feedback::report::ReportJob {
        format: ReportFormat::Docx,
        lang: Lang::En,
        path: &path,
        filter: &filter,
        now: now(),
        by: Actor::Cli,
    };
    let written = dwcp_feedback::report::write(&store, job, &Typesetter::new(), &ChartMaker::new())
        .await
        .unwrap();
    assert_eq!(written.ratings, 0);
    let xml = docx_xml(&std::fs::read(&path).unwrap());
    assert!(xml.contains("No rating matches these filters"), "{xml}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "owner-only");
    }
    let audit = store.audit_log().await.unwrap();
    assert!(audit.iter().any(|e| e.action == "report"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_gets_the_report_as_one_document() {
    const ADMIN: i64 = 900;
    let fake = FakeTelegram::start().await;
    let (_dir, url) = database();
    let _bot = start_with_admins(&fake, &url, None, &[ADMIN]).await;
    let member = fake.user(501, "Sokha", Some("km"));
    let card = onboard(&member).await;
    rate(&member, &card, "P1.1", 2).await;
    let admin = fake.user(ADMIN, "Secretariat", Some("en"));
    admin.send_text("/report");
    let choose = admin.reply().await;
    assert!(
        choose.text.contains("Consultation report"),
        "{}",
        choose.text
    );
    let (notice, progress) = admin.tap(&choose, "PDF · ខ្មែរ").await;
    assert_eq!(notice.as_deref(), Some("⏳ Preparing the file…"));
    assert!(progress.text.contains("Building the consultation report"));
    let file = admin.file().await;
    assert!(file.file_name.ends_with(".pdf"), "{}", file.file_name);
    assert!(file.file_name.contains("report-km"), "{}", file.file_name);
    assert!(file.bytes.starts_with(b"%PDF-"));
    assert!(
        file.caption.contains("1 members") || file.caption.contains("1 member"),
        "{}",
        file.caption
    );
    let read = pdf_text(&file.bytes);
    assert!(khmer_letters(&read) > 200, "{read}");
    let done = admin.reply().await;
    assert_eq!(done.id, progress.id);
    // The same button again acts once.
    let again = admin.tap_on(&choose, "PDF · ខ្មែរ");
    assert_eq!(
        admin.answer(&again).await.as_deref(),
        Some("✓ Already done with your first tap")
    );
    assert!(admin.silence(std::time::Duration::from_millis(500)).await);
    // A member cannot ask for it.
    member.send_text("/report");
    let refused = member.reply().await;
    assert!(!refused.text.contains("PDF"), "{}", refused.text);
    assert_telegram_happy(&fake);
}
