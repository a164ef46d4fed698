"""The provider pack: one provider's results computed, shown in a notebook, written to a folder."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from workbench import __version__
from workbench.analysis import actions, charts, kpis, returns, rootcause, stages, themes
from workbench.analysis.workdays import WorkCalendar
from workbench.core.atomic import write_text
from workbench.core.errors import WorkbenchError
from workbench.core.paths import DEFAULT_MANIFEST, outputs_dir
from workbench.register.loader import load_register
from workbench.register.manifest import Manifest, Provider, load_manifest
from workbench.reports import governance, portfolio, redaction, scorecard, scorecharts
from workbench.reports import results as results_io

# The notebook's sections, called as pack.show_kpis(...) from the notebooks.
from workbench.reports.display import (  # noqa: F401
    show,
    show_actions,
    show_assessment,
    show_data_quality,
    show_failed_items,
    show_heading,
    show_kpis,
    show_regime,
    show_root_causes,
    show_themes,
)
from workbench.reports.provenance import (
    MANIFEST_FILE,
    RESULTS_FILE,
    as_date,
    default_as_of,
    default_rubric_path,
    fingerprint,
    inputs,
    rubric_at,
    stored_assessment,
)
from workbench.reports.results import ProviderResults
from workbench.rubric.regime import load_regime

SUMMARY_MIME = "application/x.workbench+json"
SCORECARD_FILE = "scorecard.xlsx"


# ---------------------------------------------------------------- computing


def _kpis(register: Any, provider: Provider, *, as_of: dt.date, targets: dict[str, int],
          period: str) -> tuple[dict[str, Any], dict[str, float | None], pd.DataFrame]:
    """KPIs, the rubric's indicators and the quarterly KPIs, on the provider's own calendar."""
    calendar = WorkCalendar(provider.holidays, tuple(provider.closures))
    overall = kpis.compute_kpis(register, as_of=as_of, targets=targets, period=period,
                                calendar=calendar)
    by_period = kpis.kpis_by_period(register, "quarter", as_of=as_of, targets=targets,
                                     period=period, calendar=calendar)
    return overall, overall["indicators"], by_period


def compute_results(provider: Provider, manifest: Manifest | None = None, *,
                    period: str | None = None, as_of: dt.date | str | None = None,
                    db: str | None = None, rubric_path: str | Path | None = None,
                    register_path: str | Path | None = None,
                    mapping_path: str | Path | None = None,
                    timings: dict[str, float] | None = None) -> ProviderResults:
    """Load the provider's register (pseudonymised), run every analysis and read the stored
    assessment scores (read only, when ``db`` is given) into one ProviderResults, as published
    (`workbench.reports.redaction.published`: staff shown by their role)."""
    return redaction.published(analyse(
        provider, manifest, period=period, as_of=as_of, db=db, rubric_path=rubric_path,
        register_path=register_path, mapping_path=mapping_path, timings=timings,
        with_charts=False)[0])


def analyse(provider: Provider, manifest: Manifest | None = None, *, period: str | None = None,
            as_of: dt.date | str | None = None, db: str | None = None,
            rubric_path: str | Path | None = None, register_path: str | Path | None = None,
            mapping_path: str | Path | None = None, timings: dict[str, float] | None = None,
            with_charts: bool = True) -> tuple[ProviderResults, dict[str, Any]]:
    """The provider's results for the auditor's internal pack (action owners and sign-offs by
    name; every text and category value redacted of the register's identities: see
    docs/redaction.md) and its Altair charts by name (drawn from the register)."""

    timings = timings if timings is not None else {}
    period = period or (manifest.period if manifest is not None else None)
    if not period:
        raise WorkbenchError("no period given and no manifest to take it from")
    as_of = as_date(as_of) or default_as_of(period)
    rubric_path = Path(rubric_path) if rubric_path else default_rubric_path()
    rubric = rubric_at(rubric_path)
    targets = provider.targets.model_dump()

    t = time.perf_counter()
    register = load_register(register_path or provider.register,
                             mapping_path or provider.mapping, as_of=as_of)
    timings["load_register"] = time.perf_counter() - t
    t = time.perf_counter()
    register = redaction.for_analysis(register)
    timings["redaction"] = time.perf_counter() - t

    results = ProviderResults(
        provider_id=provider.id, provider_name=provider.name,
        service_type=provider.service_type, period=period, as_of=as_of,
        service_users=provider.service_users, targets=targets, rubric_id=rubric.id,
        rubric_version=rubric.version, rubric_title=rubric.title, register_rows=register.rows,
        issues=register.issues_frame())
    t = time.perf_counter()
    results.kpis, results.indicators, results.by_period = _kpis(
        register, provider, as_of=as_of, targets=targets, period=period)
    timings["kpis"] = time.perf_counter() - t
    t = time.perf_counter()
    # the indicator itself (one figure, one value): not a second computation over other rows
    results.rca_coverage = results.indicators.get("rca_coverage_pct")
    # the period's records as the KPIs count them: the Pareto adds up to the indicator's
    # numerator, and a theme's complaints are the period's (not the whole register's)
    counted = kpis.counted_register(register, as_of=as_of, period=period)
    results.pareto = rootcause.pareto(counted)
    timings["root_causes"] = time.perf_counter() - t
    t = time.perf_counter()
    results.themes = themes.discover(counted)
    timings["themes"] = time.perf_counter() - t
    t = time.perf_counter()
    t = time.perf_counter()
    results.stages = stages.provider_stage_kpis(provider, register, as_of=as_of, period=period)
    regime = load_regime(provider.regime)
    results.returns = returns.compute_returns(
        register, regime, period=period, as_of=as_of, calendar=results.stages.get("holidays"),
        homes=provider.homes, homes_lcra=provider.homes_lcra, homes_lcho=provider.homes_lcho,
    ) if regime.returns else {}
    timings["regime"] = time.perf_counter() - t
    results.actions = actions.period_table(register, as_of, period=period)
    # a case study's summary: no sentence opening with a name, no identity, as published text
    results.actions["summary"] = redaction.summaries(results.actions["summary"], register)
    results.actions_summary = actions.summary(register, as_of, period=period)
    timings["actions"] = time.perf_counter() - t
    t = time.perf_counter()
    results_io.apply_assessment(results, rubric,
                                stored_assessment(db, provider.id, period, rubric))
    # the auditor's own text reaches report.html only without the register's identities
    results.failed_items = redaction.assessment_text(results.failed_items, register.identities,
                                                     public=False)
    timings["assessment"] = time.perf_counter() - t
    t = time.perf_counter()
    figures = provider_charts(register, results) if with_charts else {}
    timings["charts"] = time.perf_counter() - t
    return results, figures


def load_provider(provider_id: str, manifest_path: str | Path | None = None
                  ) -> tuple[Provider, Manifest]:
    """The manifest (default sample_data/providers.yaml) and its provider ``provider_id``."""
    manifest = load_manifest(manifest_path or DEFAULT_MANIFEST)
    return manifest.provider(provider_id), manifest


def results_for(provider_id: str, *, manifest_path: str | Path | None = None,
                period: str | None = None, as_of: dt.date | str | None = None,
                db: str | None = None, rubric_path: str | Path | None = None,
                register_path: str | Path | None = None,
                mapping_path: str | Path | None = None) -> ProviderResults:
    """compute_results by provider id, with the notebook's parameters (blank means default)."""
    provider, manifest = load_provider(provider_id, manifest_path)
    return compute_results(provider, manifest, period=period or None, as_of=as_of or None,
                           db=db or None, rubric_path=rubric_path or None,
                           register_path=register_path or None, mapping_path=mapping_path or None)


# ---------------------------------------------------------------- charts and notebook display


def provider_charts(register: Any, results: ProviderResults) -> dict[str, Any]:
    """The provider's Altair charts by name; a chart with nothing to draw is left out."""
    out: dict[str, Any] = {}
    if len(register.frame):
        out["volumes"] = charts.volume_trend(register)
        out["outcomes"] = charts.outcome_mix(register)
    if not results.pareto.empty:
        out["pareto"] = charts.rootcause_pareto(results.pareto)
    if results.themes is not None and not results.themes.share.empty:
        out["themes"] = charts.theme_heatmap(results.themes)
    counted = results.actions[results.actions["counted"]] if "counted" in results.actions \
        else results.actions
    if not counted.empty:  # the period's actions, as the headline figures count them
        out["actions"] = charts.action_status(counted, results.as_of)
    return out


def chart_svgs(figures: Mapping[str, Any]) -> dict[str, str]:
    """Every chart rendered offline to SVG (vl-convert, no network)."""
    return {name: charts.to_svg(chart) for name, chart in figures.items()}


def configure_display(interactive: bool) -> str:
    """Pick the Altair renderer: the offline ``jupyter`` widget renderer when a person opened the
    notebook in JupyterLab, static ``svg`` (vl-convert, no CDN, kept in the saved notebook and its
    HTML) when papermill/the batch runs it. Returns the renderer name."""
    import altair as alt

    if interactive:
        alt.renderers.enable("jupyter", offline=True)
        return "jupyter"
    alt.renderers.enable("svg")
    return "svg"


def show_summary(results: ProviderResults) -> None:
    """The summary bundle the batch reads back from the executed notebook."""
    from IPython.display import display

    display({SUMMARY_MIME: json.loads(json.dumps(results.summary(), default=_json))}, raw=True)


def warm_up() -> None:
    """Import the analysis and report modules and start the chart engine once (warm kernels)."""
    for name in ("workbench.scoring.form", "workbench.scoring.store",
                 "sklearn.feature_extraction.text", "sklearn.decomposition", "openpyxl",
                 "IPython.display"):
        importlib.import_module(name)
    import vl_convert

    vl_convert.vegalite_to_svg({"mark": "point", "data": {"values": [{}]}})


# ---------------------------------------------------------------- writing


def _json(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item"):
        return value.item()
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


def write_pack(results: ProviderResults, out_dir: str | Path, *,
               basis: Mapping[str, Any] | None = None, timings: Mapping[str, float] | None = None,
               svgs: Mapping[str, str] | None = None) -> dict[str, Path]:
    """Write the provider's non-notebook outputs into ``out_dir``: scorecard.xlsx (from
    ``results``), results.json and the governance reports (from its published copy), the charts
    as SVG, and manifest.json (input hashes, parameters, package version, timings, summary).
    Returns the files written by name."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    times = dict(timings or {})
    t = time.perf_counter()
    # the auditor's internal pack: the only output with staff names (docs/redaction.md)
    written["scorecard"] = scorecard.write_scorecard(results, out / SCORECARD_FILE)
    times["scorecard"] = time.perf_counter() - t
    public = redaction.published(results)
    written["results"] = results_io.save(public, out / RESULTS_FILE)
    # With a shared chart cache (the batch), the reports and the dashboards' charts are drawn
    # from results.json as the portfolio and the dashboards read it, so they find these charts.
    shared = results_io.load(written["results"]) if scorecharts.cache_enabled() else public
    t = time.perf_counter()
    for key, p in governance.write_governance_reports(shared, out).items():
        written[f"governance_{key}"] = Path(p)
    times["governance"] = time.perf_counter() - t
    if shared is not results:
        t = time.perf_counter()
        scorecharts.prerender(shared)
        times["dashboard_charts"] = time.perf_counter() - t
    if svgs:
        for name, svg in svgs.items():
            written[f"chart_{name}"] = write_text(out / "charts" / f"{name}.svg", svg)
    document = {
        "provider": results.provider_id,
        "period": results.period,
        "as_of": results.as_of.isoformat(),
        "package_version": __version__,
        "written_at": dt.datetime.now().isoformat(timespec="seconds"),
        "inputs": dict(basis) if basis is not None else None,
        "fingerprint": fingerprint(basis) if basis is not None else None,
        "timings": {k: round(v, 3) for k, v in times.items()},
        "files": sorted(p.relative_to(out).as_posix() for p in written.values()
                        if p.is_relative_to(out)),
        "summary": results.summary(),
    }
    written["manifest"] = write_text(out / MANIFEST_FILE,
                                     json.dumps(document, indent=2, default=_json) + "\n")
    return written


def save_pack(results: ProviderResults, output_dir: str | Path, *,
              figures: Mapping[str, Any] | None = None, manifest_path: str | Path | None = None,
              db: str | None = None, rubric_path: str | Path | None = None,
              register_path: str | Path | None = None,
              mapping_path: str | Path | None = None) -> dict[str, Path]:
    """write_pack for the notebook: hashes the inputs named by its parameters and writes the
    provider's outputs into ``output_dir`` (the charts are already in the notebook as SVG)."""
    t = time.perf_counter()
    provider, _ = load_provider(results.provider_id, manifest_path)
    rubric_path = Path(rubric_path) if rubric_path else default_rubric_path()
    basis = inputs(provider, period=results.period, as_of=results.as_of,
                   rubric_path=rubric_path, db=db or None, register_path=register_path or None,
                   mapping_path=mapping_path or None)
    return write_pack(results, output_dir, basis=basis,
                      timings={"save": time.perf_counter() - t})


def build_pack(provider: Provider, manifest: Manifest | None, out_dir: str | Path, *,
               period: str | None = None, as_of: dt.date | str | None = None,
               db: str | None = None, rubric_path: str | Path | None = None,
               register_path: str | Path | None = None, mapping_path: str | Path | None = None,
               render: bool = True) -> ProviderResults:
    """analyse + charts to SVG + write_pack in this process: the plain-Python floor."""
    period = period or (manifest.period if manifest is not None else None)
    as_of = as_date(as_of) or default_as_of(str(period))
    rubric_path = Path(rubric_path) if rubric_path else default_rubric_path()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    results, figures = analyse(provider, manifest, period=period, as_of=as_of, db=db,
                               rubric_path=rubric_path, register_path=register_path,
                               mapping_path=mapping_path, timings=timings, with_charts=render)
    t = time.perf_counter()
    svgs = chart_svgs(figures)
    timings["svg"] = time.perf_counter() - t
    basis = inputs(provider, period=str(period), as_of=as_of, rubric_path=rubric_path, db=db,
                   register_path=register_path, mapping_path=mapping_path)
    timings["analysis_total"] = time.perf_counter() - t0
    write_pack(results, out_dir, basis=basis, timings=timings, svgs=svgs)
    return results


def period_results(period: str | None = None, *, output_root: str | Path | None = None,
                   manifest_path: str | Path | None = None) -> list[ProviderResults]:
    """The ProviderResults the batch saved for every provider of the manifest in one period
    (providers without outputs are left out), in manifest order."""
    manifest = load_manifest(manifest_path or DEFAULT_MANIFEST)
    root = Path(output_root) if output_root else outputs_dir()
    folder = root / (period or manifest.period)
    out = []
    for provider in manifest.providers:
        path = folder / provider.id / RESULTS_FILE
        if path.is_file():
            out.append(results_io.load(path))
    return out


def show_portfolio(results: list[ProviderResults], output_dir: str | Path | None = None, *,
                   output_root: str | Path | None = None, governance_reports: bool = True) -> Any:
    """Write the portfolio (portfolio.xlsx, portfolio.html and, with ``governance_reports``, the
    four portfolio governance reports) into ``output_dir`` (default outputs/<period>/) and show
    its tables and charts."""
    if not results:
        show("No provider outputs for this period yet: run `workbench batch` first.")
        return None
    folder = Path(output_dir) if output_dir else (
        (Path(output_root) if output_root else outputs_dir()) / results[0].period)

    table = portfolio.portfolio_table(results)
    show(portfolio.display_table(table))
    funnel = portfolio.funnel_data(table)
    if funnel.empty:
        show("No funnel plot: no provider has enough decided complaints to plot.")
    else:
        show(portfolio.funnel_plot(funnel))
    written = portfolio.write_portfolio(results, folder)
    if governance_reports:
        for key, path in governance.write_portfolio_governance(results, folder).items():
            written[f"governance_{key}"] = Path(path)
    return written
