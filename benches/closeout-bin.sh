# Sourced by the cross-check scripts: sets `bin` to the closeout binary to run.
# CLOSEOUT_BIN when given; otherwise the debug build (`cargo test` has just made
# it in CI, and speed does not matter for a cross-check), found where cargo puts
# it (CARGO_TARGET_DIR may move it). Needs `repo` and `python`; exits 2 when the
# build fails.
bin="${CLOSEOUT_BIN:-}"
if [ -z "$bin" ]; then
	(cd "$repo" && cargo build --quiet) || {
		echo "error: cargo build failed" >&2
		exit 2
	}
	target_dir="$(cd "$repo" && cargo metadata --format-version 1 --no-deps |
		"$python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')" || {
		echo "error: cargo metadata failed" >&2
		exit 2
	}
	bin="$target_dir/debug/closeout"
fi
