"""Shared fixtures: project paths, the shared/ data (real data and seeds), a CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
SHARED = Path(os.environ.get("WORKBENCH_SHARED", ROOT.parent / "shared"))


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path_factory, monkeypatch):
    """Keep the pseudonymisation key, the default store and outputs out of the user's real
    folders (a `make demo` store in outputs/ must never leak into a test)."""
    monkeypatch.setenv("WORKBENCH_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))
    monkeypatch.setenv("WORKBENCH_OUTPUTS", str(tmp_path_factory.mktemp("outputs")))
    monkeypatch.delenv("WORKBENCH_DB", raising=False)


@pytest.fixture
def shared_dir() -> Path:
    """../shared beside the checkout. Always present in CI; elsewhere the test skips, saying why."""
    if not SHARED.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI run without the shared data folder {SHARED}")
        pytest.skip(f"shared data folder {SHARED} not present (it sits beside the checkout in CI)")
    return SHARED


@pytest.fixture
def seeds_dir(shared_dir: Path) -> Path:
    return shared_dir / "seeds"


@pytest.fixture
def realdata_dir(shared_dir: Path) -> Path:
    return shared_dir / "realdata"


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the real `workbench` CLI in a subprocess, as a user would."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args],
        cwd=cwd or ROOT, env=full_env, capture_output=True, text=True, timeout=timeout,
    )


@pytest.fixture
def cli():
    return run_cli
