"""Hostile files and user mistakes through the real CLI: `error: FILE: ...` (row and column
where they apply), exit 1 or 2, never a traceback; the resource cases within seconds and under
1 GiB (docs/security.md, "Hostile files and user mistakes")."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli
from workbench.core.limits import LIMITS

SECONDS = 20          # wall clock allowed for a refused hostile file, generous for CI
PEAK = 1 << 30        # peak RSS allowed while refusing it

# ------------------------------------------------------------------------------------------
# the corpus, written at test time

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
    '+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/></Types>')
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Register" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
_SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
_PARTS = {"[Content_Types].xml": _CONTENT_TYPES, "_rels/.rels": _RELS,
          "xl/workbook.xml": _WORKBOOK, "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS}


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


_HEADER = '<row r="1">' + _cell("A1", "Reference") + _cell("B1", "Date received") + "</row>"
_ROW2 = '<row r="2">' + _cell("A2", "A-1") + _cell("B2", "2024-04-01") + "</row>"


def _xlsx(path: Path, rows: str, before: str = "") -> Path:
    """A minimal workbook whose one sheet holds ``rows`` (after ``before``, e.g. a dimension)."""
    sheet = f"{_SHEET_HEAD}{before}<sheetData>{rows}</sheetData></worksheet>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in {**_PARTS, "xl/worksheets/sheet1.xml": sheet}.items():
            zf.writestr(name, text)
    return path


def _bomb(path: Path, unpacked_mb: int, declare: int | None = None) -> Path:
    """A workbook whose sheet unpacks to ``unpacked_mb`` MiB of rows from a few MiB: one fully
    flushed deflate block repeated, written by hand (zipfile would take a minute). ``declare``
    is the size its headers claim (a forged zip) instead of the true one."""
    prefix = (_SHEET_HEAD + "<sheetData>" + _HEADER).encode()
    row = b'<row><c t="inlineStr"><is><t>A-1</t></is></c></row>'
    block = row * ((16 << 20) // len(row))
    repeats = (unpacked_mb << 20) // len(block)
    suffix = b"</sheetData></worksheet>"

    def deflated(data: bytes, end: int) -> bytes:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        return packer.compress(data) + packer.flush(end)

    head, body = deflated(prefix, zlib.Z_FULL_FLUSH), deflated(block, zlib.Z_FULL_FLUSH)
    tail = deflated(suffix, zlib.Z_FINISH)
    crc = zlib.crc32(prefix)
    for _ in range(repeats):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(suffix, crc)
    size = len(prefix) + len(block) * repeats + len(suffix)
    members = []
    with open(path, "wb") as fh:
        def member(name: str, parts, crc: int, packed: int, unpacked: int) -> None:
            members.append((name.encode(), crc, packed, unpacked, fh.tell()))
            fh.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, packed,
                                 unpacked, len(name), 0) + name.encode())
            for part in parts:
                fh.write(part)

        for name, text in _PARTS.items():
            data = text.encode()
            packed = deflated(data, zlib.Z_FINISH)
            member(name, [packed], zlib.crc32(data), len(packed), len(data))
        member("xl/worksheets/sheet1.xml", [head, *([body] * repeats), tail], crc,
               len(head) + len(body) * repeats + len(tail), declare or size)
        directory = fh.tell()
        for name, crc, packed, unpacked, offset in members:
            fh.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc,
                                 packed, unpacked, len(name), 0, 0, 0, 0, 0, offset) + name)
        end = fh.tell()
        fh.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members),
                             end - directory, directory, 0))
    return path


def _ods(path: Path, rows: str) -> Path:
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               '<office:body><office:spreadsheet><table:table table:name="Register">'
               f"{rows}</table:table></office:spreadsheet></office:body>"
               "</office:document-content>")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


def _ods_cell(text: str, repeat: int = 1) -> str:
    times = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    return (f'<table:table-cell office:value-type="string"{times}><text:p>{text}</text:p>'
            "</table:table-cell>")


CSV_HEAD = "Reference,Date received,Summary\n"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    _bomb(folder / "bomb.xlsx", 1500)
    _bomb(folder / "ratio.xlsx", 300)
    _bomb(folder / "forged.xlsx", 1500, declare=2_000)
    far = '<row r="1048576">' + _cell("XFD1048576", "x") + "</row>"
    _xlsx(folder / "far.xlsx", _HEADER + _ROW2 + far)
    # the same far cell as calamine also reads it: another attribute first, lower case, a
    # namespace prefix, or a row of cells without references after a far row
    _xlsx(folder / "far-attr.xlsx", _HEADER + '<row r="1048576"><c t="inlineStr" '
          'r="XFD1048576"><is><t>x</t></is></c></row>')
    _xlsx(folder / "far-lower.xlsx", _HEADER + '<row r="1048576">'
          + _cell("xfd1048576", "x") + "</row>")
    _xlsx(folder / "far-prefix.xlsx", _HEADER + '<x:row xmlns:x="http://schemas.openxmlformats'
          '.org/spreadsheetml/2006/main" r="1048576"><x:c r="XFD1048576" t="inlineStr"><x:is>'
          "<x:t>x</x:t></x:is></x:c></x:row>")
    _xlsx(folder / "far-refless.xlsx", _HEADER + '<row r="1048576">'
          + '<c t="inlineStr"><is><t>x</t></is></c>' * 16_384 + "</row>")
    _xlsx(folder / "declared.xlsx", _HEADER + _ROW2, before='<dimension ref="A1:XFD1048576"/>')
    rows = "".join('<table:table-row table:number-rows-repeated="1048570">'
                   + _ods_cell("x", 16_384) + "</table:table-row>")
    _ods(folder / "far.ods", '<table:table-row>' + _ods_cell("Reference")
         + _ods_cell("Date received") + "</table:table-row>" + rows)
    with gzip.open(folder / "newlines.csv.gz", "wb", compresslevel=9) as fh:
        fh.write(CSV_HEAD.encode() + b"A-1,01/04/2024,x\n")
        for _ in range(6):
            fh.write(b"\n" * (16 << 20))
    (folder / "blank-lines.csv").write_bytes(CSV_HEAD.encode() + b"\n" * 2_500_000)
    laughs = ["columns: {reference: Reference}",
              "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    laughs += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    (folder / "laughs.yaml").write_text("\n".join(laughs) + "\nvalues: {outcome: *a9}\n")
    (folder / "merge-laughs.yaml").write_text(
        "a0: &a0 {k: v}\n" + "".join(f"a{i}: &a{i} {{<<: [{', '.join([f'*a{i - 1}'] * 9)}]}}\n"
                                     for i in range(1, 10)) + "columns: *a9\n")
    (folder / "deep-flow.yaml").write_text("columns: " + "[" * 5_000 + "]" * 5_000 + "\n")
    (folder / "deep-block.yaml").write_text(
        "columns:\n" + "".join(" " * i + "- \n" for i in range(1, 3_000)))
    (folder / "self.yaml").write_text("columns: &a {reference: *a}\n")
    (folder / "ok.csv").write_text(CSV_HEAD + "A-1,01/04/2024,fine\n")
    return folder


# ------------------------------------------------------------------------------------------
# how a run is judged

_MEASURE = ("import resource, subprocess, sys\n"
            "done = subprocess.run(sys.argv[2:])\n"
            "with open(sys.argv[1], 'w') as fh:\n"
            "    fh.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
            "sys.exit(done.returncode)\n")


def measured(tmp_path: Path, *args: str, env: dict[str, str] | None = None
             ) -> tuple[subprocess.CompletedProcess, float, int]:
    """The CLI run in a process of its own, with its wall-clock seconds and peak RSS in bytes
    (ru_maxrss of the children of a wrapper that runs nothing else)."""
    rss = tmp_path / f"rss-{time.monotonic_ns()}"
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(rss), sys.executable, "-m",
                           "workbench", *args], cwd=ROOT, env={**os.environ, **(env or {})},
                          capture_output=True, text=True, timeout=300)
    return done, time.monotonic() - start, int(rss.read_text()) * 1024


def refused(done: subprocess.CompletedProcess, path: Path | str, *words: str,
            code: int = 2) -> str:
    """The run was an `error:` naming ``path`` and ``words``, exit ``code``, no traceback."""
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    assert done.stderr.startswith(f"error: {path}"), done.stderr
    for word in words:
        assert word in done.stderr, (word, done.stderr)
    return done.stderr


def issues(done: subprocess.CompletedProcess) -> list[tuple]:
    assert "Traceback" not in done.stderr, done.stderr
    return [(i["row"], i["column"], i["check"], i["message"])
            for i in json.loads(done.stdout)["issues"]]


# ------------------------------------------------------------------------------------------
# tiny files that would take the machine down

RESOURCE_CASES = [
    # file, words in the message (the limit's variable among them)
    ("bomb.xlsx", ["unzips to 1,488.0 MiB, over the limit of 512 MiB",
                   "WORKBENCH_MAX_UNZIPPED_MB"]),
    ("ratio.xlsx", ["xl/worksheets/sheet1.xml is compressed", "100:1",
                    "WORKBENCH_MAX_COMPRESSION_RATIO"]),
    ("forged.xlsx", ["xl/worksheets/sheet1.xml holds more than the 2,000 bytes it declares"]),
    ("far.xlsx", ["sheet 'Register' spans A1:XFD1048576", "17,179,869,184 cells",
                  "WORKBENCH_MAX_CELLS"]),
    ("far-attr.xlsx", ["A1:XFD1048576", "WORKBENCH_MAX_CELLS"]),
    ("far-lower.xlsx", ["A1:XFD1048576", "WORKBENCH_MAX_CELLS"]),
    ("far-prefix.xlsx", ["A1:XFD1048576", "WORKBENCH_MAX_CELLS"]),
    ("far-refless.xlsx", ["A1:XFD1048576", "WORKBENCH_MAX_CELLS"]),
    ("far.ods", ["sheet 'Register' spans A1:XFD1048571", "WORKBENCH_MAX_CELLS"]),
    ("newlines.csv.gz", ["the gzip file is compressed", "WORKBENCH_MAX_COMPRESSION_RATIO"]),
    ("blank-lines.csv", ["has more than 2,000,000 rows", "WORKBENCH_MAX_ROWS"]),
]


@pytest.mark.parametrize("name, words", RESOURCE_CASES, ids=[c[0] for c in RESOURCE_CASES])
def test_hostile_register_is_refused_fast_and_small(corpus, tmp_path, name, words):
    done, seconds, peak = measured(tmp_path, "register", "check", str(corpus / name))
    refused(done, corpus / name, *words)
    assert seconds < SECONDS and peak < PEAK, (seconds, peak)


@pytest.mark.parametrize("name", ["bomb.xlsx", "far.xlsx", "newlines.csv.gz"])
def test_kpis_refuses_them_too(corpus, name):
    refused(run_cli("kpis", str(corpus / name)), corpus / name)


YAML_CASES = [
    ("laughs.yaml", ["line 7: the YAML holds more than 100,000 values",
                     "alias (*name) as a copy of its anchor", "WORKBENCH_MAX_YAML_NODES"]),
    ("merge-laughs.yaml", ["holds more than 100,000 values", "WORKBENCH_MAX_YAML_NODES"]),
    ("deep-flow.yaml", ["line 1: the YAML nests deeper than 64 levels",
                        "WORKBENCH_MAX_YAML_DEPTH"]),
    ("deep-block.yaml", ["line 65: the YAML nests deeper than 64 levels"]),
    ("self.yaml", ["line 1: the alias *a is inside its own anchor &a"]),
]


@pytest.mark.parametrize("name, words", YAML_CASES, ids=[c[0] for c in YAML_CASES])
def test_hostile_mapping_is_refused_before_it_is_built(corpus, tmp_path, name, words):
    done, seconds, peak = measured(tmp_path, "register", "check", str(corpus / "ok.csv"),
                                   "--mapping", str(corpus / name))
    refused(done, corpus / name, *words)
    assert seconds < SECONDS and peak < PEAK, (seconds, peak)


def test_a_declared_range_is_not_trusted_but_harmless(corpus, tmp_path):
    # <dimension ref="A1:XFD1048576"> over two rows: the cells decide, the file reads
    done, seconds, peak = measured(tmp_path, "register", "check", str(corpus / "declared.xlsx"),
                                   "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rows"] == 1
    assert seconds < SECONDS and peak < PEAK


def test_every_limit_is_settable(corpus, tmp_path):
    ok = corpus / "ok.csv"
    refused(run_cli("register", "check", str(ok), env={"WORKBENCH_MAX_FILE_MB": "abc"}), "",
            "WORKBENCH_MAX_FILE_MB must be a whole number above 0, not 'abc'")
    big = tmp_path / "big.csv"
    big.write_text(CSV_HEAD + "".join(f"A-{i},01/04/2024,{'x' * 100}\n" for i in range(12_000)))
    refused(run_cli("register", "check", str(big), env={"WORKBENCH_MAX_FILE_MB": "1"}), big,
            f"is {big.stat().st_size / (1 << 20):.1f} MiB, over the limit of 1 MiB (set "
            "WORKBENCH_MAX_FILE_MB to change it)")
    refused(run_cli("register", "check", str(big), env={"WORKBENCH_MAX_ROWS": "10"}), big,
            "has more than 10 rows (set WORKBENCH_MAX_ROWS to change it)")
    refused(run_cli("register", "check", str(big), env={"WORKBENCH_MAX_CELLS": "300"}), big,
            "has more than 100 rows of 3 columns, so more than 300 cells (set "
            "WORKBENCH_MAX_CELLS to change it)")
    refused(run_cli("register", "check", str(big), env={"WORKBENCH_MAX_COLUMNS": "2"}), big,
            "row 1 has 3 columns, over the limit of 2 columns")
    mapping = tmp_path / "long.yaml"
    mapping.write_text("columns:\n" + "  # a long comment\n" * 5_000)
    refused(run_cli("register", "check", str(ok), "--mapping", str(mapping),
                    env={"WORKBENCH_MAX_YAML_KB": "64"}), mapping,
            "is 92 KiB, over the limit of 64 KiB (set WORKBENCH_MAX_YAML_KB to change it)")
    wide = _xlsx(tmp_path / "wide.xlsx", _HEADER + _ROW2 + '<row r="3">' + _cell("Z3", "x")
                 + "</row>")
    refused(run_cli("register", "check", str(wide), env={"WORKBENCH_MAX_CELLS": "50"}), wide,
            "sheet 'Register' spans A1:Z3 (3 rows x 26 columns = 78 cells)")
    with gzip.open(tmp_path / "big.csv.gz", "wb") as fh:
        fh.write(big.read_bytes())
    refused(run_cli("register", "check", str(tmp_path / "big.csv.gz"),
                    env={"WORKBENCH_MAX_UNZIPPED_MB": "1"}), tmp_path / "big.csv.gz",
            "unpacks to more than 1 MiB")


def test_security_doc_tables_every_limit():
    text = (ROOT / "docs" / "security.md").read_text()
    for lim in LIMITS.values():
        assert f"`{lim.env}`" in text, lim.env
        assert f"{lim.default:,}" in text, (lim.env, lim.default)
    assert "## Personal data" in text and "See docs/redaction.md." in text


# ------------------------------------------------------------------------------------------
# what was a traceback is an error or an issue with its row and column


def test_csv_fields_larger_than_the_csv_module_allows(tmp_path):
    fine = tmp_path / "fine.csv"
    fine.write_text(CSV_HEAD + "A-1,01/04/2024," + "x" * 200_000 + "\n")
    done = run_cli("register", "check", str(fine), "--json", "--as-of", "2024-06-30")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    huge = tmp_path / "huge.csv"
    huge.write_text(CSV_HEAD + "A-1,01/04/2024," + "x" * 2_000_000 + "\n")
    refused(run_cli("register", "check", str(huge)), huge,
            "row 2, column C (Summary) holds a field of 2,000,000 characters",
            "over the limit of 1,024 KiB (set WORKBENCH_MAX_FIELD_KB to change it)")
    late = tmp_path / "late.csv"
    late.write_text(CSV_HEAD + "".join(f"A-{i},01/04/2024,s\n" for i in range(40))
                    + "A-99,01/04/2024," + "x" * 2_000_000 + "\n")
    refused(run_cli("register", "check", str(late)), late, "row 42, column C (Summary)")


def test_dates_beyond_what_pandas_holds_are_invalid_dates(tmp_path):
    import openpyxl

    book = tmp_path / "dates.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Reference", "Date received", "Date closed"])
    ws.append(["A-1", dt.datetime(9999, 12, 31), dt.datetime(2024, 4, 5)])
    ws.append(["A-2", dt.datetime(2024, 4, 2), 60])     # Excel day 60, shown as a date
    ws.append(["A-3", dt.datetime(2024, 4, 2), 59])      # the same 28 Feb 1900 once read
    for row in (3, 4):
        ws.cell(row, 3).number_format = "dd/mm/yyyy"
    wb.save(book)
    done = run_cli("register", "check", str(book), "--json", "--as-of", "2024-06-30")
    assert done.returncode == 1
    phantom = ("not a valid date: 28 Feb 1900 is before 1 March 1900, where Excel's day numbers "
               "run through its phantom 29 February 1900 (day 60), so the date cannot be trusted")
    assert issues(done) == [
        (2, "Date received", "invalid_date", "not a valid date: year 9999 is out of range"),
        (3, "Date closed", "invalid_date", phantom),
        (4, "Date closed", "invalid_date", phantom)]
    text = tmp_path / "dates.csv"
    text.write_text("Reference,Date received\nA-1,31/12/9999\nA-2,9999-12-31\nA-3,2024-04-02\n")
    done = run_cli("register", "check", str(text), "--json", "--as-of", "2024-06-30")
    assert [i[:3] for i in issues(done)] == [(2, "Date received", "invalid_date"),
                                             (3, "Date received", "invalid_date")]
    done = run_cli("kpis", str(book), "--as-of", "2024-06-30", "--json")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr


def test_whole_numbers_out_of_range_are_issues_not_wrapped(tmp_path):
    import openpyxl

    csv = tmp_path / "numbers.csv"
    csv.write_text("Reference,Date received,Extension days\n"
                   "A-1,2024-04-01,1e26\nA-2,2024-04-01,9223372036854775808\nA-3,2024-04-01,1e400\n"
                   "A-4,2024-04-01,inf\nA-5,2024-04-01,nan\nA-6,2024-04-01,400\nA-7,2024-04-01,5\n")
    done = run_cli("register", "check", str(csv), "--json", "--as-of", "2024-06-30")
    assert done.returncode == 1
    store = "is too large to store (whole numbers run to \u00b19,223,372,036,854,775,807)"
    assert issues(done) == [
        (2, "Extension days", "invalid_number", f"number out of range: 1e26 {store}"),
        (3, "Extension days", "invalid_number",
         f"number out of range: 9223372036854775808 {store}"),
        (4, "Extension days", "invalid_number", f"number out of range: 1e400 {store}"),
        (5, "Extension days", "invalid_number", "not a whole number"),
        (6, "Extension days", "invalid_number", "not a whole number"),
        (7, "Extension days", "invalid_number",
         "number out of range: 400 is outside 0 to 365 for extension days")]
    book = tmp_path / "numbers.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Reference", "Date received", "Service users"])
    wb.active.append(["A-1", dt.datetime(2024, 4, 1), 1e26])
    wb.active.append(["A-2", dt.datetime(2024, 4, 1), 2.0 ** 63])
    wb.save(book)
    done = run_cli("register", "check", str(book), "--json", "--as-of", "2024-06-30")
    assert [(i[0], i[1], i[3]) for i in issues(done)] == [
        (2, "Service users", f"number out of range: 1e+26 {store}"),
        (3, "Service users", f"number out of range: 9.223372036854776e+18 {store}")]


def test_repeated_headers_are_an_error_unless_the_mapping_picks_one(tmp_path):
    twice = tmp_path / "twice.csv"
    twice.write_text("Reference,Date received,Outcome,Outcome\nA-1,2024-04-01,Upheld,Not upheld\n")
    refused(run_cli("register", "check", str(twice)), twice,
            '"Outcome" (column C) and "Outcome" (column D) have the same header',
            'outcome: "Outcome" or outcome: "Outcome (D)"')
    variant = tmp_path / "variant.csv"
    variant.write_text("Reference,Date received,Outcome, outcome \nA-1,2024-04-01,Upheld,No\n")
    refused(run_cli("kpis", str(variant)), variant,
            '"Outcome" (column C) and "outcome" (column D) have the same header')
    pick = tmp_path / "pick.yaml"
    pick.write_text('columns: {outcome: " outcome "}\n')
    done = run_cli("register", "check", str(variant), "--mapping", str(pick), "--json")
    assert done.returncode == 0, done.stderr
    loose = tmp_path / "loose.yaml"
    loose.write_text("columns: {outcome: OUTCOME}\n")
    refused(run_cli("register", "check", str(variant), "--mapping", str(loose)), loose,
            "line 1: columns.outcome: 'OUTCOME' matches \"Outcome\" (column C) and \"outcome\" "
            "(column D): write the exact header")
    second = tmp_path / "second.yaml"
    second.write_text('columns: {outcome: "Outcome (D)"}\n')
    done = run_cli("register", "check", str(twice), "--mapping", str(second), "--json")
    assert done.returncode == 0, done.stderr
    done = run_cli("register", "map", str(twice))  # drafting the mapping still works
    assert done.returncode == 0 and '#   "Outcome"\n#   "Outcome (D)"' in done.stdout


# ------------------------------------------------------------------------------------------
# the assessment store


@pytest.fixture
def store_db(tmp_path) -> Path:
    db = tmp_path / "store.db"
    done = run_cli("assessment", "start", "--provider", "oakwood", "--period", "2024-25",
                   "--rubric", RUBRIC, "--db", str(db))
    assert done.returncode == 0, done.stderr
    return db


RUBRIC = "complaints-handling-self-assessment"
READ_ONLY = [
    ["assessment", "show", "--id", "1"],
    ["assessment", "show", "--provider", "oakwood", "--period", "2024-25"],
    ["assessment", "history", "--id", "1"],
    ["assessment", "export", "--id", "1"],
    ["assessment", "compare", "1", "2"],
    ["assessment", "finalise", "--id", "1"],
    ["assessment", "reopen", "--id", "1", "--reason", "typo"],
    ["form", "export", "--rubric", RUBRIC, "--provider", "oakwood", "--prefill", "FORM"],
    ["batch"],
    ["assess", "oakwood"],
]


@pytest.mark.parametrize("args", READ_ONLY, ids=[" ".join(a[:2]) for a in READ_ONLY])
def test_a_mistyped_store_is_an_error_not_a_new_store(tmp_path, args):
    typo = tmp_path / "outputs-typo" / "workbench.db"
    args = [str(tmp_path / "form.xlsx") if a == "FORM" else a for a in args]
    done = run_cli(*args, "--db", str(typo))
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stderr.startswith("error: ") and f"no assessment store at {typo}" in done.stderr
    assert not typo.parent.exists()


def test_a_read_only_command_without_a_store_says_so(tmp_path):
    done = run_cli("assessment", "history", "--id", "1",
                   env={"WORKBENCH_OUTPUTS": str(tmp_path / "out")})
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"error: no assessment store at {tmp_path / 'out'}")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args", [["assessment", "show", "--id", "1"],
                                  ["assessment", "start", "--provider", "oakwood", "--period",
                                   "2024-25", "--rubric", RUBRIC]])
def test_a_file_that_is_not_a_database(tmp_path, args):
    text = tmp_path / "notes.db"
    text.write_text("not a database\n" * 100)
    before = text.read_bytes()
    done = run_cli(*args, "--db", str(text))
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr == (f"error: the assessment database {text} is not an assessment store: "
                           "not an SQLite database\n")
    assert text.read_bytes() == before


def test_an_unsupported_database_url():
    for args in (["assessment", "show", "--id", "1"], ["assessment", "start", "--provider", "x",
                                                       "--period", "2024-25", "--rubric", RUBRIC]):
        done = run_cli(*args, "--db", "mysql://auditor:s3cret@db.example/audit")
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert done.stderr.startswith("error: unsupported database "
                                      "mysql://auditor:***@db.example/audit: the assessment store "
                                      "is an SQLite file (give its path) or PostgreSQL")
        assert "s3cret" not in done.stderr


def test_an_existing_store_still_reads(store_db):
    done = run_cli("assessment", "show", "--id", "1", "--db", str(store_db), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["provider"] == "oakwood"
