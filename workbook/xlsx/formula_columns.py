"""A sheet's plain formula cells found as arrays, with no Python object per cell.

A large sheet's formulas are mostly written as ``<c r="H7"><f>KC_DCF(A7:E7,F7,G7)</f><v>12.5</v></c>``,
maybe with an ``s="3"``: no type, no formula attributes, a formula with nothing to decode and a number
cached. ``find_formula_cells`` finds every such cell of a region from the positions of its '<'
characters, the way ``workbook.xlsx.number_cells`` finds the number cells, and is an exact restatement of
``FORMULA_CELL``: a cell the windows cannot settle is settled by the expression itself.
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

_OPEN = int.from_bytes(b'<c r="', "little")
_FORMULA = int.from_bytes(b"<f>", "little")
_BETWEEN = int.from_bytes(b"</f><v>", "little")
_CLOSE = int.from_bytes(b"</v></c>", "little")


class FormulaCells(NamedTuple):
    """Where each plain formula cell of a region lies, in sheet order (int64 arrays of byte offsets into
    the part): its '<', its reference's length (it starts 6 bytes in), its s attribute's length as written
    (' s="3"', 0 when absent; just after the reference's closing quote), its formula's text (start,
    length: the <f> just before it, </f><v> just after), its value's text (start, length: </v></c> just
    after), just after its '</c>', and the index of its '<' among the region's ``Tags``."""

    starts: np.ndarray
    ref_lengths: np.ndarray
    style_lengths: np.ndarray
    formula_starts: np.ndarray
    formula_lengths: np.ndarray
    value_starts: np.ndarray
    value_lengths: np.ndarray
    ends: np.ndarray
    first_tags: np.ndarray

    @property
    def ref_starts(self) -> np.ndarray:
        return self.starts + len('<c r="')


_EMPTY = np.zeros(0, dtype=np.int64)
NO_FORMULA_CELLS = FormulaCells(*[_EMPTY] * 9)


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
    return FormulaCells(p0[chosen], ref_length[chosen], np.maximum(style_length[chosen], 0),
                        formula_start[chosen], formula_length[chosen], value_start[chosen], value_length[chosen],
                        p4[chosen] + 8, first[chosen])


def _matched(text: str, first: np.ndarray, p0: np.ndarray, p1: np.ndarray, p2: np.ndarray,
             p4: np.ndarray) -> FormulaCells:
    """``find_formula_cells`` for a few candidates: the expression tried at each."""
    hits, refs, styles = match_each(FORMULA_CELL, text, p0, p4 + 8)
    formula_starts, value_starts = p1[hits] + 3, p2[hits] + 7
    return FormulaCells(p0[hits], refs[hits], styles[hits], formula_starts, p2[hits] - formula_starts, value_starts,
                        p4[hits] - value_starts, p4[hits] + 8, first[hits])
