"""Complaint themes: type counts and TF-IDF + NMF text themes per quarter, and emerging ones."""

from __future__ import annotations

import functools
import math
import re
import warnings
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from workbench.analysis import periods
from workbench.register.identities import EMAIL, URL
from workbench.register.loader import Register

TEXT_FIELDS = ("summary", "outcome_description", "learning")

# Words that appear in every complaint whatever it is about: they would only blur the themes.
DOMAIN_STOP_WORDS = frozenset({
    "complaint", "complaints", "complained", "complaining", "complainant", "complainants",
    "customer", "customers", "client", "clients", "provider", "council", "company", "please",
    "told", "tell", "said", "say", "says", "would", "could", "also", "upheld", "uphold", "partly",
    "partially", "investigation", "investigated", "investigating", "outcome", "learning",
    "lesson", "lessons", "learned", "learnt", "response", "responded", "respond", "apologised",
    "apologized", "apology", "apologise", "apologies", "dear", "regards", "sincerely", "mrs",
    "miss", "day", "days", "time", "times", "got", "get", "getting", "going", "just", "like",
    "know", "knew", "want", "wanted", "did", "does", "don", "didn", "doesn", "yes", "able",
    "make", "made", "way", "thing", "things", "really", "thank", "thanks", "today", "yesterday",
    "week", "weeks", "month", "months", "year", "years", "one", "two", "three", "issue", "issues",
    "regarding", "concern", "concerns",
})


@functools.cache
def stop_words_list() -> frozenset[str]:
    """scikit-learn's English stop words and the domain's own (imported on first use)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | DOMAIN_STOP_WORDS

# Tokens: 3+ letters, not a run of x's (CFPB and many registers redact names as XXXX).
TOKEN_PATTERN = r"(?u)\b(?!x+\b)[^\W\d_]{3,}\b"
_TOKEN = re.compile(TOKEN_PATTERN)
# A capitalised word after a word or a comma (not after a full stop): mid-sentence.
_CAPITALISED_MID = re.compile(r"(?<=[\w,)] )([A-ZÀ-Þ][a-zß-ÿ]+)\b")
_LOWER_WORD = re.compile(r"\b[a-zß-ÿ]{3,}\b")
REDACTION_WORD = "redacted"  # what is left of "[redacted]" in text redacted before analysis

MAX_THEMES = 8
FIT_SAMPLE = 20_000          # documents the model is fitted on at most (deterministic sample)
MAX_FEATURES = 5_000         # vocabulary cap
TRANSFORM_CHUNK = 50_000

# Emerging themes: the test and the thresholds, reported in every emerging table's `test` field.
ALPHA = 0.01
MIN_COUNT = 5
MIN_RATIO = 1.5
TEST = (f"one-sided two-proportion z-test (pooled), latest quarter vs all earlier quarters; "
        f"emerging when p < {ALPHA:g} and at least {MIN_COUNT} complaints in the latest quarter "
        f"and share at least {MIN_RATIO:g}x the baseline share")

EMERGING_COLUMNS = ["quarter", "count", "total", "share", "baseline_count", "baseline_total",
                    "baseline_share", "ratio", "z", "p_value", "emerging", "test"]


def fy_quarter(dates: pd.Series) -> pd.Series:
    """UK financial-year quarter labels, "2024-25 Q1" (Apr-Jun) ... "2024-25 Q4" (Jan-Mar).

    Labels sort chronologically as strings; NaT gives NA
    (workbench.analysis.periods.quarter_labels).
    """
    return periods.quarter_labels(dates)


def _complaints(frame: pd.DataFrame) -> pd.DataFrame:
    if "record_kind" not in frame:
        return frame
    return frame[frame["record_kind"].astype("string").fillna("complaint").ne("compliment")]


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame:
        return frame[name]
    return pd.Series(pd.NA, index=frame.index, dtype="string")


def _text(frame: pd.DataFrame) -> pd.Series:
    parts = [_col(frame, f).astype("string").fillna("") for f in TEXT_FIELDS]
    text = parts[0].str.cat(parts[1:], sep=" ").str.strip() if parts else None
    return text.mask(text == "")


def proper_nouns(texts: Iterable[str]) -> frozenset[str]:
    """Words (lower case) written capitalised in mid-sentence more often than in lower case:
    the names of people and places. Text in Title Case Throughout is no evidence either way."""
    joined = "\n".join(t for t in texts if not t.istitle())
    capitalised = Counter(w.lower() for w in _CAPITALISED_MID.findall(joined))
    if not capitalised:
        return frozenset()
    lower = Counter(_LOWER_WORD.findall(joined))
    return frozenset(w for w, n in capitalised.items() if n > lower.get(w, 0))


def _without_addresses(texts: pd.Index) -> pd.Index:
    """``texts`` with email addresses and URLs blanked: their parts ("example", "com") are not
    what a complaint is about."""
    text = pd.Series(texts, dtype=object)
    has = text.str.contains("@|://|www\\.", regex=True).to_numpy(dtype=bool)
    if not has.any():
        return texts
    text[has] = [URL.sub(" ", EMAIL.sub(" ", t)) for t in text[has]]
    return pd.Index(text)


def excluded_terms(register: Register, texts: Iterable[str]) -> frozenset[str]:
    """Tokens that are never theme terms: every word of an identity the register holds
    (complainants and staff, as tokens), the proper nouns of ``texts`` and "redacted"."""
    identities = getattr(register, "identities", None)
    words = identities.words if identities else frozenset()
    tokens = {t for w in words for t in _TOKEN.findall(w.lower())}
    return frozenset(tokens) | proper_nouns(texts) | {REDACTION_WORD}


def _quarters(frame: pd.DataFrame) -> pd.Series:
    return fy_quarter(_col(frame, "date_received").astype("datetime64[ns]"))


def emerging(counts: pd.DataFrame, key: str = "theme", *, alpha: float = ALPHA,
             min_count: int = MIN_COUNT, min_ratio: float = MIN_RATIO) -> pd.DataFrame:
    """Which ``key`` values are emerging in the latest quarter, against all earlier quarters pooled.

    ``counts`` is long: quarter, ``key``, count, total (complaints in that quarter), optionally
    label. Test: one-sided two-proportion z-test with pooled variance, H1 share_latest >
    share_baseline; emerging when p < ``alpha`` (0.01) AND count >= ``min_count`` (5) AND
    share >= ``min_ratio`` (1.5) x baseline share. The rule is written in the ``test`` column.
    One row per ``key`` (latest quarter), emerging first; empty with no quarter, and all False
    with no earlier quarter to compare with.
    """
    test = (TEST if (alpha, min_count, min_ratio) == (ALPHA, MIN_COUNT, MIN_RATIO) else
            f"one-sided two-proportion z-test (pooled), latest quarter vs all earlier quarters; "
            f"emerging when p < {alpha:g} and at least {min_count} complaints in the latest "
            f"quarter and share at least {min_ratio:g}x the baseline share")
    extra = ["label"] if "label" in counts else []
    columns = [key, *extra, *EMERGING_COLUMNS]
    counts = counts.dropna(subset=["quarter"])
    if counts.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    latest = counts["quarter"].max()
    now = counts[counts["quarter"] == latest].set_index(key)
    before = counts[counts["quarter"] < latest]
    base_count = before.groupby(key)["count"].sum().reindex(now.index, fill_value=0)
    base_total = before.drop_duplicates("quarter")["total"].sum()
    out = pd.DataFrame({"quarter": latest, "count": now["count"], "total": now["total"]},
                       index=now.index)
    for c in extra:
        out.insert(0, c, now[c])
    out["share"] = out["count"] / out["total"].where(out["total"] > 0)
    out["baseline_count"] = base_count.astype("int64")
    out["baseline_total"] = int(base_total)
    out["baseline_share"] = (out["baseline_count"] / base_total) if base_total else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        out["ratio"] = out["share"] / out["baseline_share"]
        pooled = (out["count"] + out["baseline_count"]) / (out["total"] + base_total)
        se = np.sqrt(pooled * (1 - pooled) * (1 / out["total"] + 1 / base_total)) if base_total \
            else np.nan
        out["z"] = (out["share"] - out["baseline_share"]) / se
    out["z"] = out["z"].replace([np.inf, -np.inf], np.nan)
    # One-sided upper tail of the standard normal (scipy's norm.sf) without importing scipy.
    z = out["z"].astype("float64").to_numpy()
    out["p_value"] = np.array([0.5 * math.erfc(v / math.sqrt(2)) if v == v else np.nan
                               for v in z], dtype="float64")
    out["emerging"] = ((out["p_value"] < alpha) & (out["count"] >= min_count)
                       & (out["ratio"] >= min_ratio)).fillna(False).astype(bool)
    out["test"] = test
    out = out.reset_index()
    return out.sort_values(["emerging", "p_value"], ascending=[False, True],
                           kind="stable", na_position="last")[columns].reset_index(drop=True)


def by_type(register: Register) -> pd.DataFrame:
    """Complaints per ``type`` per financial quarter: quarter, type, count, total, share.

    Blank types count as "(not recorded)"; rows without a valid date received are left out.
    Every type appears in every quarter (count 0 when none). Empty frame when nothing to count.
    """
    frame = _complaints(register.frame)
    quarter = _quarters(frame)
    kind = _col(frame, "type").astype("string").str.strip().replace("", pd.NA)
    kind = kind.fillna("(not recorded)")
    keep = quarter.notna()
    cols = ["quarter", "type", "count", "total", "share"]
    if not keep.any():
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    table = pd.crosstab(quarter[keep].rename("quarter"), kind[keep].rename("type"))
    long = table.stack().rename("count").reset_index()
    long["total"] = long["quarter"].map(table.sum(axis=1)).astype("int64")
    long["share"] = long["count"] / long["total"]
    return long[cols].sort_values(["quarter", "type"]).reset_index(drop=True)


@dataclass
class ThemeResult:
    """Text themes of one register's complaints.

    - themes: theme (1 = largest), label (top 4 terms), terms (top 10), size, share, examples
      (references of the 3 most strongly weighted complaints).
    - assignments: one row per complaint (index as the register frame): _row, reference,
      quarter, theme (NA when the complaint has no usable text), label, weight.
    - share: quarter, theme, label, count, total (complaints with a theme that quarter), share.
    - emerging: see `emerging` (the test and thresholds are in its `test` column).
    - types / emerging_types: the same from the register's ``type`` field (`by_type`).
    """

    themes: pd.DataFrame
    assignments: pd.DataFrame
    share: pd.DataFrame
    emerging: pd.DataFrame
    types: pd.DataFrame = field(default_factory=pd.DataFrame)
    emerging_types: pd.DataFrame = field(default_factory=pd.DataFrame)
    documents: int = 0       # complaints with text
    fitted_on: int = 0       # documents in the fitting sample
    vocabulary: int = 0
    test: str = TEST


def default_themes(documents: int) -> int:
    """Number of themes when not given: min(8, max(1, floor(sqrt(documents / 2))))."""
    return min(MAX_THEMES, max(1, int(math.sqrt(documents / 2))))


def _empty_result(frame: pd.DataFrame, quarter: pd.Series, documents: int = 0) -> ThemeResult:
    assignments = pd.DataFrame({
        "_row": _col(frame, "_row"), "reference": _col(frame, "reference"), "quarter": quarter,
        "theme": pd.Series(pd.NA, index=frame.index, dtype="Int64"),
        "label": pd.Series(pd.NA, index=frame.index, dtype="string"),
        "weight": pd.Series(np.nan, index=frame.index, dtype="float64"),
    })
    themes = pd.DataFrame({c: pd.Series(dtype=t) for c, t in [
        ("theme", "int64"), ("label", "string"), ("terms", "object"), ("size", "int64"),
        ("share", "float64"), ("examples", "object")]})
    share = pd.DataFrame({c: pd.Series(dtype=t) for c, t in [
        ("quarter", "string"), ("theme", "int64"), ("label", "string"), ("count", "int64"),
        ("total", "int64"), ("share", "float64")]})
    return ThemeResult(themes, assignments, share, emerging(share), documents=documents)


def discover(register: Register, n_themes: int | None = None, *, random_state: int = 0,
             sample_size: int = FIT_SAMPLE, max_features: int = MAX_FEATURES,
             min_df: int | None = None) -> ThemeResult:
    """Text themes from summary + outcome_description + learning (complaints only).

    TF-IDF (English + domain stop words, tokens of 3+ letters, never a word of an identity the
    register holds nor a proper noun (`excluded_terms`), at most ``max_features`` terms,
    ``min_df`` 2 when there are 50+ documents else 1, terms in over 70 % of documents dropped when
    there are 20+) then NMF (init "nndsvda", ``random_state``): deterministic. The model is
    fitted on a seeded sample of at most ``sample_size`` documents, then every distinct text is
    transformed, so 500,000 rows stay fast. Each complaint gets its strongest theme. ``n_themes``
    defaults to `default_themes` and is capped by the documents and the vocabulary.
    """
    frame = _complaints(register.frame)
    quarter = _quarters(frame)
    text = _text(frame)
    has_text = text.notna()
    documents = int(has_text.sum())
    if documents == 0:
        return _with_types(_empty_result(frame, quarter), register)
    codes, uniques = pd.factorize(text[has_text])
    uniques = _without_addresses(uniques)
    rng = np.random.default_rng(random_state)
    if documents > sample_size:
        pick = np.sort(rng.choice(documents, size=sample_size, replace=False))
    else:
        pick = np.arange(documents)
    sample = uniques.take(codes[pick])
    stop_words = stop_words_list() | excluded_terms(register, sample)
    # scikit-learn is imported here, not at the top: a page or kernel that only reads themes
    # already fitted (dashboards, results.json) does not pay its ~1 s import.
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(
        lowercase=True, stop_words=sorted(stop_words), token_pattern=TOKEN_PATTERN,
        max_features=max_features, min_df=min_df or (2 if len(sample) >= 50 else 1),
        max_df=0.7 if len(sample) >= 20 else 1.0, sublinear_tf=True, dtype=np.float32,
    )
    try:
        x_fit = vec.fit_transform(sample)
    except ValueError:  # empty vocabulary: every word is a stop word or too rare/common
        return _with_types(_empty_result(frame, quarter, documents), register)
    k = min(n_themes or default_themes(documents), x_fit.shape[0], x_fit.shape[1])
    model = NMF(n_components=max(k, 1), init="nndsvda", random_state=random_state, max_iter=400)
    # One BLAS thread: on matrices this size threads cost more than they save (measured ~10 %
    # slower with two), they oversubscribe the cores when the batch runs providers side by side,
    # and the fitted themes no longer depend on the machine's core count.
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"), \
            np.errstate(invalid="ignore"):  # sklearn's loss takes sqrt of -0.0-ish rounding
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x_fit)
        parts = []
        for start in range(0, len(uniques), TRANSFORM_CHUNK):
            chunk = vec.transform(uniques[start:start + TRANSFORM_CHUNK])
            parts.append(model.transform(chunk))
    w_unique = np.vstack(parts)
    best = w_unique.argmax(axis=1)
    weight = w_unique.max(axis=1)
    best = np.where(weight > 0, best, -1)

    # order themes by size (largest = 1), ties by model order: stable ids for a given input
    raw_theme = best[codes]
    sizes = np.bincount(raw_theme[raw_theme >= 0], minlength=model.n_components_)
    order = np.lexsort((np.arange(len(sizes)), -sizes))
    new_id = np.empty_like(order)
    new_id[order] = np.arange(1, len(order) + 1)
    vocab = vec.get_feature_names_out()
    terms = {int(new_id[j]): [str(vocab[t]) for t in np.argsort(-model.components_[j],
                                                                 kind="stable")[:10]
                              if model.components_[j, t] > 0]
             for j in range(model.n_components_)}
    labels = {t: ", ".join(v[:4]) for t, v in terms.items()}

    theme = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    theme[has_text] = np.where(raw_theme >= 0, new_id[np.maximum(raw_theme, 0)], -1)
    theme = theme.mask(theme == -1)
    w = pd.Series(np.nan, index=frame.index, dtype="float64")
    w[has_text] = np.where(raw_theme >= 0, weight[codes], np.nan)
    assignments = pd.DataFrame({
        "_row": _col(frame, "_row"), "reference": _col(frame, "reference"), "quarter": quarter,
        "theme": theme, "label": theme.map(labels).astype("string"), "weight": w,
    })

    assigned = assignments[assignments["theme"].notna()]
    ref = assigned["reference"].astype("string").fillna(assigned["_row"].astype("string"))
    top = (assigned.assign(_ref=ref, _pos=np.arange(len(assigned)))
           .sort_values(["theme", "weight", "_pos"], ascending=[True, False, True])
           .groupby("theme").head(3).groupby("theme")["_ref"].agg(list))
    size = assigned["theme"].value_counts()
    ids = sorted(terms)
    themes = pd.DataFrame({
        "theme": np.array(ids, dtype="int64"),
        "label": pd.array([labels[t] for t in ids], dtype="string"),
        "terms": [terms[t] for t in ids],
        "size": np.array([int(size.get(t, 0)) for t in ids], dtype="int64"),
    })
    themes["share"] = themes["size"] / max(len(assigned), 1)
    themes["examples"] = [top.get(t, []) for t in ids]

    dated = assigned[assigned["quarter"].notna()]
    if dated.empty:
        share = _empty_result(frame, quarter).share
    else:
        table = pd.crosstab(dated["quarter"], dated["theme"]).reindex(columns=ids, fill_value=0)
        share = table.stack().rename("count").reset_index()
        share["theme"] = share["theme"].astype("int64")
        share["label"] = share["theme"].map(labels).astype("string")
        share["total"] = share["quarter"].map(table.sum(axis=1)).astype("int64")
        share["share"] = share["count"] / share["total"]
        share = share[["quarter", "theme", "label", "count", "total", "share"]]
    result = ThemeResult(themes, assignments, share, emerging(share), documents=documents,
                         fitted_on=len(sample), vocabulary=len(vocab))
    return _with_types(result, register)


def _with_types(result: ThemeResult, register: Register) -> ThemeResult:
    result.types = by_type(register)
    result.emerging_types = emerging(result.types, key="type")
    return result
