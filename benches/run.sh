#!/usr/bin/env bash
# closeout benchmark kit: run by hand, not in CI.
#
#   benches/run.sh [COUNT]          (default 10000 snapshots)
#
# Generates COUNT synthetic snapshots once (gen_snapshots.py, seed 42) as a
# directory of files and as one JSON Lines file, then measures on that same
# data, in one run:
#
#   closeout, directory, --jobs 1       the headline figure (snapshots/s)
#   closeout, directory, all cores      when the binary has --jobs
#   closeout, JSON Lines, --jobs 1      when the binary reads *.jsonl
#   closeout, JSON Lines, all cores     the same, --format jsonl (streamed)
#   closeout, --engine interpreter      the directory at --jobs 1 with the
#                                       reference evaluator instead of the VM
#   closeout, floor pack, --jobs 1      the same binary with a policy pack that
#                                       never trips (--no-bundled): reading,
#                                       parsing, schema validation, engine
#                                       calls on tiny rules and the JSON report;
#                                       what is left is the real policies' cost
#   serde_json parse floor              benches/parse_floor.rs (cargo bench):
#                                       read + parse the same bytes with
#                                       serde_json alone, directory and JSON
#                                       Lines; `x parse` is relative to these
#   python json.loads                   the same with CPython's C json module
#   one process per file                conftest-style: `closeout check FILE`
#                                       for each of the first PERFILE files
#                                       (default 500), extrapolated per snapshot
#   OPA via Python binding              opa_bench.py: Go OPA through ctypes,
#                                       6 evaluations a snapshot, then 2, and a
#                                       trivial policy to price the bridge call
#
# Each closeout figure is the median of REPS runs (default 3), wall clock and
# peak RSS from /usr/bin/time -v (installed with apt-get when missing). Prints a
# table with every figure as a ratio to closeout --jobs 1 and to the parse
# floor, and writes it with the raw numbers under $BENCH_DIR.
#
# Environment: BENCH_DIR (default /tmp/closeout-bench), CLOSEOUT_BIN (skip the
# build), PERFILE, REPS, SEED, PYTHON, OPA_LIMIT (OPA evaluates the first
# 10000 files at most: ~40 s), and opa-wheel.sh's variables.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
count="${1:-10000}"
perfile="${PERFILE:-500}"
reps="${REPS:-3}"
seed="${SEED:-42}"
python="${PYTHON:-python3}"
work="${BENCH_DIR:-/tmp/closeout-bench}"
now="2026-11-21T00:00:00Z"
mkdir -p "$work"
results="$work/results.tsv"
: >"$results"

say() { echo "== $*" >&2; }
record() { printf '%s\t%s\n' "$1" "$2" >>"$results"; } # key value

# --- tools ------------------------------------------------------------------------
if [ ! -x /usr/bin/time ]; then
	say "installing GNU time"
	if [ "$(id -u)" = 0 ]; then
		(apt-get update -qq && apt-get install -y -qq time) >/dev/null
	else
		sudo apt-get update -qq && sudo apt-get install -y -qq time >/dev/null
	fi
fi

bin_src="${CLOSEOUT_BIN:-}"
if [ -z "$bin_src" ]; then
	say "cargo build --release"
	(cd "$repo" && cargo build --release --quiet)
	bin_src="$repo/target/release/closeout"
	built_from="built now from $(cd "$repo" && git rev-parse --short HEAD 2>/dev/null || echo '?')$(cd "$repo" && git diff --quiet HEAD -- src policies Cargo.toml Cargo.lock 2>/dev/null || echo ' with uncommitted changes')"
else
	built_from="given, modified $(date -u -r "$bin_src" +%FT%TZ)"
fi
# a private copy: a rebuild of target/ during the run must not change the binary
bin="$work/closeout"
cp "$bin_src" "$bin"

help="$("$bin" check --help)"
jobs1=()
if grep -q -- '--jobs' <<<"$help"; then jobs1=(--jobs 1); fi
quiet=()
if grep -q -- '--no-progress' <<<"$help"; then quiet=(--no-progress); fi
common=(check --format json --now "$now" "${quiet[@]}")
streamed=(check --format jsonl --now "$now" "${quiet[@]}")

# --- data ---------------------------------------------------------------------------
data="$work/data-$seed-$count"
if [ ! -f "$data/.done" ]; then
	say "generating $count snapshots (seed $seed) in $data"
	rm -rf "$data"
	mkdir -p "$data"
	validate=()
	if "$python" -c 'import jsonschema' 2>/dev/null; then validate=(--validate 200); fi
	"$python" "$here/gen_snapshots.py" --seed "$seed" --count "$count" \
		--dir "$data/files" --out "$data/snapshots.jsonl" "${validate[@]}"
	touch "$data/.done"
fi
files="$data/files"
first="$(ls "$files" | sed -n 1p)"
bytes="$(du -sb "$files" | cut -f1)"
record snapshots "$count"
record bytes_per_snapshot "$((bytes / count))"

# A policy pack that never trips: one `info` rule per package, so closeout
# still evaluates something per snapshot.
floor="$work/floor-pack"
rm -rf "$floor"
mkdir -p "$floor"
n=0
for pkg in common aptible tencentcloud sipstation ukfast; do
	n=$((n + 1))
	cat >"$floor/$pkg.rego" <<EOF
package closeout.$pkg

import rego.v1

# METADATA
# title: Benchmark floor
# description: Never trips; it only makes closeout evaluate one rule.
# related_resources:
#   - ref: benches/README.md
#     description: "never trips"
# custom:
#   id: BNF-00$n
#   kind: info
#   remediation: ""
info contains finding if {
	input.schema_version == 0
	finding := {"id": "BNF-00$n", "msg": "never", "pointer": ""}
}
EOF
done

# --- helpers --------------------------------------------------------------------------
# run_timed KEY CMD...: REPS runs; records KEY_wall (median s) and KEY_rss (max KiB).
run_timed() {
	local key="$1"
	shift
	local walls=() rss=0 i t r
	for ((i = 0; i < reps; i++)); do
		set +e
		/usr/bin/time -v -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt"
		local rc=$?
		set -e
		if [ "$rc" -gt 1 ]; then
			echo "error: $* exited $rc:" >&2
			tail -n 5 "$work/stderr.txt" >&2
			exit 2
		fi
		t="$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, a, ":"); s = 0; for (j = 1; j <= n; j++) s = s * 60 + a[j]; print s}' "$work/time.txt")"
		r="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")"
		walls+=("$t")
		[ "$r" -gt "$rss" ] && rss="$r"
	done
	record "${key}_wall" "$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')"
	record "${key}_walls" "$(printf '%s\n' "${walls[@]}" | sort -g | paste -sd/)"
	record "${key}_rss" "$rss"
}

# --- closeout ---------------------------------------------------------------------------
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
if awk -v l="${load_before%% *}" 'BEGIN {exit !(l > 1.0)}'; then
	say "warning: load average $load_before before the first measurement: other processes (a cargo build?) compete for the $(nproc) cores, figures will be noisy"
fi
say "closeout, directory, ${jobs1[*]:-(no --jobs flag)}"
(cd "$data" && run_timed dir_j1 "$bin" "${common[@]}" "${jobs1[@]}" files)
if [ ${#jobs1[@]} -gt 0 ]; then
	say "closeout, directory, all $(nproc) cores"
	(cd "$data" && run_timed dir_all "$bin" "${common[@]}" files)
fi
head -n 1 "$data/snapshots.jsonl" >"$work/probe.jsonl"
if "$bin" "${common[@]}" "$work/probe.jsonl" >/dev/null 2>&1 || [ $? -eq 1 ]; then
	say "closeout, JSON Lines"
	(cd "$data" && run_timed jsonl_j1 "$bin" "${common[@]}" "${jobs1[@]}" snapshots.jsonl)
	if [ ${#jobs1[@]} -gt 0 ]; then
		say "closeout, JSON Lines, all $(nproc) cores, --format jsonl"
		(cd "$data" && run_timed jsonl_all "$bin" "${streamed[@]}" snapshots.jsonl)
	fi
fi
if grep -q -- '--engine' <<<"$help"; then
	say "closeout, directory, --jobs 1, --engine interpreter"
	(cd "$data" && run_timed interp_j1 "$bin" "${common[@]}" "${jobs1[@]}" --engine interpreter files)
fi
say "closeout, floor pack"
(cd "$data" && run_timed floor_j1 "$bin" "${common[@]}" "${jobs1[@]}" --no-bundled --policy "$floor" files)

# --- parse-only floor: serde_json alone, the same bytes -------------------------------------
say "serde_json parse floor (cargo bench --bench parse_floor)"
(cd "$repo" && cargo bench --quiet --bench parse_floor --no-run 2>/dev/null)
for form in dir jsonl; do
	target="$files"
	[ "$form" = jsonl ] && target="$data/snapshots.jsonl"
	: >"$work/floor-$form.txt"
	for ((i = 0; i < reps; i++)); do
		(cd "$repo" && cargo bench --quiet --bench parse_floor -- "$target") | cut -d' ' -f1 >>"$work/floor-$form.txt"
	done
	record "serde_${form}_s" "$(sort -g "$work/floor-$form.txt" | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')"
done

# --- parse-only reference outside Rust -----------------------------------------------------
say "python json.loads floor"
: >"$work/pyfloor.txt"
for ((i = 0; i < reps; i++)); do
	/usr/bin/time -v -o "$work/time.txt" "$python" -c '
import json, os, sys, time
d = sys.argv[1]
names = sorted(os.listdir(d))
t0 = time.perf_counter()
for n in names:
    with open(os.path.join(d, n), "rb") as f:
        json.loads(f.read())
print(time.perf_counter() - t0)
' "$files" >>"$work/pyfloor.txt"
done
record pyjson_s "$(sort -g "$work/pyfloor.txt" | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')"
record pyjson_rss "$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")"

# --- one process per snapshot --------------------------------------------------------------
say "one closeout process per file, $perfile files"
ls "$files" | sed -n "1,${perfile}p" >"$work/perfile.txt"
start="$(date +%s%N)"
while read -r f; do
	"$bin" "${common[@]}" "${jobs1[@]}" "$files/$f" >/dev/null 2>&1 || [ $? -le 1 ]
done <"$work/perfile.txt"
end="$(date +%s%N)"
record perfile_n "$(wc -l <"$work/perfile.txt")"
record perfile_s "$(awk -v a="$start" -v b="$end" 'BEGIN {print (b - a) / 1e9}')"
/usr/bin/time -v -o "$work/time.txt" "$bin" "${common[@]}" "${jobs1[@]}" "$files/$first" >/dev/null 2>&1 || true
record perfile_rss "$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")"

# --- real OPA ----------------------------------------------------------------------------------
say "OPA through the Python binding"
set +e
wheel_dir="$("$here/opa-wheel.sh")"
wheel_rc=$?
set -e
if [ "$wheel_rc" = 0 ]; then
	/usr/bin/time -v -o "$work/time.txt" "$python" "$here/opa_bench.py" --wheel-dir "$wheel_dir" \
		--repo "$repo" --dir "$files" --limit "${OPA_LIMIT:-10000}" >"$work/opa.json"
	record opa_rss "$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")"
	"$python" -c 'import json, sys
for k, v in json.load(open(sys.argv[1])).items(): print(f"opa_{k}\t{v}")' "$work/opa.json" >>"$results"
else
	echo "OPA: $wheel_dir" >&2
	record opa_skipped "$wheel_dir"
fi

# --- report -----------------------------------------------------------------------------------
{
	echo "closeout benchmark: $count snapshots (seed $seed, ~$((bytes / count)) bytes each), $(nproc) cores, $(date -u +%FT%TZ)"
	echo "load average before/after: $load_before / $(cut -d' ' -f1-3 /proc/loadavg) (the run's own load included)"
	echo "binary: $bin_src ($built_from, sha256 $(sha256sum "$bin" | cut -c1-12))"
	"$python" - "$results" <<'EOF'
import sys

r = {}
for line in open(sys.argv[1]):
    k, v = line.rstrip("\n").split("\t", 1)
    try:
        r[k] = float(v)
    except ValueError:
        r[k] = v
n = int(r["snapshots"])
rows = []  # (label, snapshots measured, wall s, us per snapshot, peak RSS KiB, input form)


def add(label, count, wall, rss, form="dir"):
    rows.append((label, count, wall, wall / count * 1e6, rss, form))


add("closeout dir --jobs 1", n, r["dir_j1_wall"], r["dir_j1_rss"])
if "dir_all_wall" in r:
    add("closeout dir, all cores", n, r["dir_all_wall"], r["dir_all_rss"])
if "jsonl_j1_wall" in r:
    add("closeout JSONL --jobs 1", n, r["jsonl_j1_wall"], r["jsonl_j1_rss"], "jsonl")
if "jsonl_all_wall" in r:
    add("closeout JSONL, all cores, jsonl", n, r["jsonl_all_wall"], r["jsonl_all_rss"], "jsonl")
if "interp_j1_wall" in r:
    add("closeout dir --jobs 1 interpreter", n, r["interp_j1_wall"], r["interp_j1_rss"])
add("closeout floor pack --jobs 1", n, r["floor_j1_wall"], r["floor_j1_rss"])
add("serde_json parse floor, dir", n, r["serde_dir_s"], 0)
add("serde_json parse floor, JSONL", n, r["serde_jsonl_s"], 0, "jsonl")
add("python json.loads, dir", n, r["pyjson_s"], r["pyjson_rss"])
add("1 process per file (x%d)" % r["perfile_n"], int(r["perfile_n"]), r["perfile_s"], r["perfile_rss"])
if "opa_real_s" in r:
    m = int(r["opa_snapshots"])
    add("OPA binding, 6 calls/snapshot", m, r["opa_real_s"], r["opa_rss"])
    add("OPA binding, 2 calls/snapshot", m, r["opa_package_s"], r["opa_rss"])

base = rows[0][3]
floors = {"dir": r["serde_dir_s"] / n * 1e6, "jsonl": r["serde_jsonl_s"] / n * 1e6}
print()
print(f"{'measurement':34} {'snaps':>6} {'wall s':>8} {'snaps/s':>9} {'us/snap':>9} {'RSS MiB':>8} {'x closeout':>10} {'x parse':>8}")
for label, count, wall, us, rss, form in rows:
    print(f"{label:34} {count:>6} {wall:>8.2f} {count / wall:>9.0f} {us:>9.1f} {rss / 1024:>8.1f} {us / base:>10.2f} {us / floors[form]:>8.1f}")
print()
floor_pack = [x for x in rows if x[0].startswith("closeout floor")][0][3]
print(f"closeout policy evaluation alone (dir --jobs 1 minus floor pack): {base - floor_pack:.1f} us/snapshot")
per = [x for x in rows if x[0].startswith("1 process")][0]
spread = ", ".join(f"{k[:-6]} {r[k]}" for k in r if k.endswith("_walls"))
print(f"closeout runs, min/median/max of each (s): {spread}")
print(f"1 process per file, extrapolated to {n}: {per[3] * n / 1e6:.1f} s (vs {rows[0][2]:.2f} s in one process)")
if "opa_real_s" in r:
    calls = int(r["opa_trivial_calls"])
    noin = r["opa_trivial_noinput_s"] / calls * 1e6
    withi = r["opa_trivial_input_s"] / calls * 1e6
    opa = rows[[x[0] for x in rows].index("OPA binding, 6 calls/snapshot")][3]
    print(f"OPA binding per call, trivial policy: {noin:.1f} us without input, {withi:.1f} us with a "
          f"{int(r['opa_trivial_input_bytes'])}-byte snapshot as input")
    same = r["opa_trivial_same_s"] / int(r["opa_snapshots"]) * 1e6
    net = opa - same
    print(f"OPA bridge cost, 6 trivial calls with each snapshot as input, interleaved with the real ones: "
          f"{same:.1f} us/snapshot")
    print(f"OPA evaluation net of the bridge (6 real calls minus 6 trivial ones): {net:.1f} us/snapshot = "
          f"{net / base:.2f} x closeout --jobs 1, {net / (base - floor_pack):.2f} x closeout's policy evaluation alone")
    print(f"OPA one-time query compilation (warm-up, not in the figures): {r['opa_prepare_s']:.2f} s; "
          f"findings: {int(r['opa_findings'])} (6 calls), {int(r['opa_findings_package_calls'])} (2 calls)")
elif "opa_skipped" in r:
    print(f"OPA: {r['opa_skipped']}")
print()
print("x closeout = time per snapshot / closeout dir --jobs 1; x parse = time per snapshot / serde_json's")
print("parse floor of the same input form (a directory of files, or one JSON Lines file)")
EOF
} | tee "$work/report.txt"
