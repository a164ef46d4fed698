"""Published scores are never stale: the batch's skip fingerprint covers whichever store the
notebook reads, the default store (outputs/workbench.db) included, not only an explicit --db."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from workbench.batch.driver import run_batch
from workbench.reports.pack import default_rubric_path, rubric_at
from workbench.scoring.store import Store

DATA = Path(__file__).resolve().parent / "data" / "batch"


@pytest.mark.slow
def test_rescoring_in_the_default_store_republishes(tmp_path):
    shutil.copytree(DATA, tmp_path / "data")
    manifest = tmp_path / "data" / "providers.yaml"
    root = Path(os.environ["WORKBENCH_OUTPUTS"])  # (tests/conftest.py: a temp folder)
    default_db = root / "workbench.db"  # what the scoring form writes to without --db
    rubric = rubric_at(default_rubric_path())
    with Store(str(default_db)) as store:
        aid = store.create_assessment("provider-001", "2024-25", rubric, who="Ann Auditor")
        store.save_items(aid, {"1.1": {"answer": "yes"}, "1.2": {"answer": "yes"}}, "Ann Auditor")
    first = run_batch(manifest, jobs=1, output_root=root, progress=False, portfolio=False,
                    pdf=False)
    assert {o.provider: o.total_score for o in first.outcomes}["provider-001"] == 2
    results = root / "2024-25" / "provider-001" / "results.json"
    assert json.loads(results.read_text())["total_score"] == 2

    # unchanged inputs and store: skipped
    again = run_batch(manifest, jobs=1, output_root=root, progress=False, portfolio=False,
                    pdf=False)
    assert {o.provider: o.status for o in again.outcomes}["provider-001"] == "skipped"

    # the auditor re-scores in the default store (no --db anywhere): the pack is rebuilt
    with Store(str(default_db)) as store:
        version = store.load(aid).items["1.2"].version
        store.save_item(aid, "1.2", {"answer": "no"}, version, "Ann Auditor")
    rescored = run_batch(manifest, jobs=1, output_root=root, progress=False, portfolio=False,
                    pdf=False)
    status = {o.provider: o.status for o in rescored.outcomes}
    assert status["provider-001"] == "ok" and status["provider-002"] == "skipped"
    assert json.loads(results.read_text())["total_score"] == 1
