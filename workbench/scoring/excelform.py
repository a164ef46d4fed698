"""The Excel self-assessment form: export a protected workbook, import it back with every check."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from workbench.core.atomic import atomic_path
from workbench.core.errors import InputFileError, ValidationFailed, WorkbenchError
from workbench.rubric.model import Rubric
from workbench.scoring.assessment import (
    Assessment,
    ItemState,
    check_period,
    check_target,
    parse_answer,
    parse_date,
)
from workbench.scoring.store import Store

FORMAT = "complaints-workbench self-assessment form"
FORMAT_VERSION = "1"
SHEET = "Assessment"
META_SHEET = "_workbench"
HEADER_ROW = 4
# (key, header, width): the Assessment sheet's columns, A to J.
COLUMNS = (
    ("item", "Item", 7),
    ("text", "Question", 60),
    ("expected", "Evidence expected", 40),
    ("points", "Points", 7),
    ("answer", "Answer (Yes/No)", 14),
    ("evidence", "Evidence (one per line: label | link or file)", 45),
    ("commentary", "Commentary", 45),
    ("action", "Improvement action (needed for No)", 40),
    ("owner", "Action owner", 20),
    ("due", "Action due date", 14),
)
COL = {key: i + 1 for i, (key, _, _) in enumerate(COLUMNS)}
HEADERS = {key: header for key, header, _ in COLUMNS}
EDITABLE = ("answer", "evidence", "commentary", "action", "owner", "due")
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
_ITEM_ID = re.compile(r"^\d+\.\d+$")
_BOLD = Font(bold=True)
_SECTION_FILL = PatternFill("solid", fgColor="DDEBF7")
_INPUT_FILL = PatternFill("solid", fgColor="FFF9E5")
_PROJECTED_FILL = PatternFill("solid", fgColor="FCE4D6")
_WRAP = Alignment(wrap_text=True, vertical="top")


def put_text(cell, value: Any) -> None:
    """Set a cell from user data; text that Excel would run as a formula is stored as text."""
    cell.value = value
    if isinstance(value, str) and value.startswith(DANGEROUS_START):
        cell.data_type = "s"
        cell.quotePrefix = True


def neutralise_csv(value: Any) -> Any:
    """A CSV cell from user data: text starting with = + - @ tab CR gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(DANGEROUS_START):
        return "'" + value
    return value


def _evidence_text(state: ItemState) -> str:
    return "\n".join(e.target if e.label == e.target else f"{e.label} | {e.target}"
                     for e in state.evidence)


def export_form(rubric: Rubric, provider: str, period: str, out_path: str | Path,
                answers: Assessment | Mapping[str, ItemState] | None = None, *,
                stored: Assessment | Mapping[str, ItemState] | None = None) -> Path:
    """Write the self-assessment workbook (prefilled from ``answers`` when given). ``stored``
    (default ``answers``) is what the store holds now: the form keeps its item versions, so an
    import refuses to overwrite an item saved after the export."""
    period = check_period(period)
    states: Mapping[str, ItemState] = (answers.items if isinstance(answers, Assessment)
                                       else answers or {})
    stored = answers if stored is None else stored
    stored_states: Mapping[str, ItemState] = (stored.items if isinstance(stored, Assessment)
                                              else stored or {})
    wb = openpyxl.Workbook()
    _instructions(wb.active, rubric, provider, period)
    ws = wb.create_sheet(SHEET)
    ws["A1"] = rubric.title
    ws["A1"].font = Font(bold=True, size=14)
    put_text(ws["A2"], f"Provider: {provider}    Period: {period}    Rubric: {rubric.id} "
                       f"version {rubric.version}")
    ws["A3"] = ("Answer Yes or No for every item. For each Yes give the evidence; for each No give "
                "an improvement action, its owner and a due date. Only the shaded cells can be "
                "changed.")
    for key, header, width in COLUMNS:
        cell = ws.cell(HEADER_ROW, COL[key], header)
        cell.font = _BOLD
        cell.alignment = _WRAP
        ws.column_dimensions[get_column_letter(COL[key])].width = width
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, COL["answer"])
    yes_no = DataValidation(type="list", formula1='"Yes,No"', allow_blank=True,
                            showErrorMessage=True, errorTitle="Yes or No",
                            error="Choose Yes or No (or leave the cell blank).")
    due = DataValidation(type="date", operator="greaterThan", formula1="DATE(2000,1,1)",
                         allow_blank=True, showErrorMessage=True, errorTitle="Date",
                         error="Enter the due date as a date, e.g. 31/03/2025.")
    ws.add_data_validation(yes_no)
    ws.add_data_validation(due)
    ans, pts = get_column_letter(COL["answer"]), get_column_letter(COL["points"])
    row = HEADER_ROW + 1
    subtotal_cells = []
    for section in rubric.sections:
        put_text(ws.cell(row, COL["item"]), f"Section {section.id}")
        put_text(ws.cell(row, COL["text"]), section.name)
        for c in range(1, len(COLUMNS) + 1):
            ws.cell(row, c).fill = _SECTION_FILL
            ws.cell(row, c).font = _BOLD
        row += 1
        first = row
        for item in section.items:
            st = states.get(item.id) or ItemState(item.id)
            put_text(ws.cell(row, COL["item"]), item.id)
            ws.cell(row, COL["item"]).data_type = "s"
            # a projected answer says so on its (locked) question cell, never in an input cell
            put_text(ws.cell(row, COL["text"]), item.text if not st.projection_note else
                     f"{item.text}\n[{st.projection_note.capitalize()}]")
            put_text(ws.cell(row, COL["expected"]), "\n".join(f"• {e}" for e in item.evidence))
            ws.cell(row, COL["points"], item.points)
            values = {"answer": (st.answer or "").capitalize() or None,
                      "evidence": _evidence_text(st) or None,
                      "commentary": st.commentary or None,
                      "action": st.action.what if st.action else None,
                      "owner": st.action.owner if st.action else None,
                      "due": st.action.due if st.action else None}
            for key, value in values.items():
                put_text(ws.cell(row, COL[key]), value)
            for key, _, _ in COLUMNS:
                cell = ws.cell(row, COL[key])
                cell.alignment = _WRAP
                if key in EDITABLE:
                    cell.protection = Protection(locked=False)
                    cell.fill = _INPUT_FILL
            ws.cell(row, COL["due"]).number_format = "dd/mm/yyyy"
            if st.projection_note:
                ws.cell(row, COL["text"]).fill = _PROJECTED_FILL
            yes_no.add(ws.cell(row, COL["answer"]))
            due.add(ws.cell(row, COL["due"]))
            row += 1
        last = row - 1
        put_text(ws.cell(row, COL["text"]),
                 f"Section {section.id} score (out of {section.max_points})")
        if all(item.points == 1 for item in section.items):
            formula = f'=COUNTIF({ans}{first}:{ans}{last},"Yes")'
        else:
            formula = f'=SUMIF({ans}{first}:{ans}{last},"Yes",{pts}{first}:{pts}{last})'
        ws.cell(row, COL["answer"], formula)
        if section.max_points:
            pct = ws.cell(row, COL["evidence"], f"={ans}{row}/{section.max_points}")
            pct.number_format = "0%"
        for c in (COL["text"], COL["answer"], COL["evidence"]):
            ws.cell(row, c).font = _BOLD
        subtotal_cells.append(f"{ans}{row}")
        row += 2
    put_text(ws.cell(row, COL["text"]), f"Total score (out of {rubric.total})")
    ws.cell(row, COL["answer"], f"=SUM({','.join(subtotal_cells)})")
    if rubric.total:
        ws.cell(row, COL["evidence"], f"={ans}{row}/{rubric.total}").number_format = "0%"
    for c in (COL["text"], COL["answer"], COL["evidence"]):
        ws.cell(row, c).font = Font(bold=True, size=12)
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.formatCells = False
    meta = wb.create_sheet(META_SHEET)
    for i, (key, value) in enumerate((
            ("format", FORMAT), ("format_version", FORMAT_VERSION), ("rubric_id", rubric.id),
            ("rubric_version", rubric.version), ("provider", provider), ("period", period),
            ("items", rubric.item_count),
            ("exported_at", datetime.now(UTC).isoformat(timespec="seconds")),
            # the stored versions the form starts from: an import refuses items saved since
            ("versions", json.dumps({k: s.version for k, s in stored_states.items()
                                     if s.version}, sort_keys=True))), start=1):
        meta.cell(i, 1, key)
        put_text(meta.cell(i, 2), str(value))
        meta.cell(i, 2).data_type = "s"
    meta.sheet_state = "veryHidden"
    meta.protection.sheet = True
    wb.active = wb.sheetnames.index(SHEET)
    out_path = Path(out_path)
    with atomic_path(out_path) as tmp:
        wb.save(tmp)
    return out_path


def _instructions(ws, rubric: Rubric, provider: str, period: str) -> None:
    ws.title = "Instructions"
    lines = [
        (rubric.title, Font(bold=True, size=14)),
        (f"Self-assessment for {provider}, period {period}", _BOLD),
        (f"Rubric {rubric.id} version {rubric.version} ({rubric.publisher}): "
         f"{rubric.item_count} items, {rubric.total} points.", None),
        ("", None),
        ("How to complete this workbook", _BOLD),
        ("1. Go to the 'Assessment' sheet. Answer every item Yes or No with the drop-down.", None),
        ("2. For each Yes, list the evidence in the Evidence column, one piece per line, as "
         "'label | link': a web address (https://...), a file path inside your evidence folder "
         "(e.g. policies/complaints-policy.pdf) or a complaints register reference "
         "(register:REF). Other kinds of link are refused.", None),
        ("3. For each No, give the improvement action, who owns it and the date it is due.", None),
        ("4. Add any commentary that helps the auditor understand the answer.", None),
        ("5. Do not rename sheets, move rows or change the item numbers: the workbook is checked "
         "when it is returned, and every problem is listed by row and column.", None),
        ("Section and total scores are calculated as you go.", None),
    ]
    ws.column_dimensions["A"].width = 120
    for i, (text, font) in enumerate(lines, start=1):
        cell = ws.cell(i, 1)
        put_text(cell, text)
        cell.alignment = Alignment(wrap_text=True)
        if font is not None:
            cell.font = font
    ws.protection.sheet = True


# ---------------------------------------------------------------- import


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_meta(wb, path: Path) -> dict[str, str]:
    """The hidden metadata of an exported form; InputFileError when it is not one of ours."""
    if META_SHEET not in wb.sheetnames or SHEET not in wb.sheetnames:
        raise InputFileError(f"is not a self-assessment form exported by the workbench (no "
                             f"'{SHEET}' and hidden '{META_SHEET}' sheets); export one with "
                             "`workbench form export`", path=path)
    meta = {_cell_text(r[0]): _cell_text(r[1])
            for r in wb[META_SHEET].iter_rows(min_row=1, max_col=2, values_only=True) if r[0]}
    if meta.get("format") != FORMAT:
        raise InputFileError("the hidden form metadata is missing or damaged", path=path)
    return meta


def read_form(path: str | Path, rubric: Rubric | None = None,
              provider: str | None = None) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """Read and check a returned form: (metadata, {item id: changes}); ValidationFailed lists
    every bad row (sheet row number, column letter and header)."""
    path = Path(path)
    wb = _open(path)
    meta = read_meta(wb, path)
    if rubric is None:
        from workbench.scoring.assessment import find_rubric

        rubric = find_rubric(meta.get("rubric_id", ""), meta.get("rubric_version") or None)
    problems: list[str] = []
    if (meta.get("rubric_id"), meta.get("rubric_version")) != (rubric.id, rubric.version):
        problems.append(f"the form is for rubric {meta.get('rubric_id')} version "
                        f"{meta.get('rubric_version')}, not {rubric.id} version {rubric.version}")
    if provider is not None and meta.get("provider") != provider:
        problems.append(f"the form was exported for provider '{meta.get('provider')}', "
                        f"not '{provider}'")
    try:
        check_period(meta.get("period", ""))
    except WorkbenchError as exc:
        problems.append(f"form metadata: {exc.message}")
    ws = wb[SHEET]
    header = [_cell_text(c.value) for c in ws[HEADER_ROW]]
    for key, title, _ in COLUMNS:
        if len(header) < COL[key] or header[COL[key] - 1] != title:
            problems.append(f"row {HEADER_ROW}, column {get_column_letter(COL[key])}: expected the "
                            f"header '{title}' (columns were moved or renamed)")
    if problems:
        raise ValidationFailed("the form cannot be imported", problems, path=path)
    known = {item.id: item for _, item in rubric.items()}
    seen: dict[str, int] = {}
    changes: dict[str, dict[str, Any]] = {}

    def where(r: int, key: str) -> str:
        return f"row {r}, column {get_column_letter(COL[key])} ({HEADERS[key]})"

    for r, cells in enumerate(ws.iter_rows(min_row=HEADER_ROW + 1, max_col=len(COLUMNS),
                                           values_only=True), start=HEADER_ROW + 1):
        values = dict(zip([k for k, _, _ in COLUMNS], cells, strict=False))
        item_id = _cell_text(values.get("item"))
        if not _ITEM_ID.match(item_id):
            stray = [k for k in EDITABLE if _cell_text(values.get(k)) and not
                     _cell_text(values.get(k)).startswith("=")]
            if item_id == "" and stray:
                problems.append(f"row {r}: has answers but no item number in column A")
            continue
        if item_id not in known:
            problems.append(f"{where(r, 'item')}: item {item_id} is not in rubric {rubric.id}")
            continue
        if item_id in seen:
            problems.append(f"{where(r, 'item')}: item {item_id} appears again "
                            f"(first on row {seen[item_id]})")
            continue
        seen[item_id] = r
        row_changes: dict[str, Any] = {}
        try:
            answer = parse_answer(values.get("answer"))
            row_changes["answer"] = answer
        except WorkbenchError:
            problems.append(f"{where(r, 'answer')}: '{_cell_text(values.get('answer'))}' is not "
                            "Yes, No or blank")
            answer = None
        links = []
        for n, line in enumerate(_cell_text(values.get("evidence")).splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            label, _, target = line.rpartition("|") if "|" in line else ("", "", line)
            try:
                links.append({"label": label.strip() or target.strip(),
                              "target": check_target(target)})
            except WorkbenchError as exc:
                problems.append(f"{where(r, 'evidence')}, line {n}: {exc.message}")
        row_changes["evidence"] = links
        row_changes["commentary"] = _cell_text(values.get("commentary"))
        what, owner = _cell_text(values.get("action")), _cell_text(values.get("owner"))
        try:
            due = parse_date(values.get("due"))
        except WorkbenchError:
            problems.append(f"{where(r, 'due')}: '{_cell_text(values.get('due'))}' is not a date "
                            "(use DD/MM/YYYY)")
            due = None
        else:
            if answer == "no":
                for key, ok in (("action", what), ("owner", owner), ("due", due)):
                    if not ok:
                        problems.append(f"{where(r, key)}: item {item_id} is answered No, so "
                                        f"the improvement action needs this")
        row_changes["action"] = ({"what": what, "owner": owner, "due": due}
                                 if what or owner or due else None)
        changes[item_id] = row_changes
    missing = [i for i in known if i not in seen]
    if missing:
        problems.append(f"items missing from the sheet: {', '.join(missing)}")
    if problems:
        raise ValidationFailed(f"the form has {len(problems)} problem"
                               f"{'s' if len(problems) != 1 else ''}; nothing was imported",
                               problems, path=path, exit_code=1)
    return meta, changes


def _open(path: Path):
    if not path.exists():
        raise InputFileError("file not found", path=path)
    try:
        return openpyxl.load_workbook(path, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputFileError(f"cannot be read as an Excel workbook (.xlsx): {exc}",
                             path=path) from None


def import_form(path: str | Path, provider: str, store: Store, assessor: str | None = None,
                *, rubric: Rubric | None = None, force: bool = False) -> int:
    """Import a returned form into the provider's assessment for the form's period; return its id.

    All items are saved in one transaction (all or nothing); the assessment (provider, period,
    rubric, no assessor label) is created when it does not exist yet. Events are recorded as
    ``assessor`` (default: "<provider> (Excel form)"). An item saved in the store since the form
    was exported, which the form would change, stops the import (ImportConflict, exit 3, naming
    who saved it and when) unless ``force``, which the audit trail records.
    """
    path = Path(path)
    if rubric is None:
        from workbench.scoring.assessment import find_rubric

        meta = read_meta(_open(path), path)
        rubric = find_rubric(meta.get("rubric_id", ""), meta.get("rubric_version") or None)
    meta, changes = read_form(path, rubric, provider)
    who = assessor or f"{provider} (Excel form)"
    period = meta["period"]
    aid = store.save_into(provider, period, rubric, changes, who,
                          reason=f"imported from {path.name}", based_on=exported_versions(meta),
                          force=force)
    return aid


def exported_versions(meta: Mapping[str, str]) -> dict[str, int] | None:
    """The item versions a form was exported with (None for a form from before they were kept)."""
    text = meta.get("versions")
    if text is None:
        return None
    try:
        versions = json.loads(text)
    except ValueError:
        raise ValidationFailed("the form's metadata is damaged",
                               ["the versions it was exported with cannot be read"]) from None
    return {str(k): int(v) for k, v in versions.items()}
