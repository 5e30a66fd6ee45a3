//! `closeout import` through the real binary: what the snapshots of the
//! saved-response cases under `fixtures/import/PROVIDER/CASE/` must carry
//! (gaps in `unknown`, manifest facts, units, no secrets), and every bad input
//! an error naming its file (and line:column in a manifest). The exact
//! snapshot, exit code and condition ids of every case are its goldens in
//! `expected/`, asserted by tests/import_golden.rs.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod common;
use common::{root, tempdir};

const NOW: &str = "2026-11-21T00:00:00Z";

fn closeout(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_closeout"))
        .current_dir(root())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    pipe.write_all(stdin.unwrap_or_default()).unwrap();
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Imports `dir` and checks the result: (import output, check exit, ids).
fn import_and_check(provider: &str, dir: &str) -> (Output, i32, BTreeSet<String>) {
    let imported = closeout(&["import", provider, dir], None);
    assert_eq!(
        imported.status.code(),
        Some(0),
        "{dir}: {}",
        stderr(&imported)
    );
    let checked = closeout(
        &["check", "-", "--format", "json", "--now", NOW],
        Some(&imported.stdout),
    );
    let report: serde_json::Value = serde_json::from_slice(&checked.stdout).unwrap();
    let result = &report["results"][0];
    assert!(result["error"].is_null(), "{dir}: {}", result["error"]);
    let ids = result["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect();
    (imported, checked.status.code().unwrap(), ids)
}

fn ids(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn a_gap_is_declared_unknown_and_named_on_stderr() {
    let (imported, _, _) = import_and_check("ukfast", "fixtures/import/ukfast/gap-no-invoices");
    let snapshot: serde_json::Value = serde_json::from_slice(&imported.stdout).unwrap();
    assert_eq!(
        snapshot["unknown"],
        serde_json::json!(["billing.invoices", "cases"])
    );
    assert!(snapshot["billing"].get("invoices").is_none(), "{snapshot}");
    let notes = stderr(&imported);
    assert!(notes.contains("unknown billing.invoices: no invoices response was saved (`ans billing invoice list -o json`)"), "{notes}");
    // GEN-003 names the path in its message.
    let checked = closeout(&["check", "-", "--now", NOW], Some(&imported.stdout));
    let text = String::from_utf8_lossy(&checked.stdout);
    assert!(text.contains("billing.invoices"), "{text}");
}

#[test]
fn the_snapshot_carries_the_manifest_facts_and_the_default_id() {
    let imported = closeout(
        &[
            "import",
            "tencentcloud",
            "fixtures/import/tencentcloud/blocked-live-account",
        ],
        None,
    );
    let snapshot: serde_json::Value = serde_json::from_slice(&imported.stdout).unwrap();
    assert_eq!(
        snapshot["snapshot_id"],
        "tencentcloud-100012345678-2026-11-20"
    );
    assert_eq!(snapshot["exported_at"], "2026-11-20T10:00:00Z");
    assert_eq!(snapshot["account"]["id"], "100012345678");
    // Fen and 10^-8 units become the currency's units; local times take +08:00.
    assert_eq!(snapshot["rights"]["cash_balance"], 50.0);
    assert_eq!(snapshot["rights"]["vouchers"][0]["balance"], 50.0);
    assert_eq!(
        snapshot["rights"]["vouchers"][0]["expires_at"],
        "2027-03-01T23:59:59+08:00"
    );
    // The owner listed by ListReceiver is not a principal to delete.
    let principals = snapshot["principals"].as_array().unwrap();
    assert_eq!(principals.len(), 1);
    assert_eq!(principals[0]["kind"], "sub_user");
    assert!(snapshot.get("unknown").is_none(), "{snapshot}");
}

#[test]
fn secrets_in_the_responses_never_reach_the_snapshot() {
    let imported = closeout(
        &[
            "import",
            "aptible",
            "fixtures/import/aptible/blocked-live-environment",
        ],
        None,
    );
    assert_eq!(imported.status.code(), Some(0), "{}", stderr(&imported));
    let text = String::from_utf8_lossy(&imported.stdout);
    let responses = std::fs::read_to_string(
        root().join("fixtures/import/aptible/blocked-live-environment/databases.json"),
    )
    .unwrap();
    assert!(
        responses.contains("SECRETPASS"),
        "the fixture holds the secret"
    );
    for secret in [
        "SECRETPASS",
        "DRAINTOKEN",
        "connection_url",
        "papertrailapp.com",
        "drain_username",
    ] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
}

#[test]
fn an_ambiguous_file_is_an_error_naming_it() {
    let output = closeout(
        &[
            "import",
            "tencentcloud",
            "fixtures/import/tencentcloud/ambiguous-empty-data",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("ambiguous-empty-data/cam-sub-accounts.json: ambiguous: the content (an empty or null listing) does not say what it lists"),
        "{}",
        stderr(&output)
    );
    // The same file, mapped in the manifest, imports.
    let dir = copy_case("tencentcloud/ambiguous-empty-data", "ambiguous-mapped");
    append(
        &dir.join("closeout-import.toml"),
        "\n[files]\n\"cam-sub-accounts.json\" = \"users\"\n",
    );
    let output = closeout(&["import", "tencentcloud", dir.to_str().unwrap()], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

/// A copy of `fixtures/import/CASE` in a scratch directory.
fn copy_case(case: &str, name: &str) -> PathBuf {
    let dir = tempdir(name);
    for entry in std::fs::read_dir(root().join("fixtures/import").join(case)).unwrap() {
        let path = entry.unwrap().path();
        // The goldens under expected/ are not part of the case's input.
        if path.is_dir() {
            continue;
        }
        std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
    }
    dir
}

fn append(path: &Path, text: &str) {
    let mut file = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

fn import_error(provider: &str, dir: &Path) -> String {
    let output = closeout(&["import", provider, dir.to_str().unwrap()], None);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(output.stdout.is_empty());
    stderr(&output)
}

#[test]
fn pages_merge_and_a_missing_page_is_an_error() {
    let imported = closeout(
        &[
            "import",
            "ukfast",
            "fixtures/import/ukfast/blocked-vpc-invoice",
        ],
        None,
    );
    let snapshot: serde_json::Value = serde_json::from_slice(&imported.stdout).unwrap();
    let instances: Vec<&str> = snapshot["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "ukfast.ecloud_vpc_instance")
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(instances, ["i-3f2a1b0c", "i-9e8d7c6b"]);

    let dir = copy_case("ukfast/blocked-vpc-invoice", "page-gap");
    std::fs::remove_file(dir.join("instances.p2.json")).unwrap();
    let error = import_error("ukfast", &dir);
    assert!(
        error.contains("instances.p1.json: instances has 2 pages but page 2 is missing"),
        "{error}"
    );

    // Aptible HAL: total_count 2 at per_page 1 is two pages.
    let dir = copy_case("aptible/blocked-live-environment", "hal-gap");
    std::fs::remove_file(dir.join("stacks.p1.json")).unwrap();
    let error = import_error("aptible", &dir);
    assert!(
        error.contains("stacks has 2 pages but page 1 is missing"),
        "{error}"
    );
}

#[test]
fn manifest_errors_name_line_and_column() {
    let dir = copy_case("ukfast/eligible-emptied", "manifest-error");
    let manifest = dir.join("closeout-import.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace(
            "exported_at = 2026-11-20T10:00:00Z",
            "exported_at = \"last tuesday\"",
        ),
    )
    .unwrap();
    let error = import_error("ukfast", &dir);
    assert!(
        error.contains(
            "closeout-import.toml:2:15: exported_at \"last tuesday\" is not an RFC 3339 time"
        ),
        "{error}"
    );

    std::fs::write(
        &manifest,
        format!("{text}\n[files]\n\"nope.json\" = \"instances\"\n"),
    )
    .unwrap();
    let error = import_error("ukfast", &dir);
    let line = text.lines().count() + 3;
    assert!(
        error.contains(&format!(
            "closeout-import.toml:{line}:15: [files] names \"nope.json\""
        )),
        "{error}"
    );
}

#[test]
fn contradictions_empty_files_and_api_errors_are_errors_naming_the_file() {
    // A deal paid by another account: the directory mixes accounts.
    let dir = copy_case("tencentcloud/eligible-released", "two-accounts");
    let deals = dir.join("deals.json");
    let text = std::fs::read_to_string(&deals)
        .unwrap()
        .replace("\"Payer\": \"100012345678\"", "\"Payer\": \"100099999999\"");
    std::fs::write(&deals, text).unwrap();
    let error = import_error("tencentcloud", &dir);
    assert!(
        error.contains("deals.json: the responses are of two accounts"),
        "{error}"
    );

    // tccli leaves the file empty when the call failed.
    let dir = copy_case("tencentcloud/eligible-released", "empty-file");
    std::fs::write(dir.join("balance.json"), "").unwrap();
    let error = import_error("tencentcloud", &dir);
    assert!(error.contains("balance.json: the file is empty"), "{error}");

    // The API's error envelope names the API's message.
    let dir = copy_case("tencentcloud/eligible-released", "api-error");
    std::fs::write(
        dir.join("cvm-ap-guangzhou.json"),
        r#"{"Response": {"Error": {"Code": "AuthFailure.SecretIdNotFound", "Message": "The SecretId is not found"}, "RequestId": "x"}}"#,
    )
    .unwrap();
    let error = import_error("tencentcloud", &dir);
    assert!(error.contains("cvm-ap-guangzhou.json: the saved response is the API's error, not data: AuthFailure.SecretIdNotFound: The SecretId is not found"), "{error}");

    // A file no importer recognises, unless skipped.
    let dir = copy_case("aptible/eligible-deprovisioned", "unrecognised");
    std::fs::write(dir.join("notes.json"), r#"{"hello": "world"}"#).unwrap();
    let error = import_error("aptible", &dir);
    assert!(
        error.contains("notes.json: not a response the aptible import reads"),
        "{error}"
    );
    let output = closeout(
        &[
            "import",
            "aptible",
            dir.to_str().unwrap(),
            "--skip-unrecognised",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0));
    assert!(stderr(&output).contains("skipped"), "{}", stderr(&output));

    // Invalid JSON: the file and its line:column.
    let dir = copy_case("ukfast/eligible-emptied", "bad-json");
    std::fs::write(dir.join("vpcs.json"), "[\n  {\"id\": \"vpc-1\",}\n]\n").unwrap();
    let error = import_error("ukfast", &dir);
    assert!(error.contains("vpcs.json:2:18: invalid JSON"), "{error}");
}

#[test]
fn several_directories_give_json_lines_and_one_output_file_a_pretty_snapshot() {
    let output = closeout(
        &[
            "import",
            "tencentcloud",
            "fixtures/import/tencentcloud/eligible-released",
            "fixtures/import/tencentcloud/blocked-live-account",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    let checked = closeout(
        &["check", "-", "--now", NOW, "--quiet"],
        Some(text.as_bytes()),
    );
    assert_eq!(checked.status.code(), Some(1));

    let dir = tempdir("import-output");
    let target = dir.join("acme.snapshot.json");
    std::fs::write(&target, "old").unwrap();
    // An error: the previous file stays as it was.
    let failed = closeout(
        &[
            "import",
            "aptible",
            "fixtures/import/aptible/missing-exported-at",
            "-o",
            target.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(failed.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
    let written = closeout(
        &[
            "import",
            "aptible",
            "fixtures/import/aptible/eligible-deprovisioned",
            "-o",
            target.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(written.status.code(), Some(0), "{}", stderr(&written));
    let text = std::fs::read_to_string(&target).unwrap();
    assert!(text.starts_with("{\n"), "pretty: {text}");
    let checked = closeout(&["check", target.to_str().unwrap(), "--now", NOW], None);
    assert_eq!(checked.status.code(), Some(0));
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "no temporary file left"
    );
}

#[test]
fn unknown_providers_and_other_providers_responses_are_refused() {
    let output = closeout(
        &["import", "azure", "fixtures/import/ukfast/eligible-emptied"],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains(
            "unknown provider \"azure\": import reads ukfast, aptible, tencentcloud or sipstation"
        ),
        "{}",
        stderr(&output)
    );
    // ANS responses are no SIPStation template: an error, not an empty account.
    let output = closeout(
        &[
            "import",
            "sipstation",
            "fixtures/import/ukfast/eligible-emptied",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("contacts.json: not a SIPStation template file"),
        "{}",
        stderr(&output)
    );
}

/// SIPStation has no API: its template (CSV or JSON beside the manifest)
/// imports to the verdict the stated facts justify, and port-outs that are
/// not stated are unknown, never "none".
#[test]
fn sipstation_imports_from_its_template() {
    let cases: [(&str, i32, &[&str]); 3] = [
        ("blocked-port-in-flight", 1, &["SIP-001"]),
        ("eligible-ported", 0, &[]),
        ("gap-no-port-outs", 1, &["GEN-003"]),
    ];
    for (case, exit, expected) in cases {
        let dir = format!("fixtures/import/sipstation/{case}");
        let (imported, code, found) = import_and_check("sipstation", &dir);
        assert_eq!(code, exit, "{dir}");
        assert_eq!(found, ids(expected), "{dir}");
        let snapshot: serde_json::Value = serde_json::from_slice(&imported.stdout).unwrap();
        let unknown = snapshot["unknown"].clone();
        if case == "gap-no-port-outs" {
            assert_eq!(unknown, serde_json::json!(["telephony.port_outs"]), "{dir}");
            assert!(snapshot["telephony"].get("port_outs").is_none(), "{dir}");
            assert!(
                stderr(&imported).contains("unknown telephony.port_outs"),
                "{}",
                stderr(&imported)
            );
        } else {
            assert!(unknown.is_null(), "{dir}: {unknown}");
        }
    }
    // The CSV cells become the contract's words.
    let (imported, _, _) = import_and_check(
        "sipstation",
        "fixtures/import/sipstation/blocked-port-in-flight",
    );
    let snapshot: serde_json::Value = serde_json::from_slice(&imported.stdout).unwrap();
    assert_eq!(
        snapshot["telephony"]["dids"][1],
        serde_json::json!({"number": "+12565550104", "location_id": "loc-1", "disposition": "not_needed"})
    );
    assert_eq!(
        snapshot["telephony"]["port_outs"][0]["numbers"],
        serde_json::json!(["+12565550100"])
    );
}

/// Stating "none" (by the manifest or a header-only CSV) clears the gap;
/// stating nothing for each list leaves all three and the cycle unknown.
#[test]
fn sipstation_lists_are_unknown_until_stated() {
    let dir = copy_case("sipstation/gap-no-port-outs", "sip-none");
    std::fs::write(dir.join("port_outs.csv"), "id,status\n").unwrap();
    let (imported, code, found) = import_and_check("sipstation", dir.to_str().unwrap());
    let snapshot: serde_json::Value = serde_json::from_slice(&imported.stdout).unwrap();
    assert_eq!(snapshot["telephony"]["port_outs"], serde_json::json!([]));
    assert!(snapshot["unknown"].is_null(), "{}", snapshot["unknown"]);
    assert_eq!((code, found), (0, ids(&[])));

    let dir = tempdir("sip-bare");
    std::fs::write(
        dir.join("closeout-import.toml"),
        "exported_at = 2026-11-20T10:00:00Z\ncases = []\n[account]\nid = \"SS-1\"\n[request]\nrequested_date = 2026-12-14\nreason = \"r\"\nconfirmed = true\n",
    )
    .unwrap();
    let (imported, code, found) = import_and_check("sipstation", dir.to_str().unwrap());
    let snapshot: serde_json::Value = serde_json::from_slice(&imported.stdout).unwrap();
    assert_eq!(
        snapshot["unknown"],
        serde_json::json!([
            "billing.cycle_end",
            "telephony.dids",
            "telephony.port_outs",
            "telephony.services"
        ])
    );
    assert_eq!((code, found), (1, ids(&["GEN-003"])));

    append(
        &dir.join("closeout-import.toml"),
        "[billing]\ncycle_end = 2026-12-14\n[telephony]\nport_outs = []\n",
    );
    append(&dir.join("closeout-import.toml"), "");
    let mut text = std::fs::read_to_string(dir.join("closeout-import.toml")).unwrap();
    text = text.replace(
        "cases = []\n",
        "cases = []\nnone = [\"dids\", \"services\"]\n",
    );
    std::fs::write(dir.join("closeout-import.toml"), text).unwrap();
    let (imported, code, found) = import_and_check("sipstation", dir.to_str().unwrap());
    let snapshot: serde_json::Value = serde_json::from_slice(&imported.stdout).unwrap();
    assert!(snapshot["unknown"].is_null(), "{}", snapshot["unknown"]);
    assert_eq!((code, found), (0, ids(&[])));
}

/// Every bad template input is an error naming the file (and its line and
/// column where it has one), exit 2, and nothing on standard output.
#[test]
fn sipstation_template_errors_name_file_line_and_column() {
    let error = import_error(
        "sipstation",
        &root().join("fixtures/import/sipstation/bad-disposition"),
    );
    assert!(
        error.contains("bad-disposition/dids.csv:3:20: disposition \"portd\" is not one of undecided, porting, ported, moved, not_needed"),
        "{error}"
    );
    let case = "sipstation/blocked-port-in-flight";
    let cases: [(&str, &str, &str, &str); 7] = [
        (
            "unknown column",
            "services.csv",
            "id,kind,location,status\ntrunk-1,trunk,loc-1,active\n",
            "services.csv:1:9: unknown column \"location\"",
        ),
        (
            "a date",
            "port_outs.csv",
            "id,status,foc_date\nPO-3,authorized,12/01/2026\n",
            "port_outs.csv:2:17: foc_date \"12/01/2026\" is not a date",
        ),
        (
            "empty",
            "services.csv",
            "",
            "services.csv: the file is empty",
        ),
        (
            "a row too long",
            "dids.csv",
            "number,disposition\n+1,ported,extra\n",
            "dids.csv:2:1: this row has 3 cells, the header row 2",
        ),
        (
            "a required cell",
            "port_outs.csv",
            "id,status\nPO-3,\n",
            "port_outs.csv:2:6: status is empty",
        ),
        (
            "a name and content that disagree",
            "services.csv",
            "number,disposition\n+1,ported\n",
            "the file is named as services but its columns are those of dids",
        ),
        (
            "JSON with a bad key",
            "services.json",
            "[{\"id\": \"t\", \"kind\": \"trunk\", \"status\": \"active\", \"password\": \"x\"}]",
            "unknown key \"password\"",
        ),
    ];
    for (what, file, text, expected) in cases {
        let dir = copy_case(case, "sip-bad");
        // A JSON file replaces the CSV of its list (one file per list).
        let _ = std::fs::remove_file(dir.join(file.replace(".json", ".csv")));
        std::fs::write(dir.join(file), text).unwrap();
        let error = import_error("sipstation", &dir);
        assert!(error.contains(expected), "{what}: {error}");
        assert!(!error.contains("password\": \"x"), "{error}");
    }
    // Two files of one list, an unrecognised file, a manifest contradicting
    // the template.
    let dir = copy_case(case, "sip-twice");
    std::fs::write(dir.join("dids.json"), "[]").unwrap();
    assert!(import_error("sipstation", &dir).contains("already gives the dids: one file per list"));
    let dir = copy_case(case, "sip-other");
    std::fs::write(dir.join("notes.csv"), "a,b\n1,2\n").unwrap();
    let error = import_error("sipstation", &dir);
    assert!(
        error.contains("notes.csv: not a SIPStation template file"),
        "{error}"
    );
    let skipped = closeout(
        &[
            "import",
            "sipstation",
            dir.to_str().unwrap(),
            "--skip-unrecognised",
        ],
        None,
    );
    assert_eq!(skipped.status.code(), Some(0), "{}", stderr(&skipped));
    assert!(stderr(&skipped).contains("skipped"), "{}", stderr(&skipped));
    let dir = copy_case(case, "sip-contradiction");
    append(
        &dir.join("closeout-import.toml"),
        "[telephony]\nport_outs = []\n",
    );
    let error = import_error("sipstation", &dir);
    assert!(
        error.contains("the manifest states telephony.port_outs = []"),
        "{error}"
    );
}

/// ANS shapes that must never read as "done": an outstanding balance sent
/// as a string beside `paid: true` is owed (UKF-008), and an instance whose
/// delete completed while a task still runs on it is not yet gone (UKF-004).
#[test]
fn ukfast_string_balances_and_running_tasks_still_block() {
    let dir = copy_case("ukfast/eligible-emptied", "ukf-owed");
    let invoices = std::fs::read_to_string(dir.join("invoices.json")).unwrap();
    let owed = invoices.replace("\"outstanding\": 0.0", "\"outstanding\": \"144.00\"");
    assert_ne!(owed, invoices);
    std::fs::write(dir.join("invoices.json"), owed).unwrap();
    let (_, code, found) = import_and_check("ukfast", dir.to_str().unwrap());
    assert_eq!((code, found), (1, ids(&["UKF-008", "UKF-009"])));

    let dir = copy_case("ukfast/eligible-emptied", "ukf-task");
    let instances = std::fs::read_to_string(dir.join("instances.json")).unwrap();
    let running = instances.replace(
        "\"online\": true,",
        "\"task\": {\"id\": \"task-1\", \"in_progress\": true},\n      \"online\": true,",
    );
    assert_ne!(running, instances);
    std::fs::write(dir.join("instances.json"), running).unwrap();
    let (imported, code, found) = import_and_check("ukfast", dir.to_str().unwrap());
    let snapshot: serde_json::Value = serde_json::from_slice(&imported.stdout).unwrap();
    assert_eq!(snapshot["resources"][0]["state"], "changing");
    // Still there (UKF-004), holding data (UKF-007), a change in flight (UKF-011).
    assert_eq!(
        (code, found),
        (1, ids(&["UKF-004", "UKF-007", "UKF-009", "UKF-011"]))
    );

    let dir = copy_case("ukfast/eligible-emptied", "ukf-bad-amount");
    std::fs::write(
        dir.join("invoices.json"),
        invoices.replace("\"outstanding\": 0.0", "\"outstanding\": \"n/a\""),
    )
    .unwrap();
    let message = import_error("ukfast", &dir);
    assert!(
        message.contains("invoices.json: 80122 outstanding: \"n/a\" is not an amount"),
        "{message}"
    );
}

/// `aptible backup:list` shows one month and `backup:orphaned` one year
/// unless `--max-age` says otherwise, and the output does not say which:
/// without the manifest's statement that they were saved in full, the
/// backups are unknown (GEN-003), never "none older".
#[test]
fn aptible_cli_backup_listings_are_unknown_unless_stated_in_full() {
    let dir = copy_case("aptible/eligible-deprovisioned", "apt-max-age");
    let manifest = dir.join("closeout-import.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let unstated = text.replace("backups_listed_in_full = true\n", "");
    assert_ne!(unstated, text);
    std::fs::write(&manifest, &unstated).unwrap();
    let (imported, code, found) = import_and_check("aptible", dir.to_str().unwrap());
    let snapshot: serde_json::Value = serde_json::from_slice(&imported.stdout).unwrap();
    // (billing is always unknown for Aptible: no API; no condition reads it)
    assert_eq!(
        snapshot["unknown"],
        serde_json::json!(["billing", "resources"])
    );
    assert_eq!((code, found), (1, ids(&["GEN-003"])));
    assert!(
        stderr(&imported)
            .contains("orphaned_backups.json: the CLI lists only backups newer than --max-age"),
        "{}",
        stderr(&imported)
    );

    // The statement is Aptible's alone.
    let dir = copy_case("ukfast/eligible-emptied", "ukf-max-age");
    let manifest = dir.join("closeout-import.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, format!("backups_listed_in_full = true\n{text}")).unwrap();
    let message = import_error("ukfast", &dir);
    assert!(
        message.contains("closeout-import.toml:1:26: backups_listed_in_full is about the aptible CLI's backup listings, not ukfast"),
        "{message}"
    );
}

/// Outside mainland China `CashAccountBalance` is "not applied" and may read
/// 0 beside a real balance: the balance left is the largest the response
/// states, so the money still blocks (TCC-003).
#[test]
fn tencent_cash_balance_is_the_largest_stated() {
    let dir = copy_case("tencentcloud/eligible-released", "tcc-balance");
    let balance = std::fs::read_to_string(dir.join("balance.json")).unwrap();
    let real = balance
        .replace("\"Balance\": 0,", "\"Balance\": 5000,")
        .replace("\"RealBalance\": 0,", "\"RealBalance\": 5000,");
    assert_ne!(real, balance);
    std::fs::write(dir.join("balance.json"), real).unwrap();
    let (imported, code, found) = import_and_check("tencentcloud", dir.to_str().unwrap());
    let snapshot: serde_json::Value = serde_json::from_slice(&imported.stdout).unwrap();
    assert_eq!(snapshot["rights"]["cash_balance"], serde_json::json!(50.0));
    assert_eq!((code, found), (1, ids(&["TCC-003", "TCC-012"])));
}

/// A list the responses fill is only added to by the manifest: keys stated
/// by hand cannot prove that an unsaved `ListAccessKeys` lists none, so the
/// gap stays (GEN-003); only `none` clears it.
#[test]
fn entries_stated_by_hand_never_cover_a_missing_listing() {
    let dir = copy_case("tencentcloud/eligible-released", "tcc-keys-by-hand");
    std::fs::remove_file(dir.join("access_keys.root.json")).unwrap();
    let manifest = dir.join("closeout-import.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        format!("api_keys = [{{ id = \"AKIDold\", owner = \"100012345678\", status = \"deleted\" }}]\n{text}"),
    )
    .unwrap();
    let (imported, code, found) = import_and_check("tencentcloud", dir.to_str().unwrap());
    let snapshot: serde_json::Value = serde_json::from_slice(&imported.stdout).unwrap();
    assert_eq!(snapshot["unknown"], serde_json::json!(["api_keys"]));
    assert_eq!((code, found), (1, ids(&["GEN-003", "TCC-012"])));

    std::fs::write(&manifest, format!("none = [\"access_keys\"]\n{text}")).unwrap();
    let (imported, code, found) = import_and_check("tencentcloud", dir.to_str().unwrap());
    let snapshot: serde_json::Value = serde_json::from_slice(&imported.stdout).unwrap();
    assert!(snapshot["unknown"].is_null(), "{}", snapshot["unknown"]);
    assert_eq!((code, found), (0, ids(&["TCC-012"])));
}

/// A negative available balance (spending on credit) is owed even while
/// `OweAmount` reads 0 (TCC-002), and `CashAccountBalance` alone, which may
/// read 0 beside a real balance, leaves the cash unknown (GEN-003).
#[test]
fn tencent_credit_debt_is_owed_and_cash_account_alone_is_unknown() {
    let dir = copy_case("tencentcloud/eligible-released", "tcc-credit");
    let balance = std::fs::read_to_string(dir.join("balance.json")).unwrap();
    let credit = balance
        .replace("\"Balance\": 0,", "\"Balance\": -500000,")
        .replace("\"RealBalance\": 0,", "\"RealBalance\": -500000,");
    assert_ne!(credit, balance);
    std::fs::write(dir.join("balance.json"), credit).unwrap();
    let (imported, code, found) = import_and_check("tencentcloud", dir.to_str().unwrap());
    let snapshot: serde_json::Value = serde_json::from_slice(&imported.stdout).unwrap();
    assert_eq!(
        snapshot["billing"]["invoices"][0]["amount_due"],
        serde_json::json!(5000.0)
    );
    assert_eq!(code, 1);
    assert!(found.contains("TCC-002"), "{found:?}");

    let alone = balance
        .replace("\"Balance\": 0,", "\"Balance\": null,")
        .replace("\"RealBalance\": 0,", "");
    std::fs::write(dir.join("balance.json"), alone).unwrap();
    let (imported, code, found) = import_and_check("tencentcloud", dir.to_str().unwrap());
    let snapshot: serde_json::Value = serde_json::from_slice(&imported.stdout).unwrap();
    assert_eq!(
        snapshot["unknown"],
        serde_json::json!(["rights.cash_balance"])
    );
    assert_eq!((code, found), (1, ids(&["GEN-003", "TCC-012"])));
}

/// Invoices or vouchers written into the manifest's tables never stand in
/// for the listing nobody saved: the gap stays (GEN-003); only `none` clears it.
#[test]
fn table_lists_stated_by_hand_never_cover_a_missing_listing() {
    let dir = copy_case("ukfast/gap-no-invoices", "ukf-invoices-by-hand");
    let manifest = dir.join("closeout-import.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, format!("cases = []\n{text}\n[[billing.invoices]]\nid = \"1\"\namount_due = 0\nstatus = \"paid\"\n")).unwrap();
    let (imported, code, found) = import_and_check("ukfast", dir.to_str().unwrap());
    let snapshot: serde_json::Value = serde_json::from_slice(&imported.stdout).unwrap();
    assert_eq!(snapshot["unknown"], serde_json::json!(["billing.invoices"]));
    assert_eq!((code, found), (1, ids(&["GEN-003", "UKF-009"])));

    let dir = copy_case("tencentcloud/gap-no-vouchers", "tcc-vouchers-by-hand");
    append(
        &dir.join("closeout-import.toml"),
        "\n[[rights.vouchers]]\nid = \"v1\"\nbalance = 0\nstatus = \"used\"\n",
    );
    let (imported, code, found) = import_and_check("tencentcloud", dir.to_str().unwrap());
    let snapshot: serde_json::Value = serde_json::from_slice(&imported.stdout).unwrap();
    assert_eq!(snapshot["unknown"], serde_json::json!(["rights.vouchers"]));
    assert_eq!((code, found), (1, ids(&["GEN-003", "TCC-012"])));
}

/// Every Tencent account has a balance (which also gives its arrears): `none`
/// may not name it, and the error points at the manifest's line:column.
#[test]
fn none_may_not_name_a_response_every_account_has() {
    let dir = copy_case("tencentcloud/eligible-released", "tcc-none-balance");
    std::fs::remove_file(dir.join("balance.json")).unwrap();
    let manifest = dir.join("closeout-import.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, format!("none = [\"balance\"]\n{text}")).unwrap();
    let error = import_error("tencentcloud", &dir);
    assert!(
        error.contains("closeout-import.toml:1:9: none names \"balance\", but every tencentcloud account has its balance response"),
        "{error}"
    );
}

/// Frozen money is still the account's (TCC-003); a balance that is not an
/// amount is an error naming the file, never a gap or a zero.
#[test]
fn tencent_frozen_money_blocks_and_a_bad_amount_is_an_error() {
    let dir = copy_case("tencentcloud/eligible-released", "tcc-frozen");
    let balance = std::fs::read_to_string(dir.join("balance.json")).unwrap();
    let frozen = balance.replace("\"FreezeAmount\": 0,", "\"FreezeAmount\": 12000,");
    assert_ne!(frozen, balance);
    std::fs::write(dir.join("balance.json"), frozen).unwrap();
    let (imported, code, found) = import_and_check("tencentcloud", dir.to_str().unwrap());
    let snapshot: serde_json::Value = serde_json::from_slice(&imported.stdout).unwrap();
    assert_eq!(snapshot["rights"]["cash_balance"], serde_json::json!(120.0));
    assert_eq!((code, found), (1, ids(&["TCC-003", "TCC-012"])));

    let bad = balance.replace("\"OweAmount\": 0,", "\"OweAmount\": \"n/a\",");
    assert_ne!(bad, balance);
    std::fs::write(dir.join("balance.json"), bad).unwrap();
    let error = import_error("tencentcloud", &dir);
    assert!(
        error.contains("balance.json: OweAmount: \"n/a\" is not an amount"),
        "{error}"
    );
}

/// An empty `InstanceSet` may be any product's (Redis, Lighthouse...): it
/// cannot stand in for the CVM listing unless its name says it is one.
#[test]
fn an_empty_listing_other_products_share_needs_its_name() {
    let dir = copy_case("tencentcloud/eligible-released", "tcc-redis-empty");
    std::fs::rename(
        dir.join("cvm-ap-guangzhou.json"),
        dir.join("redis-ap-guangzhou.json"),
    )
    .unwrap();
    let error = import_error("tencentcloud", &dir);
    assert!(
        error.contains("redis-ap-guangzhou.json: ambiguous: the content (an empty or null listing) does not say what it lists"),
        "{error}"
    );
}

/// A HAL page that links a next page without a `total_count` cannot show
/// every page was saved: an error naming it.
#[test]
fn aptible_next_page_without_a_count_is_an_error() {
    let dir = copy_case("aptible/eligible-deprovisioned", "apt-next");
    let stacks = std::fs::read_to_string(dir.join("stacks.json")).unwrap();
    let linked = stacks
        .replace(
            "\"href\": \"https://api.aptible.com/stacks?page=1\"\n    }",
            "\"href\": \"https://api.aptible.com/stacks?page=1\"\n    },\n    \"next\": { \"href\": \"https://api.aptible.com/stacks?page=2\" }",
        )
        .replace(",\n  \"total_count\": 1", "");
    assert!(linked.contains("page=2") && !linked.contains("total_count"));
    std::fs::write(dir.join("stacks.json"), linked).unwrap();
    let error = import_error("aptible", &dir);
    assert!(
        error.contains(
            "stacks.json: the page links a next page (_links.next) but gives no total_count"
        ),
        "{error}"
    );
}

/// ANS writes a missing date as 0000-00-00: the error names the recurring
/// costs file, not the manifest.
#[test]
fn ukfast_zero_dates_are_an_error_naming_the_file() {
    let dir = copy_case("ukfast/eligible-emptied", "ukf-zero-date");
    let costs = std::fs::read_to_string(dir.join("recurring_costs.json")).unwrap();
    let zero = costs.replace("\"2026-03-31\"", "\"0000-00-00\"");
    assert_ne!(zero, costs);
    std::fs::write(dir.join("recurring_costs.json"), zero).unwrap();
    let error = import_error("ukfast", &dir);
    assert!(
        error.contains("recurring_costs.json: recurring cost ")
            && error.contains("\"0000-00-00\" is not a date (YYYY-MM-DD)"),
        "{error}"
    );
}

/// No Tencent response says which regions the account uses: without
/// `regions` in the manifest, or with a stated region whose listings were
/// not saved, the resources stay unknown (GEN-003); a listing of a region
/// not stated is an error at the manifest's `regions`.
#[test]
fn tencent_regions_are_stated_and_each_is_saved() {
    let dir = copy_case("tencentcloud/eligible-released", "tcc-regions");
    let manifest = dir.join("closeout-import.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let line = "regions = [\"ap-guangzhou\"]";
    assert!(text.contains(line));
    let with = |regions: &str| {
        let lines: Vec<&str> = text
            .lines()
            .map(|l| if l.starts_with(line) { regions } else { l })
            .collect();
        std::fs::write(&manifest, lines.join("\n")).unwrap();
    };
    with("");
    let (imported, code, found) = import_and_check("tencentcloud", dir.to_str().unwrap());
    let snapshot: serde_json::Value = serde_json::from_slice(&imported.stdout).unwrap();
    assert_eq!(snapshot["unknown"], serde_json::json!(["resources"]));
    assert_eq!((code, found), (1, ids(&["GEN-003", "TCC-012"])));
    assert!(
        stderr(&imported).contains("unknown resources: the manifest does not state the regions")
    );

    with("regions = [\"ap-guangzhou\", \"ap-shanghai\"]");
    let (imported, code, found) = import_and_check("tencentcloud", dir.to_str().unwrap());
    assert!(
        stderr(&imported).contains("no cvm listing of region ap-shanghai (cvm-ap-shanghai.json)")
    );
    assert_eq!((code, found), (1, ids(&["GEN-003", "TCC-012"])));

    with(line);
    std::fs::copy(
        dir.join("cvm-ap-guangzhou.json"),
        dir.join("cvm-ap-beijing.json"),
    )
    .unwrap();
    let error = import_error("tencentcloud", &dir);
    assert!(
        error.contains("closeout-import.toml:3:11: ") && error.contains("cvm-ap-beijing.json is a listing of region \"ap-beijing\", which regions does not list"),
        "{error}"
    );
}
