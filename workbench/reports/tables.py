"""One formatting layer for every table a person reads in the notebook and report.html."""

from __future__ import annotations

import datetime as dt
import hashlib
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from workbench.reports.htmlreport import fmt, fmt_pct, is_missing

# Column headings by column name; any other column reads as its name in sentence case.
LABELS: dict[str, str] = {
    "_row": "Row", "row": "Row", "id": "Item", "reference": "Reference",
    "severity": "Severity", "field": "Field", "check": "Check", "issues": "Issues",
    "column": "Column", "message": "Problem", "value": "Value",
    "quarter": "Quarter", "period": "Period", "complaints": "Complaints",
    "root_cause": "Root cause", "count": "Complaints", "cumulative_pct": "Cumulative share",
    "share": "Share", "pct": "Share", "cum_pct": "Cumulative share", "theme": "Theme",
    "terms": "Terms", "label": "Theme",
    "size": "Complaints", "total": "Complaints", "baseline_count": "Baseline complaints",
    "baseline_share": "Baseline share", "ratio": "Ratio to baseline", "z": "z",
    "p_value": "p-value", "emerging": "Emerging", "type": "Type",
    "action_due": "Due", "days_overdue": "Days overdue", "status": "Status",
    "section": "Section", "name": "Section", "score": "Score", "max": "Out of",
    "answered": "Answered", "text": "Requirement", "answer": "Answer",
    "expected": "Expected", "actual": "Found in the register", "kpi": "Measure",
}
# Columns shown as percentages (values 0-100) and as proportions (0-1).
PERCENT = frozenset({"cumulative_pct", "cum_pct", "pct"})
PROPORTION = frozenset({"share", "baseline_share"})
# Columns with their own number of decimal places (others: whole numbers as integers, 1 dp).
DIGITS: dict[str, int] = {"ratio": 2, "z": 2, "p_value": 3}


def label(column: str) -> str:
    """A column's heading: its entry in LABELS, else its name in sentence case."""
    if column in LABELS:
        return LABELS[column]
    text = str(column).strip("_").replace("_", " ")
    return text[:1].upper() + text[1:]


def cell(value: Any, column: str = "") -> str:
    """One value as a reader sees it: blank when missing, Yes/No, "4 Jul 2023", whole numbers
    without decimals, percentages with their unit, lists joined, text in full."""
    if isinstance(value, list | tuple):
        return "; ".join(cell(v) for v in value if not is_missing(v))
    if is_missing(value):
        return ""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "Yes" if value else "No"
    if column in PERCENT or column.endswith("_pct"):
        return fmt_pct(value)
    if column in PROPORTION and isinstance(value, numbers.Real):
        return fmt_pct(float(value) * 100)
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        v = float(value)
        if column not in DIGITS and v.is_integer():
            return f"{int(v):,}"
        return fmt(v, DIGITS.get(column, 1))
    if isinstance(value, pd.Timestamp | dt.datetime):
        return fmt(value.date() if not pd.isna(value) else None)
    return fmt(value)


def present(frame: pd.DataFrame, columns: Sequence[str] | Mapping[str, str] | None = None,
            *, caption: str | None = None) -> Any:
    """``frame`` as a report table (a pandas Styler): only ``columns`` (in that order; a
    mapping also names their headings), every cell through `cell`, no index, text wrapped
    rather than cut, numbers right-aligned. The element ids come from the content, so a re-run
    gives the same HTML (nbval compares it)."""
    from pandas.io.formats.style import Styler

    names = dict(columns) if isinstance(columns, Mapping) else {
        c: label(c) for c in (columns or frame.columns)}
    names = {c: h for c, h in names.items() if c in frame.columns}
    shown = pd.DataFrame({h: [cell(v, c) for v in frame[c].tolist()]
                          for c, h in names.items()}, index=range(len(frame)))
    numeric = [h for c, h in names.items()
               if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(
                   frame[c])]
    dates = [h for c, h in names.items() if _is_dates(frame[c])]
    uuid = hashlib.sha256(shown.to_csv().encode()).hexdigest()[:10]
    styler = (Styler(shown, uuid=uuid, cell_ids=False, caption=caption)
              .hide(axis="index").format(escape="html")
              .set_table_styles([
                  {"selector": "", "props": "border-collapse: collapse; margin: 0.5em 0;"},
                  {"selector": "th", "props": "text-align: left; vertical-align: bottom; "
                                              "padding: 0.25em 0.6em;"},
                  {"selector": "td", "props": "text-align: left; white-space: normal; "
                                              "max-width: 40em; vertical-align: top; "
                                              "padding: 0.25em 0.6em;"},
                  {"selector": "caption", "props": "text-align: left; font-weight: bold; "
                                                   "padding: 0.3em 0;"},
              ]))
    # per-column rules ("#T_x td.col3") outrank the table's "#T_x td"
    right = [{"selector": "td", "props": "text-align: right; white-space: nowrap;"},
             {"selector": "th", "props": "text-align: right;"}]
    nowrap = [{"selector": "td", "props": "white-space: nowrap;"}]
    per_column = {h: right for h in numeric} | {h: nowrap for h in dates}
    if per_column:
        styler = styler.set_table_styles(per_column, overwrite=False)
    return styler


def _is_dates(values: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(values):
        return True
    present = values.dropna()
    return len(present) > 0 and all(isinstance(v, dt.date) for v in present)
