"""Complaint-handling KPIs and the rubric's register indicators, computed from a Register."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from workbench.analysis.periods import (
    Freq,
    Period,
    add_months,
    code_label,
    parse_period,
    period_codes,
)
from workbench.analysis.workdays import WorkCalendar, get_calendar, to_days
from workbench.core.errors import WorkbenchError
from workbench.register.loader import Register

DEFAULT_TARGETS: dict[str, int] = {"acknowledge_days": 5, "respond_days": 20}
COMPLETION_WORKING_DAYS = 60  # the LGO's 12 weeks for all stages, in working days
OPEN_OVER_WORKING_DAYS = 20
OPEN_OVER_CALENDAR_DAYS = 84  # 12 weeks
OPEN_OVER_MONTHS = 6
LATE_AFTER_MONTHS = 12  # complaints are usually expected within 12 months of the event
THEMES_COVERAGE = 90.0
OUTCOMES = ("upheld", "partly_upheld", "not_upheld")
NOT_RECORDED = "(not recorded)"

# The register fields each indicator is computed from: when the register records one of them on
# no column at all, the indicator is null with the reason, never 0 (docs/kpis.md, "Coverage").
INDICATOR_FIELDS: dict[str, tuple[str, ...]] = {
    "rca_coverage_pct": ("outcome", "root_cause"),
    "learning_recorded_pct": ("outcome", "learning"),
    "actions_recorded_pct": ("outcome", "actions"),
    "actions_completed_on_time_pct": ("action_due", "action_completed"),
    "actions_signed_off_pct": ("action_completed", "action_signed_off_by"),
    "overdue_actions": ("action_due", "action_completed"),
    "complainant_told_of_improvement_pct": ("outcome", "actions",
                                            "complainant_told_of_improvement"),
    "acknowledged_within_target_pct": ("date_received", "date_acknowledged"),
    "responded_within_target_pct": ("date_received", "date_response_sent"),
    "outcome_recorded_pct": ("outcome",),
    "investigator_recorded_pct": ("investigator",),
    "response_due_recorded_pct": ("date_response_due",),
    "open_over_6_months": ("date_received",),
    "completed_within_12_weeks_pct": ("date_received",),
    "escalated_pct": ("escalated",),
    "compliments_recorded": ("record_kind",),
    "themes_per_quarter_reported": ("type",),
}
# The same for the top-level figures of compute_kpis.
FIGURE_REQUIRES: dict[str, tuple[str, ...]] = {
    "acknowledged_within_target_pct": ("date_received", "date_acknowledged"),
    "acknowledged_within_target_of_acknowledged_pct": ("date_received", "date_acknowledged"),
    "mean_working_days_to_acknowledge": ("date_received", "date_acknowledged"),
    "median_working_days_to_acknowledge": ("date_received", "date_acknowledged"),
    "overdue_unacknowledged": ("date_received", "date_acknowledged"),
    "responded_within_target_pct": ("date_received", "date_response_sent"),
    "responded_within_target_of_responded_pct": ("date_received", "date_response_sent"),
    "mean_working_days_to_respond": ("date_received", "date_response_sent"),
    "median_working_days_to_respond": ("date_received", "date_response_sent"),
    "overdue_unanswered": ("date_received", "date_response_sent"),
    "upheld_pct": ("outcome",),
    "escalated_pct": ("escalated",),
}

# Each figure and the fields whose error-severity issues exclude a row from it (docs/kpis.md).
FIGURE_FIELDS: dict[str, tuple[str, ...]] = {
    "records": ("record_kind",),
    "by_month": ("date_received",),
    "acknowledge": ("date_received", "date_acknowledged"),
    "respond": ("date_received", "date_response_sent"),
    "close": ("date_received", "date_closed"),
    "open": ("date_received", "date_closed"),
    "outcomes": ("outcome",),
    "escalated": ("escalated", "stage"),
    "late_complaints": ("date_received", "date_of_event"),
    "response_due": ("date_response_due",),
    "actions": ("action_due", "action_completed"),
}

# The per-group table of kpis_by: column -> how it is rounded ("pct" 1 dp, "days" 2 dp, "count").
GROUP_COLUMNS: dict[str, str] = {
    "complaints": "count", "compliments": "count",
    "mean_working_days_to_acknowledge": "days", "median_working_days_to_acknowledge": "days",
    "acknowledged_within_target_pct": "pct",
    "mean_working_days_to_respond": "days", "median_working_days_to_respond": "days",
    "responded_within_target_pct": "pct",
    "mean_working_days_to_close": "days", "median_working_days_to_close": "days",
    "completed_within_12_weeks_pct": "pct",
    "upheld": "count", "partly_upheld": "count", "not_upheld": "count", "undecided": "count",
    "upheld_pct": "pct", "escalated_pct": "pct", "open": "count", "open_over_6_months": "count",
}


# ----------------------------------------------------------------------------------------------
# Inputs


def resolve_targets(targets: Any = None) -> dict[str, int]:
    """Targets in working days: the defaults (5 and 20) overridden by a mapping or an object with
    ``acknowledge_days`` / ``respond_days`` (e.g. a manifest provider's targets)."""
    out = dict(DEFAULT_TARGETS)
    if targets is None:
        return out
    if not isinstance(targets, Mapping):
        targets = {k: getattr(targets, k) for k in DEFAULT_TARGETS if hasattr(targets, k)}
    for key, value in targets.items():
        if key not in DEFAULT_TARGETS:
            raise WorkbenchError(f"unknown target '{key}' (known: {', '.join(DEFAULT_TARGETS)})")
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
            raise WorkbenchError(f"target {key} must be a whole number of working days >= 0, "
                                 f"not {value!r}")
        out[key] = int(value)
    return out


def as_of_date(as_of: Any, period: Period | None) -> dt.date:
    if as_of is None:
        today = dt.date.today()
        return min(today, period.end) if period is not None else today
    if isinstance(as_of, dt.datetime):
        return as_of.date()
    if isinstance(as_of, dt.date):
        return as_of
    try:
        return dt.date.fromisoformat(str(as_of).strip())
    except ValueError as exc:
        raise WorkbenchError(f"as-of date '{as_of}' is not a date (use YYYY-MM-DD)") from exc


def period_of(period: Any) -> Period | None:
    if period is None or isinstance(period, Period):
        return period
    if isinstance(period, tuple) and len(period) == 2:
        start, end = (pd.Timestamp(x).date() for x in period)
        if end < start:
            raise WorkbenchError(f"period {start}..{end} ends before it starts")
        return Period(f"{start.isoformat()}..{end.isoformat()}", start, end, "range")
    return parse_period(str(period))


def _calendar(calendar: Any) -> WorkCalendar:
    return get_calendar(calendar) if not isinstance(calendar, WorkCalendar) else calendar


# ----------------------------------------------------------------------------------------------
# Column access (a missing column is treated as all blank, so hand-built frames work)


def _dates(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame:
        return np.full(len(frame), np.datetime64("NaT"), dtype="datetime64[D]")
    return to_days(frame[name])


def _text(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    return frame[name].astype("string")


def _present(series: pd.Series, mask: np.ndarray | None = None) -> np.ndarray:
    """True where a text value is recorded, restricted to ``mask``. The loader stores text
    trimmed and blank cells as missing, so this is a missing-value test."""
    present = series.notna().to_numpy(dtype=bool)
    return present if mask is None else present & mask


def working_days_column(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A column of whole working days >= 0 (absent, blank or negative as 0): an extension."""
    if name not in frame:
        return np.zeros(len(frame), dtype="int64")
    values = pd.to_numeric(frame[name], errors="coerce").fillna(0).to_numpy(dtype="float64")
    return np.clip(values, 0, 10_000).astype("int64")


def _bool(frame: pd.DataFrame, name: str) -> np.ndarray:
    """1.0 / 0.0 / NaN (blank)."""
    if name not in frame:
        return np.full(len(frame), np.nan)
    s = frame[name]
    if s.dtype == "boolean" or s.dtype == bool:
        return s.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    return s.map({True: 1.0, False: 0.0}).astype(float).to_numpy()


# ----------------------------------------------------------------------------------------------
# The prepared analysis: population rows, per-row facts and exclusions


class _Errors:
    """Error-severity issues as arrays, to find the rows each figure must leave out."""

    def __init__(self, register: Register):
        rows, fields, checks = [], [], []
        for i in register.issues:
            if getattr(i, "severity", None) == "error" and getattr(i, "row", None) is not None:
                rows.append(int(i.row))
                fields.append(str(getattr(i, "field", None)))
                checks.append(str(getattr(i, "check", None) or "error"))
        self.table = pd.DataFrame({"row": np.array(rows, dtype="int64"),
                                   "field": fields, "check": checks})

    def mask(self, rows: np.ndarray, fields: tuple[str, ...]) -> np.ndarray:
        if self.table.empty:
            return np.zeros(len(rows), dtype=bool)
        bad = self.table.loc[self.table["field"].isin(fields), "row"].unique()
        return np.isin(rows, bad)

    def reasons(self, rows: np.ndarray, fields: tuple[str, ...]) -> dict[str, int]:
        if self.table.empty or not len(rows):
            return {}
        t = self.table[self.table["field"].isin(fields) & self.table["row"].isin(rows)]
        counts = t.drop_duplicates(["row", "check"])["check"].value_counts()
        return {str(k): int(v) for k, v in counts.items()}


@dataclass
class _Prepared:
    frame: pd.DataFrame  # the population: records counted (in the period, not excluded)
    facts: pd.DataFrame  # per-row derived figures, aligned with frame
    excluded: dict[str, dict[str, Any]]
    as_of: dt.date
    period: Period | None
    targets: dict[str, int]
    calendar: WorkCalendar
    close_basis: str | None
    recorded: frozenset[str]  # fields with a column mapped that is not blank throughout
    mapped: frozenset[str]    # fields with a column mapped

    def missing(self, fields: tuple[str, ...]) -> str | None:
        """Why a figure over ``fields`` cannot be computed ("no column mapped to root_cause",
        "investigator is blank on every row"), or None when it can."""
        reasons = [f"{f} is blank on every row" if f in self.mapped
                   else f"no column mapped to {f}" for f in fields if f not in self.recorded]
        return "; ".join(reasons) or None


def _prepare(register: Register, *, as_of: Any = None, targets: Any = None, calendar: Any = None,
             period: Any = None) -> _Prepared:
    period = period_of(period)
    as_of_d = as_of_date(as_of, period)
    targets = resolve_targets(targets)
    cal = _calendar(calendar)
    frame = register.frame
    mapped = frozenset(_mapped_fields(register))
    recorded = frozenset(f for f in mapped if register.frame[f].notna().any())
    if "_row" not in frame:
        frame = frame.assign(_row=np.arange(2, len(frame) + 2))
    errors = _Errors(register)
    excluded: dict[str, dict[str, Any]] = {}

    def note(figure: str, rows: np.ndarray, fields: tuple[str, ...], mask: np.ndarray,
             extra: dict[str, np.ndarray] | None = None) -> None:
        reasons = errors.reasons(rows[mask], fields) if fields else {}
        for check, m in (extra or {}).items():
            if (n := int(m.sum())):
                reasons[check] = reasons.get(check, 0) + n
        excluded[figure] = {"rows": int(mask.sum()), "reasons": reasons}

    # Which records are analysed at all: not a later copy of a duplicate reference, a known
    # record kind, and (with a period) a valid date received inside it.
    rows_all = frame["_row"].to_numpy(dtype="int64", na_value=-1)
    kind_err = errors.mask(rows_all, FIGURE_FIELDS["records"])
    dup = _duplicate_copies(frame, errors, rows_all)
    recv_err_all = errors.mask(rows_all, ("date_received",))
    recv_all = _dates(frame, "date_received")
    keep = ~kind_err & ~dup
    out_of_period = np.zeros(len(frame), dtype=bool)
    no_period_date = np.zeros(len(frame), dtype=bool)
    if period is not None:
        inside = period.contains(recv_all)
        no_period_date = keep & (np.isnat(recv_all) | recv_err_all)
        out_of_period = keep & ~inside & ~no_period_date
        keep &= inside & ~recv_err_all
    records_excl = ~keep & ~out_of_period
    reasons = errors.reasons(rows_all[kind_err], FIGURE_FIELDS["records"])
    if dup.any():
        reasons["duplicate_reference"] = int(dup.sum())
    if no_period_date.any():
        for check, n in errors.reasons(rows_all[no_period_date], ("date_received",)).items():
            reasons[check] = reasons.get(check, 0) + n
        if (blank := int((no_period_date & ~recv_err_all).sum())):
            reasons["no_date_received"] = blank
    excluded["records"] = {"rows": int(records_excl.sum()), "reasons": reasons}

    if not keep.all():
        frame = frame.loc[keep]
    n = len(frame)
    rows = rows_all[keep]
    compliment = _text(frame, "record_kind").eq("compliment").to_numpy(dtype=bool,
                                                                        na_value=False)
    complaint = ~compliment
    recv = recv_all[keep]
    recv_err = recv_err_all[keep]
    recv_ok = ~np.isnat(recv) & ~recv_err
    facts: dict[str, Any] = {"complaint": complaint, "compliment": compliment,
                             "received_ok": recv_ok}

    # Complaints by month of receipt.
    m = complaint & recv_err
    note("by_month", rows, FIGURE_FIELDS["by_month"], m)
    facts["month"] = np.where(complaint & recv_ok, period_codes(recv, "month"), -1)

    # Working days to acknowledge / respond / close. Timeliness counts every complaint that was
    # due: one with the date, and one whose deadline (the target-th working day after receipt,
    # plus any agreed extension) fell on or before as_of without it, which counts as missed.
    as_of64 = np.datetime64(as_of_d, "D")
    extension = working_days_column(frame, "extension_days")

    def interval(figure: str, field: str, target: int, extra: np.ndarray | None = None,
                 ) -> tuple[np.ndarray, ...]:
        end = _dates(frame, field)
        err = errors.mask(rows, FIGURE_FIELDS[figure])
        days = cal.working_days(recv, end)
        negative = days < 0  # NaN compares False
        use = complaint & ~err & ~negative & recv_ok & ~np.isnat(end)
        _note_interval(note, figure, FIGURE_FIELDS[figure], rows, complaint, err, negative,
                       errors.mask(rows, (field,)), ~np.isnat(end))
        days = np.where(use, days, np.nan)
        allowed = target + (extra if extra is not None else 0)
        deadline = cal.add_working_days(np.where(recv_ok, recv, np.datetime64("NaT")), allowed)
        missing = complaint & ~err & recv_ok & np.isnat(end) & (deadline <= as_of64)
        within = np.where(use, days <= allowed, np.where(missing, 0.0, np.nan))
        within_done = np.where(use, days <= allowed, np.nan)
        # a complaint not yet due and without the date is not counted (not yet a miss)
        not_due = complaint & ~err & recv_ok & np.isnat(end) & ~(deadline <= as_of64)
        return days, within, within_done, missing, not_due

    (facts["ack_days"], facts["ack_within"], facts["ack_within_done"], facts["ack_overdue"],
     facts["ack_not_due"]) = interval("acknowledge", "date_acknowledged",
                                      targets["acknowledge_days"])
    (facts["resp_days"], facts["resp_within"], facts["resp_within_done"], facts["resp_overdue"],
     facts["resp_not_due"]) = interval("respond", "date_response_sent", targets["respond_days"],
                                       extension)

    close_basis = _close_basis(register.frame)
    if close_basis is not None:
        close_fields = ("date_received", close_basis)
        end = _dates(frame, close_basis)
        err = errors.mask(rows, close_fields)
        days = cal.working_days(recv, end)
        negative = days < 0
        use = complaint & ~err & ~negative & recv_ok & ~np.isnat(end)
        _note_interval(note, "close", close_fields, rows, complaint, err, negative,
                       errors.mask(rows, (close_basis,)), ~np.isnat(end))
        facts["close_days"] = np.where(use, days, np.nan)
        deadline = cal.add_working_days(np.where(recv_ok, recv, np.datetime64("NaT")),
                                        COMPLETION_WORKING_DAYS)
        unclosed = complaint & ~err & recv_ok & np.isnat(end)
        facts["close_within"] = np.where(
            use, days <= COMPLETION_WORKING_DAYS,
            np.where(unclosed & (deadline <= as_of64), 0.0, np.nan))
        facts["close_not_due"] = unclosed & ~(deadline <= as_of64)
        # Open at as_of: received by then and not closed by then.
        open_err = err | recv_err
        is_open = (complaint & ~open_err & recv_ok & (recv <= as_of64)
                   & (np.isnat(end) | (end > as_of64)))
        note("open", rows, close_fields, complaint & open_err)
        facts["open"] = is_open
        age = np.full(n, np.nan)
        age[is_open] = cal.working_days(recv[is_open], as_of64)
        facts["open_age_working_days"] = age
        facts["open_age_days"] = np.where(
            is_open, (as_of64 - recv).astype("timedelta64[D]").astype("float64"), np.nan)
        six_months_ago = add_months(np.array([as_of64]), -OPEN_OVER_MONTHS)[0]
        facts["open_over_6_months"] = is_open & (recv < six_months_ago)
    else:
        for figure in ("close", "open"):
            excluded[figure] = {"rows": 0, "reasons": {}}
        facts["close_days"] = facts["close_within"] = np.full(n, np.nan)
        facts["open"] = facts["open_over_6_months"] = np.zeros(n, dtype=bool)
        facts["close_not_due"] = np.zeros(n, dtype=bool)
        facts["open_age_working_days"] = facts["open_age_days"] = np.full(n, np.nan)

    # Outcomes.
    out_err = errors.mask(rows, FIGURE_FIELDS["outcomes"])
    outcome = _text(frame, "outcome").to_numpy(dtype=object, na_value=None)
    note("outcomes", rows, FIGURE_FIELDS["outcomes"], complaint & out_err)
    use = complaint & ~out_err
    for code in OUTCOMES:
        facts[code] = use & (outcome == code)
    facts["undecided"] = use & ~(facts["upheld"] | facts["partly_upheld"] | facts["not_upheld"])

    # Escalation: 1/0 over the complaints whose escalation is known, NaN when not known or
    # excluded. (The loader reads a blank as No: escalated is marked only when true.)
    esc_err = errors.mask(rows, FIGURE_FIELDS["escalated"])
    note("escalated", rows, FIGURE_FIELDS["escalated"], complaint & esc_err)
    esc = _bool(frame, "escalated")
    known = complaint & ~esc_err & ~np.isnan(esc)
    facts["escalated"] = np.where(known, esc, np.nan)
    facts["escalation_recorded"] = known

    # Complaints made more than 12 months after the event.
    event = _dates(frame, "date_of_event")
    late_err = errors.mask(rows, FIGURE_FIELDS["late_complaints"])
    event_err = errors.mask(rows, ("date_of_event",))
    note("late_complaints", rows, FIGURE_FIELDS["late_complaints"],
         complaint & (event_err | (late_err & ~np.isnat(event))))
    has_event = complaint & ~late_err & recv_ok & ~np.isnat(event)
    facts["has_event_date"] = has_event
    late = np.zeros(n, dtype=bool)
    late[has_event] = recv[has_event] > add_months(event[has_event], LATE_AFTER_MONTHS)
    facts["late"] = late

    # Fields only the indicators use.
    facts["outcome_excluded"] = out_err
    for figure in ("response_due", "actions"):
        err = errors.mask(rows, FIGURE_FIELDS[figure])
        note(figure, rows, FIGURE_FIELDS[figure], complaint & err)
        facts[f"{figure}_excluded"] = err

    facts_frame = pd.DataFrame(facts, index=frame.index)
    return _Prepared(frame, facts_frame, excluded, as_of_d, period, targets, cal, close_basis,
                     recorded, mapped)


def _mapped_fields(register: Register) -> set[str]:
    """The fields a column is mapped to. (A mapped column left empty throughout is a field the
    provider does not keep, not a run of misses: _prepare leaves it out of ``recorded``.)"""
    has = getattr(register, "has_field", None)
    return {name for name in register.frame.columns if has is None or has(name)}


def _note_interval(note: Any, figure: str, fields: tuple[str, ...], rows: np.ndarray,
                   complaint: np.ndarray, err: np.ndarray, negative: np.ndarray,
                   end_err: np.ndarray, has_end: np.ndarray) -> None:
    """Record the rows an interval figure leaves out: an error on its end date, or an end date
    that cannot be trusted (error on the date received, or before it)."""
    out = complaint & (end_err | (has_end & (err | negative)))
    note(figure, rows, fields, out, {"date_before_received": out & negative & ~err})


def _close_basis(frame: pd.DataFrame) -> str | None:
    """date_closed when the register records it at all, else date_response_sent, else None."""
    for name in ("date_closed", "date_response_sent"):
        if name in frame and frame[name].notna().any():
            return name
    return None


def _duplicate_copies(frame: pd.DataFrame, errors: _Errors, rows: np.ndarray) -> np.ndarray:
    """Rows flagged duplicate_reference that repeat the reference of an earlier row."""
    t = errors.table
    flagged = t.loc[(t["check"] == "duplicate_reference"), "row"].unique() if len(t) else []
    if not len(flagged) or "reference" not in frame:
        return np.zeros(len(frame), dtype=bool)
    # The validator flags every row sharing a reference; the first of them is kept.
    ref = frame["reference"]
    candidates = ref.isin(ref[np.isin(rows, flagged)].dropna().unique()).to_numpy(dtype=bool)
    ref = ref[candidates]
    later = np.zeros(len(frame), dtype=bool)
    later[np.flatnonzero(candidates)] = (ref.duplicated(keep="first") & ref.notna()).to_numpy(
        dtype=bool)
    return later


# ----------------------------------------------------------------------------------------------
# Aggregation


def _aggregate(facts: pd.DataFrame, keys: list[str] | None) -> pd.DataFrame:
    """The GROUP_COLUMNS table, one row per group (one row overall when keys is None)."""
    f = facts.assign(_all=0) if not keys else facts
    g = f.groupby(keys or ["_all"], sort=True, observed=True, dropna=False)
    t = g.agg(
        complaints=("complaint", "sum"), compliments=("compliment", "sum"),
        mean_working_days_to_acknowledge=("ack_days", "mean"),
        median_working_days_to_acknowledge=("ack_days", "median"),
        acknowledged_within_target_pct=("ack_within", "mean"),
        mean_working_days_to_respond=("resp_days", "mean"),
        median_working_days_to_respond=("resp_days", "median"),
        responded_within_target_pct=("resp_within", "mean"),
        mean_working_days_to_close=("close_days", "mean"),
        median_working_days_to_close=("close_days", "median"),
        completed_within_12_weeks_pct=("close_within", "mean"),
        upheld=("upheld", "sum"), partly_upheld=("partly_upheld", "sum"),
        not_upheld=("not_upheld", "sum"), undecided=("undecided", "sum"),
        escalated_pct=("escalated", "mean"),
        open=("open", "sum"), open_over_6_months=("open_over_6_months", "sum"),
    )
    decided = t["upheld"] + t["partly_upheld"] + t["not_upheld"]
    t["upheld_pct"] = (t["upheld"] + t["partly_upheld"]) / decided.where(decided > 0)
    for col in ("acknowledged_within_target_pct", "responded_within_target_pct",
                "completed_within_12_weeks_pct", "escalated_pct", "upheld_pct"):
        t[col] = t[col] * 100
    t = t[list(GROUP_COLUMNS)]
    for col, kind in GROUP_COLUMNS.items():
        if kind == "count":
            t[col] = t[col].astype("int64")
        else:
            t[col] = t[col].astype("float64").round(1 if kind == "pct" else 2)
    return t


def _group_keys(prep: _Prepared, by: str | list[str]) -> tuple[pd.DataFrame, list[str]]:
    keys = [by] if isinstance(by, str) else list(by)
    if not keys:
        raise WorkbenchError("kpis_by needs at least one column to group by")
    facts = prep.facts.copy()
    recv = _dates(prep.frame, "date_received")
    for key in keys:
        if key in prep.frame:
            facts[key] = prep.frame[key].astype("string").fillna(NOT_RECORDED)
        elif key in ("month", "quarter", "year"):
            codes = np.where(prep.facts["received_ok"].to_numpy(), period_codes(recv, key), -1)
            uniq, inverse = np.unique(codes, return_inverse=True)
            labels = np.array([code_label(c, key) if c >= 0 else NOT_RECORDED for c in uniq],
                              dtype=object)
            facts[key] = pd.Series(labels[inverse.ravel()], index=facts.index, dtype="string")
        else:
            raise WorkbenchError(f"cannot group KPIs by '{key}': not a register column "
                                 f"(nor month, quarter or year)")
    return facts, keys


def _none(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float | np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.integer | np.bool_):
        return int(value)
    return value


def _pct(num: float, den: float) -> float | None:
    return round(100.0 * float(num) / float(den), 1) if den else None


def _counts(series: pd.Series, mask: np.ndarray) -> dict[str, int]:
    """Value -> count over ``mask``, largest first then by name; blanks are "(not recorded)"."""
    sub = series if mask.all() else series[mask]
    counts: dict[str, int] = {}
    for value, n in sub.value_counts(dropna=False).items():
        name = NOT_RECORDED if pd.isna(value) or not str(value).strip() else str(value).strip()
        counts[name] = counts.get(name, 0) + int(n)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _by_month(prep: _Prepared) -> dict[str, int]:
    codes = prep.facts["month"].to_numpy()
    codes = codes[codes >= 0]
    if prep.period is not None:
        lo, hi = period_codes(np.array([prep.period.start, prep.period.end],
                                       dtype="datetime64[D]"), "month")
    elif codes.size:
        lo, hi = codes.min(), codes.max()
    else:
        return {}
    counts = np.bincount(codes - lo, minlength=int(hi - lo + 1)) if codes.size else \
        np.zeros(int(hi - lo + 1), dtype=int)
    return {code_label(lo + i, "month"): int(c) for i, c in enumerate(counts)}


def _open_summary(prep: _Prepared) -> dict[str, Any]:
    f = prep.facts
    base = {"basis": prep.close_basis, "count": None, "past_20_working_days": None,
            "past_12_weeks": None, "past_6_months": None, "oldest_age_days": None,
            "oldest_age_working_days": None, "median_age_working_days": None,
            "oldest_reference": None}
    if prep.close_basis is None or not f["complaint"].any():
        return base
    is_open = f["open"].to_numpy()
    wd = f["open_age_working_days"].to_numpy()[is_open]
    cd = f["open_age_days"].to_numpy()[is_open]
    base.update(count=int(is_open.sum()),
                past_20_working_days=int((wd > OPEN_OVER_WORKING_DAYS).sum()),
                past_12_weeks=int((cd > OPEN_OVER_CALENDAR_DAYS).sum()),
                past_6_months=int(f["open_over_6_months"].sum()))
    if is_open.any():
        oldest = int(np.argmax(cd))
        ref = _text(prep.frame, "reference").iloc[np.flatnonzero(is_open)[oldest]]
        base.update(oldest_age_days=int(cd.max()), oldest_age_working_days=int(wd.max()),
                    median_age_working_days=round(float(np.median(wd)), 2),
                    oldest_reference=None if pd.isna(ref) else str(ref))
    return base


Coverage = dict[str, Any]  # {"known": int | None, "of": int, "reason": str (when null)}


def coverage_of(known: int | None, of: int, reason: str | None = None) -> Coverage:
    out: Coverage = {"known": None if known is None else int(known), "of": int(of)}
    if reason:
        out["reason"] = reason
    return out


def _indicators(prep: _Prepared, overall: dict[str, Any]
                ) -> tuple[dict[str, float | None], dict[str, Coverage]]:
    """The rubric's indicators and, for each, its coverage (docs/kpis.md, "Coverage")."""
    f, frame = prep.facts, prep.frame
    complaint = f["complaint"].to_numpy()
    n_complaints = int(complaint.sum())
    upheld_any = (f["upheld"] | f["partly_upheld"]).to_numpy()
    n_upheld = int(upheld_any.sum())

    # Improvement actions (one per record, in the register's action columns).
    actions = _present(_text(frame, "actions"), upheld_any)
    due, done = _dates(frame, "action_due"), _dates(frame, "action_completed")
    as_of64 = np.datetime64(prep.as_of, "D")
    act_ok = complaint & ~f["actions_excluded"].to_numpy()
    has_due = act_ok & ~np.isnat(due)
    done = np.where(done <= as_of64, done, np.datetime64("NaT"))  # completed by as_of
    judged = has_due & (~np.isnat(done) | (due < as_of64))
    on_time = judged & ~np.isnat(done) & (done <= due)
    completed = act_ok & ~np.isnat(done)
    signed = _present(_text(frame, "action_signed_off_by"), completed)
    overdue = has_due & np.isnat(done) & (due < as_of64)
    told_raw = _bool(frame, "complainant_told_of_improvement")
    with_action = upheld_any & actions
    told_known = with_action & ~np.isnan(told_raw)
    any_action = act_ok & _present(_text(frame, "actions"))

    # Responded = a response sent or the case closed; outcome errors leave the row out. When the
    # register records neither date, every complaint is taken as answered for the outcome share.
    answered_dates = (~np.isnat(_dates(frame, "date_response_sent"))
                      | ~np.isnat(_dates(frame, "date_closed")))
    if not ({"date_response_sent", "date_closed"} & prep.recorded):
        answered_dates = np.ones(len(frame), dtype=bool)
    responded = complaint & ~f["outcome_excluded"].to_numpy() & answered_dates
    decided = (f["upheld"] | f["partly_upheld"] | f["not_upheld"]).to_numpy()
    n_responded, n_decided = int(responded.sum()), int((responded & decided).sum())
    due_ok = complaint & ~f["response_due_excluded"].to_numpy()
    themed = _present(_text(frame, "type"), complaint).sum()
    esc_known = int(f["escalation_recorded"].sum())
    close_known = int((complaint & ~np.isnan(f["close_within"].to_numpy())).sum())
    close_of = n_complaints - int(f["close_not_due"].sum())
    recv_known = int((complaint & f["received_ok"].to_numpy()).sum())

    def share_upheld(field: str) -> float | None:
        return _pct(_present(_text(frame, field), upheld_any).sum(), n_upheld)

    values: dict[str, float | None] = {
        "rca_coverage_pct": share_upheld("root_cause"),
        "learning_recorded_pct": share_upheld("learning"),
        "actions_recorded_pct": _pct(actions.sum(), n_upheld),
        "actions_completed_on_time_pct": _pct(on_time.sum(), judged.sum()),
        "actions_signed_off_pct": _pct(signed.sum(), completed.sum()),
        "overdue_actions": int(overdue.sum()) if has_due.any() else None,
        "complainant_told_of_improvement_pct": _pct((told_known & (told_raw == 1.0)).sum(),
                                                    told_known.sum()),
        "acknowledged_within_target_pct": overall["acknowledged_within_target_pct"],
        "responded_within_target_pct": overall["responded_within_target_pct"],
        "outcome_recorded_pct": _pct(n_decided, n_responded),
        "investigator_recorded_pct": _pct(_present(_text(frame, "investigator"),
                                                   complaint).sum(), n_complaints),
        "response_due_recorded_pct": _pct(
            (due_ok & ~np.isnat(_dates(frame, "date_response_due"))).sum(), due_ok.sum()),
        "open_over_6_months": (overall["open_over_6_months"]
                               if prep.close_basis is not None and n_complaints else None),
        "completed_within_12_weeks_pct": overall["completed_within_12_weeks_pct"],
        "escalated_pct": overall["escalated_pct"],
        "compliments_recorded": int(f["compliment"].sum()),
        "themes_per_quarter_reported": (
            (1 if 100.0 * themed / n_complaints >= THEMES_COVERAGE else 0)
            if n_complaints else None),
    }
    coverage: dict[str, Coverage] = {
        # the upheld complaints are known as far as outcomes are recorded on answered ones
        "rca_coverage_pct": coverage_of(n_decided, n_responded),
        "learning_recorded_pct": coverage_of(n_decided, n_responded),
        "actions_recorded_pct": coverage_of(n_decided, n_responded),
        "actions_completed_on_time_pct": coverage_of(has_due.sum(), any_action.sum()),
        "actions_signed_off_pct": coverage_of(completed.sum(), completed.sum()),
        "overdue_actions": coverage_of(has_due.sum(), any_action.sum()),
        "complainant_told_of_improvement_pct": coverage_of(told_known.sum(), with_action.sum()),
        "acknowledged_within_target_pct": coverage_of(
            (complaint & ~np.isnan(f["ack_within"].to_numpy())).sum(),
            n_complaints - int(f["ack_not_due"].sum())),
        "responded_within_target_pct": coverage_of(
            (complaint & ~np.isnan(f["resp_within"].to_numpy())).sum(),
            n_complaints - int(f["resp_not_due"].sum())),
        "outcome_recorded_pct": coverage_of(n_responded, n_responded),
        "investigator_recorded_pct": coverage_of(n_complaints, n_complaints),
        "response_due_recorded_pct": coverage_of(int(due_ok.sum()), n_complaints),
        "open_over_6_months": coverage_of(recv_known, n_complaints),
        "completed_within_12_weeks_pct": coverage_of(close_known, close_of),
        "escalated_pct": coverage_of(esc_known, n_complaints),
        "compliments_recorded": coverage_of(len(frame), len(frame)),
        "themes_per_quarter_reported": coverage_of(n_complaints, n_complaints),
    }
    for name, fields in INDICATOR_FIELDS.items():
        reason = prep.missing(fields)
        if name in ("open_over_6_months", "completed_within_12_weeks_pct") and not reason \
                and prep.close_basis is None:
            reason = "no column mapped to date_closed or date_response_sent"
        if reason:
            values[name] = None
            coverage[name] = coverage_of(None, coverage[name]["of"], reason)
    return values, coverage


def _figure_coverage(prep: _Prepared, result: dict[str, Any]) -> dict[str, Coverage]:
    """Coverage of the top-level figures; a figure over a field the register does not record
    is nulled here, with the reason."""
    f = prep.facts
    complaint = f["complaint"].to_numpy()
    n = int(complaint.sum())

    def known(column: str) -> int:
        return int((complaint & ~np.isnan(f[column].to_numpy(dtype=float))).sum())

    decided = int(sum(result["outcomes"][k] for k in OUTCOMES))
    cov: dict[str, Coverage] = {
        "acknowledged_within_target_pct": coverage_of(known("ack_within"),
                                                      n - int(f["ack_not_due"].sum())),
        "acknowledged_within_target_of_acknowledged_pct": coverage_of(known("ack_within_done"), n),
        "mean_working_days_to_acknowledge": coverage_of(known("ack_days"), n),
        "median_working_days_to_acknowledge": coverage_of(known("ack_days"), n),
        "overdue_unacknowledged": coverage_of(known("ack_within"), n - int(f["ack_not_due"].sum())),
        "responded_within_target_pct": coverage_of(known("resp_within"),
                                                   n - int(f["resp_not_due"].sum())),
        "responded_within_target_of_responded_pct": coverage_of(known("resp_within_done"), n),
        "mean_working_days_to_respond": coverage_of(known("resp_days"), n),
        "median_working_days_to_respond": coverage_of(known("resp_days"), n),
        "overdue_unanswered": coverage_of(known("resp_within"), n - int(f["resp_not_due"].sum())),
        "completed_within_12_weeks_pct": coverage_of(known("close_within"),
                                                     n - int(f["close_not_due"].sum())),
        "mean_working_days_to_close": coverage_of(known("close_days"), n),
        "median_working_days_to_close": coverage_of(known("close_days"), n),
        "upheld_pct": coverage_of(decided, n),
        "escalated_pct": coverage_of(int(f["escalation_recorded"].sum()), n),
        "late_complaints.pct": coverage_of(int(f["has_event_date"].sum()), n),
    }
    for name, fields in FIGURE_REQUIRES.items():
        reason = prep.missing(fields)
        if reason:
            result[name] = None
            cov[name] = coverage_of(None, cov[name]["of"], reason)
    if prep.close_basis is None:
        reason = "no column mapped to date_closed or date_response_sent"
        for name in ("completed_within_12_weeks_pct", "mean_working_days_to_close",
                     "median_working_days_to_close"):
            result[name] = None
            cov[name] = coverage_of(None, n, reason)
    if "date_of_event" not in prep.recorded:
        result["late_complaints"] = {"count": None, "with_event_date": 0, "pct": None}
        cov["late_complaints.pct"] = coverage_of(None, n, "no column mapped to date_of_event")
    return cov


# ----------------------------------------------------------------------------------------------
# Public API


def compute_kpis(register: Register, *, as_of: Any = None, targets: Any = None,
                 calendar: WorkCalendar | str | None = None, period: Any = None) -> dict[str, Any]:
    """The complaint-handling KPIs of the records received in ``period`` (all when None).

    ``as_of`` (default today, or the period's end when that is earlier) is when open cases are
    aged and deadlines judged; ``targets`` override the default 5 / 20 working days;
    ``calendar`` is a WorkCalendar or a region name (england-wales default). Returns a JSON-ready
    dict: see docs/kpis.md. ``coverage`` holds, for every figure, how many records it is known
    for and of how many, and why it is null where the register does not record its field.
    """
    prep = _prepare(register, as_of=as_of, targets=targets, calendar=calendar, period=period)
    return _report(prep)


def _within_done_pct(facts: pd.DataFrame, column: str) -> float | None:
    values = facts[column].to_numpy(dtype=float)
    values = values[~np.isnan(values)]
    return round(100.0 * float(values.mean()), 1) if values.size else None


def _report(prep: _Prepared) -> dict[str, Any]:
    f = prep.facts
    row = _aggregate(f, None)
    overall = {k: _none(row[k].iloc[0]) if len(row) else None for k in GROUP_COLUMNS}
    if not len(row):
        overall.update({k: 0 for k, kind in GROUP_COLUMNS.items() if kind == "count"})
    complaint = f["complaint"].to_numpy()
    n_complaints = int(complaint.sum())
    if not f["escalation_recorded"].any():
        overall["escalated_pct"] = None
    late_n, event_n = int(f["late"].sum()), int(f["has_event_date"].sum())
    result: dict[str, Any] = {
        "as_of": prep.as_of.isoformat(),
        "period": prep.period.as_dict() if prep.period is not None else None,
        "targets": dict(prep.targets),
        "holidays": prep.calendar.region,
        "complaints": n_complaints,
        "compliments": int(f["compliment"].sum()),
        "by_month": _by_month(prep),
        "mean_working_days_to_acknowledge": overall["mean_working_days_to_acknowledge"],
        "median_working_days_to_acknowledge": overall["median_working_days_to_acknowledge"],
        "acknowledged_within_target_pct": overall["acknowledged_within_target_pct"],
        "acknowledged_within_target_of_acknowledged_pct": _within_done_pct(f, "ack_within_done"),
        "overdue_unacknowledged": int(f["ack_overdue"].sum()),
        "mean_working_days_to_respond": overall["mean_working_days_to_respond"],
        "median_working_days_to_respond": overall["median_working_days_to_respond"],
        "responded_within_target_pct": overall["responded_within_target_pct"],
        "responded_within_target_of_responded_pct": _within_done_pct(f, "resp_within_done"),
        "overdue_unanswered": int(f["resp_overdue"].sum()),
        **{k: overall[k] for k in (
            "mean_working_days_to_close", "median_working_days_to_close",
            "completed_within_12_weeks_pct")},
        "outcomes": {k: int(overall[k]) for k in (*OUTCOMES, "undecided")},
        "upheld_pct": overall["upheld_pct"],
        "escalated_pct": overall["escalated_pct"],
        "by_type": _counts(_text(prep.frame, "type"), complaint),
        "by_location": _counts(_text(prep.frame, "location"), complaint),
        "by_stage": _counts(_text(prep.frame, "stage"), complaint),
        "open": _open_summary(prep),
        "late_complaints": {"count": late_n if event_n else None, "with_event_date": event_n,
                            "pct": _pct(late_n, event_n)},
        "excluded": prep.excluded,
    }
    figure_cov = _figure_coverage(prep, result)
    values, ind_cov = _indicators(prep, {**overall, **result})
    result["indicators"] = values
    result["coverage"] = {**figure_cov, **{f"indicators.{k}": v for k, v in ind_cov.items()}}
    return result


def indicators(register: Register, *, as_of: Any = None, targets: Any = None,
               calendar: WorkCalendar | str | None = None,
               period: Any = None) -> dict[str, float | None]:
    """Every rubric data-check indicator (workbench.rubric.model.DATA_CHECK_KPIS) by name;
    None where there is nothing to compute it over or the register does not record its fields.
    Same arguments as :func:`compute_kpis` (whose ``coverage`` gives each one's coverage)."""
    prep = _prepare(register, as_of=as_of, targets=targets, calendar=calendar, period=period)
    return _report(prep)["indicators"]


def unsupported(register: Register, result: Mapping[str, Any]) -> list[str]:
    """What the register cannot support, one line each: every required field with no column
    mapped, then every figure of ``result`` (a compute_kpis object) that is unknown, with why."""
    from workbench.analysis.measures import measure  # (measures reads YAML: only when asked)
    from workbench.register.schema import load_schema

    has = getattr(register, "has_field", lambda name: name in register.frame.columns)
    lines = [f"no column mapped to {f.name}, a required field: figures that need it are unknown"
             for f in load_schema().fields.values() if f.required and not has(f.name)]
    for key, cov in (result.get("coverage") or {}).items():
        if cov.get("known") is None:
            lines.append(f"{measure(key).label} ({key}) is unknown: {cov.get('reason')}")
    return lines


def counted_rows(register: Register, *, as_of: Any = None, period: Any = None) -> np.ndarray:
    """The spreadsheet rows (``_row``) of the complaints and compliments every figure counts:
    in the period, not a later copy of a duplicate, of a known record kind."""
    prep = _prepare(register, as_of=as_of, period=period)
    return prep.frame["_row"].to_numpy(dtype="int64") if "_row" in prep.frame else \
        np.arange(2, len(prep.frame) + 2)


def counted_register(register: Register, *, as_of: Any = None, period: Any = None) -> Register:
    """The register cut to the records every figure counts (`counted_rows`): what a period's
    root causes and themes are drawn from, so they add up to its KPIs (the Pareto's total is the
    numerator of rca_coverage_pct)."""
    frame = register.frame
    if "_row" not in frame:
        frame = frame.assign(_row=np.arange(2, len(frame) + 2))
        register = replace(register, frame=frame)
    rows = counted_rows(register, as_of=as_of, period=period)
    return replace(register, frame=frame.loc[frame["_row"].isin(rows).to_numpy(dtype=bool)])


def kpis_by(register: Register, by: str | list[str], *, as_of: Any = None, targets: Any = None,
            calendar: WorkCalendar | str | None = None, period: Any = None) -> pd.DataFrame:
    """The main KPIs (GROUP_COLUMNS) per group of a register column or columns (location, type,
    stage, provider...; also month, quarter or year of receipt). Blank keys group as
    "(not recorded)"; groups are sorted by key."""
    prep = _prepare(register, as_of=as_of, targets=targets, calendar=calendar, period=period)
    facts, keys = _group_keys(prep, by)
    return _aggregate(facts, keys)


def kpis_by_period(register: Register, freq: Freq = "month", *, as_of: Any = None,
                   targets: Any = None, calendar: WorkCalendar | str | None = None,
                   period: Any = None) -> pd.DataFrame:
    """:func:`kpis_by` per month ("2024-05"), financial quarter ("2024-25 Q1") or financial year
    ("2024-25") of receipt, in time order; records without a usable date received are left out."""
    if freq not in ("month", "quarter", "year"):
        raise WorkbenchError(f"unknown period frequency '{freq}' (month, quarter or year)")
    prep = _prepare(register, as_of=as_of, targets=targets, calendar=calendar, period=period)
    recv = _dates(prep.frame, "date_received")
    ok = prep.facts["received_ok"].to_numpy()
    facts = prep.facts.assign(_code=period_codes(recv, freq)).loc[ok]
    table = _aggregate(facts, ["_code"])
    if prep.period is not None:
        lo, hi = period_codes(np.array([prep.period.start, prep.period.end],
                                       dtype="datetime64[D]"), freq)
    elif len(table):
        lo, hi = table.index.min(), table.index.max()
    else:
        lo, hi = 0, -1
    table = table.reindex(range(int(lo), int(hi) + 1))
    counts = [c for c, kind in GROUP_COLUMNS.items() if kind == "count"]
    table[counts] = table[counts].fillna(0).astype("int64")
    table.index = pd.Index([code_label(c, freq) for c in table.index], name=freq)
    return table
