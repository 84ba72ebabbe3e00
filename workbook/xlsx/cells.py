"""Where every cell of a worksheet sits in the sheet's XML bytes.

``scan_cells`` reads a worksheet part once with expat (which reports byte offsets) and records, for each
``<c>``, the spans of its start tag, formula and cached value, so writers can splice new bytes into the
original text without re-serialising anything.

Cells with no content (no formula, value or inline string: what a formatted but empty cell is) are not
kept unless asked for by reference: a sheet may hold hundreds of thousands of them, and a record each would
make memory grow with the formatting rather than with the cells that hold something. ``prefix`` is the
namespace prefix the cell's tag uses (``b"x:"`` for ``<x:c>``), so writers spell new children the same way.
"""

from __future__ import annotations

import re
import xml.parsers.expat as expat
from dataclasses import dataclass

from workbook.errors import BookError
from workbook.xlsx.package import MAIN_NS, xml_parser
from workbook.xlsx.references import column_letters, column_number

_REF = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]+)$")

@dataclass(slots=True)
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
    prefix: bytes = b""                  # namespace prefix of the tag, b"" or e.g. b"x:"
    style: str | None = None             # s attribute of <c> (index into the cell formats)


_START_TAG = re.compile(rb"""<[^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*>""")


def _tag_end(data: bytes, start: int) -> int:
    """Just after the '>' closing the tag that starts at ``start`` (a '>' inside quotes does not count)."""
    match = _START_TAG.match(data, start)
    if not match:
        raise BookError("unterminated XML tag")
    return match.end()


_NAME_END = re.compile(rb"[\s/>]")


def tag_prefix(data: bytes, start: int, prefixes: dict | None = None) -> bytes:
    """The namespace prefix (with its colon) of the tag starting at ``start``; b"" when unprefixed."""
    end = _NAME_END.search(data, start + 1, start + 200)
    qname = data[start + 1:end.start() if end else start + 1]
    colon = qname.find(b":")
    prefix = qname[:colon + 1] if colon >= 0 else b""
    return prefixes.setdefault(prefix, prefix) if prefixes is not None else prefix


def scan_cells(data: bytes, where: str = "sheet", keep_empty: bool | set = False) -> list[CellSpan]:
    """Every <c> of a worksheet with the byte spans of its parts; cells without content only when
    ``keep_empty`` is True or holds their reference."""
    parser = xml_parser()
    cells: list[CellSpan] = []
    current: list[CellSpan | None] = [None]
    children = [0]
    text: list[str] = []
    in_text = [None]
    prefixes: dict = {}
    position = [0, 0]  # row and column of the last row / cell, for cells that omit their r attribute
    C, F, V, T, ROW = MAIN_NS + "|c", MAIN_NS + "|f", MAIN_NS + "|v", MAIN_NS + "|t", MAIN_NS + "|row"

    def start(name, attrs):
        i = parser.CurrentByteIndex
        cell = current[0]
        if cell is not None:
            children[0] += 1
        if name == ROW:
            r = attrs.get("r")
            position[0] = int(r) if r and r.isdigit() else position[0] + 1
            position[1] = 0
        elif name == C:
            end = _tag_end(data, i)
            ref = attrs.get("r")
            if ref:
                match = _REF.match(ref)
                if not match:
                    raise BookError(f"{where}: a cell has the malformed reference {ref!r}")
                position[1] = column_number(match[1])
            else:  # r is optional (ECMA-376): the cell is the next one of its row
                position[1] += 1
                ref = f"{column_letters(position[1])}{position[0]}"
            cell = CellSpan(ref, (i, end), data[end - 2:end] == b"/>", cell_type=attrs.get("t"),
                            prefix=tag_prefix(data, i, prefixes), style=attrs.get("s"))
            cells.append(cell)
            current[0] = cell
            children[0] = 0
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
            if not children[0] and keep_empty is not True and (not keep_empty or cell.ref not in keep_empty):
                cells.pop()  # nothing inside: not kept (see the module's note)
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
