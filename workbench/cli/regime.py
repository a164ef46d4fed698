"""`workbench regime ...`: check complaint-handling regime files and print their clocks."""

from __future__ import annotations

from pathlib import Path

import click

from workbench.cli import main
from workbench.core.errors import WorkbenchError
from workbench.rubric.regime import load_regime_file, summary_rows


@main.group()
def regime() -> None:
    """Complaint-handling regimes: each regulator's clocks and returns."""


@regime.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def check(paths: tuple[Path, ...]) -> None:
    """Validate each regime file and print its stages, clocks and returns."""
    failed = False
    for path in paths:
        try:
            r = load_regime_file(path)
        except WorkbenchError as exc:
            click.echo(f"error: {exc}", err=True)
            failed = True
            continue
        if path.stem != r.id:
            click.echo(f"error: {path}: declares id '{r.id}' but is named {path.name} (a "
                       "manifest names a regime by its file)", err=True)
            failed = True
            continue
        click.echo(f"{path}: {r.title} (id {r.id}, version {r.version}; {r.calendar} bank "
                   "holidays) - valid")
        for sid, name, ack, resp in summary_rows(r):
            click.echo(f"  {sid:<7} {name}")
            click.echo(f"  {'':<7}   acknowledge: {ack}")
            click.echo(f"  {'':<7}   respond:     {resp}")
        for ret in r.returns:
            click.echo(f"  return {ret.id}: {ret.title} ({len(ret.figures)} figures: "
                       f"{', '.join(f.key for f in ret.figures)})")
    if failed:
        raise SystemExit(2)
