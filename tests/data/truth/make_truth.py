"""Write the small registers of tests/test_register_truth.py (run once; the outputs are committed).

`.venv/bin/python tests/data/truth/make_truth.py`

Each file is small enough to check by hand; the expected figures are in the tests.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
NBSP = "\u00a0"


def mixed_encoding() -> bytes:
    """Rows pasted from several sources: most lines UTF-8, rows 5, 9 and 12 Windows-1252 (as
    Excel on Windows writes them). Row 3 holds a quoted line break, so it spans two lines."""
    code1 = f"1{NBSP}(2015 Code numbers)"
    rows = [
        ("utf-8", "Reference,Date received,Type,Outcome,Summary"),
        ("utf-8", f"M-01,02/05/2024,{code1},Upheld,Café visit missed"),            # row 2
        ("utf-8", 'M-02,13/05/2024,1 (2015 Code numbers),Not upheld,"Line one\r\n'
                  'line two"'),                                                     # row 3
        ("utf-8", "M-03,14/05/2024,2 (Care planning),Upheld,Naïve reply"),           # row 4
        ("cp1252", f"M-04,15/05/2024,{code1},Upheld,Charged £40 – “extra”"),       # row 5
        ("utf-8", "M-05,16/05/2024,2 (Care  planning),Partly upheld,Two  spaces"),   # row 6
        ("utf-8", "M-06,17/05/2024, 2 (Care planning) ,Not upheld,plain"),           # row 7
        ("utf-8", f"M-07,20/05/2024,3 (Staff{NBSP}attitude),Upheld,Rôle unclear"),   # row 8
        ("cp1252", "M-08,21/05/2024,3 (Staff attitude),Not upheld,Café’s menu"),   # row 9
        ("utf-8", "M-09,22/05/2024,１ (2015 Code numbers),Upheld,full-width digit"),  # row 10
        ("utf-8", "M-10,23/05/2024,1 (2015 Code numbers),Upheld,plain"),            # row 11
        ("cp1252", f"M-11,24/05/2024,{code1},Not upheld,£5 refund"),               # row 12
        ("utf-8", "M-12,28/05/2024,2 (Care planning),Upheld,plain"),                # row 13
    ]
    return b"".join(text.encode(enc) + b"\r\n" for enc, text in rows)


MONTH_FIRST = """\
Reference,Date received,Date acknowledged,Date closed,Outcome
US-1,04/15/2024,04/16/2024,05/20/2024,Upheld
US-2,04/02/2024,04/03/2024,04/30/2024,Not upheld
US-3,05/13/2024,05/14/2024,,Partly upheld
US-4,06/01/2024,06/03/2024,07/15/2024,Upheld
US-5,06/20/2024,,,
US-6,07/04/2024,07/08/2024,07/08/2024,Not upheld
US-7,08/08/2024,08/09/2024,,Upheld
US-8,09/25/2024,09/26/2024,10/01/2024,Upheld
"""

ALL_AMBIGUOUS = """\
Reference,Date received,Date closed
A-1,01/02/2024,03/02/2024
A-2,02/03/2024,
A-3,05/06/2024,11/06/2024
A-4,07/07/2024,
"""

VALUES = """\
Reference,Date received,Complainant name,Contact,Record type,Escalated,Outcome
V-01,13/04/2024,Upheld Partly,upheld@example.org,Complaint - formal,No,Upheld in full
V-02,14/04/2024,Jane Part,07700 900001,Complaint - formal,No,Upheld in full
V-03,15/04/2024,Ann Withdrawn,ann@example.org,Complaint,Yes - stage 2,Upheld in full
V-04,16/04/2024,Bob Comment,bob@example.org,Complaint - formal,No,Part
V-05,17/04/2024,Cy Smith,cy@example.org,Complaint,Yes - stage 2,Part
V-06,18/04/2024,Di Jones,di@example.org,Compliment/thanks,,
V-07,19/04/2024,Ed Brown,ed@example.org,Comment,,Not Upheld - no fault found
V-08,20/04/2024,Flo Green,flo@example.org,Complaint,No,Upheld
V-09,21/04/2024,Gus White,gus@example.org,Complaint - formal,Maybe later,Upheld
V-10,22/04/2024,Hal Black,hal@example.org,Complaint,No,Withdrawn
"""


def main() -> None:
    (HERE / "mixed_encoding.csv").write_bytes(mixed_encoding())
    (HERE / "month_first.csv").write_text(MONTH_FIRST, encoding="utf-8", newline="")
    (HERE / "month_first.yaml").write_text("dates: monthfirst\n", encoding="utf-8")
    (HERE / "all_ambiguous.csv").write_text(ALL_AMBIGUOUS, encoding="utf-8", newline="")
    (HERE / "values.csv").write_text(VALUES, encoding="utf-8", newline="")


if __name__ == "__main__":
    main()
