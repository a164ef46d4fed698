"""A period's pack draws its root causes and themes from the records its KPIs count, so the
figures of one pack add up to each other (one figure, one value)."""

from __future__ import annotations

import pytest

from workbench.analysis import actions
from workbench.reports import htmlreport, pack
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
    # the actions charted and counted are the period's: one number of overdue actions; the
    # list also shows those still overdue from complaints of earlier years, said apart
    summary, table = results.actions_summary, results.actions
    counted = table[table["counted"]]
    assert len(counted) == summary["actions"] and len(table) > len(counted)
    overdue = int((counted["status"] == "overdue").sum())
    assert overdue == summary["overdue"] == results.indicators["overdue_actions"]
    earlier = int((table["earlier"] & (table["status"] == "overdue")).sum())
    assert earlier == summary["overdue_from_before"] > 0
    whole = actions.actions_table(_register(provider), results.as_of)
    assert overdue + earlier == int((whole["status"] == "overdue").sum())
    split = htmlreport.overdue_split(table[table["status"] == "overdue"], "2024-25")
    assert split == (f": {overdue:,} on complaints received in 2024-25 (the figures above), "
                     f"{earlier:,} on earlier ones")
    drawn = pack.provider_charts(_register(provider), results)["actions"].to_dict()
    assert sum(r["count"] for r in next(iter(drawn["datasets"].values()))) == len(counted)


def _register(provider):
    from workbench.register.loader import load_register

    return load_register(provider.register, provider.mapping)
