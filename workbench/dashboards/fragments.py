"""The dashboards' HTML fragments, rendered from templates/_dashboard.html.j2, and their figures.

Only what a page that reads results.json needs is imported here (no scikit-learn, SQLAlchemy or
openpyxl: a dashboard kernel starts in about a second); the portfolio's tables are imported when
a portfolio is drawn."""

from __future__ import annotations

import datetime as dt
import html
import itertools
import json
import math
import numbers
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import altair as alt
import pandas as pd
from jinja2 import Environment
from markupsafe import Markup

from workbench.analysis import measures as measures_mod
from workbench.analysis.charts import funnel_plot as draw_funnel
from workbench.analysis.measures import coverage_text, expected_text, measure, value_text
from workbench.reports import htmlreport
from workbench.reports.redaction import redact
from workbench.reports.results import ProviderResults, theme_table
from workbench.reports.scorecharts import scorecard_charts

SCORECARD_NOTEBOOK = "scorecard_dashboard.ipynb"
PORTFOLIO_NOTEBOOK = "portfolio_dashboard.ipynb"
ACTION_TEXT_LIMIT = 200
# Longer lists show this many rows, the rest behind "show all"
SHOWN_ROWS = 10


@dataclass(frozen=True)
class Rag:
    """Green at or past ``green``, amber at or past ``amber``, else red (the other way round
    when a lower value is better)."""

    green: float
    amber: float
    higher_is_better: bool = True

    def status(self, value: float) -> str:
        if self.higher_is_better:
            return "green" if value >= self.green else "amber" if value >= self.amber else "red"
        return "green" if value <= self.green else "amber" if value <= self.amber else "red"


SECTION_RAG = Rag(green=80, amber=60)


def date_text(value: Any, *, time: bool = False) -> str:
    """A date as "4 Jul 2023" (with ``time``, a date-time as "4 Jul 2023 14:05"); "" for none."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, str):
        try:
            value = (dt.datetime.fromisoformat(value) if time or "T" in value
                     else dt.date.fromisoformat(value[:10]))
        except ValueError:
            return value
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    text = f"{value.day} {value:%b %Y}"
    if time and isinstance(value, dt.datetime):
        text += f" {value:%H:%M}"
    return text


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


def page_title(results: ProviderResults) -> str:
    """The browser tab's title: provider and period."""
    return f"{results.provider_name}: complaints scorecard {results.period}"


def header_html(results: ProviderResults, source: str | None = None) -> str:
    """The provider, its service, the period, the as-of date, the rubric's title and who last
    saved an answer; a note when the figures were computed now rather than by the batch."""
    when = date_text(results.last_updated, time=True) if results.last_updated else None
    live = source if source and not source.startswith("batch") else None
    return _render("header", results, when, live, date_text(results.as_of),
                   results.rubric_title or results.rubric_id, page_title(results))


def headline_html(results: ProviderResults) -> str:
    total, top = results.total_score, results.max_score
    pct = round(100 * total / top, 1) if total is not None and top else None
    return _render("headline", total, top, total_text(results), pct, rag_of(pct))


def sections_html(results: ProviderResults) -> str:
    return _render("sections", [(s, rag_of(s.pct), max(0.0, min(100.0, s.pct)))
                                for s in results.sections])


@dataclass(frozen=True)
class _Expected:
    """Red/amber/green of a figure against the rubric's expected level (measures.rag)."""

    key: str
    expectations: dict[str, Any]

    def status(self, value: Any) -> str | None:
        return measures_mod.rag(self.key, value, self.expectations)


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

    def kpi_rag(key: str, _expectations: Any) -> _Expected | None:
        return _Expected(key, expectations) if expectations.get(
            measures_mod.INDICATOR_OF.get(key, key)) else None

    specs: list[tuple[str, str, Any, str, str, Rag | _Expected | None, str]] = [
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


def _phrase(value: Any) -> str:
    """A theme's label or phrases as one readable line ("missed calls · late visits")."""
    if isinstance(value, list | tuple):
        return " · ".join(str(v) for v in value if str(v).strip())
    return "" if is_missing(value) else str(value)


def theme_rows(results: ProviderResults) -> pd.DataFrame:
    """Themes by size: a readable label (the themes' phrases or label when they carry one,
    else their top terms), a redacted example of their wording when they carry one, and how
    many complaints and what share they hold."""
    themes = theme_table(results.themes, "themes")
    if themes.empty:
        return pd.DataFrame(columns=["label", "example", "size", "share"])
    label_col = next((c for c in ("phrases", "title", "label", "terms") if c in themes), None)
    labels = [_phrase(v) for v in themes[label_col]] if label_col else [""] * len(themes)
    if "terms" in themes:  # a label that is only the first terms again: show the terms
        labels = [lab or _phrase(t) for lab, t in zip(labels, themes["terms"], strict=True)]
    labels = [lab[:1].upper() + lab[1:] if lab else f"Theme {n}"
              for lab, n in zip(labels, range(1, len(themes) + 1), strict=True)]
    example_col = next((c for c in ("example", "example_text", "quote") if c in themes), None)
    examples = ([redact(_phrase(v))[:ACTION_TEXT_LIMIT] for v in themes[example_col]]
                if example_col else [""] * len(themes))
    out = pd.DataFrame({"label": labels, "example": examples,
                        "size": pd.to_numeric(themes.get("size"), errors="coerce"),
                        "share": (100 * pd.to_numeric(themes.get("share"), errors="coerce"))
                        .round(1)})
    return out.sort_values("size", ascending=False, na_position="last")


def _flagged(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[frame["emerging"].astype(bool)] if "emerging" in frame else frame
    out = out.copy()
    for col in ("share", "baseline_share"):
        if col in out:
            out[col] = (100 * pd.to_numeric(out[col], errors="coerce")).round(1)
    if "label" in out:
        out["label"] = [_phrase(v) for v in out["label"]]
    return out


def themes_html(results: ProviderResults) -> str:
    """Themes (readable label, an example of their wording, size, share) and the emerging
    themes and complaint types; no complaint references."""
    themes = theme_rows(results)
    columns = {"label": "Theme", "size": "Complaints", "share": "Share %"}
    if themes["example"].astype(bool).any():
        columns = {"label": "Theme", "example": "Example (redacted)", "size": "Complaints",
                   "share": "Share %"}
    why = ("No themes: the register records no complaint descriptions to read themes from."
           if results.themes is None else "No themes found in the complaint descriptions.")
    rising = {"quarter": "Quarter", "count": "Complaints", "share": "Share %",
              "baseline_share": "Earlier share %", "ratio": "Times the earlier share"}
    rising_numbers = ("count", "share", "baseline_share", "ratio")
    return _render(
        "themes",
        table_view(themes, columns, css="wb-themes", empty=why, numeric=("size", "share")),
        table_view(_flagged(theme_table(results.themes, "emerging")),
                   {"label": "Theme", **rising}, css="wb-emerging",
                   empty="No theme rose significantly in the latest quarter.",
                   numeric=rising_numbers),
        table_view(_flagged(theme_table(results.themes, "emerging_types")),
                   {"type": "Type", **rising}, css="wb-emerging-types",
                   empty="No complaint type rose significantly in the latest quarter.",
                   numeric=rising_numbers))


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


def long_table_html(frame: pd.DataFrame, columns: dict[str, str], *, css: str, empty: str,
                    numeric: Iterable[str] = (), what: str = "rows") -> str:
    """A table showing its first SHOWN_ROWS rows, the rest behind a "show all" (<details>)."""
    numeric = tuple(numeric)
    head = table_view(frame.head(SHOWN_ROWS), columns, css=css, empty=empty, numeric=numeric)
    rest = (table_view(frame.iloc[SHOWN_ROWS:], columns, css=css, empty=empty, numeric=numeric)
            if len(frame) > SHOWN_ROWS else None)
    return _render("long_table", head, rest, len(frame), what)


def overdue_html(results: ProviderResults) -> str:
    frame = overdue_actions(results)
    frame["due"] = [date_text(d) for d in frame["due"]]
    summary = results.actions_summary or {}
    if frame.empty:
        empty = ("No overdue actions." if isinstance(results.actions, pd.DataFrame)
                 and not results.actions.empty else
                 "No overdue actions: the register records no improvement actions with a due "
                 "date." if not summary.get("total") else "No overdue actions.")
    else:
        empty = "No overdue actions."
    table = long_table_html(frame, {"reference": "Complaint", "action": "Action",
                                    "due": "Due", "days_overdue": "Days overdue"},
                            css="wb-overdue", empty=empty, numeric=("days_overdue",),
                            what="overdue actions")
    overdue = results.actions[results.actions["status"] == "overdue"] if len(frame) else frame
    split = htmlreport.overdue_split(overdue, results.period)
    if not split:
        return table
    return f'<p class="wb-overdue-split">{len(frame):,} overdue{html.escape(split)}.</p>' + table


FAILED_STATUS = {"overdue": "Overdue", "open": "In hand", "no action": "No action recorded"}


def regime_html(results: ProviderResults) -> str:
    """The clocks the provider is held to, its timeliness per stage on them and, where its
    regime has one, the return it files."""
    from workbench.reports.regimes import returns_table, stage_table

    st = results.stages or {}
    if not st:
        return empty_html("No regime figures: this provider's results predate them "
                          "(run the batch again).")
    stages = stage_table(results)
    out = [f"<p>Held to: <strong>{esc(st.get('title', st.get('regime', '')))}</strong></p>",
           "<ul>" + "".join(f"<li>{esc(line)}</li>" for line in st.get("clocks") or [])
           + "</ul>",
           table_html(stages, {c: c for c in stages.columns}, css="wb-regime",
                      numeric=[c for c in stages.columns if c != "Measure"])]
    if results.returns:
        back = returns_table(results)
        out.append(heading_html(f"Return: {results.returns.get('title', '')}", 4))
        out.append(table_html(back, {c: c for c in ("Figure", "Measure", "Value",
                                                    "Counted over")},
                              css="wb-returns", numeric=["Value"]))
    return "".join(out)


def failed_rows(results: ProviderResults) -> pd.DataFrame:
    """Every item scored No with its action: item, requirement, action, owner's role, due
    date ("4 Jul 2023"), status in words. Free text is redacted (the store's text is the
    auditor's, but may name someone)."""
    cols = ["id", "section_name", "text", "action", "owner", "due", "status", "rag"]
    rows = []
    for f in results.failed_items or []:
        status = str(f.get("status") or "")
        rows.append({"id": f.get("id"), "section_name": f.get("section_name"),
                     "text": f.get("text"),
                     "action": redact(f.get("action") or "")[:ACTION_TEXT_LIMIT] or "–",
                     "owner": redact(f.get("owner") or "") or "–",
                     "due": date_text(f.get("due")) or "–",
                     "status": FAILED_STATUS.get(status, status),
                     "rag": {"overdue": "red", "no action": "red", "open": "amber"}.get(status)})
    return pd.DataFrame(rows, columns=cols)


def failed_html(results: ProviderResults) -> str:
    """"What was scored No, and what will be done": each No item and its action."""
    if results.total_score is None:
        return empty_html("Not scored yet: no answers are saved for this provider and period, "
                          "so no item has been scored No.")
    rows = failed_rows(results)
    counts = {k: int((rows["status"] == v).sum()) for k, v in FAILED_STATUS.items()}
    return _render("failed", rows.to_dict("records"), counts)


def data_quality(results: ProviderResults) -> pd.DataFrame:
    """Data-quality issues counted by check (in plain English) and severity (never the
    values)."""
    issues = results.issues if isinstance(results.issues, pd.DataFrame) else pd.DataFrame()
    if issues.empty or "check" not in issues:
        return pd.DataFrame(columns=["check", "severity", "issues"])
    keys = [c for c in ("check", "severity") if c in issues]
    out = (issues.groupby(keys, dropna=False).size().rename("issues").reset_index()
           .sort_values("issues", ascending=False))
    out["check"] = [measures_mod.check_label(c) for c in out["check"]]
    if "severity" in out:
        out["severity"] = out["severity"].map({"error": "Error", "warning": "Warning"}
                                              ).fillna(out["severity"])
    return out


def data_quality_html(results: ProviderResults) -> str:
    n = len(results.issues) if isinstance(results.issues, pd.DataFrame) else 0
    counts = table_view(data_quality(results), {"check": "Check", "severity": "Severity",
                                                "issues": "Rows"},
                        css="wb-dq", empty="No data-quality issues.", numeric=("issues",))
    return _render("data_quality", n, results.register_rows, counts)


def contradiction_rows(results: ProviderResults) -> pd.DataFrame:
    """Answers the register contradicts, every measure by its plain-English label and the
    expected level in words ("at least 95 %")."""
    frame = results.contradictions if isinstance(results.contradictions, pd.DataFrame) \
        else pd.DataFrame()
    cols = ["item", "text", "answer", "measure", "figure", "expected", "suggestion"]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for r in frame.astype(object).to_dict("records"):
        kpi = str(r.get("kpi") or "")
        rows.append({"item": r.get("item"), "text": r.get("text"),
                     "answer": str(r.get("answer") or "").capitalize(),
                     "measure": measure(kpi).label if kpi else "",
                     "figure": value_text(kpi, r.get("figure")) if kpi else r.get("figure"),
                     "expected": measures_mod.threshold_text(kpi, str(r.get("op")),
                                                             r.get("threshold")),
                     "suggestion": str(r.get("suggestion") or "").capitalize()})
    return pd.DataFrame(rows, columns=cols)


def contradictions_html(results: ProviderResults) -> str:
    return table_html(contradiction_rows(results),
                      {"item": "Item", "text": "Requirement", "answer": "Answer",
                       "measure": "Measure", "figure": "Figure", "expected": "Expected",
                       "suggestion": "The register suggests"},
                      css="wb-contradictions",
                      empty="No answer is contradicted by the register.")


def chart_note(results: ProviderResults, name: str) -> str:
    """Why a scorecard chart is not drawn."""
    k = results.kpis or {}
    if name == "pareto":
        cov = (k.get("coverage") or {}).get("indicators.rca_coverage_pct") or {}
        if cov.get("known") is None and cov.get("reason"):
            return f"No root causes to chart: {cov['reason']}."
        if not (k.get("outcomes") or {}).get("upheld") and not (
                k.get("outcomes") or {}).get("partly_upheld"):
            return "No root causes to chart: no complaint was upheld in this period."
        return ("No root causes to chart: none of the upheld complaints has a root cause "
                "recorded.")
    if name == "volumes":
        return "No monthly figures: the register records no dates received."
    if name == "timeliness":
        return "No quarterly timeliness figures: the register records no dates received."
    return "No themes to chart: the register records no complaint descriptions."


# ---------------------------------------------------------------- charts (aggregates only)

_counter = itertools.count()
_ID_REF = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')


def _renderer_version() -> str | None:
    """vl-convert's version as its module reports it ("1.9.0" for the distribution
    1.9.0.post1), read without importing it (its engine costs a kernel ~100 MB)."""
    try:
        from importlib.metadata import version

        return re.sub(r"\.post\d+$", "", version("vl-convert-python"))
    except Exception:
        return None


def _cached_svg(chart: alt.TopLevelMixin) -> str | None:
    """The SVG the batch drew for this chart, from the shared chart cache (None on a miss)."""
    version = _renderer_version()
    if version is None or htmlreport.chart_cache_folder() is None:
        return None
    spec = json.dumps(chart.to_dict(validate=False), sort_keys=True, default=str)
    cached = htmlreport._chart_cache_file(spec, version)
    try:
        return cached.read_text(encoding="utf-8") if cached is not None else None
    except OSError:
        return None


def chart_svg(chart: alt.TopLevelMixin) -> str:
    """The chart as inline SVG (vl-convert, offline), its ids made unique in the page. Read from
    the batch's chart cache when it drew this chart already (the dashboards never write it);
    vl-convert is started only for a chart the batch did not draw."""
    svg = _cached_svg(chart) or htmlreport.chart_svg(chart, store=False)
    prefix = f"wb{next(_counter)}-"
    return _ID_REF.sub(lambda m: m.group(1) + prefix + m.group(2), svg)


def chart_html(chart: alt.TopLevelMixin, name: str) -> str:
    """A chart as inline SVG in its ``wb-chart`` box."""
    return _render("chart", name, Markup(chart_svg(chart)))  # the SVG vl-convert drew


# ---------------------------------------------------------------- the whole scorecard


def nav_links_html(links: Iterable[tuple[str, str]]) -> str:
    """A page's navigation: (href, text) links."""
    return _render("nav", list(links))


def choose_html() -> str:
    """The scorecard page before a provider is chosen."""
    return _render("choose")


def scorecard_parts(results: ProviderResults, source: str | None,
                    chart: Callable[[str], list[Any]]) -> list[Any]:
    """The scorecard's parts in order: HTML fragments, and what ``chart(name)`` gives for each
    chart (fragments, or widgets in a notebook)."""

    def section(title: str, *parts: Any) -> list[Any]:
        return [heading_html(title), *parts]

    return [
        header_html(results, source),
        *section("Assessment", headline_html(results) + sections_html(results)),
        *section("What was scored No, and what will be done", failed_html(results)),
        *section("Key performance indicators", tiles_html(kpi_tiles(results))),
        *section("Timeliness on the clocks the provider is held to", regime_html(results)),
        *section("Volume and timeliness", *chart("volumes"), *chart("timeliness")),
        *section("Root causes of upheld complaints", *chart("pareto")),
        *section("Themes", themes_html(results), *chart("themes")),
        *section("Overdue improvement actions", overdue_html(results)),
        *section("Data quality", data_quality_html(results)),
        *section("Answers the data contradicts", contradictions_html(results)),
    ]


def scorecard_html(results: ProviderResults, source: str | None = None) -> str:
    """One provider's whole scorecard as HTML, its charts as inline SVG (no code, nothing
    personal); a chart with nothing to draw is replaced by a sentence saying why."""
    figures = scorecard_charts(results)

    def chart(name: str) -> list[str]:
        if name not in figures:
            return [empty_html(chart_note(results, name))]
        return [chart_html(figures[name], name)]

    return "".join(scorecard_parts(results, source, chart))


# ---------------------------------------------------------------- the portfolio

PORTFOLIO_COLUMNS: dict[str, str] = {
    "name": "Provider", "service_type": "Service type", "total_score": "Total score",
    "total_pct": "Total %", "no_items": "Items scored No",
    "no_item_actions_overdue": "No-item actions overdue", "complaints": "Complaints",
    "complaints_per_100": "Complaints per 100 users", "upheld_pct": "% upheld",
    "acknowledged_within_target_pct": "% acknowledged in target",
    "responded_within_target_pct": "% responded in target",
    "median_working_days_to_respond": "Median days to respond", "escalated_pct": "% escalated",
    "rca_coverage": "% root cause recorded", "overdue_actions": "Overdue actions",
}
ALL_TYPES = "All service types"
FUNNELS = {"upheld": ("Upheld rate", "Complaints with a decided outcome"),
           "escalated": ("Escalation rate", "Complaints")}


def portfolio_frame(results: list[ProviderResults]) -> pd.DataFrame:
    """The portfolio table (small counts shown as "<5") with each provider's count of items
    scored No and of their actions overdue."""
    from workbench.reports.portfolio import portfolio_table

    if not results:
        return pd.DataFrame(columns=["provider", *PORTFOLIO_COLUMNS])
    table = portfolio_table(results)
    summaries = {r.provider_id: r.summary() for r in results}
    for key in ("no_items", "no_item_actions_overdue"):
        table[key] = [summaries[p].get(key) for p in table["provider"]]
    return table


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


def scorecard_link(provider_id: str, prefix: str = "", page: str = SCORECARD_NOTEBOOK) -> str:
    """The link to a provider's scorecard ``page`` (the Voilà notebook, relative to
    /voila/render/ without ``prefix``, or the server's own page)."""
    return f"{prefix}{page}?provider={quote(provider_id, safe='')}"


def portfolio_heading_html(commissioner: str, period: str, providers: int) -> str:
    return _render("portfolio_heading", commissioner, period, providers)


def portfolio_table_html(table: pd.DataFrame, prefix: str = "",
                         page: str = SCORECARD_NOTEBOOK) -> str:
    """The portfolio table; each provider name links to its scorecard ``page``."""
    columns = [(c, PORTFOLIO_COLUMNS[c]) for c in PORTFOLIO_COLUMNS if c in table.columns]
    rows = [{**row, "link": scorecard_link(row["provider"], prefix, page)}
            for row in table.astype(object).to_dict("records")]
    return _render("portfolio_table", columns, rows)


def funnel_left_out(table: pd.DataFrame, data: pd.DataFrame, measure: str = "upheld"
                    ) -> list[tuple[str, str]]:
    """The providers of ``table`` the funnel plot leaves out, each with the reason."""
    from workbench.reports.portfolio import FUNNEL_MEASURES, is_suppressed

    num_col, den_col = FUNNEL_MEASURES[measure]
    shown = set(data["provider"]) if "provider" in data else set()
    out = []
    for row in table.astype(object).to_dict("records"):
        if row["provider"] in shown:
            continue
        x, n = row.get(num_col), row.get(den_col)
        if is_suppressed(x) or is_suppressed(n):
            why = "fewer than 5 complaints to count (small numbers are not shown)"
        elif is_missing(x) and measure == "escalated":
            why = "its register does not record escalation"
        elif is_missing(n) or not n:
            why = "no complaints with a decided outcome" if measure == "upheld" \
                else "no complaints"
        else:
            why = "its figures are not known"
        out.append((str(row["name"]), why))
    return out


def funnel_chart(results: list[ProviderResults], table: pd.DataFrame,
                 measure: str = "upheld") -> alt.TopLevelMixin | None:
    """The funnel plot of the providers in ``table`` against the sector's pooled rate."""
    from workbench.reports.portfolio import funnel_data, pooled_rate

    data = funnel_data(table, measure, pooled=pooled_rate(results, measure))
    if data.empty:
        return None
    rate_title, n_title = FUNNELS[measure]
    return draw_funnel(data, rate_title=rate_title, n_title=n_title)


def funnel_html(results: list[ProviderResults], table: pd.DataFrame,
                measure: str = "upheld") -> str:
    """The funnel plot and a note naming the providers left out and why."""
    from workbench.reports.portfolio import funnel_data, pooled_rate

    data = funnel_data(table, measure, pooled=pooled_rate(results, measure))
    left_out = funnel_left_out(table, data, measure)
    chart = funnel_chart(results, table, measure) if not data.empty else None
    body = (chart_html(chart, "funnel") if chart is not None else
            empty_html("No funnel plot: no provider shown has enough complaints to plot."))
    return body + _render("left_out", left_out)
