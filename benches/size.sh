#!/usr/bin/env bash
# The cost of one snapshot as the account grows: 10, 100, 1,000, 10,000 and
# 100,000 resources per provider, checked by the default engine on one core.
#
#   benches/size.sh [SIZES...]        (default: 10 100 1000 10000 100000)
#
# For each provider and size, benches/gen_large.py writes one snapshot; a JSON
# Lines file holds it K times. closeout checks the file with --jobs 1, and the
# same file with one line; the difference over K-1 is the cost of one snapshot
# without the process start and the policy compile. The parse floor is
# serde_json parsing the same lines (benches/parse_floor.rs), measured in the
# same run. Each time is the median of 3 runs.
#
# Prints a Markdown table: ms per snapshot, µs per resource, the cost per
# resource relative to the 1,000-resource snapshot of the same provider (1.0
# everywhere is linear), and closeout's time as a multiple of the parse floor.
# Exits 1 when a check does not finish with exit 0 or 1 (an error is a
# failure of the benchmark, never a figure), or when the per-resource cost at
# the largest size is more than 3 times that at 1,000 (quadratic growth).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
python="${PYTHON:-python3}"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10 100 1000 10000 100000)

cd "$repo"
cargo build --release --locked -q
cargo bench --bench parse_floor --no-run -q 2>/dev/null
bin="$repo/target/release/closeout"
floor="$(find target/release/deps -maxdepth 1 -type f -executable -name 'parse_floor-*' | head -1)"
[ -x "$floor" ] || { echo "error: parse_floor bench not built" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# seconds of one closeout run over FILE (exit 0 or 1 required)
run_closeout() {
	local start end code
	start=$(date +%s.%N)
	set +e
	"$bin" check "$1" --jobs 1 --format jsonl --no-progress --now 2026-11-21T00:00:00Z >"$work/out" 2>"$work/err"
	code=$?
	set -e
	end=$(date +%s.%N)
	if [ "$code" -gt 1 ]; then
		echo "error: closeout exited $code on $1:" >&2
		tail -3 "$work/err" >&2
		exit 1
	fi
	echo "$end - $start" | bc -l
}

time_closeout() { for _ in 1 2 3; do run_closeout "$1"; done | median; }
time_floor() { for _ in 1 2 3; do "$floor" "$1" | awk '{print $1}'; done | median; }

echo "| provider | resources | snapshot KB | ms per snapshot | µs per resource | per resource vs 1,000 | × parse floor |"
echo "|---|---:|---:|---:|---:|---:|---:|"
status=0
for provider in aptible tencentcloud sipstation ukfast; do
	ref=""
	for n in "${sizes[@]}"; do
		if [ "$n" -ge 100000 ]; then k=3; elif [ "$n" -ge 10000 ]; then k=8; else k=40; fi
		"$python" "$here/gen_large.py" --provider "$provider" --resources "$n" >"$work/one.json"
		"$python" -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))))' "$work/one.json" >"$work/one.jsonl"
		: >"$work/k.jsonl"
		for _ in $(seq "$k"); do cat "$work/one.jsonl" >>"$work/k.jsonl"; done
		t1=$(time_closeout "$work/one.jsonl")
		tk=$(time_closeout "$work/k.jsonl")
		f1=$(time_floor "$work/one.jsonl")
		fk=$(time_floor "$work/k.jsonl")
		per=$(echo "($tk - $t1) / ($k - 1)" | bc -l)
		floor_per=$(echo "($fk - $f1) / ($k - 1)" | bc -l)
		us_per_resource=$(echo "$per * 1000000 / $n" | bc -l)
		[ "$n" -eq 1000 ] && ref=$us_per_resource
		rel="–"
		if [ -n "$ref" ]; then
			rel=$(printf '%.2f' "$(echo "$us_per_resource / $ref" | bc -l)")
			if [ "$(echo "$us_per_resource > 3 * $ref" | bc -l)" -eq 1 ]; then status=1; fi
		fi
		ratio="–"
		if [ "$(echo "$floor_per > 0" | bc -l)" -eq 1 ]; then
			ratio=$(printf '%.1f' "$(echo "$per / $floor_per" | bc -l)")
		fi
		kb=$(( $(stat -c %s "$work/one.jsonl") / 1024 ))
		printf '| %s | %s | %s | %.2f | %.2f | %s | %s |\n' "$provider" "$n" "$kb" \
			"$(echo "$per * 1000" | bc -l)" "$us_per_resource" "$rel" "$ratio"
	done
done
exit "$status"
