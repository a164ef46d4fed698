"""The assessment store: append-only events plus current state, in SQLite or PostgreSQL."""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from workbench.core.errors import ConflictError, ValidationFailed, WorkbenchError
from workbench.core.paths import outputs_dir
from workbench.rubric.model import Rubric
from workbench.scoring.assessment import (
    FIELDS,
    Assessment,
    AssessmentInfo,
    ItemState,
    check_period,
    finalise_problems,
    normalise_changes,
)

metadata = sa.MetaData()

assessments = sa.Table(
    "assessments", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("provider", sa.String(100), nullable=False),
    sa.Column("period", sa.String(20), nullable=False),
    sa.Column("rubric_id", sa.String(100), nullable=False),
    sa.Column("rubric_version", sa.String(50), nullable=False),
    sa.Column("assessor", sa.String(200), nullable=False, server_default=""),
    sa.Column("status", sa.String(10), nullable=False, server_default="open"),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("baseline_of", sa.Integer, sa.ForeignKey("assessments.id"), nullable=True),
    sa.Column("last_seq", sa.Integer, nullable=False, server_default="0"),
    sa.UniqueConstraint("provider", "period", "rubric_id", "assessor", name="uq_assessment"),
    sa.CheckConstraint("status in ('open', 'final')", name="ck_status"),
)

events = sa.Table(
    "events", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("assessment_id", sa.Integer, sa.ForeignKey("assessments.id"), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("item_id", sa.String(20), nullable=True),
    sa.Column("field", sa.String(20), nullable=False),
    sa.Column("old", sa.Text, nullable=True),
    sa.Column("new", sa.Text, nullable=True),
    sa.Column("version", sa.Integer, nullable=True),
    sa.Column("who", sa.String(200), nullable=False),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.UniqueConstraint("assessment_id", "seq", name="uq_event_seq"),
)

item_state = sa.Table(
    "item_state", metadata,
    sa.Column("assessment_id", sa.Integer, sa.ForeignKey("assessments.id"), primary_key=True),
    sa.Column("item_id", sa.String(20), primary_key=True),
    sa.Column("answer", sa.String(3), nullable=True),
    sa.Column("evidence", sa.Text, nullable=False, server_default="[]"),
    sa.Column("commentary", sa.Text, nullable=False, server_default=""),
    sa.Column("action", sa.Text, nullable=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_by", sa.String(200), nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
)


# A projected answer (workbench.scoring.projection): which source items it came from and the item
# version it wrote. The marker shows while the item is still at that version and unreviewed.
projections = sa.Table(
    "projections", metadata,
    sa.Column("assessment_id", sa.Integer, sa.ForeignKey("assessments.id"), primary_key=True),
    sa.Column("item_id", sa.String(20), primary_key=True),
    sa.Column("source_assessment_id", sa.Integer, sa.ForeignKey("assessments.id"),
              nullable=False),
    sa.Column("source_items", sa.Text, nullable=False),
    sa.Column("relation", sa.String(20), nullable=False),
    sa.Column("source_versions", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("projected_by", sa.String(200), nullable=False),
    sa.Column("projected_at", sa.String(40), nullable=False),
    sa.Column("reviewed_by", sa.String(200), nullable=True),
    sa.Column("reviewed_at", sa.String(40), nullable=True),
)


@dataclass(frozen=True)
class ProjectedItem:
    """What a projection wants one target item to hold, and where it comes from."""

    values: dict[str, Any]
    source_items: tuple[str, ...]
    relation: str
    source_versions: dict[str, int]


@dataclass(frozen=True)
class ProjectionOutcome:
    """What a projection did: items written now, updated since the last projection, kept because
    someone reviewed or changed them, and left as they were."""

    assessment_id: int
    created: bool
    projected: list[str]
    updated: list[str]
    kept: list[str]
    unchanged: list[str]


class StoreMissing(WorkbenchError):
    """A command that only reads the store named one that does not exist: none is created."""

    exit_code = 1


class LockedError(WorkbenchError):
    """A change to a finalised assessment: refused until it is reopened with a reason."""

    exit_code = 1


class ImportConflict(ConflictError):
    """Items changed in the store since a form was exported: ``newer`` are their stored states."""

    def __init__(self, newer: list[ItemState]):
        lines = [f"item {s.item_id}: saved by {s.assessor or 'someone'} at "
                 f"{_short_time(s.updated_at)} (version {s.version})" for s in newer]
        super().__init__(f"{len(newer)} item{'s' if len(newer) != 1 else ''} changed in the store "
                         "since the form was exported; nothing was imported (import with --force "
                         "to overwrite them; the audit trail records it):\n  " + "\n  ".join(lines))
        self.newer = newer


class ItemConflict(ConflictError):
    """Someone saved the item first: ``current`` is what is stored, ``attempted`` what was not."""

    def __init__(self, message: str, *, current: ItemState, attempted: Mapping[str, Any]):
        super().__init__(message)
        self.current = current
        self.attempted = dict(attempted)


@dataclass(frozen=True)
class Event:
    """One appended change: an item field (item_id set) or the assessment itself (item_id None)."""

    assessment_id: int
    seq: int
    item_id: str | None
    field: str
    old: Any
    new: Any
    version: int | None
    who: str
    at: str
    reason: str | None


def now() -> str:
    """The current UTC time as sortable ISO text."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def describe(values: Mapping[str, Any]) -> str:
    """A short human description of item field values ("answer Yes, commentary '...'")."""
    parts = []
    for name in FIELDS:
        if name not in values:
            continue
        v = values[name]
        if name == "answer":
            parts.append(f"answer {'unanswered' if v is None else str(v).capitalize()}")
        elif name == "evidence":
            parts.append(f"evidence [{'; '.join(e['target'] for e in v or [])}]")
        elif name == "commentary":
            parts.append(f"commentary {v!r}")
        elif name == "action":
            parts.append("no action" if not v else
                         f"action {v.get('what')!r} (owner {v.get('owner') or '-'}, "
                         f"due {v.get('due') or '-'})")
    return ", ".join(parts)


def existing_default_db() -> str | None:
    """The store auditors score into, when there is one: WORKBENCH_DB, else outputs/workbench.db
    if that file exists (never created here: readers must not make an empty store)."""
    env = os.environ.get("WORKBENCH_DB")
    if env:
        return env
    path = outputs_dir() / "workbench.db"
    return str(path) if path.exists() else None


# the databases a store can live in: an SQLite file (a path, or sqlite:///PATH) or PostgreSQL
DATABASES = ("sqlite", "postgresql", "postgres")


def shown_url(value: str) -> str:
    """A database address as messages show it: any password replaced by ***."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", value)


def database_url(db: str | Path | None = None, *, create: bool = True) -> str:
    """The SQLAlchemy URL: ``db``, else WORKBENCH_DB, else outputs/workbench.db (SQLite).

    A value with '://' is a URL (postgresql:// becomes postgresql+psycopg://; a scheme other
    than sqlite or postgresql is refused); anything else is a path to an SQLite file, whose
    folder is made only when ``create``.
    """
    value = str(db) if db is not None else os.environ.get("WORKBENCH_DB")
    if not value:
        value = str(outputs_dir() / "workbench.db")
    if "://" in value:
        scheme = value.split("://", 1)[0].lower()
        if scheme.split("+", 1)[0] not in DATABASES:
            raise WorkbenchError(f"unsupported database {shown_url(value)}: the assessment "
                                 "store is an SQLite file (give its path) or PostgreSQL (a "
                                 "postgresql:// URL)")
        for prefix in ("postgresql://", "postgres://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix):]
        return value
    path = Path(value).expanduser()
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _sqlite_path(url: str) -> Path | None:
    """The file of an sqlite:///PATH URL (None for an in-memory database or another kind)."""
    if not url.startswith("sqlite") or "://" not in url:
        return None
    rest = url.split("://", 1)[1]
    return Path(rest[1:].split("?", 1)[0]) if rest.startswith("/") and len(rest) > 1 else None


def _sqlite_engine(url: str) -> Engine:
    engine = sa.create_engine(url, connect_args={"timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A write takes the write lock at BEGIN, so two writers queue instead of deadlocking.
        write = conn.get_execution_options().get("workbench_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


class Store:
    """Assessments, their event log and current item state in one database."""

    def __init__(self, db: str | Path | None = None, *, evidence_root: str | Path | None = None,
                 create: bool = True):
        """Open the store, creating it (file and tables) unless ``create`` is False: then a
        missing SQLite file raises StoreMissing and a database without the store's tables is
        refused, so a command that only reads never leaves a new store behind."""
        self.url = database_url(db, create=create)
        self.evidence_root = evidence_root
        shown = shown_url(self.url.removeprefix("sqlite:///"))
        path = _sqlite_path(self.url)
        if not create and path is not None:
            if not path.exists():
                raise StoreMissing(f"no assessment store at {path}")
            if path.is_dir():
                raise WorkbenchError(f"{path} is a folder, not an assessment store")
            with open(path, "rb") as fh:  # refused unopened: a reader changes no other file
                if fh.read(16) != b"SQLite format 3\x00":
                    raise WorkbenchError(f"the assessment database {path} is not an "
                                         "assessment store: not an SQLite database")
        try:
            if self.url.startswith("sqlite"):
                self.engine = _sqlite_engine(self.url)
            else:
                self.engine = sa.create_engine(self.url, pool_pre_ping=True)
            if create:
                try:
                    metadata.create_all(self.engine)
                except (sa.exc.OperationalError, sa.exc.ProgrammingError,
                        sa.exc.IntegrityError):
                    metadata.create_all(self.engine)  # another process made the tables meanwhile
            elif not sa.inspect(self.engine).has_table("assessments"):
                raise WorkbenchError(f"{shown} is not an assessment store (it has no "
                                     "assessments table)")
            # a store made before projections existed, opened read only, has none to show
            self._projections = create or sa.inspect(self.engine).has_table("projections")
        except sa.exc.DatabaseError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            what = ("is not an assessment store: not an SQLite database"
                    if "not a database" in reason else f"cannot be opened: {reason}")
            raise WorkbenchError(f"the assessment database {shown} {what}") from None
        except (sa.exc.ArgumentError, ImportError) as exc:
            raise WorkbenchError(f"bad database address {shown}: {exc}") from None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ transactions

    @contextlib.contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextlib.contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn.execution_options(workbench_write=True)
            with conn.begin():
                yield conn

    def _lock(self, conn: Connection, assessment_id: int) -> AssessmentInfo:
        """Lock the assessment row for this transaction (PostgreSQL: FOR UPDATE) and read it."""
        row = conn.execute(sa.select(assessments).where(assessments.c.id == assessment_id)
                           .with_for_update()).mappings().first()
        if row is None:
            raise WorkbenchError(f"no assessment with id {assessment_id}")
        return _info(row)

    def _append(self, conn: Connection, assessment_id: int, item_id: str | None, field: str,
                old: Any, new: Any, who: str, at: str, *, version: int | None = None,
                reason: str | None = None) -> int:
        seq = conn.execute(sa.select(assessments.c.last_seq)
                           .where(assessments.c.id == assessment_id)).scalar_one() + 1
        conn.execute(assessments.update().where(assessments.c.id == assessment_id)
                     .values(last_seq=seq))
        conn.execute(events.insert().values(
            assessment_id=assessment_id, seq=seq, item_id=item_id, field=field, old=_dumps(old),
            new=_dumps(new), version=version, who=who, at=at, reason=reason))
        return seq

    # ------------------------------------------------------------ assessments

    def _create(self, conn: Connection, provider: str, period: str, rubric: Rubric, who: str,
                assessor: str, baseline_of: int | None) -> int:
        at = now()
        existing = conn.execute(sa.select(assessments.c.id).where(
            assessments.c.provider == provider, assessments.c.period == period,
            assessments.c.rubric_id == rubric.id, assessments.c.assessor == assessor)).scalar()
        if existing is not None:
            raise ConflictError(f"{provider} {period} already has assessment {existing} "
                                f"against rubric {rubric.id}"
                                + (f" by {assessor}" if assessor else ""))
        try:
            aid = conn.execute(assessments.insert().values(
                provider=provider, period=period, rubric_id=rubric.id,
                rubric_version=rubric.version, assessor=assessor, status="open",
                created_at=at, created_by=who, baseline_of=baseline_of,
                last_seq=0)).inserted_primary_key[0]
        except sa.exc.IntegrityError:
            raise ConflictError(f"{provider} {period} was just started by someone else "
                                f"against rubric {rubric.id}") from None
        self._append(conn, aid, None, "created", None,
                     {"provider": provider, "period": period, "rubric_id": rubric.id,
                      "rubric_version": rubric.version, "assessor": assessor}, who, at)
        return int(aid)

    def create_assessment(self, provider: str, period: str, rubric: Rubric, *, who: str,
                          assessor: str = "", baseline_of: int | None = None) -> int:
        """Start an assessment (status open); refuse a duplicate provider/period/rubric/assessor."""
        period = check_period(period)
        with self._write() as conn:
            return self._create(conn, provider, period, rubric, who, assessor, baseline_of)

    def save_into(self, provider: str, period: str, rubric: Rubric,
                  changes: Mapping[str, Mapping[str, Any]], who: str, *,
                  reason: str | None = None, based_on: Mapping[str, int] | None = None,
                  force: bool = False) -> int:
        """Save items into the provider's main assessment (no named assessor), starting it in the
        same transaction when there is none: all is saved, or nothing (not even the start).

        ``based_on`` gives the item versions the changes were made against (an exported form's):
        an item changed in the store since then, whose stored value the change would overwrite,
        is a conflict and nothing is saved (ImportConflict, exit 3), unless ``force``, which is
        recorded as the reason of every event it writes."""
        period = check_period(period)
        normalised = {k: normalise_changes(v, self.evidence_root) for k, v in changes.items()}
        with self._write() as conn:
            aid = conn.execute(sa.select(assessments.c.id).where(
                assessments.c.provider == provider, assessments.c.period == period,
                assessments.c.rubric_id == rubric.id, assessments.c.assessor == "")).scalar()
            if aid is None:
                aid = self._create(conn, provider, period, rubric, who, "", None)
            info = self._lock(conn, aid)
            current = {item_id: self._current(conn, aid, item_id) for item_id in normalised}
            if based_on is not None:
                newer = [state for item_id, state in current.items()
                         if state.version != based_on.get(item_id, 0)
                         and any(state.value(k) != v for k, v in normalised[item_id].items())]
                if newer and not force:
                    raise ImportConflict(newer)
                if newer:
                    reason = (f"{reason or 'import'}; forced over changes saved since the export "
                              f"(items {', '.join(s.item_id for s in newer)})")
            for item_id, values in normalised.items():
                self._save(conn, info, item_id, values, current[item_id].version, who, reason)
        return int(aid)

    def info(self, assessment_id: int) -> AssessmentInfo:
        with self._read() as conn:
            row = conn.execute(sa.select(assessments)
                               .where(assessments.c.id == assessment_id)).mappings().first()
        if row is None:
            raise WorkbenchError(f"no assessment with id {assessment_id}")
        return _info(row)

    def assessments(self, provider: str | None = None, period: str | None = None,
                    rubric_id: str | None = None,
                    assessor: str | None = None) -> list[AssessmentInfo]:
        q = sa.select(assessments).order_by(assessments.c.id)
        for col, value in (("provider", provider), ("period", period),
                           ("rubric_id", rubric_id), ("assessor", assessor)):
            if value is not None:
                q = q.where(assessments.c[col] == value)
        with self._read() as conn:
            return [_info(r) for r in conn.execute(q).mappings()]

    def find(self, provider: str, period: str, *, rubric_id: str | None = None,
             assessor: str | None = None) -> AssessmentInfo:
        """The one assessment for provider/period (and rubric/assessor); a clear error otherwise."""
        found = self.assessments(provider, period, rubric_id, assessor)
        who = f" by assessor {assessor!r}" if assessor is not None else ""
        if not found:
            raise WorkbenchError(f"no assessment for {provider} {period}{who}", exit_code=1)
        if len(found) > 1:
            listing = "; ".join(f"{a.id}: rubric {a.rubric_id}, assessor {a.assessor or '-'}"
                                for a in found)
            raise WorkbenchError(f"{len(found)} assessments for {provider} {period}{who} "
                                 f"({listing}): say which with --assessor or the id")
        return found[0]

    def load(self, assessment_id: int) -> Assessment:
        """The assessment header and every item's current state."""
        with self._read() as conn:
            row = conn.execute(sa.select(assessments)
                               .where(assessments.c.id == assessment_id)).mappings().first()
            if row is None:
                raise WorkbenchError(f"no assessment with id {assessment_id}")
            states = conn.execute(sa.select(item_state)
                                  .where(item_state.c.assessment_id == assessment_id)).mappings()
            items = {r["item_id"]: _state(r) for r in states}
            marks = conn.execute(sa.select(projections).where(
                projections.c.assessment_id == assessment_id,
                projections.c.reviewed_at.is_(None))).mappings() if self._projections else ()
            for p in marks:
                st = items.get(p["item_id"])
                if st is not None and st.version == p["version"]:
                    items[p["item_id"]] = replace(st, projected_from=tuple(
                        _loads(p["source_items"])))
        return Assessment(_info(row), items)

    # ------------------------------------------------------------ saving

    def save_item(self, assessment_id: int, item_id: str, changes: Mapping[str, Any],
                  expected_version: int, who: str, *, reason: str | None = None) -> ItemState:
        """Save changed fields of one item in one transaction (an event per changed field).

        ``expected_version`` is the item version the change was made against (0 for an item
        never saved). When the stored version differs, ItemConflict is raised naming who saved
        what; nothing is overwritten.
        """
        values = normalise_changes(changes, self.evidence_root)
        with self._write() as conn:
            info = self._lock(conn, assessment_id)
            return self._save(conn, info, item_id, values, expected_version, who, reason)

    def save_items(self, assessment_id: int, changes: Mapping[str, Mapping[str, Any]], who: str,
                   *, expected: Mapping[str, int] | None = None,
                   reason: str | None = None) -> dict[str, ItemState]:
        """Save several items in one transaction: all are saved or none.

        ``expected`` maps item id to the version the change was made against; items not in it
        are saved against whatever is stored.
        """
        normalised = {k: normalise_changes(v, self.evidence_root) for k, v in changes.items()}
        out = {}
        with self._write() as conn:
            info = self._lock(conn, assessment_id)
            for item_id, values in normalised.items():
                version = (expected or {}).get(item_id)
                if version is None:
                    version = self._current(conn, assessment_id, item_id).version
                out[item_id] = self._save(conn, info, item_id, values, version, who, reason)
        return out

    def _current(self, conn: Connection, assessment_id: int, item_id: str) -> ItemState:
        row = conn.execute(sa.select(item_state).where(
            item_state.c.assessment_id == assessment_id,
            item_state.c.item_id == item_id)).mappings().first()
        return _state(row) if row is not None else ItemState(item_id)

    def _save(self, conn: Connection, info: AssessmentInfo, item_id: str, values: dict[str, Any],
              expected_version: int, who: str, reason: str | None) -> ItemState:
        if info.status == "final":
            raise LockedError(f"{info.label} is finalised: item {item_id} was not changed "
                              "(reopen it with a reason first)")
        current = self._current(conn, info.id, item_id)
        if current.version != expected_version:
            stored = describe({k: v for k, v in current.to_json().items()
                               if k == "answer" or v not in (None, "", [])})
            raise ItemConflict(
                f"item {item_id} was saved by {current.assessor or 'someone else'} at "
                f"{_short_time(current.updated_at)} (now {stored}; version {current.version}, "
                f"you had version {expected_version}). Your change ({describe(values)}) was not "
                "saved: the stored answer is shown; re-enter your change if it should replace it.",
                current=current, attempted=values)
        changed = {k: v for k, v in values.items() if current.value(k) != v}
        if not changed:
            return current
        at = now()
        version = current.version + 1
        for name, new in changed.items():
            self._append(conn, info.id, item_id, name, current.value(name), new, who, at,
                         version=version, reason=reason)
        merged = {**current.to_json(), **changed}
        row = {"answer": merged["answer"], "evidence": _dumps(merged["evidence"]),
               "commentary": merged["commentary"],
               "action": None if merged["action"] is None else _dumps(merged["action"]),
               "version": version, "updated_by": who, "updated_at": at}
        if current.version == 0:
            conn.execute(item_state.insert().values(assessment_id=info.id, item_id=item_id, **row))
        else:
            done = conn.execute(item_state.update().where(
                item_state.c.assessment_id == info.id, item_state.c.item_id == item_id,
                item_state.c.version == current.version).values(**row))
            if done.rowcount != 1:  # pragma: no cover - the row lock makes this unreachable
                raise ConflictError(f"item {item_id} changed while saving; nothing was saved")
        return replace(current.with_values(changed), version=version, assessor=who, updated_at=at)

    # ------------------------------------------------------------ status

    def finalise(self, assessment_id: int, rubric: Rubric, who: str) -> None:
        """Lock the assessment; ValidationFailed (exit 1) lists every blocker when it cannot be."""
        with self._write() as conn:
            info = self._lock(conn, assessment_id)
            if info.status == "final":
                raise LockedError(f"{info.label} is already finalised")
            states = conn.execute(sa.select(item_state).where(
                item_state.c.assessment_id == assessment_id)).mappings()
            problems = finalise_problems(rubric, Assessment(info, {r["item_id"]: _state(r)
                                                                   for r in states}))
            if problems:
                plural = "s" if len(problems) != 1 else ""
                raise ValidationFailed(f"{info.label} cannot be finalised "
                                       f"({len(problems)} blocker{plural})", problems, exit_code=1)
            self._set_status(conn, info, "final", who, None)

    def reopen(self, assessment_id: int, who: str, reason: str) -> None:
        """Unlock a finalised assessment; the reason is recorded in the event log."""
        if not (reason or "").strip():
            raise WorkbenchError("reopening needs a reason (it is kept in the history)",
                                 exit_code=1)
        with self._write() as conn:
            info = self._lock(conn, assessment_id)
            if info.status != "final":
                raise WorkbenchError(f"{info.label} is not finalised", exit_code=1)
            self._set_status(conn, info, "open", who, reason.strip())

    def _set_status(self, conn: Connection, info: AssessmentInfo, status: str, who: str,
                    reason: str | None) -> None:
        conn.execute(assessments.update().where(assessments.c.id == info.id)
                     .values(status=status))
        self._append(conn, info.id, None, "status", info.status, status, who, now(), reason=reason)

    # ------------------------------------------------------------ baseline

    def start_from(self, previous_id: int, period: str, rubric: Rubric, *, who: str,
                   assessor: str | None = None) -> int:
        """A new assessment for ``period`` starting from a previous one's answers (as events).

        Items whose id is not in ``rubric`` are not carried over.
        """
        prev = self.load(previous_id)
        aid = self.create_assessment(prev.info.provider, period, rubric, who=who,
                                     assessor=prev.info.assessor if assessor is None else assessor,
                                     baseline_of=previous_id)
        known = {item.id for _, item in rubric.items()}
        changes = {k: {f: v for f, v in s.to_json().items() if v not in (None, "", [])}
                   for k, s in prev.items.items() if k in known}
        changes = {k: v for k, v in changes.items() if v}
        self.save_items(aid, changes, who,
                        reason=f"baseline from assessment {previous_id} ({prev.info.period})")
        return aid

    # ------------------------------------------------------------ projection

    def project_into(self, provider: str, period: str, rubric: Rubric,
                     plan: Mapping[str, ProjectedItem], who: str, *, source_id: int,
                     assessor: str = "") -> ProjectionOutcome:
        """Write projected answers into the provider's assessment against ``rubric`` (started in
        the same transaction when there is none), all or nothing.

        An item is written when nobody has saved it, or when it still holds exactly what the last
        projection wrote and nobody has marked it reviewed; an item someone changed or reviewed
        since is kept as it is. Every write is an event whose reason names the source items, and
        one assessment event records the projection as a whole."""
        period = check_period(period)
        normalised = {k: normalise_changes(p.values, self.evidence_root) for k, p in plan.items()}
        projected, updated, kept, unchanged = [], [], [], []
        with self._write() as conn:
            aid = conn.execute(sa.select(assessments.c.id).where(
                assessments.c.provider == provider, assessments.c.period == period,
                assessments.c.rubric_id == rubric.id,
                assessments.c.assessor == assessor)).scalar()
            created = aid is None
            if aid is None:
                aid = self._create(conn, provider, period, rubric, who, assessor, None)
            info = self._lock(conn, aid)
            if info.status == "final":
                raise LockedError(f"{info.label} is finalised: nothing was projected (reopen it "
                                  "with a reason first)")
            at = now()
            for item_id, item in plan.items():
                values = normalised[item_id]
                current = self._current(conn, aid, item_id)
                mark = conn.execute(sa.select(projections).where(
                    projections.c.assessment_id == aid,
                    projections.c.item_id == item_id)).mappings().first()
                untouched = (mark is not None and mark["reviewed_at"] is None
                             and mark["version"] == current.version)
                if current.version and not untouched:
                    kept.append(item_id)
                    continue
                changed = {k: v for k, v in values.items() if current.value(k) != v}
                if current.version == 0 and not any(v not in (None, "", []) for v in
                                                     values.values()):
                    unchanged.append(item_id)  # nothing to carry (the source is unanswered)
                    continue
                if changed:
                    reason = (f"projected from {', '.join(item.source_items)} ({item.relation}) "
                              f"of assessment {source_id}, needs review")
                    state = self._save(conn, info, item_id, changed, current.version, who, reason)
                    (updated if mark is not None else projected).append(item_id)
                else:
                    state = current
                    unchanged.append(item_id)
                row = {"source_assessment_id": source_id,
                       "source_items": _dumps(list(item.source_items)),
                       "relation": item.relation,
                       "source_versions": _dumps(item.source_versions),
                       "version": state.version, "projected_by": who, "projected_at": at,
                       "reviewed_by": None, "reviewed_at": None}
                if mark is None:
                    conn.execute(projections.insert().values(assessment_id=aid, item_id=item_id,
                                                             **row))
                else:
                    conn.execute(projections.update().where(
                        projections.c.assessment_id == aid,
                        projections.c.item_id == item_id).values(**row))
            self._append(conn, aid, None, "projected", None,
                         {"from_assessment": source_id, "rubric_id": rubric.id,
                          "projected": projected, "updated": updated, "kept": kept},
                         who, at, reason=f"projection from assessment {source_id}")
        return ProjectionOutcome(int(aid), created, projected, updated, kept, unchanged)

    def mark_reviewed(self, assessment_id: int, item_id: str, who: str) -> bool:
        """Record that someone reviewed a projected answer without changing it: the marker goes
        and a later projection leaves the item alone. False when it carried no marker."""
        with self._write() as conn:
            info = self._lock(conn, assessment_id)
            if info.status == "final":
                raise LockedError(f"{info.label} is finalised: item {item_id} was not changed")
            current = self._current(conn, assessment_id, item_id)
            mark = conn.execute(sa.select(projections).where(
                projections.c.assessment_id == assessment_id,
                projections.c.item_id == item_id)).mappings().first()
            if mark is None or mark["reviewed_at"] is not None or \
                    mark["version"] != current.version:
                return False
            at = now()
            conn.execute(projections.update().where(
                projections.c.assessment_id == assessment_id,
                projections.c.item_id == item_id).values(reviewed_by=who, reviewed_at=at))
            self._append(conn, assessment_id, item_id, "reviewed", None,
                         {"projected_from": _loads(mark["source_items"])}, who, at,
                         version=current.version, reason="projected answer reviewed")
        return True

    # ------------------------------------------------------------ history

    def history(self, assessment_id: int, item_id: str | None = None) -> list[Event]:
        """The event log in order (of one item when ``item_id`` is given)."""
        q = (sa.select(events).where(events.c.assessment_id == assessment_id)
             .order_by(events.c.seq))
        if item_id is not None:
            q = q.where(events.c.item_id == item_id)
        with self._read() as conn:
            return [Event(r["assessment_id"], r["seq"], r["item_id"], r["field"], _loads(r["old"]),
                          _loads(r["new"]), r["version"], r["who"], r["at"], r["reason"])
                    for r in conn.execute(q).mappings()]

    def state_at(self, assessment_id: int, *, seq: int | None = None,
                 at: str | datetime | None = None) -> Assessment:
        """The assessment as it was after event ``seq`` or at time ``at`` (replayed from events)."""
        if isinstance(at, datetime):
            at = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).isoformat(
                timespec="microseconds")
        info = self.info(assessment_id)
        items: dict[str, ItemState] = {}
        status = "open"
        for ev in self.history(assessment_id):
            if (seq is not None and ev.seq > seq) or (at is not None and ev.at > at):
                break
            if ev.item_id is None:
                if ev.field == "status":
                    status = ev.new
                continue
            cur = items.get(ev.item_id) or ItemState(ev.item_id)
            items[ev.item_id] = replace(cur.with_values({ev.field: ev.new}), version=ev.version,
                                        assessor=ev.who, updated_at=ev.at)
        return Assessment(replace(info, status=status), items)


def _short_time(iso: str | None) -> str:
    if not iso:
        return "an unknown time"
    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M:%S UTC")
    except ValueError:
        return iso


def _info(row: Mapping[str, Any]) -> AssessmentInfo:
    return AssessmentInfo(id=row["id"], provider=row["provider"], period=row["period"],
                          rubric_id=row["rubric_id"], rubric_version=row["rubric_version"],
                          assessor=row["assessor"], status=row["status"],
                          created_at=row["created_at"], created_by=row["created_by"],
                          baseline_of=row["baseline_of"])


def _state(row: Mapping[str, Any]) -> ItemState:
    values = {"answer": row["answer"], "evidence": _loads(row["evidence"]) or [],
              "commentary": row["commentary"], "action": _loads(row["action"])}
    return ItemState.from_json(row["item_id"], values, version=row["version"],
                               assessor=row["updated_by"], updated_at=row["updated_at"])


def open_store(db: str | Path | None = None) -> Store:
    """Open (creating if needed) the store at ``db`` / WORKBENCH_DB / outputs/workbench.db."""
    return Store(db)


def open_existing(db: str | Path | None = None) -> Store:
    """The store at ``db`` / WORKBENCH_DB / outputs/workbench.db for a command that only reads
    it: never created (StoreMissing names the path when there is none)."""
    if not db and not os.environ.get("WORKBENCH_DB"):
        default = outputs_dir() / "workbench.db"
        if not default.exists():
            raise StoreMissing(f"no assessment store at {default} (none has been started: "
                               "`workbench assessment start`, or give --db)")
    return Store(db or None, create=False)
