"""Dashboard benchmark: request to all charts drawn in Chromium, cold and with preheated kernels."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.dashboard_setup import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    PROVIDER,
    dashboard_server,
    score_provider,
    write_outputs,
)

GOAL_PREHEATED = 3.0
RUNS = 3
SETTLE = 25.0  # seconds for a preheated pool to (re)fill and pre-run up to the request wait


def expected_charts(outputs: Path, db: str) -> dict[str, int]:
    """How many charts each page draws (from the same data, headless)."""
    import os

    from workbench.dashboards import apps as dashboards

    os.environ["WORKBENCH_OUTPUTS"] = str(outputs)
    data = dashboards.DashboardData(db=db)
    return {"scorecard": len(dashboards.scorecard_charts(data.results(PROVIDER))),
            "portfolio": 1}


def time_page(page, url: str, charts: int) -> float:
    """Seconds from navigation start to ``charts`` chart SVGs holding marks."""
    page.goto(url, wait_until="commit")
    page.wait_for_function(
        "n => document.querySelectorAll('.wb-chart svg [class*=\"mark-\"]').length > 0 && "
        "document.querySelectorAll('.wb-chart svg').length >= n", arg=charts, timeout=120_000,
        polling="raf")
    return page.evaluate("performance.now()") / 1000


def run(preheat: bool, tmp: Path, outputs: Path, db: str, counts: dict[str, int]) -> dict:
    from playwright.sync_api import sync_playwright

    pages = {"scorecard": f"/voila/render/scorecard_dashboard.ipynb?provider={PROVIDER}",
             "portfolio": "/voila/render/portfolio_dashboard.ipynb"}
    out: dict[str, list[float]] = {k: [] for k in pages}
    with (dashboard_server(tmp, outputs=outputs, db=db, preheat=preheat, pool_size=1)
          as (base, _), sync_playwright() as p):
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for i in range(RUNS):
                for name, path in pages.items():
                    if preheat:
                        time.sleep(SETTLE)
                    page = browser.new_page()
                    out[name].append(time_page(page, base + path, counts[name]))
                    page.close()
                    print(f"  {'preheated' if preheat else 'cold':9} {name:9} run {i + 1}: "
                          f"{out[name][-1]:.2f} s", flush=True)
        finally:
            browser.close()
    return out


def main() -> int:
    if not CHROMIUM.exists():
        print(f"skipped: {CHROMIUM} not installed (apt-get install chromium)")
        return 0
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        outputs, db = tmp / "outputs", str(tmp / "workbench.db")
        t = time.perf_counter()
        write_outputs(outputs)
        score_provider(db)
        print(f"setup (results.json for every sample provider, one scored assessment): "
              f"{time.perf_counter() - t:.1f} s")
        counts = expected_charts(outputs, db)
        results = {"cold": run(False, tmp, outputs, db, counts),
                   "preheated": run(True, tmp, outputs, db, counts)}
    print(f"\nrequest -> all charts rendered (Chromium, {RUNS} runs, median / max)")
    ok = True
    for mode, pages in results.items():
        for page, times in pages.items():
            med = statistics.median(times)
            line = f"  {mode:9} {page:9} {med:5.2f} s / {max(times):5.2f} s"
            if mode == "preheated":
                passed = med < GOAL_PREHEATED
                ok &= passed
                line += f"   goal < {GOAL_PREHEATED:.0f} s: {'met' if passed else 'NOT met'}"
            print(line)
    if not ok:
        print("  the preheated goal was not met on this machine (see the figures above)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
