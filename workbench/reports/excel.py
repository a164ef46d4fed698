"""Excel output helpers: injection-safe cells, frame-to-sheet tables, RAG formatting, saving."""

from __future__ import annotations

import datetime as dt
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from workbench.core.atomic import atomic_path

# A text starting with one of these is read by Excel (or LibreOffice) as a formula or DDE call.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

PCT_FORMAT = "0.0"
FLOAT_FORMAT = "0.0"
INT_FORMAT = "0"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

RED = "FFC7CE"
AMBER = "FFEB9C"
GREEN = "C6EFCE"
_FILLS = {"red": PatternFill("solid", start_color=RED, end_color=RED),
          "amber": PatternFill("solid", start_color=AMBER, end_color=AMBER),
          "green": PatternFill("solid", start_color=GREEN, end_color=GREEN)}
_FONTS = {"red": Font(color="9C0006"), "amber": Font(color="9C5700"), "green": Font(color="006100")}
_HEADER_FILL = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")


UK_TIME = ZoneInfo("Europe/London")


def is_formula_like(value: Any) -> bool:
    """True for a text Excel would run as a formula: it starts with = + - @ tab or CR."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def safe_cell_value(value: Any) -> Any:
    """A value openpyxl can store: NA/NaN/NaT -> None, numpy/pandas scalars -> Python ones,
    characters XML forbids removed from text. Texts stay texts; ``put`` stores the formula-like
    ones (``is_formula_like``) as text cells so they are never formulas."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        # Excel has no time zones: a stored instant (the store keeps UTC) is shown as UK time
        return value.astimezone(UK_TIME).replace(tzinfo=None)
    if isinstance(value, (str, bool, numbers.Number, dt.date, dt.datetime, dt.time)):
        return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value
    if isinstance(value, (list, tuple, set)):
        return ILLEGAL_CHARACTERS_RE.sub("", "; ".join(str(v) for v in value))
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def put(cell: Cell, value: Any, number_format: str | None = None) -> Cell:
    """Write ``value`` to ``cell`` safely: a formula-like text is stored as a text cell
    (data type "s", quote prefix), never as a formula."""
    value = safe_cell_value(value)
    cell.value = value
    if isinstance(value, str):
        if is_formula_like(value) or cell.data_type == "f":
            cell.data_type = "s"
            cell.quotePrefix = True
    elif number_format and value is not None:
        cell.number_format = number_format
    elif isinstance(value, dt.datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, dt.date):
        cell.number_format = DATE_FORMAT
    return cell


def csv_safe_value(value: Any) -> Any:
    """The CSV counterpart of ``put``: a formula-like text gets a leading apostrophe."""
    value = safe_cell_value(value)
    return f"'{value}" if is_formula_like(value) else value


@dataclass(frozen=True)
class Rag:
    """Red/amber/green thresholds. Higher is better: >= green is green, >= amber is amber,
    else red. Lower is better: <= green is green, <= amber is amber, else red."""

    green: float
    amber: float
    higher_is_better: bool = True

    def status(self, value: Any) -> str | None:
        """"green", "amber" or "red" for a number; None for anything else (blank, "<5")."""
        if isinstance(value, bool) or not isinstance(value, numbers.Number):
            return None
        if isinstance(value, float) and math.isnan(value):
            return None
        if self.higher_is_better:
            return "green" if value >= self.green else "amber" if value >= self.amber else "red"
        return "green" if value <= self.green else "amber" if value <= self.amber else "red"


def add_rag(ws: Worksheet, cell_range: str, rag: Rag) -> None:
    """Colour the numeric cells of ``cell_range`` (e.g. "E2:E20") red/amber/green; text
    cells (blank, "<5") stay uncoloured."""
    first = cell_range.split(":")[0].replace("$", "")
    num = f"ISNUMBER({first})"
    if rag.higher_is_better:
        rules = {"green": f"AND({num},{first}>={rag.green})",
                 "amber": f"AND({num},{first}>={rag.amber},{first}<{rag.green})",
                 "red": f"AND({num},{first}<{rag.amber})"}
    else:
        rules = {"green": f"AND({num},{first}<={rag.green})",
                 "amber": f"AND({num},{first}>{rag.green},{first}<={rag.amber})",
                 "red": f"AND({num},{first}>{rag.amber})"}
    for colour, formula in rules.items():
        ws.conditional_formatting.add(
            cell_range, FormulaRule(formula=[formula], fill=_FILLS[colour], font=_FONTS[colour],
                                    stopIfTrue=True))


def add_text_rag(ws: Worksheet, cell_range: str, colours: Mapping[str, str]) -> None:
    """Colour cells whose text equals a key of ``colours`` (e.g. {"overdue": "red"})."""
    first = cell_range.split(":")[0].replace("$", "")
    for text, colour in colours.items():
        escaped = str(text).replace('"', '""')
        ws.conditional_formatting.add(
            cell_range, FormulaRule(formula=[f'LOWER(TRIM({first}))="{escaped.lower()}"'],
                                    fill=_FILLS[colour], font=_FONTS[colour], stopIfTrue=True))


def _default_format(series: pd.Series) -> str | None:
    if pd.api.types.is_bool_dtype(series):
        return None
    if pd.api.types.is_integer_dtype(series):
        return INT_FORMAT
    if pd.api.types.is_float_dtype(series):
        return FLOAT_FORMAT
    if pd.api.types.is_datetime64_any_dtype(series):
        return DATE_FORMAT
    return None


def _width(values: list[Any], header: str, min_width: int, max_width: int) -> float:
    longest = len(str(header))
    for v in values[:500]:
        if v is None:
            continue
        text = f"{v:.1f}" if isinstance(v, float) else str(v)
        longest = max(longest, max((len(line) for line in text.splitlines()), default=0))
    return float(min(max(longest + 2, min_width), max_width))


def _sized(ws: Worksheet) -> set[str]:
    """Column letters this module has already sized on ``ws`` (a later table only widens)."""
    if not hasattr(ws, "_workbench_sized"):
        ws._workbench_sized = set()  # type: ignore[attr-defined]
    return ws._workbench_sized  # type: ignore[attr-defined]


def write_frame(ws: Worksheet, frame: pd.DataFrame, *, start_row: int = 1, start_col: int = 1,
                headers: Mapping[str, str] | None = None,
                number_formats: Mapping[str, str] | None = None,
                rag: Mapping[str, Rag] | None = None,
                text_rag: Mapping[str, Mapping[str, str]] | None = None,
                wrap: tuple[str, ...] = (), freeze: bool = True,
                min_width: int = 8, max_width: int = 60, index: bool = False) -> tuple[int, int]:
    """Write ``frame`` as a table: bold header row (labels from ``headers``), frozen below the
    header when ``freeze``, column widths from the content, number formats (per column, else by
    dtype), RAG conditional formatting per column, every text cell injection-safe.
    Returns (first data row, last data row)."""
    if index:
        frame = frame.reset_index()
    headers = headers or {}
    number_formats = number_formats or {}
    columns = [str(c) for c in frame.columns]
    for j, col in enumerate(columns):
        cell = ws.cell(row=start_row, column=start_col + j)
        put(cell, headers.get(col, col))
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    first = start_row + 1
    for j, col in enumerate(columns):
        series = frame.iloc[:, j]
        fmt = number_formats.get(col) or _default_format(series)
        values = [safe_cell_value(v) for v in series.tolist()]
        align = Alignment(wrap_text=True, vertical="top") if col in wrap else None
        for i, value in enumerate(values):
            cell = put(ws.cell(row=first + i, column=start_col + j), value, fmt)
            if align is not None:
                cell.alignment = align
        letter = get_column_letter(start_col + j)
        width = _width(values, headers.get(col, col), min_width, max_width)
        dim = ws.column_dimensions[letter]
        dim.width = max(width, dim.width) if letter in _sized(ws) else width
        _sized(ws).add(letter)
    last = first + len(frame) - 1
    if len(frame):
        for col, rule in (rag or {}).items():
            if col in columns:
                letter = get_column_letter(start_col + columns.index(col))
                add_rag(ws, f"{letter}{first}:{letter}{last}", rule)
        for col, colours in (text_rag or {}).items():
            if col in columns:
                letter = get_column_letter(start_col + columns.index(col))
                add_text_rag(ws, f"{letter}{first}:{letter}{last}", colours)
    if freeze:
        ws.freeze_panes = ws.cell(row=first, column=start_col)
    return first, last


def write_pairs(ws: Worksheet, pairs: list[tuple[str, Any]], *, start_row: int = 1) -> int:
    """Write label/value rows (a details block); returns the next free row."""
    for i, (label, value) in enumerate(pairs):
        put(ws.cell(row=start_row + i, column=1), label).font = Font(bold=True)
        put(ws.cell(row=start_row + i, column=2), value)
    width = float(min(max((len(p[0]) for p in pairs), default=8) + 2, 60))
    dim = ws.column_dimensions["A"]
    dim.width = max(width, dim.width) if "A" in _sized(ws) else width
    _sized(ws).add("A")
    return start_row + len(pairs)


def new_workbook() -> Workbook:
    """An empty workbook (its default sheet removed)."""
    wb = Workbook()
    wb.remove(wb.active)
    return wb


def save_workbook(wb: Workbook, path: str | Path) -> Path:
    """Save ``wb`` atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path
