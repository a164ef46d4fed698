"""The rubric model: a YAML scoring framework validated into sections and yes/no items."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from workbench.core.errors import ValidationFailed
from workbench.core.yamlcheck import Problem, key_path, model_problems
from workbench.core.yamlfile import YamlDocument, load_yaml

# The register indicators a data check may name; workbench.analysis.kpis computes every one of them.
DATA_CHECK_KPIS: frozenset[str] = frozenset({
    "rca_coverage_pct", "learning_recorded_pct", "actions_recorded_pct",
    "actions_completed_on_time_pct", "actions_signed_off_pct", "overdue_actions",
    "complainant_told_of_improvement_pct", "acknowledged_within_target_pct",
    "responded_within_target_pct", "outcome_recorded_pct", "investigator_recorded_pct",
    "response_due_recorded_pct", "open_over_6_months", "completed_within_12_weeks_pct",
    "escalated_pct", "compliments_recorded", "themes_per_quarter_reported",
})

Op = Literal[">=", "<=", "==", ">", "<"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Source(_Strict):
    """Where an item comes from: the document and the passage (a quote) or the provision number
    (a regulator's code, summarised in our own words) it is written from."""

    document: str = Field(min_length=1)
    passage: str | None = Field(default=None, min_length=1)
    provision: str | None = Field(default=None, min_length=1)

    @field_validator("provision", mode="before")
    @classmethod
    def _provision_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value

    @model_validator(mode="after")
    def _passage_or_provision(self) -> Source:
        if self.passage is None and self.provision is None:
            raise ValueError("'passage' is missing (or give the code's 'provision' number)")
        return self


class DataCheck(_Strict):
    """A register indicator and the threshold that suggests the answer (only a suggestion)."""

    kpi: str
    op: Op = ">="
    threshold: float
    note: str | None = None
    # the check suggests nothing when its figure is known for less than this % of its records
    min_coverage: float = Field(default=80.0, ge=0, le=100)

    @field_validator("kpi")
    @classmethod
    def _known_kpi(cls, value: str) -> str:
        if value not in DATA_CHECK_KPIS:
            raise ValueError(f"unknown kpi '{value}' (known: {', '.join(sorted(DATA_CHECK_KPIS))})")
        return value

    def passes(self, value: float | None) -> bool | None:
        """True/False when the figure meets/misses the threshold; None when there is no figure."""
        if value is None:
            return None
        return {
            ">=": value >= self.threshold, "<=": value <= self.threshold,
            "==": value == self.threshold, ">": value > self.threshold, "<": value < self.threshold,
        }[self.op]


class Item(_Strict):
    """One yes/no point of the rubric."""

    id: str = Field(pattern=r"^\d+\.\d+$")
    text: str = Field(min_length=1)
    evidence: list[str] = Field(min_length=1)
    source: Source
    points: int = Field(default=1, ge=0)
    data_check: DataCheck | None = None
    # a regulator's code: whether the provision says must (mandatory) or should (good practice)
    obligation: Literal["must", "should"] | None = None


class Section(_Strict):
    """A numbered section with its declared maximum."""

    id: str = Field(pattern=r"^\d+$")
    name: str = Field(min_length=1)
    max_points: int = Field(ge=0)
    description: str | None = None
    items: list[Item] = Field(min_length=1)


class Scoring(_Strict):
    yes: int = 1
    no: int = 0


class Rubric(_Strict):
    """A whole rubric: header, scoring and sections."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=1)
    version: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    source: str = Field(min_length=1)
    description: str | None = None
    # a published code's edition ("1 April 2024") and the provisions the rubric could not cover
    edition: str | None = None
    not_found: list[str] = Field(default_factory=list)
    scoring: Scoring = Scoring()
    total: int = Field(ge=0)
    sections: list[Section] = Field(min_length=1)

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value

    def items(self) -> Iterator[tuple[Section, Item]]:
        for section in self.sections:
            for item in section.items:
                yield section, item

    def item(self, item_id: str) -> Item:
        for _, item in self.items():
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def section_of(self, item_id: str) -> Section:
        for section, item in self.items():
            if item.id == item_id:
                return section
        raise KeyError(item_id)

    @property
    def item_count(self) -> int:
        return sum(len(s.items) for s in self.sections)


def _where(doc: YamlDocument, loc: tuple) -> str:
    """A human location ("section 1, item 1.3, source") from a pydantic/YAML key path."""
    return key_path(doc, loc, {"sections": ("section", "id"), "items": ("item", "id")})


def _pydantic_problems(doc: YamlDocument, exc: ValidationError) -> list[Problem]:
    return model_problems(doc, exc, _where)


def _num(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _cross_problems(doc: YamlDocument) -> list[Problem]:
    """Checks across items (unique ids, totals), run on the raw data so they are reported even
    when some fields are malformed; a missing or malformed part is left to the model's check."""
    data = doc.data
    problems: list[Problem] = []
    sections = data.get("sections") if isinstance(data.get("sections"), list) else []
    seen_sections: set[str] = set()
    seen_items: dict[str, str] = {}
    declared_total = 0
    for si, section in enumerate(sections):
        if not isinstance(section, dict):
            continue
        sloc = ("sections", si)
        sid = str(section.get("id"))
        if sid in seen_sections:
            problems.append(Problem(doc.line((*sloc, "id")), f"section {sid}",
                                    f"duplicate section id '{sid}'"))
        seen_sections.add(sid)
        items = section.get("items") if isinstance(section.get("items"), list) else []
        points = 0
        for ii, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            iloc = (*sloc, "items", ii)
            iid = str(item.get("id"))
            if iid in seen_items:
                problems.append(Problem(doc.line((*iloc, "id")), f"section {sid}",
                                        f"duplicate item id '{iid}' "
                                        f"(first used in section {seen_items[iid]})"))
            else:
                seen_items[iid] = sid
            if "id" in item and iid.split(".")[0] != sid:
                problems.append(Problem(doc.line((*iloc, "id")), f"section {sid}, item {iid}",
                                        f"item id should start with '{sid}.'"))
            points += _num(item.get("points", 1)) or 0
        max_points = _num(section.get("max_points"))
        if max_points is not None:
            declared_total += max_points
            if items and points != max_points:
                problems.append(Problem(
                    doc.line((*sloc, "max_points")), f"section {sid}",
                    f"items add up to {points} points but max_points is {max_points}"))
    total = _num(data.get("total"))
    if total is not None and sections and declared_total != total:
        problems.append(Problem(doc.line(("total",)), "total",
                                f"sections' max_points add up to {declared_total} but total is "
                                f"{total}"))
    return problems


def validate(doc: YamlDocument) -> tuple[Rubric | None, list[Problem]]:
    """Validate parsed YAML into a Rubric; every problem is collected, none stops the others."""
    if not isinstance(doc.data, dict):
        return None, [Problem(1, "", "a rubric must be a YAML mapping with id, title, sections")]
    problems: list[Problem] = []
    rubric: Rubric | None = None
    try:
        rubric = Rubric.model_validate(doc.data)
    except ValidationError as exc:
        problems.extend(_pydantic_problems(doc, exc))
    problems.extend(_cross_problems(doc))
    problems.sort(key=lambda p: (p.line or 0))
    return (rubric if not problems else None), problems


def load_rubric(path: str | Path) -> Rubric:
    """Load and validate a rubric file; raise ValidationFailed listing every problem."""
    doc = load_yaml(path)
    rubric, problems = validate(doc)
    if problems or rubric is None:
        raise ValidationFailed(f"invalid rubric ({len(problems)} problem"
                               f"{'s' if len(problems) != 1 else ''})",
                               [str(p) for p in problems], path=path)
    return rubric


def summary_rows(rubric: Rubric) -> list[tuple[str, str, int, int]]:
    """(section id, name, items, points) per section, for the check table."""
    return [(s.id, s.name, len(s.items), sum(i.points for i in s.items)) for s in rubric.sections]
