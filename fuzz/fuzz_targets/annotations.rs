//! Policy annotations: one or two Rego files (split at the first NUL byte) in
//! a policy directory → `PolicySet::load`, as `--policy DIR` loads them: the
//! directory walk, the `# METADATA` reader (YAML), the validation of every
//! condition and the `after` graph, then the catalogue.
//!
//! Invariants: no panic or hang; each problem names a line of its file; a pack
//! that loads has conditions, and its fix-plan order lists each condition once,
//! after every condition its `after` names. The CLI's rendering of the
//! problems (snippets at their lines) is exercised too.

#![no_main]

use std::path::Path;

use closeout::{PolicyError, PolicySet, PolicySource};
use closeout_fuzz::{human_style, scratch_dir};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let pack = scratch_dir().join("pack");
    let _ = std::fs::remove_dir_all(&pack);
    std::fs::create_dir_all(&pack).expect("the pack directory can be made");
    let files: Vec<&[u8]> = match bytes.iter().position(|b| *b == 0) {
        Some(at) => vec![&bytes[..at], &bytes[at + 1..]],
        None => vec![bytes],
    };
    for (i, file) in files.iter().enumerate() {
        std::fs::write(pack.join(format!("p{i}.rego")), file).expect("writes the policy");
    }

    match PolicySet::load(&[PolicySource::Dir(pack.clone())]) {
        Err(error) => {
            assert!(
                !error.to_string().trim().is_empty(),
                "an error says what is wrong"
            );
            // What the CLI prints for a bad pack: a snippet at each problem's line.
            let shown = closeout::render::human::policy_error(&error, human_style());
            // `error[CODE]: …` (docs/codes.md), or `error: …` for a bare message.
            assert!(
                shown.starts_with("error[") || shown.starts_with("error: "),
                "{shown}"
            );
            if let PolicyError::Invalid(issues) = &error {
                assert!(!issues.is_empty(), "Invalid with no problem");
                for issue in issues {
                    let index: usize = Path::new(&issue.file)
                        .file_stem()
                        .and_then(|stem| stem.to_str()?.strip_prefix('p')?.parse().ok())
                        .expect("an issue names one of the files");
                    let text = String::from_utf8_lossy(files[index]);
                    let lines = text.lines().count().max(1);
                    assert!(
                        (1..=lines).contains(&issue.line),
                        "{}: line {} of a file of {lines} lines",
                        issue.file,
                        issue.line
                    );
                }
            }
        }
        Ok(set) => {
            let catalogue = &set.catalogue;
            assert!(!catalogue.is_empty(), "a pack with no condition loaded");
            let ids: Vec<String> = catalogue.iter().map(|c| c.id.clone()).collect();
            let order = catalogue.order(&ids);
            assert_eq!(
                order.len(),
                ids.len(),
                "the order lists each condition once"
            );
            for condition in catalogue.iter() {
                let at = order
                    .iter()
                    .position(|id| *id == condition.id)
                    .expect("listed");
                for dep in &condition.after {
                    let dep_at = order.iter().position(|id| id == dep).expect("known");
                    assert!(dep_at < at, "{} comes after {dep}", condition.id);
                }
            }
        }
    }
});
