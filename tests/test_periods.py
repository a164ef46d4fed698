"""UK reporting periods: parsing, labels, codes and month arithmetic."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from workbench.analysis.periods import (
    add_months,
    financial_year_of,
    label_dates,
    parse_period,
    period_bounds,
    periods_between,
)
from workbench.core.errors import WorkbenchError

D = dt.date


@pytest.mark.parametrize(("text", "label", "start", "end", "kind"), [
    ("2024-25", "2024-25", D(2024, 4, 1), D(2025, 3, 31), "financial_year"),
    ("2024/25", "2024-25", D(2024, 4, 1), D(2025, 3, 31), "financial_year"),
    ("FY2024-25", "2024-25", D(2024, 4, 1), D(2025, 3, 31), "financial_year"),
    ("2024-2025", "2024-25", D(2024, 4, 1), D(2025, 3, 31), "financial_year"),
    ("1999-00", "1999-00", D(1999, 4, 1), D(2000, 3, 31), "financial_year"),
    ("2024-25 Q1", "2024-25 Q1", D(2024, 4, 1), D(2024, 6, 30), "quarter"),
    ("2024/25 q3", "2024-25 Q3", D(2024, 10, 1), D(2024, 12, 31), "quarter"),
    ("Q4 2024-25", "2024-25 Q4", D(2025, 1, 1), D(2025, 3, 31), "quarter"),
    ("2023-24 Q4", "2023-24 Q4", D(2024, 1, 1), D(2024, 3, 31), "quarter"),
    ("2024-05", "2024-05", D(2024, 5, 1), D(2024, 5, 31), "month"),
    ("2024-02", "2024-02", D(2024, 2, 1), D(2024, 2, 29), "month"),
    ("May 2024", "2024-05", D(2024, 5, 1), D(2024, 5, 31), "month"),
    ("sept 2024", "2024-09", D(2024, 9, 1), D(2024, 9, 30), "month"),
    ("2024", "2024", D(2024, 1, 1), D(2024, 12, 31), "year"),
    ("2024-04-01..2024-06-30", "2024-04-01..2024-06-30", D(2024, 4, 1), D(2024, 6, 30),
     "range"),
    (" 2024-04-01 to 2024-04-01 ", "2024-04-01..2024-04-01", D(2024, 4, 1), D(2024, 4, 1),
     "range"),
])
def test_parse(text, label, start, end, kind):
    p = parse_period(text)
    assert (p.label, p.start, p.end, p.kind) == (label, start, end, kind)
    assert period_bounds(text) == (start, end)
    assert parse_period(p) is p


@pytest.mark.parametrize(("text", "match"), [
    ("2011-12", "could be the month December 2011 or the financial year"),
    ("2024-26", "consecutive years"),
    ("2024-13", "not recognised"),
    ("2024-25 Q5", "not recognised"),
    ("", "blank"),
    ("last year", "not recognised"),
    ("2024-02-30..2024-03-01", "not a valid date"),
    ("2024-05-01..2024-04-01", "ends before it starts"),
    ("Smarch 2024", "not recognised"),
])
def test_malformed(text, match):
    with pytest.raises(WorkbenchError, match=match):
        parse_period(text)


def test_ambiguous_forms_have_unambiguous_spellings():
    assert parse_period("2011/12").kind == "financial_year"
    assert parse_period("Dec 2011").label == "2011-12"


def test_labels_vectorised():
    s = pd.Series(pd.to_datetime(["2024-03-31", "2024-04-01", "2025-01-15", None, "2024-12-31"]),
                  index=[10, 11, 12, 13, 14])
    assert label_dates(s, "month").tolist() == ["2024-03", "2024-04", "2025-01", pd.NA,
                                                "2024-12"]
    assert label_dates(s, "quarter").tolist() == ["2023-24 Q4", "2024-25 Q1", "2024-25 Q4",
                                                  pd.NA, "2024-25 Q3"]
    assert label_dates(s, "year").tolist() == ["2023-24", "2024-25", "2024-25", pd.NA,
                                               "2024-25"]
    assert list(label_dates(s).index) == [10, 11, 12, 13, 14]
    assert label_dates(s).dtype == "string"


def test_contains_and_financial_year_of():
    p = parse_period("2024-25 Q1")
    days = np.array(["2024-03-31", "2024-04-01", "2024-06-30", "2024-07-01", "NaT"],
                    dtype="datetime64[D]")
    assert p.contains(days).tolist() == [False, True, True, False, False]
    assert financial_year_of(D(2025, 3, 31)).label == "2024-25"
    assert financial_year_of(D(2025, 4, 1)).label == "2025-26"


def test_periods_between():
    assert [p.label for p in periods_between(D(2024, 2, 10), D(2024, 7, 1), "quarter")] == [
        "2023-24 Q4", "2024-25 Q1", "2024-25 Q2"]
    assert len(periods_between(D(2024, 4, 1), D(2025, 3, 31), "month")) == 12


def test_add_months_clips_to_month_end():
    d = np.array(["2024-01-31", "2023-02-28", "2024-02-29", "NaT"], dtype="datetime64[D]")
    assert [str(x) for x in add_months(d, 12)] == ["2025-01-31", "2024-02-28", "2025-02-28",
                                                   "NaT"]
    assert str(add_months(np.array(["2024-08-31"], dtype="datetime64[D]"), -6)[0]) == \
        "2024-02-29"
