"""Write the small register corpus the tests read (run once; the outputs are committed).

`.venv/bin/python tests/data/registers/make_corpus.py`
"""

from __future__ import annotations

import datetime as dt
import struct
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.utils.datetime import CALENDAR_MAC_1904

HERE = Path(__file__).resolve().parent


def text(name: str, content: str, encoding: str = "utf-8") -> None:
    (HERE / name).write_bytes(content.encode(encoding))


def ole2(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE2 compound file (v3, 512-byte sectors) holding the given streams.

    Each stream is padded to 4096 bytes so it lives in regular sectors (no mini stream).
    Enough for anything that sniffs the format, as an encrypted Office file is one of these.
    """
    names = list(streams)
    data = [streams[n].ljust(4096, b"\0") for n in names]
    free, end, fatsect, nostream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    fat = [fatsect, end]
    starts = []
    for blob in data:
        start, count = len(fat), len(blob) // 512
        starts.append(start)
        fat += [start + i + 1 for i in range(count - 1)] + [end]
    fat += [free] * (128 - len(fat))
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, 1, 1, 0, 0x1000, end, 0, end, 0)
    struct.pack_into("<109I", header, 76, 0, *([free] * 108))

    def entry(name: str, kind: int, left: int, right: int, child: int, start: int,
              size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        e = bytearray(128)
        e[0:len(raw)] = raw
        struct.pack_into("<HBB III", e, 64, len(raw), kind, 1, left, right, child)
        struct.pack_into("<II", e, 116, start, size)
        return bytes(e)

    # siblings form a tree ordered by (name length, upper-cased name)
    order = sorted(range(len(names)), key=lambda i: (len(names[i]), names[i].upper()))
    directory = [entry("Root Entry", 5, nostream, nostream, order[-1] + 1, end, 0)]
    for i, name in enumerate(names):
        pos = order.index(i)
        left = order[pos - 1] + 1 if pos > 0 and pos == len(order) - 1 else nostream
        directory.append(entry(name, 2, left, nostream, nostream, starts[i], len(streams[name])))
    while len(directory) % 4:
        directory.append(entry("", 0, nostream, nostream, nostream, 0, 0))
    fat_sector = struct.pack("<128I", *fat)
    return bytes(header) + fat_sector + b"".join(directory)[:512] + b"".join(data)


def main() -> None:
    text("empty.csv", "")
    text("header_only.csv", "Reference,Date received,Outcome\n")
    text("no_header.csv", "1,2,3\n4,5,6\n")
    (HERE / "fake.xlsx").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n"
                                     b"endobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
    with zipfile.ZipFile(HERE / "register.docx", "w") as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.'
                    'openxmlformats.org/package/2006/content-types"/>')
        zf.writestr("word/document.xml", '<?xml version="1.0"?><w:document xmlns:w="http://'
                    'schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
                    '<w:t>Complaints register</w:t></w:r></w:p></w:body></w:document>')
    (HERE / "encrypted.xlsx").write_bytes(ole2({
        "EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00" + b"<encryption/>",
        "EncryptedPackage": b"\x00" * 64,
    }))
    text("cp1252.csv", "Reference,Date received,Summary,Outcome\r\n"
                       "W-1,03/04/2024,Charged £50 for “extra” care,Upheld\r\n"
                       "W-2,04/04/2024,Carer’s visit missed – twice,Not upheld\r\n", "cp1252")
    text("utf8_bom.csv", "\ufeffReference,Date received,Summary\r\nB-1,03/04/2024,Café closed\r\n")
    text("semicolon.csv", "Reference;Date received;Service / location;Outcome\n"
                          "S-1;03/04/2024;Home A, Leeds;Upheld\n"
                          "S-2;04/04/2024;Home B, York;Not upheld\n")
    text("embedded_newlines.csv",
         'Reference,Date received,Summary\n'
         'N-1,03/04/2024,"First line\nsecond line"\n'
         'N-2,04/04/2024,One line\n'
         'N-3,31/04/2024,"Para one\n\nPara two"\n'
         'N-4,05/04/2024,Last\n')
    text("duplicates.csv", "Reference,Date received\nA-1,01/04/2024\nA-2,02/04/2024\n"
                           "A-1,03/04/2024\nA-3,04/04/2024\nA-1,05/04/2024\n")
    text("dates.csv", "Reference,Date received,Date closed\n"
                      "D-1,03/04/2024,04/13/2024\n"
                      "D-2,31/02/2024,\n"
                      "D-3,2024-04-03,05/06/2024\n"
                      "D-4,TBC,\n"
                      "D-5,3 Apr 2024,3.4.24\n")
    text("dates-dayfirst.yaml", "dates: dayfirst\n")
    text("personal.csv", "Reference,Date received,Complainant name,Contact details\n"
                         "P-1,03/04/2024,Jane Smith ,jane@example.org\n"
                         "P-2,04/04/2024,jane  smith,\n"
                         "P-3,05/04/2024,John Jones,07700 900123\n"
                         "P-4,06/04/2024,,\n")
    text("messy.csv",
         "Ref No.,Date Received,Complainant,Service / location,Outcome,Escalated?,"
         "Date acknowledged,Date response sent,Date closed,Stage,Service users,Date of event,"
         "Record type\n"
         "C-001,03/04/2024,Jane Smith,Home A,Upheld,No,04/04/2024,20/04/2024,21/04/2024,1,12,"
         "01/03/2024,Complaint\n"
         "C-002,,John Jones,Home A,Not upheld,No,,,,1,12,,Complaint\n"
         "C-003,05/04/2024,Amir Khan,Home B,Maybe,Perhaps,01/04/2024,,,1,twelve,,Complaint\n"
         ",06/04/2024,Mei Li,Home B,Partly upheld,,,,,Stage 2,,,\n"
         "C-005,01/08/2024,Olu Adeyemi,Home C,,,,,,,,,\n"
         "C-006,10/05/2024,Sara Brown,Home C,Not upheld,No,,,,1,,01/01/2023,Complaint\n"
         "C-007,12/05/2024,,Home C,,,,,,ombudsman,,,Compliment\n")
    text("messy-mapping.yaml",
         "# maps the provider's own spellings\n"
         "dates: dayfirst\n"
         "columns:\n"
         "  location: \"Service / location\"\n"
         "values:\n"
         "  outcome:\n"
         "    \"Maybe\": partly_upheld\n"
         "  escalated:\n"
         "    \"Perhaps\": null\n")
    text("bad-fields.yaml",
         "dates: dayfirst\n"
         "colour: blue\n"
         "columns:\n"
         "  reference: \"Ref No.\"\n"
         "  colour: \"Colour\"\n"
         "values:\n"
         "  outcome:\n"
         "    \"Part\": partially\n")
    text("wrong-header.yaml",
         "columns:\n"
         "  reference: \"Ref No.\"\n"
         "  date_received: \"Date Rec'd\"\n")

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Notes"
    ws["A1"] = "This workbook holds the complaints register on the next sheet."
    ws = wb.create_sheet("Complaints log")
    ws["A1"] = "Oakwood Care Homes Ltd"
    ws["A2"] = "Complaints register 2024-25"
    ws.append([])
    ws.append(["Reference", "Date received", "Outcome", "Location"])
    ws.append(["T-1", dt.date(2024, 4, 3), "Upheld", "Home A"])
    ws.append(["T-2", dt.date(2024, 4, 4), "Not upheld", "Home B"])
    ws.append([])
    ws.append(["T-3", "31/02/2024", "Part upheld", "Home B"])
    wb.save(HERE / "title_rows.xlsx")

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Register"
    ws["A1"] = "Complaints 2024"
    ws.merge_cells("A1:E1")
    ws["A2"], ws["B2"], ws["E2"] = "Ref", "Dates", "Outcome"
    ws.merge_cells("A2:A3")
    ws.merge_cells("B2:D2")
    ws.merge_cells("E2:E3")
    ws["B3"], ws["C3"], ws["D3"] = "Received", "Acknowledged", "Closed"
    ws.append(["M-1", dt.date(2024, 4, 3), dt.date(2024, 4, 4), dt.date(2024, 4, 30), "Upheld"])
    ws.append(["M-2", dt.date(2024, 4, 5), dt.date(2024, 4, 1), None, "Not upheld"])
    wb.save(HERE / "merged_header.xlsx")

    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "Mac register"
    ws.append(["Reference", "Date received", "Date closed"])
    ws.append(["Q-1", dt.date(2024, 4, 3), 43925])  # a plain number: 5 Apr 2024 in 1904 days
    ws.append(["Q-2", 43923, None])                  # 3 Apr 2024
    wb.save(HERE / "date1904.xlsx")

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Reference", "Date received", "Date closed"])
    ws.append(["E-1", 45385, 60])    # 3 Apr 2024; Excel's phantom 29 Feb 1900
    ws.append(["E-2", 45385.75, "5/4/2024"])
    wb.save(HERE / "serials.xlsx")


if __name__ == "__main__":
    main()
