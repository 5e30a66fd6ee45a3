#!/usr/bin/env python3
"""Compares the Spark job's output with one `closeout check --format jsonl`
over the same file: per snapshot (by source, INPUT:LINE) the same verdict,
snapshot id, finding ids (in order) and error kind; and the same totals.

  spark_compare.py SINGLE.jsonl SPARK_OUT_DIR

Exits 0 when everything agrees, 1 with the first differences otherwise, 2 when
an input is missing or malformed."""

import glob
import json
import os
import sys


def key(data):
    error = data.get("error") or {}
    return (data["verdict"], data.get("snapshot_id"),
            tuple(f["id"] for f in data["findings"]), error.get("kind"))


def main():
    single_path, spark_dir = sys.argv[1], sys.argv[2]
    single, summary = {}, None
    with open(single_path, encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            if record["type"] == "summary":
                summary = record["data"]
            else:
                single[record["data"]["source"]] = key(record["data"])
    if summary is None:
        print(f"error: {single_path} has no summary line", file=sys.stderr)
        return 2
    parts = sorted(glob.glob(os.path.join(spark_dir, "results", "part-*")))
    if not parts or not os.path.exists(os.path.join(spark_dir, "results", "_SUCCESS")):
        print(f"error: no committed Spark output under {spark_dir}/results", file=sys.stderr)
        return 2
    spark, repeated = {}, []
    for part in parts:
        with open(part, encoding="utf-8") as f:
            for line in f:
                data = json.loads(line)["data"]
                if data["source"] in spark:
                    repeated.append(data["source"])
                spark[data["source"]] = key(data)
    with open(os.path.join(spark_dir, "summary.json"), encoding="utf-8") as f:
        totals = json.load(f)
    problems = []
    if repeated:
        problems.append(f"{len(repeated)} snapshots reported twice by Spark, e.g. {repeated[:3]}")
    missing = sorted(set(single) - set(spark))
    extra = sorted(set(spark) - set(single))
    if missing:
        problems.append(f"{len(missing)} snapshots missing from Spark's output, e.g. {missing[:3]}")
    if extra:
        problems.append(f"{len(extra)} snapshots only in Spark's output, e.g. {extra[:3]}")
    differ = [s for s in single if s in spark and single[s] != spark[s]]
    for s in differ[:5]:
        problems.append(f"{s}: single {single[s]} != spark {spark[s]}")
    if differ:
        problems.append(f"{len(differ)} snapshots differ")
    for field in ("snapshots", "eligible", "blocked", "errors", "warned", "by_condition"):
        if totals[field] != summary[field]:
            problems.append(f"total {field}: single {summary[field]} != spark {totals[field]}")
    if problems:
        print("FAIL: the Spark job and the single run disagree:", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        return 1
    blocked_ids = sum(len(k[2]) for k in single.values())
    print(f"same: {len(single)} snapshots, verdicts and {blocked_ids} finding ids, totals "
          f"{summary['eligible']} eligible / {summary['blocked']} blocked / {summary['errors']} errors "
          f"/ {summary['warned']} warned, {len(summary['by_condition'])} condition counts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
