//! The Rego unit tests beside the policies (`*_test.rego`, `test_*` rules) must
//! all evaluate to true.

use closeout::tooling::regotest::run_tests;
use closeout::{Context, PolicySet, PolicySource};

#[test]
fn every_rego_unit_test_passes() {
    let policies = PolicySet::load(&[PolicySource::Bundled]).unwrap();
    let context = Context::at("2026-11-21T00:00:00Z", 7).unwrap();
    let outcomes = run_tests(&policies, &context).unwrap();
    let failed: Vec<String> = outcomes
        .iter()
        .filter(|o| !o.passed)
        .map(|o| {
            format!(
                "{} ({}): {}",
                o.name,
                o.file,
                o.detail.as_deref().unwrap_or("")
            )
        })
        .collect();
    // Each condition has a trip and a clear test at the least.
    assert!(
        outcomes.len() >= 2 * policies.catalogue.len(),
        "only {} Rego tests",
        outcomes.len()
    );
    assert!(
        failed.is_empty(),
        "{} of {} Rego tests failed:\n{}",
        failed.len(),
        outcomes.len(),
        failed.join("\n")
    );
}

#[test]
fn every_condition_is_named_by_a_rego_test() {
    let policies = PolicySet::load(&[PolicySource::Bundled]).unwrap();
    let tests: String = policies.tests.iter().map(|t| t.text.to_string()).collect();
    let untested: Vec<&str> = policies
        .catalogue
        .iter()
        .map(|c| c.id.as_str())
        .filter(|id| !tests.contains(id))
        .collect();
    assert!(untested.is_empty(), "no Rego test names {untested:?}");
}
