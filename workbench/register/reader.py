"""Reading a raw register table from a workbook or CSV: sheet, header row, spreadsheet rows."""

from __future__ import annotations

import bisect
import contextlib
import csv
import gzip
import html
import io
import posixpath
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from workbench.core import limits
from workbench.core.errors import InputFileError
from workbench.register.schema import load_schema, normalise

WORKBOOK_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods")
TEXT_EXTENSIONS = (".csv", ".txt", ".tsv", ".csv.gz", ".txt.gz", ".tsv.gz")
HEADER_SEARCH_ROWS = 30
DELIMITERS = (",", ";", "\t", "|")

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_GZIP = b"\x1f\x8b"
_DATE1904 = re.compile(rb"<(?:\w+:)?workbookPr\b[^>]*\bdate1904\s*=\s*[\"'](?:1|true)[\"']")


@dataclass
class RawTable:
    """A register as found in the file: source headers, cell values and spreadsheet row numbers.

    ``data`` has one positional column (0..n-1) per entry of ``headers``; blank cells are None/NA.
    ``rows[i]`` is the row number Excel shows for data row i (1-based).
    """

    path: Path
    headers: list[str]
    data: pd.DataFrame
    rows: np.ndarray
    header_row: int
    sheet: str | None = None
    date1904: bool = False
    encoding: str | None = None
    delimiter: str | None = None
    warnings: list[str] = field(default_factory=list)
    # per header: the spreadsheet column letter and the header as written (``headers`` tells
    # repeated headers apart: the second "Outcome" in column D is "Outcome (D)")
    letters: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)

    def column(self, header: str) -> pd.Series:
        return self.data[self.headers.index(header)]

    def letter(self, header: str) -> str:
        i = self.headers.index(header)
        return self.letters[i] if i < len(self.letters) else _column_letter(i)

    def as_written(self, header: str) -> str:
        i = self.headers.index(header)
        return self.written[i] if i < len(self.written) else header


def tidy_text(text: str) -> str:
    """A category value as stored and compared: NFKC (which also makes a no-break space a space),
    every run of whitespace one space, trimmed. '1\xa0(2015 Code numbers)' is '1 (2015 Code
    numbers)'."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _fail(path: Path, reason: str) -> InputFileError:
    return InputFileError(reason, path=path)


def _column_letter(i: int) -> str:
    letters = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for ext in (*TEXT_EXTENSIONS, *WORKBOOK_EXTENSIONS):
        if name.endswith(ext):
            return ext
    return path.suffix.lower()


# ---------------------------------------------------------------------------------------------
# header detection


def _cell_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip()) and not _NUMBER.match(value.strip())


_NUMBER = re.compile(r"^[-+£$€]?\d[\d,]*(\.\d+)?%?$")


def _score(cells: list[str], hints: MappingABC[str, str]) -> int:
    """How many distinct canonical fields a row of header cells names."""
    return len({hints[n] for n in map(normalise, cells) if n in hints})


def _joined(upper: list[str], lower: list[str], hints: MappingABC[str, str]) -> list[str]:
    """Two header rows as one: "Dates" over "Received" is "Dates Received", unless a part alone is
    the recognised name (then that part is kept)."""
    out = []
    for top, bottom in zip(upper, lower, strict=True):
        if not bottom or bottom == top:
            out.append(top)
        elif not top:
            out.append(bottom)
        else:
            both = f"{top} {bottom}"
            if normalise(both) in hints or normalise(bottom) not in hints:
                out.append(both)
            else:
                out.append(bottom)
    return out


def find_header(grid: list[list[Any]], hints: MappingABC[str, str],
                merged: list[tuple[tuple[int, int], tuple[int, int]]] | None = None,
                header_row: int | None = None) -> tuple[int, int, list[str]]:
    """(0-based header row, number of header rows (1 or 2), header names) in the top rows.

    Rows are scored by how many fields their cells name (schema synonyms or mapping headers); a
    header cell blanked by a merge takes the merged value; a two-row header is joined when that
    names more fields than either row alone. With no row naming any field, the first row that is
    mostly text is taken. Returns (-1, 0, []) when nothing looks like a header.
    """
    top = [[_cell_text(v) for v in row] for row in grid[:HEADER_SEARCH_ROWS]]
    width = max((len(r) for r in top), default=0)
    top = [r + [""] * (width - len(r)) for r in top]
    for (r0, c0), (r1, c1) in merged or ():
        if r0 >= len(top):
            continue
        value = top[r0][c0]
        for r in range(r0, min(r1, len(top) - 1) + 1):
            for c in range(c0, min(c1, width - 1) + 1):
                if not top[r][c]:
                    top[r][c] = value
    if header_row is not None:
        h = header_row - 1
        if h >= len(grid):
            return -1, 0, []
        return h, 1, [_cell_text(v) for v in grid[h]] if h >= len(top) else top[h]

    best = (0, -1, 0, [])  # score, row, n rows, headers
    for r, cells in enumerate(top):
        score = _score(cells, hints)
        if score > best[0]:
            best = (score, r, 1, cells)
        if r + 1 < len(top) and any(top[r + 1]):
            pair = _joined(cells, top[r + 1], hints)
            pair_score = _score(pair, hints)
            if pair_score > max(score, _score(top[r + 1], hints), best[0]):
                best = (pair_score, r, 2, pair)
    if best[1] >= 0:
        return best[1], best[2], best[3]
    for r, raw in enumerate(grid[:HEADER_SEARCH_ROWS]):
        filled = [v for v in raw if _cell_text(v)]
        if len(filled) >= 2 and sum(map(_is_text, filled)) >= 0.8 * len(filled):
            return r, 1, top[r]
    return -1, 0, []


def default_hints() -> dict[str, str]:
    return load_schema().synonym_index


# ---------------------------------------------------------------------------------------------
# what a file may hold and unpack to, checked before any reader sees it (docs/security.md)

_INFLATE_CHUNK = 1 << 22  # decompressed bytes handled at a time
_MAX_TAG = 1 << 20        # no spreadsheet writes an XML tag this long
_XML_PART = re.compile(r"\.(?:xml|rels)$", re.IGNORECASE)


def _mib(size: int) -> str:
    return f"{size / (1 << 20):,.1f} MiB"


def _check_file_size(path: Path, size: int) -> None:
    if size > limits.in_bytes("file_mb"):
        raise _fail(path, limits.limit("file_mb").exceeded(f"is {_mib(size)}"))


def _check_ratio(path: Path, what: str, unpacked: int, packed: int) -> None:
    lim = limits.limit("compression_ratio")
    if unpacked > limits.RATIO_GRACE_BYTES and unpacked > lim.value() * max(packed, 1):
        raise _fail(path, lim.exceeded(f"{what} is compressed {unpacked // max(packed, 1):,}:1 "
                                       f"({_mib(unpacked)} from {packed:,} bytes)"))


def _check_extent(path: Path, sheet: str, rows: int, cols: int) -> None:
    """Refuse a sheet whose used range (from A1 to its last row and column) is over the
    limits: a reader allocates every cell of that range, filled or not."""
    if not rows or not cols:
        return
    where = f"sheet {sheet!r} spans A1:{_column_letter(cols - 1)}{rows}"
    if rows > limits.value("rows"):
        raise _fail(path, limits.limit("rows").exceeded(f"{where} ({rows:,} rows)"))
    if cols > limits.value("columns"):
        raise _fail(path, limits.limit("columns").exceeded(f"{where} ({cols:,} columns)"))
    if rows * cols > limits.value("cells"):
        raise _fail(path, limits.limit("cells").exceeded(
            f"{where} ({rows:,} rows x {cols:,} columns = {rows * cols:,} cells)"))


def _gunzip(path: Path) -> bytes:
    """A .gz file's content, unpacked a chunk at a time and refused as soon as it passes the
    unzipped size or the compression ratio limit."""
    cap, chunks, produced = limits.in_bytes("unzipped_mb"), [], 0
    try:
        with open(path, "rb") as packed, gzip.GzipFile(fileobj=packed) as fh:
            while chunk := fh.read(_INFLATE_CHUNK):
                produced += len(chunk)
                if produced > cap:
                    raise _fail(path, limits.limit("unzipped_mb").over("unpacks to"))
                _check_ratio(path, "the gzip file", produced, packed.tell())
                chunks.append(chunk)
    except (OSError, EOFError, zlib.error) as exc:
        raise _fail(path, f"is a damaged gzip file ({exc})") from None
    return b"".join(chunks)


def _check_zip(path: Path) -> list[zipfile.ZipInfo]:
    """The members of a zip-based workbook, refused from what they declare before anything is
    unpacked: more than the unzipped limit in all, or one compressed beyond the ratio limit."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _fail(path, "is a damaged or incomplete zip file, not a readable spreadsheet"
                    ) from None
    total = sum(i.file_size for i in infos)
    if total > limits.in_bytes("unzipped_mb"):
        raise _fail(path, limits.limit("unzipped_mb").exceeded(f"unzips to {_mib(total)}"))
    for info in infos:
        _check_ratio(path, f"its zip member {info.filename}", info.file_size, info.compress_size)
    return infos


def _unpacked(fh: BinaryIO, info: zipfile.ZipInfo, path: Path) -> Iterator[bytes]:
    """One zip member's content, a chunk at a time. Inflated here rather than by zipfile, which
    stops at the size a member declares while other readers may not: a member holding more
    than it declares is refused."""
    where = f"its zip member {info.filename}"
    if info.flag_bits & 0x1:
        raise _fail(path, f"{where} is encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _fail(path, f"{where} uses compression method {info.compress_type}, which "
                          "spreadsheets do not use")
    fh.seek(info.header_offset)
    head = fh.read(30)
    if len(head) < 30 or not head.startswith(_ZIP):
        raise _fail(path, f"{where} is damaged")
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    inflate = (zlib.decompressobj(-zlib.MAX_WBITS)
               if info.compress_type == zipfile.ZIP_DEFLATED else None)
    left, produced = info.compress_size, 0
    while True:
        if inflate is not None and inflate.unconsumed_tail:
            data = inflate.unconsumed_tail
        elif left > 0 and (data := fh.read(min(left, 1 << 20))):
            left -= len(data)
        else:
            break
        try:
            out = data if inflate is None else inflate.decompress(data, _INFLATE_CHUNK)
        except zlib.error:
            raise _fail(path, f"{where} is damaged") from None
        produced += len(out)
        if produced > info.file_size:
            raise _fail(path, f"{where} holds more than the {info.file_size:,} bytes it "
                              "declares (a forged zip file)")
        if out:
            yield out
        if inflate is not None and inflate.eof:
            break


def _whole_tags(path: Path, where: str, chunks: Iterable[bytes]) -> Iterator[memoryview]:
    """XML in pieces that never split a tag: each ends after a '>'. Only a tag begun and not
    ended is carried to the next piece (text after the last '>' holds no '<')."""
    tail = b""
    for chunk in chunks:
        buf = tail + chunk if tail else chunk
        end, start = buf.rfind(b">") + 1, buf.rfind(b"<")
        tail = buf[start:] if start >= end else b""
        if len(tail) > _MAX_TAG:
            raise _fail(path, f"{where} has an XML tag over {_MAX_TAG >> 20} MiB long")
        if end:
            yield memoryview(buf)[:end]


_ATTR = re.compile(rb"([\w.:-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_SHEET_TAG = re.compile(rb"<(?:[\w.-]+:)?sheet\b([^>]*)>")
_REL_TAG = re.compile(rb"<(?:[\w.-]+:)?Relationship\b([^>]*)>")
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])([^>]*)>")
_R_ATTR = re.compile(rb"(?:^|\s)r\s*=\s*[\"']\s*([^\"']*?)\s*[\"']")
_REF = re.compile(rb"([A-Za-z]+)(\d+)")
_ODS_TAG = re.compile(rb"<(?:[\w.-]+:)?(table|table-row|table-cell|covered-table-cell)"
                      rb"(?=[\s/>])([^>]*?)(/?)>")
_ODS_NAME = re.compile(rb"(?:^|\s)(?:[\w.-]+:)?name\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_ODS_REPEAT = re.compile(rb"(?:^|\s)(?:[\w.-]+:)?number-(?:rows|columns)-repeated\s*=\s*"
                         rb"[\"']\s*(\d+)")
_ODS_VALUE = re.compile(rb"(?:^|\s)(?:[\w.-]+:)?value-type\s*=")


def _attrs(text: bytes) -> dict[str, str]:
    """An XML tag's attributes by local name (r:id is "id"), entities decoded."""
    return {k.decode("ascii", "replace").rsplit(":", 1)[-1]:
            html.unescape((a or b).decode("utf-8", "replace")) for k, a, b in _ATTR.findall(text)}


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


_TAG_END = np.zeros(256, dtype=bool)
_TAG_END[list(b" \t\r\n/>")] = True
_UPPER = np.zeros(256, dtype=bool)
_UPPER[ord("A"):ord("Z") + 1] = True
_DIGIT = np.zeros(256, dtype=bool)
_DIGIT[ord("0"):ord("9") + 1] = True


def _pair_positions(piece: memoryview, pair: bytes) -> np.ndarray:
    """Where a two-byte sequence starts in ``piece`` (unordered), two bytes compared at once."""
    n, code = len(piece), int.from_bytes(pair, "little")
    even = np.frombuffer(piece, dtype="<u2", count=n // 2) == code
    odd = np.frombuffer(piece, dtype="<u2", count=(n - 1) // 2, offset=1) == code
    return np.concatenate((np.flatnonzero(even) * 2, np.flatnonzero(odd) * 2 + 1))


def _greatest(a: np.ndarray, starts: np.ndarray, width: int) -> bytes:
    """The greatest of the equal-length byte strings a[s:s + width]."""
    for j in range(width):
        column = a[starts + j]
        starts = starts[column == column.max()]
    return a[starts[0]:starts[0] + width].tobytes()


def _standard_cells(piece: memoryview) -> tuple[int, int] | None:
    """The last row and column of the cells in a piece of sheet XML whose cell tags all open
    the way spreadsheet programs write them (`<c r="B12"`), found with numpy over the whole
    piece at once; None when a cell tag does not (no reference, another attribute first, a
    namespace prefix): then every tag is read one by one (``_cell_extent``)."""
    n = len(piece)
    a = np.frombuffer(piece, dtype=np.uint8)
    colons = _pair_positions(piece, b":c")
    colons = colons[colons + 2 < n]
    if len(colons) and _TAG_END[a[colons + 2]].any():
        return None
    starts = _pair_positions(piece, b"<c")
    starts = starts[starts + 2 < n]
    cells = starts[_TAG_END[a[starts + 2]]]
    if not len(cells):
        return 0, 0
    if int(cells.max()) + 20 > n:  # a reference read near the end: read it from a padded copy
        a = np.frombuffer(bytes(piece) + bytes(20), dtype=np.uint8)
    if not ((a[cells + 2] == ord(" ")) & (a[cells + 3] == ord("r")) & (a[cells + 4] == ord("="))
            & (a[cells + 5] == ord('"'))).all():
        return None
    first = cells + 6
    run = _UPPER[a[first]]
    if not run.all():
        return None
    letters = np.ones(len(first), dtype=np.int8)
    for j in range(1, 4):
        run &= _UPPER[a[first + j]]
        if not run.any():
            break
        letters += run
    else:
        return None  # four letters or more: past any column a spreadsheet has
    digits_at = first + letters
    digits = np.zeros(len(first), dtype=np.int8)
    run = np.ones(len(first), dtype=bool)
    for j in range(9):
        run &= _DIGIT[a[digits_at + j]]
        if not run.any():
            break
        digits += run
    else:
        return None
    if not digits.all() or not (a[digits_at + digits] == ord('"')).all():
        return None
    widest, longest = int(letters.max()), int(digits.max())
    return (int(_greatest(a, digits_at[digits == longest], longest)),
            _column_number(_greatest(a, first[letters == widest], widest)))


def _standard_extent(path: Path, where: str, chunks: Iterable[bytes],
                     check: Callable[[int, int], None]) -> tuple[int, int] | None:
    """A sheet's used range when all its cell tags open with a reference (``_standard_cells``);
    ``check`` runs after each piece, so a far cell stops the reading."""
    max_row = max_col = 0
    for piece in _whole_tags(path, where, chunks):
        found = _standard_cells(piece)
        if found is None:
            return None
        max_row, max_col = max(max_row, found[0]), max(max_col, found[1])
        check(max_row, max_col)
    return max_row, max_col


def _cell_extent(path: Path, where: str, chunks: Iterable[bytes],
                 check: Callable[[int, int], None]) -> tuple[int, int]:
    """The last row and column of a sheet's cells, read from every cell and row tag as calamine
    places them (a cell without a reference follows the one before it; a row without one
    follows the rows before it); ``check`` runs after each piece, so a far cell stops it."""
    rows_seen = row = col = max_row = max_col = 0
    for piece in _whole_tags(path, where, chunks):
        for tag in _CELL_TAG.finditer(piece):
            ref = _R_ATTR.search(tag.group(2))
            if tag.group(1) == b"row":
                rows_seen += 1
                row = int(ref.group(1)) if ref and ref.group(1).isdigit() else rows_seen
                col = 0
                continue
            cell = _REF.fullmatch(ref.group(1)) if ref else None
            if ref and cell is None:
                continue  # not a cell reference: the reader refuses the file itself
            if cell:
                col, cell_row = _column_number(cell.group(1)), int(cell.group(2))
            else:
                col, cell_row = col + 1, max(row, 1)
            max_row, max_col = max(max_row, cell_row), max(max_col, col)
        check(max_row, max_col)
    return max_row, max_col


def _ods_extents(path: Path, where: str, chunks: Iterable[bytes],
                 check: Callable[[str, int, int], None]) -> None:
    """The used range of each table of an OpenDocument spreadsheet: repeated rows and cells
    count as often as they repeat, empty ones only before a filled one (as calamine reads)."""
    name, row, row_start, row_repeat, col, max_row, max_col = "", 0, 0, 1, 0, 0, 0
    for piece in _whole_tags(path, where, chunks):
        for tag in _ODS_TAG.finditer(piece):
            kind, attrs = tag.group(1), tag.group(2)
            repeat = _ODS_REPEAT.search(attrs)
            times = max(int(repeat.group(1)), 1) if repeat else 1
            if kind == b"table":
                named = _ODS_NAME.search(attrs)
                name = html.unescape((named.group(1) or named.group(2) or b"").decode(
                    "utf-8", "replace")) if named else ""
                row = row_start = col = max_row = max_col = 0
            elif kind == b"table-row":
                row_start, row_repeat, row, col = row, times, row + times, 0
            else:
                if tag.group(3) != b"/" or _ODS_VALUE.search(attrs):
                    max_row = max(max_row, row_start + row_repeat)
                    max_col = max(max_col, col + times)
                    check(name, max_row, max_col)
                col += times


def _guard_workbook(path: Path, infos: list[zipfile.ZipInfo], sheet: str | None) -> None:
    """Refuse, before any reader unpacks it, a zip-based workbook over the limits: members
    declaring or holding too much, or a sheet to be read whose used range is over them,
    counted from the cells themselves, never from the <dimension> a sheet declares (which
    calamine and openpyxl trust). Each XML member is unpacked here once, to verify it."""
    members = {info.filename: info for info in infos}
    seen: set[str] = set()
    with open(path, "rb") as fh:
        def chunks(name: str) -> Iterator[bytes]:
            seen.add(name)
            return _unpacked(fh, members[name], path)

        if "xl/workbook.xml" in members:
            sheets = _xlsx_sheets(members, chunks)
            wanted = [m for m, n in sheets.items() if sheet is None or n == sheet] or list(sheets)
            for member in wanted:
                name, where = sheets[member], f"sheet {sheets[member]!r}"

                def check(rows: int, cols: int, name: str = name) -> None:
                    _check_extent(path, name, rows, cols)

                extent = _standard_extent(path, where, chunks(member), check)
                if extent is None:
                    extent = _cell_extent(path, where, chunks(member), check)
                check(*extent)
        elif "content.xml" in members:
            _ods_extents(path, "content.xml", chunks("content.xml"),
                         lambda n, r, c: _check_extent(path, n, r, c)
                         if sheet is None or n == sheet else None)
        for name, info in members.items():
            if name not in seen and _XML_PART.search(name):
                for _ in _unpacked(fh, info, path):
                    pass


def _xlsx_sheets(members: MappingABC[str, zipfile.ZipInfo],
                 chunks: Callable[[str], Iterator[bytes]]) -> dict[str, str]:
    """Worksheet member -> sheet name, from xl/workbook.xml and its relationships; a member
    under xl/worksheets/ no sheet names is listed under its own name."""
    def text(name: str) -> bytes:
        return b"".join(chunks(name)) if name in members else b""

    targets = {}
    for tag in _REL_TAG.finditer(text("xl/_rels/workbook.xml.rels")):
        attrs = _attrs(tag.group(1))
        target = attrs.get("Target", "")
        targets[attrs.get("Id")] = (target.lstrip("/") if target.startswith("/")
                                    else posixpath.normpath("xl/" + target))
    sheets = {}
    for tag in _SHEET_TAG.finditer(text("xl/workbook.xml")):
        attrs = _attrs(tag.group(1))
        member = targets.get(attrs.get("id"))
        if member in members:
            sheets[member] = attrs.get("name", member)
    for name in members:
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            sheets.setdefault(name, name)
    return sheets


# ---------------------------------------------------------------------------------------------
# workbooks


def _date1904(path: Path) -> bool:
    """Whether an xlsx/xlsm uses the 1904 date system (workbookPr date1904 in xl/workbook.xml,
    which comes before the sheet list)."""
    try:
        with zipfile.ZipFile(path) as zf, zf.open("xl/workbook.xml") as fh:
            return bool(_DATE1904.search(fh.read(1 << 20)))
    except (KeyError, zipfile.BadZipFile, OSError):
        return False


def _sniff_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            mimetype = b""
            if "mimetype" in names:
                with zf.open("mimetype") as fh:
                    mimetype = fh.read(100)
    except zipfile.BadZipFile:
        raise _fail(path, "is a damaged or incomplete zip file, not a readable spreadsheet"
                    ) from None
    if "xl/workbook.xml" in names or b"spreadsheet" in mimetype:
        return
    if "word/document.xml" in names or b"opendocument.text" in mimetype:
        raise _fail(path, "is a word-processor document, not a spreadsheet: save the register as "
                          ".xlsx or .csv")
    if "ppt/presentation.xml" in names:
        raise _fail(path, "is a PowerPoint presentation, not a spreadsheet")
    raise _fail(path, "is a zip archive, not a spreadsheet")


def _sniff_ole2(path: Path, head: bytes) -> None:
    if any(name.encode("utf-16-le") in head for name in ("EncryptionInfo", "EncryptedPackage")):
        raise _fail(path, "is password-protected: open it in Excel, remove the password "
                          "(File > Info > Protect Workbook > Encrypt with Password) and save again")
    if "WordDocument".encode("utf-16-le") in head:
        raise _fail(path, "is a Word document, not a spreadsheet")


def _read_workbook(path: Path, sheet: str | None, header_row: int | None,
                   hints: MappingABC[str, str]) -> RawTable:
    import python_calamine as pc

    try:
        wb = pc.CalamineWorkbook.from_path(str(path))
    except pc.PasswordError:
        raise _fail(path, "is password-protected: remove the password and save again") from None
    except Exception as exc:  # calamine raises several types for a file it cannot parse
        if _suffix(path) in (".xlsx", ".xlsm"):
            return _read_openpyxl(path, sheet, header_row, hints, exc)
        raise _fail(path, f"could not be read as a spreadsheet ({exc})") from None
    with wb:
        names = [m.name for m in wb.sheets_metadata if str(m.typ).endswith("WorkSheet")]
        if sheet is not None:
            if sheet not in wb.sheet_names:
                raise _fail(path, f"has no sheet named {sheet!r} "
                                  f"(sheets: {', '.join(wb.sheet_names)})")
            candidates = [sheet]
        else:
            candidates = names or list(wb.sheet_names)
        if not candidates:
            raise _fail(path, "has no worksheets")

        chosen, best = candidates[0], None
        if len(candidates) > 1:
            for name in candidates:
                try:
                    ws = wb.get_sheet_by_name(name)
                except Exception:  # an odd sheet (chart, macro) is simply not a candidate
                    continue
                _check_sheet(path, name, ws)
                try:
                    top = ws.to_python(skip_empty_area=False, nrows=HEADER_SEARCH_ROWS)
                except Exception:
                    continue
                h, _, headers = find_header(top, hints, header_row=header_row)
                score = _score(headers, hints) if h >= 0 else -1
                if best is None or score > best:
                    chosen, best = name, score
        try:
            ws = wb.get_sheet_by_name(chosen)
        except Exception as exc:
            raise _fail(path, f"sheet {chosen!r} could not be read ({exc})") from None
        _check_sheet(path, chosen, ws)
        try:
            grid = ws.to_python(skip_empty_area=False)
            merged = list(getattr(ws, "merged_cell_ranges", None) or [])
        except Exception as exc:
            raise _fail(path, f"sheet {chosen!r} could not be read ({exc})") from None
    date1904 = _suffix(path) in (".xlsx", ".xlsm") and _date1904(path)
    table = _table_from_grid(path, grid, hints, merged, header_row)
    table.sheet, table.date1904 = chosen, date1904
    return table


def _check_sheet(path: Path, name: str, ws: Any) -> None:
    """The limits on a sheet calamine has read, before its cells become Python objects (an .xls
    holds at most 65,536 x 256 cells; zip-based workbooks were checked before reading)."""
    end = getattr(ws, "end", None)
    if end is not None:
        _check_extent(path, name, end[0] + 1, end[1] + 1)


def _read_openpyxl(path: Path, sheet: str | None, header_row: int | None,
                   hints: MappingABC[str, str], why: Exception) -> RawTable:
    """The fallback for an xlsx calamine rejects (slower; merged cells are not seen)."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:
        raise _fail(path, f"could not be read as a spreadsheet ({why})") from None
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise _fail(path, f"has no sheet named {sheet!r} "
                              f"(sheets: {', '.join(wb.sheetnames)})")
        grids = {}
        for name in [sheet] if sheet is not None else wb.sheetnames:
            ws = wb[name]
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()  # read the cells there are, not the range it declares
            grids[name] = [["" if v is None else v for v in row]
                           for row in ws.iter_rows(min_row=1, min_col=1, values_only=True)]
    finally:
        wb.close()
    chosen = max(grids, key=lambda n: _score(find_header(grids[n], hints,
                                                         header_row=header_row)[2], hints))
    grid = grids[chosen]
    width = max((len(r) for r in grid), default=0)
    grid = [r + [""] * (width - len(r)) for r in grid]
    table = _table_from_grid(path, grid, hints, [], header_row)
    table.sheet, table.date1904 = chosen, _date1904(path)
    return table


def _object_array(rows: list[list[Any]]) -> np.ndarray:
    """A 2-D object array from equal-length rows (pandas' C helper copies pointers only, four
    times faster than numpy, which inspects every cell)."""
    try:
        from pandas._libs.lib import to_object_array
    except ImportError:  # pragma: no cover - a future pandas without the helper
        return np.array(rows, dtype=object)
    return to_object_array(rows)


def _table_from_grid(path: Path, grid: list[list[Any]], hints: MappingABC[str, str],
                     merged: list, header_row: int | None) -> RawTable:
    if not grid or not any(v != "" for row in grid for v in row):
        raise _fail(path, "is empty: no cells with values")
    h, n, headers = find_header(grid, hints, merged, header_row)
    if h < 0:
        where = f"row {header_row}" if header_row else f"the first {HEADER_SEARCH_ROWS} rows"
        raise _fail(path, f"no recognisable header in {where}: no row names the register's "
                          "columns (write a mapping file, see `workbench register map`)")
    body = grid[h + n:]
    width = max(len(headers), len(body[0]) if body else 0)  # calamine rows are rectangular
    arr = _object_array(body) if body else np.empty((0, width), dtype=object)
    if arr.shape[1] < width:  # only the header may be wider
        arr = np.hstack([arr, np.full((len(body), width - arr.shape[1]), None, dtype=object)])
    empty = arr == ""  # calamine gives "" for an empty cell
    arr[empty] = None
    rows = np.arange(h + n + 1, h + n + 1 + len(body), dtype="int64")
    data = pd.DataFrame(arr, dtype=object, copy=False)
    return _finish(path, headers, data, rows, h + 1, present=~empty)


def _finish(path: Path, headers: list[str], data: pd.DataFrame, rows: np.ndarray,
            header_row: int, present: np.ndarray | None = None) -> RawTable:
    """Drop empty rows and unnamed empty columns; name unnamed columns by their letter."""
    width = data.shape[1]
    headers = list(headers) + [""] * (width - len(headers))
    if present is None:
        present = ~pd.isna(data.to_numpy(dtype=object))
    keep_rows = present.any(axis=1)
    keep_cols = [i for i in range(width) if headers[i] or present[:, i].any()]
    if not keep_rows.all() or len(keep_cols) < width:
        data = data.iloc[keep_rows, keep_cols]
    data = data.set_axis(range(len(keep_cols)), axis=1).reset_index(drop=True)
    rows = rows[keep_rows]
    names, seen = [], set()
    for i in keep_cols:
        name = headers[i] or f"(column {_column_letter(i)})"
        while name in seen:  # a repeated header keeps its place but not its spelling
            name = f"{name} ({_column_letter(i)})"
        seen.add(name)
        names.append(name)
    table = RawTable(path=path, headers=names, data=data, rows=rows, header_row=header_row,
                     letters=[_column_letter(i) for i in keep_cols],
                     written=[headers[i] for i in keep_cols])
    if not len(rows):
        table.warnings.append("the register has a header but no data rows")
    return table


# ---------------------------------------------------------------------------------------------
# CSV and text


@dataclass
class Decoded:
    """A text file's content: the text, its encoding and, for a file mixing UTF-8 with
    Windows-1252, the (start, end) character spans of the lines read as Windows-1252."""

    text: str
    encoding: str
    fallback: list[tuple[int, int]] = field(default_factory=list)


MIXED_ENCODING = "utf-8+cp1252"


def decode(raw: bytes) -> Decoded:
    """UTF-8 (with or without BOM), UTF-16 with BOM; a file mixing both UTF-8 and Windows-1252
    lines (rows pasted from several sources) line by line; else Windows-1252 as Excel writes it,
    else whatever charset-normalizer finds best."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Decoded(raw.decode("utf-16"), "utf-16")
    bom = raw.startswith(b"\xef\xbb\xbf")
    body = raw[3:] if bom else raw
    try:
        return Decoded(body.decode("utf-8"), "utf-8-sig" if bom else "utf-8")
    except UnicodeDecodeError:
        pass
    mixed = _decode_lines(body, utf8_seen=bom)
    if mixed is not None:
        return mixed
    try:
        return Decoded(raw.decode("cp1252"), "cp1252")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        match = from_bytes(raw[:200_000]).best()
        encoding = match.encoding if match else "latin-1"
        return Decoded(raw.decode(encoding, errors="replace"), encoding)


def _decode_lines(body: bytes, *, utf8_seen: bool) -> Decoded | None:
    """Each line as UTF-8 where it is valid UTF-8, else as Windows-1252; None when no line shows
    UTF-8 (no BOM and no valid non-ASCII line), so the whole file is one legacy encoding.

    A valid UTF-8 line of non-ASCII text is almost never Windows-1252 by chance, and a line
    break byte never falls inside a UTF-8 character, so lines can be judged one by one.
    """
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in body.split(b"\n"):
        if line.isascii():
            text = line.decode("ascii")
        else:
            try:
                text = line.decode("utf-8")
                utf8_seen = True
            except UnicodeDecodeError:
                text = line.decode("cp1252", errors="replace")
                spans.append((pos, pos + len(text)))
        parts.append(text)
        pos += len(text) + 1
    if not utf8_seen:
        return None
    return Decoded("\n".join(parts), MIXED_ENCODING, spans)


def _record_rows(text: str, spans: list[tuple[int, int]], delimiter: str) -> list[int]:
    """The spreadsheet rows (records as Excel shows them, a quoted line break kept inside its
    cell) holding the given character spans of ``text``."""
    offsets: list[int] = []  # where each physical line starts

    def lines():
        pos = 0
        for line in io.StringIO(text, newline=""):
            offsets.append(pos)
            pos += len(line)
            yield line

    starts: list[int] = []  # where each record starts
    reader = csv.reader(lines(), delimiter=delimiter)
    consumed, end = 0, spans[-1][1]
    for _ in reader:
        starts.append(offsets[consumed])
        consumed = reader.line_num
        if starts[-1] >= end:
            break
    rows: set[int] = set()
    for s, e in spans:
        first, last = bisect.bisect_right(starts, s), bisect.bisect_left(starts, max(e, s + 1))
        rows.update(range(max(first, 1), max(last, first) + 1))
    return sorted(rows)


def mixed_encoding_note(rows: list[int], limit: int = 10) -> str:
    """The warning for a file read partly as Windows-1252, naming its rows."""
    shown = [f"{r:,}" for r in rows[:limit]]
    more = len(rows) - len(shown)
    if more:
        listing = f"{', '.join(shown)} and {more:,} more"
    else:
        listing = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"
    one = len(rows) == 1
    return (f"mixed text encodings: {'row' if one else 'rows'} {listing} "
            f"{'was' if one else 'were'} read as Windows-1252, the rest as UTF-8")


@contextlib.contextmanager
def _csv_fields(size: int) -> Iterator[None]:
    """The csv module's field size limit (128 KiB by default, process-wide) raised to ``size``
    while the block runs: fields are held to the workbench's own limit, with their row and
    column named (``_check_fields``), never by a csv.Error."""
    before = csv.field_size_limit()
    csv.field_size_limit(max(before, size))
    try:
        yield
    finally:
        csv.field_size_limit(before)


def _longest_record(raw: bytes) -> int:
    """At least the length in bytes of the longest record of a delimited text (a line break
    inside double quotes does not end a record; a stray quote only makes records look longer),
    found with numpy a few MiB at a time."""
    longest, last_end, odd, step = 0, -1, 0, 1 << 23
    for pos in range(0, len(raw), step):
        a = np.frombuffer(raw, dtype=np.uint8, count=min(step, len(raw) - pos), offset=pos)
        ends = np.flatnonzero(a == 10)
        quotes = np.flatnonzero(a == 34)
        if len(quotes):
            ends = ends[((np.searchsorted(quotes, ends) + odd) & 1) == 0]
            odd = (odd + len(quotes)) & 1
        if len(ends):
            ends = ends + pos
            longest = max(longest, int(ends[0]) - last_end - 1,
                          int(np.diff(ends).max(initial=1)) - 1)
            last_end = int(ends[-1])
    return max(longest, len(raw) - last_end - 1)


def _long_field(path: Path, records: Iterable[tuple[int, Iterable[Any]]], headers: list[str],
                size: int) -> None:
    """Refuse the first field over the field size limit among (spreadsheet row, fields)."""
    for row, fields in records:
        for i, value in enumerate(fields):
            if isinstance(value, str) and len(value) > size:
                name = headers[i] if i < len(headers) and headers[i] else None
                column = _column_letter(i) + (f" ({name})" if name else "")
                raise _fail(path, limits.limit("field_kb").exceeded(
                    f"row {row}, column {column} holds a field of {len(value):,} characters "
                    f"({len(value) / 1024:,.0f} KiB)"))


def sniff_delimiter(sample: str) -> str:
    """The delimiter giving the most columns consistently over the first lines (quotes kept)."""
    lines = sample.splitlines()[:60]
    best, best_key = ",", (0, 0)
    for delim in DELIMITERS:
        counts = [len(r) for r in csv.reader(lines, delimiter=delim) if any(c.strip() for c in r)]
        if not counts:
            continue
        width = max(set(counts), key=counts.count) if len(counts) > 1 else counts[0]
        key = (counts.count(width) if width > 1 else 0, width)
        if key > best_key:
            best, best_key = delim, key
    return best


def _read_text(path: Path, raw: bytes, header_row: int | None,
               hints: MappingABC[str, str]) -> RawTable:
    decoded = decode(raw)
    text, encoding = decoded.text, decoded.encoding
    if "\x00" in text[:4096]:
        raise _fail(path, "is not a spreadsheet or CSV file (binary content)")
    if not text.strip():
        raise _fail(path, "is empty: no text in the file")
    # the header search never needs more (unless a mapping puts the header far down)
    head = text[: 2_000_000 * (1 + (header_row or 0) // HEADER_SEARCH_ROWS)]
    # pandas reads the bytes themselves where it can (no 4-bytes-a-character copy of the text)
    mixed = None if encoding in _BYTE_ENCODINGS else decoded
    del text, decoded
    delimiter = "\t" if _suffix(path).startswith(".tsv") else sniff_delimiter(head[:100_000])

    # The header search reads the first records with the csv module; pandas reads the rest in C.
    lines: list[str] = []
    source = io.StringIO(head, newline="")
    reader = csv.reader(iter(lambda: lines.append(source.readline()) or lines[-1], ""),
                        delimiter=delimiter)
    top, consumed = [], [0]
    max_columns = limits.value("columns")
    field_size = limits.in_bytes("field_kb")
    with _csv_fields(len(head) + 1):
        try:
            for record in reader:
                if len(record) > max_columns:
                    raise _fail(path, limits.limit("columns").exceeded(
                        f"row {len(top) + 1} has {len(record):,} columns"))
                top.append(record)
                consumed.append(len(lines))
                if len(top) >= max(HEADER_SEARCH_ROWS, (header_row or 0) + 1):
                    break
        except csv.Error as exc:
            raise _fail(path, f"row {len(top) + 1} could not be read as delimited text ({exc})"
                        ) from None
    h, n, headers = find_header(top, hints, None, header_row)
    # the rows down to the header (pandas reads those after it, whole)
    _long_field(path, enumerate(top[:max(h + n, 0)], start=1), headers, field_size)
    if h < 0:
        where = f"row {header_row}" if header_row else f"the first {HEADER_SEARCH_ROWS} rows"
        raise _fail(path, f"no recognisable header in {where}: no row names the register's "
                          "columns (write a mapping file, see `workbench register map`)")
    before = "".join(lines[: consumed[h + n]])
    width = len(headers)
    # the data rows pandas reads: one more than the limits allow shows the file is over them
    allowed = min(limits.value("rows"), limits.value("cells") // max(width, 1))
    if mixed is None:
        bom = 3 if encoding == "utf-8-sig" else 0
        body: io.IOBase = io.BytesIO(raw[bom + len(before.encode(encoding)):])
        read_encoding = "utf-8" if bom else encoding
    else:
        body, read_encoding = io.StringIO(mixed.text[len(before):]), None
    try:
        frame = pd.read_csv(
            body, sep=delimiter, header=None, dtype=object, names=range(width),
            encoding=read_encoding, keep_default_na=False, na_values=[""],
            skip_blank_lines=False, engine="c", index_col=False, nrows=allowed + 1,
        )
    except pd.errors.EmptyDataError:
        frame = pd.DataFrame({i: pd.Series(dtype=object) for i in range(width)})
    except pd.errors.ParserError as exc:
        match = re.search(r"line (\d+), saw (\d+)", str(exc))
        detail = (f"row {int(match.group(1)) + h + n} has {match.group(2)} cells but the header "
                  f"has {width}") if match else str(exc)
        raise _fail(path, f"could not be read as {_DELIM_NAMES[delimiter]}-separated text: "
                          f"{detail}") from None
    if len(frame) > allowed:
        if allowed == limits.value("rows"):
            raise _fail(path, limits.limit("rows").over("has"))
        raise _fail(path, f"has more than {allowed:,} rows of {width:,} columns, "
                          + limits.limit("cells").over("so"))
    if len(raw) > field_size and _longest_record(raw) > field_size:
        _long_field(path, ((h + n + 1 + i, row) for i, row in
                           enumerate(frame.itertuples(index=False, name=None))),
                    headers, field_size)
    # Excel shows one row per record (a quoted newline stays inside its cell)
    rows = np.arange(h + n + 1, h + n + 1 + len(frame), dtype="int64")
    present = np.column_stack([frame[c].notna().to_numpy() for c in frame.columns]) \
        if width else np.zeros((len(frame), 0), dtype=bool)
    table = _finish(path, headers, frame, rows, h + 1, present=present)
    table.encoding, table.delimiter = encoding, delimiter
    if mixed is not None and mixed.fallback:
        with _csv_fields(len(mixed.text) + 1):
            rows_read = _record_rows(mixed.text, mixed.fallback, delimiter)
        table.warnings.append(mixed_encoding_note(rows_read))
    return table


_BYTE_ENCODINGS = ("utf-8", "utf-8-sig", "cp1252")
_DELIM_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


# ---------------------------------------------------------------------------------------------


def read_table(path: str | Path, *, sheet: str | None = None, header_row: int | None = None,
               hints: MappingABC[str, str] | None = None) -> RawTable:
    """Read the register table from ``path``; InputFileError (exit 2) says why it cannot be read.

    ``hints`` maps normalised header spellings to canonical fields for the header search (default:
    the schema's synonyms; a mapping adds its own source headers).
    """
    path = Path(path)
    hints = default_hints() if hints is None else hints
    if not path.exists():
        raise _fail(path, "file not found")
    if path.is_dir():
        raise _fail(path, "is a folder, not a register file")
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 16)
            _check_file_size(path, fh.seek(0, io.SEEK_END))
    except OSError as exc:
        raise _fail(path, f"cannot be opened ({exc.strerror})") from None
    if not head:
        raise _fail(path, "is empty (0 bytes)")
    ext = _suffix(path)
    if head.startswith(b"%PDF"):
        raise _fail(path, "is a PDF, not a spreadsheet: export the register from Excel as .xlsx "
                          "or .csv")
    if head.startswith(_ZIP):
        infos = _check_zip(path)
        _sniff_zip(path)
        _guard_workbook(path, infos, sheet)
        return _read_workbook(path, sheet, header_row, hints)
    if head.startswith(_OLE2):
        _sniff_ole2(path, head)
        return _read_workbook(path, sheet, header_row, hints)
    if head.startswith(_GZIP):
        raw = _gunzip(path)
        if not raw:
            raise _fail(path, "is empty (no data inside the gzip file)")
        return _read_text(path, raw, header_row, hints)
    if ext in WORKBOOK_EXTENSIONS:
        raise _fail(path, f"is not a valid {ext} workbook (the content is not a spreadsheet)")
    if ext not in TEXT_EXTENSIONS:
        raise _fail(path, f"unsupported file type {ext or '(no extension)'!r}: save the register "
                          "as .xlsx, .xls, .ods or .csv")
    return _read_text(path, path.read_bytes(), header_row, hints)
