"""Charts: specs built from aggregated data (no personal fields), SVG/HTML rendered offline."""

from __future__ import annotations

import datetime as dt
import json

import altair as alt
import pandas as pd
import pytest

from workbench.analysis import charts, rootcause, themes
from workbench.register.loader import Register


def register() -> Register:
    frame = pd.DataFrame({
        "reference": pd.array(["A", "B", "C", "D", "E"], dtype="string"),
        "record_kind": pd.array(["complaint", "complaint", "compliment", "complaint", "complaint"],
                                dtype="string"),
        "complainant_name": pd.array(["P-1a2b3c4d"] * 5, dtype="string"),
        "complainant_contact": pd.array(["P-9f8e7d6c"] * 5, dtype="string"),
        "date_received": pd.to_datetime(["2024-04-03", "2024-04-20", "2024-04-21", "2024-07-01",
                                         None]),
        "outcome": pd.array(["upheld", "not_upheld", None, "upheld", "partly_upheld"],
                            dtype="string"),
        "root_cause": pd.array(["Staff error", None, None, "staff error", "attitude"],
                               dtype="string"),
        "summary": pd.array(["late visit", "rude carer", "thank you", "late again", "late"],
                            dtype="string"),
        "actions": pd.array(["Retrain", None, None, "Rota", None], dtype="string"),
        "action_due": pd.to_datetime(["2024-05-01", None, None, "2024-08-01", None]),
        "action_completed": pd.to_datetime(["2024-04-28", None, None, None, None]),
        "_row": range(2, 7),
    })
    return Register(frame=frame)


def values(chart, layer: int | None = None) -> list[dict]:
    spec = chart.to_dict()
    data = spec["layer"][layer]["data"] if layer is not None and "data" in spec["layer"][layer] \
        else spec.get("data")
    if "values" in data:
        return data["values"]
    return spec["datasets"][data["name"]]


def no_personal_data(chart) -> None:
    text = json.dumps(chart.to_dict())
    assert "P-1a2b3c4d" not in text and "P-9f8e7d6c" not in text
    assert "complainant" not in text


def test_volume_trend():
    chart = charts.volume_trend(register())
    spec = chart.to_dict()
    assert spec["mark"]["type"] == "line"
    assert spec["encoding"]["x"]["field"] == "month" and spec["encoding"]["x"]["type"] == "temporal"
    assert spec["encoding"]["color"]["field"] == "kind"
    assert values(chart) == [
        {"month": "2024-04-01", "kind": "complaint", "count": 2},
        {"month": "2024-04-01", "kind": "compliment", "count": 1},
        {"month": "2024-07-01", "kind": "complaint", "count": 1},
    ]
    no_personal_data(chart)


def test_timeliness_bars_and_target_rule():
    frame = pd.DataFrame({
        "date_received": pd.to_datetime(["2024-04-01", "2024-04-15", "2024-04-20", "2024-05-02"]),
        "working_days": [10, 30, 20, None]})
    chart = charts.timeliness(frame, 20)
    spec = chart.to_dict()
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
             for layer in spec["layer"]]
    assert marks == ["bar", "rule"]
    assert values(chart, 0) == [{"month": "2024-04-01", "median_days": 20.0, "complaints": 3,
                                 "within_target_pct": 66.7}]
    assert values(chart, 1) == [{"target": 20.0}]


def test_outcome_mix():
    chart = charts.outcome_mix(register())
    spec = chart.to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["color"]["field"] == "outcome"
    assert values(chart) == [
        {"quarter": "2024-25 Q1", "outcome": "not_upheld", "count": 1},
        {"quarter": "2024-25 Q1", "outcome": "upheld", "count": 1},
        {"quarter": "2024-25 Q2", "outcome": "upheld", "count": 1},
    ]
    no_personal_data(chart)


def test_rootcause_pareto_bars_and_cumulative_line():
    chart = charts.rootcause_pareto(register())
    spec = chart.to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["bar", "line"]
    assert spec["resolve"] == {"scale": {"y": "independent"}}
    assert spec["layer"][1]["encoding"]["y"]["field"] == "cum_pct"
    assert spec["layer"][0]["encoding"]["x"]["sort"] == ["Human error",
                                                         "Inappropriate staff behaviour"]
    assert values(chart) == [
        {"label": "Human error", "count": 2, "pct": 66.7, "cum_pct": 66.7},
        {"label": "Inappropriate staff behaviour", "count": 1, "pct": 33.3, "cum_pct": 100.0},
    ]
    same = charts.rootcause_pareto(rootcause.pareto(register()))
    assert values(same) == values(chart)
    no_personal_data(chart)


def test_theme_heatmap():
    result = themes.discover(register())
    chart = charts.theme_heatmap(result)
    spec = chart.to_dict()
    assert spec["mark"]["type"] == "rect"
    assert spec["encoding"]["color"]["field"] == "share"
    rows = values(chart)
    assert {r["quarter"] for r in rows} == {"2024-25 Q1", "2024-25 Q2"}
    assert sum(r["count"] for r in rows) == 3  # dated complaints with a theme
    no_personal_data(chart)


def test_action_status():
    chart = charts.action_status(register(), dt.date(2024, 6, 30))
    assert chart.to_dict()["mark"]["type"] == "bar"
    assert values(chart) == [{"status": "completed", "count": 1}, {"status": "overdue", "count": 0},
                             {"status": "open", "count": 1}, {"status": "no due date", "count": 0}]
    with pytest.raises(ValueError):
        charts.action_status(register())


def test_personal_fields_are_refused():
    with pytest.raises(ValueError, match="personal"):
        charts._data(pd.DataFrame({"complainant_name": ["x"]}))


def test_to_svg_and_html_offline():
    chart = charts.rootcause_pareto(register())
    svg = charts.to_svg(chart)
    assert svg.lstrip().startswith("<svg") and 'class="marks"' in svg
    assert "<path" in svg and "Human error" in svg
    html = charts.to_html(chart)
    assert "<html" in html and "cdn.jsdelivr" not in html and "Human error" in html


def test_enable_offline_outside_jupyter_does_nothing():
    before = alt.renderers.active
    assert charts.enable_offline() is False
    assert alt.renderers.active == before


def test_empty_register_charts_build():
    frame = pd.DataFrame({"date_received": pd.Series(dtype="datetime64[ns]"),
                          "outcome": pd.Series(dtype="string"),
                          "root_cause": pd.Series(dtype="string"), "_row": pd.Series(dtype=int)})
    r = Register(frame=frame)
    for chart in (charts.volume_trend(r), charts.outcome_mix(r), charts.rootcause_pareto(r),
                  charts.theme_heatmap(themes.discover(r)),
                  charts.action_status(r, dt.date(2024, 1, 1))):
        chart.to_dict()


def test_a_date_received_in_error_is_on_no_chart_or_quarter():
    """hartwell-housing's register has one complaint received "1 Feb 2052" (flagged: after the
    reporting date, row 2163): it must not stretch the monthly chart to 2052 nor make a
    2051-52 quarter of themes, outcomes or types; the other dates are all kept."""
    from workbench.core.paths import SAMPLE_DATA_DIR as SAMPLE_DIR
    from workbench.register.loader import load_register

    reg = load_register(SAMPLE_DIR / "registers" / "hartwell-housing.xlsx",
                        SAMPLE_DIR / "mappings" / "hartwell-housing.yaml",
                        as_of=dt.date(2025, 3, 31))
    flagged = [i.row for i in reg.issues if i.check == "received_after_as_of"]
    assert flagged == [2163]
    dates = reg.trusted_dates("date_received")
    assert dates.max() <= pd.Timestamp("2025-03-31")
    assert dates.notna().sum() == reg.frame["date_received"].notna().sum() - 1

    months = {v["month"][:4] for v in values(charts.volume_trend(reg))}
    assert max(months) == "2025"
    quarters = {v["quarter"] for v in values(charts.outcome_mix(reg))}
    found = themes.discover(reg)
    quarters |= set(found.share["quarter"]) | set(found.types["quarter"])
    assert max(quarters) == "2024-25 Q4"
