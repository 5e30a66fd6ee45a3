//! What the integration tests share: where the repository is, and scratch
//! directories.
#![allow(dead_code)]

use std::path::PathBuf;

/// The repository root (fixtures, policies and tests/data are relative to it).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `fixtures/<provider>/`, the snapshot fixtures, in name order (without
/// `fixtures/import/`, which holds saved provider responses for `closeout
/// import`, not snapshots). Walking these is walking `fixtures/` without it.
pub fn snapshot_fixture_dirs() -> Vec<String> {
    let mut dirs: Vec<String> = std::fs::read_dir(root().join("fixtures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && !p.ends_with("import"))
        .map(|p| format!("fixtures/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    dirs.sort();
    dirs
}

/// A fresh, empty scratch directory for one test.
pub fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("closeout-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
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
