#!/usr/bin/env python3
"""Check JSON Lines snapshots with closeout on Apache Spark (PySpark).

    spark-submit --master local[2] --files /path/to/closeout \\
        closeout_job.py INPUT OUTPUT --now 2026-11-21T00:00:00Z [--partitions 8]

INPUT is a JSON Lines file (or a directory / glob Spark reads as text), one
snapshot per line. Each partition is piped through one `closeout check -
--format jsonl` process on its executor. The binary is the one shipped with
--files (SparkFiles), so every executor runs the same binary and, since the
policies are compiled into it, the same policies: the job checks that every
partition reports the same policy digest.

OUTPUT/results/ gets one JSON line per snapshot, closeout's own line
({"type": "result"|"error", "data": ...}) with its `source` renamed from the
partition's `<stdin>:N` to INPUT:LINE, the line of the input file, as
`closeout check INPUT` names it. OUTPUT/summary.json gets the verdict totals
(snapshots, eligible, blocked, errors, warned, by_condition) and the run's
closeout version and policy digest.

Exit codes and failures. closeout exits 0 (all eligible), 1 (some blocked:
not a failure) or 2. A 2 is data, not a failure, when the process wrote a
result for every snapshot it was given and a summary counting them all, with
errors in it (a snapshot that is not JSON, or breaks the contract): those are
error results, kept in the output. Anything else fails the task: another exit
code or a signal, a missing or short summary, a line that is not closeout's,
a count that differs from the lines sent. Spark then retries the task
(spark.task.maxFailures) and fails the job if it keeps failing; the output of
a failed task is never committed, so a snapshot is never lost nor counted
twice.

Lines are split by Hadoop's text reader (LF, CR LF, or a lone CR); closeout
splits on LF only. Exporters write LF or CR LF, where both agree.
"""

import argparse
import itertools
import json
import os
import subprocess
import threading

from pyspark import AccumulatorParam, SparkFiles
from pyspark.sql import SparkSession


def closeout_binary():
    path = SparkFiles.get("closeout")
    if not os.access(path, os.X_OK):
        os.chmod(path, 0o755)
    return path


def check_partition(rows, input_name, now, extra, runs):
    """rows: (line text, 0-based line index). Yields closeout's result lines,
    sources renamed to INPUT:LINE; raises (failing the task) on any failure."""
    # Blank as closeout has it (ASCII whitespace only): it skips those lines.
    rows = ((text, index) for text, index in rows if text.strip(" \t\n\r\x0c"))
    first = next(rows, None)
    if first is None:
        # closeout reports an empty stream as an error: nothing to check here.
        return
    # The input line of each snapshot sent, in order; the partition is streamed.
    indices = []
    argv = [closeout_binary(), "check", "-", "--format", "jsonl", "--no-progress",
            "--jobs", "1", "--now", now] + extra
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    stderr_chunks = []

    def feed():
        try:
            for text, index in itertools.chain([first], rows):
                indices.append(index)
                proc.stdin.write(text.encode("utf-8"))
                proc.stdin.write(b"\n")
        except BrokenPipeError:
            pass  # closeout stopped early: seen below as a short output
        finally:
            try:
                proc.stdin.close()
            except BrokenPipeError:
                pass

    def drain():
        stderr_chunks.append(proc.stderr.read())

    writer = threading.Thread(target=feed, daemon=True)
    reader = threading.Thread(target=drain, daemon=True)
    writer.start()
    reader.start()
    results = 0
    summary = None
    for raw in proc.stdout:
        line = json.loads(raw)
        kind = line.get("type")
        if kind in ("result", "error"):
            data = line["data"]
            source = data["source"]
            if not source.startswith("<stdin>:"):
                raise RuntimeError(f"closeout named an unexpected source {source!r}")
            n = int(source.split(":", 1)[1])
            # Line n was written before its result could come back.
            data["source"] = f"{input_name}:{indices[n - 1] + 1}"
            results += 1
            yield json.dumps({"type": kind, "data": data}, ensure_ascii=False)
        elif kind == "summary":
            summary = line
        else:
            raise RuntimeError(f"closeout wrote a line of unknown type {kind!r}")
    writer.join()
    reader.join()
    code = proc.wait()
    stderr = b"".join(stderr_chunks).decode("utf-8", "replace")[-2000:]
    if code not in (0, 1, 2):
        raise RuntimeError(f"closeout exited {code}: {stderr}")
    if summary is None:
        raise RuntimeError(f"closeout exited {code} without a summary: {stderr}")
    counted = summary["data"]["snapshots"]
    if counted != len(indices) or results != len(indices):
        raise RuntimeError(
            f"closeout was given {len(indices)} snapshots, wrote {results} results and "
            f"a summary of {counted} (exit {code}): {stderr}")
    if code == 2 and summary["data"]["errors"] == 0:
        raise RuntimeError(f"closeout exited 2 with no error result: {stderr}")
    runs.add(json.dumps(summary["run"], sort_keys=True))


class SetParam(AccumulatorParam):
    """Union of sets: a retried task adds what it added before, harmlessly."""

    def zero(self, value):
        return set()

    def addInPlace(self, a, b):
        a |= b
        return a


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--now", required=True,
                        help="evaluation time (RFC 3339): the same for every partition")
    parser.add_argument("--partitions", type=int, default=None)
    parser.add_argument("--name", default=None,
                        help="how sources name the input (default: INPUT as given)")
    parser.add_argument("--closeout-arg", action="append", default=[], metavar="ARG",
                        help="one more `closeout check` argument (repeatable): "
                             "--closeout-arg=--policy --closeout-arg=packs/acme")
    args = parser.parse_args()

    spark = SparkSession.builder.appName("closeout").getOrCreate()
    sc = spark.sparkContext
    name = args.name or args.input
    lines = sc.textFile(args.input, minPartitions=args.partitions)
    now, extra = args.now, list(args.closeout_arg)
    # Each partition's run identity (version, policy digest, --now...), as a set.
    runs = sc.accumulator(set(), SetParam())

    def partition(rows):
        seen = set()
        yield from check_partition(rows, name, now, extra, seen)
        runs.add(seen)

    results = os.path.join(args.output, "results")
    lines.zipWithIndex().mapPartitions(partition).saveAsTextFile(results)

    def tally(line):
        data = json.loads(line)["data"]
        counts = {"snapshots": 1, data["verdict"]: 1}
        # As closeout counts them: waived findings aside, each id once a snapshot.
        active = [f for f in data["findings"]
                  if (f.get("waiver") or {}).get("status") != "applied"]
        if any(f["kind"] == "warn" for f in active):
            counts["warned"] = 1
        counts["by_condition"] = {i: 1 for i in {f["id"] for f in active}}
        return counts

    def add(a, b):
        out = dict(a)
        for key, value in b.items():
            if isinstance(value, dict):
                merged = dict(out.get(key, {}))
                for k, v in value.items():
                    merged[k] = merged.get(k, 0) + v
                out[key] = merged
            else:
                out[key] = out.get(key, 0) + value
        return out

    # Totals from the committed output, read back: what was written is what counts.
    totals = sc.textFile(results).map(tally).fold({}, add)
    infos = [json.loads(r) for r in runs.value]
    if len(infos) != 1:
        raise SystemExit(f"error: partitions ran {len(infos)} different closeout runs: {infos}")
    summary = {
        "snapshots": totals.get("snapshots", 0),
        "eligible": totals.get("eligible", 0),
        "blocked": totals.get("blocked", 0),
        "errors": totals.get("error", 0),
        "warned": totals.get("warned", 0),
        "by_condition": dict(sorted(totals.get("by_condition", {}).items())),
        "partitions": lines.getNumPartitions(),
        "run": infos[0],
    }
    with open(os.path.join(args.output, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    print(json.dumps({k: v for k, v in summary.items() if k != "by_condition"}))
    spark.stop()


if __name__ == "__main__":
    main()
