//! `closeout check`: load and compile the policies, refuse waivers for
//! unknown conditions, find the inputs, refuse an output that is an input,
//! then stage the outputs, run, and put the outputs in place.

use std::io;
use std::path::Path;
use std::process::ExitCode;

use closeout::config::Config;
use closeout::input::{find_inputs, Input};
use closeout::render::escape::visible;
use closeout::render::output::{check_written, FileId, ReadFile, Written};
use closeout::render::{self, Format, Tee};
use closeout::run::audit::{policy_set_digest, sha256_hex, AuditLog, AuditReporter, AuditRun};
use closeout::run::merge::RunInfo;
use closeout::{
    exit_code, Checker, Evaluator, PolicySet, Reporter, RunOptions, SnapshotResult, Summary,
};

use crate::cli::settings::Check;
use crate::cli::{stdio, Error};

use super::output;

pub fn run(settings: Check) -> Result<ExitCode, Error> {
    let Check {
        paths,
        policies,
        outputs,
        audit_log,
        fail_on,
        engine,
        jobs,
        limits,
        waivers,
        progress,
        redact,
        shard,
        baseline,
    } = settings;
    let evaluator = PolicySet::load(&policies.sources)
        .and_then(|set| Evaluator::with_engine(set, &policies.context, engine))
        .map_err(Error::policy)?;
    let catalogue = evaluator.policies().catalogue.clone();
    // A waiver for a condition no pack declares is a mistake in the file.
    if let Some(config) = &policies.config {
        if let Some(issue) = config.check_ids(|id| catalogue.get(id).is_some()).first() {
            return Err(Error::config(config.issue_error(issue)));
        }
    }
    let on_stdout = outputs.on_stdout();
    if on_stdout && stdio::stdout_closed() {
        return Err(Error::usage(stdio::STDOUT_CLOSED_MESSAGE));
    }
    let found = find_inputs(&paths);
    for skipped in &found.skipped {
        // Debug quoting: a control character in a file name is shown escaped.
        stdio::note(&format!(
            "note: skipped {:?}: {}",
            skipped.path, skipped.reason
        ));
    }
    let inputs = found.inputs;
    // Before any output is opened: no output may be an input, and no two
    // outputs one file.
    let mut read = read_files(&inputs, policies.config.as_ref(), evaluator.policies());
    read.extend(baseline.as_deref().and_then(super::diff::read_file));
    let written = written_files(&outputs.targets, audit_log.as_deref(), on_stdout);
    check_written(&written, &read).map_err(Error::Usage)?;
    // A bad baseline is an error before anything is checked.
    let baseline = baseline
        .as_deref()
        .map(super::diff::read_side)
        .transpose()?;

    let run = AuditRun {
        policy_digest: policy_set_digest(evaluator.policies()),
        config_sha256: policies
            .config
            .as_ref()
            .map(|c| sha256_hex(c.text.as_bytes())),
        engine: evaluator.engine().as_str().to_owned(),
        evaluated_at: policies.context.now.clone(),
    };
    let info = RunInfo::new(&run, redact.is_some());
    let (mut reporters, staged) = output::open(
        &outputs,
        &catalogue,
        &output::facts(&info),
        &info,
        baseline.as_ref(),
    )?
    .split();
    if let Some(path) = &audit_log {
        let log = AuditLog::open_append(path)
            .map_err(|err| Error::usage(format!("--audit-log {}: {err}", path.display())))?;
        reporters.push(Box::new(AuditReporter::new(log, run)));
    }
    let human_on_stdout = outputs
        .targets
        .iter()
        .any(|(f, p)| *f == Format::Human && p.is_none());
    // Machine formats keep stdout parseable; a one-line note per error goes to stderr.
    let mut reporter = ErrorNotes {
        inner: Box::new(Tee::new(reporters)),
        enabled: !human_on_stdout,
    };
    let options = RunOptions {
        jobs,
        keep_text: outputs
            .targets
            .iter()
            .any(|(f, _)| (*f == Format::Human && !outputs.quiet) || *f == Format::Html),
    };
    let bar = progress.then(stdio::progress_bar);
    let mut on_result = |_: &SnapshotResult| {
        if let Some(bar) = &bar {
            bar.inc(1);
        }
    };
    let mut checker = Checker::new(evaluator)
        .with_redaction(redact)
        .with_shard(shard)
        .with_digests(audit_log.is_some())
        .with_limits(limits);
    if let Some(w) = waivers {
        checker = checker.with_waivers(w.waivers, w.today);
    }
    let outcome = checker.run(&inputs, options, &mut reporter, &mut on_result);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    // Every writer is flushed and closed before a file is put in place.
    drop(reporter);
    match outcome {
        Ok(summary) => {
            staged.commit()?;
            if let Some(config) = &policies.config {
                warn_stale(config, &summary);
            }
            Ok(ExitCode::from(exit_code(&summary, fail_on)))
        }
        // The reader stopped (`| head`): not every result was delivered, so
        // never 0; quietly, as ripgrep does. Staged outputs are dropped.
        Err(error) if render::io_kind(&error) == Some(io::ErrorKind::BrokenPipe) => {
            Err(Error::Quiet)
        }
        Err(error) => Err(Error::usage(format!("the run stopped: {error}"))),
    }
}

/// `warning: closeout.toml:LINE: …` for each waiver that matched nothing.
fn warn_stale(config: &Config, summary: &Summary) {
    for stale in &summary.waivers.stale {
        stdio::note(&format!(
            "warning: {}:{}: {}",
            visible(&config.path.display().to_string()),
            stale.line,
            visible(&stale.message())
        ));
    }
}

/// Every file the run reads: snapshot files (given or found in a directory),
/// standard input, the configuration and the policy files.
fn read_files(inputs: &[Input], config: Option<&Config>, policies: &PolicySet) -> Vec<ReadFile> {
    let file = |path: &Path| {
        FileId::of(path).map(|id| ReadFile {
            name: path.display().to_string(),
            id,
        })
    };
    let mut read: Vec<ReadFile> = inputs
        .iter()
        .filter_map(|input| match input {
            Input::File(path) | Input::Lines(path) => file(path),
            Input::Stdin => stdio::stdin_file(),
            _ => None,
        })
        .collect();
    read.extend(config.and_then(|c| file(&c.path)));
    read.extend(
        policies
            .modules
            .iter()
            .chain(&policies.tests)
            .filter_map(|p| file(Path::new(&p.path))),
    );
    read
}

/// Every file the run writes: the --output files, the audit log, and standard
/// output when it is redirected to a file.
fn written_files(
    targets: &[(Format, Option<std::path::PathBuf>)],
    audit_log: Option<&Path>,
    on_stdout: bool,
) -> Vec<Written> {
    let mut written: Vec<Written> = targets
        .iter()
        .filter_map(|(_, path)| path.as_ref())
        .map(|path| Written::path("--output", path))
        .collect();
    written.extend(audit_log.map(|p| Written::path("--audit-log", p)));
    if on_stdout {
        written.extend(stdio::stdout_file().map(|id| Written::stream("standard output", id)));
    }
    written
}

/// Passes results through and notes each input error on standard error.
struct ErrorNotes<'w> {
    inner: Box<dyn Reporter + 'w>,
    enabled: bool,
}

impl Reporter for ErrorNotes<'_> {
    fn report(&mut self, result: &SnapshotResult, text: Option<&str>) -> io::Result<()> {
        if let (true, Some(error)) = (self.enabled, &result.error) {
            stdio::note(&format!(
                "error: {}: {}",
                visible(&result.error_location()),
                visible(&error.message)
            ));
        }
        self.inner.report(result, text)
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.inner.finish(summary)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
