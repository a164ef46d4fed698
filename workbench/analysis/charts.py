"""Charts: Altair specs built from aggregated frames only, plus offline rendering helpers."""

from __future__ import annotations

import datetime as dt
import io

import altair as alt
import pandas as pd

from workbench.analysis import actions as actions_mod
from workbench.analysis import rootcause
from workbench.analysis.themes import ThemeResult, fy_quarter
from workbench.register.loader import Register

PERSONAL_FIELDS = frozenset({"complainant_name", "complainant_contact"})
WIDTH, HEIGHT = 520, 260
OUTCOME_ORDER = ["upheld", "partly_upheld", "not_upheld", "not recorded"]
OUTCOME_COLOURS = ["#c0392b", "#e67e22", "#27ae60", "#95a5a6"]
STATUS_COLOURS = ["#27ae60", "#c0392b", "#2980b9", "#95a5a6"]


def _data(frame: pd.DataFrame) -> pd.DataFrame:
    """The aggregated frame a chart embeds: never personal fields, plain JSON-able values."""
    leaked = PERSONAL_FIELDS & set(frame.columns)
    if leaked:
        raise ValueError(f"a chart may not embed personal fields: {', '.join(sorted(leaked))}")
    out = frame.reset_index(drop=True).copy()
    for c in out.columns:
        if pd.api.types.is_string_dtype(out[c]) or isinstance(out[c].dtype, pd.StringDtype):
            out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out


def _month(dates: pd.Series) -> pd.Series:
    return pd.to_datetime(dates).dt.to_period("M").dt.start_time.dt.strftime("%Y-%m-%d")


def _complaint_mask(frame: pd.DataFrame) -> pd.Series:
    if "record_kind" not in frame:
        return pd.Series(True, index=frame.index)
    return frame["record_kind"].astype("string").fillna("complaint").ne("compliment")


def enable_offline() -> bool:
    """In JupyterLab / Voilà, render charts with the offline "jupyter" (anywidget) renderer.

    Returns True when enabled, False outside a Jupyter kernel (batch scripts use to_svg/to_html).
    Never uses a CDN, never the mimetype renderer (rejected by nbformat in Altair 6).
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return False
    alt.renderers.enable("jupyter", offline=True)
    return True


def to_svg(chart: alt.TopLevelMixin) -> str:
    """The chart as SVG text, rendered locally by vl-convert (no network)."""
    buf = io.StringIO()
    chart.save(buf, format="svg")
    return buf.getvalue()


def to_html(chart: alt.TopLevelMixin) -> str:
    """A self-contained HTML page (Vega libraries inlined, works offline)."""
    return chart.to_html(inline=True)


def volume_trend(register: Register) -> alt.Chart:
    """Complaints and compliments received per month (line chart)."""
    frame = register.frame
    kind = (frame["record_kind"].astype("string").fillna("complaint") if "record_kind" in frame
            else pd.Series("complaint", index=frame.index, dtype="string"))
    received = frame["date_received"] if "date_received" in frame else pd.Series(
        pd.NaT, index=frame.index, dtype="datetime64[ns]")
    keep = received.notna()
    counts = (pd.DataFrame({"month": _month(received[keep]), "kind": kind[keep]})
              .groupby(["month", "kind"]).size().rename("count").reset_index())
    return (alt.Chart(_data(counts), title="Complaints and compliments received per month")
            .mark_line(point=True)
            .encode(x=alt.X("month:T", title="Month", axis=alt.Axis(format="%b %Y")),
                    y=alt.Y("count:Q", title="Received"),
                    color=alt.Color("kind:N", title="Record"),
                    tooltip=["month:T", "kind:N", "count:Q"])
            .properties(width=WIDTH, height=HEIGHT))


def timeliness(frame: pd.DataFrame, target: float, *, days: str = "working_days",
               date: str = "date_received",
               title: str = "Working days to respond") -> alt.LayerChart:
    """Median working days to respond per month (bars) against the target (dashed rule).

    ``frame`` has one row per complaint with a ``days`` column (working days, computed by the
    caller) and a ``date`` column; rows without days are left out. Tooltips give the count and %
    within target per month.
    """
    rows = frame[[date, days]].dropna()
    rows = rows.assign(month=_month(rows[date]), within=rows[days] <= target)
    agg = (rows.groupby("month")
           .agg(median_days=(days, "median"), complaints=(days, "size"), within=("within", "mean"))
           .reset_index())
    agg["within_target_pct"] = (100 * agg.pop("within")).round(1)
    agg["median_days"] = agg["median_days"].astype("float64")
    bars = (alt.Chart(_data(agg))
            .mark_bar()
            .encode(x=alt.X("month:T", title="Month received", axis=alt.Axis(format="%b %Y")),
                    y=alt.Y("median_days:Q", title="Median working days"),
                    tooltip=["month:T", "median_days:Q", "complaints:Q", "within_target_pct:Q"]))
    rule = (alt.Chart(pd.DataFrame({"target": [float(target)]}))
            .mark_rule(color="#c0392b", strokeDash=[6, 4])
            .encode(y="target:Q", tooltip=["target:Q"]))
    return alt.layer(bars, rule, title=title).properties(width=WIDTH, height=HEIGHT)


def outcome_mix(register: Register) -> alt.Chart:
    """Outcomes of complaints per UK financial quarter (stacked bars, counts)."""
    frame = register.frame[_complaint_mask(register.frame)]
    received = (frame["date_received"] if "date_received" in frame
                else pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]"))
    outcome = (frame["outcome"].astype("string") if "outcome" in frame
               else pd.Series(pd.NA, index=frame.index, dtype="string")).fillna("not recorded")
    quarter = fy_quarter(received)
    keep = quarter.notna()
    counts = (pd.DataFrame({"quarter": quarter[keep], "outcome": outcome[keep]})
              .groupby(["quarter", "outcome"]).size().rename("count").reset_index())
    return (alt.Chart(_data(counts), title="Complaint outcomes per financial quarter")
            .mark_bar()
            .encode(x=alt.X("quarter:O", title="Financial quarter"),
                    y=alt.Y("count:Q", title="Complaints"),
                    color=alt.Color("outcome:N", title="Outcome",
                                    scale=alt.Scale(domain=OUTCOME_ORDER, range=OUTCOME_COLOURS)),
                    order=alt.Order("outcome:N"),
                    tooltip=["quarter:O", "outcome:N", "count:Q"])
            .properties(width=WIDTH, height=HEIGHT))


def rootcause_pareto(data: Register | pd.DataFrame) -> alt.LayerChart:
    """Root causes of upheld/partly upheld complaints: bars (count) + cumulative % line.

    ``data`` is a Register or a `rootcause.pareto` frame (label, count, cum_pct).
    """
    table = rootcause.pareto(data) if isinstance(data, Register) else data
    table = table[["label", "count", "pct", "cum_pct"]].copy()
    order = [str(v) for v in table["label"]]
    x = alt.X("label:N", sort=order, title="Root cause", axis=alt.Axis(labelAngle=-30,
                                                                       labelLimit=180))
    base = alt.Chart(_data(table))
    bars = base.mark_bar(color="#2c6e9b").encode(
        x=x, y=alt.Y("count:Q", title="Upheld / partly upheld complaints"),
        tooltip=["label:N", "count:Q", "pct:Q", "cum_pct:Q"])
    line = base.mark_line(point=True, color="#c0392b").encode(
        x=x, y=alt.Y("cum_pct:Q", title="Cumulative %", scale=alt.Scale(domain=[0, 100])))
    return (alt.layer(bars, line, title="Root causes (Pareto)").resolve_scale(y="independent")
            .properties(width=WIDTH, height=HEIGHT))


def theme_heatmap(data: ThemeResult | pd.DataFrame) -> alt.Chart:
    """Share of each theme per financial quarter (heatmap): a ThemeResult or its ``share`` frame
    (quarter, label, share, count)."""
    table = data.share if isinstance(data, ThemeResult) else data
    table = table[["quarter", "label", "count", "share"]].copy()
    table["share"] = table["share"].astype("float64").round(4)
    return (alt.Chart(_data(table), title="Themes: share of complaints per financial quarter")
            .mark_rect()
            .encode(x=alt.X("quarter:O", title="Financial quarter"),
                    y=alt.Y("label:N", title="Theme"),
                    color=alt.Color("share:Q", title="Share", scale=alt.Scale(scheme="blues"),
                                    legend=alt.Legend(format="%")),
                    tooltip=["quarter:O", "label:N", "count:Q",
                             alt.Tooltip("share:Q", format=".1%")])
            .properties(width=WIDTH, height=HEIGHT))


def action_status(data: Register | pd.DataFrame, as_of: dt.date | pd.Timestamp | None = None
                  ) -> alt.Chart:
    """Improvement actions by status (completed / overdue / open / no due date), horizontal bars.

    ``data`` is a Register (``as_of`` required) or an `actions.actions_table` frame.
    """
    if isinstance(data, Register):
        if as_of is None:
            raise ValueError("action_status(register) needs as_of")
        data = actions_mod.actions_table(data, as_of)
    counts = (data["status"].astype("string").value_counts()
              .reindex(list(actions_mod.STATUSES), fill_value=0)
              .rename_axis("status").rename("count").reset_index())
    counts["count"] = counts["count"].astype("int64")
    return (alt.Chart(_data(counts), title="Improvement actions by status")
            .mark_bar()
            .encode(y=alt.Y("status:N", sort=list(actions_mod.STATUSES), title=None),
                    x=alt.X("count:Q", title="Actions"),
                    color=alt.Color("status:N", legend=None,
                                    scale=alt.Scale(domain=list(actions_mod.STATUSES),
                                                    range=STATUS_COLOURS)),
                    tooltip=["status:N", "count:Q"])
            .properties(width=WIDTH, height=HEIGHT // 2))
