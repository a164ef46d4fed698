"""Benchmark: text themes (CFPB narratives: NMI vs product; 100,000 generated summaries: time)
and the root-cause Pareto."""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import normalized_mutual_info_score

from workbench.analysis import rootcause, themes
from workbench.register.loader import Register

ROOT = Path(__file__).resolve().parents[1]
CFPB = ROOT.parent / "shared" / "realdata" / "cfpb_complaints_sample.csv"

SUBJECTS = ["carer", "care worker", "manager", "nurse", "driver", "receptionist", "team"]
TOPICS = {
    "missed visits": "missed visit late arrived carer rota call cancelled morning evening",
    "medication": "medication tablets dose missed pharmacy prescription chart insulin",
    "meals": "food cold meals dinner lunch portion menu diet kitchen",
    "billing": "invoice charged fees bill payment refund overcharged debit",
    "attitude": "rude attitude shouted dismissive unhelpful manner tone respect",
    "laundry": "laundry clothes washing missing labelled wardrobe ironing",
    "communication": "phone calls returned email letter informed updated message voicemail",
    "falls": "fall fell injury bruising hospital ambulance hoist",
}


def rss_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 1024 / 1024


NMI_GOAL = 0.42        # against the CFPB product label (issue 18)
SECONDS_GOAL = 60.0    # 100,000 summaries


def cfpb() -> None:
    data = pd.read_csv(CFPB, dtype="string")
    data = data[data["Consumer complaint narrative"].notna()].reset_index(drop=True)
    frame = pd.DataFrame({
        "reference": data["Complaint ID"], "summary": data["Consumer complaint narrative"],
        "type": data["Product"], "date_received": pd.to_datetime(data["Date received"]),
        "_row": np.arange(2, len(data) + 2)})
    start = time.perf_counter()
    result = themes.discover(Register(frame=frame))
    seconds = time.perf_counter() - start
    theme = result.assignments["theme"]
    has = theme.notna()
    nmi = normalized_mutual_info_score(data["Product"][has], theme[has].astype(int))
    print(f"CFPB narratives: {result.coverage_text}; k = {result.k} (auto, stability "
          f"{result.k_scores}), NMI vs Product {nmi:.3f} (goal >= {NMI_GOAL}: "
          f"{'met' if nmi >= NMI_GOAL else 'NOT met'}), {seconds:.2f} s")
    for _, row in result.themes.iterrows():
        print(f"  {row['theme']}: {row['label']} ({row['size']})")
    # the NMI moves with the seed (k-means starts, the LSA's random projection): the mean of 8
    over_seeds = []
    for seed in range(8):
        r = themes.discover(Register(frame=frame), random_state=seed)
        t = r.assignments["theme"]
        over_seeds.append((r.k, normalized_mutual_info_score(data["Product"][t.notna()],
                                                             t[t.notna()].astype(int))))
    print(f"  k auto, seeds 0-7: NMI mean {np.mean([n for _, n in over_seeds]):.3f} ("
          + ", ".join(f"k={k} {n:.3f}" for k, n in over_seeds) + ")")
    fixed = []
    for k in (4, 5, 6, 8, 10, 12):
        r = themes.discover(Register(frame=frame), k)
        t = r.assignments["theme"]
        score = normalized_mutual_info_score(data["Product"][t.notna()], t[t.notna()].astype(int))
        fixed.append(f"k={k} {score:.3f}")
    print("  NMI at a given k: " + ", ".join(fixed))


def generated_summaries(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    names = list(TOPICS)
    topic = rng.integers(0, len(names), size=n)
    vocab = [np.array(TOPICS[t].split()) for t in names]
    parts = []
    for t in range(len(names)):
        rows = np.flatnonzero(topic == t)
        words = vocab[t][rng.integers(0, len(vocab[t]), size=(len(rows), 5))]
        parts.append(pd.Series([" ".join(w) for w in words], index=rows))
    body = pd.concat(parts).sort_index()
    subject = np.array(SUBJECTS)[rng.integers(0, len(SUBJECTS), size=n)]
    summary = ("Family complained the " + pd.Series(subject) + " " + body).astype("string")
    return pd.DataFrame({
        "reference": pd.array([f"C{i:07d}" for i in range(n)], dtype="string"),
        "summary": summary,
        "type": pd.array(np.array(names)[topic], dtype="string"),
        "date_received": pd.Timestamp("2023-04-01")
        + pd.to_timedelta(rng.integers(0, 730, size=n), unit="D"),
        "_row": np.arange(2, n + 2),
    })


def generated_themes(n: int = 100_000) -> None:
    frame = generated_summaries(n)
    start = time.perf_counter()
    result = themes.discover(Register(frame=frame))
    seconds = time.perf_counter() - start
    nmi = normalized_mutual_info_score(frame["type"], result.assignments["theme"].astype(int))
    print(f"Generated summaries: {n:,} rows, {len(result.themes)} themes (k auto in "
          f"{result.k_range}; fitted on {result.fitted_on:,}), NMI vs planted topic {nmi:.3f}, "
          f"{seconds:.1f} s (goal {SECONDS_GOAL:.0f} s for 100,000: "
          f"{'met' if seconds * 100_000 / n <= SECONDS_GOAL else 'NOT met'}), "
          f"peak RSS so far {rss_mb():.0f} MB")


def generated_small(n: int = 2_000) -> None:
    """A small generated set: does k auto find the 8 planted topics or split them further?"""
    frame = generated_summaries(n, seed=1)
    runs = []
    for seed in range(3):
        result = themes.discover(Register(frame=frame), random_state=seed)
        theme = result.assignments["theme"].astype(int)
        runs.append(f"k={result.k} NMI {normalized_mutual_info_score(frame['type'], theme):.3f}")
    print(f"Generated summaries: {n:,} rows, 8 planted topics, k auto, seeds 0-2: "
          + ", ".join(runs))


def root_causes(n: int = 1_000_000) -> None:
    rng = np.random.default_rng(1)
    spellings = np.array(["Staff error", "staff error", "Admin error", "Process failure",
                          "Staffing levels", "Attitude", "Communication failure", "Poor comms",
                          "Training", "Delay", "Equipment", "Policy not followed", "Weather",
                          "Safeguarding", "Quality of care", "Not commissioned"], dtype=object)
    cause = pd.array(spellings[rng.integers(0, len(spellings), size=n)], dtype="string")
    cause[rng.random(n) < 0.2] = pd.NA
    outcome = pd.array(np.array(["upheld", "partly_upheld", "not_upheld"],
                                dtype=object)[rng.integers(0, 3, size=n)], dtype="string")
    frame = pd.DataFrame({"reference": pd.array([f"C{i}" for i in range(n)], dtype="string"),
                          "outcome": outcome, "root_cause": cause, "_row": np.arange(2, n + 2)})
    register = Register(frame=frame)
    start = time.perf_counter()
    table = rootcause.pareto(register)
    coverage = rootcause.rca_coverage(register)
    seconds = time.perf_counter() - start
    print(f"Root causes: {n:,} complaints, pareto + rca_coverage {seconds:.2f} s "
          f"(coverage {coverage} %, {len(table)} Pareto rows)")


if __name__ == "__main__":
    if CFPB.exists():
        cfpb()
    else:
        print(f"CFPB sample not found at {CFPB}: skipped")
    generated_small()
    generated_themes(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
    root_causes()
