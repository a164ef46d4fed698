"""`workbench sample-data`: regenerate the fictional providers' registers, mappings and manifest."""

from __future__ import annotations

from pathlib import Path

import click

from workbench.cli import main
from workbench.core.paths import SAMPLE_DATA_DIR
from workbench.sampledata.generator import DEFAULT_SEED
from workbench.sampledata.writer import generate


@main.command("sample-data")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              default=SAMPLE_DATA_DIR, show_default=True,
              help="Folder to write registers/, mappings/ and providers.yaml into.")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True,
              help="Random seed; the same seed always gives the same data.")
def sample_data(out: Path, seed: int) -> None:
    """Regenerate the sample registers, mappings and manifest (README.md is left alone)."""
    written = generate(out, seed=seed)
    for path in written:
        click.echo(str(path))
    click.echo(f"{len(written)} files written to {out}")


@main.command("sample-assessments")
@click.option("--db", help="Assessment store (default: WORKBENCH_DB, else outputs/workbench.db).")
@click.option("--manifest", "manifest_path", type=click.Path(path_type=Path),
              help="Provider manifest (default sample_data/providers.yaml).")
@click.option("--period", help="Financial year (default: the manifest's).")
def sample_assessments(db: str | None, manifest_path: Path | None, period: str | None) -> None:
    """Give each sample provider a sample self-assessment, unless it already has one."""
    from workbench.sampledata.assessments import seed_store

    for provider, what in seed_store(db, manifest_path=manifest_path, period=period).items():
        click.echo(f"{provider}: {'sample assessment added' if what == 'added' else 'kept as is'}")
