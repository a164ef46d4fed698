"""Issue 14, truthful figures on real registers: mixed encodings, date order, value proposals.

Each register is a small file in tests/data/truth (written by make_truth.py beside them) whose
expected figures were worked out by hand from its rows (the row numbers are the spreadsheet's,
header = row 1).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from workbench.register.loader import load_register
from workbench.register.mapping import Mapping, load_mapping, propose_value
from workbench.register.reader import read_table, tidy_text
from workbench.register.schema import load_schema

TRUTH = Path(__file__).resolve().parent / "data" / "truth"
AS_OF = dt.date(2025, 1, 1)
D = pd.Timestamp


def _dates(reg, name):
    return [None if pd.isna(v) else v for v in reg.frame[name]]


# ---------------------------------------------------------------------------------------------
# encodings and category text


MIXED_NOTE = ("mixed text encodings: rows 5, 9 and 12 were read as Windows-1252, the rest as "
              "UTF-8")


def test_mixed_encoding_is_decoded_line_by_line_and_the_rows_named():
    raw = read_table(TRUTH / "mixed_encoding.csv")
    assert raw.encoding == "utf-8+cp1252"
    # row 3 spans two lines (a quoted line break), so rows and lines differ after it
    assert raw.warnings == [MIXED_NOTE]
    reg = load_register(TRUTH / "mixed_encoding.csv", as_of=AS_OF)
    assert reg.warnings == [MIXED_NOTE]
    assert reg.frame["_row"].tolist() == list(range(2, 14))
    summary = reg.frame["summary"].tolist()
    assert summary[0] == "Café visit missed"                  # UTF-8 row, not "CafÃ©"
    assert summary[3] == "Charged £40 – “extra”"              # Windows-1252 row 5
    assert summary[7] == "Café’s menu"                         # Windows-1252 row 9
    assert summary[10] == "£5 refund"                          # Windows-1252 row 12
    assert summary[4] == "Two  spaces"                         # free text keeps its spacing


def test_category_values_are_one_category_whatever_their_spaces():
    # '1\xa0(2015 Code numbers)' in UTF-8 (row 2) and Windows-1252 (rows 5, 12), with a plain
    # space (rows 3, 11) and with a full-width digit (row 10) are one category; likewise double
    # and edge spaces (rows 6, 7) and a no-break space (row 8)
    reg = load_register(TRUTH / "mixed_encoding.csv", as_of=AS_OF)
    assert reg.frame["type"].value_counts().to_dict() == {
        "1 (2015 Code numbers)": 6, "2 (Care planning)": 4, "3 (Staff attitude)": 2}
    assert reg.frame["outcome"].value_counts().to_dict() == {
        "upheld": 7, "not_upheld": 4, "partly_upheld": 1}
    assert reg.issues == []


def test_tidy_text():
    assert tidy_text("1\xa0(2015 Code numbers)") == "1 (2015 Code numbers)"
    assert tidy_text("  Care \t\n planning\u202f ") == "Care planning"
    assert tidy_text("１ (２０１５)") == "1 (2015)"


def test_check_prints_the_mixed_encoding_warning(cli):
    run = cli("register", "check", str(TRUTH / "mixed_encoding.csv"), "--as-of", "2025-01-01")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[1:4] == [
        "  rows: 12  complaints: 12  compliments: 0",
        f"  warning: {MIXED_NOTE}",
        "  issues: 0 errors, 0 warnings",
    ]


# ---------------------------------------------------------------------------------------------
# date order

# month_first.csv: 10 dates have a second number over 12 (only month-first: 04/15, 04/16,
# 05/20, 04/30, 05/13, 05/14, 07/15, 06/20, 09/25, 09/26), none a first one; 9 could be either
# (04/02, 04/03, 06/01, 06/03, 07/04, 07/08 twice, 08/09, 10/01); 08/08/2024 is the same both ways
MONTH_FIRST_NOTE = ("dates look month-first (MM/DD/YYYY): 10 dates are impossible day-first but "
                    "valid month-first; set `dates: monthfirst` in the mapping; until then they "
                    "are not used, and 9 ambiguous dates were read month-first, like the rest of "
                    "their column")


def test_map_proposes_monthfirst_from_the_values(cli):
    run = cli("register", "map", str(TRUTH / "month_first.csv"))
    assert run.returncode == 0, run.stderr
    assert ('dates: monthfirst      # 10 dates can only be month-first (e.g. "04/15/2024" on '
            "row 2), none day-first") in run.stdout.splitlines()


def test_check_explains_a_month_first_register_in_one_line(cli):
    run = cli("register", "check", str(TRUTH / "month_first.csv"), "--as-of", "2025-01-01")
    assert run.returncode == 1  # as for any register with errors
    assert run.stdout.splitlines()[1:] == [
        "  rows: 8  complaints: 8  compliments: 0",
        "  issues: 10 errors, 10 warnings",
        "    ambiguous_date           warning        10",
        "    invalid_date             error          10",
        "",
        "      row  severity check                  column                   message",
        "           warning  ambiguous_date         -                        " + MONTH_FIRST_NOTE
        + " [rows: 10 errors and 9 warnings, listed by --json]",
    ]
    # every row issue is still there for --json (and for the figures' exclusions)
    issues = json.loads(cli("register", "check", str(TRUTH / "month_first.csv"), "--json",
                            "--as-of", "2025-01-01").stdout)["issues"]
    assert issues[0] == {"row": None, "column": None, "check": "ambiguous_date", "value": None,
                         "message": MONTH_FIRST_NOTE, "severity": "warning"}
    assert [(i["row"], i["column"], i["value"]) for i in issues if i["check"] == "invalid_date"] \
        == [(2, "Date received", "04/15/2024"), (2, "Date acknowledged", "04/16/2024"),
            (2, "Date closed", "05/20/2024"), (3, "Date closed", "04/30/2024"),
            (4, "Date received", "05/13/2024"), (4, "Date acknowledged", "05/14/2024"),
            (5, "Date closed", "07/15/2024"), (6, "Date received", "06/20/2024"),
            (9, "Date received", "09/25/2024"), (9, "Date acknowledged", "09/26/2024")]


def test_month_first_without_the_mapping_reads_nothing_day_first():
    reg = load_register(TRUTH / "month_first.csv", as_of=AS_OF)
    # impossible day-first: not used; ambiguous: read month-first like the rest of the column
    assert _dates(reg, "date_received") == [None, D(2024, 4, 2), None, D(2024, 6, 1), None,
                                            D(2024, 7, 4), D(2024, 8, 8), None]
    assert _dates(reg, "date_closed") == [None, None, None, None, None, D(2024, 7, 8), None,
                                          D(2024, 10, 1)]
    assert reg.error_rows("date_received") == {2, 4, 6, 9}
    read = [(i.row, i.column, i.message) for i in reg.issues
            if i.check == "ambiguous_date" and i.row == 7]
    assert read == [
        (7, "Date received", "date could be day-first or month-first; read as 4 Jul 2024 "
                             "(month-first, like the rest of the column)"),
        (7, "Date acknowledged", "date could be day-first or month-first; read as 8 Jul 2024 "
                                 "(month-first, like the rest of the column)"),
        (7, "Date closed", "date could be day-first or month-first; read as 8 Jul 2024 "
                           "(month-first, like the rest of the column)")]


def test_month_first_with_the_mapping_loads_every_date(cli):
    reg = load_register(TRUTH / "month_first.csv", TRUTH / "month_first.yaml", as_of=AS_OF)
    assert reg.issues == []
    assert _dates(reg, "date_received") == [
        D(2024, 4, 15), D(2024, 4, 2), D(2024, 5, 13), D(2024, 6, 1), D(2024, 6, 20),
        D(2024, 7, 4), D(2024, 8, 8), D(2024, 9, 25)]
    assert _dates(reg, "date_acknowledged") == [
        D(2024, 4, 16), D(2024, 4, 3), D(2024, 5, 14), D(2024, 6, 3), None, D(2024, 7, 8),
        D(2024, 8, 9), D(2024, 9, 26)]
    assert _dates(reg, "date_closed") == [
        D(2024, 5, 20), D(2024, 4, 30), None, D(2024, 7, 15), None, D(2024, 7, 8), None,
        D(2024, 10, 1)]
    run = cli("register", "check", str(TRUTH / "month_first.csv"), "--mapping",
              str(TRUTH / "month_first.yaml"), "--as-of", "2025-01-01")
    assert run.returncode == 0
    assert "  issues: 0 errors, 0 warnings" in run.stdout.splitlines()


def test_a_mapping_stating_the_wrong_order_is_told_so():
    reg = load_register(TRUTH / "month_first.csv", Mapping(dates="dayfirst"), as_of=AS_OF)
    assert [(i.row, i.message) for i in reg.issues if i.check == "ambiguous_date"] == [
        (None, "dates look month-first (MM/DD/YYYY): 10 dates are impossible day-first but valid "
               "month-first; set `dates: monthfirst` in the mapping (it says `dates: dayfirst`); "
               "until then they are not used")]
    # stated, so the ambiguous dates are read as the mapping says
    assert _dates(reg, "date_received")[1] == D(2024, 2, 4)


ALL_AMBIGUOUS_NOTE = ('5 dates could be day-first or month-first (e.g. "01/02/2024") and no date '
                      "in the file shows which; read day-first (the UK default): the mapping "
                      "must state the order, `dates: dayfirst` or `dates: monthfirst`")


def test_all_ambiguous_dates_need_the_mapping_to_say(cli, tmp_path):
    # 01/02, 02/03, 05/06 received and 03/02, 11/06 closed; 07/07 is the same both ways
    run = cli("register", "check", str(TRUTH / "all_ambiguous.csv"), "--as-of", "2025-01-01")
    assert run.returncode == 0  # a warning: read day-first meanwhile
    assert run.stdout.splitlines()[-1] == (
        "           warning  ambiguous_date         -                        " + ALL_AMBIGUOUS_NOTE)
    reg = load_register(TRUTH / "all_ambiguous.csv", as_of=AS_OF)
    assert [(i.row, i.column, i.message) for i in reg.issues] == [
        (None, None, ALL_AMBIGUOUS_NOTE)]
    assert _dates(reg, "date_received") == [D(2024, 2, 1), D(2024, 3, 2), D(2024, 6, 5),
                                            D(2024, 7, 7)]
    stated = load_register(TRUTH / "all_ambiguous.csv", Mapping(dates="monthfirst"), as_of=AS_OF)
    assert stated.issues == []
    assert _dates(stated, "date_received") == [D(2024, 1, 2), D(2024, 2, 3), D(2024, 5, 6),
                                               D(2024, 7, 7)]

    run = cli("register", "map", str(TRUTH / "all_ambiguous.csv"))
    assert ('# dates: dayfirst | monthfirst    choose one: every typed date could be read either '
            'way (e.g. "01/02/2024" on row 2) and none shows the order; until this line says, '
            "they are read day-first and `workbench register check` warns") in run.stdout
    (tmp_path / "m.yaml").write_text(run.stdout)
    assert load_mapping(tmp_path / "m.yaml").dates is None  # nothing certain is written


# ---------------------------------------------------------------------------------------------
# value spellings


def test_map_proposes_values_and_lists_the_rest(cli, tmp_path):
    run = cli("register", "map", str(TRUTH / "values.csv"))
    assert run.returncode == 0, run.stderr
    text = run.stdout
    values = text[text.index("values:\n"):].splitlines()
    assert values == [
        "values:",
        "  record_kind:",
        '    "Complaint - formal": complaint    # proposed, like "formal complaint" (4 rows)',
        '    "Compliment/thanks": compliment    # proposed, like "compliment" (1 row)',
        '    # "Complaint": complaint    # already recognised (4 rows)',
        '    # values in "Record type" not recognised: map each to complaint | compliment '
        "(or null for blank)",
        '    # "Comment": ?    # 1 row',
        "  escalated:",
        '    "Yes - stage 2": true    # proposed, like "yes" (2 rows)',
        '    # "No": false    # already recognised (5 rows)',
        '    # values in "Escalated" not recognised: map each to true | false (or null for blank)',
        '    # "Maybe later": ?    # 1 row',
        "  outcome:",
        '    "Upheld in full": upheld    # proposed, like "fully upheld" (3 rows)',
        '    "Part": partly_upheld    # proposed, like "partial" (2 rows)',
        '    "Not Upheld - no fault found": not_upheld    # proposed, like "not upheld" (1 row)',
        '    # "Upheld": upheld    # already recognised (2 rows)',
        '    # values in "Outcome" not recognised: map each to upheld | partly_upheld | '
        "not_upheld (or null for blank)",
        '    # "Withdrawn": ?    # 1 row',
    ]
    # the complainants' names and contacts are never echoed, even where they look like values
    for personal in ("Upheld Partly", "Jane Part", "Withdrawn,", "example.org", "07700"):
        assert personal not in text

    # the proposal is a working mapping: only what it could not resolve is left to the user
    (tmp_path / "m.yaml").write_text(text)
    reg = load_register(TRUTH / "values.csv", tmp_path / "m.yaml", as_of=AS_OF)
    assert reg.frame["outcome"].tolist() == [
        "upheld", "upheld", "upheld", "partly_upheld", "partly_upheld", pd.NA, "not_upheld",
        "upheld", "upheld", pd.NA]
    # (the unresolved "Comment" takes the record kind's default, complaint, and is an error)
    assert reg.frame["record_kind"].value_counts().to_dict() == {"complaint": 9,
                                                                 "compliment": 1}
    assert [(i.row, i.column, i.value) for i in reg.issues] == [
        (8, "Record type", "Comment"), (10, "Escalated", "Maybe later"),
        (11, "Outcome", "Withdrawn")]


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("outcome", "Upheld (fully)", "upheld"),
    ("outcome", "Partially", "partly_upheld"),
    ("outcome", "uphled", "upheld"),                  # a typing slip
    ("outcome", "notupheld", "not_upheld"),           # a missing space
    ("outcome", "Not fully upheld", None),            # "not upheld" and "fully upheld" tie
    ("outcome", "Yes - partially", None),             # "yes" and "partial" tie
    ("outcome", "Resolved", None),
    ("record_kind", "Complement", "compliment"),      # the common misspelling
    ("record_kind", "Comment", None),                 # not a compliment
    ("record_kind", "Enquiry", None),
    ("escalated", "No - resolved at stage 1", False),  # "1" alone never counts inside a phrase
    ("escalated", "Escalated to stage 2", True),
])
def test_propose_value(field, value, expected):
    schema = load_schema()
    targets = (dict(schema.boolean_index) if schema.fields[field].type == "bool"
               else schema.value_index(field))
    found = propose_value(value, targets)
    assert (None if found is None else found[0]) == expected
