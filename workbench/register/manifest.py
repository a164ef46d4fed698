"""The provider manifest: which providers a council commissions and where their registers live."""

from __future__ import annotations

import re
import warnings
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from workbench.core.errors import ValidationFailed, WorkbenchError
from workbench.core.paths import RUBRICS_DIR
from workbench.core.yamlfile import YamlDocument, load_yaml

ID_PATTERN = re.compile(r"^[a-z0-9-]+$")
HOLIDAY_REGIONS = ("england-wales", "scotland", "northern-ireland")
# The complaint-handling regimes (workbench.rubric.regime), one YAML file per id; a provider
# with no `regime:` is held to the default, the contract clocks every figure used before.
REGIMES_DIR = RUBRICS_DIR / "regimes"
DEFAULT_REGIME = "commissioned-provider"


def known_regimes() -> list[str]:
    """The ids of the regimes a manifest may name (the files in rubrics/regimes/)."""
    return sorted(p.stem for p in REGIMES_DIR.glob("*.yaml"))


class UnknownProvider(WorkbenchError):
    """A provider id that the manifest does not list."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Targets(_Strict):
    """Contract timescales in working days."""

    acknowledge_days: int = Field(default=5, ge=1, le=60, strict=True)
    respond_days: int = Field(default=20, ge=1, le=260, strict=True)

    @model_validator(mode="after")
    def _order(self) -> Targets:
        if self.acknowledge_days > self.respond_days:
            raise ValueError(f"acknowledge_days ({self.acknowledge_days}) is more than "
                             f"respond_days ({self.respond_days})")
        return self


# `register` is the contract's key; it shadows ABCMeta.register on the class, which is harmless.
warnings.filterwarnings("ignore", message='Field name "register"', category=UserWarning)


class Provider(_Strict):
    """One commissioned provider; ``register`` and ``mapping`` are absolute paths once loaded."""

    id: str
    name: str = Field(min_length=1)
    service_type: str = Field(min_length=1)
    register: Path
    mapping: Path | None = None
    service_users: int = Field(gt=0, strict=True)
    targets: Targets = Targets()
    holidays: Literal["england-wales", "scotland", "northern-ireland"] = "england-wales"
    closures: list[date] = Field(default_factory=list)
    # the regime whose clocks and returns the provider is held to; its contract `targets:`
    # can only tighten a statutory regime's clocks (workbench.analysis.stages)
    regime: str = DEFAULT_REGIME
    # a landlord's homes, for the per-1,000-homes figures of its returns (TSM CH01): the
    # total, or low-cost rental and low-cost home ownership apart (figures split by tenure)
    homes: int | None = Field(default=None, gt=0, strict=True)
    homes_lcra: int | None = Field(default=None, gt=0, strict=True)
    homes_lcho: int | None = Field(default=None, gt=0, strict=True)

    @model_validator(mode="after")
    def _homes(self) -> Provider:
        if self.homes is not None and (self.homes_lcra is not None
                                       or self.homes_lcho is not None):
            raise ValueError("give either homes or homes_lcra and homes_lcho, not both")
        if (self.homes_lcra is None) != (self.homes_lcho is None):
            raise ValueError("give both homes_lcra and homes_lcho (a landlord with one tenure "
                             "gives homes)")
        return self

    @property
    def contract_targets(self) -> dict[str, int]:
        """The targets the manifest states for this provider (none when it gives no
        `targets:`; only the keys it writes), as opposed to the 5 and 20 defaults."""
        if "targets" not in self.model_fields_set:
            return {}
        return {k: getattr(self.targets, k) for k in self.targets.model_fields_set}

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, value: Any) -> Any:
        if not isinstance(value, str) or not ID_PATTERN.match(value):
            raise ValueError(f"id {value!r} must use only lower-case letters, digits and hyphens")
        return value

    @field_validator("register", "mapping", mode="before")
    @classmethod
    def _path_text(cls, value: Any) -> Any:
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ValueError("must be a file path relative to the manifest")
        return value

    @field_validator("regime", mode="before")
    @classmethod
    def _regime(cls, value: Any) -> Any:
        known = known_regimes()
        if not isinstance(value, str) or value.strip() not in known:
            shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:60] + "..."
            raise ValueError(f"regime {shown} is not a known regime (known: "
                             f"{', '.join(known)})")
        return value

    @field_validator("holidays", mode="before")
    @classmethod
    def _region(cls, value: Any) -> Any:
        if value not in HOLIDAY_REGIONS:
            raise ValueError(f"holidays {value!r} must be one of {', '.join(HOLIDAY_REGIONS)}")
        return value


class Manifest(_Strict):
    """The commissioner, the default financial year and every provider."""

    commissioner: str = Field(min_length=1)
    period: str
    providers: list[Provider] = Field(min_length=1)
    _path: Path | None = PrivateAttr(default=None)

    @property
    def path(self) -> Path | None:
        """The manifest file this was loaded from (None when built in code)."""
        return self._path

    @field_validator("period", mode="before")
    @classmethod
    def _period(cls, value: Any) -> Any:
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}", value):
            raise ValueError(f"period {value!r} must be a financial year like \"2024-25\"")
        start, end = int(value[:4]), int(value[5:])
        if (start + 1) % 100 != end:
            raise ValueError(f"period {value!r} must be a financial year like \"2024-25\"")
        return value

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self.providers]

    def provider(self, provider_id: str) -> Provider:
        """The provider with this id; an unknown id (untrusted input) raises UnknownProvider."""
        for p in self.providers:
            if p.id == provider_id:
                return p
        text = str(provider_id)
        shown = repr(text) if len(text) <= 60 else repr(text[:60]) + "..."
        raise UnknownProvider(f"unknown provider {shown}; known providers: {', '.join(self.ids)}",
                              path=self.path)


def _where(doc: YamlDocument, loc: tuple) -> str:
    """A human location ("provider 'oakwood-care', targets") from a key path."""
    if len(loc) >= 2 and loc[0] == "providers" and isinstance(loc[1], int):
        item = doc.data.get("providers")[loc[1]] if isinstance(doc.data, dict) else None
        ident = item.get("id") if isinstance(item, dict) else None
        valid = isinstance(ident, str) and ID_PATTERN.match(ident)
        label = f"provider {ident!r}" if valid else f"provider #{loc[1] + 1}"
        return ", ".join([label, *(str(k) for k in loc[2:])])
    return ", ".join(str(k) for k in loc)


def _problem(line: int | None, where: str, message: str) -> str:
    prefix = f"line {line}: " if line else ""
    return f"{prefix}{where + ': ' if where else ''}{message}"


def _pydantic_problems(doc: YamlDocument, exc: ValidationError) -> list[tuple[int | None, str]]:
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        if err["type"] == "missing":
            line, where, msg = doc.line(loc[:-1]), _where(doc, loc[:-1]), f"'{loc[-1]}' is missing"
        elif err["type"] == "extra_forbidden":
            line, where, msg = doc.line(loc), _where(doc, loc[:-1]), f"unknown key '{loc[-1]}'"
        else:
            line, where = doc.line(loc), _where(doc, loc)
            msg = err["msg"].removeprefix("Value error, ")
        out.append((line, _problem(line, where, msg)))
    return out


def _cross_problems(doc: YamlDocument, folder: Path) -> list[tuple[int | None, str]]:
    """Duplicate ids and missing register/mapping files, checked on the raw data."""
    out: list[tuple[int | None, str]] = []
    providers = doc.data.get("providers") if isinstance(doc.data, dict) else None
    if not isinstance(providers, list):
        return out
    first: dict[str, int | None] = {}
    for i, item in enumerate(providers):
        if not isinstance(item, dict):
            continue
        pid = item.get("id")
        if isinstance(pid, str) and pid in first:
            line = doc.line(("providers", i, "id"))
            out.append((line, _problem(line, f"provider #{i + 1}", f"duplicate id {pid!r} "
                                       f"(first used on line {first[pid]})")))
        elif isinstance(pid, str):
            first[pid] = doc.line(("providers", i, "id"))
        for key in ("register", "mapping"):
            rel = item.get(key)
            if isinstance(rel, str) and rel.strip():
                target = folder / rel.strip()
                if not target.is_file():
                    line = doc.line(("providers", i, key))
                    what = "is a folder, not a file" if target.is_dir() else "file not found"
                    out.append((line, _problem(line, _where(doc, ("providers", i, key)),
                                               f"{key} {what}: {rel.strip()}")))
    return out


def validate(doc: YamlDocument) -> tuple[Manifest | None, list[str]]:
    """Validate a parsed manifest; every problem is collected and sorted by line."""
    if not isinstance(doc.data, dict):
        return None, ["line 1: a manifest must be a YAML mapping with commissioner, period and "
                      "providers"]
    folder = doc.path.resolve().parent
    problems: list[tuple[int | None, str]] = []
    manifest = None
    try:
        manifest = Manifest.model_validate(doc.data)
    except ValidationError as exc:
        problems += _pydantic_problems(doc, exc)
    problems += _cross_problems(doc, folder)
    if problems:
        problems.sort(key=lambda p: (p[0] is None, p[0] or 0))
        return None, [text for _, text in problems]
    assert manifest is not None
    providers = [
        p.model_copy(update={
            "register": (folder / p.register).resolve(),
            "mapping": (folder / p.mapping).resolve() if p.mapping is not None else None,
        })
        for p in manifest.providers
    ]
    resolved = manifest.model_copy(update={"providers": providers})
    resolved._path = doc.path.resolve()
    return resolved, []


def load_manifest(path: str | Path) -> Manifest:
    """Load and validate a provider manifest; raise ValidationFailed listing every problem."""
    doc = load_yaml(path)
    manifest, problems = validate(doc)
    if problems or manifest is None:
        n = len(problems)
        raise ValidationFailed(f"invalid manifest ({n} problem{'s' if n != 1 else ''})",
                               problems, path=path)
    return manifest
