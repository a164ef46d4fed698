"""The canonical register schema: register_schema.yaml as typed field and check definitions."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from workbench.core.errors import InputFileError
from workbench.core.memo import file_identity, pure_cache
from workbench.core.paths import DATA_DIR
from workbench.core.yamlfile import load_yaml

SCHEMA_PATH = DATA_DIR / "register_schema.yaml"
FieldType = Literal["text", "date", "category", "bool", "int"]
FIELD_TYPES = ("text", "date", "category", "bool", "int")
SEVERITIES = ("error", "warning")

_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`]")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise(text: Any) -> str:
    """Compare-form of a header or value: lower case, apostrophes dropped, punctuation as spaces.

    "Date Rec'd", "date  recd" and "DATE-RECD" all become "date recd".
    """
    text = _APOSTROPHES.sub("", str(text).casefold())
    return _NON_ALNUM.sub(" ", text).strip()


@dataclass(frozen=True)
class FieldDef:
    """One canonical register field."""

    name: str
    type: FieldType
    required: bool = False
    unique: bool = False
    personal: bool = False
    allowed: tuple[str, ...] | None = None
    default: str | None = None
    description: str = ""
    synonyms: tuple[str, ...] = ()
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)  # canonical -> spellings
    # A bool field registers commonly mark only when true (a blank cell in a mapped column is
    # No); for every other bool field a blank is unknown (docs/kpis.md, "Three states").
    marked_only_when_true: bool = False

    @property
    def label(self) -> str:
        """How messages name the field ("date acknowledged")."""
        return self.name.replace("_", " ")


@dataclass(frozen=True)
class CheckDef:
    """One validation check: its severity, message template and any extra parameters."""

    name: str
    severity: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)

    def format(self, **values: Any) -> str:
        return self.message.format(**values)


@dataclass(frozen=True)
class Schema:
    """The whole schema: fields in declared order, boolean spellings and checks."""

    id: str
    version: int
    fields: dict[str, FieldDef]
    booleans: dict[bool, tuple[str, ...]]
    checks: dict[str, CheckDef]
    path: Path | None = None
    not_known: tuple[str, ...] = ()  # spellings of "not known" in a bool field (read as unknown)

    def of_type(self, kind: str) -> list[FieldDef]:
        return [f for f in self.fields.values() if f.type == kind]

    @property
    def personal(self) -> list[str]:
        return [f.name for f in self.fields.values() if f.personal]

    @functools.cached_property
    def synonym_index(self) -> dict[str, str]:
        """Normalised header spelling -> canonical field (field names themselves included)."""
        index: dict[str, str] = {}
        for f in self.fields.values():
            for spelling in (f.name, *f.synonyms):
                index.setdefault(normalise(spelling), f.name)
        return index

    @functools.cached_property
    def boolean_index(self) -> dict[str, bool]:
        return {normalise(s): flag for flag, spellings in self.booleans.items() for s in spellings}

    @functools.cached_property
    def not_known_index(self) -> frozenset[str]:
        """Normalised "not known" spellings ("N/A", "unknown", "tbc"...); punctuation-only
        cells ("-", "?") normalise to "" and are in it too."""
        return frozenset({"", *(normalise(s) for s in self.not_known)})

    def value_index(self, name: str) -> dict[str, str]:
        """Normalised spelling -> canonical code for a category field with allowed values."""
        f = self.fields[name]
        index = {normalise(code): code for code in f.allowed or ()}
        for code, spellings in f.values.items():
            for s in spellings:
                index.setdefault(normalise(s), code)
        return index


def _problem(path: Path, line: int | None, message: str) -> InputFileError:
    return InputFileError(f"line {line}: {message}" if line else message, path=path)


def parse_schema(path: str | Path) -> Schema:
    """Read and check a schema file (a broken schema is a bug, reported with its line)."""
    doc = load_yaml(path)
    data = doc.data if isinstance(doc.data, dict) else {}
    fields: dict[str, FieldDef] = {}
    seen: dict[str, str] = {}
    for name, spec in (data.get("fields") or {}).items():
        spec = spec or {}
        line = doc.line(("fields", name))
        kind = spec.get("type")
        if kind not in FIELD_TYPES:
            raise _problem(doc.path, line, f"field {name}: type must be one of {FIELD_TYPES}")
        allowed = spec.get("allowed")
        values = {str(k): tuple(str(s) for s in v or ())
                  for k, v in (spec.get("values") or {}).items()}
        if allowed is not None:
            allowed = tuple(str(a) for a in allowed)
            for code in values:
                if code not in allowed:
                    raise _problem(doc.path, doc.line(("fields", name, "values", code)),
                                   f"field {name}: value {code!r} is not in allowed")
        synonyms = tuple(str(s) for s in spec.get("synonyms") or ())
        for s in (name, *synonyms):
            other = seen.setdefault(normalise(s), name)
            if other != name:
                raise _problem(doc.path, doc.line(("fields", name, "synonyms")),
                               f"synonym {s!r} of {name} is already a synonym of {other}")
        fields[name] = FieldDef(
            name=name, type=kind, required=bool(spec.get("required", False)),
            unique=bool(spec.get("unique", False)), personal=bool(spec.get("personal", False)),
            allowed=allowed, default=spec.get("default"), description=spec.get("description", ""),
            synonyms=synonyms, values=values,
            marked_only_when_true=bool(spec.get("marked_only_when_true", False)),
        )
    booleans = {flag: tuple(str(s) for s in (data.get("booleans") or {}).get(flag, ()))
                for flag in (True, False)}
    not_known = tuple(str(s) for s in (data.get("booleans") or {}).get("unknown", ()))
    overlap = {normalise(s) for s in not_known} & {normalise(s) for v in booleans.values()
                                                   for s in v}
    if overlap:
        raise _problem(doc.path, doc.line(("booleans", "unknown")),
                       f"booleans: {sorted(overlap)} listed both as unknown and as true/false")
    checks: dict[str, CheckDef] = {}
    for name, spec in (data.get("checks") or {}).items():
        spec = dict(spec or {})
        severity = spec.pop("severity", None)
        if severity not in SEVERITIES:
            raise _problem(doc.path, doc.line(("checks", name)),
                           f"check {name}: severity must be error or warning")
        checks[name] = CheckDef(name, severity, str(spec.pop("message", name)), spec)
    if not fields:
        raise _problem(doc.path, 1, "the schema declares no fields")
    return Schema(id=str(data.get("id", "")), version=int(data.get("version", 1)), fields=fields,
                  booleans=booleans, checks=checks, path=doc.path, not_known=not_known)


def load_schema(path: str | Path | None = None) -> Schema:
    """The canonical schema (cached per file version); ``path`` only for tests of other schemas."""
    return _schema_cached(*file_identity(path or SCHEMA_PATH))


@pure_cache(maxsize=4)
def _schema_cached(path: str, mtime_ns: int, size: int) -> Schema:
    return parse_schema(path)
