//! The decision: what the rules returned for one snapshot becomes its
//! findings, placed in the snapshot's text, sorted in the catalogue's order,
//! each checked against the waivers ([`waiver`], a stage of its own); then the
//! verdict and the ordered fix plan.
//!
//! Uses [`crate::model`] and [`crate::input`] (the snapshot and the locator).

pub mod waiver;

use crate::input::locate::Locator;
use crate::input::Snapshot;
use crate::model::{
    Catalogue, ErrorInfo, Finding, InputError, Kind, PlanStep, RawFinding, SnapshotResult, Verdict,
};

use waiver::{object_id_at, Waivers};

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
                code: error.code(),
                message: error.message.clone(),
                line: error.position.map(|p| p.0),
                column: error.position.map(|p| p.1),
                span: error.span,
            }),
            snapshot_sha256: None,
            seq: 0,
        }
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
