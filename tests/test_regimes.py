"""Regimes as data: the shipped files validate, broken ones name every problem and its line,
`workbench regime check`, the manifest's `regime:` and the two-stage register fields."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from workbench.core.errors import InputFileError, ValidationFailed
from workbench.register.loader import load_register
from workbench.register.manifest import load_manifest
from workbench.rubric.regime import (
    DEFAULT_REGIME,
    REGIMES_DIR,
    load_regime,
    load_regime_file,
    regime_ids,
)

from .conftest import DATA

SHIPPED = ["adult-social-care-2009", "commissioned-provider", "housing-ombudsman-2024",
           "lgsco-2026", "nhs-england-2009", "nhs-wales-ptr", "nipso-mchp", "spso-mchp"]
REGIMES = DATA / "regimes"
AS_OF = dt.date(2025, 3, 31)


def test_every_shipped_regime_is_valid_and_named_by_its_id():
    assert regime_ids() == SHIPPED
    for rid in SHIPPED:
        r = load_regime(rid)
        assert r.id == rid
        assert r.stages[0].id == "stage1"
        # every clock says where it comes from
        for stage in r.stages:
            for clock in (stage.acknowledge, stage.respond):
                assert clock is None or clock.source.document


def test_the_housing_ombudsman_clocks():
    r = load_regime("housing-ombudsman-2024")
    s1, s2 = r.stages
    assert (s1.acknowledge.starts, s1.acknowledge.working_days) == ("receipt", 5)
    assert (s1.respond.starts, s1.respond.working_days) == ("acknowledgement", 10)
    assert s1.respond.extension.max_working_days == 10
    assert (s2.acknowledge.starts, s2.acknowledge.working_days) == ("escalation", 5)
    assert (s2.respond.starts, s2.respond.working_days) == ("acknowledgement", 20)
    assert [f.key for f in r.returns[0].figures][:4] == ["CH01_1", "CH01_2", "CH02_1", "CH02_2"]
    # the same clocks for councils from April 2026, without per-1,000-homes figures
    lg = load_regime("lgsco-2026")
    assert lg.in_force == dt.date(2026, 4, 1)
    assert not any(f.measure == "received_per_1000_homes" for f in lg.figures())


def test_default_regime_is_today_s_contract_clocks():
    r = load_regime(None)
    assert r.id == DEFAULT_REGIME == "commissioned-provider"
    assert r.clocks_from_contract
    assert (r.stages[0].acknowledge.working_days, r.stages[0].respond.working_days) == (5, 20)


def test_unknown_regime_names_the_known_ones():
    with pytest.raises(InputFileError, match=r"unknown regime 'scottish' .*spso-mchp"):
        load_regime("scottish")
    with pytest.raises(InputFileError, match="not a regime id"):
        load_regime("Housing Ombudsman")


BROKEN = """\
id: broken-regime
title: Broken
version: 1
publisher: Nobody
applies_to: Tests
source: {document: none}
stages:
  - id: stage2
    name: Review
    respond:
      starts: acknowledgement
      working_days: 20
      source: {document: none}
returns:
  - id: r
    title: R
    source: {document: none}
    figures:
      - {key: A, label: A, measure: outcome, stage: stage2, definition: d}
      - {key: A, label: B, measure: received, stage: stage3, definition: d}
"""


def test_a_broken_regime_lists_every_problem_with_its_line(tmp_path):
    path = tmp_path / "broken-regime.yaml"
    path.write_text(BROKEN)
    with pytest.raises(ValidationFailed) as info:
        load_regime_file(path)
    assert str(path) in info.value.message
    assert info.value.problems == [
        "line 20: return r, figure A, stage: Input should be 'stage1', 'stage2' or 'all'"]
    # once the model accepts it, the checks across stages and figures run
    path.write_text(BROKEN.replace("stage: stage3", "stage: stage1"))
    with pytest.raises(ValidationFailed) as info:
        load_regime_file(path)
    assert info.value.problems == [
        "line 8: stage stage2, id: the first stage must be stage1",
        "line 11: stage stage2, respond, starts: starts at the acknowledgement but the stage "
        "has no acknowledge clock",
        "line 19: return r, figure A: measure outcome needs an outcome (upheld, partly_upheld, "
        "not_upheld)",
        "line 20: return r, figure A, key: duplicate figure key 'A' (also in return r)",
        "line 20: return r, figure A, stage: the regime has no stage1",
    ]


def test_regime_check_cli(cli, tmp_path):
    ok = cli("regime", "check", *(str(REGIMES_DIR / f"{r}.yaml") for r in SHIPPED))
    assert ok.returncode == 0, ok.stderr
    assert "housing-ombudsman-2024" in ok.stdout
    assert "10 working days of the acknowledgement (+ up to 10 agreed)" in ok.stdout
    assert "return tsm-complaints" in ok.stdout
    bad = tmp_path / "broken-regime.yaml"
    bad.write_text(BROKEN)
    renamed = tmp_path / "other-name.yaml"
    shutil.copy(REGIMES_DIR / "spso-mchp.yaml", renamed)
    out = cli("regime", "check", str(bad), str(renamed), str(REGIMES_DIR / "spso-mchp.yaml"))
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert f"error: {bad}: invalid regime (1 problem)" in out.stderr
    assert "line 20: return r, figure A, stage" in out.stderr
    assert "declares id 'spso-mchp' but is named other-name.yaml" in out.stderr
    assert "spso-mchp.yaml: SPSO model complaints handling procedure" in out.stdout


def _manifest(tmp_path: Path, extra: str) -> Path:
    reg = tmp_path / "registers"
    reg.mkdir(parents=True)
    shutil.copy(DATA / "manifests" / "registers" / "alpha.csv", reg / "alpha.csv")
    path = tmp_path / "providers.yaml"
    path.write_text("commissioner: Test Council\nperiod: \"2024-25\"\nproviders:\n"
                    "  - id: alpha\n    name: Alpha Homes\n    service_type: housing association\n"
                    f"    register: registers/alpha.csv\n    service_users: 1200\n{extra}")
    return path


def test_manifest_regime_defaults_and_is_checked(tmp_path):
    for p in load_manifest(DATA / "manifests" / "valid.yaml").providers:
        assert p.regime == "commissioned-provider"
    beta = load_manifest(DATA / "manifests" / "valid.yaml").providers[1]
    assert beta.contract_targets == {"acknowledge_days": 3}  # only what the manifest states
    alpha = load_manifest(DATA / "manifests" / "valid.yaml").providers[0]
    assert alpha.contract_targets == {}
    m = load_manifest(_manifest(tmp_path, "    regime: housing-ombudsman-2024\n"))
    assert m.providers[0].regime == "housing-ombudsman-2024"


def test_manifest_refuses_an_unknown_regime(tmp_path):
    path = _manifest(tmp_path, "    regime: housing-ombudsman\n")
    with pytest.raises(ValidationFailed) as info:
        load_manifest(path)
    (problem,) = info.value.problems
    assert problem.startswith("line 9: provider 'alpha', regime: regime 'housing-ombudsman' is "
                              "not a known regime (known: adult-social-care-2009, ")


def test_manifest_homes(tmp_path):
    m = load_manifest(_manifest(tmp_path / "a", "    homes_lcra: 900\n    homes_lcho: 300\n"))
    assert (m.providers[0].homes, m.providers[0].homes_lcra, m.providers[0].homes_lcho) == \
        (None, 900, 300)
    with pytest.raises(ValidationFailed) as info:
        load_manifest(_manifest(tmp_path / "b", "    homes_lcra: 900\n"))
    assert info.value.problems == [
        "line 4: provider 'alpha': give both homes_lcra and homes_lcho (a landlord with one "
        "tenure gives homes)"]


def test_two_stage_fields_are_recognised_by_their_headers():
    reg = load_register(REGIMES / "housing_two_stage.csv", as_of=AS_OF)
    cols = reg.mapping.columns
    assert cols["stage1_extension_days"] == "Stage 1 extension"
    assert cols["date_stage2"] == "Date stage 2"
    assert cols["date_stage2_acknowledged"] == "Stage 2 acknowledged"
    assert cols["date_stage2_response_sent"] == "Stage 2 response"
    assert cols["stage2_extension_days"] == "Stage 2 extension"
    assert cols["tenure"] == "Tenure" and cols["refused"] == "Refused"
    assert cols["refused_reason"] == "Refused reason"
    f = reg.frame.set_index("reference")
    # spellings of the tenure read as the canonical codes
    assert list(f.loc[["H1", "H2", "H3", "H4", "H5"], "tenure"]) == [
        "lcra", "lcra", "lcho", "lcho", "lcra"]
    assert f.loc["H8", "refused"] and not f.loc["H1", "refused"]  # marked only when refused
    assert f.loc["H3", "stage1_extension_days"] == 10
    assert reg.issues == []


def test_stage_dates_out_of_order_are_errors():
    reg = load_register(REGIMES / "stage_order.csv", as_of=AS_OF)
    found = [(i.row, i.field, i.check, i.severity) for i in reg.issues]
    assert found == [
        (2, "date_stage2", "stage_order", "error"),
        (3, "date_stage2_acknowledged", "stage_order", "error"),
        (3, "date_stage2_response_sent", "stage_order", "error"),
        (4, "date_stage2_acknowledged", "stage2_without_request", "warning"),
        (4, "date_stage2_response_sent", "stage2_without_request", "warning"),
    ]
    first = reg.issues[0]
    assert first.column == "Date stage 2" and first.value == "2024-05-08"
    assert "8 May 2024" in first.message and "10 May 2024" in first.message
    # row 5 is in order: no issue
    assert 5 not in {i.row for i in reg.issues}
