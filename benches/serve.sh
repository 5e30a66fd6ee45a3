#!/usr/bin/env bash
# closeout serve benchmark: run by hand, not in CI.
#
#   benches/serve.sh [REQUESTS]        (default 100000)
#
# On loopback only, in one run on the same snapshot
# (fixtures/tencentcloud/blocked-vouchers.json):
#   - closeout serve (release, 2 workers): REQUESTS decisions at concurrency
#     8 by benches/serve_load.rs (a fixed count, one keep-alive connection
#     per client; it stops by itself): decisions/s, p50/p99/max latency; then
#     1,000 at concurrency 1; the server's peak RSS after 10,000 requests and
#     at the end (flat memory means the two agree);
#   - one process per snapshot: `closeout check FILE` 200 times, one after
#     the other (the CI gate of today);
#   - in-process batch: `closeout check` over a JSON Lines file of the same
#     snapshot repeated 20,000 times, 2 cores, --format jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS=${1:-100000}
SNAP=fixtures/tencentcloud/blocked-vouchers.json
NOW=2026-11-21T00:00:00Z

cargo build --release --quiet
cargo bench --no-run --quiet --bench serve_load 2>/dev/null
LOAD=$(ls -t target/release/deps/serve_load-* | grep -v '\.d$' | head -1)
BIN=target/release/closeout
WORK=$(mktemp -d)
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT

"$BIN" serve --listen 127.0.0.1:0 --jobs 2 2>"$WORK/serve.err" &
PID=$!
for _ in $(seq 100); do grep -q listening "$WORK/serve.err" && break; sleep 0.1; done
URL="$(grep -o 'http://127[0-9.:]*' "$WORK/serve.err")/v1/check?now=$NOW"
echo "closeout serve, release, 2 workers, commit $(git rev-parse --short HEAD)"
"$LOAD" "$URL" "$SNAP" 1000 8 >/dev/null   # warm-up: every worker compiled
"$LOAD" "$URL" "$SNAP" 10000 8
echo "peak RSS after 11,000 requests: $(grep VmHWM /proc/$PID/status | awk '{print $2}') KiB"
"$LOAD" "$URL" "$SNAP" "$REQUESTS" 8
"$LOAD" "$URL" "$SNAP" 1000 1
echo "peak RSS after $((11000 + REQUESTS + 1000)) requests: $(grep VmHWM /proc/$PID/status | awk '{print $2}') KiB"
kill -TERM "$PID"; wait "$PID" || true

start=$(date +%s.%N)
for _ in $(seq 200); do "$BIN" check "$SNAP" --now "$NOW" --format json >/dev/null || true; done
end=$(date +%s.%N)
echo "one process per snapshot: $(echo "200 / ($end - $start)" | bc -l | xargs printf '%.1f') decisions/s ($(echo "($end - $start) * 5" | bc -l | xargs printf '%.2f') ms each)"

python3 -c "import json,sys; t=json.dumps(json.load(open('$SNAP'))); sys.stdout.write((t+'\n')*20000)" > "$WORK/batch.jsonl"
start=$(date +%s.%N)
"$BIN" check "$WORK/batch.jsonl" --now "$NOW" --format jsonl >/dev/null || true
end=$(date +%s.%N)
echo "in-process batch, 2 cores: $(echo "20000 / ($end - $start)" | bc -l | xargs printf '%.0f') snapshots/s"
