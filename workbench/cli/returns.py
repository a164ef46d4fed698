"""`workbench returns ...`: a regulator's return (TSM, SPSO indicators...) from one register."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from workbench.cli import main
from workbench.cli.analysis import date_value


@main.command("returns")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--regime", "regime_id", required=True, metavar="ID",
              help="The regime whose return to compute (e.g. housing-ombudsman-2024, "
                   "spso-mchp), or a regime YAML file.")
@click.option("--mapping", "mapping", type=click.Path(path_type=Path),
              help="Column mapping YAML (default: recognise the headers).")
@click.option("--period", metavar="PERIOD",
              help="The return's period (default: the financial year of the as-of date): "
                   "2024-25, 2024-25 Q1, 2024-05, 2024-04-01..2025-03-31.")
@click.option("--as-of", "as_of", callback=date_value, metavar="YYYY-MM-DD",
              help="Date deadlines are judged at (default today, or the period's end if "
                   "earlier).")
@click.option("--homes", type=click.IntRange(min=1), default=None,
              help="Homes owned, for the per-1,000-homes figures.")
@click.option("--homes-lcra", type=click.IntRange(min=1), default=None,
              help="Low-cost rental homes (with --homes-lcho: figures split by tenure).")
@click.option("--homes-lcho", type=click.IntRange(min=1), default=None,
              help="Low-cost home ownership homes (with --homes-lcra).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object and nothing else.")
def returns(path: Path, regime_id: str, mapping: Path | None, period: str | None,
            as_of: dt.date | None, homes: int | None, homes_lcra: int | None,
            homes_lcho: int | None, as_json: bool) -> None:
    """The figures of a regime's return from the register at PATH, each with its definition
    and coverage (docs/regimes.md)."""
    from workbench.analysis.periods import parse_period
    from workbench.analysis.returns import compute_returns, returns_text
    from workbench.register.loader import load_register
    from workbench.rubric.regime import load_regime

    reg_def = load_regime(Path(regime_id) if regime_id.endswith((".yaml", ".yml"))
                          else regime_id)
    parsed = parse_period(period) if period is not None else None  # a typo fails fast
    if not reg_def.returns:
        from workbench.core.errors import WorkbenchError

        raise WorkbenchError(f"the regime {reg_def.id} ({reg_def.title}) declares no return")
    register = load_register(path, mapping, as_of=as_of)
    result = compute_returns(register, reg_def, period=parsed, as_of=as_of, homes=homes,
                             homes_lcra=homes_lcra, homes_lcho=homes_lcho)
    for key, cov in result["coverage"].items():  # stderr: --json keeps stdout one object
        if cov.get("known") is None:
            click.echo(f"warning: {path}: {key} is unknown: {cov.get('reason')}", err=True)
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        click.echo(returns_text(result, source=str(path)))
