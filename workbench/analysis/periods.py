"""UK reporting periods: financial years (April-March), their quarters, months and custom ranges."""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from workbench.core.errors import WorkbenchError

PeriodKind = Literal["financial_year", "quarter", "month", "year", "range"]
Freq = Literal["month", "quarter", "year"]

_HELP = ("use a financial year (2024-25 or 2024/25), a quarter (2024-25 Q1 = April-June), "
         "a month (2024-05 or May 2024), a calendar year (2024) or a range "
         "(2024-04-01..2024-06-30)")
_MONTHS = {name.lower(): i for i, name in enumerate(_calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(_calendar.month_abbr) if name})
_MONTHS["sept"] = 9

_FY = re.compile(r"^(?:fy\s*)?(\d{4})\s*([-/])\s*(\d{2}|\d{4})$")
_FYQ = re.compile(r"^(?:fy\s*)?(\d{4})\s*[-/]\s*(\d{2}|\d{4})\s*q([1-4])$|"
                  r"^q([1-4])\s*(?:fy\s*)?(\d{4})\s*[-/]\s*(\d{2}|\d{4})$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_NAMED_MONTH = re.compile(r"^([a-z]+)\.?\s+(\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(?:\.\.|\bto\b)\s*(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class Period:
    """A reporting period: its label and first and last days (both inclusive)."""

    label: str
    start: dt.date
    end: dt.date
    kind: PeriodKind = "range"

    def contains(self, dates: Any) -> np.ndarray:
        """True where the date falls in the period (False where blank); vectorised."""
        d = _days(dates)
        lo, hi = np.datetime64(self.start, "D"), np.datetime64(self.end, "D")
        return ~np.isnat(d) & (d >= lo) & (d <= hi)

    def as_dict(self) -> dict[str, str]:
        return {"label": self.label, "kind": self.kind, "start": self.start.isoformat(),
                "end": self.end.isoformat()}

    def __str__(self) -> str:
        return self.label


def _fy_label(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def financial_year(start_year: int) -> Period:
    """The financial year starting 1 April start_year ("2024-25" = 2024-04-01..2025-03-31)."""
    return Period(_fy_label(start_year), dt.date(start_year, 4, 1),
                  dt.date(start_year + 1, 3, 31), "financial_year")


def financial_quarter(start_year: int, quarter: int) -> Period:
    """Quarter 1-4 of a financial year (Q1 = April-June ... Q4 = January-March)."""
    first_month = 4 + 3 * (quarter - 1)
    year = start_year + (first_month - 1) // 12
    month = (first_month - 1) % 12 + 1
    end_month = month + 2
    end = dt.date(year, end_month, _calendar.monthrange(year, end_month)[1])
    return Period(f"{_fy_label(start_year)} Q{quarter}", dt.date(year, month, 1), end, "quarter")


def month(year: int, month_number: int) -> Period:
    """A calendar month ("2024-05")."""
    last = _calendar.monthrange(year, month_number)[1]
    return Period(f"{year}-{month_number:02d}", dt.date(year, month_number, 1),
                  dt.date(year, month_number, last), "month")


def financial_year_of(day: dt.date) -> Period:
    """The financial year containing a date."""
    return financial_year(day.year if day.month >= 4 else day.year - 1)


def _second_year(first: int, text: str, original: str) -> None:
    second = int(text)
    expected = (first + 1) % 100 if len(text) == 2 else first + 1
    if second != expected:
        raise WorkbenchError(
            f"period '{original}' is not recognised (a financial year runs April to March of "
            f"consecutive years, e.g. {_fy_label(first)}); {_HELP}")


def _iso(text: str, original: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise WorkbenchError(f"period '{original}': '{text}' is not a valid date; {_HELP}") from exc


def parse_period(text: str | Period) -> Period:
    """A period from its text; raises WorkbenchError, saying what is accepted, when malformed.

    "2024-25", "2024/25", "FY2024-25" financial year; "2024-25 Q1" or "Q1 2024/25" quarter;
    "2024-05" or "May 2024" month; "2024" calendar year; "2024-04-01..2024-06-30" (or "... to ...")
    custom range. "2011-12" style text that could be a month or a financial year is refused: write
    2011/12 for the year or Dec 2011 for the month.
    """
    if isinstance(text, Period):
        return text
    if not isinstance(text, str):
        raise WorkbenchError(f"period {text!r} is not text; {_HELP}")
    original = text
    t = " ".join(text.strip().lower().split())
    if not t:
        raise WorkbenchError(f"period is blank; {_HELP}")
    if m := _FYQ.match(t):
        first, second, q = (m[1], m[2], m[3]) if m[1] else (m[5], m[6], m[4])
        _second_year(int(first), second, original)
        return financial_quarter(int(first), int(q))
    if m := _ISO_MONTH.match(t):
        year, mon = int(m[1]), int(m[2])
        if len(m[2]) == 2 and mon == (year + 1) % 100 and 1 <= mon <= 12:
            raise WorkbenchError(
                f"period '{original}' could be the month {month(year, mon).start:%B %Y} or the "
                f"financial year {_fy_label(year)}: write {year}/{m[2]} for the financial year or "
                f"{_calendar.month_abbr[mon]} {year} for the month")
        if 1 <= mon <= 12:
            return month(year, mon)
    if m := _FY.match(t):
        _second_year(int(m[1]), m[3], original)
        return financial_year(int(m[1]))
    if (m := _NAMED_MONTH.match(t)) and m[1] in _MONTHS:
        return month(int(m[2]), _MONTHS[m[1]])
    if m := _YEAR.match(t):
        year = int(m[1])
        return Period(str(year), dt.date(year, 1, 1), dt.date(year, 12, 31), "year")
    if m := _RANGE.match(t):
        start, end = _iso(m[1], original), _iso(m[2], original)
        if end < start:
            raise WorkbenchError(f"period '{original}' ends before it starts; {_HELP}")
        return Period(f"{start.isoformat()}..{end.isoformat()}", start, end, "range")
    raise WorkbenchError(f"period '{original}' is not recognised; {_HELP}")


def add_months(dates: Any, months: int) -> np.ndarray:
    """Each date plus a number of calendar months, vectorised (31 January + 1 month = the last
    day of February); NaT stays NaT."""
    d = _days(dates)
    first = d.astype("datetime64[M]")
    target = first + np.timedelta64(months, "M")
    last_day = (target + np.timedelta64(1, "M")).astype("datetime64[D]") - np.timedelta64(1, "D")
    shifted = target.astype("datetime64[D]") + (d - first.astype("datetime64[D]"))
    return np.minimum(shifted, last_day)


def period_bounds(text: str | Period) -> tuple[dt.date, dt.date]:
    """(first day, last day), both inclusive, of a period string."""
    p = parse_period(text)
    return p.start, p.end


def _days(dates: Any) -> np.ndarray:
    if isinstance(dates, pd.Series | pd.Index):
        if dates.dtype.kind != "M":
            dates = pd.to_datetime(dates, errors="coerce")
        return np.asarray(dates.to_numpy()).astype("datetime64[D]")
    arr = np.asarray(dates)
    if arr.dtype.kind != "M":
        arr = pd.to_datetime(pd.Series(arr.ravel()), errors="coerce").to_numpy().reshape(arr.shape)
    return arr.astype("datetime64[D]")


def period_codes(dates: Any, freq: Freq) -> np.ndarray:
    """Integer period numbers, ordered in time (-1 where blank): months since 0 AD, financial
    quarters since 0 AD, or financial years (the starting calendar year)."""
    d = _days(dates)
    blank = np.isnat(d)
    months = d.astype("datetime64[M]").astype("int64") + 1970 * 12  # year * 12 + month - 1
    if freq == "month":
        codes = months
    elif freq == "quarter":
        codes = (months - 3) // 3  # fy_start_year * 4 + quarter - 1
    elif freq == "year":
        codes = (months - 3) // 12
    else:
        raise WorkbenchError(f"unknown period frequency '{freq}' (month, quarter or year)")
    return np.where(blank, -1, codes)


def code_label(code: int, freq: Freq) -> str:
    """The label of a period number from :func:`period_codes`."""
    code = int(code)
    if freq == "month":
        return f"{code // 12}-{code % 12 + 1:02d}"
    if freq == "quarter":
        return f"{_fy_label(code // 4)} Q{code % 4 + 1}"
    return _fy_label(code)


def code_period(code: int, freq: Freq) -> Period:
    """The Period of a period number from :func:`period_codes`."""
    code = int(code)
    if freq == "month":
        return month(code // 12, code % 12 + 1)
    if freq == "quarter":
        return financial_quarter(code // 4, code % 4 + 1)
    return financial_year(code)


def label_dates(dates: Any, freq: Freq = "month") -> pd.Series:
    """Each date's period label, vectorised: "2024-05" (month), "2024-25 Q1" (financial
    quarter) or "2024-25" (financial year); missing where the date is blank."""
    index = dates.index if isinstance(dates, pd.Series) else None
    codes = period_codes(dates, freq)
    uniq, inverse = np.unique(codes, return_inverse=True)
    labels = [code_label(c, freq) if c >= 0 else None for c in uniq]
    out = pd.Series(np.array(labels, dtype=object)[inverse.ravel()], index=index, dtype="string")
    return out


def month_labels(dates: Any) -> pd.Series:
    """"YYYY-MM" of each date."""
    return label_dates(dates, "month")


def quarter_labels(dates: Any) -> pd.Series:
    """"YYYY-YY Qn" financial quarter of each date."""
    return label_dates(dates, "quarter")


def financial_year_labels(dates: Any) -> pd.Series:
    """"YYYY-YY" financial year of each date."""
    return label_dates(dates, "year")


def periods_between(first: dt.date, last: dt.date, freq: Freq) -> list[Period]:
    """Every month / financial quarter / financial year overlapping first..last, in order."""
    lo, hi = period_codes(np.array([first, last], dtype="datetime64[D]"), freq)
    return [code_period(c, freq) for c in range(int(lo), int(hi) + 1)]
