//! The check itself: inputs in, one result per snapshot out, handed to a reporter
//! in input order as soon as it is ready. A bad input becomes an error result;
//! the run goes on.
//!
//! A run is a pipeline: one reader thread turns inputs into jobs (a file, or one
//! line of a JSON Lines stream); `jobs` workers, each owning a clone of the
//! prepared evaluator, turn jobs into results; the calling thread puts results
//! back in input order and reports them. A window bounds how far the reader may
//! run ahead of the reporter, so memory stays flat however many snapshots flow.
//!
//! Jobs travel in batches, and so do their results: one channel message, and at
//! worst one thread wake-up, per batch rather than per snapshot. A stream's
//! batch is cut short when the reader would have to wait for more input, so a
//! slow pipe still gets each result as soon as its line is checked.

pub mod audit;
pub mod diff;
pub mod merge;
pub mod shard;

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TryRecvError};
use std::sync::Arc;

use crate::eval::{Context, Evaluator};
use chrono::NaiveDate;

use crate::model::{Shard, SnapshotResult, Summary};

use crate::decide::waiver::{waiver_day, Waivers};
use crate::decide::WaiverContext;
use crate::input::{
    open_regular, wide_encoding, wide_encoding_message, Input, Limits, SnapshotSchema, UTF8_BOM,
};
use crate::model::{ErrorKind, InputError, Source};

/// Receives results in input order. Streaming formats write at once; document
/// formats keep the (small) results and write at `finish`.
pub trait Reporter {
    /// `text` is the snapshot's text when it is a whole file, for formats that
    /// quote it; `None` for lines of a stream and for unread inputs.
    fn report(&mut self, result: &SnapshotResult, text: Option<&str>) -> io::Result<()>;
    fn finish(&mut self, summary: &Summary) -> io::Result<()>;
    /// Pushes out what was reported so far: called when no result is ready, so
    /// a reader of a slow stream sees each result without waiting for the end.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Masks personal data and secrets in a result before any reporter sees it
/// (`render::redact::Redactor`). It runs in the worker, where the snapshot's
/// text is at hand, after the audit digest was taken over the exact bytes.
pub trait Redact: Send + Sync + std::fmt::Debug {
    /// Masks `result` in place, using `text` (the snapshot's, when read) to find
    /// values of secret fields; returns the masked text when `quoted`.
    fn redact(
        &self,
        result: &mut SnapshotResult,
        text: Option<&str>,
        quoted: bool,
    ) -> Option<Arc<str>>;
}

/// How a run is carried out.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    /// Worker threads, at least one.
    pub jobs: usize,
    /// Hand whole-file texts to the reporter (only human output quotes them).
    pub keep_text: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            jobs: 1,
            keep_text: true,
        }
    }
}

/// Checks snapshots with a prepared evaluator.
pub struct Checker {
    evaluator: Evaluator,
    schema: &'static SnapshotSchema,
    settings: Settings,
}

/// What every worker needs besides its evaluator; cheap to clone.
#[derive(Clone, Default)]
struct Settings {
    /// The run's waivers and the day they are judged on.
    waivers: Option<(Arc<Waivers>, NaiveDate)>,
    /// Compute each snapshot's SHA-256 (for the audit log).
    digest: bool,
    /// How large a snapshot file and a JSON Lines line may be.
    limits: Limits,
    /// What every result goes through before it is reported (None: `--no-redact`).
    redact: Option<Arc<dyn Redact>>,
    /// Check only the snapshots of this shard (`--shard K/N`).
    shard: Option<Shard>,
}

/// The most worker threads a run starts, whatever `--jobs` asks: each compiles
/// its own copy of the policies, and more threads than cores only wait.
pub const MAX_JOBS: usize = 64;

/// How many workers to start: what was asked, at least 1, at most
/// [`MAX_JOBS`], and never more than there are inputs when every input is a
/// single file (a stream's length is not known in advance).
pub fn worker_count(asked: usize, inputs: &[Input]) -> usize {
    let streams = inputs
        .iter()
        .any(|i| matches!(i, Input::Lines(_) | Input::Stdin));
    let mut jobs = asked.clamp(1, MAX_JOBS);
    if !streams {
        jobs = jobs.min(inputs.len().max(1));
    }
    jobs
}

/// At most this many snapshots go in one batch...
const BATCH: usize = 32;
/// ...and at most about this many bytes of JSON Lines text.
const BATCH_BYTES: usize = 256 * 1024;

/// One snapshot to check, numbered in input order.
struct Job {
    seq: u64,
    work: Work,
}

/// One snapshot to check, as a worker receives it: a file, a line of a
/// stream, or an input that already failed.
#[derive(Debug)]
pub enum Work {
    /// A file holding one snapshot; the worker reads it.
    File(PathBuf),
    /// One line of a JSON Lines stream.
    Line {
        source: Source,
        line: usize,
        text: String,
        /// The line followed the stream's UTF-8 byte order mark.
        bom: bool,
    },
    /// An input that failed before there was anything to check.
    Failed(Box<InputError>),
}

impl Work {
    /// The name its result will carry.
    fn source(&self) -> Source {
        match self {
            Work::File(path) => Source::file(path.display().to_string()),
            Work::Line { source, .. } => source.clone(),
            Work::Failed(error) => error.source.clone(),
        }
    }
}

struct Done {
    seq: u64,
    /// `None`: the snapshot belongs to another shard.
    result: Option<SnapshotResult>,
    text: Option<Arc<str>>,
    /// The last result of its batch: reporting it frees a window slot.
    ends_batch: bool,
}

impl Checker {
    pub fn new(evaluator: Evaluator) -> Checker {
        Checker {
            evaluator,
            schema: SnapshotSchema::v1(),
            settings: Settings::default(),
        }
    }

    /// Applies `waivers` to every finding, judging expiry on `today`.
    pub fn with_waivers(mut self, waivers: Waivers, today: NaiveDate) -> Checker {
        self.settings.waivers = Some((Arc::new(waivers), today));
        self
    }

    /// Records each snapshot's SHA-256 in its result, for an audit log.
    pub fn with_digests(mut self, digest: bool) -> Checker {
        self.settings.digest = digest;
        self
    }

    /// Bounds what one input may make the run read (default: 128 MiB each).
    pub fn with_limits(mut self, limits: Limits) -> Checker {
        self.settings.limits = limits;
        self
    }

    /// Masks every result with `redact` before it is reported.
    pub fn with_redaction(mut self, redact: Option<Arc<dyn Redact>>) -> Checker {
        self.settings.redact = redact;
        self
    }

    /// Checks only the snapshots of `shard` in [`Checker::run`] ([`shard`]).
    pub fn with_shard(mut self, shard: Option<Shard>) -> Checker {
        self.settings.shard = shard;
        self
    }

    /// Moves this checker to another evaluation time, export age and data
    /// (a service decides each request at its own `now`): the policies' data
    /// and the day waivers are judged on. Nothing is compiled again.
    pub fn set_context(&mut self, context: &Context) -> Result<(), String> {
        let today = waiver_day(&context.now)?;
        self.evaluator
            .set_context(context)
            .map_err(|e| e.to_string())?;
        if let Some((_, day)) = &mut self.settings.waivers {
            *day = today;
        }
        Ok(())
    }

    /// Checks one piece of work exactly as a worker of [`Checker::run`] does
    /// (a panic in the engine becomes an error result).
    pub fn check(&mut self, work: Work) -> SnapshotResult {
        check_job(
            &mut self.evaluator,
            self.schema,
            &self.settings,
            0,
            work,
            false,
        )
        .result
        .unwrap_or_else(|| not_checked("<request>"))
    }

    /// The prepared evaluator.
    pub fn evaluator(&self) -> &Evaluator {
        &self.evaluator
    }

    /// Checks one snapshot file, whatever the shard; returns its result and,
    /// when it was read, its text.
    pub fn check_file(&mut self, path: &Path) -> (SnapshotResult, Option<Arc<str>>) {
        let (result, text) = Self::check_work(
            &mut self.evaluator,
            self.schema,
            &self.settings,
            None,
            Work::File(path.to_path_buf()),
        )
        .unwrap_or_else(|| (not_checked(&path.display().to_string()), None));
        redacted(&self.settings, result, text, true)
    }

    /// `None` when the snapshot belongs to another shard than `shard`: it is
    /// read and validated, to know its shard key, but not evaluated.
    fn check_work(
        evaluator: &mut Evaluator,
        schema: &SnapshotSchema,
        settings: &Settings,
        shard: Option<Shard>,
        work: Work,
    ) -> Option<(SnapshotResult, Option<Arc<str>>)> {
        let in_shard = |id: Option<&str>, source: &crate::model::Source| {
            shard.is_none_or(|shard| shard::holds(shard, id, &source.to_string()))
        };
        let loaded = match work {
            Work::File(path) => schema.load_file(&path, settings.limits.max_snapshot_bytes),
            Work::Line {
                source,
                line,
                text,
                bom,
            } => schema.load(source, line, Arc::from(text), bom),
            Work::Failed(error) => {
                return in_shard(error.snapshot_id.as_deref(), &error.source)
                    .then(|| (SnapshotResult::failed(&error), None))
            }
        };
        let snapshot = match loaded {
            Ok(snapshot) => snapshot,
            Err(error) => {
                return in_shard(error.snapshot_id.as_deref(), &error.source)
                    .then(|| (SnapshotResult::failed(&error), error.text.clone()))
            }
        };
        if !in_shard(Some(&snapshot.snapshot_id), &snapshot.source) {
            return None;
        }
        let waivers = settings
            .waivers
            .as_ref()
            .map(|(waivers, today)| WaiverContext {
                waivers,
                today: *today,
            });
        let mut result = match evaluator.evaluate(&snapshot) {
            Ok(raw) => SnapshotResult::checked_with(
                &snapshot,
                raw,
                &evaluator.policies().catalogue,
                waivers,
            ),
            Err(error) => SnapshotResult::failed(&error),
        };
        if settings.digest {
            result.snapshot_sha256 = Some(crate::run::audit::sha256_hex(&snapshot.bytes()));
        }
        Some((result, Some(snapshot.text)))
    }

    /// Checks every input, reporting each result in input order as it completes.
    /// `progress` sees each result as it is reported (for a progress bar).
    pub fn run(
        &mut self,
        inputs: &[Input],
        options: RunOptions,
        reporter: &mut dyn Reporter,
        progress: &mut dyn FnMut(&SnapshotResult),
    ) -> io::Result<Summary> {
        let jobs = worker_count(options.jobs, inputs);
        // How many batches may be read but not yet reported.
        let window = jobs * 4;
        let (job_tx, job_rx) = crossbeam_channel::bounded::<Vec<Job>>(window);
        let (done_tx, done_rx) = sync_channel::<Vec<Done>>(window);
        let (token_tx, token_rx) = sync_channel::<()>(window);
        let schema = self.schema;
        let settings = &self.settings;
        let max_line = settings.limits.max_line_bytes;
        std::thread::scope(|scope| {
            scope.spawn(move || read_inputs(inputs, max_line, &job_tx, &token_tx));
            for _ in 0..jobs {
                let job_rx = job_rx.clone();
                let done_tx = done_tx.clone();
                let mut evaluator = self.evaluator.clone();
                scope.spawn(move || {
                    work(
                        &mut evaluator,
                        schema,
                        settings,
                        &job_rx,
                        &done_tx,
                        options.keep_text,
                    )
                });
            }
            // Only the workers hold these now: when the reporter stops early the
            // receivers below are dropped and every thread sees its channel close.
            drop(done_tx);
            drop(job_rx);
            let waivers = settings.waivers.as_ref().map(|(w, _)| w.as_ref());
            let shard = settings.shard;
            report_in_order(done_rx, token_rx, reporter, progress, waivers, shard)
        })
    }
}

/// Numbers jobs in input order and sends them in batches, each taking a window
/// slot, so the reader never runs more than the window ahead of the reporter.
struct Batcher<'a> {
    jobs: &'a crossbeam_channel::Sender<Vec<Job>>,
    window: &'a SyncSender<()>,
    seq: u64,
    batch: Vec<Job>,
    bytes: usize,
}

impl Batcher<'_> {
    /// Adds a job; false when the run is over (the reporter gave up).
    fn push(&mut self, work: Work) -> bool {
        if let Work::Line { text, .. } = &work {
            self.bytes += text.len();
        }
        self.batch.push(Job {
            seq: self.seq,
            work,
        });
        self.seq += 1;
        if self.batch.len() >= BATCH || self.bytes >= BATCH_BYTES {
            self.flush()
        } else {
            true
        }
    }

    /// Sends the jobs gathered so far; false when the run is over.
    fn flush(&mut self) -> bool {
        if self.batch.is_empty() {
            return true;
        }
        let batch = std::mem::take(&mut self.batch);
        self.bytes = 0;
        // Both sends fail only when the run is over (the reporter gave up).
        self.window.send(()).is_ok() && self.jobs.send(batch).is_ok()
    }
}

/// The reader: turns inputs into numbered jobs, never more than the window ahead.
fn read_inputs(
    inputs: &[Input],
    max_line: u64,
    jobs: &crossbeam_channel::Sender<Vec<Job>>,
    window: &SyncSender<()>,
) {
    let mut batcher = Batcher {
        jobs,
        window,
        seq: 0,
        batch: Vec::with_capacity(BATCH),
        bytes: 0,
    };
    for input in inputs {
        let keep_going = match input {
            Input::File(path) => batcher.push(Work::File(path.clone())),
            Input::Broken { path, reason } => {
                batcher.push(Work::Failed(Box::new(InputError::new(
                    path.display().to_string(),
                    ErrorKind::Unreadable,
                    reason.clone(),
                ))))
            }
            // Only a regular file: a FIFO would block the reader, and the batch with it.
            Input::Lines(path) => match open_regular(path) {
                Ok((file, _)) => {
                    let name = path.display().to_string();
                    read_lines(&name, "the file", file, max_line, &mut |work, buffered| {
                        batcher.push(work) && (buffered || batcher.flush())
                    })
                }
                Err(message) => batcher.push(Work::Failed(Box::new(InputError::new(
                    path.display().to_string(),
                    ErrorKind::Unreadable,
                    message,
                )))),
            },
            Input::Stdin => read_lines(
                "<stdin>",
                "standard input",
                io::stdin().lock(),
                max_line,
                &mut |work, buffered| batcher.push(work) && (buffered || batcher.flush()),
            ),
        };
        if !keep_going {
            return;
        }
    }
    batcher.flush();
}

/// How reading one line of a stream went.
#[derive(Debug, PartialEq, Eq)]
enum NextLine {
    /// The stream has ended.
    End,
    /// A line, with its `\n` if it had one, is in the buffer.
    Line,
    /// The line is longer than the limit; none of it was kept. `resynced`:
    /// its end came within another `limit` bytes (or the stream ended), so
    /// the next line can be read; otherwise the stream may never end (as
    /// `/dev/zero`) and is read no further.
    TooLong { resynced: bool },
}

/// Reads one line into `bytes`, holding at most `limit` bytes besides its `\n`.
fn next_line<R: Read>(
    reader: &mut BufReader<R>,
    bytes: &mut Vec<u8>,
    limit: u64,
) -> io::Result<NextLine> {
    let limit = limit.max(1);
    bytes.clear();
    if reader.by_ref().take(limit).read_until(b'\n', bytes)? == 0 {
        return Ok(NextLine::End);
    }
    if bytes.last() == Some(&b'\n') || (bytes.len() as u64) < limit {
        return Ok(NextLine::Line);
    }
    // `limit` bytes and no line ending yet: the line ends here, or is too long.
    match fill_buf(reader)?.first() {
        None => return Ok(NextLine::Line),
        Some(b'\n') => {
            reader.consume(1);
            bytes.push(b'\n');
            return Ok(NextLine::Line);
        }
        Some(_) => {}
    }
    *bytes = Vec::new();
    // Skip to the line's end, keeping nothing, but not forever.
    let mut budget = limit.saturating_add(1);
    loop {
        let buffer = fill_buf(reader)?;
        if buffer.is_empty() {
            return Ok(NextLine::TooLong { resynced: true });
        }
        let window = buffer
            .len()
            .min(usize::try_from(budget).unwrap_or(usize::MAX));
        if let Some(at) = buffer[..window].iter().position(|b| *b == b'\n') {
            reader.consume(at + 1);
            return Ok(NextLine::TooLong { resynced: true });
        }
        reader.consume(window);
        budget -= window as u64;
        if budget == 0 {
            return Ok(NextLine::TooLong { resynced: false });
        }
    }
}

fn fill_buf<R: Read>(reader: &mut BufReader<R>) -> io::Result<&[u8]> {
    loop {
        match reader.fill_buf() {
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            // What was just filled, without reading again (a terminal would wait).
            Ok(_) => return Ok(reader.buffer()),
            Err(err) => return Err(err),
        }
    }
}

/// Reads a JSON Lines stream exactly as `check` reads one, handing `sink` one
/// piece of work per snapshot line (or per line that failed) in order, named
/// `name:LINE`; `what` names the stream in messages ("the stream"). Stops
/// when `sink` returns false, and then returns false.
pub fn read_stream(
    name: &str,
    what: &str,
    reader: impl Read,
    max_line: u64,
    sink: &mut dyn FnMut(Work) -> bool,
) -> bool {
    read_lines(name, what, reader, max_line, &mut |work, _| sink(work))
}

/// Sends one job per non-blank line; a stream with none is an error, not a pass.
/// `what` names the stream in messages ("the file", "standard input"). `sink`
/// also learns whether more of the stream is buffered: when nothing is, the
/// next read may wait on the writer, so what was read so far should go to
/// the workers now.
fn read_lines(
    name: &str,
    what: &str,
    reader: impl Read,
    max_line: u64,
    sink: &mut dyn FnMut(Work, bool) -> bool,
) -> bool {
    let mut reader = BufReader::with_capacity(1 << 20, reader);
    let mut send = |work: Work, reader: &BufReader<_>| sink(work, !reader.buffer().is_empty());
    let failed = |line: usize, kind: ErrorKind, message: String| {
        let error = InputError::new(Source::line(name, line), kind, message);
        Work::Failed(Box::new(error.at_position(line, 1)))
    };
    let mut bytes = Vec::new();
    let mut line = 0usize;
    let mut found = 0usize;
    loop {
        line += 1;
        match next_line(&mut reader, &mut bytes, max_line) {
            Ok(NextLine::End) => break,
            Ok(NextLine::Line) => {}
            Ok(NextLine::TooLong { resynced }) => {
                found += 1;
                let mut message =
                    format!("line {line} is longer than {max_line} bytes, the limit for one JSON Lines line");
                if resynced {
                    message.push_str(": it was not read");
                } else {
                    message.push_str(&format!(
                        ", and no line ends within the next {max_line} bytes: the rest of {what} is not read"
                    ));
                }
                message.push_str(" (raise the limit with --max-line-bytes N)");
                let work = failed(line, ErrorKind::Unreadable, message);
                if !send(work, &reader) {
                    return false;
                }
                if resynced {
                    continue;
                }
                return true;
            }
            Err(err) => {
                let error = InputError::new(
                    Source::line(name, line),
                    ErrorKind::Unreadable,
                    format!("cannot read line {line}: {err}"),
                );
                return send(Work::Failed(Box::new(error)), &reader);
            }
        }
        let mut bom = false;
        if bytes.starts_with(UTF8_BOM) {
            if line > 1 {
                found += 1;
                let message = format!(
                    "line {line} starts with a UTF-8 byte order mark, which only the start of {what} may have (were files joined? remove it)"
                );
                if !send(failed(line, ErrorKind::Encoding, message), &reader) {
                    return false;
                }
                continue;
            }
            bytes.drain(..UTF8_BOM.len());
            bom = true;
        } else if line == 1 {
            if let Some(encoding) = wide_encoding(&bytes) {
                let message = format!(
                    "{}; none of it is read",
                    wide_encoding_message(what, encoding)
                );
                return send(failed(line, ErrorKind::Encoding, message), &reader);
            }
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        found += 1;
        while bytes.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            bytes.pop();
        }
        let source = Source::line(name, line);
        let work = match String::from_utf8(std::mem::take(&mut bytes)) {
            Ok(text) => Work::Line {
                source,
                line,
                text,
                bom,
            },
            Err(err) => {
                let valid = &err.as_bytes()[..err.utf8_error().valid_up_to()];
                // Columns count characters, as everywhere.
                let column = std::str::from_utf8(valid).map_or(1, |v| v.chars().count() + 1);
                let mut error = InputError::new(
                    source,
                    ErrorKind::Encoding,
                    format!("line {line} is not UTF-8 text (invalid byte at column {column})"),
                );
                error.position = Some((line, column));
                Work::Failed(Box::new(error))
            }
        };
        if !send(work, &reader) {
            return false;
        }
    }
    if found == 0 {
        let error = InputError::new(
            name,
            ErrorKind::Unreadable,
            "the stream holds no snapshot (no non-blank line)",
        );
        return send(Work::Failed(Box::new(error)), &reader);
    }
    true
}

/// A worker: checks jobs until the queue closes.
fn work(
    evaluator: &mut Evaluator,
    schema: &SnapshotSchema,
    settings: &Settings,
    jobs: &crossbeam_channel::Receiver<Vec<Job>>,
    done: &SyncSender<Vec<Done>>,
    keep_text: bool,
) {
    loop {
        // Each batch goes to one worker; none waits on a lock another holds.
        let batch = jobs.recv();
        let Ok(batch) = batch else { return };
        let mut results: Vec<Done> = batch
            .into_iter()
            .map(|Job { seq, work }| check_job(evaluator, schema, settings, seq, work, keep_text))
            .collect();
        if let Some(last) = results.last_mut() {
            last.ends_batch = true;
        }
        if done.send(results).is_err() {
            return;
        }
    }
}

/// Checks one job; a panic while checking it becomes its error result.
fn check_job(
    evaluator: &mut Evaluator,
    schema: &SnapshotSchema,
    settings: &Settings,
    seq: u64,
    work: Work,
    keep_text: bool,
) -> Done {
    // A line of a stream is not worth quoting: it is one long line.
    let whole_file = matches!(work, Work::File(_));
    let source = work.source();
    // A panic inside the engine on one snapshot must not lose its result (the
    // reorder buffer would wait for it forever): it becomes an error result.
    let quoted = keep_text && whole_file;
    let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Checker::check_work(evaluator, schema, settings, settings.shard, work)
            .map(|(result, text)| redacted(settings, result, text, quoted))
    }));
    // A panic's result is reported in whichever shard met it: its shard key
    // may be unknown, and an error must never be lost between shards.
    let checked = checked.map(|c| c.map_or((None, None), |(r, t)| (Some(r), t)));
    let (result, text) = checked.unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".into());
        let error = InputError::new(
            source,
            ErrorKind::Policy,
            format!("internal error while checking this snapshot: {what}"),
        );
        (Some(SnapshotResult::failed(&error)), None)
    });
    let text = text.filter(|_| keep_text && whole_file);
    Done {
        seq,
        result,
        text,
        ends_batch: false,
    }
}

/// Only a `--shard` run skips a snapshot; one checked alone (a file, a
/// request) never is, and should it be, the missing result is an error,
/// never a pass.
fn not_checked(source: &str) -> SnapshotResult {
    SnapshotResult::failed(&InputError::new(
        source,
        ErrorKind::Policy,
        "internal error: the snapshot was not checked",
    ))
}

/// The result (and, when `quoted`, the text) as reports may show them.
fn redacted(
    settings: &Settings,
    mut result: SnapshotResult,
    text: Option<Arc<str>>,
    quoted: bool,
) -> (SnapshotResult, Option<Arc<str>>) {
    match &settings.redact {
        Some(redact) => {
            let masked = redact.redact(&mut result, text.as_deref(), quoted);
            (result, masked)
        }
        None => (result, text),
    }
}

/// Puts results back in input order and reports them; frees a window slot each.
fn report_in_order(
    done: Receiver<Vec<Done>>,
    window: Receiver<()>,
    reporter: &mut dyn Reporter,
    progress: &mut dyn FnMut(&SnapshotResult),
    waivers: Option<&Waivers>,
    shard: Option<Shard>,
) -> io::Result<Summary> {
    let mut summary = Summary {
        shard,
        ..Summary::default()
    };
    let mut waiting: BTreeMap<u64, Done> = BTreeMap::new();
    let mut next = 0u64;
    loop {
        let batch = match done.try_recv() {
            Ok(batch) => batch,
            Err(TryRecvError::Empty) => {
                // Nothing is ready: what was reported goes out before we wait.
                reporter.flush()?;
                match done.recv() {
                    Ok(batch) => batch,
                    Err(_) => break,
                }
            }
            Err(TryRecvError::Disconnected) => break,
        };
        waiting.extend(batch.into_iter().map(|item| (item.seq, item)));
        while let Some(mut item) = waiting.remove(&next) {
            if let Some(result) = &mut item.result {
                result.seq = item.seq;
                summary.add(result);
                reporter.report(result, item.text.as_deref())?;
                progress(result);
            }
            if item.ends_batch {
                let _ = window.recv();
            }
            next += 1;
        }
    }
    if !waiting.is_empty() {
        // Every job yields a result, so a gap means a thread died: say so
        // rather than report a run that silently skipped snapshots.
        return Err(io::Error::other(format!(
            "internal error: the result of input #{} was lost; {} later result(s) not reported",
            next + 1,
            waiting.len()
        )));
    }
    if let Some(waivers) = waivers {
        summary.waivers.finish(waivers);
    }
    reporter.finish(&summary)?;
    Ok(summary)
}

impl std::fmt::Debug for Checker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checker").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records the source of each result, in the order it is reported.
    struct Seen(Vec<String>);

    impl Reporter for Seen {
        fn report(&mut self, result: &SnapshotResult, _: Option<&str>) -> io::Result<()> {
            self.0.push(result.source.to_string());
            Ok(())
        }
        fn finish(&mut self, _: &Summary) -> io::Result<()> {
            Ok(())
        }
    }

    fn done(seq: u64) -> Done {
        let error = InputError::new(format!("s{seq}"), ErrorKind::Unreadable, "x");
        Done {
            seq,
            result: Some(SnapshotResult::failed(&error)),
            text: None,
            ends_batch: true,
        }
    }

    fn run(seqs: &[u64]) -> (io::Result<Summary>, Vec<String>) {
        let (done_tx, done_rx) = sync_channel(8);
        let (token_tx, token_rx) = sync_channel(8);
        for &seq in seqs {
            token_tx.send(()).unwrap();
            done_tx.send(vec![done(seq)]).unwrap();
        }
        drop(done_tx);
        let mut reporter = Seen(Vec::new());
        let outcome = report_in_order(done_rx, token_rx, &mut reporter, &mut |_| {}, None, None);
        (outcome, reporter.0)
    }

    /// Every outcome of `next_line` over `input` with a limit of 4 bytes, with
    /// each line as read.
    fn lines(input: &[u8]) -> Vec<(NextLine, String)> {
        // A tiny buffer, so that lines straddle refills.
        let mut reader = BufReader::with_capacity(3, input);
        let mut bytes = Vec::new();
        let mut out = Vec::new();
        loop {
            let next = next_line(&mut reader, &mut bytes, 4).unwrap();
            if next == NextLine::End {
                return out;
            }
            let stop = next == NextLine::TooLong { resynced: false };
            out.push((next, String::from_utf8_lossy(&bytes).into_owned()));
            if stop {
                return out;
            }
        }
    }

    #[test]
    fn a_line_over_the_limit_is_skipped_without_being_kept() {
        use NextLine::{Line, TooLong};
        let line = |s: &str| (Line, s.to_string());
        let long = |resynced| (TooLong { resynced }, String::new());
        // At the limit, with and without a line ending, is a line.
        assert_eq!(lines(b"abcd\nabcd"), [line("abcd\n"), line("abcd")]);
        assert_eq!(lines(b"ab\n\n"), [line("ab\n"), line("\n")]);
        // One byte over is too long; the next line is read.
        assert_eq!(lines(b"abcde\nxy\n"), [long(true), line("xy\n")]);
        assert_eq!(lines(b"abcde"), [long(true)]);
        // A line ending within another limit's worth of bytes resynchronises...
        assert_eq!(lines(b"abcdefgh\nz"), [long(true), line("z")]);
        // ...one further away ends the stream's reading.
        assert_eq!(lines(b"abcdefghi\nz"), [long(false)]);
    }

    #[test]
    fn workers_never_outnumber_single_file_inputs_nor_the_cap() {
        let files = vec![Input::File("a.json".into()), Input::File("b.json".into())];
        assert_eq!(worker_count(100_000, &files), 2);
        assert_eq!(worker_count(0, &files), 1);
        assert_eq!(worker_count(100_000, &[Input::Stdin]), MAX_JOBS);
        assert_eq!(worker_count(3, &[Input::Stdin]), 3);
    }

    #[test]
    fn results_are_reported_in_input_order_whatever_order_they_arrive_in() {
        let (outcome, reported) = run(&[2, 0, 1]);
        assert_eq!(outcome.unwrap().snapshots, 3);
        assert_eq!(reported, ["s0", "s1", "s2"]);
    }

    #[test]
    fn a_lost_result_stops_the_run_instead_of_passing_silently() {
        let (outcome, reported) = run(&[0, 2, 3]);
        let message = outcome.unwrap_err().to_string();
        assert!(message.contains("input #2 was lost; 2 later"), "{message}");
        assert_eq!(reported, ["s0"]);
    }
}
