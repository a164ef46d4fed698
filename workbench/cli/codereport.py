"""`workbench report annual-complaints`: the annual complaints report a code asks for."""

from __future__ import annotations

from pathlib import Path

import click

from workbench.cli import PDF_OPTION, main


@main.group()
def report() -> None:
    """Reports a regulator's code asks for."""


def _rubric(arg: str):
    from workbench.rubric.model import load_rubric
    from workbench.scoring.assessment import find_rubric

    if Path(arg).exists() or arg.endswith((".yaml", ".yml")):
        return load_rubric(arg)
    return find_rubric(arg)


def _results(provider, manifest, period: str, db: str | None, recompute: bool):
    """(the provider's published results, where they came from): the batch's results.json
    for the period when there is one (and not ``recompute``), else computed now."""
    from workbench.core.errors import WorkbenchError
    from workbench.core.paths import outputs_dir
    from workbench.reports import results as results_io
    from workbench.reports.pack import compute_results
    from workbench.reports.provenance import RESULTS_FILE

    saved = outputs_dir() / period / provider.id / RESULTS_FILE
    if saved.is_file() and not recompute:
        try:
            results = results_io.load(saved)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise WorkbenchError(f"cannot read the batch's results ({exc}); run again with "
                                 "--recompute", path=saved) from None
        # results saved before the regimes existed hold no stage figures: computed afresh
        if (results.period == period and results.provider_id == provider.id
                and results.stages):
            return results, f"the batch's {saved}"
    return (compute_results(provider, manifest, period=period, db=db),
            f"the register {provider.register}")


def _code_assessment(db: str | None, provider_id: str, period: str, rubric):
    """The provider's assessment against the code (None when there is no store or none)."""
    from workbench.reports.results import stored_assessment
    from workbench.scoring.store import StoreMissing, open_existing

    try:
        store = open_existing(db)
    except StoreMissing:
        return None
    try:
        return stored_assessment(store, provider_id, period, rubric)
    finally:
        store.close()


@report.command("annual-complaints")
@click.option("--provider", required=True, help="Provider id (in the manifest).")
@click.option("--period", required=True, help="Financial year, e.g. 2024-25.")
@click.option("--rubric", "rubric_arg", default="housing-ombudsman-code-2024", show_default=True,
              metavar="FILE|ID", help="The code whose self-assessment the report holds.")
@click.option("--manifest", type=click.Path(path_type=Path), default=None,
              help="Provider manifest (default sample_data/providers.yaml).")
@click.option("--db", default=None, metavar="PATH|URL",
              help="Assessment store (default: WORKBENCH_DB, else outputs/workbench.db).")
@click.option("--output-dir", type=click.Path(path_type=Path), default=Path("."),
              show_default=True, help="Folder to write the HTML and PDF into.")
@click.option("--recompute", is_flag=True,
              help="Compute the figures from the register even when the batch saved them.")
@PDF_OPTION
def annual_complaints(provider: str, period: str, rubric_arg: str, manifest: Path | None,
                      db: str | None, output_dir: Path, recompute: bool, pdf: bool) -> None:
    """Write the annual complaints performance and service improvement report (HTML and PDF):
    the self-assessment against the code, the regime's figures, findings of non-compliance,
    improvements made, and placeholders for the Ombudsman's letter and the governing body's
    response (docs/codes.md)."""
    from workbench.reports.codereport import how_to_assess, write_annual_complaints_report
    from workbench.reports.pack import load_provider
    from workbench.scoring.assessment import check_period

    period = check_period(period)
    rubric = _rubric(rubric_arg)
    prov, man = load_provider(provider, manifest)
    results, source = _results(prov, man, period, db, recompute)
    assessment = _code_assessment(db, prov.id, period, rubric)
    paths = write_annual_complaints_report(results, rubric, assessment, output_dir,
                                           pdf=pdf)
    click.echo(f"figures from {source}")
    if assessment is None:
        click.echo(f"warning: no self-assessment against {rubric.id} for {prov.id} {period}: "
                   f"the report says so (create it: {how_to_assess(prov.id, period, rubric.id)})",
                   err=True)
    else:
        review = sum(1 for s in assessment.items.values() if s.projection_note)
        if review:
            click.echo(f"warning: {review} projected answer(s) need review before the report "
                       "is final", err=True)
    for path in paths.values():
        click.echo(f"wrote {path}")
