//! Every bundled fixture, checked by the real binary, must produce exactly the
//! verdict and condition ids its directory's `manifest.toml` states; every
//! condition must be tripped by one fixture and cleared by another; and the
//! policies' annotations must agree with the shared catalogue, CONDITIONS.md.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use closeout::{Kind, PolicySet, PolicySource};
use serde::Deserialize;

mod common;
use common::root;

const NOW: &str = "2026-11-21T00:00:00Z";

#[derive(Debug, Deserialize)]
struct Manifest {
    fixture: Vec<Expected>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    file: String,
    verdict: String,
    ids: Vec<String>,
    #[allow(dead_code)]
    note: Option<String>,
}

/// Every manifest entry, keyed by the fixture's path relative to the repository.
fn expectations() -> BTreeMap<String, Expected> {
    let mut all = BTreeMap::new();
    for entry in std::fs::read_dir(root().join("fixtures")).unwrap() {
        let dir = entry.unwrap().path();
        let manifest = dir.join("manifest.toml");
        // `fixtures/import/` holds saved provider responses, not snapshots:
        // tests/import.rs checks each case against its golden snapshot.
        if !dir.is_dir() || dir.file_name().is_some_and(|n| n == "import") {
            continue;
        }
        let text = std::fs::read_to_string(&manifest)
            .unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
        let parsed: Manifest =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
        for expected in parsed.fixture {
            let path = format!(
                "fixtures/{}/{}",
                dir.file_name().unwrap().to_string_lossy(),
                expected.file
            );
            assert!(
                root().join(&path).is_file(),
                "{} names {path}, which does not exist",
                manifest.display()
            );
            assert!(
                all.insert(path.clone(), expected).is_none(),
                "{path} is listed twice"
            );
        }
    }
    all
}

fn fixture_files(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        // An import directory holds saved responses, not snapshots: `check`
        // and `closeout test` pass over it (tests/import.rs reads it).
        if path.is_dir() && path.join("closeout-import.toml").exists() {
            continue;
        }
        if path.is_dir() {
            fixture_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(
                path.strip_prefix(root())
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
            );
        }
    }
}

/// Runs `closeout check fixtures --format json --engine ENGINE` and returns
/// (exit code, report).
fn check_all_fixtures(engine: &str) -> (i32, serde_json::Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_closeout"))
        .current_dir(root())
        .args(["check", "fixtures", "--format", "json", "--now", NOW])
        .args(["--engine", engine])
        .output()
        .unwrap();
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap(), report)
}

#[test]
fn every_fixture_is_in_a_manifest() {
    let expected = expectations();
    let mut files = Vec::new();
    fixture_files(&root().join("fixtures"), &mut files);
    files.sort();
    assert!(files.len() >= 40, "only {} fixtures", files.len());
    for file in &files {
        assert!(expected.contains_key(file), "{file} has no manifest entry");
    }
    assert_eq!(files.len(), expected.len());
}

#[test]
fn every_fixture_produces_exactly_its_expected_ids() {
    for engine in ["vm", "interpreter"] {
        fixture_ids_match(engine);
    }
}

/// The bytecode VM is the default only because it decides every fixture exactly
/// as the interpreter does: the whole reports, messages and positions included.
#[test]
fn both_engines_give_identical_reports_on_every_fixture() {
    let (vm_code, vm) = check_all_fixtures("vm");
    let (interpreter_code, interpreter) = check_all_fixtures("interpreter");
    assert_eq!(vm_code, interpreter_code);
    assert!(vm["results"].as_array().is_some_and(|r| r.len() >= 40));
    assert_eq!(vm, interpreter);
}

fn fixture_ids_match(engine: &str) {
    let expected = expectations();
    let (code, report) = check_all_fixtures(engine);
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), expected.len(), "one result per fixture");
    let mut mismatches = Vec::new();
    for result in results {
        let source = result["source"].as_str().unwrap();
        let want = &expected[source];
        assert!(result["error"].is_null(), "{source}: {}", result["error"]);
        let got: BTreeSet<String> = result["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_string())
            .collect();
        let want_ids: BTreeSet<String> = want.ids.iter().cloned().collect();
        if got != want_ids || result["verdict"] != want.verdict.as_str() {
            mismatches.push(format!(
                "{engine}: {source}: expected {} {:?}, got {} {:?}",
                want.verdict, want_ids, result["verdict"], got
            ));
        }
    }
    assert!(mismatches.is_empty(), "\n{}", mismatches.join("\n"));
    // Blocked fixtures exist and no error: the run as a whole exits 1.
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["errors"], 0);
}

#[test]
fn every_condition_is_tripped_by_one_fixture_and_cleared_by_another() {
    let policies = PolicySet::load(&[PolicySource::Bundled]).unwrap();
    let expected = expectations();
    let mut missing = Vec::new();
    for condition in policies.catalogue.iter() {
        let provider = condition.package.provider();
        let of_provider = |path: &String| {
            provider == "common" || path.starts_with(&format!("fixtures/{provider}/"))
        };
        let trips = expected.iter().any(|(_, e)| e.ids.contains(&condition.id));
        // A block or warn must be cleared within its own provider (a near miss);
        // an info that is told on every snapshot of a provider is cleared elsewhere.
        let clears = expected
            .iter()
            .filter(|(path, _)| condition.kind == Kind::Info || of_provider(path))
            .any(|(_, e)| !e.ids.contains(&condition.id));
        if !trips {
            missing.push(format!("{} is tripped by no fixture", condition.id));
        }
        if !clears {
            missing.push(format!("{} is cleared by no fixture", condition.id));
        }
    }
    assert!(missing.is_empty(), "{missing:?}");
}

/// One row of a CONDITIONS.md table: id, kind, after.
fn catalogue_rows(text: &str) -> BTreeMap<String, (String, Vec<String>)> {
    let mut rows = BTreeMap::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // | id | kind | condition | remediation | after |  (after absent in the common table)
        if cells.len() < 5 || !cells[1].contains('-') || cells[1].len() != 7 {
            continue;
        }
        let after = if cells.len() >= 7 { cells[5] } else { "" };
        rows.insert(
            cells[1].to_string(),
            (cells[2].to_string(), expand_after(after)),
        );
    }
    rows
}

fn expand_after(after: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for part in after.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if let Some((from, to)) = part.split_once("..") {
            let (prefix, a) = from.split_once('-').unwrap();
            let b: u32 = to.split_once('-').unwrap().1.parse().unwrap();
            for n in a.parse::<u32>().unwrap()..=b {
                ids.push(format!("{prefix}-{n:03}"));
            }
        } else {
            ids.push(part.to_string());
        }
    }
    ids
}

#[test]
fn annotations_agree_with_the_shared_catalogue() {
    let policies = PolicySet::load(&[PolicySource::Bundled]).unwrap();
    let path = root().join("../shared/CONDITIONS.md");
    // The catalogue lies beside the checkout (CI lays it there too): without
    // it this check cannot run, and a check that cannot run fails.
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; the shared catalogue must sit beside the checkout",
            path.display()
        )
    });
    let rows = catalogue_rows(&text);
    assert!(
        rows.len() >= 40,
        "parsed only {} catalogue rows",
        rows.len()
    );
    let mut problems = Vec::new();
    for (id, (kind, after)) in &rows {
        let Some(condition) = policies.catalogue.get(id) else {
            problems.push(format!("{id} has no policy"));
            continue;
        };
        if condition.kind.as_str() != kind {
            problems.push(format!(
                "{id}: kind {} in the policy, {kind} in the catalogue",
                condition.kind.as_str()
            ));
        }
        let mut want: Vec<String> = if after == &["all".to_string()] {
            policies
                .catalogue
                .iter()
                .filter(|c| c.package == condition.package && c.id != *id)
                .map(|c| c.id.clone())
                .collect()
        } else {
            after.clone()
        };
        let mut got = condition.after.clone();
        want.sort();
        got.sort();
        if got != want {
            problems.push(format!(
                "{id}: after {got:?} in the policy, {want:?} in the catalogue"
            ));
        }
    }
    for condition in policies.catalogue.iter() {
        if !rows.contains_key(&condition.id) {
            problems.push(format!(
                "{} is in the policies but not in the catalogue",
                condition.id
            ));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The table "What the conditions read": provider -> the paths its conditions read.
fn catalogue_reads(text: &str) -> BTreeMap<String, BTreeSet<String>> {
    let start = text
        .find("What the conditions read")
        .expect("CONDITIONS.md has the table of what the conditions read");
    let mut reads = BTreeMap::new();
    for line in text[start..].lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() != 4 || !cells[2].contains('`') {
            continue;
        }
        let paths = cells[2]
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect();
        reads.insert(cells[1].to_string(), paths);
    }
    reads
}

#[test]
fn what_each_provider_reads_matches_the_shared_catalogue() {
    let policies = PolicySet::load(&[PolicySource::Bundled]).unwrap();
    let path = root().join("../shared/CONDITIONS.md");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; the shared catalogue must sit beside the checkout",
            path.display()
        )
    });
    let want = catalogue_reads(&text);
    assert_eq!(want.len(), 5, "parsed {want:?}");
    let mut got: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for condition in policies.catalogue.iter() {
        let provider = condition.package.provider();
        got.entry(provider.to_string())
            .or_default()
            .extend(condition.reads.iter().cloned());
    }
    assert_eq!(got, want);
}

#[test]
fn every_rule_quotes_its_seed_document_verbatim() {
    let policies = PolicySet::load(&[PolicySource::Bundled]).unwrap();
    let seeds = root().join("../shared/seeds");
    assert!(
        seeds.is_dir(),
        "{} not found: the seed documents must sit beside the checkout",
        seeds.display()
    );
    let normalise = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut problems = Vec::new();
    for condition in policies.catalogue.iter() {
        let Some(name) = condition.source_doc.strip_prefix("seeds/") else {
            problems.push(format!(
                "{}: source {} is not a seed document",
                condition.id, condition.source_doc
            ));
            continue;
        };
        let seed = normalise(&std::fs::read_to_string(seeds.join(name)).unwrap_or_default());
        let quote = normalise(condition.source_quote.trim_matches('"'));
        let quote = quote.trim_end_matches("...").trim_end_matches('…').trim();
        if quote.is_empty() || !seed.contains(quote) {
            problems.push(format!(
                "{}: quote not found in {name}: {quote:?}",
                condition.id
            ));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
