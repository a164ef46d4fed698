"""The pages the dashboard server renders itself, with no kernel and no script: the landing page,
a provider's scorecard and the portfolio, from the batch's results.json and the store.

They show what the Voilà dashboards show, from the same fragments, in well under a second; a
choice (provider, sort, filter) is a form that asks for the page again, so the address always
holds what is on screen. A provider the batch has not run for links to the live Voilà page."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from markupsafe import Markup

from workbench.core.errors import WorkbenchError
from workbench.dashboards.apps import (
    CHOOSE,
    DashboardData,
    NoBatchOutput,
    requested_provider,
    unknown_message,
)
from workbench.dashboards.fragments import (
    ALL_TYPES,
    CSS,
    FUNNELS,
    PORTFOLIO_COLUMNS,
    PORTFOLIO_NOTEBOOK,
    SCORECARD_NOTEBOOK,
    _render,
    choose_html,
    funnel_html,
    heading_html,
    message_html,
    nav_links_html,
    page_title,
    portfolio_frame,
    portfolio_heading_html,
    portfolio_table_html,
    scorecard_html,
    scorecard_link,
    sort_table,
)
from workbench.register.manifest import Provider

# The server's own pages, relative to its root (every page is one level deep, so these links
# work from any of them), and the live Voilà pages
HOME, SCORECARD, PORTFOLIO = "./", "scorecard", "portfolio"
RENDER = "voila/render/"
LANDING_COLUMNS = ("name", "service_type", "total_score", "total_pct", "no_items",
                   "no_item_actions_overdue", "complaints", "upheld_pct",
                   "responded_within_target_pct", "overdue_actions")
ORDERS = {"desc": "Highest first", "asc": "Lowest first"}
DEFAULT_SORT, DEFAULT_ORDER = "total_pct", "desc"


def _page(title: str, body: str, cls: str = "") -> str:
    return _render("page", title, Markup(CSS), Markup(body), cls)


def _unreadable(title: str, exc: WorkbenchError) -> str:
    return _page(title, heading_html(title, 1)
                 + message_html(f"The provider list cannot be read: {exc}"))


def _notes(data: DashboardData, problems: list[tuple[Provider, WorkbenchError]]) -> str:
    """One note naming the providers the batch has not run for yet, and one for each other
    provider whose results could not be read."""
    missing = [p.name for p, exc in problems if isinstance(exc, NoBatchOutput)]
    notes = [message_html(f"{p.name}: {exc}") for p, exc in problems
             if not isinstance(exc, NoBatchOutput)]
    if missing:
        notes.insert(0, message_html(
            f"No batch output for {data.period} yet for {len(missing)} of "
            f"{len(data.manifest.providers)} providers: {', '.join(missing)}. Run workbench "
            "batch; meanwhile their scorecards can be computed live from each scorecard page."))
    return "".join(notes)


def landing_page(manifest_path: str | Path | None = None, period: str | None = None,
                 db: str | Path | None = None) -> str:
    """The landing page: every provider with its score, items scored No and key figures, each
    linked to its scorecard, and a link to the portfolio."""
    try:
        data = DashboardData(manifest_path, period, db)
    except WorkbenchError as exc:
        return _unreadable("Complaints dashboards", exc)
    # never the analysis here: the page answers at once, from what the batch wrote
    results, problems = data.all_results(live=False)
    table = sort_table(portfolio_frame(results), "name", True)
    keep = ["provider", *[c for c in LANDING_COLUMNS if c in table.columns]]
    notes = Markup(_notes(data, problems))  # rendered, escaped
    body = _render("landing", data.manifest.commissioner, data.period, PORTFOLIO, notes,
                   len(results), Markup(portfolio_table_html(table[keep], page=SCORECARD)))
    return _page(f"Complaints dashboards: {data.manifest.commissioner}, {data.period}", body)


def _first(query: Mapping[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _picker(data: DashboardData, chosen: str | None) -> str:
    options = [("", CHOOSE), *((p.id, f"{p.name} ({p.id})") for p in data.manifest.providers)]
    return _render("choice_form", SCORECARD, [("provider", "Provider", options, chosen or "")],
                   "Show scorecard", "wb-picker")


def scorecard_page(query: str | None, manifest_path: str | Path | None = None,
                   period: str | None = None, db: str | Path | None = None) -> str:
    """A provider's scorecard (``?provider=ID`` of ``query``; untrusted, checked against the
    manifest and used for nothing else) with a picker; the picker alone for no or an empty id."""
    try:
        data = DashboardData(manifest_path, period, db)
    except WorkbenchError as exc:
        return _unreadable("Complaints scorecard", exc)
    nav = nav_links_html([(HOME, "All providers"), (PORTFOLIO, "Back to the portfolio")])
    requested = requested_provider(query)
    provider = data.provider(requested) if requested else None
    title = "Complaints scorecard: choose a provider"
    if not requested or not requested.strip():
        body = choose_html()
    elif provider is None:
        body = message_html(unknown_message(requested)) + choose_html()
    else:
        try:
            results = data.results(provider.id, live=False)
        except NoBatchOutput:
            live = scorecard_link(provider.id, RENDER, SCORECARD_NOTEBOOK)
            body = _render("no_batch_output", provider.name, data.period, live)
            title = f"{provider.name}: complaints scorecard {data.period}"
        except WorkbenchError as exc:  # a results.json the batch left unreadable
            body = message_html(f"{provider.name}: {exc}")
        else:
            body = scorecard_html(results, data.sources.get(provider.id))
            title = page_title(results)
    picker = _picker(data, provider.id if provider else None)
    return _page(title, nav + heading_html("Complaints scorecard", 1) + picker + body,
                 "wb-scorecard")


def _choice(value: str | None, allowed: Mapping[str, str] | list[str], default: str) -> str:
    return value if value is not None and value in allowed else default


def portfolio_page(query: Mapping[str, list[str]], manifest_path: str | Path | None = None,
                   period: str | None = None, db: str | Path | None = None) -> str:
    """The portfolio: every provider's figures, filtered by service type and sorted as
    ``query`` asks (``type``, ``sort``, ``order``, ``funnel``; untrusted, each checked against
    its choices), the funnel plot of those shown, and links to each scorecard."""
    try:
        data = DashboardData(manifest_path, period, db)
    except WorkbenchError as exc:
        return _unreadable("Complaints portfolio", exc)
    results, problems = data.all_results(live=False)
    table = portfolio_frame(results)
    types = sorted({str(t) for t in table["service_type"]}) if len(table) else []
    service = _choice(_first(query, "type"), types, ALL_TYPES)
    sort = _choice(_first(query, "sort"), PORTFOLIO_COLUMNS, DEFAULT_SORT)
    order = _choice(_first(query, "order"), ORDERS, DEFAULT_ORDER)
    measure = _choice(_first(query, "funnel"), FUNNELS, "upheld")
    shown = sort_table(table, sort, order == "asc", service)
    controls = _render("choice_form", PORTFOLIO, [
        ("type", "Service type", [(ALL_TYPES, ALL_TYPES), *((t, t) for t in types)], service),
        ("sort", "Sort by", list(PORTFOLIO_COLUMNS.items()), sort),
        ("order", "Order", list(ORDERS.items()), order),
        ("funnel", "Funnel plot of", [(k, v[0]) for k, v in FUNNELS.items()], measure),
    ], "Show", "wb-controls")
    body = "".join([
        nav_links_html([(HOME, "All providers")]),
        portfolio_heading_html(data.manifest.commissioner, data.period, len(results)),
        _notes(data, problems),
        controls,
        portfolio_table_html(shown, page=SCORECARD),
        heading_html(f"Funnel plot: {FUNNELS[measure][0].lower()}"),
        funnel_html(results, shown, measure),
        f'<p class="wb-meta"><a href="{RENDER}{PORTFOLIO_NOTEBOOK}">The portfolio computed '
        "live</a> (a Voilà page; it computes a provider the batch has not run).</p>",
    ])
    return _page(f"Portfolio {data.period}: {data.manifest.commissioner}", body,
                 "wb-portfolio-page")
