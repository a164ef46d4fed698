"""`workbench register check|map` through the real CLI: output, JSON and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli

CORPUS = Path(__file__).resolve().parent / "data" / "registers"


def test_check_json_is_exactly_the_documented_object():
    cli = run_cli("register", "check", str(CORPUS / "duplicates.csv"), "--json",
                  "--as-of", "2024-06-30")
    assert cli.returncode == 1
    assert cli.stderr == ""
    assert json.loads(cli.stdout) == {"rows": 5, "issues": [
        {"row": None, "column": "Date received", "check": "ambiguous_date", "value": None,
         "message": "4 dates could be day-first or month-first (e.g. \"01/04/2024\") and no "
                    "date in the file shows which; read day-first (the UK default): the mapping "
                    "must state the order, `dates: dayfirst` or `dates: monthfirst`",
         "severity": "warning"},
        {"row": 2, "column": "Reference", "check": "duplicate_reference", "value": "A-1",
         "message": "duplicate reference (also on row 4)", "severity": "error"},
        {"row": 4, "column": "Reference", "check": "duplicate_reference", "value": "A-1",
         "message": "duplicate reference (also on row 2)", "severity": "error"},
        {"row": 6, "column": "Reference", "check": "duplicate_reference", "value": "A-1",
         "message": "duplicate reference (also on row 2)", "severity": "error"},
    ]}


def test_check_human_report_and_exit_1_on_errors():
    cli = run_cli("register", "check", str(CORPUS / "messy.csv"), "--as-of", "2024-06-30")
    assert cli.returncode == 1
    lines = cli.stdout.splitlines()
    assert lines[0] == f"{CORPUS / 'messy.csv'}, header on row 1"
    assert lines[1] == "  rows: 7  complaints: 6  compliments: 1"
    assert lines[2] == "  issues: 7 errors, 1 warning"
    assert "    required_missing         error           2" in lines
    assert ("        5  error    required_missing       Ref No.                  "
            "required value missing") in lines
    assert ("        4  error    unknown_value          Outcome                  unknown outcome "
            "value; expected one of upheld, partly_upheld, not_upheld [Maybe]") in lines


def test_check_warnings_only_exit_0():
    cli = run_cli("register", "check", str(CORPUS / "header_only.csv"))
    assert cli.returncode == 0
    assert "  warning: the register has a header but no data rows" in cli.stdout.splitlines()


def test_check_clean_register_with_mapping_exit_0():
    cli = run_cli("register", "check", str(CORPUS / "dates.csv"), "--mapping",
                  str(CORPUS / "dates-dayfirst.yaml"), "--json", "--as-of", "2024-06-30")
    assert cli.returncode == 1
    assert [i["check"] for i in json.loads(cli.stdout)["issues"]] == (
        ["ambiguous_date"] + ["invalid_date"] * 3)  # the first: "Date closed" looks month-first
    cli = run_cli("register", "check", str(CORPUS / "semicolon.csv"), "--json")
    # its only date that shows no order ("03/04/2024") is a warning: the exit code stays 0
    assert cli.returncode == 0
    assert [(i["row"], i["check"], i["severity"]) for i in json.loads(cli.stdout)["issues"]] == [
        (None, "ambiguous_date", "warning")]


def test_unreadable_file_and_bad_mapping_exit_2_without_traceback():
    cli = run_cli("register", "check", str(CORPUS / "encrypted.xlsx"), "--json")
    assert cli.returncode == 2 and cli.stdout == ""
    assert cli.stderr.startswith(f"error: {CORPUS / 'encrypted.xlsx'}: is password-protected")
    cli = run_cli("register", "check", str(CORPUS / "messy.csv"), "--mapping",
                  str(CORPUS / "bad-fields.yaml"))
    assert cli.returncode == 2
    assert cli.stderr.startswith(f"error: {CORPUS / 'bad-fields.yaml'}: invalid mapping "
                                 "(3 problems)\n  - line 2: colour: unknown key")
    assert "Traceback" not in cli.stderr


def test_bad_as_of_is_a_usage_error():
    cli = run_cli("register", "check", str(CORPUS / "messy.csv"), "--as-of", "30/06/2024")
    assert cli.returncode == 2
    assert "'30/06/2024' is not a date in the form YYYY-MM-DD" in cli.stderr


def test_map_prints_a_skeleton():
    cli = run_cli("register", "map", str(CORPUS / "title_rows.xlsx"))
    assert cli.returncode == 0
    assert cli.stdout.splitlines()[:8] == [
        "# Mapping for title_rows.xlsx (sheet 'Complaints log', header on row 4, 3 data rows)",
        "# written by `workbench register map`: check every line before using it.",
        'sheet: "Complaints log"',
        "header_row: 4",
        # (issue 14) the order the typed dates show is proposed, with the evidence
        'dates: dayfirst        # 1 date can only be day-first (e.g. "31/02/2024" on row 8), '
        "none month-first",
        "columns:",
        '  reference: "Reference"',
        '  location: "Location"',
    ]
