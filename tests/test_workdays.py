"""Working days: A < d <= B over weekends, UK bank holidays by region, and closure days."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from workbench.analysis.workdays import WorkCalendar, get_calendar, working_days
from workbench.core.errors import WorkbenchError


@pytest.mark.parametrize(("start", "end", "expected"), [
    ("2024-06-07", "2024-06-10", 1),    # Friday -> Monday
    ("2024-06-07", "2024-06-07", 0),    # same day
    ("2024-06-08", "2024-06-09", 0),    # Saturday -> Sunday
    ("2024-06-08", "2024-06-10", 1),    # received at the weekend, acknowledged Monday
    ("2024-06-03", "2024-06-10", 5),    # a full week
    ("2024-06-10", "2024-06-07", -1),   # end before start: negative
    ("2024-06-10", "2024-06-03", -5),
    ("2024-03-28", "2024-04-02", 1),    # Easter 2024: Good Friday 29 Mar, Easter Monday 1 Apr
    ("2023-05-05", "2023-05-09", 1),    # coronation bank holiday Monday 8 May 2023
    ("2023-05-05", "2023-05-08", 0),
    ("2022-12-23", "2022-12-28", 1),    # Christmas on Sunday: 26 and 27 Dec 2022 off
    ("2021-12-24", "2021-12-29", 1),    # Christmas/Boxing Day at weekend: 27, 28 Dec off
    ("2020-12-24", "2020-12-29", 1),    # Boxing Day Saturday: substitute Monday 28 Dec
    ("2023-12-29", "2024-01-02", 1),    # New Year's Day
])
def test_england_and_wales(start, end, expected):
    assert working_days(start, end) == expected


def test_scotland_differs():
    sct = get_calendar("scotland")
    # 2 January is a Scottish bank holiday (Tuesday 2 Jan 2024), not in England.
    assert working_days("2024-01-01", "2024-01-02") == 1
    assert sct.working_days("2024-01-01", "2024-01-02") == 0
    # St Andrew's Day: Thursday 30 Nov 2023.
    assert working_days("2023-11-29", "2023-11-30") == 1
    assert sct.working_days("2023-11-29", "2023-11-30") == 0
    # Easter Monday is not a Scottish bank holiday; the August one moves to the first Monday.
    assert sct.working_days("2024-03-28", "2024-04-02") == 2
    assert sct.working_days("2024-08-02", "2024-08-05") == 0
    assert sct.working_days("2024-08-23", "2024-08-26") == 1


def test_northern_ireland():
    nir = get_calendar("northern-ireland")
    # St Patrick's Day Friday 17 March 2023; Battle of the Boyne Wednesday 12 July 2023.
    assert working_days("2023-03-16", "2023-03-17") == 1
    assert nir.working_days("2023-03-16", "2023-03-17") == 0
    assert nir.working_days("2023-07-11", "2023-07-13") == 1
    assert nir.working_days("2023-05-05", "2023-05-09") == 1  # coronation UK-wide


def test_closure_days():
    cal = WorkCalendar("england-wales", ("2024-06-10",))
    assert cal.working_days("2024-06-07", "2024-06-11") == 1
    assert get_calendar(None, ["2024-06-10"]).working_days("2024-06-07", "2024-06-10") == 0
    assert get_calendar(cal) is cal
    both = get_calendar(cal, [dt.date(2024, 6, 11)])
    assert both.working_days("2024-06-07", "2024-06-12") == 1
    # A closure far outside the bank-holiday years still counts.
    # (Friday 5 June 2150 -> Monday 8 June 2150, closed on the Monday.)
    assert WorkCalendar(closures=["2150-06-08"]).working_days("2150-06-05", "2150-06-08") == 0
    assert WorkCalendar().working_days("2150-06-05", "2150-06-08") == 1


def test_vectorised_with_blanks():
    start = pd.Series(pd.to_datetime(["2024-06-07", None, "2023-05-05", "2024-06-07"]))
    end = pd.Series(pd.to_datetime(["2024-06-10", "2024-06-10", "2023-05-09", None]))
    out = working_days(start, end)
    assert out.shape == (4,)
    np.testing.assert_array_equal(out, [1, np.nan, 1, np.nan])
    # A scalar end broadcasts against a column.
    # 277 = weekdays from 6 May 2023 to 11 June 2024 less 9 bank holidays (counted separately).
    np.testing.assert_array_equal(working_days(start, "2024-06-11"), [2, np.nan, 277, 2])
    assert np.isnan(working_days(None, "2024-06-10"))


def test_numpy_and_date_inputs():
    a = np.array(["2024-12-24", "2024-12-20"], dtype="datetime64[D]")
    b = np.array(["2024-12-27", "2024-12-30"], dtype="datetime64[D]")
    np.testing.assert_array_equal(working_days(a, b), [1, 4])  # 23, 24, 27, 30 Dec
    assert working_days(dt.date(2024, 12, 24), dt.datetime(2024, 12, 27, 15, 30)) == 1


def test_add_working_days_and_is_working_day():
    cal = get_calendar()
    due = cal.add_working_days(np.array(["2024-05-03", "NaT"], dtype="datetime64[D]"), 20)
    assert str(due[0]) == "2024-06-04" and np.isnat(due[1])
    assert cal.working_days("2024-05-03", due[0]) == 20
    np.testing.assert_array_equal(
        cal.is_working_day(["2024-05-06", "2024-05-07", "2024-05-11", None]),
        [False, True, False, False])


def test_unknown_region_and_bad_closure():
    with pytest.raises(WorkbenchError, match="england-wales"):
        get_calendar("wales-only")
    with pytest.raises(WorkbenchError, match="closure"):
        WorkCalendar(closures=("next tuesday",))


def test_calendar_is_cached():
    cal = get_calendar("scotland")
    assert cal.busdaycalendar(2023, 2024) is get_calendar("scotland").busdaycalendar(2023, 2024)


@pytest.mark.parametrize("region", ["england-wales", "scotland", "northern-ireland"])
def test_matches_day_by_day_count(region):
    """Vectorised counts equal a plain day-by-day count over random pairs (both directions)."""
    import holidays

    subdiv = {"england-wales": "ENG", "scotland": "SCT", "northern-ireland": "NIR"}[region]
    bank = holidays.country_holidays("GB", subdiv=subdiv, years=range(2019, 2027))
    rng = np.random.default_rng(7)
    base = np.datetime64("2020-01-01", "D")
    a = base + rng.integers(0, 5 * 365, 300)
    b = a + rng.integers(-40, 120, 300)

    def by_hand(x, y):
        lo, hi, sign = (x, y, 1) if y >= x else (y, x, -1)
        days = pd.date_range(pd.Timestamp(lo) + pd.Timedelta(days=1), pd.Timestamp(hi))
        return sign * sum(1 for d in days if d.weekday() < 5 and d.date() not in bank)

    expected = [by_hand(x, y) for x, y in zip(a, b, strict=True)]
    np.testing.assert_array_equal(get_calendar(region).working_days(a, b), expected)
