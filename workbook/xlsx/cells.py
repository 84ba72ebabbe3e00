"""Where every cell of a worksheet sits in the sheet's XML bytes.

``scan_cells`` records, for each ``<c>`` of a worksheet part, the spans of its start tag, formula and cached
value, so writers can splice new bytes into the original text without re-serialising anything. It reads a
part one of two ways, with the same records from both:

- the fast path (``_scan_plain``): one regular expression over the ``<sheetData>``, for sheets written the
  ordinary way (unprefixed tags, double-quoted attributes, an ``r`` on every cell, children ``<f>``,
  ``<v>``, ``<is>`` with nothing between them); the part must be read whole by it, or it declines. Expat
  still checks the part is well-formed, with no callbacks;
- the expat path (``_scan_with_expat``, which reports byte offsets through callbacks): any other part, and
  the errors a malformed one raises.

Cells with no content (no formula, value or inline string: what a formatted but empty cell is) are not
kept unless asked for by reference: a sheet may hold hundreds of thousands of them, and a record each would
make memory grow with the formatting rather than with the cells that hold something. ``prefix`` is the
namespace prefix the cell's tag uses (``b"x:"`` for ``<x:c>``), so writers spell new children the same way.
"""

from __future__ import annotations

import contextlib
import gc
import re
import xml.parsers.expat as expat
from dataclasses import dataclass

import numpy as np

from workbook.errors import BookError
from workbook.xlsx.formula_columns import (NO_FORMULA_CELLS, FormulaCells, find_formula_cells, find_shared_cells,
                                           merged)
from workbook.xlsx.number_cells import NumberCells, find_number_cells, parse_decimals, tags_of
from workbook.xlsx.package import MAIN_NS, xml_parser
from workbook.xlsx.references import (KEY_COLUMNS, LONGEST_PLAIN, cell_keys, column_letters, column_number,
                                      spans_positions, split_cell)

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


# The fast path. Sheets as spreadsheet programs and libraries write them are a <sheetData> of rows whose
# cells one regular expression reads whole: unprefixed tags, double-quoted attributes, an r on every cell and
# children <f>, <v> or <is> of a known shape with nothing between them. It runs over the part decoded as
# Latin-1, so string offsets are byte offsets (text that is not ASCII is decoded as UTF-8 again field by
# field); a cell's offsets are where its match starts plus the lengths of its parts (one call a cell).
_NAME = r"(?!xmlns)[A-Za-z_][\w.:-]*"                       # no namespace declarations
_OTHER = r'\s+' + _NAME + r'="[^"]*"'                       # an attribute the scan does not read
_VALUE = r'"([\x20\x21\x23-\x25\x27-\x3b\x3d-\x7e]*)"'      # printable ASCII but " & <: taken as written
_GAP = r'(?:\s++|<row(?:' + _OTHER + r')*+\s*+/?>|</row\s*+>)*+'   # what may lie between cells
_RUN_TAGS = ("r|rPr|phoneticPr|rFont|charset|family|b|i|strike|outline|shadow|condense|extend|color|sz|u|"
             "vertAlign|scheme")                            # elements of an <is> besides <t> (not <rPh>)


def _t(text: str) -> str:
    """A <t> of an inline string, its text matched by ``text``."""
    return r'<t(?:' + _OTHER + r')*+\s*+(?:/>|>' + text + r'</t\s*+>)'


# Groups: the start tag (r, s, t, the / of <c/>); unless self-closing, <f> (t, ref, si, text), <v> (text)
# and <is> (its runs), each empty when absent; then </c>. It begins with a literal '<c', so a search skips
# to the next cell directly; what lies between two cells is checked apart (rows and white space only).
_PLAIN_CELL = re.compile(
    r'(<c(?:\s+(?:r="(\$?[A-Z]{1,3}\$?[0-9]+)"|s=' + _VALUE + r'|t=' + _VALUE
    + r'|(?![rst]=)' + _NAME + r'="[^"]*"))*+\s*+(?:(?P<slash>/)>|>))'
    + r'(?(slash)|((?:<f(?:\s+(?:t=' + _VALUE + r'|ref=' + _VALUE + r'|si=' + _VALUE
    + r'|(?!(?:t|ref|si)=)' + _NAME + r'="[^"]*"))*+\s*+(?:/>|>([^<]*+)</f>))?+)'
    + r'((?:<v\s*+/>|<v>([^<]*+)</v>)?+)'
    + r'((?:<is\s*+/>|<is>((?:[^<]++|' + _t(r'[^<]*+') + r'|</?(?:' + _RUN_TAGS + r')(?:' + _OTHER
    + r')*+\s*+/?>)*+)</is>)?+)</c>)', re.ASCII)
_GAP_ONLY = re.compile(_GAP, re.ASCII)
_RUN_TEXT = re.compile(_t(r'([^<]*+)'), re.ASCII)           # one <t> of an inline string: its text
_OUTSIDE_CELL = re.compile(rb"<(?:[^\s/<>:]*:)?c[\s/>]")      # a <c> tag, with any prefix
_ENTITY = re.compile(r"&(?:#x([0-9A-Fa-f]+)|#([0-9]+)|([a-z]+));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_DEFAULT_DECLARATION = re.compile(rb"xmlns\s*=")               # a default namespace declared (spaces allowed)
_DEFAULT_NS = re.compile(rb'\sxmlns="' + re.escape(MAIN_NS.encode()) + rb'"')


def _entity(match: re.Match) -> str:
    hexadecimal, decimal, name = match.groups()
    if name is not None:
        return _NAMED.get(name, match[0])    # any other name fails the well-formedness check
    try:
        return chr(int(hexadecimal, 16) if hexadecimal is not None else int(decimal))
    except (ValueError, OverflowError):    # so does a number that is no character
        return match[0]


def _xml_text(text: str) -> str:
    """Character data as expat reports it: UTF-8 decoded, line ends normalised, references replaced."""
    if not text.isascii():
        text = text.encode("latin-1").decode("utf-8", "replace")   # bad UTF-8 fails the check too
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text:
        text = _ENTITY.sub(_entity, text)
    return text


def _sheet_data(data: bytes) -> tuple[int, int] | None:
    """Where the content of the part's <sheetData> lies, when the part around it is plain: an XML
    declaration at most, no comments, CDATA, DOCTYPE or other processing instructions, the main namespace
    declared as the default on the root and nowhere else before the <sheetData>, and no <c> outside it.
    (Inside, the cell expression itself admits none of these.)"""
    first = data.find(b"<?")
    if first > 3 or (first >= 0 and not data.startswith(b"<?xml ", first)):
        return None
    at = data.find(b"<sheetData")
    if at < 0 or data[at + 10:at + 11] not in b" \t\r\n/>":
        return None
    if data.find(b"<!", 0, at) >= 0 or (first >= 0 and data.find(b"<?", first + 2, at) >= 0):
        return None
    root = _START_TAG.match(data, data.find(b"<", data.find(b"?>", first) + 2 if first >= 0 else 0))
    if (root is None or b"'" in root.group() or not _DEFAULT_NS.search(root.group())
            or len(_DEFAULT_DECLARATION.findall(data, 0, at)) != 1
            or _OUTSIDE_CELL.search(data, 0, at)):
        return None
    tag = _START_TAG.match(data, at)
    if tag is None or b"xmlns" in tag.group():
        return None
    start = tag.end()
    if data[start - 2:start] == b"/>":
        stop = start
    else:
        stop = data.find(b"</sheetData", start)
        if stop < 0:
            return None
    if data.find(b"<!", stop) >= 0 or data.find(b"<?", stop) >= 0 or _OUTSIDE_CELL.search(data, stop):
        return None
    return start, stop


def _scan_plain(data: bytes, keep_empty: bool | set = False) -> list[CellSpan] | None:
    """``scan_cells`` by one regular expression, or None when the part holds anything it does not read
    (then the expat path reads it). The part is still checked by expat for well-formedness; a malformed
    one gives None too, so that the expat path raises its error."""
    region = _sheet_data(data)
    if region is None:
        return None
    start, stop = region
    with _collector_paused():
        cells = _plain_cells(data.decode("latin-1"), start, stop, _escaped(data, start, stop), keep_empty)
    return cells if cells is not None and _well_formed(data) else None


def _escaped(data: bytes, start: int, stop: int) -> bool:
    """Whether any text in data[start:stop] may need decoding beyond Latin-1 as it stands (references, line
    ends, UTF-8). (Read in place: a copy of a large sheet's bytes would add to the scan's peak memory.)"""
    return (data.find(b"&", start, stop) >= 0 or data.find(b"\r", start, stop) >= 0
            or (stop > start and int(np.frombuffer(data, dtype=np.uint8, count=stop - start, offset=start).max()) >= 0x80))


@contextlib.contextmanager
def _collector_paused():
    """The records hold no cycles: the collector, which would walk them again and again as they pile up,
    waits until they are made."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _well_formed(data: bytes) -> bool:
    """Expat's check, with no callbacks; a part that fails it goes to the expat path, which names the error."""
    try:
        xml_parser().Parse(data, True)
    except expat.ExpatError:
        return False
    return True


def _plain_cells(text: str, start: int, stop: int, escaped: bool,
                 keep_empty: bool | set) -> list[CellSpan] | None:
    """The records of the cells in ``text[start:stop]`` (the <sheetData> content), or None when anything
    there is not read by the cell expression."""
    return _plain_cells_in(text, [(start, stop)], escaped, keep_empty)


def _plain_cells_in(text: str, regions: list, escaped: bool, keep_empty: bool | set) -> list[CellSpan] | None:
    """``_plain_cells`` of each (start, stop) of ``regions`` in turn, the records of all in one list (each
    region is cells and the rows and white space between them, read whole)."""
    keep_all = keep_empty is True
    names: dict = {}          # one string for each style and type
    intern = names.setdefault
    cells: list[CellSpan] = []
    append = cells.append
    gap = _GAP_ONLY.fullmatch
    new = object.__new__
    for start, stop in regions:
        at = start                # where the cell just read ends, from the lengths of its parts
        match = None
        for match in _PLAIN_CELL.finditer(text, start, stop):
            (tag, ref, style, kind, slash, formula_tag, formula_type, formula_ref, shared_index, formula,
             value_tag, value, inline, runs) = match.groups()
            tag_start = match.start()
            if tag_start != at and (tag_start < at or not gap(text, at, tag_start)) or ref is None:
                return None
            at = tag_end = tag_start + len(tag)
            if formula_tag:
                at += len(formula_tag)
                formula_start, formula_end = tag_end, at
                if formula is None:
                    formula = ""
                elif escaped and (not formula.isascii() or "&" in formula or "\r" in formula):
                    formula = _xml_text(formula)
                if formula_type is not None:
                    formula_type = intern(formula_type, formula_type)
            elif value_tag or inline:
                formula_start = formula_end = formula = formula_type = formula_ref = shared_index = None
            else:                 # no content: <c .../> or <c ...></c>
                if slash is None:
                    at += 4
                if keep_all or (keep_empty and ref in keep_empty):
                    append(CellSpan(ref, tag_start, tag_end, slash is not None, None, None, None, None, None, None,
                                    None, None, None, kind if kind is None else intern(kind, kind), None, b"",
                                    style if style is None else intern(style, style)))
                continue
            if value_tag:
                if inline:
                    return None
                value_start = at
                at += len(value_tag)
                if value is None:
                    value = ""
                    value_tag_end = at
                else:
                    value_tag_end = value_start + 3
                    if escaped and (not value.isascii() or "&" in value or "\r" in value):
                        value = _xml_text(value)
                value_end = at
            else:
                value_start = value_tag_end = value_end = value = None
                if inline:
                    at += len(inline)
                    if runs and kind == "inlineStr":
                        texts = _RUN_TEXT.findall(runs)
                        if texts:
                            value = "".join(map(_xml_text, texts) if escaped else texts)
            at += 4               # </c>
            # The record's every field set in place: what CellSpan(...) does, without the call of __init__.
            cell = new(CellSpan)
            cell.ref = ref
            cell.tag_start = tag_start
            cell.tag_end = tag_end
            cell.self_closing = False
            cell.formula = formula
            cell.formula_type = formula_type
            cell.formula_ref = formula_ref
            cell.shared_index = shared_index
            cell.formula_start = formula_start
            cell.formula_end = formula_end
            cell.value_start = value_start
            cell.value_tag_end = value_tag_end
            cell.value_end = value_end
            cell.cell_type = kind if kind is None else intern(kind, kind)
            cell.value_text = value
            cell.prefix = b""
            cell.style = style if style is None else intern(style, style)
            append(cell)
        # After the last cell (whose end the lengths must have found), rows and white space only.
        if (match is not None and match.end() != at) or not gap(text, at, stop):
            return None
    return cells


@dataclass(slots=True)
class SheetCells:
    """A sheet's cells with its plain number cells (most of a large sheet) kept as columns rather than a
    record each: ``records`` holds every other cell in sheet order, ``numbers`` where each number cell lies
    in ``data`` (``workbook.xlsx.number_cells.NumberCells``). Their references, texts and s attributes
    (as written, '' or ' s="4"') are read from the bytes when asked for; ``all_records`` gives what
    ``scan_cells`` gives."""

    records: list
    numbers: NumberCells = None
    data: bytes = b""                    # the part
    _text: str = None
    _values: np.ndarray = None
    _refs: list = None
    _keys: np.ndarray = None
    _positions: tuple = None
    formulas: FormulaCells = None
    _formula_refs: list = None
    _repeated: bool = None
    _formula_places: tuple = None

    def __post_init__(self):
        if self.numbers is None:
            self.numbers = NO_NUMBER_CELLS
        if self.formulas is None:
            self.formulas = NO_FORMULA_CELLS

    @property
    def formula_count(self) -> int:
        return len(self.formulas.starts)

    @property
    def formula_refs(self) -> list[str]:
        if self._formula_refs is None:
            self._formula_refs = self._spans(self.formulas.ref_starts, self.formulas.ref_lengths)
        return self._formula_refs

    @property
    def formula_texts(self) -> list[str]:
        return self._spans(self.formulas.formula_starts, self.formulas.formula_lengths)

    @property
    def formula_values(self) -> list[str]:
        """The formula cells' cached values as written (numbers: they have no t attribute)."""
        return self._spans(self.formulas.value_starts, self.formulas.value_lengths)

    @property
    def formula_indices(self) -> list[str]:
        """The si attribute of each shared formula's other cell, '' for a cell with a formula of its own."""
        return self._spans(self.formulas.index_starts, self.formulas.index_lengths)

    def formula_positions(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(rows, columns) of the formula cells kept as columns, read from the references' bytes; None when
        a reference is too long to read so. Read once."""
        if self._formula_places is None:
            found = self.formulas
            places = None
            if len(found.starts) and found.ref_lengths.max() <= LONGEST_PLAIN:  # (a row fits in int64)
                places = spans_positions(np.frombuffer(self.data, dtype=np.uint8), found.ref_starts,
                                         found.ref_lengths)
            self._formula_places = places or False
        return self._formula_places or None

    @property
    def formula_styles(self) -> list[str]:
        return self._spans(self.formulas.ref_starts + self.formulas.ref_lengths + 1, self.formulas.style_lengths)

    @property
    def number_count(self) -> int:
        return len(self.numbers.starts)

    def _decoded(self) -> str:
        if self._text is None:
            self._text = self.data.decode("latin-1")
        return self._text

    def _spans(self, starts: np.ndarray, lengths: np.ndarray) -> list[str]:
        text = self._decoded()
        return [text[a:b] for a, b in zip(starts.tolist(), (starts + lengths).tolist())]

    @property
    def number_refs(self) -> list[str]:
        if self._refs is None:
            self._refs = self._spans(self.numbers.ref_starts, self.numbers.ref_lengths)
        return self._refs

    @property
    def number_texts(self) -> list[str]:
        return self._spans(self.numbers.value_starts, self.numbers.value_lengths)

    @property
    def number_styles(self) -> list[str]:
        return self._spans(self.numbers.ref_starts + self.numbers.ref_lengths + 1, self.numbers.style_lengths)

    def number_values(self) -> np.ndarray:
        """The number cells' values as float64, read once (the check and the engine both need them);
        ValueError for a text float() does not read."""
        if self._values is None:
            self._values = parse_decimals(self.data, self.numbers.value_starts, self.numbers.value_lengths,
                                          self._decoded())
        return self._values

    def number_positions(self) -> tuple[np.ndarray, np.ndarray]:
        """(rows, columns) of the number cells, as int64 arrays, read from the references' bytes (every
        reference is followed by at least '"><v>0</v></c>' in the part, so each read stays inside it);
        OverflowError for a row past int64. Read once (the engine and ``number_cell_at`` both ask)."""
        if self._positions is None:
            self._positions = self._read_positions()
        return self._positions

    def _read_positions(self) -> tuple[np.ndarray, np.ndarray]:
        found = spans_positions(np.frombuffer(self.data, dtype=np.uint8), self.numbers.ref_starts,
                                self.numbers.ref_lengths) if self.number_count else None
        if found is None and self.number_count:  # a row of more than 9 digits: one by one, as Python reads them
            pairs = list(map(split_cell, self.number_refs))
            return (np.array([r for r, _ in pairs], dtype=np.int64), np.array([c for _, c in pairs], dtype=np.int64))
        return found or (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))

    def number_cell_at(self, refs: list[str]) -> bool:
        """Whether a plain number cell has one of ``refs`` (a cell written twice), read from positions."""
        if not self.number_count or not refs:
            return False
        keys = self._number_keys()
        found = cell_keys(refs) if keys is not None else None
        if found is None:
            return not set(refs).isdisjoint(self.number_refs)
        at = np.minimum(np.searchsorted(keys, found), len(keys) - 1)
        return bool((keys[at] == found).any())

    def _number_keys(self) -> np.ndarray | None:
        """The number cells' ``cell_keys``, sorted; None when a reference is too long to key."""
        if self._keys is None:
            if self.numbers.ref_lengths.max() > LONGEST_PLAIN:
                return None                  # (a longer row might not fit a key in int64)
            rows, cols = self.number_positions()
            keys = rows * KEY_COLUMNS + cols
            self._keys = keys if (keys[1:] > keys[:-1]).all() else np.unique(keys)
        return self._keys

    def formula_cell_repeated(self) -> bool:
        """Whether a formula cell kept as columns shares its reference with another one or with a plain
        number cell (a cell written twice), read from positions; read once."""
        if self._repeated is None:
            self._repeated = self._formula_repeated()
        return self._repeated

    def _formula_repeated(self) -> bool:
        if not self.formula_count:
            return False
        positions = self.formula_positions()
        numbers = self._number_keys() if self.number_count else None
        if positions is None or (self.number_count and numbers is None):
            refs = self.formula_refs
            return len(set(refs)) != len(refs) or self.number_cell_at(refs)
        keys = np.sort(positions[0] * KEY_COLUMNS + positions[1])
        if (keys[1:] == keys[:-1]).any():
            return True
        if numbers is None:
            return False
        at = np.minimum(np.searchsorted(numbers, keys), len(numbers) - 1)
        return bool((numbers[at] == keys).any())

    def all_records(self) -> list[CellSpan]:
        if not (self.number_count or self.formula_count):
            return self.records
        new = object.__new__
        numbers = []
        append = numbers.append
        found = self.numbers
        for ref, style, text, start, value_start in zip(self.number_refs, self.number_styles, self.number_texts,
                                                        found.starts.tolist(), found.value_starts.tolist()):
            cell = new(CellSpan)
            cell.ref = ref
            cell.tag_start = start
            cell.value_start = cell.tag_end = value_start - 3
            cell.value_tag_end = value_start
            cell.value_end = value_start + len(text) + 4
            cell.self_closing = False
            cell.formula = cell.formula_type = cell.formula_ref = cell.shared_index = None
            cell.formula_start = cell.formula_end = cell.cell_type = None
            cell.value_text = text
            cell.prefix = b""
            cell.style = style[4:-1] if style else None
            append(cell)
        numbers.extend(self.formula_records())
        if not self.records and not (self.number_count and self.formula_count):
            return numbers
        merged = numbers + self.records
        merged.sort(key=_tag_start)
        return merged

    def formula_records(self, which: list[int] | slice = slice(None)) -> list[CellSpan]:
        """The records of the formula cells kept as columns (those at the indices ``which``)."""
        found = FormulaCells(*(field[which] for field in self.formulas))
        spans = self._spans
        return list(map(_formula_record, spans(found.ref_starts, found.ref_lengths),
                        spans(found.ref_starts + found.ref_lengths + 1, found.style_lengths),
                        spans(found.formula_starts, found.formula_lengths),
                        spans(found.value_starts, found.value_lengths), found.starts.tolist(),
                        found.value_starts.tolist(), spans(found.index_starts, found.index_lengths)))


def _formula_record(ref: str, style: str, formula: str, text: str, start: int, value_start: int,
                    index: str = "") -> CellSpan:
    """A formula cell kept as columns as its record: ``<c r="REF"{style}><f>{formula}</f><v>{text}</v></c>``,
    or with an ``index`` ``<c r="REF"{style}><f t="shared" si="{index}"/><v>{text}</v></c>``, with its '<' at
    ``start`` and its value's text at ``value_start``."""
    cell = object.__new__(CellSpan)
    cell.ref = ref
    cell.tag_start = start
    cell.formula = formula
    if index:
        cell.tag_end = cell.formula_start = value_start - 3 - len('<f t="shared" si=""/>') - len(index)
        cell.formula_type, cell.shared_index = "shared", index
    else:
        cell.tag_end = cell.formula_start = value_start - 7 - len(formula) - 3
        cell.formula_type = cell.shared_index = None
    cell.value_start = cell.formula_end = value_start - 3
    cell.value_tag_end = value_start
    cell.value_end = value_start + len(text) + 4
    cell.self_closing = False
    cell.formula_ref = cell.cell_type = None
    cell.value_text = text
    cell.prefix = b""
    cell.style = style[4:-1] if style else None
    return cell


_EMPTY = np.zeros(0, dtype=np.int64)
NO_NUMBER_CELLS = NumberCells(*[_EMPTY] * 7)


def _tag_start(cell: CellSpan) -> int:
    return cell.tag_start


def scan_sheet(data: bytes, where: str = "sheet") -> SheetCells:
    """``scan_cells`` of a worksheet as a ``SheetCells``: its plain number cells found as arrays
    (``workbook.xlsx.number_cells``, no object per cell), what lies between them read by the fast path's
    expression, piece by piece. A part that is not plain throughout is read by ``scan_cells`` whole (then
    every cell is a record)."""
    found = _scan_columns(data)
    return SheetCells(scan_cells(data, where)) if found is None else found


# What lies between the column cells is read from arrays over its tags (``_between_columns``) when there
# are at most this many of them per column cell; past that (a sheet mostly of text or empty cells) from
# the pieces between the column cells (``_between_pieces``), which makes no array as long as its tags.
OTHER_TAGS_PER_COLUMN_CELL = 2


def _scan_columns(data: bytes) -> SheetCells | None:
    region = _sheet_data(data)
    if region is None:
        return None
    start, stop = region
    text = data.decode("latin-1")
    tags = tags_of(data, start, stop)
    numbers = find_number_cells(data, start, stop, text, tags)
    escaped = _escaped(data, start, stop)
    formulas = merged(find_formula_cells(data, start, stop, text, escaped, tags),
                      find_shared_cells(data, start, stop, text, tags))
    columns = len(numbers.starts) + len(formulas.starts)
    others = len(tags.at) - 4 * len(numbers.starts) - int(formulas.tag_counts.sum())   # tags of no column cell
    if not columns:
        del tags
        cells = _scan_plain(data)
        return None if cells is None else SheetCells(cells)
    with _collector_paused():
        if others <= OTHER_TAGS_PER_COLUMN_CELL * columns:
            records = _between_columns(text, start, stop, tags, numbers, formulas, escaped)
        else:        # mostly other cells (or empty ones): no array per tag, the pieces read whole
            del tags
            records = _between_pieces(text, start, stop, numbers, formulas, escaped)
    if records is None:
        return None
    # Expat checks the part without its number cells: each is a complete element of digits and letters,
    # and it sits between complete cells and row tags (everything around it was just read whole), so
    # taking it out changes nothing in whether the part is well-formed; a third of the bytes to parse.
    piece_starts = np.concatenate([[start], numbers.ends])
    piece_ends = np.concatenate([numbers.starts, [stop]])
    pieces = np.flatnonzero(piece_ends > piece_starts)
    kept = zip(piece_starts[pieces].tolist(), piece_ends[pieces].tolist())
    if not _well_formed(b"".join([data[:start], *(data[a:b] for a, b in kept), data[stop:]])):
        return None
    return SheetCells(records, numbers, data, text, formulas=formulas)


# What may follow a cell kept as columns up to the next tag, and what a row tag is (with what follows it up
# to the next tag): row tags are checked in one match over them all, each ended by a NUL, which no token
# can take in (XML holds no NUL), so that no token runs from one row tag into the next.
_SPACE = re.compile(r"\s*+", re.ASCII)
_ROW_TAGS = re.compile(r'(?:(?:<row(?:\s+' + _NAME + r'="[^"\x00]*")*+\s*+/?>|</row\s*+>)\s*+\x00)*+', re.ASCII)
_ROW = int.from_bytes(b"<row", "little")
_END_ROW = int.from_bytes(b"</row", "little")
_CLOSE_ROW = int.from_bytes(b"</row>", "little")
_AFTER_NAME = np.zeros(256, dtype=bool)
_AFTER_NAME[np.frombuffer(b" \t\r\n/>", dtype=np.uint8)] = True


def _between_pieces(text: str, start: int, stop: int, numbers: NumberCells, formulas: FormulaCells,
                    escaped: bool) -> list[CellSpan] | None:
    """``_between_columns`` by reading every piece of text[start:stop] between two column cells whole
    (``_plain_cells_in``): rows, white space and other cells."""
    cell_starts = np.concatenate([numbers.starts, formulas.starts])
    order = np.argsort(cell_starts, kind="stable")
    piece_starts = np.concatenate([[start], np.concatenate([numbers.ends, formulas.ends])[order]])
    piece_ends = np.concatenate([cell_starts[order], [stop]])
    pieces = np.flatnonzero(piece_ends > piece_starts)
    return _plain_cells_in(text, list(zip(piece_starts[pieces].tolist(), piece_ends[pieces].tolist())), escaped,
                           False)


def _row_tags_read(part, starts: np.ndarray, ends: np.ndarray) -> bool:
    """Whether each span (a row tag and what follows it up to the next tag) is read by ``_ROW_TAGS``: the
    spans gathered into one text, each followed by a NUL, and matched at once."""
    lengths = ends - starts + 1
    if not len(lengths):
        return True
    total = int(lengths.sum())
    # Index of every byte to gather: a run from each start, the NUL's place pointing at a zero pad byte.
    offsets = np.cumsum(lengths) - lengths
    index = np.arange(total, dtype=np.int64) + np.repeat(starts - offsets, lengths)
    index[offsets + lengths - 1] = len(part.buf) - 1
    return _ROW_TAGS.fullmatch(part.buf[index].tobytes().decode("latin-1")) is not None


def _between_columns(text: str, start: int, stop: int, tags, numbers: NumberCells, formulas: FormulaCells,
                     escaped: bool) -> list[CellSpan] | None:
    """The records of what lies between the cells kept as columns in text[start:stop], or None when any of
    it is not read by the fast path's expressions: every tag is a column cell's, a row tag, or in a region
    of other cells that the cell expression reads whole (``_plain_cells_in``)."""
    part, at = tags.part, tags.at
    count = len(at)
    counts = formulas.tag_counts                  # <c, <f, </f, <v, </v, </c; a shared formula's cell no </f
    marks = np.zeros(count + 1, dtype=np.int32)   # +1 at a column cell's first tag, -1 just after its last
    marks[numbers.first_tags] += 1
    marks[numbers.first_tags + 4] -= 1            # <c, <v, </v, </c
    marks[formulas.first_tags] += 1
    marks[formulas.first_tags + counts] -= 1
    covered = np.cumsum(marks[:-1]) > 0
    next_at = np.append(at[1:], stop)             # where the text after each tag ends: the next tag
    # After each column cell, white space only up to the next tag; before the first tag, the same.
    cell_ends = np.concatenate([numbers.ends, formulas.ends])
    after = next_at[np.concatenate([numbers.first_tags + 3, formulas.first_tags + counts - 1])]
    spaced = np.flatnonzero(after > cell_ends).tolist()
    if any(_SPACE.fullmatch(text, a, b) is None for a, b in zip(cell_ends[spaced].tolist(), after[spaced].tolist())):
        return None
    if _SPACE.fullmatch(text, start, int(at[0]) if count else stop) is None:
        return None
    uncovered = np.flatnonzero(~covered)
    places = at[uncovered]
    ends = next_at[uncovered]
    word = part.words(places, 8)                  # (the first bytes of each tag, read once)
    closing = (word & np.uint64(0xFFFFFFFFFFFF)) == _CLOSE_ROW
    rows = ((((word & np.uint64(0xFFFFFFFF)) == _ROW) & _AFTER_NAME[part.buf[places + 4]])
            | (((word & np.uint64(0xFFFFFFFFFF)) == _END_ROW) & _AFTER_NAME[part.buf[places + 5]]))
    matched = rows & ~(closing & (ends == places + 6))        # (a bare </row> needs no match)
    if not _row_tags_read(part, places[matched], ends[matched]):
        return None
    # Every other tag: runs of them, each read whole up to the next row tag or column cell.
    if rows.all():
        return []
    other = np.zeros(count, dtype=bool)
    other[uncovered[~rows]] = True
    edges = np.diff(np.concatenate([[False], other, [False]]).astype(np.int8))
    firsts, lasts = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    regions = list(zip(at[firsts].tolist(), next_at[lasts].tolist()))
    return _plain_cells_in(text, regions, escaped, False)


def scan_cells(data: bytes, where: str = "sheet", keep_empty: bool | set = False) -> list[CellSpan]:
    """Every <c> of a worksheet with the byte spans of its parts; cells without content only when
    ``keep_empty`` is True or holds their reference."""
    cells = _scan_plain(data, keep_empty)
    return _scan_with_expat(data, where, keep_empty) if cells is None else cells


def _scan_with_expat(data: bytes, where: str = "sheet", keep_empty: bool | set = False) -> list[CellSpan]:
    """``scan_cells`` by expat callbacks: any well-formed sheet, and the errors a malformed one raises."""
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
