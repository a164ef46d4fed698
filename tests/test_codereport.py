"""The annual complaints performance and service improvement report: sections, figures, PDF."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.pdf_text import page_texts
from workbench.reports.pack import compute_results, load_provider
from workbench.scoring.assessment import find_rubric
from workbench.scoring.store import Store

PROVIDER, PERIOD, CODE = "hartwell-housing", "2024-25", "housing-ombudsman-code-2024"
HEADINGS = ("About this report", "Self-assessment against the Code",
            "Complaint handling performance: quantitative analysis",
            "Qualitative analysis: what complaints were about and why",
            "Findings of non-compliance with the Code",
            "Service improvements made from the learning from complaints",
            "The Housing Ombudsman's annual letter, reports and determinations",
            "The governing body's response")
# written into the store by hand: none of it may reach the published report
PERSONAL = ("Jane Smith", "07700 900123", "jane.smith@example.org")


class _Tables(HTMLParser):
    """Every table of a page: caption, and rows as lists of cell texts; and the h2 texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self.h2: list[str] = []
        self._cell: list[str] | None = None
        self._in: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th", "caption", "h2"):
            self._in, self._text = tag, []

    def handle_endtag(self, tag):
        if tag != self._in:
            return
        text = " ".join("".join(self._text).split())
        if tag == "h2":
            self.h2.append(text)
        elif tag == "caption":
            self.tables[-1]["caption"] = text
        else:
            self.tables[-1]["rows"][-1].append(text)
        self._in = None

    def handle_data(self, data):
        if self._in:
            self._text.append(data)


def _parse(html: str) -> _Tables:
    parser = _Tables()
    parser.feed(html)
    return parser


def _table(page: _Tables, caption_start: str) -> list[list[str]]:
    found = [t for t in page.tables if t["caption"].startswith(caption_start)]
    assert found, f"no table captioned {caption_start!r}"
    return found[0]["rows"]


@pytest.fixture(scope="module")
def made(tmp_path_factory, sample_store):
    """A store seeded with the sample assessments (`workbench sample-assessments`: conftest's
    sample_store, copied), hartwell-housing's projected onto the Code, one provision answered
    No by hand (with personal data in its text), and the report."""
    base = tmp_path_factory.mktemp("codereport")
    env = {"WORKBENCH_CONFIG_DIR": str(base / "config"), "WORKBENCH_OUTPUTS": str(base / "outputs"),
           "WORKBENCH_DB": ""}
    db = str(base / "store.db")
    shutil.copy(sample_store, db)
    projected = run_cli("assessment", "project", "--provider", PROVIDER, "--period", PERIOD,
                        "--to", CODE, "--db", db, "--who", "tester", env=env)
    assert projected.returncode == 0, projected.stderr
    with Store(db) as store:
        info = store.find(PROVIDER, PERIOD, rubric_id=CODE)
        store.save_item(info.id, "1.2", {
            "answer": "no",
            "commentary": f"Policy wording out of date; ask {PERSONAL[0]} on {PERSONAL[1]}",
            "action": {"what": f"Rewrite the definition (email {PERSONAL[2]})",
                       "owner": PERSONAL[0], "due": "2025-09-30"}}, 0, "tester")
        assessment = store.load(info.id)
    out = base / "report"
    made = run_cli("report", "annual-complaints", "--provider", PROVIDER, "--period", PERIOD,
                   "--db", db, "--output-dir", str(out), env=env)
    assert made.returncode == 0, made.stderr
    html = out / f"annual_complaints_report_{PROVIDER}_{PERIOD}.html"
    return {"db": db, "env": env, "base": base, "html": html, "text": html.read_text(),
            "pdf": html.with_suffix(".pdf"), "assessment": assessment, "stdout": made.stdout,
            "stderr": made.stderr}


def test_every_required_section_is_there(made):
    page = _parse(made["text"])
    for heading in HEADINGS:
        assert heading in page.h2, heading
    assert 'lang="en-GB"' in made["text"] and "<main" in made["text"]
    # the placeholders say what to insert
    assert made["text"].count("To insert") >= 3


def test_each_provision_row_with_its_answer_and_review_marker(made):
    rubric = find_rubric(CODE)
    assessment = made["assessment"]
    rows = {}
    for table in _parse(made["text"]).tables:
        if table["caption"].startswith("Section "):
            rows.update({r[0]: r for r in table["rows"][1:]})
    assert sorted(rows) == sorted(item.id for _, item in rubric.items())
    projected = {i for i, s in assessment.items.items() if s.projection_note}
    assert projected, "the projection should have carried some answers"
    for item_id, row in rows.items():
        state = assessment.item(item_id)
        assert row[2] == {"yes": "Yes", "no": "No"}.get(state.answer or "", "Not answered")
        assert ("needs review" in row[6]) == (item_id in projected), item_id
    # every No has its action and timescale, in the table and among the findings
    noes = [i for i, s in assessment.items.items() if s.answer == "no"]
    assert "1.2" in noes
    for item_id in noes:
        assert rows[item_id][5] not in ("", "–")
    assert "due 30 Sep 2025" in rows["1.2"][5]
    findings = _table(_parse(made["text"]), "Provisions not met")
    assert sorted(r[0] for r in findings[1:]) == sorted(noes)
    assert "projected answer(s) need review" in made["stderr"]


def test_figures_are_the_results_figures(made, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CONFIG_DIR", made["env"]["WORKBENCH_CONFIG_DIR"])
    provider, manifest = load_provider(PROVIDER)
    results = compute_results(provider, manifest, period=PERIOD)
    page = _parse(made["text"])
    returns = {r[0]: r[2] for r in _table(page, "Return figures")[1:]}
    figures = results.returns["figures"]
    assert {"CH01_1", "CH01_2", "CH02_1", "CH02_2"} <= set(returns)
    for key, value in figures.items():
        assert value is not None
        assert float(returns[key].replace(",", "")) == pytest.approx(value), key
    stages = _table(page, "Complaints per stage")
    received = next(r for r in stages if r[0] == "Received")
    assert [int(v.replace(",", "")) for v in received[1:]] == [
        s["received"] for s in results.stages["stages"].values()]
    # a figure the register cannot give is unknown, with why
    assert any(v.startswith("unknown (no column mapped") for r in stages for v in r[1:])


def test_no_raw_values_and_no_personal_data(made):
    text = made["text"]
    for raw in ("T00:00:00", ">None<", "NaT", " nan ", ">nan<", "None "):
        assert raw not in text, raw
    for personal in PERSONAL:
        assert personal not in text, personal
    assert "Smith" not in text


def test_pdf_has_the_headings(made):
    pdf = made["pdf"]
    assert pdf.is_file() and pdf.read_bytes()[:5] == b"%PDF-"
    words = " ".join(" ".join(page.split()) for page in page_texts(pdf))
    words = re.sub(r"‐\s*", "", words)  # hyphenated at a line end
    for heading in HEADINGS:
        assert heading.replace("'", "’") in words or heading in words, heading
    assert "needs review" in words


def test_without_a_code_assessment_it_says_how_to_make_one(made, tmp_path):
    result = run_cli("report", "annual-complaints", "--provider", PROVIDER, "--period", PERIOD,
                     "--rubric", "lgsco-code-2026", "--db", made["db"], "--no-pdf",
                     "--output-dir", str(tmp_path), env=made["env"])
    assert result.returncode == 0, result.stderr
    html = (tmp_path / f"annual_complaints_report_{PROVIDER}_{PERIOD}.html").read_text()
    assert "has not been done yet" in html
    assert (f"workbench assessment project --provider {PROVIDER} --period {PERIOD} "
            "--to lgsco-code-2026") in html
    assert "Local Government and Social Care Ombudsman" in html
    assert "no self-assessment against lgsco-code-2026" in result.stderr
    assert not list(tmp_path.glob("*.pdf"))


def test_unknown_provider_is_an_error_without_traceback(made, tmp_path):
    result = run_cli("report", "annual-complaints", "--provider", "no-such-provider",
                     "--period", PERIOD, "--db", made["db"], "--output-dir", str(tmp_path),
                     env=made["env"])
    assert result.returncode != 0
    assert result.stderr.startswith("error:") and "Traceback" not in result.stderr
    assert not any(Path(tmp_path).iterdir())
