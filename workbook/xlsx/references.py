"""A1-style cell references: 'B21' <-> (row 21, column 2), and the cells of a range."""

from __future__ import annotations

import re

import numpy as np

from workbook.errors import BookError

CELL = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]+)$")


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
    match = CELL.match(ref)
    if not match:
        raise BookError(f"bad cell reference {ref!r}")
    return int(match[2]), column_number(match[1])


MAX_RANGE_CELLS = 2_000_000  # a reference such as A1:XFD1048576 must not be listed cell by cell


def range_size(ref: str) -> int:
    first, _, last = ref.partition(":")
    r1, c1 = split_cell(first)
    r2, c2 = split_cell(last or first)
    return (abs(r2 - r1) + 1) * (abs(c2 - c1) + 1)


def range_cells(ref: str) -> list[str]:
    """'B21:C22' -> ['B21', 'C21', 'B22', 'C22']; a BookError for a range of more than MAX_RANGE_CELLS."""
    first, _, last = ref.partition(":")
    r1, c1 = split_cell(first)
    r2, c2 = split_cell(last or first)
    if (abs(r2 - r1) + 1) * (abs(c2 - c1) + 1) > MAX_RANGE_CELLS:
        raise BookError(f"the range {ref} covers {(abs(r2 - r1) + 1) * (abs(c2 - c1) + 1):,} cells, over the "
                        f"{MAX_RANGE_CELLS:,}-cell limit")
    return [f"{column_letters(c)}{r}" for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


KEY_COLUMNS = 18_279         # ZZZ is column 18,278: row * KEY_COLUMNS + column is one number per reference
LONGEST_PLAIN = 12           # 3 letters and 9 digits


def spans_positions(buf: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> tuple | None:
    """(rows, columns) as int64 arrays of the references at buf[start:start + length] (``buf`` bytes with
    at least LONGEST_PLAIN readable after every start), each 1 to 3 capitals then 1 to 9 digits; None
    when any is not."""
    if not len(starts):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if lengths.max() > LONGEST_PLAIN or lengths.min() < 2:
        return None
    # One row per place in the references, place k of every reference contiguous.
    places = np.arange(LONGEST_PLAIN)[:, None]
    chars = buf[starts[None, :] + places].astype(np.int64)
    upper = (chars[:3] >= 65) & (chars[:3] <= 90)
    letters = upper[0] * (1 + upper[1] + (upper[1] & upper[2]))
    in_row = (places >= letters) & (places < lengths)
    digit = (chars >= 48) & (chars <= 57)
    if not ((letters >= 1) & (lengths - letters <= 9) & (lengths > letters)).all() or (in_row & ~digit).any():
        return None
    cols = chars[0] - 64
    for k in (1, 2):
        cols = np.where(k < letters, cols * 26 + chars[k] - 64, cols)
    rows = np.zeros(len(starts), dtype=np.int64)
    for k in range(1, LONGEST_PLAIN):
        rows = np.where(in_row[k], rows * 10 + chars[k] - 48, rows)
    return rows, cols


def cell_keys(refs: list[str]) -> np.ndarray | None:
    """row * KEY_COLUMNS + column of each reference as the sheet XML writes it ('B21'), as int64, read in
    one pass over their bytes; None when any is not 1 to 3 capitals and 1 to 9 digits."""
    if not refs:
        return np.zeros(0, dtype=np.int64)
    text = "\n".join(refs)
    if not text.isascii() or text.count("\n") != len(refs) - 1:     # (a reference holding a line end)
        return None
    data = text.encode("ascii")
    buf = np.frombuffer(data + b"\n" * LONGEST_PLAIN, dtype=np.uint8)
    breaks = np.flatnonzero(buf[:len(data)] == ord("\n"))
    starts = np.concatenate([[0], breaks + 1])
    found = spans_positions(buf, starts, np.concatenate([breaks, [len(data)]]) - starts)
    return None if found is None else found[0] * KEY_COLUMNS + found[1]
