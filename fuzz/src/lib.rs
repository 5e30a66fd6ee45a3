//! What the fuzz targets share: a scratch directory, the prepared checker, and
//! the span checks every target makes on what closeout reports.
//!
//! The targets go through closeout's public API, the same calls `closeout check`
//! makes; where that API takes a path (snapshot files, JSON Lines files, policy
//! directories), the input is written to a scratch file first, so the real
//! readers (UTF-8 decoding, line splitting, directory walks) are fuzzed too.

use std::cell::RefCell;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use closeout::run::Reporter;
use closeout::model::Span;
use closeout::model::{SnapshotResult, Summary, Verdict};
use closeout::{Checker, Context, EngineKind, Evaluator, PolicySet, PolicySource};

/// The evaluation time of every fuzzed check, so runs are reproducible.
pub const NOW: &str = "2026-11-21T00:00:00Z";

/// A directory of this process's own under the system temp directory.
pub fn scratch_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("closeout-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("the scratch directory can be made");
        dir
    })
}

/// Writes `bytes` to the scratch file `name` and returns its path.
pub fn scratch_file(name: &str, bytes: &[u8]) -> PathBuf {
    let path = scratch_dir().join(name);
    std::fs::write(&path, bytes).expect("the scratch file can be written");
    path
}

thread_local! {
    /// Built once per process: compiling the bundled policies takes a while.
    static VM: RefCell<Checker> = RefCell::new(build_checker(EngineKind::Vm));
    static INTERPRETER: RefCell<Checker> = RefCell::new(build_checker(EngineKind::Interpreter));
}

fn build_checker(engine: EngineKind) -> Checker {
    let policies = PolicySet::load(&[PolicySource::Bundled]).expect("bundled policies load");
    let context = Context::at(NOW, 7).expect("NOW is RFC 3339");
    let evaluator =
        Evaluator::with_engine(policies, &context, engine).expect("bundled policies compile");
    Checker::new(evaluator)
}

/// Runs `f` with the process's checker for `engine` (the bundled policies, at
/// [`NOW`]). `Checker::run` clones the evaluator for its worker, and a VM
/// clone compiles its own program: a target that runs a stream per input is
/// several times faster with the interpreter, whose clone is cheap.
pub fn with_checker<T>(engine: EngineKind, f: impl FnOnce(&mut Checker) -> T) -> T {
    let checker = match engine {
        EngineKind::Vm => &VM,
        EngineKind::Interpreter => &INTERPRETER,
    };
    checker.with(|checker| f(&mut checker.borrow_mut()))
}

/// Panics unless `span` lies inside `text` and starts and ends on characters.
pub fn assert_span(text: &str, span: Span, what: &str) {
    let end = span.offset.checked_add(span.len);
    assert!(
        end.is_some_and(|end| end <= text.len()),
        "{what}: span {span:?} outside a text of {} bytes",
        text.len()
    );
    assert!(
        text.is_char_boundary(span.offset) && text.is_char_boundary(span.offset + span.len),
        "{what}: span {span:?} splits a character"
    );
}

/// Panics unless a 1-based line and column can be a position in `text`.
pub fn assert_position(text: &str, line: usize, column: usize, what: &str) {
    let lines = text.split('\n').count();
    assert!(
        line >= 1 && line <= lines,
        "{what}: line {line} of a text of {lines} lines"
    );
    let width = text
        .split('\n')
        .nth(line - 1)
        .map_or(0, |l| l.chars().count());
    assert!(
        column >= 1 && column <= width + 1,
        "{what}: column {column} of line {line}, which has {width} characters"
    );
}

/// The checks every result must pass, whatever its input: fail closed (an
/// error is an ERROR verdict with no findings), and positions that exist.
pub fn assert_result(result: &SnapshotResult, text: Option<&str>) {
    match &result.error {
        Some(error) => {
            assert_eq!(result.verdict, Verdict::Error, "an error must be ERROR");
            assert!(result.findings.is_empty(), "an error has no findings");
            assert!(
                !error.message.trim().is_empty(),
                "an error says what is wrong"
            );
            if let (Some(text), Some(span)) = (text, error.span) {
                assert_span(text, span, "error span");
            }
        }
        None => {
            assert_ne!(result.verdict, Verdict::Error, "ERROR without an error");
            let blocked = result
                .findings
                .iter()
                .any(|f| f.kind == closeout::Kind::Block && !f.is_waived());
            assert_eq!(
                result.verdict == Verdict::Blocked,
                blocked,
                "the verdict follows the unwaived block findings"
            );
            for finding in &result.findings {
                if let (Some(text), Some(label)) = (text, finding.label) {
                    assert_span(text, label, "finding label");
                }
                if let (Some(line), Some(column)) = (finding.line, finding.column) {
                    assert!(line >= 1 && column >= 1, "positions are 1-based");
                }
            }
        }
    }
}

/// A reporter that keeps every result (and hands it on to `inner`).
pub struct Collect<'w> {
    pub results: Vec<SnapshotResult>,
    pub finished: Option<Summary>,
    inner: Box<dyn Reporter + 'w>,
}

impl<'w> Collect<'w> {
    pub fn new(inner: Box<dyn Reporter + 'w>) -> Self {
        Collect {
            results: Vec::new(),
            finished: None,
            inner,
        }
    }
}

impl Reporter for Collect<'_> {
    fn report(&mut self, result: &SnapshotResult, text: Option<&str>) -> io::Result<()> {
        self.results.push(result.clone());
        self.inner.report(result, text)
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.finished = Some(summary.clone());
        self.inner.finish(summary)
    }
}

/// Human output as `closeout check` writes it to a file: no colour, 100 columns.
pub fn human_style() -> closeout::render::Style {
    closeout::render::Style {
        color: false,
        width: 100,
    }
}
