//! Runs the Rego unit tests beside the policies: every `test_*` rule of every
//! `*_test.rego` file must evaluate to `true`. regorus has no test runner of its own.

use std::time::{Duration, Instant};

use crate::eval::Context;
use crate::policy::{PolicyError, PolicySet};

/// The outcome of one `test_*` rule.
#[derive(Debug, Clone)]
pub struct TestOutcome {
    /// `data.closeout.ukfast_test.test_primary_contact_trips`.
    pub name: String,
    pub file: String,
    pub passed: bool,
    /// What the rule gave instead of `true`, or the evaluation error.
    pub detail: Option<String>,
    pub duration: Duration,
}

/// Loads every module and test of the set into one engine and runs each test rule.
pub fn run_tests(policies: &PolicySet, context: &Context) -> Result<Vec<TestOutcome>, PolicyError> {
    let mut engine = regorus::Engine::new();
    // As in `check`: a builtin error fails the test instead of passing it by
    // leaving a rule undefined.
    engine.set_strict_builtin_errors(true);
    let mut tests = Vec::new();
    for file in policies.modules.iter().chain(&policies.tests) {
        let package = engine
            .add_policy(file.path.clone(), file.text.to_string())
            .map_err(|e| PolicyError::Rego {
                file: file.path.clone(),
                message: e.to_string(),
            })?;
        if file.is_test() {
            for line in file.text.lines().filter(|l| l.starts_with("test_")) {
                let name: String = line
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let full = format!("{package}.{name}");
                if !tests.iter().any(|(t, _): &(String, String)| *t == full) {
                    tests.push((full, file.path.clone()));
                }
            }
        }
    }
    crate::eval::add_run_data(&mut engine, policies, context)?;
    Ok(tests
        .into_iter()
        .map(|(name, file)| {
            let started = Instant::now();
            let outcome = engine.eval_rule(name.clone());
            let duration = started.elapsed();
            let (passed, detail) = match outcome {
                Ok(v) if v == regorus::Value::from(true) => (true, None),
                Ok(regorus::Value::Undefined) => (
                    false,
                    Some("undefined (a condition in the test did not hold)".into()),
                ),
                Ok(v) => (
                    false,
                    Some(format!(
                        "evaluated to {}",
                        v.to_json_str().unwrap_or_default()
                    )),
                ),
                Err(e) => (false, Some(format!("{e:#}"))),
            };
            TestOutcome {
                name,
                file,
                passed,
                detail,
                duration,
            }
        })
        .collect())
}
