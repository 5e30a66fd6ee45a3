//! Waivers as records: a `[[waiver]]` of `closeout.toml`, and what a finding
//! and a run's summary say about the waivers that matched (or did not). The
//! stage that applies them is [`crate::decide::waiver`].

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One `[[waiver]]`: a condition accepted for one account, with a reason and an
/// expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    /// 0-based position among the file's waivers.
    pub index: usize,
    /// The condition id.
    pub id: String,
    /// The `account.id` it is for.
    pub account: String,
    /// A JSON pointer (starts with `/`) or an object id; `None` = the whole account.
    pub target: Option<String>,
    pub reason: String,
    pub approved_by: String,
    pub ticket: Option<String>,
    /// The last day the waiver applies.
    pub expires: NaiveDate,
    /// 1-based line of its `[[waiver]]` header.
    pub line: usize,
}
/// Whether the waiver that matched a finding still applies.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
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
    /// Its diagnostic code (a warning; `docs/codes.md`).
    pub fn code(&self) -> super::Code {
        super::Code::WaiverStale
    }

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

    /// Nothing to report: no waiver was loaded, matched or left stale.
    pub fn is_unused(&self) -> bool {
        self.applied == 0 && self.expired == 0 && self.stale.is_empty()
    }
}
