"""Dashboard test and benchmark data: batch results for the sample providers and a scored store."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest

from workbench.core.paths import DEFAULT_MANIFEST, PROJECT_ROOT

PROVIDER = "oakwood-care"
ASSESSOR = "Auditor Ann Example"
# item id -> answer saved in the store for PROVIDER (a mix, so the total is not 0 or the max)
ANSWERS = {"1.1": "yes", "1.2": "yes", "1.3": "no", "2.1": "yes", "3.1": "yes", "5.1": "no",
           "5.2": "yes"}
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# The WCAG 2.0, 2.1 and 2.2 A and AA rules of axe-core (not its best-practice rules)
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def need_chromium(what: str) -> None:
    """Skip (saying why) when Debian's chromium is missing; in CI, fail instead."""
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing in CI (apt-get install chromium chromium-driver)")
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium); {what}")


def axe_violations(page) -> list[str]:
    """axe-core's WCAG 2.2 AA violations on ``page``, one line per rule with where it failed."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]}
    found = Axe().run(page, options=options).response["violations"]
    return [f"{v['id']} ({v['impact']}): {v['help']} at "
            + "; ".join(" ".join(map(str, n["target"])) for n in v["nodes"][:5])
            for v in found]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def jupyter_env(tmp: Path, **extra: str) -> dict[str, str]:
    """os.environ with HOME and the Jupyter folders in ``tmp`` (nothing of the user's touched)."""
    home = tmp / "home"
    for sub in ("data", "ipython", "runtime", "config"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    return {**os.environ, "HOME": str(home), "JUPYTER_DATA_DIR": str(home / "data"),
            "IPYTHONDIR": str(home / "ipython"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            "JUPYTER_CONFIG_DIR": str(home / "config"), "PYTHONUNBUFFERED": "1", **extra}


def write_outputs(out_root: Path, providers: list[str] | None = None,
                  manifest_path: Path = DEFAULT_MANIFEST) -> list[str]:
    """results.json per provider under out_root/<period>/<id>/ and the scorecard charts in the
    chart cache under out_root (what the batch leaves)."""
    from workbench.core.paths import CHART_CACHE_ENV, chart_cache_dir
    from workbench.register.manifest import load_manifest
    from workbench.reports import results as results_mod
    from workbench.reports import scorecharts
    from workbench.reports.pack import compute_results

    manifest = load_manifest(manifest_path)
    done = []
    with mock.patch.dict(os.environ, {CHART_CACHE_ENV: str(chart_cache_dir(out_root))}):
        for provider in manifest.providers:
            if providers is not None and provider.id not in providers:
                continue
            target = out_root / manifest.period / provider.id / "results.json"
            if not target.is_file():
                results = compute_results(provider, manifest, period=manifest.period)
                results_mod.save(results, target)
                scorecharts.prerender(results_mod.load(target))
            done.append(provider.id)
    return done


def score_provider(db: str, provider_id: str = PROVIDER, answers: dict[str, str] = ANSWERS,
                   period: str = "2024-25") -> int:
    """Save ``answers`` for the provider in the store (through Store) and return the total the
    store's items score, computed with workbench.scoring.assessment.scores."""
    from workbench.core.errors import ConflictError
    from workbench.reports.pack import default_rubric_path, rubric_at
    from workbench.scoring.assessment import scores
    from workbench.scoring.store import Store

    rubric = rubric_at(default_rubric_path())
    with Store(db) as store:
        try:
            aid = store.create_assessment(provider_id, period, rubric, who=ASSESSOR)
        except ConflictError:
            aid = store.find(provider_id, period, rubric_id=rubric.id).id
        store.save_items(aid, {k: {"answer": v} for k, v in answers.items()}, ASSESSOR)
        return scores(rubric, store.load(aid)).total


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"no answer from {url} in {timeout} s")


def dashboard_data(folder: Path) -> None:
    """The browser tests' data in ``folder``: outputs/ (write_outputs for every sample
    provider), workbench.db (score_provider), total (the score it stored) and config/ (the
    pseudonymisation key they were made with)."""
    with mock.patch.dict(os.environ, {"WORKBENCH_CONFIG_DIR": str(folder / "config"),
                                      "WORKBENCH_OUTPUTS": str(folder / "outputs")}):
        write_outputs(folder / "outputs")
        (folder / "total").write_text(str(score_provider(str(folder / "workbench.db"))))


@contextmanager
def dashboard_server(tmp: Path, *, outputs: Path, db: str, port: int | None = None,
                     preheat: bool = False, pool_size: int | None = None, token: str | None = None,
                     config: Path | None = None, extra: tuple[str, ...] = ()):
    """`python -m workbench dashboard` in a subprocess: yields (base_url, process), then stops.
    ``config``: its WORKBENCH_CONFIG_DIR (else this process's); ``extra``: more options."""
    port = port or free_port()
    argv = [sys.executable, "-m", "workbench", "dashboard", "--port", str(port),
            "--preheat" if preheat else "--no-preheat"]
    if pool_size:
        argv += ["--pool-size", str(pool_size)]
    if token:
        argv += ["--token", token]
    argv += list(extra)
    env = jupyter_env(tmp, WORKBENCH_OUTPUTS=str(outputs), WORKBENCH_DB=db,
                      **({"WORKBENCH_CONFIG_DIR": str(config)} if config else {}))
    log = open(tmp / f"dashboard-{port}.log", "w")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen(argv, cwd=PROJECT_ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_http(base + "/" + (f"?token={token}" if token else ""), proc)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
