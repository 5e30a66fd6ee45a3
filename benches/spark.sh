#!/usr/bin/env bash
# The Spark example (docs/examples/spark/closeout_job.py) against one closeout
# process, in CI (.ci/run) and by hand:
#
#   benches/spark.sh [COUNT]        (default 100000 snapshots)
#
# Installs what it lacks: PySpark from PyPI, a headless JRE from Debian.
# Generates COUNT snapshots as one JSON Lines file (gen_snapshots.py, seed 42)
# plus a line that is not JSON and one that breaks the contract, checks it once
# with `closeout check FILE --format jsonl` (2 cores), then with the Spark job
# in local[2], and requires the same verdict, snapshot id, finding ids and
# error kind for every snapshot (by INPUT:LINE) and the same totals
# (spark_compare.py). Then a partition whose closeout fails (a policy
# directory that does not exist) must fail the job. Prints snapshots/s of both
# runs and the overhead ratio, also written to $SPARK_BENCH_DIR/figures.txt.
#
# Exits 0 when all agree, 1 when they differ, 2 when it cannot run (nothing
# installable, a build failure): it never passes by skipping.
#
# Environment: SPARK_BENCH_DIR (default /tmp/closeout-spark), CLOSEOUT_BIN
# (default: a release build), PARTITIONS (default 8), PYTHON.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
count="${1:-100000}"
python="${PYTHON:-python3}"
work="${SPARK_BENCH_DIR:-/tmp/closeout-spark}"
partitions="${PARTITIONS:-8}"
now="2026-11-21T00:00:00Z"
die() { echo "error: $*" >&2; exit 2; }
say() { echo "== $*" >&2; }

# --- what it needs ------------------------------------------------------------------
if ! command -v java >/dev/null 2>&1; then
	say "installing a headless JRE (Debian)"
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless; } >&2 ||
		die "no java, and default-jre-headless could not be installed"
fi
java -version >/dev/null 2>&1 || die "java does not run"
if ! "$python" -c 'import pyspark' >/dev/null 2>&1; then
	say "installing PySpark (PyPI)"
	"$python" -m pip install --quiet pyspark >&2 || die "pyspark could not be installed"
fi
"$python" -c 'import pyspark' || die "pyspark does not import"
spark_submit="$("$python" -c 'import os, pyspark; print(os.path.join(os.path.dirname(pyspark.__file__), "bin", "spark-submit"))')"
[ -x "$spark_submit" ] || die "no spark-submit in the pyspark package ($spark_submit)"
bin="${CLOSEOUT_BIN:-}"
if [ -z "$bin" ]; then
	(cd "$repo" && cargo build --release --locked --quiet) || die "cargo build --release failed"
	bin="$(cd "$repo" && cargo metadata --format-version 1 --no-deps |
		"$python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/release/closeout"
fi
[ -x "$bin" ] || die "no closeout binary at $bin"

# --- data ---------------------------------------------------------------------------
rm -rf "$work"
mkdir -p "$work"
input="$work/snapshots.jsonl"
say "generating $count snapshots"
"$python" "$here/gen_snapshots.py" --count "$count" --out "$input" >&2
printf '%s\n' '{"schema_version": 1, "snapshot_id": "spark-broken",' \
	'{"schema_version": 1, "snapshot_id": "spark-schema", "provider": "ukfast"}' >>"$input"
total=$((count + 2))

seconds() { "$python" -c 'import sys, time; print(f"{time.time() - float(sys.argv[1]):.2f}")' "$1"; }
now_s() { "$python" -c 'import time; print(time.time())'; }

# --- one process --------------------------------------------------------------------
say "closeout check, one process, 2 cores"
start="$(now_s)"
set +e
"$bin" check "$input" --now "$now" --format jsonl --output "$work/single.jsonl" --no-progress 2>/dev/null
code=$?
set -e
single_s="$(seconds "$start")"
# 2: the two bad lines are error results; anything else is a failure.
[ "$code" -eq 2 ] || die "closeout check exited $code, expected 2 (two error results)"

# The per-core cost, and what a snapshot of another shard costs (read and
# validated for its key, not evaluated): the figures docs/scale-out.md uses.
say "closeout check, one process, --jobs 1"
start="$(now_s)"
"$bin" check "$input" --now "$now" --format jsonl --output /dev/null --no-progress --jobs 1 2>/dev/null || true
one_core_s="$(seconds "$start")"
say "closeout check --shard 1/1000, --jobs 1 (almost every snapshot in another shard)"
start="$(now_s)"
"$bin" check "$input" --now "$now" --format jsonl --output /dev/null --no-progress --jobs 1 --shard 1/1000 2>/dev/null || true
skip_s="$(seconds "$start")"

say "closeout merge of the single run's output"
start="$(now_s)"
"$bin" merge "$work/single.jsonl" --format jsonl --output /dev/null 2>/dev/null || true
merge_s="$(seconds "$start")"
merge_mb="$("$python" -c 'import os, sys; print(os.path.getsize(sys.argv[1]) / 1e6)' "$work/single.jsonl")"

# --- Spark --------------------------------------------------------------------------
say "Spark local[2], $partitions partitions"
export PYSPARK_PYTHON="$python"
start="$(now_s)"
"$spark_submit" --master 'local[2]' --conf spark.ui.enabled=false \
	--conf spark.driver.memory=1g --files "$bin" \
	"$repo/docs/examples/spark/closeout_job.py" "$input" "$work/spark" \
	--now "$now" --partitions "$partitions" >"$work/spark-stdout.txt" 2>"$work/spark-stderr.txt" ||
	{ tail -30 "$work/spark-stderr.txt" >&2; die "the Spark job failed"; }
spark_s="$(seconds "$start")"

say "comparing"
"$python" "$here/spark_compare.py" "$work/single.jsonl" "$work/spark" || exit 1

# --- a failing partition fails the job -----------------------------------------------
say "a partition whose closeout fails must fail the job"
head -n 1000 "$input" >"$work/small.jsonl"
if "$spark_submit" --master 'local[2]' --conf spark.ui.enabled=false --files "$bin" \
	"$repo/docs/examples/spark/closeout_job.py" "$work/small.jsonl" "$work/spark-fail" \
	--now "$now" --partitions 2 --closeout-arg=--policy --closeout-arg=/nonexistent/pack >"$work/fail-stdout.txt" 2>"$work/fail-stderr.txt"; then
	echo "FAIL: the job passed although closeout could not load its policies" >&2
	exit 1
fi
grep -q "without a summary" "$work/fail-stderr.txt" ||
	{ tail -20 "$work/fail-stderr.txt" >&2; echo "FAIL: the job failed, but not for the partition's closeout" >&2; exit 1; }
[ ! -e "$work/spark-fail/results/_SUCCESS" ] || { echo "FAIL: a failed job committed output" >&2; exit 1; }

# --- figures ------------------------------------------------------------------------
"$python" - "$total" "$single_s" "$spark_s" "$partitions" "$one_core_s" "$skip_s" "$merge_s" "$merge_mb" <<'PY' | tee "$work/figures.txt"
import sys
n, single, spark, parts = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
one, skip = float(sys.argv[5]), float(sys.argv[6])
merge, mb = float(sys.argv[7]), float(sys.argv[8])
print(f"snapshots: {n}")
print(f"closeout check, one process, --jobs 1: {one:.2f} s, {n / one:,.0f} snapshots/s, {1e6 * one / n:.0f} us each (the per-core cost)")
print(f"closeout check --shard 1/1000, --jobs 1: {skip:.2f} s, {1e6 * skip / n:.0f} us per snapshot of another shard (read, validated, not evaluated)")
print(f"closeout check, one process, 2 cores: {single:.2f} s, {n / single:,.0f} snapshots/s, {1e6 * single / n:.0f} us each")
print(f"Spark local[2], {parts} partitions (spark-submit wall clock, JVM start included): {spark:.2f} s, {n / spark:,.0f} snapshots/s")
print(f"closeout merge of that run's {mb:.0f} MB of results: {merge:.2f} s, {mb / merge:.0f} MB/s, {n / merge:,.0f} results/s")
print(f"overhead: Spark takes {spark / single:.1f}x the single process's time")
PY
