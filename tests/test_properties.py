"""Properties of the working-day calendars and the day-first date reading, over generated dates
(hypothesis): what must hold for every date, not only for the examples the other tests pick."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.analysis.workdays import REGIONS, get_calendar
from workbench.register.dates import format_date, parse_dates

# Registers hold dates from the 1990s to a few years ahead; the calendars cover far beyond.
DAYS = st.dates(min_value=dt.date(1995, 1, 1), max_value=dt.date(2045, 12, 31))
REGION = st.sampled_from(sorted(REGIONS))
PROPERTY = settings(max_examples=150, deadline=None)
# parsing a column costs milliseconds, not microseconds: fewer (and longer) examples
PARSING = settings(max_examples=40, deadline=None)


def wd(region: str, a: dt.date, b: dt.date) -> int:
    return int(get_calendar(region).working_days(a, b)[()])


@PROPERTY
@given(REGION, DAYS, DAYS, DAYS)
def test_working_days_add_up_across_any_middle_date(region, a, b, c):
    assert wd(region, a, b) + wd(region, b, c) == wd(region, a, c)


@PROPERTY
@given(REGION, DAYS, DAYS)
def test_working_days_backwards_are_the_negative(region, a, b):
    assert wd(region, a, b) == -wd(region, b, a)
    assert abs(wd(region, a, b)) <= abs((b - a).days)


@PROPERTY
@given(REGION, DAYS, st.integers(min_value=1, max_value=400))
def test_adding_working_days_is_the_inverse_of_counting_them(region, start, n):
    cal = get_calendar(region)
    end = cal.add_working_days(start, n)[()]
    assert cal.is_working_day(end)[()]
    assert int(cal.working_days(start, end)[()]) == n
    # and it is the first such day: the day before counts one fewer
    assert int(cal.working_days(start, end - np.timedelta64(1, "D"))[()]) == n - 1


@PROPERTY
@given(REGION, DAYS)
def test_a_bank_holiday_or_a_weekend_day_is_never_counted(region, day):
    cal = get_calendar(region)
    holidays = {pd.Timestamp(h).date() for h in cal.holidays(day.year, day.year)}
    counted = wd(region, day - dt.timedelta(days=1), day)
    assert counted == (0 if day.weekday() >= 5 or day in holidays else 1)


def test_the_regions_differ_where_their_bank_holidays_do():
    # St Andrew's Day (Monday 30 Nov 2026) is a holiday in Scotland only; 17 March in
    # Northern Ireland only; Easter Monday (6 Apr 2026) everywhere but Scotland
    for day, off in ((dt.date(2026, 11, 30), {"scotland"}),
                     (dt.date(2026, 3, 17), {"northern-ireland"}),
                     (dt.date(2026, 4, 6), set(REGIONS) - {"scotland"})):
        for region in REGIONS:
            assert wd(region, day - dt.timedelta(days=1), day) == (0 if region in off else 1), (
                day, region)


def _read(texts: list[str], order: str | None = "dayfirst") -> list[dt.date | None]:
    parsed = parse_dates(pd.Series(texts, dtype="object"), order).values
    return [None if pd.isna(v) else v.date() for v in parsed]


@PARSING
@given(st.lists(DAYS, min_size=1, max_size=40))
def test_day_first_text_reads_back_as_the_same_dates(days):
    assert _read([f"{d.day:02d}/{d.month:02d}/{d.year}" for d in days]) == days
    assert _read([f"{d.day}/{d.month}/{d.year}" for d in days]) == days
    assert _read([d.isoformat() for d in days]) == days


@PARSING
@given(st.lists(DAYS, min_size=1, max_size=40))
def test_month_first_text_reads_back_when_the_order_is_stated(days):
    assert _read([f"{d.month:02d}/{d.day:02d}/{d.year}" for d in days], "monthfirst") == days


@PARSING
@given(st.lists(DAYS.map(lambda d: d.replace(day=max(d.day, 13))), min_size=3, max_size=20),
       st.lists(DAYS.map(lambda d: d.replace(day=min(d.day, 12))), min_size=1, max_size=5))
def test_an_unstated_order_follows_what_the_column_shows(clear, ambiguous):
    # a column whose unambiguous values are month-first reads its ambiguous ones month-first too
    texts = [f"{d.month:02d}/{d.day:02d}/{d.year}" for d in clear + ambiguous]
    parsed = parse_dates(pd.Series(texts, dtype="object"), None)
    assert parsed.evidence.order == "monthfirst"
    got = [None if pd.isna(v) else v.date() for v in parsed.values]
    assert got[len(clear):] == ambiguous


@PROPERTY
@given(DAYS)
def test_the_date_shown_in_messages_is_never_ambiguous(day):
    shown = format_date(day)
    assert shown == f"{day.day} {day.strftime('%b')} {day.year}"
