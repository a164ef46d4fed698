"""The per-provider mapping: which source column holds each register field, and value spellings."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pandas.arrays import StringArray
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from workbench.core.errors import ValidationFailed
from workbench.core.yamlfile import YamlDocument, load_yaml
from workbench.register.dates import OrderEvidence, parse_dates
from workbench.register.reader import RawTable, tidy_text
from workbench.register.schema import Schema, load_schema, normalise

Target = str | bool | int | float | None


class Mapping(BaseModel):
    """A provider's mapping file (docs/architecture.md, "Mapping YAML")."""

    model_config = ConfigDict(extra="forbid")

    sheet: str | None = None
    header_row: int | None = Field(default=None, ge=1)
    # None: not stated (read day-first, ambiguous dates following their column's evident order)
    dates: Literal["dayfirst", "monthfirst", "iso"] | None = None
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
        return self.dates is not None

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


def resolve(raw: RawTable, mapping: Mapping | None = None, schema: Schema | None = None, *,
            strict: bool = False) -> Mapping:
    """The effective mapping for ``raw``: the mapping's columns (each must exist in the file), then
    every other field recognised by its synonyms among the headers the mapping left unclaimed.

    Headers are compared ignoring case, spaces and punctuation; two columns whose headers are
    then the same ("Outcome" and " outcome ", or "Outcome" twice) are never chosen between
    silently. A mapping picks one by naming its exact header (the second of two identical ones
    is "Outcome (D)", after its column). Otherwise the field is left unmapped, or, ``strict``
    (loading a register), ValidationFailed names both columns.
    """
    schema = schema or load_schema()
    mapping = mapping or Mapping()
    written = (dict(zip(raw.headers, raw.written, strict=True))
               if len(raw.written) == len(raw.headers) else {h: h for h in raw.headers})
    folded = {header: normalise(text) for header, text in written.items()}
    by_norm: dict[str, list[str]] = {}
    for header in raw.headers:
        by_norm.setdefault(folded[header], []).append(header)
    columns: dict[str, str] = {}
    problems, clashes = [], []
    for name, header in mapping.columns.items():
        exact = header if header in raw.headers else header.strip()  # cells are read trimmed
        found = [exact] if exact in raw.headers else by_norm.get(normalise(header), [])
        if not found:
            shown = ", ".join(repr(h) for h in raw.headers)
            problems.append(_problem(mapping, ("columns", name),
                                     f"no column {header!r} in {raw.path.name} "
                                     f"(header row {raw.header_row}: {shown})"))
        elif len(found) > 1:
            problems.append(_problem(mapping, ("columns", name),
                                     f"{header!r} matches {_columns(raw, found)}: write the "
                                     f"exact header ({_picks(name, found)})"))
        else:
            columns[name] = found[0]
    if problems:
        raise _fail(mapping, problems, "mapping does not match the register")
    claimed = set(columns.values())
    for header in raw.headers:
        name = schema.synonym_index.get(folded[header])
        if not name or name in columns or header in claimed:
            continue
        same = by_norm[folded[header]]
        claimed.update(same)
        if len(same) > 1:
            clashes.append(f"{_columns(raw, same)} have the same header (compared ignoring case, "
                           f"spaces and punctuation), each read as {name}: say which one to use "
                           f"under columns: in the mapping ({_picks(name, same)})")
            continue
        columns[name] = header
    if clashes and strict:
        n = len(clashes)
        raise ValidationFailed(f"columns with the same header ({n} problem{'s' if n != 1 else ''})",
                               clashes, path=raw.path)
    # keep the schema's field order: it reads better in skeletons and reports
    ordered = {f: columns[f] for f in schema.fields if f in columns}
    return mapping.model_copy(update={"columns": ordered, "sheet": raw.sheet,
                                      "header_row": raw.header_row})


def _columns(raw: RawTable, headers: list[str]) -> str:
    shown = [f"{_q(raw.as_written(h))} (column {raw.letter(h)})" for h in headers]
    return " and ".join([", ".join(shown[:-1]), shown[-1]]) if len(shown) > 1 else shown[0]


def _picks(name: str, headers: list[str]) -> str:
    return " or ".join(f"{name}: {_q(h)}" for h in headers)


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
    """A category or yes/no cell as the text stored and looked up (tidy: NFKC, one space)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return tidy_text(str(value))


def _q(text: str) -> str:
    """A YAML double-quoted scalar (control characters escaped, so the file always loads)."""
    out = str(text).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if c.isprintable() else _escape(c) for c in out) + '"'


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def skeleton_yaml(raw: RawTable, mapping: Mapping | None = None,
                  schema: Schema | None = None) -> str:
    """A commented mapping YAML for ``raw`` to start a provider's mapping file from: the columns
    found, the date order the values show and the value spellings proposed for the fields with
    a closed set of values (never the values of personal fields)."""
    schema = schema or load_schema()
    effective = resolve(raw, mapping, schema)
    where = f"sheet {raw.sheet!r}, " if raw.sheet else ""
    out = [
        f"# Mapping for {raw.path.name} ({where}header on row {raw.header_row}, "
        f"{len(raw.rows):,} data rows)",
        "# written by `workbench register map`: check every line before using it.",
    ]
    out.extend(f"# warning: {note}" for note in raw.warnings)
    if raw.sheet:
        out.append(f"sheet: {_q(raw.sheet)}")
    out.append(f"header_row: {raw.header_row}")
    out.extend(_dates_lines(raw, effective, schema))
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
    value_lines = {name: lines for name, lines in _values_lines(raw, effective, schema)}
    if value_lines:
        out.append("values:")
        for name, lines in value_lines.items():
            out.append(f"  {name}:")
            out.extend(lines)
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# the date order the values show

_PLAIN_DATES = "dates: dayfirst        # dayfirst (UK, 03/04/2024 = 3 April) | monthfirst | iso"


def date_evidence(raw: RawTable, mapping: Mapping,
                  schema: Schema | None = None) -> tuple[OrderEvidence, dict[str, str]]:
    """What the typed dates of every mapped date column say about their order, with a first
    example of each kind ("dayfirst", "monthfirst", "ambiguous") as '"04/13/2024" on row 5'."""
    schema = schema or load_schema()
    total, examples = OrderEvidence(), {}
    for name, header in mapping.columns.items():
        if schema.fields[name].type != "date":
            continue
        col = raw.column(header)
        parsed = parse_dates(col.set_axis(range(len(col))), None, date1904=raw.date1904)
        total += parsed.evidence
        for kind, mask in (("dayfirst", parsed.only_dayfirst),
                           ("monthfirst", parsed.only_monthfirst),
                           ("ambiguous", parsed.ambiguous)):
            hits = np.flatnonzero(mask.to_numpy(dtype=bool))
            if kind not in examples and len(hits):
                examples[kind] = f"{_q(_cell_as_text(col.iat[hits[0]]))} on row {raw.rows[hits[0]]}"
    return total, examples


def _dates_lines(raw: RawTable, effective: Mapping, schema: Schema) -> list[str]:
    evidence, eg = date_evidence(raw, effective, schema)
    order = evidence.order
    if effective.dates is not None:
        line = f"dates: {effective.dates}"
        if order and order != effective.dates:
            line += (f"        # but {_only(evidence, order)} (e.g. {eg[order]}), none "
                     f"{_WORDS[_OTHER_ORDER[order]]}")
        return [line]
    if order:
        return [f"dates: {order:<16}# {_only(evidence, order)} (e.g. {eg[order]}), none "
                f"{_WORDS[_OTHER_ORDER[order]]}"]
    if evidence.conflicting:
        return ["# dates: dayfirst | monthfirst    choose one: the dates disagree, "
                f"{_only(evidence, 'dayfirst')} (e.g. {eg['dayfirst']}) but "
                f"{_only(evidence, 'monthfirst')} (e.g. {eg['monthfirst']}); correct the dates "
                "that disagree"]
    if evidence.undecided:
        return ["# dates: dayfirst | monthfirst    choose one: every typed date could be read "
                f"either way (e.g. {eg['ambiguous']}) and none shows the order; until this line "
                "says, they are read day-first and `workbench register check` warns"]
    return [_PLAIN_DATES]


_WORDS = {"dayfirst": "day-first", "monthfirst": "month-first"}
_OTHER_ORDER = {"dayfirst": "monthfirst", "monthfirst": "dayfirst"}


def _only(evidence: OrderEvidence, order: str) -> str:
    n = getattr(evidence, order)
    return f"{n:,} date{' can' if n == 1 else 's can'} only be {_WORDS[order]}"


# ---------------------------------------------------------------------------------------------
# value spellings proposed for the fields with a closed set of values

LISTED_VALUES = 30  # per field and kind; more are summed up in one comment


def _targets(name: str, schema: Schema) -> dict[str, Any]:
    """Normalised spelling -> canonical value for a field with a closed set of values."""
    f = schema.fields[name]
    return dict(schema.boolean_index) if f.type == "bool" else schema.value_index(name)


def _words_match(a: str, b: str) -> bool:
    """Two words alike: equal; one a prefix of the other ("part"/"partly", "full"/"fully");
    or, for longer words, one typing slip apart ("uphled", "complement")."""
    from rapidfuzz.distance import OSA

    if a == b:
        return True
    if a.isdigit() or b.isdigit():
        return False
    short, long = sorted((a, b), key=len)
    if len(short) >= 4 and long.startswith(short):
        return True
    return len(short) >= 5 and OSA.distance(a, b) <= (2 if len(short) >= 10 else 1)


def propose_value(text: str, targets: dict[str, Any]) -> tuple[Any, str] | None:
    """(canonical value, the known spelling it resembles) for a value the schema does not know,
    or None unless exactly one canonical value fits.

    The longest known spelling whose every word the value contains (words compared loosely)
    decides, so "Not upheld - no fault found" is not_upheld (it contains "not upheld", not just
    "upheld") and "Upheld in full" is upheld ("fully upheld"); a tie between two canonical
    values is no proposal. Failing that, a whole-value typing slip ("notupheld") is accepted.
    One-letter and number spellings ("y", "1") count only as the whole value.
    """
    words = normalise(text).split()
    if not words:
        return None
    best, found = 0, {}
    for spelling, target in targets.items():
        parts = spelling.split()
        if not parts or (len(parts) == 1 and (len(parts[0]) < 2 or parts[0].isdigit())):
            continue
        if all(any(_words_match(p, w) for w in words) for p in parts):
            if len(parts) > best:
                best, found = len(parts), {}
            if len(parts) == best:
                found.setdefault(target, spelling)
    if len(found) == 1:
        target, spelling = next(iter(found.items()))
        return target, spelling
    if found:
        return None
    from rapidfuzz import fuzz, process

    near = process.extract(" ".join(words), list(targets), scorer=fuzz.ratio, limit=None,
                           score_cutoff=88)
    if near and len({targets[s] for s, _, _ in near}) == 1:
        return targets[near[0][0]], near[0][0]
    return None


def _shown(target: Any) -> str:
    if target is None:
        return "null"
    if isinstance(target, bool | np.bool_):
        return str(target).lower()
    return _q(target) if str(target).isdigit() else str(target)  # stage "1" stays text


def _rows(n: int) -> str:
    return f"{n:,} row{'' if n == 1 else 's'}"


def _values_lines(raw: RawTable, effective: Mapping,
                  schema: Schema) -> Iterator[tuple[str, list[str]]]:
    """Per closed-set field: the mapping's own spellings, then proposals (active lines), the
    values already recognised and the values left to map (comments), each with its rows."""
    for name, header in effective.columns.items():
        f = schema.fields[name]
        if f.personal or not (f.type == "bool" or (f.type == "category" and f.allowed)):
            continue
        own = effective.values.get(name, {})
        lines = [f"    {_q(k)}: {_shown(v)}" for k, v in own.items()]
        proposed, known, unresolved = _sort_values(raw.column(header), name, effective, schema)
        for value, (target, like), n in proposed:
            lines.append(f"    {_q(value)}: {_shown(target)}    # proposed, like {_q(like)} "
                         f"({_rows(n)})")
        for value, target, n in known[:LISTED_VALUES]:
            what = " as not known" if target is None else ""
            lines.append(f"    # {_q(value)}: {_shown(target)}    # already recognised{what} "
                         f"({_rows(n)})")
        lines.extend(_more(known[LISTED_VALUES:], "recognised"))
        if unresolved:
            expected = "true | false" if f.type == "bool" else " | ".join(f.allowed or ())
            lines.append(f"    # values in {_q(header)} not recognised: map each to {expected}"
                         " (or null for blank)")
            lines.extend(f"    # {_q(value)}: ?    # {_rows(n)}"
                         for value, n in unresolved[:LISTED_VALUES])
            lines.extend(_more(unresolved[LISTED_VALUES:], "not recognised"))
        if lines:
            yield name, lines


def _sort_values(col: pd.Series, name: str, effective: Mapping,
                 schema: Schema) -> tuple[list, list, list]:
    """The distinct (tidy) values of a column the mapping does not map itself, most rows first:
    proposed [(value, (target, like), rows)], recognised [(value, target, rows)] and
    unresolved [(value, rows)]."""
    read, unknown = recognise(col, name, effective, schema)
    codes, uniques = pd.factorize(col.to_numpy(dtype=object))
    texts = np.array([_cell_as_text(u).strip() for u in uniques] + [""], dtype=object)
    text = pd.Series(texts[codes], index=col.index)  # code -1 (blank) -> ""
    mapped = {normalise(k) for k in effective.values.get(name, {})}
    keep = text.ne("") & ~text.map(normalise).isin(mapped)
    table = pd.DataFrame({"text": text[keep], "unknown": unknown[keep],
                          "read": read[keep].astype(object)})
    groups = (table.groupby("text", sort=False)
              .agg(rows=("unknown", "size"), unknown=("unknown", "any"), read=("read", "first"))
              .sort_values("rows", ascending=False, kind="stable"))
    targets = _targets(name, schema)
    proposed, known, unresolved = [], [], []
    for value, g in groups.iterrows():
        n = int(g["rows"])
        if not g["unknown"]:
            known.append((value, None if pd.isna(g["read"]) else g["read"], n))
        elif (match := propose_value(value, targets)) is not None:
            proposed.append((value, match, n))
        else:
            unresolved.append((value, n))
    return proposed, known, unresolved


def _more(rest: list[tuple], what: str) -> list[str]:
    if not rest:
        return []
    return [f"    # ... and {len(rest):,} more values {what} ({_rows(sum(r[-1] for r in rest))})"]
