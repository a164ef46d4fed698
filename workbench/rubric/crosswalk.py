"""Crosswalks: set relations between the items of two rubrics, kept as YAML and checked."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from workbench.core.errors import ValidationFailed, WorkbenchError
from workbench.core.paths import RUBRICS_DIR
from workbench.core.yamlcheck import Problem, model_problems
from workbench.core.yamlfile import YamlDocument, load_yaml
from workbench.rubric.model import Rubric, load_rubric

CROSSWALKS_DIR = RUBRICS_DIR / "crosswalks"
# How the FROM item relates to the TO item, read "FROM item is <relation> TO item":
# equal (same requirement), superset (FROM asks for all of TO and more), subset (FROM asks for
# part of TO), intersect (they overlap, neither contains the other).
Relation = Literal["equal", "subset", "superset", "intersect"]
RELATIONS: tuple[str, ...] = ("equal", "subset", "superset", "intersect")
# the relations over which an answer to the FROM item may be carried to the TO item
PROJECTABLE: frozenset[str] = frozenset({"equal", "superset"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _text(value: Any) -> Any:
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


class Pair(_Strict):
    """One pair of items and how they relate, with the reason in one line."""

    from_item: str = Field(alias="from", pattern=r"^\d+\.\d+$")
    to_item: str = Field(alias="to", pattern=r"^\d+\.\d+$")
    relation: Relation
    rationale: str = Field(min_length=1)

    @field_validator("from_item", "to_item", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        return _text(value)


class Crosswalk(_Strict):
    """A crosswalk file: the two rubrics (by id) and the item pairs."""

    from_rubric: str = Field(alias="from", pattern=r"^[a-z0-9][a-z0-9-]*$")
    to_rubric: str = Field(alias="to", pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: str = Field(min_length=1)
    description: str | None = None
    mappings: list[Pair] = Field(min_length=1)

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        return _text(value)

    def to_items(self, to_item: str) -> list[Pair]:
        """The pairs that reach one TO item."""
        return [m for m in self.mappings if m.to_item == to_item]


@dataclass(frozen=True)
class Coverage:
    """Which TO items the crosswalk reaches, and over which relations."""

    covered: dict[str, list[Pair]]      # TO item id -> the pairs reaching it
    uncovered: list[str]                   # TO items no FROM item reaches
    projectable: list[str]                 # TO items an answer can be carried to
    total: int

    @property
    def covered_pct(self) -> float:
        return round(100.0 * len(self.covered) / self.total, 1) if self.total else 0.0


def _where(doc: YamlDocument, loc: tuple) -> str:
    if len(loc) >= 2 and loc[0] == "mappings" and isinstance(loc[1], int):
        try:
            pair = doc.data["mappings"][loc[1]]
            label = f"mapping {pair.get('from')} -> {pair.get('to')}"
        except (KeyError, IndexError, TypeError, AttributeError):
            label = f"mapping #{loc[1] + 1}"
        return ", ".join([label, *(str(k) for k in loc[2:])])
    return ", ".join(str(k) for k in loc)


def _model_problems(doc: YamlDocument, exc: ValidationError) -> list[Problem]:
    return model_problems(doc, exc, _where)


def validate(doc: YamlDocument, rubrics: dict[str, Rubric] | None = None
             ) -> tuple[Crosswalk | None, list[Problem]]:
    """Check a crosswalk file; with ``rubrics`` (id -> Rubric) every item id is checked to exist
    on its side. Every problem is collected, with its YAML line."""
    if not isinstance(doc.data, dict):
        return None, [Problem(1, "", "a crosswalk must be a YAML mapping with from, to, mappings")]
    try:
        walk = Crosswalk.model_validate(doc.data)
    except ValidationError as exc:
        return None, sorted(_model_problems(doc, exc), key=lambda p: p.line or 0)
    problems: list[Problem] = []
    sides = {"from": walk.from_rubric, "to": walk.to_rubric}
    known: dict[str, set[str] | None] = {}
    for side, rubric_id in sides.items():
        rubric = (rubrics or {}).get(rubric_id)
        if rubrics is not None and rubric is None:
            problems.append(Problem(doc.line((side,)), side,
                                    f"no rubric with id '{rubric_id}' (known: "
                                    f"{', '.join(sorted(rubrics)) or 'none'})"))
        known[side] = {i.id for _, i in rubric.items()} if rubric else None
    seen: dict[tuple[str, str], int] = {}
    for n, pair in enumerate(walk.mappings):
        loc = ("mappings", n)
        where = _where(doc, loc)
        for side, item_id in (("from", pair.from_item), ("to", pair.to_item)):
            ids = known[side]
            if ids is not None and item_id not in ids:
                problems.append(Problem(doc.line((*loc, side)), where,
                                        f"item {item_id} is not in rubric {sides[side]}"))
        key = (pair.from_item, pair.to_item)
        if key in seen:
            problems.append(Problem(doc.line(loc), where,
                                    f"the pair {key[0]} -> {key[1]} is mapped twice (first as "
                                    f"mapping #{seen[key] + 1})"))
        else:
            seen[key] = n
    problems.sort(key=lambda p: p.line or 0)
    return (walk if not problems else None), problems


def rubrics_by_id(folder: str | Path = RUBRICS_DIR) -> dict[str, Rubric]:
    """Every valid rubric in ``folder`` by id (the latest file wins a tie; invalid ones are
    left out: `workbench rubric check` reports them)."""
    found: dict[str, Rubric] = {}
    for path in sorted([*Path(folder).glob("*.yaml"), *Path(folder).glob("*.yml")]):
        try:
            rubric = load_rubric(path)
        except WorkbenchError:
            continue
        found[rubric.id] = rubric
    return found


def load_crosswalk(path: str | Path, rubrics: dict[str, Rubric] | None = None) -> Crosswalk:
    """Load and check a crosswalk file; ValidationFailed lists every problem with its line."""
    doc = load_yaml(path)
    walk, problems = validate(doc, rubrics)
    if problems or walk is None:
        raise ValidationFailed(f"invalid crosswalk ({len(problems)} problem"
                               f"{'s' if len(problems) != 1 else ''})",
                               [str(p) for p in problems], path=path)
    expected = f"{walk.from_rubric}__{walk.to_rubric}"
    if Path(path).stem != expected:
        raise ValidationFailed("invalid crosswalk (1 problem)",
                               [f"the file maps {walk.from_rubric} to {walk.to_rubric}, so it "
                                f"must be named {expected}.yaml"], path=path)
    return walk


def crosswalk_path(from_id: str, to_id: str, folder: str | Path = CROSSWALKS_DIR) -> Path:
    """Where the crosswalk FROM -> TO lives."""
    return Path(folder) / f"{from_id}__{to_id}.yaml"


def find_crosswalk(from_id: str, to_id: str, *, folder: str | Path = CROSSWALKS_DIR,
                   rubrics: dict[str, Rubric] | None = None) -> Crosswalk:
    """The checked crosswalk FROM -> TO; a WorkbenchError naming the file when there is none."""
    path = crosswalk_path(from_id, to_id, folder)
    if not path.exists():
        have = sorted(p.stem.replace("__", " -> ") for p in Path(folder).glob("*__*.yaml"))
        raise WorkbenchError(f"no crosswalk from {from_id} to {to_id} ({path} does not exist; "
                             f"crosswalks: {', '.join(have) or 'none'})", exit_code=2)
    return load_crosswalk(path, rubrics if rubrics is not None else rubrics_by_id())


def coverage(walk: Crosswalk, target: Rubric) -> Coverage:
    """Which of the target rubric's items the crosswalk reaches (and can carry an answer to)."""
    covered: dict[str, list[Pair]] = {}
    for _, item in target.items():
        pairs = walk.to_items(item.id)
        if pairs:
            covered[item.id] = pairs
    order = [i.id for _, i in target.items()]
    return Coverage(
        covered=covered,
        uncovered=[i for i in order if i not in covered],
        projectable=[i for i in order if any(p.relation in PROJECTABLE
                                             for p in covered.get(i, []))],
        total=len(order),
    )
