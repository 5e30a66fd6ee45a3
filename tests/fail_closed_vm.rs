//! A builtin error inside a rule body is an error result with either engine,
//! never a rule that silently does not fire (regorus's VM, unpatched, dropped
//! it: vendor/regorus/CLOSEOUT-PATCH.md).

use std::process::Command;

mod common;
use common::tempdir;

#[test]
fn a_builtin_error_in_a_rule_body_is_an_error_with_both_engines() {
    let dir = tempdir("vm-strict");
    let scaffold = Command::new(env!("CARGO_BIN_EXE_closeout"))
        .args(["init-pack", "boom", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(scaffold.status.code(), Some(0));
    let pack = dir.join("boom");
    let rego = pack.join("boom.rego");
    let text = std::fs::read_to_string(&rego).unwrap();
    assert!(
        text.contains("\tinvoice.amount_due > 0"),
        "the scaffold changed"
    );
    // The invoice id "INV-1" is no number: to_number fails on it.
    std::fs::write(
        &rego,
        text.replace("\tinvoice.amount_due > 0", "\tto_number(invoice.id) > 0"),
    )
    .unwrap();
    let snapshot = pack.join("fixtures/blocked-unpaid-invoice.json");
    for engine in ["vm", "interpreter"] {
        let output = Command::new(env!("CARGO_BIN_EXE_closeout"))
            .args(["check", "--no-bundled", "--policy"])
            .arg(&pack)
            .arg(&snapshot)
            .args([
                "--engine",
                engine,
                "--format",
                "json",
                "--now",
                "2026-11-21T00:00:00Z",
            ])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{engine}");
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let result = &report["results"][0];
        assert_eq!(result["verdict"], "error", "{engine}: {result}");
        assert_eq!(result["error"]["kind"], "policy", "{engine}");
    }
}
