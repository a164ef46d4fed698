"""Dashboard benchmark: ten dashboard pages for different providers opened back to back in
Chromium (a manager clicking through), request to every chart drawn: the pages the server renders
itself (the landing page's links), then the live Voilà pages with the preheated pool
`workbench dashboard` starts; then the memory of the server's kernels (issue 17, part 1)."""

from __future__ import annotations

import os
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
    dashboard_data,
    dashboard_server,
)

GOAL_P90 = 3.0  # seconds, every chart drawn
GOAL_MEMORY = 1.5 * 2**30  # bytes, every kernel of the server after the ten pages
PAGES = 10
SETTLE = 40.0  # seconds for the preheated pools to fill before the first page


def expected_charts(outputs: Path, db: str) -> dict[str, int]:
    """How many charts each provider's scorecard draws (from the same data, headless)."""
    from workbench.dashboards import apps as dashboards

    os.environ["WORKBENCH_OUTPUTS"] = str(outputs)
    data = dashboards.DashboardData(db=db)
    return {pid: len(dashboards.scorecard_charts(data.results(pid))) for pid in data.ids}


def time_page(page, url: str, charts: int) -> float:
    """Seconds from navigation start to ``charts`` chart SVGs holding marks."""
    page.goto(url, wait_until="commit")
    page.wait_for_function(
        "n => document.querySelectorAll('.wb-chart svg [class*=\"mark-\"]').length > 0 && "
        "document.querySelectorAll('.wb-chart svg').length >= n", arg=charts, timeout=120_000,
        polling="raf")
    return page.evaluate("performance.now()") / 1000


def kernel_memory(server_pid: int) -> tuple[int, int]:
    """(kernel processes under the server, their resident memory in bytes) from /proc."""
    parents, commands, rss = {}, {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            commands[int(entry.name)] = (entry / "cmdline").read_bytes().decode(errors="replace")
            status = (entry / "status").read_text()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        rss[int(entry.name)] = next((int(line.split()[1]) * 1024 for line in status.splitlines()
                                     if line.startswith("VmRSS:")), 0)

    def under(p: int) -> bool:
        while p in parents and p > 1:
            p = parents[p]
            if p == server_pid:
                return True
        return False

    kernels = [p for p, cmd in commands.items() if "ipykernel" in cmd and under(p)]
    return len(kernels), sum(rss[p] for p in kernels)


def pages(ids: list[str], counts: dict[str, int], *, live: bool = False
          ) -> list[tuple[str, str, int]]:
    """The ten pages: the portfolio, then scorecards of different providers (round the list
    again when it has fewer than nine); ``live``: the Voilà pages."""
    scorecard, portfolio = (("/voila/render/scorecard_dashboard.ipynb",
                             "/voila/render/portfolio_dashboard.ipynb") if live else
                            ("/scorecard", "/portfolio"))
    out = [("portfolio", portfolio, 1)]
    i = 0
    while len(out) < PAGES:
        pid = ids[i % len(ids)]
        out.append((pid, f"{scorecard}?provider={pid}", counts[pid]))
        i += 1
    return out


def summary(what: str, times: list[float]) -> str:
    p50 = statistics.median(times)
    p90 = statistics.quantiles(times, n=10, method="inclusive")[8]
    return (f"{what}: {PAGES} pages back to back, request -> every chart drawn (Chromium): "
            f"p50 {p50:.2f} s, p90 {p90:.2f} s, max {max(times):.2f} s   goal p90 < "
            f"{GOAL_P90:.0f} s: {'met' if p90 < GOAL_P90 else 'NOT met'}")


def main() -> int:
    if not CHROMIUM.exists():
        print(f"skipped: {CHROMIUM} not installed (apt-get install chromium)")
        return 0
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        outputs, db = tmp / "outputs", str(tmp / "workbench.db")
        t = time.perf_counter()
        dashboard_data(tmp)
        os.environ["WORKBENCH_CONFIG_DIR"] = str(tmp / "config")
        print(f"setup (results.json for every sample provider, one scored assessment): "
              f"{time.perf_counter() - t:.1f} s")
        counts = expected_charts(outputs, db)
        rounds = {"server-rendered pages": pages(sorted(counts), counts),
                  "live Voilà pages": pages(sorted(counts), counts, live=True)}
        times: dict[str, list[float]] = {}
        with (dashboard_server(tmp, outputs=outputs, db=db, preheat=True,
                               config=tmp / "config") as (base, proc),
              sync_playwright() as p):
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                time.sleep(SETTLE)
                n, rss = kernel_memory(proc.pid)
                print(f"pools filled: {n} kernels, {rss / 2**20:.0f} MiB; load average "
                      f"{os.getloadavg()[0]:.2f}")
                for what, plan in rounds.items():
                    print(what)
                    times[what] = []
                    for label, path, charts in plan:
                        page = browser.new_page(viewport={"width": 1400, "height": 1000})
                        times[what].append(time_page(page, base + path, charts))
                        page.close()
                        print(f"  {label:22} {times[what][-1]:5.2f} s", flush=True)
                n, rss = kernel_memory(proc.pid)
                load = os.getloadavg()
            finally:
                browser.close()
    print()
    for what, taken in times.items():
        print(summary(what, taken))
    print(f"kernels after them: {n}, {rss / 2**20:.0f} MiB resident   goal < 1.5 GiB: "
          f"{'met' if rss < GOAL_MEMORY else 'NOT met'}")
    print(f"load average (1, 5, 15 min) at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
          f"on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
