"""Hand-built ProviderResults for the report tests (scorecard, portfolio, governance)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from workbench.core.paths import DEFAULT_RUBRIC
from workbench.reports.results import ProviderResults, rubric_expectations
from workbench.rubric.model import load_rubric
from workbench.scoring.assessment import SectionScore

SECTIONS = [("1", "Organisational Culture", 21), ("2", "Accessibility", 11),
            ("3", "Process and Procedure", 20), ("4", "Quality", 8),
            ("5", "Learning from Complaints", 16), ("6", "Complaints Handling Performance", 9)]
INJECTIONS = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)"]
PLANTED = "Mrs Philippa Quarrington-Smythe"
PLANTED_TOKENS = ("Philippa", "Quarrington", "Smythe", "07700 900123", "pq@example.com")


def themes_result():
    """A ThemeResult (or a stand-in while workbench.analysis.themes is not importable)."""
    from workbench.analysis.themes import ThemeResult

    themes = pd.DataFrame({"theme": [1, 2], "label": ["medication, late, missed", "food, meals"],
                           "terms": [["medication", "late"], ["food", "meals"]],
                           "size": [12, 8], "share": [0.6, 0.4],
                           "examples": [["C-001", "C-002"], ["C-003"]]})
    share = pd.DataFrame({"quarter": ["2024-25 Q1", "2024-25 Q2"], "theme": [1, 1],
                          "label": ["medication, late, missed"] * 2, "count": [5, 7],
                          "total": [10, 10], "share": [0.5, 0.7]})
    emerging = pd.DataFrame({"theme": [1], "label": ["medication, late, missed"],
                             "quarter": ["2024-25 Q2"], "count": [7], "total": [10],
                             "share": [0.7], "baseline_count": [5], "baseline_total": [10],
                             "baseline_share": [0.5], "ratio": [1.4], "z": [2.5],
                             "p_value": [0.006], "emerging": [True], "test": ["z-test"]})
    types = pd.DataFrame({"quarter": ["2024-25 Q1", "2024-25 Q2"], "type": ["Care", "Care"],
                          "count": [6, 9], "total": [10, 12], "share": [0.6, 0.75]})
    emerging_types = pd.DataFrame({"type": ["Communication"], "quarter": ["2024-25 Q2"],
                                   "count": [3], "total": [12], "share": [0.25],
                                   "emerging": [True], "ratio": [2.0]})
    return ThemeResult(themes=themes, assignments=pd.DataFrame(), share=share, emerging=emerging,
                       types=types, emerging_types=emerging_types, documents=20)


def make_results(provider_id: str = "oakwood-care", name: str = "Oakwood Care Homes Ltd", *,
                 complaints: int = 40, upheld: int = 10, partly: int = 6, not_upheld: int = 20,
                 compliments: int = 15, service_users: int | None = 120,
                 scores: tuple[int, ...] = (18, 9, 15, 6, 10, 5),
                 injections: bool = True) -> ProviderResults:
    """A provider's results with plausible figures; items/actions carry formula-like texts and
    the actions a planted name (which the public reports must never show)."""
    sections = [SectionScore(sid, sname, score, top, top, top)
                for (sid, sname, top), score in zip(SECTIONS, scores, strict=True)]
    decided = upheld + partly + not_upheld
    kpis = {
        "complaints": complaints, "compliments": compliments,
        "by_month": {"2024-04": complaints // 2, "2024-05": complaints - complaints // 2},
        "mean_working_days_to_acknowledge": 2.4, "median_working_days_to_acknowledge": 2.0,
        "acknowledged_within_target_pct": 92.5, "mean_working_days_to_respond": 17.1,
        "median_working_days_to_respond": 16.0, "responded_within_target_pct": 71.0,
        "mean_working_days_to_close": 20.0, "median_working_days_to_close": 18.0,
        "completed_within_12_weeks_pct": 95.0,
        "outcomes": {"upheld": upheld, "partly_upheld": partly, "not_upheld": not_upheld,
                     "undecided": complaints - decided},
        "upheld_pct": round(100 * (upheld + partly) / decided, 1) if decided else None,
        "escalated_pct": 10.0,
        "by_type": {"Care": complaints - 3, "Communication": 3},
        "by_location": {"Oakwood House": complaints},
        "open": {"count": 2, "past_20_working_days": 1, "oldest_reference": "C-0999"},
        "targets": {"acknowledge_days": 3, "respond_days": 20},
        "late_complaints": {"count": 0, "with_event_date": 10, "pct": 0.0},
    }
    by_period = pd.DataFrame({
        "complaints": [complaints // 2, complaints - complaints // 2],
        "compliments": [compliments, 0],
        "acknowledged_within_target_pct": [90.0, 95.0],
        "responded_within_target_pct": [70.0, 72.0],
        "median_working_days_to_respond": [15.0, 17.0],
        "upheld": [upheld // 2, upheld - upheld // 2], "partly_upheld": [partly, 0],
        "not_upheld": [not_upheld // 2, not_upheld - not_upheld // 2], "undecided": [2, 2],
        "upheld_pct": [50.0, 25.0], "escalated_pct": [10.0, 10.0], "open": [0, 2],
    }, index=pd.Index(["2024-25 Q1", "2024-25 Q2"], name="quarter"))
    pareto = pd.DataFrame({"cause": ["staff", "communication", "process"],
                           "label": ["Staff conduct", "Communication", "Process failure"],
                           "count": [6, 3, 1], "pct": [60.0, 30.0, 10.0],
                           "cum_pct": [60.0, 90.0, 100.0]})
    actions = pd.DataFrame({
        "_row": [5, 9, 12], "reference": ["C-0005", "C-0009", "C-0012"],
        "outcome": ["upheld", "partly_upheld", "upheld"],
        "actions": [f"Apologised to {PLANTED} (07700 900123, pq@example.com); refresher "
                    "training on medication rounds for all staff",
                    INJECTIONS[0] if injections else "Menu changed",
                    "New call monitoring introduced"],
        "action_owner": ["Jane Manager", "Bob Lead", "Jane Manager"],
        "action_due": pd.to_datetime(["2024-06-01", "2024-07-01", "2025-06-01"]),
        "action_completed": pd.to_datetime(["2024-05-20", None, None]),
        "action_signed_off_by": ["Director Dee", None, None],
        "complainant_told_of_improvement": pd.array([True, False, None], dtype="boolean"),
        "status": pd.array(["completed", "overdue", "open"], dtype="string"),
        "days_overdue": pd.array([None, 30, None], dtype="Int64"),
        "completed_on_time": pd.array([True, None, None], dtype="boolean"),
        "signed_off": pd.array([True, None, None], dtype="boolean"),
    })
    items = pd.DataFrame({
        "id": ["5.1", "5.2", "5.3", "5.4"], "section": ["5"] * 4,
        "text": ["The organisation learns from the complaints it handles."] * 4,
        "answer": ["yes", "no", "yes", None],
        "evidence": INJECTIONS if injections else ["policy"] * 4,
        "commentary": list(reversed(INJECTIONS)) if injections else ["ok"] * 4,
    })
    return ProviderResults(
        provider_id=provider_id, provider_name=name, service_type="care home",
        period="2024-25", as_of=dt.date(2024, 10, 1), service_users=service_users,
        targets={"acknowledge_days": 3, "respond_days": 20}, rubric_id="complaints-85",
        rubric_version="1", register_rows=complaints + compliments,
        issues=pd.DataFrame({"row": [3], "column": ["Date Rec'd"], "field": ["date_received"],
                             "check": ["date"], "value": ["=1+1"], "message": ["not a date"],
                             "severity": ["error"]}),
        kpis=kpis, indicators={"rca_coverage_pct": 80.0, "overdue_actions": 1},
        by_period=by_period, rca_coverage=80.0,  # the indicator: one value
        pareto=pareto, themes=themes_result(),
        actions=actions,
        actions_summary={"actions": 3, "completed": 1, "overdue": 1, "open": 1,
                         "no_due_date": 0, "completed_on_time_pct": 100.0,
                         "signed_off_pct": 100.0, "told_pct": 33.3},
        sections=sections, total_score=sum(scores), max_score=85, items=items,
        expectations=rubric_expectations(load_rubric(DEFAULT_RUBRIC)),
    )
