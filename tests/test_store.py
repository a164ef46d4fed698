"""The assessment store on SQLite and PostgreSQL: events, concurrency, locking, crash safety."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from workbench.core.errors import ConflictError, ValidationFailed, WorkbenchError
from workbench.rubric.model import load_rubric
from workbench.scoring.assessment import finalise_problems
from workbench.scoring.store import ItemConflict, LockedError, Store, database_url, metadata

DATA = Path(__file__).parent / "data" / "scoring"
WORKER = DATA / "worker.py"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def rubric():
    return load_rubric(DATA / "mini-rubric.yaml")


def _postgres_url() -> str:
    url = os.environ.get("WORKBENCH_TEST_POSTGRES_URL")
    reason = None
    if not url:
        reason = "WORKBENCH_TEST_POSTGRES_URL is not set"
    else:
        try:
            engine = sa.create_engine(url)
            with engine.connect():
                pass
            engine.dispose()
        except Exception as exc:
            reason = f"PostgreSQL at {url} is unreachable: {str(exc).splitlines()[0]}"
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI run without PostgreSQL: {reason}")
        pytest.skip(reason)
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request, tmp_path) -> str:
    """A database URL: an SQLite file, or the test PostgreSQL database emptied first."""
    if request.param == "sqlite":
        return str(tmp_path / "workbench.db")
    url = _postgres_url()
    engine = sa.create_engine(url)
    metadata.drop_all(engine)
    engine.dispose()
    return url


@pytest.fixture
def store(db):
    s = Store(db)
    yield s
    s.close()


def _yes(link="https://example.org/policy.pdf"):
    return {"answer": "yes", "evidence": [{"label": "Policy", "target": link}]}


def test_database_url(tmp_path, monkeypatch):
    monkeypatch.delenv("WORKBENCH_DB", raising=False)
    monkeypatch.setenv("WORKBENCH_OUTPUTS", str(tmp_path / "out"))
    assert database_url() == f"sqlite:///{tmp_path / 'out' / 'workbench.db'}"
    monkeypatch.setenv("WORKBENCH_DB", "postgresql://u@h/db")
    assert database_url() == "postgresql+psycopg://u@h/db"
    assert database_url(tmp_path / "x.db") == f"sqlite:///{tmp_path / 'x.db'}"


def test_sqlite_pragmas(tmp_path):
    s = Store(tmp_path / "w.db")
    with s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


def test_save_load_history(store, rubric):
    aid = store.create_assessment("oakwood", "2024-25", rubric, who="ann")
    s1 = store.save_item(aid, "1.1", _yes(), 0, "ann")
    assert s1.version == 1 and s1.answer == "yes"
    s2 = store.save_item(aid, "1.1", {"commentary": "seen at visit"}, 1, "bob")
    assert s2.version == 2 and s2.answer == "yes" and s2.commentary == "seen at visit"
    # saving the same values again records nothing
    assert store.save_item(aid, "1.1", {"commentary": "seen at visit"}, 2, "bob").version == 2
    loaded = store.load(aid)
    assert loaded.items["1.1"].evidence[0].target == "https://example.org/policy.pdf"
    assert loaded.items["1.1"].assessor == "bob"
    evs = store.history(aid)
    assert [e.seq for e in evs] == [1, 2, 3, 4]
    assert [(e.item_id, e.field, e.old, e.new) for e in evs[1:]] == [
        ("1.1", "answer", None, "yes"),
        ("1.1", "evidence", [], [{"label": "Policy", "target": "https://example.org/policy.pdf"}]),
        ("1.1", "commentary", "", "seen at visit")]
    assert evs[0].field == "created" and evs[3].who == "bob"
    # any past state can be shown again
    past = store.state_at(aid, seq=3)
    assert past.items["1.1"].answer == "yes" and past.items["1.1"].commentary == ""
    assert store.state_at(aid, seq=1).items == {}
    assert store.state_at(aid, at=evs[3].at).items["1.1"].commentary == "seen at visit"


def test_conflict_names_the_other_and_keeps_both(store, rubric):
    aid = store.create_assessment("oakwood", "2024-25", rubric, who="ann")
    store.save_item(aid, "1.2", {"answer": "yes"}, 0, "alice")
    with pytest.raises(ItemConflict) as info:
        store.save_item(aid, "1.2", {"answer": "no"}, 0, "bob")
    exc = info.value
    assert isinstance(exc, ConflictError) and exc.exit_code == 3
    assert "alice" in str(exc) and "answer Yes" in str(exc) and "answer No" in str(exc)
    assert exc.current.answer == "yes" and exc.attempted == {"answer": "no"}
    assert store.load(aid).items["1.2"].answer == "yes"
    assert [e.new for e in store.history(aid, "1.2")] == ["yes"]


def test_unknown_field_and_bad_evidence_refused(store, rubric):
    aid = store.create_assessment("oakwood", "2024-25", rubric, who="ann")
    with pytest.raises(WorkbenchError, match="javascript"):
        store.save_item(aid, "1.1", {"evidence": [("x", "javascript:alert(1)")]}, 0, "ann")
    with pytest.raises(WorkbenchError, match="unknown item field"):
        store.save_item(aid, "1.1", {"colour": "red"}, 0, "ann")
    assert store.load(aid).items == {}


def test_duplicate_assessment_refused(store, rubric):
    store.create_assessment("oakwood", "2024-25", rubric, who="ann")
    with pytest.raises(ConflictError):
        store.create_assessment("oakwood", "2024-25", rubric, who="bob")
    other = store.create_assessment("oakwood", "2024-25", rubric, who="bob", assessor="bob")
    with pytest.raises(WorkbenchError, match="2 assessments"):
        store.find("oakwood", "2024-25")
    assert store.find("oakwood", "2024-25", assessor="bob").id == other


def _complete(store, aid, rubric):
    for _, item in rubric.items():
        if item.id == "1.2":
            store.save_item(aid, item.id, {"answer": "no", "action": {
                "what": "Name a senior manager", "owner": "CEO", "due": "2025-03-31"}}, 0, "ann")
        else:
            store.save_item(aid, item.id, _yes(), 0, "ann")


def test_finalise_blockers_lock_and_reopen(store, rubric):
    aid = store.create_assessment("oakwood", "2024-25", rubric, who="ann")
    store.save_item(aid, "1.1", {"answer": "yes"}, 0, "ann")
    store.save_item(aid, "1.2", {"answer": "no"}, 0, "ann")
    with pytest.raises(ValidationFailed) as info:
        store.finalise(aid, rubric, "ann")
    problems = "\n".join(info.value.problems)
    assert info.value.exit_code == 1
    assert "1.1" in problems and "no evidence" in problems
    assert "1.2" in problems and "improvement action" in problems
    assert "2.3" in problems and "not answered" in problems
    assert store.info(aid).status == "open"

    store.save_item(aid, "1.1", _yes(), 1, "ann")
    store.save_item(aid, "1.2", {"action": {"what": "x", "owner": "y", "due": "2025-01-01"}}, 1,
                    "ann")
    for item in ("2.1", "2.2", "2.3"):
        store.save_item(aid, item, _yes(), 0, "ann")
    assert finalise_problems(rubric, store.load(aid)) == []
    store.finalise(aid, rubric, "lead")
    assert store.info(aid).status == "final"
    with pytest.raises(LockedError, match="finalised"):
        store.save_item(aid, "2.3", {"answer": "no"}, 1, "ann")
    with pytest.raises(WorkbenchError, match="reason"):
        store.reopen(aid, "lead", "  ")
    store.reopen(aid, "lead", "provider sent new evidence")
    assert store.save_item(aid, "2.3", {"commentary": "new"}, 1, "ann").version == 2
    status = [(e.field, e.new, e.reason) for e in store.history(aid) if e.item_id is None]
    assert status[1:] == [("status", "final", None),
                          ("status", "open", "provider sent new evidence")]
    assert store.state_at(aid, seq=store.history(aid)[-3].seq).info.status == "final"


def test_baseline_from_last_year_and_compare(store, rubric):
    from workbench.scoring.assessment import agreement, compare

    prev = store.create_assessment("oakwood", "2023-24", rubric, who="ann")
    _complete(store, prev, rubric)
    aid = store.start_from(prev, "2024-25", rubric, who="ann")
    new = store.load(aid)
    assert new.info.baseline_of == prev and new.info.period == "2024-25"
    assert new.answers() == store.load(prev).answers()
    assert new.items["1.2"].action.owner == "CEO"
    reasons = {e.reason for e in store.history(aid) if e.item_id}
    assert reasons == {"baseline from assessment 1 (2023-24)"}
    store.save_item(aid, "2.3", {"answer": "no"}, 1, "ann")
    frame = compare(rubric, store.load(prev), store.load(aid))
    assert list(frame.loc[~frame["same"], "item"]) == ["2.3"]
    assert agreement(store.load(prev).answers(), store.load(aid).answers())["disagreements"] == [
        "2.3"]


def test_import_is_all_or_nothing(store, rubric):
    aid = store.create_assessment("oakwood", "2024-25", rubric, who="ann")
    with pytest.raises(WorkbenchError):
        store.save_items(aid, {"1.1": {"answer": "yes"}, "1.2": {"answer": "perhaps"}}, "ann")
    store.save_item(aid, "2.1", {"answer": "yes"}, 0, "ann")
    with pytest.raises(ItemConflict):
        store.save_items(aid, {"1.1": {"answer": "yes"}, "2.1": {"answer": "no"}}, "ann",
                         expected={"2.1": 0})
    assert set(store.load(aid).items) == {"2.1"}


def _worker(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(WORKER), *args], cwd=ROOT, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_two_processes_save_the_same_item(store, db, rubric):
    aid = store.create_assessment("oakwood", "2024-25", rubric, who="ann")
    procs = {who: _worker("conflict", db, str(aid), "2.1", answer, who)
             for who, answer in (("alice", "yes"), ("bob", "no"))}
    for p in procs.values():
        assert p.stdout.readline().strip() == "ready"
    for p in procs.values():
        p.stdin.write("go\n")
        p.stdin.flush()
    out = {who: p.communicate(timeout=60)[0].strip() for who, p in procs.items()}
    saved = [who for who, text in out.items() if text.startswith("saved")]
    assert len(saved) == 1, out
    winner = saved[0]
    loser = "bob" if winner == "alice" else "alice"
    winner_answer = {"alice": "Yes", "bob": "No"}[winner]
    assert out[loser].startswith("conflict")
    assert winner in out[loser] and f"answer {winner_answer}" in out[loser]
    state = store.load(aid).items["2.1"]
    assert state.assessor == winner and state.version == 1
    assert len(store.history(aid, "2.1")) == 1


def test_kill_during_burst_loses_no_acknowledged_save(store, db, rubric):
    aid = store.create_assessment("oakwood", "2024-25", rubric, who="ann")
    proc = _worker("burst", db, str(aid), "2.2")
    acked = []
    try:
        while len(acked) < 40:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            acked.append(int(line))
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    store.close()
    if db.endswith(".db"):
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    reopened = Store(db)
    try:
        commentary = {e.new for e in reopened.history(aid, "2.2") if e.field == "commentary"}
        assert {f"save {n}" for n in acked} <= commentary
        state = reopened.load(aid).items["2.2"]
        assert state.version >= len(acked)
        assert int(state.commentary.split()[1]) >= acked[-1]
    finally:
        reopened.close()


def test_save_into_is_all_or_nothing_including_the_start(store, rubric):
    from workbench.scoring.assessment import EvidenceError

    with pytest.raises(EvidenceError):
        store.save_into("p9", "2024-25", rubric, {
            "1.1": _yes(), "1.2": {"answer": "yes", "evidence": ["javascript:alert(1)"]}}, "ann")
    assert store.assessments("p9", "2024-25") == []
    aid = store.save_into("p9", "2024-25", rubric, {"1.1": _yes()}, "ann")
    again = store.save_into("p9", "2024-25", rubric, {"1.2": {"answer": "no"}}, "bob")
    assert again == aid
    items = store.load(aid).items
    assert (items["1.1"].answer, items["1.2"].answer) == ("yes", "no")
