#!/usr/bin/env bash
# CI's short fuzz run: builds the five targets, then runs each for
# FUZZ_SMOKE_SECONDS (default 20) from its committed corpus. Fails when a
# target cannot be built or run, or when anything crashes: never passes by
# skipping. New inputs go to a temporary directory, removed at the end.
set -euo pipefail
cd "$(dirname "$0")"

seconds=${FUZZ_SMOKE_SECONDS:-20}
targets=(snapshot locator annotations config jsonl)
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz/smoke.sh: cargo-fuzz is not installed (cargo install --locked cargo-fuzz)" >&2
  exit 2
fi
FUZZ_WORK=$(mktemp -d)
export FUZZ_WORK
trap 'rm -rf "$FUZZ_WORK"' EXIT

start=$(date +%s)
if ! nice -n 10 cargo fuzz build -s none >"$FUZZ_WORK/build.log" 2>&1; then
  tail -n 40 "$FUZZ_WORK/build.log" >&2
  echo "fuzz/smoke.sh: the fuzz targets do not build" >&2
  exit 2
fi
echo "fuzz/smoke.sh: built ${#targets[@]} targets in $(($(date +%s) - start)) s"

failed=0
for target in "${targets[@]}"; do
  [ -d "corpus/$target" ] || { echo "fuzz/smoke.sh: no corpus/$target" >&2; exit 2; }
  ./run.sh "$target" "$seconds" || failed=1
done
exit "$failed"
