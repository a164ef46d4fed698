"""Vectorised parsing of a date column holding any mix of real dates, Excel serials and text.

Rules (documented for auditors):
- Real date cells are kept (the time of day is dropped).
- Numbers are Excel day serials in the workbook's date system: 1900 (Excel's default, with its
  leap-year bug: serial 60 is the non-existent 29 Feb 1900) or 1904 (old Mac workbooks). A date
  cell before 1 March 1900 gets a reason: the reader turns serials 59 and 60 (the phantom 29
  Feb) alike into 28 Feb 1900, so such a cell cannot be trusted.
- A year pandas cannot hold (before 1678 or after 2261, such as 31/12/9999) gets a reason too.
- Text: ISO "2024-04-03" is always year-month-day. Other all-number dates ("03/04/2024",
  "3.4.24", "03-04-2024") follow the order setting: day-first by default (UK), month-first or
  ISO-only when the mapping says so. Month names ("3 Apr 2024", "April 3, 2024") are unambiguous.
  Two-digit years pivot as Excel does: 00-29 are 2000s, 30-99 are 1900s.
- A value that is not a real date ("31/02/2024", "TBC") gets a reason; it never silently becomes a
  blank. Blank cells are simply missing.
- Ambiguity: ``ambiguous`` marks a value that could be read the other way too ("03/04/2024").
  ``only_dayfirst`` / ``only_monthfirst`` mark the values that show a column's order: readable
  one way only ("13/04/2024", "04/13/2024"). With the order stated (a mapping's ``dates:``)
  every value is read that way. With it not stated (``order=None``) the unambiguous values are
  read day-first (the UK default) and the ambiguous ones follow the column's order when its
  values show one: in a column whose only one-way values are month-first, "04/12/2023" is read
  12 April. A value valid only month-first stays invalid until the order is stated, so a
  mis-set register is never half-read silently (validation explains it in one line).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

DateOrder = Literal["dayfirst", "monthfirst", "iso"]
DATE_ORDERS: tuple[str, ...] = ("dayfirst", "monthfirst", "iso")

_TIME = (r"(?:[T ]+\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d+)?)?\s*(?:[AaPp]\.?[Mm]\.?)?"
         r"(?:Z|[+-]\d{2}:?\d{2})?)?")
_ISO = rf"^(?P<y>\d{{4}})[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}}){_TIME}$"
_NUMERIC = rf"^(?P<a>\d{{1,2}})[-/.](?P<b>\d{{1,2}})[-/.](?P<y>\d{{4}}|\d{{2}}){_TIME}$"
_WEEKDAY = r"(?:[A-Za-z]+\.?,?\s+)?"
_NAMED_DAY_FIRST = (rf"^{_WEEKDAY}(?P<d>\d{{1,2}})(?:st|nd|rd|th)?[\s\-/.]*(?P<mon>[A-Za-z]+)\.?"
                    rf"[\s\-/.,]*(?P<y>\d{{4}}|\d{{2}}){_TIME}$")
_NAMED_MONTH_FIRST = (rf"^{_WEEKDAY}(?P<mon>[A-Za-z]+)\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+"
                      rf"(?P<y>\d{{4}}){_TIME}$")

_MONTHS = {name: i for i, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
     ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
     ("oct", "october"), ("nov", "november"), ("dec", "december")], start=1) for name in names}
_MONTH_NAMES = ["", "January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December"]

# Excel 1900 system: serial 1 = 1900-01-01; serials from 61 count from 1899-12-30 because Excel
# treats 1900 as a leap year (serial 60 = 29 Feb 1900, a day that never was).
_EPOCH_1900_EARLY = np.datetime64("1899-12-31", "D")
_EPOCH_1900 = np.datetime64("1899-12-30", "D")
_EPOCH_1904 = np.datetime64("1904-01-01", "D")
_MAX_SERIAL = 2958465  # 9999-12-31
# datetime64[ns] covers 1677-09-21 .. 2262-04-11: keep to whole years inside it
_MIN_YEAR, _MAX_YEAR = 1678, 2261
_LOW, _HIGH = np.datetime64("1678-01-01", "D"), np.datetime64("2261-12-31", "D")
_RELIABLE = pd.Timestamp("1900-03-01")  # Excel's day numbers are right from here on
_PHANTOM = ("where Excel's day numbers run through its phantom 29 February 1900 (day 60), "
            "so the date cannot be trusted")


@dataclass(frozen=True)
class OrderEvidence:
    """What a column's (or a file's) typed dates say about their order: how many can only be
    day-first, only month-first, and how many are valid either way."""

    dayfirst: int = 0
    monthfirst: int = 0
    ambiguous: int = 0

    def __add__(self, other: OrderEvidence) -> OrderEvidence:
        return OrderEvidence(self.dayfirst + other.dayfirst, self.monthfirst + other.monthfirst,
                             self.ambiguous + other.ambiguous)

    @property
    def order(self) -> str | None:
        """"dayfirst" or "monthfirst" when the one-way values all point the same way."""
        if self.dayfirst and not self.monthfirst:
            return "dayfirst"
        if self.monthfirst and not self.dayfirst:
            return "monthfirst"
        return None

    @property
    def conflicting(self) -> bool:
        return bool(self.dayfirst and self.monthfirst)

    @property
    def undecided(self) -> bool:
        """Ambiguous values and nothing to tell their order."""
        return bool(self.ambiguous) and not (self.dayfirst or self.monthfirst)


@dataclass
class ParsedDates:
    """The parsed column plus, per row, why a value failed and what it says about the order."""

    values: pd.Series     # datetime64[ns], NaT when blank or invalid
    reasons: pd.Series    # string: why the value is not a date; NA when fine or blank
    ambiguous: pd.Series  # bool: valid both day-first and month-first ("03/04/2024")
    # bool: the second / first number can only be the day (13..31), so the value can only be
    # month-first ("04/13/2024") / day-first ("13/04/2024"), even if impossible ("02/30/2024")
    only_monthfirst: pd.Series
    only_dayfirst: pd.Series
    other_way: pd.Series  # bool: invalid as read but a real date read the other way round
    order: str = "dayfirst"     # how the unambiguous values were read
    ambiguous_order: str = "dayfirst"  # how the ambiguous ones were (the column's, if not stated)
    stated: bool = True         # False when the order was not given (``order=None``)

    @property
    def invalid(self) -> pd.Series:
        return self.reasons.notna()

    @property
    def evidence(self) -> OrderEvidence:
        return OrderEvidence(int(self.only_dayfirst.sum()), int(self.only_monthfirst.sum()),
                             int(self.ambiguous.sum()))


def format_date(value: dt.date | pd.Timestamp) -> str:
    """How messages show a date: "3 Apr 2024" (never ambiguous)."""
    return f"{value.day} {_MONTH_NAMES[value.month][:3]} {value.year}"


def _full_year(digits: pd.Series) -> pd.Series:
    """Year from its digits; two-digit years pivot as Excel's do (00-29 -> 2000s)."""
    year = digits.astype(int)
    return year.where(digits.str.len() > 2, np.where(year < 30, 2000 + year, 1900 + year))


def _assemble(year: pd.Series, month: pd.Series, day: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates from integer parts; impossible combinations give NaT and a reason."""
    year, month, day = (p.astype("int64") for p in (year, month, day))
    ok_range = year.between(_MIN_YEAR, _MAX_YEAR) & month.between(1, 12) & day.between(1, 31)
    parts = pd.DataFrame({"year": year.where(ok_range, 2000), "month": month.where(ok_range, 1),
                          "day": day.where(ok_range, 1)})
    values = pd.to_datetime(parts, errors="coerce").where(ok_range)
    reasons = pd.Series(pd.NA, index=year.index, dtype="string")
    for i in values.index[values.isna()]:
        y, m, d = int(year[i]), int(month[i]), int(day[i])
        if not _MIN_YEAR <= y <= _MAX_YEAR:
            reasons[i] = f"year {y} is out of range"
        elif not 1 <= m <= 12:
            reasons[i] = f"there is no month {m}"
        else:
            reasons[i] = f"{_MONTH_NAMES[m]} {y} has no day {d}"
    return values, reasons


def _parse_text(text: pd.Series, order: str) -> tuple[pd.Series, ...]:
    """Parse non-null strings: (values, reasons, ambiguous, only_monthfirst, only_dayfirst,
    other_way); blanks stay NaT."""
    idx = text.index
    values = pd.Series(pd.NaT, index=idx, dtype="datetime64[ns]")
    reasons = pd.Series(pd.NA, index=idx, dtype="string")
    ambiguous = pd.Series(False, index=idx)
    only_mf = pd.Series(False, index=idx)
    only_df = pd.Series(False, index=idx)
    other_way = pd.Series(False, index=idx)
    todo = pd.Series(True, index=idx)

    # fast path: the whole column in its most likely exact format, in C
    fast_format = {"dayfirst": "%d/%m/%Y", "monthfirst": "%m/%d/%Y", "iso": "%Y-%m-%d"}[order]
    for fmt in dict.fromkeys(("%Y-%m-%d", fast_format)):
        if not todo.any():
            break
        sub = text[todo]
        got = pd.to_datetime(sub, format=fmt, errors="coerce")
        year = got.dt.year
        hit = (got.notna() & year.between(_MIN_YEAR, _MAX_YEAR)).to_numpy()
        got = got[hit]
        if not len(got):
            continue
        values[got.index] = got.dt.normalize().astype("datetime64[ns]")
        todo[got.index] = False
        if fmt != "%Y-%m-%d":
            d, m = got.dt.day, got.dt.month
            ambiguous[got.index] = ((d <= 12) & (m <= 12) & (d != m)).to_numpy()
            (only_df if order == "dayfirst" else only_mf)[got.index] = (d > 12).to_numpy()

    # only what the fast path left is stripped: stripping every cell costs more than parsing
    rest = text[todo].str.strip()
    todo[rest.index] = rest.ne("").to_numpy()
    text = rest[todo[rest.index].to_numpy()]
    rest = text
    if len(rest):
        iso = rest.str.extract(_ISO).dropna()
        if len(iso):
            v, r = _assemble(iso["y"].astype(int), iso["m"].astype(int), iso["d"].astype(int))
            values[v.index], reasons[r.index] = v, r
            todo[iso.index] = False
        rest = text[todo[text.index]]
    if len(rest):
        num = rest.str.extract(_NUMERIC).dropna()
        if len(num):
            a, b = num["a"].astype(int), num["b"].astype(int)
            year = _full_year(num["y"])
            # a number 13..31 can only be the day: it shows the order even in "31/02/2024"
            only_df[num.index] = a.between(13, 31) & b.between(1, 12)
            only_mf[num.index] = b.between(13, 31) & a.between(1, 12)
            if order == "iso":
                reasons[num.index] = ("not an ISO date (YYYY-MM-DD), as the mapping says "
                                      "the dates are")
            else:
                day, month = (a, b) if order == "dayfirst" else (b, a)
                v, r = _assemble(year, month, day)
                values[v.index], reasons[r.index] = v, r
                ambiguous[num.index] = a.between(1, 12) & b.between(1, 12) & (a != b)
                flip = (only_mf if order == "dayfirst" else only_df)[num.index]
                if flip.any():  # is it a real date read the other way round?
                    v, _ = _assemble(year[flip], day[flip], month[flip])
                    other_way[v.index] = v.notna()
            todo[num.index] = False
        rest = text[todo[text.index]]
    for pattern in (_NAMED_DAY_FIRST, _NAMED_MONTH_FIRST):
        if not len(rest):
            break
        named = rest.str.extract(pattern).dropna()
        month = named["mon"].str.lower().map(_MONTHS) if len(named) else named["mon"]
        named = named[month.notna()]
        if len(named):
            v, r = _assemble(_full_year(named["y"]), month[named.index].astype(int),
                             named["d"].astype(int))
            values[v.index], reasons[r.index] = v, r
            todo[named.index] = False
        rest = text[todo[text.index]]
    reasons[rest.index] = "not a recognised date"
    return values, reasons, ambiguous, only_mf, only_df, other_way


def _parse_serials(numbers: pd.Series, date1904: bool) -> tuple[pd.Series, pd.Series]:
    days = np.floor(numbers.to_numpy(dtype="float64"))
    reasons = pd.Series(pd.NA, index=numbers.index, dtype="string")
    if date1904:
        bad = (days < 0) | (days > _MAX_SERIAL)
        stamp = _EPOCH_1904 + np.where(bad, 0, days).astype("int64").astype("timedelta64[D]")
    else:
        bad = (days < 1) | (days > _MAX_SERIAL) | (days == 60)
        d = np.where(bad, 1, days).astype("int64")
        stamp = np.where(d < 60, _EPOCH_1900_EARLY, _EPOCH_1900) + d.astype("timedelta64[D]")
        reasons[days == 60] = "Excel day 60 is 29 February 1900, which never existed"
    bad |= (stamp < _LOW) | (stamp > _HIGH)
    reasons[bad & reasons.isna().to_numpy()] = "the number is not an Excel date in range"
    values = pd.Series(np.where(bad, np.datetime64("NaT"), stamp).astype("datetime64[ns]"),
                       index=numbers.index)
    return values, reasons


def _typed(values: pd.Series, *, workbook: bool = True) -> tuple[pd.Series, pd.Series]:
    """Date and datetime cells as dates (datetime64[ns], the time of day dropped) and, for each
    one not used, why: a year pandas cannot hold, or (``workbook``: cells a workbook holds as
    Excel day numbers) a day before 1 March 1900."""
    try:
        got = pd.to_datetime(values.astype(object), errors="coerce")
    except (ValueError, TypeError):  # time zones mixed with naive cells
        got = pd.to_datetime(values.astype(object), errors="coerce", utc=True)
    if getattr(got.dt, "tz", None) is not None:
        got = got.dt.tz_localize(None)
    return _in_range(got, workbook=workbook)


def _in_range(got: pd.Series, *, workbook: bool) -> tuple[pd.Series, pd.Series]:
    reasons = pd.Series(pd.NA, index=got.index, dtype="string")
    year = got.dt.year
    far = np.array(got.notna() & ~year.between(_MIN_YEAR, _MAX_YEAR), dtype=bool)
    for i in np.flatnonzero(far):
        reasons.iat[i] = f"year {int(year.iat[i])} is out of range"
    if workbook:
        early = np.array(got.notna() & (got < _RELIABLE), dtype=bool) & ~far
        for i in np.flatnonzero(early):
            reasons.iat[i] = f"{format_date(got.iat[i])} is before 1 March 1900, {_PHANTOM}"
        far |= early
    if far.any():
        got = got.mask(far)
    return got.dt.normalize().astype("datetime64[ns]"), reasons


def parse_dates(values: pd.Series, order: DateOrder | None = "dayfirst", *,
                date1904: bool = False) -> ParsedDates:
    """Parse one column; the result keeps the input's index.

    ``order`` None means the order was not stated: day-first, with ambiguous values following
    the column's order where its values show one (see the module notes).
    """
    if order is not None and order not in DATE_ORDERS:
        raise ValueError(f"date order must be one of {DATE_ORDERS}")
    read = order or "dayfirst"
    idx = values.index
    out = pd.Series(pd.NaT, index=idx, dtype="datetime64[ns]")
    reasons = pd.Series(pd.NA, index=idx, dtype="string")
    ambiguous = pd.Series(False, index=idx)
    only_mf = pd.Series(False, index=idx)
    only_df = pd.Series(False, index=idx)
    other_way = pd.Series(False, index=idx)

    def result(values: pd.Series) -> ParsedDates:
        return ParsedDates(values, reasons, ambiguous, only_mf, only_df, other_way, order=read,
                           ambiguous_order=read, stated=order is not None)

    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        out = values.dt.tz_localize(None) if values.dt.tz is not None else values
        out, reasons = _in_range(out, workbook=False)
        return result(out)

    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in ("datetime", "date", "datetime64"):
        out, reasons = _typed(values)
        return result(out)
    present = values.notna()
    if kind in ("string", "empty"):
        is_text, is_num, is_dt = present, pd.Series(False, index=idx), pd.Series(False, index=idx)
    else:
        # a mixed column (typed by hand): sort each cell by its Python type
        types = values[present].map(type)
        is_text = types.map(lambda t: issubclass(t, str)).reindex(idx, fill_value=False)
        is_dt = types.map(lambda t: issubclass(t, dt.date | np.datetime64)).reindex(
            idx, fill_value=False)
        is_num = types.map(lambda t: issubclass(t, int | float | np.number)
                           and not issubclass(t, bool | np.bool_)).reindex(idx, fill_value=False)
    is_other = present & ~is_text & ~is_num & ~is_dt

    if is_dt.any():
        got, why = _typed(values[is_dt])
        out[got.index], reasons[why.index] = got, why
    if is_num.any():
        v, r = _parse_serials(values[is_num].astype("float64"), date1904)
        out[v.index], reasons[r.index] = v, r
    if is_text.any():
        text = values[is_text].astype("string")
        v, r, amb, mf, df, other = _parse_text(text, read)
        out[v.index], reasons[r.index] = v, r
        ambiguous[amb.index], only_mf[mf.index], only_df[df.index] = amb, mf, df
        other_way[other.index] = other
    reasons[is_other] = "not a date"
    parsed = result(out.astype("datetime64[ns]"))
    if order is None and parsed.evidence.order == "monthfirst":
        _swap_ambiguous(parsed)
    return parsed


def _swap_ambiguous(parsed: ParsedDates) -> None:
    """Read the ambiguous values of a day-first-read column month-first instead."""
    swap = parsed.ambiguous & parsed.values.notna()
    if swap.any():
        v = parsed.values[swap]
        parts = pd.DataFrame({"year": v.dt.year, "month": v.dt.day, "day": v.dt.month})
        parsed.values[swap] = pd.to_datetime(parts).astype("datetime64[ns]")
    parsed.ambiguous_order = "monthfirst"
