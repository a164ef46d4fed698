"""The ombudsman self-assessment layout: one row per Code provision, as xlsx or docx."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from workbench.core.atomic import atomic_path
from workbench.core.errors import WorkbenchError
from workbench.rubric.model import Rubric
from workbench.scoring.assessment import Assessment, ItemState, check_period

# The published self-assessment's columns, then the actions and timescales the Ombudsman asks
# for wherever a provision is not met.
HEADERS = ("Code provision", "Code requirement", "Comply Yes/No", "Evidence",
           "Commentary / explanation", "Actions and timescales (where not compliant)")
FORMATS = ("xlsx", "docx")
SHEET = "Self-assessment"
HEADER_ROW = 4


@dataclass(frozen=True)
class Row:
    """One provision's row: what the form shows in each column."""

    provision: str
    requirement: str
    comply: str
    evidence: str
    commentary: str
    actions: str
    section: str


def _date(value) -> str:
    return f"{value.day} {value:%b %Y}" if value else ""


def rows(rubric: Rubric, assessment: Assessment | Mapping[str, ItemState] | None) -> list[Row]:
    """The form's rows, one per rubric item, filled from the assessment (blank when unanswered).

    The requirement cell carries the must/should and, for a projected answer not yet reviewed,
    its marker; actions and timescales are filled for every No."""
    states: Mapping[str, ItemState] = (assessment.items if isinstance(assessment, Assessment)
                                       else assessment or {})
    out = []
    for section, item in rubric.items():
        st = states.get(item.id) or ItemState(item.id)
        requirement = item.text
        if item.obligation:
            requirement += f" ({item.obligation.upper()})"
        if st.projection_note:
            requirement += f"\n[{st.projection_note.capitalize()}]"
        actions = ""
        if st.answer == "no":
            if st.action is not None:
                owner = f"; owner {st.action.owner}" if st.action.owner else ""
                due = f"; by {_date(st.action.due)}" if st.action.due else "; no date set"
                actions = f"{st.action.what or 'Action not described'}{owner}{due}"
            else:
                actions = "No action or timescale recorded yet"
        out.append(Row(
            provision=item.id, requirement=requirement,
            comply={"yes": "Yes", "no": "No"}.get(st.answer or "", ""),
            evidence="\n".join(e.target if e.label == e.target else f"{e.label}: {e.target}"
                               for e in st.evidence),
            commentary=st.commentary, actions=actions,
            section=f"Section {section.id}: {section.name}"))
    return out


def _title(rubric: Rubric, provider: str, period: str) -> tuple[str, str]:
    edition = f" ({rubric.edition})" if rubric.edition else ""
    return (f"{rubric.title}: self-assessment",
            f"Organisation: {provider}    Period: {period}    Code: {rubric.id} version "
            f"{rubric.version}{edition}")


def export_xlsx(rubric: Rubric, provider: str, period: str, out_path: str | Path,
                assessment: Assessment | Mapping[str, ItemState] | None = None) -> Path:
    """The self-assessment as a workbook: one row per provision, Comply with a Yes/No list."""
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from workbench.scoring.excelform import put_text

    period = check_period(period)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    title, subtitle = _title(rubric, provider, period)
    ws["A1"] = title
    ws["A1"].font = Font(bold=True, size=14)
    put_text(ws["A2"], subtitle)
    ws["A3"] = ("Comply: choose Yes or No for every provision. Give the evidence for each Yes; "
                "for each No set out the actions and timescales for becoming compliant.")
    widths = (11, 70, 12, 45, 45, 45)
    wrap = Alignment(wrap_text=True, vertical="top")
    for col, (header, width) in enumerate(zip(HEADERS, widths, strict=True), start=1):
        cell = ws.cell(HEADER_ROW, col, header)
        cell.font = Font(bold=True)
        cell.alignment = wrap
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 3)
    yes_no = DataValidation(type="list", formula1='"Yes,No"', allow_blank=True,
                            showErrorMessage=True, errorTitle="Yes or No",
                            error="Choose Yes or No (or leave the cell blank).")
    ws.add_data_validation(yes_no)
    projected = PatternFill("solid", fgColor="FCE4D6")
    for r, row in enumerate(rows(rubric, assessment), start=HEADER_ROW + 1):
        values = (row.provision, row.requirement, row.comply or None, row.evidence or None,
                  row.commentary or None, row.actions or None)
        for col, value in enumerate(values, start=1):
            cell = ws.cell(r, col)
            put_text(cell, value)
            cell.alignment = wrap
        ws.cell(r, 1).data_type = "s"
        if "needs review]" in row.requirement:
            ws.cell(r, 2).fill = projected
    yes_no.add(f"C{HEADER_ROW + 1}:C{HEADER_ROW + rubric.item_count}")
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(HEADERS))}{ws.max_row}"
    out_path = Path(out_path)
    with atomic_path(out_path) as tmp:
        wb.save(tmp)
    return out_path


def export_docx(rubric: Rubric, provider: str, period: str, out_path: str | Path,
                assessment: Assessment | Mapping[str, ItemState] | None = None) -> Path:
    """The self-assessment as a Word document: a heading per section, then its table."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.shared import Pt

    period = check_period(period)
    document = docx.Document()
    page = document.sections[0]
    page.orientation = WD_ORIENT.LANDSCAPE
    page.page_width, page.page_height = page.page_height, page.page_width
    title, subtitle = _title(rubric, provider, period)
    document.add_heading(title, level=1)
    document.add_paragraph(subtitle)
    current, table = None, None
    for row in rows(rubric, assessment):
        if row.section != current:
            current = row.section
            document.add_heading(row.section, level=2)
            table = document.add_table(rows=1, cols=len(HEADERS))
            table.style = "Table Grid"
            for cell, header in zip(table.rows[0].cells, HEADERS, strict=True):
                cell.text = header
                for run in cell.paragraphs[0].runs:
                    run.font.bold = True
        cells = table.add_row().cells
        for cell, value in zip(cells, (row.provision, row.requirement, row.comply, row.evidence,
                                       row.commentary, row.actions), strict=True):
            cell.text = value
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(9)
    out_path = Path(out_path)
    with atomic_path(out_path) as tmp:
        document.save(str(tmp))
    return out_path


def export(rubric: Rubric, provider: str, period: str, out_path: str | Path,
           assessment: Assessment | Mapping[str, ItemState] | None = None) -> Path:
    """The ombudsman layout in the format named by OUT's suffix (.xlsx or .docx)."""
    suffix = Path(out_path).suffix.lower().lstrip(".")
    if suffix == "xlsx":
        return export_xlsx(rubric, provider, period, out_path, assessment)
    if suffix == "docx":
        return export_docx(rubric, provider, period, out_path, assessment)
    raise WorkbenchError(f"{out_path}: the ombudsman layout is written as .xlsx or .docx, not "
                         f"'.{suffix or '(no suffix)'}'", exit_code=2)
