"""`workbench kpis` through the real CLI on a small hand-checked CSV, and on real data."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.rubric.model import DATA_CHECK_KPIS

DATA = Path(__file__).resolve().parent / "data" / "kpis"
ROOT = Path(__file__).resolve().parents[1]
REGISTER = DATA / "register.csv"  # the rows of test_kpis.RECORDS as a provider would send them
REQUIRED_KEYS = {
    "complaints", "compliments", "by_month", "mean_working_days_to_acknowledge",
    "median_working_days_to_acknowledge", "acknowledged_within_target_pct",
    "mean_working_days_to_respond", "median_working_days_to_respond",
    "responded_within_target_pct", "outcomes", "upheld_pct", "escalated_pct", "by_type",
    "by_location", "open", "targets", "excluded", "indicators", "as_of", "period",
}


def kpis_json(cli, *args: str) -> dict:
    result = cli("kpis", str(REGISTER), "--as-of", "2024-07-01", "--json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # one object and nothing else on stdout


def test_json_figures(cli):
    k = kpis_json(cli)
    assert set(k) >= REQUIRED_KEYS
    assert (k["complaints"], k["compliments"]) == (7, 1)
    assert k["by_month"] == {"2023-12": 1, "2024-01": 0, "2024-02": 0, "2024-03": 0,
                             "2024-04": 2, "2024-05": 2, "2024-06": 1}
    assert k["mean_working_days_to_acknowledge"] == 3.2
    assert k["median_working_days_to_acknowledge"] == 3.0
    assert k["acknowledged_within_target_pct"] == 80.0
    assert k["mean_working_days_to_respond"] == 18.75
    assert k["median_working_days_to_respond"] == 20.0
    assert k["responded_within_target_pct"] == 50.0  # C4 and C5 due and never answered
    assert k["responded_within_target_of_responded_pct"] == 75.0
    assert k["overdue_unanswered"] == 2
    assert k["outcomes"] == {"upheld": 2, "partly_upheld": 1, "not_upheld": 2, "undecided": 2}
    assert k["upheld_pct"] == 60.0
    assert k["escalated_pct"] == 14.3
    assert k["by_type"] == {"Care": 4, "Communication": 2, "(not recorded)": 1}
    assert k["by_location"] == {"North": 3, "(not recorded)": 2, "South": 2}
    assert k["open"]["count"] == 2 and k["open"]["past_20_working_days"] == 1
    assert k["open"]["past_12_weeks"] == 1 and k["open"]["past_6_months"] == 1
    assert k["open"]["oldest_age_days"] == 194
    assert k["targets"] == {"acknowledge_days": 5, "respond_days": 20}
    assert k["as_of"] == "2024-07-01" and k["period"] is None
    # The loader's issues leave rows out: acknowledged before received, 31/02/2024, C2 twice.
    assert k["excluded"]["acknowledge"] == {
        "rows": 2, "reasons": {"date_before_received": 1, "invalid_date": 1}}
    assert k["excluded"]["records"] == {"rows": 1, "reasons": {"duplicate_reference": 1}}
    assert set(k["indicators"]) == DATA_CHECK_KPIS
    assert k["indicators"]["overdue_actions"] == 1
    assert k["indicators"]["open_over_6_months"] == 1


def test_options(cli):
    k = kpis_json(cli, "--acknowledge-days", "3", "--respond-days", "24", "--period", "2024-25")
    assert k["targets"] == {"acknowledge_days": 3, "respond_days": 24}
    assert k["period"]["label"] == "2024-25" and k["complaints"] == 5
    assert k["acknowledged_within_target_pct"] == 50.0  # 1, 1 of 1, 1, 5, 6
    assert k["responded_within_target_pct"] == 100.0
    # 2 December 2024 is St Andrew's Day (observed) only in Scotland: no record falls near it.
    assert kpis_json(cli, "--holidays", "scotland")["holidays"] == "scotland"
    # A closure on Monday 8 April 2024 makes C1's acknowledgement 0 days (Fri -> closed Mon).
    k = kpis_json(cli, "--closure", "2024-04-08")
    assert k["mean_working_days_to_acknowledge"] == 3.0


def test_human_summary(cli):
    result = cli("kpis", str(REGISTER), "--as-of", "2024-07-01")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Complaints  7    Compliments  1" in out
    assert "acknowledge (target 5)" in out and "80%" in out
    assert "Open cases  2" in out and "oldest: C5, 194 days" in out
    assert "duplicate_reference 1" in out


@pytest.mark.parametrize(("args", "message"), [
    (["--period", "2024-26"], "consecutive years"),
    (["--period", "2011-12"], "could be the month"),
    (["--holidays", "wales"], "Invalid value"),
    (["--as-of", "01/07/2024"], "not a date"),
    (["--closure", "tomorrow"], "not a date"),
])
def test_bad_options(cli, args, message):
    result = cli("kpis", str(REGISTER), *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_missing_file(cli, tmp_path):
    result = cli("kpis", str(tmp_path / "nope.csv"), "--json")
    assert result.returncode == 2 and result.stderr.startswith("error: ")
    assert result.stdout == ""


# ---------------------------------------------------------------------------------------------
# Real data: NYC Council casework (341,299 records; opendate/closedate)

NYC_MAPPING = ROOT / "sample_data" / "mappings" / "realdata-nyc.yaml"


@pytest.fixture
def nyc(realdata_dir):
    path = realdata_dir / "nyc_council_casework.csv.gz"
    if not NYC_MAPPING.exists():
        pytest.skip(f"{NYC_MAPPING} not written yet")
    return path


def test_nyc_casework(nyc):
    import datetime as dt

    from workbench.analysis.kpis import compute_kpis, kpis_by_period
    from workbench.analysis.workdays import get_calendar
    from workbench.register.loader import load_register

    as_of = dt.date(2025, 3, 31)
    reg = load_register(nyc, NYC_MAPPING, as_of=as_of)
    k = compute_kpis(reg, as_of=as_of)
    assert reg.rows == 341_299
    # 105 cases appear twice (same key, open and close dates; only the geography differs): the
    # second copy is left out, so the monthly volumes plus those copies make the record count.
    assert k["excluded"]["records"] == {"rows": 105, "reasons": {"duplicate_reference": 105}}
    assert k["excluded"]["by_month"]["rows"] == 0
    assert sum(k["by_month"].values()) == k["complaints"] == 341_299 - 105
    assert kpis_by_period(reg, "quarter", as_of=as_of)["complaints"].sum() == 341_194

    # Independently, from the raw file: first copy of each key, numpy.busday_count.
    with gzip.open(nyc, "rt") as fh:
        raw = pd.read_csv(fh, usecols=["unique_key", "opendate", "closedate"], dtype=str)
    raw = raw.drop_duplicates("unique_key", keep="first")
    opened = pd.to_datetime(raw["opendate"], errors="coerce").to_numpy().astype("datetime64[D]")
    closed = pd.to_datetime(raw["closedate"], errors="coerce").to_numpy().astype("datetime64[D]")
    months = pd.Series(opened.astype("datetime64[M]")).value_counts()
    assert {str(m)[:7]: int(n) for m, n in months.items()} == {
        m: n for m, n in k["by_month"].items() if n}
    ok = ~np.isnat(opened) & ~np.isnat(closed) & (closed >= opened)
    cal = get_calendar().busdaycalendar(2010, 2026)
    one = np.timedelta64(1, "D")
    days = np.busday_count(opened[ok] + one, closed[ok] + one, busdaycal=cal)
    assert k["median_working_days_to_close"] == round(float(np.median(days)), 2)
    assert k["mean_working_days_to_close"] == round(float(np.mean(days)), 2)
    # Every case due counts: closed ones by their days, and open ones whose 60th working day
    # after opening fell on or before as_of as misses.
    unclosed = ~np.isnat(opened) & np.isnat(closed)
    deadline = np.busday_offset(opened[unclosed], 60, roll="backward", busdaycal=cal)
    missed = int((deadline <= np.datetime64(as_of)).sum())
    assert k["completed_within_12_weeks_pct"] == round(
        100 * float((days <= 60).sum()) / (len(days) + missed), 1)
    still_open = ~np.isnat(opened) & (np.isnat(closed) | (closed > np.datetime64(as_of)))
    assert k["open"]["count"] == int(still_open.sum())
    # One financial year.
    fy = compute_kpis(reg, as_of=as_of, period="2023-24")
    in_fy = (opened >= np.datetime64("2023-04-01")) & (opened <= np.datetime64("2024-03-31"))
    assert fy["complaints"] == int(in_fy.sum())
