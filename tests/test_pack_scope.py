"""A period's pack draws its root causes and themes from the records its KPIs count, so the
figures of one pack add up to each other (one figure, one value)."""

from __future__ import annotations

import pytest

from workbench.analysis import actions
from workbench.reports.pack import analyse, load_provider


@pytest.mark.parametrize("provider_id", ["brightpath-homecare", "hartwell-housing"])
def test_root_causes_and_themes_are_the_periods(provider_id):
    provider, manifest = load_provider(provider_id)
    results, _ = analyse(provider, manifest, with_charts=False)
    assert results.period == "2024-25"
    outcomes = results.kpis["outcomes"]
    upheld = outcomes["upheld"] + outcomes["partly_upheld"]
    causes = int(results.pareto["count"].sum())
    # the Pareto's complaints are the numerator of "root cause recorded on N % of upheld"
    assert round(100 * causes / upheld, 1) == results.indicators["rca_coverage_pct"]
    # the register holds two years: the pack's themes are of the period's complaints only
    assert results.register_rows > results.kpis["complaints"] + results.kpis["compliments"]
    assert results.themes.complaints == results.kpis["complaints"]
    assert int(results.themes.themes["size"].sum()) == results.themes.themed
    quarters = set(results.themes.share["quarter"])
    assert quarters and all(q.startswith("2024-25 Q") for q in quarters)
    # the actions listed and charted are the ones counted: one number of overdue actions
    summary, table = results.actions_summary, results.actions
    assert len(table) == summary["actions"]
    overdue = int((table["status"] == "overdue").sum())
    assert overdue == summary["overdue"] == results.indicators["overdue_actions"]
    # and the ones still overdue from complaints of earlier years are counted beside them (on
    # these registers no other complaint with an overdue action is left out of the figures)
    whole = actions.actions_table(_register(provider), results.as_of)
    assert summary["overdue_from_before"] > 0
    assert overdue + summary["overdue_from_before"] == int((whole["status"] == "overdue").sum())


def _register(provider):
    from workbench.register.loader import load_register

    return load_register(provider.register, provider.mapping)
