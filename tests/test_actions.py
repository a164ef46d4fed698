"""Improvement actions: status as of a date, overdue list, summary figures, effectiveness."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from workbench.analysis import actions, kpis
from workbench.register.loader import Register

AS_OF = dt.date(2024, 6, 30)


def d(s: str | None):
    return pd.Timestamp(s) if s else pd.NaT


def register() -> Register:
    rows = [  # reference, outcome, actions, due, completed, signed off by, told
        ("A1", "upheld", "Retrain staff", "2024-05-01", "2024-04-20", "J Smith", True),
        ("A2", "upheld", "New rota", "2024-05-01", "2024-05-10", None, False),
        ("A3", "partly_upheld", "Update policy", "2024-06-01", None, None, None),
        ("A4", "upheld", "Fix the lift", "2024-07-31", None, None, True),
        ("A5", "not_upheld", "Review menu", None, None, None, None),
        ("A6", "upheld", None, None, None, None, None),
        ("A7", "upheld", "Audit files", "2024-06-01", "2024-07-15", "K Jones", None),
        ("A8", "upheld", "  ", "2024-06-30", None, None, None),
    ]
    frame = pd.DataFrame({
        "reference": pd.array([r[0] for r in rows], dtype="string"),
        "outcome": pd.array([r[1] for r in rows], dtype="string"),
        "actions": pd.array([r[2] for r in rows], dtype="string"),
        "action_owner": pd.array(["Manager"] * len(rows), dtype="string"),
        "action_due": pd.Series([d(r[3]) for r in rows], dtype="datetime64[ns]"),
        "action_completed": pd.Series([d(r[4]) for r in rows], dtype="datetime64[ns]"),
        "action_signed_off_by": pd.array([r[5] for r in rows], dtype="string"),
        "complainant_told_of_improvement": pd.array([r[6] for r in rows], dtype="boolean"),
        "_row": range(2, len(rows) + 2),
    })
    return Register(frame=frame)


def test_actions_table_status_and_days_overdue():
    t = actions.actions_table(register(), AS_OF).set_index("reference")
    assert list(t.index) == ["A1", "A2", "A3", "A4", "A5", "A7", "A8"]  # A6 has no action
    assert t["status"].to_dict() == {
        "A1": "completed", "A2": "completed", "A3": "overdue", "A4": "open",
        "A5": "no due date",
        "A7": "overdue",     # completed after as_of: still overdue on the as_of date
        "A8": "open",        # due on the as_of date itself: not yet overdue
    }
    assert t.loc["A3", "days_overdue"] == 29 and t.loc["A7", "days_overdue"] == 29
    assert t["days_overdue"].isna().sum() == 5
    assert t.loc["A1", "completed_on_time"] and not t.loc["A2", "completed_on_time"]
    assert t["completed_on_time"].isna().sum() == 5
    assert t.loc["A1", "signed_off"] and not t.loc["A2", "signed_off"]
    assert pd.isna(t.loc["A8", "actions"])


def test_overdue_most_overdue_first():
    r = register()
    r.frame.loc[2, "action_due"] = pd.Timestamp("2024-03-01")
    o = actions.overdue(r, AS_OF)
    assert o["reference"].tolist() == ["A3", "A7"]
    assert o["days_overdue"].tolist() == [121, 29]


def test_summary_hand_checked():
    s = actions.summary(register(), AS_OF)
    assert s == {
        "actions": 7, "completed": 2, "overdue": 2, "open": 2, "no_due_date": 1,
        "completed_on_time_pct": 25.0,  # A1 of A1, A2, A3, A7 (A4, A8 not yet due)
        "signed_off_pct": 50.0,         # A1 of A1, A2 (A7's sign-off is after as_of)
        # A1, A4 told, A2 not: 2 of the 3 whose answer is recorded (blank is not known)
        "told_pct": 66.7,
    }
    # the percentages are the KPI indicators themselves: one definition, one value
    ind = kpis.indicators(register(), as_of=AS_OF)
    assert (s["completed_on_time_pct"], s["signed_off_pct"], s["told_pct"]) == (
        ind["actions_completed_on_time_pct"], ind["actions_signed_off_pct"],
        ind["complainant_told_of_improvement_pct"])
    later = actions.summary(register(), dt.date(2024, 8, 1))
    assert later["completed"] == 3 and later["signed_off_pct"] == 66.7


def test_summary_empty():
    frame = pd.DataFrame({"reference": pd.Series(dtype="string"), "_row": pd.Series(dtype="int64")})
    s = actions.summary(Register(frame=frame), AS_OF)
    assert s["actions"] == 0 and s["completed_on_time_pct"] is None
    assert s["signed_off_pct"] is None and s["told_pct"] is None
    assert actions.actions_table(Register(frame=frame), AS_OF).empty


def effect_register() -> Register:
    received = (["2023-12-15", "2024-01-01"]                     # outside / on the open boundary
                + [f"2024-{m:02d}-10" for m in range(1, 7)] * 2   # 12 before completion
                + ["2024-07-01"]                                   # on completion: before
                + ["2024-08-10", "2024-10-10", "2025-01-01"]       # 3 after (Jan 1 inclusive)
                + ["2025-01-02"])                                  # after the window
    n = len(received)
    frame = pd.DataFrame({
        "reference": pd.array([f"M{i}" for i in range(n)] + ["B1"], dtype="string"),
        "type": pd.array(["meals"] * n + ["billing"], dtype="string"),
        "date_received": pd.to_datetime([*received, "2024-03-03"]),
        "actions": pd.array(["Hot trolleys"] + [None] * (n - 1) + ["Refund process"],
                            dtype="string"),
        "action_completed": pd.to_datetime(["2024-07-01"] + [None] * (n - 1) + [None]),
        "_row": range(2, n + 3),
    })
    return Register(frame=frame)


def test_effectiveness_before_and_after_windows():
    e = actions.effectiveness(effect_register(), "type", months=6)
    assert len(e) == 1
    row = e.iloc[0]
    assert row["theme"] == "meals" and row["reference"] == "M0"
    assert row["before_from"] == pd.Timestamp("2024-01-01")
    assert row["after_to"] == pd.Timestamp("2025-01-01")
    assert (row["before"], row["after"], row["change"]) == (13, 3, -10)
    assert row["change_pct"] == pytest.approx(-76.9)
    assert bool(row["after_complete"])  # latest receipt 2025-01-02 is after the window
    e = actions.effectiveness(effect_register(), "type", months=6, as_of=dt.date(2024, 12, 1))
    assert not bool(e.iloc[0]["after_complete"])


def test_effectiveness_with_a_theme_series_and_no_actions():
    r = effect_register()
    theme = pd.Series(1, index=r.frame.index, dtype="Int64")
    e = actions.effectiveness(r, theme, months=3)
    # 3 months before 2024-07-01: (2024-04-01, 2024-07-01]: Apr, May, Jun x2 + Jul 1 = 7
    assert e.iloc[0]["before"] == 7 and e.iloc[0]["theme"] == "1"
    assert e.iloc[0]["after"] == 1  # (2024-07-01, 2024-10-01]: Aug 10
    r.frame["action_completed"] = pd.Series(pd.NaT, index=r.frame.index, dtype="datetime64[ns]")
    assert actions.effectiveness(r).empty
