//! `--format jsonl`: JSON Lines, one object per line as each result is ready, in
//! ripgrep's envelope: `{"type": "result" | "error", "seq": N, "data": <result>}`
//! per snapshot (the result exactly as in the JSON format; `seq` its 0-based
//! position in the run's input order, the same in every shard of a run), then
//! `{"type": "summary", "data": <summary>, "run": <run>}` last, where `run`
//! names the closeout version, policy digest, config digest, engine and
//! evaluation time (`closeout merge` reads all of it back: `run::merge`).
//! Every line also carries `"version": 1` (schema/report-line-v1.json).

use std::io::{self, Write};

use serde::Serialize;

use crate::model::{SnapshotResult, Summary, Verdict, REPORT_VERSION};
use crate::run::merge::RunInfo;
use crate::run::Reporter;

/// Writes each line as soon as its result arrives; keeps nothing.
pub struct JsonlReporter<'w> {
    out: Box<dyn Write + 'w>,
    /// Reused for every line, so each one reaches `out` in a single write.
    line: Vec<u8>,
    /// Written on the summary line.
    run: Option<RunInfo>,
}

#[derive(Serialize)]
struct Envelope<'a, T> {
    #[serde(rename = "type")]
    kind: &'static str,
    /// The line's shape (schema/report-line-v1.json), as in the JSON report.
    version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    seq: Option<u64>,
    data: &'a T,
    #[serde(skip_serializing_if = "Option::is_none")]
    run: Option<&'a RunInfo>,
}

impl<'w> JsonlReporter<'w> {
    pub fn new(out: Box<dyn Write + 'w>) -> Self {
        Self {
            out,
            line: Vec::new(),
            run: None,
        }
    }

    /// Names the run on the summary line (what `closeout merge` checks).
    pub fn with_run(mut self, run: RunInfo) -> Self {
        self.run = Some(run);
        self
    }

    fn write_line<T: Serialize>(
        &mut self,
        kind: &'static str,
        seq: Option<u64>,
        data: &T,
    ) -> io::Result<()> {
        self.line.clear();
        let run = if seq.is_none() {
            self.run.as_ref()
        } else {
            None
        };
        let envelope = Envelope {
            kind,
            version: REPORT_VERSION,
            seq,
            data,
            run,
        };
        serde_json::to_writer(&mut self.line, &envelope)?;
        self.line.push(b'\n');
        // Whole lines only: a reader tailing the stream never sees half an object.
        self.out.write_all(&self.line)
    }
}

impl Reporter for JsonlReporter<'_> {
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn report(&mut self, result: &SnapshotResult, _text: Option<&str>) -> io::Result<()> {
        let kind = match result.verdict {
            Verdict::Error => "error",
            Verdict::Eligible | Verdict::Blocked => "result",
        };
        self.write_line(kind, Some(result.seq), result)
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.write_line("summary", None, summary)?;
        self.out.flush()
    }
}

impl std::fmt::Debug for JsonlReporter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonlReporter").finish_non_exhaustive()
    }
}
