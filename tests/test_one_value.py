"""One figure, one value: every indicator shown for a provider (scorecard dashboard, report.html,
scorecard.xlsx and every governance report) reads the same wherever it appears."""

from __future__ import annotations

import html
import re
from pathlib import Path

import openpyxl
import pytest
import yaml

from workbench.analysis.actions import SUMMARY_INDICATORS
from workbench.analysis.measures import measure
from workbench.batch.driver import run_batch
from workbench.core.paths import DEFAULT_MANIFEST, SAMPLE_DATA_DIR
from workbench.reports import results as results_io
from workbench.reports.scorecard import label
from workbench.rubric.model import DATA_CHECK_KPIS

PROVIDER = "oakwood-care"
NUMBER = r"(-?\d[\d,]*(?:\.\d+)?)"


@pytest.fixture(scope="module")
def pack(tmp_path_factory) -> Path:
    """One sample provider run through the real batch (notebook, report.html, governance)."""
    tmp = tmp_path_factory.mktemp("one-value")
    doc = yaml.safe_load(DEFAULT_MANIFEST.read_text())
    entry = next(p for p in doc["providers"] if p["id"] == PROVIDER)
    for key in ("register", "mapping"):
        if entry.get(key):
            entry[key] = str((SAMPLE_DATA_DIR / entry[key]).resolve())
    doc["providers"] = [entry]
    manifest = tmp / "providers.yaml"
    manifest.write_text(yaml.safe_dump(doc))
    report = run_batch(manifest, jobs=1, output_root=tmp / "outputs", progress=False,
                       portfolio=False, pdf=False)
    assert [o.status for o in report.outcomes] == ["ok"], report.outcomes
    return tmp / "outputs" / doc["period"] / PROVIDER


def text_of(path: Path) -> str:
    """A page's visible text, one space between cells (styles and scripts dropped)."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", path.read_text(), flags=re.S | re.I)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def names_of(key: str) -> set[str]:
    """Every name a figure is shown under: its key, the measures table's label, the scorecard's."""
    return {key, measure(key).label, label(key)}


def values_after(text: str, names: set[str]) -> set[float]:
    found: set[float] = set()
    for name in sorted(names, key=len, reverse=True):
        # the name, then straight away a number (a table row or a tile), not a longer name
        for m in re.finditer(re.escape(name) + r" (?!\()" + NUMBER, text):
            found.add(round(float(m.group(1).replace(",", "")), 1))
    return found


def test_each_indicator_has_one_value_everywhere(pack):
    from workbench.dashboards.fragments import kpi_tiles, tiles_html

    results = results_io.load(pack / results_io_file())
    docs = {p.name: text_of(p) for p in sorted(pack.glob("*.html"))}
    assert {"report.html", "commissioner_report.html", "lessons_learned.html",
            "annual_report.html", "public_quarterly_report.html"} <= set(docs)
    tiles = Path(pack / "tiles.html")
    tiles.write_text(tiles_html(kpi_tiles(results)))
    docs["scorecard dashboard"] = text_of(tiles)
    wb = openpyxl.load_workbook(pack / "scorecard.xlsx", read_only=True)
    docs["scorecard.xlsx"] = " | ".join(  # rows apart: a header is not its next row's label
        " ".join("" if c is None else str(c) for c in row)
        for ws in wb.worksheets for row in ws.iter_rows(values_only=True))

    keys = set(DATA_CHECK_KPIS) | {"rca_coverage", *SUMMARY_INDICATORS}
    checked = 0
    for key in sorted(keys):
        names = names_of(key) | (names_of(SUMMARY_INDICATORS[key])
                                 if key in SUMMARY_INDICATORS else set())
        seen = {doc: values_after(text, names) for doc, text in docs.items()}
        values = set().union(*seen.values())
        assert len(values) <= 1, f"{key} shows {values}: {seen}"
        checked += bool(values)
    assert checked >= 8  # most indicators are shown somewhere, and each once

    # and the value shown is the computed indicator
    shown = values_after(docs["commissioner_report.html"],
                         names_of("actions_completed_on_time_pct"))
    assert shown == {results.indicators["actions_completed_on_time_pct"]}
    assert results.rca_coverage == results.indicators["rca_coverage_pct"]


def test_lessons_learned_lists_the_themes(pack):
    results = results_io.load(pack / results_io_file())
    themes = results_io.theme_table(results.themes, "themes")
    assert len(themes) > 0
    text = text_of(pack / "lessons_learned.html")
    assert "Themes found in the complaint text" in text
    for label_ in themes["label"].head(3):
        assert html.unescape(str(label_)) in text


def results_io_file() -> str:
    from workbench.reports.provenance import RESULTS_FILE

    return RESULTS_FILE
