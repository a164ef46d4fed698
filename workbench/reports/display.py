"""The provider notebook's sections as a reader sees them (and report.html, its export)."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.analysis.measures import figure_text, value_text
from workbench.reports import governance, regimes, scorecard
from workbench.reports.htmlreport import chart_svg, fmt, overdue_split
from workbench.reports.provenance import default_rubric_path, rubric_at
from workbench.reports.results import ProviderResults
from workbench.reports.tables import cell, label, present
from workbench.scoring.form import ScoringForm

# Long lists in the report stop here; scorecard.xlsx has every row.
LIST_LIMIT = 25
QUARTER_COLUMNS = ("complaints", "acknowledged_within_target_pct", "responded_within_target_pct",
                   "median_working_days_to_respond", "upheld_pct", "escalated_pct", "open")
CHART_TITLES = {"volumes": "Complaints received each month",
                "outcomes": "Outcomes of complaints",
                "pareto": "Root causes of upheld complaints",
                "themes": "Themes by quarter",
                "actions": "Improvement actions by status"}
ACTION_STATUS_WORDS = {"overdue": "Overdue", "open": "Open (not yet due)",
                       "no action": "No action recorded"}


def show(*objs: Any) -> None:
    """Display tables, charts and Markdown strings; a value from a manifest, register, rubric or
    the store goes into such a string only through `md`."""
    from IPython.display import Markdown, display

    for obj in objs:
        display(Markdown(obj) if isinstance(obj, str) else obj)


_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#!|~])")


def md(value: Any) -> str:
    """``value`` as literal text inside a line of Markdown: HTML escaped (no markup from data
    reaches the page), on one line, and Markdown punctuation backslash-escaped (no emphasis,
    code, links or images). Numbers are shown as they are."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = " ".join(html.escape(str(value), quote=False).split())
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)


def _more(shown: int, total: int, where: str = "scorecard.xlsx") -> None:
    if total > shown:
        show(f"The first {shown} of {total:,} are shown; {where} lists every one.")


# ---------------------------------------------------------------- charts with their text


def chart_alt(name: str, results: ProviderResults) -> str:
    """What chart ``name`` shows, in words, from the figures it is drawn from."""
    k = results.kpis or {}
    if name == "volumes":
        months = scorecard.pairs(k.get("by_month"))
        if not months:
            return "Bar chart of complaints received each month."
        top = max(months, key=lambda kv: kv[1] or 0)
        return (f"Bar chart of complaints received each month, {months[0][0]} to "
                f"{months[-1][0]}: {sum(v or 0 for _, v in months):,} in all, most in "
                f"{top[0]} ({top[1]}).")
    if name == "outcomes":
        parts = [f"{scorecard.label(key).lower()} {n:,}"
                 for key, n in scorecard.pairs(k.get("outcomes")) if n]
        return "Chart of complaint outcomes: " + (", ".join(parts) or "none recorded") + "."
    if name == "pareto" and not results.pareto.empty:
        top = results.pareto.head(3)
        return ("Pareto chart of root causes of upheld complaints, most frequent first: "
                + "; ".join(f"{r['label']} {r['count']} ({r['pct']:.0f} %)"
                            for r in top.to_dict("records")) + ".")
    if name == "themes" and results.themes is not None and not results.themes.themes.empty:
        t = results.themes.themes.iloc[0]
        return (f"Heat map of each theme's share of complaints by quarter; the largest theme, "
                f"{t['label']}, has {int(t['size']):,} complaints.")
    if name == "actions":
        counts = (results.actions_summary or {})
        parts = [f"{key} {counts[key]:,}" for key in ("completed", "open", "overdue")
                 if isinstance(counts.get(key), int)]
        return "Bar chart of improvement actions by status: " + ", ".join(parts) + "."
    return CHART_TITLES.get(name, name)


def _figure(chart: Any, title: str, alt: str) -> Any:
    """A chart as a captioned figure: an SVG image with its text alternative (static pages),
    or the live chart under its caption (JupyterLab)."""
    import altair as alt_lib
    from IPython.display import HTML

    if alt_lib.renderers.active != "svg":
        show(f"**{md(title)}**", chart, f"*{md(alt)}*")
        return None
    data = base64.b64encode(chart_svg(chart).encode()).decode()
    return HTML(f'<figure style="margin: 1em 0"><figcaption><strong>{html.escape(title)}'
                f'</strong></figcaption><img src="data:image/svg+xml;base64,{data}" '
                f'alt="{html.escape(alt)}" style="max-width: 100%"></figure>')


def show_chart(figures: Mapping[str, Any] | None, results: ProviderResults, *names: str) -> None:
    """Each named chart that was drawn, with its title and text alternative."""
    for name in names:
        chart = (figures or {}).get(name)
        if chart is not None:
            fig = _figure(chart, CHART_TITLES.get(name, name), chart_alt(name, results))
            if fig is not None:
                show(fig)


# ---------------------------------------------------------------- the sections


def show_heading(results: ProviderResults) -> None:
    """The report's title and what it covers: provider, period, figures' date, rubric, score."""
    rubric = results.rubric_title or results.rubric_id
    show(f"# {md(results.provider_name)}: complaints handling audit, {md(results.period)}",
         f"{md(results.service_type.replace('_', ' ').capitalize())}. Register figures to "
         f"{md(fmt(results.as_of))} ({results.register_rows:,} rows). Assessed against the "
         f"{md(rubric)} (version {md(results.rubric_version)}).")
    if results.total_score is None:
        show(f"**Not yet scored**: no stored assessment for this period "
             f"({results.max_score} points available).")
    else:
        pct = 100 * results.total_score / results.max_score if results.max_score else None
        show(f"**Score {results.total_score} of {results.max_score}"
             + (f" ({pct:.0f} %)" if pct is not None else "") + "**; items scored No: "
             f"{md(scorecard.failed_text(results))}.")


def show_data_quality(results: ProviderResults, figures: Mapping[str, Any] | None = None
                      ) -> None:
    """Data-quality section: issues counted by field and check, then the first issues."""
    issues = results.issues
    show(f"**{md(results.provider_name)}**: {results.register_rows:,} register rows, "
         f"{len(issues):,} data-quality issues.")
    if len(issues):
        counts = (issues.groupby(["severity", "field", "check"]).size().rename("issues")
                  .reset_index().sort_values("issues", ascending=False))
        show(present(counts, caption="Issues by field and check"))
        show(present(issues.head(LIST_LIMIT), ["row", "column", "field", "check", "message",
                                               "severity"], caption="The issues, by row"))
        _more(min(len(issues), LIST_LIMIT), len(issues))


def show_kpis(results: ProviderResults, figures: Mapping[str, Any] | None = None) -> None:
    """KPI section: the headline figures, the rubric indicators, figures by quarter."""
    show(present(scorecard.figure_table(results), caption="Headline figures"))
    show(present(scorecard.figure_table(results, indicators=True),
                 caption="The rubric's indicators"))
    by_period = results.by_period
    if len(by_period):
        frame = by_period.reset_index() if by_period.index.name else by_period
        cols = [c for c in ("quarter", *QUARTER_COLUMNS) if c in frame.columns]
        show(present(frame, {c: label(c) if c == "quarter" else scorecard.label(c)
                             for c in cols}, caption="By quarter"))
    show_chart(figures, results, "volumes", "outcomes")


def show_regime(results: ProviderResults) -> None:
    """Timeliness on the clocks the provider is held to (its regime), and the regime's return."""
    st = results.stages or {}
    if not st:
        show("No regime figures: the analysis did not run on this register.")
        return
    show(f"Held to: **{md(st.get('title', st.get('regime', '')))}**.",
         "\n".join(f"- {md(line)}" for line in st.get("clocks") or []))
    show(present(regimes.stage_table(results), caption="Timeliness per stage"))
    if results.returns:
        r = results.returns
        period = r.get("period")
        label = period.get("label") if isinstance(period, dict) else results.period
        homes = r.get("homes")
        homes = sum(homes.values()) if isinstance(homes, dict) else homes
        caption = f"{r.get('title', 'Return')}, {label}" + (
            f" ({homes:,} homes)" if isinstance(homes, int) and homes else "")
        show(present(regimes.returns_table(results), caption=caption))


def show_root_causes(results: ProviderResults, figures: Mapping[str, Any] | None = None
                     ) -> None:
    """Root-cause section: coverage and the Pareto table and chart."""
    cover = results.rca_coverage
    show("Root cause recorded on " + (f"{cover:.1f} %" if cover is not None else "an unknown "
         "share (the register has no outcome or no root cause column)")
         + " of upheld and partly upheld complaints.")
    if results.pareto.empty:
        show("No root causes to show: no upheld complaint has one recorded.")
        return
    causes = int(results.pareto["count"].sum())
    show(present(results.pareto, {"label": "Root cause", "count": "Complaints",
                                  "pct": "Share", "cum_pct": "Cumulative share"},
                 caption=f"Root causes of the {causes:,} upheld and partly upheld complaints "
                         f"received in {results.period} with one recorded"))
    show_chart(figures, results, "pareto")


def show_themes(results: ProviderResults, figures: Mapping[str, Any] | None = None) -> None:
    """Themes section: the discovered themes (no example references) and emerging ones."""
    th = results.themes
    if th is None or th.themes.empty:
        show("No themes: too few complaints have a summary to find themes in.")
        return
    show(present(th.themes, {"label": "Theme", "size": "Complaints", "share": "Share"},
                 caption=f"Themes of the complaints received in {results.period} "
                         f"({th.coverage_text})"))
    emerging = th.emerging[th.emerging["emerging"]] if "emerging" in th.emerging else th.emerging
    if len(emerging):
        show(present(emerging, {"label": "Theme", "quarter": "Quarter", "count": "Complaints",
                                "share": "Share", "baseline_share": "Share before",
                                "ratio": "Ratio", "p_value": "p-value"},
                     caption="Emerging themes (a significant rise on the quarters before)"))
    else:
        show("No theme rose significantly in any quarter.")
    show_chart(figures, results, "themes")


def show_actions(results: ProviderResults, figures: Mapping[str, Any] | None = None) -> None:
    """Actions section: headline figures and the overdue actions."""
    show(present(pd.DataFrame(
        [{"Measure": r["measure"], "Value": value_text(r["key"], r["value"])
          if r["key"].endswith("_pct") else "unknown" if r["value"] is None else f"{r['value']:,}"}
         for r in governance.actions_summary_rows(results)])))
    if len(results.actions) and "status" in results.actions:
        overdue = results.actions[results.actions["status"] == "overdue"]
        if len(overdue):
            overdue = overdue.sort_values("days_overdue", ascending=False)
            show(present(overdue.head(LIST_LIMIT),
                         {"_row": "Row", "reference": "Reference", "actions": "Action",
                          "action_due": "Due", "days_overdue": "Days overdue"},
                         caption="Overdue actions, longest overdue first"
                                 + overdue_split(overdue, results.period)))
            _more(min(len(overdue), LIST_LIMIT), len(overdue))
        else:
            show("No action is overdue.")
    show_chart(figures, results, "actions")


def show_failed_items(results: ProviderResults) -> None:
    """What was scored No, and what will be done: each item with its improvement action."""
    if results.total_score is None:
        show("Not yet scored: the items answered No and their actions appear here once the "
             "assessment is stored.")
        return
    items = results.failed_items
    if not items:
        show(f"No item was scored No ({results.total_score} of {results.max_score}).")
        return
    detail = scorecard.failed_detail(results)
    show(f"{len(items)} of {len(results.items) or results.max_score} items were scored No; "
         + (f"{md(detail)}." if detail else "each has an improvement action not yet due."))
    frame = scorecard.failed_items_frame(results)
    frame["status"] = frame["status"].map(ACTION_STATUS_WORDS).fillna(frame["status"])
    show(present(frame, {"id": "Item", "text": "Requirement",
                         "evidence_expected": "Evidence expected", "commentary": "Commentary",
                         "action": "Improvement action", "owner": "Owner", "due": "Due",
                         "status": "Status"}))


def show_assessment(results: ProviderResults, *, interactive: bool, db: str | None = None,
                    rubric_path: str | Path | None = None) -> Any:
    """The scoring form when a person runs the notebook interactively (the store is ``db``, else
    WORKBENCH_DB or outputs/workbench.db); otherwise a read-only summary of the stored scores
    (what papermill and the batch show)."""
    rubric = rubric_at(rubric_path or default_rubric_path())
    if interactive:
        form = ScoringForm.open(db=db, provider=results.provider_id, period=results.period,
                                rubric=rubric, indicators=results.indicators,
                                coverage=(results.kpis or {}).get("coverage"))
        show(form.widget)
        return form
    if results.total_score is None:
        show(f"No stored assessment for {md(results.provider_name)} {md(results.period)}: "
             f"{rubric.item_count} items unanswered (maximum {results.max_score}).")
    else:
        show(f"**Total score {results.total_score} of {results.max_score}**")
    show(present(pd.DataFrame([{"section": s.id, "name": s.name, "score": s.score,
                                "max": s.max_points, "answered": s.answered}
                               for s in results.sections])))
    if len(results.contradictions):
        c = results.contradictions
        frame = pd.DataFrame({
            "item": c["item"], "text": c["text"], "answer": c["answer"],
            "measure": [scorecard.label(k) for k in c["kpi"]],
            "found": [figure_text(k, v) for k, v in zip(c["kpi"], c["figure"], strict=True)],
            "expected": [scorecard.expected_text(k, results.expectations) or
                         f"{scorecard.expected_words(op)} {cell(t)}"
                         for k, op, t in zip(c["kpi"], c["op"], c["threshold"], strict=True)],
            "suggestion": c["suggestion"]})
        show(present(frame, {"item": "Item", "text": "Requirement", "answer": "Answered",
                             "measure": "Measure", "found": "In the register",
                             "expected": "Expected", "suggestion": "The data suggests"},
                     caption="Answers the register's figures contradict"))
    return None
