"""A provider's regime figures as tables: timeliness per stage on its clocks, and its return."""

from __future__ import annotations

from typing import Any

import pandas as pd

from workbench.reports.results import ProviderResults

STAGE_ROWS = (("received", "Received"), ("answered", "Answered"),
              ("acknowledged_within_pct", "% acknowledged within the regime's timescale"),
              # over the stages started in the period (a return may count those closed in it)
              ("within_timescale_pct", "% answered within the regime's timescale (of those "
                                       "started in the period and due)"),
              ("mean_working_days", "Mean working days to answer"),
              ("median_working_days", "Median working days to answer"),
              ("extended", "Extended by agreement"), ("open", "Open"),
              ("overdue", "Open past the timescale"))


def stage_table(results: ProviderResults) -> pd.DataFrame:
    """Timeliness per stage on the provider's regime's clocks: one row per measure, one column
    per stage ("unknown" with why where the register cannot say), then how it is counted."""
    st = results.stages or {}
    stages = st.get("stages") or {}
    coverage = st.get("coverage") or {}
    rows = []
    for key, name in STAGE_ROWS:
        row: dict[str, Any] = {"Measure": name}
        for sid, stage in stages.items():
            row[stage.get("name") or sid] = stage_figure_text(stage.get(key), key,
                                                              coverage.get(f"{sid}.{key}"))
        rows.append(row)
    return pd.DataFrame(rows)


def stage_figure_text(value: Any, key: str, cov: dict[str, Any] | None) -> str:
    """One stage figure as shown: "unknown (why)" when the register cannot say, a % to one
    decimal with how much is known when not all, else the number."""
    cov = cov or {}
    if value is None:
        return "unknown" + (f" ({cov['reason']})" if cov.get("reason") else "")
    if key.endswith("_pct"):
        text = f"{value:.1f}\u00a0%"
        if cov.get("of") and cov.get("known") != cov.get("of"):
            text += f" (known for {cov['known']:,} of {cov['of']:,})"
        return text
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return f"{int(value):,}"


def returns_table(results: ProviderResults) -> pd.DataFrame:
    """The regime's return: figure, what it is, its value and what it is counted over."""
    r = results.returns or {}
    figures, labels = r.get("figures") or {}, r.get("labels") or {}
    definitions, coverage = r.get("definitions") or {}, r.get("coverage") or {}
    rows = []
    for key, value in figures.items():
        cov = coverage.get(key) or {}
        counted = (f"{cov['known']:,} of {cov['of']:,} known" if cov.get("of") is not None
                   else "")
        if value is None:
            counted = "unknown" + (f": {cov['reason']}" if cov.get("reason") else "")
        rows.append({"Figure": key, "Measure": labels.get(key, key),
                     "Value": "unknown" if value is None else f"{value:,}",
                     "Definition": definitions.get(key, ""), "Counted over": counted})
    return pd.DataFrame(rows, columns=["Figure", "Measure", "Value", "Definition",
                                       "Counted over"])
