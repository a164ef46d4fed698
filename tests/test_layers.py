"""The import-layer contract (import-linter) holds on the package and catches an upward import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(),
                                reason="import-linter is not installed (pip install -e '.[dev]')")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"),
                           "--no-cache"], cwd=root, env=env, capture_output=True, text=True,
                          timeout=120)


def copy_of_package(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "workbench", tmp_path / "workbench",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_package_keeps_its_layers() -> None:
    run = lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 kept, 0 broken" in run.stdout


@pytest.mark.parametrize(("module", "upward"), [
    ("core/paths.py", "workbench.register.manifest"),      # base reaching the inputs
    ("analysis/kpis.py", "workbench.scoring.assessment"),  # analysis reaching scoring
    ("reports/results.py", "workbench.dashboards.apps"),   # reports reaching the dashboards
    ("register/loader.py", "workbench.rubric.model"),      # siblings of one layer
])
def test_an_upward_import_breaks_the_contract(tmp_path: Path, module: str, upward: str) -> None:
    root = copy_of_package(tmp_path)
    path = root / "workbench" / module
    path.write_text(path.read_text() + f"\nimport {upward}  # noqa\n")
    run = lint_imports(root)
    assert run.returncode != 0
    assert "BROKEN" in run.stdout
    importer = "workbench." + module.removesuffix(".py").replace("/", ".")
    assert f"{importer} -> {upward}" in run.stdout, run.stdout
