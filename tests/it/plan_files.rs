//! Plan files as the secretariat edits them: the template sheet round-trips through CSV and
//! XLSX, and every broken file is reported with its row and column, in both languages.

use dwcp_feedback::domain::{Lang, Place, Plan, PlanProblem, ProblemKind};
use dwcp_feedback::messages::plan_problem;
use dwcp_feedback::plan_io::{read_plan, write_csv_template, write_xlsx_template, COLUMNS};

fn csv_of(plan: Option<&Plan>) -> String {
    let mut bytes = Vec::new();
    write_csv_template(&mut bytes, plan).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM, for Excel");
    String::from_utf8(bytes).unwrap()
}

fn problems_of(name: &str, bytes: &[u8]) -> Vec<PlanProblem> {
    read_plan(name, bytes).expect_err("the file has problems")
}

fn english(problems: &[PlanProblem]) -> Vec<String> {
    problems.iter().map(|p| plan_problem(p, Lang::En)).collect()
}

#[test]
fn the_filled_csv_template_reads_back_as_the_same_plan() {
    let plan = dwcp_feedback::plan_io::default_plan();
    let csv = csv_of(Some(&plan));
    let back = read_plan("plan.csv", csv.as_bytes()).unwrap();
    assert_eq!(back, plan, "Khmer and every field byte for byte");
}

#[test]
fn the_filled_xlsx_template_reads_back_as_the_same_plan() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.xlsx");
    let plan = dwcp_feedback::plan_io::default_plan();
    write_xlsx_template(&path, Some(&plan)).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(read_plan("plan.xlsx", &bytes).unwrap(), plan);
    // Sent to the bot without a name it is still recognised by its content.
    assert_eq!(read_plan("document", &bytes).unwrap(), plan);
}

#[test]
fn an_empty_template_says_what_is_missing() {
    let csv = csv_of(None);
    assert!(csv.contains(&COLUMNS.join(",")), "{csv}");
    let text = english(&problems_of("empty.csv", csv.as_bytes()));
    assert!(
        text.contains(&"the plan has no priorities".to_string()),
        "{text:#?}"
    );
    assert!(
        text.contains(&"the plan has no activities".to_string()),
        "{text:#?}"
    );
    assert!(
        text.iter().any(|t| t.ends_with("plan_title_km: is empty")),
        "{text:#?}"
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.xlsx");
    write_xlsx_template(&path, None).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert!(english(&problems_of("empty.xlsx", &bytes))
        .contains(&"the plan has no activities".to_string()));
}

/// The filled CSV template with one activity row edited by `edit`.
fn csv_with_row(code: &str, edit: impl Fn(&mut Vec<String>)) -> (String, usize) {
    let csv = csv_of(Some(&dwcp_feedback::plan_io::default_plan()));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv.as_bytes());
    let mut out = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let mut row_number = 0;
    for (i, r) in reader.records().enumerate() {
        let mut row: Vec<String> = r.unwrap().iter().map(str::to_string).collect();
        if row.get(5).map(String::as_str) == Some(code) {
            edit(&mut row);
            row_number = i + 1;
        }
        out.write_record(&row).unwrap();
    }
    (
        String::from_utf8(out.into_inner().unwrap()).unwrap(),
        row_number,
    )
}

#[test]
fn problems_in_a_sheet_name_their_row_and_column() {
    // P2.2 is not the first row of P2, so it carries no priority texts.
    let (csv, row) = csv_with_row("P2.2", |r| {
        r[7] = String::new(); // title_km
        r[12] = "2027Q3-2026Q1".into(); // timeframe
        r[0] = "P9".into(); // a priority nobody defined
    });
    let problems = problems_of("plan.csv", csv.as_bytes());
    assert!(
        problems.iter().all(|p| p.place == Place::Row(row)),
        "{problems:#?}"
    );
    let text = english(&problems);
    for expected in [
        format!("row {row}, title_km: is empty"),
        format!(
            "row {row}, timeframe: “2027Q3-2026Q1” is not a span of quarters like 2026Q1-2027Q4"
        ),
        // P9 appears first here, so its own texts (empty) are what is wrong.
        format!("row {row}, priority_short_en: is empty"),
    ] {
        assert!(
            text.contains(&expected),
            "missing {expected:?} in {text:#?}"
        );
    }
}

#[test]
fn a_duplicate_code_and_a_contradicting_priority_are_caught() {
    let (csv, row) = csv_with_row("P1.3", |r| {
        r[5] = "P1.1".into();
        r[1] = "Another name for P1".into();
    });
    let problems = problems_of("plan.csv", csv.as_bytes());
    assert_eq!(
        problems,
        vec![PlanProblem::new(
            Place::Row(row),
            Some("priority_short_en"),
            ProblemKind::PriorityDiffers { first_row: row - 2 },
        )],
        "structure first: the sheet contradicts itself"
    );
    let (csv, row) = csv_with_row("P1.3", |r| r[5] = "P1.1".into());
    assert_eq!(
        english(&problems_of("plan.csv", csv.as_bytes())),
        vec![format!("row {row}, code: the code P1.1 is used twice")]
    );
}

#[test]
fn a_renamed_or_missing_column_is_reported_on_the_header_row() {
    let csv = csv_of(Some(&dwcp_feedback::plan_io::default_plan()))
        .replace(",desc_km,", ",description_km,");
    let text = english(&problems_of("plan.csv", csv.as_bytes()));
    let header = 22; // 3 intro rows, 13 column notes, 5 settings, then the header.
    assert_eq!(
        text,
        vec![
            format!("row {header}, description_km: is not a known column or setting"),
            format!("row {header}, desc_km: this column is missing from the header row"),
        ]
    );
}

#[test]
fn files_that_are_no_plan_at_all_get_one_clear_answer() {
    assert_eq!(
        problems_of("photo.jpg", b"\xFF\xD8\xFF\xE0 not a plan"),
        vec![PlanProblem::new(
            Place::File,
            None,
            ProblemKind::UnknownFormat
        )]
    );
    let broken_zip = problems_of("plan.xlsx", b"PK\x03\x04 truncated");
    assert!(english(&broken_zip)[0].starts_with("the file cannot be read: not a readable XLSX"));
    let latin1 = problems_of("plan.csv", b"plan_label,caf\xE9\n");
    assert!(english(&latin1)[0].contains("CSV UTF-8"), "{latin1:?}");
    assert!(matches!(
        problems_of("plan.csv", b"just,some,cells\n")[..],
        [
            PlanProblem {
                kind: ProblemKind::UnknownColumn,
                ..
            },
            PlanProblem {
                kind: ProblemKind::NoHeader,
                ..
            }
        ]
    ));
}

#[test]
fn problems_read_in_khmer_for_a_khmer_admin() {
    let (csv, row) = csv_with_row("P2.1", |r| r[7] = String::new());
    let problems = problems_of("plan.csv", csv.as_bytes());
    let khmer_row: String = row
        .to_string()
        .chars()
        .map(|d| char::from_u32('០' as u32 + d.to_digit(10).unwrap()).unwrap())
        .collect();
    assert_eq!(
        plan_problem(&problems[0], Lang::Km),
        format!("ជួរដេកទី {khmer_row}, title_km: ទទេ")
    );
}
