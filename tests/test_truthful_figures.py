"""Issue 14's cases, on small real files through the loader and the CLI: unknown is not No,
overdue is not invisible, and a figure the register cannot support suggests nothing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from workbench.analysis.kpis import compute_kpis
from workbench.core.paths import DEFAULT_RUBRIC
from workbench.register.loader import load_register
from workbench.rubric.model import load_rubric
from workbench.scoring.contradictions import suggestion, suggestion_note

AS_OF = dt.date(2024, 6, 30)


def write_csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def rubric():
    return load_rubric(DEFAULT_RUBRIC)


def checks_on(rubric, kpi: str) -> list:
    return [item for _, item in rubric.items()
            if item.data_check is not None and item.data_check.kpi == kpi]


def test_na_escalation_is_unknown_not_no(tmp_path):
    # 9 of 10 say N/A (in its usual spellings), one says Yes: escalation is known for 1.
    values = ["N/A", "n/a", "unknown", "-", "tbc", "Not known", "N/A", "NA", "?", "Yes"]
    rows = [f"R{i},0{1 + i % 9}/02/2024,{v}" for i, v in enumerate(values)]
    path = write_csv(tmp_path / "na.csv", "Reference,Date received,Escalated", rows)
    reg = load_register(path, as_of=AS_OF)
    assert not [i for i in reg.issues if i.field == "escalated"]  # not unknown values either
    k = compute_kpis(reg, as_of=AS_OF)
    assert k["escalated_pct"] == 100.0  # the one known is escalated; never 0.0
    assert k["coverage"]["escalated_pct"] == {"known": 1, "of": 10}
    assert k["indicators"]["escalated_pct"] == 100.0
    assert k["coverage"]["indicators.escalated_pct"] == {"known": 1, "of": 10}


def test_blank_escalation_is_no_where_the_column_marks_only_escalations(tmp_path):
    rows = ["A,01/02/2024,Yes", "B,02/02/2024,", "C,05/02/2024,", "D,06/02/2024,N/A"]
    path = write_csv(tmp_path / "marked.csv", "Reference,Date received,Escalated", rows)
    k = compute_kpis(load_register(path, as_of=AS_OF), as_of=AS_OF)
    # blanks are No (marked only when true), N/A is not known: 1 of the 3 known
    assert k["escalated_pct"] == 33.3
    assert k["coverage"]["escalated_pct"] == {"known": 3, "of": 4}


def test_told_blank_is_unknown(tmp_path):
    header = "Reference,Date received,Date response sent,Outcome,Actions,Complainant told"
    rows = ["A,01/02/2024,20/02/2024,Upheld,Retrain,Yes",
            "B,01/02/2024,20/02/2024,Upheld,New rota,",
            "C,01/02/2024,20/02/2024,Upheld,Audit,No"]
    k = compute_kpis(load_register(write_csv(tmp_path / "t.csv", header, rows), as_of=AS_OF),
                     as_of=AS_OF)
    assert k["indicators"]["complainant_told_of_improvement_pct"] == 50.0  # A of A, C
    assert k["coverage"]["indicators.complainant_told_of_improvement_pct"] == {
        "known": 2, "of": 3}


def test_absent_columns_are_unknown_and_suggest_nothing(tmp_path, rubric):
    header = "Reference,Date received,Date acknowledged,Date response sent,Outcome"
    rows = [f"C{i},0{i}/02/2024,0{i + 1}/02/2024,2{i}/02/2024,Upheld" for i in range(1, 6)]
    reg = load_register(write_csv(tmp_path / "bare.csv", header, rows), as_of=AS_OF)
    k = compute_kpis(reg, as_of=AS_OF)
    ind, cov = k["indicators"], k["coverage"]
    for kpi, field in (("rca_coverage_pct", "root_cause"), ("learning_recorded_pct", "learning"),
                       ("actions_recorded_pct", "actions"),
                       ("investigator_recorded_pct", "investigator"),
                       ("response_due_recorded_pct", "date_response_due")):
        assert ind[kpi] is None, kpi
        assert cov[f"indicators.{kpi}"]["reason"] == f"no column mapped to {field}"
        items = checks_on(rubric, kpi)
        assert items, kpi
        for item in items:  # 3.16, 3.19, 3.20, 5.1, 5.4: no "No" from ignorance
            assert suggestion(item.data_check, ind, cov) is None, item.id
            assert "cannot evidence" in suggestion_note(item.data_check, ind, cov)
    assert {i.id for kpi in ("rca_coverage_pct", "learning_recorded_pct", "actions_recorded_pct",
                             "investigator_recorded_pct", "response_due_recorded_pct")
            for i in checks_on(rubric, kpi)} >= {"3.16", "3.19", "3.20", "5.1", "5.4"}
    # what the register does record still counts
    assert ind["acknowledged_within_target_pct"] == 100.0


def test_never_acknowledged_complaints_are_misses(tmp_path, rubric):
    header = "Reference,Date received,Date acknowledged,Date response sent"
    rows = ["A,02/01/2024,03/01/2024,10/01/2024", "B,02/01/2024,,", "C,02/01/2024,,"]
    reg = load_register(write_csv(tmp_path / "ack.csv", header, rows), as_of=AS_OF)
    k = compute_kpis(reg, as_of=AS_OF)
    assert k["acknowledged_within_target_pct"] == 33.3  # A of A, B, C (B and C long overdue)
    assert k["acknowledged_within_target_of_acknowledged_pct"] == 100.0
    assert k["overdue_unacknowledged"] == 2
    assert k["responded_within_target_pct"] == 33.3
    assert k["overdue_unanswered"] == 2
    ind, cov = k["indicators"], k["coverage"]
    for kpi in ("acknowledged_within_target_pct", "responded_within_target_pct"):
        for item in checks_on(rubric, kpi):  # 6.1 and 6.2 now suggest No, not Yes
            assert suggestion(item.data_check, ind, cov) == "no", item.id
    # received the day before as_of: not yet due, so neither a hit nor a miss
    fresh = write_csv(tmp_path / "fresh.csv", header, [rows[0], "D,28/06/2024,,"])
    k = compute_kpis(load_register(fresh, as_of=AS_OF), as_of=AS_OF)
    assert k["acknowledged_within_target_pct"] == 100.0 and k["overdue_unacknowledged"] == 0
    assert k["coverage"]["acknowledged_within_target_pct"] == {"known": 1, "of": 1}


def test_extension_moves_the_response_deadline(tmp_path):
    header = "Reference,Date received,Date response sent,Extension days"
    # Mon 5 Feb 2024 + 20 working days = Mon 4 Mar; answered Mon 11 Mar = 25 working days
    rows = ["A,05/02/2024,11/03/2024,", "B,05/02/2024,11/03/2024,5"]
    k = compute_kpis(load_register(write_csv(tmp_path / "ext.csv", header, rows), as_of=AS_OF),
                     as_of=AS_OF)
    assert k["responded_within_target_pct"] == 50.0  # B had 5 more days agreed


def test_kpis_cli_warns_about_what_it_cannot_compute(tmp_path, cli):
    path = write_csv(tmp_path / "thin.csv", "Ref,Outcome", ["A,Upheld", "B,Not upheld"])
    run = cli("kpis", str(path), "--json", "--as-of", AS_OF.isoformat())
    assert run.returncode == 0, run.stderr
    k = json.loads(run.stdout)  # stdout is still one JSON object
    assert k["complaints"] == 2 and k["upheld_pct"] == 50.0
    assert "Traceback" not in run.stderr
    assert "no column mapped to date_received, a required field" in run.stderr
    assert ("warning: " + str(path) + ": Root cause recorded (indicators.rca_coverage_pct) is "
            "unknown: no column mapped to root_cause") in run.stderr
    assert "Acknowledged within target (acknowledged_within_target_pct) is unknown" in run.stderr
