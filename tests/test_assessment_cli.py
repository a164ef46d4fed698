"""`workbench assessment ...` and `workbench form ...` run as a user would run them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest

from workbench.rubric.model import load_rubric
from workbench.scoring.excelform import COL, HEADER_ROW, SHEET
from workbench.scoring.store import Store

DATA = Path(__file__).parent / "data" / "scoring"
RUBRIC = str(DATA / "mini-rubric.yaml")


@pytest.fixture
def rubric():
    return load_rubric(RUBRIC)


@pytest.fixture
def db(tmp_path) -> str:
    return str(tmp_path / "workbench.db")


def _answer_all(store, aid, rubric, no=("1.2",), who="ann"):
    for _, item in rubric.items():
        if item.id in no:
            store.save_item(aid, item.id, {"answer": "no", "action": {
                "what": "Fix it", "owner": "CEO", "due": "2025-03-31"}}, 0, who)
        else:
            store.save_item(aid, item.id, {"answer": "yes", "evidence": ["register:R-1"],
                                           "commentary": "=cmd|' /C calc'!A0"}, 0, who)


def test_show_history_finalise_reopen_export(cli, db, rubric):
    r = cli("assessment", "start", "--provider", "oakwood", "--period", "2024-25",
            "--rubric", RUBRIC, "--who", "lead", "--db", db)
    assert r.returncode == 0, r.stderr
    store = Store(db)
    aid = store.find("oakwood", "2024-25").id
    store.save_item(aid, "1.1", {"answer": "yes"}, 0, "ann")
    store.save_item(aid, "1.2", {"answer": "no"}, 0, "ann")

    r = cli("assessment", "show", "--provider", "oakwood", "--period", "2024-25",
            "--rubric", RUBRIC, "--db", db)
    assert r.returncode == 0, r.stderr
    assert "1. Culture" in r.stdout and "1/2" in r.stdout and "1/5" in r.stdout
    assert "Yes without evidence: 1.1" in r.stdout

    r = cli("assessment", "show", "--id", str(aid), "--rubric", RUBRIC, "--db", db, "--json")
    shown = json.loads(r.stdout)
    assert (shown["total"], shown["max"], shown["sections"][0]["pct"]) == (1, 5, 50.0)
    assert shown["blockers"] == 5

    r = cli("assessment", "finalise", "--id", str(aid), "--rubric", RUBRIC, "--db", db)
    assert r.returncode == 1
    assert "cannot be finalised (5 blockers)" in r.stderr and "Traceback" not in r.stderr
    assert "item 1.2 (section 1 Culture): answered No" in r.stderr

    store.save_item(aid, "1.1", {"evidence": ["https://example.org/p.pdf"]}, 1, "ann")
    store.save_item(aid, "1.2", {"action": {"what": "x", "owner": "y", "due": "2025-01-01"}},
                    1, "ann")
    for item in ("2.1", "2.2", "2.3"):
        store.save_item(aid, item, {"answer": "yes", "evidence": ["register:R"],
                                    "commentary": "=1+1"}, 0, "ann")
    r = cli("assessment", "finalise", "--id", str(aid), "--rubric", RUBRIC, "--db", db,
            "--who", "lead")
    assert r.returncode == 0, r.stderr
    r = cli("assessment", "reopen", "--id", str(aid), "--db", db, "--who", "lead",
            "--reason", "new evidence from the provider")
    assert r.returncode == 0, r.stderr

    r = cli("assessment", "history", "--id", str(aid), "--db", db)
    assert r.returncode == 0
    assert "item 1.2 answer: null -> \"no\"" in r.stdout
    assert "(new evidence from the provider)" in r.stdout
    r = cli("assessment", "history", "--id", str(aid), "--db", db, "--json", "--item", "1.1")
    assert [e["field"] for e in json.loads(r.stdout)] == ["answer", "evidence"]

    r = cli("assessment", "export", "--id", str(aid), "--rubric", RUBRIC, "--db", db,
            "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [row["answer"] for row in rows] == ["yes", "no", "yes", "yes", "yes"]
    assert rows[2]["commentary"] == "'=1+1"
    out = Path(db).parent / "export.json"
    r = cli("assessment", "export", "--id", str(aid), "--rubric", RUBRIC, "--db", db, "-o",
            str(out))
    exported = json.loads(out.read_text())
    assert exported["scores"]["total"] == 4 and len(exported["items"]) == 5
    store.close()


def test_compare_two_assessors(cli, db, rubric):
    store = Store(db)
    a = store.create_assessment("oakwood", "2024-25", rubric, who="ann", assessor="ann")
    b = store.create_assessment("oakwood", "2024-25", rubric, who="bob", assessor="bob")
    _answer_all(store, a, rubric, no=("1.2",), who="ann")
    _answer_all(store, b, rubric, no=("1.2", "2.1"), who="bob")
    store.close()
    r = cli("assessment", "compare", "--provider", "oakwood", "--period", "2024-25",
            "--assessor", "ann", "--assessor", "bob", "--rubric", RUBRIC, "--db", db, "--json")
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert result["agreement"]["disagreements"] == ["2.1"]
    assert result["agreement"]["agreement_pct"] == 80.0
    assert result["agreement"]["kappa"] == pytest.approx(0.5454, abs=1e-3)
    r = cli("assessment", "compare", str(a), str(b), "--rubric", RUBRIC, "--db", db)
    assert "* 2.1" in r.stdout and "Cohen's kappa 0.545" in r.stdout
    r = cli("assessment", "show", "--provider", "oakwood", "--period", "2024-25", "--db", db,
            "--rubric", RUBRIC)
    assert r.returncode == 2 and "2 assessments" in r.stderr


def test_form_export_import(cli, db, tmp_path):
    out = tmp_path / "oakwood.xlsx"
    r = cli("form", "export", "--rubric", RUBRIC, "--provider", "oakwood", "--period",
            "2024-25", str(out))
    assert r.returncode == 0, r.stderr
    wb = openpyxl.load_workbook(out)
    ws = wb[SHEET]
    rows = {ws.cell(i, 1).value: i for i in range(HEADER_ROW + 1, ws.max_row + 1)}
    ws.cell(rows["1.1"], COL["answer"]).value = "Yes"
    ws.cell(rows["1.1"], COL["evidence"]).value = "Policy | https://example.org/p.pdf"
    ws.cell(rows["1.2"], COL["answer"]).value = "No"
    wb.save(out)
    r = cli("form", "import", str(out), "--provider", "oakwood", "--rubric", RUBRIC, "--db", db)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "row 7, column H" in r.stderr and "nothing was imported" in r.stderr
    ws.cell(rows["1.2"], COL["action"]).value = "Appoint a lead"
    ws.cell(rows["1.2"], COL["owner"]).value = "CEO"
    ws.cell(rows["1.2"], COL["due"]).value = "31/03/2025"
    wb.save(out)
    r = cli("form", "import", str(out), "--provider", "oakwood", "--rubric", RUBRIC, "--db", db,
            "--assessor", "Jo Smith")
    assert r.returncode == 0, r.stderr
    assert "score 1/5" in r.stdout
    r = cli("form", "export", "--rubric", RUBRIC, "--provider", "oakwood", "--period",
            "2024-25", "--prefill", "--db", db, str(tmp_path / "again.xlsx"))
    ws = openpyxl.load_workbook(tmp_path / "again.xlsx")[SHEET]
    assert ws.cell(rows["1.2"], COL["owner"]).value == "CEO"
    r = cli("form", "import", str(out), "--provider", "elmtree", "--rubric", RUBRIC, "--db", db)
    assert r.returncode == 2 and "not 'elmtree'" in r.stderr


def test_unknown_assessment(cli, db):
    r = cli("assessment", "show", "--provider", "nobody", "--period", "2024-25", "--db", db)
    assert r.returncode == 1 and r.stderr.startswith("error: no assessment for nobody 2024-25")
    r = cli("assessment", "show", "--db", db)
    assert r.returncode == 2 and "--provider" in r.stderr
