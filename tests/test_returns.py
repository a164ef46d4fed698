"""Regulators' returns from a register: the TSM complaint figures (CH01, CH02), the SPSO
indicators and the adult social care annual counts, against registers computed by hand."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from workbench.analysis.returns import compute_returns, returns_text
from workbench.core.errors import WorkbenchError
from workbench.core.paths import DEFAULT_MANIFEST
from workbench.register.loader import load_register
from workbench.register.manifest import load_manifest

from .conftest import DATA

REGIMES = DATA / "regimes"
AS_OF = dt.date(2025, 3, 31)
HO = "housing-ombudsman-2024"


def _housing():
    return load_register(REGIMES / "housing_two_stage.csv", as_of=AS_OF)


def test_tenant_satisfaction_measures_by_hand():
    """2024-25: eight stage 1 complaints received (H8 not accepted, H10 received in 2023-24),
    two stage 2 requests. Eight stage 1 responses sent in the year, H10's (3 April 2024, late)
    included: five on time (H1, H3, H5, H6, H7: see tests/test_stages.py); of the two stage 2
    responses H6's is on time and H7's a day late."""
    r = compute_returns(_housing(), HO, period="2024-25", as_of=AS_OF, homes=400)
    f = r["figures"]
    assert (f["CH01_1"], f["CH01_2"], f["CH02_1"], f["CH02_2"]) == (20.0, 5.0, 62.5, 50.0)
    assert (f["stage1_received"], f["stage2_received"]) == (8, 2)
    assert (f["stage1_responded"], f["stage2_responded"]) == (8, 2)
    assert r["coverage"]["CH02_1"] == {"known": 8, "of": 8}
    assert r["period"]["label"] == "2024-25" and r["homes"] == {"total": 400}
    assert "acknowledgement" in r["definitions"]["CH02_1"]
    assert r["labels"]["CH01_1"] == "Stage 1 complaints received per 1,000 homes"


def test_tenure_split():
    """LCRA: H1, H2, H5, H6, H9 received (5 of 600 homes); responses H1, H2, H5, H6, H10 (three
    on time). LCHO: H3, H4, H7 received (3 of 400); responses H3 and H7 on time, H4 late."""
    r = compute_returns(_housing(), HO, period="2024-25", as_of=AS_OF, homes_lcra=600,
                        homes_lcho=400)
    f = r["figures"]
    assert (f["CH01_1"], f["CH01_1_LCRA"], f["CH01_1_LCHO"]) == (8.0, 8.3, 7.5)
    assert (f["CH02_1_LCRA"], f["CH02_1_LCHO"]) == (60.0, 66.7)
    assert (f["CH01_2_LCRA"], f["CH01_2_LCHO"]) == (1.7, 2.5)
    assert (f["CH02_2_LCRA"], f["CH02_2_LCHO"]) == (100.0, 0.0)
    assert r["homes"] == {"total": 1000, "lcra": 600, "lcho": 400}
    assert r["coverage"]["CH01_1"]["tenure_known"] == 8
    assert "low-cost home ownership" in r["definitions"]["CH02_1_LCHO"]


def test_homes_not_given_leaves_the_rates_unknown():
    r = compute_returns(_housing(), HO, period="2024-25", as_of=AS_OF)
    assert r["figures"]["CH01_1"] is None and r["figures"]["CH02_1"] == 62.5
    assert r["coverage"]["CH01_1"]["reason"] == "the number of homes was not given (--homes)"
    with pytest.raises(WorkbenchError, match="both --homes-lcra and --homes-lcho"):
        compute_returns(_housing(), HO, homes_lcra=10)
    with pytest.raises(WorkbenchError, match="either --homes or"):
        compute_returns(_housing(), HO, homes=5, homes_lcra=1, homes_lcho=1)
    with pytest.raises(WorkbenchError, match="declares no return"):
        compute_returns(_housing(), "commissioned-provider")


def test_spso_indicators_by_hand():
    """S1 (on time thanks to St Andrew's Day), S2 (a day late), S3 (on time with a 5-day
    extension) closed at stage 1; S4 (escalated, answered on the 20th working day) and S5
    (straight to investigation, 21 working days) closed at stage 2."""
    reg = load_register(REGIMES / "spso.csv", as_of=AS_OF)
    r = compute_returns(reg, "spso-mchp", period="2024-25", as_of=AS_OF)
    f = r["figures"]
    assert r["holidays"] == "scotland"
    assert (f["received"], f["stage1_closed"], f["stage2_closed"]) == (5, 3, 2)
    assert (f["stage1_within"], f["stage1_within_pct"]) == (2, 66.7)
    assert (f["stage2_within"], f["stage2_within_pct"]) == (1, 50.0)
    assert (f["stage1_mean_working_days"], f["stage2_mean_working_days"]) == (7.0, 20.5)
    assert (f["stage1_upheld"], f["stage1_partly_upheld"], f["stage1_not_upheld"]) == (1, 1, 1)
    assert (f["stage2_upheld"], f["stage2_partly_upheld"], f["stage2_not_upheld"]) == (1, 0, 1)
    assert f["stage1_extended"] == 1
    assert f["stage2_extended"] is None
    assert r["coverage"]["stage2_extended"]["reason"] == \
        "no column mapped to stage2_extension_days"


def test_adult_social_care_annual_counts():
    """Three complaints received in 2024-25; four answered in it (A4 received in March 2024),
    A1 and A4 upheld and A3 partly: three well-founded; A2 went to the Ombudsman."""
    reg = load_register(REGIMES / "adult_social_care.csv", as_of=AS_OF)
    r = compute_returns(reg, "adult-social-care-2009", period="2024-25", as_of=AS_OF)
    assert r["figures"] == {"complaints_received": 3, "well_founded": 3,
                            "referred_to_ombudsman": 1,
                            "subject_matter": {"Care quality": 2, "Charges": 1},
                            "with_actions": 1}
    text = returns_text(r, source="asc.csv")
    assert "Annual complaints report (regulation 18)" in text
    assert "Care quality" in text


def test_a_register_without_stage_2_responses():
    """A register that keeps stage 2 requests but not their responses: CH02_2 is unknown
    with the reason, never 0."""
    p = load_manifest(DEFAULT_MANIFEST).provider("kestrel-homecare")
    reg = load_register(p.register, p.mapping, as_of=AS_OF)
    r = compute_returns(reg, HO, period="2024-25", as_of=AS_OF, homes=2000)
    assert r["figures"]["CH02_2"] is None and r["figures"]["stage2_responded"] is None
    assert r["coverage"]["CH02_2"]["reason"] == "no column mapped to date_stage2_response_sent"
    assert r["figures"]["CH01_2"] is not None and r["figures"]["CH02_1"] is not None


def test_the_sample_housing_association_files_its_four_tsm_figures():
    """The sample housing association is on the Housing Ombudsman's Code and keeps both
    stages: one call gives the four figures its landlord submits, each with a definition."""
    p = load_manifest(DEFAULT_MANIFEST).provider("hartwell-housing")
    assert p.regime == HO
    reg = load_register(p.register, p.mapping, as_of=AS_OF)
    assert p.homes == 6500
    r = compute_returns(reg, p.regime, period="2024-25", as_of=AS_OF, homes=p.homes)
    for key in ("CH01_1", "CH01_2", "CH02_1", "CH02_2"):
        assert isinstance(r["figures"][key], float), key
        assert r["definitions"][key]
    assert 0 < r["figures"]["CH02_2"] <= 100
    assert r["figures"]["CH01_1"] == round(1000 * r["figures"]["stage1_received"] / 6500, 1)


def test_returns_cli_json(cli):
    out = cli("returns", str(REGIMES / "housing_two_stage.csv"), "--regime", HO,
              "--period", "2024-25", "--as-of", "2025-03-31", "--homes", "400", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert {"regime", "period", "figures", "definitions", "coverage"} <= set(data)
    assert data["regime"] == HO
    assert {k: data["figures"][k] for k in ("CH01_1", "CH01_2", "CH02_1", "CH02_2")} == {
        "CH01_1": 20.0, "CH01_2": 5.0, "CH02_1": 62.5, "CH02_2": 50.0}
    assert set(data["definitions"]) == set(data["figures"]) == set(data["coverage"])


def test_returns_cli_text_and_errors(cli):
    out = cli("returns", str(REGIMES / "housing_two_stage.csv"), "--regime", HO,
              "--period", "2024-25", "--as-of", "2025-03-31")
    assert out.returncode == 0, out.stderr
    assert "CH02_1" in out.stdout and "62.5" in out.stdout
    assert "unknown: the number of homes was not given" in out.stdout
    assert "warning:" in out.stderr and "CH01_1 is unknown" in out.stderr
    bad = cli("returns", str(REGIMES / "housing_two_stage.csv"), "--regime", "tsm")
    assert bad.returncode == 2 and bad.stderr.startswith("error: unknown regime 'tsm'")
    assert "Traceback" not in bad.stderr
    bad = cli("returns", str(REGIMES / "housing_two_stage.csv"), "--regime", HO,
              "--homes", "5", "--homes-lcra", "3", "--homes-lcho", "2")
    assert bad.returncode == 2 and "either --homes" in bad.stderr
    bad = cli("returns", str(REGIMES / "missing.csv"), "--regime", HO)
    assert bad.returncode == 2 and "missing.csv: file not found" in bad.stderr
