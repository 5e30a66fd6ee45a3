//! Where reports go and how values are written, through the real binary, for
//! what the corpus (tests/corpus/{outputs,escaping}) cannot express: files
//! that must stay byte for byte as they were, links and permissions, real
//! pipes closed by their reader, a closed standard output, whole outputs and
//! what must be absent from them.
#![cfg(unix)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod common;
use common::{root, tempdir};

const NOW: &str = "2026-11-21T00:00:00Z";
const VOUCHERS: &str = "fixtures/tencentcloud/blocked-vouchers.json";
const HOSTILE_VOUCHERS: &str = "tests/corpus/escaping/hostile-vouchers.json";
const HOSTILE_APP: &str = "tests/corpus/escaping/hostile-app.json";

const FORMATS: [&str; 8] = [
    "human", "json", "jsonl", "sarif", "junit", "github", "csv", "markdown",
];

/// `closeout ARGS --now NOW` in `dir`, with no standard input.
fn closeout(dir: &Path, args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_closeout"))
        .current_dir(dir)
        .args(args)
        .args(["--now", NOW])
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs");
    assert_no_panic(&output);
    output
}

/// `sh -c SCRIPT` with the binary as `$0`, in `dir`.
fn shell(dir: &Path, script: &str) -> Output {
    let output = Command::new("sh")
        .current_dir(dir)
        .args(["-c", script, env!("CARGO_BIN_EXE_closeout")])
        .stdin(Stdio::null())
        .output()
        .expect("sh runs");
    assert_no_panic(&output);
    output
}

fn assert_no_panic(output: &Output) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Every file under `dir` (links as links) and its bytes.
fn contents(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| !e.file_type().is_dir())
        .map(|e| {
            let bytes = if e.path_is_symlink() {
                std::fs::read_link(e.path())
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
                    .into_bytes()
            } else {
                std::fs::read(e.path()).unwrap()
            };
            (e.path().strip_prefix(dir).unwrap().to_path_buf(), bytes)
        })
        .collect()
}

/// A scratch directory with snapshots to read: `v.json` (blocked), `link.json`
/// (a symbolic link to it), `hard.json` (a hard link), `walk/a.json`,
/// `lines.jsonl` and a `closeout.toml`.
fn inputs(name: &str) -> PathBuf {
    let dir = tempdir(&format!("outputs-{name}"));
    let text = std::fs::read_to_string(root().join(VOUCHERS)).unwrap();
    std::fs::write(dir.join("v.json"), &text).unwrap();
    std::os::unix::fs::symlink("v.json", dir.join("link.json")).unwrap();
    std::fs::hard_link(dir.join("v.json"), dir.join("hard.json")).unwrap();
    std::fs::create_dir(dir.join("walk")).unwrap();
    std::fs::write(dir.join("walk/a.json"), &text).unwrap();
    let line: serde_json::Value = serde_json::from_str(&text).unwrap();
    std::fs::write(dir.join("lines.jsonl"), format!("{line}\n")).unwrap();
    std::fs::write(
        dir.join("closeout.toml"),
        "[defaults]\nfail_on = \"block\"\n",
    )
    .unwrap();
    dir
}

// --- A file the run reads is never written -----------------------------------

#[test]
fn an_output_naming_an_input_is_refused_and_the_input_kept() {
    let cases: &[&[&str]] = &[
        &["check", "v.json", "-f", "json", "-o", "v.json"],
        &["check", "v.json", "-f", "json", "-o", "./v.json"],
        &["check", "v.json", "-f", "json", "-o", "link.json"],
        &["check", "v.json", "-f", "json", "-o", "hard.json"],
        &["check", "link.json", "-f", "csv", "-o", "walk/../v.json"],
        &["check", "walk", "-f", "json", "-o", "walk/a.json"],
        &["check", "walk", "-f", "sarif", "-o", "walk/./a.json"],
        &["check", "lines.jsonl", "-f", "jsonl", "-o", "lines.jsonl"],
        &["check", "v.json", "--audit-log", "v.json"],
        &["check", "walk", "--audit-log", "walk/a.json"],
        &[
            "check",
            "v.json",
            "--config",
            "closeout.toml",
            "-f",
            "json",
            "-o",
            "closeout.toml",
        ],
        &["check", "v.json", "-f", "json", "-o", "closeout.toml"],
        &[
            "check", "v.json", "-f", "json", "-o", "r.json", "-f", "csv", "-o", "v.json",
        ],
    ];
    for args in cases {
        let dir = inputs("input");
        let before = contents(&dir);
        let output = closeout(&dir, args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("is also an input"),
            "{args:?}: {}",
            stderr(&output)
        );
        assert_eq!(contents(&dir), before, "{args:?}: no file written");
    }
}

#[test]
fn a_policy_file_is_an_input_too() {
    let dir = inputs("policy");
    let output = Command::new(env!("CARGO_BIN_EXE_closeout"))
        .current_dir(&dir)
        .args(["init-pack", "acme", "--dir", "packs"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let before = contents(&dir);
    let output = closeout(
        &dir,
        &[
            "check",
            "v.json",
            "--policy",
            "packs/acme",
            "-f",
            "json",
            "-o",
            "packs/acme/acme.rego",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output)
            .contains("--output packs/acme/acme.rego is also an input (packs/acme/acme.rego)"),
        "{}",
        stderr(&output)
    );
    assert_eq!(contents(&dir), before);
}

#[test]
fn standard_input_and_output_are_inputs_too() {
    let dir = inputs("streams");
    let before = contents(&dir);
    // The JSON Lines read from standard input, named as the output.
    let output = Command::new(env!("CARGO_BIN_EXE_closeout"))
        .current_dir(&dir)
        .args([
            "check",
            "-",
            "-f",
            "json",
            "-o",
            "lines.jsonl",
            "--now",
            NOW,
        ])
        .stdin(std::fs::File::open(dir.join("lines.jsonl")).unwrap())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--output lines.jsonl is also an input (standard input)"));
    // Standard output appended to the snapshot being read.
    let output = shell(
        &dir,
        &format!("exec \"$0\" check v.json --now {NOW} >> v.json"),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("standard output is also an input (v.json)"),
        "{}",
        stderr(&output)
    );
    assert_eq!(contents(&dir), before);
}

#[test]
fn two_outputs_of_one_file_are_refused() {
    let cases: &[&[&str]] = &[
        &[
            "check", "v.json", "-f", "json", "-o", "r.json", "-f", "csv", "-o", "./r.json",
        ],
        &[
            "check",
            "v.json",
            "-f",
            "json",
            "-o",
            "old.json",
            "-f",
            "csv",
            "-o",
            "old-link.json",
        ],
        &[
            "check",
            "v.json",
            "-f",
            "json",
            "-o",
            "old.json",
            "-f",
            "sarif",
            "-o",
            "old-hard.json",
        ],
        &[
            "check",
            "v.json",
            "-f",
            "json",
            "-o",
            "r.json",
            "--audit-log",
            "walk/../r.json",
        ],
    ];
    for args in cases {
        let dir = inputs("twice");
        std::fs::write(dir.join("old.json"), "the last good report").unwrap();
        std::os::unix::fs::symlink("old.json", dir.join("old-link.json")).unwrap();
        std::fs::hard_link(dir.join("old.json"), dir.join("old-hard.json")).unwrap();
        let before = contents(&dir);
        let output = closeout(&dir, args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&output).contains("are the same file"),
            "{args:?}: {}",
            stderr(&output)
        );
        assert_eq!(contents(&dir), before, "{args:?}: no file written");
    }
    // The audit log and standard output redirected to one file.
    let dir = inputs("twice-stdout");
    let output = shell(
        &dir,
        &format!("exec \"$0\" check v.json --now {NOW} --audit-log r.jsonl > r.jsonl"),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("--audit-log r.jsonl and standard output are the same file"),
        "{}",
        stderr(&output)
    );
}

// --- A report is put in place whole, or not at all -----------------------------

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_whole_report_replaces_the_old_file_and_keeps_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = inputs("replace");
    std::fs::write(dir.join("r.json"), "the last good report").unwrap();
    std::fs::set_permissions(dir.join("r.json"), std::fs::Permissions::from_mode(0o600)).unwrap();
    let output = closeout(&dir, &["check", "v.json", "-f", "json", "-o", "r.json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("r.json")).unwrap()).unwrap();
    assert_eq!(report["results"][0]["verdict"], "blocked");
    assert_eq!(mode(&dir.join("r.json")), 0o600);

    // A new file gets what File::create gives it: 0666 less the umask.
    let output = shell(
        &dir,
        &format!("umask 027; exec \"$0\" check v.json --now {NOW} -f csv -o new.csv"),
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(mode(&dir.join("new.csv")), 0o640);

    // A symbolic link is followed: the file it names is replaced, the link stays.
    std::fs::create_dir(dir.join("real")).unwrap();
    std::fs::write(dir.join("real/out.sarif"), "old").unwrap();
    std::os::unix::fs::symlink("real/out.sarif", dir.join("out.sarif")).unwrap();
    let output = closeout(&dir, &["check", "v.json", "-f", "sarif", "-o", "out.sarif"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(std::fs::symlink_metadata(dir.join("out.sarif"))
        .unwrap()
        .file_type()
        .is_symlink());
    let sarif = std::fs::read_to_string(dir.join("real/out.sarif")).unwrap();
    assert!(sarif.contains("\"version\": \"2.1.0\""), "{sarif}");

    // No staging file is left anywhere.
    let names: Vec<PathBuf> = contents(&dir).into_keys().collect();
    assert!(
        names.iter().all(|n| !n.to_string_lossy().ends_with(".tmp")),
        "{names:?}"
    );
}

#[test]
fn a_run_with_input_errors_still_writes_its_whole_report() {
    let dir = inputs("errors");
    std::fs::write(dir.join("bad.json"), "{").unwrap();
    let output = closeout(
        &dir,
        &["check", "v.json", "bad.json", "-f", "junit", "-o", "r.xml"],
    );
    assert_eq!(output.status.code(), Some(2));
    let xml = std::fs::read_to_string(dir.join("r.xml")).unwrap();
    let report = junit_parser::from_reader(std::io::Cursor::new(xml.as_bytes())).unwrap();
    assert_eq!(report.suites.len(), 2, "both snapshots are in the report");
}

#[test]
fn a_run_that_stops_leaves_the_old_report_untouched() {
    let dir = inputs("stops");
    std::fs::write(dir.join("r.json"), "the last good report").unwrap();
    let before = contents(&dir);
    // The CSV cannot be written (/dev/full): the run stops, and the JSON report
    // staged beside r.json is not put in place.
    let output = closeout(
        &dir,
        &[
            "check",
            "v.json",
            "walk",
            "-f",
            "json",
            "-o",
            "r.json",
            "-f",
            "csv",
            "-o",
            "/dev/full",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("error: the run stopped:"),
        "{}",
        stderr(&output)
    );
    assert_eq!(contents(&dir), before, "r.json kept, no staging file left");
}

// --- Standard output ----------------------------------------------------------

#[test]
fn a_closed_standard_output_is_an_error() {
    let dir = inputs("closed");
    for format in FORMATS {
        let output = shell(
            &dir,
            &format!("exec \"$0\" check v.json --now {NOW} -f {format} >&-"),
        );
        assert_eq!(output.status.code(), Some(2), "{format}");
        assert!(
            stderr(&output).contains("error: standard output is closed"),
            "{format}: {}",
            stderr(&output)
        );
    }
    let output = shell(&dir, "exec \"$0\" conditions >&-");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("standard output is closed"));
    // Reports to files need no standard output.
    let output = shell(
        &dir,
        &format!("exec \"$0\" check v.json --now {NOW} -f json -o r.json >&-"),
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(std::fs::read_to_string(dir.join("r.json"))
        .unwrap()
        .contains("\"verdict\": \"blocked\""));
    // /dev/null is a place to write to, not a closed output.
    let output = shell(
        &dir,
        &format!("exec \"$0\" check v.json --now {NOW} > /dev/null"),
    );
    assert_eq!(output.status.code(), Some(1));
}

/// A JSON Lines stream of blocked snapshots, each with many findings: its
/// report in any format is far larger than a pipe holds.
fn big_stream(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(root().join(VOUCHERS)).unwrap();
    let mut snapshot: serde_json::Value = serde_json::from_str(&text).unwrap();
    let vouchers: Vec<serde_json::Value> = (0..40)
        .map(|i| {
            serde_json::json!({
                "id": format!("V-{i:04}"), "balance": 5.0, "status": "unused",
                "expires_at": "2027-03-01T00:00:00Z"
            })
        })
        .collect();
    snapshot["rights"]["vouchers"] = serde_json::Value::Array(vouchers);
    let mut lines = String::new();
    for i in 0..60 {
        snapshot["snapshot_id"] = format!("big-{i}").into();
        lines.push_str(&snapshot.to_string());
        lines.push('\n');
    }
    let path = dir.join("big.jsonl");
    std::fs::write(&path, lines).unwrap();
    path
}

#[test]
fn a_closed_pipe_stops_quietly_in_every_format() {
    let dir = tempdir("outputs-pipe");
    big_stream(&dir);
    for format in FORMATS {
        // The whole report, to a file: more than twice what a pipe (64 KiB)
        // and the buffers on both sides hold, so the reader below surely
        // stops the writer.
        let whole = closeout(
            &dir,
            &["check", "big.jsonl", "-f", format, "-o", "whole.out"],
        );
        assert_eq!(whole.status.code(), Some(1), "{format}");
        let size = std::fs::metadata(dir.join("whole.out")).unwrap().len();
        assert!(size > 160 * 1024, "{format}: {size} bytes");

        let mut child = Command::new(env!("CARGO_BIN_EXE_closeout"))
            .current_dir(&dir)
            .args(["check", "big.jsonl", "-f", format, "--now", NOW])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        reader.read_line(&mut first).unwrap();
        assert!(!first.is_empty(), "{format}");
        drop(reader);
        let output = child.wait_with_output().unwrap();
        // Not every result was delivered: never 0, and nothing said.
        assert_eq!(output.status.code(), Some(2), "{format}");
        assert_eq!(stderr(&output), "", "{format}");
    }
}

// --- Values from input are text --------------------------------------------------

/// How each hostile voucher id of hostile-vouchers.json must read in the
/// formats people read.
const VISIBLE_IDS: [&str; 11] = [
    "=cmd|' /C calc'!A0",
    r"\x1b]0;pwned\x07\x1b[31mRED\x1b[0m",
    "[x](javascript:alert(4))",
    r"bad\u{fffe}char",
    r"rtl\u{202e}gnp.exe",
    r"line1\nline2 | <script>&",
    r"\u{9b}31mC1",
    "+1-2",
    "-5",
    r"\tTAB",
    r"\rCR",
];

/// The findings of a snapshot as `--format json` reports them.
fn findings(path: &str) -> Vec<serde_json::Value> {
    let output = closeout(&root(), &["check", path, "-f", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    report["results"][0]["findings"].as_array().unwrap().clone()
}

/// Characters no human-facing output may hold raw.
fn hostile(c: char) -> bool {
    matches!(c, '\0'..='\x08' | '\x0b'..='\x1f' | '\x7f'..='\u{9f}' | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}' | '\u{fffe}' | '\u{ffff}')
}

#[test]
fn github_commands_carry_every_value_visible_and_escaped() {
    let output = closeout(&root(), &["check", HOSTILE_VOUCHERS, "-f", "github"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(!text.chars().any(hostile), "{text:?}");
    let tcc003: Vec<serde_json::Value> = findings(HOSTILE_VOUCHERS)
        .into_iter()
        .filter(|f| f["id"] == "TCC-003")
        .collect();
    assert_eq!(tcc003.len(), VISIBLE_IDS.len());
    for (finding, id) in tcc003.iter().zip(VISIBLE_IDS) {
        let line = format!(
            "::error file={HOSTILE_VOUCHERS},line={},col={},title=TCC-003 Unused rights remain in the account::voucher {id} still holds 5 USD (status unused, expires 2027-03-01)\n",
            finding["line"], finding["column"]
        );
        assert!(text.contains(&line), "{line}\nnot in\n{text}");
    }
    let lines = text.lines().count();
    assert_eq!(
        lines,
        tcc003.len() + 2,
        "one line per command, and the summary"
    );
}

#[test]
fn human_output_sends_no_control_to_the_terminal() {
    let sgr = regex::Regex::new("\x1b\\[[0-9;]*m").unwrap();
    for color in ["never", "always"] {
        let output = closeout(&root(), &["check", HOSTILE_VOUCHERS, "--color", color]);
        assert_eq!(output.status.code(), Some(1));
        let text = stdout(&output);
        for id in VISIBLE_IDS {
            assert!(
                text.contains(&format!("voucher {id} still holds")),
                "{id}\n{text}"
            );
        }
        // Colour is miette's SGR sequences, nothing else: no OSC, no BEL.
        let without_sgr = sgr.replace_all(&text, "");
        assert!(
            !without_sgr.chars().any(hostile),
            "{color}: {without_sgr:?}"
        );
        if color == "never" {
            assert!(!text.contains('\x1b'));
        }
    }
}

#[test]
fn snippet_placeholders_keep_every_label_under_its_value() {
    let output = closeout(&root(), &["check", HOSTILE_VOUCHERS, "--color", "never"]);
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    // U+202E and U+FFFE are three bytes like U+FFFD; U+009B is two, so the
    // labels after it are moved by one byte: "+1-2" comes after it.
    for value in [
        "\"id\": \"rtl\u{fffd}gnp.exe\"",
        "\"id\": \"bad\u{fffd}char\"",
        "\"id\": \"\u{fffd}31mC1\"",
        "\"id\": \"+1-2\"",
    ] {
        let at = lines
            .iter()
            .position(|l| l.contains(value))
            .unwrap_or_else(|| panic!("{value} not in\n{text}"));
        let column = lines[at][..lines[at].find(value).unwrap()].chars().count();
        let underline = lines[at + 1];
        let start = underline.chars().position(|c| c == '─').unwrap();
        let len = underline.chars().filter(|&c| c == '─' || c == '┬').count();
        assert_eq!(start, column, "{value}:\n{}\n{underline}", lines[at]);
        assert_eq!(
            len,
            value.chars().count(),
            "{value}:\n{}\n{underline}",
            lines[at]
        );
    }
}

#[test]
fn a_hostile_file_name_is_shown_escaped() {
    let dir = tempdir("outputs-name");
    let name = "evil\u{1b}]0;t\u{7}\n=1.json";
    std::fs::copy(root().join(VOUCHERS), dir.join(name)).unwrap();
    let shown = r"evil\x1b]0;t\x07\n=1.json";
    // A quoted CSV cell holds the line break as data.
    let in_csv = "\"evil\\x1b]0;t\\x07\n=1.json\"";
    for (format, shown) in [
        ("human", shown),
        ("github", shown),
        ("junit", shown),
        ("markdown", shown),
        ("csv", in_csv),
    ] {
        let output = closeout(&dir, &["check", name, "-f", format]);
        assert_eq!(output.status.code(), Some(1), "{format}");
        let text = stdout(&output);
        assert!(!text.chars().any(hostile), "{format}: {text:?}");
        assert!(text.contains(shown), "{format}: {text}");
    }
    let output = closeout(&dir, &["check", name, "-f", "human"]);
    assert!(stdout(&output).starts_with(&format!("BLOCKED {shown} (tencentcloud")));
    // A cell that starts a formula: the file name.
    let output = closeout(&dir, &["check", "=1.json", "-f", "csv"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stdout(&output).contains("\n'=1.json,"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn markdown_values_never_become_links_html_or_broken_tables() {
    let mut options = comrak::Options::default();
    options.extension.autolink = true;
    options.extension.table = true;
    options.extension.strikethrough = true;
    options.extension.footnotes = true;
    for path in [HOSTILE_VOUCHERS, HOSTILE_APP] {
        let output = closeout(&root(), &["check", path, "-f", "markdown"]);
        assert_eq!(output.status.code(), Some(1));
        let markdown = stdout(&output);
        assert!(!markdown.chars().any(hostile), "{markdown:?}");
        assert!(
            markdown.contains(r"\[x\](javascript:alert(4))"),
            "{markdown}"
        );
        let html = comrak::markdown_to_html(&markdown, &options);
        for markup in [
            "<a ",
            "<img",
            "<script",
            "<em>",
            "<del>",
            "<sup",
            "<h4",
            "<blockquote",
        ] {
            assert!(!html.contains(markup), "{path}: {markup} in\n{html}");
        }
        assert!(html.contains("[x](javascript:alert(4))"), "{html}");
        // Every row of every table has its header's cells.
        for table in html.split("<table>").skip(1) {
            let table = &table[..table.find("</table>").unwrap()];
            let rows: Vec<&str> = table.split("<tr>").skip(1).collect();
            let cells = |row: &str| row.matches("<td").count() + row.matches("<th").count();
            assert!(rows.iter().all(|r| cells(r) == cells(rows[0])), "{table}");
        }
    }
}

/// XML 1.0's `Char` production.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

#[test]
fn junit_is_well_formed_whatever_a_snapshot_holds() {
    let output = closeout(
        &root(),
        &["check", HOSTILE_VOUCHERS, HOSTILE_APP, "-f", "junit"],
    );
    assert_eq!(output.status.code(), Some(1));
    let xml = stdout(&output);
    assert!(xml.chars().all(xml_char), "a character XML forbids");
    roxmltree::Document::parse(&xml).expect("well-formed XML");
    let report = junit_parser::from_reader(std::io::Cursor::new(xml.as_bytes())).unwrap();
    let case = report.suites[0]
        .cases
        .iter()
        .find(|c| c.original_name.starts_with("TCC-003"))
        .unwrap();
    let junit_parser::TestStatus::Failure(failure) = &case.status else {
        panic!("TCC-003 fails")
    };
    for id in VISIBLE_IDS {
        assert!(
            failure
                .message
                .contains(&format!("voucher {id} still holds")),
            "{id}: {}",
            failure.message
        );
    }
    assert_eq!(
        report.suites[0]
            .properties
            .hashmap
            .get("snapshot_id")
            .map(String::as_str),
        Some("=cmd|' /C calc'!A0")
    );
}

#[test]
fn json_and_sarif_stay_valid_and_keep_the_exact_values() {
    let raw = "voucher \u{1b}]0;pwned\u{7}\u{1b}[31mRED\u{1b}[0m still holds 5 USD (status unused, expires 2027-03-01)";
    let messages = findings(HOSTILE_VOUCHERS);
    assert!(messages.iter().any(|f| f["message"] == raw));
    let output = closeout(&root(), &["check", HOSTILE_VOUCHERS, "-f", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_slice(&output.stdout).expect("SARIF is JSON");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["message"]["text"] == raw));
    let output = closeout(&root(), &["check", HOSTILE_VOUCHERS, "-f", "jsonl"]);
    for line in stdout(&output).lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("each line is JSON");
    }
}

#[test]
fn csv_cells_never_start_a_formula() {
    let dir = tempdir("outputs-csv");
    let text = std::fs::read_to_string(root().join(VOUCHERS)).unwrap();
    let mut snapshot: serde_json::Value = serde_json::from_str(&text).unwrap();
    let ids = ["\t=1+1", "\r=1+1", "+1+1", "-1+1", "@SUM(1)", " =1", "=1"];
    for (i, id) in ids.iter().enumerate() {
        snapshot["snapshot_id"] = (*id).into();
        snapshot["account"]["id"] = (*id).into();
        snapshot["rights"]["vouchers"][0]["id"] = (*id).into();
        std::fs::write(dir.join(format!("s{i}.json")), snapshot.to_string()).unwrap();
    }
    std::fs::write(dir.join("bad.json"), "{").unwrap();
    let output = closeout(&dir, &["check", ".", "-f", "csv"]);
    assert_eq!(output.status.code(), Some(2));
    let mut reader = csv::Reader::from_reader(output.stdout.as_slice());
    let mut snapshot_ids = Vec::new();
    for record in reader.records() {
        let record = record.unwrap();
        for cell in &record {
            let formula = cell
                .trim_start_matches(' ')
                .starts_with(['=', '+', '-', '@', '\t', '\r']);
            assert!(!formula, "{cell:?} in {record:?}");
        }
        if &record[4] == "TCC-003" {
            snapshot_ids.push(record[1].to_string());
            assert_eq!(record[1], record[2], "account id as snapshot id");
        }
    }
    // Each kept whole, after its quote.
    assert_eq!(
        snapshot_ids,
        ["'\t=1+1", "'\r=1+1", "'+1+1", "'-1+1", "'@SUM(1)", "' =1", "'=1"]
    );
}
