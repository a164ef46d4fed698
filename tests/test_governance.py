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
    assert "Case studies" in html and "refresher training on medication rounds" in html
    assert "This quarter: 2024-25 Q2" in html
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
    assert studies and set(studies[0]) == {"type", "outcome", "action"}
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
