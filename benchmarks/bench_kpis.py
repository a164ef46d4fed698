"""Benchmark: KPIs and indicators on 1,000,000 generated complaints (goals: < 3 s, < 2 GiB).

Run: .venv/bin/python benchmarks/bench_kpis.py [--rows N]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workbench.analysis.kpis import compute_kpis, indicators, kpis_by, kpis_by_period
from workbench.register.loader import Register

GOAL_SECONDS = 3.0
GOAL_BYTES = 2 * 1024**3
AS_OF = "2025-04-30"


def generated_register(rows: int, seed: int = 1) -> Register:
    """A canonical register frame built directly with numpy: two years of complaints."""
    import yaml

    rng = np.random.default_rng(seed)
    schema = yaml.safe_load((Path(__file__).resolve().parents[1] / "workbench" / "data"
                             / "register_schema.yaml").read_text())["fields"]
    day0 = np.datetime64("2023-04-01", "D")
    received = day0 + rng.integers(0, 730, rows)

    def later(base: np.ndarray, lo: int, hi: int, blank: float) -> np.ndarray:
        out = base + rng.integers(lo, hi, rows)
        out[rng.random(rows) < blank] = np.datetime64("NaT")
        return out

    def pick(values: list[str], blank: float = 0.0) -> pd.Series:
        idx = rng.integers(0, len(values), rows)
        arr = np.array(values, dtype=object)[idx]
        arr[rng.random(rows) < blank] = None
        return pd.Series(arr, dtype="string")

    data: dict[str, Any] = {}
    for name, spec in schema.items():
        kind = spec["type"]
        if kind == "date":
            data[name] = pd.Series(np.full(rows, np.datetime64("NaT"), dtype="datetime64[ns]"))
        elif kind == "bool":
            data[name] = pd.Series(pd.array([pd.NA] * rows, dtype="boolean"))
        elif kind == "int":
            data[name] = pd.Series(pd.array([pd.NA] * rows, dtype="Int64"))
        else:
            data[name] = pd.Series(pd.NA, index=range(rows), dtype="string")
    data["reference"] = pd.Series(np.char.add("C", np.arange(rows).astype(str)).astype(object),
                                  dtype="string")
    data["record_kind"] = pick(["complaint"] * 19 + ["compliment"])
    data["date_received"] = pd.Series(received.astype("datetime64[ns]"))
    data["date_acknowledged"] = pd.Series(later(received, 0, 9, 0.05).astype("datetime64[ns]"))
    data["date_response_due"] = pd.Series(later(received, 28, 29, 0.3).astype("datetime64[ns]"))
    sent = later(received, 3, 45, 0.1)
    data["date_response_sent"] = pd.Series(sent.astype("datetime64[ns]"))
    data["date_closed"] = pd.Series(later(received, 3, 120, 0.08).astype("datetime64[ns]"))
    data["date_of_event"] = pd.Series(later(received, -500, 0, 0.5).astype("datetime64[ns]"))
    data["outcome"] = pick(["upheld", "partly_upheld", "not_upheld"], blank=0.15)
    data["type"] = pick([f"Theme {i}" for i in range(30)], blank=0.05)
    data["location"] = pick([f"Site {i}" for i in range(25)], blank=0.02)
    data["stage"] = pick(["1", "2", "commissioner", "ombudsman"], blank=0.1)
    data["investigator"] = pick([f"Officer {i}" for i in range(40)], blank=0.2)
    data["root_cause"] = pick(["staffing", "communication", "process", "training"], blank=0.4)
    data["learning"] = pick(["Learning recorded"], blank=0.5)
    data["actions"] = pick(["Retrain staff", "Change policy"], blank=0.5)
    data["action_due"] = pd.Series(later(received, 30, 90, 0.5).astype("datetime64[ns]"))
    data["action_completed"] = pd.Series(later(received, 20, 120, 0.6).astype("datetime64[ns]"))
    data["action_signed_off_by"] = pick(["Director"], blank=0.3)
    esc = rng.random(rows) < 0.1
    data["escalated"] = pd.Series(pd.array(esc, dtype="boolean"))
    told = pd.array(rng.random(rows) < 0.5, dtype="boolean")
    data["complainant_told_of_improvement"] = pd.Series(told)
    frame = pd.DataFrame(data)
    frame["_row"] = np.arange(2, rows + 2, dtype="int64")
    # A sprinkling of error issues, as the loader would report them.
    issues = []

    class Issue:
        __slots__ = ("check", "field", "row", "severity")

        def __init__(self, row: int, field: str, check: str):
            self.row, self.field, self.check, self.severity = row, field, check, "error"

    for row in rng.choice(rows, size=max(1, rows // 1000), replace=False):
        issues.append(Issue(int(row) + 2, "date_acknowledged", "date_before_received"))
    return Register(frame=frame, issues=issues)


# Other analysis stages time themselves here: append (name, function of the Register). The root
# causes / themes / actions engineer adds e.g. ("root causes", rootcause.summarise) - see report.
EXTRA_STAGES: list[tuple[str, Callable[[Register], Any]]] = []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()

    t0 = time.perf_counter()
    reg = generated_register(args.rows)
    print(f"generated {args.rows:,} records in {time.perf_counter() - t0:.2f} s")
    compute_kpis(reg.__class__(frame=reg.frame.head(100), issues=[]), as_of=AS_OF)  # warm up

    stages: list[tuple[str, Callable[[Register], Any]]] = [
        ("compute_kpis (KPIs + indicators)", lambda r: compute_kpis(r, as_of=AS_OF)),
        ("indicators alone", lambda r: indicators(r, as_of=AS_OF)),
        ("kpis_by location", lambda r: kpis_by(r, "location", as_of=AS_OF)),
        ("kpis_by_period quarter", lambda r: kpis_by_period(r, "quarter", as_of=AS_OF)),
        ("compute_kpis, period 2024-25", lambda r: compute_kpis(r, as_of=AS_OF,
                                                                period="2024-25")),
        *EXTRA_STAGES,
    ]
    ok = True
    for name, fn in stages:
        t, cpu = time.perf_counter(), time.process_time()
        fn(reg)
        secs, cpu = time.perf_counter() - t, time.process_time() - cpu
        tracemalloc.start()
        fn(reg)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        verdict = "ok" if secs < GOAL_SECONDS else "OVER GOAL"
        ok &= secs < GOAL_SECONDS
        print(f"{name:<36} {secs:6.2f} s wall, {cpu:5.2f} s CPU (goal < {GOAL_SECONDS:g} s: "
              f"{verdict}); peak allocated {peak / 1024**2:5.0f} MiB")
    print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: wall time includes "
          f"waiting for other processes)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    verdict = "ok" if rss < GOAL_BYTES else "OVER GOAL"
    ok &= rss < GOAL_BYTES
    print(f"process peak RSS (frame included)    {rss / 1024**3:6.2f} GiB "
          f"(goal < 2 GiB: {verdict})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
