#!/usr/bin/env bash
# Cross-check closeout's two evaluators (bytecode VM and interpreter) on the
# fixtures, every fixture with one object member dropped, and COUNT seeded
# synthetic snapshots: the reports must be byte-identical.
#
#   benches/engine-crosscheck.sh [engine_crosscheck.py options]
#
# Builds closeout (debug) unless CLOSEOUT_BIN names a binary. Exit codes: 0
# identical, 1 some difference, 2 setup error. Environment: CLOSEOUT_BIN, PYTHON.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
python="${PYTHON:-python3}"

# shellcheck source=benches/closeout-bin.sh
. "$here/closeout-bin.sh"

exec "$python" "$here/engine_crosscheck.py" --repo "$repo" --closeout "$bin" "$@"
