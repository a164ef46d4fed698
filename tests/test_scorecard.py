"""The scorecard workbook: sheets, frozen headers, RAG rules, values, formula injection."""

from __future__ import annotations

import openpyxl
import pytest

from tests.report_results import INJECTIONS, make_results
from workbench.reports.scorecard import kpi_rows, section_rows, total_text, write_scorecard


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    path = write_scorecard(make_results(), tmp_path_factory.mktemp("sc") / "scorecard.xlsx")
    return openpyxl.load_workbook(path)


def test_sheets(workbook):
    for name in ("Summary", "Items", "KPIs", "Root causes", "Themes", "Actions"):
        assert name in workbook.sheetnames


def test_summary_total_sections_and_rag(workbook):
    ws = workbook["Summary"]
    values = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, 15)}
    assert values["Provider"] == "Oakwood Care Homes Ltd"
    assert values["Period"] == "2024-25"
    assert values["Total score"] == "63/85"
    header = next(r for r in range(1, 30) if ws.cell(r, 1).value == "Section")
    assert ws.freeze_panes == f"A{header + 1}"
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=header + 1)]
    first = rows[0]
    assert first[:5] == ["1", "Organisational Culture", 18, 21, 85.7]
    assert first[6] == "green"
    total = next(r for r in rows if r[0] == "Total")
    assert total[2:5] == [63, 85, 74.1] and total[6] == "amber"
    rules = [r for rng in ws.conditional_formatting for r in rng.rules]
    assert rules, "a RAG conditional formatting rule is expected"


def test_items_injection_stored_as_text(workbook):
    ws = workbook["Items"]
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert header[:6] == ["Item", "Section", "Item text", "Answer", "Evidence", "Commentary"]
    evidence = [ws.cell(r, 5) for r in range(2, 6)]
    commentary = [ws.cell(r, 6) for r in range(2, 6)]
    assert [c.value for c in evidence] == INJECTIONS
    for cell in evidence + commentary:
        assert cell.data_type == "s", cell.value
    assert [ws.cell(r, 4).value for r in range(2, 6)] == ["yes", "no", "yes", None]


def test_no_formula_anywhere(workbook):
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)


def test_actions_and_issues_injection(workbook):
    ws = workbook["Actions"]
    texts = [c for row in ws.iter_rows() for c in row if c.value == INJECTIONS[0]]
    assert texts and all(c.data_type == "s" for c in texts)
    assert ws.freeze_panes == "A2"
    assert any(rng.rules for rng in ws.conditional_formatting)
    issues = workbook["Data issues"]
    cells = [c for row in issues.iter_rows() for c in row if c.value == "=1+1"]
    assert cells and cells[0].data_type == "s"


def test_kpis_root_causes_themes(workbook):
    kpis = workbook["KPIs"]
    rows = {r[1].value: r[2].value for r in kpis.iter_rows(min_row=2)}
    assert rows["Complaints received"] == 40
    assert rows["Responded to within target"] == 71.0  # the measures table's name
    assert kpis.freeze_panes == "A2"
    causes = workbook["Root causes"]
    assert [c.value for c in causes[1]] == ["Cause id", "Root cause", "Complaints", "%",
                                            "Cumulative %"]
    assert causes["B2"].value == "Staff conduct" and causes["C2"].value == 6
    themes = workbook["Themes"]
    assert themes["B2"].value == "medication, late, missed"
    assert "Examples" not in [c.value for c in themes[1]]


def test_helpers():
    r = make_results()
    assert total_text(r) == "63/85"
    r.total_score = None
    assert total_text(r) == "not scored"
    assert section_rows(make_results())["pct"].tolist()[-1] == 74.1
    rows = kpi_rows(make_results())
    assert rows.loc[rows["key"] == "responded_within_target_pct", "rag"].item() == "red"


def test_empty_results_still_write(tmp_path):
    import datetime as dt

    from workbench.reports.results import ProviderResults

    r = ProviderResults("x", "X", "care home", "2024-25", dt.date(2025, 3, 31), None, {},
                        "r", "1")
    wb = openpyxl.load_workbook(write_scorecard(r, tmp_path / "e.xlsx"))
    assert "Summary" in wb.sheetnames
