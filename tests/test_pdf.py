"""PDF beside every HTML report (workbench.reports.pdf and the batch): A4, page numbers, running
header, table headers repeated, rows whole, charts as vectors, nothing fetched, the text of the
report and no leftovers of raw data (ISO timestamps, nan, None)."""

from __future__ import annotations

import base64
import functools
import html as htmlmod
import http.server
import json
import os
import re
import sys
import threading
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.pdf_text import PDFTOTEXT, page_texts, pypdf_page_texts
from workbench.core.errors import WorkbenchError
from workbench.core.paths import PACKAGE_DIR
from workbench.reports import pdf

A4 = (595.28, 841.89)  # points
FRESH_BATCH = pytest.mark.xdist_group("fresh-batch")
PROVIDERS = {"provider-001": "Provider 1 Ltd", "provider-002": "Provider 2 Ltd",
             "provider-003": "Provider 3 Ltd"}
GOVERNANCE = ("lessons_learned.html", "public_quarterly_report.html", "annual_report.html",
              "commissioner_report.html")


# ---------------------------------------------------------------- reading a PDF

def _joined(texts: tuple[str, ...]) -> tuple[str, ...]:
    """Pages' text with a soft hyphen of a word broken at the line end joined up."""
    return tuple(re.sub(r"\u2010\n", "", text) for text in texts)


@functools.cache
def _pages(path: Path) -> tuple[str, ...]:
    """Each page's text (tests/pdf_text.py), a soft hyphen of a word broken at the line end
    joined up."""
    return _joined(page_texts(path))


def _flat(text: str) -> str:
    return " ".join(text.split())


def _images(obj, seen: set[int] | None = None) -> list[str]:
    """The raster images a page (or form) draws, through every nested form XObject."""
    seen = set() if seen is None else seen
    found = []
    resources = obj.get("/Resources")
    xobjects = resources.get_object().get("/XObject") if resources is not None else None
    for name, ref in (xobjects.get_object().items() if xobjects is not None else []):
        key = getattr(ref, "idnum", None) or id(ref)
        if key in seen:
            continue
        seen.add(key)
        x = ref.get_object()
        if x.get("/Subtype") == "/Image":
            found.append(f"{name} {x.get('/Width')}x{x.get('/Height')}")
        elif x.get("/Subtype") == "/Form":
            found += _images(x, seen)
    return found


def _check_pages(path: Path, reader: PdfReader | None = None,
                 pages: tuple[str, ...] | None = None) -> list[str]:
    """A4 pages, each with "Page i of n" (n the real page count); returns the pages' text
    (``reader`` and ``pages``: the PDF's, when already read)."""
    reader = PdfReader(path) if reader is None else reader
    pages = _pages(path) if pages is None else pages
    assert len(pages) == len(reader.pages) >= 1
    for i, page in enumerate(reader.pages, 1):
        box = page.mediabox
        assert (round(float(box.width), 2), round(float(box.height), 2)) == A4, (path.name, i)
        assert f"Page {i} of {len(pages)}" in pages[i - 1], (path.name, i, pages[i - 1][-200:])
    return list(pages)


class _Report(HTMLParser):
    """An HTML report's headings, table header rows and chart texts."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.theads: list[str] = []
        self.charts: list[list[str]] = []  # per SVG chart: its text elements
        self._stack: list[str] = []
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("h1", "h2", "h3", "thead", "svg", "text"):
            self._stack.append(tag)
            if tag in ("h1", "h2", "h3", "thead", "text"):
                self._text = []
            if tag == "svg":
                self.charts.append([])
        src = dict(attrs).get("src") or ""
        if tag == "img" and src.startswith("data:image/svg+xml;base64,"):
            svg = base64.b64decode(src.split(",", 1)[1]).decode("utf-8", "replace")
            texts = re.findall(r"<text[^>]*>([^<]+)<", svg)
            self.charts.append([htmlmod.unescape(t) for t in texts])

    def handle_data(self, data: str) -> None:
        if self._stack:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if not self._stack or self._stack[-1] != tag:
            return
        self._stack.pop()
        text = _flat("".join(self._text))
        if tag in ("h1", "h2", "h3") and text:
            self.headings.append(text.rstrip("¶").strip())
        elif tag == "thead":
            self.theads.append(text)
        elif tag == "text" and self.charts:
            self.charts[-1].append(text)
        if tag == "thead" or tag.startswith("h"):
            self._text = []


def _report(path: Path) -> _Report:
    parser = _Report()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


# ---------------------------------------------------------------- drawing one page


def _long_page(tmp_path: Path, title: str = "Long table: Test Provider Ltd",
               rows: int = 120) -> Path:
    body = "".join(f"<tr><td>row {i:03d} first line<br>row {i:03d} second line</td>"
                   f"<td class='num'>{i}</td></tr>" for i in range(rows))
    page = tmp_path / "long.html"
    page.write_text(f"""<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">
<title>{title}</title></head><body><h1>Long table</h1>
<table><caption>Rows</caption><thead><tr><th>Row text</th><th class="num">Number</th></tr></thead>
<tbody>{body}</tbody></table></body></html>""", encoding="utf-8")
    return page


def test_long_table_repeats_its_header_and_keeps_rows_whole(tmp_path):
    written = pdf.write_pdf(_long_page(tmp_path))
    assert written == tmp_path / "long.pdf"
    pages = _check_pages(written)
    assert len(pages) >= 3
    for i, text in enumerate(pages):
        # the running header (the page's title) on every page, the table header on every page
        assert text.count("Long table: Test Provider Ltd") == 1, i
        assert "Row text Number" in text, f"page {i + 1} lacks the table header"
    for row in range(120):
        first = [i for i, t in enumerate(pages) if f"row {row:03d} first line" in t]
        second = [i for i, t in enumerate(pages) if f"row {row:03d} second line" in t]
        assert first == second and len(first) == 1, f"row {row} split across pages"
    reader = PdfReader(written)
    assert reader.metadata.title == "Long table: Test Provider Ltd"
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"]  # tagged, for screen readers
    assert not list(tmp_path.glob(".long.pdf.*")), "the atomic write leaves no temporary file"


def test_running_header_falls_back_for_nbconvert_placeholder_title(tmp_path):
    page = _long_page(tmp_path, title="Notebook", rows=5)
    out = pdf.write_pdf(page, tmp_path / "out" / "a.pdf", default_header="Oakwood: assessment")
    assert "Oakwood: assessment" in _pages(out)[0]
    out = pdf.write_pdf(page, tmp_path / "b.pdf", header="Forced header")
    assert "Forced header" in _pages(out)[0] and "Oakwood" not in _pages(out)[0]
    out = pdf.write_pdf(page, tmp_path / "c.pdf")
    assert "Notebook" not in _pages(out)[0]


def test_nothing_is_fetched_and_svg_stays_vector(tmp_path):
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        # a raster image beside the report (a file: URL outside the package) and on the network
        png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQ"
                               "DwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
        (tmp_path / "beside.png").write_bytes(png)
        svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">'
               '<rect width="200" height="100" fill="#1d70b8"/><text x="10" y="50" '
               'font-family="sans-serif" font-size="12">Vector chart label</text></svg>')
        uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
        page = tmp_path / "fetch.html"
        page.write_text(f"""<!DOCTYPE html><html lang="en-GB"><head><title>Fetch: X</title>
<link rel="stylesheet" href="{url}/style.css"><style>@import url("{url}/import.css");
body {{ background: url("{url}/bg.png"); }}</style></head><body><h1>Fetch</h1>
<img src="{url}/chart.png" alt="x"><img src="beside.png" alt="y">
<img src="file:///etc/passwd" alt="z">
<img src="{uri}" alt="a chart"></body></html>""", encoding="utf-8")
        out = pdf.write_pdf(page)
    finally:
        server.shutdown()
    assert requests == []
    reader = PdfReader(out)
    assert [img for p in reader.pages for img in _images(p)] == []
    assert "Vector chart label" in _pages(out)[0]  # the SVG drawn as vector text, not pixels


@pytest.mark.parametrize("url, allowed", [
    ("data:image/svg+xml;base64,PHN2Zy8+", True),
    ((PACKAGE_DIR / "templates" / "print.css").as_uri(), True),
    ("file:///etc/passwd", False),
    ((PACKAGE_DIR / ".." / "README.md").resolve().as_uri(), False),
    ("file://server/share/x.png", False),
    ("http://127.0.0.1/x.png", False),
    ("https://example.org/font.woff", False),
])
def test_allowed_url(url, allowed):
    assert pdf.allowed_url(url) is allowed


def test_an_unchanged_report_is_not_drawn_again(tmp_path):
    page = _long_page(tmp_path, rows=8)
    first = pdf.write_pdf(page)
    drawn = first.stat()
    assert pdf.write_pdf(page).stat().st_ino == drawn.st_ino  # left as it was
    # an earlier run's PDF of the same page is copied, not drawn
    copy = pdf.write_pdf(page, tmp_path / "next" / "long.pdf", previous=first)
    assert copy.read_bytes() == first.read_bytes()
    # another header, or another page, is drawn again
    assert pdf.write_pdf(page, header="Other").stat().st_ino != drawn.st_ino
    assert "Other" in PdfReader(first).pages[0].extract_text()
    page.write_text(page.read_text().replace("row 007 first", "row 007 changed"))
    assert "row 007 changed" in "".join(_pages(pdf.write_pdf(page, tmp_path / "changed.pdf",
                                                             previous=first)))
    # a PDF cut short is not taken for a drawn one
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(first.read_bytes()[:-200])
    key = pdf.source_key(page.read_text(), "Long table: Test Provider Ltd")
    assert not pdf.drawn_from(cut, key) and not pdf.drawn_from(tmp_path / "none.pdf", key)


def test_missing_html_is_a_workbench_error(tmp_path):
    with pytest.raises(WorkbenchError, match=r"missing\.html"):
        pdf.write_pdf(tmp_path / "missing.html")


def test_no_pango_says_what_to_install(tmp_path, monkeypatch):
    fake = tmp_path / "fake" / "weasyprint"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        "raise OSError(\"cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open "
        "shared object file: No such file or directory\")\n")
    monkeypatch.syspath_prepend(str(fake.parent))
    for name in [m for m in list(sys.modules) if m.split(".")[0] == "weasyprint"]:
        monkeypatch.delitem(sys.modules, name)
    with pytest.raises(pdf.PdfEngineError) as err:
        pdf.check_engine()
    assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0" in str(err.value)
    assert "libpango-1.0-0: cannot open" in str(err.value)
    page = _long_page(tmp_path, rows=2)
    with pytest.raises(pdf.PdfEngineError):
        pdf.write_pdf(page)
    assert not page.with_suffix(".pdf").exists()


def test_no_weasyprint_says_to_reinstall(monkeypatch):
    for name in [m for m in list(sys.modules) if m.split(".")[0] == "weasyprint"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    with pytest.raises(pdf.PdfEngineError, match="WeasyPrint package"):
        pdf.check_engine()


def test_notebook_export_drops_jupyterlab_css_and_fixes_chart_fonts():
    svg = '<svg><text font-family="sans-serif">a</text></svg>'
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    page = ("<html><head><style>\n/*----\n| Copyright (c) Jupyter Development Team.\n*/ .x{}"
            "</style><style>.keep{}</style></head><body class=\"jp-Notebook\">"
            f"<img src=\"{uri}\">{svg}</body></html>")
    out = pdf.print_html(page)
    assert "Jupyter Development Team" not in out and ".keep{}" in out
    assert 'font-family="sans-serif"' not in out
    inner = base64.b64decode(re.search(r"base64,([^\"]+)", out).group(1)).decode()
    assert 'font-family="Arial, Helvetica, sans-serif"' in inner
    # a governance report (not a notebook export) keeps every style it has
    other = page.replace(' class="jp-Notebook"', "")
    assert "Jupyter Development Team" in pdf.print_html(other)


# ---------------------------------------------------------------- the batch's packs


def _pdfs_of(folder: Path) -> list[Path]:
    return sorted(p.with_suffix(".pdf") for p in folder.glob("*.html"))


@pytest.fixture(scope="module")
def batch_pdf(fresh_batch_pdf_text) -> Callable[[Path], tuple[PdfReader, tuple[str, ...]]]:
    """``batch_pdf(path)``: a PDF of the session's batch read by pypdf (once in this module)
    and its pages' text as `_pages` gives it (extracted once per test run: conftest's
    fresh_batch_pdf_text, which test_batch reads too)."""
    readers: dict[Path, PdfReader] = {}

    def read(path: Path) -> tuple[PdfReader, tuple[str, ...]]:
        if path not in readers:
            readers[path] = PdfReader(path)
        return readers[path], _joined(fresh_batch_pdf_text[path])

    return read


@FRESH_BATCH
def test_pdftotext_reads_the_words_pypdf_reads(fresh_batch):
    # the tests read PDFs with pdftotext where installed, else pypdf: the same words in the same
    # order (whitespace aside), or a check would pass with one reader and fail with the other
    if PDFTOTEXT is None:
        if os.environ.get("CI"):
            pytest.fail("CI run without poppler's pdftotext (.ci/run installs poppler-utils)")
        pytest.skip("poppler's pdftotext is not installed: the tests read PDFs with pypdf alone")
    folder = fresh_batch.root / "2024-25"
    for path in (folder / "portfolio_annual_report.pdf", folder / "provider-001" / "report.pdf"):
        fast, slow = page_texts(path), pypdf_page_texts(path)
        assert len(fast) == len(slow) > 0
        assert [_flat(t) for t in _joined(fast)] == [_flat(t) for t in _joined(slow)], path


@pytest.mark.slow
@FRESH_BATCH
def test_every_html_report_of_the_batch_has_its_pdf(fresh_batch):
    assert fresh_batch.report.exit_code == 0, fresh_batch.report.table()
    period = fresh_batch.root / "2024-25"
    for pid in PROVIDERS:
        folder = period / pid
        htmls = sorted(p.name for p in folder.glob("*.html"))
        assert set(GOVERNANCE) | {"report.html"} <= set(htmls), htmls
        for page in htmls:
            assert (folder / page).with_suffix(".pdf").is_file(), f"{pid}/{page} has no PDF"
        doc = json.loads((folder / "manifest.json").read_text())
        assert {"report.pdf", *(p.replace(".html", ".pdf") for p in GOVERNANCE)} <= set(
            doc["files"])
        assert doc["timings"]["pdf"] > 0
    portfolio = sorted(p.name for p in period.glob("portfolio*.html"))
    assert "portfolio.html" in portfolio and len(portfolio) == 5, portfolio
    listed = set(fresh_batch.report.portfolio)
    for page in portfolio:
        assert str((period / page).with_suffix(".pdf")) in listed, page


@pytest.mark.slow
@FRESH_BATCH
def test_pack_pdfs_read_like_their_reports(fresh_batch, batch_pdf):
    period = fresh_batch.root / "2024-25"
    folders = [(period / pid, name) for pid, name in PROVIDERS.items()]
    folders.append((period, "All commissioned providers"))
    checked = 0
    for folder, name in folders:
        for out in _pdfs_of(folder):
            source = out.with_suffix(".html")
            reader, texts = batch_pdf(out)
            pages = _check_pages(out, reader, texts)
            text = "\n".join(pages)
            flat = _flat(text)
            where = out.relative_to(fresh_batch.root)
            assert name in pages[0], f"{where}: the first page does not name {name}"
            report = _report(source)
            for heading in report.headings:
                assert heading in flat, f"{where}: heading {heading!r} missing"
            for pattern in (r"T00:00:00", r"\bnan\b", r"\bNone\b", r"\bNaT\b"):
                found = re.search(pattern, text)
                around = text[max(0, found.start() - 60):found.end() + 60] if found else ""
                assert not found, f"{where}: {pattern} in {around!r}"
            # the running header (the report's title) on every page
            title = reader.metadata.title
            assert title and all(_flat(title)[:60] in _flat(p) for p in pages), where
            # charts: no raster image anywhere, and each chart's own words drawn as text
            assert [i for p in reader.pages for i in _images(p)] == [], where
            for words in report.charts:
                long = [w for w in words if len(w) >= 8]
                if long:
                    assert any(w in flat for w in long), f"{where}: a chart is not drawn {long[:3]}"
            checked += 1
    assert checked == 3 * 5 + 5


@pytest.mark.slow
@FRESH_BATCH
def test_long_reports_span_pages_with_table_headers_repeated(fresh_batch, batch_pdf):
    period = fresh_batch.root / "2024-25"
    repeated: list[str] = []
    for out in [*_pdfs_of(period / "provider-001"), *_pdfs_of(period)]:
        pages = batch_pdf(out)[1]
        heads = {h for h in _report(out.with_suffix(".html")).theads if len(h) > 12}
        for i in range(1, len(pages)):
            top = _flat(pages[i])[:400]
            # a table carried on from the page before starts this one with its header again
            for head in heads:
                if top.startswith(head) and head in _flat(pages[i - 1]):
                    repeated.append(f"{out.name} p{i + 1}: {head}")
    assert len(batch_pdf(period / "provider-001" / "report.pdf")[1]) > 2
    assert len(batch_pdf(period / "portfolio_annual_report.pdf")[1]) > 2
    assert any(r.startswith("report.pdf") for r in repeated), repeated
    assert len(repeated) >= 2, repeated


@pytest.mark.slow
@FRESH_BATCH
def test_no_complainant_identity_in_any_pdf(fresh_batch, batch_pdf):
    from workbench.register.loader import load_register

    secrets: set[str] = set()
    for pid in PROVIDERS:
        frame = load_register(fresh_batch.manifest.parent / "registers" / f"{pid}.csv",
                              identities=True).frame
        for col in ("complainant_name", "complainant_contact"):
            secrets |= {str(v) for v in frame[col].dropna()}
    assert len(secrets) > 20
    pdfs = sorted((fresh_batch.root / "2024-25").rglob("*.pdf"))
    assert len(pdfs) == 3 * 5 + 5
    for out in pdfs:
        text = "\n".join(batch_pdf(out)[1])
        leaked = sorted(s for s in secrets if s in text)
        assert not leaked, f"{out.name} contains {leaked[:3]}"


@pytest.mark.slow
@FRESH_BATCH
def test_a_pack_without_its_pdf_is_not_current(fresh_batch, tmp_path):
    from workbench.batch.driver import is_current

    batch = fresh_batch.copy(tmp_path / "batch")
    folder = batch.root / "2024-25" / "provider-002"
    fingerprint = json.loads((folder / "manifest.json").read_text())["fingerprint"]
    assert is_current(folder, fingerprint) is not None
    (folder / "report.pdf").unlink()
    assert is_current(folder, fingerprint) is None  # an older pack gets its PDFs on the next run
    assert is_current(folder, fingerprint, pdf=False) is not None
