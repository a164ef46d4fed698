"""The assessment model: evidence checks, answers, periods, scores, blockers, agreement."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from workbench.core.errors import WorkbenchError
from workbench.core.paths import RUBRICS_DIR
from workbench.rubric.model import load_rubric
from workbench.scoring.assessment import (
    Action,
    EvidenceError,
    EvidenceLink,
    ItemState,
    agreement,
    check_period,
    check_target,
    finalise_problems,
    parse_answer,
    previous_period,
    scores,
    unevidenced_yes,
)

DATA = Path(__file__).parent / "data" / "scoring"
REAL = RUBRICS_DIR / "complaints-handling-self-assessment.yaml"


@pytest.fixture
def rubric():
    return load_rubric(DATA / "mini-rubric.yaml")


@pytest.fixture
def real_rubric():
    if not REAL.exists():
        pytest.skip(f"{REAL} not written yet")
    return load_rubric(REAL)


@pytest.mark.parametrize("target", [
    "javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<script>x</script>",
    "file:///etc/passwd", "ftp://example.org/x", "mailto:a@b.c", "vbscript:x", "smb://host/share",
])
def test_refused_schemes(target):
    scheme = target.split(":")[0].lower()
    with pytest.raises(EvidenceError, match=f"'{scheme}:' scheme, which is not allowed"):
        check_target(target)


@pytest.mark.parametrize("target,expected", [
    ("https://example.org/a.pdf", "https://example.org/a.pdf"),
    ("http://intranet/minutes?id=3", "http://intranet/minutes?id=3"),
    ("register:C-2024-017", "register:C-2024-017"),
    ("register: C-1", "register:C-1"),
    ("policies/complaints.pdf", "policies/complaints.pdf"),
    ("policies/../minutes/may.docx", "minutes/may.docx"),
    ("policies\\old\\v1.pdf", "policies/old/v1.pdf"),
])
def test_accepted_targets(target, expected, monkeypatch):
    monkeypatch.delenv("WORKBENCH_EVIDENCE_ROOT", raising=False)
    assert check_target(target) == expected


@pytest.mark.parametrize("target", ["", "  ", "https://", "register:", "../secret.pdf",
                                    "a/../../b", "/etc/passwd", "C:\\Windows\\x.pdf"])
def test_refused_targets(target, monkeypatch):
    monkeypatch.delenv("WORKBENCH_EVIDENCE_ROOT", raising=False)
    with pytest.raises(EvidenceError):
        check_target(target)


def test_evidence_root(tmp_path, monkeypatch):
    root = tmp_path / "evidence"
    (root / "policies").mkdir(parents=True)
    monkeypatch.setenv("WORKBENCH_EVIDENCE_ROOT", str(root))
    assert check_target("policies/p.pdf") == "policies/p.pdf"
    assert check_target(str(root / "policies" / "p.pdf")) == "policies/p.pdf"
    with pytest.raises(EvidenceError, match="outside the evidence folder"):
        check_target("../outside.pdf")
    with pytest.raises(EvidenceError, match="outside the evidence folder"):
        check_target(str(tmp_path / "other.pdf"))
    with pytest.raises(EvidenceError, match="outside"):
        check_target("policies/../../x", root=root)


def test_link_label_defaults_to_target():
    link = EvidenceLink.make("", "register:C-1")
    assert (link.label, link.kind) == ("register:C-1", "register")
    assert EvidenceLink.make("P", "https://x.org").kind == "url"


@pytest.mark.parametrize("value,expected", [
    ("Yes", "yes"), (" y ", "yes"), ("NO", "no"), ("n", "no"), ("", None), (None, None),
    ("unanswered", None), (True, "yes"), (False, "no")])
def test_parse_answer(value, expected):
    assert parse_answer(value) == expected


def test_parse_answer_refuses_other_values():
    with pytest.raises(WorkbenchError, match="'maybe' is not an answer"):
        parse_answer("maybe")


def test_periods():
    assert check_period("2024-25") == "2024-25"
    assert check_period("1999-00") == "1999-00"
    assert previous_period("2024-25") == "2023-24"
    for bad in ("2024", "2024-26", "24-25", "2024/25"):
        with pytest.raises(WorkbenchError, match="financial year"):
            check_period(bad)


def test_scores_and_flags(rubric):
    states = {
        "1.1": ItemState("1.1", "yes", (EvidenceLink("p", "https://x.org"),)),
        "1.2": ItemState("1.2", "no"),
        "2.1": ItemState("2.1", "yes"),
    }
    result = scores(rubric, states)
    assert str(result) == "2/5" and result.pct == 40.0
    assert [(s.id, s.score, s.max_points, s.answered, s.pct) for s in result.sections] == [
        ("1", 1, 2, 2, 50.0), ("2", 1, 3, 1, 33.3)]
    assert scores(rubric, {"1.1": "Yes", "2.2": "No"}).total == 1
    assert unevidenced_yes(rubric, states) == ["2.1"]
    problems = finalise_problems(rubric, states)
    assert any(p.startswith("item 1.2") and "what, owner, due date" in p for p in problems)
    assert any(p.startswith("item 2.1") and "no evidence" in p for p in problems)
    assert sum("not answered" in p for p in problems) == 2


def test_action_completeness():
    assert Action("Fix", "Jo", date(2025, 1, 1)).complete
    assert Action("Fix", "", None).missing() == ["owner", "due date"]


def test_real_rubric_scores(real_rubric):
    all_yes = {item.id: "yes" for _, item in real_rubric.items()}
    assert str(scores(real_rubric, all_yes)) == "85/85"
    some_no = {**all_yes, **{k: "no" for k in list(all_yes)[:22]}}
    result = scores(real_rubric, some_no)
    assert str(result) == "63/85"
    assert result.sections[0].score == 0 and result.sections[1].score == 10


def test_agreement_matches_sklearn():
    sklearn = pytest.importorskip("sklearn.metrics")
    a = {f"1.{i}": v for i, v in enumerate("yyynnyynyyyynnyyynyn", start=1)}
    b = {f"1.{i}": v for i, v in enumerate("yynnnyyyyynynnyyynnn", start=1)}
    a["1.21"], b["1.22"] = "yes", "no"  # answered by one only: left out of kappa
    result = agreement(a, b)
    ids = [f"1.{i}" for i in range(1, 21)]
    expected = sklearn.cohen_kappa_score([parse_answer(a[i]) for i in ids],
                                         [parse_answer(b[i]) for i in ids])
    assert result["compared"] == 20
    assert result["kappa"] == pytest.approx(expected, abs=1e-4)
    assert result["agreement_pct"] == 80.0
    assert result["disagreements"] == ["1.3", "1.8", "1.11", "1.19"]
    assert result["answered_by_one_only"] == ["1.21", "1.22"]


def test_agreement_edge_cases():
    assert agreement({"1.1": "yes"}, {"1.1": "yes"})["kappa"] is None
    assert agreement({}, {})["agreement_pct"] is None
    perfect = agreement({"1.1": "yes", "1.2": "no"}, {"1.1": "yes", "1.2": "no"})
    assert perfect["kappa"] == 1.0 and perfect["agreement_pct"] == 100.0


@pytest.mark.parametrize("target", ['=HYPERLINK("http://evil","x")', "@SUM(A1)", "+1"])
def test_formula_like_targets_refused(target):
    with pytest.raises(EvidenceError, match="formula"):
        check_target(target)
