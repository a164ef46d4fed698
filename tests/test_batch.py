"""The batch: parallel providers, failures isolated, unchanged providers skipped, no personal data
in published outputs, no half-written folders."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import as_from_a_terminal
from workbench.batch.driver import REQUIRED_FILES, Job, run_batch, run_provider

DATA = Path(__file__).resolve().parent / "data" / "batch"
IDS = ["provider-001", "provider-002", "provider-003"]
GOVERNANCE = ("lessons_learned", "public_quarterly_report", "annual_report",
              "commissioner_report")
# the tests that read the session's batch (conftest's fresh_batch), kept on one worker, which
# builds it (conftest's ordering; another worker would wait for it and reuse it)
FRESH_BATCH = pytest.mark.xdist_group("fresh-batch")


@pytest.fixture(autouse=True)
def jupyter_env(tmp_path_factory, monkeypatch):
    base = tmp_path_factory.mktemp("jupyter")
    for var in ("HOME", "IPYTHONDIR", "JUPYTER_RUNTIME_DIR", "JUPYTER_CONFIG_DIR"):
        (base / var).mkdir()
        monkeypatch.setenv(var, str(base / var))


@pytest.fixture
def manifest(tmp_path) -> Path:
    shutil.copytree(DATA, tmp_path / "data")
    return tmp_path / "data" / "providers.yaml"


def _status(report) -> dict[str, str]:
    return {o.provider: o.status for o in report.outcomes}


@pytest.mark.slow
@FRESH_BATCH
def test_batch_runs_skips_unchanged_and_force_reruns_on_dask(fresh_batch, tmp_path, monkeypatch):
    # the first run (two workers, an empty output root): the session's batch (conftest)
    report, root = fresh_batch.report, fresh_batch.root
    assert report.exit_code == 0, report.table()
    assert _status(report) == dict.fromkeys(IDS, "ok")
    for pid in IDS:
        folder = root / "2024-25" / pid
        assert all((folder / f).is_file() for f in REQUIRED_FILES)
        html = (folder / "report.html").read_text()
        assert "data:image/svg+xml" in html and "In&nbsp;[" not in html
        assert not re.search(r"<script[^>]+src=\"https?:", html), "no CDN scripts"
        assert "pack.analyse" not in html, "code cells are excluded"
    period = root / "2024-25"
    # with two workers the notebook and the governance reports run side by side
    reports = [period / f"portfolio_{name}.html" for name in GOVERNANCE]
    assert report.portfolio_error is None
    assert set(map(str, [period / "portfolio.xlsx", period / "portfolio.html",
                         period / "portfolio.ipynb", *reports])) <= set(report.portfolio)
    assert all("Provider 3 Ltd" in p.read_text() for p in reports)

    # the later runs change the outputs (and a register): on a copy, with the same key and
    # the same store as the first run
    batch = fresh_batch.copy(tmp_path / "batch")
    monkeypatch.setenv("WORKBENCH_CONFIG_DIR", str(batch.config))
    manifest, root, db = batch.manifest, batch.root, batch.db
    period = root / "2024-25"
    reports = [period / f"portfolio_{name}.html" for name in GOVERNANCE]
    written = {p: p.stat().st_mtime_ns for p in reports}

    again = run_batch(manifest, jobs=2, output_root=root, progress=False, db=db, pdf=False)
    assert _status(again) == dict.fromkeys(IDS, "skipped") and again.exit_code == 0
    # nothing the portfolio is drawn from changed: last run's portfolio kept, as it was
    assert again.portfolio_kept and "portfolio unchanged" in again.table()
    assert {Path(p).name for p in again.portfolio} == {
        Path(p).name for p in fresh_batch.report.portfolio}
    assert all(p.stat().st_mtime_ns == t for p, t in written.items())

    reg = manifest.parent / "registers" / "provider-002.csv"
    reg.write_text(reg.read_text().replace("retrain staff", "retrain all staff", 1))
    changed = run_batch(manifest, jobs=1, output_root=root, progress=False, db=db, pdf=False)
    assert _status(changed) == {"provider-001": "skipped", "provider-002": "ok",
                                "provider-003": "skipped"}
    # one worker: the portfolio notebook writes the governance reports itself
    assert changed.portfolio_error is None
    assert all(p.stat().st_mtime_ns > t for p, t in written.items())

    # forced: every provider again, on dask's local cluster (the batch's other executor)
    forced = run_batch(manifest, jobs=2, executor="dask", output_root=root, progress=False,
                       force=True, db=db, pdf=False)
    assert forced.exit_code == 0 and _status(forced) == dict.fromkeys(IDS, "ok"), forced.table()


@pytest.mark.slow
def test_broken_provider_fails_alone(manifest, tmp_path, cli):
    # two providers: provider-003 left out of the manifest (one good one shows "alone")
    text = manifest.read_text()
    manifest.write_text(text[:text.index("  - id: provider-003")])
    (manifest.parent / "registers" / "provider-002.csv").write_text("nothing\nto see here\n")
    root = tmp_path / "outputs"
    proc = cli("batch", str(manifest), "--jobs", "2", "--output-root", str(root), "--no-pdf")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "FAILED provider-002" in proc.stdout
    assert "in cell" in proc.stdout and "pack.analyse" in proc.stdout
    assert (root / "2024-25" / "provider-001" / "report.html").is_file()
    assert not (root / "2024-25" / "provider-002").exists()
    assert (root / "2024-25" / ".logs" / "provider-002.log").is_file()


def test_unreadable_manifest_exits_2(tmp_path, cli):
    bad = tmp_path / "providers.yaml"
    bad.write_text("providers: [\n")
    assert cli("batch", str(bad), "--output-root", str(tmp_path / "o")).returncode == 2
    assert cli("batch", str(tmp_path / "missing.yaml")).returncode == 2


def _text_of(path: Path, pdf_pages: dict[Path, tuple[str, ...]]) -> str:
    """A published file's text; a PDF's pages as tests/pdf_text.py reads them (``pdf_pages``:
    conftest's fresh_batch_pdf_text, extracted once per test run)."""
    if path.suffix == ".pdf":
        return "\n".join(pdf_pages[path])
    if path.suffix == ".xlsx":
        import openpyxl
        wb = openpyxl.load_workbook(path, read_only=True)
        return "\n".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                         for v in row if v is not None)
    return path.read_text(encoding="utf-8", errors="replace")


@pytest.mark.slow
@FRESH_BATCH
def test_no_complainant_identity_in_published_outputs(fresh_batch, fresh_batch_pdf_text):
    from workbench.register.loader import load_register

    # the session's batch (two workers, an empty output root): only read here
    manifest, root = fresh_batch.manifest, fresh_batch.root
    assert fresh_batch.report.exit_code == 0, fresh_batch.report.table()
    secrets: set[str] = set()
    for pid in IDS:
        frame = load_register(manifest.parent / "registers" / f"{pid}.csv", identities=True).frame
        for col in ("complainant_name", "complainant_contact"):
            secrets |= {str(v) for v in frame[col].dropna()}
    assert len(secrets) > 20
    files = [p for p in (root / "2024-25").rglob("*") if p.is_file()
             and not any(part.startswith(".") for part in p.relative_to(root).parts)]
    assert any(p.suffix == ".xlsx" for p in files) and any(p.suffix == ".html" for p in files)
    for path in files:
        text = _text_of(path, fresh_batch_pdf_text)
        leaked = sorted(s for s in secrets if s in text)
        assert not leaked, f"{path.name} contains {leaked[:3]}"


SLOW_NOTEBOOK = """{
 "cells": [
  {"cell_type": "code", "id": "params", "execution_count": null,
   "metadata": {"tags": ["parameters"]}, "outputs": [], "source": ["output_dir = ''"]},
  {"cell_type": "code", "id": "slow", "execution_count": null, "metadata": {}, "outputs": [],
   "source": ["import pathlib, time\\n",
              "import os\\n",
              "pathlib.Path(output_dir, 'half-written.txt').write_text(str(os.getpid()))\\n",
              "time.sleep(120)"]}
 ],
 "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
 "nbformat": 4, "nbformat_minor": 5
}"""


def _exits_within(proc: subprocess.Popen, seconds: float, stderr: Path,
                  others: set[int] = frozenset()) -> None:
    """Fail, with where every thread of ``proc`` and ``others`` (its workers) waits, unless it
    exits within ``seconds``. They run under ``-X faulthandler``, so SIGABRT makes them print
    their threads to ``stderr``; whatever is left is then killed."""
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        for pid in (proc.pid, *others):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGABRT)
        time.sleep(2)
        for pid in (proc.pid, *others):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=30)
        pytest.fail(f"still running {seconds} s after the signal; its threads:\n"
                    + stderr.read_text(errors="replace")[-8000:])


def _until(condition: Callable[[], Any], seconds: float) -> Any:
    """Poll ``condition`` until it is true or ``seconds`` have passed; its last value."""
    deadline = time.monotonic() + seconds
    while not (value := condition()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return value


def _gone(pid: int) -> bool:
    """True once ``pid`` has exited (a zombie waiting to be reaped counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    with contextlib.suppress(OSError):
        return "\nState:\tZ" in Path(f"/proc/{pid}/status").read_text()
    return False


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "warm", "worker"),
                         [(signal.SIGINT, False, False), (signal.SIGINT, True, False),
                          (signal.SIGINT, True, True), (signal.SIGKILL, False, False)],
                         ids=["ctrl-c", "ctrl-c-warm-kernel", "ctrl-c-pool-worker", "kill"])
def test_interrupted_provider_leaves_no_half_written_output(tmp_path, sig, warm, worker):
    nb = tmp_path / "slow.ipynb"
    nb.write_text(SLOW_NOTEBOOK)
    folder = tmp_path / "outputs" / "2024-25" / "provider-001"
    job = Job("provider-001", "unused", "2024-25", "2025-03-31", str(folder), "unused",
              notebook=str(nb), warm=warm)
    code = ("import pickle, sys; from workbench.batch import driver as batch\n"
            "job = pickle.loads(bytes.fromhex(sys.argv[1]))\n")
    if worker:  # set up as a pool worker; after the Ctrl-C, the next provider queued to it
        code += ("batch._worker_start()\n"
                 "try:\n    batch.run_provider(job)\n"
                 "except KeyboardInterrupt:\n"
                 "    print('next:', batch.run_provider(job).error, file=sys.stderr)\n    raise\n")
    else:
        code += "batch.run_provider(job)\n"
    import pickle
    stderr = tmp_path / "child-stderr.txt"
    with stderr.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-X", "faulthandler", "-c", code,
                                 pickle.dumps(job).hex()], stderr=err,
                                preexec_fn=as_from_a_terminal)
    def kernel_pid() -> int | None:  # written by the running cell
        for f in folder.parent.glob(".*/half-written.txt"):
            with contextlib.suppress(OSError, ValueError):
                return int(f.read_text())
        return None

    pid = _until(kernel_pid, 120)
    assert pid, "the notebook never started"
    os.kill(proc.pid, sig)
    _exits_within(proc, 60, stderr)
    assert proc.returncode != 0
    assert not folder.exists(), "a half-written provider folder was published"
    visible = [p for p in folder.parent.iterdir() if not p.name.startswith(".")]
    assert visible == []
    if sig == signal.SIGINT:
        assert list(folder.parent.iterdir()) == [], "Ctrl-C leaves nothing behind"
        said = stderr.read_text(errors="replace")
        assert "KeyboardInterrupt" in said
        if worker:
            assert "next: interrupted (Ctrl-C)" in said
        # Ctrl-C stopped the notebook's kernel before the process waiting on it exited (not
        # ipykernel noticing later that its parent had gone)
        assert _gone(pid), "the kernel outlived Ctrl-C"
    # the next run clears a killed run's leftovers before it starts
    ok_nb = tmp_path / "ok.ipynb"
    ok_nb.write_text(SLOW_NOTEBOOK.replace("time.sleep(120)", "None"))
    outcome = run_provider(Job("provider-001", "unused", "2024-25", "2025-03-31", str(folder),
                               "unused", notebook=str(ok_nb), warm=False))
    assert outcome.status == "failed"  # no manifest.json/report: refused as incomplete
    assert not folder.exists()
    assert [p.name for p in folder.parent.iterdir() if p.name.endswith(".partial")] == []


def _descendants(pid: int) -> set[int]:
    """Every process under ``pid`` (pool workers, the forkserver, their kernels)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process tree from /proc")
def test_ctrl_c_stops_a_parallel_batch_at_once(manifest, tmp_path):
    root = tmp_path / "outputs"
    folder = root / "2024-25"
    stderr = tmp_path / "stderr.txt"
    with stderr.open("wb") as err:
        # its own session, so the Ctrl-C below reaches the batch's processes as a terminal's would
        proc = subprocess.Popen([sys.executable, "-X", "faulthandler", "-m", "workbench", "batch",
                                 str(manifest), "-j", "2", "--output-root", str(root)],
                                stdout=subprocess.DEVNULL, stderr=err, start_new_session=True,
                                preexec_fn=as_from_a_terminal)

    def running() -> set[str]:
        return {p.name.split(".")[1] for p in folder.glob(".*.partial")}

    def kernels(processes: set[int]) -> set[int]:
        found = set()
        for pid in processes:
            with contextlib.suppress(OSError):
                if b"ipykernel" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    found.add(pid)
        return found

    # both workers in their first provider, each with its kernel started
    _until(lambda: len(running()) >= 2 and len(kernels(_descendants(proc.pid))) >= 2, 180)
    processes = _descendants(proc.pid)
    kernel_pids = kernels(processes)
    assert len(running()) == 2 and len(kernel_pids) == 2, "the workers never both started"
    os.killpg(proc.pid, signal.SIGINT)
    _exits_within(proc, 60, stderr, processes)
    assert proc.returncode == 130
    said = stderr.read_text(errors="replace")
    assert "interrupted" in said and "Traceback" not in said
    # the two running providers were stopped, the one queued behind them never started, and
    # nothing half-written is left
    assert [p.name for p in folder.iterdir()] == []
    # the workers stopped their kernels before they exited, and the batch waited for them
    assert [p for p in kernel_pids if not _gone(p)] == [], "a kernel outlived Ctrl-C"
    _until(lambda: all(_gone(p) for p in processes), 30)
    assert [p for p in processes if not _gone(p)] == [], "a process of the batch outlived Ctrl-C"


@pytest.mark.slow
@FRESH_BATCH
def test_batch_scores_a_provider_from_the_store(fresh_batch):
    """A provider with a stored assessment (what `make demo` seeds) gets its score in the pack:
    scorecard.xlsx carries the last change in UK time, results and the portfolio the total.
    The session's batch (conftest) read a store in which Ann Auditor answered provider-001's
    items 1.1 and 1.2 yes and 2.1 no."""
    import json

    import openpyxl

    report, root = fresh_batch.report, fresh_batch.root
    assert report.exit_code == 0, report.table()
    scored = {o.provider: o.total_score for o in report.outcomes}
    assert scored["provider-001"] == 2 and scored["provider-002"] is None
    folder = root / "2024-25" / "provider-001"
    assert json.loads((folder / "results.json").read_text())["total_score"] == 2
    sheet = openpyxl.load_workbook(folder / "scorecard.xlsx")["Summary"]
    values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert values.get("Last updated by") == "Ann Auditor"
    assert values.get("Last updated") is not None and values["Last updated"].tzinfo is None
