//! The real binary, pinned: each case under tests/cmd/ is a command line with its
//! exit code, stdout and stderr. Regenerate with `TRYCMD=overwrite cargo test --test cli`
//! and review the diff.

#[test]
fn cli_cases() {
    trycmd::TestCases::new().case("tests/cmd/*.toml");
}
