"""The two real public data sets load through their mappings with every record."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from workbench.core.paths import SAMPLE_DATA_DIR
from workbench.register.loader import load_register

MAPPINGS = SAMPLE_DATA_DIR / "mappings"


def test_cfpb_sample(realdata_dir):
    reg = load_register(realdata_dir / "cfpb_complaints_sample.csv",
                        MAPPINGS / "realdata-cfpb.yaml", as_of=dt.date(2025, 1, 1))
    f = reg.frame
    assert reg.rows == 6623
    assert reg.issues == []
    assert f["_row"].iloc[0] == 2
    assert f["_row"].iloc[-1] > 6624 - 1  # narratives span lines, but a record is one row
    assert f["reference"].is_unique
    assert f["outcome"].value_counts(dropna=False).to_dict() == {
        "not_upheld": 5557, "upheld": 990, pd.NA: 76}
    assert f["escalated"].value_counts(dropna=False).to_dict() == {pd.NA: 6591, False: 23,
                                                                    True: 9}
    assert f["summary"].notna().sum() == 1532
    assert f["date_received"].notna().all()
    assert (f["date_acknowledged"] >= f["date_received"]).all()
    assert f["complainant_name"].isna().all()


def test_nyc_casework(realdata_dir):
    reg = load_register(realdata_dir / "nyc_council_casework.csv.gz",
                        MAPPINGS / "realdata-nyc.yaml", as_of=dt.date(2025, 2, 1))
    f = reg.frame
    assert reg.rows == 341299
    assert f["date_received"].notna().all()
    assert f["date_closed"].isna().sum() == 14142
    assert f["location"].nunique() == 51
    assert f["type"].nunique() == 59
    assert {i.check for i in reg.issues} == {"duplicate_reference"}
    dup = f["reference"].duplicated(keep=False)
    assert len(reg.issues) == int(dup.sum())
    assert {i.row for i in reg.issues} == set(f.loc[dup, "_row"])
