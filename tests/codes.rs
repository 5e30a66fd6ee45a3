//! `docs/codes.md` is generated from `closeout::Code` (`Code::markdown_page`):
//! this fails when the committed page differs. `UPDATE_CODES=1 cargo test
//! --test codes` writes it.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use closeout::model::Code;

mod common;
use common::{root, tempdir};

#[test]
fn the_committed_codes_page_is_the_generated_one() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/codes.md");
    let generated = Code::markdown_page();
    if std::env::var_os("UPDATE_CODES").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/codes.md differs from Code::markdown_page(): run UPDATE_CODES=1 cargo test --test codes"
    );
}

#[test]
fn every_code_is_on_the_page_once_with_its_meaning() {
    let page = Code::markdown_page();
    let mut seen = BTreeSet::new();
    for code in Code::ALL {
        assert!(seen.insert(code.as_str()), "{code} twice");
        let heading = format!("### `{code}`\n\n");
        assert_eq!(page.matches(&heading).count(), 1, "{code}");
        let meaning = code.meaning();
        assert!(!meaning.is_empty(), "{code} has no doc comment");
        assert!(
            page.contains(&format!("{heading}{meaning}\n\nFix: ")),
            "{code}"
        );
    }
}

/// Each `closeout.toml` in `dir` makes `check` stop with its code in the
/// diagnostic's heading, exit 2.
#[test]
fn config_and_waiver_errors_carry_their_code_through_the_binary() {
    let snapshot = root().join("fixtures/tencentcloud/blocked-vouchers.json");
    let waiver = "[[waiver]]\nid = \"TCC-003\"\naccount = \"1\"\nreason = \"r\"\napproved_by = \"a\"\nexpires = 2027-01-31\n";
    let cases = [
        ("[defaults]\nfail-on = \"warn\"\n", Code::ConfigUnknownKey),
        ("[defaults]\npolicies = \"x\"\n", Code::ConfigSyntax),
        (
            "[defaults]\nfail_on = \"never\"\n",
            Code::ConfigInvalidValue,
        ),
        (&waiver.replace("\"r\"", "\" \""), Code::WaiverInvalid),
        (&format!("{waiver}{waiver}"), Code::WaiverDuplicate),
        (
            &waiver.replace("TCC-003", "TCC-999"),
            Code::WaiverUnknownCondition,
        ),
    ];
    for (i, (toml, code)) in cases.iter().enumerate() {
        let dir = tempdir(&format!("codes-config-{i}"));
        std::fs::write(dir.join("closeout.toml"), toml).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_closeout"))
            .current_dir(&dir)
            .arg("check")
            .arg(&snapshot)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{toml}\n{stderr}");
        let first = stderr.lines().next().unwrap_or_default();
        assert_eq!(first, code.as_str(), "{toml}\n{stderr}");
    }
}
