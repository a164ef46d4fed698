"""The annual complaints performance and service improvement report a code asks for (HTML, PDF).

Its contents follow the codes' list (checked with the search tool):

- LGSCO Complaint Handling Code, 8.1 (lgo.org.uk, Complaint Handling Code, part 9, "8.
  Performance reporting and self-assessment"): the annual self-assessment against the Code; a
  qualitative and quantitative analysis of complaint handling performance, with a summary of the
  types of complaints refused; any findings of non-compliance with the Code; the service
  improvements made as a result of learning from complaints; the Ombudsman's annual letter; and
  any other relevant reports or publications of the Ombudsman about the organisation. 8.2: the
  report goes through the governance arrangements and is published with their response.
- Housing Ombudsman Complaint Handling Code 2024, section 8 (summarised as items 8.1 and 8.2 of
  rubrics/housing-ombudsman-code-2024.yaml), and the Ombudsman's self-assessment guidance
  (housing-ombudsman.org.uk/landlords-info/complaint-handling-code/self-assessment-guidance/,
  paragraphs 5-6): the same contents; the self-assessment forms part of the report; for every
  provision not met, the actions and timescales; the report goes to the governing body and is
  published with the governing body's response alongside. The Code's own wording of 8.1 was not
  in the searched texts: the list above is the LGSCO's, which the guidance matches.

The workbench holds neither the Ombudsman's letters and determinations nor the governing body's
response: the report has a placeholder section for each, saying what to insert.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.reports.governance import PUBLIC_ACTIONS, action_rows, provider_view
from workbench.reports.htmlreport import (
    SUPPRESSED,
    fmt_date,
    period_bounds,
    period_text,
    table_rows,
    write_html,
)
from workbench.reports.pdf import write_pdf
from workbench.reports.redaction import assessment_text, published, redact
from workbench.reports.regimes import returns_table, stage_figure_text, stage_table
from workbench.reports.results import ProviderResults, failed_item
from workbench.rubric.model import Rubric
from workbench.scoring.assessment import Assessment

TEMPLATE = "annual_complaints_report.html.j2"
TITLE = "Annual complaints performance and service improvement report"
DEFAULT_CODE = "housing-ombudsman-code-2024"
COMPLY = {"yes": "Yes", "no": "No"}
NOT_ANSWERED = "Not answered"


@dataclass(frozen=True)
class CodeContext:
    """Who the code's Ombudsman is, what it calls the governing body, and where the code lists
    the report's contents."""

    ombudsman: str
    governing_body: str
    contents_source: str
    letter: str


CODES: dict[str, CodeContext] = {
    "housing-ombudsman-code-2024": CodeContext(
        ombudsman="Housing Ombudsman",
        governing_body="governing body",
        contents_source="Housing Ombudsman Complaint Handling Code (2024), section 8, and the "
                        "Ombudsman's self-assessment guidance",
        letter="the Housing Ombudsman's annual landlord performance report for the year"),
    "lgsco-code-2026": CodeContext(
        ombudsman="Local Government and Social Care Ombudsman",
        governing_body="relevant governance arrangement (cabinet, committee or equivalent)",
        contents_source="LGSCO Complaint Handling Code, 8.1 and 8.2",
        letter="the Ombudsman's annual review letter about the council's performance"),
}
GENERIC = CodeContext(ombudsman="Ombudsman", governing_body="governing body",
                      contents_source="the code's reporting provisions",
                      letter="the Ombudsman's annual letter about the organisation's performance")


def code_context(rubric_id: str) -> CodeContext:
    """The code's Ombudsman and terms (a generic wording for a rubric that is no known code)."""
    return CODES.get(rubric_id, GENERIC)


def how_to_assess(provider_id: str, period: str, rubric_id: str) -> str:
    """The command that pre-fills the code's self-assessment from the 85-point one."""
    return (f"workbench assessment project --provider {provider_id} --period {period} "
            f"--to {rubric_id}")


def _text(value: Any) -> str:
    return redact(value) if value else ""


def _evidence(state: Any) -> str:
    return "; ".join(_text(e.label if e.label != e.target else e.target) for e in state.evidence)


def _action_text(failed: dict[str, Any]) -> str:
    """"<action> (owner: <role>; due 4 Jul 2025)" from a redacted failed_item()."""
    if not failed.get("action"):
        return "No action or timescale recorded yet"
    parts = [f"owner: {failed['owner']}"] if failed.get("owner") else []
    parts.append(f"due {fmt_date(failed['due'])}" if failed.get("due") else "no date set")
    return f"{failed['action']} ({'; '.join(parts)})"


def self_assessment(rubric: Rubric, assessment: Assessment | None,
                    results: ProviderResults) -> dict[str, Any]:
    """The self-assessment against the code: per section, each provision's requirement, Comply
    Yes/No (or not answered), evidence, commentary, for a No the action and timescale, and
    whether a projected answer awaits review; with the counts, and the provisions answered No
    (its findings of non-compliance) with their action's status at the results' as-of date.
    Every text passes through the published redaction; owners are shown as recorded, less any
    name-like word."""
    if assessment is None:
        return {"done": False, "sections": [], "findings": [], "counts": {},
                "how": how_to_assess(results.provider_id, results.period, rubric.id)}
    sections: list[dict[str, Any]] = []
    findings = []
    counts = {"yes": 0, "no": 0, "unanswered": 0, "review": 0}
    for section, item in rubric.items():
        if not sections or sections[-1]["id"] != section.id:
            sections.append({"id": section.id, "name": section.name, "rows": []})
        state = assessment.item(item.id)
        answer = state.answer if state.answer in COMPLY else None
        counts[answer or "unanswered"] += 1
        counts["review"] += bool(state.projection_note)
        action = ""
        if answer == "no":
            failed = assessment_text([failed_item(section, item, state, results.as_of)])[0]
            action = _action_text(failed)
            findings.append({**failed, "requirement": item.text, "action_text": action,
                             "review": state.projection_note})
        sections[-1]["rows"].append({
            "id": item.id, "requirement": item.text,
            "obligation": item.obligation.upper() if item.obligation else "",
            "comply": COMPLY.get(answer or "", NOT_ANSWERED), "evidence": _evidence(state),
            "commentary": _text(state.commentary), "action": action,
            "review": state.projection_note.capitalize() if state.projection_note else ""})
    info = assessment.info
    return {"done": True, "sections": sections, "findings": findings, "counts": counts,
            "total": rubric.item_count, "status": info.status,
            "label": f"assessment {info.id}, {info.status}",
            "how": how_to_assess(results.provider_id, results.period, rubric.id)}


def _refused(results: ProviderResults) -> list[dict[str, str]]:
    """Complaints not accepted at each stage: the count, or unknown with why."""
    st = results.stages or {}
    coverage = st.get("coverage") or {}
    rows = []
    for sid, stage in (st.get("stages") or {}).items():
        rows.append({"stage": stage.get("name") or sid,
                     "refused": stage_figure_text(stage.get("refused"), "refused",
                                                  coverage.get(f"{sid}.refused"))})
    return rows


def quantitative(results: ProviderResults) -> dict[str, Any]:
    """The regime's return and the timeliness per stage on its clocks, as the pack shows them
    (workbench.reports.regimes)."""
    returns = returns_table(results)
    stages = stage_table(results)
    st = results.stages or {}
    ret = results.returns or {}
    return {
        "regime": st.get("title") or st.get("regime"),
        "clocks": list(st.get("clocks") or []),
        "returns_title": "; ".join(r.get("title", "") for r in ret.get("returns") or []
                                   if r.get("title")),
        "returns_cols": [(c, c, "num" if c == "Value" else "text") for c in returns.columns],
        "returns": table_rows(returns),
        "stage_cols": [(c, c, "text") for c in stages.columns],
        "stages": table_rows(stages),
        "refused": _refused(results),
    }


def improvements(results: ProviderResults) -> dict[str, Any]:
    """How many improvement actions were completed in the period (the governance reports'
    selection: completed within the period's days)."""
    bounds = period_bounds(results.period)
    done = action_rows(results, completed_only=True, between=bounds) if bounds else []
    return {"completed": len(done)}


def report_view(results: ProviderResults, rubric: Rubric, assessment: Assessment | None
                ) -> dict[str, Any]:
    """Everything the template shows, from the published results (staff as roles, text
    redacted, counts of 1 to 4 shown as "<5") and the code's self-assessment."""
    public = published(results)
    ctx = code_context(rubric.id)
    return {
        "v": provider_view(public, public=True),
        "code": {"id": rubric.id, "title": rubric.title, "version": rubric.version,
                 "edition": rubric.edition or "", "ombudsman": ctx.ombudsman,
                 "governing_body": ctx.governing_body, "source": ctx.contents_source,
                 "letter": ctx.letter},
        "sa": self_assessment(rubric, assessment, public),
        "q": quantitative(public),
        "improved": improvements(public),
    }


def write_annual_complaints_report(results: ProviderResults, rubric: Rubric,
                                   assessment: Assessment | None, out_dir: str | Path, *,
                                   pdf: bool = True) -> dict[str, Path]:
    """Write annual_complaints_report_<provider>_<period>.html (and its PDF beside it) into
    ``out_dir``; returns {"html": path, "pdf": path}."""
    out_dir = Path(out_dir)
    name = f"annual_complaints_report_{results.provider_id}_{results.period}"
    view = report_view(results, rubric, assessment)
    html = write_html(out_dir / f"{name}.html", TEMPLATE, title=TITLE,
                      subject=results.provider_name, produced=dt.date.today(),
                      periods=period_text(results.period), suppressed=SUPPRESSED,
                      public_actions=PUBLIC_ACTIONS, **view)
    paths = {"html": html}
    if pdf:
        paths["pdf"] = write_pdf(html)
    return paths

