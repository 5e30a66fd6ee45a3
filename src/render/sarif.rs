//! `--format sarif`: one SARIF 2.1.0 log with one run. Every condition of the
//! catalogue is a rule of the driver, every finding a result that points at the
//! snapshot file (line and column) and at the value (its JSON pointer, as a
//! logical location). A snapshot that could not be checked is a tool execution
//! notification, not a result: no rule was evaluated against it.
//!
//! The output is validated against the official schema in `tests/render.rs`.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use serde::Serialize;

use crate::model::{Catalogue, Condition, Kind};
use crate::model::{Finding, SnapshotResult, Summary};
use crate::run::Reporter;

use super::{error_kind_name, forward_slashes};

const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// Where to read about closeout: the package's homepage or repository, when
/// Cargo.toml names one. An `informationUri` must be an absolute URI, so none
/// is written rather than a made-up one.
const INFORMATION_URI: &str =
    first_non_empty(env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY"));

const fn first_non_empty<'a>(first: &'a str, second: &'a str) -> &'a str {
    if first.is_empty() {
        second
    } else {
        first
    }
}

/// Keeps the rules and the SARIF results (not the snapshot results) and writes
/// the log at `finish`.
pub struct SarifReporter<'w> {
    out: Box<dyn Write + 'w>,
    rules: Vec<Rule>,
    rule_index: HashMap<String, usize>,
    results: Vec<SarifResult>,
    notifications: Vec<Notification>,
}

impl<'w> SarifReporter<'w> {
    pub fn new(out: Box<dyn Write + 'w>, catalogue: &Catalogue) -> Self {
        let rules: Vec<Rule> = catalogue.iter().map(Rule::of_condition).collect();
        let rule_index = rules
            .iter()
            .enumerate()
            .map(|(i, rule)| (rule.id.clone(), i))
            .collect();
        Self {
            out,
            rules,
            rule_index,
            results: Vec::new(),
            notifications: Vec::new(),
        }
    }

    /// The index of a finding's rule. A condition missing from the catalogue
    /// (a reporter built without one) gets a rule made from the finding, so every
    /// result still names a rule of the driver.
    fn rule_for(&mut self, finding: &Finding) -> usize {
        if let Some(&index) = self.rule_index.get(&finding.id) {
            return index;
        }
        let index = self.rules.len();
        self.rules.push(Rule::of_finding(finding));
        self.rule_index.insert(finding.id.clone(), index);
        index
    }
}

impl Reporter for SarifReporter<'_> {
    fn report(&mut self, result: &SnapshotResult, _text: Option<&str>) -> io::Result<()> {
        let (file, stream_line) = (result.source.path.as_str(), result.source.line);
        let uri = artifact_uri(file);
        if let Some(error) = &result.error {
            let line = error.line.or(stream_line);
            self.notifications.push(Notification {
                level: "error",
                message: Message::new(format!(
                    "{}: the snapshot could not be checked: {}",
                    result.source, error.message
                )),
                locations: vec![Location {
                    physical_location: PhysicalLocation::new(&uri, line, error.column),
                    logical_locations: Vec::new(),
                }],
                properties: BTreeMap::from([("kind", error_kind_name(&error.kind).into())]),
            });
        }
        for finding in &result.findings {
            let rule_index = self.rule_for(finding);
            let line = finding.line.or(stream_line);
            let mut properties = BTreeMap::new();
            properties.insert("kind", finding.kind.as_str().into());
            if let Some(id) = &result.snapshot_id {
                properties.insert("snapshot_id", id.as_str().into());
            }
            if let Some(provider) = &result.provider {
                properties.insert("provider", provider.as_str().into());
            }
            self.results.push(SarifResult {
                rule_id: finding.id.clone(),
                rule_index,
                level: level(finding.kind),
                message: Message::new(finding.message.clone()),
                locations: vec![Location {
                    physical_location: PhysicalLocation::new(&uri, line, finding.column),
                    logical_locations: vec![LogicalLocation {
                        fully_qualified_name: finding.pointer.clone(),
                    }],
                }],
                // The same across runs and line shifts, so a dashboard tracks one
                // finding over time: the same condition on the same value of the
                // same snapshot in the same file.
                partial_fingerprints: BTreeMap::from([(
                    "closeoutFinding/v1",
                    format!(
                        "{}:{file}:{}:{}",
                        finding.id,
                        result.snapshot_id.as_deref().unwrap_or_default(),
                        finding.pointer
                    ),
                )]),
                // A waiver from closeout.toml is an external suppression that
                // was accepted; an expired one is reported as rejected.
                suppressions: finding
                    .waiver
                    .iter()
                    .map(|w| Suppression {
                        kind: "external",
                        status: if finding.is_waived() {
                            "accepted"
                        } else {
                            "rejected"
                        },
                        justification: format!(
                            "{} (approved by {}{}, until {}; closeout.toml line {})",
                            w.reason,
                            w.approved_by,
                            w.ticket
                                .as_ref()
                                .map(|t| format!(", ticket {t}"))
                                .unwrap_or_default(),
                            w.expires,
                            w.line
                        ),
                    })
                    .collect(),
                properties,
            });
        }
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        let log = Log {
            schema: SCHEMA_URI,
            version: "2.1.0",
            runs: [Run {
                tool: Tool {
                    driver: Driver {
                        name: "closeout",
                        version: env!("CARGO_PKG_VERSION"),
                        information_uri: (!INFORMATION_URI.is_empty()).then_some(INFORMATION_URI),
                        rules: &self.rules,
                    },
                },
                invocations: [Invocation {
                    execution_successful: summary.errors == 0,
                    tool_execution_notifications: &self.notifications,
                }],
                results: &self.results,
                // closeout counts columns in characters, not SARIF's default UTF-16 units.
                column_kind: "unicodeCodePoints",
            }],
        };
        serde_json::to_writer_pretty(&mut self.out, &log)?;
        writeln!(self.out)?;
        self.out.flush()
    }
}

fn level(kind: Kind) -> &'static str {
    match kind {
        Kind::Block => "error",
        Kind::Warn => "warning",
        Kind::Info => "note",
    }
}

/// A relative path as a relative URI reference with forward slashes; an absolute
/// path as a `file:` URI. Characters a URI may not hold are percent-encoded, and
/// so is `:`, which would otherwise read as a scheme.
pub(crate) fn artifact_uri(path: &str) -> String {
    let path = forward_slashes(path);
    let bytes = path.as_bytes();
    let drive =
        bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    let (mut uri, rest) = if drive {
        (format!("file:///{}:", &path[..1]), &path[2..])
    } else if path.starts_with('/') {
        (String::from("file://"), path.as_str())
    } else {
        (String::new(), path.as_str())
    };
    uri.extend(utf8_percent_encode(rest, URI_ENCODED));
    uri
}

/// What a path segment of a URI may not hold as is (RFC 3986): everything but
/// letters, digits, `-._~`, the sub-delimiters, `@` and `/`; `:` included.
const URI_ENCODED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b'@')
    .remove(b'/');

/// A rule name in SARIF's style: the title in CamelCase ("Unused rights remain"
/// becomes `UnusedRightsRemain`), or the id when there is no title.
pub(crate) fn rule_name(title: &str, id: &str) -> String {
    let name: String = title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
            first.unwrap_or_default() + chars.as_str()
        })
        .collect();
    if name.is_empty() {
        id.to_string()
    } else {
        name
    }
}

// The SARIF object model, as much of it as closeout writes. Field names follow
// the spec (camelCase); empty optional parts are left out.

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    invocations: [Invocation<'a>; 1],
    results: &'a [SarifResult],
    column_kind: &'static str,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: &'a [Rule],
}

/// A `reportingDescriptor`: one condition.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: String,
    short_description: Message,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_description: Option<Message>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<Message>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    default_configuration: Configuration,
    properties: BTreeMap<&'static str, serde_json::Value>,
}

impl Rule {
    fn of_condition(condition: &Condition) -> Rule {
        let mut properties = BTreeMap::new();
        let provider = condition.package.provider();
        properties.insert(
            "tags",
            serde_json::json!([condition.kind.as_str(), provider]),
        );
        properties.insert("kind", condition.kind.as_str().into());
        properties.insert("package", condition.package.as_str().into());
        properties.insert("source_doc", condition.source_doc.as_str().into());
        properties.insert("source_quote", condition.source_quote.as_str().into());
        if !condition.after.is_empty() {
            properties.insert("after", condition.after.clone().into());
        }
        Rule {
            id: condition.id.clone(),
            name: rule_name(&condition.title, &condition.id),
            short_description: Message::new(non_empty(&condition.title, &condition.id)),
            full_description: Message::optional(&condition.description),
            help: Message::optional(&condition.remediation),
            // The seed documents are usually paths in the policy repository; only
            // an absolute URL may be a helpUri.
            help_uri: is_url(&condition.source_doc).then(|| condition.source_doc.clone()),
            default_configuration: Configuration {
                level: level(condition.kind),
            },
            properties,
        }
    }

    fn of_finding(finding: &Finding) -> Rule {
        let mut properties = BTreeMap::new();
        properties.insert("tags", serde_json::json!([finding.kind.as_str()]));
        properties.insert("kind", finding.kind.as_str().into());
        properties.insert("source_doc", finding.source_doc.as_str().into());
        Rule {
            id: finding.id.clone(),
            name: rule_name(&finding.title, &finding.id),
            short_description: Message::new(non_empty(&finding.title, &finding.id)),
            full_description: None,
            help: Message::optional(&finding.remediation),
            help_uri: is_url(&finding.source_doc).then(|| finding.source_doc.clone()),
            default_configuration: Configuration {
                level: level(finding.kind),
            },
            properties,
        }
    }
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'a> {
    execution_successful: bool,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    tool_execution_notifications: &'a [Notification],
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
    properties: BTreeMap<&'static str, serde_json::Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
    properties: BTreeMap<&'static str, serde_json::Value>,
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

impl PhysicalLocation {
    fn new(uri: &str, line: Option<usize>, column: Option<usize>) -> Self {
        PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: uri.to_string(),
            },
            // SARIF has no region without a start line.
            region: line.map(|start_line| Region {
                start_line,
                start_column: column,
            }),
        }
    }
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    /// The RFC 6901 pointer to the value. No `kind`: whether it names an
    /// object, an array or a scalar is not in the finding.
    fully_qualified_name: String,
}

/// A `message` or `multiformatMessageString`: closeout writes plain text only.
#[derive(Serialize)]
struct Message {
    text: String,
}

impl Message {
    fn new(text: impl Into<String>) -> Self {
        Message { text: text.into() }
    }

    fn optional(text: &str) -> Option<Self> {
        (!text.is_empty()).then(|| Message::new(text))
    }
}

fn non_empty<'a>(text: &'a str, fallback: &'a str) -> &'a str {
    if text.is_empty() {
        fallback
    } else {
        text
    }
}

fn is_url(text: &str) -> bool {
    text.starts_with("https://") || text.starts_with("http://")
}

impl std::fmt::Debug for SarifReporter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SarifReporter").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_references_with_forward_slashes() {
        assert_eq!(
            artifact_uri("fixtures/aptible/a.json"),
            "fixtures/aptible/a.json"
        );
        assert_eq!(artifact_uri("fixtures\\win\\a.json"), "fixtures/win/a.json");
        assert_eq!(artifact_uri("my files/a b.json"), "my%20files/a%20b.json");
        assert_eq!(artifact_uri("odd:name.json"), "odd%3Aname.json");
        assert_eq!(artifact_uri("<stdin>"), "%3Cstdin%3E");
        assert_eq!(artifact_uri("/tmp/a.json"), "file:///tmp/a.json");
        assert_eq!(artifact_uri("C:\\data\\a.json"), "file:///C:/data/a.json");
    }

    #[test]
    fn rule_names_are_camel_case_titles() {
        assert_eq!(
            rule_name("Unused rights remain in the account", "TCC-003"),
            "UnusedRightsRemainInTheAccount"
        );
        assert_eq!(
            rule_name("A third-party app, linked account", "TCC-004"),
            "AThirdPartyAppLinkedAccount"
        );
        assert_eq!(rule_name("", "X-001"), "X-001");
    }
}
