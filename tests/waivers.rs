//! Waivers and defaults from closeout.toml, and the audit record: the real
//! binary in a scratch directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::root;

const NOW: &str = "2026-11-21T00:00:00Z";

/// A scratch directory holding `closeout.toml` with `config`.
fn workspace(name: &str, config: &str) -> PathBuf {
    let dir = common::tempdir(&format!("waivers-{name}"));
    std::fs::write(dir.join("closeout.toml"), config).unwrap();
    dir
}

fn closeout(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_closeout"))
        .current_dir(cwd)
        .args(args)
        .args(["--now", NOW])
        .output()
        .unwrap()
}

fn fixture(path: &str) -> String {
    root().join("fixtures").join(path).display().to_string()
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)))
}

/// `closeout check FIXTURE --format json` in `dir`: the output and its report.
fn check_json(dir: &Path, fixture_path: &str) -> (Output, serde_json::Value) {
    let output = closeout(dir, &["check", &fixture(fixture_path), "--format", "json"]);
    let report = json(&output);
    (output, report)
}

const LIVE: &str = "tencentcloud/blocked-live-account.json"; // account 200189012345

fn waiver(id: &str, account: &str, target: Option<&str>, expires: &str) -> String {
    let target = target
        .map(|t| format!("target = \"{t}\"\n"))
        .unwrap_or_default();
    format!(
        "[[waiver]]\nid = \"{id}\"\naccount = \"{account}\"\n{target}reason = \"accepted by finance\"\napproved_by = \"jane@acme.example\"\nticket = \"COMP-1\"\nexpires = {expires}\n\n"
    )
}

#[test]
fn a_waiver_for_one_object_leaves_the_others_blocking() {
    let dir = workspace(
        "object",
        &waiver("TCC-003", "200189012345", Some("V-3307"), "2026-12-31"),
    );
    let (_, report) = check_json(&dir, LIVE);
    let tcc003: Vec<&serde_json::Value> = report["results"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "TCC-003")
        .collect();
    assert_eq!(tcc003.len(), 2);
    let waived: Vec<bool> = tcc003
        .iter()
        .map(|f| f["waiver"]["status"] == "applied")
        .collect();
    assert_eq!(
        waived.iter().filter(|w| **w).count(),
        1,
        "only the voucher is waived: {tcc003:?}"
    );
    // The CVM still trips TCC-003, so it stays in the plan and the summary.
    assert!(report["results"][0]["plan"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["ids"][0] == "TCC-003"));
    assert_eq!(report["summary"]["by_condition"]["TCC-003"], 1);
    assert_eq!(report["summary"]["waivers"]["applied"], 1);
}

#[test]
fn waivers_for_every_blocking_condition_make_the_account_eligible() {
    let config: String = [
        "TCC-001", "TCC-002", "TCC-003", "TCC-004", "TCC-005", "TCC-006", "TCC-007",
    ]
    .iter()
    .map(|id| waiver(id, "200189012345", None, "2026-12-31"))
    .collect();
    let dir = workspace("account", &config);
    let (output, report) = check_json(&dir, LIVE);
    assert_eq!(report["results"][0]["verdict"], "eligible");
    assert_eq!(
        report["results"][0]["plan"].as_array().unwrap().len(),
        0,
        "waived findings need no fix"
    );
    assert_eq!(output.status.code(), Some(0));
    // Waived findings are still reported, with reason and approver, in every format.
    let sarif = json(&closeout(
        &dir,
        &["check", &fixture(LIVE), "--format", "sarif"],
    ));
    let suppressed = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["suppressions"][0]["status"] == "accepted")
        .count();
    assert!(suppressed >= 9, "{suppressed}");
    let csv =
        String::from_utf8(closeout(&dir, &["check", &fixture(LIVE), "--format", "csv"]).stdout)
            .unwrap();
    assert!(
        csv.contains(",applied,accepted by finance,jane@acme.example"),
        "{csv}"
    );
    let human =
        String::from_utf8(closeout(&dir, &["check", &fixture(LIVE), "--color", "never"]).stdout)
            .unwrap();
    assert!(
        human.contains("waived by jane@acme.example until 2026-12-31: accepted by finance"),
        "{human}"
    );
}

#[test]
fn an_expired_waiver_no_longer_applies_and_says_so() {
    let dir = workspace(
        "expired",
        &waiver("TCC-003", "200078901234", None, "2026-11-20"),
    );
    let (output, report) = check_json(&dir, "tencentcloud/blocked-vouchers.json");
    assert_eq!(report["results"][0]["verdict"], "blocked");
    assert_eq!(
        report["results"][0]["findings"][0]["waiver"]["status"],
        "expired"
    );
    assert_eq!(report["summary"]["waivers"]["expired"], 1);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn a_waiver_that_matches_nothing_is_reported_as_stale() {
    let dir = workspace(
        "stale",
        &waiver("UKF-001", "no-such-account", None, "2027-01-31"),
    );
    let (output, report) = check_json(&dir, "tencentcloud/blocked-vouchers.json");
    assert_eq!(report["summary"]["waivers"]["stale"][0]["line"], 1);
    assert!(String::from_utf8_lossy(&output.stderr)
        .contains("warning: closeout.toml:1: waiver for UKF-001 on account no-such-account matched no finding"));
}

#[test]
fn a_bad_config_is_an_error_at_its_line() {
    let missing_reason = "[[waiver]]\nid = \"TCC-003\"\naccount = \"1\"\napproved_by = \"x\"\nexpires = 2026-12-31\n";
    let dir = workspace("bad", missing_reason);
    let output = closeout(
        &dir,
        &["check", &fixture("tencentcloud/blocked-vouchers.json")],
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("closeout.toml:1:1") && stderr.contains("reason"),
        "{stderr}"
    );

    let unknown_id = waiver("TCC-999", "1", None, "2026-12-31");
    let dir = workspace(
        "unknown",
        &format!("[defaults]\nfail_on = \"block\"\n\n{unknown_id}"),
    );
    let output = closeout(
        &dir,
        &["check", &fixture("tencentcloud/blocked-vouchers.json")],
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("closeout.toml:5:") && stderr.contains("TCC-999"),
        "{stderr}"
    );
}

#[test]
fn defaults_set_fail_on_and_the_export_age() {
    let dir = workspace(
        "defaults",
        "[defaults]\nfail_on = \"warn\"\nmax_export_age_days = 30\n",
    );
    let warned = closeout(&dir, &["check", &fixture("ukfast/warn-stale-backup.json")]);
    assert_eq!(
        warned.status.code(),
        Some(1),
        "fail_on = warn from closeout.toml"
    );
    let stale = closeout(
        &dir,
        &["check", &fixture("common/blocked-stale-export.json")],
    );
    assert_eq!(
        stale.status.code(),
        Some(0),
        "a 30-day limit clears a 20-day-old export"
    );
    // The command line wins over the file.
    let cli = closeout(
        &dir,
        &[
            "check",
            &fixture("ukfast/warn-stale-backup.json"),
            "--fail-on",
            "block",
        ],
    );
    assert_eq!(cli.status.code(), Some(0));
}

#[test]
fn the_audit_log_is_deterministic_and_appends() {
    let dir = workspace(
        "audit",
        &waiver("TCC-003", "200078901234", None, "2026-12-31"),
    );
    let args = [
        "check",
        &fixture("tencentcloud/blocked-vouchers.json"),
        &fixture(LIVE),
        "--audit-log",
        "audit.jsonl",
        "--format",
        "json",
    ];
    closeout(&dir, &args);
    closeout(&dir, &args);
    let log = std::fs::read_to_string(dir.join("audit.jsonl")).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(
        lines[0], lines[2],
        "same inputs and --now give the same record"
    );
    let record: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    let text = std::fs::read(fixture("tencentcloud/blocked-vouchers.json")).unwrap();
    assert_eq!(
        record["snapshot_sha256"],
        closeout::run::audit::sha256_hex(&text)
    );
    assert_eq!(record["verdict"], "eligible");
    assert_eq!(record["waivers_applied"][0]["id"], "TCC-003");
    assert_eq!(record["evaluated_at"], NOW);
    assert_eq!(record["policy_digest"].as_str().unwrap().len(), 64);
}
