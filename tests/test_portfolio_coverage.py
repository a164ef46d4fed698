"""The portfolio says what each provider's figures are counted over, and which are unknown."""

from __future__ import annotations

import openpyxl

from tests.report_results import make_results
from workbench.reports.portfolio import coverage_rows, write_portfolio


def test_portfolio_shows_partial_and_unknown_coverage(tmp_path):
    full = make_results("oakwood-care", "Oakwood Care Homes Ltd")
    partial = make_results("cedar-homecare", "Cedar Homecare", complaints=200)
    partial.kpis["coverage"] = {
        "escalated_pct": {"known": 82, "of": 200},
        "indicators.rca_coverage_pct": {"known": None, "of": 200,
                                        "reason": "no column mapped to root_cause"},
        "upheld_pct": {"known": 200, "of": 200},  # all known: not listed
    }
    rows = coverage_rows([full, partial])
    assert rows == [
        {"name": "Cedar Homecare", "measure": "% escalated",
         "coverage": "of 200 complaints; escalation known on 41 %"},
        {"name": "Cedar Homecare", "measure": "% upheld with root cause",
         "coverage": "no column mapped to root_cause"},
    ]
    paths = write_portfolio([full, partial], tmp_path)
    page = paths["html"].read_text()
    assert "escalation known on 41\u00a0%" in page and "no column mapped to root_cause" in page
    sheet = openpyxl.load_workbook(paths["xlsx"])["Coverage"]
    assert [c.value for c in sheet[2]] == ["Cedar Homecare", "% escalated",
                                           "of 200 complaints; escalation known on 41 %"]
