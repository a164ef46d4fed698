"""The scoring form never drops an edit when the store is busy: it says so, keeps the change and
retries (issue 15 item 6). The busy store is a real SQLite write lock held by another
connection, with the form's store given a short lock timeout."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from workbench.rubric.model import load_rubric
from workbench.scoring import form as form_mod
from workbench.scoring.form import ScoringForm
from workbench.scoring.store import Store

DATA = Path(__file__).parent / "data" / "scoring"


@pytest.fixture
def setup(tmp_path):
    rubric = load_rubric(DATA / "mini-rubric.yaml")
    db = tmp_path / "w.db"
    with Store(db) as store:
        aid = store.create_assessment("oakwood", "2024-25", rubric, who="lead")
    store = Store(db)
    # the lock timeout is 30 s in use; the test waits 0.2 s (set after the store's own pragmas)
    sa.event.listen(store.engine, "connect",
                    lambda conn, _r: conn.execute("PRAGMA busy_timeout=200"))
    store.engine.dispose()
    yield rubric, db, aid, store
    store.close()


def hold_write_lock(db: Path) -> sqlite3.Connection:
    other = sqlite3.connect(db, timeout=0.1, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    return other


def test_busy_store_keeps_the_change_and_retries(setup):
    rubric, db, aid, store = setup
    form = ScoringForm(store, aid, rubric, assessor="ann")
    form.open_section("1")
    editor = form.editor("1.1")
    other = hold_write_lock(db)
    try:
        editor.answer.value = "yes"
        assert "the store is busy, retrying" in editor.message.value
        assert editor.answer.value == "yes"          # the edit stays on screen
        assert editor.pending == {"answer": "yes"}   # and is kept to be saved
        editor.commentary.value = "seen the minutes"  # a second edit while still busy
        assert editor.pending == {"answer": "yes", "commentary": "seen the minutes"}
        assert editor.retry_pending() is False
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert editor.retry_pending() is True
    assert editor.pending == {} and editor.message.value == ""
    with Store(db) as check:
        item = check.load(aid).items["1.1"]
    assert (item.answer, item.commentary) == ("yes", "seen the minutes")


def test_retry_is_scheduled_on_the_running_loop(setup, monkeypatch):
    rubric, db, aid, store = setup
    monkeypatch.setattr(form_mod, "RETRY_SECONDS", (0.05,))
    form = ScoringForm(store, aid, rubric, assessor="ann")
    form.open_section("1")
    editor = form.editor("1.2")

    async def edit_then_release() -> None:
        other = hold_write_lock(db)
        editor.answer.value = "no"
        assert editor.pending
        other.execute("ROLLBACK")
        other.close()
        for _ in range(100):  # the scheduled retries run on this loop
            if not editor.pending:
                break
            await asyncio.sleep(0.05)

    asyncio.run(edit_then_release())
    assert editor.pending == {}
    with Store(db) as check:
        assert check.load(aid).items["1.2"].answer == "no"
