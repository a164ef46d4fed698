"""The scoring form as an app of its own: opened (in Voilà, or JupyterLab's Voilà preview) it
shows the stored assessment at once, so an auditor who comes back finds the form as they left it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets as w

from workbench.core.errors import WorkbenchError
from workbench.dashboards.apps import (
    manifest_at,
    query_string,
    requested_provider,
    results_path,
)
from workbench.reports import results as results_io
from workbench.reports.pack import compute_results, load_provider
from workbench.reports.provenance import default_rubric_path, rubric_at
from workbench.scoring.form import ScoringForm


def _figures(provider_id: str, manifest_path: str | Path | None, period: str,
             db: str | None) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The register's indicators and their coverage for the form's data checks: from the
    batch's results.json when it has run, else computed from the register (a few seconds)."""
    manifest = manifest_at(manifest_path)
    provider = manifest.provider(provider_id)
    saved = results_path(provider, period)
    if saved.is_file():
        results = results_io.load(saved)
    else:
        provider, manifest = load_provider(provider_id, manifest_path)
        results = compute_results(provider, manifest, period=period, db=db)
    return results.indicators, (results.kpis or {}).get("coverage")


def scoring_app(provider_id: str | None = None, *, manifest_path: str | Path | None = None,
                period: str | None = None, db: str | None = None,
                rubric_path: str | Path | None = None, query: str | None = None) -> w.Widget:
    """The scoring form for ``provider_id`` (else ``?provider=ID``, else a picker), over the
    store ``db`` (WORKBENCH_DB or outputs/workbench.db when None)."""
    try:
        manifest = manifest_at(manifest_path)
    except WorkbenchError as exc:
        return w.HTML(f"<p role='alert'>The provider list cannot be read: {exc}</p>")
    period = period or manifest.period
    rubric = rubric_at(rubric_path or default_rubric_path())
    known = {p.id: p.name for p in manifest.providers}
    chosen = provider_id or requested_provider(query_string() if query is None else query)
    picker = w.Dropdown(options=[("Choose a provider", None),
                                 *((name, pid) for pid, name in known.items())],
                        value=chosen if chosen in known else None, description="Provider",
                        layout=w.Layout(width="32em"))
    body = w.VBox()
    note = w.HTML()

    def show(_change: Any = None) -> None:
        pid = picker.value
        if pid is None:
            body.children = []
            note.value = ("<p>Choose the provider to score. Every answer is saved as you give "
                          "it; come back to this page to carry on.</p>")
            return
        note.value = f"<p>Loading the form for {known[pid]}…</p>"
        try:
            indicators, coverage = _figures(pid, manifest_path, period, db)
            form = ScoringForm.open(db=db, provider=pid, period=period, rubric=rubric,
                                    indicators=indicators, coverage=coverage)
        except WorkbenchError as exc:
            note.value = f"<p role='alert'>The form cannot be opened: {exc}</p>"
            return
        note.value = ""
        body.children = [form.widget]

    if chosen and chosen not in known:
        note.value = "<p role='alert'>No provider with that id: choose one from the list.</p>"
    picker.observe(show, "value")
    if picker.value is not None or not chosen:
        show()
    return w.VBox([picker, note, body])
