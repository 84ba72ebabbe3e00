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
_PLAIN_LINES = re.compile(r"^([A-Z]{1,3})([0-9]{1,9})$", re.M)
_LETTERS: dict[str, int] = {}


def cell_keys(refs: list[str]) -> np.ndarray | None:
    """row * KEY_COLUMNS + column of each reference as the sheet XML writes it ('B21'), as int64, read in
    one pass; None when any is not 1 to 3 capitals and up to 9 digits."""
    if not refs:
        return np.zeros(0, dtype=np.int64)
    text = "\n".join(refs)
    found = _PLAIN_LINES.findall(text)
    if len(found) != len(refs) or text.count("\n") != len(refs) - 1:   # (a reference holding a line end)
        return None
    letters, digits = zip(*found)
    for new in set(letters).difference(_LETTERS):
        _LETTERS[new] = column_number(new)
    rows = np.array(digits, dtype=np.int64)
    return rows * KEY_COLUMNS + np.array([_LETTERS[t] for t in letters], dtype=np.int64)
