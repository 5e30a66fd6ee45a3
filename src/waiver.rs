//! Waivers: accepting a finding for one account, with a reason, an approver and
//! an expiry, and reporting the waivers that matched nothing.
//!
//! Everything here is pure data and functions; [`crate::config`] reads the
//! waivers, this module decides which one covers a finding.
//!
//! Wiring, for the check and the report:
//!
//! - Build one [`Waivers`] per run from [`crate::config::Config::waivers`]. It is
//!   `Send + Sync` and never mutated, so workers share it (`&Waivers` or `Arc`).
//! - The day waivers are judged on comes from `--now`: [`waiver_day`].
//! - For each finding of a checked snapshot, in the worker:
//!   `waivers.matching(account_id, &finding.id, &finding.pointer,
//!   object_id_at(&snapshot.document, &finding.pointer).as_deref(), today)`
//!   and store the result in a `Finding::waiver: Option<WaiverNote>` field.
//!   (Skip the look-up when [`Waivers::is_empty`].)
//! - A finding whose note is [`WaiverStatus::Applied`] stays in the results,
//!   with its note, but no longer counts: not toward the verdict, `warned`, the
//!   fix plan, or the exit code. An [`WaiverStatus::Expired`] note changes
//!   nothing but tells the reader the waiver lapsed.
//! - `Summary` gets a `waivers: WaiverSummary` field; `Summary::add` calls
//!   [`WaiverSummary::record`] for each finding's note (results arrive in order
//!   on one thread, so no locking), and the run ends with
//!   [`WaiverSummary::finish`], which lists the stale waivers: report each as a
//!   warning `closeout.toml:LINE: …` ([`StaleWaiver::message`]), as cargo-deny
//!   does for ignore entries that match nothing.
//!
//! Which waiver covers a finding: one for the same condition id and
//! `account.id`, whose target is absent (the whole account), the finding's
//! exact JSON pointer, or the id of the object the pointer is in. Among several,
//! a waiver still in force beats an expired one, then the most specific wins
//! (pointer, then object id, then whole account), then the first in the file.

use std::cmp::Reverse;
use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::config::Waiver;

/// Whether the waiver that matched a finding still applies.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum WaiverStatus {
    /// In force: the finding is accepted.
    Applied,
    /// Past its `expires` day: the finding counts again.
    Expired,
}

/// What a finding says about the waiver that matched it (`Finding::waiver`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct WaiverNote {
    pub status: WaiverStatus,
    pub reason: String,
    pub approved_by: String,
    pub ticket: Option<String>,
    /// `YYYY-MM-DD`, the last day it applies.
    pub expires: String,
    /// The waiver's line in the config file.
    pub line: usize,
    /// The waiver's [`Waiver::index`], for [`WaiverSummary::record`].
    #[serde(skip)]
    pub index: usize,
}

/// A waiver that matched no finding in the run.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct StaleWaiver {
    #[serde(skip)]
    pub index: usize,
    pub line: usize,
    /// The condition id.
    pub id: String,
    pub account: String,
    pub target: Option<String>,
    /// `YYYY-MM-DD`.
    pub expires: String,
}

impl StaleWaiver {
    /// What to say, after `FILE:LINE: `.
    pub fn message(&self) -> String {
        let target = self
            .target
            .as_deref()
            .map(|t| format!(" at {t}"))
            .unwrap_or_default();
        format!(
            "waiver for {} on account {}{target} matched no finding: remove it, or fix its id, account or target",
            self.id, self.account
        )
    }
}

/// Waiver totals over a run (`Summary::waivers`).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct WaiverSummary {
    /// Findings a waiver in force accepted.
    pub applied: usize,
    /// Findings whose waiver had expired.
    pub expired: usize,
    /// Waivers that matched no finding; filled by [`WaiverSummary::finish`].
    pub stale: Vec<StaleWaiver>,
    #[serde(skip)]
    used: BTreeSet<usize>,
}

impl WaiverSummary {
    /// Counts one finding's note and remembers its waiver as used.
    pub fn record(&mut self, note: &WaiverNote) {
        match note.status {
            WaiverStatus::Applied => self.applied += 1,
            WaiverStatus::Expired => self.expired += 1,
        }
        self.used.insert(note.index);
    }

    /// The waivers that matched at least one finding so far, by index.
    pub fn used(&self) -> &BTreeSet<usize> {
        &self.used
    }

    /// Lists the waivers that matched nothing, at the end of the run.
    /// Nothing to report: no waiver was loaded, matched or left stale.
    pub fn is_unused(&self) -> bool {
        self.applied == 0 && self.expired == 0 && self.stale.is_empty()
    }

    pub fn finish(&mut self, waivers: &Waivers) {
        self.stale = waivers.stale(&self.used);
    }
}

/// A run's waivers, ready to match findings. Immutable, so shared by workers.
#[derive(Debug, Clone, Default)]
pub struct Waivers {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    waiver: Waiver,
    target: Target,
}

/// What a waiver covers on its account, least specific first.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Account,
    Object(String),
    Pointer(String),
}

impl Target {
    fn of(target: Option<&str>) -> Target {
        match target {
            None => Target::Account,
            Some(p) if p.starts_with('/') => Target::Pointer(p.to_owned()),
            Some(id) => Target::Object(id.to_owned()),
        }
    }

    fn specificity(&self) -> u8 {
        match self {
            Target::Account => 0,
            Target::Object(_) => 1,
            Target::Pointer(_) => 2,
        }
    }

    fn covers(&self, pointer: &str, object_id: Option<&str>) -> bool {
        match self {
            Target::Account => true,
            Target::Object(id) => object_id == Some(id.as_str()),
            Target::Pointer(p) => p == pointer,
        }
    }
}

impl Waivers {
    /// Prepares the waivers of a config (their `index` identifies them later).
    pub fn new(waivers: &[Waiver]) -> Waivers {
        Waivers {
            entries: waivers
                .iter()
                .map(|w| Entry {
                    target: Target::of(w.target.as_deref()),
                    waiver: w.clone(),
                })
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The waiver covering one finding, if any: see the module docs for which
    /// wins. A finding of a snapshot with no `account.id` is never waived.
    /// `object_id` is the id of the object the pointer is in ([`object_id_at`]).
    /// Record the note's use with [`WaiverSummary::record`].
    pub fn matching(
        &self,
        account_id: Option<&str>,
        condition_id: &str,
        pointer: &str,
        object_id: Option<&str>,
        today: NaiveDate,
    ) -> Option<WaiverNote> {
        let account_id = account_id?;
        let (entry, in_force) = self
            .entries
            .iter()
            .filter(|e| {
                e.waiver.id == condition_id
                    && e.waiver.account == account_id
                    && e.target.covers(pointer, object_id)
            })
            .map(|e| (e, e.waiver.expires >= today))
            .max_by_key(|(e, in_force)| {
                (*in_force, e.target.specificity(), Reverse(e.waiver.index))
            })?;
        let waiver = &entry.waiver;
        Some(WaiverNote {
            status: if in_force {
                WaiverStatus::Applied
            } else {
                WaiverStatus::Expired
            },
            reason: waiver.reason.clone(),
            approved_by: waiver.approved_by.clone(),
            ticket: waiver.ticket.clone(),
            expires: waiver.expires.format("%Y-%m-%d").to_string(),
            line: waiver.line,
            index: waiver.index,
        })
    }

    /// The waivers whose index is not in `used`, in file order.
    pub fn stale(&self, used: &BTreeSet<usize>) -> Vec<StaleWaiver> {
        self.stale_where(used, |_| true)
    }

    /// Like [`Waivers::stale`], but only for the accounts the run checked: for a
    /// run over some of the accounts, the others' waivers are not stale.
    pub fn stale_among(
        &self,
        used: &BTreeSet<usize>,
        accounts: &BTreeSet<String>,
    ) -> Vec<StaleWaiver> {
        self.stale_where(used, |w| accounts.contains(&w.account))
    }

    fn stale_where(
        &self,
        used: &BTreeSet<usize>,
        keep: impl Fn(&Waiver) -> bool,
    ) -> Vec<StaleWaiver> {
        self.entries
            .iter()
            .map(|e| &e.waiver)
            .filter(|w| !used.contains(&w.index) && keep(w))
            .map(|w| StaleWaiver {
                index: w.index,
                line: w.line,
                id: w.id.clone(),
                account: w.account.clone(),
                target: w.target.clone(),
                expires: w.expires.format("%Y-%m-%d").to_string(),
            })
            .collect()
    }
}

/// The id of the object a finding's pointer names, or of the nearest object
/// above it that has one: `V-1` for `/rights/vouchers/0` and for
/// `/rights/vouchers/0/expires_at` (a finding may point at a member, or at one
/// that is missing). The `id` member may be a string or an integer. The
/// document root is not considered.
pub fn object_id_at(document: &serde_json::Value, pointer: &str) -> Option<String> {
    let mut at = pointer;
    while !at.is_empty() {
        if let Some(id) = document.pointer(at).and_then(|v| v.get("id")) {
            match id {
                serde_json::Value::String(s) => return Some(s.clone()),
                serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => {
                    return Some(n.to_string())
                }
                _ => {}
            }
        }
        at = &at[..at.rfind('/')?];
    }
    None
}

/// The day waivers are judged on: the date of `--now` (RFC 3339) in the offset
/// it was given in, so `2026-12-31T23:00:00-05:00` is still 2026-12-31.
pub fn waiver_day(now: &str) -> Result<NaiveDate, String> {
    chrono::DateTime::parse_from_rfc3339(now)
        .map(|t| t.date_naive())
        .map_err(|e| format!("`{now}` is not an RFC 3339 time ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn waiver(
        index: usize,
        id: &str,
        account: &str,
        target: Option<&str>,
        expires: &str,
    ) -> Waiver {
        Waiver {
            index,
            id: id.into(),
            account: account.into(),
            target: target.map(str::to_owned),
            reason: format!("reason {index}"),
            approved_by: "jane@acme".into(),
            ticket: (index == 0).then(|| "COMP-1".to_string()),
            expires: day(expires),
            line: 10 + index * 8,
        }
    }

    const ACCOUNT: &str = "100012345678";

    fn today() -> NaiveDate {
        day("2026-11-21")
    }

    /// (index, status) of the waiver matching a TCC-003 finding.
    fn matched(
        waivers: &Waivers,
        account: Option<&str>,
        pointer: &str,
        object: Option<&str>,
    ) -> Option<(usize, WaiverStatus)> {
        waivers
            .matching(account, "TCC-003", pointer, object, today())
            .map(|n| (n.index, n.status))
    }

    #[test]
    fn a_whole_account_waiver_covers_every_finding_of_its_condition() {
        let waivers = Waivers::new(&[waiver(0, "TCC-003", ACCOUNT, None, "2026-12-31")]);
        let note = waivers
            .matching(
                Some(ACCOUNT),
                "TCC-003",
                "/rights/vouchers/1",
                None,
                today(),
            )
            .unwrap();
        assert_eq!(
            note,
            WaiverNote {
                status: WaiverStatus::Applied,
                reason: "reason 0".into(),
                approved_by: "jane@acme".into(),
                ticket: Some("COMP-1".into()),
                expires: "2026-12-31".into(),
                line: 10,
                index: 0,
            }
        );
        assert_eq!(
            matched(&waivers, Some(ACCOUNT), "/anything", Some("X")),
            Some((0, WaiverStatus::Applied))
        );
        // Another condition, another account, or no account: not covered.
        assert!(waivers
            .matching(
                Some(ACCOUNT),
                "TCC-004",
                "/rights/vouchers/1",
                None,
                today()
            )
            .is_none());
        assert_eq!(matched(&waivers, Some("100099999999"), "/x", None), None);
        assert_eq!(matched(&waivers, None, "/x", None), None);
    }

    #[test]
    fn a_pointer_target_covers_only_that_pointer() {
        let waivers = Waivers::new(&[waiver(
            0,
            "TCC-003",
            ACCOUNT,
            Some("/rights/vouchers/0"),
            "2026-12-31",
        )]);
        assert_eq!(
            matched(&waivers, Some(ACCOUNT), "/rights/vouchers/0", Some("V-1")),
            Some((0, WaiverStatus::Applied))
        );
        assert_eq!(
            matched(&waivers, Some(ACCOUNT), "/rights/vouchers/1", Some("V-2")),
            None
        );
        assert_eq!(
            matched(
                &waivers,
                Some(ACCOUNT),
                "/rights/vouchers/0/balance",
                Some("V-1")
            ),
            None
        );
    }

    #[test]
    fn an_object_id_target_covers_findings_in_that_object() {
        let waivers = Waivers::new(&[waiver(0, "TCC-003", ACCOUNT, Some("V-1"), "2026-12-31")]);
        assert_eq!(
            matched(&waivers, Some(ACCOUNT), "/rights/vouchers/0", Some("V-1")),
            Some((0, WaiverStatus::Applied))
        );
        assert_eq!(
            matched(&waivers, Some(ACCOUNT), "/rights/vouchers/1", Some("V-2")),
            None
        );
        assert_eq!(
            matched(&waivers, Some(ACCOUNT), "/rights/cash_balance", None),
            None
        );
        assert_eq!(
            matched(
                &waivers,
                Some("100099999999"),
                "/rights/vouchers/0",
                Some("V-1")
            ),
            None
        );
    }

    #[test]
    fn an_expired_waiver_is_noted_but_no_longer_applies() {
        let waivers = Waivers::new(&[waiver(0, "TCC-003", ACCOUNT, None, "2026-11-20")]);
        let note = waivers
            .matching(Some(ACCOUNT), "TCC-003", "/x", None, today())
            .unwrap();
        assert_eq!(note.status, WaiverStatus::Expired);
        assert_eq!(note.expires, "2026-11-20");
        // The expiry day itself is still covered.
        let note = waivers
            .matching(Some(ACCOUNT), "TCC-003", "/x", None, day("2026-11-20"))
            .unwrap();
        assert_eq!(note.status, WaiverStatus::Applied);
    }

    #[test]
    fn the_most_specific_waiver_in_force_wins() {
        let waivers = Waivers::new(&[
            waiver(0, "TCC-003", ACCOUNT, None, "2026-12-31"),
            waiver(1, "TCC-003", ACCOUNT, Some("V-1"), "2026-12-31"),
            waiver(
                2,
                "TCC-003",
                ACCOUNT,
                Some("/rights/vouchers/0"),
                "2026-12-31",
            ),
            waiver(
                3,
                "TCC-003",
                ACCOUNT,
                Some("/rights/vouchers/1"),
                "2026-01-01",
            ),
        ]);
        let at =
            |pointer: &str, object: &str| matched(&waivers, Some(ACCOUNT), pointer, Some(object));
        assert_eq!(
            at("/rights/vouchers/0", "V-1"),
            Some((2, WaiverStatus::Applied))
        );
        assert_eq!(
            at("/rights/vouchers/0/balance", "V-1"),
            Some((1, WaiverStatus::Applied))
        );
        assert_eq!(
            at("/rights/vouchers/2", "V-3"),
            Some((0, WaiverStatus::Applied))
        );
        // The pointer waiver for voucher 1 has expired: the account-wide one
        // still in force covers it.
        assert_eq!(
            at("/rights/vouchers/1", "V-2"),
            Some((0, WaiverStatus::Applied))
        );
        // With only expired candidates, the most specific is the one noted.
        let expired = Waivers::new(&[
            waiver(0, "TCC-003", ACCOUNT, None, "2026-01-01"),
            waiver(1, "TCC-003", ACCOUNT, Some("V-2"), "2026-01-01"),
        ]);
        assert_eq!(
            matched(&expired, Some(ACCOUNT), "/rights/vouchers/1", Some("V-2")),
            Some((1, WaiverStatus::Expired))
        );
    }

    #[test]
    fn waivers_that_matched_nothing_are_stale() {
        let waivers = Waivers::new(&[
            waiver(0, "TCC-003", ACCOUNT, None, "2026-12-31"),
            waiver(1, "TCC-003", ACCOUNT, Some("V-9"), "2026-12-31"),
            waiver(2, "TCC-004", "200000000000", None, "2026-01-01"),
        ]);
        let mut summary = WaiverSummary::default();
        for (pointer, object) in [("/rights/vouchers/0", "V-1"), ("/rights/vouchers/1", "V-2")] {
            let note = waivers
                .matching(Some(ACCOUNT), "TCC-003", pointer, Some(object), today())
                .unwrap();
            summary.record(&note);
        }
        assert_eq!(summary.used(), &BTreeSet::from([0]));
        summary.finish(&waivers);
        assert_eq!((summary.applied, summary.expired), (2, 0));
        assert_eq!(
            summary.stale,
            vec![
                StaleWaiver {
                    index: 1,
                    line: 18,
                    id: "TCC-003".into(),
                    account: ACCOUNT.into(),
                    target: Some("V-9".into()),
                    expires: "2026-12-31".into(),
                },
                StaleWaiver {
                    index: 2,
                    line: 26,
                    id: "TCC-004".into(),
                    account: "200000000000".into(),
                    target: None,
                    expires: "2026-01-01".into(),
                },
            ]
        );
        assert_eq!(
            summary.stale[0].message(),
            "waiver for TCC-003 on account 100012345678 at V-9 matched no finding: remove it, or fix its id, account or target"
        );
        let seen = BTreeSet::from([ACCOUNT.to_string()]);
        let among: Vec<usize> = waivers
            .stale_among(summary.used(), &seen)
            .iter()
            .map(|s| s.index)
            .collect();
        assert_eq!(among, vec![1]);
        // An expired waiver that matched is not stale: its note says it lapsed.
        let mut summary = WaiverSummary::default();
        let lapsed = Waivers::new(&[waiver(0, "TCC-003", ACCOUNT, None, "2026-01-01")]);
        summary.record(
            &lapsed
                .matching(Some(ACCOUNT), "TCC-003", "/x", None, today())
                .unwrap(),
        );
        summary.finish(&lapsed);
        assert_eq!(
            (summary.applied, summary.expired, summary.stale.len()),
            (0, 1, 0)
        );
    }

    #[test]
    fn notes_and_summaries_serialize_without_internal_indices() {
        let waivers = Waivers::new(&[waiver(0, "TCC-003", ACCOUNT, None, "2026-12-31")]);
        let note = waivers
            .matching(Some(ACCOUNT), "TCC-003", "/x", None, today())
            .unwrap();
        assert_eq!(
            serde_json::to_string(&note).unwrap(),
            r#"{"status":"applied","reason":"reason 0","approved_by":"jane@acme","ticket":"COMP-1","expires":"2026-12-31","line":10}"#
        );
        let mut summary = WaiverSummary::default();
        summary.finish(&waivers);
        assert_eq!(
            serde_json::to_value(&summary).unwrap(),
            serde_json::json!({"applied": 0, "expired": 0, "stale": [{
                "line": 10, "id": "TCC-003", "account": ACCOUNT, "target": null,
                "expires": "2026-12-31"
            }]})
        );
    }

    #[test]
    fn object_ids_are_found_at_or_above_the_pointer() {
        let document = serde_json::json!({
            "id": "root-is-ignored",
            "account": {"id": "100012345678", "email": "a@b"},
            "rights": {
                "vouchers": [{"id": "V-1", "balance": 50.0}, {"balance": 1.0}],
                "cash_balance": 3
            },
            "resources": [{"id": 42, "tags": {"a/b": {"x": 1}}}]
        });
        let at = |p: &str| object_id_at(&document, p);
        assert_eq!(at("/rights/vouchers/0"), Some("V-1".into()));
        assert_eq!(at("/rights/vouchers/0/balance"), Some("V-1".into()));
        assert_eq!(at("/rights/vouchers/0/missing/deeper"), Some("V-1".into()));
        assert_eq!(at("/rights/vouchers/1"), None);
        assert_eq!(at("/rights/cash_balance"), None);
        assert_eq!(at("/resources/0/tags/a~1b/x"), Some("42".into()));
        assert_eq!(at("/account/email"), Some("100012345678".into()));
        assert_eq!(at(""), None);
        assert_eq!(at("/nowhere"), None);
    }

    #[test]
    fn the_waiver_day_is_the_date_of_now_where_it_was_given() {
        assert_eq!(
            waiver_day("2026-12-31T23:00:00-05:00"),
            Ok(day("2026-12-31"))
        );
        assert_eq!(waiver_day("2026-11-21T00:00:00Z"), Ok(day("2026-11-21")));
        assert!(waiver_day("yesterday").is_err());
    }

    #[test]
    fn waivers_are_shared_by_worker_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<Waivers>();
    }
}
