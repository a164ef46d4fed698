"""Plain-English names, units and coverage wording of every figure, from data/measures.yaml."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.core.memo import file_identity, pure_cache
from workbench.core.paths import DATA_DIR
from workbench.core.yamlfile import load_yaml

MEASURES_PATH = DATA_DIR / "measures.yaml"
# A rubric data check judges only a figure known for at least this share of its records.
DEFAULT_MIN_COVERAGE = 80.0


@dataclass(frozen=True)
class Measure:
    """One figure: its key, label, unit (pct, count, days, flag), definition and coverage terms."""

    key: str
    label: str
    unit: str = "count"
    definition: str = ""
    known: str = ""
    of: str = ""


def measures() -> dict[str, Measure]:
    """Every measure by key (cached per file version)."""
    return _measures(*file_identity(MEASURES_PATH))[0]


def check_labels() -> dict[str, str]:
    """The register's data-quality checks by code, in plain English."""
    return _measures(*file_identity(MEASURES_PATH))[1]


@pure_cache(maxsize=2)
def _measures(path: str, mtime_ns: int, size: int
              ) -> tuple[dict[str, Measure], dict[str, str]]:
    doc = load_yaml(Path(path))
    found = {key: Measure(key=key, **{k: str(v) for k, v in (spec or {}).items()})
             for key, spec in doc.data["measures"].items()}
    return found, {str(k): str(v) for k, v in (doc.data.get("checks") or {}).items()}


def check_label(code: str) -> str:
    """A data-quality check in plain English ("duplicate_reference" -> "The same complaint
    reference is used twice"); an unknown code made readable."""
    found = check_labels().get(str(code))
    if found:
        return found
    text = str(code).replace("_", " ")
    return text[:1].upper() + text[1:]


def measure(key: str) -> Measure:
    """The measure ``key`` (indicators.X and X alike); an unknown key gets a readable label."""
    key = key.removeprefix("indicators.")
    found = measures().get(key)
    if found is not None:
        return found
    text = key.removesuffix("_pct").replace("_", " ")
    return Measure(key=key, label=text[:1].upper() + text[1:],
                   unit="pct" if key.endswith("_pct") else "count")


def coverage_share(coverage: Mapping[str, Any] | None) -> float | None:
    """known / of as a percentage (None when either is missing or of is 0)."""
    if not coverage or coverage.get("known") is None or not coverage.get("of"):
        return None
    return 100.0 * float(coverage["known"]) / float(coverage["of"])


def value_text(key: str, value: Any) -> str:
    """A figure as shown: "5.8 %", "1,234", "12.50 working days", "Yes"/"No" for a flag,
    "unknown" when there is none."""
    if value is None or (isinstance(value, float) and value != value):
        return "unknown"
    unit = measure(key).unit
    if unit == "flag":
        return "Yes" if value else "No"
    if unit == "pct":
        return f"{float(value):.1f} %"
    if unit == "days":
        return f"{float(value):,.1f} working days"
    return f"{int(value):,}" if float(value).is_integer() else f"{float(value):,.1f}"


def coverage_text(key: str, coverage: Mapping[str, Any] | None) -> str:
    """How much of the register a figure stands on: "of 2,573 complaints due; date received
    known on 98 %", or the reason it is unknown ("no column mapped to root_cause")."""
    if not coverage:
        return ""
    if coverage.get("known") is None:
        return str(coverage.get("reason") or "not recorded in the register")
    m = measure(key)
    of = int(coverage.get("of") or 0)
    share = coverage_share(coverage)
    text = f"of {of:,} {m.of or 'records'}"
    if share is not None and share < 99.95 and m.known:
        text += f"; {m.known} known on {share:.0f} %"
    return text


def figure_text(key: str, value: Any, coverage: Mapping[str, Any] | None = None) -> str:
    """A figure with its coverage: "5.8 % (of 2,573 complaints; escalation known on 41 %)"."""
    shown = value_text(key, value)
    about = coverage_text(key, coverage)
    return f"{shown} ({about})" if about else shown


# The rubric's comparison operators in words
OP_WORDS = {">=": "at least", "<=": "at most", "==": "exactly", ">": "more than", "<": "less than"}
# KPI object keys that are a rubric indicator under another name
INDICATOR_OF = {"rca_coverage": "rca_coverage_pct", "actions_overdue": "overdue_actions",
                "actions_told_pct": "complainant_told_of_improvement_pct",
                "open_past_6_months": "open_over_6_months"}
# A figure short of its expected level by no more than this is amber (points for a
# percentage, units for a count): the same band as the scorecard workbook's.
AMBER_BAND = {"pct": 15.0, "count": 2.0}


def threshold_text(key: str, op: str, threshold: Any) -> str:
    """A rubric check's threshold in words: ("responded_within_target_pct", ">=", 95) ->
    "at least 95 %"; a flag reads "yes" / "no"."""
    m = measure(INDICATOR_OF.get(key, key))
    words = OP_WORDS.get(op, op)
    try:
        value = float(threshold)
    except (TypeError, ValueError):
        return f"{words} {threshold}"
    if m.unit == "flag":
        return "yes" if (value >= 1) == (op in (">=", "==", ">")) else "no"
    unit = {"pct": " %", "days": " working days"}.get(m.unit, "")
    return f"{words} {value:g}{unit}"


def expected_text(key: str, expectations: Mapping[str, Any] | None, *,
                  with_item: bool = True) -> str:
    """A figure's expected level (the rubric's data check) in words: "at least 95 %" and,
    with ``with_item``, the rubric item it comes from: "at least 95 % (rubric 6.1)"."""
    exp = (expectations or {}).get(INDICATOR_OF.get(key, key))
    if not exp:
        return ""
    text = threshold_text(key, exp["op"], exp["threshold"])
    return f"{text} (rubric {exp['item']})" if with_item and exp.get("item") else text


def rag(key: str, value: Any, expectations: Mapping[str, Any] | None) -> str | None:
    """"green" when ``value`` meets the rubric's expected level, "amber" when just short of
    it, "red" beyond; None with no value or no expectation to meet."""
    exp = (expectations or {}).get(INDICATOR_OF.get(key, key))
    if exp is None or exp.get("op") == "==" or value is None:
        return None
    try:
        x, threshold = float(value), float(exp["threshold"])
    except (TypeError, ValueError):
        return None
    if x != x:
        return None
    band = AMBER_BAND["pct" if measure(INDICATOR_OF.get(key, key)).unit == "pct" else "count"]
    if exp["op"] in (">=", ">"):
        return "green" if x >= threshold else "amber" if x >= threshold - band else "red"
    return "green" if x <= threshold else "amber" if x <= threshold + band else "red"
