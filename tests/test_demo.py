"""The demo's sample assessments: deterministic, never overwriting, and contradicted by the data."""

from __future__ import annotations

from workbench.core.paths import DEFAULT_MANIFEST
from workbench.register.manifest import load_manifest
from workbench.rubric.model import load_rubric
from workbench.sampledata.assessments import DEFAULT_RUBRIC, sample_answers, seed_store
from workbench.scoring.store import Store


def test_answers_are_deterministic_and_complete():
    rubric = load_rubric(DEFAULT_RUBRIC)
    a = sample_answers(rubric, "kestrel-homecare", "2024-25")
    assert a == sample_answers(rubric, "kestrel-homecare", "2024-25")
    assert len(a) == 85
    assert a["6.2"]["answer"] == "yes"  # the slow provider's claim the register contradicts
    for item in a.values():
        if item["answer"] == "no":
            assert item["action"]["what"] and item["action"]["owner"] and item["action"]["due"]
        else:
            assert item["evidence"][0]["target"].startswith("https://")


def test_seed_adds_once_and_never_touches_an_existing_assessment(tmp_path):
    db = str(tmp_path / "demo.db")
    rubric = load_rubric(DEFAULT_RUBRIC)
    store = Store(db)
    mine = store.create_assessment("sunrise-day", "2024-25", rubric, who="real auditor")
    store.save_item(mine, "1.1", {"answer": "no", "action": {
        "what": "Appoint a complaints manager", "owner": "CEO", "due": "2025-06-30"}},
        expected_version=0, who="real auditor")
    store.close()
    first = seed_store(db)
    assert first["sunrise-day"] == "kept"
    providers = len(load_manifest(DEFAULT_MANIFEST).providers)
    assert sum(v == "added" for v in first.values()) == providers - 1
    assert set(seed_store(db).values()) == {"kept"}
    store = Store(db)
    kept = store.load(mine)
    assert kept.items["1.1"].answer == "no" and len(kept.items) == 1
    total = store.assessments("kestrel-homecare", "2024-25")[0]
    assert len(store.load(total.id).items) == 85
