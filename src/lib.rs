//! closeout decides whether a customer account at a cloud or telecom provider may
//! be closed.
//!
//! The folders follow the data through a run; each uses only the ones above it:
//!
//! 1. [`model`]: the data model (conditions, findings, verdicts, results,
//!    summary, waivers as records, the exit code). No I/O.
//! 2. [`input`]: finding, reading, decoding and validating snapshots; locating
//!    a value in a snapshot's text.
//!
//!    [`import`]: saved provider API/CLI responses to a v1 snapshot (beside
//!    input: it uses only model and input).
//! 3. [`policy`]: loading the Rego packs, their annotations (the conditions),
//!    and the checks that refuse a pack at load.
//! 4. [`eval`]: the prepared regorus engines that run the policies over a
//!    snapshot, within limits.
//! 5. [`config`]: `closeout.toml` (defaults and waivers), validated.
//! 6. [`decide`]: raw findings to placed findings, verdict and fix plan; the
//!    waiver stage.
//! 7. [`run`]: the run pipeline (inputs in, results out in input order, to a
//!    [`run::Reporter`]) and the audit log.
//! 8. [`render`]: one file per output format, each a `Reporter`.
//! 9. [`serve`]: the decision service (`closeout serve`): HTTP routes, the
//!    worker pool, metrics, reloads.
//! 10. [`tooling`]: pack tooling (Rego tests, fixture coverage, scaffold).
//!
//! The binary (`src/main.rs`, `src/cli/`) turns flags and `closeout.toml` into
//! settings and calls these. `tests/layout.rs` keeps the order: a `use` that
//! points up the list fails the suite. The library never prints: it writes
//! only to the writers it is given.

#![forbid(unsafe_code)]
#![warn(missing_debug_implementations, rust_2018_idioms)]

pub mod model;

pub mod input;

pub mod import;

pub mod policy;

pub mod eval;

pub mod config;

pub mod decide;

pub mod run;

pub mod render;

pub mod serve;

pub mod tooling;

pub use eval::{Context, EngineKind, Evaluator};
pub use input::{collect_inputs, Input, Snapshot, SnapshotSchema};
pub use model::{
    exit_code, Catalogue, Condition, FailOn, Finding, Kind, PlanStep, Report, SnapshotResult,
    Summary, Verdict,
};
pub use policy::{PolicyError, PolicySet, PolicySource};
pub use run::{Checker, Reporter, RunOptions};
