"""The thin notebooks: stripped, parameterised, runnable by papermill, and stable under nbval."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from workbench.batch.runner import SUMMARY_MIME, WarmKernel, run_notebook
from workbench.core.paths import NOTEBOOKS_DIR

DATA = Path(__file__).resolve().parent / "data" / "batch"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))


@pytest.fixture
def jupyter_env(tmp_path, monkeypatch):
    """Keep HOME, IPython and Jupyter runtime files out of the user's folders."""
    for var, sub in (("HOME", "home"), ("IPYTHONDIR", "ipython"),
                     ("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTER_CONFIG_DIR", "jconfig")):
        (tmp_path / sub).mkdir()
        monkeypatch.setenv(var, str(tmp_path / sub))
    return tmp_path


@pytest.fixture
def manifest(tmp_path) -> Path:
    shutil.copytree(DATA, tmp_path / "data")
    return tmp_path / "data" / "providers.yaml"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_thin_and_stripped(path: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert cell.outputs == [] and cell.execution_count is None, "outputs not stripped"
        tree = ast.parse(cell.source)
        assert not [n for n in ast.walk(tree)
                    if isinstance(n, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef
                                  | ast.Lambda)], "definitions belong in workbench, not notebooks"


def test_python3_kernelspec_is_this_python():
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    exe = spec.argv[0]
    assert exe in ("python", "python3", sys.executable) or Path(exe).resolve() == \
        Path(sys.executable).resolve(), spec.argv


def _probe(tmp_path: Path, source: str) -> Path:
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "language": "python",
                                                           "display_name": "Python 3"}})
    nb.cells = [nbformat.v4.new_code_cell("provider = ''", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell(source)]
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, path)
    return path


PROBE = """\
import os, IPython.display
from workbench.dashboards import apps as dashboards
from workbench.reports import pack, provenance
seen = {"leaked_variable": "secret" in globals(), "leaked_env": os.environ.get("WB_PROBE"),
        "ordinary_cache": dashboards.rubric_for.cache_info().currsize,
        "count": get_ipython().execution_count,
        "pure_cache": provenance._rubric_cached.cache_info().currsize}
secret = provider
os.environ["WB_PROBE"] = provider
pack.rubric_at(pack.default_rubric_path())
dashboards.rubric_for("complaints-handling-self-assessment", None)
IPython.display.display({"MIME_TYPE": seen}, raw=True)
""".replace("MIME_TYPE", SUMMARY_MIME)


def test_warm_kernel_does_not_leak_between_providers(tmp_path, jupyter_env):
    """A variable, an environment variable and an ordinary workbench cache set while running
    provider A are gone when provider B runs in the same kernel; execution counts restart. Only
    the caches of pure functions (the parsed rubric, keyed by file version) are kept."""
    probe = _probe(tmp_path, PROBE)
    kernel = WarmKernel().start()
    try:
        first = run_notebook(probe, tmp_path / "a.ipynb", {"provider": "A"}, kernel=kernel)
        second = run_notebook(probe, tmp_path / "b.ipynb", {"provider": "B"}, kernel=kernel)
    finally:
        kernel.shutdown()
    assert first.ok and second.ok, (first.error, second.error)
    kept = second.summary.pop("pure_cache"), first.summary.pop("pure_cache")
    assert second.summary == first.summary  # B sees exactly what A saw in a fresh kernel
    assert kept[0] == kept[1] + 1  # A's parsed rubric is still there for B
    assert first.summary["leaked_variable"] is False
    assert first.summary["leaked_env"] is None and first.summary["ordinary_cache"] == 0
    counts = [c.execution_count for c in second.notebook.cells if c.cell_type == "code"]
    assert counts == [1, 2, 3]


def test_warm_kernel_runs_code_in_a_fresh_namespace(jupyter_env):
    """Code run on a warm kernel (the batch's portfolio reports) gets the same reset as a
    notebook: no variable or environment variable survives it, and a failure names the error."""
    kernel = WarmKernel().start()
    try:
        kernel.run_code("import os\nleft_behind = 1\nassert os.environ['WB_PROBE'] == 'set'",
                        env={"WB_PROBE": "set"})
        kernel.run_code("import os\nassert 'left_behind' not in globals()\n"
                        "assert 'WB_PROBE' not in os.environ")
        with pytest.raises(RuntimeError, match="ValueError: broken on purpose"):
            kernel.run_code("raise ValueError('broken on purpose')")
        with pytest.raises(TimeoutError):
            kernel.run_code("import time\ntime.sleep(30)", timeout=2)
        # a kernel killed mid-run is reported, not waited for; the next run gets a new kernel
        with pytest.raises(RuntimeError, match="the kernel died"):
            kernel.run_code("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
        kernel.run_code("assert 'left_behind' not in globals()")
    finally:
        kernel.shutdown()


def test_a_request_the_kernel_aborted_after_a_failure_is_sent_again(jupyter_env, monkeypatch):
    """After a failing cell (nbclient asks the kernel to stop on error) the kernel aborts what
    is queued behind it; the warm kernel's next reset must be sent again, not reported as a
    failed set-up (the CI failure 'kernel setup failed: None: None')."""
    from workbench.batch import runner

    def fail_then_request(kernel: WarmKernel) -> dict:
        # queued behind the failing request, so the kernel aborts it, every time
        kernel.kc.execute("import time; time.sleep(0.3); raise ValueError('x')",
                          stop_on_error=True)
        return kernel._request("ran = 1", timeout=30)[0]

    kernel = WarmKernel(preload="").start()
    try:
        monkeypatch.setattr(runner, "ABORTED_WAIT", -1)  # no resend: the abort shows
        assert kernel._call(fail_then_request, kernel)["status"] == "aborted"
        monkeypatch.undo()
        assert kernel._call(fail_then_request, kernel)["status"] == "ok"
        kernel.run_code("assert 'ran' not in globals()")
    finally:
        kernel.shutdown()


def test_failing_cell_is_reported(tmp_path, jupyter_env):
    probe = _probe(tmp_path, "raise ValueError('broken on purpose')")
    run = run_notebook(probe, tmp_path / "out.ipynb", {"provider": "x"})
    assert not run.ok
    assert run.error == "ValueError: broken on purpose"
    assert "broken on purpose" in run.failing_source and run.failing_cell is not None
    assert "ValueError" in run.log


@pytest.mark.slow
@pytest.mark.parametrize("name", [
    "assess_provider.ipynb",
    # on the worker that builds the session's batch (see test_batch)
    pytest.param("portfolio.ipynb", marks=pytest.mark.xdist_group("fresh-batch"))])
def test_nbval(request, tmp_path, jupyter_env, monkeypatch, name):
    """Execute a copy with the test manifest (papermill, as the batch does: for the provider's
    notebook, its pack and figures checked), then nbval re-runs it and compares every output
    (strict; only temp paths and addresses are sanitised)."""
    if name == "portfolio.ipynb":  # the portfolio needs the providers' results first: a copy
        # of the session's batch over the test manifest (and the key it ran with)
        fresh_batch = request.getfixturevalue("fresh_batch")
        assert fresh_batch.report.exit_code == 0, fresh_batch.report.table()
        batch = fresh_batch.copy(tmp_path / "batch")
        monkeypatch.setenv("WORKBENCH_CONFIG_DIR", str(batch.config))
        params = {"manifest_path": str(batch.manifest), "output_root": str(batch.root)}
    else:
        params = {"manifest_path": str(request.getfixturevalue("manifest")),
                  "provider_id": "provider-002", "output_dir": str(tmp_path / "outputs" / "p2")}
    params["interactive"] = False
    copy = tmp_path / name
    run = run_notebook(NOTEBOOKS_DIR / name, copy, params)
    assert run.ok, (run.error, run.failing_source, run.log[-2000:])
    if name == "assess_provider.ipynb":  # papermill's run: the pack, its summary, its figures
        out = Path(params["output_dir"])
        assert run.summary["provider"] == "provider-002" and run.summary["complaints"] > 0
        doc = json.loads((out / "manifest.json").read_text())
        assert doc["inputs"]["register"]["sha256"] and doc["fingerprint"]
        assert (out / "scorecard.xlsx").is_file()
        figures = [o["data"]["text/html"] for c in run.notebook.cells
                   for o in c.get("outputs", [])
                   if "data:image/svg+xml;base64," in "".join(
                       (o.get("data") or {}).get("text/html", ""))]
        assert figures, "charts are rendered as SVG figures in papermill runs"
        assert all('alt="' in "".join(f) and "<figcaption>" in "".join(f) for f in figures)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p",
         "no:cacheprovider", "--nbval-sanitize-with", str(DATA / "nbval_sanitize.cfg"),
         "-o", "addopts=", str(copy)],
        cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
