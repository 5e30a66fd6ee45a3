#!/usr/bin/env bash
# Cross-check closeout's verdicts with real OPA (Go), fixture by fixture.
#
#   benches/opa-crosscheck.sh [opa_crosscheck.py options] [SNAPSHOT-FILE-OR-DIR...]
#
# Installs the `opa-golib-python-bindings` wheel with opa-wheel.sh, builds
# closeout (debug), then runs benches/opa_crosscheck.py (see its --help: with no
# SNAPSHOT argument it checks fixtures/**/*.json; --drop-each-key also checks
# every variant of them that lacks one object member).
#
# Exit codes: 0 all agree; 1 some difference; 2 setup error, including a wheel
# that cannot be downloaded or loaded: a check that cannot run fails, it never
# passes by skipping.
#
# Environment: CLOSEOUT_BIN (a closeout binary to use instead of building
# the debug one), PYTHON, and opa-wheel.sh's OPA_WHEEL_CACHE and
# OPA_WHEEL_VERSION.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
python="${PYTHON:-python3}"

wheel_dir="$("$here/opa-wheel.sh")"
case $? in
0) ;;
3)
	echo "error: the OPA wheel is not available: $wheel_dir" >&2
	exit 2
	;;
*)
	echo "error: opa-wheel.sh failed: $wheel_dir" >&2
	exit 2
	;;
esac

# shellcheck source=benches/closeout-bin.sh
. "$here/closeout-bin.sh"

exec "$python" "$here/opa_crosscheck.py" --repo "$repo" --closeout "$bin" --wheel-dir "$wheel_dir" "$@"
