//! The layout of `src/`: the library's folders are layers, and a module may use
//! only its own layer and the ones before it in [`LAYERS`], so no two modules
//! import each other in a circle. The data model does no I/O.
//!
//! It reads the sources: every `crate::LAYER` path outside a comment is a use
//! of that layer.

use std::path::{Path, PathBuf};

/// The library's folders, in the order the data goes through a run.
const LAYERS: &[&str] = &[
    "model", "input", "import", "policy", "eval", "config", "decide", "run", "render", "serve",
    "tooling",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The code of a file without its comments (line comments, doc comments).
fn code(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            // A `//` inside a string literal is rare in these sources and
            // never precedes a path; cutting there only hides text.
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The layers a file's code names as `crate::LAYER`.
fn layers_used(code: &str) -> Vec<String> {
    let mut used = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() && !used.contains(&name) {
            used.push(name);
        }
        rest = after;
    }
    used
}

#[test]
fn every_top_level_module_is_a_layer_or_the_binary() {
    for entry in std::fs::read_dir(src()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            assert!(
                LAYERS.contains(&name.as_str()) || name == "cli",
                "src/{name}/ is in no layer: add it to LAYERS in tests/layout.rs and to lib.rs's list"
            );
        } else {
            assert!(
                name == "lib" || name == "main",
                "src/{name}.rs: library code goes in a layer's folder"
            );
        }
    }
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    let declared: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';'))
        .collect();
    assert_eq!(
        declared, LAYERS,
        "lib.rs declares the layers in their order"
    );
}

#[test]
fn a_layer_uses_only_itself_and_the_layers_before_it() {
    let mut violations = Vec::new();
    let mut checked = 0;
    for (rank, layer) in LAYERS.iter().enumerate() {
        let mut files = Vec::new();
        rust_files(&src().join(layer), &mut files);
        assert!(!files.is_empty(), "src/{layer}/ holds no module");
        for file in files {
            checked += 1;
            let text = std::fs::read_to_string(&file).unwrap();
            for used in layers_used(&code(&text)) {
                match LAYERS.iter().position(|l| *l == used) {
                    Some(r) if r <= rank => {}
                    Some(_) => violations.push(format!(
                        "{} ({layer}) uses crate::{used}, a later layer",
                        file.display()
                    )),
                    None => violations.push(format!(
                        "{} uses crate::{used}, which is no layer",
                        file.display()
                    )),
                }
            }
        }
    }
    assert!(checked > 20, "only {checked} files read");
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_data_model_does_no_io() {
    let mut files = Vec::new();
    rust_files(&src().join("model"), &mut files);
    for file in files {
        let code = code(&std::fs::read_to_string(&file).unwrap());
        for io in [
            "std::fs",
            "std::io",
            "std::net",
            "std::process",
            "std::env",
            "std::thread",
        ] {
            assert!(!code.contains(io), "{} uses {io}", file.display());
        }
    }
}

/// The checker itself: a use that points up the list is found.
#[test]
fn the_checker_sees_a_use_of_a_later_layer() {
    let code = code(
        "use crate::model::Kind;\n// crate::render in a comment\nlet x = crate::run::MAX_JOBS;",
    );
    assert_eq!(layers_used(&code), ["model", "run"]);
}
