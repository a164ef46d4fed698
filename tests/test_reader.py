"""Reading raw register tables: formats, encodings, header search, row numbers, read errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.conftest import run_cli
from workbench.core.errors import InputFileError
from workbench.register.loader import load_register
from workbench.register.reader import read_table, sniff_delimiter

CORPUS = Path(__file__).resolve().parent / "data" / "registers"


@pytest.mark.parametrize(("name", "reason"), [
    ("missing.csv", "file not found"),
    ("empty.csv", "is empty (0 bytes)"),
    ("no_header.csv", "no recognisable header in the first 30 rows: no row names the register's "
                      "columns (write a mapping file, see `workbench register map`)"),
    ("fake.xlsx", "is a PDF, not a spreadsheet: export the register from Excel as .xlsx or .csv"),
    ("register.docx", "is a word-processor document, not a spreadsheet: save the register as "
                      ".xlsx or .csv"),
    ("encrypted.xlsx", "is password-protected: open it in Excel, remove the password "
                       "(File > Info > Protect Workbook > Encrypt with Password) and save again"),
])
def test_unreadable_files_raise_with_the_reason(name, reason):
    path = CORPUS / name
    with pytest.raises(InputFileError) as exc:
        read_table(path)
    assert exc.value.message == f"{path}: {reason}"
    assert exc.value.exit_code == 2
    cli = run_cli("register", "check", str(path))
    assert cli.returncode == 2
    assert cli.stdout == ""
    assert cli.stderr == f"error: {path}: {reason}\n"


def test_unknown_extension_for_text(tmp_path):
    path = tmp_path / "register.docx"
    path.write_text("Reference,Date received\nA-1,01/04/2024\n")
    with pytest.raises(InputFileError, match=r"unsupported file type '.docx': save the register "
                                              r"as .xlsx, .xls, .ods or .csv"):
        read_table(path)


def test_encrypted_corpus_file_is_an_ole2_compound_file():
    head = (CORPUS / "encrypted.xlsx").read_bytes()[:8]
    assert head == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def test_header_only_loads_with_no_rows_and_a_warning():
    reg = load_register(CORPUS / "header_only.csv")
    assert reg.rows == 0
    assert reg.issues == []
    assert reg.warnings == ["the register has a header but no data rows"]
    assert list(reg.frame.columns)[-1] == "_row"


def test_cp1252_csv_keeps_pound_signs_and_smart_quotes():
    raw = read_table(CORPUS / "cp1252.csv")
    assert raw.encoding == "cp1252"
    reg = load_register(CORPUS / "cp1252.csv")
    assert reg.frame["summary"].tolist() == ["Charged £50 for “extra” care",
                                             "Carer’s visit missed – twice"]
    assert reg.frame["outcome"].tolist() == ["upheld", "not_upheld"]
    assert reg.frame["_row"].tolist() == [2, 3]


def test_utf8_bom_is_not_part_of_the_first_header():
    raw = read_table(CORPUS / "utf8_bom.csv")
    assert raw.encoding == "utf-8-sig"
    assert raw.headers == ["Reference", "Date received", "Summary"]
    assert load_register(CORPUS / "utf8_bom.csv").frame["summary"].tolist() == ["Café closed"]


def test_semicolon_csv_with_commas_in_values():
    raw = read_table(CORPUS / "semicolon.csv")
    assert raw.delimiter == ";"
    reg = load_register(CORPUS / "semicolon.csv")
    assert reg.frame["location"].tolist() == ["Home A, Leeds", "Home B, York"]


@pytest.mark.parametrize(("sample", "delimiter"), [
    ("a,b,c\n1,2,3\n", ","), ("a;b;c\n1;2,5;3\n", ";"), ("a\tb\tc\n1\t2\t3\n", "\t"),
    ("a|b|c\n1|2|3\n", "|"), ('a,b\n"x;y;z",2\n', ","),
])
def test_sniff_delimiter(sample, delimiter):
    assert sniff_delimiter(sample) == delimiter


def test_embedded_newlines_keep_excel_row_numbers():
    reg = load_register(CORPUS / "embedded_newlines.csv", as_of=dt.date(2024, 6, 30))
    assert reg.frame["_row"].tolist() == [2, 3, 4, 5]
    assert reg.frame["summary"].tolist() == ["First line\nsecond line", "One line",
                                             "Para one\n\nPara two", "Last"]
    assert [(i.row, i.column, i.check, i.value, i.message) for i in reg.issues] == [
        (4, "Date received", "invalid_date", "31/04/2024",
         "not a valid date: April 2024 has no day 31")]


def test_title_rows_sheet_detection_and_blank_rows():
    reg = load_register(CORPUS / "title_rows.xlsx", as_of=dt.date(2024, 6, 30))
    assert (reg.sheet, reg.header_row) == ("Complaints log", 4)
    assert reg.frame["reference"].tolist() == ["T-1", "T-2", "T-3"]
    assert reg.frame["_row"].tolist() == [5, 6, 8]
    assert reg.frame["outcome"].tolist() == ["upheld", "not_upheld", "partly_upheld"]
    assert [(i.row, i.column, i.check, i.severity, i.message) for i in reg.issues] == [
        (8, "Date received", "invalid_date", "error",
         "not a valid date: February 2024 has no day 31")]


def test_sheet_named_by_the_mapping(tmp_path):
    mapping = tmp_path / "m.yaml"
    mapping.write_text("sheet: Notes\n")
    with pytest.raises(InputFileError, match="no recognisable header"):
        load_register(CORPUS / "title_rows.xlsx", mapping)
    mapping.write_text("sheet: Nope\n")
    with pytest.raises(InputFileError, match=r"has no sheet named 'Nope' \(sheets: Notes, "
                                             r"Complaints log\)"):
        load_register(CORPUS / "title_rows.xlsx", mapping)


def test_merged_header_cells_take_the_merged_value():
    raw = read_table(CORPUS / "merged_header.xlsx")
    assert raw.header_row == 3
    assert raw.headers == ["Ref", "Received", "Acknowledged", "Closed", "Outcome"]
    reg = load_register(CORPUS / "merged_header.xlsx", as_of=dt.date(2024, 6, 30))
    assert reg.mapping.columns == {"reference": "Ref", "date_received": "Received",
                                   "date_acknowledged": "Acknowledged", "outcome": "Outcome",
                                   "date_closed": "Closed"}
    assert reg.frame["_row"].tolist() == [4, 5]
    assert [(i.row, i.column, i.check, i.value, i.message) for i in reg.issues] == [
        (5, "Acknowledged", "date_before_received", "2024-04-01",
         "date acknowledged is before the date received (5 Apr 2024)")]


def test_1904_date_system_applies_to_numbers_in_date_columns():
    raw = read_table(CORPUS / "date1904.xlsx")
    assert raw.date1904 is True
    reg = load_register(CORPUS / "date1904.xlsx", as_of=dt.date(2024, 6, 30))
    assert reg.frame["date_received"].tolist() == [dt.datetime(2024, 4, 3), dt.datetime(2024, 4, 3)]
    assert reg.frame["date_closed"].dt.date.tolist()[0] == dt.date(2024, 4, 5)
    assert reg.issues == []


def test_1900_serials_and_the_phantom_leap_day():
    reg = load_register(CORPUS / "serials.xlsx", as_of=dt.date(2024, 6, 30))
    assert read_table(CORPUS / "serials.xlsx").date1904 is False
    assert reg.frame["date_received"].dt.date.tolist() == [dt.date(2024, 4, 3)] * 2
    assert reg.frame["date_closed"].dt.date.tolist()[1] == dt.date(2024, 4, 5)
    assert [(i.row, i.column, i.check, i.value, i.message) for i in reg.issues] == [
        # the one date typed as text could be either order, and nothing shows which
        (None, "Date closed", "ambiguous_date", None,
         '1 date could be day-first or month-first (e.g. "5/4/2024") and no date in the file '
         "shows which; read day-first (the UK default): the mapping must state the order, "
         "`dates: dayfirst` or `dates: monthfirst`"),
        (2, "Date closed", "invalid_date", "60",
         "not a valid date: Excel day 60 is 29 February 1900, which never existed")]


def test_leading_empty_rows_do_not_shift_row_numbers(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["C5"], ws["D5"] = "Reference", "Date received"
    ws["C6"], ws["D6"] = "X-1", dt.date(2024, 4, 3)
    ws["C9"], ws["D9"] = "X-2", "nope"
    wb.save(tmp_path / "offset.xlsx")
    reg = load_register(tmp_path / "offset.xlsx", as_of=dt.date(2024, 6, 30))
    assert reg.header_row == 5
    assert reg.frame["_row"].tolist() == [6, 9]
    assert [(i.row, i.column, i.check) for i in reg.issues] == [(9, "Date received",
                                                                "invalid_date")]


def test_gzipped_csv_and_header_row_from_mapping(tmp_path):
    import gzip

    (tmp_path / "r.csv.gz").write_bytes(gzip.compress(
        b"Exported 2024-07-01\n\nCase,When\nG-1,2024-04-03\nG-2,2024-04-04\n"))
    (tmp_path / "m.yaml").write_text(
        "header_row: 3\ndates: iso\ncolumns: {reference: Case, date_received: When}\n")
    reg = load_register(tmp_path / "r.csv.gz", tmp_path / "m.yaml", as_of=dt.date(2024, 6, 30))
    assert reg.header_row == 3
    assert reg.frame["reference"].tolist() == ["G-1", "G-2"]
    assert reg.frame["_row"].tolist() == [4, 5]
    assert reg.issues == []


def test_ragged_csv(tmp_path):
    # extra cells near the top become columns named by their letter, as Excel shows them
    path = tmp_path / "r.csv"
    path.write_text("Reference,Date received\nA-1,01/04/2024\nA-2,02/04/2024,extra,cells\n")
    assert read_table(path).headers == ["Reference", "Date received", "(column C)", "(column D)"]
    # further down, a wider row is an error naming its row
    path.write_text("Reference,Date received\n" + "A-1,01/04/2024\n" * 40 + "A-2,x,extra\n")
    with pytest.raises(InputFileError) as exc:
        read_table(path)
    assert exc.value.message == (f"{path}: could not be read as comma-separated text: row 42 has "
                                 "3 cells but the header has 2")


def test_header_row_far_down_a_csv(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("".join(f"note {i}\n" for i in range(40))
                    + "Reference,Date received\nA-1,13/04/2024\n")
    (tmp_path / "m.yaml").write_text("header_row: 41\n")
    reg = load_register(path, tmp_path / "m.yaml", as_of=dt.date(2024, 6, 30))
    assert (reg.header_row, reg.frame["_row"].tolist(), reg.issues) == (41, [42], [])


def test_two_row_header_is_joined(tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("Case,Date,Date,Decision\nreference,received,closed,\n"
                    "A-1,01/04/2024,02/04/2024,Upheld\n")
    raw = read_table(path)
    assert (raw.header_row, raw.headers) == (1, ["Case reference", "Date received", "Date closed",
                                                 "Decision"])
    assert raw.rows.tolist() == [3]
