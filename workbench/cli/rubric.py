"""`workbench rubric ...`: check rubric files and print their summaries."""

from __future__ import annotations

from pathlib import Path

import click

from workbench.cli import main
from workbench.core.errors import WorkbenchError
from workbench.rubric.model import load_rubric, summary_rows


@main.group()
def rubric() -> None:
    """Rubric files: check and summarise."""


@rubric.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def check(paths: tuple[Path, ...]) -> None:
    """Validate each rubric and print a table of sections, items and points."""
    failed = False
    for path in paths:
        try:
            r = load_rubric(path)
        except WorkbenchError as exc:
            click.echo(f"error: {exc}", err=True)
            failed = True
            continue
        click.echo(f"{path}: {r.title} (id {r.id}, version {r.version}) - valid")
        click.echo(f"  {'section':<7} {'name':<36} {'items':>5} {'points':>6}")
        for sid, name, items, points in summary_rows(r):
            click.echo(f"  {sid:<7} {name:<36} {items:>5} {points:>6}")
        click.echo(f"  {'':<7} {'Total':<36} {r.item_count:>5} {r.total:>6}")
    if failed:
        raise SystemExit(2)
