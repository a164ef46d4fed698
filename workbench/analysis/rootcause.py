"""Root causes: the seed's "potential failures" taxonomy, register values mapped onto it, Pareto."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from workbench.core.errors import ValidationFailed
from workbench.core.memo import file_identity, pure_cache
from workbench.core.paths import DATA_DIR
from workbench.core.yamlfile import YamlDocument, load_yaml, parse_yaml
from workbench.register.loader import Register

TAXONOMY_PATH = DATA_DIR / "root_causes.yaml"

# Outcomes whose root cause the guidance expects to be analysed (seed 000, learning item 1).
UPHELD = ("upheld", "partly_upheld")

# Fuzzy suggestions: rapidfuzz WRatio (0-100) on the normalised value against every taxonomy
# spelling; the best match at or above this score is *suggested* in `unmapped()` and never applied.
FUZZY_THRESHOLD = 85.0

UNMAPPED_ID = "unmapped"
# one name for the catch-all wherever it is shown (packs, governance reports, dashboards),
# written for a reader rather than the analyst
UNMAPPED_LABEL = "Other (not in the root-cause list)"

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise(value: str) -> str:
    """Case-, punctuation- and whitespace-insensitive form used for every comparison."""
    return _NON_ALNUM.sub(" ", str(value).lower().replace("&", " and ")).strip()


@dataclass(frozen=True)
class SubCause:
    """A sub-cause of a root cause."""

    id: str
    label: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cause:
    """A root cause from the taxonomy, with the seed passage it comes from."""

    id: str
    label: str
    passage: str
    synonyms: tuple[str, ...]
    sub_causes: tuple[SubCause, ...]


@dataclass(frozen=True)
class Taxonomy:
    """The root-cause taxonomy plus a lookup from a normalised spelling to (cause, sub-cause)."""

    causes: tuple[Cause, ...]
    lookup: Mapping[str, tuple[str, str | None]]
    source: str = ""

    def cause(self, cause_id: str) -> Cause:
        for c in self.causes:
            if c.id == cause_id:
                return c
        raise KeyError(cause_id)

    def label(self, cause_id: str, sub_id: str | None = None) -> str:
        """The cause label, or the sub-cause label when ``sub_id`` is given."""
        if cause_id == UNMAPPED_ID:
            return UNMAPPED_LABEL
        cause = self.cause(cause_id)
        if sub_id is None:
            return cause.label
        return next(s.label for s in cause.sub_causes if s.id == sub_id)

    def resolve(self, target: str) -> tuple[str, str | None] | None:
        """``cause_id`` or ``cause_id/sub_id`` -> (cause, sub) when both exist, else None."""
        cause_id, _, sub_id = str(target).strip().partition("/")
        try:
            cause = self.cause(cause_id)
        except KeyError:
            return None
        if not sub_id:
            return cause.id, None
        if any(s.id == sub_id for s in cause.sub_causes):
            return cause.id, sub_id
        return None


def _str_list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _build_taxonomy(doc: YamlDocument) -> Taxonomy:
    data = doc.data if isinstance(doc.data, dict) else {}
    problems: list[str] = []
    causes: list[Cause] = []
    lookup: dict[str, tuple[str, str | None]] = {}
    where: dict[str, str] = {}

    def add(spelling: str, target: tuple[str, str | None], loc: tuple) -> None:
        key = normalise(spelling)
        if not key:
            return
        if key in lookup and lookup[key] != target:
            problems.append(f"line {doc.line(loc)}: '{spelling}' is already used by {where[key]}")
            return
        lookup[key] = target
        where[key] = "/".join(t for t in target if t)

    raw_causes = data.get("causes")
    if not isinstance(raw_causes, list) or not raw_causes:
        raise ValidationFailed("not a root-cause taxonomy", ["no 'causes:' list"], path=doc.path)
    seen: set[str] = set()
    for i, rc in enumerate(raw_causes):
        loc = ("causes", i)
        if not isinstance(rc, dict) or not rc.get("id") or not rc.get("label"):
            problems.append(f"line {doc.line(loc)}: a cause needs an id and a label")
            continue
        cid = str(rc["id"])
        if cid in seen or cid == UNMAPPED_ID:
            problems.append(f"line {doc.line((*loc, 'id'))}: cause id '{cid}' is not unique")
        seen.add(cid)
        subs: list[SubCause] = []
        raw_subs = rc.get("sub_causes") or []
        if not 3 <= len(raw_subs) <= 6:
            problems.append(f"line {doc.line((*loc, 'sub_causes'))}: cause '{cid}' needs 3-6 "
                            f"sub-causes (has {len(raw_subs)})")
        for j, sc in enumerate(raw_subs):
            sloc = (*loc, "sub_causes", j)
            if not isinstance(sc, dict) or not sc.get("id") or not sc.get("label"):
                problems.append(f"line {doc.line(sloc)}: a sub-cause needs an id and a label")
                continue
            sub = SubCause(str(sc["id"]), str(sc["label"]), tuple(_str_list(sc.get("synonyms"))))
            if any(s.id == sub.id for s in subs):
                problems.append(f"line {doc.line(sloc)}: sub-cause id '{sub.id}' repeats")
            subs.append(sub)
        cause = Cause(cid, str(rc["label"]), str(rc.get("passage") or ""),
                      tuple(_str_list(rc.get("synonyms"))), tuple(subs))
        causes.append(cause)
        for spelling in (cause.id, cause.label, *cause.synonyms):
            add(spelling, (cause.id, None), loc)
        for j, sub in enumerate(cause.sub_causes):
            sloc = (*loc, "sub_causes", j)
            for spelling in (sub.id, sub.label, *sub.synonyms, f"{cause.id}/{sub.id}",
                             f"{cause.label} - {sub.label}"):
                add(spelling, (cause.id, sub.id), sloc)
    if problems:
        raise ValidationFailed("invalid root-cause taxonomy", problems, path=doc.path)
    return Taxonomy(tuple(causes), lookup, str(data.get("source") or ""))


@pure_cache(maxsize=8)
def _load_taxonomy_cached(path: str, mtime_ns: int, size: int) -> Taxonomy:
    return _build_taxonomy(load_yaml(path))


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Load (and validate) the taxonomy YAML; the packaged one by default. Cached per file
    version."""
    return _load_taxonomy_cached(*file_identity(path or TAXONOMY_PATH))


def _at(doc: YamlDocument, loc: tuple) -> str:
    line = doc.line(loc)
    return f"line {line}: " if line else ""


def load_mapping(mapping: str | Path | Mapping[str, Any] | None,
                 taxonomy: Taxonomy | None = None) -> dict[str, tuple[str, str | None]]:
    """A provider's root-cause mapping -> {normalised source value: (cause, sub-cause)}.

    ``mapping`` is a YAML path or an already-parsed dict, either shaped
    ``{root_causes: {"Source value": cause_id | cause_id/sub_id}}`` or just the inner dict.
    Unknown cause or sub-cause ids raise ValidationFailed listing every one (with its line).
    """
    if mapping is None:
        return {}
    tax = taxonomy or load_taxonomy()
    if isinstance(mapping, str | Path):
        doc = load_yaml(mapping)
    else:
        doc = parse_yaml("", "<mapping>")
        doc.data = dict(mapping)
    data = doc.data if isinstance(doc.data, dict) else {}
    inner = data.get("root_causes", data) if "root_causes" in data else data
    prefix = ("root_causes",) if "root_causes" in data else ()
    if not isinstance(inner, dict):
        raise ValidationFailed("invalid root-cause mapping",
                               [f"{_at(doc, prefix)}root_causes must be a mapping of "
                                "source value to cause id"], path=doc.path)
    out: dict[str, tuple[str, str | None]] = {}
    problems: list[str] = []
    for source_value, target in inner.items():
        resolved = tax.resolve(str(target)) if target is not None else None
        if resolved is None:
            problems.append(f"{_at(doc, (*prefix, source_value))}'{source_value}' maps to "
                            f"unknown root cause '{target}' (known: "
                            f"{', '.join(c.id for c in tax.causes)}, or cause_id/sub_id)")
            continue
        out[normalise(source_value)] = resolved
    if problems:
        raise ValidationFailed("invalid root-cause mapping", problems,
                               path=doc.path if isinstance(mapping, str | Path) else None)
    return out


def _raw(frame: pd.DataFrame) -> pd.Series:
    if "root_cause" not in frame:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    raw = frame["root_cause"].astype("string").str.strip()
    return raw.mask(raw == "")


def classify(register: Register, mapping: str | Path | Mapping[str, Any] | None = None, *,
             taxonomy: Taxonomy | None = None) -> pd.DataFrame:
    """Per register row: the recorded root cause and the cause / sub-cause it maps to.

    Matching order: the provider ``mapping`` (see `load_mapping`), then the taxonomy's ids, labels
    and synonyms (normalised exact match). Fuzzy matches are never applied (see `unmapped`).
    Columns: _row, reference, outcome, root_cause, cause, cause_label, sub_cause, sub_cause_label,
    matched_by ("mapping" | "taxonomy" | NA), unmapped (a value was recorded but not mapped).
    Same index as ``register.frame``.
    """
    tax = taxonomy or load_taxonomy()
    provider = load_mapping(mapping, tax)
    frame = register.frame
    raw = _raw(frame)
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    n = len(uniques)
    cause = np.full(n + 1, None, dtype=object)  # last slot: blank value (code -1)
    sub = np.full(n + 1, None, dtype=object)
    by = np.full(n + 1, None, dtype=object)
    for i, value in enumerate(uniques):
        key = normalise(value)
        if key in provider:
            cause[i], sub[i] = provider[key]
            by[i] = "mapping"
        elif key in tax.lookup:
            cause[i], sub[i] = tax.lookup[key]
            by[i] = "taxonomy"
    labels = {c.id: c.label for c in tax.causes}
    sub_labels = {(c.id, s.id): s.label for c in tax.causes for s in c.sub_causes}
    cause_label = np.array([labels.get(c) if c else None for c in cause], dtype=object)
    sub_label = np.array([sub_labels.get((c, s)) if s else None for c, s in zip(cause, sub,
                                                                                strict=True)],
                         dtype=object)
    take = np.where(codes < 0, n, codes)

    def col(name: str) -> pd.Series:
        if name in frame:
            return frame[name]
        return pd.Series(pd.NA, index=frame.index, dtype="string")

    out = pd.DataFrame({
        "_row": col("_row"),
        "reference": col("reference"),
        "outcome": col("outcome"),
        "root_cause": raw,
        "cause": pd.array(cause[take], dtype="string"),
        "cause_label": pd.array(cause_label[take], dtype="string"),
        "sub_cause": pd.array(sub[take], dtype="string"),
        "sub_cause_label": pd.array(sub_label[take], dtype="string"),
        "matched_by": pd.array(by[take], dtype="string"),
    }, index=frame.index)
    out["unmapped"] = (raw.notna() & out["cause"].isna()).astype("boolean")
    return out


def _upheld(frame: pd.DataFrame, outcomes: tuple[str, ...]) -> pd.Series:
    if "outcome" not in frame:
        return pd.Series(False, index=frame.index)
    mask = frame["outcome"].astype("string").isin(list(outcomes)).fillna(False).astype(bool)
    if "record_kind" in frame:
        mask &= frame["record_kind"].astype("string").fillna("complaint").ne("compliment")
    return mask


def _cause_keys(classified: pd.DataFrame, level: str, tax: Taxonomy) -> pd.DataFrame:
    """Key and label per row at ``level`` ("cause" | "sub_cause"); unmapped rows grouped as one."""
    if level not in ("cause", "sub_cause"):
        raise ValueError(f"level must be 'cause' or 'sub_cause', not {level!r}")
    cause = classified["cause"].fillna(UNMAPPED_ID)
    label = classified["cause_label"].fillna(UNMAPPED_LABEL)
    if level == "sub_cause":
        sub = classified["sub_cause"]
        cause = cause.where(sub.isna() | (cause == UNMAPPED_ID), cause + "/" + sub.fillna(""))
        sub_label = classified["sub_cause_label"]
        label = label.where(sub_label.isna(), label + ": " + sub_label.fillna(""))
    return pd.DataFrame({"cause": cause, "label": label}, index=classified.index)


def _order(tax: Taxonomy) -> dict[str, int]:
    keys = [k for c in tax.causes for k in (c.id, *(f"{c.id}/{s.id}" for s in c.sub_causes))]
    return {k: i for i, k in enumerate([*keys, UNMAPPED_ID])}


def pareto(register: Register, mapping: str | Path | Mapping[str, Any] | None = None, *,
           level: str = "cause", outcomes: tuple[str, ...] = UPHELD,
           taxonomy: Taxonomy | None = None) -> pd.DataFrame:
    """Root causes of upheld and partly upheld complaints, most frequent first.

    Columns: cause (id, ``cause/sub`` at level "sub_cause", "unmapped" for values not in the
    taxonomy), label, count, pct (of complaints with a root cause recorded, 1 dp) and cum_pct
    (cumulative, 1 dp; the last row is 100.0). Ties keep taxonomy order. Empty when none.
    """
    tax = taxonomy or load_taxonomy()
    cls = classify(register, mapping, taxonomy=tax)
    cls = cls[_upheld(register.frame, outcomes) & cls["root_cause"].notna()]
    cols = ["cause", "label", "count", "pct", "cum_pct"]
    if cls.empty:
        return pd.DataFrame({c: pd.Series(dtype="string" if c in ("cause", "label") else "float64")
                             for c in cols}).astype({"count": "int64"})
    keys = _cause_keys(cls, level, tax)
    counts = keys.groupby(["cause", "label"], sort=False).size().rename("count").reset_index()
    order = _order(tax)
    counts["_o"] = counts["cause"].map(order).fillna(len(order))
    counts = counts.sort_values(["count", "_o"], ascending=[False, True], kind="stable")
    total = counts["count"].sum()
    counts["pct"] = (100 * counts["count"] / total).round(1)
    counts["cum_pct"] = (100 * counts["count"].cumsum() / total).round(1)
    return counts[cols].reset_index(drop=True).astype({"count": "int64"})


def rca_coverage(register: Register, *, outcomes: tuple[str, ...] = UPHELD) -> float | None:
    """% (1 dp) of upheld/partly upheld complaints with a root cause recorded; None when none."""
    frame = register.frame
    upheld = _upheld(frame, outcomes)
    n = int(upheld.sum())
    if n == 0:
        return None
    recorded = int((upheld & _raw(frame).notna()).sum())
    return round(100 * recorded / n, 1)


def crosstab(register: Register, by: str = "location",
             mapping: str | Path | Mapping[str, Any] | None = None, *, level: str = "cause",
             outcomes: tuple[str, ...] = UPHELD, taxonomy: Taxonomy | None = None) -> pd.DataFrame:
    """Counts of root causes (columns, taxonomy order, labels) by ``by`` ("location" | "type"):
    upheld/partly upheld complaints with a root cause recorded; blank ``by`` is "(not recorded)";
    a final "Total" column. Empty frame when there is nothing to count."""
    if by not in ("location", "type"):
        raise ValueError(f"by must be 'location' or 'type', not {by!r}")
    tax = taxonomy or load_taxonomy()
    cls = classify(register, mapping, taxonomy=tax)
    keep = _upheld(register.frame, outcomes) & cls["root_cause"].notna()
    cls = cls[keep]
    if cls.empty:
        return pd.DataFrame()
    keys = _cause_keys(cls, level, tax)
    group = (register.frame.loc[keep, by].astype("string").str.strip().replace("", pd.NA)
             .fillna("(not recorded)") if by in register.frame
             else pd.Series("(not recorded)", index=cls.index, dtype="string"))
    table = pd.crosstab(group.rename(by), keys["cause"])
    order = _order(tax)
    table = table[sorted(table.columns, key=lambda k: order.get(k, len(order)))]
    names = keys.drop_duplicates("cause").set_index("cause")["label"]
    table.columns = pd.Index([names[c] for c in table.columns], name="root cause")
    table["Total"] = table.sum(axis=1)
    return table.sort_values("Total", ascending=False, kind="stable")


def unmapped(register: Register, mapping: str | Path | Mapping[str, Any] | None = None, *,
             taxonomy: Taxonomy | None = None, threshold: float = FUZZY_THRESHOLD) -> pd.DataFrame:
    """Recorded root-cause values not mapped to the taxonomy, with counts and fuzzy suggestions.

    Columns: value, count, suggestion (``cause`` or ``cause/sub``, NA when nothing scores at least
    ``threshold``), suggestion_label, score (rapidfuzz WRatio 0-100 on normalised text). A
    suggestion is for the auditor to confirm in the provider mapping file; it is never applied.
    """
    tax = taxonomy or load_taxonomy()
    cls = classify(register, mapping, taxonomy=tax)
    values = cls.loc[cls["unmapped"].fillna(False).astype(bool), "root_cause"]
    counts = values.value_counts(sort=False).rename_axis("value").rename("count").reset_index()
    counts = counts.sort_values(["count", "value"], ascending=[False, True], kind="stable")
    choices = list(tax.lookup)
    sugg, labels, scores = [], [], []
    for value in counts["value"]:
        best = process.extractOne(normalise(value), choices, scorer=fuzz.WRatio,
                                  score_cutoff=threshold)
        if best is None:
            sugg.append(None)
            labels.append(None)
            scores.append(np.nan)
            continue
        cause_id, sub_id = tax.lookup[best[0]]
        sugg.append(f"{cause_id}/{sub_id}" if sub_id else cause_id)
        labels.append(tax.label(cause_id, sub_id))
        scores.append(round(float(best[1]), 1))
    counts["suggestion"] = pd.array(sugg, dtype="string")
    counts["suggestion_label"] = pd.array(labels, dtype="string")
    counts["score"] = np.array(scores, dtype="float64")
    counts["value"] = counts["value"].astype("string")
    return counts.reset_index(drop=True).astype({"count": "int64"})
