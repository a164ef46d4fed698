"""Themes: financial quarters, type counts, text themes (TF-IDF, LSA, k-means), emerging test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import normalized_mutual_info_score

from workbench.analysis import themes
from workbench.register.loader import Register

VOCAB = {
    "meals": ["meals", "food", "cold", "dinner", "lunch", "kitchen", "menu", "portion",
              "breakfast", "tea"],
    "medication": ["medication", "tablets", "dose", "pharmacy", "prescription", "chart",
                   "missed", "insulin"],
    "billing": ["invoice", "charged", "fees", "bill", "payment", "refund", "overcharged",
                "direct", "debit"],
    "laundry": ["laundry", "clothes", "washing", "missing", "labelled", "wardrobe", "ironing",
                "jumper"],
}


def synthetic(per_quarter: dict[str, dict[str, int]], seed: int = 1) -> tuple[Register, list[str]]:
    """A register whose summaries are drawn from one topic vocabulary each.

    ``per_quarter`` maps a quarter start date ("2024-04-01") to {topic: complaints}.
    Returns the register and the planted topic of each row.
    """
    rng = np.random.default_rng(seed)
    rows, topics = [], []
    for start, mix in per_quarter.items():
        for topic, n in mix.items():
            for _ in range(n):
                words = rng.choice(VOCAB[topic], size=6)
                day = pd.Timestamp(start) + pd.Timedelta(days=int(rng.integers(0, 90)))
                rows.append((f"The resident said the {' '.join(words)}.", day))
                topics.append(topic)
    frame = pd.DataFrame(rows, columns=["summary", "date_received"])
    frame["summary"] = frame["summary"].astype("string")
    frame["date_received"] = frame["date_received"].astype("datetime64[ns]")
    frame["reference"] = pd.array([f"R{i:05d}" for i in range(len(frame))], dtype="string")
    frame["type"] = pd.array(topics, dtype="string")
    frame["_row"] = np.arange(2, len(frame) + 2)
    return Register(frame=frame), topics


FLAT = {"meals": 30, "medication": 30, "billing": 30, "laundry": 30}
QUARTERS = ["2024-04-01", "2024-07-01", "2024-10-01"]


def test_fy_quarter_labels():
    s = pd.Series(pd.to_datetime(["2024-03-31", "2024-04-01", "2024-06-30", "2024-07-01",
                                  "2024-12-31", "2025-01-01", "1999-05-05", None]))
    assert themes.fy_quarter(s).tolist()[:7] == ["2023-24 Q4", "2024-25 Q1", "2024-25 Q1",
                                                 "2024-25 Q2", "2024-25 Q3", "2024-25 Q4",
                                                 "1999-00 Q1"]
    assert pd.isna(themes.fy_quarter(s).iloc[7])


def test_planted_emerging_theme_is_detected_and_flat_ones_are_not():
    plan = {q: FLAT for q in QUARTERS}
    plan["2025-01-01"] = {"meals": 30, "medication": 90, "billing": 30, "laundry": 30}
    register, planted = synthetic(plan)
    result = themes.discover(register, n_themes=4)
    assigned = result.assignments["theme"]
    assert normalized_mutual_info_score(planted, assigned) > 0.95
    em = result.emerging
    assert em["test"].iloc[0] == themes.TEST
    assert "z-test" in themes.TEST and "p < 0.01" in themes.TEST
    flagged = em[em["emerging"]]
    assert len(flagged) == 1
    assert "medication" in flagged["label"].iloc[0] or "tablets" in flagged["label"].iloc[0]
    row = flagged.iloc[0]
    assert row["quarter"] == "2024-25 Q4"
    assert (row["count"], row["total"]) == (90, 180)
    assert row["baseline_total"] == 360 and row["baseline_count"] == 90
    assert row["share"] == pytest.approx(0.5) and row["baseline_share"] == pytest.approx(0.25)
    assert row["ratio"] == pytest.approx(2.0) and row["p_value"] < 0.01
    # hand check: pooled p = 180/540, se = sqrt(p(1-p)(1/180 + 1/360)), z = 0.25 / se
    p = 180 / 540
    assert row["z"] == pytest.approx(0.25 / np.sqrt(p * (1 - p) * (1 / 180 + 1 / 360)))
    # the same from the type field
    types = result.emerging_types
    assert types[types["emerging"]]["type"].tolist() == ["medication"]


def test_flat_register_has_no_emerging_theme():
    register, _ = synthetic({q: FLAT for q in [*QUARTERS, "2025-01-01"]})
    result = themes.discover(register, n_themes=4)
    assert not result.emerging["emerging"].any()
    assert len(result.emerging) == 4


def _two_quarters(base: tuple[int, int], latest: tuple[int, int]) -> pd.DataFrame:
    """Theme 1's (count, total) in Q1 and Q2; theme 2 holds the rest."""
    return pd.DataFrame({"quarter": ["Q1", "Q1", "Q2", "Q2"], "theme": [1, 2, 1, 2],
                         "count": [base[0], base[1] - base[0], latest[0], latest[1] - latest[0]],
                         "total": [base[1], base[1], latest[1], latest[1]]})


def test_emerging_needs_all_three_conditions():
    # 8 of 100 vs 2 of 400: z = 4.79, p < 0.01, ratio 16, 8 complaints -> emerging
    em = themes.emerging(_two_quarters((2, 400), (8, 100))).set_index("theme")
    assert em.loc[1, "emerging"] and em.loc[1, "z"] == pytest.approx(4.79, abs=0.01)
    assert not em.loc[2, "emerging"]
    # 4 of 100 vs 0 of 1000: p < 0.01 and ratio infinite, but only 4 complaints
    em = themes.emerging(_two_quarters((0, 1000), (4, 100))).set_index("theme")
    assert em.loc[1, "p_value"] < 0.01 and not em.loc[1, "emerging"]
    # 2,400 of 10,000 vs 2,000 of 10,000: p < 0.01, many complaints, but ratio only 1.2
    em = themes.emerging(_two_quarters((2000, 10000), (2400, 10000))).set_index("theme")
    assert em.loc[1, "p_value"] < 0.01 and em.loc[1, "ratio"] == pytest.approx(1.2)
    assert not em.loc[1, "emerging"]
    # 6 of 100 vs 1 of 100: ratio 6 and 6 complaints but p = 0.027
    em = themes.emerging(_two_quarters((1, 100), (6, 100))).set_index("theme")
    assert em.loc[1, "p_value"] == pytest.approx(0.027, abs=0.001) and not em.loc[1, "emerging"]
    # a single quarter has no baseline
    only = _two_quarters((2, 400), (8, 100)).query("quarter == 'Q2'")
    assert not themes.emerging(only)["emerging"].any()


def test_deterministic():
    register, _ = synthetic({q: FLAT for q in QUARTERS})
    a = themes.discover(register)
    b = themes.discover(register)
    pd.testing.assert_frame_equal(a.themes, b.themes)
    pd.testing.assert_frame_equal(a.assignments, b.assignments)
    pd.testing.assert_frame_equal(a.share, b.share)


def test_themes_table_shape():
    register, _ = synthetic({q: FLAT for q in QUARTERS})
    result = themes.discover(register, n_themes=4)
    t = result.themes
    assert t["theme"].tolist() == [1, 2, 3, 4]
    assert t["size"].sum() == 360 and t["share"].sum() == pytest.approx(1.0)
    assert t["size"].is_monotonic_decreasing and (t["size"] > 0).all()
    for label, terms, examples in zip(t["label"], t["terms"], t["examples"], strict=True):
        phrases = label.split(", ")
        # a label is its top phrases of two words, not a bag of single words
        assert 2 <= len(phrases) <= 3 and all(len(p.split()) == 2 for p in phrases)
        assert 5 <= len(terms) <= 10
        assert len(examples) == 3 and all(e.startswith("R") for e in examples)
    samples = result.samples
    assert samples.groupby("theme").size().tolist() == [2, 2, 2, 2]
    assert samples["summary"].str.startswith("The resident said the").all()
    share = result.share
    assert set(share["quarter"]) == {"2024-25 Q1", "2024-25 Q2", "2024-25 Q3"}
    assert share.groupby("quarter")["share"].sum().round(9).eq(1.0).all()
    assert result.documents == 360 and result.fitted_on == 360
    assert result.coverage_text == "360 of 360 complaints have enough text for themes"
    assert result.k == 4 and result.k_range is None and "k = 4" in result.method


def test_planted_topics_are_recovered_with_k_chosen_from_the_data():
    register, planted = synthetic({q: FLAT for q in QUARTERS})
    result = themes.discover(register)  # auto: the most stable k in 3..12
    assert result.k == 4 and result.k_range == (3, 12)
    assert result.k_scores[4] == max(result.k_scores.values())
    assert normalized_mutual_info_score(planted, result.assignments["theme"]) > 0.95
    assert "chosen in 3..12" in result.method
    # the user's range is honoured, and a range of one is that k
    assert themes.discover(register, k_range=(5, 7)).k in (5, 6, 7)
    assert themes.discover(register, "auto", k_range=(2, 2)).k == 2


SHARED = ["resident", "carer", "home", "staff", "room", "evening", "night", "visit"]


def nested(seed: int = 2, n: int = 40) -> tuple[Register, list[str]]:
    """Four planted topics, two of which (meals, medication) also share six words of a common
    vocabulary in every summary: at the top they look like one theme."""
    rng = np.random.default_rng(seed)
    rows, topics = [], []
    for topic in VOCAB:
        for _ in range(n):
            words = list(rng.choice(VOCAB[topic], size=3))
            if topic in ("meals", "medication"):
                words += list(rng.choice(SHARED, size=6))
            rng.shuffle(words)
            rows.append("The family said " + " ".join(words) + ".")
            topics.append(topic)
    frame = pd.DataFrame({"summary": pd.array(rows, dtype="string"),
                          "_row": np.arange(2, len(rows) + 2)})
    return Register(frame=frame), topics


def test_a_theme_holding_two_topics_is_split_and_a_given_k_is_kept():
    register, planted = nested()
    result = themes.discover(register)
    # 3 themes are the most stable k (meals and medication as one theme, the same in every
    # run); that theme's own split is stable and its parts distinct, so it is split
    assert max(result.k_scores, key=lambda k: (result.k_scores[k], -k)) == 3
    assert result.k == 4 and "k = 4: 3 themes chosen in 3..8" in result.method
    assert normalized_mutual_info_score(planted, result.assignments["theme"]) > 0.95
    assert (result.themes["size"] == 40).all()
    # a k given, or a range of one, is never split
    assert themes.discover(register, 3).k == 3
    assert themes.discover(register, k_range=(3, 3)).k == 3


@pytest.mark.parametrize("seed", range(5))
def test_four_planted_topics_give_four_themes_whatever_the_seed(seed):
    # 360 summaries of 4 planted topics: every seed finds the 4 (the stability of a k is that
    # of the best of `STARTS` k-means starts, so one start stuck in a local optimum does not
    # make 5 themes look more stable than 4)
    register, planted = synthetic({q: FLAT for q in QUARTERS})
    result = themes.discover(register, random_state=seed)
    assert result.k == 4 and result.k_scores[4] == 1.0
    assert normalized_mutual_info_score(planted, result.assignments["theme"]) > 0.95


def test_default_number_of_themes():
    assert themes.default_themes(1) == 1
    assert themes.default_themes(50) == 5
    assert themes.default_themes(10_000) == themes.MAX_THEMES == 12


def test_zero_rows():
    frame = pd.DataFrame({"summary": pd.Series(dtype="string"),
                          "date_received": pd.Series(dtype="datetime64[ns]"),
                          "reference": pd.Series(dtype="string"), "_row": pd.Series(dtype="int64")})
    result = themes.discover(Register(frame=frame))
    assert result.themes.empty and result.assignments.empty and result.share.empty
    assert result.emerging.empty and result.documents == 0
    assert themes.by_type(Register(frame=frame)).empty


def test_one_row_and_rows_without_text():
    frame = pd.DataFrame({
        "summary": pd.array(["Carer was late for the morning visit", None, "  "], dtype="string"),
        "learning": pd.array([None, None, None], dtype="string"),
        "date_received": pd.to_datetime(["2024-05-01", "2024-05-02", None]),
        "reference": pd.array(["A", "B", "C"], dtype="string"), "_row": [2, 3, 4]})
    result = themes.discover(Register(frame=frame))
    assert len(result.themes) == 1
    assert result.assignments["theme"].tolist()[0] == 1
    assert result.assignments["theme"].isna().tolist() == [False, True, True]
    assert result.themes["examples"].iloc[0] == ["A"]
    assert result.share["count"].tolist() == [1]
    assert not result.emerging["emerging"].any()


def test_only_stop_words_gives_no_themes():
    frame = pd.DataFrame({"summary": pd.array(["the and of", "complaint"], dtype="string"),
                          "date_received": pd.to_datetime(["2024-05-01", "2024-06-01"]),
                          "reference": pd.array(["A", "B"], dtype="string"), "_row": [2, 3]})
    result = themes.discover(Register(frame=frame))
    assert result.themes.empty and result.documents == 2
    assert result.assignments["theme"].isna().all()


def test_compliments_are_left_out():
    register, _ = synthetic({"2024-04-01": FLAT})
    register.frame["record_kind"] = pd.array(["compliment"] * 10 + ["complaint"] * 110,
                                             dtype="string")
    result = themes.discover(register, n_themes=4)
    assert len(result.assignments) == 110 and result.documents == 110


def test_by_type_counts():
    frame = pd.DataFrame({
        "type": pd.array(["Care", "Care", "Billing", None, "Care"], dtype="string"),
        "date_received": pd.to_datetime(["2024-04-02", "2024-05-02", "2024-06-02",
                                         "2024-07-02", None]),
        "_row": [2, 3, 4, 5, 6]})
    t = themes.by_type(Register(frame=frame))
    q1 = t[t["quarter"] == "2024-25 Q1"].set_index("type")
    assert q1["count"].to_dict() == {"(not recorded)": 0, "Billing": 1, "Care": 2}
    assert q1["share"]["Care"] == pytest.approx(2 / 3)
    q2 = t[t["quarter"] == "2024-25 Q2"].set_index("type")
    assert q2["count"]["(not recorded)"] == 1 and q2["total"].iloc[0] == 1


def test_a_large_register_is_fitted_on_a_sample_and_assigned_in_chunks(monkeypatch):
    # the path 500,000 rows take (fit on a sample of `FIT_SAMPLE`, every distinct text assigned
    # in chunks of `TRANSFORM_CHUNK`), at a scale a unit test affords: 12,000 rows, a sample of
    # 2,000, chunks of 5,000 (benchmarks/bench_themes.py times 100,000 rows at full scale)
    monkeypatch.setattr(themes, "TRANSFORM_CHUNK", 5_000)
    rng = np.random.default_rng(7)
    words = np.array([w for v in VOCAB.values() for w in v])
    n = 12_000
    picks = rng.integers(0, len(words), size=(n, 5))
    texts = [" ".join(r) for r in words[picks]]
    texts[-1] = texts[0]  # a text written twice gets the same theme
    frame = pd.DataFrame({
        "summary": pd.Series(texts, dtype="string"),
        "reference": pd.array([f"R{i}" for i in range(n)], dtype="string"),
        "date_received": pd.Timestamp("2023-04-01")
        + pd.to_timedelta(rng.integers(0, 730, size=n), unit="D"),
        "_row": np.arange(2, n + 2)})
    result = themes.discover(Register(frame=frame), sample_size=2_000)
    assert result.fitted_on == 2_000 and result.documents == n
    assigned = result.assignments.set_index("_row")["theme"]
    assert assigned.notna().all() and assigned.loc[2] == assigned.loc[n + 1]
    assert set(assigned) == set(result.themes["theme"])
    assert result.themes["size"].sum() == n
    # the chunks change nothing: one chunk gives the same assignments
    monkeypatch.setattr(themes, "TRANSFORM_CHUNK", n)
    whole = themes.discover(Register(frame=frame), sample_size=2_000)
    assert whole.assignments["theme"].equals(result.assignments["theme"])


def test_a_label_names_different_things_not_variants_of_one_phrase():
    assert themes._distinct(["credit report", "credit reporting", "identity theft",
                             "credit reports", "student loans", "student loan"]) == [
        "credit report", "identity theft", "student loans"]
    # short words keep their ending: "bus" and "gas" are not plurals
    assert themes._distinct(["gas bill", "gas bills", "bus pass"]) == ["gas bill", "bus pass"]


OUTCOMES = ["Investigation confirmed the concerns. Apology given and gesture offered.",
            "No evidence found to support the concerns; explanation given.",
            "Records and staff accounts show the service was delivered as planned."]
LEARNINGS = ["Included in the quarterly learning bulletin.", "Added to induction training."]


def test_pick_list_outcomes_and_learning_are_not_themes(monkeypatch):
    """Outcome and learning entries that many complaints share word for word (as in the sample
    registers) say how a complaint ended, not what it was about: they are left out of the theme
    text, while an entry written for one complaint is kept."""
    register, planted = synthetic({QUARTERS[0]: FLAT}, seed=3)
    frame = register.frame
    rng = np.random.default_rng(4)
    outcome = rng.choice(OUTCOMES, size=len(frame)).astype(object)
    outcome[:3] = [f"Skirting board {i} repaired by the handyperson." for i in range(3)]
    frame["outcome_description"] = pd.array(outcome, dtype="string")
    frame["learning"] = pd.array(rng.choice(LEARNINGS, size=len(frame)), dtype="string")
    templated = {w for s in OUTCOMES + LEARNINGS for w in s.lower().replace(".", " ")
                 .replace(";", " ").split()} - set().union(*map(set, VOCAB.values()))

    text = themes._text(frame)
    assert text.str.contains("Skirting board").sum() == 3  # one complaint's own words stay
    assert not text.str.contains("|".join(OUTCOMES + LEARNINGS), regex=True).any()

    def used(result) -> set[str]:
        return {w for _, t in result.themes.iterrows()
                for w in " ".join([t["label"], *t["terms"]]).split()}

    result = themes.discover(register)
    assert result.k == 4 and not used(result) & templated
    assert normalized_mutual_info_score(planted, result.assignments["theme"]) > 0.95
    # the same register with the templates left in: they take over the labels
    monkeypatch.setattr(themes, "BOILERPLATE_MIN", len(frame) + 1)
    assert used(themes.discover(register)) & templated
