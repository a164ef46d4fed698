"""Report HTML building blocks: table cells and the shared chart cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from workbench.core.paths import CHART_CACHE_ENV
from workbench.reports import htmlreport

SPEC = {"data": {"values": [{"a": "x", "b": 3}, {"a": "y", "b": 5}]}, "mark": "bar",
        "encoding": {"x": {"field": "a", "type": "nominal"},
                     "y": {"field": "b", "type": "quantitative"}}}


@pytest.mark.parametrize(("value", "kind", "expected"), [
    (12.345, "pct", '<td class="num">12.3 %</td>'),
    (1234, "num", '<td class="num">1,234</td>'),
    (None, "num", '<td class="num">–</td>'),
    ("<5", "num", '<td class="num">&lt;5</td>'),
    ("on track", "status", '<td class="status-on-track rag-on track">on track</td>'),
    ("<script>x</script>", "text", "<td>&lt;script&gt;x&lt;/script&gt;</td>"),
])
def test_table_cell_formats_and_escapes(value, kind, expected):
    assert str(htmlreport.table_cell(value, kind)) == expected


def test_report_table_renders_every_cell():
    html = htmlreport.ENV.from_string(
        '{% import "_macros.html.j2" as m %}{{ m.table("T", cols, rows) }}').render(
        cols=[("n", "Count", "num"), ("p", "Share", "pct")],
        rows=[{"n": 3, "p": 50.0}, {"n": None, "p": "<5"}])
    assert html.count("<td") == 4 and "50.0 %" in html and "&lt;5" in html


def test_chart_cache_is_shared_between_processes(tmp_path):
    """With WORKBENCH_CHART_CACHE set, a chart rendered in one process is read, not rendered
    again, in another: the portfolio reuses what the provider workers drew."""
    cache = tmp_path / "charts"
    code = ("import json, sys; from workbench.reports import htmlreport; "
            "print(htmlreport.chart_svg(json.loads(sys.argv[1]))[:4])")
    env = {**os.environ, CHART_CACHE_ENV: str(cache)}
    first = subprocess.run([sys.executable, "-c", code, json.dumps(SPEC)], env=env,
                           capture_output=True, text=True, check=True)
    assert first.stdout.strip() == "<svg"
    files = list(cache.rglob("*.svg"))
    assert len(files) == 1 and "<svg" in files[0].read_text()
    files[0].write_text("<svg>from the cache</svg>")  # proves the next process reads it
    second = subprocess.run([sys.executable, "-c", code.replace("[:4]", ""), json.dumps(SPEC)],
                            env=env, capture_output=True, text=True, check=True)
    assert second.stdout.strip() == "<svg>from the cache</svg>"


def test_without_a_cache_folder_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.delenv(CHART_CACHE_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    htmlreport._svg_of.cache_clear()
    assert htmlreport.chart_svg(SPEC).startswith("<svg")
    assert not list(tmp_path.rglob("*"))


def test_lazy_chart_is_found_by_its_inputs_without_being_built(tmp_path, monkeypatch):
    """A chart drawn once is found again by its kind and data: the second LazyChart with the same
    key never calls its builder (in another process too, through the shared cache)."""
    import altair as alt
    import pandas as pd

    monkeypatch.setenv(CHART_CACHE_ENV, str(tmp_path / "charts"))
    rows = [{"q": "Q1", "n": 3}, {"q": "Q2", "n": 5}]
    built = []

    def make():
        built.append(1)
        return alt.Chart(pd.DataFrame(rows)).mark_bar().encode(x="q:N", y="n:Q")

    first = htmlreport.LazyChart(make, "bars", key=("test-bars", rows)).svg
    assert first.startswith("<svg") and built == [1]
    htmlreport._BY_INPUTS.clear()  # as in a new process: only the folder remains
    again = htmlreport.LazyChart(make, "bars", key=("test-bars", rows)).svg
    assert again == first and built == [1]
    other = htmlreport.LazyChart(make, "bars", key=("test-bars", rows[:1])).svg
    assert other.startswith("<svg") and built == [1, 1]  # other data: built and drawn
    assert htmlreport.LazyChart(lambda: None, "none", key=("nothing",)).svg is None
