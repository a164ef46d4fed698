"""What is wrong in a YAML file, said where a person finds it: a readable key path and a line."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from workbench.core.yamlfile import YamlDocument


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, with the YAML line where it can be placed."""

    line: int | None
    where: str
    message: str

    def __str__(self) -> str:
        prefix = f"line {self.line}: " if self.line else ""
        where = f"{self.where}: " if self.where else ""
        return f"{prefix}{where}{self.message}"


def key_path(doc: YamlDocument, loc: tuple, lists: Mapping[str, tuple[str, str]]) -> str:
    """A key path as a person says it ("section 1, item 1.3, source"): an entry of a list
    named in ``lists`` (list key -> (its label, the key that names an entry)) by its name, or
    by its position when it has none."""
    parts: list[str] = []
    node: Any = doc.data
    i = 0
    while i < len(loc):
        key = loc[i]
        if key in lists and i + 1 < len(loc) and isinstance(loc[i + 1], int):
            label, name = lists[key]
            try:
                node = node[key][loc[i + 1]]
                ident = node.get(name) if isinstance(node, dict) else None
            except (KeyError, IndexError, TypeError):
                ident = None
            parts.append(f"{label} {ident}" if ident is not None else f"{label} #{loc[i + 1] + 1}")
            i += 2
            continue
        parts.append(str(key))
        node = node.get(key) if isinstance(node, dict) else None
        i += 1
    return ", ".join(parts)


def model_problems(doc: YamlDocument, exc: ValidationError,
                   where: Callable[[YamlDocument, tuple], str]) -> list[Problem]:
    """Every error pydantic found, each at its line: a missing key where it belongs, an unknown
    key where it is, any other at the value."""
    problems = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        if err["type"] == "missing":
            problems.append(Problem(doc.line(loc[:-1]), where(doc, loc[:-1]),
                                    f"'{loc[-1]}' is missing"))
        elif err["type"] == "extra_forbidden":
            problems.append(Problem(doc.line(loc), where(doc, loc[:-1]),
                                    f"unknown key '{loc[-1]}'"))
        else:
            problems.append(Problem(doc.line(loc), where(doc, loc),
                                    err["msg"].removeprefix("Value error, ")))
    return problems
