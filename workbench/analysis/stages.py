"""Stage-aware timeliness per complaint-handling regime: each stage's clocks in working days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.analysis.kpis import (
    Coverage,
    as_of_date,
    counted_rows,
    coverage_of,
    period_of,
    resolve_targets,
    working_days_column,
)
from workbench.analysis.periods import Period, add_months
from workbench.analysis.workdays import WorkCalendar, get_calendar, to_days
from workbench.register.loader import Register
from workbench.rubric.regime import Clock, Regime, clock_text, load_regime

OUTCOMES = ("upheld", "partly_upheld", "not_upheld")


@dataclass(frozen=True)
class StageFields:
    """The register fields one stage is read from (canonical names, fixed)."""

    start: str
    acknowledged: str
    response: str
    extension: tuple[str, ...]  # the first one the register records is used


STAGE_FIELDS: dict[str, StageFields] = {
    "stage1": StageFields("date_received", "date_acknowledged", "date_response_sent",
                          ("stage1_extension_days", "extension_days")),
    "stage2": StageFields("date_stage2", "date_stage2_acknowledged",
                          "date_stage2_response_sent", ("stage2_extension_days",)),
}


@dataclass(frozen=True)
class EffectiveClock:
    """A clock as applied: the regime's, with a contract's targets where they are tighter."""

    starts: str
    working_days: int | None
    extension_max: int | None      # None: no fixed maximum
    extension_allowed: bool
    agreed_date: bool = False
    flag_after_months: int | None = None
    contract_days: int | None = None  # a contract's tighter limit, counted from receipt

    def text(self) -> str:
        """The clock in words, as shown beside its figures."""
        clock = Clock.model_validate({
            "starts": self.starts, "working_days": self.working_days,
            "agreed_date": self.agreed_date, "flag_after_months": self.flag_after_months,
            "extension": ({"max_working_days": self.extension_max}
                          if self.extension_allowed else None),
            "source": {"document": "-"}})
        text = clock_text(clock)
        if self.contract_days is not None:
            text += f"; contract: within {self.contract_days} working days of receipt"
        return text


@dataclass(frozen=True)
class EffectiveStage:
    """One stage's clocks as applied to a provider."""

    id: str
    name: str
    acknowledge: EffectiveClock | None
    respond: EffectiveClock


def _clock(clock: Clock | None) -> EffectiveClock | None:
    if clock is None:
        return None
    ext = clock.extension
    return EffectiveClock(clock.starts, clock.working_days,
                          ext.max_working_days if ext is not None else None, ext is not None,
                          clock.agreed_date, clock.flag_after_months)


def effective_stages(regime: Regime, targets: Any = None) -> list[EffectiveStage]:
    """Each stage's clocks for a provider: ``targets`` are the contract's stated targets
    (``Provider.contract_targets``: acknowledge_days / respond_days, only those written).

    A regime whose clocks are the contract's (commissioned-provider) takes the targets in
    their place, looser or tighter, with 5 and 20 where none is stated: today's figures. A
    statutory regime's stage 1 clocks can only be tightened: a stated target tighter than
    the regime adds a second condition counted from receipt (a response must meet both)."""
    stated = _stated(targets)
    out = []
    for stage in regime.stages:
        ack, resp = _clock(stage.acknowledge), _clock(stage.respond)
        assert resp is not None
        if stage.id == "stage1" and regime.clocks_from_contract:
            full = resolve_targets(stated)
            if ack is not None:
                ack = EffectiveClock("receipt", full["acknowledge_days"], None, False)
            resp = EffectiveClock("receipt", full["respond_days"], resp.extension_max,
                                  resp.extension_allowed)
        elif stage.id == "stage1":
            a_days, r_days = stated.get("acknowledge_days"), stated.get("respond_days")
            if ack is not None and a_days is not None and ack.working_days is not None \
                    and a_days < ack.working_days:
                ack = EffectiveClock(ack.starts, a_days, None, False)
            if r_days is not None:
                resp = EffectiveClock(resp.starts, resp.working_days, resp.extension_max,
                                      resp.extension_allowed, resp.agreed_date,
                                      resp.flag_after_months, contract_days=r_days)
        out.append(EffectiveStage(stage.id, stage.name, ack, resp))
    return out


def _stated(targets: Any) -> dict[str, int]:
    """The targets a contract states: a mapping's non-null values, or the fields a manifest's
    Targets object was given (its 5 / 20 defaults are not stated targets)."""
    if targets is None:
        return {}
    if not isinstance(targets, Mapping):
        given = getattr(targets, "model_fields_set", None)
        targets = {k: getattr(targets, k) for k in ("acknowledge_days", "respond_days")
                   if hasattr(targets, k) and (given is None or k in given)}
    stated = {k: v for k, v in targets.items() if v is not None}
    full = resolve_targets(stated)  # checks the names and values
    return {k: full[k] for k in stated}


def provider_calendar(provider: Any, regime: Regime | str | None = None) -> WorkCalendar:
    """The working-day calendar for a manifest provider under a regime: the provider's
    `holidays:` when the manifest states it, else the regime's region; its closures always."""
    regime = load_regime(regime if regime is not None else getattr(provider, "regime", None))
    stated = "holidays" in getattr(provider, "model_fields_set", {"holidays"})
    region = getattr(provider, "holidays", None) if stated else regime.calendar
    return get_calendar(region or regime.calendar, tuple(getattr(provider, "closures", ())))


def provider_stage_kpis(provider: Any, register: Register, *, as_of: Any = None,
                        period: Any = None) -> dict[str, Any]:
    """:func:`stage_kpis` for a manifest provider: its regime, its contract's stated targets
    and its calendar (what the pack, scorecard and portfolio show per regime)."""
    regime = load_regime(getattr(provider, "regime", None))
    return stage_kpis(register, regime, as_of=as_of, period=period,
                      calendar=provider_calendar(provider, regime),
                      targets=getattr(provider, "contract_targets", None))


def clock_lines(regime: Regime, targets: Any = None) -> list[str]:
    """One line per stage: its clocks in words (for reports and the CLI)."""
    lines = []
    for s in effective_stages(regime, targets):
        ack = f"acknowledged within {s.acknowledge.text()}; " if s.acknowledge else ""
        lines.append(f"{s.name}: {ack}answered within {s.respond.text()}")
    return lines


# ----------------------------------------------------------------------------------------------
# Per-row facts


@dataclass
class StageFacts:
    """Per counted row, one stage's facts (aligned with ``frame``), and what is unknown."""

    stage: EffectiveStage
    frame: pd.DataFrame          # the counted rows of the register (complaints and compliments)
    facts: pd.DataFrame
    missing: dict[str, str] = field(default_factory=dict)  # figure group -> why unknown


@dataclass
class RegimeFacts:
    """Every stage's facts for one register under one regime."""

    regime: Regime
    stages: list[EffectiveStage]
    as_of: dt.date
    calendar: WorkCalendar
    frame: pd.DataFrame
    by_stage: dict[str, StageFacts]
    recorded: frozenset[str]
    mapped: frozenset[str]

    def why_missing(self, *fields: str) -> str | None:
        """Why figures over ``fields`` are unknown ("no column mapped to ...") or None."""
        reasons = [f"{f} is blank on every row" if f in self.mapped
                   else f"no column mapped to {f}" for f in fields if f not in self.recorded]
        return "; ".join(reasons) or None


def _dates(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame:
        return np.full(len(frame), np.datetime64("NaT"), dtype="datetime64[D]")
    return to_days(frame[name])


def _text(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame:
        return np.full(len(frame), None, dtype=object)
    return frame[name].astype("string").to_numpy(dtype=object, na_value=None)


def _bool(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame:
        return np.zeros(len(frame), dtype=bool)
    return frame[name].astype("boolean").fillna(False).to_numpy(dtype=bool)


def _error_rows(register: Register) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {}
    for i in register.issues:
        if getattr(i, "severity", None) == "error" and getattr(i, "row", None) is not None:
            out.setdefault(str(i.field), set()).add(int(i.row))
    return out


def regime_facts(register: Register, regime: Regime | str | None = None, *, as_of: Any = None,
                 calendar: WorkCalendar | str | None = None, targets: Any = None,
                 period: Any = None) -> RegimeFacts:
    """The per-row facts of every stage of ``regime`` over the register's counted rows (every
    period: the figures choose their rows). ``period`` only sets the default as-of date."""
    regime = load_regime(regime)
    as_of_d = as_of_date(as_of, period_of(period))
    cal = calendar if isinstance(calendar, WorkCalendar) else get_calendar(
        calendar or regime.calendar)
    rows = counted_rows(register, as_of=as_of_d)
    frame = register.frame
    if "_row" in frame:
        frame = frame.loc[frame["_row"].isin(rows).to_numpy()]
    has = getattr(register, "has_field", lambda n: n in register.frame.columns)
    mapped = frozenset(n for n in register.frame.columns if has(n))
    recorded = frozenset(n for n in mapped if register.frame[n].notna().any())
    errors = _error_rows(register)
    row_ids = (frame["_row"].to_numpy(dtype="int64") if "_row" in frame
               else np.arange(2, len(frame) + 2))
    stages = effective_stages(regime, targets)
    facts = RegimeFacts(regime, stages, as_of_d, cal, frame, {}, recorded, mapped)
    two_stage = regime.stage("stage2") is not None
    for stage in stages:
        facts.by_stage[stage.id] = _stage_facts(facts, stage, row_ids, errors, two_stage)
    return facts


def _err(errors: dict[str, set[int]], rows: np.ndarray, *names: str) -> np.ndarray:
    bad: set[int] = set().union(*(errors.get(n, set()) for n in names)) if names else set()
    return np.isin(rows, list(bad)) if bad else np.zeros(len(rows), dtype=bool)


def _stage_facts(rf: RegimeFacts, stage: EffectiveStage, rows: np.ndarray,
                 errors: dict[str, set[int]], two_stage: bool) -> StageFacts:
    frame, cal = rf.frame, rf.calendar
    n = len(frame)
    names = STAGE_FIELDS[stage.id]
    as_of64 = np.datetime64(rf.as_of, "D")
    complaint = ~(pd.Series(_text(frame, "record_kind")) == "compliment").to_numpy(dtype=bool)
    refused = _bool(frame, "refused") & complaint
    start = _dates(frame, names.start)
    start_err = _err(errors, rows, names.start)
    start_ok = ~np.isnat(start) & ~start_err
    if stage.id == "stage2":
        in_stage = complaint & ~refused & ~np.isnat(start)
    else:
        in_stage = complaint & ~refused
    missing: dict[str, str] = {}
    if stage.id == "stage2" and (why := rf.why_missing(names.start)):
        missing["received"] = why
        in_stage = np.zeros(n, dtype=bool)

    out: dict[str, Any] = {"in_stage": in_stage, "start": start, "start_ok": start_ok,
                           "refused": refused}
    # a complaint taken to stage 2 without a stage 1 response skipped stage 1 (the models
    # allow complex complaints to start at investigation): not due at stage 1
    response = _dates(frame, names.response)
    if stage.id == "stage1" and two_stage:
        skipped = in_stage & np.isnat(response) & ~np.isnat(_dates(frame, "date_stage2"))
    else:
        skipped = np.zeros(n, dtype=bool)
    out["skipped"] = skipped

    # Acknowledgement.
    ack = _dates(frame, names.acknowledged)
    ack_err = _err(errors, rows, names.start, names.acknowledged)
    ack_days = cal.working_days(start, ack)
    ack_valid = ~np.isnat(ack) & ~ack_err & start_ok & ~(ack_days < 0)
    if stage.acknowledge is not None:
        limit = stage.acknowledge.working_days or 0
        use = in_stage & ~skipped & ack_valid
        deadline = cal.add_working_days(np.where(start_ok, start, np.datetime64("NaT")), limit)
        unanswered = in_stage & ~skipped & start_ok & ~ack_err & np.isnat(ack)
        due = unanswered & (deadline <= as_of64)
        out["ack_days"] = np.where(use, ack_days, np.nan)
        out["ack_within"] = np.where(use, ack_days <= limit, np.where(due, 0.0, np.nan))
        out["ack_not_due"] = unanswered & ~due
        if (why := rf.why_missing(names.start, names.acknowledged)):
            missing["acknowledge"] = why
    else:
        out["ack_days"] = out["ack_within"] = np.full(n, np.nan)
        out["ack_not_due"] = np.zeros(n, dtype=bool)
        missing["acknowledge"] = f"the regime sets no acknowledgement clock at {stage.id}"

    # Response: the clock starts at receipt / the escalation request, or at the
    # acknowledgement (where that is not recorded, at the latest day it was due).
    clock = stage.respond
    ext_field = next((f for f in names.extension if f in rf.recorded), None)
    ext = working_days_column(frame, ext_field) if ext_field else np.zeros(n, dtype="int64")
    if not clock.extension_allowed:
        ext = np.zeros(n, dtype="int64")
    elif clock.extension_max is not None:
        ext = np.minimum(ext, clock.extension_max)
    base = np.where(start_ok, start, np.datetime64("NaT"))
    if clock.starts == "acknowledgement":
        ack_limit = stage.acknowledge.working_days if stage.acknowledge else 0
        assumed = cal.add_working_days(base, ack_limit or 0)
        clock_start = np.where(ack_valid, ack, assumed)
        out["clock_assumed"] = in_stage & start_ok & ~ack_valid
    else:
        clock_start = base
        out["clock_assumed"] = np.zeros(n, dtype=bool)
    resp_err = _err(errors, rows, names.start, names.response)
    days = cal.working_days(start, response)
    negative = days < 0
    responded = in_stage & ~resp_err & start_ok & ~np.isnat(response) & ~negative
    out["responded"] = responded
    out["response"] = response
    out["days"] = np.where(responded, days, np.nan)
    if clock.agreed_date:
        agreed = _dates(frame, "date_response_due")
        agreed_ok = ~np.isnat(agreed) & ~_err(errors, rows, "date_response_due")
        deadline = np.where(agreed_ok, agreed, np.datetime64("NaT"))
        ok = np.where(agreed_ok, response <= deadline, False)
        known = agreed_ok
    else:
        allowed = (clock.working_days or 0) + ext
        deadline = cal.add_working_days(clock_start, allowed)
        ok = cal.working_days(clock_start, response) <= allowed
        known = ~np.isnat(clock_start)
    if clock.contract_days is not None:
        c_allowed = clock.contract_days + ext
        ok = ok & (days <= c_allowed)
        c_deadline = cal.add_working_days(base, c_allowed)
        deadline = np.where(np.isnat(deadline), deadline, np.minimum(deadline, c_deadline))
    unanswered = in_stage & ~skipped & start_ok & ~resp_err & np.isnat(response)
    overdue = unanswered & known & (deadline <= as_of64)
    out["within"] = np.where(responded & known, ok, np.where(overdue, 0.0, np.nan))
    out["overdue"] = overdue
    out["not_due"] = unanswered & ~overdue
    out["deadline"] = deadline
    out["extension"] = np.where(in_stage, ext, 0)
    out["extended"] = responded & (ext > 0)
    if clock.flag_after_months:
        limit_date = add_months(base, clock.flag_after_months)
        out["past_flag"] = in_stage & start_ok & np.where(
            np.isnat(response), limit_date < as_of64, response > limit_date)
    else:
        out["past_flag"] = np.zeros(n, dtype=bool)
    out["open"] = (in_stage & ~skipped & start_ok & (start <= as_of64)
                   & (np.isnat(response) | (response > as_of64)) & ~resp_err)
    # closed at this stage: answered, and (stage 1) not taken further
    escalated = ~np.isnat(_dates(frame, "date_stage2")) if stage.id == "stage1" and two_stage \
        else np.zeros(n, dtype=bool)
    out["closed"] = responded & ~escalated
    out["outcome"] = np.where(~_err(errors, rows, "outcome"), _text(frame, "outcome"), None)
    out["tenure"] = _text(frame, "tenure")
    if (why := rf.why_missing(names.start, names.response)):
        missing["respond"] = why
    if clock.agreed_date and (why := rf.why_missing("date_response_due")):
        missing["within"] = why
    if (why := rf.why_missing("outcome")):
        missing["outcomes"] = why
    if (why := rf.why_missing("refused")):
        missing["refused"] = why
    if ext_field is None and clock.extension_allowed:
        missing["extended"] = rf.why_missing(*names.extension) or "no extension recorded"
    return StageFacts(stage, frame, pd.DataFrame(out, index=frame.index), missing)


# ----------------------------------------------------------------------------------------------
# Figures


def _pct(values: np.ndarray) -> float | None:
    values = values[~np.isnan(values)]
    # rounded as workbench.analysis.kpis rounds (numpy), so the default regime agrees with it
    return float(np.round(100.0 * float(values.mean()), 1)) if values.size else None


def _stat(values: np.ndarray, how: str) -> float | None:
    values = values[~np.isnan(values)]
    if not values.size:
        return None
    return float(np.round(float(pd.Series(values).mean() if how == "mean"
                                else np.median(values)), 2))


def _stage_figures(sf: StageFacts, period: Period | None, as_of: dt.date
                   ) -> tuple[dict[str, Any], dict[str, Coverage]]:
    f = sf.facts
    pop = f["in_stage"].to_numpy()
    if period is not None:
        pop = pop & f["start_ok"].to_numpy() & period.contains(f["start"].to_numpy())
    n = int(pop.sum())
    due = pop & ~f["skipped"].to_numpy()
    within = f["within"].to_numpy(dtype=float)[pop]
    ack_within = f["ack_within"].to_numpy(dtype=float)[pop]
    days = f["days"].to_numpy(dtype=float)[pop]
    responded = f["responded"].to_numpy() & pop
    closed = f["closed"].to_numpy() & pop
    outcome = f["outcome"].to_numpy(dtype=object)
    counts = {k: int((closed & (outcome == k)).sum()) for k in OUTCOMES}
    counts["undecided"] = int(closed.sum()) - sum(counts.values())
    refused = f["refused"].to_numpy()
    if period is not None:
        refused = refused & f["start_ok"].to_numpy() & period.contains(f["start"].to_numpy())
    open_ = f["open"].to_numpy() & pop
    not_due = int((f["not_due"].to_numpy() & pop).sum())
    ack_not_due = int((f["ack_not_due"].to_numpy() & pop).sum())
    values: dict[str, Any] = {
        "received": n,
        "refused": int(refused.sum()),
        "skipped": int((pop & f["skipped"].to_numpy()).sum()),
        "answered": int(responded.sum()),
        "acknowledged_within_pct": _pct(ack_within),
        "within_timescale": int((within == 1.0).sum()),
        "within_timescale_pct": _pct(within),
        "mean_working_days": _stat(days, "mean"),
        "median_working_days": _stat(days, "median"),
        "extended": int((f["extended"].to_numpy() & pop).sum()),
        "clock_start_assumed": int((f["clock_assumed"].to_numpy() & responded).sum()),
        "outcomes": counts,
        "open": int(open_.sum()),
        "overdue": int((f["overdue"].to_numpy() & pop).sum()),
        "past_flag": int((f["past_flag"].to_numpy() & pop).sum()),
    }
    cov: dict[str, Coverage] = {
        "received": coverage_of(int((pop & f["start_ok"].to_numpy()).sum()), n),
        "answered": coverage_of(int(responded.sum()), int(due.sum())),
        "acknowledged_within_pct": coverage_of(int((~np.isnan(ack_within)).sum()),
                                               int(due.sum()) - ack_not_due),
        "within_timescale_pct": coverage_of(int((~np.isnan(within)).sum()),
                                            int(due.sum()) - not_due),
        "mean_working_days": coverage_of(int((~np.isnan(days)).sum()), int(due.sum())),
        "median_working_days": coverage_of(int((~np.isnan(days)).sum()), int(due.sum())),
        "outcomes": coverage_of(int(closed.sum()) - counts["undecided"], int(closed.sum())),
        "open": coverage_of(int((pop & f["start_ok"].to_numpy()).sum()), n),
        "overdue": coverage_of(int((pop & f["start_ok"].to_numpy()).sum()), n),
    }
    cov["within_timescale"] = cov["within_timescale_pct"]
    cov["extended"] = cov["answered"]
    groups = {
        "received": ("received", "refused", "skipped"),
        "acknowledge": ("acknowledged_within_pct",),
        "respond": ("answered", "within_timescale", "within_timescale_pct", "mean_working_days",
                    "median_working_days", "extended", "clock_start_assumed", "open",
                    "overdue", "past_flag", "outcomes"),
        "within": ("within_timescale", "within_timescale_pct", "overdue"),
        "outcomes": ("outcomes",),
        "refused": ("refused",),
        "extended": ("extended",),
    }
    for group, why in sf.missing.items():
        for key in groups.get(group, ()):
            values[key] = None
            cov[key] = coverage_of(None, cov.get(key, {"of": n})["of"], why)
    return values, cov


def stage_kpis(register: Register, regime: Regime | str | None = None, *, as_of: Any = None,
               period: Any = None, calendar: WorkCalendar | str | None = None,
               targets: Any = None) -> dict[str, Any]:
    """Per stage of ``regime``, the complaints whose stage started in ``period`` (all when
    None): received, answered, within the regime's timescale (agreed extensions counted, up
    to what the regime allows; every complaint due counts, so one never answered is a miss),
    mean and median working days from the stage's start to its response, outcomes of the
    complaints closed at the stage, open and overdue at ``as_of``.

    ``targets``: the contract's stated targets (``Provider.contract_targets``); ``calendar``:
    a WorkCalendar or region (default the regime's). A figure over a field the register does
    not keep is None, with the reason in ``coverage`` (docs/regimes.md)."""
    parsed = period_of(period)
    rf = regime_facts(register, regime, as_of=as_of_date(as_of, parsed), calendar=calendar,
                      targets=targets)
    stages: dict[str, Any] = {}
    coverage: dict[str, Coverage] = {}
    for stage in rf.stages:
        values, cov = _stage_figures(rf.by_stage[stage.id], parsed, rf.as_of)
        stages[stage.id] = {"name": stage.name, "clocks": {
            "acknowledge": stage.acknowledge.text() if stage.acknowledge else None,
            "respond": stage.respond.text()}, **values}
        coverage.update({f"{stage.id}.{k}": v for k, v in cov.items()})
    return {
        "regime": rf.regime.id,
        "title": rf.regime.title,
        "as_of": rf.as_of.isoformat(),
        "period": parsed.as_dict() if parsed is not None else None,
        "holidays": rf.calendar.region,
        "clocks": clock_lines(rf.regime, targets),
        "stages": stages,
        "coverage": coverage,
    }
