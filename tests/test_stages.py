"""Stage-aware KPIs per regime, against registers computed by hand (tests/data/regimes), and
the default regime agreeing with the KPIs every sample provider had before regimes."""

from __future__ import annotations

import datetime as dt
import functools

import pytest

from workbench.analysis.kpis import compute_kpis
from workbench.analysis.stages import (
    clock_lines,
    effective_stages,
    provider_calendar,
    provider_stage_kpis,
    stage_kpis,
)
from workbench.analysis.workdays import WorkCalendar
from workbench.core.paths import DEFAULT_MANIFEST
from workbench.register.loader import load_register
from workbench.register.manifest import load_manifest
from workbench.rubric.regime import load_regime

from .conftest import DATA

REGIMES = DATA / "regimes"
AS_OF = dt.date(2025, 3, 31)
HO = "housing-ombudsman-2024"


@functools.cache
def housing():
    return load_register(REGIMES / "housing_two_stage.csv", as_of=AS_OF)


def test_housing_ombudsman_stage_1_by_hand():
    """The register's rows, counted by hand on the England and Wales calendar (bank holidays
    6 and 27 May 2024):

    H1 acknowledged 2 May, so due 10 working days later: 17 May, the bank holiday of 6 May
    inside the clock moving it a day; answered 17 May, on time. H2 answered 20 May: a day late.
    H3 had the full 10-day extension: due 3 June (27 May skipped), answered 3 June, on time.
    H4 recorded 15 days of extension, but the Code allows 10: due 3 June, answered 4 June, late.
    H5 has no acknowledgement date: its clock starts 5 working days after receipt (9 May), due
    23 May, answered 23 May, on time. H6, H7 answered 10 May, on time. H8 was not accepted
    (left out). H9 has no answer and was due 17 May: overdue, a miss. H10 was received in
    2023-24 (outside the period).
    """
    k = stage_kpis(housing(), HO, as_of=AS_OF, period="2024-25")
    s1 = k["stages"]["stage1"]
    assert (s1["received"], s1["refused"], s1["answered"]) == (8, 1, 7)
    assert (s1["within_timescale"], s1["within_timescale_pct"]) == (5, 62.5)
    assert k["coverage"]["stage1.within_timescale_pct"] == {"known": 8, "of": 8}
    # H5 has no acknowledgement and was due one: a miss; the other seven took 1 working day
    assert s1["acknowledged_within_pct"] == 87.5
    assert s1["clock_start_assumed"] == 1
    # working days from receipt: 11, 12, 21, 22, 15, 6, 6
    assert s1["mean_working_days"] == round(93 / 7, 2) and s1["median_working_days"] == 12
    assert s1["extended"] == 2
    assert s1["outcomes"] == {"upheld": 1, "partly_upheld": 1, "not_upheld": 3, "undecided": 0}
    assert (s1["open"], s1["overdue"]) == (1, 1)
    assert k["clocks"][0] == ("Stage 1: acknowledged within 5 working days of receipt; answered "
                              "within 10 working days of the acknowledgement (+ up to 10 agreed)")


def test_housing_ombudsman_stage_2_clock_starts_at_the_acknowledgement():
    """H6 asked for stage 2 on 13 May, acknowledged 20 May (5 working days, on time): its 20
    working days run from the acknowledgement to 18 June, when it was answered (25 working days
    after the request: late had the clock started at the request). H7, answered 19 June, is a
    day late."""
    s2 = stage_kpis(housing(), HO, as_of=AS_OF, period="2024-25")["stages"]["stage2"]
    assert (s2["received"], s2["answered"]) == (2, 2)
    assert s2["acknowledged_within_pct"] == 100.0
    assert (s2["within_timescale"], s2["within_timescale_pct"]) == (1, 50.0)
    assert s2["mean_working_days"] == 25.5  # from the request: 25 and 26
    assert s2["outcomes"] == {"upheld": 1, "partly_upheld": 0, "not_upheld": 1, "undecided": 0}
    # the stage 2 extension column is blank throughout: not kept, so unknown, never 0
    assert s2["extended"] is None
    assert "stage2_extension_days is blank on every row" in \
        stage_kpis(housing(), HO, as_of=AS_OF)["coverage"]["stage2.extended"]["reason"]


def test_the_same_register_on_the_generic_clock():
    """On the default 20 working days from receipt (extensions counted in full), only the
    unanswered H9 misses: the Housing Ombudsman's clocks are stricter."""
    s1 = stage_kpis(housing(), "commissioned-provider", as_of=AS_OF,
                    period="2024-25")["stages"]["stage1"]
    assert (s1["within_timescale"], s1["within_timescale_pct"]) == (7, 87.5)
    assert "stage2" not in stage_kpis(housing(), "commissioned-provider", as_of=AS_OF)["stages"]


def test_contract_targets_only_tighten_a_statutory_regime():
    # 11 working days from receipt (plus the extension) is tighter for H5 (15) only
    k = stage_kpis(housing(), HO, as_of=AS_OF, period="2024-25", targets={"respond_days": 11})
    assert k["stages"]["stage1"]["within_timescale_pct"] == 50.0
    assert k["clocks"][0].endswith("; contract: within 11 working days of receipt")
    # a looser contract acknowledgement does not loosen the Code's 5 days
    (s1, _) = effective_stages(load_regime(HO), {"acknowledge_days": 10})
    assert s1.acknowledge.working_days == 5
    (s1, _) = effective_stages(load_regime(HO), {"acknowledge_days": 3})
    assert s1.acknowledge.working_days == 3
    # the contract regime takes the contract's targets, looser too (as the KPIs always have)
    (c1,) = effective_stages(load_regime("commissioned-provider"), {"respond_days": 25})
    assert (c1.acknowledge.working_days, c1.respond.working_days) == (5, 25)


def test_agreed_response_dates_and_unknown_timeliness():
    """NHS and adult social care complaints are due on the date agreed with the complainant:
    A1 answered before it (on time), A2 after it (late), A3 has no agreed date (unknown, not
    counted as met); the register keeps no 'refused' column (unknown, not 0)."""
    reg = load_register(REGIMES / "adult_social_care.csv", as_of=AS_OF)
    k = stage_kpis(reg, "adult-social-care-2009", as_of=AS_OF, period="2024-25")
    s1 = k["stages"]["stage1"]
    assert (s1["received"], s1["within_timescale"], s1["within_timescale_pct"]) == (3, 1, 50.0)
    assert k["coverage"]["stage1.within_timescale_pct"] == {"known": 2, "of": 3}
    assert s1["acknowledged_within_pct"] == 66.7  # A2 took 4 working days
    assert s1["refused"] is None
    assert k["coverage"]["stage1.refused"]["reason"] == "no column mapped to refused"
    assert s1["past_flag"] == 0


def test_a_register_without_stage_2_dates_has_unknown_stage_2_figures():
    reg = load_register(REGIMES / "adult_social_care.csv", as_of=AS_OF)
    k = stage_kpis(reg, HO, as_of=AS_OF)
    s2 = k["stages"]["stage2"]
    assert s2["received"] is None and s2["answered"] is None and s2["within_timescale_pct"] is None
    assert k["coverage"]["stage2.received"]["reason"] == "no column mapped to date_stage2"


def test_scottish_bank_holiday_inside_a_clock():
    """S1 was received on Wednesday 27 November 2024 and answered Thursday 5 December: 5
    working days in Scotland (St Andrew's Day observed on Monday 2 December), 6 in England."""
    reg = load_register(REGIMES / "spso.csv", as_of=AS_OF)
    scot = stage_kpis(reg, "spso-mchp", as_of=AS_OF, period="2024-11")["stages"]["stage1"]
    eng = stage_kpis(reg, "spso-mchp", as_of=AS_OF, period="2024-11",
                     calendar="england-wales")["stages"]["stage1"]
    assert (scot["received"], scot["within_timescale"]) == (1, 1)
    assert (eng["received"], eng["within_timescale"]) == (1, 0)
    # S5 went straight to investigation: not due at stage 1
    all_year = stage_kpis(reg, "spso-mchp", as_of=AS_OF, period="2024-25")["stages"]
    assert all_year["stage1"]["skipped"] == 1
    assert all_year["stage2"]["received"] == 2


# ----------------------------------------------------------------------------------------------
# The default regime gives every sample provider exactly the figures it had before


MANIFEST = load_manifest(DEFAULT_MANIFEST)
PAIRS = [("acknowledged_within_target_pct", "acknowledged_within_pct"),
         ("responded_within_target_pct", "within_timescale_pct"),
         ("mean_working_days_to_respond", "mean_working_days"),
         ("median_working_days_to_respond", "median_working_days"),
         ("overdue_unanswered", "overdue"), ("complaints", "received")]


@pytest.mark.parametrize("pid", MANIFEST.ids)
def test_default_regime_matches_the_kpis_on_the_sample_providers(pid):
    p = MANIFEST.provider(pid)
    reg = load_register(p.register, p.mapping, as_of=AS_OF)
    cal = WorkCalendar(p.holidays, tuple(p.closures))
    for period in (None, "2024-25", "2023-24 Q3"):
        before = compute_kpis(reg, as_of=AS_OF, targets=p.targets, calendar=cal, period=period)
        if p.regime == "commissioned-provider":
            now = provider_stage_kpis(p, reg, as_of=AS_OF, period=period)["stages"]["stage1"]
        else:  # a provider given another regime: its contract clocks still agree
            now = stage_kpis(reg, "commissioned-provider", as_of=AS_OF, period=period,
                             calendar=cal, targets=p.contract_targets)["stages"]["stage1"]
        assert [before[a] for a, _ in PAIRS] == [now[b] for _, b in PAIRS], (pid, period)


def test_provider_calendar_and_clock_lines():
    p = MANIFEST.provider("sunrise-day")
    cal = provider_calendar(p, "spso-mchp")
    assert cal.region == "england-wales"  # stated in the manifest: it wins over the regime's
    assert dt.date(2024, 12, 27) in cal.closures
    kestrel = MANIFEST.provider("kestrel-homecare")
    assert clock_lines(load_regime("commissioned-provider"), kestrel.contract_targets) == [
        "Complaint: acknowledged within 5 working days of receipt; answered within 25 working "
        "days of receipt (+ any agreed extension)"]
