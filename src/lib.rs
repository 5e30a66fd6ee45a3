//! closeout decides whether a customer account at a cloud or telecom provider may
//! be closed.
//!
//! The flow, one module each: [`snapshot`] finds, reads and validates account
//! snapshots against the v1 contract; [`policy`] loads the Rego packs and the
//! conditions their annotations declare ([`condition`]); [`eval`] runs the
//! prepared regorus engine over each snapshot; [`report`] turns what the rules
//! returned into findings placed in the file ([`locate`]) and an ordered fix
//! plan; [`check`] drives a run; [`render`] writes it in a format.
//!
//! The library never prints: it writes only to the writers it is given.

#![forbid(unsafe_code)]
#![warn(missing_debug_implementations, rust_2018_idioms)]

pub mod audit;
pub mod check;
pub mod condition;
pub mod config;
pub mod coverage;
pub mod eval;
pub mod lint;
pub mod locate;
pub mod policy;
pub mod regotest;
pub mod render;
pub mod report;
pub mod run;
pub mod scaffold;
pub mod snapshot;
pub mod waiver;

pub use check::{exit_code, Checker, FailOn, Reporter, RunOptions};
pub use condition::{Catalogue, Condition, Kind};
pub use eval::{Context, EngineKind, Evaluator};
pub use policy::{PolicyError, PolicySet, PolicySource};
pub use report::{Finding, PlanStep, Report, SnapshotResult, Summary, Verdict};
pub use snapshot::{collect_inputs, Input, Snapshot, SnapshotSchema};
