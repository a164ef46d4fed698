"""The text of a PDF's pages as the tests read it: poppler's pdftotext in content-stream order
(-raw) where it is installed (.ci/run installs it), else pypdf: the same words in the same order
(tests/test_pdf.py checks that), pypdf 10-15 times slower on the charts' many content streams."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

PDFTOTEXT = shutil.which("pdftotext")


def pypdf_page_texts(path: Path) -> tuple[str, ...]:
    """Each page's text as pypdf extracts it (``extract_text() or ""``)."""
    from pypdf import PdfReader

    return tuple(page.extract_text() or "" for page in PdfReader(path).pages)


def page_texts(path: Path) -> tuple[str, ...]:
    """Each page's text: pdftotext -raw where installed, else pypdf."""
    if PDFTOTEXT is None:
        return pypdf_page_texts(path)
    out = subprocess.run([PDFTOTEXT, "-raw", "-enc", "UTF-8", str(path), "-"],
                         capture_output=True, text=True, check=True).stdout
    return tuple(out.split("\f")[:-1])  # each page ends with a form feed
