"""The working-day calendar: UK bank holidays plus provider closures, counted with numpy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import holidays as _holidays
import numpy as np
import pandas as pd

from workbench.core.errors import WorkbenchError
from workbench.core.memo import pure_cache

# Region names used in the manifest (`holidays:`) and on the command line -> `holidays` subdivision.
REGIONS: dict[str, str] = {"england-wales": "ENG", "scotland": "SCT", "northern-ireland": "NIR"}
DEFAULT_REGION = "england-wales"
WEEKMASK = "1111100"  # Monday to Friday

# Years outside this window are clamped when building holiday lists (typos such as 2204 must not
# make the calendar build two centuries of holidays); counting still works, without holidays there.
_FIRST_YEAR, _LAST_YEAR = 1950, 2100


def _as_day(value: Any) -> dt.date:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise WorkbenchError(f"closure date {value!r} is not a date (use YYYY-MM-DD)") from exc
    if pd.isna(ts):
        raise WorkbenchError(f"closure date {value!r} is not a date (use YYYY-MM-DD)")
    return ts.date()


@dataclass(frozen=True)
class WorkCalendar:
    """Working days for one provider: Monday to Friday less the region's bank holidays and closures.

    Working days from A to B are the working days d with A < d <= B: received on a Friday and
    acknowledged on the Monday is 1, the same day is 0, and B before A gives a negative count
    (minus the working days d with B < d <= A). Blank (NaT) on either side gives NaN.
    """

    region: str = DEFAULT_REGION
    closures: tuple[dt.date, ...] = field(default=())

    def __post_init__(self) -> None:
        region = str(self.region).strip().lower()
        if region not in REGIONS:
            raise WorkbenchError(
                f"unknown holiday region '{self.region}' (known: {', '.join(REGIONS)})")
        object.__setattr__(self, "region", region)
        days = tuple(sorted({_as_day(d) for d in (self.closures or ())}))
        object.__setattr__(self, "closures", days)

    def holidays(self, first_year: int, last_year: int) -> np.ndarray:
        """Bank holidays and closure days from 1 January first_year to 31 December last_year."""
        return _holiday_array(self.region, self.closures, first_year, last_year)

    def busdaycalendar(self, first_year: int, last_year: int) -> np.busdaycalendar:
        """The numpy calendar for those years (built once per region, closures and years)."""
        lo, hi = _clamp(first_year), _clamp(last_year)
        return _busdaycalendar(self.region, self.closures, lo, hi)

    def _calendar_for(self, *arrays: np.ndarray) -> np.busdaycalendar:
        years = [_year_bounds(a) for a in arrays]
        years = [y for y in years if y is not None]
        if not years:
            return self.busdaycalendar(2000, 2000)
        return self.busdaycalendar(min(y[0] for y in years), max(y[1] for y in years) + 1)

    def working_days(self, start: Any, end: Any) -> np.ndarray:
        """Working days d with start < d <= end, element-wise (float; NaN where either is blank)."""
        a, b = np.broadcast_arrays(to_days(start), to_days(end))
        out = np.full(a.shape, np.nan)
        ok = ~(np.isnat(a) | np.isnat(b))
        if ok.any():
            cal = self._calendar_for(a[ok], b[ok])
            one = np.timedelta64(1, "D")
            lo, hi = np.minimum(a[ok], b[ok]), np.maximum(a[ok], b[ok])
            count = np.busday_count(lo + one, hi + one, busdaycal=cal)
            out[ok] = np.where(b[ok] < a[ok], -count, count)
        return out

    def is_working_day(self, dates: Any) -> np.ndarray:
        """True where the date is a working day (False where blank)."""
        d = to_days(dates)
        out = np.zeros(d.shape, dtype=bool)
        ok = ~np.isnat(d)
        if ok.any():
            out[ok] = np.is_busday(d[ok], busdaycal=self._calendar_for(d[ok]))
        return out

    def add_working_days(self, start: Any, days: Any) -> np.ndarray:
        """The date ``days`` working days after start (datetime64[D]; NaT where start is blank).

        The inverse of :meth:`working_days`: ``working_days(s, add_working_days(s, n)) == n`` for
        n >= 1, the result always being a working day.
        """
        s, n = np.broadcast_arrays(to_days(start), np.asarray(days, dtype="int64"))
        out = np.full(s.shape, np.datetime64("NaT"), dtype="datetime64[D]")
        ok = ~np.isnat(s)
        if ok.any():
            span = int(np.abs(n[ok]).max(initial=0)) // 200 + 1
            lo, hi = _year_bounds(s[ok])
            cal = self.busdaycalendar(lo - span, hi + span)
            out[ok] = np.busday_offset(s[ok], n[ok], roll="backward", busdaycal=cal)
        return out


def _clamp(year: int) -> int:
    return min(max(int(year), _FIRST_YEAR), _LAST_YEAR)


def _year_bounds(days: np.ndarray) -> tuple[int, int] | None:
    valid = days[~np.isnat(days)] if days.size else days
    if not valid.size:
        return None
    years = np.array([valid.min(), valid.max()]).astype("datetime64[Y]").astype("int64") + 1970
    return int(years[0]), int(years[1])


@pure_cache(maxsize=64)
def _holiday_array(region: str, closures: tuple[dt.date, ...], first: int, last: int) -> np.ndarray:
    lo, hi = _clamp(first), _clamp(last)
    bank = _holidays.country_holidays("GB", subdiv=REGIONS[region], years=range(lo, hi + 1))
    days = {d for d in bank if lo <= d.year <= hi}
    days.update(d for d in closures if first <= d.year <= last)
    return np.array(sorted(days), dtype="datetime64[D]")


@pure_cache(maxsize=64)
def _busdaycalendar(region: str, closures: tuple[dt.date, ...], first: int,
                    last: int) -> np.busdaycalendar:
    # Closures outside the clamped years still count: pass the full list for them.
    extra = np.array([d for d in closures if not first <= d.year <= last], dtype="datetime64[D]")
    hol = np.concatenate([_holiday_array(region, closures, first, last), extra])
    return np.busdaycalendar(weekmask=WEEKMASK, holidays=hol)


def to_days(values: Any) -> np.ndarray:
    """Dates as a numpy ``datetime64[D]`` array (NaT where blank); scalars give a 0-d array."""
    if isinstance(values, np.ndarray) and values.dtype.kind == "M":
        return values.astype("datetime64[D]")
    if isinstance(values, pd.Series | pd.Index):
        if values.dtype.kind != "M":
            values = pd.to_datetime(values, errors="coerce")
        return np.asarray(values.to_numpy()).astype("datetime64[D]")
    if values is None or (np.isscalar(values) or isinstance(values, dt.date)):
        ts = pd.Timestamp(values) if values is not None else pd.NaT
        return np.asarray(np.datetime64(ts, "D") if not pd.isna(ts) else np.datetime64("NaT", "D"))
    arr = pd.to_datetime(pd.Series(list(values) if not isinstance(values, np.ndarray) else values),
                         errors="coerce")
    return arr.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")


def get_calendar(region: str | WorkCalendar | None = None,
                 closures: Iterable[Any] = ()) -> WorkCalendar:
    """A calendar by region (england-wales default, scotland, northern-ireland) and closures."""
    if isinstance(region, WorkCalendar):
        if closures:
            return WorkCalendar(region.region, (*region.closures, *closures))
        return region
    return WorkCalendar(region or DEFAULT_REGION, tuple(closures or ()))


def working_days(start: Any, end: Any, calendar: WorkCalendar | str | None = None) -> np.ndarray:
    """Working days d with start < d <= end, element-wise and vectorised (NaN where blank).

    Friday to the following Monday is 1; the same day is 0; end before start is negative. Bank
    holidays are England and Wales's unless ``calendar`` says otherwise (a WorkCalendar or a
    region name).
    """
    return get_calendar(calendar).working_days(start, end)
