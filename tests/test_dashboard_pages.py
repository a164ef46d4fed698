"""The pages the dashboard server renders itself (dashboards.pages): the scorecard, the portfolio
and the landing page from the batch's results and the store, their choices checked, and what
they say when the batch has not run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.dashboard_setup import PROVIDER, dashboard_data
from workbench.core.paths import DEFAULT_MANIFEST
from workbench.dashboards import pages
from workbench.register.manifest import load_manifest


@pytest.fixture(scope="module")
def site_data(tmp_path_factory) -> Path:
    from tests.conftest import built_once

    return built_once(tmp_path_factory, "dashboard-site", dashboard_data)


@pytest.fixture
def with_outputs(site_data, monkeypatch) -> dict:
    monkeypatch.setenv("WORKBENCH_OUTPUTS", str(site_data / "outputs"))
    monkeypatch.setenv("WORKBENCH_CONFIG_DIR", str(site_data / "config"))
    return {"db": str(site_data / "workbench.db"),
            "total": int((site_data / "total").read_text())}


@pytest.fixture
def no_outputs(tmp_path, monkeypatch) -> str:
    """No batch has run: an empty outputs folder and no store."""
    monkeypatch.setenv("WORKBENCH_OUTPUTS", str(tmp_path / "outputs"))
    return str(tmp_path / "none.db")


def _selected(html: str, name: str) -> str:
    select = re.search(rf'<select id="wb-{name}" name="{name}">(.*?)</select>', html, re.S)
    assert select, f"no {name} list"
    chosen = re.findall(r'<option value="([^"]*)" selected>', select.group(1))
    assert len(chosen) == 1, chosen
    return chosen[0]


def test_scorecard_page_shows_the_stored_total_and_every_chart(with_outputs):
    html = pages.scorecard_page(f"provider={PROVIDER}", db=with_outputs["db"])
    assert re.search(r'<div class="wb-total"[^>]*data-total="(\d+)"', html).group(1) == str(
        with_outputs["total"])
    assert "<title>Oakwood Care Homes Ltd: complaints scorecard 2024-25</title>" in html
    assert html.count('<div class="wb-chart"') >= 3 and "<svg" in html
    assert "<script" not in html  # no kernel, no script: the page is the HTML
    assert _selected(html, "provider") == PROVIDER


def test_unknown_provider_is_escaped_and_the_picker_offered(no_outputs):
    html = pages.scorecard_page("provider=%3Cimg%20src%3Dx%3E", db=no_outputs)
    assert "No provider with id &#x27;&lt;img src=x&gt;&#x27; in this portfolio" in html
    assert "<img" not in html
    assert _selected(html, "provider") == ""
    assert "choose a provider" in re.search(r"<title>(.*)</title>", html).group(1)


@pytest.mark.parametrize("query", ["", "provider=", "provider=%20", "other=1"])
def test_no_provider_shows_the_picker_alone(no_outputs, query):
    html = pages.scorecard_page(query, db=no_outputs)
    assert 'class="wb-choose"' in html and "wb-message" not in html.split("</style>")[1]
    providers = load_manifest(DEFAULT_MANIFEST).providers
    assert html.count("<option ") == len(providers) + 1


def test_without_batch_output_the_scorecard_links_the_live_page(no_outputs):
    html = pages.scorecard_page(f"provider={PROVIDER}", db=no_outputs)
    assert "The batch has not written Oakwood Care Homes Ltd's figures for 2024-25" in html
    assert 'href="voila/render/scorecard_dashboard.ipynb?provider=oakwood-care"' in html
    assert 'class="wb-total"' not in html


def test_landing_page_says_which_providers_the_batch_has_not_run(no_outputs):
    html = pages.landing_page(db=no_outputs)
    names = [p.name for p in load_manifest(DEFAULT_MANIFEST).providers]
    said = re.findall(r'<div class="wb-message" role="alert">(.*?)</div>', html, re.S)
    assert len(said) == 1, said  # one note, not one per provider
    assert said[0].startswith(f"No batch output for 2024-25 yet for {len(names)} of "
                              f"{len(names)} providers: ")
    assert all(name.replace("'", "&#x27;") in said[0] for name in names)
    assert 'href="portfolio"' in html
    portfolio = pages.portfolio_page({}, db=no_outputs)
    assert portfolio.count('class="wb-message"') == 1


def test_portfolio_page_follows_its_choices_and_refuses_unknown_ones(with_outputs):
    html = pages.portfolio_page({"sort": ["complaints"], "order": ["asc"],
                                 "type": ["home care"], "funnel": ["escalated"]},
                                db=with_outputs["db"])
    rows = re.findall(r'<tr data-provider="([^"]+)"', html)
    assert rows == ["kestrel-homecare", "brightpath-homecare"]  # 135 then 249 complaints
    assert (_selected(html, "sort"), _selected(html, "order"), _selected(html, "type"),
            _selected(html, "funnel")) == ("complaints", "asc", "home care", "escalated")
    assert 'href="scorecard?provider=kestrel-homecare"' in html
    assert "Funnel plot: escalation rate" in html

    hostile = pages.portfolio_page({"sort": ["<b>"], "order": ["sideways"], "type": ["<i>"],
                                    "funnel": ["x"]}, db=with_outputs["db"])
    assert (_selected(hostile, "sort"), _selected(hostile, "order"), _selected(hostile, "type"),
            _selected(hostile, "funnel")) == ("total_pct", "desc", "All service types",
                                              "upheld")
    assert "<b>" not in hostile and "<i>" not in hostile
    providers = load_manifest(DEFAULT_MANIFEST).providers
    assert len(re.findall(r'<tr data-provider="', hostile)) == len(providers)


def test_an_unreadable_manifest_is_said_not_raised(tmp_path, monkeypatch):
    bad = tmp_path / "providers.yaml"
    bad.write_text("providers: [\n")
    html = pages.scorecard_page("provider=x", manifest_path=bad)
    assert "The provider list cannot be read" in html and str(bad) in html
    assert "The provider list cannot be read" in pages.portfolio_page({}, manifest_path=bad)
    assert "The provider list cannot be read" in pages.landing_page(manifest_path=bad)
