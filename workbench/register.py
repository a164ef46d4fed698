"""The loaded complaints register: canonical frame, validation issues, and the loader API."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd


@dataclass
class Register:
    """One provider's register in canonical form (see docs/architecture.md for the contract)."""

    frame: pd.DataFrame
    issues: list[Any] = field(default_factory=list)  # list[workbench.validation.Issue]
    source: Path | None = None
    sheet: str | None = None
    header_row: int | None = None
    mapping: Any = None  # the effective workbench.mapping.Mapping

    @property
    def rows(self) -> int:
        return len(self.frame)

    def error_rows(self, *fields: str) -> set[int]:
        """Spreadsheet rows with an error on any of ``fields`` (on any field when none given)."""
        return {
            i.row for i in self.issues
            if i.severity == "error" and i.row is not None and (not fields or i.field in fields)
        }

    def issues_frame(self) -> pd.DataFrame:
        """The issues as a table: row, column, field, check, value, message, severity."""
        cols = ["row", "column", "field", "check", "value", "message", "severity"]
        return pd.DataFrame([{c: getattr(i, c) for c in cols} for i in self.issues], columns=cols)
