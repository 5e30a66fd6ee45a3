//! The workers that decide: plain threads, off the async runtime, each owning
//! a [`Checker`] over its own clone of the generation's evaluator. A worker
//! clones (and so compiles) the policies once per generation, on the first job
//! of a new generation; every other job only sets the request's time, and only
//! when it differs from the last one.
//!
//! The audit record of a decision is written here, before the decision is
//! handed back: an answer is never sent for a decision the log does not hold.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::{mpsc, oneshot};

use crate::decide::waiver::waiver_day;
use crate::eval::Context;
use crate::model::{ErrorKind, InputError, SnapshotResult};
use crate::run::audit::{AuditLog, AuditRecord, AuditRun};
use crate::run::{Checker, Work};

use super::Generation;

/// One decision to make.
struct Job {
    generation: Arc<Generation>,
    /// The request's context: the generation's, at the request's time.
    context: Context,
    work: Work,
    reply: oneshot::Sender<Decided>,
    queued: Instant,
}

/// A decision, with what it was decided with.
#[derive(Debug)]
pub struct Decided {
    pub result: SnapshotResult,
    pub generation: Arc<Generation>,
    /// The evaluation time (RFC 3339).
    pub evaluated_at: String,
    /// Why the audit record could not be written: then the decision must not
    /// be given.
    pub audit_error: Option<String>,
    /// Seconds from queueing to the decision (audit record included).
    pub seconds: f64,
}

/// The audit log, shared by the workers. Holding its lock is holding every
/// write: the service takes it for good before it exits, so no record is
/// ever cut in half.
pub type SharedAudit = Arc<Mutex<Option<AuditLog>>>;

/// The worker threads and their queue.
#[derive(Debug, Clone)]
pub struct Pool {
    jobs: mpsc::Sender<Job>,
}

/// Why a decision could not be made: the service is stopping.
#[derive(Debug)]
pub struct Stopped;

impl Pool {
    /// Starts `workers` threads (at least one).
    pub fn start(workers: usize, audit: SharedAudit) -> std::io::Result<Pool> {
        let workers = workers.max(1);
        // A short queue: requests wait in the runtime, not in memory here.
        let (tx, rx) = mpsc::channel::<Job>(workers * 4);
        let rx = Arc::new(Mutex::new(rx));
        for n in 0..workers {
            let rx = Arc::clone(&rx);
            let audit = Arc::clone(&audit);
            std::thread::Builder::new()
                .name(format!("closeout-worker-{n}"))
                .spawn(move || work(&rx, &audit))?;
        }
        Ok(Pool { jobs: tx })
    }

    /// Decides `work` with `generation` at `context`'s time.
    pub async fn decide(
        &self,
        generation: Arc<Generation>,
        context: Context,
        work: Work,
    ) -> Result<Decided, Stopped> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            generation,
            context,
            work,
            reply,
            queued: Instant::now(),
        };
        self.jobs.send(job).await.map_err(|_| Stopped)?;
        answer.await.map_err(|_| Stopped)
    }

    /// Queues a decision from a blocking thread (an NDJSON reader), waiting
    /// for room; the answer goes to `reply`. False when the service stops.
    pub fn submit_blocking(
        &self,
        generation: Arc<Generation>,
        context: Context,
        work: Work,
        reply: oneshot::Sender<Decided>,
    ) -> bool {
        let job = Job {
            generation,
            context,
            work,
            reply,
            queued: Instant::now(),
        };
        self.jobs.blocking_send(job).is_ok()
    }
}

/// A worker's own checker, for one generation.
struct Own {
    generation: u64,
    checker: Checker,
    /// The time its evaluator is set to.
    now: Option<String>,
}

fn work(jobs: &Mutex<mpsc::Receiver<Job>>, audit: &Mutex<Option<AuditLog>>) {
    let mut own: Option<Own> = None;
    loop {
        // recv is atomic: another worker's panic cannot leave the queue bad.
        let job = jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .blocking_recv();
        let Some(job) = job else { return };
        let Job {
            generation,
            context,
            work,
            reply,
            queued,
        } = job;
        if own.as_ref().map(|o| o.generation) != Some(generation.number) {
            own = Some(Own {
                generation: generation.number,
                checker: checker_for(&generation, &context),
                now: None,
            });
        }
        let own = own.as_mut().expect("set just above");
        let source = work_source(&work);
        let result = match set_time(own, &context) {
            Ok(()) => own.checker.check(work),
            Err(message) => {
                let error = InputError::new(
                    source,
                    ErrorKind::Policy,
                    format!("cannot evaluate at {}: {message}", context.now),
                );
                SnapshotResult::failed(&error)
            }
        };
        let audit_error = write_audit(audit, &result, &generation, &context.now).err();
        let _ = reply.send(Decided {
            result,
            generation,
            evaluated_at: context.now,
            audit_error,
            seconds: queued.elapsed().as_secs_f64(),
        });
    }
}

fn checker_for(generation: &Generation, context: &Context) -> Checker {
    let mut checker = Checker::new(generation.evaluator.clone())
        .with_digests(true)
        .with_redaction(generation.redact.clone());
    if let Some(waivers) = &generation.waivers {
        // The day is set again with the request's time, before any check.
        // Until then, a day no waiver reaches: every one counts as expired,
        // so nothing is waived by a day that could not be read.
        let today = waiver_day(&context.now).unwrap_or(chrono::NaiveDate::MAX);
        checker = checker.with_waivers(waivers.clone(), today);
    }
    checker
}

fn set_time(own: &mut Own, context: &Context) -> Result<(), String> {
    if own.now.as_deref() == Some(context.now.as_str()) {
        return Ok(());
    }
    own.now = None;
    own.checker.set_context(context)?;
    own.now = Some(context.now.clone());
    Ok(())
}

fn work_source(work: &Work) -> String {
    match work {
        Work::File(path) => path.display().to_string(),
        Work::Line { source, .. } => source.to_string(),
        Work::Failed(error) => error.source.to_string(),
    }
}

/// Appends the decision's audit record, when there is a log.
fn write_audit(
    audit: &Mutex<Option<AuditLog>>,
    result: &SnapshotResult,
    generation: &Generation,
    now: &str,
) -> Result<(), String> {
    let mut log = audit.lock().unwrap_or_else(|e| e.into_inner());
    let Some(log) = log.as_mut() else {
        return Ok(());
    };
    let run = AuditRun {
        policy_digest: generation.digest.clone(),
        config_sha256: generation.config_sha256.clone(),
        engine: generation.engine().to_owned(),
        evaluated_at: now.to_owned(),
    };
    let notes = result
        .findings
        .iter()
        .filter_map(|f| f.waiver.as_ref().map(|w| (f.id.as_str(), w)));
    let record = AuditRecord::new(result, result.snapshot_sha256.clone(), notes, &run);
    log.write(&record).map_err(|err| {
        format!(
            "the audit record could not be written to {}: {err}",
            log.path().display()
        )
    })
}
