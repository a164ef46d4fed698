"""Validation: every check of the schema, run lazily, with exact report rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from workbench.register.loader import load_register

CORPUS = Path(__file__).resolve().parent / "data" / "registers"
AS_OF = dt.date(2024, 6, 30)


def rows(reg):
    return [(i.row, i.column, i.field, i.check, i.value, i.message, i.severity)
            for i in reg.issues]


def test_messy_register_reports_every_failure():
    reg = load_register(CORPUS / "messy.csv", as_of=AS_OF)
    assert rows(reg) == [
        (3, "Date Received", "date_received", "required_missing", None,
         "required value missing", "error"),
        (4, "Date acknowledged", "date_acknowledged", "date_before_received", "01/04/2024",
         "date acknowledged is before the date received (5 Apr 2024)", "error"),
        (4, "Escalated?", "escalated", "unknown_value", "Perhaps",
         "unknown escalated value; expected one of yes, no", "error"),
        (4, "Outcome", "outcome", "unknown_value", "Maybe",
         "unknown outcome value; expected one of upheld, partly_upheld, not_upheld", "error"),
        (4, "Service users", "service_users", "invalid_number", "twelve",
         "not a whole number", "error"),
        (5, "Ref No.", "reference", "required_missing", None, "required value missing", "error"),
        (6, "Date Received", "date_received", "received_after_as_of", "01/08/2024",
         "date received is after 30 Jun 2024", "error"),
        (7, "Date Received", "date_received", "late_complaint", "10/05/2024",
         "complaint made more than 12 months after the event", "warning"),
    ]
    assert reg.error_rows("date_received") == {3, 6}
    assert reg.error_rows() == {3, 4, 5, 6}


def test_messy_register_frame_contract():
    reg = load_register(CORPUS / "messy.csv", as_of=AS_OF, identities=True)
    f = reg.frame
    assert f["_row"].tolist() == [2, 3, 4, 5, 6, 7, 8]
    assert f["record_kind"].tolist() == ["complaint"] * 6 + ["compliment"]
    assert f["stage"].tolist() == ["1", "1", "1", "2", pd.NA, "1", "ombudsman"]
    # escalated: the source says so, or a later stage is recorded; the column is marked only
    # when true, so C-005's blank is No; C-003's "Perhaps" is an unknown value (not known)
    assert f["escalated"].tolist() == [False, False, pd.NA, True, False, False, True]
    assert f["service_users"].tolist() == [12, 12, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA]
    assert str(f["date_received"].dtype) == "datetime64[ns]"
    assert str(f["escalated"].dtype) == "boolean"
    assert str(f["service_users"].dtype) == "Int64"
    assert str(f["outcome"].dtype) == "string"
    assert f["date_received"].iloc[1] is pd.NaT
    assert f["outcome"].tolist()[:4] == ["upheld", "not_upheld", pd.NA, "partly_upheld"]
    assert f["complainant_name"].iloc[0] == "Jane Smith"
    issues = reg.issues_frame()
    assert list(issues.columns) == ["row", "column", "field", "check", "value", "message",
                                    "severity"]
    assert len(issues) == 8


def test_every_schema_field_is_a_frame_column():
    from workbench.register.schema import load_schema

    reg = load_register(CORPUS / "duplicates.csv", as_of=AS_OF)
    assert list(reg.frame.columns) == [*load_schema().fields, "_row"]
    assert reg.frame["summary"].isna().all() and str(reg.frame["summary"].dtype) == "string"
    assert str(reg.frame["date_closed"].dtype) == "datetime64[ns]"


def test_duplicate_references_name_the_other_row():
    reg = load_register(CORPUS / "duplicates.csv", as_of=AS_OF)
    assert rows(reg) == [
        # every date is in the first 12 days of a month, so the mapping must state the order
        (None, "Date received", "date_received", "ambiguous_date", None,
         "4 dates could be day-first or month-first (e.g. \"01/04/2024\") and no date in the "
         "file shows which; read day-first (the UK default): the mapping must state the order, "
         "`dates: dayfirst` or `dates: monthfirst`", "warning"),
        (2, "Reference", "reference", "duplicate_reference", "A-1",
         "duplicate reference (also on row 4)", "error"),
        (4, "Reference", "reference", "duplicate_reference", "A-1",
         "duplicate reference (also on row 2)", "error"),
        (6, "Reference", "reference", "duplicate_reference", "A-1",
         "duplicate reference (also on row 2)", "error"),
    ]


FLIPPED = ("dates look month-first (MM/DD/YYYY): 1 date is impossible day-first but valid "
           'month-first; but "Date received" looks day-first and one order applies to the whole '
           "file: correct the dates that disagree (until then they are not used")


def test_impossible_and_ambiguous_dates():
    # (issue 14) "Date closed" shows only month-first ("04/13/2024"), so with no order stated its
    # ambiguous dates follow it (5 Jun became 6 May); "Date received" shows day-first ("31/02")
    reg = load_register(CORPUS / "dates.csv", as_of=AS_OF)
    assert rows(reg) == [
        (None, "Date closed", "date_closed", "ambiguous_date", None,
         FLIPPED + ", and 2 ambiguous dates were read month-first, like the rest of their "
         "column)", "warning"),
        (2, "Date closed", "date_closed", "invalid_date", "04/13/2024",
         "not a valid date: there is no month 13", "error"),
        (3, "Date received", "date_received", "invalid_date", "31/02/2024",
         "not a valid date: February 2024 has no day 31", "error"),
        (4, "Date closed", "date_closed", "ambiguous_date", "05/06/2024",
         "date could be day-first or month-first; read as 6 May 2024 (month-first, like the "
         "rest of the column)", "warning"),
        (5, "Date received", "date_received", "invalid_date", "TBC",
         "not a valid date: not a recognised date", "error"),
        (6, "Date closed", "date_closed", "ambiguous_date", "3.4.24",
         "date could be day-first or month-first; read as 4 Mar 2024 (month-first, like the "
         "rest of the column)", "warning"),
        (6, "Date closed", "date_closed", "date_before_received", "3.4.24",
         "date closed is before the date received (3 Apr 2024)", "error"),
    ]
    assert reg.frame["date_closed"].tolist()[2] == pd.Timestamp("2024-05-06")
    assert reg.frame["date_received"].tolist()[0] == pd.Timestamp("2024-04-03")
    # the explaining note and the rows it explains share a group (printed as one line)
    assert [i.row for i in reg.issues if i.group == "date_order"] == [None, 2, 4, 6]


def test_explicit_date_order_silences_ambiguity_warnings():
    reg = load_register(CORPUS / "dates.csv", CORPUS / "dates-dayfirst.yaml", as_of=AS_OF)
    assert [i.check for i in reg.issues] == ["ambiguous_date"] + ["invalid_date"] * 3
    assert reg.issues[0].message == FLIPPED + ")"  # no row warnings: the mapping states it
    assert reg.frame["date_closed"].tolist()[2] == pd.Timestamp("2024-06-05")


def test_missing_required_column_is_one_issue(tmp_path):
    (tmp_path / "r.csv").write_text("Reference,Outcome\nA-1,Upheld\nA-2,\n")
    reg = load_register(tmp_path / "r.csv", as_of=AS_OF)
    assert rows(reg) == [(None, None, "date_received", "required_missing", None,
                          "required column not found: no column holds the date received (add it "
                          "under columns: in the mapping)", "error")]


def test_personal_values_are_never_echoed(tmp_path):
    from workbench.core.paths import DATA_DIR
    from workbench.register.schema import parse_schema

    # a schema where the complainant's name must be unique, so a check fails on a personal field
    text = (DATA_DIR / "register_schema.yaml").read_text()
    text = text.replace("  complainant_name:\n    type: text\n",
                        "  complainant_name:\n    type: text\n    unique: true\n")
    (tmp_path / "schema.yaml").write_text(text)
    schema = parse_schema(tmp_path / "schema.yaml")
    (tmp_path / "r.csv").write_text("Reference,Date received,Complainant name\n"
                                    "A-1,13/04/2024,Jane Smith\nA-2,14/04/2024,Jane Smith\n")
    reg = load_register(tmp_path / "r.csv", as_of=AS_OF, schema=schema)
    assert rows(reg) == [
        (2, "Complainant name", "complainant_name", "duplicate_reference", None,
         "duplicate reference (also on row 3)", "error"),
        (3, "Complainant name", "complainant_name", "duplicate_reference", None,
         "duplicate reference (also on row 2)", "error"),
    ]
    assert not reg.frame["complainant_name"].str.contains("Jane").any()
