//! `closeout init-pack NAME`: a new policy pack with one annotated example
//! condition, its Rego tests, and a fixture that trips it and one that clears
//! it, all of which pass `closeout test` as written.

use std::path::{Path, PathBuf};

use crate::model::Package;

/// The files of a new pack, relative to its directory.
pub fn pack_files(name: &str, today: &str) -> Vec<(PathBuf, String)> {
    let id = format!("{}-001", id_prefix(name));
    let policy = POLICY.replace("{name}", name).replace("{id}", &id);
    let tests = TESTS.replace("{name}", name).replace("{id}", &id);
    let snapshot = |which: &str, amount_due: &str, status: &str| {
        SNAPSHOT
            .replace("{name}", name)
            .replace("{which}", which)
            .replace("{today}", today)
            .replace("{amount_due}", amount_due)
            .replace("{status}", status)
    };
    let manifest = MANIFEST.replace("{id}", &id).replace("{today}", today);
    vec![
        (PathBuf::from(format!("{name}.rego")), policy),
        (PathBuf::from(format!("{name}_test.rego")), tests),
        (
            PathBuf::from("fixtures/blocked-unpaid-invoice.json"),
            snapshot("unpaid", "120.0", "overdue"),
        ),
        (
            PathBuf::from("fixtures/eligible-paid.json"),
            snapshot("paid", "0", "paid"),
        ),
        (PathBuf::from("fixtures/manifest.toml"), manifest),
    ]
}

/// Checks a pack name: it becomes the Rego package `closeout.<name>` and the
/// snapshots' `provider`.
pub fn check_name(name: &str) -> Result<(), String> {
    let valid = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid || Package::is_common_name(name) {
        return Err(format!(
            "`{name}` cannot name a pack: use lowercase letters, digits and `_`, starting with a letter (it becomes package {} and the snapshots' provider), and not `common`",
            Package::of(name)
        ));
    }
    Ok(())
}

/// Writes the pack under `dir`, refusing to overwrite anything.
pub fn write_pack(dir: &Path, name: &str, today: &str) -> Result<Vec<PathBuf>, String> {
    check_name(name)?;
    if dir.exists() {
        return Err(format!(
            "{} already exists: refusing to overwrite it",
            dir.display()
        ));
    }
    let mut written = Vec::new();
    for (relative, text) in pack_files(name, today) {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// `ACM` for `acme`: up to three letters of the name, upper-cased.
fn id_prefix(name: &str) -> String {
    let letters: String = name
        .chars()
        .filter(char::is_ascii_alphabetic)
        .take(3)
        .collect();
    letters.to_ascii_uppercase()
}

const POLICY: &str = r#"package closeout.{name}

import rego.v1

# Closing an account at {name}. Each condition of the provider's closure
# document is one `deny` (block), `warn` or `info` rule with an OPA METADATA
# annotation: closeout reads the id, kind, remediation and order from it.

# METADATA
# title: An invoice is unpaid
# description: >-
#   An invoice still has an amount due; the provider does not close an account
#   with outstanding charges.
# related_resources:
#   - ref: https://example.com/docs/close-account
#     description: >-
#       "Quote here, word for word, the sentence of the provider's closure
#       document that this condition encodes."
# custom:
#   id: {id}
#   kind: block
#   reads: [billing.invoices]
#   remediation: >-
#     Pay every invoice that has an amount due, then export a fresh snapshot.
#   after: []
deny contains finding if {
	some i, invoice in input.billing.invoices
	invoice.amount_due > 0
	finding := {
		"id": "{id}",
		"msg": sprintf("invoice %s has %v due (status %s)", [invoice.id, invoice.amount_due, invoice.status]),
		"pointer": sprintf("/billing/invoices/%d", [i]),
	}
}
"#;

const TESTS: &str = r#"package closeout.{name}_test

import rego.v1

import data.closeout.{name}

test_unpaid_invoice_trips if {
	ids := {f.id | some f in {name}.deny} with input as {"billing": {"invoices": [{"id": "INV-1", "amount_due": 120, "status": "overdue"}]}}
	ids == {"{id}"}
}

test_paid_invoice_clears if {
	ids := {f.id | some f in {name}.deny} with input as {"billing": {"invoices": [{"id": "INV-1", "amount_due": 0, "status": "paid"}]}}
	ids == set()
}
"#;

// Exported at midnight UTC of the day the pack is made: never "from the
// future" (GEN-001) whenever that day the fixtures are checked.
const SNAPSHOT: &str = r#"{
  "schema_version": 1,
  "snapshot_id": "{name}-example-{which}",
  "exported_at": "{today}T00:00:00Z",
  "provider": "{name}",
  "account": {
    "id": "ACC-1",
    "name": "Example Ltd",
    "primary_contact_id": "c-1",
    "contacts": [
      { "id": "c-1", "name": "Ada Lovelace", "email": "ada@example.com", "roles": ["primary"] }
    ]
  },
  "request": {
    "requested_by": "c-1",
    "requested_date": "{today}",
    "reason": "Example"
  },
  "billing": {
    "currency": "GBP",
    "invoices": [
      { "id": "INV-1", "amount_due": {amount_due}, "due_date": "{today}", "status": "{status}" }
    ]
  }
}
"#;

const MANIFEST: &str = r#"# What each fixture must produce, evaluated at `now` (fixtures are frozen in
# time). `closeout test` checks it; add an entry for every new fixture.
now = "{today}T12:00:00Z"

[[fixture]]
file = "blocked-unpaid-invoice.json"
verdict = "blocked"
ids = ["{id}"]
note = "an overdue invoice with an amount due"

[[fixture]]
file = "eligible-paid.json"
verdict = "eligible"
ids = []
note = "the same invoice, paid: a near miss that must not trip"
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_packages_and_ids() {
        assert!(check_name("acme_cloud").is_ok());
        assert!(check_name("Acme").is_err());
        assert!(check_name("common").is_err());
        assert!(check_name("9lives").is_err());
        assert_eq!(id_prefix("acme_cloud"), "ACM");
        let files = pack_files("acme", "2026-11-21");
        assert!(files[0].1.contains("package closeout.acme") && files[0].1.contains("\"ACM-001\""));
        assert!(files[4].1.contains("now = \"2026-11-21T12:00:00Z\""));
    }
}
