"""`workbench rubric ...`: check rubric files, print their summaries and crosswalk coverage."""

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
        if path.is_dir():  # e.g. rubrics/crosswalks picked up by a glob: not a rubric
            click.echo(f"{path}: a folder, not a rubric file - skipped", err=True)
            continue
        try:
            r = load_rubric(path)
        except WorkbenchError as exc:
            click.echo(f"error: {exc}", err=True)
            failed = True
            continue
        click.echo(f"{path}: {r.title} (id {r.id}, version {r.version}) - valid")
        click.echo(f"  {'section':<7} {'name':<36} {'items':>5} {'points':>6}")
        for sid, name, items, points in summary_rows(r):
            click.echo(f"  {sid:<7} {name[:36]:<36} {items:>5} {points:>6}")
        click.echo(f"  {'':<7} {'Total':<36} {r.item_count:>5} {r.total:>6}")
    if failed:
        raise SystemExit(2)


@rubric.command("crosswalk")
@click.argument("from_id", metavar="FROM")
@click.argument("to_id", metavar="TO")
@click.option("--all", "show_all", is_flag=True, help="Also list every covered item's pairs.")
def crosswalk(from_id: str, to_id: str, show_all: bool) -> None:
    """Check the crosswalk FROM -> TO (rubric ids) and print which TO items no FROM item covers."""
    from workbench.rubric.crosswalk import PROJECTABLE, coverage, find_crosswalk, rubrics_by_id

    rubrics = rubrics_by_id()
    walk = find_crosswalk(from_id, to_id, rubrics=rubrics)
    target = rubrics[to_id]
    cov = coverage(walk, target)
    click.echo(f"crosswalk {from_id} -> {to_id} (version {walk.version}): {len(walk.mappings)} "
               f"pairs - valid")
    click.echo(f"  {len(cov.covered)} of {cov.total} {to_id} items covered ({cov.covered_pct} %); "
               f"{len(cov.projectable)} can take a projected answer (equal or superset)")
    if show_all:
        for item_id, pairs in cov.covered.items():
            rels = ", ".join(f"{p.from_item} {p.relation}" for p in pairs)
            mark = "*" if any(p.relation in PROJECTABLE for p in pairs) else " "
            click.echo(f"  {mark} {item_id:<6} <- {rels}")
    click.echo(f"  not covered by any {from_id} item ({len(cov.uncovered)}):")
    for item_id in cov.uncovered:
        click.echo(f"    {item_id:<6} {target.item(item_id).text[:90]}")
