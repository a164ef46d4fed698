"""Theme identity across periods: this run's themes matched to a previous run's, new and faded."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.analysis import periods
from workbench.analysis.themes import ThemeResult
from workbench.register.loader import Register

MIN_SIMILARITY = 0.2   # cosine of the term profiles below which two themes are not the same
CRITERION = (f"themes matched one to one (Hungarian assignment) by the cosine similarity of "
             f"their term profiles over the terms they share; a pair under {MIN_SIMILARITY:g} "
             f"is no match: the current theme is new, the previous one faded")
COLUMNS = ["theme", "label", "previous", "previous_label", "similarity", "status"]


@dataclass
class ThemeMatch:
    """How the themes of one run relate to those of an earlier run.

    ``table``: one row per theme of either run: theme (this run's id, NA for a faded theme),
    label, previous (the earlier run's id, NA for a new theme), previous_label, similarity
    (cosine, NA when unmatched) and status ("continuing", "new" or "faded").
    """

    table: pd.DataFrame
    criterion: str = CRITERION

    @property
    def new(self) -> list[str]:
        """Labels of this run's themes with no counterpart in the earlier run."""
        return self.table.loc[self.table["status"] == "new", "label"].tolist()

    @property
    def faded(self) -> list[str]:
        """Labels of the earlier run's themes with no counterpart now."""
        return self.table.loc[self.table["status"] == "faded", "previous_label"].tolist()

    @property
    def continuing(self) -> dict[int, int]:
        """This run's theme id -> the earlier run's id, for the matched themes."""
        rows = self.table[self.table["status"] == "continuing"]
        return {int(a): int(b) for a, b in zip(rows["theme"], rows["previous"], strict=True)}


def _profiles(result: ThemeResult) -> dict[int, dict[str, float]]:
    weights = result.term_weights
    if weights is None or weights.empty:
        return {}
    return {int(t): dict(zip(g["term"].astype(str), g["weight"].astype(float), strict=True))
            for t, g in weights.groupby("theme", sort=True)}


def similarity(current: ThemeResult, previous: ThemeResult) -> pd.DataFrame:
    """Cosine similarity of every pair of term profiles (rows: current ids, columns: previous
    ids); terms only one of the two runs knows count as zero on the other side."""
    a, b = _profiles(current), _profiles(previous)
    terms = sorted({t for p in (*a.values(), *b.values()) for t in p})
    index = {t: i for i, t in enumerate(terms)}

    def matrix(profiles: dict[int, dict[str, float]]) -> np.ndarray:
        m = np.zeros((len(profiles), len(terms)))
        for row, p in enumerate(profiles.values()):
            for term, w in p.items():
                m[row, index[term]] = w
        norms = np.linalg.norm(m, axis=1, keepdims=True)
        return m / np.where(norms > 0, norms, 1.0)

    sims = matrix(a) @ matrix(b).T if a and b else np.zeros((len(a), len(b)))
    return pd.DataFrame(sims, index=pd.Index(list(a), name="theme"),
                        columns=pd.Index(list(b), name="previous"))


def match_themes(current: ThemeResult, previous: ThemeResult, *,
                 min_similarity: float = MIN_SIMILARITY) -> ThemeMatch:
    """This run's themes matched one to one to ``previous``'s (see `CRITERION`)."""
    from scipy.optimize import linear_sum_assignment

    sims = similarity(current, previous)
    labels = _labels(current)
    before = _labels(previous)
    rows: list[tuple] = []
    matched_now: set[int] = set()
    matched_before: set[int] = set()
    if sims.size:
        r, c = linear_sum_assignment(-sims.to_numpy())
        for i, j in zip(r, c, strict=True):
            s = float(sims.iat[i, j])
            if s >= min_similarity:
                now, then = int(sims.index[i]), int(sims.columns[j])
                matched_now.add(now)
                matched_before.add(then)
                rows.append((now, labels.get(now), then, before.get(then), round(s, 4),
                             "continuing"))
    rows += [(t, labels[t], None, None, None, "new") for t in labels if t not in matched_now]
    rows += [(None, None, t, before[t], None, "faded") for t in before
             if t not in matched_before]
    table = pd.DataFrame(rows, columns=COLUMNS).astype({
        "theme": "Int64", "label": "string", "previous": "Int64", "previous_label": "string",
        "similarity": "float64", "status": "string"})
    order = table["status"].map({"continuing": 0, "new": 1, "faded": 2})
    table = (table.assign(_o=order).sort_values(["_o", "theme", "previous"], kind="stable")
             .drop(columns="_o").reset_index(drop=True))
    return ThemeMatch(table)


def _labels(result: ThemeResult) -> dict[int, str]:
    themes = result.themes
    if themes is None or themes.empty:
        return {}
    return {int(t): str(label) for t, label in zip(themes["theme"], themes["label"],
                                                    strict=True)}


def previous_period(period: periods.Period) -> periods.Period:
    """The period of the same kind just before ``period``: the quarter, financial year, month or
    calendar year before; for a custom range, the range of the same length ending the day
    before it starts."""
    start = period.start
    if period.kind == "quarter":
        fy = start.year if start.month >= 4 else start.year - 1
        quarter = (start.month - 4) % 12 // 3 + 1
        return (periods.financial_quarter(fy - 1, 4) if quarter == 1
                else periods.financial_quarter(fy, quarter - 1))
    if period.kind == "financial_year":
        return periods.financial_year(start.year - 1)
    if period.kind == "month":
        return periods.month(start.year - (start.month == 1), (start.month - 2) % 12 + 1)
    if period.kind == "year":
        return periods.parse_period(str(start.year - 1))
    days = (period.end - period.start).days
    end = period.start - dt.timedelta(days=1)
    begin = end - dt.timedelta(days=days)
    return periods.parse_period(f"{begin.isoformat()}..{end.isoformat()}")


def in_period(register: Register, period: periods.Period) -> Register:
    """The register's records received in ``period`` (records with no date received left out)."""
    frame = register.frame
    if "date_received" not in frame:
        return dataclasses.replace(register, frame=frame.iloc[0:0])
    keep = period.contains(frame["date_received"])
    return dataclasses.replace(register, frame=frame[keep])
