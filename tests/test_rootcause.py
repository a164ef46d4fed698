"""Root causes: taxonomy, mapping of provider spellings, Pareto, coverage, crosstab, unmapped."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.analysis import rootcause
from workbench.core.errors import ValidationFailed
from workbench.register.loader import Register


def reg(rows: list[tuple]) -> Register:
    """Rows of (outcome, root_cause, location, type)."""
    frame = pd.DataFrame(rows, columns=["outcome", "root_cause", "location", "type"])
    frame = frame.astype("string")
    frame.insert(0, "reference", pd.array([f"C{i}" for i in range(len(rows))], dtype="string"))
    frame["_row"] = range(2, len(rows) + 2)
    return Register(frame=frame)


def test_taxonomy_covers_the_seed_failures():
    tax = rootcause.load_taxonomy()
    assert [c.id for c in tax.causes] == ["human_error", "staff_behaviour", "resources",
                                          "procedural", "service_delivery", "responsibility"]
    for cause in tax.causes:
        assert 3 <= len(cause.sub_causes) <= 6
        assert cause.passage
    assert tax.source == "004_552e5adfffd41d16.txt"
    # where the providers' spellings land
    assert tax.lookup[rootcause.normalise("Staff error")] == ("human_error", None)
    assert tax.lookup[rootcause.normalise("Admin error")] == ("procedural", "administrative_error")
    assert tax.lookup[rootcause.normalise("PROCESS FAILURE")] == ("procedural",
                                                                  "process_not_followed")
    assert tax.lookup[rootcause.normalise("Staffing levels")] == ("resources", "staffing")
    assert tax.lookup[rootcause.normalise("attitude")] == ("staff_behaviour", "attitude")
    assert tax.lookup[rootcause.normalise("Communication failure")] == ("procedural",
                                                                        "communication")


def test_taxonomy_rejects_duplicate_synonyms(tmp_path):
    path = tmp_path / "rc.yaml"
    path.write_text("causes:\n"
                    "  - {id: a, label: A, synonyms: [oops], sub_causes: [{id: x, label: X},"
                    " {id: y, label: Y}, {id: z, label: Z}]}\n"
                    "  - {id: b, label: B, synonyms: [oops], sub_causes: [{id: x, label: X2}]}\n")
    with pytest.raises(ValidationFailed) as exc:
        rootcause.load_taxonomy(path)
    text = str(exc.value)
    assert "line 3: 'oops' is already used by a" in text
    assert "cause 'b' needs 3-6 sub-causes (has 1)" in text


def test_classify_exact_synonym_mapping_and_unmapped():
    r = reg([("upheld", "Staff error", "A", "Care"),
             ("upheld", " staffing-levels ", "A", "Care"),
             ("partly_upheld", "Poor comms", "B", "Billing"),
             ("not_upheld", None, "B", "Billing"),
             ("upheld", "", "B", "Billing")])
    cls = rootcause.classify(r)
    assert cls["cause"].tolist()[:2] == ["human_error", "resources"]
    assert cls["sub_cause"].tolist()[1] == "staffing"
    assert cls["sub_cause_label"].tolist()[1] == "Staffing levels"
    assert cls["matched_by"].tolist()[:2] == ["taxonomy", "taxonomy"]
    assert cls["unmapped"].tolist() == [False, False, True, False, False]
    assert pd.isna(cls["root_cause"].iloc[4])  # blank is "not recorded", not unmapped
    # a provider mapping wins and maps the unknown spelling
    cls = rootcause.classify(r, {"root_causes": {"Poor comms": "procedural/communication",
                                                 "Staff error": "staff_behaviour"}})
    assert cls["cause"].tolist()[:3] == ["staff_behaviour", "resources", "procedural"]
    assert cls["matched_by"].tolist()[:3] == ["mapping", "taxonomy", "mapping"]
    assert not cls["unmapped"].any()


def test_mapping_file_errors_name_the_line(tmp_path):
    path = tmp_path / "provider.yaml"
    path.write_text("root_causes:\n  Good: human_error/mistake\n  Bad: no_such_cause\n"
                    "  Worse: human_error/no_sub\n")
    with pytest.raises(ValidationFailed) as exc:
        rootcause.load_mapping(path)
    assert "line 3: 'Bad' maps to unknown root cause 'no_such_cause'" in str(exc.value)
    assert "line 4: 'Worse'" in str(exc.value)
    path.write_text("root_causes:\n  Poor comms: procedural/communication\n")
    assert rootcause.load_mapping(path) == {"poor comms": ("procedural", "communication")}


def test_pareto_counts_percentages_and_cumulative():
    r = reg([("upheld", "Staff error", "A", "Care")] * 5
            + [("partly_upheld", "staffing levels", "A", "Care")] * 3
            + [("upheld", "Weather", "B", "Care")] * 2
            + [("not_upheld", "Staff error", "B", "Care")] * 4      # not counted: not upheld
            + [("upheld", None, "B", "Care")] * 6)                   # not counted: no cause
    p = rootcause.pareto(r)
    assert p["cause"].tolist() == ["human_error", "resources", "unmapped"]
    assert p["label"].tolist() == ["Human error", "Resources too late or insufficient",
                                   "Other (not in the root-cause list)"]
    assert p["count"].tolist() == [5, 3, 2]
    assert p["pct"].tolist() == [50.0, 30.0, 20.0]
    assert p["cum_pct"].tolist() == [50.0, 80.0, 100.0]
    sub = rootcause.pareto(r, level="sub_cause")
    assert sub["cause"].tolist() == ["human_error", "resources/staffing", "unmapped"]
    assert sub["label"].tolist()[1] == "Resources too late or insufficient: Staffing levels"


def test_pareto_ties_keep_taxonomy_order_and_empty():
    r = reg([("upheld", "policy", "A", "X"), ("upheld", "attitude", "A", "X")])
    assert rootcause.pareto(r)["cause"].tolist() == ["staff_behaviour", "procedural"]
    empty = rootcause.pareto(reg([("not_upheld", "attitude", "A", "X")]))
    assert empty.empty and list(empty.columns) == ["cause", "label", "count", "pct", "cum_pct"]
    assert rootcause.pareto(reg([])).empty


def test_rca_coverage():
    r = reg([("upheld", "Staff error", "A", "X"), ("partly_upheld", "Weather", "A", "X"),
             ("upheld", None, "A", "X"), ("not_upheld", None, "A", "X"),
             ("upheld", "  ", "A", "X"), ("partly_upheld", "x", "A", "X")])
    assert rootcause.rca_coverage(r) == 60.0   # 3 of 5 upheld/partly upheld have a cause
    assert rootcause.rca_coverage(reg([("not_upheld", "x", "A", "X")])) is None
    assert rootcause.rca_coverage(reg([])) is None


def test_rca_coverage_ignores_compliments():
    r = reg([("upheld", None, "A", "X"), ("upheld", "Staff error", "A", "X")])
    r.frame["record_kind"] = pd.array(["compliment", "complaint"], dtype="string")
    assert rootcause.rca_coverage(r) == 100.0


def test_crosstab_by_location_and_type():
    r = reg([("upheld", "Staff error", "North", "Care"),
             ("upheld", "Staff error", "North", "Billing"),
             ("upheld", "attitude", "South", "Care"),
             ("partly_upheld", "rude", None, "Care"),
             ("not_upheld", "attitude", "South", "Care")])
    t = rootcause.crosstab(r, by="location")
    assert list(t.columns) == ["Human error", "Inappropriate staff behaviour", "Total"]
    assert t.loc["North"].tolist() == [2, 0, 2]
    assert t.loc["South"].tolist() == [0, 1, 1]
    assert t.loc["(not recorded)"].tolist() == [0, 1, 1]
    t = rootcause.crosstab(r, by="type")
    assert t.loc["Care", "Total"] == 3
    with pytest.raises(ValueError):
        rootcause.crosstab(r, by="investigator")


def test_unmapped_reports_counts_and_suggestions_without_applying_them():
    r = reg([("upheld", "Staf eror", "A", "X")] * 3 + [("upheld", "Weather", "A", "X")]
            + [("upheld", "Staff error", "A", "X")])
    u = rootcause.unmapped(r)
    assert u["value"].tolist() == ["Staf eror", "Weather"]
    assert u["count"].tolist() == [3, 1]
    assert u["suggestion"].iloc[0] == "human_error"
    assert u["suggestion_label"].iloc[0] == "Human error"
    assert u["score"].iloc[0] >= rootcause.FUZZY_THRESHOLD
    assert pd.isna(u["suggestion"].iloc[1])
    # the suggestion is not applied
    assert rootcause.classify(r)["cause"].isna().sum() == 4


def test_classify_without_root_cause_column():
    frame = pd.DataFrame({"reference": pd.array(["A"], dtype="string"), "_row": [2]})
    cls = rootcause.classify(Register(frame=frame))
    assert cls["cause"].isna().all() and not cls["unmapped"].any()


def test_coded_root_causes_are_mapped_in_the_providers_mapping_file():
    """hartwell-housing records coded causes ("RC4 Process") the root-cause list does not know;
    its mapping file maps them (values: root_cause:), so its Pareto names the seed's causes,
    where without the mapping every cause was "Other (not in the root-cause list)"."""
    import datetime as dt

    from workbench.core.paths import SAMPLE_DATA_DIR
    from workbench.register.loader import load_register
    from workbench.register.mapping import load_mapping as load_register_mapping

    path = SAMPLE_DATA_DIR / "registers" / "hartwell-housing.xlsx"
    mapping = load_register_mapping(SAMPLE_DATA_DIR / "mappings" / "hartwell-housing.yaml")
    assert mapping.values["root_cause"]["RC4 Process"] == "procedural"
    mapped = rootcause.pareto(load_register(path, mapping, as_of=dt.date(2025, 3, 31)))
    assert rootcause.UNMAPPED_ID not in set(mapped["cause"])
    assert set(mapped["cause"]) == {"human_error", "staff_behaviour", "resources", "procedural",
                                    "service_delivery", "responsibility"}
    mapping.values.pop("root_cause")
    unmapped = rootcause.pareto(load_register(path, mapping, as_of=dt.date(2025, 3, 31)))
    assert list(unmapped["cause"]) == [rootcause.UNMAPPED_ID]
    assert unmapped["count"].sum() == mapped["count"].sum()
