#!/usr/bin/env python3
"""Writes the starting seeds of corpus/<target>/ from the repository's own
fixtures, test data, policies and README. Run once before a first campaign;
after a campaign, corpus/ holds the minimised corpus instead (README.md)."""

import json
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"


def put(target, name, data):
    path = CORPUS / target / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())


# snapshot: every provider's eligible fixtures and one blocked one, and the
# invalid test inputs (syntax, encoding, contract).
fixtures = sorted(ROOT.glob("fixtures/*/*.json"))
for path in fixtures:
    if path.name.startswith("eligible-clean") or path.name in (
        "blocked-full-stack.json",
        "blocked-vouchers.json",
        "blocked-mixed.json",
        "blocked-contract-term.json",
        "blocked-legal-hold.json",
    ):
        put("snapshot", f"{path.parent.name}-{path.name}", path.read_bytes())
for path in sorted(ROOT.glob("tests/data/*/*.json")):
    if path.stat().st_size < 20_000:
        put("snapshot", f"{path.parent.name}-{path.name}", path.read_bytes())

# locator: small fixtures, and texts with escapes, repeats and a pointer after NUL.
for path in fixtures[::6]:
    put("locator", f"{path.parent.name}-{path.name}", path.read_bytes())
put("locator", "escapes", '{"a/b": {"m~n": [1, {"id": "x\\"y", "v": "\\u00e9"}]}, "é": 2}')
put("locator", "repeated", '{"k": 1, "k": {"id": 3}, "list": [[], {}, "", null]}')
put("locator", "pointer-missing", b'{"a": {"b": [0, 1]}}\x00/a/b/7/c')
put("locator", "pointer-escaped", b'{"a/b": {"~": true}}\x00/a~1b/~0')
put("locator", "pointer-index", b'[10, [20, 21]]\x00/1/01')
put("locator", "scalar", b'  "text"  \x00/x')

# jsonl: fixtures one per line, blank and CRLF lines, a bad line.
lines = [json.dumps(json.loads(p.read_text()), separators=(",", ":")) for p in fixtures[::10]]
put("jsonl", "three", "\n".join(lines[:3]) + "\n")
put("jsonl", "blank-crlf", "\r\n\r\n" + lines[3] + "\r\n   \r\n" + lines[4] + "\r\n")
put("jsonl", "bad-line", lines[5] + "\n{\"provider\": \n" + lines[6])
put("jsonl", "empty", "\n \n\t\n")
put("jsonl", "bom", b"\xef\xbb\xbf" + lines[7].encode() + b"\n")
put("jsonl", "not-utf8", lines[0].encode()[:40] + b"\xff\xfe" + b"\n" + lines[1].encode())
golden = ROOT / "tests/data/golden/report.jsonl"
put("jsonl", "report", golden.read_bytes()[:8000])

# annotations: whole small packs, the head of each big pack, the test packs.
for path in sorted(ROOT.glob("policies/*/*.rego")):
    if path.name.endswith("_test.rego"):
        continue
    text = path.read_text()
    if len(text) < 8000:
        put("annotations", path.name, text)
    # The package, imports and the first two annotated rules.
    blocks = re.split(r"(?m)^(?=# METADATA$)", text)
    put("annotations", f"head-{path.name}", "".join(blocks[:3]))
for path in sorted(ROOT.glob("tests/data/policies/*/*.rego")):
    put("annotations", f"{path.parent.name}.rego", path.read_bytes())
two = (ROOT / "policies/common/common.rego").read_text()
put("annotations", "two-files", "".join(re.split(r"(?m)^(?=# METADATA$)", two)[:2]) + "\0" + (
    "package closeout.demo\n\n# METADATA\n# title: T\n# related_resources:\n#   - ref: x\n"
    "# custom:\n#   id: DEM-001\n#   kind: warn\n#   remediation: r\n#   after: [GEN-001]\n"
    'warn contains {"id": "DEM-001"} if true\n'
))

# config: the README's example and the unit tests' good file.
readme = (ROOT / "README.md").read_text()
example = readme.split("## Waivers and defaults", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
put("config", "readme", example)
config_rs = (ROOT / "src/config.rs").read_text()
good = config_rs.split('const GOOD: &str = r#"', 1)[1].split('"#;', 1)[0]
put("config", "unit-good", good)
put("config", "empty", "")
put("config", "defaults-only", '[defaults]\nfail_on = "block"\nmax_export_age_days = 0\n')
put("config", "bad-date", '[[waiver]]\nid = "X-001"\naccount = "a"\nreason = "r"\n'
    'approved_by = "b"\nexpires = 2026-02-30T10:00:00Z\n')
