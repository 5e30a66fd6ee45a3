//! `closeout diff`: the movement between two runs, account by account.
//!
//! Pure: two sides (the results of a run, or the records of an audit log) in,
//! a [`Movement`] out; reading the files is `merge::read_run_file`.
//!
//! - Accounts are matched by provider and account id, never by file name or
//!   snapshot id (both change from week to week).
//! - An account with several snapshots in one run is one account, judged
//!   fail closed: it is eligible only when every snapshot of it is, its
//!   conditions are all of theirs, an error in any makes it an error.
//! - A condition is every condition id that tripped, waived or not (an audit
//!   record's `finding_ids`): a waiver expiring is reported as that, not as a
//!   condition appearing.
//! - A waiver expired in between: it accepted a condition of the account in
//!   OLD, and in NEW the condition still trips with no waiver in force for it
//!   (the JSON Lines output says when it expired; an audit log cannot tell an
//!   expired waiver from one taken out of closeout.toml).
//! - A result that names no provider or account (an unreadable input) cannot
//!   be matched: it is listed by its source.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::model::{SnapshotResult, Verdict, WaiverStatus};
use crate::run::audit::AuditRecord;

/// The version of the `closeout diff --format json` document's shape.
pub const DIFF_VERSION: u32 = 1;

/// A waiver that accepted a condition.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct WaiverRef {
    /// The condition id it waived.
    pub id: String,
    /// Its line in closeout.toml.
    pub line: usize,
    pub approved_by: String,
    /// `YYYY-MM-DD`, its last day, when the input says it.
    pub expires: Option<String>,
}

/// One account as one run saw it.
#[derive(Debug, Clone)]
pub struct AccountState {
    pub verdict: Verdict,
    pub conditions: BTreeSet<String>,
    /// Waivers in force, by (condition id, line).
    pub waived: BTreeMap<(String, usize), WaiverRef>,
    /// Expiry days of waivers seen expired, by (condition id, line).
    pub expired: BTreeMap<(String, usize), String>,
    /// Where its snapshots were read.
    pub sources: Vec<String>,
}

/// One run's accounts, keyed by (provider, account id).
#[derive(Debug, Clone, Default)]
pub struct Side {
    pub accounts: BTreeMap<(String, String), AccountState>,
    /// Sources of results naming no provider or account.
    pub unidentified: Vec<String>,
}

/// The worse of two verdicts, fail closed: error, then blocked, then eligible.
fn worse(a: Verdict, b: Verdict) -> Verdict {
    let rank = |v: Verdict| match v {
        Verdict::Eligible => 0,
        Verdict::Blocked => 1,
        Verdict::Error => 2,
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

impl Side {
    /// The side of a run's results.
    pub fn from_results<'a>(results: impl IntoIterator<Item = &'a SnapshotResult>) -> Side {
        let mut side = Side::default();
        for result in results {
            side.add_result(result);
        }
        side
    }

    /// The side of an audit log's records. A log is appended to run after
    /// run: each account is taken from the last run that recorded it (its
    /// last record's `evaluated_at`, policy and config digests).
    pub fn from_records<'a>(records: impl IntoIterator<Item = &'a AuditRecord>) -> Side {
        let records: Vec<&AuditRecord> = records.into_iter().collect();
        let run = |r: &'a AuditRecord| (&r.evaluated_at, &r.policy_digest, &r.config_sha256);
        let mut last = BTreeMap::new();
        for record in &records {
            last.insert((&record.provider, &record.account_id), run(record));
        }
        let mut side = Side::default();
        for record in records {
            if last.get(&(&record.provider, &record.account_id)) != Some(&run(record)) {
                continue;
            }
            let Some(state) = side.state(
                record.provider.as_deref(),
                record.account_id.as_deref(),
                record.verdict,
                &record.source,
            ) else {
                continue;
            };
            state.conditions.extend(record.finding_ids.iter().cloned());
            for w in &record.waivers_applied {
                state
                    .waived
                    .entry((w.id.clone(), w.line))
                    .or_insert_with(|| WaiverRef {
                        id: w.id.clone(),
                        line: w.line,
                        approved_by: w.approved_by.clone(),
                        expires: None,
                    });
            }
        }
        side
    }

    /// Adds one result (`check --baseline` adds them as they come).
    pub fn add_result(&mut self, result: &SnapshotResult) {
        let Some(state) = self.state(
            result.provider.as_deref(),
            result.account_id.as_deref(),
            result.verdict,
            &result.source.to_string(),
        ) else {
            return;
        };
        for finding in &result.findings {
            state.conditions.insert(finding.id.clone());
            let Some(note) = &finding.waiver else {
                continue;
            };
            let key = (finding.id.clone(), note.line);
            match note.status {
                WaiverStatus::Applied => {
                    state.waived.entry(key).or_insert_with(|| WaiverRef {
                        id: finding.id.clone(),
                        line: note.line,
                        approved_by: note.approved_by.clone(),
                        expires: Some(note.expires.clone()),
                    });
                }
                WaiverStatus::Expired => {
                    state.expired.insert(key, note.expires.clone());
                }
            }
        }
    }

    /// The account's state, created or made worse by `verdict`; `None` (and
    /// listed as unidentified) without a provider and account id.
    fn state(
        &mut self,
        provider: Option<&str>,
        account: Option<&str>,
        verdict: Verdict,
        source: &str,
    ) -> Option<&mut AccountState> {
        let (Some(provider), Some(account)) = (provider, account) else {
            self.unidentified.push(source.to_owned());
            return None;
        };
        let state = self
            .accounts
            .entry((provider.to_owned(), account.to_owned()))
            .or_insert_with(|| AccountState {
                verdict,
                conditions: BTreeSet::new(),
                waived: BTreeMap::new(),
                expired: BTreeMap::new(),
                sources: Vec::new(),
            });
        state.verdict = worse(state.verdict, verdict);
        state.sources.push(source.to_owned());
        Some(state)
    }
}

/// An account in one run only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountRef {
    pub provider: String,
    pub account_id: String,
    pub verdict: Verdict,
    pub conditions: Vec<String>,
}

/// What moved for an account in both runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountMovement {
    pub provider: String,
    pub account_id: String,
    pub old_verdict: Verdict,
    pub new_verdict: Verdict,
    /// The new verdict when it changed: `eligible` (became eligible),
    /// `blocked` (became blocked) or `error`.
    pub became: Option<Verdict>,
    pub conditions_appeared: Vec<String>,
    pub conditions_cleared: Vec<String>,
    pub waivers_expired: Vec<WaiverRef>,
}

/// How many of each movement.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub became_eligible: usize,
    pub became_blocked: usize,
    pub became_error: usize,
    pub conditions_appeared: usize,
    pub conditions_cleared: usize,
    pub waivers_expired: usize,
    pub only_in_old: usize,
    pub only_in_new: usize,
    /// Accounts in both runs with nothing moved.
    pub unchanged: usize,
}

/// The movement between two runs (`closeout diff --format json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Movement {
    pub version: u32,
    pub totals: Totals,
    /// Accounts in both runs where something moved, by provider and account id.
    pub accounts: Vec<AccountMovement>,
    pub only_in_old: Vec<AccountRef>,
    pub only_in_new: Vec<AccountRef>,
    /// Sources of results naming no account, in each run.
    pub unidentified_old: Vec<String>,
    pub unidentified_new: Vec<String>,
}

impl Movement {
    /// Whether anything moved toward blocked: an account became blocked or an
    /// error, a condition appeared, a waiver expired, an account only in NEW
    /// is not eligible, or a result in NEW names no account. `diff` exits 1 then.
    pub fn toward_blocked(&self) -> bool {
        let t = &self.totals;
        t.became_blocked + t.became_error + t.conditions_appeared + t.waivers_expired > 0
            || self
                .only_in_new
                .iter()
                .any(|a| a.verdict != Verdict::Eligible)
            || !self.unidentified_new.is_empty()
    }

    /// Whether nothing at all moved.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
            && self.only_in_old.is_empty()
            && self.only_in_new.is_empty()
            && self.unidentified_old.is_empty()
            && self.unidentified_new.is_empty()
    }
}

fn only(key: &(String, String), state: &AccountState) -> AccountRef {
    AccountRef {
        provider: key.0.clone(),
        account_id: key.1.clone(),
        verdict: state.verdict,
        conditions: state.conditions.iter().cloned().collect(),
    }
}

/// The movement from `old` to `new`.
pub fn diff(old: &Side, new: &Side) -> Movement {
    let mut totals = Totals::default();
    let mut accounts = Vec::new();
    let mut only_in_old = Vec::new();
    for (key, was) in &old.accounts {
        let Some(now) = new.accounts.get(key) else {
            only_in_old.push(only(key, was));
            continue;
        };
        let became = (was.verdict != now.verdict).then_some(now.verdict);
        let appeared: Vec<String> = now
            .conditions
            .difference(&was.conditions)
            .cloned()
            .collect();
        let cleared: Vec<String> = was
            .conditions
            .difference(&now.conditions)
            .cloned()
            .collect();
        let expired: Vec<WaiverRef> = was
            .waived
            .iter()
            .filter(|((id, _), _)| {
                now.conditions.contains(id) && !now.waived.keys().any(|(other, _)| other == id)
            })
            .map(|(key, w)| WaiverRef {
                expires: now.expired.get(key).cloned().or_else(|| w.expires.clone()),
                ..w.clone()
            })
            .collect();
        match became {
            Some(Verdict::Eligible) => totals.became_eligible += 1,
            Some(Verdict::Blocked) => totals.became_blocked += 1,
            Some(Verdict::Error) => totals.became_error += 1,
            None => {}
        }
        totals.conditions_appeared += appeared.len();
        totals.conditions_cleared += cleared.len();
        totals.waivers_expired += expired.len();
        if became.is_none() && appeared.is_empty() && cleared.is_empty() && expired.is_empty() {
            totals.unchanged += 1;
            continue;
        }
        accounts.push(AccountMovement {
            provider: key.0.clone(),
            account_id: key.1.clone(),
            old_verdict: was.verdict,
            new_verdict: now.verdict,
            became,
            conditions_appeared: appeared,
            conditions_cleared: cleared,
            waivers_expired: expired,
        });
    }
    let only_in_new: Vec<AccountRef> = new
        .accounts
        .iter()
        .filter(|(key, _)| !old.accounts.contains_key(*key))
        .map(|(key, state)| only(key, state))
        .collect();
    totals.only_in_old = only_in_old.len();
    totals.only_in_new = only_in_new.len();
    Movement {
        version: DIFF_VERSION,
        totals,
        accounts,
        only_in_old,
        only_in_new,
        unidentified_old: old.unidentified.clone(),
        unidentified_new: new.unidentified.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(account: &str, verdict: Verdict, ids: &[&str]) -> SnapshotResult {
        let findings = ids
            .iter()
            .map(|id| {
                serde_json::from_value(serde_json::json!({
                    "id": id, "kind": "block", "title": "t", "message": "m",
                    "remediation": "r", "pointer": "", "line": null, "column": null,
                    "source_doc": ""
                }))
                .unwrap()
            })
            .collect();
        SnapshotResult {
            source: format!("{account}.json").into(),
            snapshot_id: Some(account.into()),
            account_id: Some(account.into()),
            provider: Some("ukfast".into()),
            verdict,
            findings,
            plan: Vec::new(),
            error: None,
            snapshot_sha256: None,
            seq: 0,
        }
    }

    #[test]
    fn movement_is_per_account_and_fail_closed_over_duplicates() {
        let old = Side::from_results(&[
            result("a", Verdict::Blocked, &["X-1"]),
            result("b", Verdict::Eligible, &[]),
            result("c", Verdict::Eligible, &[]),
            result("gone", Verdict::Eligible, &[]),
        ]);
        let new = Side::from_results(&[
            result("a", Verdict::Eligible, &[]),
            result("b", Verdict::Eligible, &[]),
            // Two snapshots of c: one blocked makes the account blocked.
            result("c", Verdict::Eligible, &[]),
            result("c", Verdict::Blocked, &["X-2"]),
            result("fresh", Verdict::Eligible, &[]),
        ]);
        let m = diff(&old, &new);
        let ids: Vec<&str> = m.accounts.iter().map(|a| a.account_id.as_str()).collect();
        assert_eq!(ids, ["a", "c"]);
        assert_eq!(m.accounts[0].became, Some(Verdict::Eligible));
        assert_eq!(m.accounts[0].conditions_cleared, ["X-1"]);
        assert_eq!(m.accounts[1].became, Some(Verdict::Blocked));
        assert_eq!(m.accounts[1].conditions_appeared, ["X-2"]);
        assert_eq!(m.only_in_old[0].account_id, "gone");
        assert_eq!(m.only_in_new[0].account_id, "fresh");
        assert_eq!(m.totals.unchanged, 1);
        assert!(m.toward_blocked());
        let same = diff(&old, &old);
        assert!(same.is_empty() && !same.toward_blocked());
    }
}
