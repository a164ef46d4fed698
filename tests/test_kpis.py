"""KPIs and indicators on small hand-built registers with hand-checked figures."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from workbench.analysis.kpis import GROUP_COLUMNS, compute_kpis, indicators, kpis_by, kpis_by_period
from workbench.core.errors import WorkbenchError
from workbench.register.loader import Register
from workbench.rubric.model import DATA_CHECK_KPIS

SCHEMA = Path(__file__).resolve().parents[1] / "workbench" / "data" / "register_schema.yaml"
DTYPES = {"date": "datetime64[ns]", "text": "string", "category": "string", "bool": "boolean",
          "int": "Int64"}


@dataclass
class Issue:
    row: int
    field: str
    check: str
    severity: str = "error"
    column: str | None = None
    value: Any = None
    message: str = ""


def make_register(records: list[dict[str, Any]], issues: list[Issue] | None = None) -> Register:
    """A Register as the loader returns it: every canonical column, contract dtypes, `_row`."""
    fields = yaml.safe_load(SCHEMA.read_text())["fields"]
    data: dict[str, Any] = {}
    for name, spec in fields.items():
        values = [r.get(name) for r in records]
        if name == "record_kind":
            values = [v or "complaint" for v in values]
        if spec.get("marked_only_when_true") and any(v is not None for v in values):
            values = [False if v is None else v for v in values]  # as the loader reads blanks
        data[name] = pd.Series(values, dtype=DTYPES[spec["type"]] if spec["type"] != "date"
                               else None)
        if spec["type"] == "date":
            data[name] = pd.to_datetime(data[name]).astype("datetime64[ns]")
    frame = pd.DataFrame(data)
    frame["_row"] = pd.Series([r.get("_row", i + 2) for i, r in enumerate(records)], dtype="int64")
    return Register(frame=frame, issues=list(issues or []))


# Rows 2-10, England & Wales, as of Monday 1 July 2024 (see the comments for the hand counts).
RECORDS: list[dict[str, Any]] = [
    # Fri 5 Apr -> Mon 8 Apr = 1; response Fri 3 May = 20 (no holidays in between).
    {"reference": "C1", "date_received": "2024-04-05", "date_acknowledged": "2024-04-08",
     "date_response_sent": "2024-05-03", "date_closed": "2024-05-03", "outcome": "upheld",
     "type": "Care", "location": "North", "root_cause": "staffing", "learning": "rota",
     "actions": "retrain", "action_due": "2024-06-01", "action_completed": "2024-05-30",
     "action_signed_off_by": "J Smith", "complainant_told_of_improvement": True,
     "escalated": False, "date_of_event": "2024-03-01", "investigator": "A",
     "date_response_due": "2024-05-03"},
    # Fri 3 May -> Tue 7 May = 1 (Mon 6 May bank holiday); response Tue 4 Jun = 20 (27 May off).
    {"reference": "C2", "date_received": "2024-05-03", "date_acknowledged": "2024-05-07",
     "date_response_sent": "2024-06-04", "date_closed": "2024-06-04",
     "outcome": "partly_upheld", "type": "Care", "location": "South", "learning": "x",
     "escalated": True, "date_of_event": "2023-04-01", "investigator": "B",
     "date_response_due": "2024-06-04"},
    # Fri 24 May -> Mon 3 Jun = 5 (27 May off); response Fri 28 Jun = 24.
    {"reference": "C3", "date_received": "2024-05-24", "date_acknowledged": "2024-06-03",
     "date_response_sent": "2024-06-28", "date_closed": "2024-06-28", "outcome": "not_upheld",
     "type": "Communication", "location": "North", "investigator": "C"},
    # Mon 3 Jun -> Tue 11 Jun = 6; open, 20 working days / 28 days old at 1 July.
    {"reference": "C4", "date_received": "2024-06-03", "date_acknowledged": "2024-06-11",
     "location": "North"},
    # Wed 20 Dec 2023 -> Wed 27 Dec = 3 (21, 22, 27; 25, 26 off); open: 131 working days, 194 days.
    {"reference": "C5", "date_received": "2023-12-20", "date_acknowledged": "2023-12-27",
     "type": "Communication"},
    {"reference": "K1", "record_kind": "compliment", "date_received": "2024-04-10",
     "type": "Care"},
    # Acknowledged before received (error): out of the acknowledgement figures; response 11.
    {"reference": "C6", "date_received": "2024-04-15", "date_acknowledged": "2024-04-10",
     "date_response_sent": "2024-04-30", "date_closed": "2024-04-30", "outcome": "upheld",
     "type": "Care", "location": "South", "root_cause": "process", "actions": "policy",
     "action_due": "2024-06-01"},
    # Invalid date received (error): counted, but out of every date-based figure.
    {"reference": "C7", "date_acknowledged": "2024-05-01", "type": "Care",
     "outcome": "not_upheld"},
    # A second copy of C2 (duplicate reference error): out of everything.
    {"reference": "C2", "date_received": "2024-05-03", "outcome": "upheld", "type": "Care"},
]
ISSUES = [Issue(8, "date_acknowledged", "date_before_received"),
          Issue(9, "date_received", "invalid_date"),
          Issue(3, "reference", "duplicate_reference"),  # the validator flags both copies
          Issue(10, "reference", "duplicate_reference"),
          Issue(4, "date_received", "ambiguous_date", severity="warning")]
AS_OF = "2024-07-01"


@pytest.fixture
def register() -> Register:
    return make_register(RECORDS, ISSUES)


def test_counts_and_months(register):
    k = compute_kpis(register, as_of=AS_OF)
    assert (k["complaints"], k["compliments"]) == (7, 1)
    assert k["by_month"] == {"2023-12": 1, "2024-01": 0, "2024-02": 0, "2024-03": 0,
                             "2024-04": 2, "2024-05": 2, "2024-06": 1}
    assert k["excluded"]["by_month"] == {"rows": 1, "reasons": {"invalid_date": 1}}
    assert k["excluded"]["records"] == {"rows": 1, "reasons": {"duplicate_reference": 1}}


def test_acknowledge_and_respond(register):
    k = compute_kpis(register, as_of=AS_OF)
    assert k["mean_working_days_to_acknowledge"] == 3.2  # 1, 1, 5, 6, 3
    assert k["median_working_days_to_acknowledge"] == 3.0
    assert k["acknowledged_within_target_pct"] == 80.0
    assert k["excluded"]["acknowledge"] == {
        "rows": 2, "reasons": {"date_before_received": 1, "invalid_date": 1}}
    assert k["mean_working_days_to_respond"] == 18.75  # 20, 20, 24, 11
    assert k["median_working_days_to_respond"] == 20.0
    # Every complaint due counts: C4 (due Mon 1 Jul, the 20th working day) and C5 were never
    # answered, so they are misses: 3 on time of 6 due. Of the 4 answered, 3 were on time.
    assert k["responded_within_target_pct"] == 50.0
    assert k["responded_within_target_of_responded_pct"] == 75.0
    assert k["overdue_unanswered"] == 2
    # C7's date received is invalid: its deadline is unknown, so it is not known for the figure
    assert k["coverage"]["responded_within_target_pct"] == {"known": 6, "of": 7}
    assert k["excluded"]["respond"] == {"rows": 0, "reasons": {}}
    assert k["median_working_days_to_close"] == 20.0
    # C5 (received 20 Dec 2023) is open past its 60th working day: a miss, 4 of 5
    assert k["completed_within_12_weeks_pct"] == 80.0
    assert k["targets"] == {"acknowledge_days": 5, "respond_days": 20}


def test_targets_override(register):
    k = compute_kpis(register, as_of=AS_OF, targets={"acknowledge_days": 3})
    assert k["acknowledged_within_target_pct"] == 60.0  # 1, 1, 3 of 1, 1, 5, 6, 3
    assert k["targets"] == {"acknowledge_days": 3, "respond_days": 20}
    k = compute_kpis(register, as_of=AS_OF, targets={"respond_days": 24})
    # the 4 answered all within 24; C4 (due 5 Jul) is not yet due; C5 never answered: 4 of 5
    assert k["responded_within_target_pct"] == 80.0
    assert k["responded_within_target_of_responded_pct"] == 100.0


@pytest.mark.parametrize("bad", [{"acknowledge_days": -1}, {"respond_days": "20"},
                                 {"reply_days": 3}, {"acknowledge_days": True}])
def test_bad_targets(register, bad):
    with pytest.raises(WorkbenchError):
        compute_kpis(register, as_of=AS_OF, targets=bad)


def test_outcomes_escalation_types(register):
    k = compute_kpis(register, as_of=AS_OF)
    assert k["outcomes"] == {"upheld": 2, "partly_upheld": 1, "not_upheld": 2, "undecided": 2}
    assert k["upheld_pct"] == 60.0
    assert k["escalated_pct"] == 14.3  # 1 of 7
    assert k["by_type"] == {"Care": 4, "Communication": 2, "(not recorded)": 1}
    assert list(k["by_type"]) == ["Care", "Communication", "(not recorded)"]
    assert k["by_location"] == {"North": 3, "(not recorded)": 2, "South": 2}
    assert k["late_complaints"] == {"count": 1, "with_event_date": 2, "pct": 50.0}


def test_open_cases(register):
    k = compute_kpis(register, as_of=AS_OF)
    assert k["open"] == {
        "basis": "date_closed", "count": 2, "past_20_working_days": 1, "past_12_weeks": 1,
        "past_6_months": 1, "oldest_age_days": 194, "oldest_age_working_days": 131,
        "median_age_working_days": 75.5, "oldest_reference": "C5"}
    assert k["excluded"]["open"] == {"rows": 1, "reasons": {"invalid_date": 1}}
    # As of an earlier date, a case closed later was still open then.
    k = compute_kpis(register, as_of="2024-05-03")
    # C5 and C2 (received that day, closed 4 June); C1 closed that day, C6 closed 30 April.
    assert k["open"]["count"] == 2


def test_indicators_cover_the_rubric(register):
    ind = indicators(register, as_of=AS_OF)
    assert set(ind) == DATA_CHECK_KPIS
    assert ind == {
        "rca_coverage_pct": 66.7, "learning_recorded_pct": 66.7, "actions_recorded_pct": 66.7,
        "actions_completed_on_time_pct": 50.0, "actions_signed_off_pct": 100.0,
        # C1 told, C6 blank (not known): 1 of the 1 known (coverage 1 of 2, below)
        "overdue_actions": 1, "complainant_told_of_improvement_pct": 100.0,
        "acknowledged_within_target_pct": 80.0, "responded_within_target_pct": 50.0,
        "outcome_recorded_pct": 100.0, "investigator_recorded_pct": 42.9,
        "response_due_recorded_pct": 28.6, "open_over_6_months": 1,
        "completed_within_12_weeks_pct": 80.0, "escalated_pct": 14.3,
        "compliments_recorded": 1, "themes_per_quarter_reported": 0,
    }
    k = compute_kpis(register, as_of=AS_OF)
    assert k["indicators"] == ind
    assert k["coverage"]["indicators.complainant_told_of_improvement_pct"] == {"known": 1, "of": 2}
    # outcomes recorded on all 4 answered complaints (C1, C2, C3, C6; C7 has no response date)
    assert k["coverage"]["indicators.rca_coverage_pct"] == {"known": 4, "of": 4}
    counts = {"overdue_actions", "open_over_6_months", "compliments_recorded",
              "themes_per_quarter_reported"}
    assert all(type(ind[k]) is int for k in counts)
    assert all(type(v) is float for k, v in ind.items() if k not in counts)


def test_duplicate_flagged_only_on_the_later_copy():
    reg = make_register([{"reference": "A", "date_received": "2024-06-03"},
                         {"reference": "A", "date_received": "2024-06-04"},
                         {"reference": "B", "date_received": "2024-06-04"}],
                        [Issue(3, "reference", "duplicate_reference")])
    k = compute_kpis(reg, as_of=AS_OF)
    assert k["complaints"] == 2 and k["by_month"] == {"2024-06": 2}


def test_period_financial_year(register):
    k = compute_kpis(register, as_of=AS_OF, period="2024-25")
    assert k["period"] == {"label": "2024-25", "kind": "financial_year",
                           "start": "2024-04-01", "end": "2025-03-31"}
    assert (k["complaints"], k["compliments"]) == (5, 1)
    assert len(k["by_month"]) == 12 and sum(k["by_month"].values()) == 5
    assert k["by_month"]["2024-04"] == 2 and k["by_month"]["2025-03"] == 0
    assert k["excluded"]["records"] == {
        "rows": 2, "reasons": {"invalid_date": 1, "duplicate_reference": 1}}
    assert k["mean_working_days_to_acknowledge"] == 3.25  # 1, 1, 5, 6
    assert k["median_working_days_to_acknowledge"] == 3.0
    assert k["acknowledged_within_target_pct"] == 75.0
    assert k["upheld_pct"] == 75.0
    assert k["open"]["count"] == 1 and k["open"]["past_6_months"] == 0


def test_period_quarter_and_month(register):
    assert compute_kpis(register, as_of=AS_OF, period="2024-25 Q1")["complaints"] == 5
    assert compute_kpis(register, as_of=AS_OF, period="2024-05")["complaints"] == 2
    assert compute_kpis(register, as_of=AS_OF, period="2023-24 Q3")["complaints"] == 1
    with pytest.raises(WorkbenchError, match="not recognised"):
        compute_kpis(register, as_of=AS_OF, period="2024-25 Q7")


def test_default_as_of_is_period_end_when_past(register):
    k = compute_kpis(register, period="2023-24")
    assert k["as_of"] == "2024-03-31"


def test_all_blank_columns_give_none():
    reg = make_register([{"reference": "A", "date_received": "2024-04-02"},
                         {"reference": "B", "date_received": "2024-04-03"}])
    k = compute_kpis(reg, as_of=AS_OF)
    for key in ("mean_working_days_to_acknowledge", "median_working_days_to_acknowledge",
                "acknowledged_within_target_pct", "mean_working_days_to_respond",
                "responded_within_target_pct", "upheld_pct", "escalated_pct",
                "median_working_days_to_close"):
        assert k[key] is None, key
    assert k["outcomes"] == {"upheld": 0, "partly_upheld": 0, "not_upheld": 0, "undecided": 2}
    assert k["open"]["basis"] is None and k["open"]["count"] is None
    ind = indicators(reg, as_of=AS_OF)
    assert set(ind) == DATA_CHECK_KPIS
    assert ind["acknowledged_within_target_pct"] is None
    assert ind["rca_coverage_pct"] is None and ind["overdue_actions"] is None
    assert ind["open_over_6_months"] is None
    # A column blank on every row is a field the register does not keep: unknown, never 0.
    assert ind["investigator_recorded_pct"] is None
    assert k["coverage"]["indicators.investigator_recorded_pct"] == {
        "known": None, "of": 2, "reason": "investigator is blank on every row"}
    assert ind["themes_per_quarter_reported"] is None
    assert ind["compliments_recorded"] == 0  # the record kind defaults to complaint
    json.dumps(k)  # JSON-ready: no NaN, no numpy scalars
    assert "NaN" not in json.dumps(k)


def test_empty_register():
    reg = make_register([])
    k = compute_kpis(reg, as_of=AS_OF)
    assert k["complaints"] == 0 and k["by_month"] == {}
    assert k["mean_working_days_to_acknowledge"] is None
    ind = indicators(reg, as_of=AS_OF)
    assert set(ind) == DATA_CHECK_KPIS
    assert all(ind[k] is None for k in ind if k != "compliments_recorded")
    assert len(kpis_by(reg, "location")) == 0


def test_response_date_is_closure_proxy_without_date_closed():
    reg = make_register([
        {"reference": "A", "date_received": "2024-06-03", "date_response_sent": "2024-06-05"},
        {"reference": "B", "date_received": "2024-06-03"}])
    k = compute_kpis(reg, as_of=AS_OF)
    assert k["open"]["basis"] == "date_response_sent" and k["open"]["count"] == 1
    assert k["median_working_days_to_close"] == 2.0


def test_negative_interval_without_issue_is_excluded():
    reg = make_register([
        {"reference": "A", "date_received": "2024-06-05", "date_acknowledged": "2024-06-03"},
        {"reference": "B", "date_received": "2024-06-03", "date_acknowledged": "2024-06-04"}])
    k = compute_kpis(reg, as_of=AS_OF)
    assert k["mean_working_days_to_acknowledge"] == 1.0
    assert k["excluded"]["acknowledge"] == {"rows": 1, "reasons": {"date_before_received": 1}}


def test_invalid_outcome_left_out_of_outcomes():
    reg = make_register([{"reference": "A", "date_received": "2024-06-03"},
                         {"reference": "B", "date_received": "2024-06-03", "outcome": "upheld"}],
                        [Issue(2, "outcome", "unknown_value")])
    k = compute_kpis(reg, as_of=AS_OF)
    assert k["outcomes"] == {"upheld": 1, "partly_upheld": 0, "not_upheld": 0, "undecided": 0}
    assert k["excluded"]["outcomes"] == {"rows": 1, "reasons": {"unknown_value": 1}}


def test_scotland_calendar():
    # St Andrew's Day observed Mon 2 Dec 2024 in Scotland only.
    reg = make_register([{"reference": "A", "date_received": "2024-11-29",
                          "date_acknowledged": "2024-12-03"}])
    assert compute_kpis(reg, as_of=AS_OF)["mean_working_days_to_acknowledge"] == 2.0
    k = compute_kpis(reg, as_of=AS_OF, calendar="scotland")
    assert k["mean_working_days_to_acknowledge"] == 1.0 and k["holidays"] == "scotland"


def test_kpis_by_location(register):
    t = kpis_by(register, "location", as_of=AS_OF)
    assert list(t.columns) == list(GROUP_COLUMNS)
    assert list(t.index) == ["(not recorded)", "North", "South"]
    north = t.loc["North"]
    assert north["complaints"] == 3 and north["mean_working_days_to_acknowledge"] == 4.0
    assert north["acknowledged_within_target_pct"] == 66.7
    south = t.loc["South"]
    assert south["complaints"] == 2 and south["mean_working_days_to_acknowledge"] == 1.0
    assert south["upheld_pct"] == 100.0 and south["escalated_pct"] == 50.0
    assert t.loc["(not recorded)", "compliments"] == 1
    assert t["complaints"].sum() == 7


def test_kpis_by_two_keys_and_unknown(register):
    t = kpis_by(register, ["type", "quarter"], as_of=AS_OF)
    assert t.loc[("Care", "2024-25 Q1"), "complaints"] == 3
    assert t.loc[("Care", "(not recorded)"), "complaints"] == 1
    with pytest.raises(WorkbenchError, match="cannot group"):
        kpis_by(register, "colour", as_of=AS_OF)


def test_kpis_by_period(register):
    t = kpis_by_period(register, "month", as_of=AS_OF)
    assert list(t.index) == ["2023-12", "2024-01", "2024-02", "2024-03", "2024-04", "2024-05",
                             "2024-06"]
    assert t["complaints"].tolist() == [1, 0, 0, 0, 2, 2, 1]
    assert np.isnan(t.loc["2024-01", "mean_working_days_to_acknowledge"])
    q = kpis_by_period(register, "quarter", as_of=AS_OF)
    assert q["complaints"].to_dict() == {"2023-24 Q3": 1, "2023-24 Q4": 0, "2024-25 Q1": 5}
    y = kpis_by_period(register, "year", as_of=AS_OF, period="2024-25")
    assert y["complaints"].to_dict() == {"2024-25": 5}
    assert y.loc["2024-25", "compliments"] == 1
    with pytest.raises(WorkbenchError):
        kpis_by_period(register, "week")
