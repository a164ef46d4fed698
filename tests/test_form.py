"""The scoring form driven headless: setting widget values fires the observers that autosave."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import ipywidgets as w
import pytest

from workbench.core.paths import RUBRICS_DIR
from workbench.rubric.model import load_rubric
from workbench.scoring.form import ScoringForm, summary_html, summary_view
from workbench.scoring.store import Store

DATA = Path(__file__).parent / "data" / "scoring"


@pytest.fixture
def rubric():
    return load_rubric(DATA / "mini-rubric.yaml")


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "w.db")
    yield s
    s.close()


@pytest.fixture
def aid(store, rubric):
    return store.create_assessment("oakwood", "2024-25", rubric, who="lead")


def test_sections_are_built_lazily(store, aid, rubric):
    form = ScoringForm(store, aid, rubric, assessor="ann")
    assert isinstance(form.widget, w.VBox)
    assert form.editors == {}
    assert all(len(body.children) == 0 for body in form.bodies)
    form.headers[1].expanded = True  # what a click (or Enter on the heading) does
    assert set(form.editors) == {"2.1", "2.2", "2.3"}
    assert form.bodies[1].layout.display is None and form.bodies[0].layout.display == "none"
    assert len(form.bodies[0].children) == 0
    assert form.section_titles()[0] == "1. Culture - 0/2 (0/2 answered)"
    form.headers[1].expanded = False
    assert form.bodies[1].layout.display == "none"


def test_autosave_and_reopen_shows_what_was_saved(store, aid, rubric):
    form = ScoringForm(store, aid, rubric, assessor="ann")
    ed = form.editor("1.1")
    ed.answer.value = "yes"
    assert store.load(aid).items["1.1"].answer == "yes"
    assert "Total 1/5" in form.total.value and "1 Yes without evidence" in form.total.value
    assert "Yes with no evidence" in ed.flags.value
    assert ed.add_evidence("Policy", "https://example.org/policy.pdf")
    assert ed.ev_target.value == "" and ed.flags.value == ""
    ed.commentary.value = "Seen at the visit"
    ed2 = form.editor("1.2")
    assert ed2.action_box.layout.display == "none"
    ed2.answer.value = "no"
    assert ed2.action_box.layout.display is None
    ed2.action_what.value = "Appoint a complaints lead"
    ed2.action_owner.value = "Chief executive"
    ed2.action_due.value = date(2025, 3, 31)
    assert form.section_titles()[0] == "1. Culture - 1/2 (2/2 answered)"

    saved = store.load(aid)
    assert saved.items["1.1"].commentary == "Seen at the visit"
    assert saved.items["1.1"].evidence[0].label == "Policy"
    assert saved.items["1.2"].action.due == date(2025, 3, 31)
    assert saved.items["1.2"].action.owner == "Chief executive"

    again = ScoringForm(store, aid, rubric, assessor="ann")
    e1, e2 = again.editor("1.1"), again.editor("1.2")
    assert (e1.answer.value, e1.commentary.value) == ("yes", "Seen at the visit")
    assert "https://example.org/policy.pdf" in e1.evidence_list.children[0].children[1].value
    assert (e2.answer.value, e2.action_what.value, e2.action_due.value) == (
        "no", "Appoint a complaints lead", date(2025, 3, 31))
    assert "Total 1/5" in again.total.value
    e1.answer.value = ""
    assert store.load(aid).items["1.1"].answer is None
    e1.remove_evidence(0)
    assert store.load(aid).items["1.1"].evidence == ()


def test_refused_scheme_shows_a_message_and_keeps_the_input(store, aid, rubric):
    form = ScoringForm(store, aid, rubric, assessor="ann")
    ed = form.editor("2.3")
    assert not ed.add_evidence("x", "javascript:alert(document.cookie)")
    assert "not allowed" in ed.message.value and "javascript" in ed.message.value
    assert "<script" not in ed.message.value
    assert ed.ev_target.value == "javascript:alert(document.cookie)"
    assert store.load(aid).items == {}


def test_conflict_reverts_to_stored_and_keeps_the_attempt(store, aid, rubric):
    mine = ScoringForm(store, aid, rubric, assessor="ann")
    theirs = ScoringForm(store, aid, rubric, assessor="bob")
    mine_ed, theirs_ed = mine.editor("2.1"), theirs.editor("2.1")
    theirs_ed.answer.value = "yes"
    mine_ed.answer.value = "no"
    assert mine_ed.answer.value == "yes"  # reverted to the stored answer
    assert "bob" in mine_ed.message.value and "answer No" in mine_ed.message.value
    assert store.load(aid).items["2.1"].answer == "yes"
    # the next change goes through, against the version now shown
    mine_ed.commentary.value = "I think the RCA column is mostly blank"
    assert store.load(aid).items["2.1"].commentary.startswith("I think")
    assert mine_ed.message.value == ""
    # commentary conflict: the stored text is shown, the attempted text stays in the message
    theirs.reload()
    theirs_ed.commentary.value = "bob's note"
    mine_ed.commentary.value = "my long note that must not vanish"
    assert mine_ed.commentary.value == "bob's note"
    assert "my long note that must not vanish" in mine_ed.message.value
    assert store.load(aid).items["2.1"].commentary == "bob's note"


def test_suggestion_note_from_indicators(store, aid, rubric):
    form = ScoringForm(store, aid, rubric, indicators={"rca_coverage_pct": 64.0},
                       assessor="ann")
    assert "Root cause recorded 64.0 % (expected at least 100 %): suggests No" in \
        form.editor("2.1").suggestion.value
    assert form.editor("2.2").suggestion.value == ""
    assert form.editor("1.1").suggestion.value == ""


def test_finalised_form_is_locked(store, aid, rubric):
    for _, item in rubric.items():
        store.save_item(aid, item.id, {"answer": "yes", "evidence": ["register:R-1"]}, 0, "ann")
    store.finalise(aid, rubric, "lead")
    form = ScoringForm(store, aid, rubric, assessor="ann")
    ed = form.editor("1.1")
    assert ed.answer.disabled and "finalised" in form.banner.value
    store.reopen(aid, "lead", "late evidence")
    form.reload()
    assert not ed.answer.disabled and form.banner.value == ""


def test_text_is_escaped_and_summary(store, aid, rubric):
    form = ScoringForm(store, aid, rubric, assessor="<b>ann</b>")
    ed = form.editor("2.3")
    ed.commentary.value = "<script>alert(1)</script>"
    ed.answer.value = "yes"
    html = summary_html(store, aid, rubric, {"rca_coverage_pct": 50.0})
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "total 1/5" in html and "Before it can be finalised" in html
    assert "&lt;b&gt;ann&lt;/b&gt;" in form.name_note.value
    assert summary_view(store, aid, rubric).data == summary_html(store, aid, rubric)


def test_real_rubric_form_builds(store):
    path = RUBRICS_DIR / "complaints-handling-self-assessment.yaml"
    if not path.exists():
        pytest.skip(f"{path} not written yet")
    rubric = load_rubric(path)
    aid = store.create_assessment("oakwood", "2024-25", rubric, who="lead")
    form = ScoringForm(store, aid, rubric, indicators={"rca_coverage_pct": 64.0}, assessor="a")
    for section in rubric.sections:
        form.open_section(section.id)
    assert len(form.editors) == 85
    form.editor("5.1").answer.value = "no"
    assert "Total 0/85" in form.total.value
    form.editor("6.9").answer.value = "yes"
    assert "Total 1/85" in form.total.value


def test_values_update_without_rebuilding(store, aid, rubric):
    form = ScoringForm(store, aid, rubric, assessor="ann")
    ed = form.editor("1.1")
    ed.add_evidence("P", "register:R-1")
    rows = ed.evidence_list.children
    ed.answer.value = "yes"
    ed.commentary.value = "c"
    assert ed.evidence_list.children is rows
    children = form.bodies[0].children
    form.editor("1.2").answer.value = "no"
    assert form.bodies[0].children is children


def test_open_starts_the_assessment_once_and_reopens_it(tmp_path, rubric):
    db = str(tmp_path / "lab.db")
    form = ScoringForm.open(db=db, provider="oakwood", period="2024-25", rubric=rubric,
                            assessor="ann")
    form.editor("1.1").answer.value = "no"
    again = ScoringForm.open(db=db, provider="oakwood", period="2024-25", rubric=rubric,
                             assessor="bob")
    assert again.assessment_id == form.assessment_id
    assert again.editor("1.1").answer.value == "no"
    assert len(Store(db).assessments("oakwood", "2024-25")) == 1


def test_interactive_notebook_cell_shows_the_form(tmp_path, monkeypatch):
    from workbench.reports import pack
    from workbench.reports.results import ProviderResults

    monkeypatch.setenv("WORKBENCH_DB", str(tmp_path / "default.db"))
    results = ProviderResults(provider_id="oakwood-care", provider_name="Oakwood",
                              service_type="care home", period="2024-25",
                              as_of=date(2025, 3, 31), service_users=10,
                              targets={"acknowledge_days": 5, "respond_days": 20},
                              rubric_id="x", rubric_version="1")
    form = pack.show_assessment(results, interactive=True, db=None,
                                rubric_path=DATA / "mini-rubric.yaml")
    assert isinstance(form, ScoringForm)
    assert form.assessor is None and "Type your name" in form.banner.value
    assert form.editor("2.1").answer.disabled  # nothing is saved under no name
    assert form.set_assessor("  Ann   Auditor ")
    form.editor("2.1").answer.value = "yes"
    stored = Store(str(tmp_path / "default.db"))
    assert stored.load(form.assessment_id).items["2.1"].assessor == "Ann Auditor"
    assert stored.load(form.assessment_id).items["2.1"].answer == "yes"
    assert pack.show_assessment(results, interactive=False, rubric_path=DATA /
                                "mini-rubric.yaml") is None


def test_the_assessors_name_is_asked_once_and_remembered(store, aid, rubric, monkeypatch):
    monkeypatch.delenv("WORKBENCH_ASSESSOR", raising=False)
    first = ScoringForm(store, aid, rubric)
    assert first.locked and first.editor("1.1").answer.disabled
    assert not first.set_assessor("   ")  # a blank name is refused, and says so
    assert "blank" in first.name_note.value and first.locked
    assert first.set_assessor("Priya Shah")
    assert not first.locked and not first.editor("1.1").answer.disabled
    first.editor("1.1").answer.value = "yes"
    assert store.load(aid).items["1.1"].assessor == "Priya Shah"
    later = ScoringForm(store, aid, rubric)  # the next session: not asked again
    assert later.assessor == "Priya Shah" and later.name.value == "Priya Shah"
    assert "Scoring as <b>Priya Shah</b>" in later.name_note.value


def test_items_list_filters_and_opens_the_chosen_item(store, aid, rubric):
    form = ScoringForm(store, aid, rubric, indicators={"rca_coverage_pct": 64.0},
                       assessor="ann")
    everything = [i.id for _, i in rubric.items()]
    assert [v for _, v in form.item_list.options] == everything
    form.editor("1.1").answer.value = "yes"          # Yes, no evidence
    form.editor("1.2").answer.value = "no"
    form.editor("2.1").answer.value = "yes"          # contradicted: 64 % root causes
    form.filter.value = "unanswered"
    assert [v for _, v in form.item_list.options] == [
        i for i in everything if i not in {"1.1", "1.2", "2.1"}]
    form.filter.value = "no"
    assert [v for _, v in form.item_list.options] == ["1.2"]
    assert form.item_list.options[0][0].startswith("1.2  [No]")
    form.filter.value = "unevidenced"
    assert [v for _, v in form.item_list.options] == ["1.1", "2.1"]
    form.filter.value = "contradicted"
    assert [v for _, v in form.item_list.options] == ["2.1"]
    form.item_list.value = "2.1"                      # jump to it
    assert form.focused.children == (form.editors["2.1"].widget,)
    form.editors["2.1"].add_evidence("Audit", "register:R-1")
    form.filter.value = "unevidenced"
    assert [v for _, v in form.item_list.options] == ["1.1"]
