"""The assessment store read for the dashboards: an SQLite store read with the standard library
(read only, never created, no SQLAlchemy in a dashboard kernel); a PostgreSQL URL through Store."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

from workbench.core.paths import outputs_dir
from workbench.scoring.assessment import Assessment, AssessmentInfo, ItemState

_INFO = ("id", "provider", "period", "rubric_id", "rubric_version", "assessor", "status",
         "created_at", "created_by", "baseline_of")


def db_value(db: str | Path | None = None) -> str:
    """``db``, else WORKBENCH_DB, else outputs/workbench.db (as the store resolves it)."""
    value = str(db) if db else os.environ.get("WORKBENCH_DB", "")
    return value or str(outputs_dir() / "workbench.db")


class SqliteScores:
    """The two reads `results.stored_assessment` makes (``assessments`` and ``load``), on an
    SQLite store opened read only (a reader never creates, migrates or writes it)."""

    def __init__(self, path: Path):
        self.path = path
        self._conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        self._conn.row_factory = sqlite3.Row

    def close(self) -> None:
        self._conn.close()

    def assessments(self, provider: str | None = None, period: str | None = None,
                    rubric_id: str | None = None, assessor: str | None = None
                    ) -> list[AssessmentInfo]:
        where, args = [], []
        for col, value in (("provider", provider), ("period", period),
                           ("rubric_id", rubric_id), ("assessor", assessor)):
            if value is not None:
                where.append(f"{col} = ?")
                args.append(value)
        sql = ("SELECT * FROM assessments" + (" WHERE " + " AND ".join(where) if where else "")
               + " ORDER BY id")
        return [AssessmentInfo(**{k: row[k] for k in _INFO})
                for row in self._conn.execute(sql, args)]

    def load(self, assessment_id: int) -> Assessment:
        row = self._conn.execute("SELECT * FROM assessments WHERE id = ?",
                                 (assessment_id,)).fetchone()
        info = AssessmentInfo(**{k: row[k] for k in _INFO})
        items = {}
        for r in self._conn.execute("SELECT * FROM item_state WHERE assessment_id = ?",
                                    (assessment_id,)):
            values = {"answer": r["answer"], "evidence": _loads(r["evidence"]) or [],
                      "commentary": r["commentary"], "action": _loads(r["action"])}
            items[r["item_id"]] = ItemState.from_json(
                r["item_id"], values, version=r["version"], assessor=r["updated_by"],
                updated_at=r["updated_at"])
        return Assessment(info, items)


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def open_scores(db: str | Path | None = None) -> Any:
    """A reader of the store, or None when there is no store yet (a SQLite file not yet
    created, or one without the tables: the dashboards never create either)."""
    value = db_value(db)
    if "://" in value:
        from workbench.scoring.store import Store  # PostgreSQL: SQLAlchemy, in this case only

        return Store(value, create=False)
    path = Path(value).expanduser()
    if not path.is_file():
        return None
    reader = SqliteScores(path)
    try:
        reader._conn.execute("SELECT 1 FROM assessments LIMIT 1").fetchall()
    except sqlite3.Error:
        reader.close()
        return None
    return reader


def close_scores(reader: Any) -> None:
    if reader is not None:
        with contextlib.suppress(Exception):
            reader.close()
