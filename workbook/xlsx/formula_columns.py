"""A sheet's plain formula cells found as arrays, with no Python object per cell.

A large sheet's formulas are mostly written as ``<c r="H7"><f>KC_DCF(A7:E7,F7,G7)</f><v>12.5</v></c>``,
maybe with an ``s="3"``: no type, no formula attributes, a formula with nothing to decode and a number
cached; or, as Excel saves a formula filled down, as a shared formula's other cells,
``<c r="H8"><f t="shared" si="0"/><v>12.5</v></c>`` (the group's first cell, which carries the text, is an
ordinary record). ``find_formula_cells`` and ``find_shared_cells`` find every such cell of a region from
the positions of its '<' characters, the way ``workbook.xlsx.number_cells`` finds the number cells; each
is an exact restatement of its expression (``FORMULA_CELL``, ``SHARED_CELL``): a cell the windows cannot
settle is settled by the expression itself. A region is a <sheetData>'s content, which no cell straddles:
a cell is read up to its '</c>' (and so is a cell cut by a region's end, which the expression held to the
region would not match).
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np

from workbook.xlsx.number_cells import FEW, Tags, match_each, number_texts, start_tags, tags_of

# A plain formula cell: an r, maybe an s, no t; an <f> with no attributes whose text holds nothing XML
# would decode (no reference, no line end, only ASCII); a <v> of number characters.
FORMULA_CELL = re.compile(r'<c r="([A-Z]{1,3}[0-9]+)"((?: s="[0-9]+")?)><f>([^<&\r\x80-\xff]*)</f>'
                          r'<v>([-+.0-9Ee]+)</v></c>', re.ASCII)

SHARED_CELL = re.compile(r'<c r="([A-Z]{1,3}[0-9]+)"((?: s="[0-9]+")?)><f t="shared" si="([0-9]+)"/>'
                         r'<v>([-+.0-9Ee]+)</v></c>', re.ASCII)

_OPEN = int.from_bytes(b'<c r="', "little")
_SHARED = np.frombuffer(b'<f t="shared" si="', dtype=np.uint8)
_SHARED_END = int.from_bytes(b'"/><v>', "little")
_INDEX_WINDOW = 8         # digits of an si attribute read by the vector checks
_FORMULA = int.from_bytes(b"<f>", "little")
_BETWEEN = int.from_bytes(b"</f><v>", "little")
_CLOSE = int.from_bytes(b"</v></c>", "little")


class FormulaCells(NamedTuple):
    """Where each plain formula cell of a region lies, in sheet order (int64 arrays of byte offsets into
    the part): its '<', its reference's length (it starts 6 bytes in), its s attribute's length as written
    (' s="3"', 0 when absent; just after the reference's closing quote), its formula's text (start,
    length: the <f> just before it, </f><v> just after), its value's text (start, length: </v></c> just
    after), just after its '</c>', the index of its '<' among the region's ``Tags``, and its si attribute's
    digits (start, length; 0 for a cell with a formula of its own). A shared formula's other cell has no
    formula text (length 0 at its <v>) and holds five tags, not six."""

    starts: np.ndarray
    ref_lengths: np.ndarray
    style_lengths: np.ndarray
    formula_starts: np.ndarray
    formula_lengths: np.ndarray
    value_starts: np.ndarray
    value_lengths: np.ndarray
    ends: np.ndarray
    first_tags: np.ndarray
    index_starts: np.ndarray
    index_lengths: np.ndarray

    @property
    def ref_starts(self) -> np.ndarray:
        return self.starts + len('<c r="')

    @property
    def tag_counts(self) -> np.ndarray:
        return np.where(self.index_lengths > 0, 5, 6)


_EMPTY = np.zeros(0, dtype=np.int64)
NO_FORMULA_CELLS = FormulaCells(*[_EMPTY] * 11)


def merged(a: FormulaCells, b: FormulaCells) -> FormulaCells:
    """Both sets of cells in sheet order."""
    if not len(b.starts):
        return a
    if not len(a.starts):
        return b
    order = np.argsort(np.concatenate([a.starts, b.starts]), kind="stable")
    return FormulaCells(*(np.concatenate([x, y])[order] for x, y in zip(a, b)))


def find_formula_cells(data: bytes, start: int, stop: int, text: str, escaped: bool,
                       tags: Tags | None = None) -> FormulaCells:
    """Every match of ``FORMULA_CELL`` that a left-to-right search of data[start:stop] would find (``text``
    is ``data`` decoded as Latin-1; ``escaped`` whether the region holds any '&', carriage return or byte
    past ASCII; ``tags`` its ``tags_of``, when found already)."""
    part, at, after = tags or tags_of(data, start, stop)
    # A formula cell holds exactly six tags, <c, <f, </f, <v, </v and </c, and no other '<'.
    first = np.flatnonzero((after[:-5] == ord("c")) & (after[1:-4] == ord("f")) & (after[2:-3] == ord("/"))
                           & (after[3:-2] == ord("v")) & (after[4:-1] == ord("/")) & (after[5:] == ord("/")))
    p0, p1, p2, p4 = at[first], at[first + 1], at[first + 2], at[first + 4]
    if len(first) <= FEW:
        return _matched(text, first, p0, p1, p2, p4)
    ok = ((part.words(p0, 6) == _OPEN) & (part.words(p1, 3) == _FORMULA) & (part.words(p2, 7) == _BETWEEN)
          & (part.words(p4, 8) == _CLOSE))
    first, p0, p1, p2, p4 = first[ok], p0[ok], p1[ok], p2[ok], p4[ok]
    ref_length, style_length, chosen, settled = start_tags(part, p0, p1)
    formula_start = p1 + 3
    formula_length = p2 - formula_start
    if escaped:                                  # a formula with anything to decode is left to the records
        buf = part.buf
        special = np.flatnonzero((buf[start:stop] == ord("&")) | (buf[start:stop] == ord("\r"))
                                 | (buf[start:stop] >= 0x80)) + start
        chosen &= np.searchsorted(special, formula_start) == np.searchsorted(special, p2)
    value_start = p2 + 7
    value_length = p4 - value_start
    value_ok, value_settled = number_texts(part, value_start, value_length)
    settled &= value_settled
    chosen &= settled & value_ok
    open_ = np.flatnonzero(~settled)             # what the windows did not cover: the expression decides
    hits, ref_length[open_], style_length[open_] = match_each(FORMULA_CELL, text, p0[open_], p4[open_] + 8)
    chosen[open_] = hits
    none = np.zeros(int(chosen.sum()), dtype=np.int64)
    return FormulaCells(p0[chosen], ref_length[chosen], np.maximum(style_length[chosen], 0),
                        formula_start[chosen], formula_length[chosen], value_start[chosen], value_length[chosen],
                        p4[chosen] + 8, first[chosen], none, none)


def _matched(text: str, first: np.ndarray, p0: np.ndarray, p1: np.ndarray, p2: np.ndarray,
             p4: np.ndarray) -> FormulaCells:
    """``find_formula_cells`` for a few candidates: the expression tried at each."""
    hits, refs, styles = match_each(FORMULA_CELL, text, p0, p4 + 8)
    formula_starts, value_starts = p1[hits] + 3, p2[hits] + 7
    none = np.zeros(len(formula_starts), dtype=np.int64)
    return FormulaCells(p0[hits], refs[hits], styles[hits], formula_starts, p2[hits] - formula_starts, value_starts,
                        p4[hits] - value_starts, p4[hits] + 8, first[hits], none, none)


def find_shared_cells(data: bytes, start: int, stop: int, text: str, tags: Tags | None = None) -> FormulaCells:
    """Every match of ``SHARED_CELL`` that a left-to-right search of data[start:stop] would find, as
    ``find_formula_cells`` gives its cells."""
    part, at, after = tags or tags_of(data, start, stop)
    # A shared formula's other cell holds exactly five tags, <c, <f, <v, </v and </c, and no other '<'.
    first = np.flatnonzero((after[:-4] == ord("c")) & (after[1:-3] == ord("f")) & (after[2:-2] == ord("v"))
                           & (after[3:-1] == ord("/")) & (after[4:] == ord("/")))
    p0, p1, p2, p3 = at[first], at[first + 1], at[first + 2], at[first + 3]
    if len(first) <= FEW:
        hits, refs, styles = match_each(SHARED_CELL, text, p0, p3 + 8)
        p0, p1, p2, p3, first = p0[hits], p1[hits], p2[hits], p3[hits], first[hits]
        return _shared(p0, refs[hits], styles[hits], p1, p2, p3, first)
    ok = ((part.words(p0, 6) == _OPEN) & (part.windows(p1, len(_SHARED)) == _SHARED).all(1)
          & (part.words(p2 - 3, 6) == _SHARED_END) & (part.words(p3, 8) == _CLOSE))
    first, p0, p1, p2, p3 = first[ok], p0[ok], p1[ok], p2[ok], p3[ok]
    ref_length, style_length, chosen, settled = start_tags(part, p0, p1)
    # The si attribute: one or more digits up to its closing quote.
    index_length = p2 - 3 - (p1 + len(_SHARED))
    places = np.arange(_INDEX_WINDOW)
    window = part.windows(p1 + len(_SHARED), _INDEX_WINDOW)
    index_ok = (index_length >= 1) & ~((places < index_length[:, None]) & ((window - np.uint8(ord("0"))) >= 10)).any(1)
    settled &= (index_length <= _INDEX_WINDOW) | ~index_ok
    value_ok, value_settled = number_texts(part, p2 + 3, p3 - (p2 + 3))
    settled &= value_settled
    chosen &= settled & index_ok & value_ok
    open_ = np.flatnonzero(~settled)             # what the windows did not cover: the expression decides
    hits, ref_length[open_], style_length[open_] = match_each(SHARED_CELL, text, p0[open_], p3[open_] + 8)
    chosen[open_] = hits
    return _shared(p0[chosen], ref_length[chosen], np.maximum(style_length[chosen], 0), p1[chosen], p2[chosen],
                   p3[chosen], first[chosen])


def _shared(p0, ref_lengths, style_lengths, p1, p2, p3, first) -> FormulaCells:
    """The cells found, from the places of their <c, <f, <v and </v."""
    value_starts = p2 + 3
    index_starts = p1 + len(_SHARED)
    return FormulaCells(p0, ref_lengths, style_lengths, p2, np.zeros(len(p0), dtype=np.int64), value_starts,
                        p3 - value_starts, p3 + 8, first, index_starts, p2 - 3 - index_starts)
