//! `--format junit`: JUnit XML, so CI servers chart closure checks like tests.
//!
//! One `<testsuite>` per snapshot, named by its source, with its snapshot id and
//! provider as properties. One `<testcase>` per condition that applies to the
//! snapshot (its provider's package and `closeout.common`), tripped or not, so a
//! pass carries the identity of what was checked. A block or warn finding makes
//! its test case a `<failure>`; info findings are the test case's
//! `<system-out>`, never a failure. A snapshot that could not be checked is a
//! suite with one `snapshot` test case in `<error>`.
//!
//! The XML is written by quick-junit, which escapes markup. Before that every
//! text is passed through [`visible`]: controls and bidi overrides become
//! escapes (`\x1b`, `\u{202e}`), and so do U+FFFE and U+FFFF, the characters
//! of Rust strings outside XML 1.0's `Char` production (#x9 | #xA | #xD |
//! [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]); no character
//! reference could stand for them either. The report is well-formed XML
//! whatever a snapshot holds.

use std::collections::HashMap;
use std::io::{self, Write};

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use crate::model::{Catalogue, Kind};
use crate::model::{Finding, SnapshotResult, Source, Summary};
use crate::run::Reporter;

use super::error_kind_name;
use super::escape::visible;

/// Text for the XML: see the module's documentation.
fn xml(text: &str) -> String {
    visible(text).into_owned()
}

/// Keeps one small test suite per snapshot and writes the report at `finish`.
pub struct JunitReporter<'w> {
    out: Box<dyn Write + 'w>,
    catalogue: Catalogue,
    /// Per provider, the ids of the conditions that apply, in catalogue order.
    applicable: HashMap<String, Vec<String>>,
    report: Report,
}

impl<'w> JunitReporter<'w> {
    pub fn new(out: Box<dyn Write + 'w>, catalogue: &Catalogue) -> Self {
        Self {
            out,
            catalogue: catalogue.clone(),
            applicable: HashMap::new(),
            report: Report::new("closeout"),
        }
    }

    fn applicable(&mut self, provider: &str) -> &[String] {
        let catalogue = &self.catalogue;
        self.applicable
            .entry(provider.to_string())
            .or_insert_with(|| {
                catalogue
                    .iter()
                    .filter(|c| c.package.applies_to(provider))
                    .map(|c| c.id.clone())
                    .collect()
            })
    }

    fn checked_suite(&mut self, result: &SnapshotResult) -> TestSuite {
        let provider = result.provider.clone().unwrap_or_default();
        let mut ids: Vec<String> = self.applicable(&provider).to_vec();
        // A finding of a condition outside the catalogue (a reporter built
        // without one) still gets its test case.
        for finding in &result.findings {
            if !ids.contains(&finding.id) {
                ids.push(finding.id.clone());
            }
        }
        let mut suite = suite_for(result);
        for id in ids {
            let findings: Vec<&Finding> = result.findings.iter().filter(|f| f.id == id).collect();
            let title = match (self.catalogue.get(&id), findings.first()) {
                (Some(condition), _) => condition.title.clone(),
                (None, Some(finding)) => finding.title.clone(),
                (None, None) => String::new(),
            };
            let name = xml(&format!("{id} {title}"));
            let kind = findings.first().map(|f| f.kind);
            let waived = !findings.is_empty() && findings.iter().all(|f| f.is_waived());
            let mut case = match kind {
                Some(Kind::Block | Kind::Warn) if waived => {
                    let mut status = TestCaseStatus::skipped();
                    let messages: Vec<String> = findings
                        .iter()
                        .map(|f| xml(&f.message_with_waiver()))
                        .collect();
                    status.set_message(messages.join("; ")).set_type("waived");
                    TestCase::new(name.trim_end(), status)
                }
                Some(kind @ (Kind::Block | Kind::Warn)) => {
                    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    let messages: Vec<String> = findings
                        .iter()
                        .map(|f| xml(&f.message_with_waiver()))
                        .collect();
                    status
                        .set_message(messages.join("; "))
                        .set_type(kind.as_str())
                        .set_description(failure_body(&result.source, &findings));
                    TestCase::new(name.trim_end(), status)
                }
                Some(Kind::Info) => {
                    let mut case = TestCase::new(name.trim_end(), TestCaseStatus::success());
                    let messages: Vec<String> = findings.iter().map(|f| xml(&f.message)).collect();
                    case.set_system_out(messages.join("\n"));
                    case
                }
                None => TestCase::new(name.trim_end(), TestCaseStatus::success()),
            };
            case.set_classname(xml(&provider));
            suite.add_test_case(case);
        }
        suite
    }
}

/// A suite named by the snapshot's source, with its identity as properties.
fn suite_for(result: &SnapshotResult) -> TestSuite {
    let mut suite = TestSuite::new(xml(&result.source.to_string()));
    if let Some(id) = &result.snapshot_id {
        suite.add_property(Property::new("snapshot_id", xml(id)));
    }
    if let Some(provider) = &result.provider {
        suite.add_property(Property::new("provider", xml(provider)));
    }
    suite
}

/// The remediation, then where each finding's value sits: CI pages often show
/// only the failure body.
fn failure_body(source: &Source, findings: &[&Finding]) -> String {
    let mut body = findings
        .first()
        .map(|f| xml(&f.remediation))
        .unwrap_or_default();
    for finding in findings {
        let position = source.position(finding.line, finding.column);
        if !body.is_empty() {
            body.push('\n');
        }
        body.push_str(&xml(&format!(
            "at {position} ({}): {}",
            pointer_label(&finding.pointer),
            finding.message
        )));
    }
    body
}

fn pointer_label(pointer: &str) -> &str {
    if pointer.is_empty() {
        "the whole snapshot"
    } else {
        pointer
    }
}

impl Reporter for JunitReporter<'_> {
    fn report(&mut self, result: &SnapshotResult, _text: Option<&str>) -> io::Result<()> {
        let suite = match &result.error {
            Some(error) => {
                let mut suite = suite_for(result);
                let kind = error_kind_name(&error.kind);
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
                status
                    .set_message(xml(&error.message))
                    .set_type(kind)
                    .set_description(xml(&format!(
                        "{}: {}",
                        result.source.position(error.line, error.column),
                        error.message
                    )));
                let mut case = TestCase::new("snapshot", status);
                if let Some(provider) = &result.provider {
                    case.set_classname(xml(provider));
                }
                suite.add_test_case(case);
                suite
            }
            None => self.checked_suite(result),
        };
        self.report.add_test_suite(suite);
        Ok(())
    }

    fn finish(&mut self, _summary: &Summary) -> io::Result<()> {
        // A closed pipe under the XML writer stays a closed pipe.
        self.report
            .serialize(&mut self.out)
            .map_err(super::io_error)?;
        self.out.flush()
    }
}

impl std::fmt::Debug for JunitReporter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JunitReporter").finish_non_exhaustive()
    }
}
