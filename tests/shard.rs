//! `check --shard K/N` and `closeout merge` through the real binary (issue 14):
//! shards disjoint and complete, each snapshot in the shard the documented
//! hash names, errors in exactly one shard, usage errors, and merges that
//! reproduce the unsharded run byte for byte or refuse with file and line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use closeout::run::shard::shard_of;

mod common;
use common::{root, tempdir};

const NOW: &str = "2026-11-21T00:00:00Z";

fn closeout(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_closeout"))
        .current_dir(root())
        .args(args)
        .args(["--color", "never"])
        .env("COLUMNS", "100")
        .output()
        .unwrap()
}

fn code(output: &Output) -> i32 {
    output.status.code().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A JSON Lines file of every fixture, one per line, with a line that is not
/// JSON and one that breaks the contract but names its snapshot_id.
fn stream(dir: &Path) -> PathBuf {
    let mut text = String::new();
    for provider in ["aptible", "sipstation", "tencentcloud", "ukfast"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures").join(provider))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for file in files {
            let value: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
            // Distinct ids from the directory's copies of the same fixtures.
            let mut value = value;
            let id = value["snapshot_id"].as_str().unwrap().to_string();
            value["snapshot_id"] = format!("line-{id}").into();
            text.push_str(&serde_json::to_string(&value).unwrap());
            text.push('\n');
        }
    }
    text.push_str("{\"broken\": \n");
    text.push_str("{\"schema_version\": 1, \"snapshot_id\": \"schema-broken\"}\n");
    let path = dir.join("stream.jsonl");
    std::fs::write(&path, text).unwrap();
    path
}

/// Every input kind: files in a walk, broken files, lines of a stream.
fn inputs(dir: &Path) -> Vec<String> {
    vec![
        "fixtures".into(),
        "tests/data/invalid".into(),
        stream(dir).display().to_string(),
    ]
}

fn check_json(inputs: &[String], extra: &[&str]) -> (i32, serde_json::Value) {
    let mut args: Vec<&str> = vec!["check", "--now", NOW, "--format", "json"];
    args.extend(inputs.iter().map(String::as_str));
    args.extend(extra);
    let output = closeout(&args);
    let report = serde_json::from_slice(&output.stdout).expect("one JSON document");
    (code(&output), report)
}

/// The shard key of a result: its snapshot id, or its source.
fn key(result: &serde_json::Value) -> String {
    result["snapshot_id"]
        .as_str()
        .or(result["source"].as_str())
        .unwrap()
        .to_string()
}

#[test]
fn the_shards_of_any_count_are_disjoint_and_hold_every_snapshot_once() {
    let dir = tempdir("shard-complete");
    let inputs = inputs(&dir);
    let (whole_code, whole) = check_json(&inputs, &[]);
    assert_eq!(whole_code, 2, "the inputs hold errors");
    let all: Vec<(String, String)> = whole["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["source"].as_str().unwrap().to_string(), key(r)))
        .collect();
    assert!(all.len() > 100, "{}", all.len());
    for count in [1u32, 2, 3, 5, 8, 13] {
        let mut seen: BTreeMap<String, u32> = BTreeMap::new();
        for index in 1..=count {
            let shard = format!("{index}/{count}");
            let (_, report) = check_json(&inputs, &["--shard", &shard]);
            assert_eq!(
                report["summary"]["shard"],
                serde_json::json!({"index": index, "count": count})
            );
            let results = report["results"].as_array().unwrap();
            assert_eq!(report["summary"]["snapshots"], results.len());
            for result in results {
                let source = result["source"].as_str().unwrap().to_string();
                assert_eq!(shard_of(&key(result), count), index, "{source} in {shard}");
                if let Some(other) = seen.insert(source.clone(), index) {
                    panic!("{source} in shards {other} and {index} of {count}");
                }
            }
        }
        let sources: Vec<&String> = all.iter().map(|(s, _)| s).collect();
        assert_eq!(seen.keys().collect::<Vec<_>>(), {
            let mut s = sources.clone();
            s.sort();
            s
        });
    }
}

#[test]
fn a_snapshot_that_cannot_be_read_is_in_the_shard_of_its_source_only() {
    for path in [
        "tests/data/invalid/truncated.json",
        "tests/data/invalid/invalid-utf8.json",
        "tests/data/invalid/no-such-file.json",
    ] {
        let home = shard_of(path, 4);
        for index in 1..=4 {
            let shard = format!("{index}/4");
            let output = closeout(&["check", path, "--now", NOW, "--shard", &shard, "-q"]);
            let text = stdout(&output);
            if index == home {
                assert_eq!(code(&output), 2, "{text}");
                assert!(text.contains(&format!("ERROR {path}")), "{text}");
                assert!(
                    text.contains(&format!(
                        "shard {shard}: 1 snapshot checked: 0 eligible, 0 blocked, 1 error"
                    )),
                    "{text}"
                );
            } else {
                assert_eq!(code(&output), 0, "{text}");
                assert!(
                    text.contains(&format!("shard {shard}: 0 snapshots checked")),
                    "{text}"
                );
            }
        }
    }
}

#[test]
fn one_fixture_is_in_the_shard_its_pinned_hash_names() {
    let path = "fixtures/tencentcloud/blocked-vouchers.json";
    // shard.rs pins SipHash-2-4("tc-vouchers-2026-11-20") = 0x19109db89a59e914.
    assert_eq!(shard_of("tc-vouchers-2026-11-20", 4), 1);
    let output = closeout(&[
        "check", path, "--now", NOW, "--shard", "1/4", "--format", "json",
    ]);
    assert_eq!(code(&output), 1);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["snapshot_id"], "tc-vouchers-2026-11-20");
    assert_eq!(results[0]["verdict"], "blocked");
    let ids: Vec<&str> = results[0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["TCC-003", "TCC-012"]);
    for shard in ["2/4", "3/4", "4/4"] {
        let output = closeout(&["check", path, "--now", NOW, "--shard", shard]);
        assert_eq!(code(&output), 0, "{shard}");
        assert_eq!(
            stdout(&output),
            format!("shard {shard}: 0 snapshots checked: 0 eligible, 0 blocked, 0 errors\n")
        );
    }
    let output = closeout(&[
        "check", path, "--now", NOW, "--shard", "1/4", "--format", "markdown",
    ]);
    assert!(stdout(&output).contains("Shard 1/4 of a sharded run."));
}

#[test]
fn bad_shard_values_are_usage_errors() {
    for (value, says) in [
        ("0/4", "K counts from 1"),
        ("5/4", "K may be at most N"),
        ("1/0", "N must be at least 1"),
        ("0/0", "N must be at least 1"),
        ("x", "expected K/N"),
        ("1/4/2", "expected K/N"),
        ("-1/4", "expected K/N"),
        ("", "expected K/N"),
        ("1/2000000", "at most 1000000"),
    ] {
        let flag = format!("--shard={value}");
        let output = closeout(&["check", "fixtures", &flag]);
        assert_eq!(code(&output), 2, "{value}");
        let err = stderr(&output);
        assert!(
            err.contains("--shard") && err.contains(says),
            "{value}: {err}"
        );
        assert!(output.stdout.is_empty(), "{value}");
    }
}

/// Checks `inputs` in `count` shards, each to `DIR/sK.jsonl`.
fn shards(dir: &Path, inputs: &[String], count: u32) -> Vec<String> {
    (1..=count)
        .map(|index| {
            let path = dir.join(format!("s{index}.jsonl")).display().to_string();
            let shard = format!("{index}/{count}");
            let mut args: Vec<&str> = vec!["check", "--now", NOW, "--shard", &shard];
            args.extend(inputs.iter().map(String::as_str));
            args.extend(["--format", "jsonl", "--output", &path]);
            let output = closeout(&args);
            assert!(matches!(code(&output), 0..=2), "{}", stderr(&output));
            path
        })
        .collect()
}

fn merge(files: &[&str], extra: &[&str]) -> Output {
    let mut args = vec!["merge"];
    args.extend(files);
    args.extend(extra);
    closeout(&args)
}

#[test]
fn the_merge_of_all_shards_is_the_unsharded_run_byte_for_byte() {
    let dir = tempdir("shard-merge");
    let inputs = inputs(&dir);
    let files = shards(&dir, &inputs, 3);
    let shuffled = [files[2].as_str(), files[0].as_str(), files[1].as_str()];
    for format in [
        "jsonl", "json", "sarif", "junit", "csv", "markdown", "github",
    ] {
        let mut args: Vec<&str> = vec!["check", "--now", NOW, "--format", format];
        args.extend(inputs.iter().map(String::as_str));
        let single = closeout(&args);
        let merged = merge(&shuffled, &["--format", format]);
        assert_eq!(code(&merged), 2, "{format}: {}", stderr(&merged));
        assert_eq!(code(&single), code(&merged));
        assert!(
            stdout(&merged) == stdout(&single),
            "{format} differs:\n{}",
            stdout(&merged)
        );
    }
    // Human output has no snippets (the merge has no snapshot text): -q matches.
    let mut args: Vec<&str> = vec!["check", "--now", NOW, "-q"];
    args.extend(inputs.iter().map(String::as_str));
    assert_eq!(stdout(&closeout(&args)), stdout(&merge(&shuffled, &["-q"])));
    // A shard given twice is used once.
    let twice = merge(
        &[&files[0], &files[1], &files[2], &files[1]],
        &["--format", "json"],
    );
    assert_eq!(code(&twice), 2);
    assert!(
        stderr(&twice).contains("repeats shard 2/3"),
        "{}",
        stderr(&twice)
    );
    assert_eq!(
        stdout(&twice),
        stdout(&merge(&shuffled, &["--format", "json"]))
    );
}

#[test]
fn a_merge_refuses_what_would_lose_or_confuse_snapshots() {
    let dir = tempdir("shard-refuse");
    let inputs: Vec<String> = vec!["fixtures".into()];
    let files = shards(&dir, &inputs, 3);
    let refused = |files: &[&str], says: &str| {
        let output = merge(files, &["--format", "json"]);
        assert_eq!(code(&output), 2, "{says}");
        assert!(output.stdout.is_empty(), "{says}");
        let err = stderr(&output);
        assert!(err.contains(says), "expected {says:?} in {err}");
    };
    refused(&[&files[0], &files[2]], "shard 2/3 is missing");

    // A corrupt line, a cut-off run, a summary that does not count its results.
    let text = std::fs::read_to_string(&files[1]).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let corrupt = dir.join("corrupt.jsonl").display().to_string();
    let mut bad = lines.clone();
    bad[1] = &bad[1][..bad[1].len() / 2];
    std::fs::write(&corrupt, bad.join("\n") + "\n").unwrap();
    refused(
        &[&files[0], &corrupt, &files[2]],
        &format!("{corrupt}:2: not a line of closeout's JSON Lines output"),
    );
    let cut = dir.join("cut.jsonl").display().to_string();
    std::fs::write(&cut, lines[..lines.len() - 1].join("\n") + "\n").unwrap();
    refused(
        &[&files[0], &cut, &files[2]],
        &format!(
            "{cut}:1: {} result(s) from here on have no summary line",
            lines.len() - 1
        ),
    );
    let dropped = dir.join("dropped.jsonl").display().to_string();
    std::fs::write(&dropped, lines[1..].join("\n") + "\n").unwrap();
    refused(
        &[&files[0], &dropped, &files[2]],
        &format!(
            "{dropped}:{}: the summary says shard 2/3: {} snapshots checked",
            lines.len() - 1,
            lines.len() - 1
        ),
    );
    let old = dir.join("old.jsonl").display().to_string();
    std::fs::write(&old, "{\"type\":\"result\",\"data\":{}}\n").unwrap();
    refused(&[&old], &format!("{old}:1: a result without `seq`"));
    refused(&[&files[0], "fixtures/aptible"], "fixtures/aptible: ");
    refused(&["no-such.jsonl"], "no-such.jsonl: ");
}

fn run_to(dir: &Path, name: &str, args: &[&str]) -> String {
    let path = dir.join(name).display().to_string();
    let mut all = vec!["check", "--format", "jsonl", "--output", &path];
    all.extend(args);
    let output = closeout(&all);
    assert!(matches!(code(&output), 0..=2), "{}", stderr(&output));
    path
}

#[test]
fn conflicting_duplicates_are_errors_naming_both_and_identical_ones_are_kept() {
    let dir = tempdir("shard-duplicates");
    let eligible = "fixtures/sipstation/warn-refund-cycle.json";
    let other = "fixtures/tencentcloud/blocked-vouchers.json";
    let now = run_to(&dir, "now.jsonl", &[eligible, "--now", NOW]);
    // Half a year later GEN-001 blocks the same snapshot (a stale export).
    let later = run_to(
        &dir,
        "later.jsonl",
        &[eligible, "--now", "2027-06-01T00:00:00Z"],
    );
    let output = merge(&[&now, &later], &["--format", "json"]);
    assert_eq!(code(&output), 2);
    let err = stderr(&output);
    assert!(
        err.contains(&format!(
            "snapshot \"sipstation-maple-yoga-2026-11-20\" has conflicting results: {now}:1 says ELIGIBLE"
        )) && err.contains(&format!("{later}:1 says BLOCKED")),
        "{err}"
    );
    // Other policies: a pack of one's own besides the bundled ones.
    let pack = dir.join("packs");
    let init = Command::new(env!("CARGO_BIN_EXE_closeout"))
        .args(["init-pack", "acme", "--dir", pack.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(code(&init), 0, "{}", stderr(&init));
    let pack = pack.join("acme").display().to_string();
    let policies = run_to(
        &dir,
        "policies.jsonl",
        &[eligible, "--now", NOW, "--policy", &pack],
    );
    let err = stderr(&merge(&[&now, &policies], &[]));
    assert!(
        err.contains(
            "snapshot \"sipstation-maple-yoga-2026-11-20\" was checked with different policies"
        ) && err.contains(&format!("{now}:1 (policy digest"))
            && err.contains(&format!("{policies}:1 (policy digest")),
        "{err}"
    );
    // The merge's own policies must be the runs' ones.
    let err = stderr(&merge(&[&policies], &[]));
    assert!(err.contains("give merge the runs' --policy"), "{err}");
    assert_eq!(code(&merge(&[&policies], &["--policy", &pack, "-q"])), 0);

    // Identical duplicate: one snapshot in two runs, same verdict: both kept.
    let both = run_to(&dir, "both.jsonl", &[eligible, other, "--now", NOW]);
    let output = merge(&[&now, &both], &["--format", "json"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert!(stderr(&output).contains("both kept"), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["summary"]["snapshots"], 3);
    assert_eq!(report["summary"]["blocked"], 1);
    assert_eq!(report["summary"]["eligible"], 2);
    // One output given twice counts once.
    let output = merge(&[&both, &both], &["--format", "json"]);
    assert!(stderr(&output).contains("used once"), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["summary"]["snapshots"], 2);
    // Shards and whole runs do not mix.
    let shard = run_to(
        &dir,
        "shard.jsonl",
        &[eligible, "--now", NOW, "--shard", "1/1"],
    );
    let err = stderr(&merge(&[&shard, &now], &[]));
    assert!(
        err.contains("is a shard but") && err.contains("is a whole run"),
        "{err}"
    );
}
