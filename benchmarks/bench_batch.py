"""Benchmark: `workbench batch` over generated providers against the plain-Python floor and a
naive papermill loop.

Run as `.venv/bin/python benchmarks/bench_batch.py [--providers 50] [--rows 2000] [--keep DIR]`.
Goals (issue 6 item 8): the batch within 1.5x of the floor (every provider's analyses, charts,
pack and dashboard charts, then the portfolio and its reports, in one process, sequentially,
without notebooks, with the same chart cache the batch uses) and
--jobs 2 at least 1.7x faster than --jobs 1.

A shared virtual machine's speed drifts by 10-20 % over minutes, so the floor, --jobs 1 and
--jobs 2 run in ``--repeat`` rounds; each round's ratios are printed (its runs are minutes apart)
and the verdict compares the best run of each (as timeit does).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from batch_data import write_manifest

FLOOR = """
import os, sys, time
from workbench.reports import governance, pack, portfolio
from workbench.register.manifest import load_manifest
from workbench.core.paths import CHART_CACHE_ENV, chart_cache_dir
from pathlib import Path
os.environ[CHART_CACHE_ENV] = str(chart_cache_dir(Path(sys.argv[2])))  # as the batch does
m = load_manifest(sys.argv[1])
t = time.perf_counter()
results = [pack.build_pack(p, m, f"{sys.argv[2]}/{m.period}/{p.id}") for p in m.providers]
portfolio.write_portfolio(results, f"{sys.argv[2]}/{m.period}")
governance.write_portfolio_governance(results, f"{sys.argv[2]}/{m.period}")
print(time.perf_counter() - t)
"""

NAIVE = """
import sys, time
import papermill as pm
from workbench.register.manifest import load_manifest
m = load_manifest(sys.argv[1])
t = time.perf_counter()
for p in m.providers:
    out = f"{sys.argv[2]}/{m.period}/{p.id}"
    __import__("os").makedirs(out, exist_ok=True)
    pm.execute_notebook("notebooks/assess_provider.ipynb", f"{out}/assess_provider.ipynb",
                        parameters={"provider_id": p.id, "manifest_path": sys.argv[1],
                                    "output_dir": out, "interactive": False},
                        progress_bar=False)
print(time.perf_counter() - t)
"""


def _fresh(root: Path) -> Path:
    """An empty output root: no earlier run's outputs or chart cache to reuse."""
    shutil.rmtree(root, ignore_errors=True)
    return root


def _python(code: str, *args: str) -> float:
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True,
                         text=True, cwd=Path(__file__).resolve().parents[1])
    return float(out.stdout.strip().splitlines()[-1])


def _batch(manifest: Path, root: Path, jobs: int, *extra: str) -> float:
    t = time.perf_counter()
    # --no-pdf: the floor draws no PDFs either; what PDFs cost is in docs/benchmarks.md
    proc = subprocess.run([sys.executable, "-m", "workbench", "batch", str(manifest), "--jobs",
                           str(jobs), "--output-root", str(root), "--force", "--no-pdf",
                           *extra],
                          capture_output=True, text=True)
    seconds = time.perf_counter() - t
    if proc.returncode != 0:
        print(proc.stdout[-3000:], proc.stderr[-3000:])
        raise SystemExit(f"batch --jobs {jobs} failed")
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--providers", type=int, default=50)
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--keep", type=Path, help="folder for the generated data and outputs")
    ap.add_argument("--naive", type=int, default=10,
                    help="providers in the naive papermill loop (scaled up; 0 skips it)")
    ap.add_argument("--repeat", type=int, default=2,
                    help="rounds of floor, --jobs 1, --jobs 2; the best of each counts")
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench_batch_"))
    os.environ.setdefault("IPYTHONDIR", str(folder / "ipython"))
    data = folder / "data"
    t = time.perf_counter()
    manifest = write_manifest(data, args.providers, args.rows)
    print(f"generated {args.providers} providers x {args.rows} complaints in "
          f"{time.perf_counter() - t:.1f} s under {data}")

    floors, ones, twos = [], [], []
    for n in range(1, max(1, args.repeat) + 1):
        floors.append(_python(FLOOR, str(manifest), str(_fresh(folder / "floor"))))
        ones.append(_batch(manifest, _fresh(folder / "jobs1"), 1))
        twos.append(_batch(manifest, _fresh(folder / "jobs2"), 2))
        print(f"  round {n}: floor {floors[-1]:6.1f} s, --jobs 1 {ones[-1]:6.1f} s "
              f"({ones[-1] / floors[-1]:4.2f}x floor), --jobs 2 {twos[-1]:6.1f} s "
              f"(speed-up {ones[-1] / twos[-1]:4.2f}x)")
    floor, j1, j2 = min(floors), min(ones), min(twos)
    print(f"  floor (packs + portfolio, no nb)  {floor:8.1f} s   (best)")
    print(f"  batch --jobs 1                    {j1:8.1f} s   {j1 / floor:5.2f}x floor "
          "(goal <= 1.5)")
    print(f"  batch --jobs 2                    {j2:8.1f} s   {j2 / floor:5.2f}x floor; "
          f"speed-up {j1 / j2:4.2f}x (goal >= 1.7)")
    if args.naive:
        small = write_manifest(folder / "naive-data", min(args.naive, args.providers), args.rows)
        naive = _python(NAIVE, str(small), str(folder / "naive"))
        scaled = naive * args.providers / min(args.naive, args.providers)
        print(f"  naive papermill loop              {scaled:8.1f} s   (measured {naive:.1f} s on "
              f"{min(args.naive, args.providers)} providers, scaled)")
    print(f"verdict: floor ratio {'met' if j1 / floor <= 1.5 else 'MISSED'}, "
          f"parallel speed-up {'met' if j1 / j2 >= 1.7 else 'MISSED'}")


if __name__ == "__main__":
    main()
