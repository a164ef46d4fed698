"""YAML loading: the same data, lines and errors whichever parser PyYAML has."""

from __future__ import annotations

import pytest

from workbench.core.errors import InputFileError
from workbench.core.yamlfile import _compose_and_construct, _FastLoader, _Loader, parse_yaml

TEXT = """\
id: demo
answers:
  - yes
  - No
  - true
flags: {on: off, done: False}
items:
  - id: a
    points: 1
"""


def test_yaml_12_booleans_and_key_lines():
    doc = parse_yaml(TEXT, "demo.yaml")
    assert doc.data["answers"] == ["yes", "No", True]
    assert doc.data["flags"] == {"on": "off", "done": False}
    assert doc.line(("items", 0, "points")) == 9
    assert doc.line(("flags", "done")) == 6


def test_fast_and_pure_python_loaders_agree():
    fast = _compose_and_construct(TEXT, _FastLoader)
    slow = _compose_and_construct(TEXT, _Loader)
    assert fast[1] == slow[1]
    assert fast[0].start_mark.line == slow[0].start_mark.line


@pytest.mark.parametrize("text", ["a:\t1\n", "a: 1\t\n", "a: [1,\t2]\n"])
def test_tabs_are_judged_by_one_rule(text: str):
    """libyaml accepts these tabs and the pure-Python scanner does not: every machine gives the
    pure-Python answer, so a file never loads on one machine and fails on another."""
    try:
        expected = _compose_and_construct(text, _Loader)[1]
    except Exception as exc:
        with pytest.raises(InputFileError, match="malformed YAML"):
            parse_yaml(text, "tabs.yaml")
        assert "\\t" in str(exc) or "tab" in str(exc).lower()
    else:
        assert parse_yaml(text, "tabs.yaml").data == expected


def test_object_tags_are_refused():
    with pytest.raises(InputFileError, match="is not allowed"):
        parse_yaml("x: !!python/object/apply:os.system [echo]\n", "evil.yaml")
