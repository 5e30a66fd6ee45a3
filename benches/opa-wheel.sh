#!/usr/bin/env bash
# Installs Go OPA's Python binding (PyPI `opa-golib-python-bindings`, a Go
# c-shared library behind ctypes) into a cache directory and checks that it
# loads. Shared by opa-crosscheck.sh and run.sh.
#
#   benches/opa-wheel.sh     prints the directory to put on sys.path, exit 0;
#                            or prints "skipped: <reason>" and exits 3.
#
# The wheel's metadata asks for Python >= 3.14 although its code runs on 3.10+,
# so it is downloaded for 3.14 and unpacked, not pip-installed.
#
# Environment: OPA_WHEEL_CACHE (default: <repo>/target/opa-wheel),
# OPA_WHEEL_VERSION (default: the newest), PYTHON (default: python3).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
python="${PYTHON:-python3}"
cache="${OPA_WHEEL_CACHE:-$repo/target/opa-wheel}"
spec="opa-golib-python-bindings${OPA_WHEEL_VERSION:+==$OPA_WHEEL_VERSION}"

skip() {
	echo "skipped: $*"
	exit 3
}

command -v "$python" >/dev/null 2>&1 || skip "no $python on PATH"

if [ ! -f "$cache/opa_bindings/libopabridge.so" ]; then
	mkdir -p "$cache" || skip "cannot create $cache"
	dl="$(mktemp -d)"
	trap 'rm -rf "$dl"' EXIT
	if ! "$python" -m pip download --quiet --no-deps --only-binary=:all: \
		--python-version 3.14 -d "$dl" "$spec" >"$dl/pip.log" 2>&1; then
		skip "cannot download $spec: $(tail -n 1 "$dl/pip.log")"
	fi
	wheel="$(ls "$dl"/*.whl 2>/dev/null | head -n 1)"
	[ -n "$wheel" ] || skip "pip downloaded no wheel for $spec"
	"$python" -m zipfile -e "$wheel" "$cache" || skip "cannot unpack $(basename "$wheel")"
fi

if ! err="$("$python" -c 'import sys; sys.path.insert(0, sys.argv[1])
from opa_bindings.engine import OpaEngine
OpaEngine().close()' "$cache" 2>&1)"; then
	skip "the OPA binding in $cache does not load: $(echo "$err" | tail -n 1)"
fi
echo "$cache"
