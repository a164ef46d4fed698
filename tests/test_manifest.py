"""The provider manifest: valid files load with absolute paths; every problem names its line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from workbench.core.errors import ValidationFailed, WorkbenchError
from workbench.core.paths import DEFAULT_MANIFEST
from workbench.register.manifest import UnknownProvider, load_manifest

MANIFESTS = Path(__file__).parent / "data" / "manifests"


def test_sample_manifest_loads():
    m = load_manifest(DEFAULT_MANIFEST)
    assert m.commissioner == "Northshire County Council"
    assert m.period == "2024-25"
    assert len(m.providers) >= 9
    assert len(set(m.ids)) == len(m.ids)
    for p in m.providers:
        assert p.register.is_absolute() and p.register.is_file()
        assert p.mapping is not None and p.mapping.is_absolute() and p.mapping.is_file()
        assert p.service_users > 0
        # one Scottish provider (a cross-border placement), the rest in England
        assert p.holidays == ("scotland" if p.id == "glenmorven-housing" else "england-wales")
    assert m.provider("glenmorven-housing").regime == "spso-mchp"
    assert m.provider("kestrel-homecare").targets.respond_days == 25
    assert m.provider("sunrise-day").closures[0] == date(2023, 12, 27)
    assert m.path == DEFAULT_MANIFEST.resolve()


def test_valid_manifest_defaults_and_paths():
    m = load_manifest(MANIFESTS / "valid.yaml")
    alpha, beta = m.providers
    assert alpha.register == (MANIFESTS / "registers" / "alpha.csv").resolve()
    assert alpha.mapping == (MANIFESTS / "mappings" / "alpha.yaml").resolve()
    assert (alpha.targets.acknowledge_days, alpha.targets.respond_days) == (5, 20)
    assert alpha.holidays == "england-wales" and alpha.closures == []
    assert beta.mapping is None
    assert (beta.targets.acknowledge_days, beta.targets.respond_days) == (3, 20)
    assert beta.closures == [date(2024, 12, 27)]


@pytest.mark.parametrize("name, problems", [
    ("duplicate_id", ["line 9: provider #2: duplicate id 'alpha' (first used on line 4)"]),
    ("bad_id", ["line 4: provider #1, id: id 'alpha/../../etc' must use only lower-case "
                "letters, digits and hyphens"]),
    ("missing_register", [
        "line 13: provider 'gamma', register: register file not found: registers/gamma.xlsx",
        "line 14: provider 'gamma', mapping: mapping file not found: mappings/gamma.yaml"]),
    ("unknown_key", ["line 9: provider 'alpha': unknown key 'sevice_users_2023'",
                     "line 10: provider 'alpha', targets: unknown key 'escalate_days'"]),
])
def test_broken_manifests_list_every_problem(name, problems):
    path = MANIFESTS / f"{name}.yaml"
    with pytest.raises(ValidationFailed) as info:
        load_manifest(path)
    n = len(problems)
    assert info.value.message == f"{path}: invalid manifest ({n} problem{'s' if n > 1 else ''})"
    assert info.value.problems == problems
    assert info.value.exit_code == 2


def test_field_problems_are_collected_together(tmp_path):
    (tmp_path / "r.csv").write_text("Ref\nA\n")
    path = tmp_path / "providers.yaml"
    path.write_text(
        "commissioner: X\n"
        "period: 2024\n"
        "providers:\n"
        "  - id: a\n"
        "    name: A\n"
        "    service_type: care home\n"
        "    register: r.csv\n"
        "    service_users: 0\n"
        "    holidays: wales\n"
        "    targets: {acknowledge_days: 30, respond_days: 20}\n"
        "  - name: B\n"
        "    service_type: care home\n"
        "    register: r.csv\n"
        "    service_users: many\n"
    )
    with pytest.raises(ValidationFailed) as info:
        load_manifest(path)
    assert info.value.problems == [
        "line 2: period: period 2024 must be a financial year like \"2024-25\"",
        "line 8: provider 'a', service_users: Input should be greater than 0",
        "line 9: provider 'a', holidays: holidays 'wales' must be one of england-wales, "
        "scotland, northern-ireland",
        "line 10: provider 'a', targets: acknowledge_days (30) is more than respond_days (20)",
        "line 11: provider #2: 'id' is missing",
        "line 14: provider #2, service_users: Input should be a valid integer",
    ]


def test_unknown_provider_id_is_a_clear_error():
    m = load_manifest(MANIFESTS / "valid.yaml")
    assert m.provider("alpha").name == "Alpha Care"
    with pytest.raises(UnknownProvider) as info:
        m.provider("../../etc/passwd")
    assert isinstance(info.value, WorkbenchError)
    assert "unknown provider '../../etc/passwd'; known providers: alpha, beta-2" in str(info.value)


def test_not_a_mapping_and_missing_file(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("- just\n- a list\n")
    with pytest.raises(ValidationFailed) as info:
        load_manifest(path)
    assert info.value.problems == ["line 1: a manifest must be a YAML mapping with commissioner, "
                                   "period and providers"]
    with pytest.raises(WorkbenchError, match="file not found"):
        load_manifest(tmp_path / "absent.yaml")
