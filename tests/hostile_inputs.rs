//! Hostile inputs that cannot be committed to `tests/corpus/`: FIFOs, sockets
//! and symbolic links to them, endless and huge streams, a sparse file. Each
//! runs the real binary against a deadline: a hang is a failure, not a wait.
#![cfg(unix)]

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{root, tempdir};

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn report(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", self.stdout))
    }

    /// The result for `source` in a `--format json` report.
    fn result(&self, source: &str) -> serde_json::Value {
        let report = self.report();
        report["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["source"] == source)
            .cloned()
            .unwrap_or_else(|| panic!("no result for {source}: {report:#}"))
    }

    fn assert_no_crash(&self) {
        for sign in [
            "panicked",
            "memory allocation",
            "backtrace",
            "RUST_BACKTRACE",
        ] {
            assert!(!self.stderr.contains(sign), "stderr: {}", self.stderr);
        }
    }
}

/// Runs closeout in `cwd`, feeding `stdin`, and fails the test if it has not
/// finished after `deadline`.
fn closeout(cwd: &Path, args: &[&str], stdin: Stdio, deadline: Duration) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_closeout"))
        .current_dir(cwd)
        .args(args)
        .args(["--now", "2026-11-21T00:00:00Z"])
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("closeout {args:?} still running after {deadline:?}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

const DEADLINE: Duration = Duration::from_secs(30);

fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let name = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: `name` is a valid NUL-terminated path that outlives the call.
    let status = unsafe { libc::mkfifo(name.as_ptr(), 0o644) };
    assert_eq!(status, 0, "mkfifo {}", path.display());
}

fn good_snapshot(dir: &Path, name: &str) {
    std::fs::copy(
        root().join("fixtures/sipstation/eligible-clean.json"),
        dir.join(name),
    )
    .unwrap();
}

const FIFO: &str = "a FIFO (named pipe), not a regular file";

#[test]
fn a_named_fifo_is_an_error_and_the_batch_goes_on() {
    let dir = tempdir("hostile-named-fifo");
    mkfifo(&dir.join("pipe.json"));
    mkfifo(&dir.join("pipe.jsonl"));
    good_snapshot(&dir, "ok.json");
    let run = closeout(
        &dir,
        &[
            "check",
            "pipe.json",
            "pipe.jsonl",
            "ok.json",
            "--format",
            "json",
        ],
        Stdio::null(),
        DEADLINE,
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    for source in ["pipe.json", "pipe.jsonl"] {
        let error = &run.result(source)["error"];
        assert_eq!(error["kind"], "unreadable", "{error}");
        let message = error["message"].as_str().unwrap();
        assert!(message.starts_with(FIFO), "{message}");
        assert!(
            run.stderr.contains(&format!("error: {source}: {FIFO}")),
            "{}",
            run.stderr
        );
    }
    assert_eq!(run.result("ok.json")["verdict"], "eligible");
    assert_eq!(run.report()["summary"]["errors"], 2);
    run.assert_no_crash();
}

#[test]
fn a_fifo_or_socket_in_a_walk_is_skipped_with_a_note_and_never_counted() {
    let dir = tempdir("hostile-walk-fifo");
    std::fs::create_dir(dir.join("snaps")).unwrap();
    mkfifo(&dir.join("snaps/a-pipe.json"));
    mkfifo(&dir.join("snaps/b-pipe.ndjson"));
    mkfifo(&dir.join("snaps/not-a-snapshot-name"));
    let _socket = std::os::unix::net::UnixListener::bind(dir.join("snaps/c.jsonl")).unwrap();
    good_snapshot(&dir, "snaps/ok.json");
    let run = closeout(
        &dir,
        &["check", "snaps", "--format", "json"],
        Stdio::null(),
        DEADLINE,
    );
    // Only ok.json was checked, and it is eligible: the skipped files are
    // neither passes nor errors, but each is named on stderr.
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let report = run.report();
    assert_eq!(report["summary"]["snapshots"], 1, "{report:#}");
    assert_eq!(run.result("snaps/ok.json")["verdict"], "eligible");
    for (path, what) in [
        ("snaps/a-pipe.json", FIFO),
        ("snaps/b-pipe.ndjson", FIFO),
        ("snaps/c.jsonl", "a socket, not a regular file"),
    ] {
        let note = format!("note: skipped {path:?}: {what}\n");
        assert!(run.stderr.contains(&note), "no {note:?} in {}", run.stderr);
    }
    // A file that is not named as a snapshot is passed over silently, as always.
    assert!(
        !run.stderr.contains("not-a-snapshot-name"),
        "{}",
        run.stderr
    );
    run.assert_no_crash();
}

#[test]
fn a_directory_holding_only_a_fifo_is_an_error_not_a_pass() {
    let dir = tempdir("hostile-only-fifo");
    std::fs::create_dir(dir.join("snaps")).unwrap();
    mkfifo(&dir.join("snaps/only.json"));
    let run = closeout(
        &dir,
        &["check", "snaps", "--format", "json"],
        Stdio::null(),
        DEADLINE,
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let error = &run.result("snaps")["error"];
    assert_eq!(error["kind"], "unreadable");
    assert_eq!(
        error["message"],
        "the directory holds no *.json, *.jsonl or *.ndjson snapshot \
         (1 file that is not a regular file skipped)"
    );
    assert!(run.stderr.contains("note: skipped \"snaps/only.json\": "));
}

#[test]
fn a_symlink_to_a_fifo_or_a_device_is_taken_for_what_it_points_to() {
    let dir = tempdir("hostile-symlinks");
    std::fs::create_dir(dir.join("snaps")).unwrap();
    mkfifo(&dir.join("pipe"));
    std::os::unix::fs::symlink(dir.join("pipe"), dir.join("link.json")).unwrap();
    std::os::unix::fs::symlink(dir.join("pipe"), dir.join("snaps/link.json")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join("snaps/zero.jsonl")).unwrap();
    good_snapshot(&dir, "snaps/ok.json");
    let run = closeout(
        &dir,
        &["check", "link.json", "snaps", "--format", "json"],
        Stdio::null(),
        DEADLINE,
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let message = run.result("link.json")["error"]["message"].clone();
    assert!(message.as_str().unwrap().starts_with(FIFO), "{message}");
    assert!(run
        .stderr
        .contains(&format!("note: skipped \"snaps/link.json\": {FIFO}\n")));
    assert!(run
        .stderr
        .contains("note: skipped \"snaps/zero.jsonl\": a character device, not a regular file\n"));
    assert_eq!(run.result("snaps/ok.json")["verdict"], "eligible");
    assert_eq!(run.report()["summary"]["snapshots"], 2);
}

#[test]
fn plan_refuses_a_fifo_without_waiting_for_a_writer() {
    let dir = tempdir("hostile-plan-fifo");
    mkfifo(&dir.join("pipe.json"));
    let run = closeout(&dir, &["plan", "pipe.json"], Stdio::null(), DEADLINE);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains(&format!("error: pipe.json: {FIFO}")),
        "{}",
        run.stderr
    );
}

fn dev_zero() -> Stdio {
    Stdio::from(std::fs::File::open("/dev/zero").unwrap())
}

/// `check - < /dev/zero` used to abort on a 1 GiB allocation. The stream has
/// no line ending, ever: one error for line 1, and the stream is read no further.
#[test]
fn stdin_from_dev_zero_ends_with_an_error_at_the_default_limit() {
    let run = closeout(
        &root(),
        &["check", "-", "--format", "json"],
        dev_zero(),
        Duration::from_secs(60),
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    run.assert_no_crash();
    let error = &run.result("<stdin>:1")["error"];
    assert_eq!(error["kind"], "unreadable");
    assert_eq!(
        (error["line"].as_u64(), error["column"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        error["message"],
        "line 1 is longer than 134217728 bytes, the limit for one JSON Lines line, \
         and no line ends within the next 134217728 bytes: the rest of standard input \
         is not read (raise the limit with --max-line-bytes N)"
    );
    assert_eq!(run.report()["summary"]["snapshots"], 1);
}

#[test]
fn stdin_from_dev_zero_with_a_small_limit_ends_at_once() {
    let run = closeout(
        &root(),
        &[
            "check",
            "-",
            "fixtures/sipstation/eligible-clean.json",
            "--max-line-bytes",
            "1KiB",
            "--format",
            "json",
        ],
        dev_zero(),
        DEADLINE,
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    run.assert_no_crash();
    let message = run.result("<stdin>:1")["error"]["message"].clone();
    assert!(
        message.as_str().unwrap().contains("longer than 1024 bytes"),
        "{message}"
    );
    // The batch went on after the endless stream.
    assert_eq!(
        run.result("fixtures/sipstation/eligible-clean.json")["verdict"],
        "eligible"
    );
}

#[test]
fn a_sparse_file_over_the_limit_is_refused_without_being_read() {
    let dir = tempdir("hostile-sparse");
    let big = std::fs::File::create(dir.join("big.json")).unwrap();
    // 200 MiB that occupy no disk: refused by its length, never read.
    big.set_len(200 << 20).unwrap();
    good_snapshot(&dir, "ok.json");
    let run = closeout(
        &dir,
        &["check", "big.json", "ok.json", "--format", "json"],
        Stdio::null(),
        DEADLINE,
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert_eq!(
        run.result("big.json")["error"]["message"],
        "the file is 209715200 bytes, over the limit of 134217728 bytes for one snapshot \
         (raise it with --max-snapshot-bytes N)"
    );
    assert_eq!(run.result("ok.json")["verdict"], "eligible");
    // Raised above its size, the same file is read: zeros, not JSON.
    let run = closeout(
        &dir,
        &[
            "check",
            "big.json",
            "--max-snapshot-bytes",
            "256MiB",
            "--format",
            "json",
        ],
        Stdio::null(),
        Duration::from_secs(60),
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert_eq!(run.result("big.json")["error"]["kind"], "syntax");
    run.assert_no_crash();
}

/// A 150 MiB line is over the default limit but ends, so the stream goes on:
/// the next line is checked.
#[test]
fn a_huge_line_on_stdin_is_skipped_and_the_next_line_checked() {
    let snapshot = std::fs::read_to_string(root().join("fixtures/sipstation/eligible-clean.json"))
        .unwrap()
        .replace('\n', "");
    let (reader, mut writer) = std::io::pipe().unwrap();
    let feeder = std::thread::spawn(move || {
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..150 {
            writer.write_all(&chunk)?;
        }
        writer.write_all(b"\n")?;
        writer.write_all(snapshot.as_bytes())?;
        writer.write_all(b"\n")
    });
    let run = closeout(
        &root(),
        &["check", "-", "--format", "json"],
        Stdio::from(reader),
        Duration::from_secs(60),
    );
    // closeout read all of it: the line was skipped, not the stream abandoned.
    feeder.join().unwrap().unwrap();
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    run.assert_no_crash();
    let message = run.result("<stdin>:1")["error"]["message"].clone();
    assert!(
        message.as_str().unwrap().ends_with(
            "the limit for one JSON Lines line: it was not read (raise the limit with --max-line-bytes N)"
        ),
        "{message}"
    );
    assert_eq!(run.result("<stdin>:2")["verdict"], "eligible");
}
