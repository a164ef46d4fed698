"""The Scottish sample provider (glenmorven-housing, on the SPSO's model procedure): its returns
and stage figures on the bundled register, on the SPSO's clocks and Scotland's bank holidays."""

from __future__ import annotations

import datetime as dt
import functools
import json

import pandas as pd

from workbench.analysis.returns import compute_returns
from workbench.analysis.stages import (
    provider_calendar,
    provider_stage_kpis,
    regime_facts,
    stage_kpis,
)
from workbench.core.paths import DEFAULT_MANIFEST
from workbench.register.loader import Register, load_register
from workbench.register.manifest import Provider, load_manifest

PID = "glenmorven-housing"
SPSO = "spso-mchp"
AS_OF = dt.date(2025, 3, 31)


@functools.cache
def provider() -> Provider:
    return load_manifest(DEFAULT_MANIFEST).provider(PID)


@functools.cache
def register() -> Register:
    p = provider()
    return load_register(p.register, p.mapping, as_of=AS_OF)


def facts(stage: str, region: str = "scotland") -> pd.DataFrame:
    """One stage's per-complaint facts, indexed by the complaint's reference."""
    cal = provider_calendar(provider()) if region == "scotland" else region
    rf = regime_facts(register(), SPSO, as_of=AS_OF, calendar=cal,
                      targets=provider().contract_targets)
    out = rf.by_stage[stage].facts.copy()
    out.index = rf.frame["reference"].to_numpy()
    return out


def test_the_manifest_holds_it_to_the_spso_model_on_scottish_holidays():
    p = provider()
    assert (p.regime, p.holidays, p.service_type) == (SPSO, "scotland", "supported housing")
    assert provider_calendar(p).region == "scotland"
    complaints = register().frame["record_kind"] == "complaint"
    assert 120 <= int(complaints.sum()) <= 200  # small: every batch test runs every provider
    assert not [i for i in register().issues if i.severity == "error"]


def test_stage_1_clocks_on_scottish_bank_holidays_by_hand():
    """Stage 1 (frontline): 5 working days from receipt, plus a recorded extension of up to 5.

    GHA-23-052: received Wed 29 Nov 2023, answered Mon 4 Dec: 2 working days, St Andrew's
    Day (Thu 30 Nov) skipped; 3 on the England and Wales calendar.
    GHA-23-059: received Fri 29 Dec 2023, answered Tue 9 Jan 2024: 5 working days (1 and 2
    January skipped), on time; 6 in England, where 2 January is a working day: late there.
    GHA-23-058: received Thu 28 Dec 2023, a 5-day extension, answered Mon 15 Jan 2024: 10
    working days, on time (the limit is 10); 11 in England: late there.
    GHA-23-051: received Thu 23 Nov 2023, answered Tue 5 Dec, no extension: 7 working days
    (30 Nov skipped): late, although well inside the 20 days of the contract.
    GHA-24-032: a complex complaint taken straight to stage 2 on receipt (Tue 3 Sep 2024),
    with no frontline response: not due at stage 1.
    """
    s1 = facts("stage1")
    expected = {"GHA-23-052": (2, 1.0, 0), "GHA-23-059": (5, 1.0, 0),
                "GHA-23-058": (10, 1.0, 5), "GHA-23-051": (7, 0.0, 0)}
    for ref, (days, within, extension) in expected.items():
        row = s1.loc[ref]
        assert (row["days"], row["within"], row["extension"]) == (days, within, extension), ref
    assert s1.loc["GHA-24-032", "skipped"] and pd.isna(s1.loc["GHA-24-032", "within"])

    england = facts("stage1", "england-wales")
    assert england.loc["GHA-23-052", "days"] == 3
    assert (england.loc["GHA-23-059", "days"], england.loc["GHA-23-059", "within"]) == (6, 0.0)
    assert (england.loc["GHA-23-058", "days"], england.loc["GHA-23-058", "within"]) == (11, 0.0)


def test_stage_2_clocks_by_hand():
    """Stage 2 (investigation): acknowledged within 3 working days of its start, answered
    within 20 (plus any agreed extension).

    GHA-24-048: escalated Mon 30 Dec 2024, acknowledged Fri 3 Jan 2025: 2 working days (1 and
    2 January skipped); answered Tue 28 Jan: 19 working days, on time.
    GHA-24-003: escalated Thu 25 Apr 2024, answered Tue 28 May: 21 working days (the bank
    holidays of 6 and 27 May skipped): a day late.
    GHA-24-032: straight to stage 2 on Tue 3 Sep 2024, an 8-day extension agreed, answered
    Mon 7 Oct: 24 working days, inside 20 + 8.
    """
    s2 = facts("stage2")
    assert (s2.loc["GHA-24-048", "ack_days"], s2.loc["GHA-24-048", "ack_within"]) == (2, 1.0)
    assert (s2.loc["GHA-24-048", "days"], s2.loc["GHA-24-048", "within"]) == (19, 1.0)
    assert (s2.loc["GHA-24-003", "days"], s2.loc["GHA-24-003", "within"]) == (21, 0.0)
    row = s2.loc["GHA-24-032"]
    assert (row["days"], row["extension"], row["within"]) == (24, 8, 1.0)


# 2024-25 on the Scottish calendar, counted independently from the workbook's cells (numpy's
# busday_count over Scotland's bank holidays, outside the workbench): 64 complaints received;
# 52 closed at stage 1, 47 of them within 5 working days plus their extension (7 extended),
# averaging 4.5 working days; 12 closed at stage 2, all but GHA-24-003 within 20 (2
# extended), averaging 17.8.
RETURN_2024_25 = {
    "received": 64, "stage1_closed": 52, "stage2_closed": 12,
    "stage1_within": 47, "stage1_within_pct": 90.4, "stage2_within": 11,
    "stage2_within_pct": 91.7, "stage1_mean_working_days": 4.5,
    "stage2_mean_working_days": 17.8, "stage1_upheld": 17, "stage1_partly_upheld": 6,
    "stage1_not_upheld": 25, "stage2_upheld": 0, "stage2_partly_upheld": 4,
    "stage2_not_upheld": 8, "stage1_extended": 7, "stage2_extended": 2,
}


def test_the_spso_indicators_from_the_returns_command(cli):
    p = provider()
    run = cli("returns", str(p.register), "--mapping", str(p.mapping), "--regime", SPSO,
              "--period", "2024-25", "--as-of", AS_OF.isoformat(), "--json")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert (out["regime"], out["holidays"], out["period"]["label"]) == (SPSO, "scotland",
                                                                        "2024-25")
    assert out["figures"] == RETURN_2024_25
    # four stage 1 closures have no outcome recorded: known for 48 of the 52
    assert out["coverage"]["stage1_upheld"] == {"known": 48, "of": 52}
    assert out["coverage"]["stage2_within_pct"] == {"known": 12, "of": 12}


def test_the_calendar_changes_the_indicators():
    """2023-24 on Scotland's calendar and on England's: GHA-23-058 and GHA-23-059 are on time
    at stage 1 only in Scotland, one stage 2 answer likewise."""
    kw = {"period": "2023-24", "as_of": "2024-03-31"}
    scotland = compute_returns(register(), SPSO, calendar=provider_calendar(provider()), **kw)
    england = compute_returns(register(), SPSO, calendar="england-wales", **kw)
    assert (scotland["figures"]["stage1_within"], england["figures"]["stage1_within"]) == (41, 39)
    assert (scotland["figures"]["stage2_within"], england["figures"]["stage2_within"]) == (15, 14)
    assert scotland["figures"]["stage1_closed"] == england["figures"]["stage1_closed"] == 47


def test_its_figures_are_on_the_spso_clocks_not_20_days():
    k = provider_stage_kpis(provider(), register(), as_of=AS_OF, period="2024-25")
    assert (k["regime"], k["holidays"]) == (SPSO, "scotland")
    assert k["clocks"][0].startswith("Stage 1 (frontline response): answered within 5 working "
                                     "days of receipt (+ up to 5 agreed)")
    assert "acknowledged within 3 working days" in k["clocks"][1]
    s1, s2 = k["stages"]["stage1"], k["stages"]["stage2"]
    assert (s1["received"], s1["answered"], s1["skipped"], s1["within_timescale"]) == (64, 61, 1,
                                                                                     56)
    assert s1["within_timescale_pct"] == 90.3
    assert (s2["received"], s2["within_timescale"], s2["acknowledged_within_pct"]) == (12, 11,
                                                                                      100.0)
    # the contract's 20 working days from receipt (the default regime) would pass nearly all
    default = stage_kpis(register(), "commissioned-provider", as_of=AS_OF, period="2024-25",
                         calendar=provider_calendar(provider()),
                         targets=provider().contract_targets)
    assert default["stages"]["stage1"]["within_timescale_pct"] == 98.4
    # every 2024-25 stage 1 miss took more than its 5 (+ extension) days, and at most 20
    s1_facts = facts("stage1")
    received = register().frame.set_index("reference")["date_received"]
    misses = s1_facts[(s1_facts["within"] == 0.0)
                      & (received.reindex(s1_facts.index) >= pd.Timestamp(2024, 4, 1)).to_numpy()]
    answered = misses.dropna(subset=["days"])
    assert len(answered) == 5
    assert ((answered["days"] > 5 + answered["extension"]) & (answered["days"] <= 20)).all()


def test_the_stage_dates_are_in_order():
    """The generated two-stage dates are valid: no stage 2 before its stage 1 response, no
    stage 2 acknowledgement or response before the stage 2 start (the register has no issue)."""
    frame = register().frame
    s2 = frame[frame["date_stage2"].notna()]
    assert len(s2) >= 20
    stage1 = s2["date_response_sent"].dropna()
    assert (s2.loc[stage1.index, "date_stage2"] >= stage1).all()
    for name in ("date_stage2_acknowledged", "date_stage2_response_sent"):
        done = s2[name].dropna()
        assert len(done) >= 20 and (done >= s2.loc[done.index, "date_stage2"]).all(), name
    direct = s2[s2["date_response_sent"].isna()]
    assert len(direct) >= 2 and (direct["date_stage2"] == direct["date_received"]).all()
    assert register().issues == []


def test_its_pack_shows_the_same_spso_figures_as_the_returns_command():
    """The figures the pack, the scorecard and the portfolio show (results.json's stages and
    returns) are the returns command's: one indicator, one value."""
    from workbench.reports.pack import compute_results
    from workbench.reports.regimes import returns_table, stage_table

    manifest = load_manifest(DEFAULT_MANIFEST)
    results = compute_results(provider(), manifest, period="2024-25")
    assert results.stages["regime"] == SPSO
    assert results.returns["figures"] == RETURN_2024_25
    assert results.summary()["regime"] == SPSO
    # the portfolio's stage 1 figure is the stage table's (complaints received in the period
    # and due); the SPSO's "% closed at stage 1 within timescale" counts those closed in it
    stage1 = results.stages["stages"]["stage1"]
    assert results.summary()["stage1_within_timescale_pct"] == stage1["within_timescale_pct"]
    shown = returns_table(results)
    assert len(shown) == len(RETURN_2024_25)
    assert "stage 2" in " ".join(map(str, stage_table(results).columns)).lower()
