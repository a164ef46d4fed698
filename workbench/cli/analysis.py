"""`workbench kpis ...`: complaint-handling KPIs of one register, as a summary or as JSON."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click

from workbench.cli import main
from workbench.register.manifest import HOLIDAY_REGIONS


def date_value(ctx: click.Context, param: click.Parameter, value: str | None
               ) -> dt.date | None:
    """A click callback: a YYYY-MM-DD option as a date (None when not given)."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date (use YYYY-MM-DD)") from None


def _closures(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> list[dt.date]:
    return [date_value(ctx, param, v) for v in value]


@main.command("kpis")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--mapping", "mapping", type=click.Path(path_type=Path),
              help="Column mapping YAML (default: recognise the headers).")
@click.option("--as-of", "as_of", callback=date_value, metavar="YYYY-MM-DD",
              help="Date open cases are aged at (default today, or the period's end if earlier).")
@click.option("--period", metavar="PERIOD",
              help="Records received in: 2024-25, 2024-25 Q1, 2024-05, 2024-04-01..2024-06-30.")
@click.option("--acknowledge-days", type=click.IntRange(min=0), default=None,
              help="Acknowledgement target in working days (default 5).")
@click.option("--respond-days", type=click.IntRange(min=0), default=None,
              help="Response target in working days (default 20).")
@click.option("--holidays", "region", type=click.Choice(HOLIDAY_REGIONS), default="england-wales",
              show_default=True, help="Bank holidays to skip when counting working days.")
@click.option("--closure", "closures", multiple=True, callback=_closures, metavar="YYYY-MM-DD",
              help="An extra day the provider is closed (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object and nothing else.")
def kpis(path: Path, mapping: Path | None, as_of: dt.date | None, period: str | None,
         acknowledge_days: int | None, respond_days: int | None, region: str,
         closures: list[dt.date], as_json: bool) -> None:
    """KPIs of the complaints register at PATH: volumes, timeliness, outcomes, open cases."""
    # the analysis stack is imported here, not at start-up, so every other command starts fast
    from workbench.analysis.kpis import compute_kpis, unsupported
    from workbench.analysis.periods import parse_period
    from workbench.analysis.workdays import WorkCalendar
    from workbench.register.loader import load_register

    targets = {"acknowledge_days": acknowledge_days, "respond_days": respond_days}
    calendar = WorkCalendar(region, tuple(closures))
    # Parse the period before reading the file, so a typo fails fast.
    parsed = parse_period(period) if period is not None else None
    reg = load_register(path, mapping, as_of=as_of)
    result = compute_kpis(reg, as_of=as_of, targets=targets, calendar=calendar, period=parsed)
    for line in unsupported(reg, result):  # on stderr: --json keeps stdout one object
        click.echo(f"warning: {path}: {line}", err=True)
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        click.echo(summary_text(result, source=str(path)))


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        value = f"{value:g}" if value == int(value) else f"{value}"
    return f"{value}{unit}"


def summary_text(k: dict[str, Any], *, source: str = "") -> str:
    """The KPI result as a readable plain-text summary."""
    t = k["targets"]
    period = k["period"]["label"] if k.get("period") else "all records"
    lines = [
        f"KPIs: {source}" if source else "KPIs",
        f"  period {period}; as of {k['as_of']}; working days exclude {k['holidays']} bank "
        f"holidays",
        "",
        f"Complaints  {k['complaints']}    Compliments  {k['compliments']}",
        "",
        f"{'Timeliness (working days)':<32}{'mean':>8}{'median':>8}{'within target':>15}",
    ]
    for label, key, pct in (
            (f"acknowledge (target {t['acknowledge_days']})", "acknowledge",
             "acknowledged_within_target_pct"),
            (f"respond (target {t['respond_days']})", "respond", "responded_within_target_pct"),
            ("close (target 60 = 12 weeks)", "close", "completed_within_12_weeks_pct")):
        lines.append(f"  {label:<30}{_fmt(k[f'mean_working_days_to_{key}']):>8}"
                     f"{_fmt(k[f'median_working_days_to_{key}']):>8}{_fmt(k[pct], '%'):>15}")
    lines.append("")
    o = k["outcomes"]
    lines += [
        f"Outcomes  upheld {o['upheld']}, partly upheld {o['partly_upheld']}, not upheld "
        f"{o['not_upheld']}, undecided {o['undecided']}",
        f"  upheld or partly upheld {_fmt(k['upheld_pct'], '%')} of decided complaints; "
        f"escalated {_fmt(k['escalated_pct'], '%')} of complaints",
    ]
    op = k["open"]
    if op["count"] is None:
        lines.append("Open cases  n/a (the register records neither closure nor response dates)")
    else:
        lines.append(
            f"Open cases  {op['count']} (by {op['basis']}): past 20 working days "
            f"{op['past_20_working_days']}, past 12 weeks {op['past_12_weeks']}, past 6 months "
            f"{op['past_6_months']}")
        if op["oldest_age_days"] is not None:
            lines.append(f"  oldest: {op['oldest_reference'] or '(no reference)'}, "
                         f"{op['oldest_age_days']} days ({op['oldest_age_working_days']} "
                         f"working days)")
    late = k["late_complaints"]
    if late["with_event_date"]:
        lines.append(f"Made over 12 months after the event  {late['count']} of "
                     f"{late['with_event_date']} with an event date")
    for title, key in (("By month", "by_month"), ("By type", "by_type"),
                       ("By location", "by_location")):
        items = k[key]
        if not items:
            continue
        lines += ["", title]
        shown = list(items.items())
        if key != "by_month" and len(shown) > 15:
            rest = sum(v for _, v in shown[15:])
            shown = [*shown[:15], (f"... {len(items) - 15} more", rest)]
        lines += [f"  {name:<40} {count:>7}" for name, count in shown]
    excluded = {f: e for f, e in k["excluded"].items() if e["rows"]}
    if excluded:
        lines += ["", "Rows left out of figures because of errors"]
        for figure, e in excluded.items():
            reasons = ", ".join(f"{c} {n}" for c, n in e["reasons"].items())
            lines.append(f"  {figure:<18} {e['rows']:>6}  ({reasons})")
    lines += ["", "Indicators"]
    lines += [f"  {name:<38} {_fmt(value)}" for name, value in sorted(k["indicators"].items())]
    coverage = k.get("coverage") or {}
    partial = [(key, c) for key, c in coverage.items()
               if c.get("known") is not None and c["known"] < c["of"]]
    if partial:
        from workbench.analysis.measures import coverage_text

        lines += ["", "Figures known for part of the register"]
        lines += [f"  {key:<46} {coverage_text(key, c)}" for key, c in partial]
    return "\n".join(lines)
