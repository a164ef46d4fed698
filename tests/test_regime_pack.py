"""A provider's regime in its pack: the scorecard's timeliness on the clocks it is held to and
its return, one value wherever it appears (report.html, scorecard.xlsx, results.json, the
`workbench returns` command), and a portfolio of mixed regimes says so."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest
from bs4 import BeautifulSoup

from workbench.core.paths import PROJECT_ROOT
from workbench.reports.portfolio import notes, portfolio_table
from workbench.reports.results import ProviderResults

SAMPLE = PROJECT_ROOT / "sample_data"


@pytest.mark.slow
def test_housing_association_pack_is_on_the_ombudsmans_clocks(cli, tmp_path):
    out = tmp_path / "pack"
    run = cli("assess", "hartwell-housing", "--output-dir", str(out), "--no-pdf")
    assert run.returncode == 0, run.stderr
    assert (out / "report.html").is_file() and not list(out.rglob("*.pdf"))  # HTML only
    results = json.loads((out / "results.json").read_text())
    assert results["stages"]["regime"] == "housing-ombudsman-2024"
    assert any("10 working days of the acknowledgement" in line
               for line in results["stages"]["clocks"])
    figures = results["returns"]["figures"]
    assert set(figures) >= {"CH01_1", "CH01_2", "CH02_1", "CH02_2"}

    # the command a landlord runs for its return gives the same four figures
    command = cli("returns", str(SAMPLE / "registers" / "hartwell-housing.xlsx"), "--mapping",
                  str(SAMPLE / "mappings" / "hartwell-housing.yaml"), "--regime",
                  "housing-ombudsman-2024", "--period", "2024-25", "--as-of", "2025-03-31",
                  "--homes", "6500", "--json")
    assert command.returncode == 0, command.stderr
    expected = json.loads(command.stdout)["figures"]
    for key in ("CH01_1", "CH01_2", "CH02_1", "CH02_2"):
        assert figures[key] == expected[key], key

    # report.html: the clocks, the timeliness per stage and the return, with those values
    soup = BeautifulSoup((out / "report.html").read_text(encoding="utf-8"), "html.parser")
    text = " ".join(soup.get_text(" ").split())
    assert "Held to: Housing Ombudsman Complaint Handling Code (2024)" in text
    stage1 = results["stages"]["stages"]["stage1"]["within_timescale_pct"]
    assert f"{stage1:.1f}\u00a0%" in soup.get_text()
    rows = {tr.find("td").get_text(strip=True): [td.get_text(strip=True)
                                                 for td in tr.find_all("td")]
            for tr in soup.select("tr") if tr.find("td")}
    for key in ("CH01_1", "CH01_2", "CH02_1", "CH02_2"):
        assert rows[key][2] == f"{figures[key]:,}", (key, rows[key])

    # scorecard.xlsx: the same return on its own sheet, the clocks on the Regime sheet
    wb = openpyxl.load_workbook(out / "scorecard.xlsx", read_only=True)
    sheet = {r[0]: r for r in wb["Returns"].iter_rows(min_row=2, values_only=True)}
    for key in ("CH01_1", "CH01_2", "CH02_1", "CH02_2"):
        assert sheet[key][2] == f"{figures[key]:,}"
    regime = [r for r in wb["Regime"].iter_rows(values_only=True)]
    assert regime[0][0] == "Housing Ombudsman Complaint Handling Code (2024)"


def _results(provider: str, regime: str, title: str, within: float) -> ProviderResults:
    return ProviderResults(
        provider_id=provider, provider_name=provider.title(), service_type="housing",
        period="2024-25", as_of=dt.date(2025, 3, 31), service_users=100,
        targets={"acknowledge_days": 5, "respond_days": 20}, rubric_id="r", rubric_version="1",
        stages={"regime": regime, "title": title,
                "stages": {"stage1": {"within_timescale_pct": within}}})


def test_a_portfolio_of_mixed_regimes_compares_each_on_its_own_clocks():
    mixed = [_results("a", "housing-ombudsman-2024", "Housing Ombudsman", 61.5),
             _results("b", "commissioned-provider", "Commissioned provider", 88.0)]
    table = portfolio_table(mixed, suppress_small=False)
    assert list(table["regime"]) == ["Housing Ombudsman", "Commissioned provider"]
    assert list(table["stage1_within_timescale_pct"]) == [61.5, 88.0]
    note = dict(notes(mixed))["Regimes"]
    assert "different clocks" in note and "its own regime" in note
    same = dict(notes(mixed[:1]))["Regimes"]
    assert same == "Every provider is held to the same clocks: Housing Ombudsman."
