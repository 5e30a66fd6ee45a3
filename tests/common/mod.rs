//! What the integration tests share: where the repository is, and scratch
//! directories.
#![allow(dead_code)]

use std::path::PathBuf;

/// The repository root (fixtures, policies and tests/data are relative to it).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh, empty scratch directory for one test, made by `tempfile` with a
/// name of its own, so tests running at once never share one. It is kept
/// after the test, for a look at what failed.
pub fn tempdir(name: &str) -> PathBuf {
    tempfile::Builder::new()
        .prefix(&format!("closeout-test-{name}-"))
        .tempdir()
        .expect("a scratch directory")
        .keep()
}

/// The `source` of every result of a `--format json` report, in order.
pub fn sources(report: &serde_json::Value) -> Vec<&str> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["source"].as_str().unwrap())
        .collect()
}
