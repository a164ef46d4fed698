"""Mapping files: the model, line-numbered problems, header recognition and the YAML skeleton."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from workbench.core.errors import ValidationFailed
from workbench.register.loader import load_register
from workbench.register.mapping import Mapping, detect_mapping, load_mapping, skeleton_yaml
from workbench.register.reader import read_table
from workbench.register.schema import load_schema, normalise

CORPUS = Path(__file__).resolve().parent / "data" / "registers"


@pytest.mark.parametrize(("a", "b"), [
    ("Date Rec'd", "date recd"), ("DATE  RECD", "date recd"), ("Date Rec’d", "date recd"),
    ("Ref No.", "ref no"), ("Decision / Outcome", "decision outcome"), ("Escalated?", "escalated"),
])
def test_normalise(a, b):
    assert normalise(a) == b


def test_schema_loads_typed_fields_and_checks():
    schema = load_schema()
    assert schema is load_schema()  # cached
    ref = schema.fields["reference"]
    assert (ref.type, ref.required, ref.unique) == ("text", True, True)
    assert schema.personal == ["complainant_name", "complainant_contact"]
    assert schema.fields["outcome"].allowed == ("upheld", "partly_upheld", "not_upheld")
    assert schema.fields["record_kind"].default == "complaint"
    assert schema.synonym_index["date recd"] == "date_received"
    assert schema.boolean_index["yes"] is True and schema.boolean_index["no"] is False
    # "N/A" and its kind are not known, never No (docs/kpis.md, "Three states")
    assert "n a" not in schema.boolean_index and "n a" in schema.not_known_index
    assert schema.fields["escalated"].marked_only_when_true
    assert not schema.fields["complainant_told_of_improvement"].marked_only_when_true
    assert list(schema.checks) == [
        "required_missing", "duplicate_reference", "invalid_date", "ambiguous_date",
        "date_before_received", "received_after_as_of", "unknown_value", "invalid_number",
        "stage_order", "stage2_without_request", "late_complaint"]
    assert schema.checks["ambiguous_date"].severity == "warning"


def test_invalid_mapping_lists_every_problem_with_its_line():
    path = CORPUS / "bad-fields.yaml"
    with pytest.raises(ValidationFailed) as exc:
        load_mapping(path)
    fields = ", ".join(load_schema().fields)
    assert exc.value.exit_code == 2
    assert exc.value.message == f"{path}: invalid mapping (3 problems)"
    assert exc.value.problems == [
        "line 2: colour: unknown key 'colour' (allowed: sheet, header_row, dates, columns, values)",
        f"line 5: columns.colour: unknown register field 'colour' (fields: {fields})",
        "line 8: values.outcome.Part: unknown outcome value 'partially' for 'Part'; expected one "
        "of upheld, partly_upheld, not_upheld",
    ]


def test_mapping_naming_a_missing_header_names_the_yaml_line():
    path = CORPUS / "wrong-header.yaml"
    with pytest.raises(ValidationFailed) as exc:
        load_register(CORPUS / "messy.csv", path)
    assert exc.value.message == f"{path}: mapping does not match the register (1 problem)"
    assert exc.value.problems == [
        "line 3: columns.date_received: no column \"Date Rec'd\" in messy.csv (header row 1: "
        "'Ref No.', 'Date Received', 'Complainant', 'Service / location', 'Outcome', "
        "'Escalated?', 'Date acknowledged', 'Date response sent', 'Date closed', 'Stage', "
        "'Service users', 'Date of event', 'Record type')"]


def test_bad_dates_setting(tmp_path):
    (tmp_path / "m.yaml").write_text("sheet: Log\ndates: british\n")
    with pytest.raises(ValidationFailed) as exc:
        load_mapping(tmp_path / "m.yaml")
    assert exc.value.problems == [
        "line 2: dates: Input should be 'dayfirst', 'monthfirst' or 'iso'"]


def test_unquoted_yes_no_keys_and_empty_sections(tmp_path):
    (tmp_path / "m.yaml").write_text(
        "columns:\nvalues:\n  escalated:\n    Yes: true\n    No: false\n  outcome:\n")
    m = load_mapping(tmp_path / "m.yaml")
    # (YAML 1.1 reads an unquoted Yes as true; either way it is compared as text "yes")
    assert {k.lower(): v for k, v in m.values["escalated"].items()} == {"yes": True, "no": False}
    assert m.values["outcome"] == {}
    assert m.dates is None and not m.dates_explicit  # not stated: day-first, with inference


def test_detected_mapping_by_synonyms():
    m = detect_mapping(read_table(CORPUS / "messy.csv"))
    assert m.columns["reference"] == "Ref No."
    assert m.columns["date_received"] == "Date Received"
    assert m.columns["location"] == "Service / location"
    assert m.columns["record_kind"] == "Record type"


def test_mapping_overrides_detection(tmp_path):
    (tmp_path / "m.yaml").write_text('columns:\n  type: "Service / location"\n')
    reg = load_register(CORPUS / "messy.csv", tmp_path / "m.yaml", as_of=dt.date(2024, 6, 30))
    assert reg.mapping.columns["type"] == "Service / location"
    assert "location" not in reg.mapping.columns  # its header is claimed by the mapping
    assert reg.frame["type"].iloc[0] == "Home A"
    assert reg.frame["location"].isna().all()


def test_mapping_values_translate_provider_spellings():
    reg = load_register(CORPUS / "messy.csv", CORPUS / "messy-mapping.yaml",
                        as_of=dt.date(2024, 6, 30))
    assert reg.frame["outcome"].tolist()[:4] == ["upheld", "not_upheld", "partly_upheld",
                                                 "partly_upheld"]
    assert "unknown_value" not in {i.check for i in reg.issues}
    assert reg.frame["escalated"].tolist()[2] is pd_na()


def pd_na():
    import pandas as pd

    return pd.NA


def test_skeleton_is_valid_yaml_that_loads_the_same_columns(tmp_path):
    raw = read_table(CORPUS / "messy.csv")
    text = skeleton_yaml(raw)
    assert '# values in "Outcome" not recognised: map each to upheld | partly_upheld | not_upheld' \
        in text
    assert '    # "Maybe": ?    # 1 row' in text
    assert "\n  reference: \"Ref No.\"\n" in text
    (tmp_path / "m.yaml").write_text(text)
    m = load_mapping(tmp_path / "m.yaml")
    assert m.columns == detect_mapping(raw).columns
    assert m.header_row == 1


def test_skeleton_lists_unmatched_headers():
    text = skeleton_yaml(read_table(CORPUS / "merged_header.xlsx"))
    assert 'sheet: "Register"\nheader_row: 3\n' in text
    raw = read_table(Path(__file__).resolve().parent / "data" / "registers" / "title_rows.xlsx")
    assert "# Source columns not mapped" not in skeleton_yaml(raw)


def test_mapping_model_forbids_extra_keys():
    with pytest.raises(Exception, match="Extra inputs are not permitted"):
        Mapping.model_validate({"colums": {}})
