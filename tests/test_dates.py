"""Date parsing: real dates, Excel serials (1900 and 1904), text day-first/month-first/ISO."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from workbench.register.dates import format_date, parse_dates

D = dt.datetime


def _parse(values, order="dayfirst", **kw):
    p = parse_dates(pd.Series(values, dtype=object), order, **kw)
    return p.values.tolist(), p.reasons.tolist()


@pytest.mark.parametrize(("text", "expected"), [
    ("03/04/2024", D(2024, 4, 3)), ("3.4.24", D(2024, 4, 3)), ("3 Apr 2024", D(2024, 4, 3)),
    ("2024-04-03", D(2024, 4, 3)), ("03-04-2024", D(2024, 4, 3)), ("3rd April 2024", D(2024, 4, 3)),
    ("Wed 3 April 2024", D(2024, 4, 3)), ("April 3, 2024", D(2024, 4, 3)),
    ("03-Apr-24", D(2024, 4, 3)), ("2024-04-03 14:30:00", D(2024, 4, 3)),
    ("03/04/2024 09:15", D(2024, 4, 3)), (" 03/04/2024 ", D(2024, 4, 3)),
    ("1/1/99", D(1999, 1, 1)), ("1/1/29", D(2029, 1, 1)), ("2024/04/03", D(2024, 4, 3)),
])
def test_text_dates_day_first_by_default(text, expected):
    assert _parse([text]) == ([expected], [pd.NA])


def test_month_first_and_iso_orders():
    assert _parse(["03/04/2024", "2024-04-03", "3 Apr 2024"], "monthfirst")[0] == [
        D(2024, 3, 4), D(2024, 4, 3), D(2024, 4, 3)]
    values, reasons = _parse(["03/04/2024", "2024-04-03"], "iso")
    assert values[1] == D(2024, 4, 3) and values[0] is pd.NaT
    assert reasons == ["not an ISO date (YYYY-MM-DD), as the mapping says the dates are", pd.NA]


@pytest.mark.parametrize(("value", "reason"), [
    ("31/02/2024", "February 2024 has no day 31"), ("29/02/2023", "February 2023 has no day 29"),
    ("04/13/2024", "there is no month 13"), ("2024-02-30", "February 2024 has no day 30"),
    ("TBC", "not a recognised date"), ("31 Jun 2024", "June 2024 has no day 31"),
    ("3 Foo 2024", "not a recognised date"), ("01/01/0001", "year 1 is out of range"),
    (True, "not a date"), (0, "the number is not an Excel date in range"),
    (60, "Excel day 60 is 29 February 1900, which never existed"),
])
def test_invalid_values_get_a_reason_never_a_silent_blank(value, reason):
    assert _parse([value]) == ([pd.NaT], [reason])


def test_blanks_are_missing_not_invalid():
    assert _parse([None, "", "   ", float("nan")]) == ([pd.NaT] * 4, [pd.NA] * 4)


def test_real_dates_and_datetimes_keep_the_day():
    values, reasons = _parse([dt.date(2024, 4, 3), dt.datetime(2024, 4, 3, 23, 59),
                              pd.Timestamp("2024-04-03 10:00")])
    assert values == [D(2024, 4, 3)] * 3 and reasons == [pd.NA] * 3


def test_excel_serials_1900_system_with_the_leap_year_bug():
    values, _ = _parse([1, 59, 61, 45385, 45385.99])
    assert values == [D(1900, 1, 1), D(1900, 2, 28), D(1900, 3, 1), D(2024, 4, 3), D(2024, 4, 3)]


def test_excel_serials_1904_system():
    values, _ = _parse([0, 43923, 1462], date1904=True)
    assert values == [D(1904, 1, 1), D(2024, 4, 3), D(1908, 1, 2)]


def test_ambiguity_flags():
    p = parse_dates(pd.Series(["03/04/2024", "13/04/2024", "04/04/2024", "04/13/2024",
                               "2024-04-03"]))
    assert p.ambiguous.tolist() == [True, False, False, False, False]
    assert p.only_monthfirst.tolist() == [False, False, False, True, False]


def test_result_dtype_is_datetime64_ns_and_index_kept():
    p = parse_dates(pd.Series(["2024-04-03", "x"], index=[10, 11]))
    assert str(p.values.dtype) == "datetime64[ns]"
    assert p.values.index.tolist() == [10, 11]


def test_mixed_column_of_every_kind():
    values, reasons = _parse([dt.date(2024, 4, 3), 45385, "03/04/2024", None, "soon"])
    assert values[:3] == [D(2024, 4, 3)] * 3
    assert reasons == [pd.NA, pd.NA, pd.NA, pd.NA, "not a recognised date"]


def test_format_date():
    assert format_date(dt.date(2024, 4, 3)) == "3 Apr 2024"
