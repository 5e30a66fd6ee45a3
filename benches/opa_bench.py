#!/usr/bin/env python3
"""Real OPA (Go, through the opa-golib-python-bindings ctypes bridge) per snapshot.

Called by benches/run.sh; prints one JSON object of timings.

  opa_bench.py --wheel-dir DIR --repo REPO --dir SNAPSHOT_DIR [--limit N] [--calls N]

Measures, in one process, after a warm-up that compiles every query once:
  real     for each snapshot file: read, json.loads, then 6 evaluations
           (deny, warn, info of closeout.<provider> and of closeout.common),
           with the same data.closeout.context as closeout --now
           2026-11-21T00:00:00Z; an undefined rule counts as empty.
  package  the same with 2 evaluations per snapshot: the whole document of
           each package (helper rules included), deny/warn/info read from it.
  trivial  the bridge's cost per call on a policy that does nothing
           (`allow := true`): 6 calls after each real snapshot with that
           snapshot as input (interleaved); and, on their own, N calls with
           no input and N with the first snapshot as input (the input is
           serialised by Python and parsed again in Go on every call).
"""

import argparse
import json
import pathlib
import sys
import time

RULES = ("deny", "warn", "info")
CONTEXT = {"now": "2026-11-21T00:00:00Z", "now_ns": 1795219200000000000, "max_export_age_days": 7}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wheel-dir", required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--limit", type=int, default=0, help="only the first N files (0 = all)")
    ap.add_argument("--calls", type=int, default=20000, help="calls for the trivial-policy figures")
    args = ap.parse_args()
    sys.path.insert(0, args.wheel_dir)
    from opa_bindings.engine import OpaEngine, OpaUndefinedError

    repo = pathlib.Path(args.repo)
    files = sorted(pathlib.Path(args.dir).glob("*.json"))
    if args.limit:
        files = files[: args.limit]
    engine = OpaEngine()
    for f in sorted((repo / "policies").rglob("*.rego")):
        if not f.name.endswith("_test.rego"):
            engine.add_policy(str(f.relative_to(repo)), f.read_text(encoding="utf-8"))
    engine.add_data(CONTEXT, path="closeout.context")

    def evaluate(snapshot):
        findings = 0
        for package in (f"closeout.{snapshot['provider']}", "closeout.common"):
            for rule in RULES:
                try:
                    findings += len(engine.eval_document(f"{package}.{rule}", snapshot))
                except OpaUndefinedError:
                    pass
        return findings

    # Warm-up: the bridge compiles (PrepareForEval) each distinct query once.
    t0 = time.perf_counter()
    seen = set()
    for f in files:
        snapshot = json.loads(f.read_bytes())
        if snapshot["provider"] not in seen:
            seen.add(snapshot["provider"])
            evaluate(snapshot)
    prepare_s = time.perf_counter() - t0

    trivial = OpaEngine()
    trivial.add_policy("trivial.rego", "package bench.trivial\n\nallow := true\n")
    trivial.eval_document("bench.trivial.allow")

    # Real evaluations, each snapshot followed by as many calls to the trivial
    # policy with the same input: the bridge's share, measured under the same
    # conditions (interleaved, so machine noise hits both alike).
    findings = 0
    real_s = same_s = 0.0
    calls = 2 * len(RULES)
    for f in files:
        t0 = time.perf_counter()
        snapshot = json.loads(f.read_bytes())
        findings += evaluate(snapshot)
        t1 = time.perf_counter()
        for _ in range(calls):
            trivial.eval_document("bench.trivial.allow", snapshot)
        same_s += time.perf_counter() - t1
        real_s += t1 - t0

    # The same with one call per package (the whole package document, helper
    # rules included): the snapshot crosses the bridge twice instead of six times.
    def evaluate_packages(snapshot):
        findings = 0
        for package in (f"closeout.{snapshot['provider']}", "closeout.common"):
            doc = engine.eval_document(package, snapshot)
            findings += sum(len(doc.get(rule, ())) for rule in RULES)
        return findings

    t0 = time.perf_counter()
    findings_pkg = 0
    for f in files:
        findings_pkg += evaluate_packages(json.loads(f.read_bytes()))
    package_s = time.perf_counter() - t0

    sample = json.loads(files[0].read_bytes())
    t0 = time.perf_counter()
    for _ in range(args.calls):
        trivial.eval_document("bench.trivial.allow")
    noinput_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(args.calls):
        trivial.eval_document("bench.trivial.allow", sample)
    input_s = time.perf_counter() - t0

    print(json.dumps({
        "snapshots": len(files),
        "findings": findings,
        "prepare_s": prepare_s,
        "real_s": real_s,
        "package_s": package_s,
        "trivial_same_s": same_s,
        "findings_package_calls": findings_pkg,
        "calls_per_snapshot": 2 * len(RULES),
        "trivial_calls": args.calls,
        "trivial_noinput_s": noinput_s,
        "trivial_input_s": input_s,
        "trivial_input_bytes": len(json.dumps(sample, separators=(",", ":"))),
    }))


if __name__ == "__main__":
    main()
