"""Excel helpers: formula-like texts stored as text, frame tables, RAG rules, atomic save."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from workbench.reports.excel import (
    Rag,
    csv_safe_value,
    is_formula_like,
    new_workbook,
    put,
    safe_cell_value,
    save_workbook,
    write_frame,
)

DANGEROUS = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\tcmd", "\r=1"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_formula_like_text_is_stored_as_text(tmp_path, text):
    wb = new_workbook()
    ws = wb.create_sheet("S")
    put(ws["A1"], text)
    path = save_workbook(wb, tmp_path / "x.xlsx")
    cell = openpyxl.load_workbook(path)["S"]["A1"]
    assert cell.data_type == "s"
    # read back as written: openpyxl writes through lxml (installed with python-docx), which
    # keeps a bare CR as &#13;
    assert cell.value == text
    assert is_formula_like(text)


def test_safe_cell_value_converts_missing_and_numpy():
    assert safe_cell_value(pd.NA) is None
    assert safe_cell_value(float("nan")) is None
    assert safe_cell_value(pd.NaT) is None
    assert safe_cell_value(pd.Series([3], dtype="int64").iloc[0]) == 3
    assert isinstance(safe_cell_value(pd.Timestamp("2024-05-01")), dt.datetime)
    assert safe_cell_value("bad\x01char") == "badchar"
    assert safe_cell_value(["a", "b"]) == "a; b"


def test_csv_safe_value_prefixes_formulas():
    assert csv_safe_value("=1+1") == "'=1+1"
    assert csv_safe_value("plain") == "plain"
    assert csv_safe_value(5) == 5


def test_write_frame_header_freeze_widths_formats_and_rag(tmp_path):
    frame = pd.DataFrame({"name": ["Alpha", "=cmd|' /C calc'!A0", "Gamma"],
                          "pct": [95.0, 70.0, 40.0], "n": [1, 2, 3],
                          "when": pd.to_datetime(["2024-04-01", "2024-05-01", None])})
    wb = new_workbook()
    ws = wb.create_sheet("T")
    first, last = write_frame(ws, frame, headers={"pct": "Percent"},
                              rag={"pct": Rag(90, 60)}, number_formats={"pct": "0.0"})
    assert (first, last) == (2, 4)
    path = save_workbook(wb, tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(path)["T"]
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == ["name", "Percent", "n", "when"]
    assert ws["A3"].data_type == "s" and ws["A3"].value.startswith("=cmd")
    assert ws["B2"].value == 95.0 and ws["B2"].number_format == "0.0"
    assert ws["D2"].value == dt.datetime(2024, 4, 1) and ws["D4"].value is None
    assert ws.column_dimensions["A"].width >= len("=cmd|' /C calc'!A0")
    rules = [r for rng in ws.conditional_formatting for r in rng.rules]
    assert len(rules) == 3
    ranges = {str(rng.sqref) for rng in ws.conditional_formatting}
    assert ranges == {"B2:B4"}
    formulas = " ".join(f for r in rules for f in r.formula)
    assert "B2>=90" in formulas and "B2<60" in formulas and "ISNUMBER(B2)" in formulas


def test_rag_status_both_directions():
    up = Rag(90, 60)
    assert [up.status(v) for v in (95, 90, 75, 10, None, "<5")] == [
        "green", "green", "amber", "red", None, None]
    down = Rag(0, 2, higher_is_better=False)
    assert [down.status(v) for v in (0, 1, 2, 3)] == ["green", "amber", "amber", "red"]


def test_save_is_atomic_and_leaves_no_temp(tmp_path):
    wb = new_workbook()
    wb.create_sheet("A")
    save_workbook(wb, tmp_path / "out" / "a.xlsx")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["a.xlsx"]


def test_instants_from_the_store_are_written_in_uk_time(tmp_path):
    """The store keeps UTC instants; Excel has no time zones: cells show UK local time."""
    summer = dt.datetime(2024, 7, 1, 12, 0, tzinfo=dt.UTC)
    winter = pd.Timestamp("2025-01-15T09:30:00+00:00")
    assert safe_cell_value(summer) == dt.datetime(2024, 7, 1, 13, 0)  # BST
    assert safe_cell_value(winter) == dt.datetime(2025, 1, 15, 9, 30)  # GMT
    wb = new_workbook()
    put(wb.create_sheet("T")["A1"], summer)
    path = save_workbook(wb, tmp_path / "t.xlsx")
    assert openpyxl.load_workbook(path)["T"]["A1"].value == dt.datetime(2024, 7, 1, 13, 0)
