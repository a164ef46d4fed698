"""Where things live: the project folders, the outputs root and the per-user config folder."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = PACKAGE_DIR / "data"
PROJECT_ROOT = PACKAGE_DIR.parent
RUBRICS_DIR = PROJECT_ROOT / "rubrics"
SAMPLE_DATA_DIR = PROJECT_ROOT / "sample_data"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
DEFAULT_MANIFEST = SAMPLE_DATA_DIR / "providers.yaml"
DEFAULT_RUBRIC = RUBRICS_DIR / "complaints-handling-self-assessment.yaml"
# A folder of rendered report charts shared by processes (the batch sets it; see htmlreport)
CHART_CACHE_ENV = "WORKBENCH_CHART_CACHE"


def outputs_dir() -> Path:
    """The outputs root: WORKBENCH_OUTPUTS, else outputs/ in the project."""
    return Path(os.environ.get("WORKBENCH_OUTPUTS", PROJECT_ROOT / "outputs"))


def chart_cache_dir(output_root: Path | None = None) -> Path:
    """The shared folder of rendered report and dashboard charts: <outputs>/.cache/charts
    (content-addressed, safe to delete; the batch writes it, the dashboards only read it)."""
    return (output_root or outputs_dir()) / ".cache" / "charts"


def config_dir() -> Path:
    """Per-user config (holds the pseudonymisation key): WORKBENCH_CONFIG_DIR, else XDG config."""
    if "WORKBENCH_CONFIG_DIR" in os.environ:
        return Path(os.environ["WORKBENCH_CONFIG_DIR"])
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "complaints-workbench"
