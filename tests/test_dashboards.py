"""The dashboard pieces, headless: totals, tiles, messages, escaping, sorting, store scores."""

from __future__ import annotations

import dataclasses

import ipywidgets as w
import pandas as pd
import pytest

from tests.report_results import PLANTED_TOKENS, make_results
from workbench.dashboards import apps as d

EVIL = "<script>alert(1)</script>"


def _html(widget: w.Widget) -> str:
    """Every HTML value under a widget tree."""
    out = []
    if isinstance(widget, w.HTML):
        out.append(widget.value)
    for child in getattr(widget, "children", ()):
        out.append(_html(child))
    return "\n".join(out)


@pytest.fixture
def results():
    return make_results()


def test_total_text_and_headline(results):
    assert d.total_text(results) == "63 / 85"
    head = d.headline_html(results)
    assert 'data-total="63"' in head and 'data-max="85"' in head and "63 / 85" in head
    unscored = dataclasses.replace(results, total_score=None)
    assert d.total_text(unscored) == "not scored / 85"


@pytest.mark.parametrize(("pct", "rag"), [(80, "green"), (79.9, "amber"), (60, "amber"),
                                          (59.9, "red"), (None, None)])
def test_rag(pct, rag):
    assert d.rag_of(pct) == rag


def test_section_bars(results):
    html = d.sections_html(results)
    assert html.count('class="wb-section"') == 6
    assert 'data-section="1" data-rag="green"' in html  # 18 / 21 = 85.7 %
    for s in results.sections:
        assert f'data-section="{s.id}" data-rag="{d.rag_of(s.pct)}"' in html


def test_kpi_tiles(results):
    tiles = {t.key: t for t in d.kpi_tiles(results)}
    assert set(tiles) == {"complaints", "acknowledged_within_target_pct",
                          "responded_within_target_pct", "median_working_days_to_respond",
                          "upheld_pct", "escalated_pct", "open_past_20_working_days",
                          "rca_coverage"}
    assert tiles["complaints"].value == 40
    assert tiles["responded_within_target_pct"].text == "71 %"
    assert tiles["responded_within_target_pct"].rag == "red"
    assert tiles["acknowledged_within_target_pct"].rag == "amber"  # 92.5: short of 95 (6.1)
    assert tiles["median_working_days_to_respond"].rag == "green"  # 16 <= 20
    assert tiles["open_past_20_working_days"].value == 1
    # the expected level is the rubric's data check (6.2: at least 95 %), not a constant
    assert tiles["responded_within_target_pct"].target == (
        "target 20 working days; at least 95 % (rubric 6.2)")
    html = d.tiles_html(tiles.values())
    assert '<div class="wb-tile" data-kpi="responded_within_target_pct" data-value="71.0"' in html


def test_missing_kpis_show_a_dash(results):
    empty = dataclasses.replace(results, kpis={}, rca_coverage=None)
    tiles = d.kpi_tiles(empty)
    assert all(t.text == "unknown" and t.value is None for t in tiles)


def test_query_string_and_unknown_provider():
    assert d.requested_provider("provider=oakwood-care&x=1") == "oakwood-care"
    assert d.requested_provider("") is None
    assert d.requested_provider("provider=") == ""
    msg = d.message_html(d.unknown_message("<b>x</b>"))
    assert "No provider with id &#x27;&lt;b&gt;x&lt;/b&gt;&#x27; in this portfolio; choose one " \
           "from the list" in msg
    assert len(d.unknown_message("a" * 500)) < 200


def test_scorecard_view_unknown_id_shows_message_and_picker(monkeypatch, results):
    data = _FakeData([results])
    view = d.scorecard_view(data, "../../etc/passwd")
    html = _html(view)
    assert "No provider with id &#x27;../../etc/passwd&#x27;" in html
    picker = next(c for c in view.children if isinstance(c, w.Dropdown))
    assert picker.value is None and data.asked == []
    picker.value = "oakwood-care"  # choosing from the list shows the scorecard
    assert "63 / 85" in _html(view) and "No provider with id" not in _html(view)


def test_scorecard_view_known_and_default(results):
    data = _FakeData([results])
    assert "63 / 85" in _html(d.scorecard_view(data, "oakwood-care"))
    assert "63 / 85" in _html(d.scorecard_view(data, None))
    assert data.asked == ["oakwood-care", "oakwood-care"]


def test_everything_from_data_is_escaped():
    r = make_results(name=EVIL)
    r.service_type = EVIL
    r.themes.themes.loc[0, "label"] = EVIL
    r.themes.themes.at[0, "terms"] = [EVIL, "late"]
    r.themes.emerging.loc[0, "label"] = EVIL
    r.issues.loc[0, "check"] = EVIL
    r.actions.loc[1, "reference"] = EVIL
    r.contradictions = pd.DataFrame([{"item": "5.1", "text": EVIL, "answer": "Yes",
                                      "kpi": "rca_coverage_pct", "figure": 10.0, "op": ">=",
                                      "threshold": 90, "suggestion": "No"}])
    html = _html(d.scorecard_body(r))
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    table = d.portfolio_table_html(d.portfolio_frame([r]))
    assert "<script" not in table.lower()


def test_charts_render_offline_as_svg_with_escaped_labels():
    r = make_results()
    r.pareto.loc[0, "label"] = EVIL
    figures = d.scorecard_charts(r)
    assert set(figures) == {"volumes", "timeliness", "pareto", "themes"}
    svg = d.chart_svg(figures["pareto"])
    assert svg.startswith("<svg") and "mark-" in svg and "<script" not in svg
    view = d.chart_view(figures["volumes"], "volumes")
    assert 'data-chart="volumes"' in view.value and "<svg" in view.value


def test_no_personal_data_on_the_scorecard(results):
    html = _html(d.scorecard_body(results))
    for token in PLANTED_TOKENS:
        assert token not in html
    assert "Jane Manager" not in html  # action owners are not shown


def test_overdue_actions_columns(results):
    frame = d.overdue_actions(results)
    assert list(frame.columns) == ["reference", "action", "due", "days_overdue"]
    assert frame["reference"].tolist() == ["C-0009"]


def test_data_quality_counts_by_check(results):
    dq = d.data_quality(results)
    assert dq.to_dict("records") == [{"check": "Date", "severity": "Error", "issues": 1}]
    assert "=1+1" not in d.data_quality_html(results)  # values are never shown


def test_results_json_round_trip_keeps_what_the_scorecard_shows(results):
    from workbench.reports.results import from_json, to_json

    back = from_json(to_json(results))
    html = _html(d.scorecard_body(back))
    assert "63 / 85" in html and 'data-kpi="responded_within_target_pct" data-value="71.0"' in html
    assert 'data-chart="timeliness"' in html  # quarters relabelled when the index was dropped


def test_sort_and_filter():
    a = make_results("a-care", "Alpha", complaints=40, scores=(1, 1, 1, 1, 1, 1))
    b = make_results("b-care", "Beta", complaints=90, scores=(20, 10, 20, 8, 16, 9))
    c = make_results("c-home", "Gamma", complaints=60)
    c.service_type = "home care"
    table = d.portfolio_frame([a, b, c])
    assert d.sort_table(table, "complaints", True)["provider"].tolist() == [
        "a-care", "c-home", "b-care"]
    assert d.sort_table(table, "total_score", False)["provider"].tolist()[0] == "b-care"
    assert d.sort_table(table, "name", True, "home care")["provider"].tolist() == ["c-home"]
    assert d.sort_table(table, "name", True, d.ALL_TYPES)["provider"].tolist() == [
        "a-care", "b-care", "c-home"]


def test_suppressed_and_blank_values_sort_last():
    table = pd.DataFrame({"provider": ["x", "y", "z"], "service_type": ["a"] * 3,
                          "upheld": ["<5", 10, None]})
    assert d.sort_table(table, "upheld", True)["provider"].tolist() == ["y", "x", "z"]
    assert d.sort_table(table, "upheld", False)["provider"].tolist() == ["y", "x", "z"]


def test_portfolio_links_each_provider_to_its_scorecard():
    table = d.portfolio_frame([make_results()])
    html = d.portfolio_table_html(table)
    assert 'href="scorecard_dashboard.ipynb?provider=oakwood-care"' in html
    assert d.scorecard_link("a b/../") == "scorecard_dashboard.ipynb?provider=a%20b%2F..%2F"


def test_portfolio_view_sorts_filters_and_drills_down():
    a = make_results("a-care", "Alpha", complaints=40)
    b = make_results("b-home", "Beta", complaints=90)
    b.service_type = "home care"
    view = d.portfolio_view(_FakeData([a, b]))
    controls = {c.description: c for box in view.children if isinstance(box, w.HBox)
                for c in box.children}
    table = next(c for c in view.children
                 if isinstance(c, w.HTML) and "wb-portfolio" in c.value)
    controls["Service"].value = "home care"
    assert "Beta" in table.value and "Alpha" not in table.value
    controls["Service"].value = d.ALL_TYPES
    controls["Sort by"].value = "complaints"
    assert table.value.index("Beta") < table.value.index("Alpha")  # descending by default
    controls["Descending"].value = True
    assert table.value.index("Alpha") < table.value.index("Beta")
    drill = next(c for c in view.children
                 if isinstance(c, w.Dropdown) and c.description == "Scorecard")
    drill.value = "b-home"
    assert "Beta" in _html(view.children[-1]) and "63 / 85" in _html(view.children[-1])
    assert 'data-chart="funnel"' in _html(view)


def test_store_scores_replace_the_batch_figures(tmp_path, results):
    from workbench.reports.pack import default_rubric_path, rubric_at
    from workbench.scoring.assessment import scores
    from workbench.scoring.store import Store

    rubric = rubric_at(default_rubric_path())
    results = dataclasses.replace(results, rubric_id=rubric.id, rubric_version=rubric.version)
    db = str(tmp_path / "wb.db")
    assert d.open_store_readonly(db) is None and not (tmp_path / "wb.db").exists()
    with Store(db) as store:
        aid = store.create_assessment("oakwood-care", "2024-25", rubric, who="Ann Auditor")
        store.save_items(aid, {"1.1": {"answer": "yes"}, "1.2": {"answer": "no"}}, "Ann Auditor")
        expected = scores(rubric, store.load(aid)).total
    store = d.open_store_readonly(db)
    try:
        live = d.with_store_scores(results, store)
    finally:
        store.close()
    assert live.total_score == expected != results.total_score
    assert live.last_updated_by == "Ann Auditor"
    assert "Last updated" in d.header_html(live) and "Ann Auditor" in d.header_html(live)
    none = d.with_store_scores(results, None)
    assert none.total_score is None and d.total_text(none) == f"not scored / {rubric.total}"


def test_dashboard_data_prefers_results_json(tmp_path, monkeypatch):
    from workbench.core.paths import DEFAULT_MANIFEST
    from workbench.register.manifest import load_manifest
    from workbench.reports import results as results_mod

    manifest = load_manifest(DEFAULT_MANIFEST)
    pid = manifest.providers[0].id
    saved = make_results(pid, "From the batch")
    results_mod.save(saved, tmp_path / manifest.period / pid / "results.json")
    data = d.DashboardData(db=str(tmp_path / "none.db"), output_root=tmp_path)
    got = data.results(pid)
    assert got.provider_name == "From the batch" and data.sources[pid] == "batch output"
    with pytest.raises(Exception, match="No provider with id"):
        data.results("not-a-provider")
    assert not (tmp_path / "none.db").exists()  # the dashboards never create a store


class _FakeData:
    """DashboardData over ready-made results (no files, no store)."""

    def __init__(self, results):
        from workbench.register.manifest import Manifest, Provider

        self._results = {r.provider_id: r for r in results}
        self.manifest = Manifest(commissioner="Test Council", period="2024-25", providers=[
            Provider(id=r.provider_id, name=r.provider_name, service_type=r.service_type,
                     register="x.csv", service_users=100) for r in results])
        self.period = "2024-25"
        self.sources: dict[str, str] = {}
        self.asked: list[str] = []

    @property
    def ids(self):
        return list(self._results)

    def provider(self, provider_id):
        return next((p for p in self.manifest.providers if p.id == provider_id), None)

    def results(self, provider_id):
        self.asked.append(provider_id)
        return self._results[provider_id]

    def all_results(self):
        return list(self._results.values()), []


def test_dashboard_reads_the_charts_the_batch_drew_and_writes_none(tmp_path, monkeypatch):
    """The batch draws the scorecard's charts from results.json into the shared cache; the
    dashboard, given the same results.json, reads them back (no rendering) and never writes."""
    from workbench.core.paths import CHART_CACHE_ENV
    from workbench.reports import htmlreport, scorecharts
    from workbench.reports import results as results_mod

    cache = tmp_path / "charts"
    monkeypatch.setenv(CHART_CACHE_ENV, str(cache))
    path = results_mod.save(make_results(), tmp_path / "results.json")
    drawn = scorecharts.prerender(results_mod.load(path))
    files = sorted(cache.rglob("*.svg"))
    assert drawn == len(d.scorecard_charts(results_mod.load(path))) == len(files) >= 3
    for f in files:  # mark every cached chart: what the page shows must come from here
        f.write_text(f.read_text().replace("<svg", '<svg data-from-cache="1"', 1))
    htmlreport._svg_of.cache_clear()
    body = _html(d.scorecard_body(results_mod.load(path)))
    assert body.count('data-from-cache="1"') == drawn
    monkeypatch.setenv(CHART_CACHE_ENV, str(tmp_path / "empty"))
    htmlreport._svg_of.cache_clear()
    d.scorecard_body(results_mod.load(path))  # nothing cached there: drawn, not stored
    assert not (tmp_path / "empty").exists()


def test_no_chart_cache_means_no_prerendering(tmp_path, monkeypatch):
    from workbench.core.paths import CHART_CACHE_ENV
    from workbench.reports import scorecharts

    monkeypatch.delenv(CHART_CACHE_ENV, raising=False)
    assert scorecharts.prerender(make_results()) == 0
