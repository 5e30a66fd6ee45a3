#!/usr/bin/env bash
# The HTML report in a real browser: headless Chromium (from Debian's
# packages, installed with apt-get when missing) renders the report of every
# fixture plus an injection case, and tests/browser/check_dom.py checks the
# rendered DOM: the totals against the JSON report, the chart's bars, the
# filter the page's script applied from the URL, no script error, and the
# `<script>` in a resource name shown as text. A screenshot is kept in
# target/browser/report.png. It fails (exit 1) when Chromium cannot be
# installed or run: it never skips.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=target/browser
mkdir -p "$out"

chromium_bin() {
  command -v chromium || command -v chromium-browser || true
}
if [[ -z "$(chromium_bin)" ]]; then
  echo "browser test: installing chromium from Debian's packages"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } >"$out/apt.log" 2>&1; then
    tail -20 "$out/apt.log" >&2
    echo "browser test: FAILED: chromium could not be installed (see $out/apt.log)" >&2
    exit 1
  fi
fi
browser="$(chromium_bin)"
if [[ -z "$browser" ]]; then
  echo "browser test: FAILED: no chromium binary after installing" >&2
  exit 1
fi
"$browser" --version

bin="${CLOSEOUT_BIN:-target/debug/closeout}"
if [[ -z "${CLOSEOUT_BIN:-}" ]]; then
  cargo build --quiet
fi
now=2026-11-21T00:00:00Z
inputs=(fixtures tests/browser/injection.json)
# Exit 1 (blocked snapshots) is expected; anything else is not.
set +e
"$bin" check "${inputs[@]}" --now "$now" --no-progress \
  --format html --output "$out/report.html" --format json --output "$out/report.json"
code=$?
set -e
if [[ $code -ne 1 ]]; then
  echo "browser test: FAILED: closeout check exited $code, expected 1" >&2
  exit 1
fi

url="file://$PWD/$out/report.html?verdict=blocked&provider=aptible&sort=source:desc"
flags=(--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run
       --disable-extensions --hide-scrollbars --user-data-dir="$out/profile")
# Chromium prints the script's console errors on stderr with --enable-logging.
if ! timeout 120 "$browser" "${flags[@]}" --enable-logging=stderr --v=0 \
    --virtual-time-budget=5000 --dump-dom "$url" >"$out/dom.html" 2>"$out/chromium.log"; then
  tail -20 "$out/chromium.log" >&2
  echo "browser test: FAILED: chromium could not render the page" >&2
  exit 1
fi
if ! timeout 120 "$browser" "${flags[@]}" --window-size=1280,2600 \
    --screenshot="$PWD/$out/report.png" "file://$PWD/$out/report.html" >/dev/null 2>>"$out/chromium.log"; then
  tail -20 "$out/chromium.log" >&2
  echo "browser test: FAILED: chromium could not take the screenshot" >&2
  exit 1
fi
python3 tests/browser/check_dom.py "$out/dom.html" "$out/report.json" "$out/chromium.log" "$out/report.png"
