"""Writes the sample registers (xlsx/csv in each provider's own layout), mappings and manifest."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from workbench.analysis import rootcause
from workbench.core.atomic import write_bytes, write_text
from workbench.register.schema import load_schema, normalise
from workbench.sampledata.generator import (
    COMMISSIONER,
    DEFAULT_SEED,
    END,
    FIXED_TIMESTAMP,
    PERIOD,
    RecordGenerator,
)
from workbench.sampledata.profiles import SEED_CAUSES, Profile, profiles

# ----------------------------------------------------------------------------- rendering
DATE_FIELDS = {"date_received", "date_acknowledged", "date_response_due", "date_response_sent",
               "date_stage2", "date_commissioner", "date_ombudsman", "action_due",
               "action_completed", "date_of_event", "date_closed", "date_stage2_acknowledged",
               "date_stage2_response_sent"}
TENURE_SPELLINGS = {"lcra": "General needs", "lcho": "Shared ownership"}
# the regime each kind of provider is held to, when not the default (docs/regimes.md)
SERVICE_REGIMES = {"housing association": "housing-ombudsman-2024"}


class _Renderer:
    """Turns canonical records into the provider's own cells (text, dates, spellings)."""

    def __init__(self, profile: Profile, rng: np.random.Generator):
        self.p, self.rng = profile, rng

    def weighted(self, options: tuple[str, ...]) -> str:
        if len(options) == 1:
            return options[0]
        w = np.array([4.0] + [1.0] * (len(options) - 1))
        return options[int(self.rng.choice(len(options), p=w / w.sum()))]

    def date(self, d: date) -> Any:
        style = self.p.dates
        if style == "excel":
            return d
        if style == "dmy":
            return f"{d:%d/%m/%Y}"
        if style == "iso":
            return f"{d:%Y-%m-%d}"
        u = self.rng.random()
        if style == "mixed":
            if u < 0.8:
                return d
            return f"{d:%d/%m/%y}" if u < 0.9 else f"{d.day}.{d.month}.{d:%y}"
        # csv: mostly dd/mm/yyyy, some typed short
        return f"{d:%d/%m/%Y}" if u < 0.88 else f"{d.day}.{d.month}.{d:%y}"

    def cell(self, r: dict[str, Any], key: str) -> Any:
        p = self.p
        if key in r.get("_raw", {}):
            return r["_raw"][key]
        if r.get("_blank_" + key):
            return None
        if key.startswith("extra:"):
            return self.extra(r, key[6:])
        if key == "record_kind":
            return p.kinds[0] if r["record_kind"] == "complaint" else p.kinds[1]
        value = r.get(key)
        if value is None:
            return None
        if key in DATE_FIELDS:
            return self.date(value)
        if key == "tenure":
            return TENURE_SPELLINGS[value]
        if key == "outcome":
            return self.weighted(p.outcomes[value])
        if key == "stage" or (key == "escalated" and p.escalated_as_stage):
            return p.stages[r["stage"]]
        if key in ("escalated", "complainant_told_of_improvement"):
            spell = p.told if key != "escalated" and p.told else p.booleans
            return spell[0] if value else spell[1]
        return value

    def extra(self, r: dict[str, Any], name: str) -> Any:
        d = r["date_received"]
        if name == "quarter":
            fy = d.year if d.month >= 4 else d.year - 1
            return f"Q{(d.month - 4) % 12 // 3 + 1} {fy}-{(fy + 1) % 100:02d}"
        if name == "month":
            return d.strftime("%b-%y")
        if name == "weeks_open":
            end = r.get("date_closed") or END
            return str(max(0, (end - d).days // 7))
        if name == "notes":
            return self.pick_note(r)
        raise KeyError(name)

    def pick_note(self, r: dict[str, Any]) -> str | None:
        u = self.rng.random()
        if u < 0.85:
            return None
        return ["Family meeting held.", "See email trail in shared drive.",
                "CQC notified.", "Chased twice."][int(self.rng.integers(4))]

    def rows(self, recs: list[dict[str, Any]]) -> list[list[Any]]:
        keys = [k for k, _ in self.p.columns]
        out = []
        for r in recs:
            row = []
            for k in keys:
                if k == "record_kind" or k.startswith("extra:"):
                    row.append(self.cell(r, k))
                elif r["record_kind"] == "compliment" and k not in (
                        "reference", "date_received", "location", "complainant_name",
                        "complainant_contact", "channel", "summary", "type"):
                    row.append(None)
                elif k == "type" and r["record_kind"] == "compliment":
                    row.append("Compliment")
                else:
                    row.append(self.cell(r, k))
            out.append(row)
        return out


def _xlsx(profile: Profile, rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook  # here, not at import: the CLI loads this module at start-up
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    first = wb.active
    sheets = [*profile.extra_sheets, profile.sheet, *profile.after_sheets]
    first.title = sheets[0]
    for name in sheets[1:]:
        wb.create_sheet(name)
    for name in profile.extra_sheets:
        ws = wb[name]
        ws["A1"] = f"{profile.name}: complaints and compliments log"
        ws["A3"] = "Log every complaint on the next sheet the day it is received."
        ws["A4"] = "Outcome: Upheld / Partially upheld / Not upheld. Dates as dd/mm/yyyy."
    for name in profile.after_sheets:
        ws = wb[name]
        ws.append(["Areas", "Categories", "Decisions"])
        labels = list(dict.fromkeys(profile.theme_labels.values()))
        outcomes = [v[0] for v in profile.outcomes.values()]
        for i in range(max(len(profile.locations), len(labels))):
            ws.append([profile.locations[i] if i < len(profile.locations) else None,
                       labels[i] if i < len(labels) else None,
                       outcomes[i] if i < len(outcomes) else None])
    ws = wb[profile.sheet]
    headers = [h for _, h in profile.columns]
    for i, text in enumerate(profile.title, start=1):
        if text:
            ws.cell(row=i, column=1, value=text).font = Font(bold=True, size=14 if i == 1 else 11)
    if profile.merge_title and profile.title:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
        ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    header_row = len(profile.title) + 1
    for j, h in enumerate(headers, start=1):
        ws.cell(row=header_row, column=j, value=h).font = Font(bold=True)
    for i, row in enumerate(rows, start=header_row + 1):
        for j, value in enumerate(row, start=1):
            if value is None:
                continue
            c = ws.cell(row=i, column=j, value=value)
            if isinstance(value, date):
                c.number_format = "dd/mm/yyyy"
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    wb.properties.creator = profile.name
    wb.properties.created = FIXED_TIMESTAMP
    buf = io.BytesIO()
    wb.save(buf)
    return _fix_zip(buf.getvalue())


def _fix_zip(data: bytes) -> bytes:
    """Rewrite an .xlsx with fixed entry timestamps and core-properties dates (reproducible)."""
    stamp = FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = body.decode("utf-8")
                text = re.sub(r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                              lambda m: m.group(1) + stamp + m.group(3), text)
                body = text.encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, body)
    return out.getvalue()


def _csv(profile: Profile, rows: list[list[Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([h for _, h in profile.columns])
    for row in rows:
        w.writerow(["" if v is None else v for v in row])
    return buf.getvalue().encode("cp1252")


# ----------------------------------------------------------------------------- mapping + manifest
def mapping_for(profile: Profile) -> dict[str, Any]:
    """The provider's mapping: sheet, header row, date order, columns and value spellings."""
    schema = load_schema()
    index = schema.synonym_index
    m: dict[str, Any] = {}
    if profile.fmt == "xlsx":
        m["sheet"] = profile.sheet
    if profile.title:
        m["header_row"] = len(profile.title) + 1
    m["dates"] = "iso" if profile.dates == "iso" else "dayfirst"
    columns = {k: h for k, h in profile.columns
               if not k.startswith("extra:") and index.get(normalise(h)) != k}
    if columns:
        m["columns"] = columns
    values: dict[str, dict[str, Any]] = {}
    out_index = schema.value_index("outcome")
    for code, spellings in profile.outcomes.items():
        for s in spellings:
            if out_index.get(normalise(s)) != code:
                values.setdefault("outcome", {})[s] = code
    fields = {k for k, _ in profile.columns}
    if "record_kind" in fields:
        kind_index = schema.value_index("record_kind")
        for code, s in zip(("complaint", "compliment"), profile.kinds, strict=True):
            if kind_index.get(normalise(s)) != code:
                values.setdefault("record_kind", {})[s] = code
    if "stage" in fields:
        stage_index = schema.value_index("stage")
        for code, s in profile.stages.items():
            if stage_index.get(normalise(str(s))) != code:
                values.setdefault("stage", {})[str(s)] = code
    if profile.causes and profile.causes_in_mapping:
        taxonomy = rootcause.load_taxonomy()
        for key, s in profile.causes.items():
            if rootcause.normalise(s) not in taxonomy.lookup:
                cause, _ = taxonomy.lookup[rootcause.normalise(SEED_CAUSES[key])]
                values.setdefault("root_cause", {})[s] = cause
    bool_index = schema.boolean_index
    for f in ("escalated", "complainant_told_of_improvement"):
        if f not in fields:
            continue
        own = profile.told if f != "escalated" and profile.told else profile.booleans
        spell: dict[bool, str | None] = dict(zip((True, False), own, strict=True))
        if f == "escalated" and profile.escalated_as_stage:
            spell = {True: None, False: None}
            for code, s in profile.stages.items():
                if bool_index.get(normalise(str(s))) != (code != "1"):
                    values.setdefault(f, {})[str(s)] = code != "1"
        for flag, s in spell.items():
            if s is not None and bool_index.get(normalise(s)) != flag:
                values.setdefault(f, {})[s] = flag
    if values:
        m["values"] = values
    return m


def _mapping_yaml(profile: Profile) -> str:
    head = (f"# Mapping for {profile.name} ({profile.id}): how its register's headers and\n"
            "# spellings map onto the canonical schema. Generated by `workbench sample-data`.\n")
    return head + yaml.safe_dump(mapping_for(profile), sort_keys=False, allow_unicode=True,
                                 width=100)


def _register_name(profile: Profile) -> str:
    return f"{profile.id}.{profile.fmt}"


def manifest_yaml(items: list[Profile]) -> str:
    """The providers.yaml text for these profiles."""
    lines = [
        f"# Providers commissioned by {COMMISSIONER} (fictional sample data).",
        "# Generated by `workbench sample-data`; paths are relative to this file.",
        f"commissioner: {COMMISSIONER}",
        f'period: "{PERIOD}"',
        "providers:",
    ]
    for p in items:
        lines += [
            f"  - id: {p.id}",
            f"    name: {p.name}",
            f"    service_type: {p.service_type}",
            f"    register: registers/{_register_name(p)}",
            f"    mapping: mappings/{p.id}.yaml",
            f"    service_users: {p.service_users}",
            f"    targets: {{acknowledge_days: {p.targets[0]}, respond_days: {p.targets[1]}}}",
            f"    holidays: {p.holidays}",
            f"    closures: [{', '.join(p.closures)}]",
        ]
        if p.regime is not None:
            lines.append(f"    regime: {p.regime}")
        elif p.service_type in SERVICE_REGIMES:
            # a housing association's service users are its homes (one household each)
            lines += [f"    regime: {SERVICE_REGIMES[p.service_type]}",
                      f"    homes: {p.service_users}"]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- API
def provider_records(profile: Profile, seed: int = DEFAULT_SEED) -> list[dict[str, Any]]:
    """The canonical records behind one provider's register (before its own spellings)."""
    return RecordGenerator(profile, seed).records()


def build(seed: int = DEFAULT_SEED) -> dict[str, bytes]:
    """Every generated file, as {path relative to the sample-data folder: content}."""
    files: dict[str, bytes] = {}
    items = profiles()
    for p in items:
        gen = RecordGenerator(p, seed)
        recs = gen.records()
        rows = _Renderer(p, gen.rng).rows(recs)
        data = _xlsx(p, rows) if p.fmt == "xlsx" else _csv(p, rows)
        files[f"registers/{_register_name(p)}"] = data
        files[f"mappings/{p.id}.yaml"] = _mapping_yaml(p).encode("utf-8")
    files["providers.yaml"] = manifest_yaml(items).encode("utf-8")
    return files


def generate(out: str | Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the registers, mappings and manifest under ``out``; each file is replaced atomically.

    Everything is built in memory first, so a failure writes nothing. Other files in ``out``
    (README.md, other mappings) are left alone.
    """
    out = Path(out)
    files = build(seed)
    written = []
    for rel, data in files.items():
        target = out / rel
        if rel.endswith(".yaml"):
            written.append(write_text(target, data.decode("utf-8")))
        else:
            written.append(write_bytes(target, data))
    return written
