"""Reading an .xlsx package safely, and finding its sheets and formula cells.

An .xlsx is a zip of XML parts. Everything here refuses what a hostile file could use against a
reader: members that expand past ``MAX_MEMBER_BYTES`` (or a whole package past ``MAX_TOTAL_BYTES``),
XML with a DOCTYPE or entity declarations (billion laughs, external entities), encrypted or legacy
files. XML is parsed with the standard library's expat, which reports byte offsets, so callers can
splice new bytes into the original text without re-serialising anything.
"""

from __future__ import annotations

import posixpath
import re
import xml.parsers.expat as expat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from workbook.errors import BookError

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
WORKSHEET_TYPE = REL_NS + "/worksheet"
MAX_MEMBER_BYTES = 256 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and encrypted (password-protected) .xlsx


class UnsafeXML(BookError):
    pass


def xml_parser():
    parser = expat.ParserCreate(namespace_separator="|")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(*_):
        raise UnsafeXML("XML with a DOCTYPE or entity declarations is refused")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    return parser


def parse_xml(data: bytes, start=None, end=None, where: str = "") -> None:
    parser = xml_parser()
    if start:
        parser.StartElementHandler = start
    if end:
        parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise BookError(f"{where} is not well-formed XML ({error})") from None


def open_package(path: str | Path) -> zipfile.ZipFile:
    """The zip of a workbook, or a BookError saying in one line why it is not one we can read."""
    path = Path(path)
    if not path.exists():
        raise BookError(f"{path}: no such file")
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head == OLE_MAGIC:
        raise BookError(f"{path}: a legacy .xls or password-protected workbook; save it as an unprotected .xlsx/.xlsm")
    try:
        package = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise BookError(f"{path}: not an .xlsx workbook (not a zip file, or truncated)") from None
    total = 0
    for info in package.infolist():
        if info.flag_bits & 0x1:
            raise BookError(f"{path}: encrypted zip member {info.filename}")
        if info.file_size > MAX_MEMBER_BYTES:
            raise BookError(f"{path}: member {info.filename} expands to {info.file_size:,} bytes, over the "
                            f"{MAX_MEMBER_BYTES:,}-byte limit")
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise BookError(f"{path}: members expand to {total:,} bytes, over the {MAX_TOTAL_BYTES:,}-byte limit")
    if "[Content_Types].xml" not in package.namelist():
        raise BookError(f"{path}: not an .xlsx workbook (no [Content_Types].xml)")
    return package


def read_member(package: zipfile.ZipFile, name: str) -> bytes:
    try:
        info = package.getinfo(name)
    except KeyError:
        raise BookError(f"{package.filename}: the workbook has no part {name}") from None
    # Read at most the declared size plus one byte: a member lying about its size cannot balloon.
    with package.open(info) as stream:
        data = stream.read(MAX_MEMBER_BYTES + 1)
    if len(data) > MAX_MEMBER_BYTES:
        raise BookError(f"{package.filename}: member {name} expands past the {MAX_MEMBER_BYTES:,}-byte limit")
    return data


def workbook_part(package: zipfile.ZipFile) -> str:
    found = []

    def start(name, attrs):
        if name == PACKAGE_REL_NS + "|Relationship" and attrs.get("Type", "").endswith("/officeDocument"):
            found.append(attrs["Target"].lstrip("/"))

    parse_xml(read_member(package, "_rels/.rels"), start, where="_rels/.rels")
    return found[0] if found else "xl/workbook.xml"


def sheet_parts(package: zipfile.ZipFile) -> dict[str, str]:
    """{sheet name: zip member of its XML}, in workbook order (chart sheets left out)."""
    book = workbook_part(package)
    folder = posixpath.dirname(book)
    rels_name = posixpath.join(folder, "_rels", posixpath.basename(book) + ".rels")
    targets = {}

    def rel(name, attrs):
        if name == PACKAGE_REL_NS + "|Relationship" and attrs.get("Type") == WORKSHEET_TYPE:
            target = attrs["Target"]
            targets[attrs["Id"]] = (target.lstrip("/") if target.startswith("/")
                                    else posixpath.normpath(posixpath.join(folder, target)))

    parse_xml(read_member(package, rels_name), rel, where=rels_name)
    sheets = {}

    def sheet(name, attrs):
        if name == MAIN_NS + "|sheet" and attrs.get(REL_NS + "|id") in targets:
            sheets[attrs["name"]] = targets[attrs[REL_NS + "|id"]]

    parse_xml(read_member(package, book), sheet, where=book)
    return sheets


_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]+)$")


def column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(n: int) -> str:
    text = ""
    while n:
        n, r = divmod(n - 1, 26)
        text = chr(65 + r) + text
    return text


def split_cell(ref: str) -> tuple[int, int]:
    """'B21' -> (21, 2)."""
    match = _CELL.match(ref)
    if not match:
        raise BookError(f"bad cell reference {ref!r}")
    return int(match[2]), column_number(match[1])


def range_cells(ref: str) -> list[str]:
    """'B21:C22' -> ['B21', 'C21', 'B22', 'C22']."""
    first, _, last = ref.partition(":")
    r1, c1 = split_cell(first)
    r2, c2 = split_cell(last or first)
    return [f"{column_letters(c)}{r}" for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


@dataclass
class CellSpan:
    """Where one <c> element sits in the sheet's bytes."""

    ref: str
    tag: tuple[int, int]                 # the start tag <c ...> or <c .../>
    self_closing: bool
    formula: str | None = None           # the <f> text, None for a value cell
    formula_type: str | None = None      # t attribute of <f>: 'array', 'shared' or None
    formula_ref: str | None = None       # ref attribute of <f> (array range)
    shared_index: str | None = None      # si attribute of a shared formula
    formula_start: int | None = None     # the < of <f ...>
    formula_end: int | None = None       # just after </f> or <f/>
    value_tag: tuple[int, int] | None = None   # the start tag <v> (or <v/>)
    value_end: int | None = None         # just after </v> (or <v/>)
    cell_type: str | None = None         # t attribute of <c>
    value_text: str | None = None


_START_TAG = re.compile(rb"""<[^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*>""")


def _tag_end(data: bytes, start: int) -> int:
    """Just after the '>' closing the tag that starts at ``start`` (a '>' inside quotes does not count)."""
    match = _START_TAG.match(data, start)
    if not match:
        raise BookError("unterminated XML tag")
    return match.end()


def scan_cells(data: bytes, where: str = "sheet") -> list[CellSpan]:
    """Every <c> of a worksheet with the byte spans of its parts."""
    parser = xml_parser()
    cells: list[CellSpan] = []
    current: list[CellSpan | None] = [None]
    text: list[str] = []
    in_text = [None]
    C, F, V, T = MAIN_NS + "|c", MAIN_NS + "|f", MAIN_NS + "|v", MAIN_NS + "|t"

    def start(name, attrs):
        i = parser.CurrentByteIndex
        cell = current[0]
        if name == C:
            end = _tag_end(data, i)
            cell = CellSpan(attrs.get("r", ""), (i, end), data[end - 2:end] == b"/>", cell_type=attrs.get("t"))
            cells.append(cell)
            current[0] = cell
        elif cell is not None and name == F:
            end = _tag_end(data, i)
            cell.formula, cell.formula_type, cell.formula_ref = "", attrs.get("t"), attrs.get("ref")
            cell.shared_index = attrs.get("si")
            cell.formula_start = i
            if data[end - 2:end] == b"/>":
                cell.formula_end = end
            in_text[0], text[:] = "f", []
        elif cell is not None and name == V:
            end = _tag_end(data, i)
            cell.value_tag = (i, end)
            if data[end - 2:end] == b"/>":
                cell.value_end = end
                cell.value_text = ""
            in_text[0], text[:] = "v", []
        elif cell is not None and name == T and cell.cell_type == "inlineStr":
            if cell.value_text is None:
                cell.value_text = ""
            in_text[0], text[:] = "t", []

    def end(name):
        i = parser.CurrentByteIndex
        cell = current[0]
        if name == C:
            current[0] = None
        elif cell is not None and name == F:
            if cell.formula_end is None:
                cell.formula_end = data.index(b">", i) + 1
            cell.formula = "".join(text)
            in_text[0] = None
        elif cell is not None and name == V:
            if cell.value_end is None:
                cell.value_end = data.index(b">", i) + 1
            cell.value_text = "".join(text)
            in_text[0] = None
        elif cell is not None and name == T and in_text[0] == "t":
            cell.value_text += "".join(text)  # an inline string's text runs, joined
            in_text[0] = None

    def characters(chunk):
        if in_text[0]:
            text.append(chunk)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise BookError(f"{where} is not well-formed XML ({error})") from None
    return cells


def defined_names(package: zipfile.ZipFile) -> dict[str, tuple[str, str]]:
    """Workbook-level defined names that point at one cell or range: {name: (sheet, 'C5' or 'C5:G5')}."""
    book = workbook_part(package)
    names: dict[str, tuple[str, str]] = {}
    current: list = [None, []]

    def start(name, attrs):
        if name == MAIN_NS + "|definedName" and "localSheetId" not in attrs:
            current[0], current[1] = attrs.get("name"), []

    def end(name):
        if name == MAIN_NS + "|definedName" and current[0]:
            text = "".join(current[1]).strip().lstrip("=")
            sheet, _, ref = text.rpartition("!")
            sheet = sheet.strip("'").replace("''", "'")
            if sheet and _CELL.match(ref.split(":")[0]):
                names[current[0]] = (sheet, ref.replace("$", ""))
            current[0] = None

    parser = xml_parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = lambda chunk: current[1].append(chunk) if current[0] else None
    try:
        parser.Parse(read_member(package, book), True)
    except expat.ExpatError as error:
        raise BookError(f"{book} is not well-formed XML ({error})") from None
    return names


def shared_strings(package: zipfile.ZipFile) -> list[str]:
    """The shared-string table (cells of type s hold an index into it)."""
    name = posixpath.join(posixpath.dirname(workbook_part(package)), "sharedStrings.xml")
    if name not in package.namelist():
        return []
    strings: list[str] = []
    state = {"in_si": False, "in_t": False, "parts": []}

    def start(tag, attrs):
        if tag == MAIN_NS + "|si":
            state["in_si"], state["parts"] = True, []
        elif tag == MAIN_NS + "|t" and state["in_si"]:
            state["in_t"] = True
        elif tag == MAIN_NS + "|rPh":  # phonetic runs are not part of the text
            state["in_si"] = state["in_si"] and "skip"

    def end(tag):
        if tag == MAIN_NS + "|si":
            strings.append("".join(state["parts"]))
            state["in_si"] = False
        elif tag == MAIN_NS + "|t":
            state["in_t"] = False
        elif tag == MAIN_NS + "|rPh" and state["in_si"] == "skip":
            state["in_si"] = True

    parser = xml_parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = lambda chunk: state["parts"].append(chunk) if state["in_t"] and state["in_si"] is True \
        else None
    try:
        parser.Parse(read_member(package, name), True)
    except expat.ExpatError as error:
        raise BookError(f"{name} is not well-formed XML ({error})") from None
    return strings


_SCANS: dict = {}


def scan_workbook(path) -> dict[str, list[CellSpan]]:
    """{sheet: its cells} for the file at ``path``; kept for the file as it is now (same size and
    modification time), since one refresh reads the same sheets several times."""
    path = Path(path)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _SCANS:
        with open_package(path) as package:
            scanned = {sheet: scan_cells(read_member(package, part), sheet)
                       for sheet, part in sheet_parts(package).items()}
        _SCANS.clear()  # one workbook at a time is enough, and keeps memory flat over many books
        _SCANS[key] = scanned
    return _SCANS[key]
