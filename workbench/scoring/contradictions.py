"""Contradictions: answers the register's figures disagree with (a suggestion, never a verdict)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from workbench.analysis.measures import coverage_share, measure, value_text
from workbench.rubric.model import DataCheck, Rubric
from workbench.scoring.assessment import Assessment, ItemState, parse_answer

COLUMNS = ["item", "section", "text", "answer", "kpi", "figure", "op", "threshold", "suggestion"]


Coverage = Mapping[str, Mapping[str, Any]]  # compute_kpis()["coverage"]


def judged_figure(check: DataCheck, indicators: Mapping[str, float | None] | None,
                  coverage: Coverage | None = None) -> tuple[float | None, str | None]:
    """The figure a data check can judge, or None and why it cannot: the register does not
    record it, or records it for too few of its records (under ``check.min_coverage`` %)."""
    if not indicators or check.kpi not in indicators:
        return None, "no figure from the register"
    cov = (coverage or {}).get(f"indicators.{check.kpi}")
    figure = _figure(indicators[check.kpi])
    if figure is None:
        reason = cov.get("reason") if cov else None
        return None, reason or "nothing in the register to compute it over"
    share = coverage_share(cov)
    if share is not None and share < check.min_coverage:
        m = measure(check.kpi)
        return None, (f"{m.known or 'the data it needs'} recorded on {share:.0f} % of "
                      f"{m.of or 'records'}: too little to judge")
    return figure, None


def suggestion(check: DataCheck, indicators: Mapping[str, float | None] | None,
               coverage: Coverage | None = None) -> str | None:
    """'yes' / 'no' when the register figure meets / misses the threshold; None without a figure
    the register can support (see :func:`judged_figure`)."""
    figure, _why = judged_figure(check, indicators, coverage)
    passes = check.passes(figure)
    return None if passes is None else ("yes" if passes else "no")


def _figure(value: Any) -> float | None:
    if value is None:
        return None
    try:
        figure = float(value)
    except (TypeError, ValueError):
        return None
    return None if figure != figure else figure  # NaN -> None


def expected_text(check: DataCheck) -> str:
    """The check's threshold in words: "at least 95 %", "at most 0", "exactly 1"."""
    words = {">=": "at least", "<=": "at most", "==": "exactly", ">": "more than",
             "<": "less than"}[check.op]
    unit = " %" if measure(check.kpi).unit == "pct" else ""
    return f"{words} {check.threshold:g}{unit}"


def suggestion_note(check: DataCheck, indicators: Mapping[str, float | None] | None,
                    coverage: Coverage | None = None) -> str | None:
    """A one-line note, e.g. 'Root cause recorded 64.0 % (expected at least 100 %): suggests
    No', or why the register cannot suggest an answer."""
    if not indicators or check.kpi not in indicators:
        return None
    name = measure(check.kpi).label
    expected = f"expected {expected_text(check)}"
    figure, why = judged_figure(check, indicators, coverage)
    if figure is None:
        return f"{name}: the register cannot evidence this ({why}; {expected}): no suggestion"
    verdict = "Yes" if check.passes(figure) else "No"
    return f"{name} {value_text(check.kpi, figure)} ({expected}): suggests {verdict}"


def contradictions(rubric: Rubric, answers: Assessment | Mapping[str, Any],
                   indicators: Mapping[str, float | None] | None,
                   coverage: Coverage | None = None) -> pd.DataFrame:
    """Answers the register contradicts: Yes while the item's data check fails, No while it passes.

    ``answers`` maps item id to an answer (or ItemState), or is an Assessment.
    """
    if isinstance(answers, Assessment):
        answers = answers.answers()
    rows = []
    for section, item in rubric.items():
        if item.data_check is None:
            continue
        raw = answers.get(item.id)
        answer = raw.answer if isinstance(raw, ItemState) else parse_answer(raw)
        suggested = suggestion(item.data_check, indicators, coverage)
        if answer is None or suggested is None or answer == suggested:
            continue
        check = item.data_check
        rows.append({"item": item.id, "section": section.id, "text": item.text,
                     "answer": answer.capitalize(), "kpi": check.kpi,
                     "figure": _figure(indicators[check.kpi]), "op": check.op,
                     "threshold": check.threshold, "suggestion": suggested.capitalize()})
    return pd.DataFrame(rows, columns=COLUMNS)
