#!/usr/bin/env python3
"""Cross-check closeout's two evaluators: the bytecode VM (the default) and the
tree-walking interpreter (the reference) must give byte-identical reports.

The VM of regorus 0.14 binds an undefined value where Rego says a statement
fails (docs/policy-authoring.md, "Two evaluators"); that shows on snapshots
with members missing. So the inputs here are, as one JSON Lines stream:

  - every fixture under fixtures/**/*.json;
  - every fixture once per object member, without that member (the mutants
    opa_crosscheck.py --drop-each-key makes);
  - COUNT synthetic snapshots from gen_snapshots.py (seeded).

Both runs use `closeout check --format jsonl --now NOW --jobs 1` on the same
stream; their outputs are compared line by line. Output: one `DIFF` block per
differing line (at most --show), then `N snapshots, M differ`.
Exit status: 0 identical, 1 some difference, 2 usage or setup error.

Usage: engine_crosscheck.py --closeout BIN [--repo DIR] [--count N]
                            [--seed S] [--now RFC3339] [--show K]
                            [--policy-dir DIR]
"""

import argparse
import json
import pathlib
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from opa_crosscheck import drop, object_key_pointers  # noqa: E402
from gen_snapshots import snapshot  # noqa: E402

REQUIRED = ("/provider", "/snapshot_id", "/schema_version", "/exported_at")



def snapshot_files(root):
    """The *.json files under root, as `closeout check` walks it: a directory
    holding closeout-import.toml is saved provider responses, not snapshots."""
    return sorted(
        p for p in root.rglob("*.json")
        if not any((d / "closeout-import.toml").exists() for d in p.parents if d.is_relative_to(root))
    )

def stream(repo, count, seed):
    """The snapshots, one compact JSON document per line."""
    for path in snapshot_files(repo / "fixtures"):
        document = json.loads(path.read_text(encoding="utf-8"))
        yield document
        for pointer in object_key_pointers(document):
            if pointer not in REQUIRED:
                yield drop(document, pointer)
    for index in range(count):
        yield snapshot(seed, index)


def run(closeout, engine, lines_path, now, policy_dir):
    packs = []
    if policy_dir:
        packs = ["--no-bundled"] + [
            arg for pack in sorted(pathlib.Path(policy_dir).iterdir()) if pack.is_dir()
            for arg in ("--policy", str(pack))
        ]
    try:
        done = subprocess.run(
            [closeout, "check", str(lines_path), "--format", "jsonl", "--now", now,
             "--jobs", "1", "--no-progress", "--engine", engine, *packs],
            capture_output=True, text=True, check=False,
        )
    except OSError as e:
        print(f"error: cannot run {closeout}: {e}", file=sys.stderr)
        sys.exit(2)
    if done.returncode not in (0, 1, 2) or not done.stdout:
        print(f"error: closeout --engine {engine} exited {done.returncode}: {done.stderr[-2000:]}",
              file=sys.stderr)
        sys.exit(2)
    return done.stdout.splitlines()


def comparable(line):
    """The line as both engines must write it: the summary's `run` names the
    engine, so it is the one member left out."""
    document = json.loads(line)
    if document.get("type") == "summary":
        document.pop("run", None)
    return json.dumps(document, sort_keys=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--closeout", required=True)
    parser.add_argument("--repo", default=str(HERE.parent))
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--now", default="2026-11-21T00:00:00Z")
    parser.add_argument("--show", type=int, default=5)
    parser.add_argument("--policy-dir", help="the packs in DIR/*/ instead of the bundled ones")
    args = parser.parse_args()
    repo = pathlib.Path(args.repo)
    with tempfile.TemporaryDirectory() as tmp:
        lines_path = pathlib.Path(tmp) / "crosscheck.jsonl"
        with lines_path.open("w", encoding="utf-8") as out:
            for document in stream(repo, args.count, args.seed):
                out.write(json.dumps(document, separators=(",", ":")) + "\n")
        vm = run(args.closeout, "vm", lines_path, args.now, args.policy_dir)
        interpreter = run(args.closeout, "interpreter", lines_path, args.now, args.policy_dir)
    if len(vm) != len(interpreter):
        print(f"DIFF: {len(vm)} lines from the VM, {len(interpreter)} from the interpreter")
        return 1
    differ = [(a, b) for a, b in zip(vm, interpreter) if comparable(a) != comparable(b)]
    for a, b in differ[: args.show]:
        print(f"DIFF\n  vm:          {a[:600]}\n  interpreter: {b[:600]}")
    results = sum(1 for line in vm if json.loads(line)["type"] != "summary")
    if results < 100:
        print(f"error: only {results} results: nothing was cross-checked", file=sys.stderr)
        return 2
    print(f"{results} snapshots, {len(differ)} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
