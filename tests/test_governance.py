"""Governance reports: four HTML reports per provider and for the portfolio, offline, no names."""

from __future__ import annotations

import re

import pytest

from tests.report_results import PLANTED_TOKENS, make_results
from workbench.reports.governance import (
    case_studies,
    provider_view,
    write_governance_reports,
    write_portfolio_governance,
)
from workbench.reports.htmlreport import has_external_references
from workbench.reports.redaction import redact

EXTERNAL = re.compile(r"<(script|link|img|iframe)\b[^>]*(src|href)\s*=\s*[\"']?\s*(https?:)?//",
                      re.I)


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    return write_governance_reports(make_results(), tmp_path_factory.mktemp("gov"))


@pytest.fixture(scope="module")
def portfolio_reports(tmp_path_factory):
    results = [make_results(), make_results("beech-lodge", "Beech Lodge", complaints=3, upheld=1,
                                            partly=0, not_upheld=2, compliments=2)]
    return write_portfolio_governance(results, tmp_path_factory.mktemp("govp"))


def test_four_reports_written(reports, portfolio_reports):
    keys = {"lessons_learned", "public_quarterly", "annual_report", "commissioner_report"}
    assert set(reports) == keys and set(portfolio_reports) == keys
    for path in [*reports.values(), *portfolio_reports.values()]:
        assert path.exists() and path.suffix == ".html"
        assert not list(path.parent.glob(".*.tmp"))


@pytest.mark.parametrize("key", ["lessons_learned", "public_quarterly", "annual_report",
                                 "commissioner_report"])
def test_self_contained_accessible(reports, portfolio_reports, key):
    for html in (reports[key].read_text(), portfolio_reports[key].read_text()):
        assert not EXTERNAL.search(html) and not has_external_references(html)
        assert "<script" not in html
        assert '<html lang="en-GB">' in html
        assert html.count("<h1>") == 1 and "<h2" in html
        assert "<caption>" in html and 'scope="col"' in html
        assert "@media print" in html
        for fig in re.findall(r"<figure>.*?</figure>", html, re.S):
            assert re.search(r'role="img" aria-label="[^"]+"', fig) and "<figcaption>" in fig


@pytest.mark.parametrize("key", ["public_quarterly", "annual_report", "lessons_learned",
                                 "commissioner_report"])
def test_no_planted_personal_data(reports, portfolio_reports, key):
    for html in (reports[key].read_text(), portfolio_reports[key].read_text()):
        for token in PLANTED_TOKENS:
            assert token not in html, (key, token)
        assert "C-0005" not in html and "Jane Manager" not in html  # no refs, no owners
        assert "C-0999" not in html


def test_public_report_content_and_suppression(reports):
    html = reports["public_quarterly"].read_text()
    assert "This quarter: 2024-25 Q2" in html
    # the one completed action was completed in Q1: the quarterly report shows its quarter's work
    assert "Case studies" in html and "No case studies this quarter" in html
    assert "refresher training on medication rounds" not in html
    annual = reports["annual_report"].read_text()
    assert "refresher training on medication rounds" in annual and "20 May 2024" in annual
    # "Communication" has 3 complaints: suppressed, and its share too
    row = re.search(r"<tr><td>Communication</td>(.*?)</tr>", html, re.S).group(1)
    assert row.count("&lt;5") == 2
    assert "<svg" in html


def test_portfolio_public_suppresses_small_provider(portfolio_reports):
    html = portfolio_reports["public_quarterly"].read_text()
    section = html[html.index('id="p-beech-lodge"'):]
    cards = re.search(r'<ul class="cards">(.*?)</ul>', section, re.S).group(1)
    assert "&lt;5</span>complaints received" in cards


def test_annual_report_has_scores_and_performance(reports):
    html = reports["annual_report"].read_text()
    assert "Self-assessment scores" in html and "63/85" in html
    assert "Organisational Culture" in html and "Complaint handling performance" in html
    assert "Trends by quarter" in html and "What complaints were about" in html


def test_commissioner_report_against_targets(reports):
    html = reports["commissioner_report"].read_text()
    assert "Quarterly measures against contract targets" in html
    assert "respond within 20 working days" in html and "2024-25 Q1" in html


def test_lessons_learned_has_causes_and_actions(reports):
    html = reports["lessons_learned"].read_text()
    assert "Root causes" in html and "Staff conduct" in html
    assert "Improvement actions" in html and "overdue" in html
    assert "medication, late, missed" in html


def test_case_studies_are_anonymised():
    studies = case_studies(make_results())
    assert studies and set(studies[0]) == {"type", "summary", "outcome", "action"}
    text = " ".join(s["action"] for s in studies)
    for token in PLANTED_TOKENS:
        assert token not in text


def test_public_view_has_no_text_themes():
    view = provider_view(make_results(), public=True)
    assert view["themes"] == [] and view["emerging_themes"] == []
    assert all(set(r) >= {"action"} for r in view["actions"])


def test_redact():
    text = ("Mrs Smith (07700 900123, ann.smith@example.com) of SY1 1AB, ref C-2024-001: "
            "staff were reminded by John to call her daughter Ann.")
    out = redact(text)
    for token in ("Smith", "07700", "example.com", "SY1", "C-2024", "John", "Ann"):
        assert token not in out
    assert "staff were reminded" in out
    assert redact("The CQC and NHS were informed.") == "The CQC and NHS were informed."


def test_empty_results_still_render(tmp_path):
    import datetime as dt

    from workbench.reports.portfolio import write_portfolio
    from workbench.reports.results import ProviderResults

    bare = ProviderResults("new-provider", "New Provider", "home care", "2024-25",
                           dt.date(2025, 3, 31), None, {}, "r", "1")
    paths = write_governance_reports(bare, tmp_path / "one")
    assert all(p.exists() for p in paths.values())
    assert write_portfolio_governance([bare], tmp_path / "all")
    assert all(p.exists() for p in write_portfolio([bare], tmp_path / "pf").values())


# ---------------------------------------------------------------- the board-ready fixes

NBSP = "\u00a0"
REPRS = re.compile(r"\b(None|nan|NaN|NaT|False|True)\b|<NA>|\['|\[\]|\[\"|\[\d")


def visible_text(html: str) -> str:
    """The text a reader sees: no style, no SVG, no tags, no attributes."""
    html = re.sub(r"<style>.*?</style>|<svg.*?</svg>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def assert_board_ready(html: str, where: str) -> None:
    """No raw timestamp, Python repr, pandas index column or wrapping percentage."""
    text = visible_text(html)
    assert "T00:00:00" not in html, where
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text), where
    found = REPRS.search(text)
    assert found is None, (where, text[max(0, found.start() - 80):found.end() + 40])
    assert not re.search(r'<th[^>]*>\s*(index|Unnamed[^<]*)?\s*</th>', html), where
    assert not re.search(r"\d %", text), where  # "83.5 %" is written with a no-break space
    tables = re.sub(r"<svg.*?</svg>", "", html, flags=re.S)
    assert not re.search(r">\s*-?\d[\d,]*\.0\s*<", tables), where  # 210.0 is 210
    for table in re.findall(r"<tbody>(.*?)</tbody>", html, re.S):
        first = [re.sub(r"<[^>]+>", "", row.split("</td>")[0]).strip()
                 for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
        assert len(first) < 3 or first != [str(i) for i in range(len(first))], where


def _with_actions(results, rows):
    """``results`` with extra action rows (dicts of the actions table's columns)."""
    import dataclasses

    import pandas as pd

    extra = pd.DataFrame(rows)
    for col in ("action_due", "action_completed"):
        extra[col] = pd.to_datetime(extra[col])
    actions = pd.concat([results.actions, extra], ignore_index=True)
    return dataclasses.replace(results, actions=actions)


def test_reports_show_the_periods_work_only(tmp_path):
    results = _with_actions(make_results(), [
        {"outcome": "upheld", "actions": "Rota changed before the period", "status": "completed",
         "action_due": "2023-06-01", "action_completed": "2023-05-30"},
        {"outcome": "upheld", "actions": "Night staffing rota changed", "status": "completed",
         "action_due": "2024-09-30", "action_completed": "2024-09-15"}])
    paths = write_governance_reports(results, tmp_path)
    for key in ("annual_report", "lessons_learned"):
        html = paths[key].read_text()
        assert "Night staffing rota changed" in html and "15 Sep 2024" in html, key
        assert "Rota changed before the period" not in html and "2023" not in html, key
    quarterly = paths["public_quarterly"].read_text()  # Q2 (Jul-Sep): its own work
    section = quarterly[quarterly.index("What we changed this quarter"):]
    assert "Night staffing rota changed" in section.split("The year so far")[0]
    assert "refresher training" not in quarterly  # completed in Q1


def test_case_studies_say_what_the_complaint_was_about(tmp_path):
    results = make_results()
    actions = results.actions.assign(
        type=["Medication", "Food", "Communication"],
        summary=["Medication was late for Mrs Philippa Quarrington-Smythe, call 07700 900123.",
                 None, "Calls not returned."])
    import dataclasses

    results = dataclasses.replace(results, actions=actions)
    studies = case_studies(results)
    assert studies[0]["type"] == "Medication"
    assert studies[0]["summary"].startswith("Medication was late for Mrs [redacted]")
    html = write_governance_reports(results, tmp_path)["annual_report"].read_text()
    assert "What the complaint was about:</strong> Medication: Medication was late" in html
    assert "Not recorded" not in html
    for token in PLANTED_TOKENS:
        assert token not in html


@pytest.mark.parametrize("key", ["lessons_learned", "public_quarterly", "annual_report",
                                 "commissioner_report"])
def test_board_ready_formatting_and_subtitles(reports, portfolio_reports, key):
    mine, portfolio = reports[key].read_text(), portfolio_reports[key].read_text()
    for html in (mine, portfolio):
        assert_board_ready(html, key)
        assert (f"{NBSP}%" in html and 'class="date"' in html) or key != "lessons_learned"
    period = "2024-25 (1 Apr 2024 to 31 Mar 2025)"
    assert f'<p class="subtitle">Oakwood Care Homes Ltd: {period}</p>' in mine
    assert f'<p class="subtitle">All commissioned providers: {period}</p>' in portfolio
    assert "figures as of 1 Oct 2024" in mine


def test_status_and_rag_are_words_as_well_as_colours(reports):
    html = reports["commissioner_report"].read_text()
    cells = re.findall(r'<td class="status status-(\w[\w-]*) rag-[\w-]+">([^<]+)</td>', html)
    assert cells and {word for _, word in cells} <= {"Green", "Amber", "Red", "Met", "Not met"}
    assert all(word.lower().replace(" ", "-") == css for css, word in cells)


def test_wide_tables_scroll_in_a_named_focusable_region(portfolio_reports):
    html = portfolio_reports["commissioner_report"].read_text()
    regions = re.findall(r'<div class="table-wrap" role="region" aria-label="([^"]+)" '
                         r'tabindex="0">\s*<table class="wide">', html)
    assert "Self-assessment scores and key measures by provider" in regions
    assert len(regions) == len(set(regions))  # each region's name says which provider
    assert "overflow-x: auto" in html


# ---------------------------------------------------------------- scored No, through the pipeline

SCORED = "provider-001"
ACTION = "Publish the complaints leaflet in easy read"
COMMENTARY = "Leaflet not seen at the visit"


@pytest.fixture(scope="module")
def scored_pack(tmp_path_factory):
    """provider-001 of tests/data/batch analysed and its pack written by the real pipeline
    (workbench.reports.pack.build_pack), with a stored assessment that answers three items
    No: one with an overdue action, one with an open action, one with none."""
    from tests.conftest import BATCH_DATA
    from workbench.reports.pack import build_pack, default_rubric_path, load_provider, rubric_at
    from workbench.scoring.store import Store

    tmp = tmp_path_factory.mktemp("scored")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WORKBENCH_CONFIG_DIR", str(tmp / "config"))
        mp.setenv("WORKBENCH_OUTPUTS", str(tmp / "outputs"))
        mp.delenv("WORKBENCH_DB", raising=False)
        db = str(tmp / "scores.db")
        rubric = rubric_at(default_rubric_path())
        with Store(db) as store:
            aid = store.create_assessment(SCORED, "2024-25", rubric, who="Ann Auditor")
            store.save_items(aid, {
                "1.1": {"answer": "yes"},
                "2.1": {"answer": "no", "commentary": COMMENTARY,
                        "action": {"what": ACTION, "owner": "Complaints manager",
                                   "due": "2024-06-30"}},
                "3.2": {"answer": "no", "action": {"what": "Train the team on the procedure",
                                                   "owner": "Registered manager",
                                                   "due": "2025-09-30"}},
                "4.1": {"answer": "no"},
            }, "Ann Auditor")
        provider, manifest = load_provider(SCORED, BATCH_DATA / "providers.yaml")
        results = build_pack(provider, manifest, tmp / "out", db=db, render=False)
    return results, tmp / "out"


def test_commissioner_report_lists_what_was_scored_no(scored_pack):
    results, out = scored_pack
    assert [f["id"] for f in results.failed_items] == ["2.1", "3.2", "4.1"]
    html = (out / "commissioner_report.html").read_text()
    assert_board_ready(html, "commissioner_report")
    section = html[html.index("What was scored No, and what will be done"):]
    assert "3 items of the self-assessment were scored No" in section
    assert "1 overdue, 1 open (not yet due) and 1 with no action yet" in section
    rows = {re.sub(r"<[^>]+>", "", r.split("</td>")[0]): r
            for r in re.findall(r"<tr>(.*?)</tr>",
                                section.split("</table>")[0].split("<tbody>")[1], re.S)}
    assert set(rows) == {"2.1", "3.2", "4.1"}
    assert ACTION in rows["2.1"] and "Complaints manager" in rows["2.1"]
    assert "30 Jun 2024" in rows["2.1"] and ">Overdue</td>" in rows["2.1"]
    assert "30 Sep 2025" in rows["3.2"] and ">Open</td>" in rows["3.2"]
    assert ">No action</td>" in rows["4.1"]
    assert COMMENTARY not in html  # the commissioner sees the action, not the working notes


def test_published_reports_carry_no_commentary_or_owner(scored_pack):
    _, out = scored_pack
    for name in ("public_quarterly_report.html", "annual_report.html", "lessons_learned.html"):
        html = (out / name).read_text()
        assert_board_ready(html, name)
        for text in (COMMENTARY, ACTION, "Complaints manager", "Registered manager"):
            assert text not in html, (name, text)


# ---------------------------------------------------------------- a real batch's reports

GOVERNANCE_FILES = ("lessons_learned.html", "public_quarterly_report.html",
                    "annual_report.html", "commissioner_report.html")


@pytest.mark.slow
def test_batch_reports_are_board_ready(fresh_batch):
    """Every governance report and the portfolio of a real batch run (tests/conftest.py)."""
    from tests.conftest import STORED_PROVIDER

    folder = fresh_batch.root / "2024-25"
    pages = [folder / p / f for p in ("provider-001", "provider-002", "provider-003")
             for f in GOVERNANCE_FILES]
    pages += [folder / "portfolio.html", *sorted(folder.glob("portfolio_*.html"))]
    assert len(pages) == 17 and all(p.exists() for p in pages)
    for page in pages:
        assert_board_ready(page.read_text(), str(page.relative_to(folder)))
    html = (folder / STORED_PROVIDER / "commissioner_report.html").read_text()
    section = html[html.index("What was scored No, and what will be done"):]
    assert "1 item of the self-assessment was scored No" in section
    assert "<td>2.1</td>" in section and ">No action</td>" in section
    portfolio = (folder / "portfolio.html").read_text()
    row = re.search(r"<tr><td>Provider 1 Ltd</td>(.*?)</tr>",
                    portfolio[portfolio.index("Items scored No and overdue actions"):], re.S)
    assert re.findall(r'<td class="num">([^<]*)</td>', row.group(1))[2:4] == ["1", "0"]
