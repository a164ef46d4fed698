"""Regulators' returns from a register: each figure a regime's YAML declares, with its coverage."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from workbench.analysis.kpis import Coverage, coverage_of
from workbench.analysis.periods import Period, financial_year_of, parse_period
from workbench.analysis.stages import RegimeFacts, StageFacts, regime_facts
from workbench.analysis.workdays import WorkCalendar
from workbench.core.errors import WorkbenchError
from workbench.register.loader import Register
from workbench.rubric.regime import Figure, Regime, load_regime

TENURES = {"lcra": "LCRA", "lcho": "LCHO"}
TENURE_WORDS = {"lcra": "low-cost rental accommodation (LCRA)",
                "lcho": "low-cost home ownership (LCHO)"}


def _round(value: float, decimals: int) -> float | int:
    return round(value) if decimals == 0 else float(np.round(value, decimals))


class _Figures:
    """The rows each measure counts, for one period, from the regime's per-row facts."""

    def __init__(self, rf: RegimeFacts, period: Period):
        self.rf, self.period = rf, period
        self.frame = rf.frame
        self.n = len(rf.frame)

    def stage(self, stage_id: str) -> StageFacts:
        return self.rf.by_stage["stage1" if stage_id == "all" else stage_id]

    def _in(self, dates: np.ndarray) -> np.ndarray:
        return self.period.contains(dates)

    def received(self, sf: StageFacts) -> tuple[np.ndarray, int]:
        """Requests of the stage received in the period; and the stage's requests with no
        usable start date (which may or may not fall in it)."""
        f = sf.facts
        base = f["in_stage"].to_numpy()
        ok = f["start_ok"].to_numpy()
        return base & ok & self._in(f["start"].to_numpy()), int((base & ~ok).sum())

    def responses(self, sf: StageFacts, basis: str) -> np.ndarray:
        f = sf.facts
        done = f["closed" if basis == "closed" else "responded"].to_numpy()
        return done & self._in(f["response"].to_numpy())

    def decided(self) -> np.ndarray:
        """Complaints whose final response (the last stage they reached) was sent in the
        period."""
        out = self.responses(self.stage("stage1"), "closed")
        if "stage2" in self.rf.by_stage and "respond" not in self.rf.by_stage["stage2"].missing:
            out = out | self.responses(self.rf.by_stage["stage2"], "responded")
        return out

    def text(self, name: str) -> np.ndarray:
        if name not in self.frame:
            return np.full(self.n, None, dtype=object)
        return self.frame[name].astype("string").to_numpy(dtype=object, na_value=None)


def _measure(fx: _Figures, fig: Figure, mask: np.ndarray | None, homes: int | None
             ) -> tuple[Any, Coverage]:
    """One figure's value and coverage; ``mask`` restricts the rows (a tenure)."""
    rf = fx.rf
    sf = fx.stage(fig.stage)
    keep = np.ones(fx.n, dtype=bool) if mask is None else mask
    m = fig.measure
    if m in ("received", "received_per_1000_homes", "refused", "by_subject"):
        if (why := sf.missing.get("received")):
            return None, coverage_of(None, 0, why)
        rows, undated = fx.received(sf)
        rows = rows & keep
        n = int(rows.sum())
        cov = coverage_of(n, n + undated)
        if m == "received":
            return n, cov
        if m == "received_per_1000_homes":
            if homes is None:
                return None, coverage_of(None, n, "the number of homes was not given (--homes)")
            return _round(1000.0 * n / homes, fig.decimals), cov
        if m == "refused":
            if (why := rf.why_missing("refused")):
                return None, coverage_of(None, n, why)
            f = sf.facts
            refused = (f["refused"].to_numpy() & f["start_ok"].to_numpy()
                       & fx._in(f["start"].to_numpy()) & keep)
            return int(refused.sum()), coverage_of(int(refused.sum()), int(refused.sum()))
        if (why := rf.why_missing("type")):
            return None, coverage_of(None, n, why)
        counts = pd.Series(fx.text("type")[rows]).fillna("(not recorded)").value_counts()
        ordered = sorted(((str(k), int(v)) for k, v in counts.items()),
                         key=lambda kv: (-kv[1], kv[0]))
        return dict(ordered), coverage_of(n - int(counts.get("(not recorded)", 0)), n)
    if m in ("well_founded", "with_actions"):
        decided = fx.decided() & keep
        n = int(decided.sum())
        need = "outcome" if m == "well_founded" else "actions"
        if (why := rf.why_missing(need)):
            return None, coverage_of(None, n, why)
        if m == "well_founded":
            outcome = fx.text("outcome")[decided]
            known = int(pd.Series(outcome).notna().sum())
            value = int(np.isin(outcome, ["upheld", "partly_upheld"]).sum())
            return value, coverage_of(known, n)
        value = int(pd.Series(fx.text("actions")[decided]).notna().sum())
        return value, coverage_of(n, n)
    if m == "referred_to_ombudsman":
        if (why := rf.why_missing("date_ombudsman")):
            return None, coverage_of(None, 0, why)
        kind = fx.text("record_kind")
        dates = fx.frame["date_ombudsman"].to_numpy(dtype="datetime64[D]")
        rows = (kind != "compliment") & fx._in(dates) & keep
        return int(rows.sum()), coverage_of(int(rows.sum()), int(rows.sum()))
    # measures over the stage's responses sent in the period
    rows = fx.responses(sf, fig.basis) & keep
    n = int(rows.sum())
    for group in ("received", "respond"):
        if (why := sf.missing.get(group)):
            return None, coverage_of(None, n, why)
    f = sf.facts
    if m == "responded":
        return n, coverage_of(n, n)
    if m in ("responded_within", "responded_within_pct"):
        if (why := sf.missing.get("within")):
            return None, coverage_of(None, n, why)
        within = f["within"].to_numpy(dtype=float)[rows]
        known = int((~np.isnan(within)).sum())
        hits = int((within == 1.0).sum())
        if m == "responded_within":
            return hits, coverage_of(known, n)
        pct = _round(100.0 * hits / known, fig.decimals) if known else None
        return pct, coverage_of(known, n)
    if m in ("mean_working_days", "median_working_days"):
        days = f["days"].to_numpy(dtype=float)[rows]
        days = days[~np.isnan(days)]
        if not days.size:
            return None, coverage_of(0, n)
        value = float(days.mean()) if m == "mean_working_days" else float(np.median(days))
        return _round(value, fig.decimals), coverage_of(int(days.size), n)
    if m in ("outcome", "outcome_pct"):
        if (why := sf.missing.get("outcomes")):
            return None, coverage_of(None, n, why)
        outcome = f["outcome"].to_numpy(dtype=object)[rows]
        known = int(pd.Series(outcome).notna().sum())
        hits = int((outcome == fig.outcome).sum())
        if m == "outcome":
            return hits, coverage_of(known, n)
        pct = _round(100.0 * hits / known, fig.decimals) if known else None
        return pct, coverage_of(known, n)
    # extended, extended_pct
    if (why := sf.missing.get("extended")):
        return None, coverage_of(None, n, why)
    hits = int((f["extended"].to_numpy() & rows).sum())
    if m == "extended":
        return hits, coverage_of(n, n)
    return (_round(100.0 * hits / n, fig.decimals) if n else None), coverage_of(n, n)


def _homes(homes: int | None, homes_lcra: int | None, homes_lcho: int | None
           ) -> tuple[int | None, dict[str, int] | None]:
    for name, value in (("homes", homes), ("homes-lcra", homes_lcra),
                        ("homes-lcho", homes_lcho)):
        if value is not None and (isinstance(value, bool) or int(value) <= 0):
            raise WorkbenchError(f"--{name} must be a whole number of homes above 0, "
                                 f"not {value!r}")
    if homes is not None and (homes_lcra is not None or homes_lcho is not None):
        raise WorkbenchError("give either --homes or --homes-lcra and --homes-lcho, not both")
    if (homes_lcra is None) != (homes_lcho is None):
        raise WorkbenchError("give both --homes-lcra and --homes-lcho (a landlord with only "
                             "one tenure gives --homes)")
    if homes_lcra is not None and homes_lcho is not None:
        return int(homes_lcra) + int(homes_lcho), {"lcra": int(homes_lcra),
                                                   "lcho": int(homes_lcho)}
    return (int(homes) if homes is not None else None), None


def compute_returns(register: Register, regime: Regime | str | None, *, period: Any = None,
                    as_of: Any = None, calendar: WorkCalendar | str | None = None,
                    homes: int | None = None, homes_lcra: int | None = None,
                    homes_lcho: int | None = None) -> dict[str, Any]:
    """Every figure of the regime's returns for ``period`` (default: the financial year of
    ``as_of``, itself today or the period's end when earlier), as the JSON object of
    `workbench returns --json` (docs/regimes.md, "Returns").

    Figures over responses count the responses sent in the period, measured on the regime's
    clocks (a response clock from the acknowledgement starts there; agreed extensions count up
    to the regime's maximum). ``homes`` gives the per-1,000-homes rates; ``homes_lcra`` and
    ``homes_lcho`` instead split every ``by_tenure`` figure by the register's tenure too. A
    figure the register cannot support is None with the reason in ``coverage``."""
    reg = load_regime(regime)
    if not reg.returns:
        raise WorkbenchError(f"the regime {reg.id} ({reg.title}) declares no return "
                             f"(docs/regimes.md lists the regimes with returns)")
    total_homes, split = _homes(homes, homes_lcra, homes_lcho)
    parsed = parse_period(period) if period is not None else None
    if as_of is None:
        as_of_d = min(dt.date.today(), parsed.end) if parsed is not None else dt.date.today()
    elif isinstance(as_of, dt.date):
        as_of_d = as_of
    else:
        try:
            as_of_d = dt.date.fromisoformat(str(as_of).strip())
        except ValueError as exc:
            raise WorkbenchError(f"as-of date '{as_of}' is not a date (use YYYY-MM-DD)") \
                from exc
    parsed = parsed or financial_year_of(as_of_d)
    rf = regime_facts(register, reg, as_of=as_of_d, calendar=calendar)
    fx = _Figures(rf, parsed)
    figures: dict[str, Any] = {}
    labels: dict[str, str] = {}
    definitions: dict[str, str] = {}
    coverage: dict[str, Coverage] = {}
    tenure = fx.text("tenure")
    for fig in reg.figures():
        figures[fig.key], coverage[fig.key] = _measure(fx, fig, None, total_homes)
        labels[fig.key], definitions[fig.key] = fig.label, " ".join(fig.definition.split())
        if not (fig.by_tenure and split):
            continue
        why = rf.why_missing("tenure")
        for code, suffix in TENURES.items():
            key = f"{fig.key}_{suffix}"
            labels[key] = f"{fig.label} ({suffix})"
            definitions[key] = f"{definitions[fig.key]} Only complaints from " \
                               f"{TENURE_WORDS[code]} residents (the register's tenure)."
            if why:
                figures[key], coverage[key] = None, coverage_of(None, 0, why)
                continue
            figures[key], coverage[key] = _measure(fx, fig, tenure == code, split[code])
        # how much of the figure's population the split can place in a tenure
        base = coverage[fig.key]
        if not why and base.get("known") is not None:
            coverage[fig.key] = {**base, "tenure_known": int(sum(
                (coverage[f"{fig.key}_{s}"].get("known") or 0) for s in TENURES.values()))}
    return {
        "regime": reg.id,
        "title": reg.title,
        "period": parsed.as_dict(),
        "as_of": as_of_d.isoformat(),
        "holidays": rf.calendar.region,
        "homes": ({"total": total_homes, **(split or {})} if total_homes is not None else None),
        "returns": [{"id": r.id, "title": r.title, "frequency": r.frequency,
                     "source": r.source.model_dump(exclude_none=True),
                     "keys": [f.key for f in r.figures]} for r in reg.returns],
        "figures": figures,
        "labels": labels,
        "definitions": definitions,
        "coverage": coverage,
    }


def returns_text(result: dict[str, Any], *, source: str = "") -> str:
    """The returns as a readable plain-text table: each figure, its value, its coverage and
    its definition beside it."""
    period = result["period"]["label"]
    lines = [f"Returns: {source}" if source else "Returns",
             f"  regime {result['regime']} ({result['title']}); period {period}; as of "
             f"{result['as_of']}; working days exclude {result['holidays']} bank holidays"]
    for ret in result["returns"]:
        lines += ["", ret["title"]]
        keys = [k for base in ret["keys"] for k in result["figures"]
                if k == base or (k.startswith(base + "_")
                                 and k[len(base) + 1:] in TENURES.values())]
        for key in keys:
            lines.append(f"  {key:<22} {_shown(result['figures'][key]):>10}  "
                         f"{result['labels'][key]}")
            value = result["figures"][key]
            if isinstance(value, dict):
                lines += [f"  {'':<22} {n:>10,}  {name}" for name, n in value.items()]
            cov = result["coverage"][key]
            if cov.get("known") is None:
                lines.append(f"  {'':<22} {'':>10}  unknown: {cov.get('reason')}")
            elif cov["known"] < cov["of"]:
                lines.append(f"  {'':<22} {'':>10}  known for {cov['known']:,} of "
                             f"{cov['of']:,}")
            lines.append(f"  {'':<22} {'':>10}  {result['definitions'][key]}")
    return "\n".join(lines)


def _shown(value: Any) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, dict):
        return f"{sum(value.values()):,}"
    return f"{value:,}"
