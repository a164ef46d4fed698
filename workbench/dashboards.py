"""The Voilà dashboards: a provider scorecard and the portfolio, built from ProviderResults."""

from __future__ import annotations

import dataclasses
import functools
import html
import importlib
import itertools
import math
import numbers
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

import altair as alt
import ipywidgets as w
import pandas as pd

from workbench import htmlreport
from workbench.assessment import find_rubric
from workbench.charts import enable_offline
from workbench.errors import WorkbenchError
from workbench.excel import Rag
from workbench.manifest import Manifest, Provider, load_manifest
from workbench.pack import compute_results
from workbench.paths import DEFAULT_MANIFEST, DEFAULT_RUBRIC, outputs_dir
from workbench.portfolio import funnel_data, funnel_plot, pooled_rate, portfolio_table
from workbench.provenance import RESULTS_FILE
from workbench.redaction import redact
from workbench.results import ProviderResults, apply_assessment, stored_assessment
from workbench.results import load as load_results
from workbench.rubric import load_rubric
from workbench.scorecharts import scorecard_charts, theme_table
from workbench.store import Store

SCORECARD_NOTEBOOK = "scorecard_dashboard.ipynb"
SECTION_RAG = Rag(green=80, amber=60)
RAG_COLOURS = {"green": "#2e7d32", "amber": "#e69500", "red": "#c62828", None: "#78909c"}
CHART_MODES = ("svg", "widget")
MAX_SHOWN_ID = 60
ACTION_TEXT_LIMIT = 200

CSS = """<style>
.wb-dash{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2933}
.wb-dash h2{margin:.2em 0}.wb-dash h3{margin:1em 0 .3em;border-bottom:1px solid #ddd}
.wb-meta{color:#52606d;font-size:90%}
.wb-message{padding:.6em 1em;border-left:4px solid #c62828;background:#fdecea;margin:.5em 0}
.wb-total{font-size:2.4em;font-weight:700}
.wb-section{display:grid;grid-template-columns:18em 1fr 5em;gap:.5em;align-items:center;
 margin:.25em 0}
.wb-bar{background:#eceff1;height:1.1em;border-radius:3px;overflow:hidden}
.wb-bar>span{display:block;height:100%}
.wb-tiles{display:flex;flex-wrap:wrap;gap:.6em}
.wb-tile{border:1px solid #cfd8dc;border-top:6px solid #78909c;border-radius:4px;
 padding:.5em .8em;min-width:11em;max-width:15em}
.wb-tile-value{font-size:1.6em;font-weight:700}
.wb-tile-label,.wb-tile-target{font-size:85%;color:#52606d}
.wb-table{border-collapse:collapse;font-size:90%}
.wb-table th,.wb-table td{border:1px solid #ddd;padding:.25em .5em;text-align:left}
.wb-table td.num{text-align:right}.wb-table th{background:#f5f7fa}
.wb-empty{color:#52606d;font-style:italic}
</style>"""


def esc(value: Any) -> str:
    """``value`` as HTML-safe text (every value from data goes through this)."""
    return html.escape("" if value is None else str(value), quote=True)


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


# ---------------------------------------------------------------- data


def manifest_at(manifest_path: str | Path | None = None) -> Manifest:
    return load_manifest(manifest_path or DEFAULT_MANIFEST)


def results_path(provider: Provider, period: str, root: str | Path | None = None) -> Path:
    """outputs/<period>/<provider id>/results.json (the id comes from the manifest, never a URL)."""
    return Path(root or outputs_dir()) / period / provider.id / RESULTS_FILE


def _db_value(db: str | Path | None) -> str:
    value = str(db) if db else os.environ.get("WORKBENCH_DB", "")
    return value or str(outputs_dir() / "workbench.db")


def open_store_readonly(db: str | Path | None = None):
    """The assessment store when it exists (None for an SQLite file not yet created: the
    dashboards never create one)."""
    value = _db_value(db)
    if "://" not in value and not Path(value).expanduser().is_file():
        return None

    return Store(value)


@functools.lru_cache(maxsize=8)
def rubric_for(rubric_id: str, version: str | None):
    """The rubric a result was scored against (the default rubric when it cannot be found)."""

    try:
        return find_rubric(rubric_id, version)
    except WorkbenchError:
        return load_rubric(DEFAULT_RUBRIC)


def with_store_scores(results: ProviderResults, store: Any) -> ProviderResults:
    """A copy of ``results`` whose sections, total, "last updated" and contradictions are read
    now from the store (read only), so the headline total is always the store's."""
    rubric = rubric_for(results.rubric_id, results.rubric_version)
    out = dataclasses.replace(results)
    apply_assessment(out, rubric, stored_assessment(store, results.provider_id, results.period,
                                                    rubric))
    return out


class DashboardData:
    """The manifest's providers and their results: results.json from the batch when present,
    else computed live (read only); scores always read live from the store."""

    def __init__(self, manifest_path: str | Path | None = None, period: str | None = None,
                 db: str | Path | None = None, output_root: str | Path | None = None):
        self.manifest = manifest_at(manifest_path)
        self.period = period or self.manifest.period
        self.db = db
        self.output_root = output_root
        self._base: dict[str, ProviderResults] = {}
        self._stamps: dict[str, int | None] = {}
        self.sources: dict[str, str] = {}

    @property
    def ids(self) -> list[str]:
        return self.manifest.ids

    def provider(self, provider_id: str) -> Provider | None:
        """The manifest's provider with this id; None for an unknown (untrusted) id."""
        return next((p for p in self.manifest.providers if p.id == provider_id), None)

    def preload(self) -> None:
        """Read every batch results.json now (a preheated kernel does this before the request;
        a file rewritten meanwhile is read again when asked for)."""
        for provider in self.manifest.providers:
            if results_path(provider, self.period, self.output_root).is_file():
                results = self.base_results(provider)
                rubric_for(results.rubric_id, results.rubric_version)

    def base_results(self, provider: Provider) -> ProviderResults:
        path = results_path(provider, self.period, self.output_root)
        stamp = path.stat().st_mtime_ns if path.is_file() else None
        if provider.id not in self._base or self._stamps.get(provider.id) != stamp:
            self._stamps[provider.id] = stamp
            if stamp is not None:

                self._base[provider.id] = load_results(path)
                self.sources[provider.id] = "batch output"
            else:

                self._base[provider.id] = compute_results(provider, self.manifest,
                                                          period=self.period)
                self.sources[provider.id] = "computed live (no batch output yet)"
        return self._base[provider.id]

    def results(self, provider_id: str) -> ProviderResults:
        provider = self.provider(provider_id)
        if provider is None:
            raise WorkbenchError(unknown_message(provider_id))
        store = open_store_readonly(self.db)
        try:
            return with_store_scores(self.base_results(provider), store)
        finally:
            if store is not None:
                store.close()

    def all_results(self) -> tuple[list[ProviderResults], list[str]]:
        """Every provider's results, and a note for each that could not be read."""
        out, problems = [], []
        store = open_store_readonly(self.db)
        try:
            for provider in self.manifest.providers:
                try:
                    out.append(with_store_scores(self.base_results(provider), store))
                except WorkbenchError as exc:
                    problems.append(f"{provider.name}: {exc}")
        finally:
            if store is not None:
                store.close()
        return out, problems


# ---------------------------------------------------------------- the query string


def query_string() -> str:
    """The page's query string: waits for the request in a preheated Voilà kernel."""
    try:
        from voila.utils import get_query_string

        value = get_query_string()
    except Exception:  # not in Voilà, or no request info
        value = None
    return value or os.environ.get("QUERY_STRING", "")


def requested_provider(query: str | None) -> str | None:
    """The ``provider`` value of a query string (untrusted: check it against the manifest)."""
    values = parse_qs(query or "", keep_blank_values=True).get("provider")
    return values[0] if values else None


def unknown_message(provider_id: str) -> str:
    shown = provider_id if len(provider_id) <= MAX_SHOWN_ID else provider_id[:MAX_SHOWN_ID] + "…"
    return f"No provider with id '{shown}' in this portfolio; choose one from the list"


def message_html(text: str) -> str:
    return f'<div class="wb-message" role="alert">{esc(text)}</div>'


# ---------------------------------------------------------------- scorecard pieces (pure)


def total_text(results: ProviderResults) -> str:
    """"63 / 85", or "not scored / 85" when the store holds no assessment."""
    total = "not scored" if results.total_score is None else str(results.total_score)
    return f"{total} / {results.max_score}"


def header_html(results: ProviderResults, source: str | None = None) -> str:
    when = (results.last_updated.strftime("%d %b %Y %H:%M") if results.last_updated else None)
    updated = (f"Last updated {esc(when)} by {esc(results.last_updated_by or 'unknown')}"
               if when else "No answers saved yet")
    src = f" &middot; figures: {esc(source)}" if source else ""
    return (f'<div class="wb-header"><h2 class="wb-provider">{esc(results.provider_name)}</h2>'
            f'<div class="wb-meta">{esc(results.service_type)} &middot; period '
            f"{esc(results.period)} &middot; as of {esc(results.as_of)} &middot; rubric "
            f"{esc(results.rubric_id)} {esc(results.rubric_version)}{src}</div>"
            f'<div class="wb-meta wb-updated">{updated}</div></div>')


def headline_html(results: ProviderResults) -> str:
    total, top = results.total_score, results.max_score
    pct = round(100 * total / top, 1) if total is not None and top else None
    colour = RAG_COLOURS[rag_of(pct)]
    data = f' data-total="{esc(total)}"' if total is not None else ""
    return (f'<div class="wb-total" data-max="{esc(top)}"{data} style="color:{colour}">'
            f"{esc(total_text(results))}</div>"
            f'<div class="wb-meta">assessment score{f" ({pct:.1f} %)" if pct is not None else ""}'
            "</div>")


def sections_html(results: ProviderResults) -> str:
    rows = []
    for s in results.sections:
        rag = rag_of(s.pct)
        width = max(0.0, min(100.0, s.pct))
        rows.append(
            f'<div class="wb-section" data-section="{esc(s.id)}" data-rag="{rag}">'
            f"<span>{esc(s.id)}. {esc(s.name)}</span>"
            f'<span class="wb-bar" title="{s.pct:.1f} %"><span style="width:{width:.1f}%;'
            f'background:{RAG_COLOURS[rag]}"></span></span>'
            f'<span class="wb-score">{esc(s.score)} / {esc(s.max_points)}</span></div>')
    return "".join(rows) or '<p class="wb-empty">No rubric sections.</p>'


@dataclass(frozen=True)
class Tile:
    """One KPI tile: the figure, its display text, the target and the RAG status."""

    key: str
    label: str
    value: Any
    text: str
    target: str
    rag: str | None


def _open_past_20(k: dict[str, Any]) -> Any:
    return (k.get("open") or {}).get("past_20_working_days")


def kpi_tiles(results: ProviderResults) -> list[Tile]:
    """The headline KPI tiles against their targets."""
    k = results.kpis or {}
    targets = {**(results.targets or {}), **(k.get("targets") or {})}
    ack, resp = targets.get("acknowledge_days"), targets.get("respond_days")
    resp_rule = Rag(resp, resp * 1.25, higher_is_better=False) if resp else None
    pct90 = Rag(90, 75)
    specs: list[tuple[str, str, Any, str, str, Rag | None]] = [
        ("complaints", "Complaints received", k.get("complaints"), "", "", None),
        ("acknowledged_within_target_pct", "Acknowledged within target",
         k.get("acknowledged_within_target_pct"), " %",
         f"target {ack} working days; 90 % expected" if ack else "", pct90),
        ("responded_within_target_pct", "Responded to within target",
         k.get("responded_within_target_pct"), " %",
         f"target {resp} working days; 90 % expected" if resp else "", pct90),
        ("median_working_days_to_respond", "Median working days to respond",
         k.get("median_working_days_to_respond"), "",
         f"target {resp} working days" if resp else "", resp_rule),
        ("upheld_pct", "Upheld or partly upheld", k.get("upheld_pct"), " %",
         "of complaints with an outcome", None),
        ("escalated_pct", "Escalated", k.get("escalated_pct"), " %",
         "beyond the first response", None),
        ("open_past_20_working_days", "Open past 20 working days", _open_past_20(k), "",
         "target 0", Rag(0, 2, higher_is_better=False)),
        ("rca_coverage", "Root cause recorded", results.rca_coverage, " %",
         "of upheld complaints; 90 % expected", Rag(90, 70)),
    ]
    return [Tile(key, label, None if is_missing(value) else value, fmt(value, unit), target,
                 rule.status(value) if rule is not None and not is_missing(value) else None)
            for key, label, value, unit, target, rule in specs]


def tiles_html(tiles: Iterable[Tile]) -> str:
    out = []
    for t in tiles:
        value = "" if t.value is None else esc(t.value)
        out.append(
            f'<div class="wb-tile" data-kpi="{esc(t.key)}" data-value="{value}" '
            f'data-rag="{esc(t.rag or "")}" style="border-top-color:{RAG_COLOURS[t.rag]}">'
            f'<div class="wb-tile-label">{esc(t.label)}</div>'
            f'<div class="wb-tile-value">{esc(t.text)}</div>'
            f'<div class="wb-tile-target">{esc(t.target)}</div></div>')
    return f'<div class="wb-tiles">{"".join(out)}</div>'


def table_html(frame: pd.DataFrame, columns: dict[str, str], *, css: str = "",
               empty: str = "None.", numeric: Iterable[str] = ()) -> str:
    """A small HTML table of ``columns`` (key -> heading), every cell escaped."""
    if frame is None or frame.empty:
        return f'<p class="wb-empty">{esc(empty)}</p>'
    cols = [c for c in columns if c in frame.columns]
    nums = set(numeric)
    head = "".join(f"<th>{esc(columns[c])}</th>" for c in cols)
    body = []
    for row in frame[cols].astype(object).itertuples(index=False, name=None):
        cells = "".join(f'<td class="num">{esc(fmt(v))}</td>' if c in nums
                        else f"<td>{esc(fmt(v))}</td>" for c, v in zip(cols, row, strict=True))
        body.append(f"<tr>{cells}</tr>")
    return (f'<table class="wb-table {esc(css)}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")


def themes_html(results: ProviderResults) -> str:
    """Themes (label, top terms, size, share) and the emerging themes and types; no example
    references."""
    themes = theme_table(results.themes, "themes").copy()
    if not themes.empty:
        if "terms" in themes:
            themes["terms"] = themes["terms"].map(
                lambda t: ", ".join(map(str, t)) if isinstance(t, list | tuple) else t)
        if "share" in themes:
            themes["share"] = (100 * pd.to_numeric(themes["share"], errors="coerce")).round(1)
    emerging = theme_table(results.themes, "emerging")
    emerging_types = theme_table(results.themes, "emerging_types")
    flagged = [frame[frame["emerging"].astype(bool)] if "emerging" in frame else frame
               for frame in (emerging, emerging_types)]
    for frame in flagged:
        for col in ("share", "baseline_share"):
            if col in frame:
                frame[col] = (100 * pd.to_numeric(frame[col], errors="coerce")).round(1)
    return (table_html(themes, {"theme": "Theme", "label": "Label", "terms": "Top terms",
                                "size": "Complaints", "share": "Share %"},
                       css="wb-themes", empty="No themes found.", numeric=("size", "share"))
            + "<h4>Emerging themes</h4>"
            + table_html(flagged[0], {"label": "Theme", "quarter": "Quarter", "count": "Complaints",
                                      "share": "Share %", "baseline_share": "Earlier share %",
                                      "ratio": "Ratio"},
                         css="wb-emerging", empty="No emerging theme this period.",
                         numeric=("count", "share", "baseline_share", "ratio"))
            + "<h4>Emerging complaint types</h4>"
            + table_html(flagged[1], {"type": "Type", "quarter": "Quarter", "count": "Complaints",
                                      "share": "Share %", "baseline_share": "Earlier share %",
                                      "ratio": "Ratio"},
                         css="wb-emerging-types", empty="No emerging complaint type.",
                         numeric=("count", "share", "baseline_share", "ratio")))


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
    return (f'<p class="wb-dq-total" data-issues="{n}">{n} issue{"s" if n != 1 else ""} in '
            f"{esc(results.register_rows)} register rows.</p>"
            + table_html(data_quality(results), {"check": "Check", "severity": "Severity",
                                                 "issues": "Issues"},
                         css="wb-dq", empty="No data-quality issues.", numeric=("issues",)))


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


def chart_view(chart: alt.TopLevelMixin, name: str, mode: str = "svg") -> w.Widget:
    """A chart as a widget: inline SVG in an HTML widget (default), or an offline JupyterChart."""
    if mode == "widget":

        enable_offline()
        view = alt.JupyterChart(chart)
        view.add_class("wb-chart")
        view.add_class(f"wb-chart-{name}")
        return view
    return w.HTML(chart_html(chart, name))


def chart_html(chart: alt.TopLevelMixin, name: str) -> str:
    """A chart as inline SVG in its ``wb-chart`` box."""
    return f'<div class="wb-chart" data-chart="{esc(name)}">{chart_svg(chart)}</div>'


def warm_up(mode: str = "svg") -> None:
    """Start the chart engine (and import what the pages use) before a request arrives."""
    if mode == "widget":

        enable_offline()
    chart_svg(alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q"))
    for name in ("workbench.contradictions", "workbench.redaction", "workbench.store",
                 "workbench.assessment", "workbench.portfolio"):
        importlib.import_module(name)


# ---------------------------------------------------------------- scorecard widgets


def _section(title: str, *children: w.Widget | str) -> list[w.Widget | str]:
    return [f"<h3>{esc(title)}</h3>", *children]


def scorecard_body(results: ProviderResults, *, source: str | None = None,
                   charts: str = "svg") -> w.VBox:
    """One provider's scorecard as widgets (no code, nothing personal). With SVG charts the
    whole scorecard is one HTML widget: the page then builds one widget model, not dozens."""
    figures = scorecard_charts(results)

    def chart(name: str) -> list[w.Widget | str]:
        if name not in figures:
            return []
        return [chart_html(figures[name], name) if charts == "svg"
                else chart_view(figures[name], name, charts)]

    children: list[w.Widget | str] = [
        header_html(results, source),
        *_section("Assessment", headline_html(results) + sections_html(results)),
        *_section("Key performance indicators", tiles_html(kpi_tiles(results))),
        *_section("Volume and timeliness", *chart("volumes"), *chart("timeliness")),
        *_section("Root causes", *chart("pareto")),
        *_section("Themes", themes_html(results), *chart("themes")),
        *_section("Overdue improvement actions", overdue_html(results)),
        *_section("Data quality", data_quality_html(results)),
        *_section("Answers the data contradicts", contradictions_html(results)),
    ]
    if all(isinstance(c, str) for c in children):
        return w.VBox([w.HTML("".join(children))], layout=w.Layout(width="100%"))
    return w.VBox([w.HTML(c) if isinstance(c, str) else c for c in children],
                  layout=w.Layout(width="100%"))


def provider_options(manifest: Manifest) -> list[tuple[str, str]]:
    return [(f"{p.name} ({p.id})", p.id) for p in manifest.providers]


def scorecard_view(data: DashboardData, requested: str | None, *,
                   charts: str = "svg") -> w.VBox:
    """The scorecard page: a provider picker and the chosen provider's scorecard. ``requested``
    (from ?provider=) is checked against the manifest and never used for anything else."""
    message = w.HTML()
    body = w.VBox()
    picker = w.Dropdown(options=provider_options(data.manifest), value=None,
                        description="Provider", layout=w.Layout(width="32em"))

    def show(provider_id: str | None) -> None:
        if provider_id is None:
            body.children = []
            return
        try:
            results = data.results(provider_id)
        except WorkbenchError as exc:
            message.value = message_html(str(exc))
            body.children = []
            return
        message.value = ""
        body.children = [scorecard_body(results, source=data.sources.get(provider_id),
                                        charts=charts)]

    def on_pick(change: dict) -> None:
        show(change["new"])

    if requested is not None and data.provider(requested) is None:
        message.value = message_html(unknown_message(requested))
    else:
        picker.value = requested if requested is not None else data.ids[0]
        show(picker.value)
    picker.observe(on_pick, "value")
    return w.VBox([w.HTML(CSS), picker, message, body], layout=w.Layout(width="100%")
                  ).add_class("wb-dash")


def scorecard_app(manifest_path: str | Path | None = None, period: str | None = None,
                  db: str | Path | None = None, *, charts: str = "svg",
                  query: str | None = None) -> w.Widget:
    """The scorecard dashboard: ``?provider=ID`` or the picker chooses the provider."""
    warm_up(charts)
    try:
        data = DashboardData(manifest_path, period, db)
        data.preload()
    except WorkbenchError as exc:
        return w.HTML(CSS + message_html(f"The provider list cannot be read: {exc}"))
    requested = requested_provider(query_string() if query is None else query)
    return scorecard_view(data, requested, charts=charts)


# ---------------------------------------------------------------- portfolio pieces (pure)

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


def portfolio_table_html(table: pd.DataFrame) -> str:
    """The portfolio table; each provider name links to its scorecard."""
    cols = [c for c in PORTFOLIO_COLUMNS if c in table.columns]
    head = "".join(f'<th data-col="{esc(c)}">{esc(PORTFOLIO_COLUMNS[c])}</th>' for c in cols)
    rows = []
    for _, r in table.iterrows():
        cells = []
        for c in cols:
            if c == "name":
                cells.append(f'<td><a class="wb-drill" href="{esc(scorecard_link(r["provider"]))}"'
                             f">{esc(r['name'])}</a></td>")
            elif c == "service_type":
                cells.append(f"<td>{esc(r[c])}</td>")
            else:
                cells.append(f'<td class="num">{esc(fmt(r[c]))}</td>')
        rows.append(f'<tr data-provider="{esc(r["provider"])}">{"".join(cells)}</tr>')
    if not rows:
        return '<p class="wb-empty">No provider of this service type.</p>'
    return (f'<table class="wb-table wb-portfolio"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def funnel_chart(results: list[ProviderResults], table: pd.DataFrame,
                 measure: str = "upheld") -> alt.TopLevelMixin | None:
    """The funnel plot of the providers in ``table`` against the sector's pooled rate."""

    data = funnel_data(table, measure, pooled=pooled_rate(results, measure))
    return None if data.empty else funnel_plot(data)


# ---------------------------------------------------------------- portfolio widgets


def portfolio_view(data: DashboardData, *, charts: str = "svg") -> w.VBox:
    """The portfolio page: sortable, filterable table, funnel plot, drill-down."""
    results, problems = data.all_results()
    table = portfolio_frame(results)
    by_id = {r.provider_id: r for r in results}
    types = sorted({str(t) for t in table["service_type"]}) if len(table) else []
    type_pick = w.Dropdown(options=[ALL_TYPES, *types], value=ALL_TYPES, description="Service")
    sort_pick = w.Dropdown(options=[(v, k) for k, v in PORTFOLIO_COLUMNS.items()],
                           value="total_pct", description="Sort by")
    ascending = w.ToggleButton(value=False, description="Descending", icon="sort-amount-desc")
    measure = w.Dropdown(options=[("Upheld rate", "upheld"), ("Escalation rate", "escalated")],
                         value="upheld", description="Funnel")
    table_box, funnel_box = w.HTML(), w.VBox()
    drill = w.Dropdown(options=[("Choose a provider", None),
                                *((r.provider_name, r.provider_id) for r in results)],
                       value=None, description="Scorecard", layout=w.Layout(width="32em"))
    drill_box = w.VBox()

    def refresh(_change: Any = None) -> None:
        ascending.description = "Ascending" if ascending.value else "Descending"
        ascending.icon = "sort-amount-asc" if ascending.value else "sort-amount-desc"
        shown = sort_table(table, sort_pick.value, ascending.value, type_pick.value)
        table_box.value = portfolio_table_html(shown)
        chart = funnel_chart(results, shown, measure.value)
        funnel_box.children = ([chart_view(chart, "funnel", charts)] if chart is not None else
                               [w.HTML('<p class="wb-empty">No funnel plot: no provider has '
                                       "enough decided complaints.</p>")])

    def on_drill(change: dict) -> None:
        pid = change["new"]
        drill_box.children = ([] if pid is None or pid not in by_id else
                              [scorecard_body(by_id[pid], source=data.sources.get(pid),
                                              charts=charts)])

    for control in (type_pick, sort_pick, ascending, measure):
        control.observe(refresh, "value")
    drill.observe(on_drill, "value")
    refresh()
    notes = "".join(message_html(p) for p in problems)
    heading = (f"<h2>{esc(data.manifest.commissioner)}: commissioned providers</h2>"
               f'<div class="wb-meta">period {esc(data.period)} &middot; {len(results)} providers'
               " &middot; counts of 1 to 4 shown as &lt;5 &middot; click a provider for its "
               "scorecard</div>")
    return w.VBox([
        w.HTML(CSS + heading + notes),
        w.HBox([type_pick, sort_pick, ascending]), table_box,
        w.HTML("<h3>Funnel plot</h3>"), measure, funnel_box,
        w.HTML("<h3>Provider scorecard</h3>"), drill, drill_box,
    ], layout=w.Layout(width="100%")).add_class("wb-dash")


def portfolio_app(manifest_path: str | Path | None = None, period: str | None = None,
                  db: str | Path | None = None, *, charts: str = "svg") -> w.Widget:
    """The portfolio dashboard (figures and scores read when the page is requested)."""
    warm_up(charts)
    try:
        data = DashboardData(manifest_path, period, db)
        data.preload()
    except WorkbenchError as exc:
        return w.HTML(CSS + message_html(f"The provider list cannot be read: {exc}"))
    query_string()  # in a preheated kernel: wait for the request, so scores are current
    return portfolio_view(data, charts=charts)
