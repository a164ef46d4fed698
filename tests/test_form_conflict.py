"""No lost update: a returned Excel form never silently overwrites answers saved after it was
exported (issue 15 item 6); --force overwrites and the audit trail says so."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from workbench.core.errors import ConflictError
from workbench.rubric.model import load_rubric
from workbench.scoring.excelform import COL, HEADER_ROW, SHEET, export_form, import_form
from workbench.scoring.store import ImportConflict, Store

DATA = Path(__file__).parent / "data" / "scoring"
RUBRIC = DATA / "mini-rubric.yaml"


def fill(path: Path, values: dict[str, dict]) -> Path:
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    rows = {str(ws.cell(r, 1).value): r for r in range(HEADER_ROW + 1, ws.max_row + 1)}
    for item_id, cells in values.items():
        for key, value in cells.items():
            ws.cell(rows[item_id], COL[key]).value = value
    wb.save(path)
    return path


@pytest.fixture
def scored(tmp_path):
    """A store where Ann answered 1.1 and 2.1 Yes, and a form exported from it."""
    rubric = load_rubric(RUBRIC)
    db = tmp_path / "w.db"
    with Store(db) as store:
        aid = store.create_assessment("oakwood", "2024-25", rubric, who="Ann")
        store.save_items(aid, {"1.1": {"answer": "yes"}, "2.1": {"answer": "yes"}}, "Ann")
        form = export_form(rubric, "oakwood", "2024-25", tmp_path / "form.xlsx",
                           store.load(aid))
    return rubric, db, aid, form


def test_import_refuses_an_item_saved_since_the_export(scored):
    rubric, db, aid, form = scored
    with Store(db) as store:  # Bob, after the export, answers 2.1 No with an action
        version = store.load(aid).items["2.1"].version
        store.save_item(aid, "2.1", {"answer": "no", "action": {
            "what": "Train staff", "owner": "Manager", "due": "2025-01-31"}}, version, "Bob")
    fill(form, {"1.2": {"answer": "Yes", "evidence": "https://example.org/minutes"}})
    with Store(db) as store, pytest.raises(ImportConflict) as err:
        import_form(form, "oakwood", store, "Provider", rubric=rubric)
    assert isinstance(err.value, ConflictError) and err.value.exit_code == 3
    assert "item 2.1: saved by Bob at" in err.value.message
    assert "1.2" not in err.value.message  # untouched since the export: not a conflict
    with Store(db) as store:
        items = store.load(aid).items
        assert items["2.1"].answer == "no"       # Bob's No stands
        assert "1.2" not in items                # all or nothing: nothing was imported


def test_an_unchanged_store_imports(scored):
    rubric, db, aid, form = scored
    fill(form, {"1.2": {"answer": "Yes", "evidence": "https://example.org/minutes"}})
    with Store(db) as store:
        import_form(form, "oakwood", store, "Provider", rubric=rubric)
        assert store.load(aid).items["1.2"].answer == "yes"


def test_cli_conflict_exit_3_and_force_is_recorded(scored, cli):
    _rubric, db, aid, form = scored
    with Store(db) as store:
        version = store.load(aid).items["2.1"].version
        store.save_item(aid, "2.1", {"answer": "no", "action": {
            "what": "Train staff", "owner": "Manager", "due": "2025-01-31"}}, version, "Bob")
    args = ["form", "import", str(form), "--provider", "oakwood", "--rubric", str(RUBRIC),
            "--db", str(db)]
    run = cli(*args)
    assert run.returncode == 3, run.stderr
    assert run.stderr.startswith("error: ") and "Traceback" not in run.stderr
    assert "item 2.1: saved by Bob" in run.stderr and "--force" in run.stderr
    run = cli(*args, "--force")
    assert run.returncode == 0, run.stderr
    with Store(db) as store:
        assert store.load(aid).items["2.1"].answer == "yes"
        last = [e for e in store.history(aid, "2.1") if e.field == "answer"][-1]
    assert "forced over changes saved since the export (items 2.1)" in (last.reason or "")
