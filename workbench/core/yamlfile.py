"""Safe YAML loading that keeps line numbers so every problem can point at its line."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from workbench.core import limits
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


def _loader_for(text: str) -> type:
    # libyaml accepts some tabs the pure-Python scanner rejects ("a:<tab>1"): one rule
    # everywhere, so a file that loads on one machine loads on every machine
    return _Loader if "\t" in text else _FastLoader


def _parse(text: str) -> tuple[yaml.Node | None, Any]:
    loader_class = _loader_for(text)
    if loader_class is _Loader:
        return _compose_and_construct(text, _Loader)
    try:
        return _compose_and_construct(text, _FastLoader)
    except yaml.YAMLError:
        # the pure-Python parser words its errors the same on every machine: raise its error
        return _compose_and_construct(text, _Loader)


_OPENS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSES = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _check_size(text: str, path: Path) -> None:
    """Refuse, from the parser's events and before anything is built, a document nesting deeper
    than the depth limit or holding more values than the node limit, where an alias (*name)
    counts as a copy of everything its anchor (&name) holds: nine lines of nested aliases (the
    "billion laughs") would otherwise expand to a billion values in every walk of the data.

    A malformed document passes here: the parse proper reports its error.
    """
    first = _loader_for(text)
    # when libyaml fails, the parse falls back to the pure-Python parser: walk what it will see
    for loader_class in dict.fromkeys((first, _Loader)):
        if _walk(text, loader_class, path):
            return


def _walk(text: str, loader_class: type, path: Path) -> bool:
    """The size and depth checks over one parser's events; False when the YAML is malformed."""
    depth_limit, node_limit = limits.limit("yaml_depth"), limits.limit("yaml_nodes")
    max_depth, max_nodes = depth_limit.value(), node_limit.value()
    loader = loader_class(text)
    sizes: list[int] = []              # values in each open collection so far
    open_anchors: list[str | None] = []
    anchors: dict[str, int] = {}       # anchor -> values it holds, aliases expanded
    total = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            line = event.start_mark.line + 1 if event.start_mark else 0
            if isinstance(event, _OPENS):
                if len(sizes) >= max_depth:
                    raise InputFileError(f"line {line}: the YAML nests deeper than {max_depth} "
                                         f"levels {depth_limit.hint}", path=path)
                sizes.append(1)
                open_anchors.append(event.anchor)
                continue
            if isinstance(event, _CLOSES):
                size, anchor = sizes.pop(), open_anchors.pop()
            elif isinstance(event, yaml.ScalarEvent):
                size, anchor = 1, event.anchor
            elif isinstance(event, yaml.AliasEvent):
                if event.anchor in open_anchors:
                    raise InputFileError(f"line {line}: the alias *{event.anchor} is inside "
                                         f"its own anchor &{event.anchor} (a structure that "
                                         "contains itself is not accepted)", path=path)
                size, anchor = anchors.get(event.anchor, 1), None
            else:
                continue  # stream and document start and end
            if anchor is not None:
                anchors[anchor] = size
            if sizes:
                sizes[-1] += size
                reached = sizes[-1]
            else:
                total += size
                reached = total
            if reached > max_nodes:
                raise InputFileError(
                    f"line {line}: the YAML holds more than {max_nodes:,} values, counting "
                    f"each alias (*name) as a copy of its anchor (&name) {node_limit.hint}",
                    path=path)
    except yaml.YAMLError:
        return False
    finally:
        loader.dispose()
    return True


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
    _check_size(text, path)
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
    size = path.stat().st_size
    if size > limits.in_bytes("yaml_kb"):
        raise InputFileError(limits.limit("yaml_kb").exceeded(f"is {size >> 10:,} KiB"),
                             path=path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputFileError("is not UTF-8 text (save it as UTF-8)", path=path) from None
    return parse_yaml(text, path)
