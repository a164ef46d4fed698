"""`workbench register ...`: check a provider's register and draft its mapping."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import click

from workbench.cli import main


@main.group()
def register() -> None:
    """Complaints registers: check one, or draft the mapping for one."""


def _as_of(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD") from None


@register.command("check")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--mapping", "mapping_path", type=click.Path(path_type=Path),
              help="The provider's mapping YAML (default: recognise the headers).")
@click.option("--as-of", callback=_as_of, metavar="YYYY-MM-DD",
              help="The date of the check (default today): later received dates are errors.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON only.")
def check(path: Path, mapping_path: Path | None, as_of: dt.date | None, as_json: bool) -> None:
    """Load a register and report every problem: exit 0 clean, 1 with errors, 2 unreadable."""
    from workbench.register.loader import load_register

    reg = load_register(path, mapping_path, as_of=as_of)
    errors = sum(i.severity == "error" for i in reg.issues)
    if as_json:
        keys = ("row", "column", "check", "value", "message", "severity")
        click.echo(json.dumps({"rows": reg.rows,
                               "issues": [{k: getattr(i, k) for k in keys} for i in reg.issues]},
                              ensure_ascii=False))
    else:
        kinds = reg.frame["record_kind"].value_counts()
        where = f", sheet {reg.sheet!r}" if reg.sheet else ""
        click.echo(f"{path}{where}, header on row {reg.header_row}")
        click.echo(f"  rows: {reg.rows:,}  complaints: {int(kinds.get('complaint', 0)):,}  "
                   f"compliments: {int(kinds.get('compliment', 0)):,}")
        for note in reg.warnings:
            click.echo(f"  warning: {note}")
        warnings = len(reg.issues) - errors
        click.echo(f"  issues: {errors:,} error{'s' if errors != 1 else ''}, "
                   f"{warnings:,} warning{'s' if warnings != 1 else ''}")
        by_check = Counter((i.check, i.severity) for i in reg.issues)
        for (name, severity), count in sorted(by_check.items(), key=lambda kv: -kv[1]):
            click.echo(f"    {name:<24} {severity:<8} {count:>8,}")
        if reg.issues:
            click.echo("")
            click.echo(f"  {'row':>7}  {'severity':<8} {'check':<22} {'column':<24} message")
            for i, message in _printed(reg.issues):
                row = "" if i.row is None else str(i.row)
                value = f" [{i.value}]" if i.value is not None else ""
                column = (i.column or "-")[:24]
                click.echo(f"  {row:>7}  {i.severity:<8} {i.check:<22} {column:<24} "
                           f"{message}{value}")
    raise SystemExit(1 if errors else 0)


def _printed(issues: list) -> list[tuple]:
    """(issue, message) to print: the row issues that a row-less issue of their group explains
    are left to that one line (and to --json), which says how many it stands for."""
    explained = {i.group for i in issues if i.row is None and i.group}
    counts = Counter((i.group, i.severity) for i in issues
                     if i.row is not None and i.group in explained)
    out = []
    for i in issues:
        if i.row is not None and i.group in explained:
            continue
        message = i.message
        if i.row is None and i.group in explained:
            parts = [f"{n:,} {sev}{'s' if n != 1 else ''}"
                     for sev in ("error", "warning") if (n := counts[(i.group, sev)])]
            if parts:
                message += f" [rows: {' and '.join(parts)}, listed by --json]"
        out.append((i, message))
    return out


@register.command("map")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--mapping", "mapping_path", type=click.Path(path_type=Path),
              help="Start from this mapping YAML (its columns win over the detected ones).")
def map_(path: Path, mapping_path: Path | None) -> None:
    """Print a mapping YAML skeleton: detected columns, unmatched headers, unknown values."""
    from workbench.register.mapping import header_hints, load_mapping, skeleton_yaml
    from workbench.register.reader import read_table

    mapping = load_mapping(mapping_path) if mapping_path else None
    raw = read_table(path, sheet=mapping.sheet if mapping else None,
                     header_row=mapping.header_row if mapping else None,
                     hints=header_hints(mapping))
    click.echo(skeleton_yaml(raw, mapping), nl=False)
