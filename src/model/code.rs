//! Diagnostic codes: one stable name for each kind of error closeout reports
//! (a `closeout.toml` problem, a policy pack refused at load, an input that
//! could not be checked, a waiver that cannot apply), as cargo-deny names its
//! diagnostics. A code is `AREA::NAME`; once published it is never reused for
//! another meaning. `docs/codes.md` is generated from this table
//! ([`Code::markdown_page`]); a test fails when the two differ.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Declares [`Code`] from one table: each row's doc text is both the
/// variant's doc comment and [`Code::meaning`], so the two cannot drift.
macro_rules! codes {
    ($( $(#[doc = $doc:literal])+ $variant:ident = $name:literal, fix = $fix:literal; )+) => {
        /// What kind of error a diagnostic reports (`docs/codes.md`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum Code {
            $( $(#[doc = $doc])+ #[serde(rename = $name)] $variant, )+
        }

        impl Code {
            /// Every code, in the order of the page.
            pub const ALL: &'static [Code] = &[$(Code::$variant),+];

            /// The stable name, `AREA::NAME`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $name,)+ }
            }

            /// What the code means (the variant's doc comment).
            pub fn meaning(self) -> String {
                match self {
                    $(Code::$variant => {
                        let lines: &[&str] = &[$($doc),+];
                        lines.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ")
                    })+
                }
            }

            /// An example of how to fix it.
            pub fn fix(self) -> &'static str {
                match self { $(Code::$variant => $fix,)+ }
            }
        }
    };
}

codes! {
    /// `closeout.toml` could not be read (missing, a directory, no permission).
    ConfigUnreadable = "config::unreadable",
        fix = "Check the path given to `--config`, or the permissions of `closeout.toml`.";
    /// `closeout.toml` is not UTF-8 text.
    ConfigEncoding = "config::encoding",
        fix = "Save the file as UTF-8 (without a byte-order mark in another encoding).";
    /// `closeout.toml` is not valid TOML, or a value has the wrong type
    /// (a string where a list belongs, say).
    ConfigSyntax = "config::syntax",
        fix = "Correct the TOML at the line shown: `policies = [\"packs\"]`, not `policies = \"packs\"`.";
    /// `closeout.toml` has a key closeout does not know: a typo would
    /// otherwise be ignored silently.
    ConfigUnknownKey = "config::unknown-key",
        fix = "Spell the key as documented in README: `fail_on`, not `fail-on`; remove keys closeout does not read.";
    /// A value in `[defaults]` or `[redact]` is refused (an empty policy
    /// directory, a `fail_on` other than block or warn, a pattern that does
    /// not compile, …).
    ConfigInvalidValue = "config::invalid-value",
        fix = "Use one of the values the message names: `fail_on = \"warn\"`, a non-empty directory, a valid regular expression.";
    /// A `[[waiver]]` entry is incomplete or malformed: an empty `id`,
    /// `account`, `reason` or `approved_by`, an empty `target` or `ticket`,
    /// or an `expires` that is not a date.
    WaiverInvalid = "waiver::invalid",
        fix = "Give every waiver `id`, `account`, `reason`, `approved_by` and `expires = 2026-12-31`; leave out `target` and `ticket` rather than leaving them empty.";
    /// Two waivers cover the same condition, account and target: the second
    /// could never apply.
    WaiverDuplicate = "waiver::duplicate",
        fix = "Delete one of the two entries (keep the one with the right reason and expiry).";
    /// A waiver names a condition id that no loaded policy declares, so it
    /// could never match (a typo, or a pack that is not loaded).
    WaiverUnknownCondition = "waiver::unknown-condition",
        fix = "Correct the `id` (see `closeout conditions`), or load the pack that declares it.";
    /// A waiver matched no finding in the run (a warning: the run goes on).
    WaiverStale = "waiver::stale",
        fix = "Remove the waiver once its condition is resolved, or correct its `id`, `account` or `target`.";
    /// A policy file or directory could not be read.
    PolicyUnreadable = "policy::unreadable",
        fix = "Check the path given to `--policy` or `policies`, and its permissions.";
    /// A condition's annotation is missing, incomplete or inconsistent (no
    /// `id`, a duplicate id, an unknown `after`, …).
    PolicyAnnotation = "policy::annotation",
        fix = "Add the metadata docs/policy-authoring.md requires above the rule: `id`, `kind`, `title`, `remediation`, `source_doc`.";
    /// A rule uses what a closeout pack may not: recursion, a
    /// non-deterministic builtin (time, random, HTTP), and the like.
    PolicyLint = "policy::lint",
        fix = "Take the value from the snapshot or from `data` (closeout.toml `[defaults.data]`) instead of calling the builtin.";
    /// regorus refused a policy file: a Rego syntax or compile error.
    PolicyCompile = "policy::compile",
        fix = "Correct the Rego at the position in the message; `opa check` gives the same answer.";
    /// A rule failed when evaluated at load, on an empty snapshot: a
    /// runaway rule that reached a limit, or a builtin error.
    PolicyLoadEvaluation = "policy::load-evaluation",
        fix = "Guard the rule so that it is undefined, not an error, when the snapshot lacks the value it reads.";
    /// No condition at all was loaded: nothing could fail, so nothing is
    /// allowed to pass.
    PolicyEmpty = "policy::empty",
        fix = "Point `--policy` at a directory holding a pack, or drop `--no-bundled`.";
    /// An input could not be read (missing, not a regular file, over a size
    /// limit), or held no snapshots.
    InputUnreadable = "input::unreadable",
        fix = "Check the path; split a file over the size limit into several snapshots.";
    /// An input's bytes are not UTF-8 text (UTF-16 and UTF-32 are named).
    InputEncoding = "input::encoding",
        fix = "Re-export the snapshot as UTF-8, e.g. `iconv -f UTF-16 -t UTF-8`.";
    /// An input is not JSON, or an object repeats a member name.
    InputSyntax = "input::syntax",
        fix = "Correct the JSON at the line and column shown (a truncated export is a common cause).";
    /// An input is JSON but breaks the snapshot contract (`schema/snapshot-v1.json`).
    InputSchema = "input::schema",
        fix = "Supply the member the message names, with the type the contract gives it.";
    /// No loaded policy pack serves the snapshot's provider.
    InputUnknownProvider = "input::unknown-provider",
        fix = "Correct `provider`, or load the pack for it with `--policy`.";
    /// A policy failed while evaluating this snapshot (a limit, a builtin
    /// error): the snapshot is not passed.
    InputPolicyFailure = "input::policy-failure",
        fix = "Fix the rule the message names so that it does not fail on this snapshot's values.";
}

impl Code {
    /// `docs/codes.md`: every code, what it means, an example fix.
    pub fn markdown_page() -> String {
        let mut page = String::from(
            "# Diagnostic codes\n\n\
             <!-- Generated by `Code::markdown_page` (src/model/code.rs); \
             `cargo test --test codes` fails when this page differs. \
             Regenerate with `UPDATE_CODES=1 cargo test --test codes`. -->\n\n\
             Every error closeout reports carries one of these codes: in the \
             human output's heading, and as `code` in the JSON error object. \
             A code never changes its meaning.\n",
        );
        let mut area = "";
        for code in Code::ALL {
            let this = code.as_str().split("::").next().unwrap_or_default();
            if this != area {
                area = this;
                page.push_str(&format!("\n## {area}\n"));
            }
            page.push_str(&format!(
                "\n### `{}`\n\n{}\n\nFix: {}\n",
                code.as_str(),
                code.meaning(),
                code.fix()
            ));
        }
        page
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn codes_are_unique_documented_and_round_trip() {
        let names: BTreeSet<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), Code::ALL.len(), "a code name is used twice");
        for code in Code::ALL {
            let (area, name) = code.as_str().split_once("::").expect("AREA::NAME");
            assert!(
                ["config", "waiver", "policy", "input"].contains(&area),
                "{code}"
            );
            assert!(!name.is_empty(), "{code}");
            assert!(!code.meaning().trim().is_empty(), "{code} has no doc");
            assert!(!code.fix().trim().is_empty(), "{code} has no fix");
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{code}\""));
            assert_eq!(serde_json::from_str::<Code>(&json).unwrap(), *code);
        }
    }
}
