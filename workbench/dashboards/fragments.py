"""The dashboards' HTML fragments, rendered from templates/_dashboard.html.j2, and their figures."""

from __future__ import annotations

import html
import itertools
import math
import numbers
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import altair as alt
import pandas as pd
from jinja2 import Environment
from markupsafe import Markup

from workbench.analysis.measures import coverage_text, measure
from workbench.reports import htmlreport
from workbench.reports.excel import Rag
from workbench.reports.portfolio import funnel_data, funnel_plot, pooled_rate, portfolio_table
from workbench.reports.redaction import redact
from workbench.reports.results import ProviderResults, theme_table
from workbench.reports.scorecard import expected_text, kpi_rag

SCORECARD_NOTEBOOK = "scorecard_dashboard.ipynb"
SECTION_RAG = Rag(green=80, amber=60)
ACTION_TEXT_LIMIT = 200


def esc(value: Any) -> str:
    """``value`` as HTML-safe text (every value from data goes through this)."""
    return html.escape("" if value is None else str(value), quote=True)


def _escaped(value: Any) -> Any:
    """Each ``{{ value }}`` of a dashboard template: a fragment rendered already (Markup) as is,
    anything else escaped by ``esc`` (None as "", ' as &#x27;: the text the pages always had)."""
    return value if hasattr(value, "__html__") else Markup(esc(value))


def is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def fmt(value: Any, unit: str = "", digits: int = 1) -> str:
    """A figure for display: "–" when missing, integers plain, others rounded."""
    if is_missing(value):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}{unit}"
    if isinstance(value, numbers.Real):
        v = float(value)
        return f"{v:,.0f}{unit}" if v.is_integer() else f"{v:,.{digits}f}{unit}"
    return f"{value}"


def rag_of(pct: float | None, rule: Rag = SECTION_RAG) -> str | None:
    """"green" (>= 80 %), "amber" (>= 60 %) or "red" for a section %, None when missing."""
    return None if is_missing(pct) else rule.status(pct)


def _environment() -> Environment:
    env = htmlreport.environment(finalize=_escaped)
    env.filters["figure"] = fmt
    return env


ENV = _environment()


def _render(macro: str, *args: Any) -> str:
    """The ``macro`` of _dashboard.html.j2 called with ``args``, as text."""
    return str(getattr(ENV.get_template("_dashboard.html.j2").module, macro)(*args))


CSS = _render("stylesheet")


def message_html(text: str) -> str:
    return _render("message", text)


def heading_html(text: str, level: int = 3) -> str:
    return _render("heading", text, level)


def empty_html(text: str) -> str:
    """A note in place of a table or chart that has nothing to show."""
    return _render("empty", text)


# ---------------------------------------------------------------- tables


@dataclass(frozen=True)
class TableView:
    """What _dashboard.html.j2's ``table`` shows: headings, which columns are numbers, the rows'
    values (formatted and escaped by the template), the table's class and the empty note."""

    headings: list[str]
    numeric: list[bool]
    rows: list[tuple[Any, ...]]
    css: str
    empty: str


def table_view(frame: pd.DataFrame | None, columns: dict[str, str], *, css: str = "",
               empty: str = "None.", numeric: Iterable[str] = ()) -> TableView:
    """The ``columns`` (key -> heading) of ``frame`` that it holds, as a TableView."""
    if frame is None or frame.empty:
        return TableView([], [], [], css, empty)
    cols = [c for c in columns if c in frame.columns]
    nums = set(numeric)
    return TableView([columns[c] for c in cols], [c in nums for c in cols],
                     list(frame[cols].astype(object).itertuples(index=False, name=None)),
                     css, empty)


def table_html(frame: pd.DataFrame | None, columns: dict[str, str], *, css: str = "",
               empty: str = "None.", numeric: Iterable[str] = ()) -> str:
    """A small HTML table of ``columns`` (key -> heading), every cell escaped."""
    return _render("table", table_view(frame, columns, css=css, empty=empty, numeric=numeric))


# ---------------------------------------------------------------- the scorecard


def total_text(results: ProviderResults) -> str:
    """"63 / 85", or "not scored / 85" when the store holds no assessment."""
    total = "not scored" if results.total_score is None else str(results.total_score)
    return f"{total} / {results.max_score}"


def header_html(results: ProviderResults, source: str | None = None) -> str:
    when = (results.last_updated.strftime("%d %b %Y %H:%M") if results.last_updated else None)
    return _render("header", results, when, source)


def headline_html(results: ProviderResults) -> str:
    total, top = results.total_score, results.max_score
    pct = round(100 * total / top, 1) if total is not None and top else None
    return _render("headline", total, top, total_text(results), pct, rag_of(pct))


def sections_html(results: ProviderResults) -> str:
    return _render("sections", [(s, rag_of(s.pct), max(0.0, min(100.0, s.pct)))
                                for s in results.sections])


@dataclass(frozen=True)
class Tile:
    """One KPI tile: the figure, its display text, the target, the RAG status and coverage."""

    key: str
    label: str
    value: Any
    text: str
    target: str
    rag: str | None
    coverage: str = ""


def _open_past_20(k: dict[str, Any]) -> Any:
    return (k.get("open") or {}).get("past_20_working_days")


def kpi_tiles(results: ProviderResults) -> list[Tile]:
    """The headline KPI tiles: each figure with its coverage and the rubric's expected level
    (one definition and one expectation wherever the figure is shown)."""
    k = results.kpis or {}
    coverage = k.get("coverage") or {}
    expectations = results.expectations or {}
    targets = {**(results.targets or {}), **(k.get("targets") or {})}
    ack, resp = targets.get("acknowledge_days"), targets.get("respond_days")
    resp_rule = Rag(resp, resp * 1.25, higher_is_better=False) if resp else None

    def target(days: Any, key: str) -> str:
        parts = [f"target {days} working days" if days else "",
                 expected_text(key, expectations)]
        return "; ".join(p for p in parts if p)

    specs: list[tuple[str, str, Any, str, str, Rag | None, str]] = [
        ("complaints", "Complaints received", k.get("complaints"), "", "", None, ""),
        ("acknowledged_within_target_pct", measure("acknowledged_within_target_pct").label,
         k.get("acknowledged_within_target_pct"), " %",
         target(ack, "acknowledged_within_target_pct"),
         kpi_rag("acknowledged_within_target_pct", expectations),
         "acknowledged_within_target_pct"),
        ("responded_within_target_pct", measure("responded_within_target_pct").label,
         k.get("responded_within_target_pct"), " %",
         target(resp, "responded_within_target_pct"),
         kpi_rag("responded_within_target_pct", expectations), "responded_within_target_pct"),
        ("median_working_days_to_respond", "Median working days to respond",
         k.get("median_working_days_to_respond"), "",
         f"target {resp} working days" if resp else "", resp_rule,
         "median_working_days_to_respond"),
        ("upheld_pct", "Upheld or partly upheld", k.get("upheld_pct"), " %",
         "of complaints with an outcome", None, "upheld_pct"),
        ("escalated_pct", "Escalated", k.get("escalated_pct"), " %",
         "beyond the first response", None, "escalated_pct"),
        ("open_past_20_working_days", "Open past 20 working days", _open_past_20(k), "",
         "target 0", Rag(0, 2, higher_is_better=False), ""),
        ("rca_coverage", measure("rca_coverage_pct").label, results.rca_coverage, " %",
         "; ".join(p for p in ("of upheld complaints",
                               expected_text("rca_coverage", expectations)) if p),
         kpi_rag("rca_coverage", expectations), "indicators.rca_coverage_pct"),
    ]
    return [Tile(key, label, None if is_missing(value) else value,
                 fmt(value, unit) if not is_missing(value) else "unknown", tgt,
                 rule.status(value) if rule is not None and not is_missing(value) else None,
                 coverage_text(cov_key, coverage.get(cov_key)) if cov_key else "")
            for key, label, value, unit, tgt, rule, cov_key in specs]


def tiles_html(tiles: Iterable[Tile]) -> str:
    return _render("tiles", list(tiles))


def _as_pct(frame: pd.DataFrame, *cols: str) -> None:
    """Shares (0-1) in ``cols`` of ``frame`` as percentages, in place."""
    for col in cols:
        if col in frame:
            frame[col] = (100 * pd.to_numeric(frame[col], errors="coerce")).round(1)


def themes_html(results: ProviderResults) -> str:
    """Themes (label, top terms, size, share) and the emerging themes and types; no example
    references."""
    themes = theme_table(results.themes, "themes").copy()
    if not themes.empty:
        if "terms" in themes:
            themes["terms"] = themes["terms"].map(
                lambda t: ", ".join(map(str, t)) if isinstance(t, list | tuple) else t)
        _as_pct(themes, "share")
    emerging = theme_table(results.themes, "emerging")
    emerging_types = theme_table(results.themes, "emerging_types")
    flagged = [frame[frame["emerging"].astype(bool)] if "emerging" in frame else frame
               for frame in (emerging, emerging_types)]
    for frame in flagged:
        _as_pct(frame, "share", "baseline_share")
    rising = {"quarter": "Quarter", "count": "Complaints", "share": "Share %",
              "baseline_share": "Earlier share %", "ratio": "Ratio"}
    rising_numbers = ("count", "share", "baseline_share", "ratio")
    return _render(
        "themes",
        table_view(themes, {"theme": "Theme", "label": "Label", "terms": "Top terms",
                            "size": "Complaints", "share": "Share %"},
                   css="wb-themes", empty="No themes found.", numeric=("size", "share")),
        table_view(flagged[0], {"label": "Theme", **rising}, css="wb-emerging",
                   empty="No emerging theme this period.", numeric=rising_numbers),
        table_view(flagged[1], {"type": "Type", **rising}, css="wb-emerging-types",
                   empty="No emerging complaint type.", numeric=rising_numbers))


def overdue_actions(results: ProviderResults) -> pd.DataFrame:
    """Overdue improvement actions: reference, action (redacted), due, days overdue. No owner,
    no complainant: nothing personal."""

    actions = results.actions if isinstance(results.actions, pd.DataFrame) else pd.DataFrame()
    cols = ["reference", "action", "due", "days_overdue"]
    if actions.empty or "status" not in actions:
        return pd.DataFrame(columns=cols)
    rows = actions[actions["status"].astype("string") == "overdue"]
    text = rows["actions"] if "actions" in rows else pd.Series("", index=rows.index)
    out = pd.DataFrame({
        "reference": rows.get("reference", pd.Series(None, index=rows.index)).astype(object),
        "action": [redact(t)[:ACTION_TEXT_LIMIT] for t in text.astype(object)],
        "due": pd.to_datetime(rows.get("action_due"), errors="coerce").dt.date.astype(object),
        "days_overdue": pd.to_numeric(rows.get("days_overdue"), errors="coerce"),
    }, columns=cols)
    return out.sort_values("days_overdue", ascending=False, na_position="last")


def overdue_html(results: ProviderResults) -> str:
    return table_html(overdue_actions(results),
                      {"reference": "Reference", "action": "Action", "due": "Due",
                       "days_overdue": "Days overdue"},
                      css="wb-overdue", empty="No overdue actions.", numeric=("days_overdue",))


def data_quality(results: ProviderResults) -> pd.DataFrame:
    """Data-quality issues counted by check and severity (never the values)."""
    issues = results.issues if isinstance(results.issues, pd.DataFrame) else pd.DataFrame()
    if issues.empty or "check" not in issues:
        return pd.DataFrame(columns=["check", "severity", "issues"])
    keys = [c for c in ("check", "severity") if c in issues]
    return (issues.groupby(keys, dropna=False).size().rename("issues").reset_index()
            .sort_values("issues", ascending=False))


def data_quality_html(results: ProviderResults) -> str:
    n = len(results.issues) if isinstance(results.issues, pd.DataFrame) else 0
    counts = table_view(data_quality(results), {"check": "Check", "severity": "Severity",
                                                "issues": "Issues"},
                        css="wb-dq", empty="No data-quality issues.", numeric=("issues",))
    return _render("data_quality", n, results.register_rows, counts)


def contradictions_html(results: ProviderResults) -> str:
    frame = results.contradictions if isinstance(results.contradictions, pd.DataFrame) \
        else pd.DataFrame()
    return table_html(frame, {"item": "Item", "text": "Item text", "answer": "Answer",
                              "kpi": "Measure", "figure": "Figure", "op": "Expected",
                              "threshold": "Threshold", "suggestion": "Data suggests"},
                      css="wb-contradictions",
                      empty="No answer is contradicted by the register.",
                      numeric=("figure", "threshold"))


# ---------------------------------------------------------------- charts (aggregates only)

_counter = itertools.count()
_ID_REF = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')


def chart_svg(chart: alt.TopLevelMixin) -> str:
    """The chart as inline SVG (vl-convert, offline), its ids made unique in the page. Read from
    the batch's chart cache when it drew this chart already (the dashboards never write it)."""
    svg = htmlreport.chart_svg(chart, store=False)
    prefix = f"wb{next(_counter)}-"
    return _ID_REF.sub(lambda m: m.group(1) + prefix + m.group(2), svg)


def chart_html(chart: alt.TopLevelMixin, name: str) -> str:
    """A chart as inline SVG in its ``wb-chart`` box."""
    return _render("chart", name, Markup(chart_svg(chart)))  # the SVG vl-convert drew


# ---------------------------------------------------------------- the portfolio

PORTFOLIO_COLUMNS: dict[str, str] = {
    "name": "Provider", "service_type": "Service type", "total_score": "Total score",
    "total_pct": "Total %", "complaints": "Complaints",
    "complaints_per_100": "Complaints per 100 users", "upheld_pct": "% upheld",
    "acknowledged_within_target_pct": "% acknowledged in target",
    "responded_within_target_pct": "% responded in target",
    "median_working_days_to_respond": "Median days to respond", "escalated_pct": "% escalated",
    "rca_coverage": "% root cause recorded", "overdue_actions": "Overdue actions",
}
ALL_TYPES = "All service types"


def portfolio_frame(results: list[ProviderResults]) -> pd.DataFrame:
    """The portfolio table (small counts shown as "<5") for the dashboard."""

    return portfolio_table(results) if results else pd.DataFrame(
        columns=["provider", *PORTFOLIO_COLUMNS])


def _sort_value(value: Any) -> float | str | None:
    if is_missing(value) or (isinstance(value, str) and value.startswith("<")):
        return None
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        return float(value)
    return str(value).casefold()


def sort_table(table: pd.DataFrame, column: str, ascending: bool = True,
               service_type: str | None = None) -> pd.DataFrame:
    """``table`` filtered to a service type and sorted by ``column``; blanks and "<5" last."""
    if service_type and service_type != ALL_TYPES:
        table = table[table["service_type"] == service_type]
    if column not in table.columns:
        return table
    keys = [_sort_value(v) for v in table[column]]
    present = [i for i, k in enumerate(keys) if k is not None]
    missing = [i for i, k in enumerate(keys) if k is None]
    present.sort(key=lambda i: keys[i], reverse=not ascending)
    return table.iloc[present + missing]


def scorecard_link(provider_id: str) -> str:
    """The relative link to a provider's scorecard page."""
    return f"{SCORECARD_NOTEBOOK}?provider={quote(provider_id, safe='')}"


def portfolio_heading_html(commissioner: str, period: str, providers: int) -> str:
    return _render("portfolio_heading", commissioner, period, providers)


def portfolio_table_html(table: pd.DataFrame) -> str:
    """The portfolio table; each provider name links to its scorecard."""
    columns = [(c, PORTFOLIO_COLUMNS[c]) for c in PORTFOLIO_COLUMNS if c in table.columns]
    rows = [{**row, "link": scorecard_link(row["provider"])}
            for row in table.astype(object).to_dict("records")]
    return _render("portfolio_table", columns, rows)


def funnel_chart(results: list[ProviderResults], table: pd.DataFrame,
                 measure: str = "upheld") -> alt.TopLevelMixin | None:
    """The funnel plot of the providers in ``table`` against the sector's pooled rate."""

    data = funnel_data(table, measure, pooled=pooled_rate(results, measure))
    return None if data.empty else funnel_plot(data)
