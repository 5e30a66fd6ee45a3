//! The report model: plain serde data that every renderer reads. Nothing here
//! knows about terminals or formats.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::condition::{Catalogue, Kind};
use crate::eval::RawFinding;
use crate::locate::{Locator, Span};
use crate::snapshot::{ErrorKind, InputError, Snapshot};
use crate::waiver::{object_id_at, WaiverNote, WaiverStatus, WaiverSummary, Waivers};

/// The version of the JSON report's shape.
pub const REPORT_VERSION: u32 = 1;

/// The whole run, as `--format json` writes it.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub version: u32,
    pub results: Vec<SnapshotResult>,
    pub summary: Summary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No block finding: the account may be closed.
    Eligible,
    /// At least one block finding.
    Blocked,
    /// The snapshot could not be checked.
    Error,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Eligible => "ELIGIBLE",
            Verdict::Blocked => "BLOCKED",
            Verdict::Error => "ERROR",
        }
    }
}

/// The outcome for one snapshot.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SnapshotResult {
    pub source: String,
    pub snapshot_id: Option<String>,
    pub account_id: Option<String>,
    pub provider: Option<String>,
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    pub plan: Vec<PlanStep>,
    pub error: Option<ErrorInfo>,
    /// SHA-256 of the snapshot's text, when an audit log asks for it.
    #[serde(skip)]
    pub snapshot_sha256: Option<String>,
    /// The snapshot's 0-based position in the run's input order, the same in
    /// every shard of a run (JSON Lines writes it as the line's `seq`).
    #[serde(skip)]
    pub seq: u64,
}

/// One condition tripped by one value of the snapshot.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finding {
    pub id: String,
    pub kind: Kind,
    pub title: String,
    pub message: String,
    pub remediation: String,
    /// RFC 6901 pointer to the offending value (or where a missing one belongs).
    pub pointer: String,
    /// 1-based position of the value in the snapshot file (of its nearest existing
    /// ancestor when the value is missing).
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub source_doc: String,
    /// The waiver from closeout.toml that covers this finding, if any. An
    /// applied one keeps the finding out of the verdict and the plan; an
    /// expired one no longer applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<WaiverNote>,
    /// The part of the text a human report underlines.
    #[serde(skip)]
    pub label: Option<Span>,
}

/// One step of the fix plan: what to do, in an order that honours every `after`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanStep {
    pub step: usize,
    /// The condition ids this step clears.
    pub ids: Vec<String>,
    pub remediation: String,
    /// The messages of the findings it clears, naming each object.
    pub targets: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorInfo {
    pub kind: ErrorKind,
    pub message: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    #[serde(skip)]
    pub span: Option<Span>,
}

/// Totals over a run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Summary {
    pub snapshots: usize,
    pub eligible: usize,
    pub blocked: usize,
    pub errors: usize,
    /// Snapshots with at least one warn finding.
    pub warned: usize,
    /// For each condition id, how many snapshots it tripped (waived findings
    /// not counted).
    pub by_condition: BTreeMap<String, usize>,
    /// Waivers applied, expired, and those that matched nothing (stale).
    #[serde(default, skip_serializing_if = "WaiverSummary::is_unused")]
    pub waivers: WaiverSummary,
    /// The shard this run checked (`--shard K/N`); absent for a whole run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
}

/// Shard `index` of `count` (1-based, `--shard K/N`): which snapshots a
/// sharded run checks is decided in `run::shard`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Summary {
    /// `12 snapshots checked: 3 eligible, 8 blocked, 1 error`, after
    /// `shard 2/4: ` in a sharded run.
    pub fn tally(&self) -> String {
        format!(
            "{}{} snapshot{} checked: {} eligible, {} blocked, {} error{}",
            self.shard
                .map(|s| format!("shard {s}: "))
                .unwrap_or_default(),
            self.snapshots,
            crate::snapshot::plural(self.snapshots),
            self.eligible,
            self.blocked,
            self.errors,
            crate::snapshot::plural(self.errors),
        )
    }

    pub fn add(&mut self, result: &SnapshotResult) {
        self.snapshots += 1;
        match result.verdict {
            Verdict::Eligible => self.eligible += 1,
            Verdict::Blocked => self.blocked += 1,
            Verdict::Error => self.errors += 1,
        }
        if result
            .findings
            .iter()
            .any(|f| f.kind == Kind::Warn && !f.is_waived())
        {
            self.warned += 1;
        }
        for note in result.findings.iter().filter_map(|f| f.waiver.as_ref()) {
            self.waivers.record(note);
        }
        let mut ids: Vec<&str> = result
            .findings
            .iter()
            .filter(|f| !f.is_waived())
            .map(|f| f.id.as_str())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            *self.by_condition.entry(id.to_string()).or_default() += 1;
        }
    }
}

impl Finding {
    /// The message, and the waiver that covers it, if any: what every format
    /// shows for a waived finding.
    pub fn message_with_waiver(&self) -> String {
        match &self.waiver {
            Some(w) if self.is_waived() => format!(
                "{} (waived by {} until {}: {})",
                self.message, w.approved_by, w.expires, w.reason
            ),
            Some(w) => format!("{} (its waiver expired {})", self.message, w.expires),
            None => self.message.clone(),
        }
    }

    /// Covered by a waiver that still applies.
    pub fn is_waived(&self) -> bool {
        self.waiver
            .as_ref()
            .is_some_and(|w| w.status == WaiverStatus::Applied)
    }
}

/// The waivers of a run and the day they are judged on.
#[derive(Debug, Clone, Copy)]
pub struct WaiverContext<'w> {
    pub waivers: &'w Waivers,
    pub today: chrono::NaiveDate,
}

impl SnapshotResult {
    /// A checked snapshot: findings placed in the text, sorted, and planned.
    pub fn checked(
        snapshot: &Snapshot,
        raw: Vec<RawFinding>,
        catalogue: &Catalogue,
    ) -> SnapshotResult {
        Self::checked_with(snapshot, raw, catalogue, None)
    }

    /// As [`SnapshotResult::checked`], applying waivers first.
    pub fn checked_with(
        snapshot: &Snapshot,
        raw: Vec<RawFinding>,
        catalogue: &Catalogue,
        waivers: Option<WaiverContext<'_>>,
    ) -> SnapshotResult {
        let locator = (!raw.is_empty()).then(|| Locator::new(&snapshot.text));
        let mut findings: Vec<Finding> = raw
            .into_iter()
            .map(|raw| {
                let condition = catalogue.get(&raw.id);
                let location = locator.as_ref().and_then(|l| l.locate(&raw.pointer));
                Finding {
                    title: condition.map(|c| c.title.clone()).unwrap_or_default(),
                    remediation: condition.map(|c| c.remediation.clone()).unwrap_or_default(),
                    source_doc: condition.map(|c| c.source_doc.clone()).unwrap_or_default(),
                    waiver: waivers.and_then(|w| {
                        let object = object_id_at(&snapshot.document, &raw.pointer);
                        w.waivers.matching(
                            snapshot.account_id.as_deref(),
                            &raw.id,
                            &raw.pointer,
                            object.as_deref(),
                            w.today,
                        )
                    }),
                    line: location.as_ref().map(|l| l.line + snapshot.first_line - 1),
                    column: location.as_ref().map(|l| l.column),
                    label: location.map(|l| l.label),
                    id: raw.id,
                    kind: raw.kind,
                    message: raw.message,
                    pointer: raw.pointer,
                }
            })
            .collect();
        findings.sort_by_key(|f| (f.kind, catalogue.position(&f.id), f.line, f.column));
        let verdict = if findings
            .iter()
            .any(|f| f.kind == Kind::Block && !f.is_waived())
        {
            Verdict::Blocked
        } else {
            Verdict::Eligible
        };
        let plan = plan(&findings, catalogue);
        SnapshotResult {
            source: snapshot.source.clone(),
            snapshot_id: Some(snapshot.snapshot_id.clone()),
            account_id: snapshot.account_id.clone(),
            provider: Some(snapshot.provider.clone()),
            verdict,
            findings,
            plan,
            error: None,
            snapshot_sha256: None,
            seq: 0,
        }
    }

    /// An input that could not be checked.
    pub fn failed(error: &InputError) -> SnapshotResult {
        SnapshotResult {
            source: error.source.clone(),
            snapshot_id: error.snapshot_id.clone(),
            account_id: None,
            provider: error.provider.clone(),
            verdict: Verdict::Error,
            findings: Vec::new(),
            plan: Vec::new(),
            error: Some(ErrorInfo {
                kind: error.kind.clone(),
                message: error.message.clone(),
                line: error.position.map(|p| p.0),
                column: error.position.map(|p| p.1),
                span: error.span,
            }),
            snapshot_sha256: None,
            seq: 0,
        }
    }

    /// `file:line:column` of the error, for messages; a JSON Lines source
    /// names its line once.
    pub fn error_location(&self) -> String {
        match &self.error {
            Some(error) => file_position(&self.source, error.line, error.column),
            None => self.source.clone(),
        }
    }

    /// The ids of the findings, sorted and without repeats.
    pub fn condition_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.findings.iter().map(|f| f.id.clone()).collect();
        ids.sort();
        ids.dedup();
        ids
    }
}

/// The fix plan: one step per tripped condition that has a remediation, in the
/// order the catalogue's `after` requires.
fn plan(findings: &[Finding], catalogue: &Catalogue) -> Vec<PlanStep> {
    let ids: Vec<String> = findings
        .iter()
        .filter(|f| !f.remediation.is_empty() && !f.is_waived())
        .map(|f| f.id.clone())
        .collect();
    catalogue
        .order(&ids)
        .into_iter()
        .enumerate()
        .map(|(i, id)| {
            let of_id = findings.iter().filter(|f| f.id == id && !f.is_waived());
            PlanStep {
                step: i + 1,
                remediation: of_id
                    .clone()
                    .next()
                    .map(|f| f.remediation.clone())
                    .unwrap_or_default(),
                targets: of_id.map(|f| f.message.clone()).collect(),
                ids: vec![id],
            }
        })
        .collect()
}

/// Splits a result's source into the file and, for one line of a JSON Lines
/// stream (`big.jsonl:12`), that line. Formats that point into files (SARIF,
/// GitHub) need the file alone.
pub fn split_source(source: &str) -> (&str, Option<usize>) {
    if let Some((file, line)) = source.rsplit_once(':') {
        if !file.is_empty() && !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(line) = line.parse() {
                return (file, Some(line));
            }
        }
    }
    (source, None)
}

/// `FILE:LINE:COLUMN` for a position in a result's snapshot, as much of it as
/// is known. For a line of a stream the file is named once: `big.jsonl:12:5`,
/// not `big.jsonl:12:12:5`.
pub fn file_position(source: &str, line: Option<usize>, column: Option<usize>) -> String {
    let (file, stream_line) = split_source(source);
    match (line.or(stream_line), column) {
        (Some(line), Some(column)) => format!("{file}:{line}:{column}"),
        (Some(line), None) => format!("{file}:{line}"),
        (None, _) => file.to_string(),
    }
}
