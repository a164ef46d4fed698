"""Improvement actions: status as of a date, overdue list, headline figures and effectiveness."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from workbench.analysis import kpis
from workbench.register.loader import Register

UPHELD = ("upheld", "partly_upheld")
STATUSES = ("completed", "overdue", "open", "no due date")
ACTION_FIELDS = ("actions", "action_owner", "action_due", "action_completed",
                 "action_signed_off_by", "complainant_told_of_improvement")


def _col(frame: pd.DataFrame, name: str, dtype: str = "string") -> pd.Series:
    if name in frame:
        return frame[name]
    return pd.Series(pd.NA if dtype != "datetime64[ns]" else pd.NaT, index=frame.index, dtype=dtype)


def _text(frame: pd.DataFrame, name: str) -> pd.Series:
    s = _col(frame, name).astype("string").str.strip()
    return s.mask(s == "")


def _date(frame: pd.DataFrame, name: str) -> pd.Series:
    return pd.to_datetime(_col(frame, name, "datetime64[ns]")).astype("datetime64[ns]")


def has_action(frame: pd.DataFrame) -> pd.Series:
    """Rows recording an improvement action: action text, a due date or a completion date."""
    return (_text(frame, "actions").notna() | _date(frame, "action_due").notna()
            | _date(frame, "action_completed").notna()).astype(bool)


def actions_table(register: Register, as_of: dt.date | pd.Timestamp) -> pd.DataFrame:
    """One row per register row with an improvement action, with its status as of ``as_of``.

    status: "completed" (completion date on or before as_of), else "overdue" (due before
    as_of), "open" (due on or after as_of) or "no due date". days_overdue: calendar days past
    due for overdue actions, else NA. completed_on_time: for completed actions with a due date,
    completed on or before it; else NA. Columns: _row, reference, outcome, actions, action_owner,
    action_due, action_completed, action_signed_off_by, complainant_told_of_improvement, status,
    days_overdue, completed_on_time, signed_off.
    """
    frame = register.frame
    as_of = pd.Timestamp(as_of).normalize()
    rows = frame[has_action(frame)]
    due = _date(rows, "action_due")
    done = _date(rows, "action_completed")
    completed = done.notna() & (done <= as_of)
    overdue = ~completed & due.notna() & (due < as_of)
    status = np.select([completed, overdue, ~completed & due.notna()],
                       ["completed", "overdue", "open"], "no due date")
    days = (as_of - due).dt.days.astype("Int64").where(overdue)
    on_time = (done <= due).astype("boolean").where(completed & due.notna())
    out = pd.DataFrame({
        "_row": _col(rows, "_row", "Int64"),
        "reference": _col(rows, "reference"),
        "outcome": _col(rows, "outcome"),
        # what the complaint was about, for the governance reports' case studies (the summary
        # is redacted before anything is written: workbench.reports.pack.analyse)
        "type": _col(rows, "type"),
        "summary": _text(rows, "summary"),
        "actions": _text(rows, "actions"),
        "action_owner": _text(rows, "action_owner"),
        "action_due": due,
        "action_completed": done,
        "action_signed_off_by": _text(rows, "action_signed_off_by"),
        "complainant_told_of_improvement": _col(rows, "complainant_told_of_improvement",
                                                "boolean").astype("boolean"),
        "status": pd.array(status, dtype="string"),
        "days_overdue": days,
        "completed_on_time": on_time,
    }, index=rows.index)
    out["signed_off"] = (out["action_signed_off_by"].notna() & completed).astype("boolean").where(
        completed)
    return out


def overdue(register: Register, as_of: dt.date | pd.Timestamp) -> pd.DataFrame:
    """Overdue actions as of ``as_of``, most overdue first (the report senior managers get)."""
    table = actions_table(register, as_of)
    table = table[table["status"] == "overdue"]
    return table.sort_values(["days_overdue", "_row"], ascending=[False, True], kind="stable")


def _pct(num: int, den: int) -> float | None:
    return round(100 * num / den, 1) if den else None


# The summary's percentages are the rubric's indicators, computed once in workbench.analysis.kpis
# (one definition, one value wherever they are shown).
SUMMARY_INDICATORS = {"completed_on_time_pct": "actions_completed_on_time_pct",
                      "signed_off_pct": "actions_signed_off_pct",
                      "told_pct": "complainant_told_of_improvement_pct"}


def period_table(register: Register, as_of: dt.date | pd.Timestamp, *,
                 period: Any = None) -> pd.DataFrame:
    """`actions_table` with ``counted`` (the action's complaint is one the KPIs count: received
    in ``period`` when given) and ``earlier`` (its complaint was received before ``period``).
    A period's figures and chart are over the counted actions; its lists also show the others
    still open or completed in it (older complaints' actions)."""
    rows = kpis.counted_rows(register, as_of=as_of, period=period)
    table = actions_table(register, as_of)
    kind = _col(register.frame, "record_kind").reindex(table.index)
    complaint = kind.ne("compliment").to_numpy(dtype=bool, na_value=True)
    table["counted"] = table["_row"].isin(rows).to_numpy(dtype=bool, na_value=False) & complaint
    table["earlier"] = False
    if period is not None:
        start = pd.Timestamp(kpis.period_of(period).start)
        received = register.trusted_dates("date_received").reindex(table.index)
        table["earlier"] = (received < start).to_numpy(dtype=bool) & complaint \
            & ~table["counted"].to_numpy(dtype=bool)
    return table


def summary(register: Register, as_of: dt.date | pd.Timestamp, *,
            period: Any = None) -> dict[str, float | int | None]:
    """Headline action figures as of ``as_of`` over the complaints the KPIs count (received in
    ``period`` when given; percentages 1 dp, None when nothing to divide by).

    - actions, completed, overdue, open, no_due_date: counts of actions by status.
    - completed_on_time_pct, signed_off_pct, told_pct: the indicators
      actions_completed_on_time_pct, actions_signed_off_pct and
      complainant_told_of_improvement_pct of workbench.analysis.kpis (docs/kpis.md).
    - overdue_from_before (with a period): actions still overdue on complaints received
      before it: not the period's figures, but what a board must not lose sight of.
    """
    as_of = pd.Timestamp(as_of).date()
    table = period_table(register, as_of, period=period)
    status = table.loc[table["counted"], "status"]
    figures = kpis.indicators(register, as_of=as_of, period=period)
    out: dict[str, float | int | None] = {
        "actions": len(status),
        "completed": int((status == "completed").sum()),
        "overdue": int((status == "overdue").sum()),
    }
    if period is not None:
        out["overdue_from_before"] = int((table["earlier"] & (table["status"] == "overdue"))
                                         .sum())
    return {**out, "open": int((status == "open").sum()),
            "no_due_date": int((status == "no due date").sum()),
            **{key: figures.get(name) for key, name in SUMMARY_INDICATORS.items()}}


def effectiveness(register: Register, by: str | pd.Series = "type", *, months: int = 6,
                  as_of: dt.date | pd.Timestamp | None = None) -> pd.DataFrame:
    """Did the learning work? For each completed action, complaints of the same theme received
    in the ``months`` before vs the ``months`` after its completion date.

    ``by`` is a register column (default "type") or a Series aligned with the register frame
    (e.g. ``themes.discover(register).assignments["theme"]``). Before = received in
    (completed - months, completed]; after = (completed, completed + months]. ``after_complete``
    is False when the after window ends after ``as_of`` (default: the latest date received), so the
    after count is still growing. change = after - before; change_pct relative to before (NA
    when before is 0). Compliments are not counted.
    """
    frame = register.frame
    key = frame[by] if isinstance(by, str) else by.reindex(frame.index)
    key = key.astype("string").str.strip().replace("", pd.NA)
    received = _date(frame, "date_received")
    complaint = _col(frame, "record_kind").astype("string").fillna("complaint").ne("compliment")
    done = _date(frame, "action_completed")
    acting = done.notna() & key.notna() & has_action(frame)
    cols = ["_row", "reference", "theme", "action_completed", "before_from", "after_to",
            "before", "after", "change", "change_pct", "after_complete"]
    if not acting.any():
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    end = pd.Timestamp(as_of) if as_of is not None else received.max()
    offset = pd.DateOffset(months=months)
    acts = pd.DataFrame({
        "_row": _col(frame, "_row", "Int64")[acting], "reference": _col(frame, "reference")[acting],
        "theme": key[acting], "action_completed": done[acting],
    })
    acts["before_from"] = acts["action_completed"] - offset
    acts["after_to"] = acts["action_completed"] + offset
    pool = pd.DataFrame({"theme": key, "received": received})[complaint & key.notna()
                                                               & received.notna()]
    dates = {t: np.sort(g["received"].to_numpy()) for t, g in pool.groupby("theme")}
    before = np.zeros(len(acts), dtype="int64")
    after = np.zeros(len(acts), dtype="int64")
    for theme, idx in acts.groupby("theme").indices.items():
        d = dates.get(theme, np.array([], dtype="datetime64[ns]"))
        sub = acts.iloc[idx]
        lo = np.searchsorted(d, sub["before_from"].to_numpy(), side="right")
        mid = np.searchsorted(d, sub["action_completed"].to_numpy(), side="right")
        hi = np.searchsorted(d, sub["after_to"].to_numpy(), side="right")
        before[idx] = mid - lo
        after[idx] = hi - mid
    acts["before"] = before
    acts["after"] = after
    acts["change"] = acts["after"] - acts["before"]
    acts["change_pct"] = (100 * acts["change"] / acts["before"].where(acts["before"] > 0)).round(1)
    acts["after_complete"] = (acts["after_to"] <= end) if pd.notna(end) else False
    return acts[cols].sort_values(["action_completed", "_row"], kind="stable")
