"""Crosswalks: every item exists on both sides, relations and rationales checked, coverage CLI."""

from __future__ import annotations

import pytest

from workbench.core.errors import ValidationFailed
from workbench.rubric.crosswalk import (
    CROSSWALKS_DIR,
    RELATIONS,
    coverage,
    load_crosswalk,
    rubrics_by_id,
)

MAIN = "complaints-handling-self-assessment"
FILES = sorted(CROSSWALKS_DIR.glob("*.yaml"))


def test_the_two_code_crosswalks_are_shipped():
    names = {p.stem for p in FILES}
    assert {f"{MAIN}__housing-ombudsman-code-2024", f"{MAIN}__lgsco-code-2026"} <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_pair_names_items_on_both_sides(path):
    rubrics = rubrics_by_id()
    walk = load_crosswalk(path, rubrics)
    source = {i.id for _, i in rubrics[walk.from_rubric].items()}
    target = {i.id for _, i in rubrics[walk.to_rubric].items()}
    for pair in walk.mappings:
        assert pair.from_item in source and pair.to_item in target
        assert pair.relation in RELATIONS and pair.rationale.strip()
    assert len({(p.from_item, p.to_item) for p in walk.mappings}) == len(walk.mappings)


def _write(tmp_path, body: str):
    path = tmp_path / f"{MAIN}__lgsco-code-2026.yaml"
    path.write_text(f"from: {MAIN}\nto: lgsco-code-2026\nversion: '1'\nmappings:\n" + body)
    return path


def test_unknown_items_bad_relation_and_missing_rationale_are_all_reported(tmp_path):
    path = _write(tmp_path,
                  '  - {from: "9.9", to: "9.5", relation: equal, rationale: x}\n'
                  '  - {from: "1.3", to: "4.1", relation: equal, rationale: x}\n'
                  '  - {from: "1.3", to: "9.5", relation: same, rationale: x}\n'
                  '  - {from: "1.5", to: "9.8", relation: equal}\n')
    with pytest.raises(ValidationFailed) as info:
        load_crosswalk(path, rubrics_by_id())
    text = "\n".join(info.value.problems)
    assert "relation" in text and "'rationale' is missing" in text
    path = _write(tmp_path,
                  '  - {from: "9.9", to: "9.5", relation: equal, rationale: x}\n'
                  '  - {from: "1.3", to: "4.1", relation: equal, rationale: x}\n'
                  '  - {from: "1.3", to: "9.5", relation: equal, rationale: y}\n'
                  '  - {from: "1.3", to: "9.5", relation: subset, rationale: z}\n')
    with pytest.raises(ValidationFailed) as info:
        load_crosswalk(path, rubrics_by_id())
    assert info.value.problems == [
        f"line 5: mapping 9.9 -> 9.5: item 9.9 is not in rubric {MAIN}",
        "line 6: mapping 1.3 -> 4.1: item 4.1 is not in rubric lgsco-code-2026",
        "line 8: mapping 1.3 -> 9.5: the pair 1.3 -> 9.5 is mapped twice (first as mapping #3)",
    ]


def test_coverage_lists_the_target_items_nothing_reaches():
    rubrics = rubrics_by_id()
    walk = load_crosswalk(CROSSWALKS_DIR / f"{MAIN}__lgsco-code-2026.yaml", rubrics)
    cov = coverage(walk, rubrics["lgsco-code-2026"])
    reached = {p.to_item for p in walk.mappings}
    assert set(cov.covered) == reached
    assert set(cov.uncovered) == {i.id for _, i in rubrics["lgsco-code-2026"].items()} - reached
    assert cov.projectable == [i for i in cov.covered
                               if any(p.relation in ("equal", "superset") for p in cov.covered[i])]


def test_cli_prints_coverage(cli):
    res = cli("rubric", "crosswalk", MAIN, "housing-ombudsman-code-2024")
    assert res.returncode == 0, res.stderr
    assert "37 of 69 housing-ombudsman-code-2024 items covered" in res.stdout
    assert "not covered by any" in res.stdout and "    1.2    The complaints policy" in res.stdout
    res = cli("rubric", "crosswalk", MAIN, "no-such-code")
    assert res.returncode == 2 and "no crosswalk from" in res.stderr
    assert "Traceback" not in res.stderr
