//! The settings stage: every command reads flags, `closeout.toml` and
//! defaults the same way, and validates them before opening any file. Each
//! test pins one defect of issue 10 through the real binary.

use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::{root, tempdir};

const NOW: &str = "2026-11-21T00:00:00Z";
const VOUCHERS: &str = "fixtures/tencentcloud/blocked-vouchers.json"; // account 200078901234

fn closeout(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_closeout"))
        .current_dir(cwd)
        .args(args)
        .output()
        .unwrap()
}

fn fixture(path: &str) -> String {
    root().join(path).display().to_string()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const TCC_003_WAIVER: &str = r#"[[waiver]]
id = "TCC-003"
account = "200078901234"
reason = "voucher V-1 is void per finance"
approved_by = "jane@acme.example"
expires = 2027-01-31
"#;

/// Defect 1: `plan` ignored `closeout.toml`, so it listed a waived condition
/// as step 1 while `check` said ELIGIBLE.
#[test]
fn plan_and_check_agree_on_a_waived_finding() {
    let dir = tempdir("settings-plan-waiver");
    std::fs::write(dir.join("closeout.toml"), TCC_003_WAIVER).unwrap();
    let snapshot = fixture(VOUCHERS);

    let check = closeout(
        &dir,
        &["check", &snapshot, "--now", NOW, "--format", "json"],
    );
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(report["results"][0]["verdict"], "eligible");
    assert_eq!(report["results"][0]["plan"], serde_json::json!([]));

    let plan = closeout(&dir, &["plan", &snapshot, "--now", NOW]);
    let shown = text(&plan.stdout);
    assert_eq!(plan.status.code(), Some(0), "{shown}{}", text(&plan.stderr));
    assert!(shown.starts_with("Nothing to fix for "), "{shown}");
    assert!(!shown.contains("1. [TCC-003]"), "{shown}");
    assert!(
        shown.contains("Waived in closeout.toml (not steps):\n   - [TCC-003] "),
        "{shown}"
    );
    assert!(
        shown.contains("waived by jane@acme.example until 2027-01-31"),
        "{shown}"
    );

    // Without the file, the same plan has TCC-003 as its first step.
    let bare = tempdir("settings-plan-bare");
    let plan = closeout(&bare, &["plan", &snapshot, "--now", NOW]);
    assert_eq!(plan.status.code(), Some(1));
    assert!(
        text(&plan.stdout).contains("1. [TCC-003]"),
        "{}",
        text(&plan.stdout)
    );
}

/// Defect 2: `--no-bundled` was refused before `closeout.toml`'s packs were
/// added.
#[test]
fn no_bundled_takes_the_packs_of_closeout_toml() {
    let dir = tempdir("settings-no-bundled");
    let pack = root().join("policies");
    std::fs::write(
        dir.join("closeout.toml"),
        format!(
            "[defaults]\npolicies = [{:?}]\n",
            pack.display().to_string()
        ),
    )
    .unwrap();
    let snapshot = fixture(VOUCHERS);
    for command in [
        vec!["check", &snapshot, "--now", NOW, "--no-bundled", "--quiet"],
        vec!["plan", &snapshot, "--now", NOW, "--no-bundled"],
    ] {
        let output = closeout(&dir, &command);
        assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
        assert!(
            text(&output.stdout).contains("TCC-003"),
            "{}",
            text(&output.stdout)
        );
    }
    let output = closeout(
        &dir,
        &["conditions", "--no-bundled", "--provider", "tencentcloud"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("TCC-003"));

    // With no pack anywhere it is still refused, naming both places.
    let empty = tempdir("settings-no-bundled-empty");
    let output = closeout(&empty, &["check", &snapshot, "--no-bundled"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("--no-bundled leaves no policies")
            && text(&output.stderr).contains("closeout.toml"),
        "{}",
        text(&output.stderr)
    );
}

/// Defect 3: `--jobs 0` was reported after the output and the audit log had
/// been created, empty.
#[test]
fn a_usage_error_creates_no_file() {
    let dir = tempdir("settings-jobs-zero");
    let snapshot = fixture(VOUCHERS);
    let cases: [&[&str]; 3] = [
        &["--jobs", "0"],
        &["--now", "yesterday"],
        &["--eval-timeout", "0"],
    ];
    for bad in cases {
        let mut args = vec![
            "check",
            &snapshot,
            "--format",
            "sarif",
            "--output",
            "out.sarif",
            "--audit-log",
            "a.jsonl",
        ];
        args.extend_from_slice(bad);
        let output = closeout(&dir, &args);
        assert_eq!(output.status.code(), Some(2), "{bad:?}");
        assert!(
            text(&output.stderr).starts_with("error: "),
            "{}",
            text(&output.stderr)
        );
        assert!(
            !dir.join("out.sarif").exists(),
            "{bad:?} created the output"
        );
        assert!(
            !dir.join("a.jsonl").exists(),
            "{bad:?} created the audit log"
        );
    }
    // A waiver for an unknown condition is refused before any file is made too.
    std::fs::write(
        dir.join("closeout.toml"),
        TCC_003_WAIVER.replace("TCC-003", "TCC-999"),
    )
    .unwrap();
    let output = closeout(
        &dir,
        &[
            "check",
            &snapshot,
            "--now",
            NOW,
            "-f",
            "sarif",
            "-o",
            "out.sarif",
            "--audit-log",
            "a.jsonl",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("waiver for unknown condition TCC-999"));
    assert!(!dir.join("out.sarif").exists() && !dir.join("a.jsonl").exists());
}

/// Defect 4: a stale waiver's warning did not name `closeout.toml:LINE`.
#[test]
fn a_stale_waiver_is_named_by_file_and_line() {
    let dir = tempdir("settings-stale");
    let config = format!(
        "# waivers\n\n{}",
        TCC_003_WAIVER.replace("200078901234", "999999999999")
    );
    std::fs::write(dir.join("closeout.toml"), config).unwrap();
    let output = closeout(
        &dir,
        &["check", &fixture(VOUCHERS), "--now", NOW, "--quiet"],
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(
            "warning: closeout.toml:3: waiver for TCC-003 on account 999999999999 matched no finding"
        ),
        "{stderr}"
    );
}

/// `closeout completions SHELL` and `closeout man` come from the clap
/// definitions: every subcommand and flag is in them.
#[test]
fn completions_and_man_page_name_every_command() {
    let dir = tempdir("settings-completions");
    let bash = closeout(&dir, &["completions", "bash"]);
    assert_eq!(bash.status.code(), Some(0));
    let script = text(&bash.stdout);
    for word in [
        "check",
        "plan",
        "conditions",
        "explain",
        "init-pack",
        "--max-export-age",
        "--fail-on",
    ] {
        assert!(script.contains(word), "bash completion lacks {word}");
    }
    let man = closeout(&dir, &["man"]);
    assert_eq!(man.status.code(), Some(0));
    let page = text(&man.stdout);
    assert!(
        page.starts_with(".ie \\n(.g .ds Aq") || page.contains(".TH closeout"),
        "{page}"
    );
    assert!(page.contains("check") && page.contains("completions"));
}
