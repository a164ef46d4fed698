"""WCAG 2.2 AA in a real browser: axe-core (axe-playwright-python, Debian's Chromium, offline)
on every governance report and the portfolio of a real batch run."""

from __future__ import annotations

import pytest

from tests.dashboard_setup import CHROMIUM, CHROMIUM_ARGS, axe_violations, need_chromium
from workbench.reports.htmlreport import CSP_META

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# The WCAG 2.0, 2.1 and 2.2 A and AA rules of axe-core (its best-practice rules are not asked)
PROVIDERS = ("provider-001", "provider-002", "provider-003")
GOVERNANCE = ("lessons_learned.html", "public_quarterly_report.html", "annual_report.html",
              "commissioner_report.html")
PAGES = [f"{p}/{f}" for p in PROVIDERS for f in GOVERNANCE] + [
    "portfolio.html", *(f"portfolio_{f}" for f in GOVERNANCE)]


@pytest.fixture(scope="module")
def context():
    """An offline Chromium context (the reports must need no network)."""
    need_chromium("the axe checks need it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser.new_context(offline=True)
        finally:
            browser.close()


def test_axe_finds_violations(context):
    """The check can fail: a page with the faults the reports must not have (under the
    reports' Content-Security-Policy, which does not stop axe)."""
    page = context.new_page()
    page.set_content(f"<html><head>{CSP_META}<title>t</title></head><body>"
                     "<p style='color:#bbb'>pale</p><img src='data:,'>"
                     "<div style='overflow:auto;width:3rem;height:2rem'>"
                     "<p>far too much text to fit into the box</p></div></body></html>")
    found = " ".join(axe_violations(page))
    for rule in ("color-contrast", "image-alt", "html-has-lang", "scrollable-region-focusable"):
        assert rule in found
    page.close()


@pytest.mark.parametrize("name", PAGES)
def test_report_meets_wcag_22_aa(context, fresh_batch, name):
    path = fresh_batch.root / "2024-25" / name
    assert path.exists(), path
    page = context.new_page()
    try:
        page.goto(path.as_uri())
        assert page.evaluate("document.documentElement.lang") == "en-GB"
        for landmark in ("banner", "main", "contentinfo"):
            assert page.get_by_role(landmark).count() == 1, landmark
        assert axe_violations(page) == []
        # a table too wide for a narrow window scrolls in a region the keyboard reaches
        page.set_viewport_size({"width": 480, "height": 800})
        assert axe_violations(page) == []
    finally:
        page.close()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_provider_report_meets_wcag_22_aa(context, fresh_batch, provider):
    """report.html (the provider notebook's export) too: language, a main landmark, charts
    with a text alternative, no violation at full width or in a narrow window."""
    page = context.new_page()
    try:
        page.goto((fresh_batch.root / "2024-25" / provider / "report.html").as_uri())
        assert page.evaluate("document.documentElement.lang") == "en-GB"
        assert page.get_by_role("main").count() == 1
        assert axe_violations(page) == []
        page.set_viewport_size({"width": 480, "height": 800})
        assert axe_violations(page) == []
    finally:
        page.close()
