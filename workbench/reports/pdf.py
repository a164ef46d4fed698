"""PDF copies of the HTML reports (WeasyPrint): A4, page numbers, offline, charts as vectors."""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import html
import importlib.metadata
import logging
import os
import re
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from workbench.core.atomic import atomic_path
from workbench.core.errors import WorkbenchError
from workbench.core.paths import PACKAGE_DIR

PRINT_CSS = PACKAGE_DIR / "templates" / "print.css"
PANGO_HINT = ("Debian/Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0; Fedora: dnf "
              "install pango; macOS: brew install pango")
# nbconvert's <title> when the notebook has none: not worth a running header
GENERIC_TITLES = {"", "notebook"}
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
# nbconvert's JupyterLab screen styles (each opens with this banner): 250 KB of CSS that takes
# about 60 % of the time to draw report.html; print.css gives the notebook export its look
_JUPYTER_CSS = re.compile(r"<style[^>]*>\s*/\*-+\s*\|\s*Copyright \(c\) Jupyter Development "
                          r"Team\..*?</style>", re.DOTALL)
# Vega-Lite's SVG charts name the generic sans-serif, which Pango takes as DejaVu Sans, wider
# than the Arial a browser draws them in: legends and labels would overrun the chart's edge
_SVG_FONT = 'font-family="sans-serif"'
_SVG_PRINT_FONT = 'font-family="Arial, Helvetica, sans-serif"'
_SVG_URI_PREFIX = "data:image/svg+xml;base64,"
_SVG_URI = re.compile(re.escape(_SVG_URI_PREFIX) + r"([A-Za-z0-9+/=]+)")


class PdfEngineError(WorkbenchError):
    """WeasyPrint, or the Pango library it draws text with, cannot be loaded."""


def _weasyprint() -> Any:
    try:
        import weasyprint
    except ModuleNotFoundError as exc:
        raise PdfEngineError(f"PDF reports need the WeasyPrint package ({exc}): reinstall the "
                             "workbench (make demo, or pip install -e .)") from None
    except OSError as exc:  # WeasyPrint loads Pango, HarfBuzz and fontconfig when imported
        raise PdfEngineError(f"PDF reports need the Pango library, which WeasyPrint could not "
                             f"load ({str(exc).splitlines()[0]}); install it ({PANGO_HINT}) "
                             "and run the batch again") from None
    return weasyprint


def check_engine() -> None:
    """Raise PdfEngineError (saying what to install) unless WeasyPrint and Pango load."""
    _weasyprint()


def allowed_url(url: str) -> bool:
    """Whether a report may load ``url`` while drawn: data: URIs and the package's own files
    only (never the network, never a file beside the report or elsewhere on the disk)."""
    parts = urlsplit(url)
    if parts.scheme == "data":
        return True
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return False
    path = os.path.realpath(url2pathname(parts.path))
    return Path(path).is_relative_to(PACKAGE_DIR)


def _refuse(url: str) -> None:
    if not allowed_url(url):
        raise ValueError(f"refused {url[:80]!r}: a report is drawn from data: URIs and the "
                         "workbench's own files only")


def _url_fetcher(weasyprint: Any) -> Any:
    """A URL fetcher that refuses everything ``allowed_url`` does not allow."""
    base = getattr(weasyprint.urls, "URLFetcher", None)
    if base is not None:  # WeasyPrint 70+: a URLFetcher subclass
        class OfflineFetcher(base):  # type: ignore[misc, valid-type]
            def fetch(self, url: str, headers: Any = None) -> Any:
                _refuse(url)
                return super().fetch(url, headers)

        return OfflineFetcher(timeout=5, allowed_protocols=("data", "file"))

    def fetch(url: str, *args: Any, **kwargs: Any) -> Any:  # WeasyPrint 65-69: a function
        _refuse(url)
        return weasyprint.default_url_fetcher(url, *args, **kwargs)

    return fetch


def _css_string(text: str) -> str:
    text = " ".join(text.split())
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def page_header(page: str, header: str | None = None,
                default_header: str | None = None) -> str | None:
    """The running header of an HTML ``page``: ``header`` when given, else the page's <title>,
    else ``default_header`` (when the title is nbconvert's placeholder, or there is none)."""
    if header:
        return " ".join(header.split())
    match = _TITLE.search(page, 0, 65536)
    title = " ".join(html.unescape(match.group(1)).split()) if match else ""
    if title.lower() in GENERIC_TITLES:
        return " ".join(default_header.split()) if default_header else None
    return title


def _svg_fonts(svg: str) -> str:
    return svg.replace(_SVG_FONT, _SVG_PRINT_FONT)


def _svg_uri_fonts(match: re.Match[str]) -> str:
    svg = base64.b64decode(match.group(1)).decode("utf-8", "replace")
    if _SVG_FONT not in svg:
        return match.group(0)
    return _SVG_URI_PREFIX + base64.b64encode(_svg_fonts(svg).encode()).decode("ascii")


def print_html(page: str) -> str:
    """The page as drawn for print: a notebook export without its JupyterLab screen styles,
    and the charts' text (inline SVG and SVG data: URIs) in Arial, as a browser draws it."""
    head, sep, body = page.partition("<body")
    if sep and 'class="jp-Notebook"' in body[:500]:
        head = _JUPYTER_CSS.sub("", head)
    body = _SVG_URI.sub(_svg_uri_fonts, _svg_fonts(body))
    return head + sep + body


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """WeasyPrint's warnings about the screen CSS it does not support (nbconvert's JupyterLab
    styles hold hundreds) are not the user's concern: only its errors are let through."""
    logger = logging.getLogger("weasyprint")
    before = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(before)


def pdf_path_for(html_path: str | Path) -> Path:
    """The PDF beside an HTML report: the same name ending .pdf."""
    return Path(html_path).with_suffix(".pdf")


def source_key(page: str, title: str | None) -> str:
    """What a PDF is drawn from: the page, its running header, print.css, this module and the
    engine's version (written as the PDF's file identifier, so an unchanged report is not drawn
    twice)."""
    digest = hashlib.sha256()
    for part in (page.encode(), (title or "").encode()):
        digest.update(hashlib.sha256(part).digest())
    for part in _drawing_parts():
        digest.update(part)
    return digest.hexdigest()[:32]


@functools.cache
def _drawing_parts() -> tuple[bytes, ...]:
    """The digests of what every PDF is drawn with (print.css, this module, the engine's
    version), read once per process rather than once per PDF."""
    try:
        engine = importlib.metadata.version("weasyprint")
    except importlib.metadata.PackageNotFoundError:
        engine = ""
    return tuple(hashlib.sha256(part).digest() for part in (
        PRINT_CSS.read_bytes(), Path(__file__).read_bytes(), engine.encode()))


def drawn_from(target: Path, key: str) -> bool:
    """Whether ``target`` is a whole PDF this module drew from the source ``key``: its /ID, in
    the trailer (or cross-reference stream) dictionary that the last startxref points to,
    which is never compressed."""
    try:
        with open(target, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 64))
            match = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", fh.read())
            if not match:
                return False
            fh.seek(int(match.group(1)))
            trailer = fh.read(1024)
    except OSError:
        return False
    return f"/ID [({key})".encode() in trailer


def write_pdf(html_path: str | Path, pdf_path: str | Path | None = None, *,
              header: str | None = None, default_header: str | None = None,
              previous: str | Path | None = None) -> Path:
    """Draw ``html_path`` as an A4 PDF (default: beside it, same name) with templates/print.css:
    the page number in the footer, and at the top of each page ``header``, else the report's
    title, else ``default_header``; written atomically. Not drawn again when the PDF there, or
    the ``previous`` one (an earlier run's), was drawn from the same page (``source_key``).
    Raises PdfEngineError when WeasyPrint cannot load."""
    html_path = Path(html_path)
    target = Path(pdf_path) if pdf_path is not None else pdf_path_for(html_path)
    try:
        page = html_path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise WorkbenchError(f"cannot read the HTML report to draw as PDF: {exc.strerror}",
                             path=html_path) from None
    title = page_header(page, header, default_header)
    key = source_key(page, title)
    if drawn_from(target, key):
        return target
    if previous is not None and drawn_from(Path(previous), key):
        with atomic_path(target) as tmp:
            shutil.copyfile(previous, tmp)
        return target
    weasyprint = _weasyprint()
    fetcher = _url_fetcher(weasyprint)
    sheets = [weasyprint.CSS(filename=str(PRINT_CSS), url_fetcher=fetcher)]
    if title:
        sheets.append(weasyprint.CSS(string=f"@page {{ @top-left {{ content: "
                                            f"{_css_string(title)} }} }}"))
    with _quiet():
        document = weasyprint.HTML(string=print_html(page), base_url=str(html_path),
                                   url_fetcher=fetcher, media_type="print"
                                   ).render(stylesheets=sheets)
        if title:
            document.metadata.title = title
        with atomic_path(target) as tmp:
            document.write_pdf(tmp, pdf_tags=True, pdf_identifier=key.encode())
    return target


def write_pdfs(folder: str | Path, names: Iterable[str], *, header: str | None = None,
               previous: str | Path | None = None) -> list[Path]:
    """A PDF beside each named HTML report of ``folder`` that exists (``header`` as for
    write_pdf; ``previous``: the folder of an earlier run's PDFs); returns the PDFs."""
    folder = Path(folder)
    return [write_pdf(folder / name, header=header,
                      previous=pdf_path_for(Path(previous) / name) if previous else None)
            for name in names if (folder / name).is_file()]
