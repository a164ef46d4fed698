"""Report HTML building blocks: table cells and the shared chart cache."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from workbench.core.paths import CHART_CACHE_ENV
from workbench.reports import htmlreport

SPEC = {"data": {"values": [{"a": "x", "b": 3}, {"a": "y", "b": 5}]}, "mark": "bar",
        "encoding": {"x": {"field": "a", "type": "nominal"},
                     "y": {"field": "b", "type": "quantitative"}}}


@pytest.mark.parametrize(("value", "kind", "expected"), [
    (12.345, "pct", '<td class="num">12.3\u00a0%</td>'),
    (1234, "num", '<td class="num">1,234</td>'),
    (210.0, "num", '<td class="num">210</td>'),
    (17.25, "num", '<td class="num">17.2</td>'),
    (209.6, "int", '<td class="num">210</td>'),
    (None, "num", '<td class="num">–</td>'),
    ("<5", "num", '<td class="num">&lt;5</td>'),
    ("<5", "int", '<td class="num">&lt;5</td>'),
    ("2023-07-04T00:00:00.000", "date", '<td class="date">4 Jul 2023</td>'),
    (pd.Timestamp("2024-11-09"), "date", '<td class="date">9 Nov 2024</td>'),
    (None, "date", '<td class="date">–</td>'),
    ("on track", "status", '<td class="status status-on-track rag-on-track">On track</td>'),
    ("not met", "status", '<td class="status status-not-met rag-not-met">Not met</td>'),
    ("green", "status", '<td class="status status-green rag-green">Green</td>'),
    ("no action", "status", '<td class="status status-no-action rag-no-action">No action</td>'),
    (True, "text", "<td>Yes</td>"),
    ("<script>x</script>", "text", "<td>&lt;script&gt;x&lt;/script&gt;</td>"),
    ("5.8 % of 40 complaints", "text", "<td>5.8\u00a0% of 40 complaints</td>"),
])
def test_table_cell_formats_and_escapes(value, kind, expected):
    assert str(htmlreport.table_cell(value, kind)) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (dt.date(2023, 7, 4), "4 Jul 2023"),
    (dt.datetime(2023, 7, 4, 0, 0), "4 Jul 2023"),
    (pd.Timestamp("2023-07-04"), "4 Jul 2023"),
    ("2023-07-04", "4 Jul 2023"),
    ("2023-07-04T00:00:00.000", "4 Jul 2023"),
    ("2025-12-31T00:00:00", "31 Dec 2025"),
    (pd.NaT, "–"),
    (None, "–"),
    ("not a date", "not a date"),
])
def test_uk_dates(value, expected):
    assert htmlreport.fmt_date(value) == expected


def test_values_as_a_reader_sees_them():
    fmt = htmlreport.fmt
    assert fmt(210.0) == "210" and fmt(12.5) == "12.5" and fmt(1234567) == "1,234,567"
    assert fmt(0.0) == "0" and fmt(float("nan")) == "–" and fmt(pd.NA) == "–"
    assert fmt(False) == "No" and fmt(True) == "Yes"
    assert fmt("2024-03-31T00:00:00.000") == "31 Mar 2024" and fmt("2024-25 Q1") == "2024-25 Q1"
    assert htmlreport.fmt_int(12.0) == "12" and htmlreport.fmt_int(None) == "–"
    assert htmlreport.fmt_pct(83.5) == "83.5\u00a0%" and htmlreport.fmt_pct("<5") == "<5"
    assert htmlreport.period_text("2024-25") == "2024-25 (1 Apr 2024 to 31 Mar 2025)"
    assert htmlreport.period_text("2024-25 Q3") == "2024-25 Q3 (1 Oct 2024 to 31 Dec 2024)"
    assert htmlreport.period_text("whenever") == "whenever"


def test_report_templates_keep_percentages_on_one_line():
    html = htmlreport.ENV.from_string("<p>{{ text }}</p>").render(text="known on 41 % of 9")
    assert html == "<p>known on 41\u00a0% of 9</p>"


def test_wide_tables_scroll_in_a_named_region():
    cols = [(f"c{i}", f"Column {i}", "num") for i in range(8)]
    html = htmlreport.ENV.from_string(
        '{% import "_macros.html.j2" as m %}{{ m.table("Wide", cols, rows, name="Oak") }}'
        '{{ m.table("Narrow", cols[:3], rows) }}').render(cols=cols, rows=[{"c0": 1}])
    assert html.count('role="region"') == 1
    assert '<div class="table-wrap" role="region" aria-label="Wide: Oak" tabindex="0">' in html


def test_report_table_renders_every_cell():
    html = htmlreport.ENV.from_string(
        '{% import "_macros.html.j2" as m %}{{ m.table("T", cols, rows) }}').render(
        cols=[("n", "Count", "num"), ("p", "Share", "pct")],
        rows=[{"n": 3, "p": 50.0}, {"n": None, "p": "<5"}])
    assert html.count("<td") == 4 and "50.0\u00a0%" in html and "&lt;5" in html


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
