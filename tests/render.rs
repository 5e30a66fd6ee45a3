//! The output formats over real fixtures, through the library: a golden file per
//! format (regenerate with `UPDATE_GOLDEN=1 cargo test --test render` and review
//! the diff), SARIF validated against the official 2.1.0 schema, JUnit read back
//! with a JUnit parser, CSV read back with a CSV reader, JSON Lines compared
//! with the JSON format.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::io::{self, Write};
use std::path::PathBuf;
use std::rc::Rc;

use closeout::render::{self, Format, Style};
use closeout::{
    collect_inputs, Catalogue, Checker, Context, Evaluator, Kind, PolicySet, PolicySource,
    Reporter, RunOptions, SnapshotResult, Summary, Verdict,
};
use serde_json::Value;

mod common;

/// The snapshots behind the golden files: blocked (with a condition tripped
/// twice, and an info), warned, eligible with no finding, and unreadable.
const GOLDEN_INPUTS: [&str; 4] = [
    "fixtures/tencentcloud/blocked-live-account.json",
    "fixtures/sipstation/warn-refund-cycle.json",
    "fixtures/aptible/eligible-empty-account.json",
    "tests/data/invalid/truncated.json",
];

/// Every fixture and every kind of bad input.
const ALL_INPUTS: [&str; 2] = ["fixtures", "tests/data/invalid"];

const STYLE: Style = Style {
    color: false,
    width: 100,
};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn policies() -> PolicySet {
    PolicySet::load(&[PolicySource::Bundled]).expect("bundled policies load")
}

fn catalogue() -> Catalogue {
    policies().catalogue
}

/// Runs a check of `paths` (relative to the crate root, as the sources in the
/// goldens are) into `reporter`.
fn run(paths: &[&str], reporter: &mut dyn Reporter) -> Summary {
    // Sources are the paths as given: relative ones keep the goldens portable.
    // They resolve against the working directory, which cargo sets to the
    // crate root; changing it here would race with the tests running in
    // parallel in this process, so it is checked instead.
    let cwd = std::env::current_dir().unwrap();
    assert_eq!(
        cwd.canonicalize().unwrap(),
        root().canonicalize().unwrap(),
        "run the render tests from the crate root (cargo test does)"
    );
    let context = Context::at("2026-11-21T00:00:00Z", 7).unwrap();
    let evaluator = Evaluator::new(policies(), &context).expect("evaluator");
    let mut checker = Checker::new(evaluator);
    let paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
    let inputs = collect_inputs(&paths);
    let options = RunOptions {
        jobs: 2,
        keep_text: false,
    };
    checker
        .run(&inputs, options, reporter, &mut |_| {})
        .expect("the run writes its report")
}

/// The output of one format over `paths`.
fn render(format: Format, paths: &[&str]) -> String {
    let mut out = Vec::new();
    {
        let mut reporter = render::reporter_with(format, STYLE, &catalogue(), Box::new(&mut out));
        run(paths, reporter.as_mut());
    }
    String::from_utf8(out).expect("UTF-8 output")
}

/// Keeps every result, to build inputs for the reporters by hand.
#[derive(Default)]
struct Collect(Vec<SnapshotResult>, Summary);

impl Reporter for Collect {
    fn report(&mut self, result: &SnapshotResult, _text: Option<&str>) -> io::Result<()> {
        self.0.push(result.clone());
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.1 = summary.clone();
        Ok(())
    }
}

fn results(paths: &[&str]) -> (Vec<SnapshotResult>, Summary) {
    let mut collect = Collect::default();
    run(paths, &mut collect);
    (collect.0, collect.1)
}

/// A writer the test can read while a reporter still holds it.
#[derive(Clone, Default)]
struct Shared(Rc<RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn text(&self) -> String {
        String::from_utf8(self.0.borrow().clone()).unwrap()
    }
}

/// Compares with `tests/data/golden/NAME`, or rewrites it when UPDATE_GOLDEN=1.
fn golden(name: &str, actual: &str) {
    let path = root().join("tests/data/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; create it with UPDATE_GOLDEN=1 cargo test --test render",
            path.display()
        )
    });
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(e, a)| e != a)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from the output, first at line {}:\n  golden: {:?}\n  actual: {:?}\n\
             Regenerate with UPDATE_GOLDEN=1 cargo test --test render and review the diff.",
            path.display(),
            first + 1,
            expected.lines().nth(first),
            actual.lines().nth(first),
        );
    }
}

/// The SARIF output, for the golden file: the driver's version masked, so a
/// release does not change it, and the rules of conditions that did not trip cut
/// to their id, so editing an unrelated policy's annotation does not either (the
/// schema test checks every rule against the catalogue).
fn sarif_for_golden(paths: &[&str]) -> String {
    let mut log: Value = serde_json::from_str(&render(Format::Sarif, paths)).unwrap();
    let run = &mut log["runs"][0];
    assert_eq!(run["tool"]["driver"]["version"], env!("CARGO_PKG_VERSION"));
    run["tool"]["driver"]["version"] = "VERSION".into();
    let tripped: BTreeSet<String> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap().to_string())
        .collect();
    for rule in run["tool"]["driver"]["rules"].as_array_mut().unwrap() {
        if !tripped.contains(rule["id"].as_str().unwrap()) {
            *rule = serde_json::json!({ "id": rule["id"].clone() });
        }
    }
    serde_json::to_string_pretty(&log).unwrap() + "\n"
}

#[test]
fn golden_html() {
    golden("report.html", &render(Format::Html, &GOLDEN_INPUTS));
}

#[test]
fn golden_jsonl() {
    golden("report.jsonl", &render(Format::Jsonl, &GOLDEN_INPUTS));
}

#[test]
fn golden_sarif() {
    golden("report.sarif", &sarif_for_golden(&GOLDEN_INPUTS));
}

#[test]
fn golden_junit() {
    golden("report.junit.xml", &render(Format::Junit, &GOLDEN_INPUTS));
}

#[test]
fn golden_github() {
    golden("report.github.txt", &render(Format::Github, &GOLDEN_INPUTS));
}

#[test]
fn golden_csv() {
    golden("report.csv", &render(Format::Csv, &GOLDEN_INPUTS));
}

#[test]
fn golden_markdown() {
    golden("report.md", &render(Format::Markdown, &GOLDEN_INPUTS));
}

// --- SARIF ---------------------------------------------------------------

/// The language-tag pattern of the official schema (`run.language` and
/// `toolComponent.language`) has a stray `]`. ECMA-262 reads it as a literal only
/// under its web-compatibility annex, and jsonschema's check of the schema
/// itself refuses it. Escaping it keeps the meaning and lets the schema compile;
/// the file stays as published.
const STRAY_BRACKET_PATTERN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";

fn escape_stray_brackets(schema: &mut Value) -> usize {
    match schema {
        Value::Object(map) => {
            let mut fixed = 0;
            for (key, value) in map.iter_mut() {
                if key == "pattern" && value == STRAY_BRACKET_PATTERN {
                    *value = STRAY_BRACKET_PATTERN.replace("]?", "\\]?").into();
                    fixed += 1;
                } else {
                    fixed += escape_stray_brackets(value);
                }
            }
            fixed
        }
        Value::Array(items) => items.iter_mut().map(escape_stray_brackets).sum(),
        _ => 0,
    }
}

fn sarif_validator() -> jsonschema::Validator {
    let path = root().join("tests/data/sarif/sarif-schema-2.1.0.json");
    let mut schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    assert_eq!(
        escape_stray_brackets(&mut schema),
        2,
        "the two language patterns"
    );
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn schema_errors(validator: &jsonschema::Validator, log: &Value) -> Vec<String> {
    validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn sarif_of_every_fixture_and_bad_input_is_valid_sarif_2_1_0() {
    let validator = sarif_validator();
    let log: Value = serde_json::from_str(&render(Format::Sarif, &ALL_INPUTS)).unwrap();
    let errors = schema_errors(&validator, &log);
    assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));

    // The validator is not vacuous: a level SARIF does not know is refused.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!schema_errors(&validator, &broken).is_empty());

    let (results, summary) = results(&ALL_INPUTS);
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let catalogue = catalogue();
    assert_eq!(rules.len(), catalogue.len(), "one rule per condition");
    for (rule, condition) in rules.iter().zip(catalogue.iter()) {
        assert_eq!(rule["id"], condition.id.as_str());
        let level = match condition.kind {
            Kind::Block => "error",
            Kind::Warn => "warning",
            Kind::Info => "note",
        };
        assert_eq!(rule["defaultConfiguration"]["level"], level);
        assert_eq!(
            rule["properties"]["source_quote"],
            condition.source_quote.as_str()
        );
    }
    let sarif_results = run["results"].as_array().unwrap();
    let findings: Vec<_> = results.iter().flat_map(|r| &r.findings).collect();
    assert_eq!(
        sarif_results.len(),
        findings.len(),
        "one result per finding"
    );
    for (sarif, finding) in sarif_results.iter().zip(findings) {
        let index = sarif["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], sarif["ruleId"]);
        assert_eq!(sarif["ruleId"], finding.id.as_str());
        let location = &sarif["locations"][0];
        assert_eq!(
            location["logicalLocations"][0]["fullyQualifiedName"],
            finding.pointer.as_str()
        );
        let region = &location["physicalLocation"]["region"];
        assert_eq!(region["startLine"].as_u64(), finding.line.map(|l| l as u64));
    }
    let notifications = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notifications.len(), summary.errors, "one note per error");
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);
}

#[test]
fn sarif_points_into_json_lines_streams_by_file_and_line() {
    let dir = tempdir("sarif-jsonl");
    let line = std::fs::read_to_string(root().join("fixtures/sipstation/warn-refund-cycle.json"))
        .unwrap()
        .replace('\n', " ");
    let stream = dir.join("batch.jsonl");
    std::fs::write(&stream, format!("\n{line}\n")).unwrap();
    let stream = stream.to_str().unwrap().to_string();
    let log: Value = serde_json::from_str(&render(Format::Sarif, &[&stream])).unwrap();
    assert!(schema_errors(&sarif_validator(), &log).is_empty());
    let location = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    let uri = location["artifactLocation"]["uri"].as_str().unwrap();
    assert!(
        uri.starts_with("file:///") && uri.ends_with("/batch.jsonl"),
        "{uri}"
    );
    assert_eq!(location["region"]["startLine"], 2, "the snapshot is line 2");
}

fn tempdir(name: &str) -> PathBuf {
    common::tempdir(&format!("render-{name}"))
}

// --- JUnit ---------------------------------------------------------------

#[test]
fn junit_has_a_suite_per_snapshot_and_a_case_per_applicable_condition() {
    let xml = render(Format::Junit, &ALL_INPUTS);
    let report = junit_parser::from_reader(io::Cursor::new(xml.as_bytes())).expect("JUnit XML");
    let (results, summary) = results(&ALL_INPUTS);
    let catalogue = catalogue();
    assert_eq!(report.suites.len(), summary.snapshots);

    let mut total = (0, 0, 0);
    for (suite, result) in report.suites.iter().zip(&results) {
        assert_eq!(suite.name, result.source.to_string());
        if result.verdict == Verdict::Error {
            assert_eq!((suite.tests, suite.failures, suite.errors), (1, 0, 1));
            assert_eq!(suite.cases[0].original_name, "snapshot");
            assert!(suite.cases[0].status.is_error());
            total.0 += 1;
            total.2 += 1;
            continue;
        }
        let provider = result.provider.as_deref().unwrap();
        let applicable: Vec<_> = catalogue
            .iter()
            .filter(|c| c.package.applies_to(provider))
            .collect();
        let failing: BTreeSet<&str> = result
            .findings
            .iter()
            .filter(|f| f.kind != Kind::Info)
            .map(|f| f.id.as_str())
            .collect();
        assert_eq!(suite.tests as usize, applicable.len(), "{}", suite.name);
        assert_eq!(suite.cases.len(), applicable.len());
        assert_eq!(suite.failures as usize, failing.len(), "{}", suite.name);
        assert_eq!(suite.errors, 0);
        assert_eq!(
            suite.properties.hashmap.get("provider").map(String::as_str),
            Some(provider)
        );
        for (case, condition) in suite.cases.iter().zip(&applicable) {
            assert_eq!(
                case.original_name,
                format!("{} {}", condition.id, condition.title)
            );
            assert_eq!(case.classname.as_deref(), Some(provider));
            let fails = failing.contains(condition.id.as_str());
            assert_eq!(case.status.is_failure(), fails, "{}", case.name);
            if fails {
                let failure = case.status.failure_as_ref();
                assert_eq!(failure.failure_type, condition.kind.as_str());
                let messages: Vec<&str> = result
                    .findings
                    .iter()
                    .filter(|f| f.id == condition.id)
                    .map(|f| f.message.as_str())
                    .collect();
                assert_eq!(failure.message, messages.join("; "));
                assert!(
                    words(&failure.text).starts_with(&words(&condition.remediation)),
                    "{}: the body starts with the remediation",
                    case.name
                );
            }
        }
        // An info finding is output, never a failure.
        for finding in result.findings.iter().filter(|f| f.kind == Kind::Info) {
            let case = suite
                .cases
                .iter()
                .find(|c| c.original_name.starts_with(&format!("{} ", finding.id)))
                .unwrap();
            assert!(case.status.is_success());
            let out = case.system_out.as_deref().unwrap();
            assert!(words(out).contains(&words(&finding.message)));
        }
        total.0 += suite.tests;
        total.1 += suite.failures;
    }
    assert_eq!((report.tests, report.failures, report.errors), total);

    // One known snapshot, counted by hand: 12 Tencent Cloud conditions and 3
    // common ones; TCC-001 to TCC-007 fail (TCC-003 and TCC-006 twice over, as
    // one case each); TCC-012 is an info.
    let live = report
        .suites
        .iter()
        .find(|s| s.name == "fixtures/tencentcloud/blocked-live-account.json")
        .unwrap();
    assert_eq!((live.tests, live.failures, live.errors), (15, 7, 0));
}

/// The letters and digits of a text. junit-parser drops the entity references
/// (`&quot;`, `&lt;`, …) of element text and joins the pieces around them with
/// newlines, so element text is compared by its words; attributes, which it
/// unescapes, are compared whole.
fn words(text: &str) -> String {
    text.chars().filter(|c| c.is_alphanumeric()).collect()
}

// --- CSV -----------------------------------------------------------------

#[test]
fn csv_quotes_survive_a_round_trip() {
    let (mut results, summary) = results(&GOLDEN_INPUTS);
    let tricky = "voucher \"V-1\", still holds 50 USD,\nand a second line";
    results[0].findings[0].message = tricky.to_string();
    let out = Shared::default();
    let mut reporter =
        render::reporter_with(Format::Csv, STYLE, &catalogue(), Box::new(out.clone()));
    for result in &results {
        reporter.report(result, None).unwrap();
    }
    reporter.finish(&summary).unwrap();
    drop(reporter);

    let text = out.text();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, render::csv::HEADER);
    let rows: Vec<HashMap<String, String>> = reader.deserialize().map(Result::unwrap).collect();
    let findings: usize = results.iter().map(|r| r.findings.len()).sum();
    assert_eq!(rows.len(), findings + summary.errors);
    assert_eq!(rows[0]["message"], tricky);
    assert_eq!(rows[0]["condition_id"], results[0].findings[0].id);
    assert_eq!(
        rows[0]["line"],
        results[0].findings[0].line.unwrap().to_string()
    );
    let error = rows.iter().find(|r| r["kind"] == "error").unwrap();
    assert_eq!(error["snapshot"], "tests/data/invalid/truncated.json");
    assert_eq!(error["condition_id"], "");
    assert_eq!(
        error["message"],
        "invalid JSON: EOF while parsing an object"
    );
    assert_eq!(
        (error["line"].as_str(), error["column"].as_str()),
        ("17", "72")
    );
}

#[test]
fn csv_of_an_empty_run_is_the_header() {
    let out = Shared::default();
    let mut reporter =
        render::reporter_with(Format::Csv, STYLE, &catalogue(), Box::new(out.clone()));
    reporter.finish(&Summary::default()).unwrap();
    drop(reporter);
    assert_eq!(out.text(), format!("{}\n", render::csv::HEADER.join(",")));
}

// --- JSON Lines ----------------------------------------------------------

#[test]
fn jsonl_lines_carry_the_json_formats_results_then_the_summary() {
    let document: Value = serde_json::from_str(&render(Format::Json, &ALL_INPUTS)).unwrap();
    let jsonl = render(Format::Jsonl, &ALL_INPUTS);
    let lines: Vec<Value> = jsonl
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is one JSON object"))
        .collect();
    let results = document["results"].as_array().unwrap();
    assert_eq!(lines.len(), results.len() + 1);
    for (line, result) in lines.iter().zip(results) {
        let kind = if result["verdict"] == "error" {
            "error"
        } else {
            "result"
        };
        assert_eq!(line["type"], kind);
        assert_eq!(&line["data"], result);
    }
    let last = lines.last().unwrap();
    assert_eq!(last["type"], "summary");
    assert_eq!(last["data"], document["summary"]);
}

#[test]
fn jsonl_streams_each_result_before_the_run_ends() {
    let (results, summary) = results(&GOLDEN_INPUTS);
    let out = Shared::default();
    let mut reporter =
        render::reporter_with(Format::Jsonl, STYLE, &catalogue(), Box::new(out.clone()));
    reporter.report(&results[0], None).unwrap();
    let first = out.text();
    assert_eq!(first.lines().count(), 1, "written at once, whole");
    assert!(first.ends_with('\n'));
    reporter.report(&results[3], None).unwrap();
    assert!(out
        .text()
        .lines()
        .nth(1)
        .unwrap()
        .starts_with(r#"{"type":"error","#));
    reporter.finish(&summary).unwrap();
    assert!(out
        .text()
        .lines()
        .last()
        .unwrap()
        .starts_with(r#"{"type":"summary","#));
}

// --- GitHub and Markdown -------------------------------------------------

#[test]
fn github_commands_stay_one_line_each() {
    let (mut results, summary) = results(&GOLDEN_INPUTS);
    results[0].findings[0].message = "100% sure,\nreally: yes".into();
    let out = Shared::default();
    let mut reporter =
        render::reporter_with(Format::Github, STYLE, &catalogue(), Box::new(out.clone()));
    for result in &results {
        reporter.report(result, None).unwrap();
    }
    reporter.finish(&summary).unwrap();
    let text = out.text();
    let commands: Vec<&str> = text.lines().filter(|l| l.starts_with("::")).collect();
    let findings: usize = results.iter().map(|r| r.findings.len()).sum();
    assert_eq!(commands.len(), findings + summary.errors);
    // A line break from a value is shown, never a break in the annotation.
    assert!(
        commands[0].ends_with("::100%25 sure,\\nreally: yes"),
        "{}",
        commands[0]
    );
    assert!(commands[0].starts_with(
        "::error file=fixtures/tencentcloud/blocked-live-account.json,line=70,col=7,\
         title=TCC-001 An order is not completed::"
    ));
}

#[test]
fn markdown_cells_keep_their_table_whole() {
    let (mut results, summary) = results(&GOLDEN_INPUTS);
    results[0].plan[0].targets[0] = "a | b\nc".into();
    let out = Shared::default();
    let mut reporter =
        render::reporter_with(Format::Markdown, STYLE, &catalogue(), Box::new(out.clone()));
    for result in &results {
        reporter.report(result, None).unwrap();
    }
    reporter.finish(&summary).unwrap();
    let text = out.text();
    assert!(text.contains("   - a \\| b\\\\nc\n"), "{text}");
    assert!(text.contains("- `tests/data/invalid/truncated.json:17:72` (syntax): "));
}

/// Each format gets its own reporter: its output begins as that format
/// does, names the blocking condition, and differs from every other format's.
#[test]
fn every_format_has_its_own_reporter() {
    let starts = |format: Format| match format.name() {
        "human" => "BLOCKED fixtures/tencentcloud/blocked-vouchers.json ",
        "json" => "{\n  \"version\": 1,\n  \"results\": [",
        "jsonl" => "{\"type\":\"result\",\"version\":1,\"seq\":0,",
        "sarif" => "{\n  \"$schema\": \"https://docs.oasis-open.org/sarif/",
        "junit" => "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"closeout\"",
        "github" => "::error file=fixtures/tencentcloud/blocked-vouchers.json,",
        "csv" => "snapshot,snapshot_id,account_id,provider,condition_id,",
        "markdown" => "# closeout report\n",
        "html" => "<!DOCTYPE html>\n",
        other => panic!("no expected start for the format {other}: add one"),
    };
    let mut seen: Vec<(Format, String)> = Vec::new();
    for format in Format::all() {
        let out = render(format, &["fixtures/tencentcloud/blocked-vouchers.json"]);
        assert!(out.starts_with(starts(format)), "{format}:\n{out}");
        assert!(
            out.contains("TCC-003"),
            "{format} does not name TCC-003:\n{out}"
        );
        for (other, text) in &seen {
            assert_ne!(text, &out, "{format} writes what {other} writes");
        }
        seen.push((format, out));
    }
}
