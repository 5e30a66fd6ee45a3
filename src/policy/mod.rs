//! Policy packs: finding the Rego files (bundled in the binary, or in directories
//! the user names), reading each condition's `# METADATA` annotation, and
//! validating the annotations before anything is evaluated.
//!
//! regorus does not read annotations, so this module does: an annotation is the
//! run of comment lines that starts with `# METADATA`, its YAML body, and the rule
//! on the next non-blank line, exactly as OPA attaches it.

pub mod lint;

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use include_dir::{include_dir, Dir};
use serde::Deserialize;

use crate::model::{Catalogue, Code, Condition, Kind, Package};

static BUNDLED: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/policies");

/// Where policies come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicySource {
    /// The packs compiled into closeout (the `policies/` directory of its source).
    Bundled,
    /// A directory of `.rego` files, walked recursively.
    Dir(PathBuf),
}

/// One Rego file.
#[derive(Debug, Clone)]
pub struct PolicyFile {
    /// A path for messages: `policies/ukfast/ukfast.rego` for bundled files.
    pub path: String,
    pub text: Arc<str>,
}

impl PolicyFile {
    pub fn is_test(&self) -> bool {
        self.path.ends_with("_test.rego")
    }
}

/// A problem in one policy file, at a line.
#[derive(Debug, Clone)]
pub struct PolicyIssue {
    /// [`Code::PolicyAnnotation`] or [`Code::PolicyLint`].
    pub code: Code,
    pub file: String,
    pub line: usize,
    pub message: String,
    /// The file's text, for a snippet.
    pub text: Option<Arc<str>>,
}

/// Why the policies could not be prepared. Any of these stops the whole run.
#[derive(Debug, Clone)]
pub enum PolicyError {
    Read {
        path: String,
        message: String,
    },
    /// Annotations that are missing, incomplete or inconsistent.
    Invalid(Vec<PolicyIssue>),
    /// regorus refused a file (syntax or compile error); its message has the position.
    Rego {
        file: String,
        message: String,
    },
    /// A rule failed when evaluated at load, on an empty snapshot: a runaway
    /// rule that reached a limit, or a builtin error.
    Evaluation {
        file: String,
        message: String,
    },
    /// No condition at all was loaded: nothing could ever fail, so nothing passes.
    Empty {
        sources: String,
    },
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyError::Read { path, message } => {
                write!(f, "cannot read policy {path}: {message}")
            }
            PolicyError::Invalid(issues) => {
                write!(
                    f,
                    "{} problem{} in policy annotations",
                    issues.len(),
                    crate::model::plural(issues.len())
                )?;
                for issue in issues {
                    write!(f, "\n  {}:{}: {}", issue.file, issue.line, issue.message)?;
                }
                Ok(())
            }
            PolicyError::Rego { file, message } => {
                write!(f, "policy {file} does not compile:\n{}", message.trim())
            }
            PolicyError::Evaluation { file, message } => write!(
                f,
                "policy {file} fails when evaluated at load, on an empty snapshot:\n{}",
                message.trim()
            ),
            PolicyError::Empty { sources } => write!(
                f,
                "no condition found in {sources}: refusing to check with no rules"
            ),
        }
    }
}

impl std::error::Error for PolicyError {}

impl PolicyIssue {
    /// What kind of problem it is (`docs/codes.md`).
    pub fn code(&self) -> Code {
        self.code
    }
}

impl PolicyError {
    /// What kind of problem it is (`docs/codes.md`); for
    /// [`PolicyError::Invalid`], the code of its first issue (each issue has
    /// its own).
    pub fn code(&self) -> Code {
        match self {
            PolicyError::Read { .. } => Code::PolicyUnreadable,
            PolicyError::Invalid(issues) => issues
                .first()
                .map_or(Code::PolicyAnnotation, PolicyIssue::code),
            PolicyError::Rego { .. } => Code::PolicyCompile,
            PolicyError::Evaluation { .. } => Code::PolicyLoadEvaluation,
            PolicyError::Empty { .. } => Code::PolicyEmpty,
        }
    }
}

/// Every policy file of a run, and the validated catalogue of their conditions.
#[derive(Debug, Clone)]
pub struct PolicySet {
    /// Files with rules (`*_test.rego` excluded).
    pub modules: Vec<PolicyFile>,
    /// `*_test.rego` files.
    pub tests: Vec<PolicyFile>,
    pub catalogue: Catalogue,
    /// Which rules (`deny`, `warn`, `info`) each package defines.
    pub rules: HashMap<Package, BTreeSet<&'static str>>,
}

impl PolicySet {
    /// Loads and validates the policies of the given sources, in order.
    pub fn load(sources: &[PolicySource]) -> Result<PolicySet, PolicyError> {
        let mut files = Vec::new();
        for source in sources {
            match source {
                PolicySource::Bundled => files.extend(bundled_files()),
                PolicySource::Dir(dir) => files.extend(dir_files(dir)?),
            }
        }
        let (tests, modules): (Vec<_>, Vec<_>) = files.into_iter().partition(PolicyFile::is_test);
        let (conditions, mut issues) = read_annotations(&modules);
        issues.extend(check_references(&conditions));
        // Tests too: `closeout test` evaluates them, and a cycle may run through both.
        issues.extend(crate::policy::lint::check_modules(
            &[&modules[..], &tests[..]].concat(),
        ));
        if !issues.is_empty() {
            return Err(PolicyError::Invalid(issues));
        }
        if conditions.is_empty() {
            let sources = sources
                .iter()
                .map(|s| match s {
                    PolicySource::Bundled => "the bundled policies".to_string(),
                    PolicySource::Dir(dir) => dir.display().to_string(),
                })
                .collect::<Vec<_>>()
                .join(", ");
            return Err(PolicyError::Empty { sources });
        }
        let mut rules: HashMap<Package, BTreeSet<&'static str>> = HashMap::new();
        for condition in &conditions {
            rules
                .entry(condition.package.clone())
                .or_default()
                .insert(condition.kind.rule_name());
        }
        Ok(PolicySet {
            modules,
            tests,
            catalogue: Catalogue::new(conditions),
            rules,
        })
    }

    /// What each condition reads, for GEN-003: `{"common": {"GEN-001": ["exported_at"]},
    /// "<provider>": {...}}`, keyed by the package's last name.
    pub fn reads(&self) -> serde_json::Value {
        let mut by_package = serde_json::Map::new();
        for condition in self.catalogue.iter() {
            let name = condition.package.provider();
            let entry = by_package
                .entry(name.to_owned())
                .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
            if let Some(ids) = entry.as_object_mut() {
                ids.insert(condition.id.clone(), condition.reads.clone().into());
            }
        }
        serde_json::Value::Object(by_package)
    }

    /// The providers served: packages `closeout.<provider>` other than `closeout.common`.
    pub fn providers(&self) -> Vec<String> {
        let mut providers: Vec<String> = self
            .rules
            .keys()
            .filter(|p| !p.is_common())
            .map(|p| p.provider().to_owned())
            .collect();
        providers.sort();
        providers
    }
}

fn bundled_files() -> Vec<PolicyFile> {
    let mut files = Vec::new();
    let mut stack = vec![&BUNDLED];
    while let Some(dir) = stack.pop() {
        stack.extend(dir.dirs());
        for file in dir.files() {
            if file.path().extension().is_some_and(|e| e == "rego") {
                if let Some(text) = file.contents_utf8() {
                    files.push(PolicyFile {
                        path: format!("policies/{}", file.path().display()),
                        text: Arc::from(text),
                    });
                }
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

fn dir_files(dir: &Path) -> Result<Vec<PolicyFile>, PolicyError> {
    let read_error = |path: &Path, message: String| PolicyError::Read {
        path: path.display().to_string(),
        message,
    };
    if !dir.is_dir() {
        return Err(read_error(dir, "not a directory".into()));
    }
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| read_error(dir, e.to_string()))?;
        let path = entry.path();
        if entry.file_type().is_file() && path.extension().is_some_and(|e| e == "rego") {
            let text =
                std::fs::read_to_string(path).map_err(|e| read_error(path, e.to_string()))?;
            files.push(PolicyFile {
                path: path.display().to_string(),
                text: Arc::from(text),
            });
        }
    }
    Ok(files)
}

/// The YAML of an OPA annotation, as far as closeout reads it.
#[derive(Debug, Default, Deserialize)]
struct Annotation {
    title: Option<String>,
    description: Option<String>,
    #[serde(default)]
    related_resources: Vec<RelatedResource>,
    custom: Option<Custom>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RelatedResource {
    Url(String),
    Ref {
        #[serde(rename = "ref")]
        reference: String,
        description: Option<String>,
    },
}

#[derive(Debug, Default, Deserialize)]
struct Custom {
    id: Option<String>,
    kind: Option<String>,
    remediation: Option<String>,
    after: Option<After>,
    reads: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum After {
    /// `after: all`, or a single id.
    One(String),
    List(Vec<String>),
}

/// A condition whose `after` may still say `all`.
struct Pending {
    condition: Condition,
    after_all: bool,
}

fn read_annotations(files: &[PolicyFile]) -> (Vec<Condition>, Vec<PolicyIssue>) {
    let mut pending = Vec::new();
    let mut issues = Vec::new();
    for file in files {
        read_file_annotations(file, &mut pending, &mut issues);
    }
    // Resolve `after: all` to every other condition of the same package.
    let by_package: Vec<(Package, String)> = pending
        .iter()
        .map(|p| (p.condition.package.clone(), p.condition.id.clone()))
        .collect();
    let conditions = pending
        .into_iter()
        .map(|mut p| {
            if p.after_all {
                p.condition.after = by_package
                    .iter()
                    .filter(|(pkg, id)| *pkg == p.condition.package && *id != p.condition.id)
                    .map(|(_, id)| id.clone())
                    .collect();
            }
            p.condition
        })
        .collect();
    (conditions, issues)
}

fn read_file_annotations(file: &PolicyFile, out: &mut Vec<Pending>, issues: &mut Vec<PolicyIssue>) {
    let lines: Vec<&str> = file.text.lines().collect();
    let issue = |line: usize, message: String| PolicyIssue {
        code: Code::PolicyAnnotation,
        file: file.path.clone(),
        line,
        message,
        text: Some(Arc::clone(&file.text)),
    };
    let package = lines
        .iter()
        .find_map(|l| l.strip_prefix("package "))
        .map(|p| p.trim().to_string())
        .unwrap_or_default();
    let mut annotated_heads = BTreeSet::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim_end() != "# METADATA" {
            i += 1;
            continue;
        }
        let start = i;
        let mut yaml = String::new();
        i += 1;
        while i < lines.len() && lines[i].starts_with('#') {
            let body = &lines[i][1..];
            yaml.push_str(body.strip_prefix(' ').unwrap_or(body));
            yaml.push('\n');
            i += 1;
        }
        let Some(head) = (i..lines.len()).find(|&k| !lines[k].trim().is_empty()) else {
            issues.push(issue(
                start + 1,
                "annotation is not followed by a rule".into(),
            ));
            continue;
        };
        let annotation: Annotation = match yaml_serde::from_str(&yaml) {
            Ok(a) => a,
            Err(err) => {
                issues.push(issue(
                    start + 1,
                    format!("annotation is not valid YAML: {err}"),
                ));
                continue;
            }
        };
        let rule = rule_name(lines[head]);
        let Some(custom) = annotation.custom.as_ref().filter(|c| c.id.is_some()) else {
            if matches!(rule, Some("deny" | "warn" | "info")) {
                issues.push(issue(
                    start + 1,
                    "annotation of a deny/warn/info rule has no custom.id".into(),
                ));
                annotated_heads.insert(head);
            }
            continue;
        };
        let id = custom.id.clone().unwrap_or_default();
        let Some(rule @ ("deny" | "warn" | "info")) = rule else {
            issues.push(issue(
                head + 1,
                format!("{id}: a condition must be a `deny`, `warn` or `info` rule"),
            ));
            continue;
        };
        annotated_heads.insert(head);
        if let Some(condition) = build_condition(
            file,
            &package,
            &lines,
            head,
            rule,
            &annotation,
            &id,
            &issue,
            issues,
        ) {
            out.push(condition);
        }
    }
    // Every deny/warn/info rule needs its annotation: a finding without identity is useless.
    for (k, line) in lines.iter().enumerate() {
        if matches!(rule_name(line), Some("deny" | "warn" | "info"))
            && !annotated_heads.contains(&k)
        {
            issues.push(issue(
                k + 1,
                "rule has no `# METADATA` annotation with custom.id, kind and remediation".into(),
            ));
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn build_condition(
    file: &PolicyFile,
    package: &str,
    lines: &[&str],
    head: usize,
    rule: &str,
    annotation: &Annotation,
    id: &str,
    issue: &dyn Fn(usize, String) -> PolicyIssue,
    issues: &mut Vec<PolicyIssue>,
) -> Option<Pending> {
    let at = head + 1;
    let before = issues.len();
    let custom = annotation.custom.as_ref()?;
    if !is_condition_id(id) {
        issues.push(issue(
            at,
            format!("custom.id `{id}` is not of the form ABC-123"),
        ));
    }
    let kind = match custom.kind.as_deref().map(Kind::parse) {
        Some(Some(kind)) => {
            if kind.rule_name() != rule {
                issues.push(issue(
                    at,
                    format!(
                        "{id} is of kind `{}` but written as a `{rule}` rule (use `{}`)",
                        kind.as_str(),
                        kind.rule_name()
                    ),
                ));
            }
            kind
        }
        Some(None) => {
            issues.push(issue(
                at,
                format!("{id}: custom.kind must be block, warn or info"),
            ));
            Kind::Block
        }
        None => {
            issues.push(issue(at, format!("{id}: custom.kind is missing")));
            Kind::Block
        }
    };
    let non_empty = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let title = non_empty(&annotation.title);
    if title.is_none() {
        issues.push(issue(at, format!("{id}: title is missing")));
    }
    let remediation = custom
        .remediation
        .as_deref()
        .map(str::trim)
        .map(str::to_owned);
    match &remediation {
        None => issues.push(issue(at, format!("{id}: custom.remediation is missing"))),
        Some(r) if r.is_empty() && kind != Kind::Info => issues.push(issue(
            at,
            format!("{id}: custom.remediation is empty (only info conditions may leave it empty)"),
        )),
        Some(_) => {}
    }
    let (source_doc, source_quote) = match annotation.related_resources.first() {
        Some(RelatedResource::Url(url)) => (url.clone(), String::new()),
        Some(RelatedResource::Ref {
            reference,
            description,
        }) => (
            reference.clone(),
            description.clone().unwrap_or_default().trim().to_owned(),
        ),
        None => {
            issues.push(issue(
                at,
                format!("{id}: related_resources must name the provider document it comes from"),
            ));
            (String::new(), String::new())
        }
    };
    let parsed = Package::parse(package);
    if parsed.is_none() {
        issues.push(issue(
            at,
            format!("{id}: package `{package}` must be `closeout.<provider>` or `closeout.common`"),
        ));
    }
    // The rule must emit its own id: the annotation and the finding are tied by it.
    let end = (head + 1..lines.len())
        .find(|&k| {
            lines[k].trim_end() == "# METADATA"
                || matches!(rule_name(lines[k]), Some("deny" | "warn" | "info"))
        })
        .unwrap_or(lines.len());
    let quoted = format!("\"{id}\"");
    if !lines[head..end].iter().any(|l| l.contains(&quoted)) {
        issues.push(issue(
            at,
            format!("the rule annotated {id} never emits {quoted} as its finding id"),
        ));
    }
    // What the rule reads decides whether GEN-003 can see a gap in the export
    // that matters to it, so blocking and warning conditions must say.
    let reads = custom.reads.clone().unwrap_or_default();
    if custom.reads.is_none() && kind != Kind::Info {
        issues.push(issue(
            at,
            format!(
                "{id}: custom.reads is missing: list the snapshot paths the rule reads \
                 (e.g. `reads: [resources, data_exports]`), so GEN-003 blocks when the export could not see them"
            ),
        ));
    }
    for path in &reads {
        if !is_dotted_path(path) {
            issues.push(issue(
                at,
                format!("{id}: custom.reads entry `{path}` is not a dotted snapshot path such as `billing.invoices`"),
            ));
        }
    }
    let (after, after_all) = match &custom.after {
        None => (Vec::new(), false),
        Some(After::One(one)) if one == "all" => (Vec::new(), true),
        Some(After::One(one)) => (vec![one.clone()], false),
        Some(After::List(list)) => (list.clone(), false),
    };
    let package = parsed?;
    if issues.len() > before {
        return None;
    }
    Some(Pending {
        condition: Condition {
            id: id.to_owned(),
            kind,
            title: title.unwrap_or_default(),
            description: non_empty(&annotation.description).unwrap_or_default(),
            remediation: remediation.unwrap_or_default(),
            after,
            source_doc,
            source_quote,
            reads,
            package,
            file: file.path.clone(),
            line: at,
        },
        after_all,
    })
}

/// `deny` for `deny contains f if {`: the name of a rule whose head starts this line.
fn rule_name(line: &str) -> Option<&str> {
    if line.starts_with(|c: char| c.is_whitespace()) {
        return None;
    }
    let name_end = line
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(line.len());
    let (name, rest) = line.split_at(name_end);
    let rest = rest.trim_start();
    let is_head = ["contains", "if", ":=", "=", "{", "["]
        .iter()
        .any(|t| rest.starts_with(t));
    (!name.is_empty() && is_head).then_some(name)
}

/// `billing.invoices`: non-empty segments of lowercase letters, digits and `_`.
pub(crate) fn is_dotted_path(path: &str) -> bool {
    !path.is_empty()
        && path.split('.').all(|segment| {
            !segment.is_empty()
                && segment
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
}

fn is_condition_id(id: &str) -> bool {
    let Some((prefix, number)) = id.split_once('-') else {
        return false;
    };
    !prefix.is_empty()
        && prefix
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && prefix.starts_with(|c: char| c.is_ascii_uppercase())
        && number.len() == 3
        && number.chars().all(|c| c.is_ascii_digit())
}

/// Unique ids, known `after` targets, no cycles.
fn check_references(conditions: &[Condition]) -> Vec<PolicyIssue> {
    let mut issues = Vec::new();
    let issue = |c: &Condition, message: String| PolicyIssue {
        code: Code::PolicyAnnotation,
        file: c.file.clone(),
        line: c.line,
        message,
        text: None,
    };
    let mut seen: HashMap<&str, &Condition> = HashMap::new();
    for condition in conditions {
        if let Some(first) = seen.insert(&condition.id, condition) {
            issues.push(issue(
                condition,
                format!(
                    "duplicate condition id {} (first defined at {}:{})",
                    condition.id, first.file, first.line
                ),
            ));
        }
    }
    for condition in conditions {
        for dep in &condition.after {
            if !seen.contains_key(dep.as_str()) {
                issues.push(issue(
                    condition,
                    format!("{}: `after` names unknown condition {dep}", condition.id),
                ));
            } else if dep == &condition.id {
                issues.push(issue(
                    condition,
                    format!("{}: `after` names itself", condition.id),
                ));
            }
        }
    }
    if issues.is_empty() {
        if let Some(cycle) = find_cycle(conditions) {
            let first = conditions
                .iter()
                .find(|c| c.id == cycle[0])
                .expect("cycle ids are loaded");
            issues.push(issue(
                first,
                format!("`after` forms a cycle: {}", cycle.join(" -> ")),
            ));
        }
    }
    issues
}

fn find_cycle(conditions: &[Condition]) -> Option<Vec<String>> {
    let index: HashMap<&str, usize> = conditions
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    // 0 = unvisited, 1 = on the current path, 2 = done.
    let mut state = vec![0u8; conditions.len()];
    fn visit(
        i: usize,
        conditions: &[Condition],
        index: &HashMap<&str, usize>,
        state: &mut [u8],
        path: &mut Vec<usize>,
    ) -> Option<Vec<String>> {
        state[i] = 1;
        path.push(i);
        for dep in &conditions[i].after {
            let Some(&j) = index.get(dep.as_str()) else {
                continue;
            };
            if state[j] == 1 {
                let from = path.iter().position(|&p| p == j).unwrap_or(0);
                let mut cycle: Vec<String> = path[from..]
                    .iter()
                    .map(|&p| conditions[p].id.clone())
                    .collect();
                cycle.push(conditions[j].id.clone());
                return Some(cycle);
            }
            if state[j] == 0 {
                if let Some(cycle) = visit(j, conditions, index, state, path) {
                    return Some(cycle);
                }
            }
        }
        path.pop();
        state[i] = 2;
        None
    }
    (0..conditions.len()).find_map(|i| {
        if state[i] == 0 {
            visit(i, conditions, &index, &mut state, &mut Vec::new())
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<PolicySet, PolicyError> {
        // One directory per call (tempfile names each): tests run in parallel.
        let scratch = tempfile::tempdir().unwrap();
        std::fs::write(scratch.path().join("p.rego"), text).unwrap();
        PolicySet::load(&[PolicySource::Dir(scratch.path().to_path_buf())])
    }

    const GOOD: &str = r#"package closeout.demo

import rego.v1

# METADATA
# title: Demo
# description: A demo condition.
# related_resources:
#   - ref: seeds/demo.md
#     description: "Quoted."
# custom:
#   id: DEM-001
#   kind: block
#   reads: [x]
#   remediation: Fix it.
deny contains {"id": "DEM-001", "msg": "m", "pointer": ""} if input.x

# METADATA
# title: Demo note
# description: A note.
# related_resources:
#   - ref: seeds/demo.md
# custom:
#   id: DEM-002
#   kind: info
#   remediation: ""
#   after: all
info contains {"id": "DEM-002", "msg": "m", "pointer": ""} if true
"#;

    fn messages(err: PolicyError) -> Vec<String> {
        match err {
            PolicyError::Invalid(issues) => issues
                .into_iter()
                .map(|i| format!("{}: {}", i.line, i.message))
                .collect(),
            other => panic!("expected annotation problems, got {other}"),
        }
    }

    #[test]
    fn reads_conditions_and_resolves_after_all() {
        let set = load_text(GOOD).unwrap();
        let note = set.catalogue.get("DEM-002").unwrap();
        assert_eq!(note.after, vec!["DEM-001".to_string()]);
        assert_eq!(note.kind, Kind::Info);
        let block = set.catalogue.get("DEM-001").unwrap();
        assert_eq!(
            (
                block.line,
                block.source_doc.as_str(),
                block.source_quote.as_str()
            ),
            (16, "seeds/demo.md", "Quoted.")
        );
        assert_eq!(set.providers(), vec!["demo".to_string()]);
    }

    #[test]
    fn a_rule_without_annotation_is_an_error_with_its_line() {
        let text = format!("{GOOD}\ndeny contains {{\"id\": \"DEM-003\"}} if false\n");
        assert_eq!(
            messages(load_text(&text).unwrap_err()),
            vec!["30: rule has no `# METADATA` annotation with custom.id, kind and remediation"]
        );
    }

    #[test]
    fn missing_fields_kind_mismatch_and_wrong_id_are_reported() {
        let text = GOOD
            .replace(
                "#   kind: block\n#   reads: [x]\n#   remediation: Fix it.\n",
                "#   kind: warn\n#   reads: [x]\n",
            )
            .replace("\"DEM-001\", \"msg\"", "\"DEM-009\", \"msg\"");
        let found = messages(load_text(&text).unwrap_err());
        assert!(
            found.iter().any(|m| m.contains("written as a `deny` rule")),
            "{found:?}"
        );
        assert!(
            found.iter().any(|m| m.contains("remediation is missing")),
            "{found:?}"
        );
        assert!(
            found.iter().any(|m| m.contains("never emits \"DEM-001\"")),
            "{found:?}"
        );
    }

    #[test]
    fn duplicate_ids_unknown_after_and_cycles_are_reported() {
        let dup = GOOD.replace("DEM-002", "DEM-001");
        assert!(messages(load_text(&dup).unwrap_err())
            .iter()
            .any(|m| m.contains("duplicate condition id DEM-001")));
        let unknown = GOOD.replace("after: all", "after: [DEM-404]");
        assert!(messages(load_text(&unknown).unwrap_err())
            .iter()
            .any(|m| m.contains("unknown condition DEM-404")));
        let cycle = GOOD.replace(
            "#   remediation: Fix it.\n",
            "#   remediation: Fix it.\n#   after: [DEM-002]\n",
        );
        assert!(messages(load_text(&cycle).unwrap_err())
            .iter()
            .any(|m| m.contains("cycle")));
    }

    #[test]
    fn a_blocking_condition_must_say_what_it_reads() {
        let text = GOOD.replace("#   reads: [x]\n", "");
        assert_eq!(
            messages(load_text(&text).unwrap_err()),
            vec!["15: DEM-001: custom.reads is missing: list the snapshot paths the rule reads (e.g. `reads: [resources, data_exports]`), so GEN-003 blocks when the export could not see them"]
        );
        let bad = GOOD.replace("#   reads: [x]", "#   reads: [Billing..x]");
        assert!(messages(load_text(&bad).unwrap_err())[0].contains("not a dotted snapshot path"));
        let set = load_text(GOOD).unwrap();
        assert_eq!(
            set.reads(),
            serde_json::json!({"demo": {"DEM-001": ["x"], "DEM-002": []}})
        );
    }

    #[test]
    fn no_conditions_at_all_is_an_error() {
        assert!(matches!(
            load_text("package closeout.demo\n"),
            Err(PolicyError::Empty { .. })
        ));
    }

    #[test]
    fn rule_heads_are_recognised() {
        assert_eq!(rule_name("deny contains f if {"), Some("deny"));
        assert_eq!(rule_name("warn contains msg if {"), Some("warn"));
        assert_eq!(rule_name("\tdeny contains f"), None);
        assert_eq!(rule_name("denylist := {1}"), Some("denylist"));
        assert_eq!(rule_name("# deny contains"), None);
    }
}
