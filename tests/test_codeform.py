"""The ombudsman layout: one row per provision, the published columns, Yes/No drop-downs, docx."""

from __future__ import annotations

import docx
import openpyxl
import pytest

from workbench.sampledata.assessments import seed_store
from workbench.scoring import codeform
from workbench.scoring.assessment import find_rubric
from workbench.scoring.projection import project
from workbench.scoring.store import Store

CODE = "housing-ombudsman-code-2024"
PROVIDER, PERIOD = "harbour-housing", "2024-25"
EXPECTED = ["Code provision", "Code requirement", "Comply Yes/No", "Evidence",
            "Commentary / explanation", "Actions and timescales (where not compliant)"]


@pytest.fixture
def projected(tmp_path):
    db = str(tmp_path / "w.db")
    seed_store(db)
    with Store(db) as store:
        outcome, _ = project(store, store.find(PROVIDER, PERIOD).id, find_rubric(CODE),
                             who="tester")
        yield db, store.load(outcome.assessment_id)


def test_xlsx_has_one_row_per_provision_with_yes_no_drop_downs(projected, tmp_path, cli):
    db, loaded = projected
    out = tmp_path / "hos.xlsx"
    res = cli("form", "export", "--layout", "ombudsman", "--rubric", CODE, "--provider",
              PROVIDER, "--period", PERIOD, "--db", db, str(out))
    assert res.returncode == 0, res.stderr
    rubric = find_rubric(CODE)
    ws = openpyxl.load_workbook(out)[codeform.SHEET]
    assert [c.value for c in ws[codeform.HEADER_ROW]] == EXPECTED
    data = list(ws.iter_rows(min_row=codeform.HEADER_ROW + 1, values_only=True))
    assert [r[0] for r in data] == [i.id for _, i in rubric.items()]
    (validation,) = ws.data_validations.dataValidation
    assert validation.type == "list" and validation.formula1 == '"Yes,No"'
    first, last = codeform.HEADER_ROW + 1, codeform.HEADER_ROW + rubric.item_count
    assert str(validation.sqref) == f"C{first}:C{last}"
    by_id = {r[0]: r for r in data}
    for item_id, st in loaded.items.items():
        row = by_id[item_id]
        assert row[2] == st.answer.capitalize()
        assert "Needs review]" not in row[1] and "needs review]" in row[1]
        if st.answer == "no":
            assert row[5] and st.action is not None and st.action.what in row[5]
        else:
            assert row[3] and row[5] is None
    unanswered = [r for r in data if r[0] not in loaded.items]
    assert unanswered and all(r[2] is None and r[5] is None for r in unanswered)


def test_docx_tables_hold_every_provision(projected, tmp_path):
    _, loaded = projected
    rubric = find_rubric(CODE)
    out = codeform.export(rubric, PROVIDER, PERIOD, tmp_path / "hos.docx", loaded)
    document = docx.Document(str(out))
    assert len(document.tables) == len(rubric.sections)
    rows = []
    for table in document.tables:
        assert [c.text for c in table.rows[0].cells] == EXPECTED
        rows += [[c.text for c in r.cells] for r in table.rows[1:]]
    assert [r[0] for r in rows] == [i.id for _, i in rubric.items()]
    for r in rows:
        st = loaded.item(r[0])
        assert r[2] == (st.answer or "").capitalize()
        assert bool(r[5]) == (st.answer == "no")


def test_other_suffix_is_refused(tmp_path):
    with pytest.raises(Exception) as info:
        codeform.export(find_rubric(CODE), PROVIDER, PERIOD, tmp_path / "x.pdf")
    assert "written as .xlsx or .docx" in str(info.value)
