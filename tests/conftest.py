"""Shared fixtures: project paths, the shared/ data (real data and seeds), a CLI runner, a batch
run once per test run; and the order the slow tests start in."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from workbench.batch.driver import BatchReport

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


@pytest.fixture(autouse=True)
def _postgres_tests_take_turns(request):
    """The tests marked postgres share one database (WORKBENCH_TEST_POSTGRES_URL), which each
    empties first: they wait for a file lock named after it, so two never overlap, whichever
    xdist workers (or test runs on this machine) run them. Autouse: taken before their
    database fixture runs."""
    if request.node.get_closest_marker("postgres") is None:
        yield
        return
    url = os.environ.get("WORKBENCH_TEST_POSTGRES_URL", "")
    name = f"workbench-test-postgres-{hashlib.sha256(url.encode()).hexdigest()[:12]}.lock"
    with _locked(Path(tempfile.gettempdir()) / name):
        yield


# ---------------------------------------------------------------- built once per test run


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive flock on ``path`` (created if need be; released if the process dies)."""
    fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This test run's temp folder, the same for every pytest-xdist worker."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # above popen-gwN


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str,
               build: Callable[[Path], None]) -> Path:
    """A folder ``build(folder)`` fills once per test run, shared by every pytest-xdist worker
    (a file lock makes the others wait for the first). The folder is read only for the tests:
    one that changes anything works on a copy."""
    base = _run_dir(tmp_path_factory)
    folder = base / f"built-once-{name}"
    with _locked(base / f"built-once-{name}.lock"):
        if not (folder / ".complete").is_file():
            shutil.rmtree(folder, ignore_errors=True)  # a build that failed part-way
            folder.mkdir()
            build(folder)
            (folder / ".complete").write_text("")
    return folder


@pytest.fixture(scope="session")
def build_once(tmp_path_factory) -> Callable[[str, Callable[[Path], None]], Path]:
    """``build_once(name, build)``: see built_once."""
    return lambda name, build: built_once(tmp_path_factory, name, build)


BATCH_DATA = DATA / "batch"  # three small providers (test_batch, test_notebooks)
# the assessment stored for the shared batch (as `make demo` seeds one): 1.1 and 1.2 yes, 2.1 no
STORED_PROVIDER, STORED_BY = "provider-001", "Ann Auditor"
STORED_ANSWERS = {"1.1": "yes", "1.2": "yes", "2.1": "no"}


def as_from_a_terminal() -> None:
    """``preexec_fn`` for a child a test sends Ctrl-C to: SIGINT at its default and unblocked,
    as in a terminal's foreground process. A test run started as a background job (`make test
    &` from a script) has SIGINT ignored, and children would inherit that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@dataclass(frozen=True)
class BatchRun:
    """A batch's folder: data/ (providers.yaml and its registers), scores.db (the store it read),
    outputs/, config/ (the pseudonymisation key it ran with) and the run's BatchReport."""

    folder: Path
    report: BatchReport

    @property
    def manifest(self) -> Path:
        return self.folder / "data" / "providers.yaml"

    @property
    def db(self) -> str:
        return str(self.folder / "scores.db")

    @property
    def root(self) -> Path:
        return self.folder / "outputs"

    @property
    def config(self) -> Path:
        return self.folder / "config"

    def copy(self, dest: Path) -> BatchRun:
        """All of it copied to ``dest`` (file times kept), for a test that changes anything."""
        shutil.copytree(self.folder, dest)
        return BatchRun(dest, self.report)


@pytest.fixture(scope="session")
def fresh_batch(tmp_path_factory) -> BatchRun:
    """`run_batch` over tests/data/batch with two workers into an empty output root, reading a
    store in which STORED_PROVIDER has a stored assessment; run once per test run (every
    xdist worker shares it). Read only: ``fresh_batch.copy(tmp_path / "batch")`` to change it."""

    def build(folder: Path) -> None:
        from workbench.batch.driver import run_batch
        from workbench.reports.pack import default_rubric_path, rubric_at
        from workbench.scoring.store import Store

        shutil.copytree(BATCH_DATA, folder / "data")
        run = BatchRun(folder, None)  # type: ignore[arg-type]
        jupyter = tmp_path_factory.mktemp("fresh-batch-jupyter")
        with pytest.MonkeyPatch.context() as mp:
            for var in ("HOME", "IPYTHONDIR", "JUPYTER_RUNTIME_DIR", "JUPYTER_CONFIG_DIR"):
                (jupyter / var).mkdir()
                mp.setenv(var, str(jupyter / var))
            mp.setenv("WORKBENCH_CONFIG_DIR", str(run.config))
            mp.setenv("WORKBENCH_OUTPUTS", str(run.root))
            mp.delenv("WORKBENCH_DB", raising=False)
            rubric = rubric_at(default_rubric_path())
            with Store(run.db) as store:
                aid = store.create_assessment(STORED_PROVIDER, "2024-25", rubric, who=STORED_BY)
                store.save_items(aid, {k: {"answer": v} for k, v in STORED_ANSWERS.items()},
                                 STORED_BY)
            report = run_batch(run.manifest, jobs=2, output_root=run.root, progress=False,
                               db=run.db)
        (folder / "report.pickle").write_bytes(pickle.dumps(report))

    folder = built_once(tmp_path_factory, "fresh-batch", build)
    return BatchRun(folder, pickle.loads((folder / "report.pickle").read_bytes()))


@pytest.fixture(scope="session")
def fresh_batch_pdf_text(tmp_path_factory, fresh_batch: BatchRun) -> dict[Path, tuple[str, ...]]:
    """Each page's text (tests/pdf_text.py) of every PDF of the session's batch, by the PDF's
    path: extracted once per test run for the tests that read them (test_pdf, test_batch)."""

    def build(folder: Path) -> None:
        from tests.pdf_text import page_texts

        pages = {str(pdf.relative_to(fresh_batch.folder)): list(page_texts(pdf))
                 for pdf in sorted(fresh_batch.folder.rglob("*.pdf"))}
        (folder / "pages.json").write_text(json.dumps(pages))

    folder = built_once(tmp_path_factory, "fresh-batch-pdf-text", build)
    pages = json.loads((folder / "pages.json").read_text())
    return {fresh_batch.folder / pdf: tuple(texts) for pdf, texts in pages.items()}


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory) -> Path:
    """A store `workbench sample-assessments` seeded (a sample self-assessment for each sample
    provider), made once per test run. Read only: a test copies it (shutil.copy) to use it."""

    def build(folder: Path) -> None:
        env = {"WORKBENCH_CONFIG_DIR": str(folder / "config"),
               "WORKBENCH_OUTPUTS": str(folder / "outputs"), "WORKBENCH_DB": ""}
        seeded = run_cli("sample-assessments", "--db", str(folder / "store.db"), env=env)
        assert seeded.returncode == 0, seeded.stdout + seeded.stderr

    return built_once(tmp_path_factory, "sample-store", build) / "store.db"


# ---------------------------------------------------------------- the slowest tests start first

# Seconds each slow test took (setup included: --durations of a `make test` run on the 2-core
# machine, 2026-11-29; only their proportions matter), by node id prefix. A test marked slow and
# not listed counts as SLOW_UNLISTED seconds.
SLOW_TESTS = {
    "tests/test_batch.py::test_batch_runs_skips_unchanged_and_force_reruns": 75,  # + the batch
    "tests/test_browser.py::test_lab_runs_the_notebook_and_the_form_saves": 28,
    "tests/test_browser.py::test_dashboards_write_nothing": 24,
    "tests/test_dashboard_limits.py::test_unconnected_kernels_are_capped_then_culled": 23,
    "tests/test_browser.py::test_scorecard_total_tiles_and_charts": 22,  # + the site, server
    "tests/test_stale_scores.py::test_rescoring_in_the_default_store_republishes": 8,  # a copy
    "tests/test_batch_cleanup.py::test_killed_driver_takes_workers_and_kernels_with_it": 16,
    "tests/test_notebooks.py::test_nbval[portfolio.ipynb]": 15,
    "tests/test_notebooks.py::test_nbval[assess_provider.ipynb]": 18,
    "tests/test_batch.py::test_broken_provider_fails_alone": 15,
    "tests/test_browser.py::test_portfolio_table_sort_filter_funnel_and_drill_down": 14,
    "tests/test_browser.py::test_no_complainant_name_on_any_page": 14,
    "tests/test_batch_cleanup.py::test_next_run_removes_half_written_folders_of_skip": 1,
    "tests/test_notebooks.py::test_warm_kernel_runs_code_in_a_fresh_namespace": 12,
    "tests/test_batch_cleanup.py::test_sigint_to_the_driver_alone_stops_the_batch_at": 10,
    "tests/test_dashboard_limits.py::test_security_headers_on_error_pages_and_static_": 9,
    "tests/test_browser.py::test_picker_switches_provider": 9,
    "tests/test_one_value.py::test_each_indicator_has_one_value_everywhere": 8,
    "tests/test_browser.py::test_unknown_provider_shows_a_clear_message": 8,
    "tests/test_redaction_policy.py::test_no_identity_in_any_output": 7,
    # (+ every PDF's text of the session's batch: fresh_batch_pdf_text, for test_pdf too)
    "tests/test_batch.py::test_no_complainant_identity_in_published_outputs": 14,
    "tests/test_batch.py::test_interrupted_provider_leaves_no_half_written_output": 6,
    "tests/test_assessment_cli.py::test_show_history_finalise_reopen_export": 7,
    "tests/test_sampledata.py::test_regenerating_gives_the_committed_cells": 5,
    "tests/test_notebooks.py::test_warm_kernel_does_not_leak_between_providers": 5,
    "tests/test_hostile_inputs.py::test_every_limit_is_settable": 5,
    "tests/test_hostile_inputs.py::test_a_mistyped_store_is_an_error_not_a_new_store": 3,
    "tests/test_notebooks.py::test_failing_cell_is_reported": 4,
    "tests/test_batch.py::test_ctrl_c_stops_a_parallel_batch_at_once": 4,
    "tests/test_assessment_cli.py::test_form_export_import": 4,
    "tests/test_themes_periods.py::test_cli_on_the_cfpb_narratives": 6,
    "tests/test_themes_periods.py::test_cli_on_a_register_with_no_dates": 5,
    "tests/test_report_accessibility.py::test_report_meets_wcag_22_aa": 3,
    "tests/test_pdf.py::test_pack_pdfs_read_like_their_reports": 4,
    "tests/test_pdf.py::test_every_html_report_of_the_batch_has_its_pdf": 2,
    "tests/test_report_html.py::test_sample_provider_report_shows_every_no_item": 16,
    "tests/test_regime_pack.py::test_housing_association_pack_is_on_the_ombudsmans_clocks": 15,
    "tests/test_codereport.py": 9,
}
SLOW_UNLISTED = 5


def _seconds(item: pytest.Item) -> float:
    listed = (s for prefix, s in SLOW_TESTS.items() if item.nodeid.startswith(prefix))
    return next(listed, SLOW_UNLISTED if item.get_closest_marker("slow") else 0)


def _unit(item: pytest.Item) -> str:
    """The tests kept together: an xdist_group's, or those sharing a fixture of their module
    wider than one test (made once on one worker), else the test on its own."""
    if group := item.get_closest_marker("xdist_group"):
        return f"group {group.args[0]}"
    module = getattr(getattr(item, "module", None), "__name__", None)
    info = getattr(item, "_fixtureinfo", None)  # (pytest's own; without it, no such units)
    for defs in getattr(info, "name2fixturedefs", {}).values():
        fixture = defs[-1] if defs else None
        if (module and fixture is not None and fixture.scope != "function"
                and getattr(fixture.func, "__module__", None) == module):
            return f"module {module}"
    return item.nodeid


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """pytest-xdist hands tests out in collection order: the slow ones go first, longest first,
    each with the tests it is kept with (_unit; their seconds summed). With ``--dist worksteal``
    each of the n workers is first given a contiguous n-th of the list (idle workers then take
    tests off the ends of the others' lists): there the slow tests are shared out longest first
    to whichever n-th has the fewest seconds so far, at its start, and the quick ones fill up
    each n-th in collection order."""
    units: dict[str, list[pytest.Item]] = {}
    for item in items:
        units.setdefault(_unit(item), []).append(item)
    seconds = {key: sum(map(_seconds, unit)) for key, unit in units.items()}
    slow = sorted((key for key in units if seconds[key]), key=lambda key: -seconds[key])
    quick = [item for key in units if not seconds[key] for item in units[key]]
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))
    # (on a worker, xdist has reset config.option.dist; the parsed command line still has it)
    if workers < 2 or getattr(config.known_args_namespace, "dist", None) != "worksteal":
        items[:] = [item for key in slow for item in units[key]] + quick
        return
    parts: list[list[pytest.Item]] = [[] for _ in range(workers)]
    load = [0.0] * workers
    for key in slow:
        least = load.index(min(load))
        parts[least] += units[key]
        load[least] += seconds[key]
    left = len(items)
    for i, part in enumerate(parts):  # up to the sizes of worksteal's first split
        size = left // (workers - i)
        left -= size
        fill = max(0, size - len(part))
        part += quick[:fill]
        del quick[:fill]
    parts[-1] += quick
    items[:] = [item for part in parts for item in part]
