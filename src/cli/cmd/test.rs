//! `closeout test`: the packs' Rego unit tests, every fixture through both
//! engines against its manifest, and the condition coverage.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use closeout::tooling::coverage::{check_fixtures, coverage, find_fixtures, Fixture};
use closeout::tooling::regotest::run_tests;
use closeout::{Checker, EngineKind, Evaluator, PolicySet};

use crate::cli::args::TestArgs;
use crate::cli::settings::Test;
use crate::cli::{stdio, Error};

pub fn run(args: &TestArgs, settings: Test) -> Result<ExitCode, Error> {
    let Test { policies: resolved } = settings;
    let policies = PolicySet::load(&resolved.sources).map_err(Error::policy)?;
    let filter = args
        .run
        .as_deref()
        .map(regex::Regex::new)
        .transpose()
        .map_err(|err| Error::usage(format!("--run: {err}")))?;
    let outcomes = run_tests(&policies, &resolved.context).map_err(Error::policy)?;
    let mut out = String::new();
    let (mut passed, mut failed) = (0, 0);
    for outcome in outcomes
        .iter()
        .filter(|o| filter.as_ref().is_none_or(|f| f.is_match(&o.name)))
    {
        if outcome.passed {
            passed += 1;
        } else {
            failed += 1;
        }
        let mark = if outcome.passed { "PASS" } else { "FAIL" };
        out.push_str(&format!(
            "{mark} {} ({:.2} ms)\n",
            outcome.name,
            outcome.duration.as_secs_f64() * 1000.0
        ));
        if let (false, Some(detail)) = (outcome.passed, &outcome.detail) {
            out.push_str(&format!("     {} in {}\n", detail, outcome.file));
        }
    }
    out.push_str(&format!("Rego tests: {passed} passed, {failed} failed\n"));
    if passed + failed == 0 {
        stdio::print(&out)?;
        return Err(Error::usage(
            "no Rego test ran: a pack needs *_test.rego files with test_* rules",
        ));
    }

    // Fixtures: each pack directory's fixtures/, the repository's for bundled packs.
    let mut dirs: Vec<PathBuf> = args.fixtures.clone();
    for dir in args.packs.policies.iter().chain(&args.dirs) {
        if dir.join("fixtures").is_dir() {
            dirs.push(dir.join("fixtures"));
        }
    }
    if !args.packs.no_bundled && Path::new("fixtures").is_dir() {
        dirs.push(PathBuf::from("fixtures"));
    }
    let fixtures = find_fixtures(&dirs).map_err(Error::Usage)?;
    let mut outcomes_by_fixture = Vec::new();
    let mut times: Vec<Option<String>> = fixtures.iter().map(|f| f.now.clone()).collect();
    times.sort();
    times.dedup();
    for now in times {
        // The settings' context (limits, closeout.toml's data and export
        // age) at the fixture's own time.
        let context = match now.as_deref() {
            Some(now) => resolved.context.at_time(now).map_err(Error::Usage)?,
            None => resolved.context.clone(),
        };
        // Every fixture runs through both engines: they must agree.
        let mut engines = Vec::new();
        for kind in [EngineKind::Vm, EngineKind::Interpreter] {
            let evaluator =
                Evaluator::with_engine(policies.clone(), &context, kind).map_err(Error::policy)?;
            engines.push(Checker::new(evaluator));
        }
        let (vm, interpreter) = engines.split_at_mut(1);
        let group: Vec<&Fixture> = fixtures.iter().filter(|f| f.now == now).collect();
        outcomes_by_fixture.extend(check_fixtures(
            &mut vm[0],
            Some(&mut interpreter[0]),
            &group,
        ));
    }
    let mut fixture_failures = 0;
    for outcome in &outcomes_by_fixture {
        if let Some(problem) = &outcome.problem {
            fixture_failures += 1;
            out.push_str(&format!(
                "FAIL fixture {}: {problem}\n",
                outcome.path.display()
            ));
        }
    }
    out.push_str(&format!(
        "Fixtures: {} passed, {fixture_failures} failed\n",
        outcomes_by_fixture.len() - fixture_failures
    ));
    let texts: Vec<&str> = policies.tests.iter().map(|t| &*t.text).collect();
    let mut coverage = coverage(&policies.catalogue, &outcomes_by_fixture, &texts);
    // Named packs are what is being tested: their conditions make the coverage.
    if !args.dirs.is_empty() {
        let in_named = |file: &str| args.dirs.iter().any(|d| Path::new(file).starts_with(d));
        coverage.retain(|c| {
            policies
                .catalogue
                .get(&c.id)
                .is_some_and(|cond| in_named(&cond.file))
        });
    }
    let covered = coverage.iter().filter(|c| c.covered()).count();
    out.push_str(
        "Condition coverage (a fixture trips it / a fixture clears it / Rego tests naming it):\n",
    );
    for c in &coverage {
        if args.verbose || !c.covered() {
            let first = |paths: &[PathBuf]| {
                paths
                    .first()
                    .map_or("none".to_string(), |p| p.display().to_string())
            };
            out.push_str(&format!(
                "  {:<8} trips: {}  clears: {}  tests: {}\n",
                c.id,
                first(&c.tripped_by),
                first(&c.cleared_by),
                c.tests
            ));
        }
    }
    let percent = if coverage.is_empty() {
        0.0
    } else {
        100.0 * covered as f64 / coverage.len() as f64
    };
    out.push_str(&format!(
        "Coverage: {covered} of {} conditions tripped and cleared by a fixture ({percent:.1}%)\n",
        coverage.len()
    ));
    let below = args.coverage_threshold.is_some_and(|t| percent < t);
    if below {
        out.push_str(&format!(
            "coverage {percent:.1}% is below the threshold {:.1}%\n",
            args.coverage_threshold.unwrap_or_default()
        ));
    }
    stdio::print(&out)?;
    Ok(if failed > 0 || fixture_failures > 0 || below {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
