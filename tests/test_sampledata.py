"""The sample-data generator: reproducible, two financial years each, deliberate patterns hold."""

from __future__ import annotations

import csv
import functools
import statistics
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner

from workbench.analysis.workdays import get_calendar
from workbench.cli import main
from workbench.core.paths import SAMPLE_DATA_DIR
from workbench.core.yamlfile import load_yaml
from workbench.register.manifest import load_manifest
from workbench.sampledata import generator, writer
from workbench.sampledata.profiles import Profile, profiles

PROFILES = {p.id: p for p in profiles()}


@functools.cache
def records(pid: str, seed: int = generator.DEFAULT_SEED) -> list[dict]:
    """The canonical records behind a provider's register (cached: hartwell takes seconds)."""
    return writer.provider_records(PROFILES[pid], seed=seed)


def read_cells(path: Path, sheet: str | None = None) -> list[list]:
    """Every row of a register as plain values (datetimes for Excel dates, text otherwise)."""
    if path.suffix == ".csv":
        with open(path, encoding="cp1252", newline="") as fh:
            return [list(row) for row in csv.reader(fh)]
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {name: [list(r) for r in wb[name].iter_rows(values_only=True)]
                for name in ([sheet] if sheet else wb.sheetnames)}
    finally:
        wb.close()


def read_register(profile: Profile, folder: Path = SAMPLE_DATA_DIR) -> list[dict]:
    """The register's records keyed by canonical field (via the profile's own columns)."""
    path = folder / "registers" / f"{profile.id}.{profile.fmt}"
    rows = read_cells(path, profile.sheet)
    if isinstance(rows, dict):
        rows = rows[profile.sheet]
    header_at = len(profile.title)
    headers = rows[header_at]
    assert [h for _, h in profile.columns] == list(headers)
    keys = [k for k, _ in profile.columns]
    return [dict(zip(keys, [None if v == "" else v for v in r], strict=True))
            for r in rows[header_at + 1:]]


def as_date(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y", "%d.%m.%y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    writer.generate(out)
    return out


def test_regenerating_gives_the_committed_cells(regenerated):
    manifest = load_manifest(SAMPLE_DATA_DIR / "providers.yaml")
    assert (regenerated / "providers.yaml").read_text() == \
        (SAMPLE_DATA_DIR / "providers.yaml").read_text()
    for p in manifest.providers:
        rel = p.register.relative_to(SAMPLE_DATA_DIR)
        # the same bytes are the same cells: read the cells (seconds for hartwell's workbook)
        # only to compare files that differ
        if (regenerated / rel).read_bytes() != p.register.read_bytes():
            assert read_cells(regenerated / rel) == read_cells(p.register), p.id
        assert load_yaml(regenerated / "mappings" / f"{p.id}.yaml").data == \
            load_yaml(p.mapping).data, p.id


def test_other_seed_differs():
    a = records("willow-housing", seed=1)
    b = records("willow-housing", seed=2)
    assert [r["summary"] for r in a] != [r["summary"] for r in b]


def test_manifest_lists_every_profile_and_file_is_small():
    manifest = load_manifest(SAMPLE_DATA_DIR / "providers.yaml")
    assert manifest.ids == list(PROFILES)
    kinds = Counter(p.service_type for p in manifest.providers)
    assert kinds["care home"] == 2 and kinds["home care"] == 2
    assert kinds["supported housing"] == 3 and kinds["day services"] == 1
    total = sum(f.stat().st_size for f in SAMPLE_DATA_DIR.rglob("*") if f.is_file())
    assert total < 4_000_000


@pytest.mark.parametrize("pid", list(PROFILES))
def test_two_financial_years_of_data(pid):
    rows = read_register(PROFILES[pid])
    received = [as_date(r["date_received"]) for r in rows]
    years = Counter(d.year if d.month >= 4 else d.year - 1 for d in received if d)
    assert set(years) >= {2023, 2024}
    assert min(years[2023], years[2024]) >= 40
    assert sum(1 for d in received if d is None or d.year > 2025) <= 2


def test_large_provider_has_about_5000_complaints():
    recs = records("hartwell-housing")
    complaints = [r for r in recs if r["record_kind"] == "complaint"]
    assert 4500 <= len(complaints) <= 5500


def test_no_rca_provider_has_no_root_cause():
    p = PROFILES["willow-housing"]
    assert "root_cause" not in dict(p.columns)
    assert all(not r.get("root_cause") for r in records(p.id))
    headers = [h.lower() for _, h in p.columns]
    assert not any("cause" in h or h == "rca" for h in headers)


def test_overdue_actions_and_no_sign_off():
    rows = read_register(PROFILES["harbour-housing"])
    assert all(r["action_signed_off_by"] is None for r in rows)
    overdue = [r for r in rows if r["action_due"] and as_date(r["action_due"]) <= generator.END
               and r["action_completed"] is None]
    with_action = [r for r in rows if r["actions"]]
    assert len(overdue) >= 20 and len(overdue) / len(with_action) > 0.4


def test_staff_and_complainants_come_from_separate_name_pools():
    staff_pool = set(generator.STAFF_FIRST) | set(generator.STAFF_SURNAME)
    assert not staff_pool & (set(generator.FIRST) | set(generator.SURNAME))
    for pid in ("oakwood-care", "kestrel-homecare", "sunrise-day"):
        recs = records(pid)
        staff = {r[f].split(" (")[0] for r in recs
                 for f in ("investigator", "action_owner", "action_signed_off_by") if r.get(f)}
        assert staff and all(set(name.split()) <= staff_pool for name in staff), pid
        complainants = {w for r in recs for w in r["complainant_name"].split()}
        assert not complainants & staff_pool, pid


def _working_days(p, recs, a="date_received", b="date_response_sent"):
    cal = generator._Calendar(p.closures, p.holidays)
    return np.array([cal.between(r[a], r[b]) for r in recs
                     if r.get(b) and r.get(a) and r[b] >= r[a] and r[b].year < 2030])


@pytest.mark.parametrize("region", list(generator.REGION_HOLIDAYS))
def test_generator_bank_holidays_are_the_calendars(region):
    """The generator's own bank-holiday lists (fixed, so the cells never move with the holidays
    library) are the weekday holidays the analysis counts with, over the sample's years."""
    listed = [date.fromisoformat(d) for d in generator.REGION_HOLIDAYS[region]]
    first, last = date(2023, 4, 1), listed[-1]
    weekdays = [d for d in get_calendar(region).holidays(2023, 2026).astype(object)
                if first <= d <= last and d.weekday() < 5]
    assert listed == weekdays


def test_scottish_provider_is_on_the_spso_model_with_both_stages():
    p = PROFILES["glenmorven-housing"]
    manifest = load_manifest(SAMPLE_DATA_DIR / "providers.yaml").provider(p.id)
    assert (manifest.holidays, manifest.regime, manifest.homes) == ("scotland", "spso-mchp", None)
    assert {"scotland", "spso-mchp"} <= set(writer.manifest_yaml([p]).split())
    cal = generator._Calendar(p.closures, "scotland")
    recs = [r for r in records(p.id) if r["record_kind"] == "complaint"]
    assert 120 <= len(recs) <= 200
    dated = [r[f] for r in recs for f in ("date_response_sent", "date_stage2_acknowledged",
                                          "date_stage2_response_sent") if r.get(f)]
    # every generated answer falls on a Scottish working day: none on St Andrew's Day
    # (observed 2 Dec 2024) or 2 January
    assert all(cal.add(d, 0) == d for d in dated)
    # frontline answers mostly within 5 working days, a 5-day extension on some later ones
    days = _working_days(p, recs)
    assert statistics.median(days) <= 5
    extended = [r for r in recs if r.get("stage1_extension_days")]
    assert extended and all(r["stage1_extension_days"] == 5 for r in extended)
    assert all(cal.between(r["date_received"], r["date_response_sent"]) > 5 for r in extended)
    # investigations: acknowledged within a few days, answered about 20 working days after
    # their start; a few complex complaints start there with no frontline response
    s2 = [r for r in recs if r.get("date_stage2_response_sent")]
    assert len(s2) >= 20
    assert statistics.median(cal.between(r["date_stage2"], r["date_stage2_acknowledged"])
                             for r in s2) <= 3
    assert 12 <= statistics.median(cal.between(r["date_stage2"], r["date_stage2_response_sent"])
                                   for r in s2) <= 20
    direct = [r for r in recs if r.get("date_stage2") == r["date_received"]]
    assert direct and all("date_response_sent" not in r for r in direct)


def test_slow_provider_is_slow_and_exemplar_is_fast():
    slow = PROFILES["kestrel-homecare"]
    days = _working_days(slow, records(slow.id))
    assert statistics.median(days) > 35
    assert (days > 60).mean() > 0.15
    for pid in PROFILES:
        if pid != "kestrel-homecare":
            p = PROFILES[pid]
            assert statistics.median(_working_days(p, records(pid))) <= 20


def test_exemplary_provider_records_everything():
    p = PROFILES["sunrise-day"]
    recs = records(p.id)
    upheld = [r for r in recs if r.get("outcome") in ("upheld", "partly_upheld")]
    assert upheld
    for r in upheld:
        assert r["root_cause"] and r["learning"] and r["actions"]
        assert r["complainant_told_of_improvement"] is True
        if r.get("action_completed"):
            assert r["action_signed_off_by"]
    assert all(r["action_completed"] for r in upheld if r["action_due"] <= generator.END)
    days = _working_days(p, recs)
    assert (days <= p.targets[1]).all()


def test_worsening_theme_at_brightpath():
    p = PROFILES["brightpath-homecare"]
    per_quarter = Counter()
    for r in records(p.id):
        if r.get("theme") in ("missed_visit", "late_visit"):
            d = r["date_received"]
            fy = d.year if d.month >= 4 else d.year - 1
            per_quarter[(fy, (d.month - 4) % 12 // 3)] += 1
    first_year = [per_quarter[(2023, q)] for q in range(4)]
    assert per_quarter[(2024, 3)] > 3 * statistics.mean(first_year)
    assert per_quarter[(2024, 2)] > 2 * statistics.mean(first_year)


def test_high_upheld_rate_for_its_size():
    rates = {}
    for pid, p in PROFILES.items():
        recs = records(pid)
        upheld = sum(1 for r in recs if r.get("outcome") in ("upheld", "partly_upheld")
                     and r["date_received"] >= date(2024, 4, 1))
        rates[pid] = 100 * upheld / p.service_users
    top = max(rates, key=rates.get)
    assert top == "meadowbank-care"
    assert rates[top] > 3 * sorted(rates.values())[-2]


def test_deliberate_messiness_present():
    brightpath = read_register(PROFILES["brightpath-homecare"])
    refs = Counter(r["reference"] for r in brightpath)
    assert sum(1 for n in refs.values() if n > 1) == 2
    raw_dates = [r["date_response_sent"] for r in brightpath] + \
        [r["date_acknowledged"] for r in brightpath]
    assert "31/02/2024" in raw_dates and "29/02/2023" in raw_dates
    outcomes = {r["outcome"] for r in read_register(PROFILES["meadowbank-care"])}
    assert {"NU", "upheld ", "Part Upheld", "Not Upheld"} <= outcomes


def test_kestrel_csv_is_cp1252_with_pound_signs_and_curly_quotes():
    raw = (SAMPLE_DATA_DIR / "registers" / "kestrel-homecare.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1252")
    assert "£" in text and "\u201c" in text and "\u2019" in text


def test_fictional_contacts_only():
    for p in PROFILES.values():
        for r in read_register(p):
            contact = r.get("complainant_contact")
            if not contact:
                continue
            assert (contact.startswith(("01632 960", "07700 900"))
                    or contact.endswith(("@example.com", "@example.org"))
                    or " NS" in contact), contact


def test_cli_writes_into_out_and_leaves_other_files(tmp_path, monkeypatch):
    small = [PROFILES["elmfield-living"], PROFILES["kestrel-homecare"]]
    monkeypatch.setattr(writer, "profiles", lambda: small)
    (tmp_path / "README.md").write_text("keep me")
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / "realdata-x.yaml").write_text("dates: iso\n")
    result = CliRunner().invoke(main, ["sample-data", "--out", str(tmp_path), "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "5 files written" in result.output
    m = load_manifest(tmp_path / "providers.yaml")
    assert m.ids == ["elmfield-living", "kestrel-homecare"]
    assert all(p.register.is_file() and p.mapping.is_file() for p in m.providers)
    assert (tmp_path / "README.md").read_text() == "keep me"
    assert (tmp_path / "mappings" / "realdata-x.yaml").is_file()
