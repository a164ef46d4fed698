"""Governance reports (HTML): lessons learned, quarterly public, annual, and to the commissioner."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd

from workbench.analysis import charts
from workbench.analysis.actions import SUMMARY_INDICATORS
from workbench.analysis.measures import coverage_text, measure
from workbench.reports.htmlreport import (
    SUPPRESSED,
    LazyChart,
    as_date,
    chart_svg,
    fmt,
    fmt_pct,
    is_missing,
    period_bounds,
    period_text,
    table_rows,
    write_html,
)
from workbench.reports.portfolio import (
    benchmark,
    funnel_data,
    funnel_plot,
    is_suppressed,
    pooled_rate,
    portfolio_table,
    suppress_count,
)
from workbench.reports.redaction import redact, staff_as_roles
from workbench.reports.results import ProviderResults, theme_table
from workbench.reports.scorecard import (
    SECTION_RAG,
    expected_text,
    kpi_rag,
    label,
    pairs,
    section_rows,
    total_text,
)

# report key -> (template, file name, suppress small numbers)
REPORTS: dict[str, tuple[str, str, bool]] = {
    "lessons_learned": ("lessons_learned.html.j2", "lessons_learned.html", False),
    "public_quarterly": ("public_quarterly.html.j2", "public_quarterly_report.html", True),
    "annual_report": ("annual_report.html.j2", "annual_report.html", True),
    "commissioner_report": ("commissioner_report.html.j2", "commissioner_report.html", False),
}
OUTCOME_LABELS = {"upheld": "Upheld", "partly_upheld": "Partly upheld",
                  "not_upheld": "Not upheld", "undecided": "No decision yet"}
DECIDED = ("upheld", "partly_upheld", "not_upheld")
CASE_STUDIES = 3
PUBLIC_ACTIONS = 10
PORTFOLIO_ACTIONS = 10  # open actions per provider in the portfolio lessons-learned report
NOT_CHARTED = ("Figures of 1 to 4 are not shown (\"<5\") to protect the privacy of the people "
               "who complained; they are left out of the charts.")


# ---------------------------------------------------------------- small numbers and values

def _n(value: Any) -> float | None:
    if value is None or isinstance(value, (str, bool)) or is_missing(value):
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def _count(value: Any, public: bool) -> Any:
    return suppress_count(value) if public else value


def _rate(value: Any, *sources: Any) -> Any:
    """``value``, or "<5" when any count it is computed from is suppressed."""
    return SUPPRESSED if any(is_suppressed(s) for s in sources) and _n(value) is not None \
        else value


def _pct(num: Any, den: Any) -> float | None:
    a, b = _n(num), _n(den)
    return round(100 * a / b, 1) if a is not None and b else None


def _met(value: Any, target: Any, *, at_most: bool) -> str | None:
    v, t = _n(value), _n(target)
    if v is None or t is None:
        return None
    return "met" if (v <= t if at_most else v >= t) else "not met"


# ---------------------------------------------------------------- tables

def outcome_rows(results: ProviderResults, public: bool) -> list[dict[str, Any]]:
    """Outcome, count, % of decided complaints."""
    outcomes = (results.kpis or {}).get("outcomes") or {}
    decided = sum(int(outcomes.get(k) or 0) for k in DECIDED)
    decided_shown = _count(decided, public)
    rows = []
    for key, name in OUTCOME_LABELS.items():
        if key not in outcomes:
            continue
        count = _count(outcomes.get(key), public)
        share = _pct(outcomes.get(key), decided) if key in DECIDED else None
        rows.append({"key": key, "outcome": name, "count": count,
                     "pct": _rate(share, count, decided_shown)})
    return rows


def quarter_rows(results: ProviderResults, public: bool) -> list[dict[str, Any]]:
    """Per financial quarter: volume, outcomes and handling performance."""
    frame = results.by_period
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        return []
    frame = frame.reset_index() if "quarter" not in frame.columns else frame
    key = "quarter" if "quarter" in frame.columns else frame.columns[0]
    rows = []
    for _, r in frame.iterrows():
        upheld = (_n(r.get("upheld")) or 0) + (_n(r.get("partly_upheld")) or 0)
        decided = upheld + (_n(r.get("not_upheld")) or 0)
        complaints = _count(_int(r.get("complaints")), public)
        up = _count(int(upheld), public)
        dec = _count(int(decided), public)
        upheld_pct = r.get("upheld_pct") if "upheld_pct" in r else _pct(upheld, decided)
        rows.append({
            "quarter": str(r[key]), "complaints": complaints,
            "compliments": _count(_int(r.get("compliments")), public),
            "decided": dec, "upheld": up, "upheld_pct": _rate(upheld_pct, up, dec),
            "acknowledged_within_target_pct": _rate(r.get("acknowledged_within_target_pct"),
                                                    complaints),
            "responded_within_target_pct": _rate(r.get("responded_within_target_pct"),
                                                 complaints),
            "median_working_days_to_respond": _rate(r.get("median_working_days_to_respond"),
                                                    complaints),
            "escalated_pct": _rate(r.get("escalated_pct"), complaints),
            "open": _count(_int(r.get("open")), public),
        })
    return rows


def _int(value: Any) -> int | None:
    v = _n(value)
    return int(v) if v is not None else None


def category_rows(results: ProviderResults, key: str, public: bool) -> list[dict[str, Any]]:
    """A breakdown of complaints (``by_type``, ``by_location``): category, count, % of all."""
    items = pairs((results.kpis or {}).get(key))
    total = sum(_n(v) or 0 for _, v in items)
    rows = []
    for cat, value in items:
        count = _count(_int(value), public)
        rows.append({"category": cat, "count": count, "pct": _rate(_pct(value, total), count)})
    return rows


def cause_rows(results: ProviderResults, public: bool) -> list[dict[str, Any]]:
    """Root causes of upheld complaints: cause, count, %, cumulative %."""
    frame = results.pareto if isinstance(results.pareto, pd.DataFrame) else pd.DataFrame()
    rows = []
    for r in table_rows(frame):
        count = _count(_int(r.get("count")), public)
        rows.append({"cause": r.get("label", r.get("cause")), "count": count,
                     "pct": _rate(r.get("pct"), count),
                     "cum_pct": _rate(r.get("cum_pct", r.get("cumulative_pct")), count)})
    return rows


def theme_rows(results: ProviderResults) -> list[dict[str, Any]]:
    """Text themes (internal reports only): theme, label, complaints, share %."""
    # results read back from results.json hold the themes as a dict of tables
    frame = theme_table(results.themes, "themes")
    if frame.empty:
        return []
    return [{"theme": r.get("theme"), "label": r.get("label"), "count": r.get("size"),
             "pct": round(100 * float(r["share"]), 1) if _n(r.get("share")) is not None else None}
            for r in table_rows(frame)]


def emerging_rows(results: ProviderResults, attr: str, key: str, public: bool
                  ) -> list[dict[str, Any]]:
    """Emerging themes or types in the latest quarter (only those flagged emerging)."""
    frame = theme_table(results.themes, attr)
    if frame.empty or "emerging" not in frame:
        return []
    rows = []
    for r in table_rows(frame[frame["emerging"].astype(bool)]):
        count = _count(_int(r.get("count")), public)
        share = _n(r.get("share"))
        rows.append({"name": r.get("label") if key == "theme" else r.get(key),
                     "quarter": r.get("quarter"), "count": count,
                     "pct": _rate(round(100 * share, 1) if share is not None else None, count),
                     "ratio": r.get("ratio")})
    return rows


def _actions(results: ProviderResults) -> pd.DataFrame:
    return results.actions if isinstance(results.actions, pd.DataFrame) else pd.DataFrame()


def _text_col(frame: pd.DataFrame, *names: str) -> str | None:
    return next((n for n in names if n in frame.columns), None)


def completed_between(frame: pd.DataFrame, bounds: tuple[dt.date, dt.date] | None
                      ) -> pd.DataFrame:
    """``frame`` (actions) without the actions completed outside ``bounds``: a report shows
    the work of its period, and the actions still open."""
    if bounds is None or frame.empty or "action_completed" not in frame:
        return frame
    done = pd.to_datetime(frame["action_completed"], errors="coerce")
    inside = (done >= pd.Timestamp(bounds[0])) & (done <= pd.Timestamp(bounds[1]))
    return frame[done.isna().to_numpy() | inside.to_numpy(dtype=bool, na_value=False)]


def action_rows(results: ProviderResults, *, completed_only: bool = False,
                open_only: bool = False, limit: int | None = None,
                between: tuple[dt.date, dt.date] | None = None) -> list[dict[str, Any]]:
    """Improvement actions without references or names: outcome, action (redacted), status,
    due, completed, signed off, complainant told. ``between``: only the actions completed in
    those days (and those not completed). ``completed_only``: the completed ones, the latest
    first. ``open_only``: the actions not completed, earliest due (most overdue) first."""
    frame = completed_between(_actions(results), between)
    col = _text_col(frame, "actions", "action", "description")
    if frame.empty or col is None:
        return []
    if completed_only and "status" in frame:
        frame = frame[frame["status"].astype("string") == "completed"]
        if "action_completed" in frame:
            done = pd.to_datetime(frame["action_completed"], errors="coerce")
            frame = frame.iloc[done.argsort(kind="stable")[::-1]]
    if open_only and "status" in frame:
        frame = frame[frame["status"].astype("string") != "completed"]
        if "action_due" in frame:
            due = pd.to_datetime(frame["action_due"], errors="coerce")
            frame = frame.iloc[due.argsort(kind="stable")]
    if limit is not None:
        frame = frame.head(limit)  # a row per action: convert and redact only those shown
    rows = []
    for r in table_rows(frame):
        rows.append({
            "type": None if is_missing(r.get("type")) else redact(r.get("type")),
            "summary": None if is_missing(r.get("summary")) else redact(r.get("summary")),
            "outcome": OUTCOME_LABELS.get(str(r.get("outcome"))),
            "action": redact(r.get(col)), "status": r.get("status"),
            "due": _date(r.get("action_due")), "completed": _date(r.get("action_completed")),
            "signed_off": r.get("signed_off"),
            "told": r.get("complainant_told_of_improvement"),
        })
    return rows


def _date(value: Any) -> dt.date | None:
    return None if is_missing(value) else as_date(value)


def _has_text(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame:
        return pd.Series(False, index=frame.index)
    text = frame[col].astype("string").str.strip()
    return (text.notna() & (text != "")).astype(bool)


def case_studies(results: ProviderResults, limit: int = CASE_STUDIES, *,
                 between: tuple[dt.date, dt.date] | None = None) -> list[dict[str, Any]]:
    """Anonymised case studies for publication: what the complaint was about (its type and
    summary), the outcome and the action taken, from the actions of upheld or partly upheld
    complaints completed ``between`` those days, the latest first (those with a type and a
    summary first). No reference, no date, no names: the type, summary and action pass
    through `workbench.reports.redaction.redact` (published text)."""
    frame = completed_between(_actions(results), between)
    col = _text_col(frame, "actions", "action", "description")
    if frame.empty or col is None or "outcome" not in frame:
        return []
    # filter before redacting, so only the actions shown are redacted
    frame = frame[frame["outcome"].astype("string").isin(["upheld", "partly_upheld"]).to_numpy(
        dtype=bool, na_value=False) & _has_text(frame, col).to_numpy()]
    if "status" in frame:
        frame = frame[frame["status"].astype("string").eq("completed").to_numpy(
            dtype=bool, na_value=False)]
    order = pd.DataFrame({
        "described": -(_has_text(frame, "type").astype(int)
                       + _has_text(frame, "summary").astype(int)).to_numpy(),
        "done": pd.to_datetime(frame["action_completed"], errors="coerce").to_numpy()
        if "action_completed" in frame else pd.NaT})
    chosen = order.sort_values(["described", "done"], ascending=[True, False],
                               kind="stable", na_position="last").index[:limit]
    rows = action_rows(dataclasses.replace(results, actions=frame.iloc[chosen]),
                       completed_only=True)
    rows.sort(key=lambda r: -(bool(r["type"]) + bool(r["summary"])))  # stable: latest first
    return [{"type": r["type"], "summary": r["summary"], "outcome": r["outcome"],
             "action": r["action"]} for r in rows]


def actions_summary_rows(results: ProviderResults) -> list[dict[str, Any]]:
    """Headline action figures as label/value rows."""
    names = {"actions": "Improvement actions", "completed": "Completed", "overdue": "Overdue",
             "open": "Open (not yet due)", "no_due_date": "No due date",
             "overdue_from_before": "Also overdue, from complaints received before the period",
             # the percentages are the indicators: shown under the indicators' own names
             **{key: measure(name).label for key, name in SUMMARY_INDICATORS.items()}}
    return [{"key": k, "measure": names.get(k, label(k)), "value": v,
             "shown": "unknown" if v is None else fmt_pct(v) if k.endswith("_pct") else fmt(v)}
            for k, v in (results.actions_summary or {}).items()
            if v is None or isinstance(v, (int, float))]


def timeliness_rows(results: ProviderResults, public: bool) -> list[dict[str, Any]]:
    """Handling performance against the contract targets."""
    k = results.kpis or {}
    targets = {**(results.targets or {}), **(k.get("targets") or {})}
    ack, resp = targets.get("acknowledge_days"), targets.get("respond_days")
    complaints = _count(k.get("complaints"), public)
    spec = [
        ("acknowledged_within_target_pct", f"within {ack} working days" if ack else None, None),
        ("mean_working_days_to_acknowledge", ack, True),
        ("median_working_days_to_acknowledge", ack, True),
        ("responded_within_target_pct", f"within {resp} working days" if resp else None, None),
        ("mean_working_days_to_respond", resp, True),
        ("median_working_days_to_respond", resp, True),
        ("completed_within_12_weeks_pct", None, None),
        ("escalated_pct", None, None),
    ]
    rows = []
    for key, target, at_most in spec:
        if key not in k:
            continue
        value = _rate(k.get(key), complaints)
        rule = kpi_rag(key, results.expectations)
        status = (_met(value, target, at_most=True) if at_most else
                  rule.status(value) if rule else None)
        expected = expected_text(key, results.expectations)
        if expected and not at_most:
            target = f"{target}; {expected}" if target else expected
        rows.append({"key": key, "measure": label(key), "value": value,
                     "shown": fmt_pct(value) if key.endswith("_pct") else fmt(value),
                     "target": target,
                     "status": status,
                     "coverage": coverage_text(key, (k.get("coverage") or {}).get(key))})
    return rows


def commissioner_rows(results: ProviderResults) -> list[dict[str, Any]]:
    """Quarterly measures against contract targets (exact figures, no names)."""
    targets = {**(results.targets or {}), **((results.kpis or {}).get("targets") or {})}
    resp = targets.get("respond_days")
    rows = quarter_rows(results, public=False)
    ack_rule = kpi_rag("acknowledged_within_target_pct", results.expectations)
    resp_rule = kpi_rag("responded_within_target_pct", results.expectations)
    for r in rows:
        r["ack_status"] = ack_rule.status(r["acknowledged_within_target_pct"]) if ack_rule else None
        r["resp_status"] = (resp_rule.status(r["responded_within_target_pct"]) if resp_rule
                            else None)
        r["median_status"] = _met(r["median_working_days_to_respond"], resp, at_most=True)
    return rows


def failed_item_rows(results: ProviderResults) -> list[dict[str, Any]]:
    """The items answered No, in rubric order, with what will be done (for the commissioner:
    item, section, requirement, action, owner's role, due, status; no commentary). The text
    of the action and the owner pass through `redact` (published text)."""
    rows = []
    for f in results.failed_items or []:
        rows.append({
            "id": f.get("id"), "section": f.get("section"),
            "section_name": f.get("section_name"), "text": f.get("text"),
            "item": f"{f.get('id')} {f.get('section_name') or ''}".strip(),
            "action": redact(f["action"]) if f.get("action") else None,
            "owner": redact(f["owner"]) if f.get("owner") else None,
            "due": _date(f.get("due")), "status": f.get("status"),
        })
    return rows


def failed_summary(results: ProviderResults) -> dict[str, Any]:
    """How many items were answered No (None when the assessment is not scored), of how
    many, and how many of their actions are overdue, open or missing."""
    items = results.items if isinstance(results.items, pd.DataFrame) else pd.DataFrame()
    scored = results.total_score is not None
    failed = results.failed_items or []
    status = [f.get("status") for f in failed]
    return {"scored": scored, "count": results.summary().get("no_items") if scored else None,
            "total_items": len(items) or None,
            "overdue": status.count("overdue"), "open": status.count("open"),
            "no_action": status.count("no action")}


def score_rows(results: ProviderResults) -> list[dict[str, Any]]:
    """Self-assessment scores per section with %, RAG and the total."""
    return table_rows(section_rows(results))


# ---------------------------------------------------------------- charts

def trend_chart(rows: list[dict[str, Any]]) -> alt.Chart | None:
    """Complaints and compliments per quarter (grouped bars); suppressed values left out."""
    data = [{"quarter": r["quarter"], "kind": kind, "count": r[key]}
            for r in rows for key, kind in (("complaints", "Complaints"),
                                            ("compliments", "Compliments"))
            if _n(r.get(key)) is not None]
    if not data:
        return None
    return (alt.Chart(pd.DataFrame(data), title="Complaints and compliments per quarter")
            .mark_bar()
            .encode(x=alt.X("quarter:N", title="Financial quarter"),
                    xOffset="kind:N",
                    y=alt.Y("count:Q", title="Number received"),
                    color=alt.Color("kind:N", title=None,
                                    scale=alt.Scale(range=["#2c6e9b", "#7fb77e"])))
            .properties(width=480, height=240))


def outcome_chart(rows: list[dict[str, Any]]) -> alt.Chart | None:
    """Complaints by outcome (bars); suppressed values left out."""
    data = [{"outcome": r["outcome"], "count": r["count"]} for r in rows
            if _n(r["count"]) is not None]
    if not data:
        return None
    order = [r["outcome"] for r in rows]
    return (alt.Chart(pd.DataFrame(data), title="Complaints by outcome").mark_bar()
            .encode(y=alt.Y("outcome:N", sort=order, title=None),
                    x=alt.X("count:Q", title="Complaints"),
                    color=alt.Color("outcome:N", legend=None, sort=order,
                                    scale=alt.Scale(range=charts.OUTCOME_COLOURS)))
            .properties(width=420, height=140))


def score_chart(rows: list[dict[str, Any]]) -> alt.Chart | None:
    """Self-assessment % per section against the 80 % / 60 % RAG bands."""
    data = [{"section": f"{r['section']}. {r['name']}", "pct": r["pct"]} for r in rows
            if r["section"] != "Total" and _n(r["pct"]) is not None]
    if not data:
        return None
    bars = alt.Chart(pd.DataFrame(data), title="Self-assessment score by section (%)").mark_bar(
        color="#2c6e9b").encode(y=alt.Y("section:N", title=None, sort=None),
                                x=alt.X("pct:Q", title="% of section points",
                                        scale=alt.Scale(domain=[0, 100])))
    rules = alt.Chart(pd.DataFrame({"pct": [SECTION_RAG.amber, SECTION_RAG.green]})).mark_rule(
        strokeDash=[4, 3], color="#555555").encode(x="pct:Q")
    return alt.layer(bars, rules).properties(width=420, height=28 * len(data))


def _alt_text(kind: str, rows: list[dict[str, Any]], key: str, value: str) -> str:
    parts = [f"{r[key]}: {fmt(r[value])}" for r in rows if not is_missing(r.get(value))]
    return f"{kind}. " + "; ".join(parts) if parts else kind


# ---------------------------------------------------------------- views

def provider_view(results: ProviderResults, *, public: bool, portfolio: bool = False
                  ) -> dict[str, Any]:
    """Everything a governance template shows for one provider, aggregated and free of
    personal data; with ``public`` counts of 1-4 (and rates from them) are "<5". In a
    ``portfolio`` report the action list is the provider's most overdue open actions (every
    action is in the provider's own lessons-learned report)."""
    k = results.kpis or {}
    bounds = period_bounds(results.period)
    quarters = quarter_rows(results, public)
    latest = quarters[-1] if quarters else None
    quarter = period_bounds(latest["quarter"]) if latest else None
    outcomes = outcome_rows(results, public)
    scores = score_rows(results)
    causes = cause_rows(results, public)
    actions = _actions(results)
    view: dict[str, Any] = {
        "id": results.provider_id, "name": results.provider_name,
        "service_type": results.service_type, "period": results.period,
        "period_text": period_text(results.period),
        "period_start": bounds[0] if bounds else None,
        "period_end": bounds[1] if bounds else None,
        "as_of": results.as_of,
        "service_users": results.service_users, "public": public,
        "complaints": _count(k.get("complaints"), public),
        "compliments": _count(k.get("compliments"), public),
        "upheld_pct": None, "escalated_pct": None,
        "outcomes": outcomes, "quarters": quarters, "latest": latest,
        "types": category_rows(results, "by_type", public),
        "locations": category_rows(results, "by_location", public),
        "causes": causes, "timeliness": timeliness_rows(results, public),
        "emerging_types": emerging_rows(results, "emerging_types", "type", public),
        "themes": [] if public else theme_rows(results),
        "emerging_themes": [] if public else emerging_rows(results, "emerging", "theme", public),
        "actions_summary": actions_summary_rows(results),
        "actions": (action_rows(results, open_only=True, limit=PORTFOLIO_ACTIONS)
                    if portfolio and not public else
                    action_rows(results, completed_only=public, between=bounds,
                                limit=PUBLIC_ACTIONS if public else None)),
        "case_studies": case_studies(results, between=bounds) if public else [],
        "quarter_actions": action_rows(results, completed_only=True, between=quarter,
                                       limit=PUBLIC_ACTIONS) if public and quarter else [],
        "quarter_case_studies": case_studies(results, between=quarter)
        if public and quarter else [],
        "public_actions": PUBLIC_ACTIONS,
        "failed": failed_summary(results),
        "failed_items": [] if public else failed_item_rows(results),
        "scores": scores, "total": total_text(results),
        "commissioner": [] if public else commissioner_rows(results),
        "targets": {**(results.targets or {}), **(k.get("targets") or {})},
        "rca_coverage": results.rca_coverage,
    }
    counts = k.get("outcomes") or {}
    upheld = int((_n(counts.get("upheld")) or 0) + (_n(counts.get("partly_upheld")) or 0))
    decided = upheld + int(_n(counts.get("not_upheld")) or 0)
    view["upheld_pct"] = _rate(k.get("upheld_pct"), _count(upheld, public),
                               _count(decided, public))
    view["escalated_pct"] = _rate(k.get("escalated_pct"), view["complaints"])
    pareto = results.pareto if isinstance(results.pareto, pd.DataFrame) else pd.DataFrame()
    show_causes = not public and bool(causes)
    show_actions = not public and not actions.empty and "status" in actions
    view["charts"] = {
        "trend": LazyChart(lambda: trend_chart(quarters), _alt_text(
            "Bar chart of complaints received per financial quarter", quarters, "quarter",
            "complaints"), key=("trend", quarters)),
        "outcomes": LazyChart(lambda: outcome_chart(outcomes), _alt_text(
            "Bar chart of complaints by outcome", outcomes, "outcome", "count"),
            key=("outcomes", outcomes)),
        "scores": LazyChart(lambda: score_chart(scores), _alt_text(
            "Bar chart of the self-assessment score per section, % of points", scores,
            "name", "pct"), key=("scores", scores)),
        "causes": LazyChart(lambda: _pareto_chart(results) if show_causes else None,
                            _alt_text("Pareto chart of root causes of upheld complaints",
                                      causes, "cause", "count"),
                            key=("causes", show_causes,
                                 pareto.to_json(date_format="iso") if show_causes else "")),
        "actions": LazyChart(lambda: charts.action_status(actions) if show_actions else None,
                             _alt_text("Bar chart of improvement actions by status",
                                       actions_summary_rows(results), "measure", "shown"),
                             key=("actions", show_actions,
                                  actions.to_json(date_format="iso") if show_actions else "")),
    }
    return view


def _pareto_chart(results: ProviderResults) -> alt.TopLevelMixin | None:
    frame = results.pareto
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        return None
    if "cum_pct" not in frame and "cumulative_pct" in frame:
        frame = frame.rename(columns={"cumulative_pct": "cum_pct"})
    if "label" not in frame and "cause" in frame:
        frame = frame.assign(label=frame["cause"])
    return charts.rootcause_pareto(frame)


def _common(title: str, subject: str, periods: list[str]) -> dict[str, Any]:
    return {"title": title, "subject": subject, "produced": dt.date.today(),
            "periods": "; ".join(period_text(p) for p in periods),
            "suppressed": SUPPRESSED, "not_charted": NOT_CHARTED,
            "portfolio_actions": PORTFOLIO_ACTIONS, "public_actions": PUBLIC_ACTIONS}


TITLES = {
    "lessons_learned": "Lessons learned from complaints",
    "public_quarterly": "Complaints: quarterly report",
    "annual_report": "Annual complaints performance and service improvement report",
    "commissioner_report": "Complaints report to the commissioner",
}


def write_governance_reports(results: ProviderResults, out_dir: str | Path) -> dict[str, Path]:
    """Write the four governance reports of one provider into ``out_dir`` (atomic writes):
    lessons_learned.html, public_quarterly_report.html, annual_report.html,
    commissioner_report.html. Returns report key -> path. None of them is the auditor's
    internal pack: staff are never named (docs/redaction.md)."""
    out_dir = Path(out_dir)
    results = staff_as_roles(results)
    views = {public: provider_view(results, public=public) for public in (False, True)}
    paths = {}
    for key, (template, filename, public) in REPORTS.items():
        paths[key] = write_html(out_dir / filename, template, v=views[public], providers=None,
                                **_common(TITLES[key], results.provider_name,
                                          [results.period]))
    return paths


def _pooled(views: list[dict[str, Any]], key: str, name: str, public: bool
            ) -> list[dict[str, Any]]:
    """Rows summed across providers by ``name`` (unsuppressed totals, then suppressed)."""
    totals: dict[str, float] = {}
    for v in views:
        for r in v[key]:
            totals[r[name]] = totals.get(r[name], 0) + (_n(r["count"]) or 0)
    grand = sum(totals.values())
    out = []
    for cat, count in sorted(totals.items(), key=lambda kv: -kv[1]):
        shown = _count(int(count), public)
        out.append({name: cat, "count": shown, "pct": _rate(_pct(count, grand), shown)})
    return out


def write_portfolio_governance(results_list: list[ProviderResults], out_dir: str | Path
                               ) -> dict[str, Path]:
    """Write the portfolio versions of the four governance reports into ``out_dir``:
    portfolio_<report>.html. Each has the sector overview then every provider's section."""
    out_dir = Path(out_dir)
    results_list = [staff_as_roles(r) for r in results_list]
    raw = [provider_view(r, public=False, portfolio=True) for r in results_list]
    pub = [provider_view(r, public=True, portfolio=True) for r in results_list]
    table = portfolio_table(results_list)
    bench = benchmark(table)
    funnel = funnel_data(table, "upheld", pooled=pooled_rate(results_list, "upheld"))
    totals_raw = _totals(results_list, public=False)
    totals_pub = _totals(results_list, public=True)
    overview = {
        "table": table_rows(table), "section_keys": [c for c in table.columns
                                                     if c[:1].isdigit()],
        "bench": table_rows(bench.reset_index()),
        "funnel_svg": chart_svg(funnel_plot(funnel)) if not funnel.empty else None,
        "funnel": table_rows(funnel),
    }
    paths = {}
    for key, (template, filename, public) in REPORTS.items():
        views = pub if public else raw
        agg = {"totals": totals_pub if public else totals_raw,
               "causes": _pooled(views, "causes", "cause", public),
               "types": _pooled(views, "types", "category", public)}
        paths[key] = write_html(out_dir / f"portfolio_{filename}", template, v=None,
                                providers=views, overview=overview, agg=agg,
                                **_common(TITLES[key], "All commissioned providers",
                                          sorted({r.period for r in results_list})))
    return paths


def _totals(results_list: list[ProviderResults], public: bool) -> dict[str, Any]:
    complaints = sum(_n((r.kpis or {}).get("complaints")) or 0 for r in results_list)
    compliments = sum(_n((r.kpis or {}).get("compliments")) or 0 for r in results_list)
    outcomes = {k: sum(_n(((r.kpis or {}).get("outcomes") or {}).get(k)) or 0
                       for r in results_list) for k in OUTCOME_LABELS}
    decided = sum(outcomes[k] for k in DECIDED)
    upheld = outcomes["upheld"] + outcomes["partly_upheld"]
    shown = {k: _count(int(v), public) for k, v in outcomes.items()}
    return {"providers": len(results_list),
            "complaints": _count(int(complaints), public),
            "compliments": _count(int(compliments), public),
            "outcomes": [{"outcome": OUTCOME_LABELS[k], "count": shown[k],
                          "pct": _rate(_pct(outcomes[k], decided), shown[k],
                                       _count(int(decided), public)) if k in DECIDED else None}
                         for k in OUTCOME_LABELS],
            "upheld_pct": _rate(_pct(upheld, decided), _count(int(upheld), public),
                                _count(int(decided), public))}
