//! The command line as clap parses it: flags and arguments, before any
//! default from `closeout.toml` is applied. [`super::settings`] turns them into
//! what each command runs with.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use closeout::render::Format;
use closeout::EngineKind;

/// Decides whether customer accounts may be closed, from JSON snapshots and Rego policies.
#[derive(Debug, Parser)]
#[command(name = "closeout", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check account snapshots (files or directories of *.json) against the policies.
    ///
    /// Exit codes: 0 every snapshot eligible; 1 at least one blocked (or warned,
    /// with --fail-on warn); 2 any error (bad input, bad policy, bad usage).
    Check(CheckArgs),

    /// Run the Rego unit tests of the packs and report condition coverage.
    ///
    /// Runs every `test_*` rule of every `*_test.rego` file, checks every fixture
    /// (DIR/fixtures/, and fixtures/ for the bundled packs) against its
    /// manifest.toml, and reports for each condition a fixture that trips it and
    /// one that clears it. Exit 0 all pass, 1 a failure or coverage below the
    /// threshold, 2 an error.
    Test(TestArgs),

    /// List the conditions of the loaded packs, from their annotations.
    Conditions(ConditionsArgs),

    /// Everything about one condition: what trips it, its remediation, its
    /// order, its source and its rule.
    Explain(ExplainArgs),

    /// Only the ordered fix plan of one snapshot, as numbered steps.
    Plan(PlanArgs),

    /// Create a new policy pack: an annotated example condition, its tests and
    /// a fixture pair, which pass `closeout test DIR/NAME` as written.
    InitPack(InitPackArgs),

    /// Merge the JSON Lines outputs of several runs (the shards of one
    /// `--shard K/N` run, or whole runs) into any format, as one run.
    ///
    /// Exit codes as for check: 0, 1 or 2 from the merged results; 2 when the
    /// inputs cannot be merged (a bad line, a missing shard, a conflict).
    Merge(MergeArgs),

    /// What moved between two runs, account by account (matched by provider
    /// and account id): became eligible or blocked, conditions appeared or
    /// cleared, waivers expired, accounts in one run only. OLD and NEW are
    /// outputs of `check --format jsonl` or `--audit-log` files.
    ///
    /// Exit codes: 0 nothing moved toward blocked; 1 an account became blocked
    /// or an error, a condition appeared, a waiver expired, or an account only
    /// in NEW is not eligible; 2 an input cannot be read.
    Diff(DiffArgs),

    /// Turn saved provider responses into snapshots (docs/import/).
    Import(ImportArgs),

    /// Print a completion script for SHELL to standard output, e.g.
    /// `closeout completions bash > /etc/bash_completion.d/closeout`.
    Completions(CompletionsArgs),

    /// Serve decisions over HTTP: the policies of `check`, loaded once.
    ///
    /// POST a snapshot to /v1/check (or JSON Lines as application/x-ndjson)
    /// and get the result object of `check --format json`. Reloads the
    /// policies and closeout.toml on SIGHUP and POST /v1/reload; stops
    /// gracefully on SIGTERM. See docs/serve.md.
    Serve(ServeArgs),

    /// Print the manual page (roff) to standard output, e.g.
    /// `closeout man > closeout.1 && man ./closeout.1`.
    Man,
}

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Which policy packs to load.
#[derive(Debug, Clone, clap::Args)]
pub struct PackArgs {
    /// Also load the policy pack(s) in DIR (repeatable).
    #[arg(long = "policy", value_name = "DIR")]
    pub policies: Vec<PathBuf>,

    /// Do not load the bundled policies (use only --policy packs).
    #[arg(long)]
    pub no_bundled: bool,

    /// The configuration file (waivers, defaults, extra packs) [default:
    /// ./closeout.toml when it exists].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Bounds on evaluating one rule for one snapshot; only a runaway policy reaches them.
#[derive(Debug, Clone, clap::Args)]
pub struct LimitArgs {
    /// VM instructions a rule may run per value of the snapshot, on top of a
    /// base of 1,000,000 [default: 2000].
    #[arg(long, value_name = "N")]
    pub max_instructions_per_value: Option<u64>,

    /// Seconds a rule may run on one snapshot, with either engine [default: 30].
    #[arg(long, value_name = "SECONDS")]
    pub eval_timeout: Option<f64>,

    /// MiB of memory closeout may hold while a rule runs [default: 4096].
    #[arg(long, value_name = "MIB")]
    pub eval_memory: Option<u64>,
}

#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// Policy pack directories to test besides the bundled ones.
    #[arg(value_name = "POLICY_DIR")]
    pub dirs: Vec<PathBuf>,

    #[command(flatten)]
    pub packs: PackArgs,

    /// Only the tests whose name matches REGEX.
    #[arg(long, value_name = "REGEX")]
    pub run: Option<String>,

    /// Also list, for every condition, the fixtures that trip and clear it.
    #[arg(short, long)]
    pub verbose: bool,

    /// Fail when fewer than PERCENT of the conditions are both tripped and cleared by a fixture.
    #[arg(long, value_name = "PERCENT")]
    pub coverage_threshold: Option<f64>,

    /// Extra fixture directories (each with a manifest.toml).
    #[arg(long, value_name = "DIR")]
    pub fixtures: Vec<PathBuf>,

    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Debug, clap::Args)]
pub struct ConditionsArgs {
    #[command(flatten)]
    pub packs: PackArgs,

    /// Only this provider's conditions (`common` for the common ones).
    #[arg(long, value_name = "PROVIDER")]
    pub provider: Option<String>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = CatalogueFormat::Table)]
    pub format: CatalogueFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CatalogueFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// A condition id, e.g. TCC-003.
    pub id: String,

    #[command(flatten)]
    pub packs: PackArgs,
}

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// One snapshot file.
    pub snapshot: PathBuf,

    #[command(flatten)]
    pub packs: PackArgs,

    /// Evaluation time (RFC 3339) [default: the clock].
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,

    /// GEN-001: the oldest a snapshot's export may be, in days [default: 7, or closeout.toml's].
    #[arg(long, value_name = "DAYS")]
    pub max_export_age: Option<u32>,

    #[command(flatten)]
    pub limits: LimitArgs,

    /// The largest snapshot file read, in bytes (or with KiB, MiB, GiB) [default: 128MiB].
    #[arg(long, value_name = "N", value_parser = closeout::input::parse_size)]
    pub max_snapshot_bytes: Option<u64>,

    /// Show emails, phone numbers, key ids and secrets as they are.
    #[arg(long)]
    pub no_redact: bool,
}

#[derive(Debug, clap::Args)]
pub struct InitPackArgs {
    /// The provider name: lowercase letters, digits and `_` (package closeout.NAME).
    pub name: String,

    /// Where to create the pack (it goes in DIR/NAME).
    #[arg(long, value_name = "DIR", default_value = "policies")]
    pub dir: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Snapshot files, or directories walked for *.json in sorted order.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output format: human, json, jsonl, sarif, junit, github, csv, markdown, html.
    /// Repeat it with --output to write several formats in one run.
    #[arg(short, long, value_name = "FORMAT", default_value = "human", value_parser = Format::parse)]
    pub format: Vec<Format>,

    /// Write the output to FILE instead of standard output. With several
    /// --format, give one --output per format, in the same order.
    #[arg(short, long, value_name = "FILE")]
    pub output: Vec<PathBuf>,

    /// Evaluation time (RFC 3339), for reproducible verdicts [default: the clock].
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,

    /// Which findings fail the run (exit code 1) [default: block, or closeout.toml's].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOnArg>,

    /// GEN-001: the oldest a snapshot's export may be, in days [default: 7, or closeout.toml's].
    #[arg(long, value_name = "DAYS")]
    pub max_export_age: Option<u32>,

    /// Append one JSON line per snapshot to FILE: digest, verdict, finding ids,
    /// waivers applied, policy digest, version and evaluation time.
    #[arg(long, value_name = "FILE")]
    pub audit_log: Option<PathBuf>,

    #[command(flatten)]
    pub packs: PackArgs,

    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,

    /// Worker threads [default: the available cores]. Output is identical at any count.
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,

    /// Human output: one line per snapshot (verdict and condition ids), no diagnostics.
    #[arg(short, long)]
    pub quiet: bool,

    /// No progress bar on standard error (it shows only on a terminal anyway).
    #[arg(long)]
    pub no_progress: bool,

    /// The policy evaluator: regorus's bytecode VM, or its tree-walking
    /// interpreter (slower; the reference `closeout test` checks the VM against).
    #[arg(long, value_enum, default_value_t = EngineArg::Vm)]
    pub engine: EngineArg,

    #[command(flatten)]
    pub limits: LimitArgs,

    /// The largest snapshot file read, in bytes (or with KiB, MiB, GiB); a
    /// bigger one is an error result [default: 128MiB].
    #[arg(long, value_name = "N", value_parser = closeout::input::parse_size)]
    pub max_snapshot_bytes: Option<u64>,

    /// Show emails, phone numbers, key ids and secrets from the snapshots as
    /// they are (only for a trusted local terminal: reports are masked by default).
    #[arg(long)]
    pub no_redact: bool,

    /// Check only shard K of N (1 <= K <= N): the snapshots whose
    /// snapshot_id hashes there (docs/scale-out.md); merge with `closeout merge`.
    #[arg(long, value_name = "K/N", value_parser = closeout::run::shard::parse)]
    pub shard: Option<closeout::model::Shard>,

    /// With --format html: show what moved since OLD (an output of `check
    /// --format jsonl` or an --audit-log), as `closeout diff OLD` would.
    #[arg(long, value_name = "OLD")]
    pub baseline: Option<PathBuf>,

    /// The longest JSON Lines line read, in bytes (or with KiB, MiB, GiB); a
    /// longer one is an error result [default: 128MiB].
    #[arg(long, value_name = "N", value_parser = closeout::input::parse_size)]
    pub max_line_bytes: Option<u64>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum EngineArg {
    Vm,
    Interpreter,
}

impl From<EngineArg> for EngineKind {
    fn from(arg: EngineArg) -> Self {
        match arg {
            EngineArg::Vm => EngineKind::Vm,
            EngineArg::Interpreter => EngineKind::Interpreter,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FailOnArg {
    Block,
    Warn,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

/// Turn saved provider responses (API or CLI output) into v1 snapshots.
///
/// Reads every *.json response in each DIR (docs/import/ says which to
/// save; for SIPStation, which has no API, the dids, port_outs and services
/// template, *.csv or *.json) and its closeout-import.toml. Whatever the responses do not cover is
/// listed in the snapshot's `unknown`, which `closeout check` blocks (GEN-003).
/// Exit 0 all imported; 2 any error (each named with its file).
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// ukfast, aptible, tencentcloud or sipstation (a template: docs/import/sipstation.md)
    pub provider: String,
    /// account directories of saved responses, one account each
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// the manifest to use instead of DIR/closeout-import.toml
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// write to FILE (through a temporary file, renamed when complete)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// skip (and note) files no importer recognises instead of failing
    #[arg(long)]
    pub skip_unrecognised: bool,
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Outputs of `closeout check --format jsonl` (each may hold several runs, concatenated).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Output format, as for check; repeat it with --output for several.
    #[arg(short, long, value_name = "FORMAT", default_value = "human", value_parser = Format::parse)]
    pub format: Vec<Format>,

    /// Write the output to FILE instead of standard output (one per --format).
    #[arg(short, long, value_name = "FILE")]
    pub output: Vec<PathBuf>,

    /// Which findings fail the merged run (exit code 1) [default: block, or closeout.toml's].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOnArg>,

    /// The policies the runs used: SARIF and JUnit describe their conditions,
    /// and their digest must be the runs' one.
    #[command(flatten)]
    pub packs: PackArgs,

    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,

    /// Human output: one line per snapshot and the summary.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The earlier run: `check --format jsonl` output or an --audit-log.
    pub old: PathBuf,

    /// The later run, of either kind.
    pub new: PathBuf,

    /// Output format: human, json, markdown or html; repeat it with --output for several.
    #[arg(short, long, value_name = "FORMAT", default_value = "human", value_parser = Format::parse)]
    pub format: Vec<Format>,

    /// Write the output to FILE instead of standard output (one per --format).
    #[arg(short, long, value_name = "FILE")]
    pub output: Vec<PathBuf>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// The address to listen on; a loopback address unless told otherwise
    /// (port 0 picks a free port, printed on standard error).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8181")]
    pub listen: std::net::SocketAddr,

    #[command(flatten)]
    pub packs: PackArgs,

    /// GEN-001: the oldest a snapshot's export may be, in days [default: 7, or closeout.toml's].
    #[arg(long, value_name = "DAYS")]
    pub max_export_age: Option<u32>,

    /// Append one JSON line per decision to FILE, written before the response is sent.
    #[arg(long, value_name = "FILE")]
    pub audit_log: Option<PathBuf>,

    /// Require `Authorization: Bearer TOKEN` on every route but /healthz and
    /// /readyz; TOKEN is the file's content without its line ending.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,

    /// Worker threads deciding requests, each with its own copy of the
    /// policies [default: the available cores].
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,

    /// The policy evaluator (as in `check`).
    #[arg(long, value_enum, default_value_t = EngineArg::Vm)]
    pub engine: EngineArg,

    #[command(flatten)]
    pub limits: LimitArgs,

    /// The largest body of one snapshot, and the longest line of an NDJSON
    /// body, in bytes (or with KiB, MiB, GiB); more is 413 [default: 4MiB].
    #[arg(long, value_name = "N", value_parser = closeout::input::parse_size)]
    pub max_body_bytes: Option<u64>,

    /// The largest NDJSON body, in bytes (or with KiB, MiB, GiB) [default: 1GiB].
    #[arg(long, value_name = "N", value_parser = closeout::input::parse_size)]
    pub max_stream_bytes: Option<u64>,

    /// Seconds a request may take until its response starts, and an NDJSON
    /// body may stay silent; 408 past it [default: 60].
    #[arg(long, value_name = "SECONDS")]
    pub request_timeout: Option<f64>,
}
