//! `closeout diff OLD NEW` and `check --baseline OLD --format html`, through
//! the real binary: the fixtures checked once, then a copy of them changed in
//! four known ways checked a day later, and the movement asserted exactly.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

const OLD_NOW: &str = "2026-11-21T00:00:00Z";
const NEW_NOW: &str = "2026-11-22T00:00:00Z";

/// The last day of the waiver: in force at OLD_NOW, expired at NEW_NOW.
const CONFIG: &str = r#"[[waiver]]
id = "TCC-003"
account = "200078901234"
reason = "Vouchers forfeited; finance agreed"
approved_by = "jane@acme.example"
expires = 2026-11-21
"#;

fn closeout(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_closeout"))
        .args(args)
        .current_dir(common::root())
        .output()
        .unwrap()
}

fn edit(path: &Path, change: impl FnOnce(&mut Value)) {
    let mut value: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    change(&mut value);
    fs::write(path, serde_json::to_string_pretty(&value).unwrap()).unwrap();
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The changed fixture set: one blocked account made eligible, one eligible
/// made blocked, one condition added to a blocked account.
fn changed_fixtures(dir: &Path) -> PathBuf {
    let fixtures = dir.join("fixtures");
    copy_dir(&common::root().join("fixtures"), &fixtures);
    let overdue =
        json!({"id": "INV-9", "amount_due": 10.0, "due_date": "2026-11-01", "status": "overdue"});
    // 29954: blocked by UKF-008 only; the overdue invoice is paid off.
    edit(&fixtures.join("ukfast/blocked-unpaid-invoice.json"), |v| {
        v["billing"]["invoices"]
            .as_array_mut()
            .unwrap()
            .retain(|i| i["id"] != "INV-302544");
    });
    // 47006: eligible, now with an overdue invoice.
    edit(&fixtures.join("ukfast/warn-stale-backup.json"), |v| {
        v["billing"]["invoices"]
            .as_array_mut()
            .unwrap()
            .push(overdue.clone());
    });
    // 27764: blocked by UKF-003, now UKF-008 too.
    edit(&fixtures.join("ukfast/blocked-v1-vm.json"), |v| {
        v["billing"]["invoices"]
            .as_array_mut()
            .unwrap()
            .push(overdue.clone());
    });
    fixtures
}

struct Runs {
    dir: PathBuf,
    old: PathBuf,
    new: PathBuf,
    old_log: PathBuf,
    new_log: PathBuf,
    config: PathBuf,
    fixtures: PathBuf,
}

fn runs(name: &str) -> Runs {
    let dir = common::tempdir(name);
    let config = dir.join("closeout.toml");
    fs::write(&config, CONFIG).unwrap();
    let fixtures = changed_fixtures(&dir);
    let runs = Runs {
        old: dir.join("old.jsonl"),
        new: dir.join("new.jsonl"),
        old_log: dir.join("old-audit.jsonl"),
        new_log: dir.join("new-audit.jsonl"),
        config,
        fixtures,
        dir,
    };
    for (inputs, now, out, log) in [
        (Path::new("fixtures/"), OLD_NOW, &runs.old, &runs.old_log),
        (runs.fixtures.as_path(), NEW_NOW, &runs.new, &runs.new_log),
    ] {
        let output = closeout(&[
            "check",
            inputs.to_str().unwrap(),
            "--format",
            "jsonl",
            "--now",
            now,
            "--config",
            runs.config.to_str().unwrap(),
            "--audit-log",
            log.to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
        ]);
        assert_eq!(output.status.code(), Some(1), "{output:?}");
    }
    runs
}

/// (account id, became, appeared, cleared, expired waiver ids) of each account that moved.
type Moved = (
    String,
    Option<String>,
    Vec<String>,
    Vec<String>,
    Vec<String>,
);

fn moved(report: &Value) -> Vec<Moved> {
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect()
    };
    report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                format!(
                    "{} {}",
                    a["provider"].as_str().unwrap(),
                    a["account_id"].as_str().unwrap()
                ),
                a["became"].as_str().map(str::to_owned),
                strings(&a["conditions_appeared"]),
                strings(&a["conditions_cleared"]),
                a["waivers_expired"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|w| w["id"].as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect()
}

fn expected() -> Vec<Moved> {
    let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut expected = vec![
        (
            "tencentcloud 200078901234".into(),
            Some("blocked".into()),
            s(&[]),
            s(&[]),
            s(&["TCC-003"]),
        ),
        ("ukfast 27764".into(), None, s(&["UKF-008"]), s(&[]), s(&[])),
        (
            "ukfast 29954".into(),
            Some("eligible".into()),
            s(&[]),
            s(&["UKF-008"]),
            s(&[]),
        ),
        (
            "ukfast 47006".into(),
            Some("blocked".into()),
            s(&["UKF-008"]),
            s(&[]),
            s(&[]),
        ),
    ];
    expected.sort();
    expected
}

fn diff_json(old: &Path, new: &Path) -> (Option<i32>, Value) {
    let output = closeout(&[
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let report = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (output.status.code(), report)
}

#[test]
fn diff_reports_exactly_the_movement_between_two_runs() {
    let runs = runs("diff-movement");
    let (code, report) = diff_json(&runs.old, &runs.new);
    assert_eq!(code, Some(1), "{report}");
    let mut got = moved(&report);
    got.sort();
    assert_eq!(got, expected(), "{report:#}");
    assert_eq!(report["only_in_old"], json!([]));
    assert_eq!(report["only_in_new"], json!([]));
    assert_eq!(report["totals"]["became_blocked"], 2);
    assert_eq!(report["totals"]["became_eligible"], 1);
    assert_eq!(report["totals"]["waivers_expired"], 1);
    let waiver = &report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account_id"] == "200078901234")
        .unwrap()["waivers_expired"][0];
    assert_eq!(waiver["expires"], "2026-11-21");
    assert_eq!(waiver["line"], 1);

    // The same movement read from the two audit logs.
    let (code, from_logs) = diff_json(&runs.old_log, &runs.new_log);
    assert_eq!(code, Some(1), "{from_logs}");
    let mut got = moved(&from_logs);
    got.sort();
    assert_eq!(got, expected(), "{from_logs:#}");

    // One log appended by both runs: each account from the last run of it.
    let both = runs.dir.join("both-audit.jsonl");
    let mut text = fs::read_to_string(&runs.old_log).unwrap();
    text.push_str(&fs::read_to_string(&runs.new_log).unwrap());
    fs::write(&both, text).unwrap();
    let (code, appended) = diff_json(&runs.old_log, &both);
    assert_eq!(code, Some(1), "{appended}");
    assert_eq!(appended, from_logs);

    // A run against itself: nothing moved, exit 0.
    let (code, same) = diff_json(&runs.new, &runs.new);
    assert_eq!(code, Some(0));
    assert_eq!(same["accounts"], json!([]));
    // Backwards: 29954 becomes blocked again, so exit 1 too.
    let (code, _) = diff_json(&runs.new, &runs.old);
    assert_eq!(code, Some(1));

    // Human, Markdown and HTML name every account and condition that moved.
    for format in ["human", "markdown", "html"] {
        let output = closeout(&[
            "diff",
            runs.old.to_str().unwrap(),
            runs.new.to_str().unwrap(),
            "--format",
            format,
        ]);
        assert_eq!(output.status.code(), Some(1));
        let text = String::from_utf8(output.stdout).unwrap();
        for needle in [
            "200078901234",
            "27764",
            "29954",
            "47006",
            "UKF-008",
            "TCC-003",
        ] {
            assert!(text.contains(needle), "{format} lacks {needle}:\n{text}");
        }
        assert!(text.contains("2 became blocked"), "{format}:\n{text}");
    }

    // check --baseline: the HTML report carries the same movement section.
    let page = runs.dir.join("report.html");
    let output = closeout(&[
        "check",
        runs.fixtures.to_str().unwrap(),
        "--now",
        NEW_NOW,
        "--config",
        runs.config.to_str().unwrap(),
        "--format",
        "html",
        "--output",
        page.to_str().unwrap(),
        "--baseline",
        runs.old.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let html = fs::read_to_string(&page).unwrap();
    let section = &html[html
        .find("<section id=\"movement\">")
        .expect("movement section")..];
    let section = &section[..section.find("</section>").unwrap()];
    for needle in [
        "200078901234",
        "27764",
        "29954",
        "47006",
        "UKF-008",
        "TCC-003",
        "2 became blocked",
    ] {
        assert!(
            section.contains(needle),
            "movement section lacks {needle}:\n{section}"
        );
    }
    assert_eq!(section.matches("<tr data-became").count(), 4, "{section}");
}

#[test]
fn values_from_results_are_escaped_and_accounts_in_one_run_are_named() {
    let dir = common::tempdir("diff-escape");
    let fixtures = dir.join("in");
    fs::create_dir_all(&fixtures).unwrap();
    let snapshot = fixtures.join("a.json");
    fs::copy(
        common::root().join("fixtures/ukfast/eligible-clean.json"),
        &snapshot,
    )
    .unwrap();
    let old = dir.join("old.jsonl");
    let new = dir.join("new.jsonl");
    let check = |out: &Path| {
        let output = closeout(&[
            "check",
            fixtures.to_str().unwrap(),
            "--format",
            "jsonl",
            "--now",
            OLD_NOW,
            "--output",
            out.to_str().unwrap(),
        ]);
        assert!(output.status.code().is_some_and(|c| c < 2), "{output:?}");
    };
    check(&old);
    edit(&snapshot, |v| {
        v["account"]["id"] = json!("<img src=x onerror=alert(1)>|*x*\u{1b}[31m");
    });
    check(&new);
    let (code, report) = diff_json(&old, &new);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["only_in_old"][0]["account_id"], "48213");
    assert_eq!(report["only_in_new"].as_array().unwrap().len(), 1);
    let run = |format: &str| {
        let output = closeout(&[
            "diff",
            old.to_str().unwrap(),
            new.to_str().unwrap(),
            "--format",
            format,
        ]);
        String::from_utf8(output.stdout).unwrap()
    };
    let html = run("html");
    assert!(!html.contains("<img"), "{html}");
    assert!(html.contains("&lt;img"), "{html}");
    let markdown = run("markdown");
    assert!(markdown.contains("\\|\\*x\\*"), "{markdown}");
    assert!(!markdown.contains("<img"), "{markdown}");
    let human = run("human");
    assert!(!human.contains('\u{1b}'), "{human}");
    assert!(human.contains("only in OLD: ukfast 48213"), "{human}");
}

#[test]
fn a_bad_input_line_is_an_error_naming_file_and_line() {
    let dir = common::tempdir("diff-bad");
    let old = dir.join("old.jsonl");
    let output = closeout(&[
        "check",
        "fixtures/ukfast/eligible-clean.json",
        "--format",
        "jsonl",
        "--now",
        OLD_NOW,
        "--output",
        old.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let bad = dir.join("bad.jsonl");
    let mut text = fs::read_to_string(&old).unwrap();
    text.insert_str(0, "{\"type\":\"result\",\"seq\":0,\"data\":{}}\n");
    fs::write(&bad, &text).unwrap();
    for (a, b) in [(&old, &bad), (&bad, &old)] {
        let output = closeout(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!("{}:1: not a result", bad.display())),
            "{stderr}"
        );
        assert!(output.stdout.is_empty());
    }
    // An audit log with a broken second line.
    let log = dir.join("audit.jsonl");
    let output = closeout(&[
        "check",
        "fixtures/ukfast/eligible-clean.json",
        "--now",
        OLD_NOW,
        "--format",
        "json",
        "--audit-log",
        log.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let mut text = fs::read_to_string(&log).unwrap();
    text.push_str("{\"version\":1}\n");
    fs::write(&log, &text).unwrap();
    let output = closeout(&["diff", log.to_str().unwrap(), old.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("{}:2: not an audit record", log.display())),
        "{stderr}"
    );
    // --baseline wants the HTML report, and an unreadable one is an error.
    let output = closeout(&[
        "check",
        "fixtures/ukfast/eligible-clean.json",
        "--baseline",
        old.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let output = closeout(&[
        "check",
        "fixtures/ukfast/eligible-clean.json",
        "--format",
        "html",
        "--baseline",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(output.stdout.is_empty());
    // diff writes four formats only.
    let output = closeout(&[
        "diff",
        old.to_str().unwrap(),
        old.to_str().unwrap(),
        "--format",
        "sarif",
    ]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
}
