"""A sheet's plain number cells found and read as arrays, with no Python object per cell.

Most cells of a large sheet are written as ``<c r="B7"><v>12.5</v></c>``, maybe with an ``s="3"``: the
pattern ``workbook.xlsx.cells`` calls a plain number cell. ``find_number_cells`` finds every one in a
region of the sheet's bytes from the positions of its '<' characters, and ``parse_decimals`` reads their
values. Both are exact restatements of the regular expression and of ``float``: a cell that the vector
checks cannot settle (a reference, style or value longer than the windows read) is settled by the
expression itself, and a value outside the fast decimal path by ``float``.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np

# A plain number cell: an r, maybe an s, no t, and a <v> of digits, signs, points and exponents only
# (nothing to decode). The vector checks below restate it; it settles the cells they leave open.
NUMBER_CELL = re.compile(r'<c r="([A-Z]{1,3}[0-9]+)"((?: s="[0-9]+")?)><v>([-+.0-9Ee]+)</v></c>', re.ASCII)

_OPEN = int.from_bytes(b'<c r="', "little")
_CLOSE = int.from_bytes(b"</v></c>", "little")
_STYLE = int.from_bytes(b' s="', "little")
_REF_WINDOW = 16          # a reference and its closing quote (XFD1048576 takes 11)
_STYLE_WINDOW = 8         # digits of an s attribute read by the vector checks
_VALUE_WINDOW = 24        # characters of a value read by the vector checks (-1.2345678901234567E-300)
FEW = 256                 # candidates or values up to this many are read one by one (fewer array passes)
_PAD = 32                 # zero bytes after the part, so that every window read stays inside the buffer
_NUMBER_CHARACTERS = np.zeros(256, dtype=bool)
_NUMBER_CHARACTERS[np.frombuffer(b"-+.0123456789Ee", dtype=np.uint8)] = True


class NumberCells(NamedTuple):
    """Where each plain number cell of a region lies, in sheet order (int64 arrays of byte offsets into
    the part): its '<', its reference (start, length), its s attribute as written (' s="3"', length 0 when
    absent; it starts just after the reference's closing quote), its value's text (start, length), and
    just after its '</c>'; and the index of its '<' among the region's ``Tags``."""

    starts: np.ndarray
    ref_lengths: np.ndarray
    style_lengths: np.ndarray
    value_starts: np.ndarray
    value_lengths: np.ndarray
    ends: np.ndarray
    first_tags: np.ndarray

    @property
    def ref_starts(self) -> np.ndarray:
        return self.starts + len('<c r="')


class Bytes:
    """A part's bytes with ``_PAD`` zero bytes after them, read as fixed-width windows (a strided view:
    gathering a window per cell copies its bytes, with no index per byte)."""

    def __init__(self, data: bytes):
        self.buf = np.frombuffer(data + bytes(_PAD), dtype=np.uint8)

    def windows(self, starts: np.ndarray, width: int) -> np.ndarray:
        # A row for every byte position, each row the next ``width`` bytes (read-only, no copy).
        view = np.ndarray((len(self.buf) - width + 1, width), dtype=np.uint8, buffer=self.buf, strides=(1, 1))
        return view[starts]

    def words(self, starts: np.ndarray, size: int) -> np.ndarray:
        """The ``size`` (at most 8) bytes at each start as one little-endian integer."""
        word = self.windows(starts, 8).view("<u8")[:, 0]
        return word if size == 8 else word & np.uint64((1 << 8 * size) - 1)


def _digits(window: np.ndarray) -> np.ndarray:
    return (window - np.uint8(ord("0"))) < 10


def _any(rows: np.ndarray) -> np.ndarray:
    """rows.any(1) of a C-contiguous bool array whose width is a multiple of 8, a word at a time."""
    words = rows.view(np.uint64)
    found = words[:, 0] != 0
    for k in range(1, words.shape[1]):
        found |= words[:, k] != 0
    return found


class Tags(NamedTuple):
    """The '<' positions of a region of a part (int64, in order) and the byte after each: what the cell
    finders classify tags by. Found once and shared by the number and the formula cells' finders."""

    part: Bytes
    at: np.ndarray
    after: np.ndarray


def tags_of(data: bytes, start: int, stop: int) -> Tags:
    part = Bytes(data)
    at = np.flatnonzero(part.buf[start:stop] == ord("<")) + start
    return Tags(part, at, part.buf[at + 1])


def find_number_cells(data: bytes, start: int, stop: int, text: str, tags: Tags | None = None) -> NumberCells:
    """The plain number cells of data[start:stop] (``text`` is ``data`` decoded as Latin-1; ``tags`` its
    ``tags_of``, when found already): every match of ``NUMBER_CELL`` that a left-to-right search would
    find there."""
    part, at, after = tags or tags_of(data, start, stop)
    buf = part.buf
    # A number cell holds exactly four tags, <c, <v, </v and </c, and no other '<'.
    first = np.flatnonzero((after[:-3] == ord("c")) & (after[1:-2] == ord("v"))
                           & (after[2:-1] == ord("/")) & (after[3:] == ord("/")))
    p0, p1, p2 = at[first], at[first + 1], at[first + 2]   # (</v></c> puts the fourth just after)
    if len(first) <= FEW:
        return _matched(text, first, p0, p1, p2)
    ok = (part.words(p0, 6) == _OPEN) & (part.words(p2, 8) == _CLOSE) & (buf[p1 + 2] == ord(">"))
    first, p0, p1, p2 = first[ok], p0[ok], p1[ok], p2[ok]
    ref_length, style_length, tag_ok, settled = start_tags(part, p0, p1)
    value_start = p1 + 3
    value_length = p2 - value_start
    value_ok, value_settled = number_texts(part, value_start, value_length)
    settled &= value_settled
    chosen = settled & tag_ok & value_ok
    open_ = np.flatnonzero(~settled)             # what the windows did not cover: the expression decides
    chosen[open_], ref_length[open_], style_length[open_] = match_each(NUMBER_CELL, text, p0[open_], p2[open_] + 8)
    return NumberCells(p0[chosen], ref_length[chosen], np.maximum(style_length[chosen], 0), value_start[chosen],
                       value_length[chosen], p2[chosen] + 8, first[chosen])


def start_tags(part: Bytes, p0: np.ndarray, p1: np.ndarray) -> tuple:
    """The start tags that begin with ``<c r="`` at each ``p0`` and end just before the '<' at ``p1``, read
    as ``<c r="REF"( s="DIGITS")?>``: (the reference's length, the s attribute's length as written (0 when
    absent), whether the tag is one, whether the windows settle it)."""
    buf = part.buf
    # The reference: 1 to 3 capitals then digits, up to its closing quote.
    ref = part.windows(p0 + 6, _REF_WINDOW)
    quote = ref == ord('"')
    ref_length = quote.argmax(1)
    upper = (ref[:, :3] - np.uint8(ord("A"))) < 26
    letters = (upper[:, 0].astype(np.int64) + (upper[:, 0] & upper[:, 1])
               + (upper[:, 0] & upper[:, 1] & upper[:, 2]))
    places = np.arange(_REF_WINDOW)
    in_row = (places >= letters[:, None]) & (places < ref_length[:, None])
    ref_ok = (letters >= 1) & (ref_length > letters) & ~_any(in_row & ~_digits(ref))
    settled = quote.any(1)                       # a longer reference is left to the expression
    # The s attribute: nothing, or ' s="' digits '"', between the reference's quote and the '>'.
    quote_at = p0 + 6 + ref_length
    style_length = p1 - quote_at - 2
    plain = style_length == 0
    style_digits = style_length - 5
    styled = (style_digits >= 1) & (part.words(quote_at + 1, 4) == _STYLE) & (buf[p1 - 2] == ord('"'))
    if styled.any():                             # (a sheet of unstyled numbers reads no style window)
        places = np.arange(_STYLE_WINDOW)
        styled &= ~_any((places < style_digits[:, None]) & ~_digits(part.windows(quote_at + 5, _STYLE_WINDOW)))
    settled &= plain | (style_digits <= _STYLE_WINDOW) | ~styled
    return ref_length, style_length, ref_ok & (plain | styled) & (buf[p1 - 1] == ord(">")), settled


def number_texts(part: Bytes, starts: np.ndarray, lengths: np.ndarray) -> tuple:
    """(whether each span is one or more of the number characters, whether the windows settle it)."""
    places = np.arange(_VALUE_WINDOW)
    characters = _NUMBER_CHARACTERS[part.windows(starts, _VALUE_WINDOW)]
    ok = (lengths >= 1) & ~_any((places < lengths[:, None]) & ~characters)
    return ok, (lengths <= _VALUE_WINDOW) | ~ok


def match_each(expression: re.Pattern, text: str, starts: np.ndarray, ends: np.ndarray) -> tuple:
    """Whether ``expression`` matches each text[start:end] whole, and the lengths of its groups 1 and 2
    there (the reference and the s attribute; 0 where it does not match)."""
    hits, refs, styles = [], [], []
    for start, end in zip(starts.tolist(), ends.tolist()):
        match = expression.fullmatch(text, start, end)
        hits.append(match is not None)
        refs.append(0 if match is None else match.end(1) - match.start(1))
        styles.append(0 if match is None else match.end(2) - match.start(2))
    return np.array(hits, dtype=bool), np.array(refs, dtype=np.int64), np.array(styles, dtype=np.int64)


def _matched(text: str, first: np.ndarray, p0: np.ndarray, p1: np.ndarray, p2: np.ndarray) -> NumberCells:
    """``find_number_cells`` for a few candidates: the expression tried at each."""
    hits, refs, styles = match_each(NUMBER_CELL, text, p0, p2 + 8)
    value_starts = p1[hits] + 3
    return NumberCells(p0[hits], refs[hits], styles[hits], value_starts, p2[hits] - value_starts, p2[hits] + 8,
                       first[hits])


_FAST_LENGTH = 18         # a sign, a point and 16 digits, or 18 digits: the mantissa stays below 10**18
_RIGHT = _VALUE_WINDOW - 1
_POWERS = 10.0 ** np.arange(_FAST_LENGTH)     # exact in binary64 (up to 10**22 would be)


def parse_decimals(data: bytes, starts: np.ndarray, lengths: np.ndarray, text: str) -> np.ndarray:
    """float(text) of every span (a float64 array): ValueError, as float gives it, for one it does not read.

    A plain decimal of up to 18 characters (an optional sign, digits with at most one point, no exponent)
    is an integer m below 10**18 with k digits after the point; when m <= 2**53 it is m / 10**k, one
    correctly rounded division of two exact binary64 numbers, which is float's own correctly rounded
    result. Every other span is read by float."""
    count = len(starts)
    if count <= FEW:
        return np.array([float(text[a:b]) for a, b in zip(starts.tolist(), (starts + lengths).tolist())],
                        dtype=np.float64)
    result = np.empty(count, dtype=np.float64)
    ends = starts + lengths
    # Right-aligned windows, one row per place (place k of every value contiguous): a value's last
    # character in the last row, so a row is a place value.
    places = np.ascontiguousarray(Bytes(data).windows(np.maximum(ends - _VALUE_WINDOW, 0), _VALUE_WINDOW).T)
    first = _VALUE_WINDOW - lengths                              # the row of each value's first character
    inside = np.arange(_VALUE_WINDOW)[:, None] >= first
    digit = inside & _digits(places)
    point = inside & (places == ord("."))
    lead = places[np.clip(first, 0, _RIGHT), np.arange(count)]
    signed = (lead == ord("-")) | (lead == ord("+"))
    points = point.sum(0)
    fast = ((lengths <= _FAST_LENGTH) & (ends >= _VALUE_WINDOW) & (digit.sum(0) >= 1) & (points <= 1)
            & ((inside & ~digit & ~point).sum(0) == signed))   # a sign, if any, is the first character
    mantissa = np.zeros(count, dtype=np.int64)                   # the digits in order, the point skipped
    for k in range(_VALUE_WINDOW - _FAST_LENGTH, _VALUE_WINDOW):
        mantissa = np.where(digit[k], mantissa * 10 + (places[k] - ord("0")), mantissa)
    fast &= mantissa <= 2 ** 53
    after = np.where(fast & (points > 0), _RIGHT - point.argmax(0), 0)   # digits after the point
    values = mantissa.astype(np.float64) / _POWERS[after]
    result[:] = np.where(lead == ord("-"), -values, values)
    for k in np.flatnonzero(~fast).tolist():
        at = int(starts[k])
        result[k] = float(text[at:at + int(lengths[k])])
    return result
