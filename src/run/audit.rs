//! The audit record: one JSON line per checked snapshot, appended to the file
//! given with `--audit-log FILE`, saying what was decided, on which exact
//! input, with which exact policies, and which waivers were relied on.
//!
//! Nothing here reads the clock: `evaluated_at` is the run's `--now` time, so
//! the same inputs give the same line.
//!
//! Wiring, for the CLI:
//!
//! - Once per run: an [`AuditRun`] with [`policy_set_digest`] of the loaded
//!   policies, [`sha256_hex`] of the config file's bytes (if any), and the
//!   `Context::now` string; then [`AuditLog::open_append`].
//! - Per snapshot, in the worker (where the text is at hand, for JSON Lines
//!   inputs too): `sha256_hex(snapshot.text.as_bytes())`, carried to the
//!   reporting thread with the result.
//! - Per result, in input order on the reporting thread:
//!   [`AuditRecord::new`] with the (condition id, note) of each waived finding,
//!   then [`AuditLog::write`].
//!
//! A line looks like (wrapped here):
//!
//! ```json
//! {"version":1,"snapshot_sha256":"9f86…","snapshot_id":"tc-vouchers-2026-11-20","account_id":"100012345678",
//!  "provider":"tencentcloud","source":"fixtures/tencentcloud/blocked-vouchers.json",
//!  "verdict":"eligible","finding_ids":["TCC-003","TCC-012"],
//!  "waivers_applied":[{"id":"TCC-003","line":12,"approved_by":"jane@acme"}],
//!  "policy_digest":"5e1c…","config_sha256":"a0b1…","closeout_version":"0.1.0",
//!  "engine":"vm","evaluated_at":"2026-11-21T00:00:00Z"}
//! ```
//!
//! `finding_ids` lists every condition that tripped, waived or not;
//! `waivers_applied` says which of them a waiver in force accepted.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::{SnapshotResult, Verdict};
use crate::model::{WaiverNote, WaiverStatus};
use crate::policy::PolicySet;

/// The version of the audit record's shape; fields may be added within it.
pub const AUDIT_VERSION: u32 = 1;

/// One line of the audit log (read back by `closeout diff`: members a
/// later version adds are ignored).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct AuditRecord {
    /// The record's shape: [`AUDIT_VERSION`] (schema/audit-record-v1.json).
    pub version: u32,
    /// SHA-256 of the snapshot's bytes, hex; `None` when it could not be read.
    pub snapshot_sha256: Option<String>,
    pub snapshot_id: Option<String>,
    pub account_id: Option<String>,
    pub provider: Option<String>,
    pub source: String,
    pub verdict: Verdict,
    /// The condition ids that tripped, sorted, without repeats.
    pub finding_ids: Vec<String>,
    /// The waivers in force that accepted a finding, sorted by line, each once.
    pub waivers_applied: Vec<AppliedWaiver>,
    /// [`policy_digest`] of the policies evaluated.
    pub policy_digest: String,
    /// SHA-256 of the config file's bytes, hex; `None` without a config.
    pub config_sha256: Option<String>,
    pub closeout_version: String,
    /// The evaluator that ran the policies: `vm` or `interpreter`.
    pub engine: String,
    /// The run's `--now` time (RFC 3339).
    pub evaluated_at: String,
}

/// A waiver relied on: the condition it waived, where it is, who approved it.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AppliedWaiver {
    /// The condition id.
    pub id: String,
    /// Its line in the config file.
    pub line: usize,
    pub approved_by: String,
}

/// What every record of a run shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRun {
    pub policy_digest: String,
    pub config_sha256: Option<String>,
    /// The evaluator that ran the policies: `vm` or `interpreter`.
    pub engine: String,
    /// The run's `--now` time (RFC 3339).
    pub evaluated_at: String,
}

impl AuditRecord {
    /// The record of one result. `waivers` are the (condition id, note) pairs of
    /// its findings; expired notes are left out, repeats merged.
    pub fn new<'a>(
        result: &SnapshotResult,
        snapshot_sha256: Option<String>,
        waivers: impl IntoIterator<Item = (&'a str, &'a WaiverNote)>,
        run: &AuditRun,
    ) -> AuditRecord {
        let mut applied: Vec<AppliedWaiver> = waivers
            .into_iter()
            .filter(|(_, note)| note.status == WaiverStatus::Applied)
            .map(|(id, note)| AppliedWaiver {
                id: id.to_owned(),
                line: note.line,
                approved_by: note.approved_by.clone(),
            })
            .collect();
        applied.sort_by(|a, b| (a.line, &a.id).cmp(&(b.line, &b.id)));
        applied.dedup();
        AuditRecord {
            version: AUDIT_VERSION,
            snapshot_sha256,
            snapshot_id: result.snapshot_id.clone(),
            account_id: result.account_id.clone(),
            provider: result.provider.clone(),
            source: result.source.to_string(),
            verdict: result.verdict,
            finding_ids: result.condition_ids(),
            waivers_applied: applied,
            policy_digest: run.policy_digest.clone(),
            config_sha256: run.config_sha256.clone(),
            closeout_version: env!("CARGO_PKG_VERSION").to_owned(),
            engine: run.engine.clone(),
            evaluated_at: run.evaluated_at.clone(),
        }
    }

    /// The record as one line of JSON, newline included.
    pub fn to_line(&self) -> String {
        let mut line = serde_json::to_string(self).expect("an audit record is plain data");
        line.push('\n');
        line
    }
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// SHA-256 over policy files, hex: the same set of (path, text) pairs in any
/// order gives the same digest. The pairs are sorted, then each path and text is
/// hashed after its length (8 bytes, big-endian), so no two different sets can
/// frame into the same bytes.
pub fn policy_digest(files: &[(&str, &str)]) -> String {
    let mut sorted = files.to_vec();
    sorted.sort_unstable();
    let mut hasher = Sha256::new();
    hasher.update(b"closeout policy digest v1\n");
    hasher.update((sorted.len() as u64).to_be_bytes());
    for (path, text) in sorted {
        for part in [path, text] {
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part.as_bytes());
        }
    }
    hex::encode(hasher.finalize())
}

/// [`policy_digest`] of the rule files of a policy set (`*_test.rego` files
/// decide nothing, so they are left out). Paths are as loaded: bundled files
/// are `policies/…`, others as the user named their directory.
pub fn policy_set_digest(set: &PolicySet) -> String {
    let files: Vec<(&str, &str)> = set
        .modules
        .iter()
        .map(|f| (f.path.as_str(), &*f.text))
        .collect();
    policy_digest(&files)
}

/// An audit log open for appending. Each record is written whole, in one write,
/// so lines from separate runs appending to the same file do not mix.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    file: File,
}

impl AuditLog {
    /// Opens (creating if need be) `path` for appending.
    pub fn open_append(path: &Path) -> io::Result<AuditLog> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(AuditLog {
            path: path.to_path_buf(),
            file,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record as one line.
    pub fn write(&mut self, record: &AuditRecord) -> io::Result<()> {
        self.file.write_all(record.to_line().as_bytes())?;
        self.file.flush()
    }
}

/// A [`Reporter`](crate::run::Reporter) that appends one audit record per
/// snapshot, with the run's facts.
#[derive(Debug)]
pub struct AuditReporter {
    log: AuditLog,
    run: AuditRun,
}

impl AuditReporter {
    pub fn new(log: AuditLog, run: AuditRun) -> AuditReporter {
        AuditReporter { log, run }
    }
}

impl crate::run::Reporter for AuditReporter {
    fn report(&mut self, result: &SnapshotResult, _text: Option<&str>) -> std::io::Result<()> {
        let notes = result
            .findings
            .iter()
            .filter_map(|f| f.waiver.as_ref().map(|w| (f.id.as_str(), w)));
        let record = AuditRecord::new(result, result.snapshot_sha256.clone(), notes, &self.run);
        self.log.write(&record)
    }

    fn finish(&mut self, _summary: &crate::model::Summary) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_is_the_standard_one() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn the_policy_digest_ignores_order_and_sees_every_byte() {
        let a = ("policies/a.rego", "package closeout.a\n");
        let b = ("policies/b.rego", "package closeout.b\n");
        let c = ("policies/common.rego", "package closeout.common\n");
        let digest = policy_digest(&[a, b, c]);
        assert_eq!(digest.len(), 64);
        assert_eq!(policy_digest(&[c, a, b]), digest);
        assert_eq!(policy_digest(&[b, c, a]), digest);
        assert_ne!(
            policy_digest(&[a, b, ("policies/common.rego", "package closeout.commoN\n")]),
            digest
        );
        assert_ne!(
            policy_digest(&[a, b, ("policies/common.regp", c.1)]),
            digest
        );
        assert_ne!(policy_digest(&[a, b]), digest);
        // Framing: moving bytes between a path and its text changes the digest.
        assert_ne!(policy_digest(&[("ab", "c")]), policy_digest(&[("a", "bc")]));
        assert_ne!(
            policy_digest(&[("a", "b"), ("c", "d")]),
            policy_digest(&[("a", "b\0\0\0\0\0\0\0\u{1}c"), ("", "d")])
        );
        // Known values, computed outside closeout (Python's hashlib over the
        // framing documented above), so a change of the framing fails here.
        assert_eq!(
            policy_digest(&[]),
            "bed2cd6d7c56d36ed34bd3c3b93442f96e6a670b1d924a2cee89e32d3bd18c18"
        );
        assert_eq!(
            policy_digest(&[("policies/a.rego", "package closeout.a\n")]),
            "daaa72227fe4b76e84be18d78a73470fbb15096abfae1ff7f7f58878beb0be86"
        );
        assert_ne!(policy_digest(&[("", "")]), policy_digest(&[]));
    }

    const VOUCHERS: &str = include_str!("../../fixtures/tencentcloud/blocked-vouchers.json");

    /// A real result, built through the public constructors only.
    fn result() -> SnapshotResult {
        let snapshot = crate::input::SnapshotSchema::v1()
            .load_text(
                "fixtures/tencentcloud/blocked-vouchers.json".into(),
                1,
                VOUCHERS.into(),
            )
            .unwrap();
        let raw = ["TCC-003", "TCC-012", "TCC-003"]
            .into_iter()
            .map(|id| crate::model::RawFinding {
                id: id.into(),
                kind: crate::model::Kind::Block,
                message: "m".into(),
                pointer: "/rights/vouchers/0".into(),
            })
            .collect();
        SnapshotResult::checked(&snapshot, raw, &crate::model::Catalogue::default())
    }

    fn note(line: usize, status: WaiverStatus) -> WaiverNote {
        WaiverNote {
            status,
            reason: "r".into(),
            approved_by: "jane@acme".into(),
            ticket: None,
            expires: "2026-12-31".into(),
            line,
            index: line,
        }
    }

    fn run() -> AuditRun {
        AuditRun {
            policy_digest: policy_digest(&[("policies/a.rego", "package closeout.a\n")]),
            config_sha256: Some(sha256_hex(b"[defaults]\n")),
            engine: "vm".into(),
            evaluated_at: "2026-11-21T00:00:00Z".into(),
        }
    }

    #[test]
    fn a_record_is_one_line_of_known_shape() {
        let applied = note(20, WaiverStatus::Applied);
        let again = note(20, WaiverStatus::Applied);
        let first = note(12, WaiverStatus::Applied);
        let expired = note(30, WaiverStatus::Expired);
        let record = AuditRecord::new(
            &result(),
            Some(sha256_hex(b"{}")),
            [
                ("TCC-004", &applied),
                ("TCC-004", &again),
                ("TCC-003", &first),
                ("TCC-005", &expired),
            ],
            &run(),
        );
        let line = record.to_line();
        assert!(line.ends_with('\n'));
        assert_eq!(line.matches('\n').count(), 1);
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            value,
            serde_json::json!({
                "version": 1,
                // sha256 of `{}`, of `[defaults]\n` and run()'s policy digest,
                // written out: the record must carry these exact values.
                "snapshot_sha256": "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
                "snapshot_id": "tc-vouchers-2026-11-20",
                "account_id": "200078901234",
                "provider": "tencentcloud",
                "source": "fixtures/tencentcloud/blocked-vouchers.json",
                "verdict": "blocked",
                "finding_ids": ["TCC-003", "TCC-012"],
                "waivers_applied": [
                    {"id": "TCC-003", "line": 12, "approved_by": "jane@acme"},
                    {"id": "TCC-004", "line": 20, "approved_by": "jane@acme"}
                ],
                "policy_digest": "daaa72227fe4b76e84be18d78a73470fbb15096abfae1ff7f7f58878beb0be86",
                "config_sha256": "6c76c8a9f1cda0ce244533cd4f58ad82e5162784da8915544713fd4a0389f0d3",
                "closeout_version": env!("CARGO_PKG_VERSION"),
                "engine": "vm",
                "evaluated_at": "2026-11-21T00:00:00Z"
            })
        );
        // Field order is fixed, so equal inputs give equal bytes.
        let keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert!(
            line.starts_with("{\"version\":1,\"snapshot_sha256\":"),
            "{keys:?}"
        );
        let again = AuditRecord::new(
            &result(),
            Some(sha256_hex(b"{}")),
            [("TCC-003", &first), ("TCC-004", &applied)],
            &run(),
        );
        assert_eq!(again.to_line(), line);
    }

    #[test]
    fn the_log_appends_whole_lines() {
        let scratch = tempfile::tempdir().unwrap();
        let path = scratch.path().join("audit.jsonl");
        let record = AuditRecord::new(&result(), None, [], &run());
        for _ in 0..2 {
            let mut log = AuditLog::open_append(&path).unwrap();
            assert_eq!(log.path(), path);
            log.write(&record).unwrap();
        }
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(format!("{}\n", lines[1]), record.to_line());
        assert!(lines[0].contains("\"snapshot_sha256\":null"));
    }
}
