"""Where every cell of a worksheet sits in the sheet's XML bytes.

``scan_cells`` reads a worksheet part once with expat (which reports byte offsets) and records, for each
``<c>``, the spans of its start tag, formula and cached value, so writers can splice new bytes into the
original text without re-serialising anything.
"""

from __future__ import annotations

import re
import xml.parsers.expat as expat
from dataclasses import dataclass

from workbook.errors import BookError
from workbook.xlsx.package import MAIN_NS, xml_parser

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
