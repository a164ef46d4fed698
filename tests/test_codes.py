"""The regulators' codes as rubrics: valid, one item per provision, must/should kept."""

from __future__ import annotations

import re

import pytest

from workbench.core.errors import ValidationFailed
from workbench.rubric.model import load_rubric

from .conftest import ROOT

CODES = {"housing-ombudsman-code-2024": 69, "lgsco-code-2026": 49}


@pytest.mark.parametrize("code", sorted(CODES))
def test_code_rubric_is_valid_with_one_item_per_provision(code):
    r = load_rubric(ROOT / "rubrics" / f"{code}.yaml")
    assert r.id == code and r.edition and r.not_found
    assert r.item_count == CODES[code] == r.total
    for section, item in r.items():
        assert item.id.split(".")[0] == section.id
        assert item.obligation in ("must", "should"), item.id
        assert item.source.provision == item.id and item.source.document
        assert item.evidence
    assert all(s.max_points == len(s.items) for s in r.sections)


def test_housing_code_is_all_must_and_lgsco_mostly_should():
    hos = load_rubric(ROOT / "rubrics" / "housing-ombudsman-code-2024.yaml")
    lg = load_rubric(ROOT / "rubrics" / "lgsco-code-2026.yaml")
    assert {i.obligation for _, i in hos.items()} == {"must"}
    assert {i.id for _, i in lg.items() if i.obligation == "must"} == {"3.1", "5.6"}
    assert hos.item("6.2").text.startswith("Stage 1 complaints are acknowledged")


def test_source_needs_a_passage_or_a_provision(tmp_path):
    text = (ROOT / "tests" / "data" / "rubrics" / "valid-small.yaml").read_text()
    bad = re.sub(r", passage: [^}]*", "", text, count=1)
    path = tmp_path / "r.yaml"
    path.write_text(bad)
    with pytest.raises(ValidationFailed) as info:
        load_rubric(path)
    assert any("'passage' is missing" in p for p in info.value.problems)


def test_check_all_rubrics_skips_the_crosswalk_folder(cli):
    res = cli("rubric", "check", *sorted(str(p) for p in (ROOT / "rubrics").iterdir()))
    assert res.returncode == 0, res.stderr
    assert "crosswalks: a folder, not a rubric file - skipped" in res.stderr
    assert re.search(r"Total\s+69\s+69", res.stdout) and re.search(r"Total\s+49\s+49", res.stdout)
