"""Register validation: the schema's checks, each over the whole frame, every failure collected."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.register.dates import OrderEvidence, ParsedDates, format_date
from workbench.register.schema import CheckDef, Schema

DATE_ORDER_GROUP = "date_order"


@dataclass(frozen=True)
class Issue:
    """One failure: where (spreadsheet row, source column, canonical field), what and how bad.

    ``group`` ties row issues to the one issue without a row (same group) that explains them
    all, so a report can print that one line instead of thousands (the rows stay in the list).
    """

    row: int | None
    column: str | None
    field: str | None
    check: str
    value: str | None
    message: str
    severity: str
    group: str | None = None

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
    out_of_range: dict[str, pd.Series] = field(default_factory=dict)  # field -> reason or NA
    warn_ambiguous: bool = True         # False when the mapping states the date order
    blank: dict[str, pd.Series] = field(default_factory=dict)  # field -> blank-cell mask


def display_value(value: Any) -> str | None:
    """A source cell as the user would recognise it in a message."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float):
        if np.isnan(value):
            return None
        # 1e+26 stays 1e+26: its digits past float precision would be made up
        return str(int(value)) if value.is_integer() and abs(value) < 2 ** 63 else str(value)
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
            message: Callable[[int], str] | str,
            grouped: pd.Series | None = None) -> Iterator[Issue]:
    """An Issue per True in ``mask``; ``message`` is fixed text or built from the row position;
    rows True in ``grouped`` belong to the date-order group."""
    f = ctx.schema.fields.get(name)
    column = ctx.columns.get(name)
    personal = bool(f and f.personal)
    src = ctx.source.get(name)
    rows = ctx.frame["_row"]
    in_group = (np.zeros(len(mask), dtype=bool) if grouped is None
                else grouped.to_numpy(dtype=bool, na_value=False))
    for i in np.flatnonzero(mask.to_numpy(dtype=bool, na_value=False)):
        value = None if personal or src is None else display_value(src.iat[i])
        text = message(i) if callable(message) else message
        yield Issue(int(rows.iat[i]), column, name, check.name, value, text, check.severity,
                    DATE_ORDER_GROUP if in_group[i] else None)


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


# ---------------------------------------------------------------------------------------------
# dates and their order

_OTHER = {"dayfirst": "monthfirst", "monthfirst": "dayfirst"}
_WORD = {"dayfirst": "day-first", "monthfirst": "month-first"}
_PATTERN = {"dayfirst": "DD/MM/YYYY", "monthfirst": "MM/DD/YYYY"}


@dataclass
class OrderReview:
    """The date columns seen together: which clearly follow the other order than they were read
    in (``flipped``), which clearly follow it (``agreeing``) and which, the order not being
    stated, hold only dates that could be either way (``undecided``)."""

    read: str | None = None          # the order the unambiguous values were read in
    stated: bool = True
    flipped: list[str] = field(default_factory=list)
    agreeing: list[str] = field(default_factory=list)
    undecided: list[str] = field(default_factory=list)
    evidence: OrderEvidence = field(default_factory=OrderEvidence)  # over every date column

    @property
    def other(self) -> str | None:
        return _OTHER.get(self.read or "")


def review_order(dates: dict[str, ParsedDates]) -> OrderReview:
    review = OrderReview()
    for name, parsed in dates.items():
        evidence = parsed.evidence
        review.evidence += evidence
        if parsed.order not in _OTHER:
            continue
        review.read, review.stated = parsed.order, parsed.stated
        if evidence.order == _OTHER[parsed.order]:
            review.flipped.append(name)
        elif evidence.order == parsed.order:
            review.agreeing.append(name)
        elif not parsed.stated and evidence.undecided:
            review.undecided.append(name)
    return review


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _listing(ctx: Context, names: list[str]) -> str:
    shown = [f'"{ctx.columns.get(n, n)}"' for n in names]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


def _where(ctx: Context, names: list[str], among: list[str]) -> tuple[str | None, str | None,
                                                                      str]:
    """(column, field, " in ...") for a note about ``names`` (of the columns ``among``): one
    column is the issue's own; several are named in the message unless they are all."""
    if len(names) == 1:
        return ctx.columns.get(names[0]), names[0], ""
    return None, None, "" if set(names) == set(among) else f" in {_listing(ctx, names)}"


def _flipped_note(ctx: Context, check: CheckDef, review: OrderReview) -> Issue:
    read, other = review.read or "dayfirst", review.other or "monthfirst"
    wrong = sum(int(ctx.dates[n].other_way.sum()) for n in review.flipped)
    followed = sum(int((ctx.dates[n].ambiguous & ctx.dates[n].reasons.isna()).sum())
                   for n in review.flipped if ctx.dates[n].ambiguous_order == other)
    showing = [n for n, p in ctx.dates.items() if p.evidence.dayfirst or p.evidence.monthfirst]
    column, name, where = _where(ctx, review.flipped, showing)
    text = (f"dates look {_WORD[other]} ({_PATTERN[other]}){where}: {_plural(wrong, 'date')} "
            f"{'is' if wrong == 1 else 'are'} impossible {_WORD[read]} but valid {_WORD[other]}")
    also = (f", and {_plural(followed, 'ambiguous date')} {'was' if followed == 1 else 'were'} "
            f"read {_WORD[other]}, like the rest of {'its' if followed == 1 else 'their'} column"
            if followed else "")
    if review.agreeing:
        one = len(review.agreeing) == 1
        text += (f"; but {_listing(ctx, review.agreeing)} look{'s' if one else ''} "
                 f"{_WORD[read]} and one order applies to the whole file: correct the dates that "
                 f"disagree (until then they are not used{also})")
    else:
        text += f"; set `dates: {other}` in the mapping"
        if review.stated:
            text += f" (it says `dates: {read}`)"
        text += f"; until then they are not used{also}"
    return Issue(None, column, name, check.name, None, text, check.severity, DATE_ORDER_GROUP)


def _undecided_note(ctx: Context, check: CheckDef, review: OrderReview) -> Issue:
    names = review.undecided
    count = sum(int(ctx.dates[n].ambiguous.sum()) for n in names)
    first = int(np.flatnonzero(ctx.dates[names[0]].ambiguous.to_numpy())[0])
    example = display_value(ctx.source[names[0]].iat[first]) if names[0] in ctx.source else None
    holding = [n for n, p in ctx.dates.items() if p.evidence.ambiguous]
    column, name, where = _where(ctx, names, holding)
    text = (f"{_plural(count, 'date')}{where} could be day-first or month-first"
            + (f' (e.g. "{example}")' if example else ""))
    if review.evidence.order is None and not review.evidence.conflicting:
        text += " and no date in the file shows which"
    elif review.evidence.conflicting:
        text += " and the file's other dates disagree on the order"
    else:
        text += f" while the file's other dates look {_WORD[review.evidence.order]}"
    text += ("; read day-first (the UK default): the mapping must state the order, "
             "`dates: dayfirst` or `dates: monthfirst`")
    return Issue(None, column, name, check.name, None, text, check.severity)


def invalid_date(ctx: Context, check: CheckDef) -> Iterator[Issue]:
    flipped = set(review_order(ctx.dates).flipped)
    for name, parsed in ctx.dates.items():
        reasons = parsed.reasons
        grouped = parsed.other_way if name in flipped else None
        yield from _issues(ctx, check, name, reasons.notna(),
                           lambda i, r=reasons: check.format(reason=r.iat[i]), grouped)


def ambiguous_date(ctx: Context, check: CheckDef) -> Iterator[Issue]:
    """One note when dates clearly follow the other order than they were read in, or when the
    order is not stated and nothing shows it; a warning per ambiguous date read in an order
    the mapping did not state (its column's, or day-first in a column of mixed orders)."""
    review = review_order(ctx.dates)
    if review.flipped:
        yield _flipped_note(ctx, check, review)
    if review.undecided and review.evidence.order != review.read:
        yield _undecided_note(ctx, check, review)
    if not ctx.warn_ambiguous:
        return
    for name, parsed in ctx.dates.items():
        if parsed.stated:
            continue
        values = ctx.frame[name]
        mask = parsed.ambiguous & parsed.reasons.isna()
        if name in review.flipped and parsed.ambiguous_order != parsed.order:
            how = f"{_WORD.get(parsed.ambiguous_order, '')}, like the rest of the column"
            yield from _issues(ctx, check, name, mask, lambda i, v=values, h=how: (
                f"{check.format(read_as=format_date(v.iat[i]))} ({h})"), grouped=mask)
        elif parsed.evidence.conflicting:
            yield from _issues(ctx, check, name, mask,
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
    """Cells of a whole-number field that are not whole numbers ("twelve", "3.5", "nan",
    "inf"), or are but out of range: past what can be stored (1e26, 2**63, 1e400) or outside
    the field's ``bounds`` (declared with the check in the schema)."""
    for name, mask in ctx.bad_number.items():
        yield from _issues(ctx, check, name, mask, check.format())
    template = str(check.params.get("out_of_range", "number out of range: {reason}"))
    for name, reasons in ctx.out_of_range.items():
        yield from _issues(ctx, check, name, reasons.notna(),
                           lambda i, r=reasons: template.format(reason=r.iat[i]))


def late_complaint(ctx: Context, check: CheckDef) -> Iterator[Issue]:
    if "date_of_event" not in ctx.columns:
        return
    frame = ctx.frame
    late = (frame["date_of_event"] + pd.DateOffset(months=12)) < frame["date_received"]
    late &= frame["record_kind"].fillna("complaint").eq("complaint")
    yield from _issues(ctx, check, "date_received", late, check.format())


def stage_order(ctx: Context, check: CheckDef) -> Iterator[Issue]:
    """A date of a later stage before the date of an earlier one (declared as [later, earlier]
    pairs in the schema): a stage 2 request before the stage 1 response, a stage 2
    acknowledgement or response before the stage 2 request."""
    for later, earlier in check.params.get("pairs") or []:
        if later not in ctx.columns or earlier not in ctx.columns:
            continue
        a, b = ctx.frame[later], ctx.frame[earlier]
        lab, other = ctx.schema.fields[later].label, ctx.schema.fields[earlier].label
        yield from _issues(ctx, check, later, a < b, lambda i, a=a, b=b, lab=lab, other=other:
                           check.format(field_label=lab, value=format_date(a.iat[i]),
                                        other_label=other, other=format_date(b.iat[i])))


def stage2_without_request(ctx: Context, check: CheckDef) -> Iterator[Issue]:
    """A stage 2 acknowledgement or response on a row with no stage 2 request date (in a
    register that records that date at all)."""
    if "date_stage2" not in ctx.columns:
        return
    missing = ctx.frame["date_stage2"].isna()
    for name in check.params.get("fields") or []:
        if name in ctx.columns:
            yield from _issues(ctx, check, name, missing & ctx.frame[name].notna(),
                               check.format(field_label=ctx.schema.fields[name].label))


CHECKS: dict[str, Callable[[Context, CheckDef], Iterator[Issue]]] = {
    "required_missing": required_missing,
    "duplicate_reference": duplicate_reference,
    "invalid_date": invalid_date,
    "ambiguous_date": ambiguous_date,
    "date_before_received": date_before_received,
    "received_after_as_of": received_after_as_of,
    "unknown_value": unknown_value,
    "invalid_number": invalid_number,
    "stage_order": stage_order,
    "stage2_without_request": stage2_without_request,
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
