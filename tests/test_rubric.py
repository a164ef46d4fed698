"""The rubric model, the shipped rubrics and `workbench rubric check`."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from workbench.core.errors import InputFileError, ValidationFailed
from workbench.rubric.model import DATA_CHECK_KPIS, load_rubric

from .conftest import DATA, ROOT

RUBRICS = ROOT / "rubrics"
MAIN = RUBRICS / "complaints-handling-self-assessment.yaml"
CHECKLIST = RUBRICS / "provider-procedure-checklist.yaml"
BROKEN = DATA / "rubrics"
SEED_000 = "000_d7030c55246e5beb.txt"

EXPECTED_SECTIONS = [
    ("1", "Organisational Culture", 21), ("2", "Accessibility", 11),
    ("3", "Process and Procedure", 20), ("4", "Quality", 8),
    ("5", "Learning from Complaints", 16), ("6", "Complaints Handling Performance", 9),
]


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_main_rubric_structure_matches_the_seed_score_table():
    r = load_rubric(MAIN)
    assert r.total == 85
    assert [(s.id, s.name, s.max_points) for s in r.sections] == EXPECTED_SECTIONS
    assert [len(s.items) for s in r.sections] == [n for *_, n in EXPECTED_SECTIONS]
    assert all(i.points == 1 for _, i in r.items())
    assert r.scoring.yes == 1 and r.scoring.no == 0


def test_checklist_rubric_has_ten_points():
    r = load_rubric(CHECKLIST)
    assert (r.total, r.item_count, len(r.sections)) == (10, 10, 1)
    assert r.item("1.1").text.startswith("There is a complaints procedure in place")


def test_items_are_distinct_and_every_data_check_is_a_known_kpi():
    r = load_rubric(MAIN)
    texts = [_collapse(i.text).lower() for _, i in r.items() if not i.id.startswith("5.")]
    assert len(texts) == len(set(texts))
    kpis = [i.data_check.kpi for _, i in r.items() if i.data_check]
    assert set(kpis) <= DATA_CHECK_KPIS
    assert r.item("5.1").data_check.kpi == "rca_coverage_pct"
    assert r.item("5.1").data_check.threshold == 100


def _seed_items(seed_text: str) -> dict[str, tuple[str, list[str]]]:
    """Parse the seed's numbered items and their <li> bullets, independently of the rubric."""
    items: dict[str, tuple[str, list[str]]] = {}
    current = None
    for line in seed_text.splitlines():
        m = re.match(r"^(\d{1,2})\t(.+?)\t", line)
        if m and int(m.group(1)) <= 16 and "<b>" not in line:
            current = m.group(1)
            items[current] = (m.group(2).strip(), [])
            continue
        if current and "<li>" in line:
            for li in re.findall(r"<li>(.*?)</li>", line):
                items[current][1].append(html.unescape(li).lstrip("• ").strip())
    return items


def test_section_5_is_the_seed_text_word_for_word(seeds_dir: Path):
    seed = _seed_items((seeds_dir / SEED_000).read_text(encoding="utf-8"))
    assert len(seed) == 16
    section = load_rubric(MAIN).sections[4]
    for item in section.items:
        number = item.id.split(".")[1]
        text, bullets = seed[number]
        assert item.text == text, item.id
        assert item.evidence == bullets, item.id
        assert item.source.document == SEED_000


def test_every_source_passage_is_quoted_from_its_seed(seeds_dir: Path):
    for path in (MAIN, CHECKLIST):
        r = load_rubric(path)
        for _, item in r.items():
            seed = seeds_dir / item.source.document
            assert seed.exists(), f"{path.name} {item.id}: no seed {item.source.document}"
            assert _collapse(item.source.passage) in _collapse(seed.read_text(encoding="utf-8")), (
                f"{path.name} {item.id}: passage not found in {item.source.document}")


BROKEN_CASES = {
    "duplicate-id.yaml": ["line 18: section 1: duplicate item id '1.1' (first used in section 1)"],
    "wrong-section-total.yaml": [
        "line 7: total: sections' max_points add up to 4 but total is 3",
        "line 11: section 1: items add up to 2 points but max_points is 3",
    ],
    "missing-source.yaml": ["line 27: section 2, item 2.1: 'source' is missing"],
    "unknown-key.yaml": ["line 18: section 1, item 1.1: unknown key 'weight'"],
    "several-problems.yaml": [
        "line 7: total: sections' max_points add up to 3 but total is 4",
        "line 18: section 1: duplicate item id '1.1' (first used in section 1)",
        "line 32: section 2, item 2.1, data_check, kpi: unknown kpi 'ack_pct' (known: "
        + ", ".join(sorted(DATA_CHECK_KPIS)) + ")",
    ],
}


@pytest.mark.parametrize("name", sorted(BROKEN_CASES))
def test_broken_rubric_lists_every_problem(name: str):
    with pytest.raises(ValidationFailed) as info:
        load_rubric(BROKEN / name)
    assert info.value.problems == BROKEN_CASES[name]


UNREADABLE_CASES = {
    "malformed.yaml": "line 21, column 15: malformed YAML: expected ',' or ']', but got ':' "
                      "(a flow sequence that starts on line 20)",
    "python-tag.yaml": "line 2: the YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' "
                       "is not allowed (only plain data is accepted)",
    "does-not-exist.yaml": "file not found",
}


@pytest.mark.parametrize("name", sorted(UNREADABLE_CASES))
def test_unreadable_rubric_says_why(name: str):
    with pytest.raises(InputFileError) as info:
        load_rubric(BROKEN / name)
    assert str(info.value) == f"{BROKEN / name}: {UNREADABLE_CASES[name]}"


def test_yaml_tag_never_constructs_an_object(tmp_path: Path):
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.yaml"
    evil.write_text(f'id: !!python/object/apply:os.system ["touch {marker}"]\n')
    with pytest.raises(InputFileError):
        load_rubric(evil)
    assert not marker.exists()


def test_cli_check_prints_both_summaries(cli):
    res = cli("rubric", "check", str(MAIN), str(CHECKLIST))
    assert res.returncode == 0, res.stderr
    assert re.search(r"Total\s+85\s+85", res.stdout)
    assert re.search(r"Total\s+10\s+10", res.stdout)
    assert re.search(r"5\s+Learning from Complaints\s+16\s+16", res.stdout)


def test_cli_check_broken_file_lists_all_problems_and_exits_2(cli):
    res = cli("rubric", "check", str(BROKEN / "several-problems.yaml"))
    assert res.returncode == 2
    assert "invalid rubric (3 problems)" in res.stderr
    for problem in BROKEN_CASES["several-problems.yaml"]:
        assert f"  - {problem}" in res.stderr
    assert "Traceback" not in res.stderr


def test_cli_check_reports_every_file_even_after_a_bad_one(cli):
    res = cli("rubric", "check", str(BROKEN / "malformed.yaml"), str(BROKEN / "valid-small.yaml"))
    assert res.returncode == 2
    assert "valid-small.yaml: Small test rubric" in res.stdout
    assert "malformed YAML" in res.stderr
