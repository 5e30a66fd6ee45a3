#!/usr/bin/env bash
# Runs one fuzz target for SECONDS: `fuzz/run.sh TARGET SECONDS`.
#
# Stable Rust, no sanitizer (README.md says why): `cargo fuzz` with
# RUSTC_BOOTSTRAP=1 and `-s none`. One process, one job, under `nice -n 10`.
# New inputs go to $FUZZ_WORK/corpus/TARGET (default fuzz/work/, not
# committed); the seeds in fuzz/corpus/TARGET are read, never written.
# The last line printed is `fuzz TARGET: N executions in S s, K crashes`.
# Exit status: 0 when the target ran and nothing crashed, hung or ran out of
# memory; non-zero otherwise, after naming the file that reproduces it.
set -euo pipefail
cd "$(dirname "$0")"

if [ $# -ne 2 ] || ! [[ $2 =~ ^[0-9]+$ ]]; then
  echo "usage: fuzz/run.sh TARGET SECONDS" >&2
  exit 2
fi
target=$1
seconds=$2
case $target in
  snapshot | locator | jsonl) dict=dict/json.dict ;;
  annotations) dict=dict/rego.dict ;;
  config) dict=dict/toml.dict ;;
  *)
    echo "fuzz/run.sh: unknown target $target (snapshot, locator, annotations, config, jsonl)" >&2
    exit 2
    ;;
esac

export RUSTC_BOOTSTRAP=1
work=${FUZZ_WORK:-work}
mkdir -p "$work/corpus/$target" "$work/logs" "artifacts/$target"
log="$work/logs/$target.log"

# Build first, so build time is not counted and a build failure is plain.
if ! nice -n 10 cargo fuzz build -s none "$target" >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "fuzz $target: cannot build the target (log: fuzz/$log)" >&2
  exit 2
fi

start=$(date +%s)
set +e
# -timeout: one input running 10 s is a hang. -rss_limit_mb: 2 GB is an OOM.
nice -n 10 cargo fuzz run -s none "$target" "$work/corpus/$target" "corpus/$target" -- \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -dict="$dict" \
  -print_final_stats=1 -artifact_prefix="artifacts/$target/" >>"$log" 2>&1
status=$?
set -e
elapsed=$(($(date +%s) - start))

executions=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
ran=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' "$log" | tail -n 1)
mapfile -t found < <(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log")
if [ -z "$executions" ]; then
  tail -n 40 "$log" >&2
  echo "fuzz $target: the fuzzer did not run (exit $status; log: fuzz/$log)" >&2
  exit 2
fi
echo "fuzz $target: ${executions} executions in ${ran:-$elapsed} s, ${#found[@]} crashes"
if [ "$status" -ne 0 ] || [ "${#found[@]}" -ne 0 ]; then
  grep -m 5 -E "panicked at|ERROR: libFuzzer|SUMMARY" "$log" >&2 || true
  for file in "${found[@]}"; do
    echo "fuzz $target: crash file fuzz/$file" >&2
    echo "  reproduce: cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run -s none $target $file" >&2
  done
  echo "fuzz $target: failed (exit $status; log: fuzz/$log)" >&2
  exit 1
fi
