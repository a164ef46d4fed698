"""Safe YAML loading that keeps line numbers so every problem can point at its line."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from workbench.core.errors import InputFileError


class _Loader(yaml.SafeLoader):
    """The safe loader with YAML 1.2 booleans: only true/false, so `yes`, `no`, `on` and `off`
    stay text (rubric authors write "yes: 1"; provider mappings map "Yes"/"No" values)."""


class _FastLoader(getattr(yaml, "CSafeLoader", _Loader)):  # type: ignore[misc]
    """The same rules on libyaml's parser (about ten times faster) when PyYAML has it."""


_RESOLVERS = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _cls in (_Loader, _FastLoader):
    _cls.yaml_implicit_resolvers = {k: list(v) for k, v in _RESOLVERS.items()}
    _cls.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"),
    )


def _compose_and_construct(text: str, loader_class: type) -> tuple[yaml.Node | None, Any]:
    """One parse: the node tree (for line numbers) and the data constructed from it."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def _parse(text: str) -> tuple[yaml.Node | None, Any]:
    if "\t" in text:
        # libyaml accepts some tabs the pure-Python scanner rejects ("a:<tab>1"): one rule
        # everywhere, so a file that loads on one machine loads on every machine
        return _compose_and_construct(text, _Loader)
    try:
        return _compose_and_construct(text, _FastLoader)
    except yaml.YAMLError:
        # the pure-Python parser words its errors the same on every machine: raise its error
        return _compose_and_construct(text, _Loader)


@dataclass
class YamlDocument:
    """Parsed YAML data plus a map from a key path to the 1-based line it stands on."""

    path: Path
    data: Any
    _lines: dict[tuple, int] = field(default_factory=dict, repr=False)

    def line(self, loc: Sequence[Any]) -> int | None:
        """The line of the deepest node of ``loc`` found (a key path like ("sections", 0, "id"))."""
        key = tuple(loc)
        while key:
            if key in self._lines:
                return self._lines[key]
            key = key[:-1]
        return self._lines.get((), None)


def _index(node: yaml.Node, prefix: tuple, out: dict[tuple, int]) -> None:
    out.setdefault(prefix, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            out[(*prefix, key)] = key_node.start_mark.line + 1
            _index(value_node, (*prefix, key), out)
            # the key's own line wins over the value's (a block value starts a line later)
            out[(*prefix, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*prefix, i), out)


def parse_yaml(text: str, path: str | Path) -> YamlDocument:
    """Parse YAML text with the safe loader; malformed YAML or object tags raise InputFileError."""
    path = Path(path)
    try:
        node, data = _parse(text)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}: " if mark else ""
        tag = (exc.problem or "").replace("could not determine a constructor for the tag ", "")
        raise InputFileError(
            f"{where}the YAML tag {tag} is not allowed (only plain data is accepted)", path=path
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context_mark", None)
        if context is not None and mark is not None and context.line != mark.line:
            what = getattr(exc, "context", None) or "parsing a block"
            what = what.removeprefix("while parsing ")
            problem += f" ({what} that starts on line {context.line + 1})"
        raise InputFileError(f"{where}malformed YAML: {problem}", path=path) from None
    lines: dict[tuple, int] = {}
    if node is not None:
        _index(node, (), lines)
    return YamlDocument(path=path, data=data, _lines=lines)


def load_yaml(path: str | Path) -> YamlDocument:
    """Read and safely parse a YAML file, with a clear error when it is missing or unreadable."""
    path = Path(path)
    if not path.exists():
        raise InputFileError("file not found", path=path)
    if path.is_dir():
        raise InputFileError("is a folder, not a YAML file", path=path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputFileError("is not UTF-8 text (save it as UTF-8)", path=path) from None
    return parse_yaml(text, path)
