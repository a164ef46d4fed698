"""Projection over a crosswalk: exactly the equal/superset items, marked, audited, re-run."""

from __future__ import annotations

import pytest

from workbench.rubric.crosswalk import PROJECTABLE, find_crosswalk, rubrics_by_id
from workbench.sampledata.assessments import seed_store
from workbench.scoring.assessment import find_rubric
from workbench.scoring.projection import project
from workbench.scoring.store import Store

MAIN = "complaints-handling-self-assessment"
CODE = "housing-ombudsman-code-2024"
PROVIDER, PERIOD = "harbour-housing", "2024-25"


@pytest.fixture
def store(tmp_path):
    db = str(tmp_path / "w.db")
    seed_store(db)
    with Store(db) as s:
        yield s


def _expected(source):
    walk = find_crosswalk(MAIN, CODE, rubrics=rubrics_by_id())
    out = {}
    for pair in walk.mappings:
        if pair.relation in PROJECTABLE:
            out.setdefault(pair.to_item, []).append(pair.from_item)
    return out


def test_projection_carries_exactly_the_equal_and_superset_items(store):
    source = store.find(PROVIDER, PERIOD)
    target = find_rubric(CODE)
    outcome, plan = project(store, source.id, target, who="tester")
    expected = _expected(store.load(source.id))
    loaded = store.load(outcome.assessment_id)
    assert outcome.created and loaded.info.rubric_id == CODE
    assert set(outcome.projected) == set(loaded.items) == set(expected) - set(plan.conflicts)
    src = store.load(source.id)
    for item_id, from_items in expected.items():
        st = loaded.items[item_id]
        assert st.projection_note == f"projected from {', '.join(from_items)}, needs review"
        assert st.answer == src.item(from_items[0]).answer
        carried = {e.target for f in from_items for e in src.item(f).evidence}
        assert {e.target for e in st.evidence} == carried
        assert src.item(from_items[0]).commentary in st.commentary
    history = store.history(outcome.assessment_id)
    assert any(ev.field == "projected" and ev.new["projected"] == outcome.projected
               for ev in history)
    answer_events = [ev for ev in history if ev.field == "answer"]
    assert answer_events and all(ev.reason.startswith("projected from ") and
                                 f"of assessment {source.id}, needs review" in ev.reason
                                 for ev in answer_events)


def test_reprojection_updates_only_items_nobody_reviewed(store):
    source = store.find(PROVIDER, PERIOD)
    target = find_rubric(CODE)
    outcome, _ = project(store, source.id, target, who="tester")
    aid = outcome.assessment_id
    # someone edits 9.5, someone confirms 9.8 unchanged; 9.1 is left alone
    store.save_item(aid, "9.5", {"commentary": "Checked the board minute."},
                    store.load(aid).item("9.5").version, "reviewer")
    assert store.mark_reviewed(aid, "9.8", "reviewer")
    # the source changes on all three
    for item_id in ("1.3", "1.5", "5.1"):
        st = store.load(source.id).item(item_id)
        flip = "no" if st.answer == "yes" else "yes"
        store.save_item(source.id, item_id,
                        {"answer": flip, "action": {"what": "Fix", "owner": "CM",
                                                    "due": "2025-12-01"}}, st.version, "auditor")
    again, _ = project(store, source.id, target, who="tester")
    assert again.assessment_id == aid and not again.created
    assert "9.1" in again.updated and {"9.5", "9.8"} <= set(again.kept)
    loaded = store.load(aid)
    assert loaded.item("9.1").answer == store.load(source.id).item("5.1").answer
    assert loaded.item("9.1").projection_note == "projected from 5.1, needs review"
    assert loaded.item("9.5").commentary == "Checked the board minute."
    assert loaded.item("9.5").projection_note is None
    assert loaded.item("9.8").projection_note is None
    assert loaded.item("9.8").answer != store.load(source.id).item("1.5").answer


def test_cli_project_twice(cli, tmp_path):
    db = str(tmp_path / "w.db")
    seed_store(db)
    args = ("assessment", "project", "--provider", PROVIDER, "--period", PERIOD, "--to", CODE,
            "--db", db)
    first = cli(*args)
    assert first.returncode == 0, first.stderr
    assert "projected 7, updated 0" in first.stdout
    assert "9.5    yes        projected from 1.3, needs review" in first.stdout
    second = cli(*args)
    assert second.returncode == 0 and "projected 0, updated 0, unchanged 7" in second.stdout
    missing = cli("assessment", "project", "--provider", "nobody", "--period", PERIOD,
                  "--to", CODE, "--db", db)
    assert missing.returncode == 1 and "no assessment for nobody" in missing.stderr


def test_the_form_shows_a_projected_answer_and_confirms_it(store):
    from workbench.scoring.form import ScoringForm

    source = store.find(PROVIDER, PERIOD)
    target = find_rubric(CODE)
    outcome, _ = project(store, source.id, target, who="tester")
    form = ScoringForm(store, outcome.assessment_id, target, assessor="Reviewer Ruth")
    item_id = outcome.projected[0]
    editor = form.editor(item_id)
    assert "needs review" in editor.flags.value and editor.confirm.layout.display is None
    assert editor.confirm_projection()
    assert store.load(outcome.assessment_id).item(item_id).projection_note is None
    assert "needs review" not in editor.flags.value and editor.confirm.layout.display == "none"
    history = store.history(outcome.assessment_id)
    assert any(ev.field == "reviewed" and ev.who == "Reviewer Ruth" for ev in history)
    # an answer not projected has nothing to confirm
    other = next(i.id for _, i in target.items() if i.id not in outcome.projected)
    assert form.editor(other).confirm.layout.display == "none"
