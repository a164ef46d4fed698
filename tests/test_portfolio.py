"""Portfolio: table with small-number suppression, benchmark, funnel limits, xlsx and html."""

from __future__ import annotations

import math
import re

import openpyxl
import pandas as pd
import pytest

from tests.report_results import make_results
from workbench.reports.htmlreport import has_external_references
from workbench.reports.portfolio import (
    benchmark,
    funnel_data,
    funnel_plot,
    limits,
    portfolio_table,
    positions,
    suppress_count,
    write_portfolio,
)


def _results():
    return [
        make_results("oakwood-care", "Oakwood Care Homes Ltd"),
        make_results("beech-lodge", "Beech Lodge", complaints=3, upheld=1, partly=0,
                     not_upheld=2, compliments=2),
        make_results("cedar-homecare", "Cedar Homecare", complaints=200, upheld=90, partly=30,
                     not_upheld=60, service_users=300, scores=(20, 10, 18, 8, 15, 9)),
        make_results("daisy-living", "Daisy Supported Living", complaints=60, upheld=5,
                     partly=2, not_upheld=45, scores=(10, 5, 8, 3, 6, 2)),
    ]


@pytest.fixture(scope="module")
def table():
    return portfolio_table(_results())


def test_table_has_scores_kpis_and_rates(table):
    row = table.set_index("provider").loc["oakwood-care"]
    assert row["1. Organisational Culture"] == 18
    assert row["total_score"] == 63 and row["total_pct"] == 74.1
    assert row["complaints"] == 40 and row["upheld"] == 16 and row["decided"] == 36
    assert row["complaints_per_100"] == pytest.approx(33.3)
    assert row["upheld_per_100"] == pytest.approx(13.3)
    assert row["upheld_pct"] == pytest.approx(44.4)


def test_small_counts_and_their_rates_suppressed(table):
    beech = table.set_index("provider").loc["beech-lodge"]
    for col in ("complaints", "compliments", "decided", "upheld", "upheld_pct",
                "complaints_per_100", "upheld_per_100", "responded_within_target_pct",
                "escalated_pct"):
        assert beech[col] == "<5", col
    oak = table.set_index("provider").loc["oakwood-care"]
    assert oak["escalated"] == "<5"          # 10 % of 40 = 4 escalations
    assert oak["escalated_pct"] == "<5"      # a rate from a suppressed count
    assert oak["complaints"] == 40
    raw = portfolio_table(_results(), suppress_small=False).set_index("provider")
    assert raw.loc["beech-lodge", "complaints"] == 3


def test_suppress_count_keeps_zero_and_five():
    assert [suppress_count(v) for v in (0, 1, 4, 5, None)] == [0, "<5", "<5", 5, None]


def test_benchmark_median_and_quartiles(table):
    bench = benchmark(table)
    s = pd.Series([74.1, 74.1, 94.1, 40.0])
    assert bench.loc["total_pct", "median"] == pytest.approx(s.median(), abs=0.01)
    assert bench.loc["total_pct", "q1"] == pytest.approx(s.quantile(0.25), abs=0.01)
    assert bench.loc["total_pct", "q3"] == pytest.approx(s.quantile(0.75), abs=0.01)
    # "<5" values are left out of the sector figures
    assert bench.loc["upheld_pct", "providers"] == 3
    pos = positions(table, bench).set_index("provider")
    assert pos.loc["cedar-homecare", "total_pct"] == "above upper quartile"
    assert pos.loc["daisy-living", "total_pct"] == "below lower quartile"
    assert pos.loc["beech-lodge", "upheld_pct"] is None


def test_limits_hand_checked():
    # p = 0.3, n = 50: se = sqrt(0.3 * 0.7 / 50) = 0.0648074
    lim = limits(0.3, [50])
    assert lim["lower95"][0] == pytest.approx(0.3 - 1.96 * 0.0648074, abs=1e-6)
    assert lim["upper95"][0] == pytest.approx(0.427022, abs=1e-6)
    assert lim["lower998"][0] == pytest.approx(0.099746, abs=1e-6)
    assert lim["upper998"][0] == pytest.approx(0.500255, abs=1e-6)
    # clipped to [0, 1]
    small = limits(0.05, [4])
    assert small["lower998"][0] == 0.0
    assert limits(0.95, [4])["upper998"][0] == 1.0


def test_funnel_data_flags_outliers():
    table = pd.DataFrame({"provider": ["a", "b", "c", "d"], "name": ["A", "B", "C", "D"],
                          "upheld": [15, 40, 2 * 5, "<5"], "decided": [50, 50, 100, 20]})
    data = funnel_data(table, "upheld", pooled=0.3).set_index("provider")
    assert "d" not in data.index                       # suppressed: not plotted
    assert data.loc["a", "flag"] == "within"           # 0.30
    assert data.loc["b", "flag"] == "above 99.8 %"     # 0.80 > 0.500
    assert data.loc["c", "flag"] == "below 99.8 %"     # 0.10 < 0.3 - 3.09*0.0458
    assert data.loc["a", "upper95"] == pytest.approx(0.427022, abs=1e-6)
    pooled = funnel_data(table, "upheld")
    assert pooled["pooled"].iloc[0] == pytest.approx(65 / 200)
    p, n = 0.5, 20
    mid = pd.DataFrame({"provider": ["x"], "name": ["X"], "upheld": [15], "decided": [n]})
    row = funnel_data(mid, pooled=p).iloc[0]
    z = (0.75 - p) / math.sqrt(p * (1 - p) / n)   # 2.24: outside 95 %, inside 99.8 %
    assert 1.96 < z < 3.09 and row["flag"] == "above 95 %"


def test_funnel_plot_spec():
    table = pd.DataFrame({"provider": ["a", "b"], "name": ["A", "B"], "upheld": [15, 40],
                          "decided": [50, 50]})
    spec = funnel_plot(funnel_data(table)).to_dict()
    assert len(spec["layer"]) == 4


def test_write_portfolio_xlsx_and_html(tmp_path):
    paths = write_portfolio(_results(), tmp_path)
    assert set(paths) == {"xlsx", "html"}
    wb = openpyxl.load_workbook(paths["xlsx"])
    assert {"Portfolio", "Benchmark", "Position", "Funnel", "Notes"} <= set(wb.sheetnames)
    ws = wb["Portfolio"]
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    beech = next(r for r in ws.iter_rows(min_row=2) if r[1].value == "Beech Lodge")
    by = dict(zip(header, (c.value for c in beech), strict=True))
    assert by["Complaints"] == "<5" and by["% upheld (of decided)"] == "<5"
    assert any(rng.rules for rng in ws.conditional_formatting)
    html = paths["html"].read_text()
    assert "<svg" in html and not has_external_references(html)
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=[\"']?https?:", html)
    assert "Beech Lodge" in html and "&lt;5" in html
    # the suppressed provider's real counts are nowhere in its row
    kpis = html[html.index("<caption>Complaint measures by provider"):]
    row = re.search(r"<tr><td>Beech Lodge</td>(.*?)</tr>", kpis, re.S).group(1)
    assert row.count("&lt;5") >= 10 and ">3<" not in row and ">2<" not in row
    assert "<caption>" in html and 'role="img"' in html and 'aria-label="' in html


def _failed(status: str, n: int) -> list[dict]:
    return [{"id": f"5.{i}", "section": "5", "section_name": "Learning from Complaints",
             "text": "Learning is shared.", "evidence_expected": [], "commentary": "",
             "action": None if status == "no action" else "Share it", "owner": None,
             "due": None, "status": status} for i in range(n)]


def test_items_scored_no_and_their_overdue_actions_per_provider(tmp_path):
    """The portfolio lists, per provider, how many items were scored No and how many of their
    actions are overdue (unknown, not 0, for a provider not scored)."""
    import dataclasses

    scored = dataclasses.replace(
        make_results(), failed_items=_failed("overdue", 2) + _failed("open", 3)
        + _failed("no action", 1))
    unscored = dataclasses.replace(make_results("beech-lodge", "Beech Lodge"), total_score=None)
    table = portfolio_table([scored, unscored]).set_index("provider")
    assert table.loc["oakwood-care", "no_items"] == 6
    assert table.loc["oakwood-care", "no_item_actions_overdue"] == 2
    assert table.loc["oakwood-care", "no_items_without_action"] == 1
    assert table.loc["beech-lodge", "no_items"] is None
    paths = write_portfolio([scored, unscored], tmp_path)
    html = paths["html"].read_text()
    section = html[html.index("<caption>Items scored No and overdue actions by provider"):]
    row = re.search(r"<tr><td>Oakwood Care Homes Ltd</td>(.*?)</tr>", section, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]*)</td>', row) == ["63", "85", "6", "2", "1", "1"]
    row = re.search(r"<tr><td>Beech Lodge</td>(.*?)</tr>", section, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]*)</td>', row)[:3] == ["–", "85", "–"]
    ws = openpyxl.load_workbook(paths["xlsx"])["Portfolio"]
    header = [c.value for c in ws[1]]
    assert {"Items scored No", "Their actions overdue", "Scored No with no action"} <= set(header)
    assert '<p class="subtitle">All commissioned providers: 2024-25 (1 Apr 2024 to 31 Mar 2025)' \
        in html
