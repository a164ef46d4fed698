"""Published scores are never stale: the batch's skip fingerprint covers whichever store the
notebook reads, the default store (outputs/workbench.db) included, not only an explicit --db."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import STORED_BY, STORED_PROVIDER
from workbench.batch.driver import run_batch
from workbench.scoring.store import Store


@pytest.mark.slow
@pytest.mark.xdist_group("fresh-batch")  # (conftest's ordering: beside its other readers)
def test_rescoring_in_the_default_store_republishes(fresh_batch, tmp_path, monkeypatch):
    # the first run: the session's batch (conftest), whose store scored provider-001 2 (1.1 and
    # 1.2 yes, 2.1 no). On a copy, that store becomes its output root's default store, the one
    # the scoring form writes to without --db; no --db anywhere from here on.
    batch = fresh_batch.copy(tmp_path / "batch")
    manifest, root = batch.manifest, batch.root
    monkeypatch.setenv("WORKBENCH_OUTPUTS", str(root))
    monkeypatch.setenv("WORKBENCH_CONFIG_DIR", str(batch.config))  # the key it ran with
    default_db = root / "workbench.db"
    shutil.move(batch.db, default_db)  # the only store holding the assessment
    results = root / "2024-25" / STORED_PROVIDER / "results.json"
    assert json.loads(results.read_text())["total_score"] == 2

    # unchanged inputs and store (now read as the default store): skipped
    again = run_batch(manifest, jobs=1, output_root=root, progress=False, portfolio=False,
                      pdf=False)
    assert {o.provider: o.status for o in again.outcomes}[STORED_PROVIDER] == "skipped"
    assert {o.provider: o.total_score for o in again.outcomes}[STORED_PROVIDER] == 2

    # the auditor re-scores in the default store (no --db anywhere): the pack is rebuilt
    with Store(str(default_db)) as store:
        aid = store.find(STORED_PROVIDER, "2024-25").id
        version = store.load(aid).items["1.2"].version
        store.save_item(aid, "1.2", {"answer": "no"}, version, STORED_BY)
    rescored = run_batch(manifest, jobs=1, output_root=root, progress=False, portfolio=False,
                         pdf=False)
    status = {o.provider: o.status for o in rescored.outcomes}
    assert status[STORED_PROVIDER] == "ok" and status["provider-002"] == "skipped"
    assert {o.provider: o.total_score for o in rescored.outcomes}[STORED_PROVIDER] == 1
    assert json.loads(results.read_text())["total_score"] == 1
