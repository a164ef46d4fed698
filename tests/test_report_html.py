"""report.html reads like a report: formatted tables, the No items with their actions, charts
described, nothing of the notebook's machinery (on real batch and `workbench assess` outputs)."""

from __future__ import annotations

import json
import re
import shutil

import openpyxl
import pytest
from bs4 import BeautifulSoup

from tests.conftest import STORED_PROVIDER

PERIOD = "2024-25"
# Whole cells that are Python or pandas spelling, not a reader's
REPRS = re.compile(r"^(None|nan|NaN|NaT|<NA>|True|False|\[.*\]|\{.*\}|\d+\.\d{4,})$")


def _page(path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _assert_reads_like_a_report(soup: BeautifulSoup, provider_name: str) -> None:
    text = soup.get_text(" ")
    assert soup.html["lang"] == "en-GB"
    assert provider_name in soup.title.get_text()
    for machinery in ("T00:00:00", "papermill", "Run it in JupyterLab", "interactive",
                      "pack.show", "_row", "No description has been provided"):
        assert machinery not in text and machinery not in str(soup.find_all("img")), machinery
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text), "ISO dates: shown as 4 Jul 2023"
    tables = soup.find_all("table")
    assert tables
    for table in tables:
        # pandas' index column: a row heading in the body or a blank corner heading
        assert not table.select("tbody th"), table.get_text(" ")[:200]
        assert not table.select("th.blank, th.index_name")
        for td in table.select("td"):
            value = td.get_text(strip=True)
            assert not REPRS.match(value), value
            assert not value.endswith("…") and not value.endswith("..."), value
        heads = [th.get_text(strip=True) for th in table.select("thead th")]
        assert all(h and "_" not in h for h in heads), heads
    for img in soup.find_all("img"):
        assert len(img.get("alt", "")) > 20, img.get("alt")


@pytest.mark.xdist_group("fresh-batch")  # (conftest's ordering: beside its other readers)
def test_batch_report_is_formatted_and_lists_the_no_items(fresh_batch):
    folder = fresh_batch.root / PERIOD / STORED_PROVIDER
    results = json.loads((folder / "results.json").read_text())
    soup = _page(folder / "report.html")
    _assert_reads_like_a_report(soup, results["provider_name"])
    text = soup.get_text(" ")
    assert "What was scored No, and what will be done" in text
    # the stored assessment answered 2.1 No without an action: listed, and said so
    failed = results["failed_items"]
    assert [f["id"] for f in failed] == ["2.1"]
    assert failed[0]["status"] == "no action"
    rows = [tr for tr in soup.select("tr") if tr.find("td") and
            tr.find("td").get_text(strip=True) == "2.1"]
    assert rows and "No action recorded" in rows[0].get_text(" ")
    # a provider without a stored assessment says so instead of an empty list
    other = next(p for p in (fresh_batch.root / PERIOD).iterdir()
                 if p.is_dir() and p.name != STORED_PROVIDER and (p / "report.html").exists())
    assert "Not yet scored" in _page(other / "report.html").get_text(" ")


@pytest.mark.slow
def test_sample_provider_report_shows_every_no_item_with_its_action(cli, tmp_path,
                                                                    sample_store):
    db = str(tmp_path / "scores.db")  # seeded by `workbench sample-assessments` (conftest)
    shutil.copy(sample_store, db)
    out = tmp_path / "pack"
    run = cli("assess", "harbour-housing", "--db", db, "--output-dir", str(out), "--no-pdf")
    assert run.returncode == 0, run.stderr
    results = json.loads((out / "results.json").read_text())
    failed = results["failed_items"]
    items = results["items"]["__frame__"]
    answers = [dict(zip(items["columns"], row, strict=True))["answer"] for row in items["data"]]
    assert failed and len(failed) == answers.count("no") == 85 - results["total_score"]
    assert {f["status"] for f in failed} <= {"open", "overdue"}
    soup = _page(out / "report.html")
    _assert_reads_like_a_report(soup, results["provider_name"])
    text = " ".join(soup.get_text(" ").split())
    for item in failed:
        rows = [" ".join(tr.get_text(" ").split()) for tr in soup.select("tr")
                if tr.find("td") and tr.find("td").get_text(strip=True) == item["id"]]
        status = "Overdue" if item["status"] == "overdue" else "Open (not yet due)"
        assert any(" ".join(item["action"].split()) in r and status in r for r in rows), rows
    assert f"{len(failed)} of 85 items were scored No" in text
    # charts: a title and a text alternative that says what they show
    alts = [img["alt"] for img in soup.find_all("img")]
    assert any(a.startswith("Bar chart of complaints received each month") for a in alts)
    # scorecard.xlsx: the same items on their own sheet, with action, owner, due and status
    wb = openpyxl.load_workbook(out / "scorecard.xlsx", read_only=True)
    rows = list(wb["Scored No"].iter_rows(values_only=True))
    assert rows[0][:9] == ("Item", "Section", "Requirement", "Evidence expected", "Commentary",
                           "Improvement action", "Owner", "Due", "Action status")
    assert [r[0] for r in rows[1:]] == [f["id"] for f in failed]
    assert all(r[5] and r[6] and r[7] for r in rows[1:])
