"""Contradictions: answers the register's figures disagree with."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.core.paths import RUBRICS_DIR
from workbench.rubric.model import load_rubric
from workbench.scoring.contradictions import (
    COLUMNS,
    contradictions,
    suggestion,
    suggestion_note,
)

DATA = Path(__file__).parent / "data" / "scoring"


@pytest.fixture
def rubric():
    return load_rubric(DATA / "mini-rubric.yaml")


def test_yes_with_failing_check_and_no_with_passing_check(rubric):
    indicators = {"rca_coverage_pct": 64.0, "actions_completed_on_time_pct": 95.0}
    frame = contradictions(rubric, {"2.1": "yes", "2.2": "no", "1.1": "no"}, indicators)
    assert list(frame.columns) == COLUMNS
    rows = frame.set_index("item")
    assert list(rows.index) == ["2.1", "2.2"]
    assert rows.loc["2.1", "answer"] == "Yes" and rows.loc["2.1", "suggestion"] == "No"
    assert rows.loc["2.1", "figure"] == 64.0 and rows.loc["2.1", "threshold"] == 100.0
    assert rows.loc["2.2", "answer"] == "No" and rows.loc["2.2", "suggestion"] == "Yes"
    assert rows.loc["2.2", "kpi"] == "actions_completed_on_time_pct"
    assert rows.loc["2.2", "op"] == ">="


def test_no_contradiction_when_agreeing_unanswered_or_no_figure(rubric):
    assert contradictions(rubric, {"2.1": "no", "2.2": None}, {"rca_coverage_pct": 64.0}).empty
    assert contradictions(rubric, {"2.1": "yes"}, {"rca_coverage_pct": None}).empty
    assert contradictions(rubric, {"2.1": "yes"}, {}).empty
    assert contradictions(rubric, {"2.1": "yes"}, None).empty


def test_suggestion_note(rubric):
    check = rubric.item("2.1").data_check
    assert suggestion_note(check, {"rca_coverage_pct": 64.0}) == (
        "Root cause recorded 64.0 % (expected at least 100 %): suggests No")
    assert "cannot evidence" in suggestion_note(check, {"rca_coverage_pct": None})
    assert suggestion_note(check, {}) is None


def test_no_suggestion_from_ignorance(rubric):
    """A figure the register does not record, or records on too few rows, suggests nothing."""
    check = rubric.item("2.1").data_check
    missing = {"indicators.rca_coverage_pct": {"known": None, "of": 40,
                                               "reason": "no column mapped to root_cause"}}
    assert suggestion(check, {"rca_coverage_pct": None}, missing) is None
    assert suggestion_note(check, {"rca_coverage_pct": None}, missing) == (
        "Root cause recorded: the register cannot evidence this (no column mapped to "
        "root_cause; expected at least 100 %): no suggestion")
    thin = {"indicators.rca_coverage_pct": {"known": 5, "of": 40}}  # 12.5 % < 80 %
    assert suggestion(check, {"rca_coverage_pct": 20.0}, thin) is None
    assert "outcome recorded on 12 % of answered complaints: too little to judge" in \
        suggestion_note(check, {"rca_coverage_pct": 20.0}, thin)
    enough = {"indicators.rca_coverage_pct": {"known": 36, "of": 40}}  # 90 %
    assert suggestion(check, {"rca_coverage_pct": 20.0}, enough) == "no"
    # the rubric may set its own threshold
    lenient = check.model_copy(update={"min_coverage": 10})
    assert suggestion(lenient, {"rca_coverage_pct": 20.0}, thin) == "no"


def test_real_rubric_counts():
    path = RUBRICS_DIR / "complaints-handling-self-assessment.yaml"
    if not path.exists():
        pytest.skip(f"{path} not written yet")
    rubric = load_rubric(path)
    checked = [item for _, item in rubric.items() if item.data_check]
    indicators = {item.data_check.kpi: item.data_check.threshold for item in checked}
    answers = {item.id: "no" for item in checked}
    # figures exactly at the threshold pass every >=/<= check, so every No is contradicted
    assert len(contradictions(rubric, answers, indicators)) == len(checked)
