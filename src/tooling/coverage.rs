//! Condition coverage: which fixture trips each condition and which clears it,
//! found by evaluating the fixtures for real, and whether each fixture still
//! produces exactly the ids its `manifest.toml` states.
//!
//! A pack's fixtures live in `<pack>/fixtures/` (and, for the bundled packs, in
//! the repository's `fixtures/`), each directory with a `manifest.toml`:
//!
//! ```toml
//! [[fixture]]
//! file = "blocked-vouchers.json"
//! verdict = "blocked"
//! ids = ["TCC-003", "TCC-012"]
//! note = "one unused voucher"
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::model::{Catalogue, Kind, Package};
use crate::model::{SnapshotResult, Verdict};
use crate::run::Checker;

#[derive(Debug, Deserialize)]
struct Manifest {
    /// The evaluation time the expectations hold at (fixtures are frozen in
    /// time; GEN-001 depends on it). Without it, the run's time is used.
    now: Option<String>,
    #[serde(default)]
    fixture: Vec<Expected>,
}

/// A fixture found on disk, with its manifest entry and evaluation time.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub path: PathBuf,
    pub expected: Option<Expected>,
    pub now: Option<String>,
}

/// One manifest entry: a fixture and exactly what it must produce.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    pub file: String,
    pub verdict: String,
    pub ids: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// What one fixture produced, against what its manifest says.
#[derive(Debug, Clone)]
pub struct FixtureOutcome {
    pub path: PathBuf,
    /// The provider package of the snapshot, e.g. `closeout.ukfast`.
    pub package: Option<Package>,
    pub verdict: Verdict,
    pub ids: BTreeSet<String>,
    pub expected: Option<Expected>,
    /// Why the fixture does not match its manifest (or could not be checked).
    pub problem: Option<String>,
}

/// For one condition: the fixtures that trip it and those (of its provider)
/// that clear it, and how many Rego tests name it.
#[derive(Debug, Clone)]
pub struct ConditionCoverage {
    pub id: String,
    pub kind: Kind,
    pub tripped_by: Vec<PathBuf>,
    pub cleared_by: Vec<PathBuf>,
    pub tests: usize,
}

impl ConditionCoverage {
    pub fn covered(&self) -> bool {
        !self.tripped_by.is_empty() && !self.cleared_by.is_empty()
    }
}

/// Finds the `*.json` fixtures under `dirs` (recursively, sorted) and the
/// manifest entries that describe them.
pub fn find_fixtures(dirs: &[PathBuf]) -> Result<Vec<Fixture>, String> {
    let mut found = Vec::new();
    for dir in dirs {
        let mut expected: BTreeMap<PathBuf, (Expected, Option<String>)> = BTreeMap::new();
        // An import directory holds saved provider responses, not fixtures:
        // the walk of `check` passes over it too.
        let walker = walkdir::WalkDir::new(dir)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| !(e.file_type().is_dir() && crate::input::is_import_dir(e.path())));
        let entries: Vec<_> = walker
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        for entry in &entries {
            if entry.file_name() == "manifest.toml" {
                let text = std::fs::read_to_string(entry.path())
                    .map_err(|e| format!("{}: {e}", entry.path().display()))?;
                let manifest: Manifest = toml::from_str(&text)
                    .map_err(|e| format!("{}: {e}", entry.path().display()))?;
                let base = entry.path().parent().unwrap_or(Path::new("."));
                for item in manifest.fixture {
                    expected.insert(base.join(&item.file), (item, manifest.now.clone()));
                }
            }
        }
        for entry in entries {
            let path = entry.into_path();
            if path.is_file() && path.extension().is_some_and(|e| e == "json") {
                let (expected, now) = match expected.remove(&path) {
                    Some((item, now)) => (Some(item), now),
                    None => (None, None),
                };
                found.push(Fixture {
                    path,
                    expected,
                    now,
                });
            }
        }
        if let Some(missing) = expected.keys().next() {
            return Err(format!(
                "a manifest names {}, which does not exist",
                missing.display()
            ));
        }
    }
    Ok(found)
}

/// Evaluates each fixture and compares it with its manifest entry. With a
/// `reference` checker (the interpreter, when `checker` runs the bytecode VM),
/// each fixture is evaluated by both, and any difference in findings is a
/// failure: the two engines must agree on every fixture of a pack.
pub fn check_fixtures(
    checker: &mut Checker,
    mut reference: Option<&mut Checker>,
    fixtures: &[&Fixture],
) -> Vec<FixtureOutcome> {
    fixtures
        .iter()
        .map(|Fixture { path, expected, .. }| {
            let (result, _) = checker.check_file(path);
            let ids: BTreeSet<String> = result.findings.iter().map(|f| f.id.clone()).collect();
            let package = result.provider.as_deref().map(Package::of);
            let disagreement = reference.as_deref_mut().and_then(|reference| {
                let (theirs, _) = reference.check_file(path);
                disagreement(&result, &theirs)
            });
            let problem = if let Some(error) = &result.error {
                Some(format!("could not be checked: {}", error.message))
            } else if let Some(disagreement) = disagreement {
                Some(disagreement)
            } else if let Some(want) = expected {
                let want_ids: BTreeSet<String> = want.ids.iter().cloned().collect();
                let verdict = serde_json::to_value(result.verdict).ok();
                if want_ids != ids
                    || verdict.as_ref().and_then(|v| v.as_str()) != Some(want.verdict.as_str())
                {
                    Some(format!(
                        "manifest says {} {:?}, closeout gives {} {:?}",
                        want.verdict,
                        want_ids,
                        verdict
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default(),
                        ids
                    ))
                } else {
                    None
                }
            } else {
                Some("no manifest entry states what it must produce".into())
            };
            FixtureOutcome {
                path: path.clone(),
                package,
                verdict: result.verdict,
                ids,
                expected: expected.clone(),
                problem,
            }
        })
        .collect()
}

/// How two evaluations of one snapshot differ (findings, or an error), if they do.
fn disagreement(ours: &SnapshotResult, theirs: &SnapshotResult) -> Option<String> {
    let findings = |result: &SnapshotResult| -> BTreeSet<(String, String, String)> {
        result
            .findings
            .iter()
            .map(|f| (f.id.clone(), f.pointer.clone(), f.message.clone()))
            .collect()
    };
    let error = |result: &SnapshotResult| result.error.as_ref().map(|e| e.message.clone());
    let (mine, other) = (findings(ours), findings(theirs));
    if mine == other && error(ours) == error(theirs) {
        return None;
    }
    let show = |only: Vec<&(String, String, String)>| {
        only.iter()
            .map(|(id, pointer, message)| format!("{id} at {pointer:?}: {message}"))
            .collect::<Vec<_>>()
            .join("; ")
    };
    Some(format!(
        "the bytecode VM and the interpreter disagree (only the VM: [{}]; only the interpreter: [{}]{}); \
         see \"Two evaluators\" in docs/policy-authoring.md",
        show(mine.difference(&other).collect()),
        show(other.difference(&mine).collect()),
        match (error(ours), error(theirs)) {
            (a, b) if a == b => String::new(),
            (a, b) => format!("; errors: VM {a:?}, interpreter {b:?}"),
        }
    ))
}

/// Coverage of every condition of the catalogue by the fixtures and tests.
/// A block or warn condition is cleared only by a fixture of its own provider
/// (a near miss); an info condition told on every snapshot of its provider is
/// cleared by any fixture where it does not appear.
pub fn coverage(
    catalogue: &Catalogue,
    fixtures: &[FixtureOutcome],
    test_texts: &[&str],
) -> Vec<ConditionCoverage> {
    catalogue
        .iter()
        .map(|condition| {
            let checked = fixtures.iter().filter(|f| f.verdict != Verdict::Error);
            let tripped_by = checked
                .clone()
                .filter(|f| f.ids.contains(&condition.id))
                .map(|f| f.path.clone())
                .collect();
            let own = |f: &&FixtureOutcome| {
                condition.kind == Kind::Info
                    || condition.package.is_common()
                    || f.package.as_ref() == Some(&condition.package)
            };
            let cleared_by = checked
                .filter(own)
                .filter(|f| !f.ids.contains(&condition.id))
                .map(|f| f.path.clone())
                .collect();
            let quoted = format!("\"{}\"", condition.id);
            let tests = test_texts.iter().map(|t| t.matches(&quoted).count()).sum();
            ConditionCoverage {
                id: condition.id.clone(),
                kind: condition.kind,
                tripped_by,
                cleared_by,
                tests,
            }
        })
        .collect()
}
