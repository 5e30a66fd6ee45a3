//! Results: what the rules returned, the findings placed in a snapshot, the
//! verdict and fix plan of one snapshot, the summary of a run, and the exit
//! code it maps to. Plain serde data that every renderer reads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Code, ErrorKind, Kind, Source, Span, WaiverNote, WaiverStatus, WaiverSummary};

/// The version of the JSON report's shape.
pub const REPORT_VERSION: u32 = 1;

/// The whole run, as `--format json` writes it.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub version: u32,
    pub results: Vec<SnapshotResult>,
    pub summary: Summary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
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
        self.into()
    }
}

/// The outcome for one snapshot.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SnapshotResult {
    pub source: Source,
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
    /// The diagnostic code (`docs/codes.md`), [`ErrorKind::code`] of `kind`.
    pub code: Code,
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
            crate::model::plural(self.snapshots),
            self.eligible,
            self.blocked,
            self.errors,
            crate::model::plural(self.errors),
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
        for id in result.counted_ids() {
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

impl SnapshotResult {
    /// `file:line:column` of the error, for messages; a JSON Lines source
    /// names its line once.
    pub fn error_location(&self) -> String {
        match &self.error {
            Some(error) => self.source.position(error.line, error.column),
            None => self.source.to_string(),
        }
    }

    /// The ids of the findings that count (not waived), sorted, once each:
    /// what a summary and the service's metrics count per condition.
    pub fn counted_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .findings
            .iter()
            .filter(|f| !f.is_waived())
            .map(|f| f.id.as_str())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The ids of the findings, sorted and without repeats.
    pub fn condition_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.findings.iter().map(|f| f.id.clone()).collect();
        ids.sort();
        ids.dedup();
        ids
    }
}
/// When a run fails (exit code 1) besides errors (always exit code 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailOn {
    /// Only block findings fail the run.
    #[default]
    Block,
    /// Warn findings fail it too.
    Warn,
}

/// The exit code contract: 2 if any input could not be checked (or there was
/// none), 1 if any snapshot is blocked (or warned, with `FailOn::Warn`), 0 when
/// every one may be closed.
pub fn exit_code(summary: &Summary, fail_on: FailOn) -> u8 {
    // One shard may hold none of a small input's snapshots: the others hold
    // them, and an input without any is an error result in some shard.
    let nothing = summary.snapshots == 0 && summary.shard.is_none();
    if summary.errors > 0 || nothing {
        2
    } else if summary.blocked > 0 || (fail_on == FailOn::Warn && summary.warned > 0) {
        1
    } else {
        0
    }
}
/// What a rule returned for one offending value, checked against the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFinding {
    pub id: String,
    pub kind: Kind,
    pub message: String,
    pub pointer: String,
}
