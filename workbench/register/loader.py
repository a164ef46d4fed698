"""The loaded complaints register: canonical frame, validation issues, and the loader API."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.arrays import StringArray

from workbench.register.dates import parse_dates
from workbench.register.identities import IDENTITY_FIELDS, Identities, collect
from workbench.register.mapping import Mapping, header_hints, load_mapping, recognise, resolve
from workbench.register.pseudonym import pseudonym_key, pseudonymise
from workbench.register.reader import read_table
from workbench.register.schema import load_schema
from workbench.register.validation import Context, display_value, validate


@dataclass
class Register:
    """One provider's register in canonical form (see docs/architecture.md for the contract)."""

    frame: pd.DataFrame
    issues: list[Any] = field(default_factory=list)  # list[workbench.register.validation.Issue]
    source: Path | None = None
    sheet: str | None = None
    header_row: int | None = None
    mapping: Any = None  # the effective workbench.register.mapping.Mapping
    warnings: list[str] = field(default_factory=list)  # file-level notes (e.g. no data rows)
    # whom the register names (complainants, staff), from the cells before pseudonymisation:
    # in memory only, for redaction (workbench.reports.redaction); never written
    identities: Identities = field(default_factory=Identities, repr=False, compare=False)

    def has_field(self, name: str) -> bool:
        """Whether the register records ``name`` at all: a column is mapped to it (escalation
        also counts as recorded through a stage or escalation-date column). A frame built by
        hand, with no mapping, records the fields it has as columns."""
        if self.mapping is None:
            return name in self.frame.columns
        columns = self.mapping.columns
        if name == "escalated":
            return any(c in columns for c in ("escalated", "stage", *ESCALATION_DATES))
        return name in columns

    @property
    def rows(self) -> int:
        """Number of records (data rows) in the register."""
        return len(self.frame)

    def error_rows(self, *fields: str) -> set[int]:
        """Spreadsheet rows with an error on any of ``fields`` (on any field when none given)."""
        return {
            i.row for i in self.issues
            if i.severity == "error" and i.row is not None and (not fields or i.field in fields)
        }

    def trusted_dates(self, name: str = "date_received", frame: pd.DataFrame | None = None
                      ) -> pd.Series:
        """The date column ``name`` of ``frame`` (default: the register's), blank (NaT) on the
        rows with an error on it, such as a date received after the reporting date: a typo
        such as 2052 for 2025 must not stretch a chart's axis by 27 years."""
        frame = self.frame if frame is None else frame
        if name not in frame:
            return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
        dates = frame[name].astype("datetime64[ns]")
        bad = self.error_rows(name)
        if not bad or "_row" not in frame:
            return dates
        return dates.mask(frame["_row"].isin(bad))

    def issues_frame(self) -> pd.DataFrame:
        """The issues as a table: row, column, field, check, value, message, severity."""
        cols = ["row", "column", "field", "check", "value", "message", "severity"]
        return pd.DataFrame([{c: getattr(i, c) for c in cols} for i in self.issues], columns=cols)


def _as_text(values: pd.Series) -> pd.Series:
    """Source cells as trimmed text (numbers without a spurious .0, dates as ISO); blank -> NA.

    One pass over the cells: with 100,000 fresh string objects, each extra pass (type inference,
    hashing) costs more in memory traffic than the trimming itself.
    """
    out = [c.strip() or pd.NA if type(c) is str else _other_text(c)
           for c in values.to_numpy(dtype=object)]
    return pd.Series(StringArray(np.array(out, dtype=object)), index=values.index)


def _other_text(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return pd.NA
    return _cell_text(value).strip() or pd.NA


def _cell_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


INT64 = (-(1 << 63), (1 << 63) - 1)
_WHOLE = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _whole(value: Any) -> tuple[int | None, str | None]:
    """A cell as a whole number: (the number, None), (None, None) for a blank, (None, "bad")
    when it is not a whole number, (None, "huge") when it is one too large to hold."""
    if value is None or value is pd.NA or isinstance(value, bool | np.bool_):
        return None, None if value is None or value is pd.NA else "bad"
    if isinstance(value, int | np.integer):
        return int(value), None
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return None, None
        if math.isinf(value):
            return None, "huge"
        return (int(value), None) if float(value).is_integer() else (None, "bad")
    if not isinstance(value, str):
        return None, "bad"
    text = value.strip().replace(",", "")
    if not text:
        return None, None
    if _WHOLE.fullmatch(text):
        return int(text), None
    if not _DECIMAL.fullmatch(text):
        return None, "bad"  # words ("twelve", "nan", "inf") included
    number = float(text)
    if math.isinf(number):  # "1e400": a number, but past any float
        return None, "huge"
    return (int(number), None) if number.is_integer() else (None, "bad")


def _as_int(values: pd.Series, bounds: tuple[int, int] | None = None,
            label: str = "") -> tuple[pd.Series, pd.Series, pd.Series]:
    """Whole numbers as Int64, a mask of the cells that are not whole numbers, and why each
    whole number outside ``bounds`` (the field's, always within int64) is not used (NA where
    fine). Nothing out of range is stored: it would wrap or mislead the figures."""
    low, high = INT64 if bounds is None else (max(bounds[0], INT64[0]), min(bounds[1], INT64[1]))
    codes, uniques = pd.factorize(values.to_numpy(dtype=object))
    numbers: list[int | None] = []
    bad: list[int] = []
    why: list[Any] = []
    for code, value in enumerate(uniques):
        number, problem = _whole(value)
        reason = None
        if problem == "huge" or (number is not None and not INT64[0] <= number <= INT64[1]):
            reason = (f"{display_value(value)} is too large to store (whole numbers run to "
                      f"\u00b1{INT64[1]:,})")
        elif number is not None and not low <= number <= high:
            reason = f"{number:,} is outside {low:,} to {high:,}{label}"
        elif problem == "bad":
            bad.append(code)
        numbers.append(number if reason is None and problem is None else None)
        why.append(pd.NA if reason is None else reason)
    table = np.array([*numbers, None], dtype=object)  # code -1 (blank) -> None
    out = pd.Series(pd.array(table[codes], dtype="Int64"), index=values.index)
    reasons = pd.Series(pd.array(np.array([*why, pd.NA], dtype=object)[codes], dtype="string"),
                        index=values.index)
    return out, pd.Series(np.isin(codes, bad), index=values.index), reasons


def load_register(path: str | Path, mapping: Any = None, *, as_of: dt.date | None = None,
                  identities: bool = False, schema: Any = None) -> Register:
    """Read, map, convert and validate a provider's register (docs/architecture.md, "Register").

    ``mapping`` is a mapping YAML path, a ``Mapping`` or None (headers recognised by synonyms).
    Raises InputFileError (exit 2) when the file cannot be read at all and ValidationFailed
    (exit 2) when the mapping is invalid or names a column the file lacks; every problem in the
    data itself is an Issue in ``Register.issues``.
    """
    schema = schema or load_schema()
    if mapping is not None and not isinstance(mapping, Mapping):
        mapping = load_mapping(mapping, schema)
    raw = read_table(path, sheet=mapping.sheet if mapping else None,
                     header_row=mapping.header_row if mapping else None,
                     hints=header_hints(mapping, schema))
    effective = resolve(raw, mapping, schema, strict=True)
    n = len(raw.rows)
    index = pd.RangeIndex(n)
    cols: dict[str, pd.Series] = {}
    key: bytes | None = None
    ctx = Context(frame=pd.DataFrame(), source={}, columns=dict(effective.columns), schema=schema,
                  as_of=as_of or dt.date.today(), warn_ambiguous=not effective.dates_explicit)
    number_check = schema.checks.get("invalid_number")
    number_checks = number_check.params if number_check else {}
    for f in schema.fields.values():
        header = effective.columns.get(f.name)
        if header is None:
            dtype = {"date": "datetime64[ns]", "bool": "boolean", "int": "Int64"}.get(f.type,
                                                                                     "string")
            cols[f.name] = pd.Series(pd.NA if dtype != "datetime64[ns]" else pd.NaT,
                                     index=index, dtype=dtype)
            continue
        src = raw.column(header).set_axis(index)
        if f.type == "date":
            parsed = parse_dates(src, effective.dates, date1904=raw.date1904)
            ctx.dates[f.name] = parsed
            cols[f.name] = parsed.values
            ctx.source[f.name] = src
            ctx.blank[f.name] = parsed.values.isna() & parsed.reasons.isna()
        elif f.type in ("category", "bool"):
            cols[f.name], unknown = recognise(src, f.name, effective, schema)
            if unknown.any():
                ctx.unknown[f.name] = unknown
            if f.marked_only_when_true:  # a blank cell is No; a "not known" spelling stays NA
                blank = _as_text(src).isna()
                if not blank.all():  # a column left empty throughout records nothing
                    cols[f.name] = cols[f.name].mask(blank, False)
            ctx.source[f.name] = src
        elif f.type == "int":
            bounds = number_checks.get("bounds", {}).get(f.name)
            cols[f.name], bad, outside = _as_int(src, tuple(bounds) if bounds else None,
                                                 f" for {f.label}" if bounds else "")
            if bad.any():
                ctx.bad_number[f.name] = bad
            if outside.notna().any():
                ctx.out_of_range[f.name] = outside
            ctx.source[f.name] = src
        elif f.personal and not identities:
            # tokens straight from the cells (hashing trims and folds case itself)
            key = key or pseudonym_key()
            cols[f.name] = pseudonymise(src, key)
            ctx.source[f.name] = cols[f.name]
        else:
            cols[f.name] = _as_text(src)
            ctx.source[f.name] = cols[f.name]
    frame = pd.DataFrame(cols, index=index)
    if schema.fields.get("record_kind") and schema.fields["record_kind"].default:
        frame["record_kind"] = frame["record_kind"].fillna(schema.fields["record_kind"].default)
    _derive_escalated(frame, effective.columns)
    frame["_row"] = pd.Series(raw.rows, index=index, dtype="int64")
    ctx.frame = frame
    issues = validate(ctx)
    found = collect({name: raw.column(header) for name, header in effective.columns.items()
                     if name in IDENTITY_FIELDS})
    return Register(frame=frame, issues=issues, source=Path(path), sheet=raw.sheet,
                    header_row=raw.header_row, mapping=effective, warnings=list(raw.warnings),
                    identities=found)


ESCALATION_DATES = ("date_stage2", "date_commissioner", "date_ombudsman")
ESCALATED_STAGES = ("2", "commissioner", "ombudsman")


def _derive_escalated(frame: pd.DataFrame, columns: dict[str, str]) -> None:
    """escalated = the source says so OR a later-stage date or stage is recorded.

    Where the register has no escalated column but does record stage or escalation dates, a row
    with none of them is not escalated (False); where it has the column, a blank stays unknown.
    """
    evidence = np.zeros(len(frame), dtype=bool)
    if "stage" in columns:  # (== rather than isin: isin is very slow on all-NA strings)
        for stage in ESCALATED_STAGES:
            evidence |= frame["stage"].eq(stage).to_numpy(dtype=bool, na_value=False)
    for name in ESCALATION_DATES:
        if name in columns:
            evidence |= frame[name].notna().to_numpy()
    escalated = frame["escalated"].mask(evidence, True)
    if "escalated" not in columns and any(c in columns for c in ("stage", *ESCALATION_DATES)):
        escalated = escalated.fillna(False)
    frame["escalated"] = escalated.astype("boolean")
