"""Everything computed for one provider: the one object reports, dashboards and batch consume."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.core.atomic import write_text
from workbench.rubric.model import Rubric
from workbench.scoring.assessment import Assessment, SectionScore, scores
from workbench.scoring.contradictions import contradictions

FORMAT_VERSION = 1
# Theme tables kept in results.json; per-complaint assignments stay out (size, and references).
_THEME_TABLES = ("themes", "share", "emerging", "types", "emerging_types")


@dataclass
class ProviderResults:
    """One provider's analysis and assessment for one period. No personal data is held here:
    the register frame in ``register`` is the pseudonymised one."""

    provider_id: str
    provider_name: str
    service_type: str
    period: str
    as_of: dt.date
    service_users: int | None
    targets: dict[str, int]
    rubric_id: str
    rubric_version: str
    register_rows: int = 0
    rubric_title: str = ""
    issues: pd.DataFrame = field(default_factory=pd.DataFrame)   # row, column, field, check, ...
    kpis: dict[str, Any] = field(default_factory=dict)           # compute_kpis() object
    indicators: dict[str, float | None] = field(default_factory=dict)
    by_period: pd.DataFrame = field(default_factory=pd.DataFrame)  # kpis per FY quarter
    rca_coverage: float | None = None
    pareto: pd.DataFrame = field(default_factory=pd.DataFrame)
    themes: Any = None                                           # themes result dataclass
    actions: pd.DataFrame = field(default_factory=pd.DataFrame)  # actions table
    actions_summary: dict[str, Any] = field(default_factory=dict)
    sections: list[SectionScore] = field(default_factory=list)
    total_score: int | None = None
    max_score: int = 0
    # id, section, text, answer, evidence, commentary
    items: pd.DataFrame = field(default_factory=pd.DataFrame)
    contradictions: pd.DataFrame = field(default_factory=pd.DataFrame)
    # timeliness per stage on the provider's regime's clocks (analysis.stages), and the
    # regime's return (analysis.returns; {} when the regime declares none)
    stages: dict[str, Any] = field(default_factory=dict)
    returns: dict[str, Any] = field(default_factory=dict)
    # every item answered No, in rubric order, with its improvement action (failed_item())
    failed_items: list[dict[str, Any]] = field(default_factory=list)
    last_updated: dt.datetime | None = None
    last_updated_by: str | None = None
    # indicator -> the rubric data check that sets its expected level (op, threshold, item): the
    # one expectation shown and coloured against wherever the figure appears
    expectations: dict[str, dict[str, Any]] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """A small JSON-safe summary for batch tables and the portfolio."""
        k = self.kpis
        return {
            "provider": self.provider_id,
            "name": self.provider_name,
            "service_type": self.service_type,
            "period": self.period,
            "service_users": self.service_users,
            "total_score": self.total_score,
            "max_score": self.max_score,
            "sections": {s.id: s.score for s in self.sections},
            "complaints": k.get("complaints"),
            "compliments": k.get("compliments"),
            "upheld": (k.get("outcomes") or {}).get("upheld", 0)
            + (k.get("outcomes") or {}).get("partly_upheld", 0),
            "decided": sum((k.get("outcomes") or {}).get(x, 0)
                           for x in ("upheld", "partly_upheld", "not_upheld")),
            "upheld_pct": k.get("upheld_pct"),
            "acknowledged_within_target_pct": k.get("acknowledged_within_target_pct"),
            "responded_within_target_pct": k.get("responded_within_target_pct"),
            "median_working_days_to_respond": k.get("median_working_days_to_respond"),
            "escalated_pct": k.get("escalated_pct"),
            "rca_coverage": self.rca_coverage,
            "overdue_actions": self.actions_summary.get("overdue"),
            "regime": (self.stages or {}).get("regime"),
            "regime_title": (self.stages or {}).get("title"),
            "stage1_within_timescale_pct": ((self.stages or {}).get("stages") or {}).get(
                "stage1", {}).get("within_timescale_pct"),
            "no_items": None if self.total_score is None else len(self.failed_items),
            "no_item_actions_overdue": None if self.total_score is None else sum(
                1 for f in self.failed_items if f["status"] == "overdue"),
            "no_items_without_action": None if self.total_score is None else sum(
                1 for f in self.failed_items if f["status"] == "no action"),
        }


def theme_table(themes: Any, name: str) -> pd.DataFrame:
    """One table of a themes result (object or its JSON dict); empty when absent."""
    if themes is None:
        return pd.DataFrame()
    value = themes.get(name) if isinstance(themes, dict) else getattr(themes, name, None)
    return value if isinstance(value, pd.DataFrame) else pd.DataFrame()


def rubric_expectations(rubric: Rubric) -> dict[str, dict[str, Any]]:
    """Each indicator's expected level from the rubric's data checks (the first item naming it)."""
    out: dict[str, dict[str, Any]] = {}
    for _, item in rubric.items():
        check = item.data_check
        if check is not None and check.kpi not in out:
            out[check.kpi] = {"op": check.op, "threshold": check.threshold, "item": item.id}
    return out


def stored_assessment(store: Any, provider_id: str, period: str,
                      rubric: Rubric) -> Assessment | None:
    """The provider's assessment for the period against ``rubric``: the main one (no named
    assessor; a second, independent auditor's assessment carries a name) or else the latest."""
    if store is None:
        return None
    found = store.assessments(provider_id, period, rubric.id)
    if not found:
        return None
    main = [a for a in found if not a.assessor]
    return store.load((main or found)[-1].id)


def apply_assessment(results: ProviderResults, rubric: Rubric,
                     assessment: Assessment | None) -> None:
    """Fill sections, total, the item table, "last updated" and contradictions from a stored
    assessment (``None``: every item unanswered and no total)."""
    result = scores(rubric, assessment if assessment is not None else {})
    results.sections = list(result.sections)
    results.max_score = result.max_points
    results.total_score = result.total if assessment is not None else None
    rows = []
    for section, item in rubric.items():
        st = assessment.item(item.id) if assessment is not None else None
        rows.append({"id": item.id, "section": section.id, "text": item.text,
                     "answer": st.answer if st else None,
                     "evidence": "; ".join(f"{e.label}: {e.target}" for e in st.evidence)
                     if st else "",
                     "commentary": st.commentary if st else ""})
    results.items = pd.DataFrame(rows, columns=["id", "section", "text", "answer", "evidence",
                                                "commentary"])
    results.failed_items = [] if assessment is None else [
        failed_item(section, item, assessment.item(item.id), results.as_of)
        for section, item in rubric.items() if assessment.item(item.id).answer == "no"]
    results.last_updated = results.last_updated_by = None
    results.contradictions = pd.DataFrame()
    results.expectations = rubric_expectations(rubric)
    results.rubric_title = rubric.title
    if assessment is not None:
        stamped = [s for s in assessment.items.values() if s.updated_at]
        if stamped:
            last = max(stamped, key=lambda s: s.updated_at)
            results.last_updated = dt.datetime.fromisoformat(last.updated_at)
            results.last_updated_by = last.assessor
        results.contradictions = contradictions(rubric, assessment, results.indicators,
                                                (results.kpis or {}).get("coverage"))


ACTION_STATUSES = ("overdue", "open", "no action")


def failed_item(section: Any, item: Any, state: Any, as_of: dt.date) -> dict[str, Any]:
    """One item answered No with what will be done about it. ``status``: "no action" (no
    action recorded, or one without what will be done), "overdue" (its due date is before
    ``as_of``), else "open"."""
    action = state.action
    what = (action.what.strip() or None) if action else None
    due = action.due if action else None
    status = ("no action" if what is None
              else "overdue" if due is not None and due < as_of else "open")
    return {"id": item.id, "section": section.id, "section_name": section.name,
            "text": item.text, "evidence_expected": list(item.evidence),
            "commentary": state.commentary or "", "action": what,
            "owner": (action.owner.strip() or None) if action else None,
            "due": due.isoformat() if due else None, "status": status}


def _frame_out(frame: pd.DataFrame) -> dict[str, Any]:
    if not isinstance(frame.index, pd.RangeIndex):  # a meaningful index (e.g. quarter) is kept
        frame = frame.reset_index()
    return json.loads(frame.to_json(orient="split", date_format="iso", index=False))


def _frame_in(data: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(data.get("data", []), columns=data.get("columns", []))


def _jsonable(value: Any) -> Any:
    if isinstance(value, pd.DataFrame):
        return {"__frame__": _frame_out(value)}
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return value.item()
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _restore(value: Any) -> Any:
    if isinstance(value, dict):
        if "__frame__" in value:
            return _frame_in(value["__frame__"])
        return {k: _restore(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_restore(v) for v in value]
    return value


def to_json(results: ProviderResults) -> str:
    """Serialise results for the dashboards (no per-complaint rows, no personal data)."""
    out: dict[str, Any] = {"format": FORMAT_VERSION}
    for f in dataclasses.fields(results):
        value = getattr(results, f.name)
        if f.name == "themes":
            value = None if value is None else {
                name: getattr(value, name) for name in _THEME_TABLES if hasattr(value, name)
            } | {"test": getattr(value, "test", None)}
        elif f.name == "sections":
            value = [dataclasses.asdict(s) for s in value]
        out[f.name] = _jsonable(value)
    return json.dumps(out, indent=1, allow_nan=False, default=str)


def from_json(text: str) -> ProviderResults:
    """Read results written by `to_json`; themes come back as a dict of tables."""
    data = _restore(json.loads(text))
    data.pop("format", None)
    data["sections"] = [SectionScore(**s) for s in data.get("sections", [])]
    data["as_of"] = dt.date.fromisoformat(data["as_of"])
    if data.get("last_updated"):
        data["last_updated"] = dt.datetime.fromisoformat(data["last_updated"])
    known = {f.name for f in dataclasses.fields(ProviderResults)}
    return ProviderResults(**{k: v for k, v in data.items() if k in known})


def save(results: ProviderResults, path: str | Path) -> Path:
    """Write results.json atomically."""
    return write_text(path, to_json(results))


def load(path: str | Path) -> ProviderResults:
    return from_json(Path(path).read_text(encoding="utf-8"))
