#!/usr/bin/env python3
"""Checks the HTML report as headless Chromium rendered it (the DOM after the
page's script ran), against the JSON report of the same run.

Usage: check_dom.py DOM.html REPORT.json CHROMIUM.log SCREENSHOT.png

The DOM was dumped from REPORT.html?verdict=blocked&provider=aptible&sort=source:desc,
so the script must have hidden every row but the blocked Aptible ones and
sorted the table by source, descending. Prints one line per check and
'N passed, N failed'; exits 1 on any failure.
"""
import json
import os
import sys
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def walk(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.walk()

    def classes(self):
        return (self.attrs.get("class") or "").split()


class Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.at = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.at)
        self.at.children.append(node)
        if tag not in VOID:
            self.at = node

    def handle_startendtag(self, tag, attrs):
        self.at.children.append(Node(tag, attrs, self.at))

    def handle_endtag(self, tag):
        node = self.at
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.at = node.parent

    def handle_data(self, data):
        self.at.children.append(data)


def main():
    dom_path, json_path, log_path, shot_path = sys.argv[1:5]
    tree = Tree()
    with open(dom_path, encoding="utf-8") as f:
        dom = f.read()
    tree.feed(dom)
    nodes = list(tree.root.walk())
    report = json.load(open(json_path, encoding="utf-8"))
    summary, results = report["summary"], report["results"]
    passed, failed = 0, 0

    def check(name, ok, detail=""):
        nonlocal passed, failed
        if ok:
            passed += 1
            print(f"ok   {name}")
        else:
            failed += 1
            print(f"FAIL {name}: {detail}")

    check("the DOM was dumped", len(dom) > 1000 and "<table" in dom, f"{len(dom)} bytes")
    body = next((n for n in nodes if n.tag == "body"), None)
    check("the page's script ran to its end", body is not None and body.attrs.get("data-ready") == "1",
          body.attrs if body else "no body")
    check("no script error on the page", body is not None and "data-script-errors" not in body.attrs,
          body.attrs.get("data-script-errors") if body else "")
    log = open(log_path, encoding="utf-8", errors="replace").read()
    console_errors = [l for l in log.splitlines() if "Uncaught" in l or ("CONSOLE" in l and "rror" in l)]
    check("no script error in Chromium's console", not console_errors, console_errors[:3])

    # Totals, as the JSON report of the same run counts them.
    totals = {n.attrs["data-total"]: n.text().strip() for n in nodes if "data-total" in n.attrs}
    expected = {
        "snapshots": summary["snapshots"], "eligible": summary["eligible"], "blocked": summary["blocked"],
        "warned": summary["warned"], "errors": summary["errors"],
        "waived": summary.get("waivers", {}).get("applied", 0),
    }
    check("the totals match the JSON report", totals == {k: str(v) for k, v in expected.items()},
          f"page {totals}, json {expected}")

    # The chart: a bar per blocking condition, its count the snapshots it blocks.
    blocking = {}
    for r in results:
        ids = {f["id"] for f in r["findings"] if f["kind"] == "block"
               and not (f.get("waiver") and f["waiver"]["status"] == "applied")}
        for i in ids:
            blocking[i] = blocking.get(i, 0) + 1
    bars = {n.attrs.get("data-id"): int(n.attrs.get("data-count", "-1")) for n in nodes
            if n.tag == "a" and "bar" in n.classes()}
    check("a chart bar per blocking condition, with its count", bars == blocking,
          f"bars {sorted(bars.items())[:5]}…, json {sorted(blocking.items())[:5]}…")
    rects = [n for n in nodes if n.tag == "rect"]
    check("every bar is drawn", len(rects) == len(blocking) and all(float(r.attrs.get("width", 0)) > 0 for r in rects),
          f"{len(rects)} rects")
    labelled = all(any(c.tag == "text" and c.text().startswith(n.attrs["data-id"] + " ") for c in n.walk())
                   for n in nodes if n.tag == "a" and "bar" in n.classes())
    check("every bar is labelled with its id and title", labelled)
    anchors = {n.attrs.get("id") for n in nodes}
    links = [n.attrs.get("href", "")[1:] for n in nodes if n.tag == "a" and "bar" in n.classes()]
    check("every bar links to its condition's accounts", links and all(l in anchors for l in links),
          [l for l in links if l not in anchors][:3])

    # The filter and the sort the script applied from the URL.
    rows = [n for n in nodes if n.tag == "tr" and "row" in n.classes()]
    check("the table holds every snapshot", len(rows) == len(results), f"{len(rows)} rows, {len(results)} results")
    visible = [r for r in rows if "hidden" not in r.attrs]
    want = [r for r in results if r["verdict"] == "blocked" and r["provider"] == "aptible"]
    check("the filter shows exactly the blocked Aptible snapshots",
          len(visible) == len(want) > 0 and all(r.attrs.get("data-verdict") == "blocked"
                                               and r.attrs.get("data-provider") == "aptible" for r in visible),
          f"{len(visible)} visible, {len(want)} expected")
    shown = next((n.text() for n in nodes if n.attrs.get("id") == "shown"), "")
    check("the filter's count is shown", shown == f"{len(want)} of {len(results)} shown", shown)
    sources = [next(c for c in r.walk() if c.attrs.get("data-key") == "source").text() for r in visible]
    check("the table is sorted by source, descending", sources == sorted(sources, reverse=True) and len(sources) > 1,
          sources[:3])
    controls = next((n for n in nodes if n.attrs.get("id") == "controls"), None)
    check("the script showed the controls", controls is not None and "hidden" not in controls.attrs)

    # The injection case: a resource named <script>alert(1)</script> is text.
    scripts = [n for n in nodes if n.tag == "script"]
    check("the page holds only its own script", len(scripts) == 1, f"{len(scripts)} script elements")
    check("the injected name is shown as text", "<script>alert(1)</script>" in tree.root.text())
    injected = [n for n in nodes if n.tag in ("img", "iframe", "object", "embed")]
    check("no element came from a value", not injected, [n.tag for n in injected])

    # Every account has its section, with findings and plans.
    sections = [n for n in nodes if n.tag == "section" and "account" in n.classes()]
    check("a section per snapshot", len(sections) == len(results), f"{len(sections)} sections")
    findings = sum(1 for n in nodes if n.tag == "article" and "finding" in n.classes())
    check("every finding is shown", findings == sum(len(r["findings"]) for r in results), findings)
    steps = sum(1 for n in nodes if n.tag == "ol" and "plan" in n.classes() for c in n.children
                if isinstance(c, Node) and c.tag == "li")
    check("every fix plan step is shown", steps == sum(len(r["plan"]) for r in results), steps)

    size = os.path.getsize(shot_path) if os.path.exists(shot_path) else 0
    with open(shot_path, "rb") as f:
        png = f.read(8)
    check("a screenshot was taken", size > 10_000 and png == b"\x89PNG\r\n\x1a\n", f"{size} bytes")

    print(f"browser: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
