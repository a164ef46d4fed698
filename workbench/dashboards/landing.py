"""The dashboards' landing page: the portfolio at a glance and a link to every provider's
scorecard, rendered by the dashboard server itself from results.json and the store (no kernel)."""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from workbench.core.errors import WorkbenchError
from workbench.dashboards.apps import DashboardData
from workbench.dashboards.fragments import (
    CSS,
    PORTFOLIO_NOTEBOOK,
    _render,
    message_html,
    portfolio_frame,
    portfolio_table_html,
    sort_table,
)

# Links from `/` to the Voilà pages
RENDER = "voila/render/"
LANDING_COLUMNS = ("name", "service_type", "total_score", "total_pct", "no_items",
                   "no_item_actions_overdue", "complaints", "upheld_pct",
                   "responded_within_target_pct", "overdue_actions")


def landing_page(manifest_path: str | Path | None = None, period: str | None = None,
                 db: str | Path | None = None) -> str:
    """The landing page's HTML: every provider with its score, items scored No and key
    figures, each linked to its scorecard, and a link to the portfolio dashboard."""
    try:
        data = DashboardData(manifest_path, period, db)
    except WorkbenchError as exc:
        return _render("landing", "Complaints dashboards", Markup(CSS), None, "", "",
                       Markup(message_html(f"The provider list cannot be read: {exc}")), 0,
                       "")
    # never the analysis here: the page answers at once, from what the batch wrote
    results, problems = data.all_results(live=False)
    table = sort_table(portfolio_frame(results), "name", True)
    keep = ["provider", *[c for c in LANDING_COLUMNS if c in table.columns]]
    notes = Markup("".join(message_html(p) for p in problems))  # rendered, escaped
    title = f"Complaints dashboards: {data.manifest.commissioner}, {data.period}"
    return _render("landing", title, Markup(CSS), data.manifest.commissioner, data.period,
                   RENDER + PORTFOLIO_NOTEBOOK, notes, len(results),
                   Markup(portfolio_table_html(table[keep], RENDER)))
