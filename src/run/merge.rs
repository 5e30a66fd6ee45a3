//! `closeout merge`: the JSON Lines outputs of several runs (`--format jsonl`),
//! read back and combined into the results and summary of one run, for any
//! renderer, as if one process had checked everything.
//!
//! What it accepts, and why each check is there (fail closed: a merge must
//! never report fewer snapshots than were checked, nor pass what one run
//! blocked):
//!
//! - Each input file holds one or more runs (outputs may be concatenated);
//!   a run is its result and error lines, then its summary line. Lines after
//!   the last summary mean a run that did not finish: an error. Every line
//!   must be one closeout writes; a bad one is an error naming file and line.
//! - Each run's summary must count exactly the results above it, and its
//!   `seq` numbers must rise: a truncated or edited output is refused.
//! - Every run must name the same closeout version, policy digest, config
//!   digest, engine and evaluation time (`run` on the summary line): one
//!   process has one of each. Give every shard the same `--now`.
//! - Shards (`--shard K/N` runs): either every run is a shard or none is. All
//!   must have the same N and together every K from 1 to N; each result
//!   that is not an error must belong to its run's shard (an internal error
//!   is reported by whichever shard met it, so errors are not held to it). The same shard given twice is used once if
//!   both are identical, an error otherwise. Results are put back in `seq`
//!   order, which is the order of the unsharded run: the merge of all N shards
//!   is byte for byte the output of that run.
//! - Runs that are not shards are taken in the order given, each in its own
//!   order, as one run over their inputs in that order would report them. A
//!   run given twice (the same run information and results) is used once.
//! - A snapshot id found in two runs with a different verdict, different
//!   finding ids or a different policy digest is an error naming both. With
//!   the same verdict and ids it is an identical duplicate: two copies of one
//!   snapshot, which one run over both inputs would also report twice, so
//!   both are kept and a note names them. A result without a snapshot id (an
//!   unreadable input) is identified only by its source, which is not unique
//!   across processes (`<stdin>:3`), so it is never taken for a duplicate.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::{BufRead, BufReader};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::input::open_regular;
use crate::model::{Shard, SnapshotResult, Summary, Verdict};
use crate::run::audit::AuditRun;
use crate::run::shard;

/// What every result of a run shares, written on its JSON Lines summary line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunInfo {
    pub closeout_version: String,
    /// `audit::policy_set_digest` of the policies evaluated.
    pub policy_digest: String,
    /// SHA-256 of closeout.toml, when there was one.
    pub config_sha256: Option<String>,
    /// `vm` or `interpreter`.
    pub engine: String,
    /// The run's `--now` (RFC 3339).
    pub evaluated_at: String,
    /// Whether the results were redacted (no `--no-redact`).
    pub redacted: bool,
}

impl RunInfo {
    pub fn new(run: &AuditRun, redacted: bool) -> RunInfo {
        RunInfo {
            closeout_version: env!("CARGO_PKG_VERSION").to_owned(),
            policy_digest: run.policy_digest.clone(),
            config_sha256: run.config_sha256.clone(),
            engine: run.engine.clone(),
            evaluated_at: run.evaluated_at.clone(),
            redacted,
        }
    }
}

/// Why the inputs cannot be merged; the message names file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeError(pub String);

impl fmt::Display for MergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MergeError {}

/// The merged run, ready for any reporter.
#[derive(Debug)]
pub struct Merged {
    /// In the order one run would have reported them, each with its `seq`.
    pub results: Vec<SnapshotResult>,
    pub summary: Summary,
    pub run: RunInfo,
    /// What a user should know but is not an error (a shard given twice, an
    /// identical duplicate), one line each.
    pub notes: Vec<String>,
}

/// One run read back from an output.
#[derive(Debug)]
struct Run {
    /// `FILE:LINE` of its summary line.
    place: String,
    summary: Summary,
    info: RunInfo,
    /// Each result with the line it was on.
    results: Vec<(usize, SnapshotResult)>,
    file: String,
}

/// A line as closeout writes it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    #[serde(rename = "type")]
    kind: String,
    /// The line's shape (schema/report-line-v1.json); older outputs lack it
    /// and are refused for their missing `seq`.
    #[serde(default)]
    version: Option<u32>,
    seq: Option<u64>,
    data: Box<serde_json::value::RawValue>,
    run: Option<RunInfo>,
}

/// Merges the outputs in `paths` (regular files only), in that order.
pub fn merge_files(paths: &[&Path]) -> Result<Merged, MergeError> {
    let mut runs = Vec::new();
    for path in paths {
        let name = path.display().to_string();
        let (file, _) =
            open_regular(path).map_err(|message| MergeError(format!("{name}: {message}")))?;
        runs.extend(read_runs(&name, BufReader::new(file))?);
    }
    combine(runs)
}

/// Reads every run of one output.
fn read_runs(name: &str, reader: impl BufRead) -> Result<Vec<Run>, MergeError> {
    let at = |line: usize, message: String| MergeError(format!("{name}:{line}: {message}"));
    let mut runs = Vec::new();
    let mut pending: Vec<(usize, SnapshotResult)> = Vec::new();
    let mut number = 0;
    for text in reader.split(b'\n') {
        number += 1;
        let bytes = text.map_err(|err| at(number, format!("cannot read: {err}")))?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| at(number, "not UTF-8 text".into()))?
            .trim_end_matches('\r');
        if text.trim().is_empty() {
            continue;
        }
        let line: Line = serde_json::from_str(text).map_err(|err| {
            at(
                number,
                format!("not a line of closeout's JSON Lines output ({err})"),
            )
        })?;
        if let Some(version) = line.version.filter(|v| *v != crate::model::REPORT_VERSION) {
            return Err(at(
                number,
                format!(
                    "a line of output version {}; this closeout reads version {}",
                    version,
                    crate::model::REPORT_VERSION
                ),
            ));
        }
        match line.kind.as_str() {
            "result" | "error" => {
                let seq = line.seq.ok_or_else(|| {
                    at(
                        number,
                        "a result without `seq`: written by an older closeout; check again with this one".into(),
                    )
                })?;
                let mut result: SnapshotResult = serde_json::from_str(line.data.get())
                    .map_err(|err| at(number, format!("not a result: {err}")))?;
                if (result.verdict == Verdict::Error) != (line.kind == "error") {
                    return Err(at(
                        number,
                        format!("a {:?} line with verdict {:?}", line.kind, result.verdict),
                    ));
                }
                if let Some((previous, last)) = pending.last() {
                    if seq <= last.seq {
                        return Err(at(
                            number,
                            format!(
                                "seq {seq} after seq {} (line {previous}): not in the order closeout writes",
                                last.seq
                            ),
                        ));
                    }
                }
                result.seq = seq;
                pending.push((number, result));
            }
            "summary" => {
                let summary: Summary = serde_json::from_str(line.data.get())
                    .map_err(|err| at(number, format!("not a summary: {err}")))?;
                let info = line.run.ok_or_else(|| {
                    at(
                        number,
                        "a summary without `run`: written by an older closeout; check again with this one".into(),
                    )
                })?;
                let run = Run {
                    place: format!("{name}:{number}"),
                    summary,
                    info,
                    results: std::mem::take(&mut pending),
                    file: name.to_owned(),
                };
                verify_run(&run)?;
                runs.push(run);
            }
            other => return Err(at(number, format!("unknown line type {other:?}"))),
        }
    }
    if let Some((first, _)) = pending.first() {
        return Err(at(
            *first,
            format!(
                "{} result(s) from here on have no summary line after them: the run that wrote them did not finish",
                pending.len()
            ),
        ));
    }
    if runs.is_empty() {
        return Err(MergeError(format!(
            "{name}: holds no run (no summary line): not an output of `closeout check --format jsonl`"
        )));
    }
    Ok(runs)
}

/// The totals a run's results make, to hold against its summary line.
fn recount(results: impl IntoIterator<Item = SnapshotResult>) -> Summary {
    let mut summary = Summary::default();
    for result in results {
        summary.add(&result);
    }
    summary
}

fn verify_run(run: &Run) -> Result<(), MergeError> {
    let counted = recount(run.results.iter().map(|(_, r)| r.clone()));
    let s = &run.summary;
    let same = counted.snapshots == s.snapshots
        && counted.eligible == s.eligible
        && counted.blocked == s.blocked
        && counted.errors == s.errors
        && counted.warned == s.warned
        && counted.by_condition == s.by_condition
        && counted.waivers.applied == s.waivers.applied
        && counted.waivers.expired == s.waivers.expired;
    if !same {
        return Err(MergeError(format!(
            "{}: the summary says {} but the run above it holds results making {}: a truncated or edited output",
            run.place,
            s.tally(),
            counted.tally()
        )));
    }
    if let Some(shard) = s.shard {
        for (line, result) in &run.results {
            if result.verdict != Verdict::Error
                && !shard::holds(
                    shard,
                    result.snapshot_id.as_deref(),
                    &result.source.to_string(),
                )
            {
                let source = result.source.to_string();
                let key = shard::shard_key(result.snapshot_id.as_deref(), &source);
                return Err(MergeError(format!(
                    "{}:{line}: snapshot {key:?} belongs to shard {}/{}, not to this run's shard {shard}",
                    run.file,
                    shard::shard_of(key, shard.count),
                    shard.count
                )));
            }
        }
    }
    Ok(())
}

/// The results of two runs of the same shard, equal as written.
fn same_results(a: &Run, b: &Run) -> bool {
    let json = |run: &Run| -> Vec<(u64, String)> {
        run.results
            .iter()
            .map(|(_, r)| (r.seq, serde_json::to_string(r).unwrap_or_default()))
            .collect()
    };
    a.results.len() == b.results.len() && json(a) == json(b)
}

fn combine(runs: Vec<Run>) -> Result<Merged, MergeError> {
    let mut notes = Vec::new();
    let Some(first) = runs.first() else {
        return Err(MergeError("nothing to merge".into()));
    };
    // Sharded or not: all, or none.
    if let Some(odd) = runs
        .iter()
        .find(|r| r.summary.shard.is_some() != first.summary.shard.is_some())
    {
        let (shard, whole) = if first.summary.shard.is_some() {
            (first, odd)
        } else {
            (odd, first)
        };
        return Err(MergeError(format!(
            "{} is a shard but {} is a whole run: merge the shards of one run, or whole runs",
            shard.place, whole.place
        )));
    }
    let (first_shard, first_place) = (first.summary.shard, first.place.clone());
    let mut kept: Vec<Run> = Vec::new();
    if let Some(Shard { count, .. }) = first_shard {
        let mut by_index: BTreeMap<u32, Run> = BTreeMap::new();
        for run in runs {
            let shard = run.summary.shard.unwrap_or(Shard { index: 0, count: 0 });
            if shard.count != count {
                return Err(MergeError(format!(
                    "{} is shard {shard} but {first_place} is of {count} shards: all must be of one --shard K/N run",
                    run.place
                )));
            }
            match by_index.get(&shard.index) {
                Some(earlier) if same_results(earlier, &run) => notes.push(format!(
                    "{} repeats shard {shard} of {} with the same results: used once",
                    run.place, earlier.place
                )),
                Some(earlier) => {
                    return Err(MergeError(format!(
                        "{} and {} are both shard {shard} but their results differ",
                        earlier.place, run.place
                    )))
                }
                None => {
                    by_index.insert(shard.index, run);
                }
            }
        }
        let missing: Vec<String> = (1..=count)
            .filter(|k| !by_index.contains_key(k))
            .map(|k| format!("{k}/{count}"))
            .collect();
        if !missing.is_empty() {
            let shown = missing.iter().take(10).cloned().collect::<Vec<_>>();
            return Err(MergeError(format!(
                "shard{} {}{} missing: a merge without every shard would not report every snapshot",
                if missing.len() == 1 { "" } else { "s" },
                shown.join(", "),
                if missing.len() > 10 {
                    format!(" and {} more are", missing.len() - 10)
                } else if missing.len() == 1 {
                    " is".into()
                } else {
                    " are".into()
                }
            )));
        }
        kept.extend(by_index.into_values());
    } else {
        // An output given twice counts once, as a repeated shard does.
        for run in runs {
            let repeated = kept.iter().find(|k| {
                k.info == run.info
                    && k.summary.tally() == run.summary.tally()
                    && same_results(k, &run)
            });
            match repeated {
                Some(earlier) => notes.push(format!(
                    "{} repeats the run of {} with the same results: used once",
                    run.place, earlier.place
                )),
                None => kept.push(run),
            }
        }
    }

    // One snapshot id in two runs: the same verdict, ids and policies, or an error.
    let mut seen: HashMap<&str, (&Run, usize, &SnapshotResult)> = HashMap::new();
    for (index, run) in kept.iter().enumerate() {
        for (line, result) in &run.results {
            let Some(id) = result.snapshot_id.as_deref() else {
                continue;
            };
            match seen.get(id) {
                Some(&(other, other_index, earlier)) if other_index != index => {
                    let place = |run: &Run, line: usize| format!("{}:{line}", run.file);
                    let first_line = other
                        .results
                        .iter()
                        .find(|(_, r)| std::ptr::eq(r, earlier))
                        .map_or(0, |(l, _)| *l);
                    let (a, b) = (place(other, first_line), place(run, *line));
                    if other.info.policy_digest != run.info.policy_digest {
                        return Err(MergeError(format!(
                            "snapshot {id:?} was checked with different policies: {a} (policy digest {}) and {b} (policy digest {})",
                            other.info.policy_digest, run.info.policy_digest
                        )));
                    }
                    if earlier.verdict != result.verdict
                        || earlier.condition_ids() != result.condition_ids()
                    {
                        return Err(MergeError(format!(
                            "snapshot {id:?} has conflicting results: {a} says {} {:?}, {b} says {} {:?}",
                            earlier.verdict.label(),
                            earlier.condition_ids(),
                            result.verdict.label(),
                            result.condition_ids()
                        )));
                    }
                    notes.push(format!(
                        "snapshot {id:?} is in {a} and in {b} with the same verdict and findings: both kept, as one run over both inputs would report it twice"
                    ));
                }
                Some(_) => {}
                None => {
                    seen.insert(id, (run, index, result));
                }
            }
        }
    }

    // One process has one version, one policy set, one config, one engine, one --now.
    for run in &kept[1..] {
        let (a, b) = (&kept[0].info, &run.info);
        let differ = [
            ("closeout version", &a.closeout_version, &b.closeout_version),
            ("policy digest", &a.policy_digest, &b.policy_digest),
            ("engine", &a.engine, &b.engine),
            ("evaluation time (--now)", &a.evaluated_at, &b.evaluated_at),
        ]
        .into_iter()
        .find(|(_, x, y)| x != y)
        .map(|(what, x, y)| format!("{what} {x} and {y}"))
        .or_else(|| {
            (a.config_sha256 != b.config_sha256).then(|| {
                let show = |c: &Option<String>| c.clone().unwrap_or_else(|| "none".into());
                format!(
                    "config digest {} and {}",
                    show(&a.config_sha256),
                    show(&b.config_sha256)
                )
            })
        });
        if let Some(what) = differ {
            return Err(MergeError(format!(
                "{} and {} come from different runs ({what}): merge only outputs of the same closeout, policies, closeout.toml, engine and --now",
                kept[0].place, run.place
            )));
        }
    }

    // A waiver is stale for the whole only when it matched nothing in any run.
    let mut stale = kept[0].summary.waivers.stale.clone();
    for run in &kept[1..] {
        stale.retain(|w| run.summary.waivers.stale.contains(w));
    }
    let info = kept[0].info.clone();
    let sharded = first_is_shard(&kept);
    let mut results: Vec<SnapshotResult> = kept
        .into_iter()
        .flat_map(|run| run.results.into_iter().map(|(_, r)| r))
        .collect();
    if sharded {
        // Stable: a tie (never expected) keeps shard order.
        results.sort_by_key(|r| r.seq);
    }
    let mut summary = recount(results.iter().cloned());
    summary.waivers.stale = stale;
    Ok(Merged {
        results,
        summary,
        run: info,
        notes,
    })
}

fn first_is_shard(runs: &[Run]) -> bool {
    runs.first().is_some_and(|r| r.summary.shard.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_line(shard: Option<&str>, snapshots: usize, eligible: usize) -> String {
        let shard = shard.map_or(String::new(), |s| {
            let (k, n) = s.split_once('/').unwrap();
            format!(r#","shard":{{"index":{k},"count":{n}}}"#)
        });
        format!(
            r#"{{"type":"summary","data":{{"snapshots":{snapshots},"eligible":{eligible},"blocked":0,"errors":0,"warned":0,"by_condition":{{}}{shard}}},"run":{{"closeout_version":"0.1.0","policy_digest":"p","config_sha256":null,"engine":"vm","evaluated_at":"t","redacted":true}}}}"#
        )
    }

    fn result_line(seq: u64, id: &str) -> String {
        format!(
            r#"{{"type":"result","seq":{seq},"data":{{"source":"a.jsonl:{seq}","snapshot_id":"{id}","account_id":"A","provider":"ukfast","verdict":"eligible","findings":[],"plan":[],"error":null}}}}"#
        )
    }

    fn read(text: &str) -> Result<Vec<Run>, MergeError> {
        read_runs("out.jsonl", text.as_bytes())
    }

    #[test]
    fn a_run_is_its_results_then_its_summary() {
        let text = format!(
            "{}\n{}\n{}\n",
            result_line(0, "a"),
            result_line(1, "b"),
            run_line(None, 2, 2)
        );
        let runs = read(&text).unwrap();
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].results.len(), 2);
        assert_eq!(runs[0].place, "out.jsonl:3");
    }

    #[test]
    fn bad_lines_are_errors_at_their_line() {
        let cases = [
            (
                format!("{}\n{{\n", result_line(0, "a")),
                "out.jsonl:2: not a line",
            ),
            (
                format!("{}\n", result_line(0, "a")),
                "out.jsonl:1: 1 result(s) from here on have no summary",
            ),
            (
                run_line(None, 1, 1),
                "out.jsonl:1: the summary says 1 snapshot checked",
            ),
            (
                format!(
                    "{}\n{}\n{}\n",
                    result_line(1, "a"),
                    result_line(1, "b"),
                    run_line(None, 2, 2)
                ),
                "out.jsonl:2: seq 1 after seq 1",
            ),
            (
                r#"{"type":"begin","data":{}}"#.to_string(),
                "out.jsonl:1: unknown line type \"begin\"",
            ),
            (
                r#"{"type":"result","data":{}}"#.to_string(),
                "out.jsonl:1: a result without `seq`",
            ),
            (String::new(), "out.jsonl: holds no run"),
        ];
        for (text, expected) in cases {
            let error = read(&text).unwrap_err().0;
            assert!(error.starts_with(expected), "{error}\nexpected: {expected}");
        }
    }

    #[test]
    fn a_missing_shard_is_an_error_and_all_shards_merge_in_seq_order() {
        let ids: Vec<String> = (0..40).map(|i| format!("s{i}")).collect();
        let shard_text = |k: u32| {
            let mine: Vec<(u64, &String)> = ids
                .iter()
                .enumerate()
                .map(|(i, id)| (i as u64, id))
                .filter(|(_, id)| shard::shard_of(id, 3) == k)
                .collect();
            let mut text: String = mine
                .iter()
                .map(|(seq, id)| result_line(*seq, id) + "\n")
                .collect();
            text.push_str(&run_line(Some(&format!("{k}/3")), mine.len(), mine.len()));
            text
        };
        let runs = |ks: &[u32]| -> Vec<Run> {
            ks.iter()
                .flat_map(|&k| read_runs(&format!("s{k}.jsonl"), shard_text(k).as_bytes()).unwrap())
                .collect()
        };
        let missing = combine(runs(&[3, 1])).unwrap_err().0;
        assert!(missing.starts_with("shard 2/3 is missing"), "{missing}");
        let merged = combine(runs(&[3, 1, 2, 1])).unwrap();
        let seqs: Vec<u64> = merged.results.iter().map(|r| r.seq).collect();
        assert_eq!(seqs, (0..40).collect::<Vec<u64>>());
        assert_eq!(merged.summary.snapshots, 40);
        assert_eq!(merged.summary.shard, None);
        assert_eq!(merged.notes.len(), 1, "{:?}", merged.notes);
    }
}
