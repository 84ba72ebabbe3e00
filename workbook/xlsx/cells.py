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
    tag_start: int                       # the start tag <c ...> or <c .../>: its '<'
    tag_end: int                         # and just after its '>'
    self_closing: bool
    formula: str | None = None           # the <f> text, None for a value cell
    formula_type: str | None = None      # t attribute of <f>: 'array', 'shared' or None
    formula_ref: str | None = None       # ref attribute of <f> (array range)
    shared_index: str | None = None      # si attribute of a shared formula
    formula_start: int | None = None     # the < of <f ...>
    formula_end: int | None = None       # just after </f> or <f/>
    value_start: int | None = None       # the '<' of <v> (or <v/>)
    value_tag_end: int | None = None     # just after the '>' of that start tag
    value_end: int | None = None         # just after </v> (or <v/>)
    cell_type: str | None = None         # t attribute of <c>
    value_text: str | None = None
    prefix: bytes = b""                  # namespace prefix of the tag, b"" or e.g. b"x:"
    style: str | None = None             # s attribute of <c> (index into the cell formats)

    # Offsets are kept as plain ints (no tuples): a sheet may hold a million cells.
    @property
    def tag(self) -> tuple[int, int]:
        return self.tag_start, self.tag_end

    @property
    def value_tag(self) -> tuple[int, int] | None:
        return None if self.value_start is None else (self.value_start, self.value_tag_end)


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
    # A <c> just opened: (its start, r, t, s, column if it has no r). Its record is made only once it
    # turns out to hold something (a child element) or is asked for; empty cells cost nothing more.
    pending: list = [None]
    text: list[str] = []
    in_text = [None]
    prefixes: dict = {}
    # Where a cell without an r attribute sits: the row, the last explicit r of the row and how many
    # cells came after it.
    position = [0, None, 0]
    C, F, V, T, ROW = MAIN_NS + "|c", MAIN_NS + "|f", MAIN_NS + "|v", MAIN_NS + "|t", MAIN_NS + "|row"

    def implied_ref(after: str | None, offset: int) -> str:
        column = offset
        if after is not None:
            match = _REF.match(after)
            if not match:
                raise BookError(f"{where}: a cell has the malformed reference {after!r}")
            column += column_number(match[1])
        return f"{column_letters(column)}{position[0]}"

    def materialise() -> CellSpan:
        i, ref, kind, style, after, offset = pending[0]
        if ref is None:  # r is optional (ECMA-376): the cell is the next one of its row
            ref = implied_ref(after, offset)
        elif not _REF.match(ref):
            raise BookError(f"{where}: a cell has the malformed reference {ref!r}")
        end = _tag_end(data, i)
        cell = CellSpan(ref, i, end, data[end - 2:end] == b"/>", cell_type=kind,
                        prefix=tag_prefix(data, i, prefixes), style=style)
        cells.append(cell)
        pending[0] = None
        current[0] = cell
        return cell

    def start(name, attrs):
        i = parser.CurrentByteIndex
        if name == C:
            ref = attrs.get("r")
            if ref:
                position[1], position[2] = ref, 0
            else:
                position[2] += 1
            pending[0] = (i, ref, attrs.get("t"), attrs.get("s"), position[1], position[2])
            return
        if name == ROW:
            r = attrs.get("r")
            position[0] = int(r) if r and r.isdigit() else position[0] + 1
            position[1], position[2] = None, 0
            return
        cell = materialise() if pending[0] is not None else current[0]
        if cell is None:
            return
        if name == F:
            end = _tag_end(data, i)
            cell.formula, cell.formula_type, cell.formula_ref = "", attrs.get("t"), attrs.get("ref")
            cell.shared_index = attrs.get("si")
            cell.formula_start = i
            if data[end - 2:end] == b"/>":
                cell.formula_end = end
            in_text[0], text[:] = "f", []
        elif name == V:
            end = _tag_end(data, i)
            cell.value_start, cell.value_tag_end = i, end
            if data[end - 2:end] == b"/>":
                cell.value_end = end
                cell.value_text = ""
            in_text[0], text[:] = "v", []
        elif name == T and cell.cell_type == "inlineStr":
            if cell.value_text is None:
                cell.value_text = ""
            in_text[0], text[:] = "t", []

    def end(name):
        cell = current[0]
        if name == C:
            if pending[0] is not None:  # nothing inside
                if keep_empty is True or (keep_empty and (pending[0][1] or implied_ref(*pending[0][4:]))
                                          in keep_empty):
                    materialise()
                pending[0] = None
            current[0] = None
            return
        if cell is None:
            return
        i = parser.CurrentByteIndex
        if name == F:
            if cell.formula_end is None:
                cell.formula_end = data.index(b">", i) + 1
            cell.formula = "".join(text)
            in_text[0] = None
        elif name == V:
            if cell.value_end is None:
                cell.value_end = data.index(b">", i) + 1
            cell.value_text = "".join(text)
            in_text[0] = None
        elif name == T and in_text[0] == "t":
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
