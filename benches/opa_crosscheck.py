#!/usr/bin/env python3
"""Cross-check closeout (regorus) against real OPA (Go), fixture by fixture.

For every fixture under fixtures/**/*.json this evaluates, with the Go OPA
engine embedded in the `opa-golib-python-bindings` wheel, the rules deny, warn
and info of the snapshot's provider package and of closeout.common (an
undefined rule counts as the empty set), with the same data.closeout.context
closeout uses for `--now`, and compares the set of (rule, id, msg, pointer)
with what `closeout check --format json` reports (findings: kind -> rule, id,
message, pointer).

Before that it runs OPA's own parser (Rego v1, the default of OPA 1.x) and
compiler over every policy file, tests included, and runs every `test_*` rule
of the *_test.rego files in OPA, the way `opa test` does (no data loaded but
what the tests themselves supply with `with`).

Output: one `FAIL <fixture>: ...` line per fixture that differs, each followed
by indented detail lines, then a final line `N passed, M failed`.
Exit status: 0 when everything agrees, 1 on any difference, 2 on a usage or
setup error. Needs the wheel unpacked on sys.path (see opa-crosscheck.sh,
which installs it; `--wheel-dir DIR` adds DIR to sys.path).

Usage: opa_crosscheck.py [--repo DIR] [--closeout BIN] [--now RFC3339]
                         [--max-export-age DAYS] [--wheel-dir DIR] [--verbose]
                         [--policy-dir DIR] [--bundled] [--drop-each-key]
                         [--skip-tests] [SNAPSHOT-FILE-OR-DIR...]
Both engines load the same files: OPA the non-test modules of --policy-dir
(default REPO/policies), closeout the same directory through
`--no-bundled --policy DIR`, so a binary built before a policy edit still
compares the policies as they are on disk.
With no SNAPSHOT argument the fixtures are checked; with some, those instead
(e.g. a directory written by gen_snapshots.py --dir).
"""

import argparse
import collections
import copy
import datetime
import json
import os
import pathlib
import subprocess
import sys
import tempfile

RULES = ("deny", "warn", "info")
KIND_TO_RULE = {"block": "deny", "warn": "warn", "info": "info"}
DEFAULT_NOW = "2026-11-21T00:00:00Z"



def snapshot_files(root):
    """The *.json files under root, as `closeout check` walks it: a directory
    holding closeout-import.toml is saved provider responses, not snapshots."""
    return sorted(
        p for p in root.rglob("*.json")
        if not any((d / "closeout-import.toml").exists() for d in p.parents if d.is_relative_to(root))
    )

def rfc3339_to_ns(text):
    """RFC 3339 -> nanoseconds since the epoch, exact (fractions kept)."""
    t = text.strip()
    if t[-1] in "Zz":
        t = t[:-1] + "+00:00"
    date_time, frac = t, ""
    # split an optional fraction so that nanoseconds survive (datetime keeps µs)
    if "." in t:
        head, rest = t.split(".", 1)
        digits = ""
        while rest and rest[0].isdigit():
            digits += rest[0]
            rest = rest[1:]
        date_time, frac = head + rest, digits
    dt = datetime.datetime.fromisoformat(date_time)
    if dt.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset")
    seconds = int(dt.timestamp())
    nanos = int((frac + "000000000")[:9]) if frac else 0
    return seconds * 1_000_000_000 + nanos


def load_opa(wheel_dir):
    if wheel_dir:
        sys.path.insert(0, wheel_dir)
    from opa_bindings.engine import OpaEngine, OpaError, OpaUndefinedError  # noqa: E402

    return OpaEngine, OpaError, OpaUndefinedError


def rego_files(policy_dir):
    files = sorted(policy_dir.rglob("*.rego"))
    policies = [f for f in files if not f.name.endswith("_test.rego")]
    tests = [f for f in files if f.name.endswith("_test.rego")]
    return policies, tests


def rel(repo, path):
    try:
        return str(path.relative_to(repo))
    except ValueError:
        return str(path)


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.by_condition = collections.Counter()

    def ok(self, verbose, line):
        self.passed += 1
        if verbose:
            print(f"ok   {line}")

    def fail(self, line, details=()):
        self.failed += 1
        print(f"FAIL {line}")
        for d in details:
            print(f"       {d}")
        sys.stdout.flush()


def parse_module_ast(engine, path, text):
    """OPA's own AST of a module (rule names), via the rego.parse_module built-in."""
    # eval_query takes no bindings: the module goes in as input
    rs = engine.eval_query("x := rego.parse_module(input.p, input.s)", {"p": path, "s": text})
    return rs[0]["x"]


def package_of(ast):
    parts = ast["package"]["path"][1:]  # drop `data`
    return ".".join(p["value"] for p in parts)


def rule_names(ast):
    names = []
    for rule in ast.get("rules", []):
        ref = rule["head"].get("ref") or [{"type": "var", "value": rule["head"].get("name")}]
        name = ref[0]["value"]
        if name not in names:
            names.append(name)
    return names


def check_parse_compile_and_tests(args, repo, OpaEngine, OpaError, OpaUndefinedError, report):
    """OPA's parser and compiler on every policy (tests included), then the tests."""
    policies, tests = rego_files(args.policy_dir)
    helper = OpaEngine()  # empty engine, only for rego.parse_module
    engine = OpaEngine()
    asts = {}
    for f in policies + tests:
        name = rel(repo, f)
        text = f.read_text(encoding="utf-8")
        try:
            engine.add_policy(name, text)  # ast.ParseModule: Rego v1 unless the module says otherwise
            asts[name] = parse_module_ast(helper, name, text)
        except OpaError as e:
            report.fail(f"{name}: OPA's v1 parser rejects it", [str(e)])
            continue
        report.ok(args.verbose, f"{name}: parses as Rego v1 in OPA")
    helper.close()
    # Compile everything together (type checking, safety, conflicts): the
    # bridge compiles on the first eval of a query.
    try:
        engine.eval_query("true")
        report.ok(args.verbose, "policies/**/*.rego: compile together in OPA")
    except OpaError as e:
        report.fail("policies/**/*.rego: OPA's compiler rejects the set", str(e).splitlines())
        engine.close()
        return
    # Tests, as `opa test` runs them: no data but what the tests supply.
    with_context = None
    for f in tests:
        name = rel(repo, f)
        ast = asts.get(name)
        if ast is None:
            continue
        package = package_of(ast)
        # One query for the whole test package (each distinct query is a
        # compilation in the bridge); rule by rule only if that fails.
        try:
            whole = engine.eval_document(package)
        except OpaError:
            whole = None
        for rule in rule_names(ast):
            if not rule.startswith("test_"):
                continue
            path = f"{package}.{rule}"
            if whole is not None:
                outcome = None if whole.get(rule) is True else (
                    "undefined (a condition in the test did not hold)" if rule not in whole
                    else f"evaluated to {json.dumps(whole[rule])}")
            else:
                outcome = run_test(engine, path, OpaError, OpaUndefinedError)
            if outcome is None:
                report.ok(args.verbose, f"{name}: data.{path} passes in OPA")
                continue
            # Would it pass with closeout's context loaded (as cargo test runs it)?
            if with_context is None:
                with_context = OpaEngine()
                for g in policies + tests:
                    with_context.add_policy(rel(repo, g), g.read_text(encoding="utf-8"))
                with_context.add_data(args.context, path="closeout.context")
            again = run_test(with_context, path, OpaError, OpaUndefinedError)
            note = (
                "passes only with data.closeout.context loaded (opa test has none)"
                if again is None
                else f"with closeout's context too: {again}"
            )
            report.fail(f"{name}: data.{path} fails in OPA: {outcome}", [note])
    engine.close()
    if with_context is not None:
        with_context.close()


def run_test(engine, path, OpaError, OpaUndefinedError):
    """None when the test passes, else why not."""
    try:
        value = engine.eval_document(path)
    except OpaUndefinedError:
        return "undefined (a condition in the test did not hold)"
    except OpaError as e:
        return f"error: {e}"
    if value is True:
        return None
    return f"evaluated to {json.dumps(value)}"


def closeout_results(args, repo, fixture_paths, chunk=2000):
    """source -> result of `closeout check --format json`, a few thousand files a run."""
    results = {}
    names = [rel(repo, p) for p in fixture_paths]
    for start in range(0, len(names), chunk):
        cmd = [
            args.closeout, "check", "--format", "json", "--no-redact", "--now", args.now,
            "--max-export-age", str(args.max_export_age), "--color", "never",
        ] + ([] if args.bundled else ["--no-bundled", "--policy", str(args.policy_dir)]) + names[start:start + chunk]
        proc = subprocess.run(cmd, cwd=repo, capture_output=True, text=True)
        if proc.returncode not in (0, 1, 2):
            sys.exit(f"error: closeout check exited {proc.returncode}: {proc.stderr.strip()}")
        try:
            doc = json.loads(proc.stdout)
        except json.JSONDecodeError as e:
            sys.exit(f"error: closeout printed no JSON document ({e}); stderr: {proc.stderr.strip()}")
        results.update((r["source"], r) for r in doc["results"])
    return results


def closeout_reads(args, repo):
    """What each condition reads, as closeout passes it at data.closeout.reads:
    {package name after "closeout.": {id: [paths]}}, from `closeout conditions`."""
    cmd = [args.closeout, "conditions", "--format", "json"] + (
        [] if args.bundled else ["--no-bundled", "--policy", str(args.policy_dir)])
    proc = subprocess.run(cmd, cwd=repo, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"error: closeout conditions exited {proc.returncode}: {proc.stderr.strip()}")
    reads = {}
    for c in json.loads(proc.stdout):
        package = c["package"].removeprefix("closeout.")
        reads.setdefault(package, {})[c["id"]] = c["reads"]
    return reads


def without_nulls(value):
    """The snapshot as closeout hands it to the policies: null members of
    objects left out (SNAPSHOT.md: null means absent)."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def finding_line(t):
    rule, fid, msg, pointer = t
    return f"{rule} {fid} msg={json.dumps(msg, ensure_ascii=False)} pointer={pointer}"


def opa_findings(engine, package, snapshot, OpaError, OpaUndefinedError):
    """Counter of (rule, id, msg, pointer), or raises OpaError."""
    found = collections.Counter()
    problems = []
    for rule in RULES:
        try:
            value = engine.eval_document(f"{package}.{rule}", snapshot)
        except OpaUndefinedError:
            continue  # an undefined rule is the empty set
        if not isinstance(value, list):
            problems.append(f"data.{package}.{rule} is {json.dumps(value)}, not a set")
            continue
        for item in value:
            if not isinstance(item, dict) or set(item) != {"id", "msg", "pointer"}:
                problems.append(f"data.{package}.{rule} holds {json.dumps(item)}, not {{id, msg, pointer}}")
                continue
            found[(rule, item["id"], item["msg"], item["pointer"])] += 1
    return found, problems


def snapshot_paths(repo, extra):
    if not extra:
        return snapshot_files(repo / "fixtures")
    paths = []
    for e in extra:
        p = pathlib.Path(e).resolve()
        paths += snapshot_files(p) if p.is_dir() else [p]
    return paths


def escape_token(key):
    return key.replace("~", "~0").replace("/", "~1")


def object_key_pointers(value, pointer=""):
    """RFC 6901 pointers of every object member, parents before children."""
    if isinstance(value, dict):
        for k, v in value.items():
            p = f"{pointer}/{escape_token(k)}"
            yield p
            yield from object_key_pointers(v, p)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from object_key_pointers(v, f"{pointer}/{i}")


def drop(document, pointer):
    doc = copy.deepcopy(document)
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]
    parent = doc
    for t in tokens[:-1]:
        parent = parent[int(t)] if isinstance(parent, list) else parent[t]
    del parent[tokens[-1]]
    return doc


def write_drop_mutants(paths, out_dir):
    """One snapshot per (fixture, object member): the fixture without that member."""
    written = []
    for f in paths:
        document = json.loads(f.read_text(encoding="utf-8"))
        for n, pointer in enumerate(object_key_pointers(document)):
            if pointer in ("/provider", "/snapshot_id", "/schema_version", "/exported_at"):
                continue  # required at the top: every such mutant is a schema error
            target = out_dir / f"{f.parent.name}--{f.stem}--{n:04d}.json"
            mutant = drop(document, pointer)
            mutant["x_dropped"] = pointer  # unknown fields are kept and ignored by the policies
            target.write_text(json.dumps(mutant, indent=1), encoding="utf-8")
            written.append(target)
    return written


def check_fixtures(args, repo, OpaEngine, OpaError, OpaUndefinedError, report):
    fixtures = snapshot_paths(repo, args.snapshots)
    if not fixtures:
        report.fail("fixtures/: no fixture found")
        return
    if args.drop_each_key:
        tmp = tempfile.TemporaryDirectory(prefix="opa-crosscheck-")
        fixtures = write_drop_mutants(fixtures, pathlib.Path(tmp.name))
        print(f"{len(fixtures)} snapshots derived by dropping one object member each", flush=True)
    closeout = closeout_results(args, repo, fixtures)
    policies, _ = rego_files(args.policy_dir)
    engine = OpaEngine()
    for f in policies:  # the non-test modules only, as closeout loads them
        engine.add_policy(rel(repo, f), f.read_text(encoding="utf-8"))
    engine.add_data(args.context, path="closeout.context")
    engine.add_data(closeout_reads(args, repo), path="closeout.reads")
    for f in fixtures:
        name = rel(repo, f)
        snapshot = without_nulls(json.loads(f.read_text(encoding="utf-8")))
        result = closeout.get(name)
        if result is None:
            report.fail(f"{name}: missing from closeout's output")
            continue
        if result.get("error"):
            if args.drop_each_key and result["error"].get("kind") == "schema":
                report.skipped += 1  # the dropped member is required: not a snapshot
                continue
            report.fail(f"{name}: closeout reports an error", [json.dumps(result["error"])])
            continue
        if args.drop_each_key:
            name = f"{name} (without {snapshot['x_dropped']})"
        provider = snapshot.get("provider")
        expected = collections.Counter(
            (KIND_TO_RULE.get(x["kind"], x["kind"]), x["id"], x["message"], x["pointer"])
            for x in result["findings"]
        )
        got = collections.Counter()
        problems = []
        for package in (f"closeout.{provider}", "closeout.common"):
            try:
                found, bad = opa_findings(engine, package, snapshot, OpaError, OpaUndefinedError)
            except OpaError as e:
                problems.append(f"OPA cannot evaluate data.{package}: {e}")
                continue
            got.update(found)
            problems.extend(bad)
        only_closeout = sorted((expected - got).elements())
        only_opa = sorted((got - expected).elements())
        if not (only_closeout or only_opa or problems):
            report.ok(args.verbose, f"{name}: {sum(got.values())} finding(s) agree")
            continue
        details = list(problems)
        # pair up findings that differ only in msg or pointer, for a readable report
        paired = set()
        for a in only_closeout:
            for b in only_opa:
                if b in paired or a[:2] != b[:2]:
                    continue
                if a[3] == b[3]:
                    details.append(f"{a[0]} {a[1]} at {a[3]}: msg differs")
                    details.append(f"    closeout (regorus): {json.dumps(a[2], ensure_ascii=False)}")
                    details.append(f"    OPA:                {json.dumps(b[2], ensure_ascii=False)}")
                elif a[2] == b[2]:
                    details.append(f"{a[0]} {a[1]}: pointer differs: closeout {a[3]}, OPA {b[3]}")
                else:
                    continue
                paired.update((a, b))
                break
        details += [f"only in closeout (regorus): {finding_line(a)}" for a in only_closeout if a not in paired]
        details += [f"only in OPA:                {finding_line(b)}" for b in only_opa if b not in paired]
        report.by_condition.update({t[1] for t in only_closeout + only_opa})
        report.fail(
            f"{name}: {len(only_closeout)} finding(s) only in closeout, {len(only_opa)} only in OPA"
            + (f", {len(problems)} problem(s)" if problems else ""),
            details,
        )
    engine.close()


def main():
    here = pathlib.Path(__file__).resolve().parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repo", default=str(here.parent), help="closeout checkout (default: ..)")
    ap.add_argument("--closeout", default=None, help="closeout binary (default: REPO/target/release/closeout)")
    ap.add_argument("--now", default=DEFAULT_NOW)
    ap.add_argument("--max-export-age", type=int, default=7)
    ap.add_argument("--wheel-dir", default=os.environ.get("OPA_WHEEL_DIR"),
                    help="directory holding the unpacked opa_bindings package")
    ap.add_argument("--skip-tests", action="store_true", help="do not parse policies or run Rego tests in OPA")
    ap.add_argument("--policy-dir", default=None,
                    help="the policy files both engines load (default: REPO/policies); closeout gets them "
                         "with --no-bundled --policy DIR")
    ap.add_argument("--bundled", action="store_true",
                    help="let closeout use the policies compiled into the binary instead (they must match "
                         "--policy-dir for the comparison to mean anything)")
    ap.add_argument("--verbose", "-v", action="store_true", help="also print what agrees")
    ap.add_argument("--drop-each-key", action="store_true",
                    help="instead of the snapshots themselves, check every variant of them that lacks one "
                         "object member (variants the schema rejects are skipped)")
    ap.add_argument("snapshots", nargs="*",
                    help="snapshot files or directories to cross-check instead of fixtures/**/*.json")
    args = ap.parse_args()

    repo = pathlib.Path(args.repo).resolve()
    args.policy_dir = pathlib.Path(args.policy_dir).resolve() if args.policy_dir else repo / "policies"
    args.closeout = args.closeout or str(repo / "target" / "release" / "closeout")
    if not os.access(args.closeout, os.X_OK):
        sys.exit(f"error: no closeout binary at {args.closeout} (cargo build --release)")
    now_ns = rfc3339_to_ns(args.now)
    # closeout's Context::as_data(): now as given, now_ns, max_export_age_days
    args.context = {"now": args.now, "now_ns": now_ns, "max_export_age_days": args.max_export_age}
    if args.now == DEFAULT_NOW:
        assert now_ns == 1795219200000000000, now_ns

    try:
        OpaEngine, OpaError, OpaUndefinedError = load_opa(args.wheel_dir)
        OpaEngine().close()
    except Exception as e:  # ImportError, OSError from ctypes
        # A cross-check that cannot run fails: it never passes by skipping.
        print(f"error: the OPA binding cannot be loaded ({type(e).__name__}: {e})")
        return 2

    policy_report = Report()
    if not args.skip_tests:
        check_parse_compile_and_tests(args, repo, OpaEngine, OpaError, OpaUndefinedError, policy_report)
        print(f"OPA parser, compiler and Rego tests: {policy_report.passed} ok, {policy_report.failed} not ok")
    report = Report()
    check_fixtures(args, repo, OpaEngine, OpaError, OpaUndefinedError, report)
    if report.by_condition:
        print("differences by condition: " + ", ".join(f"{k} x{v}" for k, v in sorted(report.by_condition.items())))
    # the closing line counts snapshots; any policy/test problem above also fails the run
    print(f"{report.passed} passed, {report.failed} failed" + (f", {report.skipped} skipped" if report.skipped else ""))
    return 1 if report.failed or policy_report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
