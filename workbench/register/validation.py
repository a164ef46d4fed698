"""Register validation: the schema's checks, each over the whole frame, every failure collected."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.register.dates import ParsedDates, format_date
from workbench.register.schema import CheckDef, Schema


@dataclass(frozen=True)
class Issue:
    """One failure: where (spreadsheet row, source column, canonical field), what and how bad."""

    row: int | None
    column: str | None
    field: str | None
    check: str
    value: str | None
    message: str
    severity: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "field": self.field, "check": self.check,
                "value": self.value, "message": self.message, "severity": self.severity}


@dataclass
class Context:
    """What the checks look at: the canonical frame plus what the conversion found in the source."""

    frame: pd.DataFrame                 # canonical, typed, with _row
    source: dict[str, pd.Series]        # field -> source cells, blanks as NA (for required/values)
    columns: dict[str, str]             # field -> source header
    schema: Schema
    as_of: dt.date
    dates: dict[str, ParsedDates] = field(default_factory=dict)
    unknown: dict[str, pd.Series] = field(default_factory=dict)     # field -> bool mask
    bad_number: dict[str, pd.Series] = field(default_factory=dict)  # field -> bool mask
    warn_ambiguous: bool = True         # False when the mapping states the date order
    blank: dict[str, pd.Series] = field(default_factory=dict)  # field -> blank-cell mask


def display_value(value: Any) -> str | None:
    """A source cell as the user would recognise it in a message."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float):
        if np.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, bool | np.bool_):
        return "TRUE" if value else "FALSE"
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _issues(ctx: Context, check: CheckDef, name: str, mask: pd.Series,
            message: Callable[[int], str] | str) -> Iterator[Issue]:
    """An Issue per True in ``mask``; ``message`` is fixed text or built from the row position."""
    f = ctx.schema.fields.get(name)
    column = ctx.columns.get(name)
    personal = bool(f and f.personal)
    src = ctx.source.get(name)
    rows = ctx.frame["_row"]
    for i in np.flatnonzero(mask.to_numpy(dtype=bool, na_value=False)):
        value = None if personal or src is None else display_value(src.iat[i])
        text = message(i) if callable(message) else message
        yield Issue(int(rows.iat[i]), column, name, check.name, value, text, check.severity)


def required_missing(ctx: Context, check: CheckDef) -> Iterator[Issue]:
    for f in ctx.schema.fields.values():
        if not f.required:
            continue
        if f.name not in ctx.columns:
            yield Issue(None, None, f.name, check.name, None,
                        f"required column not found: no column holds the {f.label} "
                        "(add it under columns: in the mapping)", check.severity)
            continue
        blank = ctx.blank.get(f.name)
        if blank is None:
            blank = ctx.source[f.name].isna()
        yield from _issues(ctx, check, f.name, blank, check.format())


def duplicate_reference(ctx: Context, check: CheckDef) -> Iterator[Issue]:
    for f in ctx.schema.fields.values():
        if not f.unique or f.name not in ctx.columns:
            continue
        ref = ctx.frame[f.name]
        dup = ref.notna() & ref.duplicated(keep=False)
        if not dup.any():
            continue
        rows = ctx.frame["_row"][dup]
        groups = rows.groupby(ref[dup], sort=False)
        first, second = groups.transform("min"), groups.transform(lambda r: r.nsmallest(2).iat[-1])
        other = first.where(first != rows, second)
        other_at = pd.Series(other.to_numpy(), index=np.flatnonzero(dup.to_numpy()))
        yield from _issues(ctx, check, f.name, dup,
                           lambda i, at=other_at: check.format(other_row=int(at[i])))


def invalid_date(ctx: Context, check: CheckDef) -> Iterator[Issue]:
    for name, parsed in ctx.dates.items():
        reasons = parsed.reasons
        yield from _issues(ctx, check, name, reasons.notna(),
                           lambda i, r=reasons: check.format(reason=r.iat[i]))


def ambiguous_date(ctx: Context, check: CheckDef) -> Iterator[Issue]:
    if not ctx.warn_ambiguous:
        return
    for name, parsed in ctx.dates.items():
        if not parsed.only_monthfirst.any():
            continue
        values = ctx.frame[name]
        yield from _issues(ctx, check, name, parsed.ambiguous & parsed.reasons.isna(),
                           lambda i, v=values: check.format(read_as=format_date(v.iat[i])))


def date_before_received(ctx: Context, check: CheckDef) -> Iterator[Issue]:
    received = ctx.frame["date_received"]
    fields = check.params.get("fields") or [f.name for f in ctx.schema.of_type("date")]
    for name in fields:
        if name not in ctx.columns or name == "date_received":
            continue
        label = ctx.schema.fields[name].label
        yield from _issues(ctx, check, name, ctx.frame[name] < received,
                           lambda i, lab=label: check.format(
                               field_label=lab, received=format_date(received.iat[i])))


def received_after_as_of(ctx: Context, check: CheckDef) -> Iterator[Issue]:
    received = ctx.frame["date_received"]
    yield from _issues(ctx, check, "date_received", received > pd.Timestamp(ctx.as_of),
                       check.format(as_of=format_date(ctx.as_of)))


def unknown_value(ctx: Context, check: CheckDef) -> Iterator[Issue]:
    for name, mask in ctx.unknown.items():
        f = ctx.schema.fields[name]
        allowed = "yes, no" if f.type == "bool" else ", ".join(f.allowed or ())
        yield from _issues(ctx, check, name, mask,
                           check.format(field_label=f.label, allowed=allowed))


def invalid_number(ctx: Context, check: CheckDef) -> Iterator[Issue]:
    for name, mask in ctx.bad_number.items():
        yield from _issues(ctx, check, name, mask, check.format())


def late_complaint(ctx: Context, check: CheckDef) -> Iterator[Issue]:
    if "date_of_event" not in ctx.columns:
        return
    frame = ctx.frame
    late = (frame["date_of_event"] + pd.DateOffset(months=12)) < frame["date_received"]
    late &= frame["record_kind"].fillna("complaint").eq("complaint")
    yield from _issues(ctx, check, "date_received", late, check.format())


CHECKS: dict[str, Callable[[Context, CheckDef], Iterator[Issue]]] = {
    "required_missing": required_missing,
    "duplicate_reference": duplicate_reference,
    "invalid_date": invalid_date,
    "ambiguous_date": ambiguous_date,
    "date_before_received": date_before_received,
    "received_after_as_of": received_after_as_of,
    "unknown_value": unknown_value,
    "invalid_number": invalid_number,
    "late_complaint": late_complaint,
}


def validate(ctx: Context) -> list[Issue]:
    """Run every check the schema declares; issues sorted by row, then field order, then check."""
    issues: list[Issue] = []
    for name, check in ctx.schema.checks.items():
        run = CHECKS.get(name)
        if run is None:
            raise KeyError(f"schema check {name!r} has no implementation in "
                           "workbench.register.validation")
        issues.extend(run(ctx, check))
    field_order = {name: i for i, name in enumerate(ctx.schema.fields)}
    check_order = {name: i for i, name in enumerate(ctx.schema.checks)}
    issues.sort(key=lambda i: (i.row is not None, i.row or 0, field_order.get(i.field, 999),
                               check_order[i.check]))
    return issues
