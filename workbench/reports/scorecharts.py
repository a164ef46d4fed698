"""The scorecard's charts, drawn from a provider's results (aggregates only): shown by the
dashboards, and drawn ahead by the batch into the shared chart cache so a dashboard page only
reads them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd

from workbench.analysis.charts import WIDE, month_axis, rootcause_pareto, target_rule, theme_heatmap
from workbench.reports import htmlreport
from workbench.reports.results import ProviderResults, theme_table


def volume_chart(results: ProviderResults) -> alt.Chart | None:
    """Complaints received per month."""
    months = (results.kpis or {}).get("by_month") or {}
    if not months:
        return None
    data = pd.DataFrame({"month": [f"{m}-01" for m in months], "complaints": list(months.values())})
    return (alt.Chart(data, title="Complaints received per month").mark_bar(color="#2c6e9b")
            .encode(x=month_axis("Month received"),
                    y=alt.Y("complaints:Q", title="Complaints"),
                    tooltip=[alt.Tooltip("month:T", format="%b %Y"), "complaints:Q"])
            .properties(width=WIDE, height=220))


def _quarter_labels(frame: pd.DataFrame, period: str) -> list[str]:
    if "quarter" in frame:
        return [str(q) for q in frame["quarter"]]
    if not isinstance(frame.index, pd.RangeIndex):
        return [str(q) for q in frame.index]
    return [f"{period} Q{i + 1}" for i in range(len(frame))]  # older results.json


# The level the timeliness chart's line marks when the rubric sets none for responses
TIMELINESS_LINE = 90.0


def timeliness_chart(results: ProviderResults) -> alt.Chart | None:
    """% acknowledged and responded to within target per quarter, against the rubric's expected
    level for responses (90 % when it sets none), the line labelled."""
    frame = results.by_period if isinstance(results.by_period, pd.DataFrame) else pd.DataFrame()
    cols = [c for c in ("acknowledged_within_target_pct", "responded_within_target_pct")
            if c in frame]
    if frame.empty or not cols:
        return None
    data = frame[cols].astype("float64").assign(quarter=_quarter_labels(frame, results.period))
    long = data.melt("quarter", var_name="measure", value_name="pct").dropna()
    long["measure"] = long["measure"].map({"acknowledged_within_target_pct": "Acknowledged",
                                           "responded_within_target_pct": "Responded to"})
    lines = alt.Chart(long).mark_line(point=True).encode(
        x=alt.X("quarter:O", title="Financial quarter"),
        y=alt.Y("pct:Q", title="% within target", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("measure:N", title="Within target"),
        tooltip=["quarter:O", "measure:N", "pct:Q"])
    exp = (results.expectations or {}).get("responded_within_target_pct") or {}
    try:
        level = float(exp.get("threshold", TIMELINESS_LINE))
    except (TypeError, ValueError):
        level = TIMELINESS_LINE
    words = "expected level" if exp else "reference level"
    rule = target_rule(level, f"{words}: {level:g} % within target", field="pct")
    return alt.layer(lines, rule, title="Timeliness per quarter").properties(width=WIDE,
                                                                             height=220)


def pareto_chart(results: ProviderResults) -> alt.Chart | None:
    """Root causes of upheld complaints as a Pareto chart."""
    pareto = results.pareto if isinstance(results.pareto, pd.DataFrame) else pd.DataFrame()
    if pareto.empty or not {"label", "count", "pct", "cum_pct"} <= set(pareto.columns):
        return None
    return rootcause_pareto(pareto).properties(width=WIDE, height=240)


def themes_chart(results: ProviderResults) -> alt.Chart | None:
    """Each theme's share of complaints per quarter as a heatmap."""
    share = theme_table(results.themes, "share")
    if share.empty or not {"quarter", "label", "count", "share"} <= set(share.columns):
        return None
    return theme_heatmap(share).properties(width=WIDE, height=240)


def scorecard_charts(results: ProviderResults) -> dict[str, alt.TopLevelMixin]:
    """The scorecard's charts by name; a chart with nothing to draw is left out."""
    makers: dict[str, Callable[[ProviderResults], Any]] = {
        "volumes": volume_chart, "timeliness": timeliness_chart, "pareto": pareto_chart,
        "themes": themes_chart}
    out = {}
    for name, make in makers.items():
        chart = make(results)
        if chart is not None:
            out[name] = chart
    return out


def cache_enabled() -> bool:
    """True when there is a shared chart cache to draw into (the batch sets one)."""
    return htmlreport.chart_cache_folder() is not None


def prerender(results: ProviderResults) -> int:
    """Draw the scorecard's charts into the shared chart cache (nothing when there is none).
    ``results`` as the dashboards read them (from results.json), so the specs match. Returns
    how many charts were drawn or found."""
    if not cache_enabled():
        return 0
    figures = scorecard_charts(results)
    for chart in figures.values():
        htmlreport.chart_svg(chart)
    return len(figures)
