//! `closeout serve`: the decision service. It decides with the same policies,
//! waivers and decision code as `check` ([`crate::run::Checker`]), so a
//! decision over HTTP is the result object of `check --format json` with the
//! same configuration, byte for byte.
//!
//! - [`http`]: the routes (`/v1/check`, the OPA-compatible
//!   `/v1/data/closeout/decision`, health, readiness, metrics, reload), the
//!   bearer token, the body limits and timeouts;
//! - [`pool`]: the worker threads that decide, off the async runtime, each
//!   with its own copy of the policies (compiled once per worker and policy
//!   generation, never per request), and the audit log, written before a
//!   decision is answered;
//! - [`stream`]: an NDJSON body read line by line exactly as `check` reads a
//!   JSON Lines stream;
//! - [`metrics`]: the Prometheus (OpenMetrics text) metrics.
//!
//! The policies in force are a [`Generation`]: loaded and validated by the
//! caller's [`Loader`] (the CLI's settings stage), swapped in whole on a
//! reload. A reload that fails keeps the old generation serving.
//!
//! The library never prints: one-line notes (listening, reloads, stopping) go
//! to the caller's [`Notes`]. Snapshot bodies are never logged.

pub mod http;
pub mod metrics;
pub mod pool;
pub mod stream;

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::decide::waiver::Waivers;
use crate::eval::{Context, Evaluator};
use crate::run::audit::{policy_set_digest, AuditLog};

/// How the service runs; from the settings stage.
#[derive(Debug, Clone)]
pub struct Options {
    pub listen: SocketAddr,
    /// Worker threads deciding requests.
    pub jobs: usize,
    pub audit_log: Option<PathBuf>,
    /// The bearer token every route but the health checks requires.
    pub token: Option<String>,
    /// The largest body of one snapshot, and the longest NDJSON line.
    pub max_body_bytes: u64,
    /// The largest NDJSON body.
    pub max_stream_bytes: u64,
    /// How long a request may take until its response starts, and how long
    /// an NDJSON body may stay silent.
    pub request_timeout: Duration,
}

/// One set of policies in force: what every decision made with it shares.
pub struct Generation {
    /// The prepared evaluator each worker clones once.
    evaluator: Evaluator,
    /// The waivers of `closeout.toml`, judged on each request's day.
    waivers: Option<Waivers>,
    /// GEN-001's age, `[defaults.data]` and the limits; the time is each
    /// request's.
    context: Context,
    /// SHA-256 of `closeout.toml`'s bytes, when there is one.
    config_sha256: Option<String>,
    /// The policy digest of the audit record.
    digest: String,
    /// Counts generations, so a worker knows when its copy is out of date.
    number: u64,
    /// Masks personal data and secrets in each decision, as `check` does.
    redact: Option<std::sync::Arc<dyn crate::run::Redact>>,
}

impl Generation {
    /// Redacts each decision with `redact` (`None`: values as they are).
    pub fn with_redaction(
        mut self,
        redact: Option<std::sync::Arc<dyn crate::run::Redact>>,
    ) -> Generation {
        self.redact = redact;
        self
    }

    /// A generation from a prepared evaluator, the base context (its time is
    /// replaced by each request's) and the waivers of the configuration.
    pub fn new(
        evaluator: Evaluator,
        context: Context,
        waivers: Option<Waivers>,
        config_sha256: Option<String>,
    ) -> Generation {
        let digest = policy_set_digest(evaluator.policies());
        Generation {
            evaluator,
            waivers,
            context,
            config_sha256,
            digest,
            number: 0,
            redact: None,
        }
    }

    /// The policy digest every response names.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    pub fn engine(&self) -> &'static str {
        self.evaluator.engine().as_str()
    }
}

impl std::fmt::Debug for Generation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Generation")
            .field("digest", &self.digest)
            .field("number", &self.number)
            .finish_non_exhaustive()
    }
}

/// Loads, compiles and validates the policies and the configuration again,
/// as at start: the message says why when it cannot.
pub type Loader = Arc<dyn Fn() -> Result<Generation, String> + Send + Sync>;

/// Where the service's one-line notes go.
pub type Notes = Arc<dyn Fn(&str) + Send + Sync>;

/// Runs the service until SIGTERM or SIGINT: binds `options.listen`, serves,
/// reloads on SIGHUP, then stops gracefully (in-flight requests finish; no
/// audit record is half-written). An error is one the service could not
/// start with (the address, the audit log).
pub fn serve(options: Options, first: Generation, loader: Loader, notes: Notes) -> io::Result<()> {
    let audit = match &options.audit_log {
        Some(path) => Some(AuditLog::open_append(path).map_err(|err| {
            io::Error::new(err.kind(), format!("--audit-log {}: {err}", path.display()))
        })?),
        None => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("closeout-http")
        .build()?;
    let outcome = runtime.block_on(http::run(options, first, loader, notes, audit));
    // A reader thread of an NDJSON body that was cut off must not hold the
    // process: its request is over.
    runtime.shutdown_timeout(Duration::from_secs(1));
    outcome
}
