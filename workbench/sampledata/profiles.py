"""Provider profiles of the fictional sample registers, read from profiles.yaml (data, not code)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from workbench.core.yamlfile import load_yaml

PROFILES_FILE = Path(__file__).with_name("profiles.yaml")


@dataclass(frozen=True)
class Profile:
    """Everything that makes one provider's register its own: volumes, behaviour and layout."""

    id: str
    name: str
    service_type: str
    theme_set: str
    service_users: int
    complaints: tuple[int, int]
    compliments: tuple[int, int]
    locations: tuple[str, ...]
    ref: str                               # format: {n} number, {fy} year, {yy}, {c}
    columns: tuple[tuple[str, str], ...]   # (canonical field or "extra:<name>", header)
    theme_labels: dict[str, str]
    causes: dict[str, str] | None          # our cause key -> provider spelling (None: no RCA)
    outcomes: dict[str, tuple[str, ...]]   # canonical -> spellings, first most common
    booleans: tuple[str, str] = ("Yes", "No")
    # the mapping file maps the provider's own cause spellings the root-cause list does not
    # know onto it (coded values such as "RC1 Human error", mapped once by the auditor)
    causes_in_mapping: bool = False
    told: tuple[str, str] | None = None    # own spellings for complainant told, if any
    escalated_as_stage: bool = False       # the escalated column holds the stage reached
    kinds: tuple[str, str] = ("Complaint", "Compliment")
    stages: dict[str, Any] = field(default_factory=lambda: {"1": "Stage 1", "2": "Stage 2",
                                                             "commissioner": "Commissioner",
                                                             "ombudsman": "Ombudsman"})
    channels: tuple[str, ...] = ("Phone", "Email", "Letter", "In person", "Web form")
    fmt: str = "xlsx"                      # xlsx | csv
    dates: str = "excel"                   # excel | dmy | short | mixed | iso | csv
    sheet: str = "Complaints"
    title: tuple[str, ...] = ()            # rows above the header (a "" is a blank row)
    merge_title: bool = False
    extra_sheets: tuple[str, ...] = ()     # sheets written before the register sheet
    after_sheets: tuple[str, ...] = ()
    targets: tuple[int, int] = (5, 20)
    closures: tuple[str, ...] = ()
    holidays: str = "england-wales"        # the manifest's calendar region (its bank holidays)
    regime: str | None = None              # the manifest's regime, when not by service type
    p_upheld: float = 0.25
    p_partly: float = 0.2
    p_no_outcome: float = 0.03
    ack_lam: float = 1.5
    p_no_ack: float = 0.03
    resp_median: float = 14.0
    resp_sigma: float = 0.45
    p_stuck: float = 0.0                   # complaints left open with no response at all
    p_rca: float = 0.7
    p_learning: float = 0.65
    p_action: float = 0.7
    p_done: float = 0.8                    # actions past due that were completed
    p_on_time: float = 0.8
    p_signed: float = 0.5
    p_told: float = 0.5
    p_escalate: float = 0.08
    p_no_investigator: float = 0.05
    p_blank: float = 0.01                  # random blanks in optional fields
    p_late_complaint: float = 0.012
    trend: tuple[tuple[str, ...], tuple[float, ...]] | None = None
    duplicates: int = 0
    bad_dates: tuple[tuple[str, str], ...] = ()  # (field, raw text or "before"/"future")
    odd_outcomes: tuple[str, ...] = ()     # unknown outcome spellings injected (data quality)
    # two-stage registers only (a stage 2 acknowledgement or response column): the stage 2
    # acknowledgement is drawn 1 + Poisson(stage2_ack_lam) working days after the request, the
    # response stage2_days[0] to stage2_days[1] - 1 working days after stage2_from
    # ("acknowledgement" or "escalation"), later for some; p_direct_stage2 of the complaints
    # closed at stage 1 go straight to stage 2 instead (complex complaints)
    stage2_ack_lam: float = 2.0
    stage2_from: str = "acknowledgement"
    stage2_days: tuple[int, int] = (8, 20)
    p_direct_stage2: float = 0.0
    # a register with a stage 1 extension column: p_stage1_extension of the stage 1 responses
    # later than stage1_days working days record an extension of stage1_days more
    stage1_days: int = 5
    p_stage1_extension: float = 0.0
    notes: str = ""


    def reference(self, n: int, received: date, compliment: bool) -> str:
        """The provider's reference for its ``n``-th record of a financial year (or kind)."""
        fy = received.year if received.month >= 4 else received.year - 1
        return self.ref.format(n=n, fy=fy, yy=fy % 100, c="CMP" if compliment else "C")


SEED_CAUSES = {"human_error": "Human error", "behaviour": "Inappropriate staff behaviour",
               "resources": "Resources too late or insufficient",
               "procedural": "Procedural or administrative problems",
               "service": "Service not able to deliver",
               "organisation": "Organisation not understanding or accepting its responsibilities"}


_PAIRS = {"columns", "bad_dates"}  # YAML mappings/lists that the generator reads as pairs


def _field_value(name: str, value: Any) -> Any:
    if name == "columns":
        return tuple((str(k), str(v)) for k, v in value.items())
    if name == "bad_dates":
        return tuple(tuple(pair) for pair in value)
    if name == "outcomes":
        return {k: tuple(v) for k, v in value.items()}
    if name == "trend":
        return tuple(tuple(part) for part in value)
    if isinstance(value, list):
        return tuple(value)
    return value


def profiles(path: str | Path = PROFILES_FILE) -> list[Profile]:
    """The commissioned providers of the fictional Northshire County Council, in manifest order."""
    doc = load_yaml(path)
    known = {f.name for f in dataclasses.fields(Profile)}
    out = []
    for entry in doc.data["profiles"]:
        unknown = set(entry) - known
        if unknown:
            raise ValueError(f"{path}: profile {entry.get('id')!r} has unknown keys "
                             f"{sorted(unknown)}")
        out.append(Profile(**{k: _field_value(k, v) for k, v in entry.items()}))
    return out
