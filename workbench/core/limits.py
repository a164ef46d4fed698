"""Input limits: each declared once, with its default and the environment variable that sets it."""

from __future__ import annotations

import os
from dataclasses import dataclass

from workbench.core.errors import WorkbenchError


@dataclass(frozen=True)
class Limit:
    """One limit on what an input may hold; ``env`` overrides ``default`` (a whole number > 0)."""

    name: str
    env: str
    default: int
    unit: str      # how the value reads in a message: "MiB", "rows", ":1"
    what: str      # what is measured, as docs/security.md and the messages say it

    def value(self) -> int:
        """The limit in force: the environment variable when set, else the default."""
        text = os.environ.get(self.env, "").strip()
        if not text:
            return self.default
        try:
            value = int(text.replace("_", "").replace(",", ""))
        except ValueError:
            value = 0
        if value < 1:
            raise WorkbenchError(f"{self.env} must be a whole number above 0, not {text!r}")
        return value

    def shown(self, value: int | None = None) -> str:
        """The limit as a message shows it: "512 MiB", "100:1", "2,000,000 rows"."""
        value = self.value() if value is None else value
        return f"{value:,}{self.unit}" if self.unit.startswith(":") else f"{value:,} {self.unit}"

    @property
    def hint(self) -> str:
        return f"(set {self.env} to change it)"

    def over(self, verb: str) -> str:
        """"has more than 2,000,000 rows (set WORKBENCH_MAX_ROWS to change it)"."""
        return f"{verb} more than {self.shown()} {self.hint}"

    def exceeded(self, actual: str) -> str:
        """The tail of an error message: what was found, the limit and how to change it."""
        return f"{actual}, over the limit of {self.shown()} {self.hint}"


LIMITS: dict[str, Limit] = {limit.name: limit for limit in (
    Limit("file_mb", "WORKBENCH_MAX_FILE_MB", 512, "MiB",
          "size of a register file on disk"),
    Limit("unzipped_mb", "WORKBENCH_MAX_UNZIPPED_MB", 512, "MiB",
          "decompressed size of a workbook (its zip members together) or of a .gz file"),
    Limit("compression_ratio", "WORKBENCH_MAX_COMPRESSION_RATIO", 100, ":1",
          "compression ratio of a zip member or a .gz file that unpacks to more than 1 MiB"),
    Limit("rows", "WORKBENCH_MAX_ROWS", 2_000_000, "rows",
          "rows of a register (a sheet's used range, or a text file's records)"),
    Limit("columns", "WORKBENCH_MAX_COLUMNS", 16_384, "columns",
          "columns of a register (a sheet's used range, or a text file's widest header)"),
    Limit("cells", "WORKBENCH_MAX_CELLS", 20_000_000, "cells",
          "rows x columns of a register's used range"),
    Limit("field_kb", "WORKBENCH_MAX_FIELD_KB", 1_024, "KiB",
          "one field (cell) of a CSV or text register"),
    Limit("yaml_kb", "WORKBENCH_MAX_YAML_KB", 16_384, "KiB",
          "size of a YAML file (mapping, rubric, manifest) on disk"),
    Limit("yaml_nodes", "WORKBENCH_MAX_YAML_NODES", 100_000, "values",
          "values in a YAML document, each alias (*name) counted as a copy of its anchor"),
    Limit("yaml_depth", "WORKBENCH_MAX_YAML_DEPTH", 64, "levels",
          "nesting depth of a YAML document"),
)}

# a decompressed size the compression ratio is not judged below (small members pack tightly)
RATIO_GRACE_BYTES = 1 << 20


def limit(name: str) -> Limit:
    """The declared limit ``name`` (a KeyError names a limit that is not declared)."""
    return LIMITS[name]


def value(name: str) -> int:
    """The value in force of limit ``name``."""
    return LIMITS[name].value()


def in_bytes(name: str) -> int:
    """The value in force of a limit declared in MiB or KiB, in bytes."""
    lim = LIMITS[name]
    return lim.value() << (20 if lim.unit == "MiB" else 10)
