"""The dashboards and JupyterLab in a real browser (Playwright driving Debian's Chromium)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.dashboard_setup import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PROVIDER,
    WCAG_AA,
    axe_violations,
    dashboard_data,
    dashboard_server,
    free_port,
    jupyter_env,
    need_chromium,
    wait_http,
)
from workbench.core.paths import DEFAULT_MANIFEST, NOTEBOOKS_DIR, PROJECT_ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = PROJECT_ROOT / "outputs" / "screenshots"
CHART_MARKS = ".wb-chart svg [class*='mark-']"
# the pages the server renders itself (no kernel), and the live Voilà dashboards
SCORECARD, PORTFOLIO = "/scorecard", "/portfolio"
LIVE_SCORECARD = "/voila/render/scorecard_dashboard.ipynb"
LIVE_PORTFOLIO = "/voila/render/portfolio_dashboard.ipynb"
TIMEOUT = 120_000  # ms: a cold kernel on a busy 2-core machine
# the tests on the dashboard server (the site fixture), kept on one worker so that one server
# and one Chromium serve them all (conftest's ordering; --dist loadgroup would too, but with
# pytest 9 pytest-xdist 3.8 no longer groups: pytest-xdist#1386)
ON_SITE = pytest.mark.xdist_group("dashboard-site")


@pytest.fixture(scope="session")
def site(tmp_path_factory, build_once):
    """Batch results for every sample provider, one scored assessment in a temporary store
    (built once per test run; every test here only reads them), and the dashboard server over
    them."""
    need_chromium("browser tests skipped")
    data = build_once("dashboard-site", dashboard_data)
    outputs, db = data / "outputs", str(data / "workbench.db")
    total = int((data / "total").read_text())
    tmp = tmp_path_factory.mktemp("dashboards")
    with dashboard_server(tmp, outputs=outputs, db=db, config=data / "config") as (base, _proc):
        yield {"base": base, "total": total, "tmp": tmp, "outputs": outputs, "db": db}


@pytest.fixture(scope="module")
def browser():
    """Chromium through Playwright's sync API, for this module's tests only: while it runs, an
    asyncio loop runs in this thread (asyncio.run in a later test on the worker would fail)."""
    need_chromium("browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(TIMEOUT)
    try:
        yield page
    finally:
        page.close()


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _open(page, url: str, ready: str) -> None:
    page.goto(url, wait_until="commit")
    page.wait_for_selector(ready)


def _kpis_cli(provider_id: str, as_of: str, period: str) -> dict:
    from workbench.register.manifest import load_manifest

    provider = load_manifest(DEFAULT_MANIFEST).provider(provider_id)
    t = provider.targets
    args = [sys.executable, "-m", "workbench", "kpis", str(provider.register), "--json",
            "--as-of", as_of, "--period", period, "--acknowledge-days", str(t.acknowledge_days),
            "--respond-days", str(t.respond_days), "--holidays", provider.holidays]
    if provider.mapping:
        args += ["--mapping", str(provider.mapping)]
    for day in provider.closures:
        args += ["--closure", day.isoformat()]
    res = subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=PROJECT_ROOT)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def _complainant_names() -> set[str]:
    from workbench.register.loader import load_register
    from workbench.register.manifest import load_manifest

    names: set[str] = set()
    for p in load_manifest(DEFAULT_MANIFEST).providers:
        frame = load_register(p.register, p.mapping, identities=True).frame
        names |= {str(n).strip() for n in frame["complainant_name"].dropna()
                  if len(str(n).strip()) >= 5}
    assert names, "the sample registers should name complainants (to prove none leak)"
    return names


@ON_SITE
def test_scorecard_total_tiles_and_charts(site, page):
    _open(page, site["base"] + f"{SCORECARD}?provider={PROVIDER}", CHART_MARKS)
    _shot(page, "scorecard")
    total = page.locator(".wb-total").inner_text().strip()
    assert total == f"{site['total']} / 85"
    assert page.locator(".wb-provider").inner_text() == "Oakwood Care Homes Ltd"
    assert page.locator(".wb-chart svg [class*='mark-']").count() > 0
    assert page.locator(".wb-chart svg path, .wb-chart svg rect").count() > 10
    assert "Last updated" in page.locator(".wb-updated").inner_text()

    as_of = page.locator(".wb-as-of").first.get_attribute("data-date")  # shown as 31 Mar 2025
    cli = _kpis_cli(PROVIDER, as_of, "2024-25")
    for key in ("complaints", "responded_within_target_pct", "acknowledged_within_target_pct",
                "median_working_days_to_respond", "upheld_pct", "escalated_pct"):
        tile = page.locator(f'.wb-tile[data-kpi="{key}"]')
        assert float(tile.get_attribute("data-value")) == pytest.approx(cli[key]), key
    shown = page.locator('.wb-tile[data-kpi="responded_within_target_pct"] .wb-tile-value')
    assert shown.inner_text().replace(" %", "").strip() in (
        f"{cli['responded_within_target_pct']:g}", f"{cli['responded_within_target_pct']:.1f}")
    past = page.locator('.wb-tile[data-kpi="open_past_20_working_days"]')
    assert float(past.get_attribute("data-value")) == cli["open"]["past_20_working_days"]
    body = page.inner_text("body")
    for code in ("dashboards.scorecard_app", "import ", "manifest_path ="):
        assert code not in body  # no code shown


def _sample_provider_count() -> int:
    from workbench.register.manifest import load_manifest

    return len(load_manifest(DEFAULT_MANIFEST).providers)


def _show(page, form: str) -> None:
    """Submit one of a page's forms and wait for the page it asks for."""
    with page.expect_navigation(wait_until="load"):
        page.locator(f"form.{form} button[type=submit]").click()


@ON_SITE
def test_picker_switches_provider(site, page):
    _open(page, site["base"] + f"{SCORECARD}?provider={PROVIDER}", CHART_MARKS)
    page.locator("form.wb-picker select").select_option(
        label="Meadowbank Lodge (meadowbank-care)")
    _show(page, "wb-picker")
    assert page.locator(".wb-provider").inner_text() == "Meadowbank Lodge"
    assert page.locator(".wb-total").inner_text().startswith("not scored")
    assert page.locator(CHART_MARKS).count() > 0


@ON_SITE
def test_unknown_provider_shows_a_clear_message(site, page):
    _open(page, site["base"] + f"{SCORECARD}?provider=%3Cimg%20src%3Dx%3E", ".wb-message")
    _shot(page, "scorecard-unknown")
    assert page.locator(".wb-message").inner_text() == (
        "No provider with id '<img src=x>' in this portfolio; choose one from the list")
    assert page.locator(".wb-message img").count() == 0
    assert page.locator("form.wb-picker select").count() == 1
    assert page.locator("form.wb-picker select").input_value() == ""


@ON_SITE
def test_portfolio_table_sort_filter_funnel_and_drill_down(site, page):
    _open(page, site["base"] + PORTFOLIO, CHART_MARKS)
    _shot(page, "portfolio")
    rows = page.locator("table.wb-portfolio tbody tr")
    assert rows.count() == _sample_provider_count()
    page.get_by_label("Sort by").select_option(label="Complaints")
    _show(page, "wb-controls")
    assert rows.first.get_attribute("data-provider") == "hartwell-housing"
    assert "sort=complaints" in page.url
    page.get_by_label("Service type").select_option(label="home care")
    _show(page, "wb-controls")
    assert rows.count() == 2
    assert page.get_by_label("Sort by").input_value() == "complaints"  # kept
    assert page.locator(".wb-chart[data-chart='funnel'] svg [class*='mark-']").count() > 0
    page.get_by_label("Funnel plot of").select_option(label="Escalation rate")
    _show(page, "wb-controls")
    assert "escalation" in page.locator("h3", has_text="Funnel plot").inner_text()
    link = page.locator("tr[data-provider='kestrel-homecare'] a.wb-drill")
    assert link.get_attribute("href") == "scorecard?provider=kestrel-homecare"
    link.click()
    page.wait_for_selector(CHART_MARKS)
    assert "provider=kestrel-homecare" in page.url
    assert page.locator(".wb-provider").inner_text() == "Kestrel Home Care Services"


@ON_SITE
def test_live_portfolio_in_voila_sorts_and_drills_down(site, page):
    """The Voilà portfolio (it computes live a provider the batch has not run): widgets that
    sort and filter, the funnel plot, and a drill-down to the live scorecard."""
    _open(page, site["base"] + LIVE_PORTFOLIO, CHART_MARKS)
    rows = page.locator("table.wb-portfolio tbody tr")
    assert rows.count() == _sample_provider_count()
    sort = page.locator(".widget-dropdown", has_text="Sort by").locator("select")
    sort.select_option(label="Complaints")
    page.wait_for_function("document.querySelector('table.wb-portfolio tbody tr')"
                           ".dataset.provider == 'hartwell-housing'")
    service = page.locator(".widget-dropdown", has_text="Service").first.locator("select")
    service.select_option(label="home care")
    page.wait_for_function("document.querySelectorAll('table.wb-portfolio tbody tr').length == 2")
    link = page.locator("tr[data-provider='kestrel-homecare'] a.wb-drill")
    assert link.get_attribute("href") == "scorecard_dashboard.ipynb?provider=kestrel-homecare"


@ON_SITE
def test_no_complainant_name_on_any_page(site, page):
    names = _complainant_names()
    for url in ("/", f"{SCORECARD}?provider={PROVIDER}", PORTFOLIO,
                f"{LIVE_SCORECARD}?provider={PROVIDER}"):
        _open(page, site["base"] + url, "table.wb-portfolio" if url == "/" else CHART_MARKS)
        text = page.content() + page.inner_text("body")
        leaked = sorted(n for n in names if n in text)
        assert not leaked, f"{url} shows complainant names: {leaked[:3]}"


@ON_SITE
def test_landing_page_lists_every_provider_and_links_its_scorecard(site, page):
    _open(page, site["base"] + "/", "table.wb-portfolio")
    _shot(page, "landing")
    assert "Northshire" in page.title() or "Complaints dashboards" in page.title()
    rows = page.locator("table.wb-portfolio tbody tr")
    assert rows.count() == _sample_provider_count()
    assert page.locator("a.wb-portfolio-link").get_attribute("href") == "portfolio"
    link = page.locator(f"tr[data-provider='{PROVIDER}'] a.wb-drill")
    style = link.evaluate("a => [getComputedStyle(a).textDecorationLine, "
                          "getComputedStyle(a).color]")
    assert "underline" in style[0] and style[1] != "rgb(0, 0, 0)"
    assert page.locator("th", has_text="Items scored No").count() == 1
    link.click()
    page.wait_for_selector(CHART_MARKS)
    assert page.locator(".wb-provider").inner_text() == "Oakwood Care Homes Ltd"
    page.get_by_role("link", name="Back to the portfolio").click()
    page.wait_for_selector("table.wb-portfolio")
    assert page.url.endswith(PORTFOLIO)
    page.get_by_role("link", name="All providers").click()
    page.wait_for_selector("a.wb-portfolio-link")


@ON_SITE
def test_the_address_and_the_title_follow_the_picker(site, page):
    _open(page, site["base"] + f"{SCORECARD}?provider={PROVIDER}", CHART_MARKS)
    assert "Oakwood Care Homes Ltd" in page.title() and "2024-25" in page.title()
    page.locator("form.wb-picker select").select_option(
        label="Meadowbank Lodge (meadowbank-care)")
    _show(page, "wb-picker")
    assert "provider=meadowbank-care" in page.url
    assert "Meadowbank Lodge" in page.title()
    copied = page.url
    other = page.context.browser.new_page()
    try:
        other.goto(copied, wait_until="commit")
        other.wait_for_selector(".wb-provider", timeout=TIMEOUT)
        assert other.locator(".wb-provider").inner_text() == "Meadowbank Lodge"
    finally:
        other.close()


@ON_SITE
def test_live_scorecard_in_voila_follows_its_picker(site, page):
    """The Voilà scorecard: the stored total and the charts, and the widget picker switches the
    provider with the address and the tab's title following it."""
    _open(page, site["base"] + f"{LIVE_SCORECARD}?provider={PROVIDER}", CHART_MARKS)
    assert page.locator(".wb-total").inner_text().strip() == f"{site['total']} / 85"
    page.wait_for_function("document.title.includes('Oakwood Care Homes Ltd')")
    page.locator(".widget-dropdown select").first.select_option(
        label="Meadowbank Lodge (meadowbank-care)")
    page.wait_for_function("document.querySelector('.wb-provider') && "
                           "document.querySelector('.wb-provider').innerText == 'Meadowbank Lodge'")
    assert page.locator(".wb-total").inner_text().startswith("not scored")
    page.wait_for_function("window.location.search.includes('provider=meadowbank-care')")
    page.wait_for_function("document.title.includes('Meadowbank Lodge')")


@ON_SITE
def test_an_empty_provider_shows_the_picker(site, page):
    _open(page, site["base"] + f"{SCORECARD}?provider=", ".wb-choose")
    assert page.locator(".wb-message").count() == 0
    assert page.locator("form.wb-picker select").count() == 1
    assert page.locator(".wb-provider").count() == 0
    assert "choose a provider" in page.title().lower()


PAGES = {"landing": ("/", "table.wb-portfolio"),
         "scorecard": (f"{SCORECARD}?provider={PROVIDER}", CHART_MARKS),
         "portfolio": (PORTFOLIO, CHART_MARKS),
         "picker": (f"{SCORECARD}?provider=", ".wb-choose"),
         "live-scorecard": (f"{LIVE_SCORECARD}?provider={PROVIDER}", CHART_MARKS),
         "live-portfolio": (LIVE_PORTFOLIO, CHART_MARKS)}


@ON_SITE
@pytest.mark.parametrize("name", sorted(PAGES))
def test_clean_console_and_nothing_leaves_the_machine(site, page, name):
    """No console error, no warning but Voilà's own (below), no failed request and no request
    to another host (the Font Awesome stylesheet from a CDN, /api/kernels on the landing page)
    on every page."""
    url, ready = PAGES[name]
    messages, outside, failed = [], [], []
    page.on("console", lambda m: messages.append(f"{m.type}: {m.text}")
            if m.type in ("error", "warning", "assert") else None)
    page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith(site["base"]) and not r.url.startswith(("data:", "blob:"))
            else None)
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}")
            if r.status >= 400 else None)
    _open(page, site["base"] + url, ready)
    page.wait_for_timeout(2000)  # late plugin failures and widget warnings
    assert outside == [], outside
    assert failed == [], failed
    assert [m for m in messages if not VOILA_OWN_WARNING.search(m)] == [], "\n".join(messages)


# Voilà 0.5.x ships its widget manager built against a newer JupyterLab than the core in its
# page (every 0.5 release: 0.5.13 wants ^4.5.10 of a 4.2.5 core), and webpack's module
# sharing says so: a warning of Voilà's packaging, nothing a page or extension here can change.
# The jupyterlab-manager extension's own warnings are gone (jupyterlab_widgets 3.0.13).
VOILA_OWN_WARNING = re.compile(
    r"^warning: (Unsatisfied version [\d.]+ from _JUPYTERLAB\.CORE_OUTPUT of shared singleton "
    r"module @jupyterlab/\w+ \(required \^4\.5\.\d+\)|Unsatisfied version [\d.]+ from "
    r"_JUPYTERLAB\.CORE_OUTPUT of shared singleton module @jupyterlab/\w+ \(required "
    r"\^6\.5\.\d+\)|Unsatisfied version [\d.]+ from _JUPYTERLAB\.CORE_OUTPUT of shared "
    r"singleton module @jupyterlab/services \(required \^7\.5\.\d+\)|No satisfying version "
    r"\(\^4\.5\.\d+\) of shared module @jupyterlab/outputarea)")




@ON_SITE
@pytest.mark.parametrize("name", sorted(PAGES))
def test_no_accessibility_violations(site, page, name):
    """axe-core finds no WCAG 2.2 AA violation on the dashboards and the landing page."""
    from axe_playwright_python.sync_playwright import Axe

    url, ready = PAGES[name]
    _open(page, site["base"] + url, ready)
    page.wait_for_timeout(500)
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
    assert results.violations_count == 0, results.generate_report()


def _status(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as res:
            return res.status, dict(res.headers)
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers)


@ON_SITE
def test_server_serves_only_the_dashboards(site):
    base = site["base"]
    for path in ("/voila/render/assess_provider.ipynb", "/voila/render/portfolio.ipynb",
                 "/voila/render/../assess_provider.ipynb",
                 "/voila/api/contents/assess_provider.ipynb",
                 "/voila/files/assess_provider.ipynb"):
        assert _status(base + path)[0] in (403, 404), path
    for path in ("/api/kernels", "/api/contents", "/api/sessions", "/api/terminals"):
        assert _status(base + path)[0] in (403, 404), path
    with urllib.request.urlopen(base + "/voila/api/contents", timeout=30) as res:
        listing = json.load(res)
    assert sorted(m["name"] for m in listing["content"]) == [
        "portfolio_dashboard.ipynb", "scorecard_dashboard.ipynb"]
    for page in (SCORECARD, LIVE_SCORECARD):
        code, headers = _status(base + page + "?provider=unknown")
        assert code == 200
        for name in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options",
                     "Referrer-Policy"):
            assert name in headers, name
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def _snapshot(outputs: Path, db: str) -> tuple[list, int]:
    from workbench.scoring.store import Store

    files = sorted((str(p.relative_to(outputs)), p.stat().st_mtime_ns) for p in outputs.rglob("*"))
    with Store(db) as store:
        events = sum(len(store.history(a.id)) for a in store.assessments())
    return files, events


@ON_SITE
def test_dashboards_write_nothing(site, page):
    before = _snapshot(site["outputs"], site["db"])
    for url in (f"{SCORECARD}?provider={PROVIDER}", PORTFOLIO,
                f"{LIVE_SCORECARD}?provider={PROVIDER}", LIVE_PORTFOLIO):
        _open(page, site["base"] + url, CHART_MARKS)
    assert _snapshot(site["outputs"], site["db"]) == before


# ---------------------------------------------------------------- JupyterLab

LAB_NOTEBOOK = "assess_provider.ipynb"
LAB_PROVIDER, LAB_PERIOD = "oakwood-care", "2024-25"  # the notebook's own defaults
LAB_ASSESSOR = "Auditor Ann Example"

# The open notebook's panel in the running JupyterLab (window.jupyterapp exists because the
# server runs with --LabApp.expose_app_in_browser=True).
_PANEL = f"""(() => {{
  const app = window.jupyterapp;
  if (!app || !app.shell) return null;
  for (const w of app.shell.widgets('main')) {{
    if (w.context && w.context.path === '{LAB_NOTEBOOK}' && w.sessionContext) return w;
  }}
  return null;
}})()"""

# True once the notebook's kernel is started, connected and idle. Run All before this point is
# what left every cell at [ ] with the kernel Idle: JupyterLab silently skips cells it cannot send
# to a kernel, and the status bar shows Idle before the session's kernel is connected.
_KERNEL_READY = f"""() => {{
  const panel = {_PANEL};
  if (!panel || !panel.sessionContext.isReady) return false;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return !!kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
}}"""

_KERNEL_INFO = f"""async () => {{
  const panel = {_PANEL};
  await panel.context.ready;
  await panel.sessionContext.ready;
  const kernel = panel.sessionContext.session.kernel;
  await kernel.info;  // the kernel answered kernel_info: it can take execute requests
  return {{name: kernel.name, language: (await kernel.info).language_info.name}};
}}"""

# Every code cell has run (an execution count) and the kernel is idle again, or a cell failed
# (Run All stops at an error: the cells after it are never run).
_ERRORS = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'], " \
    ".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']"
_RUN_ALL_DONE = f"""() => {{
  const panel = {_PANEL};
  if (!panel) return false;
  if (panel.node.querySelector("{_ERRORS}")) return true;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const code = panel.content.widgets.filter(c => c.model.type === 'code');
  return !!kernel && kernel.status === 'idle' && code.length > 0
    && code.every(c => c.model.executionCount !== null);
}}"""


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture
def lab(tmp_path):
    """JupyterLab as `make lab` starts it, on a copy of notebooks/ (Lab autosaves: the committed
    notebooks must stay output-free), with HOME, the Jupyter folders, the store (WORKBENCH_DB)
    and the outputs (WORKBENCH_OUTPUTS) in tmp_path."""
    need_chromium("browser tests skipped")
    root = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS_DIR, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    db, outputs = str(tmp_path / "lab.db"), tmp_path / "outputs"
    outputs.mkdir()
    env = jupyter_env(tmp_path, WORKBENCH_DB=db, WORKBENCH_OUTPUTS=str(outputs),
                      WORKBENCH_CONFIG_DIR=str(tmp_path / "wb-config"),
                      WORKBENCH_ASSESSOR=LAB_ASSESSOR)
    # No "get notified about Jupyter news?" toast over the screenshots.
    settings = (Path(env["JUPYTER_CONFIG_DIR"]) / "lab" / "user-settings" / "@jupyterlab"
                / "apputils-extension")
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}',
                                                               encoding="utf-8")
    port, token = free_port(), "labtoken-" + os.urandom(8).hex()
    log = open(tmp_path / "lab.log", "w")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
         f"--ServerApp.token={token}", "--ServerApp.ip=127.0.0.1", "--allow-root",
         f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/api/status?token={token}", proc)
        yield {"base": base, "token": token, "db": db, "root": root, "log": tmp_path / "lab.log"}
    finally:
        _stop(proc)
        log.close()


def _saved_answers(db: str) -> dict[str, str]:
    from workbench.scoring.store import Store

    with Store(db) as store:
        found = store.assessments(LAB_PROVIDER, LAB_PERIOD)
        if not found:
            return {}
        assert len(found) == 1, found
        return {k: s.answer for k, s in store.load(found[0].id).items.items() if s.answer}


def test_lab_runs_the_notebook_and_the_form_saves(lab, page):
    # The notebook's kernel is the venv's python3 (the Makefile's `ipykernel install --sys-prefix
    # --name python3`), not some other Python's.
    with urllib.request.urlopen(f"{lab['base']}/api/kernelspecs?token={lab['token']}",
                                timeout=30) as res:
        specs = json.load(res)["kernelspecs"]
    argv0 = Path(specs["python3"]["spec"]["argv"][0])
    assert argv0.parent.resolve() == Path(sys.executable).parent.resolve(), argv0

    elapsed = score_in_lab(page, lab["base"], lab["token"], lab["db"])

    # The committed notebook is untouched (Lab saved into the copy only).
    committed = json.loads((NOTEBOOKS_DIR / LAB_NOTEBOOK).read_text(encoding="utf-8"))
    assert not any(c.get("outputs") or c.get("execution_count")
                   for c in committed["cells"] if c["cell_type"] == "code")
    print(f"JupyterLab: open, run all and a saved answer in {elapsed:.1f} s")


def score_in_lab(page, base: str, token: str, db: str) -> float:
    """In the JupyterLab at ``base`` (run with expose_app_in_browser): open the scoring notebook,
    Run All once its kernel is connected and idle, answer Yes to item 1.1 in the form and check
    the store ``db`` has it. Returns the seconds taken."""
    from workbench.scoring.store import Store

    started = time.monotonic()
    page.goto(f"{base}/lab/tree/{LAB_NOTEBOOK}?token={token}")
    try:
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=TIMEOUT)
        page.wait_for_function(_KERNEL_READY, timeout=TIMEOUT, polling=250)
        kernel = page.evaluate(_KERNEL_INFO)
        assert kernel == {"name": "python3", "language": "python"}
        assert page.locator(".jp-Dialog").count() == 0, "a dialog (kernel choice?) is open"
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-item:not(.lm-mod-hidden) .lm-Menu-itemLabel",
                     has_text="Run All Cells").first.click()
        page.wait_for_function(_RUN_ALL_DONE, timeout=2 * TIMEOUT, polling=250)
        errors = page.locator(_ERRORS)
        assert errors.count() == 0, "a cell failed:\n" + "\n".join(errors.all_inner_texts())[-3000:]
        heading = page.get_by_role("button", name=re.compile(r"1\. Organisational Culture"))
        heading.wait_for(timeout=TIMEOUT)
    except Exception:
        _shot(page, "lab-failure")
        raise
    # Offline charts in Lab: the jupyter (anywidget) renderer draws vega into svg or canvas.
    assert page.locator(".jp-OutputArea-output .vega-embed svg, "
                        ".jp-OutputArea-output .vega-embed canvas").count() > 0
    heading.scroll_into_view_if_needed()  # Lab does not lay out cells out of view
    assert "(0/21 answered)" in heading.text_content()
    assert heading.get_attribute("aria-expanded") == "false"
    assert _saved_answers(db) == {}

    # A section heading is a button the keyboard opens; its items are built when it opens.
    heading.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("el => el.getAttribute('aria-expanded') === 'true'",
                           arg=heading.element_handle(), timeout=TIMEOUT, polling=250)
    item_id = page.locator("b", has_text=re.compile(r"^1\.1$")).first
    item = page.locator(".widget-vbox", has=item_id).last  # the item's own box
    yes = item.get_by_role("radio", name="Yes", exact=True)
    yes.check(timeout=TIMEOUT)
    page.wait_for_function("el => el.textContent.includes('(1/21 answered)')",
                           arg=heading.element_handle(), timeout=TIMEOUT, polling=250)
    assert yes.is_checked()
    _shot(page, "lab-form")
    elapsed = time.monotonic() - started

    with Store(db) as store:
        found = store.assessments(LAB_PROVIDER, LAB_PERIOD)
        assert len(found) == 1  # the form started the assessment; the item is in it
        state = store.load(found[0].id).items["1.1"]
    assert state.answer == "yes"
    assert state.assessor == LAB_ASSESSOR
    assert _saved_answers(db) == {"1.1": "yes"}
    return elapsed


def test_scoring_form_reopens_as_left_in_voila(lab, page):
    """The form as a Voilà app on the JupyterLab server: an answer saved once is on screen when
    the auditor comes back, without running a cell; headings and answers reachable by keyboard
    with their state exposed, no WCAG 2.2 AA violation."""
    from workbench.reports.provenance import default_rubric_path, rubric_at
    from workbench.scoring.store import Store

    rubric = rubric_at(default_rubric_path())
    with Store(lab["db"]) as store:
        aid = store.create_assessment(LAB_PROVIDER, LAB_PERIOD, rubric, who=LAB_ASSESSOR)
        store.save_items(aid, {"1.2": {"answer": "no"}}, LAB_ASSESSOR)
    url = (f"{lab['base']}/voila/render/scoring_form.ipynb?provider={LAB_PROVIDER}"
           f"&token={lab['token']}")
    page.goto(url)
    heading = page.get_by_role("button", name=re.compile(r"1\. Organisational Culture"))
    try:
        heading.wait_for(timeout=TIMEOUT)
    except Exception:
        _shot(page, "voila-form-failure")
        raise
    assert "(1/21 answered)" in heading.text_content()
    assert f"Scoring as {LAB_ASSESSOR}" in page.inner_text("body")
    # the items list, filtered to No, jumps to the item
    page.get_by_label("Show").select_option(label="No")
    items = page.locator("select[size]")  # the items list (the provider picker has no size)
    page.wait_for_function("el => el.options.length === 1", arg=items.element_handle(),
                           timeout=TIMEOUT, polling=250)
    assert items.locator("option").first.text_content().startswith("1.2")
    items.select_option(index=0)
    no = page.locator(".wb-focused-item").get_by_role("radio", name="No", exact=True)
    no.wait_for(timeout=TIMEOUT)
    assert no.is_checked()
    assert heading.get_attribute("aria-expanded") == "false"
    assert axe_violations(page) == []
    _shot(page, "voila-form")
