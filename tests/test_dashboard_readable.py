"""Dashboards a manager can read (issue 17, parts 1, 3 and 4, without a browser): light
kernels, plain-English measures, UK dates, failed items and their actions, long lists
summarised, empty sections that say why, and charts that use the page."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from tests.dashboard_setup import PROVIDER, dashboard_data
from workbench.analysis import charts, measures
from workbench.core.paths import PROJECT_ROOT
from workbench.dashboards import apps, fragments
from workbench.reports.results import ProviderResults


@pytest.fixture(scope="module")
def site(build_once):
    """results.json for every sample provider and a scored store (built once per run)."""
    return build_once("dashboard-site", dashboard_data)


@pytest.fixture
def env(site, monkeypatch):
    monkeypatch.setenv("WORKBENCH_OUTPUTS", str(site / "outputs"))
    monkeypatch.setenv("WORKBENCH_DB", str(site / "workbench.db"))
    monkeypatch.setenv("WORKBENCH_CONFIG_DIR", str(site / "config"))
    return site


def test_a_page_reading_results_json_imports_no_heavy_library(env):
    """A dashboard kernel that reads results.json (the scorecard page, the landing page) never
    imports scikit-learn, SQLAlchemy or openpyxl: a preheated kernel starts quickly and small."""
    code = (
        "import sys, json\n"
        "from workbench.dashboards import apps\n"
        "apps.scorecard_app(query='provider=oakwood-care')\n"
        "apps.scorecard_app(query='provider=meadowbank-care')\n"
        "heavy = sorted(m for m in ('sklearn', 'sqlalchemy', 'openpyxl', 'scipy')"
        " if m in sys.modules)\n"
        "print(json.dumps(heavy))\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, cwd=PROJECT_ROOT, env={**os.environ})
    assert res.returncode == 0, res.stderr[-3000:]
    assert json.loads(res.stdout.strip().splitlines()[-1]) == []


def test_store_scores_read_without_sqlalchemy_match_the_store(env):
    """The dashboards' standard-library reader of an SQLite store gives the Store's answers."""
    from workbench.dashboards.scores import SqliteScores, open_scores
    from workbench.scoring.store import Store

    reader = open_scores()
    assert isinstance(reader, SqliteScores)
    try:
        with Store(str(env / "workbench.db"), create=False) as store:
            ours, theirs = reader.assessments(PROVIDER), store.assessments(PROVIDER)
            assert [a.id for a in ours] == [a.id for a in theirs] and ours
            assert reader.load(ours[0].id).answers() == store.load(theirs[0].id).answers()
    finally:
        reader.close()


def test_no_store_means_no_scores_and_nothing_created(tmp_path):
    from workbench.dashboards.scores import open_scores

    assert open_scores(tmp_path / "none.db") is None
    assert not (tmp_path / "none.db").exists()


@pytest.fixture
def oakwood(env) -> ProviderResults:
    return apps.DashboardData().results(PROVIDER)


def test_scorecard_reads_in_plain_english(oakwood):
    html = apps.scorecard_body(oakwood).children[0].value
    assert "Complaints Handling Self-Assessment" in html          # the rubric's title
    assert "complaints-handling-self-assessment" not in html     # not its id
    assert "figures: batch output" not in html
    as_of = oakwood.as_of
    assert f"{as_of.day} {as_of:%b %Y}" in html and as_of.isoformat() not in html.split(
        'data-date="')[1][12:]                                    # "31 Mar 2025", not ISO
    for code in ("response_due_recorded_pct", "late_complaint", "duplicate_reference", ">="):
        assert code not in html.replace("&gt;", ">").split("<svg")[0], code
    assert "Not in taxonomy" not in html  # the catch-all is named for a reader everywhere


def test_dates_are_day_month_year():
    import datetime as dt

    assert fragments.date_text(dt.date(2023, 7, 4)) == "4 Jul 2023"
    assert fragments.date_text("2023-07-04") == "4 Jul 2023"
    assert fragments.date_text(dt.datetime(2023, 7, 4, 14, 5), time=True) == "4 Jul 2023 14:05"
    assert fragments.date_text(None) == ""


def test_thresholds_in_words():
    assert measures.threshold_text("responded_within_target_pct", ">=", 95) == "at least 95 %"
    assert measures.threshold_text("overdue_actions", "<=", 0) == "at most 0"
    assert measures.threshold_text("median_working_days_to_respond", "<", 20) == (
        "less than 20 working days")
    exp = {"rca_coverage_pct": {"op": ">=", "threshold": 100, "item": "5.1"}}
    assert measures.expected_text("rca_coverage", exp) == "at least 100 % (rubric 5.1)"
    assert measures.rag("rca_coverage", 100, exp) == "green"
    assert measures.rag("rca_coverage", 90, exp) == "amber"
    assert measures.rag("rca_coverage", 50, exp) == "red"
    assert measures.rag("rca_coverage", None, exp) is None
    assert measures.check_label("duplicate_reference") == (
        "The same complaint reference is used twice")


def test_contradictions_name_the_measure_and_the_threshold_in_words(oakwood):
    frame = pd.DataFrame([{"item": "6.2", "text": "Responses are on time.", "answer": "yes",
                           "kpi": "responded_within_target_pct", "figure": 61.0, "op": ">=",
                           "threshold": 95, "suggestion": "no"}])
    rows = fragments.contradiction_rows(dataclasses.replace(oakwood, contradictions=frame))
    row = rows.iloc[0].to_dict()
    assert row["measure"] == "Responded to within target"
    assert row["expected"] == "at least 95 %" and row["figure"] == "61.0 %"


def test_failed_items_and_their_actions_are_on_the_scorecard(oakwood):
    failed = [
        {"id": "1.3", "section": "1", "section_name": "Organisational Culture",
         "text": "Lead responsibility is assigned.", "evidence_expected": [], "commentary": "",
         "action": "Appoint a member responsible", "owner": "Head of Governance",
         "due": "2024-07-04", "status": "overdue"},
        {"id": "5.1", "section": "5", "section_name": "Learning from Complaints",
         "text": "The organisation learns.", "evidence_expected": [], "commentary": "",
         "action": None, "owner": None, "due": None, "status": "no action"}]
    r = dataclasses.replace(oakwood, failed_items=failed, total_score=10)
    html = fragments.failed_html(r)
    assert "Appoint a member responsible" in html and "Head of Governance" in html
    assert "4 Jul 2024" in html and "Overdue" in html and "No action recorded" in html
    assert 'data-no-items="2"' in html
    assert "What was scored No, and what will be done" in (
        apps.scorecard_body(r).children[0].value)
    unscored = fragments.failed_html(dataclasses.replace(oakwood, total_score=None))
    assert "Not scored yet" in unscored


def test_long_lists_are_summarised_with_show_all(oakwood):
    rows = pd.DataFrame({"status": ["overdue"] * 25, "actions": [f"Do {i}" for i in range(25)],
                         "reference": [f"R{i}" for i in range(25)],
                         "action_due": ["2024-01-02"] * 25, "days_overdue": range(25)})
    html = fragments.overdue_html(dataclasses.replace(oakwood, actions=rows))
    head, _, rest = html.partition("<details")
    assert head.count("<tr>") == 1 + fragments.SHOWN_ROWS  # heading row + the first ten
    assert "Show all 25 overdue actions (15 more)" in rest
    assert "2 Jan 2024" in html


def test_empty_sections_say_why(oakwood):
    bare = dataclasses.replace(oakwood, pareto=pd.DataFrame(), themes=None,
                               kpis={**oakwood.kpis, "by_month": {}})
    html = apps.scorecard_body(bare).children[0].value
    assert "No root causes to chart:" in html
    assert "No monthly figures" in html
    assert "No themes:" in html


def test_portfolio_shows_each_providers_no_items(env):
    data = apps.DashboardData()
    results, _ = data.all_results()
    table = fragments.portfolio_frame(results)
    scored = table.set_index("provider").loc[PROVIDER]
    assert scored["no_items"] == next(r for r in results if r.provider_id == PROVIDER
                                      ).summary()["no_items"]
    assert "Items scored No" in fragments.portfolio_table_html(table)


def test_funnel_note_names_left_out_providers(env):
    results, _ = apps.DashboardData().all_results()
    table = fragments.portfolio_frame(results)
    html = fragments.funnel_html(results, table, "escalated")
    from workbench.reports.portfolio import funnel_data, pooled_rate

    data = funnel_data(table, "escalated", pooled=pooled_rate(results, "escalated"))
    missing = set(table["name"]) - set(data["name"])
    for name in missing:
        assert name in html.split("Not plotted:")[1]
    assert "complaints complaints" not in html.lower()


def test_funnel_plot_sqrt_axis_every_provider_named_no_overlap():
    data = pd.DataFrame({"name": ["Big", "A", "B", "C", "D"],
                         "n": [2600, 40, 42, 45, 60], "count": [900, 10, 12, 30, 20]})
    data["rate"] = data["count"] / data["n"]
    data["pooled"] = data["count"].sum() / data["n"].sum()
    data["flag"] = "within"
    spec = charts.funnel_plot(data).to_dict()
    layers = spec["layer"]
    assert layers[0]["encoding"]["x"]["scale"]["type"] == "sqrt"
    texts = [lay for lay in layers if (lay["mark"]["type"] if isinstance(lay["mark"], dict)
                                       else lay["mark"]) == "text"]
    named = [row["name"] for lay in texts for row in spec["datasets"][lay["data"]["name"]]]
    assert sorted(named) == sorted(data["name"])
    placed = charts._funnel_labels(data, float(data["pooled"].iloc[0]), 2600 * 1.15, 1.0,
                                   charts.WIDE, 360)
    assert len(placed) == 5
    assert "complaints complaints" not in json.dumps(spec["title"]).lower()


def test_month_bars_fill_their_month_and_target_lines_are_labelled(oakwood):
    from workbench.reports import scorecharts

    vol = scorecharts.volume_chart(oakwood).to_dict()
    assert vol["encoding"]["x"]["type"] == "ordinal"
    assert vol["encoding"]["x"]["scale"]["paddingOuter"] > 0
    timely = json.dumps(scorecharts.timeliness_chart(oakwood).to_dict())
    assert "within target" in timely and '"text"' in timely
    svg = fragments.chart_svg(scorecharts.volume_chart(oakwood))
    assert "viewBox" in svg  # scales to the page's width
    assert scorecharts.volume_chart(oakwood).to_dict()["width"] >= 700
