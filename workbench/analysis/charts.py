"""Charts: Altair specs built from aggregated frames only, plus offline rendering helpers."""

from __future__ import annotations

import datetime as dt
import io
import math

import altair as alt
import pandas as pd

from workbench.analysis import actions as actions_mod
from workbench.analysis import rootcause
from workbench.analysis.themes import ThemeResult, fy_quarter
from workbench.register.loader import Register

PERSONAL_FIELDS = frozenset({"complainant_name", "complainant_contact"})
WIDTH, HEIGHT = 520, 260
# Drawn this wide and scaled to the page's width by the stylesheet (the SVG keeps its viewBox)
WIDE = 760
# Month bars: an ordinal axis of ISO month starts shown as "Apr 2024", so each bar fills its
# month's band with padding at both ends (a temporal axis draws thin slivers clipped at the ends)
MONTH_LABEL = "timeFormat(toDate(datum.value + 'T00:00:00'), '%b %Y')"
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
    received = register.trusted_dates("date_received")
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
            .encode(x=month_axis("Month received"),
                    y=alt.Y("median_days:Q", title="Median working days"),
                    tooltip=["month:T", "median_days:Q", "complaints:Q", "within_target_pct:Q"]))
    rule = (alt.Chart(pd.DataFrame({"target": [float(target)]}))
            .mark_rule(color="#c0392b", strokeDash=[6, 4])
            .encode(y="target:Q", tooltip=["target:Q"]))
    heading = alt.TitleParams(title, subtitle=f"Dashed red line: the target, {float(target):g} "
                                              "working days")
    return alt.layer(bars, rule, title=heading).properties(width=WIDTH, height=HEIGHT)


def month_axis(title: str = "Month", field: str = "month") -> alt.X:
    """An x axis of ISO month starts ("2024-04-01") as bands labelled "Apr 2024"."""
    return alt.X(f"{field}:O", title=title, scale=alt.Scale(paddingInner=0.15, paddingOuter=0.3),
                 axis=alt.Axis(labelExpr=MONTH_LABEL, labelAngle=0, labelOverlap=True))


def target_rule(value: float, text: str, *, field: str = "target") -> alt.LayerChart:
    """A dashed horizontal line at ``value`` with ``text`` written on it at the right end."""
    frame = pd.DataFrame({field: [float(value)], "label": [text]})
    base = alt.Chart(frame)
    rule = base.mark_rule(color="#b71c1c", strokeDash=[6, 4]).encode(y=f"{field}:Q")
    label = base.mark_text(align="right", baseline="bottom", dy=-3, color="#b71c1c",
                           fontSize=11, x="width").encode(y=f"{field}:Q", text="label:N")
    return alt.layer(rule, label)


FUNNEL_FLAGS = ["above 99.8 %", "above 95 %", "within", "below 95 %", "below 99.8 %"]
FUNNEL_COLOURS = ["#b2182b", "#d6604d", "#4d4d4d", "#4393c3", "#2166ac"]
_Z = {"95": 1.96, "998": 3.09}
_CHAR_PX, _LINE_PX = 6.0, 12.0  # a 10 px label's average character width and line height


def _funnel_labels(points: pd.DataFrame, pooled: float, x_max: float, y_max: float,
                   width: float, height: float) -> pd.DataFrame:
    """Where each provider's name goes: beside its point, moved up or down (or to the left)
    until it overlaps no other label, no point and not the pooled-rate line."""
    def px(n: float, rate: float) -> tuple[float, float]:
        return math.sqrt(n / x_max) * width, (1 - rate / y_max) * height

    centre_y = px(1, pooled)[1]
    dots = [px(n, r) for n, r in zip(points["n"], points["rate"], strict=True)]
    boxes: list[tuple[float, float, float, float]] = [(x - 4, y - 4, x + 4, y + 4)
                                                      for x, y in dots]
    rows = []
    order = sorted(range(len(points)), key=lambda i: dots[i][1])
    for i in order:
        x, y = dots[i]
        name = str(points["name"].iloc[i])
        w = _CHAR_PX * len(name)
        best = None
        for dy in (0, -1, 1, -2, 2, -3, 3, -4, 4, -5, 5):
            for side in ("left", "right") if x + 8 + w > width else ("right", "left"):
                cy = y + dy * _LINE_PX
                x0 = x + 8 if side == "right" else x - 8 - w
                box = (x0, cy - _LINE_PX / 2, x0 + w, cy + _LINE_PX / 2)
                inside = box[0] >= -40 and box[2] <= width + 40 and box[1] >= 0 and box[3] <= height
                on_line = box[1] - 1 < centre_y < box[3] + 1
                clash = any(b[0] < box[2] and box[0] < b[2] and b[1] < box[3] and box[1] < b[3]
                            for b in boxes)
                if inside and not on_line and not clash:
                    best = (box, side, cy)
                    break
            if best:
                break
        if best is None:  # nowhere free: beside the point
            best = ((x + 8, y - 6, x + 8 + w, y + 6), "right", y)
        box, side, cy = best
        boxes.append(box)
        rows.append({"name": name, "side": side,
                     "n": x_max * ((x + (8 if side == "right" else -8)) / width) ** 2
                     if x + (8 if side == "right" else -8) > 0 else 0.0,
                     "rate": max(0.0, (1 - cy / height) * y_max)})
    return pd.DataFrame(rows, columns=["name", "side", "n", "rate"])


def funnel_plot(data: pd.DataFrame, *, rate_title: str = "Upheld rate",
                n_title: str = "Complaints with a decided outcome", title: str | None = None,
                width: int = WIDE, height: int = 360) -> alt.LayerChart:
    """Each provider's rate against its number of complaints (``data``: name, n, count, rate,
    pooled, flag) with the pooled rate and the 95 % (dashed) and 99.8 % (solid) control limits.
    The x axis is a square-root scale, so one large provider does not push the rest into a
    corner; every provider is named beside its point, and no name sits on another or on the
    pooled-rate line."""
    if data.empty:
        p, n_max, top = 0.0, 10.0, 1.0
    else:
        p = float(data["pooled"].iloc[0])
        n_max = float(max(data["n"].max() * 1.15, 10))
        top = float(min(1.0, max(data["rate"].max(), p) * 1.35 + 0.05))
    grid = sorted({max(1.0, round(n_max * (i / 120) ** 2, 2)) for i in range(121)})
    curves = []
    for lvl, name in (("95", "95 %"), ("998", "99.8 %")):
        for side, sign in (("lower", -1), ("upper", 1)):
            for n in grid:
                se = math.sqrt(p * (1 - p) / n) if n else 0.0
                curves.append({"n": n, "rate": min(max(p + sign * _Z[lvl] * se, 0.0), 1.0),
                               "line": f"{name} {side}", "level": name})
    x_scale = alt.Scale(type="sqrt", domain=[0, n_max], nice=False)
    y_scale = alt.Scale(domain=[0, top], nice=False, clamp=True)
    x = alt.X("n:Q", title=n_title, scale=x_scale,
              axis=alt.Axis(labelOverlap=True, tickCount=6, format="~s"))
    y = alt.Y("rate:Q", title=rate_title, axis=alt.Axis(format="%"), scale=y_scale)
    lines = alt.Chart(pd.DataFrame(curves)).mark_line(clip=True).encode(
        x=x, y=y, detail="line:N",
        strokeDash=alt.StrokeDash("level:N", title="Control limit",
                                  scale=alt.Scale(domain=["95 %", "99.8 %"],
                                                  range=[[4, 3], [1, 0]])),
        color=alt.value("#757575"))
    centre = alt.Chart(pd.DataFrame({"rate": [p]})).mark_rule(color="#212121").encode(y="rate:Q")
    cols = ["name", "n", "count", "rate", "flag"]
    pts = (data[cols].astype({"name": object, "flag": object}).reset_index(drop=True)
           if not data.empty else pd.DataFrame({c: [] for c in cols}))
    points = alt.Chart(pts).mark_point(filled=True, size=80, opacity=1).encode(
        x=x, y=y,
        color=alt.Color("flag:N", title="Position",
                        scale=alt.Scale(domain=FUNNEL_FLAGS, range=FUNNEL_COLOURS)),
        tooltip=["name:N", alt.Tooltip("n:Q", title=n_title), "count:Q",
                 alt.Tooltip("rate:Q", format=".1%", title=rate_title), "flag:N"])
    layers = [lines, centre, points]
    if not pts.empty:
        placed = _funnel_labels(pts, p, n_max, top, width, height)
        for side, align in (("right", "left"), ("left", "right")):
            part = placed[placed["side"] == side]
            if not part.empty:
                layers.append(alt.Chart(part).mark_text(
                    align=align, baseline="middle", fontSize=10, color="#212121").encode(
                    x=alt.X("n:Q", scale=x_scale), y=alt.Y("rate:Q", scale=y_scale),
                    text="name:N"))
    heading = title or f"{rate_title} by number of {n_title[:1].lower() + n_title[1:]}"
    return alt.layer(*layers, title=alt.TitleParams(
        heading, subtitle="Line: the rate over all providers; dashed and solid curves: the "
                          "95 % and 99.8 % control limits")).properties(width=width,
                                                                        height=height)


def outcome_mix(register: Register) -> alt.Chart:
    """Outcomes of complaints per UK financial quarter (stacked bars, counts)."""
    frame = register.frame[_complaint_mask(register.frame)]
    received = register.trusted_dates("date_received", frame)
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
    # labels slanting down from their tick, left-aligned: PDF engines (WeasyPrint) misplace
    # right-aligned rotated SVG text and clip the first label at the chart's edge
    x = alt.X("label:N", sort=order, title="Root cause",
              axis=alt.Axis(labelAngle=30, labelAlign="left", labelLimit=180))
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
