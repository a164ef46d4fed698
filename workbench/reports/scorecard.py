"""The provider scorecard workbook: scores, items and evidence, KPIs, causes, themes, actions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import numbers
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.styles import Font

from workbench.analysis.measures import coverage_text, measures, value_text
from workbench.reports.excel import (
    PCT_FORMAT,
    Rag,
    new_workbook,
    put,
    save_workbook,
    write_frame,
    write_pairs,
)
from workbench.reports.regimes import returns_table, stage_table
from workbench.reports.results import ProviderResults, theme_table

# Section and total score, % of the maximum.
SECTION_RAG = Rag(green=80, amber=60)

# A figure meets its expectation (green) as the rubric's data check sets it; amber is a band
# just short of it: this many points for a percentage, this many for a count.
AMBER_BAND = {"pct": 15.0, "count": 2.0}
# KPI object keys that are a rubric indicator under another name
INDICATOR_OF = {"rca_coverage": "rca_coverage_pct", "actions_overdue": "overdue_actions",
                "actions_completed_on_time_pct": "actions_completed_on_time_pct",
                "actions_signed_off_pct": "actions_signed_off_pct",
                "actions_told_pct": "complainant_told_of_improvement_pct",
                "open_past_6_months": "open_over_6_months"}
_WORDS = {">=": "at least", "<=": "at most", "==": "exactly", ">": "more than", "<": "less than"}


def expectation(key: str, expectations: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The rubric's expectation of a figure (op, threshold, item), or None."""
    return (expectations or {}).get(INDICATOR_OF.get(key, key))


def kpi_rag(key: str, expectations: Mapping[str, Any] | None) -> Rag | None:
    """Red/amber/green against the rubric's expected level (None: no expectation to meet)."""
    exp = expectation(key, expectations)
    if exp is None or exp["op"] == "==":
        return None
    threshold = float(exp["threshold"])
    band = AMBER_BAND["pct" if INDICATOR_OF.get(key, key).endswith("_pct") else "count"]
    if exp["op"] in (">=", ">"):
        return Rag(threshold, threshold - band)
    return Rag(threshold, threshold + band, higher_is_better=False)


def expected_words(op: str) -> str:
    """A comparison in words: ">=" -> "at least"."""
    return _WORDS.get(op, op)


def expected_text(key: str, expectations: Mapping[str, Any] | None) -> str:
    """The expected level in words with the rubric item it comes from: "at least 95 % (6.1)"."""
    exp = expectation(key, expectations)
    if exp is None:
        return ""
    unit = " %" if INDICATOR_OF.get(key, key).endswith("_pct") else ""
    return f"{_WORDS[exp['op']]} {float(exp['threshold']):g}{unit} (rubric {exp['item']})"


RAG_COLOURS = {"green": "green", "amber": "amber", "red": "red"}
ACTION_STATUS_COLOURS = {"completed": "green", "open": "amber", "overdue": "red"}
ANSWER_COLOURS = {"yes": "green", "no": "red"}

KPI_LABELS: dict[str, str] = {
    "complaints": "Complaints received",
    "compliments": "Compliments received",
    "mean_working_days_to_acknowledge": "Mean working days to acknowledge",
    "median_working_days_to_acknowledge": "Median working days to acknowledge",
    "mean_working_days_to_respond": "Mean working days to respond",
    "median_working_days_to_respond": "Median working days to respond",
    "acknowledged_within_target_pct": "% acknowledged within target",
    "responded_within_target_pct": "% responded to within target",
    "upheld_pct": "% upheld or partly upheld (of decided)",
    "escalated_pct": "% escalated beyond the first response",
    "upheld": "Upheld",
    "partly_upheld": "Partly upheld",
    "not_upheld": "Not upheld",
    "undecided": "No outcome yet",
    "rca_coverage": "% upheld with a root cause recorded",
    "acknowledge_days": "Acknowledgement target (working days)",
    "respond_days": "Response target (working days)",
}

THEME_HEADERS = {"theme": "Theme", "label": "Label", "terms": "Top terms", "size": "Complaints",
                 "share": "Share", "quarter": "Quarter", "count": "Complaints", "type": "Type",
                 "total": "Total in quarter", "emerging": "Emerging"}

ITEM_COLUMNS = ("id", "section", "text", "answer", "evidence", "commentary")
# The Actions sheet: the one place outside the register that names staff (the owner and who
# signed off), since scorecard.xlsx is the auditor's internal pack (docs/redaction.md).
ACTION_HEADERS = {"_row": "Row", "reference": "Reference", "outcome": "Outcome",
                  "actions": "Action", "action_owner": "Owner (staff)", "action_due": "Due",
                  "action_completed": "Completed",
                  "action_signed_off_by": "Signed off by (staff)",
                  "complainant_told_of_improvement": "Complainant told", "status": "Status",
                  "days_overdue": "Days overdue", "completed_on_time": "Completed on time",
                  "signed_off": "Signed off",
                  "counted": "In the period's figures",
                  "earlier": "Complaint received before the period"}
ISSUE_HEADERS = {"row": "Row", "column": "Column", "field": "Field", "check": "Check",
                 "value": "Value (redacted)", "message": "Message", "severity": "Severity"}
AUDIENCE = ("The auditor's internal pack: the Actions sheet names the staff who own and signed "
            "off each action. Not for publication; every other output shows their role.")
_BREAKDOWNS = (("by_month", "Month"), ("by_type", "Type"), ("by_location", "Location"))


def label(key: str) -> str:
    """The display label of a KPI key: the measures table's name wherever it has one."""
    known = measures()
    if key in known:
        return known[key].label
    return KPI_LABELS.get(key, key.replace("_pct", " %").replace("_", " ").capitalize())


def pairs(obj: Any) -> list[tuple[str, Any]]:
    """(category, value) pairs of a breakdown held as a dict, Series or two-column frame."""
    if obj is None:
        return []
    if isinstance(obj, Mapping):
        return [(str(k), v) for k, v in obj.items()]
    if isinstance(obj, pd.Series):
        return [(str(k), v) for k, v in obj.items()]
    if isinstance(obj, pd.DataFrame) and not obj.empty:
        frame = obj if obj.shape[1] >= 2 else obj.reset_index()
        numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
        value_col = numeric[0] if numeric else frame.columns[-1]
        key_col = next(c for c in frame.columns if c != value_col)
        return [(str(k), v) for k, v in zip(frame[key_col], frame[value_col], strict=False)]
    if isinstance(obj, (list, tuple)) and all(
            isinstance(x, (list, tuple)) and len(x) == 2 for x in obj):
        return [(str(k), v) for k, v in obj]
    return []


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (numbers.Number, str))


def kpi_rows(results: ProviderResults) -> pd.DataFrame:
    """Every KPI as a row: group, key, measure, value, target (with the rubric's expected level),
    rag and coverage (what the figure is counted over)."""
    k = results.kpis or {}
    targets = {**(results.targets or {}), **(k.get("targets") or {})}
    coverage = k.get("coverage") or {}
    rows: list[dict[str, Any]] = []

    def add(group: str, key: str, value: Any, target: Any = None, name: str | None = None) -> None:
        rule = kpi_rag(key, results.expectations)
        expected = expected_text(key, results.expectations)
        if expected:
            target = f"{target}; {expected}" if target else expected
        cov = coverage.get(f"indicators.{key}" if group == "Rubric indicators" else key)
        rows.append({"group": group, "key": key, "measure": name or label(key), "value": value,
                     "target": target, "rag": rule.status(value) if rule else None,
                     "coverage": coverage_text(key, cov) if cov else None})

    for key in ("complaints", "compliments"):
        if key in k:
            add("Volume", key, k[key])
    ack, resp = targets.get("acknowledge_days"), targets.get("respond_days")
    for key, target in (("mean_working_days_to_acknowledge", ack),
                        ("median_working_days_to_acknowledge", ack),
                        ("acknowledged_within_target_pct", f"{ack} working days" if ack else None),
                        ("mean_working_days_to_respond", resp),
                        ("median_working_days_to_respond", resp),
                        ("responded_within_target_pct", f"{resp} working days" if resp else None),
                        ("mean_working_days_to_close", None),
                        ("median_working_days_to_close", None),
                        ("completed_within_12_weeks_pct", None)):
        if key in k:
            add("Timeliness", key, k[key], target)
    for key, value in (k.get("outcomes") or {}).items():
        add("Outcomes", str(key), value)
    for key in ("upheld_pct", "escalated_pct"):
        if key in k:
            add("Outcomes", key, k[key])
    late = k.get("late_complaints") or {}
    if late.get("count") is not None:
        add("Volume", "late_complaints", late.get("count"),
            name="Complaints made over 12 months after the event")
    for key, value in (k.get("open") or {}).items():
        if _scalar(value):
            add("Open", f"open_{key}", value, name=f"Open: {str(key).replace('_', ' ')}")
    if results.rca_coverage is not None:
        add("Learning", "rca_coverage", results.rca_coverage)
    for key, value in (results.actions_summary or {}).items():
        if _scalar(value):
            add("Actions", f"actions_{key}", value, name=f"Actions: {str(key).replace('_', ' ')}")
    for key, value in targets.items():
        add("Targets", str(key), value)
    for key, value in (results.indicators or {}).items():
        add("Rubric indicators", str(key), value)
    return pd.DataFrame(rows, columns=["group", "key", "measure", "value", "target", "rag",
                                       "coverage"])


def figure_table(results: ProviderResults, keys: list[str] | None = None, *,
                 indicators: bool = False) -> pd.DataFrame:
    """Figures as a readable table: measure, value (with its unit), coverage, expected level.

    ``keys`` are top-level KPI figures (default: every one the measures table names); with
    ``indicators`` the rubric's indicators instead. Unknown figures read "unknown" with why."""
    k = results.kpis or {}
    coverage = k.get("coverage") or {}
    source = results.indicators or {} if indicators else k
    if keys is None:
        keys = [key for key in source if key in measures()]
    rows = []
    for key in keys:
        cov_key = f"indicators.{key}" if indicators else key
        rows.append({"Measure": label(key), "Value": value_text(key, source.get(key)),
                     "Coverage": coverage_text(key, coverage.get(cov_key)),
                     "Expected": expected_text(key, results.expectations)})
    return pd.DataFrame(rows, columns=["Measure", "Value", "Coverage", "Expected"])


def breakdown_rows(results: ProviderResults) -> pd.DataFrame:
    """Complaints by month, type and location in one long table: breakdown, category, count."""
    rows = [{"breakdown": name, "category": cat, "count": value}
            for key, name in _BREAKDOWNS for cat, value in pairs((results.kpis or {}).get(key))]
    return pd.DataFrame(rows, columns=["breakdown", "category", "count"])


def section_rows(results: ProviderResults) -> pd.DataFrame:
    """Section scores with %, RAG and a total row."""
    rows = [{"section": s.id, "name": s.name, "score": s.score, "max_points": s.max_points,
             "pct": s.pct, "answered": s.answered, "rag": SECTION_RAG.status(s.pct)}
            for s in results.sections]
    total, top = results.total_score, results.max_score
    if results.sections or total is not None:
        pct = round(100 * total / top, 1) if total is not None and top else None
        rows.append({"section": "Total", "name": "", "score": total, "max_points": top or None,
                     "pct": pct, "answered": sum(s.answered for s in results.sections),
                     "rag": SECTION_RAG.status(pct)})
    return pd.DataFrame(rows, columns=["section", "name", "score", "max_points", "pct", "answered",
                                       "rag"])


def total_text(results: ProviderResults) -> str:
    """The total as the auditor says it: "63/85" (or "not scored")."""
    if results.total_score is None:
        return "not scored"
    return f"{results.total_score}/{results.max_score}"


def themes_frame(themes: Any) -> pd.DataFrame:
    """The themes result as a table, whatever its shape (frame, dataclass, dict, list)."""
    if themes is None:
        return pd.DataFrame()
    if isinstance(themes, pd.DataFrame):
        return themes
    for attr in ("to_frame", "frame", "table", "summary"):
        found = getattr(themes, attr, None)
        if callable(found):
            try:
                found = found()
            except TypeError:
                found = None
        if isinstance(found, pd.DataFrame):
            return found
    if dataclasses.is_dataclass(themes):
        for f in dataclasses.fields(themes):
            value = getattr(themes, f.name)
            if isinstance(value, pd.DataFrame):
                return value
        return pd.DataFrame([{f.name: getattr(themes, f.name) for f in dataclasses.fields(themes)
                              if _scalar(getattr(themes, f.name))}])
    if isinstance(themes, Mapping):
        return pd.DataFrame(pairs(themes), columns=["theme", "value"])
    if isinstance(themes, list):
        return pd.DataFrame(themes)
    return pd.DataFrame()


FAILED_COLUMNS = ("id", "section_name", "text", "evidence_expected", "commentary", "action",
                  "owner", "due", "status")
FAILED_HEADERS = {"id": "Item", "section_name": "Section", "text": "Requirement",
                  "evidence_expected": "Evidence expected", "commentary": "Commentary",
                  "action": "Improvement action", "owner": "Owner", "due": "Due",
                  "status": "Action status"}
FAILED_STATUS_COLOURS = {"open": "amber", "overdue": "red", "no action": "red"}


def failed_items_frame(results: ProviderResults) -> pd.DataFrame:
    """The items answered No with their actions, one row each (evidence expected joined, the
    due date a date)."""
    rows = [{**item, "evidence_expected": "; ".join(item.get("evidence_expected") or []),
             "due": dt.date.fromisoformat(item["due"]) if item.get("due") else None}
            for item in results.failed_items]
    return pd.DataFrame(rows, columns=list(FAILED_COLUMNS))


def failed_text(results: ProviderResults) -> str:
    """How many items were scored No and how their actions stand, in words: "34 (2 with an
    overdue action)", "none", "not scored"."""
    if results.total_score is None:
        return "not scored"
    items = results.failed_items
    if not items:
        return "none"
    detail = failed_detail(results)
    return f"{len(items)}" + (f" ({detail})" if detail else "")


def failed_detail(results: ProviderResults) -> str:
    """The No items' actions that need attention, in words ("" when every one has an open
    action): "2 with an overdue action, 1 without an action"."""
    items = results.failed_items
    overdue = sum(1 for i in items if i["status"] == "overdue")
    missing = sum(1 for i in items if i["status"] == "no action")
    parts = [f"{overdue} with an overdue action"] if overdue else []
    parts += [f"{missing} without an action"] if missing else []
    return ", ".join(parts)


def _items(results: ProviderResults) -> pd.DataFrame:
    items = results.items if isinstance(results.items, pd.DataFrame) else pd.DataFrame()
    cols = [c for c in ITEM_COLUMNS if c in items.columns]
    extra = [c for c in items.columns if c not in ITEM_COLUMNS]
    frame = items[cols + extra].copy() if len(items.columns) else pd.DataFrame(
        columns=list(ITEM_COLUMNS))
    if "answer" in frame.columns:
        frame["answer"] = frame["answer"].map(_answer_text).astype(object)
    return frame


def _answer_text(value: Any) -> Any:
    if isinstance(value, numbers.Number) and not pd.isna(value):
        return {1: "yes", 0: "no"}.get(int(value), value) if value in (0, 1) else value
    return value


def write_scorecard(results: ProviderResults, path: str | Path) -> Path:
    """Write the provider's scorecard workbook atomically and return its path."""
    wb = new_workbook()

    ws = wb.create_sheet("Summary")
    title = put(ws.cell(row=1, column=1), f"Complaints handling scorecard: {results.provider_name}")
    title.font = Font(bold=True, size=14)
    details = [("Provider", results.provider_name), ("Provider id", results.provider_id),
               ("Service type", results.service_type), ("Period", results.period),
               ("As of", results.as_of), ("Service users", results.service_users),
               ("Rubric", f"{results.rubric_id} {results.rubric_version}".strip()),
               ("Total score", total_text(results)),
               ("Items scored No", failed_text(results)), ("Audience", AUDIENCE)]
    if results.last_updated:
        details.append(("Last updated", results.last_updated))
    if results.last_updated_by:
        details.append(("Last updated by", results.last_updated_by))
    header_row = write_pairs(ws, details, start_row=3) + 1
    write_frame(ws, section_rows(results), start_row=header_row,
                headers={"section": "Section", "name": "Name", "score": "Score",
                         "max_points": "Max", "pct": "%", "answered": "Answered", "rag": "RAG"},
                number_formats={"pct": PCT_FORMAT}, rag={"pct": SECTION_RAG},
                text_rag={"rag": RAG_COLOURS})

    if results.stages:
        ws = wb.create_sheet("Regime")
        put(ws.cell(row=1, column=1), results.stages.get("title", "")).font = Font(bold=True)
        row = write_pairs(ws, [(f"Clock {i + 1}", line) for i, line in
                               enumerate(results.stages.get("clocks") or [])], start_row=2)
        write_frame(ws, stage_table(results), start_row=row + 1)
    if results.returns:
        ws = wb.create_sheet("Returns")
        write_frame(ws, returns_table(results), wrap=("Definition", "Counted over"))

    ws = wb.create_sheet("Scored No")
    write_frame(ws, failed_items_frame(results), headers=FAILED_HEADERS,
                text_rag={"status": FAILED_STATUS_COLOURS},
                wrap=("text", "evidence_expected", "commentary", "action"))

    ws = wb.create_sheet("Items")
    write_frame(ws, _items(results),
                headers={"id": "Item", "section": "Section", "text": "Item text",
                         "answer": "Answer", "evidence": "Evidence", "commentary": "Commentary"},
                text_rag={"answer": ANSWER_COLOURS}, wrap=("text", "evidence", "commentary"))

    ws = wb.create_sheet("KPIs")
    kpis = kpi_rows(results).drop(columns=["key"])
    write_frame(ws, kpis, headers={"group": "Group", "measure": "Measure", "value": "Value",
                                   "target": "Target", "rag": "RAG",
                                   "coverage": "Counted over"},
                number_formats={"value": "0.0##"}, text_rag={"rag": RAG_COLOURS})

    ws = wb.create_sheet("Breakdown")
    write_frame(ws, breakdown_rows(results),
                headers={"breakdown": "Breakdown", "category": "Category", "count": "Complaints"})

    if isinstance(results.by_period, pd.DataFrame) and not results.by_period.empty:
        ws = wb.create_sheet("By quarter")
        by_period = results.by_period
        named_index = by_period.index.name is not None or not isinstance(
            by_period.index, pd.RangeIndex)
        write_frame(ws, by_period, index=named_index)

    ws = wb.create_sheet("Root causes")
    write_frame(ws, results.pareto if isinstance(results.pareto, pd.DataFrame) else pd.DataFrame(),
                headers={"cause": "Cause id", "label": "Root cause", "count": "Complaints",
                         "pct": "%", "cum_pct": "Cumulative %", "cumulative_pct": "Cumulative %"},
                number_formats={"pct": PCT_FORMAT, "cum_pct": PCT_FORMAT,
                                "cumulative_pct": PCT_FORMAT})

    ws = wb.create_sheet("Themes")
    write_frame(ws, themes_frame(results.themes).drop(columns=["examples"], errors="ignore"),
                headers=THEME_HEADERS, number_formats={"share": "0.0%"}, wrap=("terms",))
    for title, attr in (("Theme emergence", "emerging"), ("Types by quarter", "types"),
                        ("Type emergence", "emerging_types")):
        frame = theme_table(results.themes, attr)
        if isinstance(frame, pd.DataFrame) and not frame.empty:
            write_frame(wb.create_sheet(title), frame, headers=THEME_HEADERS,
                        number_formats={"share": "0.0%", "baseline_share": "0.0%",
                                        "p_value": "0.0000", "ratio": "0.00", "z": "0.00"})

    ws = wb.create_sheet("Actions")
    actions = results.actions if isinstance(results.actions, pd.DataFrame) else pd.DataFrame()
    write_frame(ws, actions, headers=ACTION_HEADERS, text_rag={"status": ACTION_STATUS_COLOURS},
                wrap=("action", "actions", "learning", "description"))
    summary = [(label(str(k)), v) for k, v in (results.actions_summary or {}).items()
               if _scalar(v)]
    if summary:
        start = len(actions) + 3
        put(ws.cell(row=start, column=1), "Summary").font = Font(bold=True)
        write_pairs(ws, summary, start_row=start + 1)

    ws = wb.create_sheet("Data issues")
    issues = results.issues if isinstance(results.issues, pd.DataFrame) else pd.DataFrame()
    write_frame(ws, issues, headers=ISSUE_HEADERS, wrap=("message",))
    return save_workbook(wb, path)
