"""`workbench assess` and `workbench batch`: provider notebooks run by papermill, one or all."""

from __future__ import annotations

import json
from pathlib import Path

import click

from workbench.cli import PDF_OPTION, main
from workbench.core.errors import WorkbenchError


def _existing_store(db: str | None) -> None:
    """A --db the scores are read from must be an existing store: a mistyped path is an error
    naming it, never a new empty store."""
    if db:
        from workbench.scoring.store import open_existing

        open_existing(db).close()


@main.command("assess")
@click.argument("provider_id")
@click.option("--manifest", "manifest_path", type=click.Path(path_type=Path),
              help="Provider manifest (default sample_data/providers.yaml).")
@click.option("--period", help="Financial year, e.g. 2024-25 (default: the manifest's).")
@click.option("--as-of", "as_of", help="Date the figures are computed at (YYYY-MM-DD).")
@click.option("--output-dir", type=click.Path(path_type=Path),
              help="Folder for the outputs (default outputs/<period>/<provider>).")
@click.option("--db", help="Assessment store (SQLite path or URL) to read the scores from "
              "(default: WORKBENCH_DB, else outputs/workbench.db when it exists).")
@click.option("--rubric", "rubric_path", type=click.Path(path_type=Path), help="Rubric file.")
@PDF_OPTION
def assess(provider_id: str, manifest_path: Path | None, period: str | None, as_of: str | None,
           output_dir: Path | None, db: str | None, rubric_path: Path | None,
           pdf: bool) -> None:
    """Run the provider notebook for PROVIDER_ID with papermill and write its outputs."""
    from workbench.batch import driver as batch
    from workbench.core.paths import DEFAULT_MANIFEST, outputs_dir
    from workbench.register.manifest import load_manifest
    from workbench.reports import provenance

    _existing_store(db)
    manifest = load_manifest(manifest_path or DEFAULT_MANIFEST)
    provider = manifest.provider(provider_id)
    period = period or manifest.period
    rubric = Path(rubric_path) if rubric_path else provenance.default_rubric_path()
    when = provenance.as_date(as_of) or provenance.default_as_of(period)
    basis = provenance.inputs(provider, period=period, as_of=when, rubric_path=rubric, db=db)
    folder = output_dir or outputs_dir() / period / provider.id
    job = batch.Job(provider.id, str(manifest.path), period, when.isoformat(), str(folder),
                    str(rubric), db, provenance.fingerprint(basis), warm=False, pdf=pdf)
    outcome = batch.run_provider(job)
    if outcome.status != "ok":
        click.echo(f"error: {provider.id}: {outcome.error}", err=True)
        if outcome.failing_cell is not None:
            click.echo(f"  in cell {outcome.failing_cell}:\n{outcome.failing_source}", err=True)
        if outcome.log_path:
            click.echo(f"  log: {outcome.log_path}", err=True)
        raise SystemExit(1)
    score = "-" if outcome.total_score is None else f"{outcome.total_score}/{outcome.max_score}"
    click.echo(f"{provider.id}: ok in {outcome.seconds:.1f} s, score {score} -> {folder}")


@main.command("batch")
@click.argument("manifest_path", required=False, type=click.Path(path_type=Path))
@click.option("--period", help="Financial year, e.g. 2024-25 (default: the manifest's).")
@click.option("--jobs", "-j", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Providers run in parallel.")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local",
              show_default=True, help="Process pool on this machine, or dask.distributed.")
@click.option("--scheduler", help="Address of a running dask scheduler (with --executor dask).")
@click.option("--force", is_flag=True, help="Re-run providers whose inputs are unchanged.")
@click.option("--output-root", type=click.Path(path_type=Path),
              help="Outputs root (default outputs/ or WORKBENCH_OUTPUTS).")
@click.option("--as-of", "as_of", help="Date the figures are computed at (YYYY-MM-DD).")
@click.option("--db", help="Assessment store (SQLite path or URL) to read the scores from "
              "(default: WORKBENCH_DB, else outputs/workbench.db when it exists).")
@click.option("--rubric", "rubric_path", type=click.Path(path_type=Path), help="Rubric file.")
@click.option("--cold", is_flag=True, help="A fresh kernel per provider (no warm kernels).")
@PDF_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON only.")
def batch_command(manifest_path: Path | None, period: str | None, jobs: int, executor: str,
                  scheduler: str | None, force: bool, output_root: Path | None,
                  as_of: str | None, db: str | None, rubric_path: Path | None, cold: bool,
                  pdf: bool, as_json: bool) -> None:
    """Assess every provider of MANIFEST (default sample_data/providers.yaml), then the
    portfolio. Exit 0 when all are ok or skipped, 1 when any failed, 2 for a bad manifest."""
    from workbench.batch.driver import run_batch

    if scheduler and executor != "dask":
        raise WorkbenchError("--scheduler needs --executor dask")
    _existing_store(db)
    report = run_batch(manifest_path, period=period, jobs=jobs, executor=executor,
                       scheduler=scheduler, force=force, output_root=output_root, as_of=as_of,
                       db=db, rubric_path=rubric_path, warm=not cold, progress=not as_json,
                       pdf=pdf)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, default=str))
    else:
        click.echo(report.table())
    raise SystemExit(report.exit_code)
