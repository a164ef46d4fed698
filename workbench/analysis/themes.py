"""Complaint themes: type counts, text themes (TF-IDF, LSA, k-means) per quarter, emerging ones."""

from __future__ import annotations

import functools
import itertools
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
# An outcome or learning entry written word for word in this share of the complaints (and at
# least BOILERPLATE_MIN of them) is a pick-list value ("No learning identified."), not free text:
# it says how a complaint ended, not what it was about, and left in it becomes the themes (every
# theme of the sample registers was an outcome sentence). Summaries are kept whole: a summary
# many complaints share ("Missed bin collection") is exactly what a theme is about.
BOILERPLATE_SHARE = 0.02
BOILERPLATE_MIN = 5

# Words that appear in every complaint whatever it is about: they would only blur the themes.
DOMAIN_STOP_WORDS = frozenset({
    "complaint", "complaints", "complained", "complaining", "complainant", "complainants",
    "customer", "customers", "client", "clients", "provider", "council", "company", "please",
    "told", "tell", "said", "say", "says", "would", "could", "also", "dear", "regards",
    "sincerely", "mrs", "miss", "day", "days", "time", "times", "got", "get", "getting", "going",
    "just", "like", "know", "knew", "want", "wanted", "did", "does", "don", "didn", "doesn",
    "yes", "able", "make", "made", "way", "thing", "things", "really", "thank", "thanks",
    "today", "yesterday", "week", "weeks", "month", "months", "year", "years", "one", "two",
    "three", "issue", "issues", "regarding", "concern", "concerns",
})
# Words of the complaint process itself ("upheld", "apologised"): left out only while they carry
# no signal, that is while the other words still give enough complaints a term
# (`SOFT_STOP_NEEDED`); in a register of one-line outcomes ("Upheld", "Not upheld") they stay.
SOFT_STOP_WORDS = frozenset({
    "upheld", "uphold", "partly", "partially", "investigation", "investigated",
    "investigating", "outcome", "learning", "lesson", "lessons", "learned", "learnt",
    "response", "responded", "respond", "apologised", "apologized", "apology", "apologise",
    "apologies",
})
SOFT_STOP_NEEDED = 0.9


@functools.cache
def stop_words_list() -> frozenset[str]:
    """scikit-learn's English stop words and the domain's own (imported on first use)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | DOMAIN_STOP_WORDS | SOFT_STOP_WORDS

# Tokens: words of 3+ letters, less those holding "xx" (`_tokens`: CFPB and many registers
# redact names as XXXX, and dates as XX/XX/XXXX, which runs into words: "OnXX"). Leaving them
# out after matching is twice as fast as a look-ahead in the pattern.
_WORD = re.compile(r"\b[^\W\d_]{3,}\b")
# A capitalised word after a word or a comma (not after a full stop): mid-sentence. The capital
# is matched before the look-behind, which lets the regex engine skip to capitals.
_CAPITALISED_MID = re.compile(r"[A-ZÀ-Þ](?<=[\w,)] [A-ZÀ-Þ])[a-zß-ÿ]+\b")
_LOWER_WORD = re.compile(r"\b[a-zß-ÿ]{3,}\b")
REDACTION_WORD = "redacted"  # what is left of "[redacted]" in text redacted before analysis

MIN_THEMES = 3               # the range `auto` chooses k in, by default
MAX_THEMES = 12
FIT_SAMPLE = 20_000          # documents the model is fitted on at most (deterministic sample)
MAX_FEATURES = 20_000        # vocabulary cap (words and word pairs)
LSA_DIMENSIONS = 50          # latent dimensions the documents are clustered in at most
DOCS_PER_DIMENSION = 10      # ... and at most one per this many documents
# Each LSA dimension is scaled by 1/sqrt of its singular value (the documents' coordinates are
# U * sqrt(S), not U * S): the minor subjects' dimensions are not drowned by the first few.
SEEDS = 4                    # k-means runs per k: the stability criterion and the final fit
# Starts of each k-means run the stability of a k is measured on: the partition of the best of
# STARTS starts, as a fit is, not of one start that may have stopped in a local optimum (which
# made a planted 4 topics look less stable than 5).
STARTS = 3
STABILITY_SAMPLE = 4_000     # documents the stability of each k is measured on at most
# k auto: then each theme is split in 2 or 3 parts (SPLIT_K) when that split is as reproducible
# as SPLIT_STABILITY (mean pairwise adjusted Rand index across `SEEDS` seeds) and the parts'
# centres are no more alike than SPLIT_SIMILARITY (cosine), while it holds SPLIT_MIN documents
# and the range allows more themes. Without the cosine rule a theme splits on a minor word it
# always holds one of (who complained: "carer", "manager"), not on what it is about.
SPLIT_K = (2, 3)
SPLIT_STABILITY = 0.8
SPLIT_SIMILARITY = 0.5
SPLIT_MIN = 60
TRANSFORM_CHUNK = 50_000
LABEL_PHRASES = 3            # phrases in a label
TERMS = 10                   # terms listed per theme
EXAMPLES = 2                 # redacted example summaries per theme
EXAMPLE_CHARS = 240          # an example summary is cut to about this many characters

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
    """Each complaint's theme text: its summary, then its outcome and learning entries that are
    not boilerplate (see BOILERPLATE_SHARE)."""
    parts = [_col(frame, f).astype("string").fillna("") for f in TEXT_FIELDS]
    limit = max(BOILERPLATE_MIN, BOILERPLATE_SHARE * len(frame))
    for i, part in enumerate(parts[1:], start=1):
        said = part.str.split().str.join(" ").str.lower()
        counts = said[said != ""].value_counts()
        parts[i] = part.mask(said.isin(counts.index[counts >= limit]), "")
    text = parts[0].str.cat(parts[1:], sep=" ").str.strip()
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
    tokens = {t for w in words for t in _tokens(w.lower())}
    return frozenset(tokens) | proper_nouns(texts) | {REDACTION_WORD}


def _quarters(register: Register, frame: pd.DataFrame) -> pd.Series:
    """Each complaint's financial quarter; NA where the date received is blank or in error."""
    return fy_quarter(register.trusted_dates("date_received", frame))


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

    Blank types count as "(not recorded)"; rows without a date received, or with an error on
    it (after the reporting date), are left out.
    Every type appears in every quarter (count 0 when none). Empty frame when nothing to count.
    """
    frame = _complaints(register.frame)
    quarter = _quarters(register, frame)
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

    - themes: theme (1 = largest), label (its top 2-3 word phrases, comma-separated), terms (top
      10 words and word pairs), size, share (of the complaints with a theme), examples
      (references of the 3 complaints nearest the theme's centre). No theme is empty.
    - assignments: one row per complaint (index as the register frame): _row, reference,
      quarter, theme (NA when the complaint has no usable text), label, weight (cosine
      similarity to the theme's centre).
    - share: quarter, theme, label, count, total (complaints with a theme that quarter), share.
    - emerging: see `emerging` (the test and thresholds are in its `test` column).
    - types / emerging_types: the same from the register's ``type`` field (`by_type`).
    - samples: theme, _row, reference, summary: two example summaries per theme, redacted as
      published text (`identities.redact`, public). Kept off results.json: the redaction
      policy publishes no summary text.
    - term_weights: theme, term, weight: each theme's term profile (`themes_match` compares
      two runs by it).
    - k, k_range, k_scores (stability of each k tried, None when k was given), method.
    - complaints (all complaints), documents (with text), themed (with a theme: enough text).
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
    samples: pd.DataFrame = field(default_factory=pd.DataFrame)
    term_weights: pd.DataFrame = field(default_factory=pd.DataFrame)
    complaints: int = 0
    themed: int = 0
    k: int = 0
    k_range: tuple[int, int] | None = None
    k_scores: dict[int, float] | None = None
    method: str = ""

    @property
    def coverage_text(self) -> str:
        """"37 of 371 complaints have enough text for themes"."""
        return (f"{self.themed:,} of {self.complaints:,} complaints have enough text for "
                f"themes")


def default_themes(documents: int) -> int:
    """The most themes ``documents`` can carry: min(MAX_THEMES, max(1, floor(sqrt(docs / 2))))."""
    return min(MAX_THEMES, max(1, int(math.sqrt(documents / 2))))


def _method(k: int, k_range: tuple[int, int] | None, scores: dict[int, float] | None,
            top: int | None = None) -> str:
    base = ("TF-IDF of words and word pairs (sublinear, English, domain, identity and "
            f"proper-noun stop words) -> LSA (at most {LSA_DIMENSIONS} dimensions, one per "
            f"{DOCS_PER_DIMENSION} documents, each scaled by 1/sqrt of its singular value) -> "
            "spherical k-means")
    if scores:
        top = top or k
        return (f"{base}; k = {k}: {top} themes chosen in {k_range[0]}..{k_range[1]} as the "
                f"most stable across {SEEDS} seeds (mean pairwise adjusted Rand index of the "
                f"k-means partitions, each the best of {STARTS} starts, {scores[top]:.2f}), "
                f"then each theme of {SPLIT_MIN}+ "
                f"complaints split in {SPLIT_K[0]}-{SPLIT_K[1]} where that split is as stable "
                f"(index >= {SPLIT_STABILITY:g}) and its parts distinct (centres' cosine <= "
                f"{SPLIT_SIMILARITY:g}), up to {k_range[1]} themes")
    return f"{base}; k = {k}" + (" (given)" if k_range is None else " (all the data allows)")


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
    samples = pd.DataFrame({c: pd.Series(dtype=t) for c, t in [
        ("theme", "int64"), ("_row", "int64"), ("reference", "string"), ("summary", "string")]})
    weights = pd.DataFrame({c: pd.Series(dtype=t) for c, t in [
        ("theme", "int64"), ("term", "string"), ("weight", "float64")]})
    return ThemeResult(themes, assignments, share, emerging(share), documents=documents,
                       samples=samples, term_weights=weights, complaints=len(frame),
                       method=_method(0, None, None))


def _tokens(text: str) -> list[str]:
    """The tokens of ``text`` (lower case): its words of 3+ letters not holding "xx"."""
    return [w for w in _WORD.findall(text) if "xx" not in w]


def _terms(text: str, *, stop: frozenset[str]) -> list[str]:
    """The words of ``text`` that are no stop word, and its pairs of such words written side by
    side (a pair never spans a left-out word: "said the insulin" gives no "said insulin")."""
    words = _tokens(text.lower())
    kept = [w for w in words if w not in stop]
    if len(kept) == len(words):
        return kept + [f"{a} {b}" for a, b in itertools.pairwise(words)]
    keep = [w not in stop for w in words]
    return kept + [f"{a} {b}" for a, b, ka, kb in zip(words, words[1:], keep, keep[1:],
                                                       strict=False) if ka and kb]


def _vectorise(sample: pd.Index, stop_words: frozenset[str], *, max_features: int,
               min_df: int | None):
    """(vectoriser, matrix) of ``sample``: TF-IDF of words and word pairs; the soft stop words
    are kept when leaving them out would leave too few documents a term. ValueError when no
    term is left at all."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    def fit(stop: frozenset[str]):
        vec = TfidfVectorizer(
            analyzer=functools.partial(_terms, stop=stop), max_features=max_features,
            min_df=min_df or (2 if len(sample) >= 50 else 1),
            max_df=0.9 if len(sample) >= 20 else 1.0, sublinear_tf=True, dtype=np.float32)
        return vec, vec.fit_transform(sample)

    try:
        vec, x = fit(stop_words)
        covered = float((x.getnnz(axis=1) > 0).mean())
    except ValueError:
        covered = 0.0
    if covered < SOFT_STOP_NEEDED:
        try:
            return fit(stop_words - SOFT_STOP_WORDS)
        except ValueError:
            if covered == 0.0:
                raise
    return vec, x


@dataclass
class _Lsa:
    """The fitted truncated SVD and the scale of each of its dimensions (1/sqrt of its
    singular value)."""

    svd: object
    scale: np.ndarray

    def transform(self, x) -> np.ndarray:
        """The (not yet unit-length) coordinates of the TF-IDF rows ``x``."""
        return self.svd.transform(x) * self.scale


def _embed(x, random_state: int):
    """(reducer or None, unit-length document vectors) of the TF-IDF rows ``x``."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    dims = min(LSA_DIMENSIONS, x.shape[0] // DOCS_PER_DIMENSION, x.shape[1] - 1)
    if dims < 2:
        return None, normalize(x.toarray())
    svd = TruncatedSVD(dims, random_state=random_state, algorithm="randomized", n_iter=5)
    u = svd.fit_transform(x)
    s = svd.singular_values_.astype(np.float64)
    # a dimension of (numerically) no variance is dropped, not blown up by 1/sqrt(0)
    scale = np.divide(1.0, np.sqrt(s), out=np.zeros_like(s), where=s > s[0] * 1e-6)
    lsa = _Lsa(svd, scale)
    return lsa, normalize(u * scale)


def _adjusted_rand(a: np.ndarray, b: np.ndarray) -> float:
    """scikit-learn's adjusted_rand_score of two partitions labelled 0..k-1, to the last bit,
    without its input checks (which took most of the time of the search for k)."""
    n = len(a)
    kb = int(b.max()) + 1
    table = np.bincount(a.astype(np.int64) * kb + b, minlength=(int(a.max()) + 1) * kb)
    table = table.reshape(-1, kb).astype(np.int64)
    both = int((table ** 2).sum())
    tp = both - n
    fp = int((table.sum(axis=0) ** 2).sum()) - both
    fn = int((table.sum(axis=1) ** 2).sum()) - both
    tn = n * n - fp - fn - both
    if fn == 0 and fp == 0:
        return 1.0
    return 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn))


def _stability(z: np.ndarray, ks: range, random_state: int) -> dict[int, float]:
    """Mean pairwise adjusted Rand index of `SEEDS` k-means partitions of (a seeded sample of)
    ``z`` per k (adjusted for chance, so more themes are not more stable by construction), each
    the best of `STARTS` starts."""
    from sklearn.cluster import KMeans

    if len(z) > STABILITY_SAMPLE:
        pick = np.random.default_rng(random_state).choice(len(z), STABILITY_SAMPLE,
                                                          replace=False)
        z = z[np.sort(pick)]
    scores = {}
    for k in ks:
        # seeds 101 apart: the runs of neighbouring random states share no start
        runs = [KMeans(k, n_init=STARTS, random_state=random_state + 101 * s).fit_predict(z)
                for s in range(SEEDS)]
        pairs = [_adjusted_rand(runs[i], runs[j])
                 for i in range(SEEDS) for j in range(i + 1, SEEDS)]
        scores[k] = round(float(np.mean(pairs)), 4)
    return scores


def _choose_k(n_themes: int | str | None, k_range: tuple[int, int] | None, z: np.ndarray,
              cap: int, random_state: int
              ) -> tuple[int, tuple[int, int] | None, dict[int, float] | None]:
    """k given (capped by the data), or the most stable k of the range (ties: the smaller)."""
    if isinstance(n_themes, int) and not isinstance(n_themes, bool):
        if n_themes < 1:
            raise ValueError(f"n_themes must be at least 1, not {n_themes}")
        return min(n_themes, cap), None, None
    if n_themes not in (None, "auto"):
        raise ValueError(f"n_themes must be a number or 'auto', not {n_themes!r}")
    lo, hi = k_range or (MIN_THEMES, MAX_THEMES)
    if not 1 <= lo <= hi:
        raise ValueError(f"theme range {lo}..{hi} is not a range of numbers from 1")
    hi = min(hi, cap)
    lo = min(lo, hi)
    if lo == hi:
        return lo, (lo, hi), None
    scores = _stability(z, range(lo, hi + 1), random_state)
    return _most_stable(scores), (lo, hi), scores


def _most_stable(scores: dict[int, float]) -> int:
    """The k of the highest stability (ties: the smaller k)."""
    return max(scores, key=lambda k: (scores[k], -k))


@dataclass
class _Node:
    """One k-means partition of the themes' tree: its unit-length ``centres``, fitted on the
    document vectors less ``shift`` and renormalised (no shift at the top), and under each centre
    a theme id or the partition it was split into."""

    centres: np.ndarray
    shift: np.ndarray | None
    children: list[int | _Node]

    def assign(self, z: np.ndarray) -> np.ndarray:
        """The theme id of each row of ``z`` (unit-length document vectors): the nearest centre
        (cosine) at each level down."""
        from sklearn.preprocessing import normalize

        if len(z) == 0:
            return np.empty(0, dtype=np.int64)
        v = z if self.shift is None else normalize(z - self.shift)
        best = (v @ self.centres.T).argmax(axis=1)
        out = np.empty(len(z), dtype=np.int64)
        for j, child in enumerate(self.children):
            rows = best == j
            out[rows] = child.assign(z[rows]) if isinstance(child, _Node) else child
        return out


def _split(z: np.ndarray, labels: np.ndarray, centres: np.ndarray, most: int,
           random_state: int) -> tuple[_Node, np.ndarray, np.ndarray]:
    """(tree, labels, leaf centres): the themes of ``labels`` (centres ``centres``), the largest
    first, each split in `SPLIT_K` parts while it holds `SPLIT_MIN` documents, up to ``most``.

    A theme's documents are centred on their mean (what they share says nothing about how they
    differ) and clustered again; the split is kept when its most stable k is as stable as
    `SPLIT_STABILITY` and its parts' centres (in the whole space) are no more alike than
    `SPLIT_SIMILARITY`. The first part keeps the theme's id; the leaf centres are unit length.
    """
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import normalize

    root = _Node(centres, None, list(range(len(centres))))
    labels = labels.copy()
    leaves = list(centres)
    where: dict[int, tuple[_Node, int]] = {c: (root, c) for c in range(len(centres))}
    queue = list(range(len(centres)))
    while queue and len(leaves) < most:
        queue.sort(key=lambda c: (-int((labels == c).sum()), c))
        c = queue.pop(0)
        rows = np.flatnonzero(labels == c)
        if len(rows) < SPLIT_MIN:
            break  # the others are no larger
        shift = z[rows].mean(axis=0)
        zc = normalize(z[rows] - shift)
        scores = _stability(zc, range(SPLIT_K[0], min(SPLIT_K[1], most - len(leaves) + 1) + 1),
                            random_state)
        k = _most_stable(scores)
        if scores[k] < SPLIT_STABILITY:
            continue
        sub = KMeans(k, n_init=SEEDS, random_state=random_state).fit(zc)
        part = np.asarray(sub.labels_)
        if len(np.unique(part)) < k:
            continue
        parts = normalize(np.vstack([z[rows[part == j]].mean(axis=0) for j in range(k)]))
        alike = parts @ parts.T
        np.fill_diagonal(alike, -1.0)
        if alike.max() > SPLIT_SIMILARITY:
            continue
        ids = [c, *range(len(leaves), len(leaves) + k - 1)]
        node = _Node(normalize(sub.cluster_centers_), shift, ids)
        parent, pos = where[c]
        parent.children[pos] = node
        leaves += [None] * (k - 1)
        for j, i in enumerate(ids):
            labels[rows[part == j]] = i
            where[i] = (node, j)
            leaves[i] = parts[j]
        queue += ids
    return root, labels, np.vstack(leaves)


def _profiles(x, labels: np.ndarray, k: int, vocab: np.ndarray, excluded: frozenset[str]
              ) -> dict[int, list[tuple[str, float, float]]]:
    """Each cluster's terms by distinctiveness (mean TF-IDF in the cluster minus outside it),
    with the share of the cluster's documents holding each."""
    total = np.asarray(x.sum(axis=0)).ravel()
    n = x.shape[0]
    out = {}
    for c in range(k):
        members = labels == c
        m = int(members.sum())
        if m == 0:
            out[c] = []
            continue
        inside = np.asarray(x[members].sum(axis=0)).ravel()
        score = inside / m - ((total - inside) / (n - m) if n > m else 0.0)
        order = np.argsort(-score, kind="stable")[:60]
        share = np.asarray((x[members][:, order] > 0).mean(axis=0)).ravel()
        out[c] = [(str(vocab[t]), float(score[t]), float(f)) for t, f in zip(order, share,
                                                                           strict=True)
                  if score[t] > 0 and not set(str(vocab[t]).split()) & excluded]
    return out


def _stem(word: str) -> str:
    """A word without its plural or -ing/-ed ending, only to tell variants of a phrase apart."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _distinct(phrases: list[str]) -> list[str]:
    """``phrases`` without those that only vary an earlier one ("credit cards" after "credit
    card", "credit reporting" after "credit report"): a label names different things."""
    seen: set[tuple[str, ...]] = set()
    kept = []
    for phrase in phrases:
        key = tuple(map(_stem, phrase.split()))
        if key not in seen:
            seen.add(key)
            kept.append(phrase)
    return kept


def _label(profile: list[tuple[str, float, float]]) -> tuple[str, list[str]]:
    """(label, terms): of the 60 most distinctive terms, the word pairs most of the theme's
    complaints use (single words when there are too few pairs), and the top terms without a
    single word already inside a listed phrase."""
    pairs = sorted((p for p in profile if " " in p[0]), key=lambda p: -p[1] * p[2])
    phrases = _distinct([t for t, _, _ in pairs])[:LABEL_PHRASES]
    if len(phrases) < 2:
        phrases = _distinct([t for t, _, _ in profile])[:LABEL_PHRASES]
    terms: list[str] = []
    for t, _, _ in profile:
        if " " not in t and any(t in p.split() for p in terms if " " in p):
            continue
        terms.append(t)
        if len(terms) == TERMS:
            break
    return ", ".join(phrases), terms


def _example_text(text: str, identities) -> str:
    from workbench.register.identities import redact

    out = " ".join(redact(text, identities, public=True).split())
    if len(out) > EXAMPLE_CHARS:
        out = out[:EXAMPLE_CHARS].rsplit(" ", 1)[0] + " …"
    return out


def discover(register: Register, n_themes: int | str | None = None, *, random_state: int = 0,
             sample_size: int = FIT_SAMPLE, max_features: int = MAX_FEATURES,
             min_df: int | None = None, k_range: tuple[int, int] | None = None
             ) -> ThemeResult:
    """Text themes from summary + outcome_description + learning (complaints only; outcome and
    learning entries many complaints share word for word left out, see BOILERPLATE_SHARE).

    TF-IDF of words and word pairs (sublinear; English, domain and soft domain stop words, see
    `SOFT_STOP_WORDS`; tokens of 3+ letters; never a word of an identity the register holds nor
    a proper noun (`excluded_terms`); at most ``max_features`` terms; ``min_df`` 2 when there
    are 50+ documents else 1; terms in over 90 % of documents dropped when there are 20+), then
    LSA (`LSA_DIMENSIONS` at most, one per `DOCS_PER_DIMENSION` documents, each dimension scaled
    by 1/sqrt of its singular value) and spherical k-means (`SEEDS` seeded starts, the best kept):
    deterministic. ``n_themes`` is a number, or None / "auto": the k of ``k_range`` (default
    `MIN_THEMES`..`MAX_THEMES`) whose k-means partitions (each the best of `STARTS` starts)
    agree most across `SEEDS` seeds (mean pairwise adjusted Rand index), capped by
    `default_themes`, then each theme split where its own split is as stable and its parts
    distinct (`_split`, up to the range's end). The model
    is fitted on a seeded sample of at most ``sample_size`` documents, then every distinct text
    is assigned to its nearest theme, so 500,000 rows stay fast. A complaint whose text has no
    term of the vocabulary has no theme.
    """
    frame = _complaints(register.frame)
    quarter = _quarters(register, frame)
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
        sample = uniques.take(codes[pick])
    else:  # fitted on every distinct text: their matrix is reused for the assignments
        sample = uniques
    excluded = excluded_terms(register, sample)
    # scikit-learn is imported here, not at the top: a page or kernel that only reads themes
    # already fitted (dashboards, results.json) does not pay its ~1 s import.
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import normalize

    try:
        vec, x_fit = _vectorise(sample, stop_words_list() | excluded,
                                max_features=max_features, min_df=min_df)
    except ValueError:  # empty vocabulary: every word is a stop word or too rare/common
        return _with_types(_empty_result(frame, quarter, documents), register)
    usable = x_fit.getnnz(axis=1) > 0
    x_use = x_fit[usable]
    cap = min(default_themes(int(usable.sum())), x_use.shape[0], x_use.shape[1])
    # One thread for BLAS and OpenMP: on matrices this size threads cost more than they save,
    # they oversubscribe the cores when the batch runs providers side by side, and the themes
    # no longer depend on the machine's core count.
    with warnings.catch_warnings(), threadpool_limits(limits=1), \
            np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        warnings.simplefilter("ignore")
        svd, z = _embed(x_use, random_state)
        k, k_range_used, scores = _choose_k(n_themes, k_range, z, max(cap, 1), random_state)
        model = KMeans(k, n_init=SEEDS, random_state=random_state).fit(z)
        centres = normalize(model.cluster_centers_)
        fit_labels = np.asarray(model.labels_)
        tree, leaves = _Node(centres, None, list(range(k))), centres
        stable_k = k
        if scores is not None and k < k_range_used[1]:
            tree, fit_labels, leaves = _split(z, fit_labels, centres, k_range_used[1],
                                              random_state)
            k = len(leaves)
        best_parts, weight_parts = [], []
        reuse = sample is uniques
        step = max(len(uniques), 1) if reuse else TRANSFORM_CHUNK
        for start in range(0, len(uniques), step):
            chunk = x_fit if reuse else vec.transform(uniques[start:start + step])
            has = chunk.getnnz(axis=1) > 0
            zc = normalize(svd.transform(chunk) if svd is not None else chunk.toarray())
            best = tree.assign(zc)
            sim = zc @ leaves.T
            best_parts.append(np.where(has, best, -1))
            weight_parts.append(np.where(has, sim[np.arange(len(best)), best], np.nan))
    best = np.concatenate(best_parts)
    weight = np.concatenate(weight_parts)
    vocab = vec.get_feature_names_out()
    profiles = _profiles(x_use, fit_labels, k, vocab, excluded)

    # order themes by size (largest = 1), ties by model order; empty ones are dropped
    raw_theme = best[codes]
    sizes = np.bincount(raw_theme[raw_theme >= 0], minlength=k)
    order = [int(c) for c in np.lexsort((np.arange(k), -sizes)) if sizes[c] > 0]
    new_id = np.full(k + 1, -1)
    for i, c in enumerate(order, start=1):
        new_id[c] = i
    raw_theme = np.where(raw_theme >= 0, new_id[np.maximum(raw_theme, 0)], -1)
    named = {i: _label(profiles[c]) for i, c in enumerate(order, start=1)}
    labels = {t: v[0] for t, v in named.items()}
    terms = {t: v[1] for t, v in named.items()}

    theme = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    theme[has_text] = raw_theme
    theme = theme.mask(theme == -1)
    w = pd.Series(np.nan, index=frame.index, dtype="float64")
    w[has_text] = np.where(raw_theme >= 0, weight[codes], np.nan)
    assignments = pd.DataFrame({
        "_row": _col(frame, "_row"), "reference": _col(frame, "reference"), "quarter": quarter,
        "theme": theme, "label": theme.map(labels).astype("string"), "weight": w,
    })

    assigned = assignments[assignments["theme"].notna()]
    ranked = (assigned.assign(_pos=np.arange(len(assigned)))
              .sort_values(["theme", "weight", "_pos"], ascending=[True, False, True]))
    ref = ranked["reference"].astype("string").fillna(ranked["_row"].astype("string"))
    top = ranked.assign(_ref=ref).groupby("theme").head(3).groupby("theme")["_ref"].agg(list)
    size = assigned["theme"].value_counts()
    ids = sorted(labels)
    themes = pd.DataFrame({
        "theme": np.array(ids, dtype="int64"),
        "label": pd.array([labels[t] for t in ids], dtype="string"),
        "terms": [terms[t] for t in ids],
        "size": np.array([int(size.get(t, 0)) for t in ids], dtype="int64"),
    })
    themes["share"] = themes["size"] / max(len(assigned), 1)
    themes["examples"] = [top.get(t, []) for t in ids]
    samples = _samples(ranked, frame, text, register)
    weights = pd.DataFrame(
        [(t, term, score) for t, c in zip(range(1, len(order) + 1), order, strict=True)
         for term, score, _ in profiles[c][:30]], columns=["theme", "term", "weight"])
    weights = weights.astype({"theme": "int64", "term": "string", "weight": "float64"})

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
                         fitted_on=min(documents, sample_size), vocabulary=len(vocab),
                         samples=samples,
                         term_weights=weights, complaints=len(frame), themed=len(assigned),
                         k=len(ids), k_range=k_range_used, k_scores=scores,
                         method=_method(k, k_range_used, scores, stable_k))
    return _with_types(result, register)


def _samples(ranked: pd.DataFrame, frame: pd.DataFrame, text: pd.Series,
             register: Register) -> pd.DataFrame:
    """`EXAMPLES` distinct example summaries per theme, nearest its centre first, redacted."""
    identities = getattr(register, "identities", None)
    summary = _col(frame, "summary").astype("string")
    source = summary.where(summary.notna() & summary.str.strip().ne(""), text)
    rows = []
    for theme, group in ranked.groupby("theme", sort=True):
        seen: set[str] = set()
        for idx in group.index:
            shown = _example_text(str(source[idx]), identities)
            if not shown or shown in seen:
                continue
            seen.add(shown)
            rows.append((int(theme), int(frame.at[idx, "_row"]) if "_row" in frame else -1,
                         group.at[idx, "reference"], shown))
            if len(seen) == EXAMPLES:
                break
    out = pd.DataFrame(rows, columns=["theme", "_row", "reference", "summary"])
    return out.astype({"theme": "int64", "_row": "int64", "reference": "string",
                       "summary": "string"})


def _with_types(result: ThemeResult, register: Register) -> ThemeResult:
    result.types = by_type(register)
    result.emerging_types = emerging(result.types, key="type")
    return result
