"""Complaint-handling regimes: each regulator's stages, clocks and returns, validated from YAML."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from workbench.core.errors import InputFileError, ValidationFailed
from workbench.core.memo import file_identity, pure_cache
from workbench.core.paths import RUBRICS_DIR
from workbench.core.yamlcheck import Problem, key_path, model_problems
from workbench.core.yamlfile import YamlDocument, load_yaml

REGIMES_DIR = RUBRICS_DIR / "regimes"
DEFAULT_REGIME = "commissioned-provider"
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
REGIONS = ("england-wales", "scotland", "northern-ireland")
STAGES = ("stage1", "stage2")
OUTCOMES = ("upheld", "partly_upheld", "not_upheld")

# What each figure of a return counts (workbench.analysis.returns computes every one of them;
# docs/regimes.md defines them). A measure over responses counts the responses of the stage
# sent in the period; one over receipts, the requests of the stage received in the period.
MEASURES: dict[str, str] = {
    "received": "requests received at the stage in the period",
    "received_per_1000_homes": "requests received at the stage in the period per 1,000 homes",
    "responded": "responses of the stage sent in the period",
    "responded_within": "responses sent in the period within the regime's timescale",
    "responded_within_pct": "% of the responses sent in the period within the timescale",
    "mean_working_days": "average working days from the stage's start to its response",
    "median_working_days": "median working days from the stage's start to its response",
    "outcome": "responses sent in the period with a given outcome",
    "outcome_pct": "% of the responses sent in the period with a given outcome",
    "well_founded": "complaints answered in the period upheld or partly upheld",
    "extended": "responses sent in the period after an agreed extension",
    "extended_pct": "% of the responses sent in the period after an agreed extension",
    "referred_to_ombudsman": "complaints referred to the Ombudsman in the period",
    "refused": "complaints received in the period and not accepted",
    "by_subject": "complaints received in the period, by type or theme",
    "with_actions": "complaints answered in the period with an improvement action recorded",
}
RESPONSE_MEASURES = frozenset({"responded", "responded_within", "responded_within_pct",
                               "mean_working_days", "median_working_days", "outcome",
                               "outcome_pct", "extended", "extended_pct"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Citation(_Strict):
    """Where a clock or a definition comes from; ``note`` says what could not be verified."""

    document: str = Field(min_length=1)
    section: str | None = None
    url: str | None = None
    note: str | None = None

    @field_validator("url")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError(f"url {value!r} must start with https:// or http://")
        return value


class Extension(_Strict):
    """An extension the regime allows: working days beyond the limit (None: no fixed maximum)."""

    max_working_days: int | None = Field(default=None, ge=0, le=260, strict=True)
    condition: str | None = None


class Clock(_Strict):
    """One deadline: what starts it, the working days allowed and the extension allowed.

    ``agreed_date``: the deadline is the date agreed with the complainant (the register's
    response due date), as in the NHS England regulations; ``flag_after_months``: a calendar
    limit after which the complainant must be told why there is no response yet."""

    starts: Literal["receipt", "acknowledgement", "escalation"]
    working_days: int | None = Field(default=None, ge=0, le=260, strict=True)
    extension: Extension | None = None
    agreed_date: bool = False
    flag_after_months: int | None = Field(default=None, ge=1, le=24, strict=True)
    source: Citation


class Stage(_Strict):
    """A stage of the procedure and its clocks."""

    id: Literal["stage1", "stage2"]
    name: str = Field(min_length=1)
    acknowledge: Clock | None = None
    respond: Clock


class Figure(_Strict):
    """One figure of a return: its key, what it measures and its definition."""

    key: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    label: str = Field(min_length=1)
    measure: str
    stage: Literal["stage1", "stage2", "all"] = "stage1"
    outcome: Literal["upheld", "partly_upheld", "not_upheld"] | None = None
    basis: Literal["responded", "closed"] = "responded"
    decimals: int = Field(default=1, ge=0, le=3, strict=True)
    by_tenure: bool = False
    definition: str = Field(min_length=1)

    @field_validator("measure")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in MEASURES:
            raise ValueError(f"unknown measure '{value}' (known: {', '.join(MEASURES)})")
        return value


class Return(_Strict):
    """A return the regime asks for: its source and its figures."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=1)
    frequency: str | None = None
    source: Citation
    figures: list[Figure] = Field(min_length=1)


class Regime(_Strict):
    """A whole regime: header, stages with their clocks, and returns."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=1)
    version: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    applies_to: str = Field(min_length=1)
    in_force: date | None = None
    calendar: Literal["england-wales", "scotland", "northern-ireland"] = "england-wales"
    # the clocks are the contract's own targets (a manifest's targets replace them, looser or
    # tighter); otherwise contract targets can only tighten the regime's clocks
    clocks_from_contract: bool = False
    source: Citation
    description: str | None = None
    stages: list[Stage] = Field(min_length=1, max_length=2)
    returns: list[Return] = Field(default_factory=list)

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value

    def stage(self, stage_id: str) -> Stage | None:
        """The stage with this id, or None when the regime has no such stage."""
        return next((s for s in self.stages if s.id == stage_id), None)

    def figures(self) -> list[Figure]:
        """Every figure of every return, in order."""
        return [f for r in self.returns for f in r.figures]


def _where(doc: YamlDocument, loc: tuple) -> str:
    """A human location ("stage stage2, respond", "return tsm, figure CH02_1") from a key path."""
    return key_path(doc, loc, {"stages": ("stage", "id"), "returns": ("return", "id"),
                               "figures": ("figure", "key")})


def _pydantic_problems(doc: YamlDocument, exc: ValidationError) -> list[Problem]:
    return model_problems(doc, exc, _where)


def _cross_problems(regime: Regime, doc: YamlDocument) -> list[Problem]:
    """Checks across stages and figures, on a regime the model accepted."""
    problems: list[Problem] = []

    def add(loc: tuple, message: str) -> None:
        problems.append(Problem(doc.line(loc), _where(doc, loc), message))

    ids = [s.id for s in regime.stages]
    if ids[0] != "stage1":
        add(("stages", 0, "id"), "the first stage must be stage1")
    if len(set(ids)) != len(ids):
        add(("stages",), f"duplicate stage ids: {', '.join(ids)}")
    for i, stage in enumerate(regime.stages):
        for name in ("acknowledge", "respond"):
            clock: Clock | None = getattr(stage, name)
            if clock is None:
                continue
            loc = ("stages", i, name)
            first = "receipt" if stage.id == "stage1" else "escalation"
            allowed = (first,) if name == "acknowledge" else (first, "acknowledgement")
            if clock.starts not in allowed:
                add((*loc, "starts"), f"a {stage.id} {name} clock starts at "
                    f"{' or '.join(allowed)}, not {clock.starts}")
            if clock.starts == "acknowledgement" and stage.acknowledge is None:
                add((*loc, "starts"), "starts at the acknowledgement but the stage has no "
                    "acknowledge clock")
            if clock.working_days is None and not clock.agreed_date:
                add(loc, "give working_days, or agreed_date: true")
            if clock.agreed_date and name == "acknowledge":
                add((*loc, "agreed_date"), "an acknowledgement has no agreed date")
    keys: dict[str, str] = {}
    for r_i, ret in enumerate(regime.returns):
        for f_i, fig in enumerate(ret.figures):
            loc = ("returns", r_i, "figures", f_i)
            if fig.key in keys:
                add((*loc, "key"), f"duplicate figure key '{fig.key}' (also in return "
                    f"{keys[fig.key]})")
            keys.setdefault(fig.key, ret.id)
            if fig.stage != "all" and regime.stage(fig.stage) is None:
                add((*loc, "stage"), f"the regime has no {fig.stage}")
            if fig.stage == "all" and fig.measure in RESPONSE_MEASURES:
                add((*loc, "stage"), f"measure {fig.measure} is per stage (stage1 or stage2)")
            needs_outcome = fig.measure in ("outcome", "outcome_pct")
            if needs_outcome and fig.outcome is None:
                add(loc, f"measure {fig.measure} needs an outcome "
                    f"({', '.join(OUTCOMES)})")
            if not needs_outcome and fig.outcome is not None:
                add((*loc, "outcome"), f"measure {fig.measure} takes no outcome")
    return problems


def validate(doc: YamlDocument) -> tuple[Regime | None, list[Problem]]:
    """Validate parsed YAML into a Regime; every problem is collected, sorted by line."""
    if not isinstance(doc.data, dict):
        return None, [Problem(1, "", "a regime must be a YAML mapping with id, title, stages")]
    try:
        regime = Regime.model_validate(doc.data)
    except ValidationError as exc:
        problems = _pydantic_problems(doc, exc)
        problems.sort(key=lambda p: p.line or 0)
        return None, problems
    problems = _cross_problems(regime, doc)
    problems.sort(key=lambda p: p.line or 0)
    return (None if problems else regime), problems


def load_regime_file(path: str | Path) -> Regime:
    """Load and validate a regime file; raise ValidationFailed listing every problem."""
    if not Path(path).is_file():
        load_yaml(path)  # raises the usual "file not found" / "is a folder" error
    return _load_cached(*file_identity(path))


@pure_cache(maxsize=32)
def _load_cached(path: str, mtime_ns: int, size: int) -> Regime:
    doc = load_yaml(path)
    regime, problems = validate(doc)
    if problems or regime is None:
        n = len(problems)
        raise ValidationFailed(f"invalid regime ({n} problem{'s' if n != 1 else ''})",
                               [str(p) for p in problems], path=path)
    return regime


def regime_ids(folder: Path = REGIMES_DIR) -> list[str]:
    """The ids of the shipped regimes (the file names in rubrics/regimes/)."""
    return sorted(p.stem for p in folder.glob("*.yaml"))


def load_regime(regime: str | Path | Regime | None = None, *,
                folder: Path = REGIMES_DIR) -> Regime:
    """A regime by id ("housing-ombudsman-2024"; None: the default), by path, or as given.

    An unknown id raises InputFileError naming the known ones; a file whose id differs from
    its name is refused (the manifest names regimes by file)."""
    if isinstance(regime, Regime):
        return regime
    regime = DEFAULT_REGIME if regime is None else regime
    text = str(regime)
    if isinstance(regime, Path) or text.endswith((".yaml", ".yml")) or "/" in text:
        return load_regime_file(regime)
    if not ID_PATTERN.match(text):
        raise InputFileError(f"regime {text[:60]!r} is not a regime id (known: "
                             f"{', '.join(regime_ids(folder))})")
    path = folder / f"{text}.yaml"
    if not path.is_file():
        raise InputFileError(f"unknown regime '{text}' (known: "
                             f"{', '.join(regime_ids(folder))})")
    loaded = load_regime_file(path)
    if loaded.id != text:
        raise InputFileError(f"declares id '{loaded.id}' but is named {path.name}", path=path)
    return loaded


def summary_rows(regime: Regime) -> list[tuple[str, str, str, str]]:
    """(stage, name, acknowledge clock, respond clock) per stage, for the check table."""
    return [(s.id, s.name, clock_text(s.acknowledge, s.id), clock_text(s.respond, s.id))
            for s in regime.stages]


_START_WORDS = {"receipt": "of receipt", "escalation": "of the escalation request",
                "acknowledgement": "of the acknowledgement"}


def clock_text(clock: Clock | None, stage_id: str = "stage1") -> str:
    """A clock in words: "10 working days of the acknowledgement (+ up to 10 agreed)"."""
    if clock is None:
        return "-"
    if clock.agreed_date:
        text = "by the date agreed with the complainant"
    else:
        text = f"{clock.working_days} working days {_START_WORDS[clock.starts]}"
    if clock.extension is not None:
        m = clock.extension.max_working_days
        text += f" (+ up to {m} agreed)" if m is not None else " (+ any agreed extension)"
    if clock.flag_after_months:
        text += f"; told why after {clock.flag_after_months} months"
    return text
