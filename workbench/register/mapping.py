"""The per-provider mapping: which source column holds each register field, and value spellings."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pandas.arrays import StringArray
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from workbench.core.errors import ValidationFailed
from workbench.core.yamlfile import YamlDocument, load_yaml
from workbench.register.reader import RawTable
from workbench.register.schema import Schema, load_schema, normalise

Target = str | bool | int | float | None


class Mapping(BaseModel):
    """A provider's mapping file (docs/architecture.md, "Mapping YAML")."""

    model_config = ConfigDict(extra="forbid")

    sheet: str | None = None
    header_row: int | None = Field(default=None, ge=1)
    dates: Literal["dayfirst", "monthfirst", "iso"] = "dayfirst"
    columns: dict[str, str] = Field(default_factory=dict)
    values: dict[str, dict[str, Target]] = Field(default_factory=dict)

    _doc: YamlDocument | None = PrivateAttr(default=None)

    @field_validator("columns", "values", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("values", mode="before")
    @classmethod
    def _value_keys_as_text(cls, value: Any) -> Any:
        # YAML reads an unquoted Yes/No key as a boolean and 1 as a number: compare them as text
        if not isinstance(value, dict):
            return value
        out = {}
        for name, spellings in value.items():
            if isinstance(spellings, dict):
                spellings = {_key_text(k): v for k, v in spellings.items()}
            out[name] = {} if spellings is None else spellings
        return out

    @property
    def path(self) -> Path | None:
        return self._doc.path if self._doc else None

    @property
    def dates_explicit(self) -> bool:
        """True when the mapping file states the date order (so no ambiguity warnings)."""
        return "dates" in self.model_fields_set

    def line(self, *loc: Any) -> int | None:
        return self._doc.line(loc) if self._doc else None


def _key_text(key: Any) -> str:
    if isinstance(key, bool):
        return "yes" if key else "no"
    if isinstance(key, float) and key.is_integer():
        return str(int(key))
    return str(key)


def _problem(mapping: Mapping, loc: tuple, message: str) -> str:
    line = mapping.line(*loc)
    where = ".".join(str(p) for p in loc)
    return f"line {line}: {where}: {message}" if line else f"{where}: {message}"


def _fail(mapping: Mapping, problems: list[str], what: str = "invalid mapping") -> ValidationFailed:
    n = len(problems)
    return ValidationFailed(f"{what} ({n} problem{'s' if n != 1 else ''})", problems,
                            path=mapping.path)


def canonical_target(field: str, target: Target, schema: Schema) -> tuple[bool, Any]:
    """(ok, canonical value) for a mapping value target; None always means "treat as blank"."""
    f = schema.fields[field]
    if target is None:
        return True, None
    if f.type == "bool":
        if isinstance(target, bool):
            return True, target
        flag = schema.boolean_index.get(normalise(target))
        return flag is not None, flag
    text = _key_text(target)
    if f.allowed:
        code = {normalise(a): a for a in f.allowed}.get(normalise(text))
        return code is not None, code
    return True, text


def check_mapping(mapping: Mapping, schema: Schema | None = None) -> list[str]:
    """Every problem with the field names and value targets, each with its YAML line."""
    schema = schema or load_schema()
    problems = []
    known = ", ".join(schema.fields)
    for name in mapping.columns:
        if name not in schema.fields:
            problems.append(_problem(mapping, ("columns", name),
                                     f"unknown register field {name!r} (fields: {known})"))
    for name, spellings in mapping.values.items():
        f = schema.fields.get(name)
        if f is None:
            problems.append(_problem(mapping, ("values", name),
                                     f"unknown register field {name!r} (fields: {known})"))
            continue
        if f.type not in ("category", "bool"):
            problems.append(_problem(mapping, ("values", name), f"{name} is a {f.type} field; "
                                     "values: only applies to category and yes/no fields"))
            continue
        for source, target in spellings.items():
            ok, _ = canonical_target(name, target, schema)
            if not ok:
                expected = ("true, false" if f.type == "bool" else ", ".join(f.allowed or ()))
                problems.append(_problem(mapping, ("values", name, source),
                                         f"unknown {f.label} value {target!r} for {source!r}; "
                                         f"expected one of {expected}"))
    return problems


def load_mapping(path: str | Path, schema: Schema | None = None) -> Mapping:
    """Read and check a mapping YAML; ValidationFailed (exit 2) lists every problem by line."""
    doc = load_yaml(path)
    data = {} if doc.data is None else doc.data
    probe = Mapping()
    probe._doc = doc
    if not isinstance(data, dict):
        raise _fail(probe, ["line 1: a mapping file is a YAML mapping (sheet, header_row, dates, "
                            "columns, values)"])
    problems = []
    mapping = None
    try:
        mapping = Mapping.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            if err["type"] == "extra_forbidden":
                msg = (f"unknown key {loc[-1]!r} (allowed: sheet, header_row, dates, columns, "
                       "values)")
            else:
                msg = err["msg"].removeprefix("Value error, ")
            problems.append(_problem(probe, loc, msg))
    # the field and value checks run even when the shape is wrong, so every problem is listed
    columns = data.get("columns") if isinstance(data.get("columns"), dict) else {}
    values = data.get("values") if isinstance(data.get("values"), dict) else {}
    values = {k: v for k, v in values.items() if isinstance(v, dict)}
    shape = Mapping.model_construct(columns=columns,
                                    values=Mapping._value_keys_as_text(values))
    shape._doc = doc
    problems += check_mapping(shape, schema)
    if problems or mapping is None:
        raise _fail(probe, sorted(set(problems), key=lambda s: _line_of(s)))
    mapping._doc = doc
    return mapping


def _line_of(problem: str) -> int:
    head = problem.split(":", 1)[0]
    return int(head[5:]) if head.startswith("line ") and head[5:].isdigit() else 0


def header_hints(mapping: Mapping | None, schema: Schema | None = None) -> dict[str, str]:
    """Normalised header spelling -> field, for the header search: synonyms plus the mapping's."""
    hints = dict((schema or load_schema()).synonym_index)
    if mapping:
        hints.update({normalise(header): name for name, header in mapping.columns.items()})
    return hints


def resolve(raw: RawTable, mapping: Mapping | None = None,
            schema: Schema | None = None) -> Mapping:
    """The effective mapping for ``raw``: the mapping's columns (each must exist in the file), then
    every other field recognised by its synonyms among the headers the mapping left unclaimed."""
    schema = schema or load_schema()
    mapping = mapping or Mapping()
    by_norm: dict[str, str] = {}
    for header in raw.headers:
        by_norm.setdefault(normalise(header), header)
    columns: dict[str, str] = {}
    problems = []
    for name, header in mapping.columns.items():
        found = header if header in raw.headers else by_norm.get(normalise(header))
        if found is None:
            shown = ", ".join(repr(h) for h in raw.headers)
            problems.append(_problem(mapping, ("columns", name),
                                     f"no column {header!r} in {raw.path.name} "
                                     f"(header row {raw.header_row}: {shown})"))
        else:
            columns[name] = found
    if problems:
        raise _fail(mapping, problems, "mapping does not match the register")
    claimed = set(columns.values())
    for header in raw.headers:
        name = schema.synonym_index.get(normalise(header))
        if name and name not in columns and header not in claimed:
            columns[name] = header
            claimed.add(header)
    # keep the schema's field order: it reads better in skeletons and reports
    ordered = {f: columns[f] for f in schema.fields if f in columns}
    return mapping.model_copy(update={"columns": ordered, "sheet": raw.sheet,
                                      "header_row": raw.header_row})


def detect_mapping(raw: RawTable, schema: Schema | None = None) -> Mapping:
    """A mapping found from the headers alone (schema synonyms)."""
    return resolve(raw, None, schema)


def recognise(values: pd.Series, field: str, mapping: Mapping | None,
              schema: Schema | None = None) -> tuple[pd.Series, pd.Series]:
    """Source cells of a category or bool field as canonical values, and a mask of unknown ones.

    Looked up per distinct value: the mapping's spelling (exact, then normalised) wins over the
    schema's codes and synonyms. A category field with no allowed list keeps its text. In a bool
    field the schema's "not known" spellings ("N/A", "unknown", "tbc", "-") are read as not known
    (NA), like a blank, and are not unknown values: a mapping may still map one to true or false.
    """
    schema = schema or load_schema()
    f = schema.fields[field]
    overrides = (mapping.values.get(field, {}) if mapping else {})
    exact = {k: canonical_target(field, v, schema)[1] for k, v in overrides.items()}
    loose = {normalise(k): v for k, v in exact.items()}
    if f.type == "bool":
        index: dict[str, Any] = dict(schema.boolean_index)
    elif f.allowed:
        index = schema.value_index(field)
    else:
        index = {}
    codes, uniques = pd.factorize(values.to_numpy(dtype=object))
    result: list[Any] = []
    unknown_codes = []
    for code, u in enumerate(uniques):
        text = _cell_as_text(u).strip()
        n = normalise(text)
        if text in exact:
            result.append(exact[text])
        elif n in loose:
            result.append(loose[n])
        elif not text or (f.type == "bool" and n in schema.not_known_index):
            result.append(None)
        elif f.type == "bool" or f.allowed:
            result.append(index.get(n))
            if n not in index:
                unknown_codes.append(code)
        else:
            result.append(text)
    if f.type == "bool":
        table = np.array([*result, None], dtype=object)  # code -1 (blank) -> None
        out = pd.Series(pd.array(table[codes], dtype="boolean"), index=values.index)
    else:
        table = np.array([pd.NA if r is None else r for r in result] + [pd.NA], dtype=object)
        out = pd.Series(StringArray(table[codes]), index=values.index)
    unknown = pd.Series(np.isin(codes, unknown_codes), index=values.index)
    return out, unknown


def _cell_as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _q(text: str) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def skeleton_yaml(raw: RawTable, mapping: Mapping | None = None,
                  schema: Schema | None = None) -> str:
    """A commented mapping YAML for ``raw`` to start a provider's mapping file from."""
    schema = schema or load_schema()
    effective = resolve(raw, mapping, schema)
    where = f"sheet {raw.sheet!r}, " if raw.sheet else ""
    out = [
        f"# Mapping for {raw.path.name} ({where}header on row {raw.header_row}, "
        f"{len(raw.rows):,} data rows)",
        "# written by `workbench register map`: check every line before using it.",
    ]
    if raw.sheet:
        out.append(f"sheet: {_q(raw.sheet)}")
    out.append(f"header_row: {raw.header_row}")
    dates = effective.dates
    out.append(f"dates: {dates}        # dayfirst (UK, 03/04/2024 = 3 April) | monthfirst | iso")
    out.append("columns:")
    for name, header in effective.columns.items():
        out.append(f"  {name}: {_q(header)}")
    if not effective.columns:
        out.append("  {}")
    unclaimed = [h for h in raw.headers if h not in set(effective.columns.values())]
    if unclaimed:
        out.append("# Source columns not mapped (add a line under columns: if one holds a "
                   "register field):")
        out.extend(f"#   {_q(h)}" for h in unclaimed)
    missing = [f for f in schema.fields if f not in effective.columns]
    if missing:
        out.extend(textwrap.wrap(f"Register fields with no column: {', '.join(missing)}",
                                 width=98, initial_indent="# ", subsequent_indent="#   "))
    unknown_lines: dict[str, list[str]] = {}
    for name, header in effective.columns.items():
        f = schema.fields[name]
        if not (f.type == "bool" or (f.type == "category" and f.allowed)):
            continue
        col = raw.column(header)
        _, unknown = recognise(col, name, effective, schema)
        if not unknown.any():
            continue
        counts = col[unknown].map(_cell_as_text).value_counts()
        expected = "true | false" if f.type == "bool" else " | ".join(f.allowed or ())
        unknown_lines[name] = [f"    # values in {_q(header)} not recognised: map each to "
                               f"{expected}"]
        unknown_lines[name] += [f"    # {_q(value)}: ?    # {count:,} row"
                                f"{'s' if count != 1 else ''}" for value, count in counts.items()]
    if effective.values or unknown_lines:
        out.append("values:")
        for name in dict.fromkeys([*effective.values, *unknown_lines]):
            out.append(f"  {name}:")
            for k, v in effective.values.get(name, {}).items():
                shown = "null" if v is None else str(v).lower() if isinstance(v, bool) else v
                out.append(f"    {_q(k)}: {shown}")
            out.extend(unknown_lines.get(name, []))
    return "\n".join(out) + "\n"
