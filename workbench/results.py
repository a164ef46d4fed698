"""Everything computed for one provider: the one object reports, dashboards and batch consume."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass
class SectionScore:
    """One rubric section's score."""

    id: str
    name: str
    score: int
    max_points: int
    answered: int

    @property
    def pct(self) -> float:
        return round(100 * self.score / self.max_points, 1) if self.max_points else 0.0


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
    last_updated: dt.datetime | None = None
    last_updated_by: str | None = None

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
        }
