"""The redaction policy: which personal data each output may hold, for whom, and its enforcement."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from workbench.register.identities import (
    REDACTED,
    STAFF_FIELDS,
    lower_case_words,
    redact,
    without_unknown_openers,
)
from workbench.register.loader import Register
from workbench.register.schema import load_schema
from workbench.reports.results import ProviderResults

__all__ = ["AUDIENCES", "POLICY", "REDACTED", "STAFF_ROLES", "Rule", "for_analysis",
           "published", "redact", "redact_values", "staff_as_roles"]

# Who reads each output (docs/redaction.md). Only the auditor's internal pack holds staff names.
AUDIENCES: dict[str, str] = {
    "scorecard.xlsx": "auditor: internal pack (working papers: items, evidence, data issues "
                      "by row, every action with its owner)",
    "report.html, assess_provider.ipynb": "auditor and the provider's managers",
    "results.json, manifest.json, charts/, outputs/.cache/": "the dashboards and the portfolio",
    "scorecard and portfolio dashboards": "provider and commissioner managers",
    "lessons_learned.html": "the provider's staff",
    "public_quarterly_report.html, annual_report.html": "the public",
    "commissioner_report.html": "the commissioner",
    "portfolio.xlsx, portfolio.html, portfolio_*.html": "the commissioner (the public for "
                                                       "portfolio_public_quarterly and annual)",
    "annual_complaints_report_*.html": "the governing body and the public (published with "
                                       "its response)",
    "batch table and summary": "whoever runs the batch",
}


@dataclass(frozen=True)
class Rule:
    """One line of the policy: what, where it may appear, and how it is kept out elsewhere."""

    what: str
    allowed_in: str
    how: str


POLICY: tuple[Rule, ...] = (
    Rule("complainant names and contacts (complainant_name, complainant_contact)",
         "no output",
         "pseudonymised by the loader; every word of a name, the street names and email names "
         "of the contacts and their phone numbers are redacted from every text and category "
         "value, whatever the case, whole words"),
    Rule("staff names (investigator, action_owner, action_signed_off_by)",
         "scorecard.xlsx only (Actions sheet: owner and signed off by)",
         "replaced by the role (STAFF_ROLES) in results.json and so in every dashboard and "
         "report; never a column of any other output; redacted from every text like "
         "complainants' names"),
    Rule("improvement action text (actions)",
         "scorecard.xlsx, results.json, dashboards and governance reports, redacted",
         "identities and personal patterns redacted when analysed; what is published also "
         "loses case references, long numbers and capitalised words in mid-sentence that are "
         "not ordinary words"),
    Rule("the assessment's commentary, improvement actions and their owners (items answered No)",
         "scorecard.xlsx as entered; every other output redacted",
         "redacted as published text (an auditor's action owner is meant to be a role)"),
    Rule("category values (type, location, root_cause, channel)",
         "every breakdown and type table, redacted",
         "identities and personal patterns redacted before analysis (a service location's "
         "house number and street are kept unless they are a complainant's)"),
    Rule("data-issue values (Register.issues)",
         "scorecard.xlsx Data issues, results.json, redacted",
         "personal fields are never echoed (validation); every other value but a duplicated "
         "reference is redacted as published text (a name typed into an outcome or date "
         "cell is no category value)"),
    Rule("summary (of a complaint with an improvement action)",
         "the case studies of the governance reports, redacted",
         "redacted of every identity the register holds and as published text before it "
         "leaves the analysis (results.json holds it only so redacted)"),
    Rule("outcome_description, learning, escalation_details, and summary elsewhere",
         "no output as text",
         "their words reach outputs only as theme terms, never a word of an identity the "
         "register holds nor a proper noun (workbench.analysis.themes.excluded_terms)"),
    Rule("emails, URLs, UK phone numbers and other runs of 9+ digits, postcodes, NHS numbers, "
         "National Insurance numbers, dates of birth, house-number addresses, titled names",
         "no output",
         "redacted by pattern from every text above, whoever they belong to"),
)

# What a published output shows in place of a staff member's name.
STAFF_ROLES: dict[str, str] = {"investigator": "investigating officer",
                               "action_owner": "action owner",
                               "action_signed_off_by": "senior manager"}


def _open_categories() -> tuple[str, ...]:
    """Category fields without a closed list of values: their cells are stored as typed."""
    return tuple(f.name for f in load_schema().of_type("category") if not f.allowed)


def redact_values(values: pd.Series, how: Callable[[Any], str]) -> pd.Series:
    """``how`` applied once per distinct value of ``values``; blanks stay blank."""
    if values.empty:
        return values
    present = values.notna()
    if not present.any():
        return values
    distinct = pd.unique(values[present].astype(object))
    table = {v: how(v) for v in distinct}
    out = values.astype(object).where(~present, values.astype(object).map(table))
    return out.astype(values.dtype) if isinstance(values.dtype, pd.StringDtype) else out


def for_analysis(register: Register) -> Register:
    """The register as the analysis sees it: action text and open category values redacted of
    every identity the register holds and every personal pattern (category values that differ
    only by a name are counted as one), and data-issue values (but references) as published
    text. Staff columns are kept: scorecard.xlsx shows them and the figures count them."""
    ids = register.identities

    def internal(value: Any) -> str:
        return redact(value, ids, public=False)

    def category(value: Any) -> str:  # a service location may be a house number and street
        return redact(value, ids, public=False, addresses=False)

    @functools.cache
    def public(value: str) -> str:
        return redact(value, ids)

    frame = register.frame
    how = {"actions": internal} | dict.fromkeys(_open_categories(), category)
    frame = frame.assign(**{f: redact_values(frame[f], h) for f, h in how.items()
                            if f in frame.columns})
    # a duplicated reference is the register's own key, which the auditor needs to find it
    issues = [dataclasses.replace(i, value=public(i.value))
              if i.value and i.field != "reference" else i for i in register.issues]
    return dataclasses.replace(register, frame=frame, issues=issues)


FREE_TEXT = ("summary", "outcome_description", "learning", "actions")


def summaries(values: pd.Series, register: Register) -> pd.Series:
    """Complaint summaries as a case study may publish them: without the sentences that open
    with a word the register only ever writes capitalised (a name in the text that no name
    column holds: `without_unknown_openers`), then redacted of every identity the register
    holds and as published text."""
    frame = register.frame
    ordinary = lower_case_words(v for f in FREE_TEXT if f in frame for v in frame[f].dropna())
    return redact_values(values, lambda v: redact(without_unknown_openers(v, ordinary),
                                                  register.identities))


def staff_as_roles(results: ProviderResults) -> ProviderResults:
    """A copy of ``results`` whose actions name no staff: each recorded name is its role."""
    actions = results.actions
    if not isinstance(actions, pd.DataFrame) or not any(f in actions for f in STAFF_FIELDS):
        return results
    actions = actions.copy()
    for name in STAFF_FIELDS:
        if name in actions:
            actions[name] = actions[name].astype(object).where(actions[name].isna(),
                                                               STAFF_ROLES[name])
    return dataclasses.replace(results, actions=actions)


def published(results: ProviderResults) -> ProviderResults:
    """A copy of ``results`` for every output but the auditor's internal pack: staff names as
    their role (STAFF_ROLES), action text and data-issue values redacted for publication."""
    results = staff_as_roles(results)
    actions = results.actions
    if isinstance(actions, pd.DataFrame) and not actions.empty:
        actions = actions.copy()
        for name in ("actions", "action", "description", "summary"):
            if name in actions:
                actions[name] = redact_values(actions[name], redact)
    issues = results.issues
    if isinstance(issues, pd.DataFrame) and "value" in issues and not issues.empty:
        issues = issues.assign(value=redact_values(issues["value"], redact))
    return dataclasses.replace(results, actions=actions, issues=issues,
                               failed_items=assessment_text(results.failed_items))


def assessment_text(items: list[dict[str, Any]], identities: Any = None, *,
                    public: bool = True) -> list[dict[str, Any]]:
    """The No items with their commentary, action and owner redacted: of ``identities`` (the
    register's) and every personal pattern, and with ``public`` as published text."""
    return [item | {k: redact(item[k], identities, public=public) if item.get(k) else item.get(k)
                    for k in ("commentary", "action", "owner")} for item in items]
