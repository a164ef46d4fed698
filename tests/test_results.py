"""ProviderResults: scores from the store and the results.json round trip."""

from __future__ import annotations

import pandas as pd

from workbench.reports import results as results_io
from workbench.rubric.model import load_rubric
from workbench.scoring.store import Store

from .conftest import DATA
from .report_results import make_results

MINI = DATA / "scoring" / "mini-rubric.yaml"


def test_the_main_assessment_is_scored_even_when_a_second_auditor_assessed(tmp_path):
    rubric = load_rubric(MINI)
    store = Store(tmp_path / "s.db")
    main = store.create_assessment("p1", "2024-25", rubric, who="ann")
    second = store.create_assessment("p1", "2024-25", rubric, who="bob", assessor="bob")
    store.save_item(main, "1.1", {"answer": "yes", "evidence": [
        {"label": "Policy", "target": "https://example.org/p"}]}, expected_version=0, who="ann")
    store.save_item(second, "1.1", {"answer": "no"}, expected_version=0, who="bob")
    store.save_item(second, "1.2", {"answer": "yes"}, expected_version=0, who="bob")
    chosen = results_io.stored_assessment(store, "p1", "2024-25", rubric)
    assert chosen.info.id == main
    res = make_results()
    results_io.apply_assessment(res, rubric, chosen)
    assert (res.total_score, res.max_score) == (1, 5)
    assert res.last_updated_by == "ann"
    assert res.items.set_index("id").loc["1.1", "answer"] == "yes"


def test_no_assessment_means_no_total_and_every_item_unanswered():
    res = make_results()
    results_io.apply_assessment(res, load_rubric(MINI), None)
    assert res.total_score is None and res.max_score == 5
    assert res.items["answer"].isna().all()


def test_json_round_trip_keeps_the_quarter_index(tmp_path):
    res = make_results()
    res.by_period = pd.DataFrame({"complaints": [3, 4]},
                                 index=pd.Index(["2024-25 Q1", "2024-25 Q2"], name="quarter"))
    back = results_io.load(results_io.save(res, tmp_path / "results.json"))
    assert list(back.by_period["quarter"]) == ["2024-25 Q1", "2024-25 Q2"]
    assert back.sections == res.sections
    assert back.summary() == res.summary()
