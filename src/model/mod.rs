//! The data model: what a run is about and what it concludes. Conditions and
//! their catalogue, what a rule returned, findings, verdicts, per-snapshot
//! results, the run's summary, waivers as records, the exit-code contract.
//!
//! A leaf: it does no I/O and uses no other module of the crate. Every other
//! layer reads and builds these types.

pub mod code;
pub mod condition;
pub mod error;
pub mod package;
pub mod result;
pub mod source;
pub mod text;
pub mod waiver;

pub use code::Code;
pub use condition::{Catalogue, Condition, Kind};
pub use error::{ErrorKind, InputError};
pub use package::Package;
pub use result::{
    exit_code, ErrorInfo, FailOn, Finding, PlanStep, RawFinding, Report, Shard, SnapshotResult,
    Summary, Verdict, REPORT_VERSION,
};
pub use source::Source;
pub use text::{plural, Span};
pub use waiver::{StaleWaiver, Waiver, WaiverNote, WaiverStatus, WaiverSummary};
