"""Every sample provider loads through its own mapping: right rows, every column where intended."""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter

import pytest

from workbench.core.paths import DEFAULT_MANIFEST
from workbench.register.loader import load_register
from workbench.register.manifest import load_manifest
from workbench.register.mapping import load_mapping
from workbench.register.reader import read_table
from workbench.sampledata import writer
from workbench.sampledata.profiles import profiles

MANIFEST = load_manifest(DEFAULT_MANIFEST)
PROFILES = {p.id: p for p in profiles()}
AS_OF = dt.date(2025, 3, 31)

# The deliberate data-quality problems (sample_data/README.md), as (check, field): count.
EXPECTED_ISSUES = {
    "oakwood-care": {("duplicate_reference", "reference"): 2,
                     ("date_before_received", "date_response_sent"): 1},
    "meadowbank-care": {("duplicate_reference", "reference"): 2,
                        ("date_before_received", "date_acknowledged"): 1},
    "brightpath-homecare": {("duplicate_reference", "reference"): 4,
                            ("invalid_date", "date_acknowledged"): 1,
                            ("invalid_date", "date_response_sent"): 1},
    "kestrel-homecare": {("duplicate_reference", "reference"): 2,
                         ("unknown_value", "outcome"): 2,
                         ("invalid_date", "date_received"): 1,
                         ("invalid_date", "date_closed"): 1},
    "willow-housing": {},
    "harbour-housing": {},
    "sunrise-day": {},
    "elmfield-living": {("invalid_date", "date_response_sent"): 1},
    "glenmorven-housing": {},
    "hartwell-housing": {("duplicate_reference", "reference"): 8,
                         ("received_after_as_of", "date_received"): 1},
}


@functools.cache
def loaded(pid: str):
    p = MANIFEST.provider(pid)
    return load_register(p.register, p.mapping, as_of=AS_OF)


def test_every_manifest_provider_is_covered():
    assert set(MANIFEST.ids) == set(PROFILES) == set(EXPECTED_ISSUES)


@pytest.mark.parametrize("pid", list(PROFILES))
def test_loads_with_expected_rows_and_columns(pid):
    profile, provider = PROFILES[pid], MANIFEST.provider(pid)
    reg = loaded(pid)
    recs = writer.provider_records(profile)
    assert reg.rows == len(recs)
    kinds = Counter(reg.frame["record_kind"])
    assert kinds == Counter(r["record_kind"] for r in recs)
    # every canonical column lands on the field it was written for
    intended = {k: h for k, h in profile.columns if not k.startswith("extra:")}
    assert dict(reg.mapping.columns) == intended
    # and only the deliberate extra columns stay unmapped
    mapping = load_mapping(provider.mapping)
    raw = read_table(provider.register, sheet=mapping.sheet, header_row=mapping.header_row)
    unmapped = [h for h in raw.headers if h not in set(reg.mapping.columns.values())]
    assert unmapped == [h for k, h in profile.columns if k.startswith("extra:")]
    assert reg.header_row == len(profile.title) + 1


@pytest.mark.parametrize("pid", list(PROFILES))
def test_only_the_deliberate_data_problems(pid):
    issues = loaded(pid).issues_frame()
    errors = issues[issues["severity"] == "error"]
    found = Counter(zip(errors["check"], errors["field"], strict=True))
    expected = EXPECTED_ISSUES[pid]
    for key, n in expected.items():
        assert found[key] == n, (key, found)
    # a date typed before (or a year after) the date received puts other dates "before" it
    typo = any(how in ("before", "future") for _, how in PROFILES[pid].bad_dates)
    unexpected = {k: v for k, v in found.items() if k not in expected
                  and not (typo and k[0] == "date_before_received")}
    assert not unexpected


def test_patterns_survive_loading():
    willow = loaded("willow-housing").frame
    assert willow["root_cause"].isna().all()
    harbour = loaded("harbour-housing").frame
    assert harbour["actions"].notna().sum() > 30
    assert harbour["action_signed_off_by"].isna().all()
    sunrise = loaded("sunrise-day").frame
    upheld = sunrise[sunrise["outcome"].isin(["upheld", "partly_upheld"])]
    assert upheld["root_cause"].notna().all() and upheld["actions"].notna().all()
    done = upheld[upheld["action_completed"].notna()]
    assert len(done) > 20 and done["action_signed_off_by"].notna().all()
    assert upheld["complainant_told_of_improvement"].all()
    meadow = loaded("meadowbank-care").frame
    assert meadow["outcome"].isin(["upheld", "partly_upheld"]).mean() > 0.6
    for pid in PROFILES:
        frame = loaded(pid).frame
        received = frame.loc[frame["record_kind"] == "complaint", "date_received"].dropna()
        fy = received.dt.year.where(received.dt.month >= 4, received.dt.year - 1)
        assert {2023, 2024} <= set(fy), pid
