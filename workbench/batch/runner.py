"""The notebook runner: papermill on an IPC kernel, failures located, summary read back."""

from __future__ import annotations

import atexit
import contextlib
import functools
import html
import itertools
import os
import queue
import re
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar
from weakref import WeakSet

import nbformat
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines
from papermill.exceptions import PapermillExecutionError
from papermill.execute import execute_notebook
from papermill.log import logger as papermill_logger

SUMMARY_MIME = "application/x.workbench+json"
KERNEL_NAME = "python3"
START_TIMEOUT = 120
INTERRUPT_WAIT = 10  # seconds for an interrupted run to stop
IOPUB_WAIT = 10  # seconds for a run's outputs to end once its reply has come
ABORTED_WAIT = 5  # seconds to keep resending a request the kernel aborted after an error
# Imported once per warm kernel so each notebook pays only for its own work.
PRELOAD = (
    "import pandas, numpy, altair, IPython.display\n"
    "try:\n"
    "    import workbench.reports.pack\n"
    "    workbench.reports.pack.warm_up()\n"
    "except Exception:\n"
    "    pass  # the notebook itself will report what is wrong\n"
)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# Run silently (no history, no execution count) before each notebook in a reused kernel: clear
# every lru/functools cache of the workbench modules except those of pure functions
# (workbench.core.memo.pure_cache: same arguments, same answer, files keyed by version), call every
# module's reset_state(), restore the environment and working directory, then start a fresh user
# namespace and execution count.
_RESET = """\
def _wb_reset(_cwd, _env):
    import os, sys
    for _name, _mod in list(sys.modules.items()):
        if _name != "workbench" and not _name.startswith("workbench."):
            continue
        for _obj in list(vars(_mod).values()):
            if (callable(getattr(_obj, "cache_clear", None)) and hasattr(_obj, "cache_info")
                    and not getattr(_obj, "pure", False)):
                _obj.cache_clear()
        if callable(getattr(_mod, "reset_state", None)):
            _mod.reset_state()
    os.environ.clear()
    os.environ.update(_env)
    os.chdir(_cwd)
_wb_reset({cwd!r}, {env!r})
get_ipython().reset(new_session=True, aggressive=False)
"""


def _short_tmp() -> str:
    """A folder for kernel connection files short enough for Unix socket paths (108 bytes)."""
    base = "/tmp" if os.access("/tmp", os.W_OK) else tempfile.gettempdir()
    return tempfile.mkdtemp(prefix="wbk-", dir=base)


class IPCKernelManager(AsyncKernelManager):
    """A kernel manager on the IPC transport (no TCP ports to collide on, papermill#511), with its
    connection file and sockets in a private short folder removed when the kernel is cleaned up."""

    _made: ClassVar[WeakSet[IPCKernelManager]] = WeakSet()
    _serial: ClassVar[itertools.count] = itertools.count()

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("transport", "ipc")
        if not kwargs.get("connection_file"):
            self._wb_dir = _short_tmp()
            kwargs["connection_file"] = os.path.join(self._wb_dir, "kernel.json")
        super().__init__(**kwargs)
        self.wb_serial = next(IPCKernelManager._serial)
        self.wb_thread = threading.get_ident()
        IPCKernelManager._made.add(self)

    def kill_now(self) -> bool:
        """Send the kernel and whatever it started SIGKILL without waiting for anything (safe
        inside a signal handler); True when there was a process to kill."""
        process = getattr(self.provisioner, "process", None)
        if process is None or process.returncode is not None:
            return False
        # jupyter_client starts kernels in their own session: their group is theirs alone
        group = getattr(self.provisioner, "pgid", None)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if group and group != os.getpgrp():
                os.killpg(group, signal.SIGKILL)
            else:
                os.kill(process.pid, signal.SIGKILL)
        return True

    @classmethod
    def kill_made_since(cls, serial: int, thread: int) -> bool:
        """Kill every kernel that ``thread`` created from ``serial`` on; True if any was running."""
        hit = False
        for ref in list(cls._made.data):  # a snapshot: another thread may add one meanwhile
            km = ref()
            if km is not None and km.wb_serial >= serial and km.wb_thread == thread:
                hit = km.kill_now() or hit
        return hit

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart and getattr(self, "_wb_dir", None):
            shutil.rmtree(self._wb_dir, ignore_errors=True)

    cleanup_resources = run_sync(_async_cleanup_resources)


@contextlib.contextmanager
def _interruptible(stop: Callable[[], bool]):
    """Ctrl-C while a kernel runs: ``stop()`` kills the kernel at once, the run unwinds through
    the client's own dead-kernel handling, then KeyboardInterrupt is raised here. The default
    handler would raise it at whatever line the client was on, which could leave the clean-up
    waiting for ever. ``stop()`` returning False (no kernel to kill) or a second Ctrl-C raises at
    once. A handler already in place (a batch worker's) is told too, but cannot raise mid-client.
    Only in the main thread, and not where Ctrl-C is ignored."""
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or not callable(previous):
        yield
        return
    hits, raised, closing = 0, False, False

    def on_sigint(signum: int, frame: Any) -> None:
        nonlocal hits, raised
        hits += 1
        if closing:  # raised below, once the previous handler is back
            return
        killed = hits == 1 and stop()
        if previous is not signal.default_int_handler:
            with contextlib.suppress(KeyboardInterrupt):
                previous(signum, frame)
        if not killed:
            raised = True
            raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGINT, on_sigint)
        yield
    finally:
        closing = True
        signal.signal(signal.SIGINT, previous)
        if hits and not raised:
            raise KeyboardInterrupt


class _SaveAtEnds(NotebookExecutionManager):
    """papermill's execution manager without the two saves per cell (the notebook is still saved
    when it starts, by the timed autosave during a long cell, and when it ends, failed or not):
    the batch publishes a provider's folder only once it is complete, so nobody reads the
    half-run file, and each save re-serialises the whole notebook."""

    _hold = False

    def save(self, **kwargs: Any) -> None:
        if not self._hold:
            super().save(**kwargs)

    @contextlib.contextmanager
    def _held(self):
        self._hold = True
        try:
            yield
        finally:
            self._hold = False

    def cell_start(self, cell: Any, cell_index: int | None = None, **kwargs: Any) -> None:
        with self._held():
            super().cell_start(cell, cell_index, **kwargs)

    def cell_complete(self, cell: Any, cell_index: int | None = None, **kwargs: Any) -> None:
        with self._held():
            super().cell_complete(cell, cell_index, **kwargs)


class _WarmEngine(NBClientEngine):
    """papermill's nbclient engine, but on a kernel and client that outlive the notebook."""

    @classmethod
    def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True,
                         log_output=False, autosave_cell_every=30, **kwargs):
        # papermill's Engine.execute_notebook, with the manager above
        nb_man = _SaveAtEnds(nb, output_path=output_path, progress_bar=progress_bar,
                             log_output=log_output, autosave_cell_every=autosave_cell_every)
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                 stderr_file=None, start_timeout=60, execution_timeout=None,
                                 kc=None, **kwargs):
        kwargs.pop("input_path", None)
        client = PapermillNotebookClient(
            nb_man, kernel_name=kernel_name, timeout=execution_timeout,
            startup_timeout=start_timeout, log=papermill_logger, log_output=log_output,
            stdout_file=stdout_file, stderr_file=stderr_file, **kwargs)
        client.kc = kc
        return client.execute()


papermill_engines.register("workbench-warm", _WarmEngine)


@dataclass
class NotebookRun:
    """What happened when one notebook ran."""

    ok: bool
    seconds: float
    output_path: Path | None
    notebook: Any = None  # the executed nbformat NotebookNode
    summary: dict[str, Any] | None = None
    error: str | None = None
    failing_cell: int | None = None
    failing_source: str | None = None
    log: str = ""
    attempts: int = 1
    extra: dict[str, Any] = field(default_factory=dict)


def read_summary(nb: Any) -> dict[str, Any] | None:
    """The last ``application/x.workbench+json`` display in an executed notebook, or None."""
    found = None
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data") or {}
            if SUMMARY_MIME in data:
                found = data[SUMMARY_MIME]
    return dict(found) if found is not None else None


def notebook_log(nb: Any) -> str:
    """Every stream output and error traceback of an executed notebook, as plain text."""
    parts = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append(f"[cell {i} {out.get('name')}] {out.get('text', '')}")
            elif out.get("output_type") == "error":
                parts.append(f"[cell {i} error]\n" + _ANSI.sub("", "\n".join(out.get("traceback",
                                                                               []))))
    return "".join(p if p.endswith("\n") else p + "\n" for p in parts)


def _failure(nb: Any, exc: BaseException | None) -> tuple[int | None, str | None, str]:
    """(cell index, cell source, error text) of the failed cell."""
    if isinstance(exc, PapermillExecutionError):
        return exc.cell_index, exc.source, f"{exc.ename}: {exc.evalue}"
    if nb is not None:
        for i, cell in enumerate(nb.cells):
            pm = cell.get("metadata", {}).get("papermill", {})
            if pm.get("exception") or pm.get("status") == "failed":
                return i, cell.get("source"), f"{type(exc).__name__}: {exc}"
    return None, None, f"{type(exc).__name__}: {exc}" if exc else "unknown error"


def _started_cells(nb: Any) -> int:
    return sum(1 for c in nb.cells if c.get("metadata", {}).get("papermill", {}).get("start_time"))


def _kernel_log() -> Any:
    """An append-mode log file for one kernel's stdout/stderr, kept after the kernel stops."""
    folder = Path(tempfile.gettempdir()) / "workbench-kernels"
    folder.mkdir(parents=True, exist_ok=True)
    return open(folder / f"kernel-{os.getpid()}-{time.time_ns()}.log", "ab")


class WarmKernel:
    """One kernel kept alive for many notebooks, each run in a fresh namespace.

    Between notebooks the user namespace, the execution count, every ``functools`` cache of the
    workbench modules but those of pure functions, every ``reset_state()`` hook, the environment
    and the working directory are reset; imported modules and pure caches (parsed rubric, bank
    holidays) stay (that is the saving). All kernel traffic goes through one
    private thread, so the event loop the client is bound to never changes.
    """

    def __init__(self, kernel_name: str = KERNEL_NAME, *, start_timeout: float = START_TIMEOUT,
                 preload: str = PRELOAD, cwd: str | Path | None = None, retries: int = 1):
        self.kernel_name = kernel_name
        self.start_timeout = start_timeout
        self.preload = preload
        self.cwd = str(cwd or os.getcwd())
        self.retries = retries
        self.km: IPCKernelManager | None = None
        self.kc: Any = None
        self.runs = 0
        self._env: dict[str, str] = {}
        self._log: Any = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wb-kernel")
        self._starting: IPCKernelManager | None = None
        self._halt = False  # set by Ctrl-C: a kernel that dies starting is not retried

    def _call(self, fn, *args, **kwargs):
        self._halt = False
        with _interruptible(self._kill):
            return self._thread.submit(fn, *args, **kwargs).result()

    def _kill(self) -> bool:
        self._halt = True
        if self._starting is not None:  # _start stops at its next step, killing it if launched
            self._starting.kill_now()
            return True
        return self.km is not None and self.km.kill_now()

    # --- in the kernel thread
    def _start(self) -> None:
        last: BaseException | None = None
        for _ in range(self.retries + 1):
            if self._halt:
                break
            km = self._starting = IPCKernelManager(kernel_name=self.kernel_name)
            kc = None
            try:
                # kernel chatter (start-up, shutdown) goes to a log, not the terminal
                self._log = _kernel_log()
                run_sync(km.start_kernel)(cwd=self.cwd, stdout=self._log, stderr=self._log)
                self._check_halt()
                kc = km.client()
                kc.start_channels()
                run_sync(kc.wait_for_ready)(timeout=self.start_timeout)
                self._check_halt()
                kc.allow_stdin = False
                self.km, self.kc = km, kc
                if self.preload:
                    self._execute(self.preload)
                self._env = dict(self._execute_json(
                    "import json, os; print(json.dumps(dict(os.environ)))"))
                return
            except Exception as exc:  # a kernel that would not start: one retry on a new one
                last = exc
                self._stop(km, kc)
                self._log.close()
                self.km = self.kc = None
            finally:
                self._starting = None
        raise RuntimeError(f"kernel {self.kernel_name!r} did not start: {last}") from last

    def _check_halt(self) -> None:
        if self._halt:
            raise RuntimeError("interrupted")

    def _request(self, code: str, timeout: float | None) -> tuple[dict, list[dict]]:
        """Run ``code``: the content of its reply and its iopub messages (read, so they never
        pile up in front of the next request's)."""
        deadline = time.monotonic() + ABORTED_WAIT
        while True:
            # stop_on_error=False: a failure here must not abort the request after it
            msg_id = self.kc.execute(code, store_history=False, stop_on_error=False)
            reply = run_sync(self._reply)(msg_id, timeout)
            outputs = run_sync(self._outputs)(msg_id)
            # "aborted": never run, because it arrived while the kernel was still dropping its
            # queue after a notebook's failing cell (nbclient sends stop_on_error): resend it
            if reply["content"]["status"] != "aborted" or time.monotonic() > deadline:
                return reply["content"], outputs
            time.sleep(0.05)

    def _execute(self, code: str) -> list[dict]:
        content, outputs = self._request(code, self.start_timeout)
        if content["status"] != "ok":
            raise RuntimeError(f"kernel setup failed: {content.get('ename')}: "
                               f"{content.get('evalue')}")
        return outputs

    async def _next(self, get: Callable[..., Any]) -> dict | None:
        """The next message from ``get`` (a channel's get_*_msg) within a second, else None;
        RuntimeError when the kernel has died meanwhile."""
        try:
            return await get(timeout=1)
        except queue.Empty:
            if not await self.km.is_alive():
                raise RuntimeError("the kernel died") from None
            return None

    async def _reply(self, msg_id: str, timeout: float | None) -> dict:
        """The shell reply to ``msg_id``, checking every second that the kernel is alive (a
        kernel killed mid-run must not leave the caller waiting for ever)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        interrupted = False
        while True:
            msg = await self._next(self.kc.get_shell_msg)
            if msg is None:
                if deadline is not None and time.monotonic() > deadline:
                    if interrupted:
                        raise TimeoutError(f"no reply within {timeout} s") from None
                    # interrupt, then wait for the interrupted reply: a request sent before it
                    # arrives would be aborted by the kernel
                    await self.km.interrupt_kernel()
                    interrupted, deadline = True, time.monotonic() + INTERRUPT_WAIT
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                if interrupted:
                    raise TimeoutError(f"no reply within {timeout} s")
                return msg

    async def _outputs(self, msg_id: str) -> list[dict]:
        """The iopub messages of ``msg_id`` up to its idle status (sent just after the reply);
        RuntimeError when it does not come within IOPUB_WAIT seconds."""
        outputs: list[dict] = []
        deadline = time.monotonic() + IOPUB_WAIT
        while True:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the kernel's outputs did not end within {IOPUB_WAIT} s")
            msg = await self._next(self.kc.get_iopub_msg)
            if msg is None or msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return outputs
            outputs.append(msg)

    def _execute_json(self, code: str) -> Any:
        import json
        for msg in self._execute(code):
            if msg["msg_type"] == "stream":
                return json.loads(msg["content"]["text"])
        return {}

    @staticmethod
    def _stop(km: Any, kc: Any) -> None:
        with contextlib.suppress(Exception):
            if kc is not None:
                kc.stop_channels()
        with contextlib.suppress(Exception):
            if km is not None and km.has_kernel:
                run_sync(km.shutdown_kernel)(now=True)
        with contextlib.suppress(Exception):
            if km is not None:
                km.cleanup_resources()

    def _stop_current(self) -> None:
        self._stop(self.km, self.kc)
        self.km = self.kc = None

    def _alive(self) -> bool:
        return self.km is not None and bool(run_sync(self.km.is_alive)())

    def _run(self, input_path: str, output_path: str | None, parameters: dict, timeout,
             env: Mapping[str, str] | None = None) -> Any:
        self._reset(env)
        return execute_notebook(
            input_path, output_path, parameters=parameters, engine_name="workbench-warm",
            kernel_name=self.kernel_name, km=self.km, kc=self.kc, progress_bar=False,
            start_timeout=self.start_timeout, execution_timeout=timeout, cwd=None)

    def _reset(self, env: Mapping[str, str] | None) -> None:
        """A live kernel in the state of a fresh one (see _RESET), before each notebook or code."""
        if not self._alive():
            self._stop_current()
            self._start()
        self._execute(_RESET.format(cwd=self.cwd, env={**self._env, **(env or {})}))
        self.runs += 1

    def _run_code(self, code: str, timeout, env: Mapping[str, str] | None) -> None:
        self._reset(env)
        content, _ = self._request(code, timeout)
        if content["status"] != "ok":
            raise RuntimeError(f"{content.get('ename')}: {content.get('evalue')}")

    # --- public, any thread
    def start(self) -> WarmKernel:
        """Start the kernel now (otherwise the first run starts it)."""
        if not self._call(self._alive):
            self._call(self._start)
        return self

    def execute(self, input_path: str | Path, output_path: str | Path | None,
                parameters: Mapping[str, Any], *, timeout: float | None = None,
                env: Mapping[str, str] | None = None) -> Any:
        """Execute a notebook through papermill on this kernel (``env``: variables set for this
        notebook only); return the executed notebook."""
        return self._call(self._run, str(input_path), str(output_path) if output_path else None,
                          dict(parameters), timeout, env)

    def run_code(self, code: str, *, timeout: float | None = None,
                 env: Mapping[str, str] | None = None) -> None:
        """Run ``code`` in a fresh namespace, reset as for a notebook (``env``: variables set for
        this code only). A RuntimeError names the exception when the code fails or says the
        kernel died; TimeoutError after ``timeout`` seconds."""
        self._call(self._run_code, code, timeout, env)

    def shutdown(self) -> None:
        """Stop the kernel and the private thread (safe to call twice)."""
        if self._thread is None:
            return
        try:
            with contextlib.suppress(Exception):
                self._call(self._stop_current)
        finally:
            if self._log is not None:
                self._log.close()
            self._thread.shutdown(wait=False)
            self._thread = None  # type: ignore[assignment]


_PROCESS_KERNEL: WarmKernel | None = None
_PROCESS_LOCK = threading.Lock()


def process_kernel(**kwargs: Any) -> WarmKernel:
    """This process's warm kernel, started on first use and stopped when the process exits."""
    global _PROCESS_KERNEL
    with _PROCESS_LOCK:
        if _PROCESS_KERNEL is None:
            _PROCESS_KERNEL = WarmKernel(**kwargs)
            atexit.register(shutdown_process_kernel)
            # pool workers leave through os._exit: multiprocessing finalizers still run there
            import multiprocessing.util
            multiprocessing.util.Finalize(None, shutdown_process_kernel, exitpriority=10)
        return _PROCESS_KERNEL


def shutdown_process_kernel() -> None:
    """Stop this process's warm kernel if one was started."""
    global _PROCESS_KERNEL
    kernel, _PROCESS_KERNEL = _PROCESS_KERNEL, None
    if kernel is not None:
        kernel.shutdown()


def run_notebook(input_path: str | Path, output_path: str | Path | None,
                 parameters: Mapping[str, Any], *, kernel: WarmKernel | None = None,
                 kernel_name: str = KERNEL_NAME, start_timeout: float = START_TIMEOUT,
                 timeout: float | None = None, retries: int = 1,
                 cwd: str | Path | None = None,
                 env: Mapping[str, str] | None = None) -> NotebookRun:
    """Execute one notebook with papermill and report what happened; never raises for a failing
    cell. ``kernel``: a WarmKernel to reuse; None starts a fresh IPC kernel for this notebook
    (with ``retries`` more attempts when the kernel fails to start). ``env``: environment
    variables the kernel sees for this notebook."""
    t0 = time.perf_counter()
    nb = None
    exc: BaseException | None = None
    attempts = 0
    while True:
        attempts += 1
        try:
            if kernel is not None:
                nb = kernel.execute(input_path, output_path, parameters, timeout=timeout,
                                    env=env)
            else:
                # a new kernel inherits this process's environment
                stop = functools.partial(IPCKernelManager.kill_made_since,
                                         next(IPCKernelManager._serial), threading.get_ident())
                with _environ(env), _interruptible(stop):
                    nb = execute_notebook(
                        str(input_path), str(output_path) if output_path else None,
                        parameters=dict(parameters), kernel_name=kernel_name,
                        progress_bar=False, start_timeout=start_timeout,
                        execution_timeout=timeout, kernel_manager_class=IPCKernelManager,
                        cwd=str(cwd) if cwd else None)
            exc = None
            break
        except PapermillExecutionError as e:
            exc = e
            break
        except Exception as e:  # kernel start failures: retry when no cell has run yet
            exc = e
            if output_path and Path(output_path).exists():
                with contextlib.suppress(Exception):
                    nb = nbformat.read(str(output_path), as_version=4)
            if attempts > retries or (nb is not None and _started_cells(nb)):
                break
            nb = None
    seconds = time.perf_counter() - t0
    if nb is None and output_path and Path(output_path).exists():
        with contextlib.suppress(Exception):
            nb = nbformat.read(str(output_path), as_version=4)
    if exc is None:
        return NotebookRun(True, seconds, Path(output_path) if output_path else None, nb,
                           read_summary(nb), log=notebook_log(nb), attempts=attempts)
    index, source, error = _failure(nb, exc)
    log = notebook_log(nb) if nb is not None else ""
    return NotebookRun(False, seconds, Path(output_path) if output_path else None, nb,
                       read_summary(nb) if nb is not None else None, error=error,
                       failing_cell=index, failing_source=source, log=log, attempts=attempts)


# report.html needs no script: its tables are HTML and its charts SVG images. nbconvert's lab
# template still adds require.js, MathJax and mermaid loaders (mermaid's from a CDN): they are
# dropped, and the page forbids any script, frame, font or request (the charts are data: URLs).
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>[ \t]*\n?", re.IGNORECASE | re.DOTALL)
_HEAD = re.compile(r"<head\b[^>]*>", re.IGNORECASE)


def locked_down(html: str) -> str:
    """``html`` without any script element and with the Content-Security-Policy REPORT_CSP as
    the first element of its head."""
    meta = f'\n<meta http-equiv="Content-Security-Policy" content="{REPORT_CSP}">'
    html = _SCRIPT.sub("", html)
    head = _HEAD.search(html)
    if head is None:
        raise ValueError("the exported notebook has no <head>")
    return html[:head.end()] + meta + html[head.end():]


@functools.cache
def _html_exporter() -> Any:
    # One per process: building an exporter compiles its Jinja templates (~0.3 s a provider).
    from nbconvert import HTMLExporter

    # no CDN scripts: the page and its SVG charts work offline
    return HTMLExporter(exclude_input=True, exclude_input_prompt=True,
                        exclude_output_prompt=True, exclude_anchor_links=True,
                        require_js_url="", mathjax_url="")


@contextlib.contextmanager
def _environ(env: Mapping[str, str] | None):
    saved = {k: os.environ.get(k) for k in env or {}}
    os.environ.update(env or {})
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def export_html(nb: Any, path: str | Path) -> Path:
    """The executed notebook as a standalone HTML page without code, prompts or script, under
    the Content-Security-Policy REPORT_CSP."""
    from workbench.core.atomic import write_text

    page, _ = _html_exporter().from_notebook_node(_publishable(nb))
    # nbconvert takes ISO 639-1 codes only; the reports are in British English
    page = page.replace('<html lang="en">', '<html lang="en-GB">', 1)
    return write_text(path, locked_down(page))


def _publishable(nb: Any) -> Any:
    """A copy without the summary bundle, the parameters cells and papermill's error banner."""
    nb = nbformat.from_dict(nb)
    cells = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & {"parameters", "injected-parameters", "papermill-error-cell-tag", "remove"}:
            continue
        cell["outputs"] = [o for o in cell.get("outputs", [])
                           if SUMMARY_MIME not in (o.get("data") or {})]
        cells.append(cell)
    nb.cells = cells
    title = _first_heading(nb)
    if title:  # the page's <title>: the report's own heading, not the notebook's file name
        nb.metadata["title"] = title
    return nb


def _first_heading(nb: Any) -> str | None:
    """The text of the first "# " heading a cell displayed, Markdown escapes undone."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text = (out.get("data") or {}).get("text/markdown")
            if isinstance(text, list):
                text = "".join(text)
            if isinstance(text, str) and text.startswith("# "):
                line = text[2:].splitlines()[0]
                return html.unescape(re.sub(r"\\(.)", r"\1", line)).strip()
    return None
