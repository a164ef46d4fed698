"""The Voilà dashboards: a provider scorecard and the portfolio, built as widgets from results.

A page that reads the batch's results.json imports no scikit-learn, SQLAlchemy or openpyxl
(checked by tests/test_dashboard_speed.py): the kernel of a preheated pool is ready in about a
second and small. Computing results live (no batch output yet) imports the analysis stack then."""

from __future__ import annotations

import dataclasses
import functools
import importlib
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import altair as alt
import ipywidgets as w
import pandas as pd

from workbench.analysis.charts import enable_offline
from workbench.core.errors import WorkbenchError
from workbench.core.paths import DEFAULT_MANIFEST, DEFAULT_RUBRIC, outputs_dir

# The HTML pieces are in fragments.py; every one is importable from here too, as before
from workbench.dashboards.fragments import (  # noqa: F401
    ACTION_TEXT_LIMIT,
    ALL_TYPES,
    CSS,
    PORTFOLIO_COLUMNS,
    PORTFOLIO_NOTEBOOK,
    SCORECARD_NOTEBOOK,
    SECTION_RAG,
    Tile,
    chart_html,
    chart_note,
    chart_svg,
    choose_html,
    contradictions_html,
    data_quality,
    data_quality_html,
    date_text,
    empty_html,
    esc,
    failed_html,
    fmt,
    funnel_chart,
    funnel_html,
    header_html,
    heading_html,
    headline_html,
    is_missing,
    kpi_tiles,
    message_html,
    nav_links_html,
    overdue_actions,
    overdue_html,
    page_title,
    portfolio_frame,
    portfolio_heading_html,
    portfolio_table_html,
    rag_of,
    regime_html,
    scorecard_html,
    scorecard_link,
    scorecard_parts,
    sections_html,
    sort_table,
    table_html,
    themes_html,
    tiles_html,
    total_text,
)
from workbench.dashboards.scores import close_scores, db_value, open_scores
from workbench.register.manifest import Manifest, Provider, load_manifest
from workbench.reports.provenance import RESULTS_FILE
from workbench.reports.results import ProviderResults, apply_assessment, stored_assessment
from workbench.reports.results import load as load_results
from workbench.reports.scorecharts import scorecard_charts
from workbench.rubric.model import load_rubric
from workbench.scoring.assessment import find_rubric

CHART_MODES = ("svg", "widget")
MAX_SHOWN_ID = 60


# ---------------------------------------------------------------- data


def manifest_at(manifest_path: str | Path | None = None) -> Manifest:
    return load_manifest(manifest_path or DEFAULT_MANIFEST)


def results_path(provider: Provider, period: str, root: str | Path | None = None) -> Path:
    """outputs/<period>/<provider id>/results.json (the id comes from the manifest, never a URL)."""
    return Path(root or outputs_dir()) / period / provider.id / RESULTS_FILE


_db_value = db_value


def open_store_readonly(db: str | Path | None = None):
    """The assessment store read only when it exists (None for an SQLite file not yet
    created: the dashboards never create one); SQLite is read without SQLAlchemy."""
    return open_scores(db)


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


class NoBatchOutput(WorkbenchError):
    """The batch has not written this provider's results for the period."""


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

    def base_results(self, provider: Provider, *, live: bool = True) -> ProviderResults:
        """The batch's results for ``provider``; without them, computed from the register
        (seconds) when ``live``, else NoBatchOutput."""
        path = results_path(provider, self.period, self.output_root)
        stamp = path.stat().st_mtime_ns if path.is_file() else None
        if stamp is None and not live:
            raise NoBatchOutput(f"no batch output for {self.period} yet (run workbench batch)")
        if provider.id not in self._base or self._stamps.get(provider.id) != stamp:
            self._stamps[provider.id] = stamp
            if stamp is not None:

                self._base[provider.id] = load_results(path)
                self.sources[provider.id] = "batch output"
            else:
                from workbench.reports.pack import compute_results  # the analysis stack

                self._base[provider.id] = compute_results(provider, self.manifest,
                                                          period=self.period)
                self.sources[provider.id] = "computed live (no batch output yet)"
        return self._base[provider.id]

    def results(self, provider_id: str, *, live: bool = True) -> ProviderResults:
        """One provider's results with the store's scores (``live``: computed from the
        register when the batch has not written them, else NoBatchOutput)."""
        provider = self.provider(provider_id)
        if provider is None:
            raise WorkbenchError(unknown_message(provider_id))
        store = open_store_readonly(self.db)
        try:
            return with_store_scores(self.base_results(provider, live=live), store)
        finally:
            close_scores(store)

    def all_results(self, *, live: bool = True
                    ) -> tuple[list[ProviderResults], list[tuple[Provider, WorkbenchError]]]:
        """Every provider's results, and each provider whose results could not be read with
        why (``live``: computing those the batch has not written; else NoBatchOutput)."""
        out, problems = [], []
        store = open_store_readonly(self.db)
        try:
            for provider in self.manifest.providers:
                try:
                    out.append(with_store_scores(self.base_results(provider, live=live),
                                                 store))
                except WorkbenchError as exc:
                    problems.append((provider, exc))
        finally:
            close_scores(store)
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


# ---------------------------------------------------------------- charts (aggregates only)


def chart_view(chart: alt.TopLevelMixin, name: str, mode: str = "svg") -> w.Widget:
    """A chart as a widget: inline SVG in an HTML widget (default), or an offline JupyterChart."""
    if mode == "widget":

        enable_offline()
        view = alt.JupyterChart(chart)
        view.add_class("wb-chart")
        view.add_class(f"wb-chart-{name}")
        return view
    return w.HTML(chart_html(chart, name))


def warm_up(mode: str = "svg", extra: tuple[str, ...] = (), *,
            charts_engine: bool = False) -> None:
    """Start the chart engine (and import what the pages use) before a request arrives."""
    if mode == "widget":
        enable_offline()
    if charts_engine:  # a page that draws charts the batch did not (the portfolio's funnel)
        chart_svg(alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q"))
    for name in ("workbench.scoring.contradictions", "workbench.reports.redaction",
                 "workbench.scoring.assessment", *extra):
        importlib.import_module(name)


# ---------------------------------------------------------------- scorecard widgets


# Links from a Voilà page (/voila/render/NAME): the landing page and the portfolio
HOME_LINK, PORTFOLIO_LINK = "../../", PORTFOLIO_NOTEBOOK


def nav_html(*, portfolio: bool = True) -> str:
    """Links back: to the landing page and (from a scorecard) to the portfolio."""
    links = [(HOME_LINK, "All providers")]
    if portfolio:
        links.append((PORTFOLIO_LINK, "Back to the portfolio"))
    return nav_links_html(links)


def scorecard_body(results: ProviderResults, *, source: str | None = None,
                   charts: str = "svg") -> w.VBox:
    """One provider's scorecard as widgets (no code, nothing personal). With SVG charts the
    whole scorecard is one HTML widget (the page the server renders without a kernel shows the
    same HTML): the page then builds one widget model, not dozens."""
    if charts == "svg":
        return w.VBox([w.HTML(scorecard_html(results, source))], layout=w.Layout(width="100%"))
    figures = scorecard_charts(results)

    def chart(name: str) -> list[w.Widget | str]:
        if name not in figures:
            return [empty_html(chart_note(results, name))]
        return [chart_view(figures[name], name, charts)]

    return w.VBox([w.HTML(c) if isinstance(c, str) else c
                   for c in scorecard_parts(results, source, chart)],
                  layout=w.Layout(width="100%"))


CHOOSE = "Choose a provider"


def provider_options(manifest: Manifest) -> list[tuple[str, str | None]]:
    """The picker's options: a "Choose a provider" prompt, then every provider."""
    return [(CHOOSE, None), *((f"{p.name} ({p.id})", p.id) for p in manifest.providers)]


def scorecard_view(data: DashboardData, requested: str | None, *,
                   charts: str = "svg") -> w.VBox:
    """The scorecard page: a provider picker and the chosen provider's scorecard. ``requested``
    (from ?provider=) is checked against the manifest and never used for anything else."""
    message = w.HTML()
    body = w.VBox()
    picker = w.Dropdown(options=provider_options(data.manifest), value=None,
                        description="Provider", layout=w.Layout(width="36em"))
    choose = choose_html()

    def show(provider_id: str | None) -> None:
        if provider_id is None:
            body.children = [w.HTML(choose)]
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

    if requested is not None and requested.strip() and data.provider(requested) is None:
        message.value = message_html(unknown_message(requested))
        show(None)
    elif requested is not None and not requested.strip():
        show(None)  # ?provider= with no id: the picker, nothing chosen yet
    else:
        picker.value = requested if requested is not None else data.ids[0]
        show(picker.value)
    picker.observe(on_pick, "value")
    return w.VBox([w.HTML(CSS + nav_html()), picker, message, body],
                  layout=w.Layout(width="100%")).add_class("wb-dash")


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
    ascending = w.ToggleButton(value=False, description="Descending")
    measure = w.Dropdown(options=[("Upheld rate", "upheld"), ("Escalation rate", "escalated")],
                         value="upheld", description="Funnel")
    table_box, funnel_box = w.HTML(), w.VBox()
    drill = w.Dropdown(options=[("Choose a provider", None),
                                *((r.provider_name, r.provider_id) for r in results)],
                       value=None, description="Scorecard", layout=w.Layout(width="32em"))
    drill_box = w.VBox()

    def refresh(_change: Any = None) -> None:
        ascending.description = "Ascending" if ascending.value else "Descending"
        shown = sort_table(table, sort_pick.value, ascending.value, type_pick.value)
        table_box.value = portfolio_table_html(shown)
        if charts == "svg":
            funnel_box.children = [w.HTML(funnel_html(results, shown, measure.value))]
            return
        chart = funnel_chart(results, shown, measure.value)
        funnel_box.children = ([chart_view(chart, "funnel", charts)] if chart is not None else
                               [w.HTML(empty_html("No funnel plot: no provider shown has "
                                                  "enough complaints to plot."))])

    def on_drill(change: dict) -> None:
        pid = change["new"]
        drill_box.children = ([] if pid is None or pid not in by_id else
                              [scorecard_body(by_id[pid], source=data.sources.get(pid),
                                              charts=charts)])

    for control in (type_pick, sort_pick, ascending, measure):
        control.observe(refresh, "value")
    drill.observe(on_drill, "value")
    refresh()
    notes = "".join(message_html(f"{p.name}: {exc}") for p, exc in problems)
    heading = portfolio_heading_html(data.manifest.commissioner, data.period, len(results))
    return w.VBox([
        w.HTML(CSS + nav_html(portfolio=False) + heading + notes),
        w.HBox([type_pick, sort_pick, ascending]), table_box,
        w.HTML(heading_html("Funnel plot")), measure, funnel_box,
        w.HTML(heading_html("Provider scorecard")), drill, drill_box,
    ], layout=w.Layout(width="100%")).add_class("wb-dash")


def portfolio_app(manifest_path: str | Path | None = None, period: str | None = None,
                  db: str | Path | None = None, *, charts: str = "svg") -> w.Widget:
    """The portfolio dashboard (figures and scores read when the page is requested)."""
    warm_up(charts, ("workbench.reports.portfolio",), charts_engine=True)
    try:
        data = DashboardData(manifest_path, period, db)
        data.preload()
    except WorkbenchError as exc:
        return w.HTML(CSS + message_html(f"The provider list cannot be read: {exc}"))
    query_string()  # in a preheated kernel: wait for the request, so scores are current
    return portfolio_view(data, charts=charts)
