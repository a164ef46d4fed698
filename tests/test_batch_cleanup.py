"""A batch leaves nothing behind (issue 15 item 7): a killed driver takes its workers and
kernels with it and nothing is published after it is gone; half-written folders of a killed run
are removed by the next one, even for providers it skips; two batches on one output root are
refused; `kill -INT <driver>` stops a parallel batch at once."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import as_from_a_terminal
from workbench.batch.driver import LOCK_FILE, output_lock, run_batch

DATA = Path(__file__).resolve().parent / "data" / "batch"
SLOW = """{
 "cells": [
  {"cell_type": "code", "id": "params", "execution_count": null,
   "metadata": {"tags": ["parameters"]}, "outputs": [], "source": ["output_dir = ''"]},
  {"cell_type": "code", "id": "slow", "execution_count": null, "metadata": {}, "outputs": [],
   "source": ["import os, pathlib, time\\n",
              "pathlib.Path(output_dir, 'half-written.txt').write_text(str(os.getpid()))\\n",
              "time.sleep(120)"]}
 ],
 "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
 "nbformat": 4, "nbformat_minor": 5
}"""
# The real batch driver, every provider running the slow notebook above.
DRIVER = """
import dataclasses, sys
from workbench.batch import driver
plan = driver.plan
driver.plan = lambda *a, **k: [dataclasses.replace(j, notebook=sys.argv[3])
                               if isinstance(j, driver.Job) else j for j in plan(*a, **k)]
driver.run_batch(sys.argv[1], jobs=2, output_root=sys.argv[2], progress=False, portfolio=False,
                    pdf=False)
"""


@pytest.fixture
def manifest(tmp_path) -> Path:
    shutil.copytree(DATA, tmp_path / "data")
    return tmp_path / "data" / "providers.yaml"


def descendants(pid: int) -> set[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def until(check, seconds: float):
    deadline = time.monotonic() + seconds
    while not (value := check()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return value


def start_slow_batch(tmp_path: Path, manifest: Path) -> tuple[subprocess.Popen, Path, set[int]]:
    notebook = tmp_path / "slow.ipynb"
    notebook.write_text(SLOW)
    root = tmp_path / "outputs"
    proc = subprocess.Popen([sys.executable, "-c", DRIVER, str(manifest), str(root),
                             str(notebook)], stderr=subprocess.DEVNULL,
                            preexec_fn=as_from_a_terminal)
    period = root / "2024-25"

    def kernels() -> set[int] | None:
        pids = set()
        for f in period.glob(".*.partial/half-written.txt"):
            try:
                pids.add(int(f.read_text()))
            except (OSError, ValueError):
                return None
        return pids if len(pids) == 2 else None

    found = until(kernels, 120)
    assert found, "the two providers never started"
    return proc, period, found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc to follow the processes")
def test_killed_driver_takes_workers_and_kernels_with_it(tmp_path, manifest):
    proc, period, kernels = start_slow_batch(tmp_path, manifest)
    family = descendants(proc.pid)
    assert kernels <= family  # the kernels run under the driver's workers
    proc.kill()  # SIGKILL: no handler, no clean-up in the driver
    proc.wait(timeout=10)
    left = until(lambda: not [p for p in family if alive(p)], 15)
    assert left, f"still running after the driver died: {[p for p in family if alive(p)]}"
    time.sleep(2)  # nothing appears after the driver is gone
    assert not [p for p in period.iterdir() if not p.name.startswith(".")]


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc to follow the processes")
def test_sigint_to_the_driver_alone_stops_the_batch_at_once(tmp_path, manifest):
    proc, period, kernels = start_slow_batch(tmp_path, manifest)
    t0 = time.monotonic()
    os.kill(proc.pid, signal.SIGINT)  # `kill -INT <driver>`: the workers get no signal of theirs
    proc.wait(timeout=30)
    took = time.monotonic() - t0
    assert took < 4, f"the batch took {took:.1f} s to stop"  # goal 2 s; slack for a loaded CI
    assert until(lambda: not [k for k in kernels if alive(k)], 10)
    assert not [p for p in period.iterdir() if not p.name.startswith(".")]


@pytest.mark.slow
@pytest.mark.xdist_group("fresh-batch")  # (conftest's ordering: beside its other readers)
def test_next_run_removes_half_written_folders_of_skipped_providers(fresh_batch, tmp_path,
                                                                    monkeypatch):
    # the first run: the session's batch (conftest), on a copy (with the key and the store it
    # ran with)
    assert fresh_batch.report.exit_code == 0, fresh_batch.report.table()
    batch = fresh_batch.copy(tmp_path / "batch")
    monkeypatch.setenv("WORKBENCH_CONFIG_DIR", str(batch.config))
    root = batch.root
    stale = root / "2024-25" / ".provider-001.x1y2.partial"
    stale.mkdir()
    (stale / "half-written.txt").write_text("killed")
    again = run_batch(batch.manifest, jobs=1, output_root=root, progress=False,
                      portfolio=False, pdf=False, db=batch.db)
    assert {o.status for o in again.outcomes} == {"skipped"}
    assert not stale.exists()
    assert again.removed_partials == [stale.name]
    assert "removed 1 half-written folder left by an interrupted run" in again.table()


def test_two_batches_on_one_output_root_are_refused(tmp_path, manifest, cli):
    root = tmp_path / "outputs"
    with output_lock(root):  # a batch is running on these outputs
        run = cli("batch", str(manifest), "--output-root", str(root), "--no-pdf")
    assert run.returncode == 3, run.stderr
    assert run.stderr.startswith("error: ") and "Traceback" not in run.stderr
    assert "another batch is writing these outputs (pid" in run.stderr
    assert (root / LOCK_FILE).exists()
    with output_lock(root):  # released with its holder: never stale
        pass
