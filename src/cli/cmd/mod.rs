//! One module per subcommand: each takes its resolved settings and calls the
//! library. Nothing here decides anything about an account.

pub mod check;
pub mod completions;
pub mod conditions;
pub mod diff;
pub mod explain;
pub mod import;
pub mod init_pack;
pub mod merge;
pub mod output;
pub mod plan;
pub mod serve;
pub mod test;
