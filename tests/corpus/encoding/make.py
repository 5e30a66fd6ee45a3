#!/usr/bin/env python3
"""Writes the byte-exact inputs of this corpus class (see cases.toml) from
fixtures/sipstation/eligible-whole-account.json, an eligible snapshot with no
finding. Run from the repository root: python3 tests/corpus/encoding/make.py"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
BASE = json.load(open(os.path.join(HERE, "../../../fixtures/sipstation/eligible-whole-account.json")))
TEXT = json.dumps(BASE, indent=2, ensure_ascii=False) + "\n"
LINE = json.dumps(BASE, ensure_ascii=False)
BOM = b"\xef\xbb\xbf"


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def utf8(text):
    return text.encode("utf-8")


def with_name(text, raw):
    """The text with the account name "Brightline Realty" replaced by raw bytes."""
    head, tail = utf8(text).split(b"Brightline Realty", 1)
    return head + raw + tail


write("bom.json", BOM + utf8(TEXT))
write("bom-crlf.json", BOM + utf8(TEXT.replace("\n", "\r\n")))
write("bom-only.json", BOM)
write("bom-schema-error.json", BOM + utf8(LINE.replace('"schema_version": 1', '"schema_version": 2', 1)))
write("bom.jsonl", BOM + utf8(LINE + "\n" + LINE + "\n"))
write("bom-error.jsonl", BOM + utf8(LINE.replace('"schema_version": 1', '"schema_version": 2', 1) + "\n"))
write("bom-later-line.jsonl", utf8(LINE + "\n") + BOM + utf8(LINE + "\n" + LINE + "\n"))
for codec, name in [
    ("utf-16-le", "utf16le"),
    ("utf-16-be", "utf16be"),
    ("utf-32-le", "utf32le"),
    ("utf-32-be", "utf32be"),
]:
    write(f"{name}.json", TEXT.encode(codec))
    mark = "\ufeff".encode(codec)
    write(f"{name}-bom.json", mark + TEXT.encode(codec))
write("utf16le.jsonl", (LINE + "\n" + LINE + "\n").encode("utf-16-le"))
write("utf16le-bom.jsonl", "\ufeff".encode("utf-16-le") + (LINE + "\n").encode("utf-16-le"))
# Latin-1 and Windows-1252 bytes are not UTF-8.
write("latin1.json", with_name(TEXT, "Brightline Réalty".encode("latin-1")))
write("cp1252-quote.json", with_name(TEXT, b"\x93Brightline\x94 Realty"))
# An overlong encoding of "/" (C0 AF), a UTF-16 surrogate encoded in UTF-8
# (ED A0 80), and a character cut short at the end of the file (E2 82).
write("overlong.json", with_name(TEXT, b"Brightline \xc0\xafRealty"))
write("surrogate.json", with_name(TEXT, b"Brightline \xed\xa0\x80Realty"))
write("truncated-character.json", utf8(TEXT) + b"\xe2\x82")
# Line 2: "é" (valid), then a stray 0xFF; lines 1 and 3 are fine.
line2 = utf8(LINE).replace(b"Brightline Realty", "Brightline Ré".encode() + b"\xffalty", 1)
write("invalid-utf8.jsonl", utf8(LINE + "\n") + line2 + b"\n" + utf8(LINE + "\n"))
write("nul-first.json", b"\x00" + utf8(TEXT))
write("lone-surrogate-escape.json", with_name(TEXT, b"Brightline \\ud800 Realty"))
