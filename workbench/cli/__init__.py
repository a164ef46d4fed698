"""The `workbench` command line: a thin click group over the package API."""

from __future__ import annotations

import importlib
import sys

import click

from workbench import __version__
from workbench.core.errors import WorkbenchError

# Each area registers its commands on `main` in its own module.
COMMAND_MODULES = (
    "workbench.cli.analysis",
    "workbench.cli.rubric",
    "workbench.cli.register",
    "workbench.cli.assessment",
    "workbench.cli.sampledata",
    "workbench.cli.batch",
    "workbench.cli.dashboard",
    "workbench.cli.regime",
    "workbench.cli.returns",
    "workbench.cli.themes",
    "workbench.cli.codereport",
)


# Every command that writes HTML reports draws their PDFs unless told not to
PDF_OPTION = click.option("--pdf/--no-pdf", default=True, show_default=True,
                          help="A PDF beside every HTML report (--no-pdf: quicker, HTML only).")


class _Group(click.Group):
    """A group that turns expected user errors into a message and an exit code, no traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except WorkbenchError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="workbench")
def main() -> None:
    """Complaints Audit Workbench: score, analyse and report on complaints handling."""


for _name in COMMAND_MODULES:
    importlib.import_module(_name)


def run() -> None:  # pragma: no cover - console entry for `python -m workbench`
    main(prog_name="workbench")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run())
