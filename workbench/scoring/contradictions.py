"""Contradictions: answers the register's figures disagree with (a suggestion, never a verdict)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from workbench.rubric.model import DataCheck, Rubric
from workbench.scoring.assessment import Assessment, ItemState, parse_answer

COLUMNS = ["item", "section", "text", "answer", "kpi", "figure", "op", "threshold", "suggestion"]


def suggestion(check: DataCheck, indicators: Mapping[str, float | None] | None) -> str | None:
    """'yes' / 'no' when the register figure meets / misses the threshold; None without a figure."""
    if not indicators or check.kpi not in indicators:
        return None
    passes = check.passes(_figure(indicators[check.kpi]))
    return None if passes is None else ("yes" if passes else "no")


def _figure(value: Any) -> float | None:
    if value is None:
        return None
    try:
        figure = float(value)
    except (TypeError, ValueError):
        return None
    return None if figure != figure else figure  # NaN -> None


def suggestion_note(check: DataCheck, indicators: Mapping[str, float | None] | None) -> str | None:
    """A one-line note, e.g. 'rca coverage 64.0 % (expected >= 100 %): suggests No'."""
    if not indicators or check.kpi not in indicators:
        return None
    figure = _figure(indicators[check.kpi])
    name = check.kpi.removesuffix("_pct").replace("_", " ")
    unit = " %" if check.kpi.endswith("_pct") else ""
    name = name.replace("rca", "RCA")
    name = name[:1].upper() + name[1:]
    expected = f"expected {check.op} {check.threshold:g}{unit}"
    if figure is None:
        return f"{name}: no figure from the register ({expected})"
    verdict = "Yes" if check.passes(figure) else "No"
    shown = f"{figure:.1f}" if unit else f"{figure:g}"
    return f"{name} {shown}{unit} ({expected}): suggests {verdict}"


def contradictions(rubric: Rubric, answers: Assessment | Mapping[str, Any],
                   indicators: Mapping[str, float | None] | None) -> pd.DataFrame:
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
        suggested = suggestion(item.data_check, indicators)
        if answer is None or suggested is None or answer == suggested:
            continue
        check = item.data_check
        rows.append({"item": item.id, "section": section.id, "text": item.text,
                     "answer": answer.capitalize(), "kpi": check.kpi,
                     "figure": _figure(indicators[check.kpi]), "op": check.op,
                     "threshold": check.threshold, "suggestion": suggested.capitalize()})
    return pd.DataFrame(rows, columns=COLUMNS)
