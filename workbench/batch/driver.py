"""The batch: every provider of a manifest assessed in parallel, unchanged ones skipped, then the
portfolio."""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import datetime as dt
import json
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from workbench import __version__
from workbench.batch import runner
from workbench.core.atomic import atomic_dir, write_text
from workbench.core.errors import ConflictError, WorkbenchError
from workbench.core.paths import (
    CHART_CACHE_ENV,
    DEFAULT_MANIFEST,
    NOTEBOOKS_DIR,
    chart_cache_dir,
    outputs_dir,
)
from workbench.register.manifest import Manifest, load_manifest
from workbench.reports import provenance

PROVIDER_NOTEBOOK = NOTEBOOKS_DIR / "assess_provider.ipynb"
PORTFOLIO_NOTEBOOK = NOTEBOOKS_DIR / "portfolio.ipynb"
EXECUTED_NOTEBOOK = "assess_provider.ipynb"
REPORT_FILE = "report.html"
REPORT_PDF = "report.pdf"  # and a PDF beside every other HTML report of the pack (reports.pdf)
LOGS_DIR = ".logs"  # failed runs' executed notebooks and logs (dot: not for publication)
REQUIRED_FILES = (EXECUTED_NOTEBOOK, REPORT_FILE, REPORT_PDF, provenance.MANIFEST_FILE,
                  provenance.RESULTS_FILE)


@dataclass(frozen=True)
class Job:
    """One provider's run, everything a worker process needs (picklable)."""

    provider_id: str
    manifest_path: str
    period: str
    as_of: str
    folder: str                  # outputs/<period>/<provider>
    rubric_path: str
    db: str | None = None
    fingerprint: str | None = None
    notebook: str = str(PROVIDER_NOTEBOOK)
    warm: bool = True
    timeout: float | None = None
    chart_cache: str | None = None  # shared folder of rendered chart SVGs (htmlreport)
    pdf: bool = True             # a PDF beside each HTML report (reports.pdf)


@dataclass
class ProviderOutcome:
    """What happened to one provider."""

    provider: str
    status: str                  # ok | failed | skipped
    seconds: float = 0.0
    total_score: int | None = None
    max_score: int | None = None
    output: str | None = None
    error: str | None = None
    failing_cell: int | None = None
    failing_source: str | None = None
    log: str = ""
    log_path: str | None = None
    summary: dict[str, Any] | None = None


@dataclass
class BatchReport:
    """Every provider's outcome, the portfolio's, and the wall-clock time."""

    period: str
    outcomes: list[ProviderOutcome] = field(default_factory=list)
    seconds: float = 0.0
    jobs: int = 1
    executor: str = "local"
    portfolio: list[str] = field(default_factory=list)
    portfolio_error: str | None = None
    portfolio_kept: bool = False  # nothing it is drawn from changed: last run's files kept
    removed_partials: list[str] = field(default_factory=list)  # left by a killed earlier run

    @property
    def failed(self) -> list[ProviderOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def exit_code(self) -> int:
        """0 when every provider is ok or skipped (and the portfolio built), else 1."""
        return 1 if self.failed or self.portfolio_error else 0

    def counts(self) -> dict[str, int]:
        out = {"ok": 0, "failed": 0, "skipped": 0}
        for o in self.outcomes:
            out[o.status] = out.get(o.status, 0) + 1
        return out

    def table(self) -> str:
        """The final table: provider, status, seconds, total score, output path."""
        rows = [("provider", "status", "seconds", "score", "output")]
        for o in self.outcomes:
            score = "-" if o.total_score is None else f"{o.total_score}/{o.max_score}"
            rows.append((o.provider, o.status, f"{o.seconds:.1f}", score, o.output or "-"))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        lines = ["  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4] for r in rows]
        c = self.counts()
        lines.append(f"{len(self.outcomes)} providers: {c['ok']} ok, {c['skipped']} skipped, "
                     f"{c['failed']} failed in {self.seconds:.1f} s "
                     f"({self.executor}, {self.jobs} job{'s' if self.jobs != 1 else ''})")
        for o in self.failed:
            lines.append(f"FAILED {o.provider}: {o.error}")
            if o.failing_cell is not None:
                lines.append(f"  in cell {o.failing_cell}: "
                             + (o.failing_source or "").strip().replace("\n", "\n    "))
            if o.log_path:
                lines.append(f"  log: {o.log_path}")
        if self.removed_partials:
            lines.append(f"removed {len(self.removed_partials)} half-written folder"
                         f"{'s' if len(self.removed_partials) != 1 else ''} left by an "
                         f"interrupted run: {', '.join(self.removed_partials)}")
        if self.portfolio_error:
            lines.append(f"FAILED portfolio: {self.portfolio_error}")
        if self.portfolio_kept:
            lines.append("portfolio unchanged (no provider's outputs changed): kept")
        for path in self.portfolio:
            lines.append(f"portfolio: {path}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {"period": self.period, "seconds": round(self.seconds, 3), "jobs": self.jobs,
                "executor": self.executor, "counts": self.counts(), "portfolio": self.portfolio,
                "portfolio_error": self.portfolio_error, "portfolio_kept": self.portfolio_kept,
                "providers": [{k: v for k, v in asdict(o).items() if k != "log"}
                              for o in self.outcomes]}


# ---------------------------------------------------------------- one provider (in a worker)


def required_files(pdf: bool = True) -> tuple[str, ...]:
    """The files every provider pack has (report.pdf only when the batch draws PDFs)."""
    return REQUIRED_FILES if pdf else tuple(f for f in REQUIRED_FILES if f != REPORT_PDF)


def is_current(folder: str | Path, fingerprint: str | None, pdf: bool = True
               ) -> dict[str, Any] | None:
    """The folder's manifest.json when its outputs are complete and built from these inputs."""
    folder = Path(folder)
    if fingerprint is None or not all((folder / f).exists() for f in required_files(pdf)):
        return None
    doc = provenance.read_pack_manifest(folder)
    return doc if doc and doc.get("fingerprint") == fingerprint else None


def _chart_env(folder: str | None) -> dict[str, str]:
    return {CHART_CACHE_ENV: folder} if folder else {}


def _root_chart_env(output_root: str) -> dict[str, str]:
    """The portfolio's kernel environment: the output root's shared chart cache."""
    return _chart_env(str(chart_cache_dir(Path(output_root))))


def _period_folder(period: str, output_root: str) -> Path:
    folder = Path(output_root) / period
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _clear_partials(folder: Path) -> None:
    """Remove dot-prefixed leftovers of a killed earlier run of this provider."""
    for stale in folder.parent.glob(f".{folder.name}.*.partial"):
        shutil.rmtree(stale, ignore_errors=True)


def _parameters(job: Job, output_dir: Path) -> dict[str, Any]:
    return {"provider_id": job.provider_id, "manifest_path": job.manifest_path,
            "register_path": "", "mapping_path": "", "rubric_path": job.rubric_path,
            "period": job.period, "as_of": job.as_of, "output_dir": str(output_dir),
            "db": job.db or "", "interactive": False}


class _Failed(Exception):
    def __init__(self, run: runner.NotebookRun):
        super().__init__(run.error)
        self.run = run


def _keep_failure(job: Job, run: runner.NotebookRun) -> str | None:
    """Save a failed run's executed notebook and log under outputs/<period>/.logs/."""
    logs = Path(job.folder).parent / LOGS_DIR
    with contextlib.suppress(Exception):
        logs.mkdir(parents=True, exist_ok=True)
        if run.notebook is not None:
            import nbformat
            write_text(logs / f"{job.provider_id}.ipynb", nbformat.writes(run.notebook))
        text = (f"error: {run.error}\nfailing cell: {run.failing_cell}\n"
                f"--- source\n{run.failing_source or ''}\n--- log\n{run.log}")
        return str(write_text(logs / f"{job.provider_id}.log", text))
    return None


_stopping = False  # a pool worker that received Ctrl-C refuses the providers queued to it
_busy = False  # a pool worker is running a provider


def _on_sigint(signum: int, frame: Any) -> None:
    global _stopping
    _stopping = True
    if _busy:
        raise KeyboardInterrupt


def _worker_start(driver_pid: int | None = None) -> None:
    """Pool worker set-up: Ctrl-C stops the provider it is running and marks the worker as
    stopping; an idle worker only takes note (one that died while idle would break the pool,
    which then terminates the busy workers mid-provider). With ``driver_pid``, the worker
    leaves at once when the driver is gone (killed, SIGTERM), publishing nothing."""
    signal.signal(signal.SIGINT, _on_sigint)
    if driver_pid is not None:
        threading.Thread(target=_follow_driver, args=(driver_pid,), daemon=True,
                         name="follow-driver").start()


DRIVER_CHECK_SECONDS = 0.5


def _follow_driver(pid: int) -> None:
    # A worker's parent is the fork server, not the driver, and the fork server outlives the
    # driver as long as a worker does (each holds its keep-alive pipe): so each worker watches
    # the driver itself. Its kernel follows it (ipykernel exits when its parent process goes).
    while True:
        time.sleep(DRIVER_CHECK_SECONDS)
        if not _alive(pid):
            os._exit(1)


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    return True


def run_provider(job: Job) -> ProviderOutcome:
    """Execute the provider notebook into ``atomic_dir(folder)``, then its report.html; the folder
    appears complete or not at all (the previous outputs stay until the new ones are whole)."""
    global _busy
    if _stopping:
        return ProviderOutcome(job.provider_id, "failed", error="interrupted (Ctrl-C)")
    _busy = True
    try:
        return _run_provider(job)
    finally:
        _busy = False


def _run_provider(job: Job) -> ProviderOutcome:
    t0 = time.perf_counter()
    folder = Path(job.folder)
    _clear_partials(folder)
    kernel = runner.process_kernel() if job.warm else None
    try:
        with atomic_dir(folder) as tmp:
            run = runner.run_notebook(job.notebook, tmp / EXECUTED_NOTEBOOK,
                                      _parameters(job, tmp), kernel=kernel, timeout=job.timeout,
                                      env=_chart_env(job.chart_cache))
            if not run.ok:
                raise _Failed(run)
            runner.export_html(run.notebook, tmp / REPORT_FILE)
            doc = provenance.read_pack_manifest(tmp) or {}
            if job.pdf:
                _pack_pdfs(tmp, doc, previous=folder)
            doc["notebook"] = {"seconds": round(run.seconds, 3), "warm_kernel": job.warm,
                               "attempts": run.attempts}
            doc["fingerprint"] = job.fingerprint or doc.get("fingerprint")
            write_text(tmp / provenance.MANIFEST_FILE,
                       json.dumps(doc, indent=2, default=str) + "\n")
            missing = [f for f in required_files(job.pdf) if not (tmp / f).exists()]
            if missing:
                run.ok, run.error = False, f"the notebook did not write {', '.join(missing)}"
                raise _Failed(run)
    except _Failed as exc:
        run = exc.run
        return ProviderOutcome(job.provider_id, "failed", time.perf_counter() - t0,
                               error=run.error, failing_cell=run.failing_cell,
                               failing_source=run.failing_source, log=run.log,
                               log_path=_keep_failure(job, run))
    except WorkbenchError as exc:  # e.g. a report the PDF engine could not draw
        return ProviderOutcome(job.provider_id, "failed", time.perf_counter() - t0,
                               error=str(exc))
    except Exception as exc:  # never let one provider stop the others
        return ProviderOutcome(job.provider_id, "failed", time.perf_counter() - t0,
                               error=f"{type(exc).__name__}: {exc}")
    summary = run.summary or {}
    return ProviderOutcome(job.provider_id, "ok", time.perf_counter() - t0,
                           summary.get("total_score"), summary.get("max_score"), str(folder),
                           summary=summary)


def _pack_pdfs(folder: Path, doc: dict[str, Any], previous: Path) -> None:
    """A PDF beside report.html and each governance report of a provider's pack (in its worker,
    inside the pack's atomic folder; a report unchanged since the ``previous`` pack keeps its
    PDF); listed in ``doc`` (manifest.json) with their time."""
    from workbench.reports import pdf

    t0 = time.perf_counter()
    name = (doc.get("summary") or {}).get("name") or doc.get("provider")
    written = [pdf.write_pdf(folder / REPORT_FILE, previous=previous / REPORT_PDF,
                             default_header=f"{name}: provider assessment" if name else None)]
    written += pdf.write_pdfs(folder, sorted(p.name for p in folder.glob("*.html")
                                             if p.name != REPORT_FILE), previous=previous)
    doc["files"] = sorted({*doc.get("files", []), *(p.name for p in written)})
    doc.setdefault("timings", {})["pdf"] = round(time.perf_counter() - t0, 3)


# ---------------------------------------------------------------- the batch (driver)


def plan(manifest: Manifest, *, period: str, as_of: dt.date | None, output_root: Path,
         rubric_path: Path, db: str | None, warm: bool = True,
         timeout: float | None = None, pdf: bool = True) -> list[Job | ProviderOutcome]:
    """A Job per provider, or a failed outcome when its inputs cannot even be hashed."""
    from workbench.rubric.model import load_rubric

    rubric = load_rubric(rubric_path)
    jobs: list[Job | ProviderOutcome] = []
    for provider in manifest.providers:
        when = as_of or provenance.default_as_of(period)
        try:
            basis = provenance.inputs(provider, period=period, as_of=when,
                                      rubric_path=rubric_path, rubric=rubric, db=db)
            fp = provenance.fingerprint(basis)
        except (OSError, WorkbenchError) as exc:
            jobs.append(ProviderOutcome(provider.id, "failed", error=str(exc)))
            continue
        jobs.append(Job(provider.id, str(manifest.path), period, when.isoformat(),
                        str(output_root / period / provider.id), str(rubric_path), db, fp,
                        warm=warm, timeout=timeout,
                        chart_cache=str(chart_cache_dir(output_root)), pdf=pdf))
    return jobs


def _skipped(job: Job, doc: dict[str, Any]) -> ProviderOutcome:
    s = doc.get("summary") or {}
    return ProviderOutcome(job.provider_id, "skipped", 0.0, s.get("total_score"),
                           s.get("max_score"), job.folder, summary=s)


@contextlib.contextmanager
def _executor(kind: str, jobs: int, scheduler: str | None):
    if kind == "dask":
        from dask.distributed import Client, LocalCluster

        cluster = None
        if scheduler:
            client = Client(scheduler)
        else:
            cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, host="127.0.0.1",
                                   dashboard_address=None, processes=True)
            client = Client(cluster)
        try:
            yield client.get_executor(pure=False)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    elif kind == "local":
        if jobs <= 1:
            yield None  # in this process (its warm kernel), no pool to start
            return
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["workbench.batch.driver"])
        # the fork server ignores Ctrl-C once it has imported its preload; started with Ctrl-C
        # ignored, it does so from the start too (no traceback from a Ctrl-C in the first second)
        from multiprocessing import forkserver

        before = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            forkserver.ensure_running()
        finally:
            signal.signal(signal.SIGINT, before)
        pool = cf.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx,
                                      initializer=_worker_start, initargs=(os.getpid(),))
        try:
            yield pool
        except BaseException as exc:
            # Ctrl-C (or any error): providers not yet started never start; the running ones
            # unwind on the Ctrl-C their own process received, or finish. Not a `with` block:
            # its exit's shutdown(cancel_futures=False) could undo the cancelling.
            if isinstance(exc, KeyboardInterrupt):
                _interrupt_workers(pool)
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
    else:
        raise WorkbenchError(f"unknown executor {kind!r} (local or dask)")


def _interrupt_workers(pool: cf.ProcessPoolExecutor) -> None:
    """Pass a Ctrl-C on to the workers: `kill -INT <driver>` reaches the driver alone (a
    terminal's Ctrl-C reaches the whole group), and waiting for their providers to finish
    would take seconds."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(OSError):
            os.kill(process.pid, signal.SIGINT)


LOCK_FILE = ".batch.lock"


@contextlib.contextmanager
def output_lock(root: Path):
    """Hold ``root/.batch.lock`` for a batch: a second batch on the same outputs is refused
    (they would delete each other's half-written folders). The lock is the kernel's (flock):
    it goes with the process, however it ends, so it never goes stale."""
    import fcntl

    root.mkdir(parents=True, exist_ok=True)
    path = root / LOCK_FILE
    handle = path.open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise ConflictError(f"another batch is writing these outputs ({holder}); wait for it "
                                "to finish, or give a different output folder",
                                path=root) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, started "
                     f"{dt.datetime.now().astimezone().isoformat(timespec='seconds')}\n")
        handle.flush()
        yield
    finally:
        handle.close()  # releases the lock


def _remove_partials(root: Path, period: str) -> list[str]:
    """Half-written provider folders (``.<id>.*.partial``) left by a killed earlier run."""
    removed = []
    for stale in sorted((root / period).glob(".*.partial")):
        shutil.rmtree(stale, ignore_errors=True)
        removed.append(stale.name)
    return removed


def run_batch(manifest_path: str | Path | None = None, *, period: str | None = None,
              jobs: int = 1, executor: str = "local", scheduler: str | None = None,
              force: bool = False, output_root: str | Path | None = None,
              as_of: dt.date | str | None = None, db: str | None = None,
              rubric_path: str | Path | None = None, warm: bool = True,
              progress: bool = True, portfolio: bool = True,
              timeout: float | None = None, pdf: bool = True) -> BatchReport:
    """Assess every provider of the manifest (default sample_data/providers.yaml) for ``period``
    in ``jobs`` parallel workers (``executor`` "local" process pool or "dask"), skipping those
    whose inputs are unchanged unless ``force``; then build the period's portfolio. With
    ``pdf`` (the default) every HTML report gets a PDF beside it."""
    t0 = time.perf_counter()
    manifest = load_manifest(manifest_path or DEFAULT_MANIFEST)
    period = period or manifest.period
    root = Path(output_root) if output_root else outputs_dir()
    rubric_path = Path(rubric_path) if rubric_path else provenance.default_rubric_path()
    when = provenance.as_date(as_of)
    report = BatchReport(period, jobs=jobs, executor=executor)
    with output_lock(root):
        report.removed_partials = _remove_partials(root, period)
        return _run_locked(report, manifest, root=root, period=period, when=when, force=force,
                           jobs=jobs, executor=executor, scheduler=scheduler,
                           rubric_path=rubric_path, db=db, warm=warm, timeout=timeout,
                           progress=progress, portfolio=portfolio, pdf=pdf, t0=t0)


def _run_locked(report: BatchReport, manifest: Manifest, *, root: Path, period: str,
                when: dt.date | None, force: bool, jobs: int, executor: str,
                scheduler: str | None, rubric_path: Path, db: str | None, warm: bool,
                timeout: float | None, progress: bool, portfolio: bool, pdf: bool,
                t0: float) -> BatchReport:
    planned = plan(manifest, period=period, as_of=when, output_root=root,
                   rubric_path=rubric_path, db=db, warm=warm, timeout=timeout, pdf=pdf)
    results: dict[str, ProviderOutcome] = {}
    todo: list[Job] = []
    for item in planned:
        if isinstance(item, ProviderOutcome):
            results[item.provider] = item
        elif not force and (doc := is_current(item.folder, item.fingerprint, pdf)) is not None:
            results[item.provider_id] = _skipped(item, doc)
        else:
            todo.append(item)
    if pdf and (todo or portfolio):
        from workbench.reports.pdf import check_engine

        check_engine()  # no PDF engine: say what to install before running anything
    try:
        with _executor(executor, jobs, scheduler) if todo else contextlib.nullcontext() as pool:
            if todo:
                _run_jobs(todo, pool, results, period=period, progress=progress)
            report.outcomes = [results[p.id] for p in manifest.providers]
            if portfolio:
                # on a warm worker of the pool when there is one (its kernel already imported
                # everything), else on this process's kernel
                basis = _portfolio_basis(report, manifest, planned)
                if force or todo or not _portfolio_kept(report, root, basis, pdf):
                    _portfolio(report, manifest, root, pool=pool, warm=warm,
                               workers=min(jobs, len(todo)), pdf=pdf)
                    _remember_portfolio(report, root, basis, pdf)
    finally:
        runner.shutdown_process_kernel()  # this process's warm kernel, if it started one
    report.seconds = time.perf_counter() - t0
    return report


def _run_jobs(todo: list[Job], pool: Any, results: dict[str, ProviderOutcome], *, period: str,
              progress: bool) -> None:
    from tqdm import tqdm

    with tqdm(total=len(todo), desc=f"batch {period}", unit="provider", disable=not progress,
              file=sys.stderr) as bar:
        if pool is None:
            for job in todo:
                results[job.provider_id] = run_provider(job)
                bar.update(1)
            return
        futures = {pool.submit(run_provider, job): job for job in todo}
        for fut in cf.as_completed(futures):
            job = futures[fut]
            try:
                results[job.provider_id] = fut.result()
            except Exception as exc:  # the worker itself died
                results[job.provider_id] = ProviderOutcome(
                    job.provider_id, "failed",
                    error=f"worker failed: {type(exc).__name__}: {exc}")
            bar.update(1)


def run_portfolio(period: str, manifest_path: str, output_root: str, *, warm: bool = True,
                  governance_reports: bool = True) -> tuple[str | None, list[str]]:
    """Execute the portfolio notebook into outputs/<period>/ (it writes portfolio.xlsx,
    portfolio.html and, with ``governance_reports``, the portfolio governance reports);
    returns (error or None, files)."""
    folder = _period_folder(period, output_root)
    with tempfile.TemporaryDirectory(prefix=".portfolio.", dir=folder) as tmp:
        run = runner.run_notebook(
            PORTFOLIO_NOTEBOOK, Path(tmp) / "portfolio.ipynb",
            {"period": period, "manifest_path": manifest_path, "output_root": output_root,
             "output_dir": str(folder), "interactive": False,
             "governance_reports": governance_reports},
            kernel=runner.process_kernel() if warm else None, env=_root_chart_env(output_root))
    if not run.ok:
        return f"{run.error} (cell {run.failing_cell})", []
    import nbformat
    write_text(folder / "portfolio.ipynb", nbformat.writes(run.notebook))
    # without its governance reports, an earlier run's portfolio_*.html are not this run's files
    return None, sorted(str(p) for p in folder.glob("portfolio*") if p.is_file()
                        and (governance_reports or not p.name.startswith("portfolio_")))


PORTFOLIO_REPORTS = """\
from workbench.reports import governance, pack
governance.write_portfolio_governance(
    pack.period_results({period!r}, output_root={root!r}, manifest_path={manifest!r}), {folder!r})
"""


def run_portfolio_reports(period: str, manifest_path: str, output_root: str
                          ) -> tuple[str | None, list[str]]:
    """Write the four portfolio governance reports into outputs/<period>/ on this process's
    warm kernel (beside the portfolio notebook on another worker); returns (error or None,
    files)."""
    folder = _period_folder(period, output_root)
    code = PORTFOLIO_REPORTS.format(period=period, root=output_root, manifest=manifest_path,
                                    folder=str(folder))
    try:
        runner.process_kernel().run_code(code, env=_root_chart_env(output_root))
    except (RuntimeError, TimeoutError) as exc:
        return f"portfolio governance reports: {exc}", []
    return None, sorted(str(p) for p in folder.glob("portfolio_*.html"))


def _result(future: cf.Future) -> tuple[str | None, list[str]]:
    try:
        return future.result()
    except Exception as exc:  # the worker died
        return f"worker failed: {type(exc).__name__}: {exc}", []


def _portfolio(report: BatchReport, manifest: Manifest, root: Path, *, pool: Any,
               warm: bool, workers: int, pdf: bool = True) -> None:
    """The portfolio after the providers; ``workers``: how many warm workers the pool has."""
    if not any(o.status in ("ok", "skipped") for o in report.outcomes):
        report.portfolio_error = "no provider outputs to compare"
        return
    args = (report.period, str(manifest.path), str(root))
    if pool is None:
        try:
            error, files = run_portfolio(*args, warm=warm)
        except Exception as exc:  # never let the portfolio hide the providers' outcomes
            error, files = f"{type(exc).__name__}: {exc}", []
    elif warm and workers > 1:
        # the notebook and the governance reports side by side on two warm workers (with one
        # warm worker a second would first have to start its kernel: slower than one notebook)
        book = pool.submit(run_portfolio, *args, governance_reports=False)
        reports = pool.submit(run_portfolio_reports, *args)
        (error, files), (reports_error, report_files) = _result(book), _result(reports)
        error = "; ".join(e for e in (error, reports_error) if e) or None
        files = sorted({*files, *report_files})
    else:
        error, files = _result(pool.submit(run_portfolio, *args, warm=warm))
    pdf_error, pdfs = _portfolio_pdfs(files, pool) if pdf else (None, _no_pdfs(files))
    report.portfolio_error = "; ".join(e for e in (error, pdf_error) if e) or None
    report.portfolio = sorted(f for f in {*files, *pdfs} if Path(f).exists())


# What the last portfolio was drawn from (a dot file: not one of the portfolio's outputs)
PORTFOLIO_INPUTS = ".portfolio-inputs.json"


def _portfolio_basis(report: BatchReport, manifest: Manifest,
                     planned: list[Job | ProviderOutcome]) -> str:
    """The fingerprint of everything the portfolio is drawn from: the manifest, and each
    provider's outcome and inputs (its own skip fingerprint: register, rubric, stored scores,
    parameters and the package's version)."""
    prints = {item.provider_id: item.fingerprint for item in planned if isinstance(item, Job)}
    return provenance.fingerprint({
        "period": report.period, "manifest": provenance.file_sha256(manifest.path),
        # a provider built now or skipped as unchanged has the same outputs for the same inputs
        "providers": [(o.provider, o.status == "failed", prints.get(o.provider))
                      for o in report.outcomes],
        "package_version": __version__})


def _portfolio_kept(report: BatchReport, root: Path, basis: str, pdf: bool) -> bool:
    """True (and the report given last run's files) when the portfolio's inputs are those of
    the last portfolio, every file it wrote is still there, and it drew the PDFs if asked."""
    folder = root / report.period
    try:
        doc = json.loads((folder / PORTFOLIO_INPUTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    files = [folder / name for name in doc.get("files") or []]
    if (doc.get("fingerprint") != basis or (pdf and not doc.get("pdf")) or not files
            or not all(f.is_file() for f in files)):
        return False
    report.portfolio, report.portfolio_kept = sorted(map(str, files)), True
    return True


def _remember_portfolio(report: BatchReport, root: Path, basis: str, pdf: bool) -> None:
    """Record what a portfolio that built without an error was drawn from (else forget it)."""
    record = root / report.period / PORTFOLIO_INPUTS
    if report.portfolio_error or not report.portfolio:
        record.unlink(missing_ok=True)
        return
    write_text(record, json.dumps({"fingerprint": basis, "pdf": pdf,
                                   "files": sorted(Path(f).name for f in report.portfolio)}))


def _no_pdfs(files: list[str]) -> list[str]:
    """Without PDFs: an earlier run's PDF beside a report just rewritten is not its copy."""
    for page in files:
        if page.endswith(".html"):
            Path(page).with_suffix(".pdf").unlink(missing_ok=True)
    return []


def _portfolio_pdfs(files: list[str], pool: Any) -> tuple[str | None, list[str]]:
    """A PDF beside portfolio.html and each portfolio governance report: one task per report
    on the pool's workers (largest first) when there is a pool, else here."""
    from workbench.reports import pdf

    pages = sorted((f for f in files if f.endswith(".html")),
                   key=lambda f: -Path(f).stat().st_size)
    errors, written = [], []
    if pool is None:
        for page in pages:
            try:
                written.append(str(pdf.write_pdf(page)))
            except Exception as exc:
                errors.append(f"{Path(page).name}: {exc}")
    else:
        futures = {pool.submit(pdf.write_pdf, page): page for page in pages}
        for fut, page in futures.items():
            try:
                written.append(str(fut.result()))
            except Exception as exc:  # the report could not be drawn, or the worker died
                errors.append(f"{Path(page).name}: {exc}")
    return ("PDF of " + "; ".join(errors) if errors else None), written
